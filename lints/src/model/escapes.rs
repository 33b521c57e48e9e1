//! Where a device reference made from a raw pointer goes in a function: followed through `let`
//! bindings and moves, it escapes when it is stored in a field (a struct literal, `pin_init!`, an
//! assignment), in a `static`, or returned from a safe fn whose signature ties the returned
//! reference to no input. The facts `unbounded_device_ref` renders.

use foldhash::{HashMap, HashMapExt};
use syn::spanned::Spanned;
use syn::visit::Visit;

use crate::model::body::{untied_return, Pointers};
use crate::model::def_map::{Namespace, Res};
use crate::model::file_context::FileContext;
use crate::model::lower::{ident_text, lower_type, member_text};
use crate::model::macros::{visit_exprs, visit_macro_exprs};
use crate::model::walk::{strip_parens, tail_expr, BodyScope, FnView};
use crate::source::Span;

/// Where an unbounded reference was made, and by what.
#[derive(Clone, Debug)]
pub(crate) struct MadeAt {
    pub span: Span,
    /// "`Device::from_raw`", "a dereference of `ptr`".
    pub what: String,
    /// The device type's display name (`pci::Device`, or `bindings::x` for a C-only type).
    pub entry_name: String,
}

/// Where it is stored.
#[derive(Clone, Debug)]
pub(crate) enum Place {
    Field(String),
    Static(String),
    /// Returned from a safe fn whose signature ties the returned lifetime to no input.
    Return {
        fn_name: String,
    },
}

/// A device reference made from a raw pointer that is stored where it can outlive the device.
#[derive(Clone, Debug)]
pub(crate) struct Escape {
    /// The stored expression.
    pub at: Span,
    pub made: MadeAt,
    pub place: Place,
}

/// The escapes of one fn's body (none in a fn without unsafe code: every origin is unsafe).
pub(crate) fn escapes_in(
    cx: &FileContext<'_>,
    scope: &BodyScope,
    func: &FnView<'_>,
) -> Vec<Escape> {
    let mut out = Vec::new();
    if !func.holds_unsafe && func.sig.unsafety.is_none() {
        return out;
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
        out: &mut out,
    };
    flow.visit_block(func.block);
    if let Some(tail) = tail_expr(func.block) {
        flow.check_return(tail);
    }
    out
}

struct Flow<'a, 'b, 'o> {
    cx: &'a FileContext<'b>,
    scope: &'a BodyScope,
    /// Locals currently holding an unbounded device reference.
    locals: HashMap<String, MadeAt>,
    /// What the body model knows of the fn's raw pointers; it says which expressions make a
    /// device reference from one.
    pointers: Pointers<'a, 'b>,
    /// The return type, when it is a device reference bound to no input of a safe fn.
    return_type: Option<syn::Type>,
    /// How many `unsafe` blocks are around the code being visited.
    unsafe_depth: usize,
    out: &'o mut Vec<Escape>,
}

impl Flow<'_, '_, '_> {
    fn span(&self, raw: proc_macro2::Span) -> Span {
        self.cx.source.span(raw)
    }

    /// If `expr` evaluates to an unbounded device reference, where it was made.
    fn origin_of(&self, expr: &syn::Expr, expected: Option<&syn::Type>) -> Option<MadeAt> {
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
                Some(MadeAt {
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

    fn report(&mut self, at: Span, made: &MadeAt, place: Place) {
        self.out.push(Escape {
            at,
            made: made.clone(),
            place,
        });
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
            self.report(at, &origin, Place::Return { fn_name: name });
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
        .then(|| self.cx.model.def_map.name(def).to_string())
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
                        self.report(at, &origin, Place::Static(name));
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
                    self.report(at, &origin, Place::Field(member));
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
                self.report(at, &origin, Place::Field(member));
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
