use foldhash::{HashMap, HashMapExt};

use syn::spanned::Spanned;
use syn::visit::Visit;

use crate::declare_lint;
use crate::diagnostic::{Applicability, Diagnostic};
use crate::model::body::{untied_return, Pointers};
use crate::model::def_map::{Namespace, Res};
use crate::model::file_context::FileContext;
use crate::model::item_tree::{GenericArg, Impl, Item, ItemKind, TypeKind, TypeRef};
use crate::model::lower::{ident_text, lower_type, member_text};
use crate::model::macros::{visit_exprs, visit_macro_exprs};
use crate::model::walk::{strip_parens, tail_expr, BodyScope, FnView, Hooks};
use crate::model::{Model, Scope};
use crate::source::{SourceFile, Span};
use crate::text::one_line;

declare_lint! {
    /// ### What it does
    /// Follows device references made from raw pointers — `Device::from_raw(ptr)`, a bus type's
    /// `from_raw`, `Device::as_ref(ptr)` in older kernels, `&*ptr.cast::<Device>()`,
    /// `&*(ptr as *const Device)`, `transmute` — through `let` bindings and moves within a function,
    /// and reports when one is stored: in a struct field (a struct literal, `pin_init!`, or a field
    /// assignment), in a `static`, or returned from a safe function whose signature ties the returned
    /// reference to no input.
    ///
    /// It also reports a conversion impl that makes a device reference from a borrow without tying
    /// the two: `impl TryFrom<&device::Device> for &pci::Device` (or `From`). Lifetimes elided in an
    /// impl header are independent of each other, so safe code can call
    /// `<&'static pci::Device>::try_from(&dev)` with a short borrow and keep the result past unbind.
    /// The fix names one lifetime for both: `impl<'a> TryFrom<&'a device::Device> for &'a
    /// pci::Device`.
    ///
    /// ### Why is this bad
    /// A reference made from a raw pointer gets whatever lifetime the code asks for; nothing checks it.
    /// Used locally — as the kernel's callback adapters do — that is fine. Stored, it can outlive the
    /// driver's remove/unbind, and the device may be freed under it.
    ///
    /// ### Known problems
    /// References are followed within one function, through `let` bindings and moves, not into
    /// the functions they are passed to; a closure that captures one is not followed either.
    /// Conversion impls other than `TryFrom` and `From` are not checked.
    ///
    /// ### Example
    /// ```rust,ignore
    /// let dev = unsafe { Device::from_raw(ptr) };
    /// self.dev = dev;
    /// ```
    ///
    /// ### Use instead
    /// ```rust,ignore
    /// let dev: ARef<Device> = unsafe { Device::from_raw(ptr) }.into();
    /// self.dev = dev;
    /// ```
    pub UNBOUNDED_DEVICE_REF = "unbounded_device_ref", Correctness,
    "a device reference made from a raw pointer is stored where it can outlive unbind"
}

pub fn check(cx: &FileContext<'_>, out: &mut Vec<Diagnostic>) {
    let model = cx.model;
    let file = model.file(cx.source.id);
    for item in &file.tree.items {
        let ItemKind::Impl(imp) = &item.kind else {
            continue;
        };
        let Some(scope) = model.item_scope(file.id, item) else {
            continue;
        };
        if let Some(found) = untied_conversion(model, imp, &scope) {
            out.push(untied_conversion_diagnostic(cx, item, imp, &found));
        }
    }
}

/// `impl TryFrom<&A> for &Device`: a conversion that makes a device reference from a borrow.
struct UntiedConversion<'m> {
    trait_name: String,
    /// The borrowed argument type and the device reference type the impl is for.
    input: &'m TypeRef,
    output: &'m TypeRef,
    device: String,
}

/// A conversion trait (`TryFrom`, `From`) implemented for a device reference whose lifetime the
/// header does not tie to the borrowed argument's. Lifetimes elided in an impl header are
/// independent of each other, so `<&'static Device>::try_from(&short_borrow)` compiles.
fn untied_conversion<'m>(
    model: &Model,
    imp: &'m Impl,
    scope: &Scope,
) -> Option<UntiedConversion<'m>> {
    let trait_path = imp.trait_path.as_ref()?;
    let segment = trait_path.segments.last()?;
    if !matches!(segment.name.as_str(), "TryFrom" | "From") {
        return None;
    }
    let input = segment.args.iter().find_map(|arg| match arg {
        GenericArg::Type(ty) => Some(ty),
        _ => None,
    })?;
    let TypeKind::Ref {
        lifetime: input_lifetime,
        ..
    } = &input.kind
    else {
        return None;
    };
    let TypeKind::Ref {
        lifetime: output_lifetime,
        referent,
        ..
    } = &imp.self_ty.kind
    else {
        return None;
    };
    let tied = match (input_lifetime, output_lifetime) {
        (Some(input), Some(output)) => input == output && output != "static",
        _ => false,
    };
    if tied {
        return None;
    }
    let res = model.resolve_type(referent, scope);
    let entry = model
        .device_abstraction(&res)
        .or_else(|| model.c_device(&res))?;
    Some(UntiedConversion {
        trait_name: segment.name.clone(),
        input,
        output: &imp.self_ty,
        device: entry.display_name(),
    })
}

fn untied_conversion_diagnostic(
    cx: &FileContext<'_>,
    item: &Item,
    imp: &Impl,
    found: &UntiedConversion<'_>,
) -> Diagnostic {
    let source = cx.source;
    let input = one_line(source.slice(found.input.span));
    let output = one_line(source.slice(found.output.span));
    let name = &found.trait_name;
    let message = format!(
        "`impl {name}<{input}> for {output}` does not tie the device reference it makes to the borrow it is made from, so safe code can keep it past unbind"
    );
    let mut diagnostic = Diagnostic::lint(&UNBOUNDED_DEVICE_REF, found.output.span, message)
        .with_label("this reference's lifetime is independent of the argument's")
        .with_secondary(found.input.span, "the borrowed argument");
    let lifetime = fresh_lifetime(&imp.generics.lifetimes);
    match tied_header(source, item, imp, found, &lifetime) {
        Some((span, header)) => {
            diagnostic = diagnostic.with_suggestion(
                "name one lifetime for the argument and the result",
                span,
                header,
                Applicability::MaybeIncorrect,
            );
        }
        None => {
            diagnostic = diagnostic.with_help(format!(
                "name one lifetime for the argument and the result: `{name}<&'{lifetime} …> for &'{lifetime} {}`",
                found.device
            ));
        }
    }
    diagnostic.with_note(format!(
        "lifetimes elided in an impl header are independent of each other: `<&'static {}>::{}(&dev)` compiles with a short borrow of `dev`, and the `&'static` reference then outlives the device",
        found.device,
        if name == "TryFrom" { "try_from" } else { "from" }
    ))
}

/// A lifetime name the impl does not use yet.
fn fresh_lifetime(used: &[String]) -> String {
    ["a", "b", "c", "d", "dev"]
        .into_iter()
        .find(|name| !used.iter().any(|used| used == name))
        .unwrap_or("devref")
        .to_string()
}

/// The impl header from `impl` to the self type, with `'lifetime` declared and written on both
/// references, when both are elided.
fn tied_header(
    source: &SourceFile,
    item: &Item,
    imp: &Impl,
    found: &UntiedConversion<'_>,
    lifetime: &str,
) -> Option<(Span, String)> {
    for ty in [found.input, found.output] {
        if !matches!(&ty.kind, TypeKind::Ref { lifetime: None, .. }) {
            return None;
        }
    }
    let text = &source.text;
    let search_from = item.span.start as usize;
    let input_at = found.input.span.start as usize;
    let impl_at = search_from + text.get(search_from..input_at)?.rfind("impl")?;
    let end = found.output.span.end as usize;
    let mut edits: Vec<(usize, String)> = vec![
        (found.input.span.start as usize + 1, format!("'{lifetime} ")),
        (
            found.output.span.start as usize + 1,
            format!("'{lifetime} "),
        ),
    ];
    let after_impl = impl_at + "impl".len();
    let rest = &text[after_impl..];
    let trimmed = rest.trim_start();
    if trimmed.starts_with('<') {
        let open = after_impl + (rest.len() - trimmed.len()) + 1;
        let separator = if imp.generics.lifetimes.is_empty() && imp.generics.types.is_empty() {
            ""
        } else {
            ", "
        };
        edits.push((open, format!("'{lifetime}{separator}")));
    } else {
        edits.push((after_impl, format!("<'{lifetime}>")));
    }
    edits.sort_by_key(|(at, _)| *at);
    let mut header = String::new();
    let mut at = impl_at;
    for (position, insert) in edits {
        header.push_str(text.get(at..position)?);
        header.push_str(&insert);
        at = position;
    }
    header.push_str(text.get(at..end)?);
    Some((Span::new(source.id, impl_at..end), header))
}

/// This lint's part of the shared walk.
#[derive(Default)]
pub(crate) struct FnHooks {
    out: Vec<Diagnostic>,
}

impl Hooks for FnHooks {
    fn take_diagnostics(&mut self) -> Vec<Diagnostic> {
        std::mem::take(&mut self.out)
    }

    fn on_fn(&mut self, cx: &FileContext<'_>, scope: &BodyScope, func: &FnView<'_>) {
        // Every origin (`from_raw`, `as_ref`, `transmute`, `&*ptr`) is unsafe to call.
        if !func.holds_unsafe && func.sig.unsafety.is_none() {
            return;
        }
        let mut flow = Flow {
            cx,
            scope,
            locals: HashMap::new(),
            pointers: Pointers::for_fn(cx, scope, func),
            // An `unsafe fn`'s caller promises what its return lifetime needs.
            return_type: if func.sig.unsafety.is_some() {
                None
            } else {
                untied_return(cx, scope, func.sig)
            },
            unsafe_depth: 0,
            out: &mut self.out,
        };
        flow.visit_block(func.block);
        if let Some(tail) = tail_expr(func.block) {
            flow.check_return(tail);
        }
    }
}

/// Where an unbounded reference was made.
#[derive(Clone)]
struct Origin {
    span: Span,
    what: String,
    entry_name: String,
}

struct Flow<'a, 'b, 'o> {
    cx: &'a FileContext<'b>,
    scope: &'a BodyScope,
    /// Locals currently holding an unbounded device reference.
    locals: HashMap<String, Origin>,
    /// What the body model knows of the fn's raw pointers; it says which expressions make a
    /// device reference from one.
    pointers: Pointers<'a, 'b>,
    /// The return type, when it is a device reference bound to no input of a safe fn.
    return_type: Option<syn::Type>,
    /// How many `unsafe` blocks are around the code being visited.
    unsafe_depth: usize,
    out: &'o mut Vec<Diagnostic>,
}

impl Flow<'_, '_, '_> {
    fn span(&self, raw: proc_macro2::Span) -> Span {
        self.cx.source.span(raw)
    }

    /// If `expr` evaluates to an unbounded device reference, where it was made.
    fn origin_of(&self, expr: &syn::Expr, expected: Option<&syn::Type>) -> Option<Origin> {
        match expr {
            syn::Expr::Paren(inner) => self.origin_of(&inner.expr, expected),
            syn::Expr::Group(inner) => self.origin_of(&inner.expr, expected),
            syn::Expr::Unsafe(block) => self.origin_of(tail_expr(&block.block)?, expected),
            syn::Expr::Block(block) => self.origin_of(tail_expr(&block.block)?, expected),
            syn::Expr::Path(path) if path.qself.is_none() => {
                let ident = path.path.get_ident()?;
                self.locals.get(&ident_text(ident)).cloned()
            }
            syn::Expr::Try(try_expr) => self.origin_of(&try_expr.expr, expected),
            syn::Expr::Call(call) if self.wraps_value(call) => {
                self.origin_of(call.args.first()?, None)
            }
            syn::Expr::Call(_) | syn::Expr::Reference(_) => {
                let expected = expected.map(|ty| lower_type(self.cx.source, ty));
                let made = self.pointers.made_reference(expr, expected.as_ref())?;
                Some(Origin {
                    span: made.span,
                    what: made.what,
                    entry_name: made.device,
                })
            }
            _ => None,
        }
    }

    /// `Some(x)` / `Ok(x)`: they carry `x` along.
    fn wraps_value(&self, call: &syn::ExprCall) -> bool {
        let syn::Expr::Path(callee) = &*call.func else {
            return false;
        };
        let res = self
            .scope
            .resolve_path(self.cx, &callee.path, Namespace::Values);
        res.is_external(&["core", "option", "Option", "Some"])
            || res.is_external(&["core", "result", "Result", "Ok"])
    }

    fn report(&mut self, at: Span, origin: &Origin, place: String) {
        let message = format!(
            "a device reference made by {} is stored in {place}, but nothing checks its lifetime, so it can outlive the driver's unbind",
            origin.what
        );
        let diagnostic = Diagnostic::lint(&UNBOUNDED_DEVICE_REF, at, message)
            .with_label("stored here")
            .with_secondary(origin.span, "reference with an unchecked lifetime made here")
            .with_help(match origin.entry_name.strip_prefix("bindings::") {
                // A C device type with no Rust abstraction: no `ARef` to name.
                Some(c_type) => format!(
                    "store a counted reference instead: an `ARef` of a Rust abstraction of `bindings::{c_type}` that implements `AlwaysRefCounted`"
                ),
                None => format!(
                    "store a counted reference instead: convert it with `ARef::from(dev)` or `dev.into()` and keep an `ARef<{}>`",
                    origin.entry_name
                ),
            })
            .with_note("a reference made from a raw pointer may be used only while the caller guarantees the device is alive: within the function, or for a lifetime tied to a borrow");
        self.out.push(diagnostic);
    }

    fn check_return(&mut self, expr: &syn::Expr) {
        let Some(expected) = self.return_type.clone() else {
            return;
        };
        let inner = expected_reference(&expected);
        if let Some(origin) = self.origin_of(expr, inner.as_ref()) {
            let name = self
                .scope
                .in_fn
                .as_ref()
                .map_or_else(String::new, |f| f.name.clone());
            let at = self.span(expr.span());
            self.report(at, &origin, format!("the return value of safe fn `{name}`, whose returned lifetime is tied to no input"));
        }
    }

    fn is_static(&self, path: &syn::Path) -> Option<String> {
        let res = self.scope.resolve_path(self.cx, path, Namespace::Values);
        let Res::Def(def) = res else { return None };
        let data = self.cx.model.def_map.def(def);
        matches!(
            self.cx.model.item(data.item).kind,
            crate::model::item_tree::ItemKind::Static { .. }
        )
        .then(|| data.name.clone())
    }
}

impl<'ast> Visit<'ast> for Flow<'_, '_, '_> {
    fn visit_local(&mut self, local: &'ast syn::Local) {
        if let Some(init) = &local.init {
            self.visit_expr(&init.expr);
            if let Some((_, diverge)) = &init.diverge {
                self.visit_expr(diverge);
            }
        }
        let (pat, ty) = match &local.pat {
            syn::Pat::Type(typed) => (&*typed.pat, Some(&*typed.ty)),
            other => (other, None),
        };
        self.pointers.bind_local(local);
        if let syn::Pat::Ident(ident) = pat {
            let name = ident_text(&ident.ident);
            let origin = local
                .init
                .as_ref()
                .and_then(|init| self.origin_of(&init.expr, ty));
            match origin {
                Some(origin) => {
                    self.locals.insert(name, origin);
                }
                None => {
                    self.locals.remove(&name);
                }
            }
        }
    }

    fn visit_expr_assign(&mut self, assign: &'ast syn::ExprAssign) {
        self.visit_expr(&assign.right);
        let origin = self.origin_of(&assign.right, None);
        match strip_parens(&assign.left) {
            syn::Expr::Path(path) => {
                if let Some(name) = self.is_static(&path.path) {
                    if let Some(origin) = origin {
                        let at = self.span(assign.right.span());
                        self.report(at, &origin, format!("static `{name}`"));
                    }
                } else if let Some(ident) = path.path.get_ident() {
                    let name = ident_text(ident);
                    match origin {
                        Some(origin) => {
                            self.locals.insert(name, origin);
                        }
                        None => {
                            self.locals.remove(&name);
                        }
                    }
                }
            }
            syn::Expr::Field(field) => {
                if let Some(origin) = origin {
                    let member = member_text(&field.member);
                    let at = self.span(assign.right.span());
                    self.report(at, &origin, format!("field `{member}`"));
                }
                self.visit_expr(&field.base);
            }
            other => self.visit_expr(other),
        }
    }

    fn visit_expr_struct(&mut self, literal: &'ast syn::ExprStruct) {
        for field in &literal.fields {
            self.visit_expr(&field.expr);
            if let Some(origin) = self.origin_of(&field.expr, None) {
                let member = member_text(&field.member);
                let at = self.span(field.expr.span());
                self.report(at, &origin, format!("field `{member}`"));
            }
        }
        if let Some(rest) = &literal.rest {
            self.visit_expr(rest);
        }
    }

    fn visit_expr_return(&mut self, ret: &'ast syn::ExprReturn) {
        if let Some(expr) = &ret.expr {
            self.visit_expr(expr);
            self.check_return(expr);
        }
    }

    fn visit_expr_closure(&mut self, closure: &'ast syn::ExprClosure) {
        // A closure's `return` is not the function's.
        let saved = self.return_type.take();
        syn::visit::visit_expr_closure(self, closure);
        self.return_type = saved;
    }

    fn visit_item(&mut self, _item: &'ast syn::Item) {
        // Nested items are functions of their own; the walker visits them.
    }

    fn visit_expr_unsafe(&mut self, block: &'ast syn::ExprUnsafe) {
        self.unsafe_depth += 1;
        syn::visit::visit_expr_unsafe(self, block);
        self.unsafe_depth -= 1;
    }

    fn visit_macro(&mut self, mac: &'ast syn::Macro) {
        let macros = self.cx.macros;
        // Every origin is unsafe code; elsewhere, arguments matter only if they bind a name or
        // name a local that holds a reference.
        if self.unsafe_depth > 0 || self.scope.in_fn.as_ref().is_some_and(|f| f.is_unsafe) {
            visit_macro_exprs(self, macros, mac);
            return;
        }
        let locals = &self.locals;
        let wanted = |word: &[u8]| {
            word == b"unsafe"
                || word == b"let"
                || std::str::from_utf8(word).is_ok_and(|word| locals.contains_key(word))
        };
        if let Some(body) = macros.body_if(mac, self.cx.source, wanted) {
            visit_exprs(self, &body);
        }
    }
}

/// `&'a Device` inside `Result<&'a Device>` / `Option<…>`: what a returned expression should produce.
fn expected_reference(ty: &syn::Type) -> Option<syn::Type> {
    match ty {
        syn::Type::Reference(_) => Some(ty.clone()),
        syn::Type::Path(path) => {
            let syn::PathArguments::AngleBracketed(args) = &path.path.segments.last()?.arguments
            else {
                return None;
            };
            args.args.iter().find_map(|arg| match arg {
                syn::GenericArgument::Type(inner) => expected_reference(inner),
                _ => None,
            })
        }
        _ => None,
    }
}
