//! The body model: what the safety lints read of a function that holds `unsafe` code, lowered once
//! in the shared walk. For each `unsafe` block it records the SAFETY comment, the refcount-sensitive
//! calls and raw pointer dereferences, and for the pointer each one is about, its `Provenance`:
//! where the pointer comes from, and so what keeps the device alive. No lint classifies a pointer or
//! a call on its own; they filter these facts and render them.

use foldhash::{HashMap, HashMapExt, HashSet};

use syn::spanned::Spanned;
use syn::visit::Visit;

use crate::model::def_map::{Namespace, Res};
use crate::model::devices::{DeviceEntry, Direction, GetPut};
use crate::model::file_context::FileContext;
use crate::model::item_tree::{FnSig, ItemKind, Param, TypeKind, TypeRef};
use crate::model::lower::{ident_text, lower_type, member_text};
use crate::model::macros::{visit_macro_exprs, visit_macro_exprs_if, MacroBody, MacroCache};
use crate::model::safety_text::{
    doc_layout, find_safety_comment, indentation, Anchor, CommentSite,
};
use crate::model::sites::{
    CallKind, FnContract, OtherObject, Precondition, Provenance, RefLifetime, SensitiveCall, Site,
    SiteKind, TypeInvariants,
};
use crate::model::types::Walk;
use crate::model::walk::{strip_parens, tail_expr, walk_file, BodyScope, FnView, Hooks};
use crate::model::Model;
use crate::source::Span;
use crate::spans::{self, expr_start, outer_attr, stmt_start};
use crate::text::one_line;

/// Every in-scope `unsafe` block and impl of the file, with its SAFETY comment, in source order:
/// collected once, in the shared walk, for this lint and `safety_comment_missing_refcount`.
/// A lint run outside [`crate::lints::check_file`] (a unit test) walks the file for them itself.
pub(crate) fn sites_of<'c>(cx: &'c FileContext<'_>) -> &'c [Site] {
    let sites = cx.safety_sites.get_or_init(|| {
        let mut collector = Collector::default();
        match walk_file(cx, &mut [&mut collector]).pop().flatten() {
            None => Ok(collector.sites),
            Some(message) => Err(message),
        }
    });
    match sites {
        Ok(sites) => sites,
        // The collector's panic, met again by each lint that reads the sites.
        Err(message) => panic!("{message}"),
    }
}

/// The safety lints' part of the shared walk.
#[derive(Default)]
pub(crate) struct Collector {
    pub(crate) sites: Vec<Site>,
    /// Marker comments (by start offset) that already belong to a block.
    claimed: HashSet<u32>,
}

impl Hooks for Collector {
    fn on_fn(&mut self, cx: &FileContext<'_>, scope: &BodyScope, func: &FnView<'_>) {
        // Most functions hold no `unsafe` block, and then there is no comment to look for.
        if !func.holds_unsafe {
            return;
        }
        let mut body = Body {
            cx,
            scope,
            collector: self,
            frames: Vec::new(),
            pointers: Pointers::for_fn(cx, scope, func),
            tail_expected: None,
        };
        let signature = scope.in_fn.as_ref().and_then(|f| f.signature.as_ref());
        // The block that makes the fn's return value may make a reference of the returned type,
        // tied to an input by the signature or not.
        if let (Some(tail), Some(signature)) = (tail_expr(func.block), signature) {
            if let Some(block) = returned_unsafe_block(tail) {
                let start = cx.source.span(block).start;
                body.tail_expected = signature.ret.clone().map(|ret| ReturnedBlock {
                    start,
                    ty: ret,
                    untied: untied_return(cx, scope, func.sig).is_some(),
                });
            }
        }
        body.visit_block(func.block);
    }

    fn on_impl(&mut self, cx: &FileContext<'_>, scope: &BodyScope, imp: &syn::ItemImpl) {
        let (Some(in_impl), Some(unsafety)) = (&scope.in_impl, &imp.unsafety) else {
            return;
        };
        let is_refcount_trait = in_impl.is_refcount_impl(cx.model, imp);
        if !is_refcount_trait {
            return;
        }
        let Some(device) = cx.model.refcounted_device(&in_impl.self_res) else {
            return;
        };
        // As the impl writes it: `Device`, not `pci::Device`.
        let type_name = match &*imp.self_ty {
            syn::Type::Path(path) => path
                .path
                .segments
                .last()
                .map_or(device, |segment| ident_text(&segment.ident)),
            _ => device,
        };
        let start = cx.source.start_of(spans::item_impl(imp).first);
        let body_start = cx.source.span(unsafety.span).start as usize;
        let site = CommentSite {
            anchors: vec![Anchor { start, body_start }],
            inside: None,
            end: None,
        };
        let claimed = &self.claimed;
        let lookup = find_safety_comment(cx.comments, cx.source, &site, &|c| claimed.contains(&c));
        if let Some(found) = &lookup.found {
            self.claimed.insert(found.marker.start);
        }
        let (get, put) = refcount_functions(cx, scope, imp);
        let header_end = spans::ty(&imp.self_ty).span_in(cx.source).end;
        let unsafe_span = Span {
            end: header_end,
            ..cx.source.span(unsafety.span)
        };
        let line = cx.comments.line_of(start) as usize;
        let precondition = Precondition {
            sentence: "`AlwaysRefCounted` requires that instances are always reference-counted and that `inc_ref` and `dec_ref` take and drop a reference".to_string(),
            quoted: false,
        };
        self.sites.push(Site {
            kind: SiteKind::RefcountImpl {
                type_name: type_name.clone(),
                get,
                put,
            },
            unsafe_span,
            calls: vec![SensitiveCall {
                is_deref: false,
                pointer: Provenance::Unknown,
                weak_contract: None,
                lifetime: None,
                span: unsafe_span,
                kind: CallKind::Derived,
                callee: format!("AlwaysRefCounted for {type_name}"),
                arg: type_name,
                precondition,
            }],
            lookup,
            insert_at: cx.source.line_start(line),
            indent: indentation(cx.source, line),
            fn_contract: None,
            invariants: type_invariants(cx, scope),
        });
    }
}

/// What a raw pointer parameter of the fn is. In an `extern "C" fn` the linted sources register as
/// a C callback, other than a teardown one (`release`), a callback argument: the C core calls it
/// on a registered device. In an `unsafe fn`, a caller's pointer, bound by its `# Safety` section;
/// when the fn is both, the stricter class wins if Rust code calls it too, and the callback
/// convention holds when only C does (its `# Safety` then binds no Rust caller). Unknown
/// otherwise.
fn parameter_class(
    cx: &FileContext<'_>,
    scope: &BodyScope,
    func: &FnView<'_>,
) -> impl Fn(&str) -> Provenance {
    let is_unsafe = func.sig.unsafety.is_some();
    let callback = if func.sig.abi.is_some() {
        let impl_self = scope
            .in_impl
            .as_ref()
            .and_then(|imp| match &imp.self_ty.kind {
                TypeKind::Path(path) => path.last_name().map(str::to_string),
                _ => None,
            });
        let name = ident_text(&func.sig.ident);
        cx.model
            .callback(cx.source.id, impl_self.as_deref(), &name)
            .map(|callback| (callback.role.to_string(), callback.called_from_rust))
    } else {
        None
    };
    move |param: &str| {
        let param = param.to_string();
        match &callback {
            Some((role, _)) if crate::model::registrations::is_teardown_role(role) => {
                if is_unsafe {
                    Provenance::CallerPointer { param }
                } else {
                    Provenance::TeardownCallbackArg {
                        param,
                        role: role.clone(),
                    }
                }
            }
            Some((role, called_from_rust)) if !(is_unsafe && *called_from_rust) => {
                Provenance::CallbackArg {
                    param,
                    role: role.clone(),
                }
            }
            _ if is_unsafe => Provenance::CallerPointer { param },
            _ => Provenance::Unknown,
        }
    }
}

/// The get and put functions the methods of an `AlwaysRefCounted` impl call.
fn refcount_functions(
    cx: &FileContext<'_>,
    scope: &BodyScope,
    imp: &syn::ItemImpl,
) -> (Option<String>, Option<String>) {
    let mut get = None;
    let mut put = None;
    for item in &imp.items {
        let syn::ImplItem::Fn(func) = item else {
            continue;
        };
        let first = get_put_calls_in(cx, scope, &func.block)
            .first()
            .map(|function| function.function.clone());
        match ident_text(&func.sig.ident).as_str() {
            "inc_ref" => get = first.or(get),
            "dec_ref" => put = first.or(put),
            _ => {}
        }
    }
    (get, put)
}

/// The catalogue's get/put functions a fn body calls, in order (closures included; nested items,
/// which are fns of their own, and macro arguments not).
pub(crate) fn get_put_calls_in<'m>(
    cx: &FileContext<'m>,
    scope: &BodyScope,
    block: &syn::Block,
) -> Vec<&'m GetPut> {
    struct Calls<'a, 'm> {
        cx: &'a FileContext<'m>,
        scope: &'a BodyScope,
        found: Vec<&'m GetPut>,
    }
    impl<'ast> Visit<'ast> for Calls<'_, '_> {
        fn visit_expr_call(&mut self, call: &'ast syn::ExprCall) {
            if let syn::Expr::Path(callee) = &*call.func {
                self.found.extend(get_put_call(self.cx, self.scope, callee));
            }
            syn::visit::visit_expr_call(self, call);
        }

        fn visit_item(&mut self, _item: &'ast syn::Item) {}
    }
    let mut calls = Calls {
        cx,
        scope,
        found: Vec::new(),
    };
    calls.visit_block(block);
    calls.found
}

/// What is known of a raw pointer local: what it points to, whether it was made from a
/// reference to the same object (`from_ref(self)`, `self.as_raw()`), which is no new device
/// reference, and where it comes from.
#[derive(Clone, Debug, Default)]
struct PointerInfo {
    pointee: Option<TypeRef>,
    from_ref: bool,
    provenance: Provenance,
}

/// A device reference made from a raw pointer (see [`Pointers::made_reference`]).
#[derive(Clone, Debug)]
pub(crate) struct MadeReference {
    pub span: Span,
    /// "`device::Device::from_raw`", "`transmute`", "a raw pointer dereference".
    pub what: String,
    /// How the fix names the device: `ARef<{device}>`.
    pub device: String,
}

/// The `index`-th type argument of a path's last segment (`transmute::<_, &Device>`).
fn turbofish_type(path: &syn::Path, index: usize) -> Option<&syn::Type> {
    let syn::PathArguments::AngleBracketed(args) = &path.segments.last()?.arguments else {
        return None;
    };
    args.args
        .iter()
        .filter_map(|arg| match arg {
            syn::GenericArgument::Type(ty) => Some(ty),
            _ => None,
        })
        .nth(index)
}

/// A node around the code being visited, innermost last. Its tokens become an [`Anchor`] only
/// when an `unsafe` block is found inside: most nodes of a body hold none.
#[derive(Clone, Copy)]
struct Frame {
    /// The node's first token, outer attributes included, and its first token after them.
    start: proc_macro2::Span,
    body_start: proc_macro2::Span,
    /// A statement: the search for comments above stops here.
    is_stmt: bool,
}

struct Body<'a, 'b> {
    cx: &'a FileContext<'b>,
    scope: &'a BodyScope,
    collector: &'a mut Collector,
    frames: Vec<Frame>,
    pointers: Pointers<'a, 'b>,
    /// The `unsafe` block that makes the fn's return value.
    tail_expected: Option<ReturnedBlock>,
}

/// The `unsafe` block that makes a fn's return value.
struct ReturnedBlock {
    /// Where it starts.
    start: u32,
    /// The fn's return type.
    ty: TypeRef,
    /// The signature ties no input to the device reference the fn returns.
    untied: bool,
}

impl Body<'_, '_> {
    fn span(&self, raw: proc_macro2::Span) -> Span {
        self.cx.source.span(raw)
    }

    fn anchor(&self, whole: proc_macro2::Span, body: proc_macro2::Span) -> Anchor {
        let file = self.cx.source;
        Anchor {
            start: file.start_of(whole),
            body_start: file.start_of(body),
        }
    }

    /// Visits a node whose comments go above its outer attributes, or else above `head`.
    fn attributed_frame(
        &mut self,
        attrs: &[syn::Attribute],
        head: proc_macro2::Span,
        visit: impl FnOnce(&mut Self),
    ) {
        let start = outer_attr(attrs).unwrap_or(head);
        self.push(start, head, false);
        visit(self);
        self.frames.pop();
    }

    fn push(&mut self, start: proc_macro2::Span, body_start: proc_macro2::Span, is_stmt: bool) {
        self.frames.push(Frame {
            start,
            body_start,
            is_stmt,
        });
    }

    /// Records an `unsafe` block: its SAFETY comment, and its refcount-sensitive calls.
    fn unsafe_block(&mut self, block: &syn::ExprUnsafe) {
        let body_start = block.unsafe_token.span;
        let start = outer_attr(&block.attrs).unwrap_or(body_start);
        let block_span = Span {
            end: self.span(block.block.brace_token.span.close()).end,
            ..self.span(start)
        };
        let mut anchors = vec![self.anchor(start, body_start)];
        for frame in self.frames.iter().rev() {
            anchors.push(self.anchor(frame.start, frame.body_start));
            if frame.is_stmt {
                break;
            }
        }
        let open = self.span(block.block.brace_token.span.open()).end as usize;
        let close = self.span(block.block.brace_token.span.close()).start as usize;
        let first = block
            .block
            .stmts
            .first()
            .map_or(close, |stmt| self.span(stmt_start(stmt).0).start as usize);
        let site = CommentSite {
            anchors: anchors.clone(),
            inside: Some(open..first.max(open)),
            end: Some(block_span.end as usize),
        };
        let claimed = &self.collector.claimed;
        let lookup = find_safety_comment(self.cx.comments, self.cx.source, &site, &|c| {
            claimed.contains(&c)
        });
        if let Some(found) = &lookup.found {
            self.collector.claimed.insert(found.marker.start);
        }
        let returned = self
            .tail_expected
            .as_ref()
            .filter(|returned| returned.start == block_span.start);
        let untied = returned.is_some_and(|returned| returned.untied);
        let expected = returned.map(|returned| returned.ty.clone());
        let returned = expected.is_some();
        let mut calls = Calls {
            body: self,
            found: Vec::new(),
            expected,
            tail: tail_expr(&block.block).map(|tail| tail as *const syn::Expr as usize),
        };
        for stmt in &block.block.stmts {
            calls.visit_stmt(stmt);
        }
        let mut calls = calls.found;
        for call in &mut calls {
            if call.kind == CallKind::Borrow {
                call.lifetime = Some(if returned {
                    RefLifetime::Returned { tied: !untied }
                } else {
                    RefLifetime::Local
                });
            }
        }
        if calls.is_empty() {
            return;
        }
        // A new comment goes above the enclosing statement.
        let outermost = anchors
            .last()
            .map_or(block_span.start as usize, |a| a.start);
        let line = self.cx.comments.line_of(outermost) as usize;
        let site = Site {
            kind: SiteKind::Block,
            unsafe_span: self.span(block.unsafe_token.span),
            calls,
            lookup,
            insert_at: self.cx.source.line_start(line),
            indent: indentation(self.cx.source, line),
            fn_contract: fn_contract(self.cx, self.scope),
            invariants: type_invariants(self.cx, self.scope),
        };
        self.collector.sites.push(site);
    }
}

/// What the code of one fn says about its raw pointers: what each local points to and where it
/// comes from, and the borrows it holds. Shared by the safety collector and the
/// `unbounded_device_ref` flow, so that both classify a pointer, a call and a dereference alike.
pub(crate) struct Pointers<'a, 'b> {
    cx: &'a FileContext<'b>,
    scope: &'a BodyScope,
    locals: HashMap<String, PointerInfo>,
    /// `self` when the receiver is a reference, and the parameters of reference type: places
    /// whose object a live borrow keeps alive.
    borrowed: HashSet<String>,
}

impl<'a, 'b> Pointers<'a, 'b> {
    /// The pointers of `func`'s parameters, classified by what the fn is (see
    /// [`parameter_class`]).
    pub(crate) fn for_fn(cx: &'a FileContext<'b>, scope: &'a BodyScope, func: &FnView<'_>) -> Self {
        let mut pointers = Pointers {
            cx,
            scope,
            locals: HashMap::new(),
            borrowed: HashSet::default(),
        };
        if func
            .sig
            .receiver()
            .is_some_and(|receiver| receiver.reference.is_some())
        {
            pointers.borrowed.insert("self".to_string());
        }
        let signature = scope.in_fn.as_ref().and_then(|f| f.signature.as_ref());
        let parameter_class = parameter_class(cx, scope, func);
        if let Some(signature) = signature {
            for (name, ty) in &signature.params {
                if let Some(name) = name {
                    if matches!(ty.kind, TypeKind::Ref { .. }) {
                        pointers.borrowed.insert(name.clone());
                    }
                    let mut info = pointers.pointer_of_type(ty);
                    if info.pointee.is_some() {
                        info.provenance = parameter_class(name);
                    }
                    pointers.locals.insert(name.clone(), info);
                }
            }
        }
        pointers
    }

    /// Records what a `let` binds: the written type says what it points to; the initializer,
    /// where it comes from.
    pub(crate) fn bind_local(&mut self, local: &syn::Local) {
        let (pat, ty) = match &local.pat {
            syn::Pat::Type(typed) => (&*typed.pat, Some(&*typed.ty)),
            other => (other, None),
        };
        let syn::Pat::Ident(ident) = pat else {
            return;
        };
        let name = ident_text(&ident.ident);
        let from_init = local
            .init
            .as_ref()
            .map(|init| self.pointer_of(&init.expr))
            .unwrap_or_default();
        let info = match ty {
            Some(ty) => {
                let lowered = lower_type(self.cx.source, ty);
                let info = self.pointer_of_type(&lowered);
                if info.pointee.is_some() {
                    PointerInfo {
                        pointee: info.pointee,
                        ..from_init
                    }
                } else {
                    from_init
                }
            }
            None => from_init,
        };
        self.locals.insert(name, info);
    }

    fn span(&self, raw: proc_macro2::Span) -> Span {
        self.cx.source.span(raw)
    }

    fn pointer_of_type(&self, ty: &TypeRef) -> PointerInfo {
        let model = self.cx.model;
        let Some((expanded, scope)) = model.expand(ty, &self.scope.types) else {
            return PointerInfo::default();
        };
        let pointee = match &expanded.kind {
            TypeKind::Ptr { pointee, .. } => Some((**pointee).clone()),
            TypeKind::Path(path) => {
                let res = model.resolve_type_path(path, &scope);
                if model.is_core_item(&res, "ptr", "NonNull") {
                    path.first_type_arg().cloned()
                } else {
                    None
                }
            }
            _ => None,
        };
        PointerInfo {
            pointee,
            from_ref: false,
            provenance: Provenance::Unknown,
        }
    }

    /// What a pointer expression points to, and where it comes from, as far as it says.
    fn pointer_of(&self, expr: &syn::Expr) -> PointerInfo {
        let file = self.cx.source;
        match expr {
            syn::Expr::Paren(inner) => self.pointer_of(&inner.expr),
            syn::Expr::Group(inner) => self.pointer_of(&inner.expr),
            syn::Expr::Try(inner) => self.pointer_of(&inner.expr),
            syn::Expr::Unsafe(block) => tail_expr(&block.block)
                .map(|tail| self.pointer_of(tail))
                .unwrap_or_default(),
            syn::Expr::Block(block) => tail_expr(&block.block)
                .map(|tail| self.pointer_of(tail))
                .unwrap_or_default(),
            syn::Expr::Path(path) => path
                .path
                .get_ident()
                .and_then(|ident| self.locals.get(&ident_text(ident)).cloned())
                .unwrap_or_default(),
            syn::Expr::Cast(cast) => {
                let from = match strip_parens(&cast.expr) {
                    syn::Expr::Reference(reference) => self.address_of(&reference.expr),
                    other => self.pointer_of(other),
                };
                match &*cast.ty {
                    syn::Type::Ptr(ptr) => PointerInfo {
                        pointee: Some(lower_type(file, &ptr.elem)),
                        ..from
                    },
                    _ => PointerInfo::default(),
                }
            }
            syn::Expr::Reference(reference) => self.address_of(&reference.expr),
            syn::Expr::RawAddr(raw) => self.address_of(&raw.expr),
            syn::Expr::Field(_) => self.field_read(expr),
            syn::Expr::Macro(mac) => self.macro_pointer(&mac.mac),
            syn::Expr::MethodCall(call) => {
                let method = call.method.to_string();
                match method.as_str() {
                    "cast" | "cast_mut" | "cast_const" => {
                        let from = self.pointer_of(&call.receiver);
                        let pointee = match call.turbofish.as_ref().and_then(|t| t.args.first()) {
                            Some(syn::GenericArgument::Type(ty)) => Some(lower_type(file, ty)),
                            _ if method != "cast" => from.pointee.clone(),
                            _ => None,
                        };
                        PointerInfo { pointee, ..from }
                    }
                    // The object's own pointer: the reference it came from keeps it alive.
                    "as_raw" | "get" if is_place(&call.receiver) => {
                        self.own_pointer_of(&call.receiver)
                    }
                    "as_ptr" | "as_mut_ptr" | "ok_or" | "ok_or_else" | "unwrap" | "expect" => {
                        self.pointer_of(&call.receiver)
                    }
                    // An accessor of the receiver's own device (`dev.raw_device()`).
                    name if call.args.is_empty()
                        && is_place(&call.receiver)
                        && self.cx.model.is_device_pointer_accessor(name) =>
                    {
                        self.own_pointer_of(&call.receiver)
                    }
                    _ => PointerInfo::default(),
                }
            }
            syn::Expr::Call(call) => {
                let syn::Expr::Path(callee) = &*call.func else {
                    return PointerInfo::default();
                };
                let name = callee
                    .path
                    .segments
                    .last()
                    .map(|s| s.ident.to_string())
                    .unwrap_or_default();
                match name.as_str() {
                    "from_ref" | "from_mut" => PointerInfo {
                        pointee: None,
                        from_ref: true,
                        provenance: call
                            .args
                            .first()
                            .map_or(Provenance::Unknown, |arg| self.projection_of(arg)),
                    },
                    "new" | "new_unchecked" | "from" | "from_err_ptr" if call.args.len() == 1 => {
                        self.pointer_of(&call.args[0])
                    }
                    // The same accessor called by its path: `RawDevice::raw_device(dev)`.
                    name if call.args.len() == 1
                        && is_place(&call.args[0])
                        && self.cx.model.is_device_pointer_accessor(name) =>
                    {
                        self.own_pointer_of(&call.args[0])
                    }
                    _ => PointerInfo {
                        provenance: self.c_call_provenance(callee),
                        ..PointerInfo::default()
                    },
                }
            }
            _ => PointerInfo::default(),
        }
    }

    /// `&place`, `&raw mut place`, `addr_of_mut!(place)`: a pointer into the object the place is
    /// in, which shares that object's reference count.
    fn address_of(&self, place: &syn::Expr) -> PointerInfo {
        match strip_parens(place) {
            syn::Expr::Field(field) => {
                let mut base = strip_parens(&field.base);
                while let syn::Expr::Field(inner) = base {
                    base = strip_parens(&inner.base);
                }
                match base {
                    // `(*ptr).dev`: embedded in what `ptr` points to.
                    syn::Expr::Unary(syn::ExprUnary {
                        op: syn::UnOp::Deref(_),
                        expr,
                        ..
                    }) => PointerInfo {
                        pointee: None,
                        ..self.pointer_of(strip_parens(expr))
                    },
                    // `self.dev`: embedded in a borrowed object.
                    other => PointerInfo {
                        pointee: None,
                        from_ref: true,
                        provenance: self.projection_of(other),
                    },
                }
            }
            syn::Expr::Unary(syn::ExprUnary {
                op: syn::UnOp::Deref(_),
                expr,
                ..
            }) => self.pointer_of(strip_parens(expr)),
            other => PointerInfo {
                pointee: None,
                from_ref: true,
                provenance: self.projection_of(other),
            },
        }
    }

    /// A pointer read from a field: `(*self.as_raw()).dev`, `self.parent`. It points to another
    /// object than the one it is read from, which the borrowed `self` holds a reference on when
    /// its type owns the field.
    fn field_read(&self, expr: &syn::Expr) -> PointerInfo {
        let syn::Expr::Field(field) = expr else {
            return PointerInfo::default();
        };
        if let Some(provenance) = self.owned_by_self(field) {
            return PointerInfo {
                pointee: None,
                from_ref: false,
                provenance,
            };
        }
        let owner = match strip_parens(&field.base) {
            syn::Expr::Unary(syn::ExprUnary {
                op: syn::UnOp::Deref(_),
                expr,
                ..
            }) => self.object_name(&self.pointer_of(strip_parens(expr))),
            other => self.object_name(&PointerInfo {
                provenance: self.projection_of(other),
                ..PointerInfo::default()
            }),
        };
        PointerInfo {
            pointee: None,
            from_ref: false,
            provenance: Provenance::OtherObject(OtherObject::Field {
                field: member_text(&field.member),
                owner,
            }),
        }
    }

    /// `self.ptr` where the impl's self type puts what the field points to in its `Drop` (see
    /// [`Model::puts_field_in_drop`]), outside that `Drop`, where the field may be put already.
    fn owned_by_self(&self, field: &syn::ExprField) -> Option<Provenance> {
        let syn::Expr::Path(base) = strip_parens(&field.base) else {
            return None;
        };
        // `self` by value may be dropped before the pointer is used: only a borrow keeps it.
        if !base.path.is_ident("self") || !self.borrowed.contains("self") {
            return None;
        }
        let imp = self.scope.in_impl.as_ref()?;
        let model = self.cx.model;
        if imp
            .trait_res
            .as_ref()
            .is_some_and(|res| model.is_core_item(res, "ops", "Drop"))
        {
            return None;
        }
        let Res::Def(def) = &imp.self_res else {
            return None;
        };
        let item_ref = model.def_map.def(*def).item;
        let item = model.item(item_ref);
        let ItemKind::Adt(adt) = &item.kind else {
            return None;
        };
        let name = member_text(&field.member);
        let owned = adt.fields().find(|f| f.display_name() == name)?;
        model
            .puts_field_in_drop(item_ref, owned)
            .then(|| Provenance::BorrowOwned {
                borrow: "self".to_string(),
                field: name,
            })
    }

    /// What the object a pointer reaches is called in a message: the impl's self type for a
    /// projection of `self`, the pointee's C type otherwise.
    fn object_name(&self, info: &PointerInfo) -> Option<String> {
        if let Provenance::BorrowProjection { borrow } = &info.provenance {
            if borrow == "self" {
                let imp = self.scope.in_impl.as_ref()?;
                if let Some(entry) = self.cx.model.device_abstraction(&imp.self_res) {
                    return Some(entry.short_name.clone());
                }
                return match &imp.self_ty.kind {
                    TypeKind::Path(path) => path.last_name().map(str::to_string),
                    _ => None,
                };
            }
        }
        let pointee = info.pointee.as_ref()?;
        match &pointee.kind {
            TypeKind::Path(path) => path.last_name().map(str::to_string),
            _ => None,
        }
    }

    /// `container_of!(ptr, T, field)` (the container shares the embedded object's count) and
    /// `addr_of!(place)` / `addr_of_mut!(place)`.
    fn macro_pointer(&self, mac: &syn::Macro) -> PointerInfo {
        let Some(name) = mac.path.segments.last().map(|s| s.ident.to_string()) else {
            return PointerInfo::default();
        };
        if !matches!(name.as_str(), "container_of" | "addr_of" | "addr_of_mut") {
            return PointerInfo::default();
        }
        let body = self.cx.macros.body(mac);
        let MacroBody::Exprs(exprs) = &*body else {
            return PointerInfo::default();
        };
        let Some(first) = exprs.first() else {
            return PointerInfo::default();
        };
        if name != "container_of" {
            return self.address_of(first);
        }
        let inner = self.pointer_of(first);
        let pointee = match exprs.get(1) {
            Some(syn::Expr::Path(path)) => Some(lower_type(
                self.cx.source,
                &syn::Type::Path(syn::TypePath {
                    qself: None,
                    path: path.path.clone(),
                }),
            )),
            _ => None,
        };
        let provenance = match inner.provenance {
            Provenance::BorrowProjection { borrow } => Provenance::BorrowContainer { borrow },
            other => other,
        };
        PointerInfo {
            pointee,
            from_ref: false,
            provenance,
        }
    }

    /// The pointer a place's object gives of itself (`dev.as_raw()`, `dev.raw_device()`): no new
    /// device reference, alive as the place's borrow is.
    fn own_pointer_of(&self, place: &syn::Expr) -> PointerInfo {
        PointerInfo {
            pointee: None,
            from_ref: true,
            provenance: self.projection_of(place),
        }
    }

    /// A borrowed place (`self`, `self.inner`, a `&T` parameter): the object it is.
    fn projection_of(&self, place: &syn::Expr) -> Provenance {
        match pointer_root(strip_parens(place)) {
            Some(root) if self.borrowed.contains(&root) => {
                Provenance::BorrowProjection { borrow: root }
            }
            _ => Provenance::Unknown,
        }
    }

    /// What a pointer returned by a call of a C function is: a reference the caller now owns (an
    /// allocation's initial reference, a get), or another object the function reaches.
    fn c_call_provenance(&self, callee: &syn::ExprPath) -> Provenance {
        // A C function is written `bindings::name` or imported by its snake_case name; resolving
        // every other call (`Ok(…)`, `Self::new(…)`, `T::probe(…)`) would find nothing.
        let segments = &callee.path.segments;
        let may_be_c = match segments.len() {
            1 => segments[0]
                .ident
                .to_string()
                .starts_with(|c: char| c.is_ascii_lowercase() || c == '_'),
            _ => segments.iter().any(|segment| segment.ident == "bindings"),
        };
        if !may_be_c || callee.qself.is_some() {
            return Provenance::Unknown;
        }
        let res = self
            .scope
            .resolve_path(self.cx, &callee.path, Namespace::Values);
        let Res::External(path) = &res else {
            return Provenance::Unknown;
        };
        if path.len() != 2 || path[0] != "bindings" {
            return Provenance::Unknown;
        }
        let name = &path[1];
        let devices = &self.cx.model.devices;
        if devices.is_get(name) || name.split('_').any(|w| w == "alloc") {
            return Provenance::Owned {
                source: name.clone(),
            };
        }
        Provenance::OtherObject(OtherObject::Accessor {
            function: name.clone(),
        })
    }

    /// The refcount-sensitive call a path call makes, if any.
    fn classify_call(&self, call: &syn::ExprCall, callee: &syn::ExprPath) -> Option<SensitiveCall> {
        let cx = self.cx;
        let model = cx.model;
        let contracts = &model.contracts;
        // Both print tokens again: only a sensitive call, a few of all, needs them.
        let span = || self.span(call.span());
        let arg = || {
            call.args
                .first()
                .map_or_else(|| "the pointer".to_string(), |a| self.arg_text(a))
        };
        // `<Device as AlwaysRefCounted>::dec_ref(obj)`.
        if let Some(qself) = &callee.qself {
            let name = callee.path.segments.last()?.ident.to_string();
            let res = self.scope.resolve_type(cx, &qself.ty);
            let owner = model.refcounted_device(&res)?;
            if contracts.is_release_method(&name) {
                return Some(put_call(span(), format!("{owner}::{name}"), arg()));
            }
            return None;
        }
        let res = self.scope.resolve_path(cx, &callee.path, Namespace::Values);
        if let Some(path) = model.def_map.canonical_path(&res) {
            if contracts.is_extra_function(&path) {
                return Some(SensitiveCall::new(
                    span(),
                    CallKind::Derived,
                    display_path(&path),
                    arg(),
                    format!(
                        "`{}` is configured as refcount-sensitive: its caller must make sure the device's reference count is non-zero",
                        display_path(&path)
                    ),
                ));
            }
        }
        // `bindings::get_device`, `bindings::pci_dev_put`, ….
        if let Some(function) = get_put_of(model, &res) {
            if !contracts.is_lookup_function(&function.function) {
                let name = &function.function;
                let (span, arg) = (span(), arg());
                let is_get = function.direction == Direction::Get;
                return Some(if is_get {
                    let sentence = format!(
                        "`{name}` may only take a reference on a device that is still alive: {arg} must point to a device whose reference count is non-zero"
                    );
                    SensitiveCall::new(
                        span,
                        CallKind::Get,
                        format!("bindings::{name}"),
                        arg,
                        sentence,
                    )
                } else {
                    let mut call = put_call(span, format!("bindings::{name}"), arg);
                    call.precondition.sentence = format!(
                        "`{name}` drops a reference: the caller must own one, so that the reference count is non-zero until this call"
                    );
                    call
                });
            }
        }
        let (owner, method) = match (&res, callee_owner(&res)) {
            (_, Some(owner)) => owner,
            (Res::Def(_), None) => (Res::Unknown, String::new()),
            _ => return None,
        };
        // `ARef::from_raw(ptr)` of a device.
        if model.is_kernel_item(&owner, "ARef") && contracts.is_aref_constructor(&method) {
            let pointee = self.aref_pointee(callee, call)?;
            let (span, arg) = (span(), arg());
            let sentence = format!(
                "`ARef::from_raw` takes over a reference: the caller must own a reference on {arg} (a share of its reference count) and give it to the `ARef`"
            );
            let callee = format!("ARef::<{pointee}>::{method}");
            return Some(SensitiveCall::new(
                span,
                CallKind::TakeOver,
                callee,
                arg,
                sentence,
            ));
        }
        // A fn of the linted sources is judged by its own contract.
        if let Some(func) = model.fn_of(&res) {
            let name = func.item.name.clone().unwrap_or_default();
            let owner_name = match &owner {
                Res::Unknown => None,
                other => Some(
                    model
                        .refcounted_device(other)
                        .or_else(|| {
                            model
                                .def_map
                                .canonical_path(other)
                                .and_then(|p| p.last().cloned())
                        })
                        .unwrap_or_default(),
                ),
            };
            let display = match owner_name {
                Some(owner) => format!("{owner}::{name}"),
                None => name.to_string(),
            };
            if contracts.is_release_method(&method) && model.refcounted_device(&owner).is_some() {
                return Some(put_call(span(), display, arg()));
            }
            // A raw-to-reference fn whose own `# Safety` falls short still makes a reference that
            // needs the count: its callers are held to the canonical contract, and the weak
            // section is `safety_doc_missing_refcount`'s finding.
            let (sentence, quoted, weak_contract) = match model.refcount_precondition(&func) {
                Some(sentence) => (sentence, true, None),
                None => {
                    let raw = model.raw_to_ref(func.sig, &func.scope)?;
                    match (
                        model.safety_doc_gaps(&raw, func.item.docs()),
                        func.item.docs().section("Safety"),
                    ) {
                        // A liveness contract in other words: its callers are held to it.
                        (None, Some(section)) => (one_line(section), true, None),
                        _ => {
                            let duration = if raw.borrowed {
                                "for as long as the returned reference exists"
                            } else {
                                "for the duration of the call"
                            };
                            let sentence = format!(
                                "{} must be valid, non-null, and have a non-zero reference count {duration}",
                                arg()
                            );
                            (
                                sentence,
                                false,
                                Some(func.item.docs().span.unwrap_or(func.item.name_span)),
                            )
                        }
                    }
                }
            };
            let kind = match func
                .sig
                .ret
                .as_ref()
                .and_then(|ret| model.device_ref_type(ret, &func.scope))
            {
                Some((true, _)) => CallKind::Borrow,
                Some((false, _)) => CallKind::Counted,
                None => CallKind::Derived,
            };
            return Some(SensitiveCall {
                is_deref: false,
                pointer: Provenance::Unknown,
                span: span(),
                kind,
                callee: display,
                arg: arg(),
                precondition: Precondition { sentence, quoted },
                weak_contract,
                lifetime: None,
            });
        }
        // An abstraction outside the linted sources: known by name.
        let entry = model.device_abstraction(&owner)?;
        let display = format!("{}::{method}", entry.short_name);
        if contracts.is_release_method(&method) {
            return Some(put_call(span(), display, arg()));
        }
        let kind = self.constructor_kind(&owner, &method, call)?;
        let (span, arg) = (span(), arg());
        let sentence = if kind == CallKind::Counted {
            format!("{arg} must be valid, non-null, and have a non-zero reference count for the duration of the call")
        } else {
            format!("{arg} must be valid, non-null, and have a non-zero reference count for as long as the returned reference exists")
        };
        Some(SensitiveCall::new(span, kind, display, arg, sentence))
    }

    /// What a device abstraction's constructor outside the linted sources makes, known by name:
    /// a counted reference (`get_device`) or a borrowed one (`from_raw`, the older kernels'
    /// `as_ref(ptr)`; `Device::as_ref(&pdev)` is `AsRef::as_ref` on a reference, and makes none).
    fn constructor_kind(
        &self,
        owner: &Res,
        method: &str,
        call: &syn::ExprCall,
    ) -> Option<CallKind> {
        let model = self.cx.model;
        if model.device_abstraction(owner).is_none()
            || !model.contracts.is_device_constructor(method)
        {
            return None;
        }
        match method {
            "get_device" => Some(CallKind::Counted),
            "as_ref" if call.args.first().is_some_and(is_reference_like) => None,
            _ => Some(CallKind::Borrow),
        }
    }

    /// The device type `ARef::from_raw` makes an `ARef` of, when the code says.
    fn aref_pointee(&self, callee: &syn::ExprPath, call: &syn::ExprCall) -> Option<String> {
        let file = self.cx.source;
        let model = self.cx.model;
        // `ARef::<T>::from_raw`.
        let turbofish = callee.path.segments.iter().find_map(|segment| {
            let syn::PathArguments::AngleBracketed(args) = &segment.arguments else {
                return None;
            };
            args.args.iter().find_map(|arg| match arg {
                syn::GenericArgument::Type(ty) => Some(lower_type(file, ty)),
                _ => None,
            })
        });
        let pointee = turbofish.or_else(|| self.pointer_of(call.args.first()?).pointee)?;
        let res = model.resolve_type(&pointee, &self.scope.types);
        model.refcounted_device(&res)
    }

    /// `&*ptr` / `&mut *ptr` making a device reference.
    fn classify_deref(
        &self,
        reference: &syn::ExprReference,
        expected: Option<&TypeRef>,
    ) -> Option<SensitiveCall> {
        let (pointer, info, device) = self.deref_target(reference, expected)?;
        // A pointer made from a reference to the same object is no new device reference.
        if info.from_ref {
            return None;
        }
        let arg = self.arg_text(strip_parens(pointer));
        let root = pointer_root(strip_parens(pointer))
            .map(|root| format!("`{root}`"))
            .unwrap_or_else(|| arg.clone());
        Some(SensitiveCall {
            is_deref: true,
            pointer: info.provenance.clone(),
            weak_contract: None,
            lifetime: None,
            span: self.span(reference.span()),
            kind: CallKind::Borrow,
            callee: format!("a `&{device}`"),
            precondition: Precondition {
                sentence: format!(
                    "a reference made from a raw pointer is sound only while the device's reference count is non-zero: {root} must have one for as long as the reference exists"
                ),
                quoted: false,
            },
            arg: root,
        })
    }

    /// `&*ptr` / `&mut *ptr` that makes a reference to a device: the pointer, what is known of
    /// it, and how to name the device.
    fn deref_target<'e>(
        &self,
        reference: &'e syn::ExprReference,
        expected: Option<&TypeRef>,
    ) -> Option<(&'e syn::Expr, PointerInfo, String)> {
        let syn::Expr::Unary(syn::ExprUnary {
            op: syn::UnOp::Deref(_),
            expr: pointer,
            ..
        }) = strip_parens(&reference.expr)
        else {
            return None;
        };
        let info = self.pointer_of(strip_parens(pointer));
        let model = self.cx.model;
        let device = match &info.pointee {
            Some(pointee) => {
                let res = model.resolve_type(pointee, &self.scope.types);
                self.device_name(&res)
            }
            None => {
                let expected = expected?;
                let (borrowed, _) = model.device_ref_type(expected, &self.scope.types)?;
                if !borrowed {
                    return None;
                }
                self.expected_device(expected)
            }
        }?;
        Some((pointer, info, device))
    }

    /// How to name a device type: a refcounted abstraction, or a C device type.
    fn device_name(&self, res: &Res) -> Option<String> {
        let model = self.cx.model;
        model
            .refcounted_device(res)
            .or_else(|| model.c_device(res).map(DeviceEntry::display_name))
    }

    /// The device reference `expr` makes from a raw pointer, with a lifetime nothing checks: a
    /// borrowing constructor (`Device::from_raw`, an older `as_ref(ptr)`, an `unsafe fn` that
    /// returns `&'a Self`), `transmute` to a device reference, or `&*ptr`, also of a pointer made
    /// from a reference. `expected` is the type the context asks for, when it says.
    pub(crate) fn made_reference(
        &self,
        expr: &syn::Expr,
        expected: Option<&TypeRef>,
    ) -> Option<MadeReference> {
        match strip_parens(expr) {
            syn::Expr::Call(call) => {
                let syn::Expr::Path(callee) = strip_parens(&call.func) else {
                    return None;
                };
                let res = self
                    .scope
                    .resolve_path(self.cx, &callee.path, Namespace::Values);
                if res.is_external(&["core", "mem", "transmute"]) {
                    let target = turbofish_type(&callee.path, 1)
                        .map(|ty| lower_type(self.cx.source, ty))
                        .or_else(|| expected.cloned())?;
                    let TypeKind::Ref { referent, .. } = &target.kind else {
                        return None;
                    };
                    let device =
                        self.device_name(&self.cx.model.resolve_type(referent, &self.scope.types))?;
                    return Some(MadeReference {
                        span: self.span(call.span()),
                        what: "`transmute`".to_string(),
                        device,
                    });
                }
                if !self.makes_borrow(call, &res) {
                    return None;
                }
                let (owner, method) = callee_owner(&res).unwrap_or((Res::Unknown, String::new()));
                // Named by the device it makes (`device::Device::from_raw`), or as written.
                let (device, what) = match self.device_name(&owner) {
                    Some(device) => (device.clone(), format!("`{device}::{method}`")),
                    None => {
                        let ret = self.cx.model.fn_of(&res)?.sig.ret.clone()?;
                        let device = self.expected_device(&ret)?;
                        (device, format!("`{}`", callee_display(callee)))
                    }
                };
                Some(MadeReference {
                    span: self.span(call.span()),
                    what,
                    device,
                })
            }
            syn::Expr::Reference(reference) => {
                let (_, _, device) = self.deref_target(reference, expected)?;
                Some(MadeReference {
                    span: self.span(reference.span()),
                    what: "a raw pointer dereference".to_string(),
                    device,
                })
            }
            _ => None,
        }
    }

    /// Whether a call makes a borrowed device reference from a raw pointer: the calls
    /// [`Pointers::classify_call`] classifies as `CallKind::Borrow`, found without reading the
    /// callee's contract (which only the safety lints need). An `unsafe fn` of the linted sources
    /// that turns a raw device pointer into a borrowed device reference, or a device abstraction's
    /// `from_raw` / older `as_ref(ptr)` known by name.
    fn makes_borrow(&self, call: &syn::ExprCall, res: &Res) -> bool {
        let model = self.cx.model;
        if let Some(func) = model.fn_of(res) {
            return model
                .raw_to_ref(func.sig, &func.scope)
                .is_some_and(|raw| raw.borrowed);
        }
        callee_owner(res).is_some_and(|(owner, method)| {
            self.constructor_kind(&owner, &method, call) == Some(CallKind::Borrow)
        })
    }

    /// The device a `&Device`-like expected type names.
    fn expected_device(&self, expected: &TypeRef) -> Option<String> {
        let model = self.cx.model;
        let mut found = None;
        model.walk_type(expected, &self.scope.types, &mut |site| {
            if found.is_some() {
                return Walk::Skip;
            }
            if let TypeKind::Ref { referent, .. } = &site.ty.kind {
                let res = model.resolve_type(referent, site.scope);
                found = model.refcounted_device(&res);
                return Walk::Skip;
            }
            Walk::Descend
        });
        found
    }

    /// An argument as written, when it is a plain local or a short method chain on one
    /// (`ptr`, `obj.cast().as_ptr()`); otherwise the device pointer's field or a generic name.
    fn arg_text(&self, expr: &syn::Expr) -> String {
        // `NonNull::new_unchecked(ptr.cast())`: the pointer inside.
        if let syn::Expr::Call(call) = strip_parens(expr) {
            if let (syn::Expr::Path(callee), 1) = (&*call.func, call.args.len()) {
                let wraps = callee.path.segments.last().is_some_and(|s| {
                    matches!(
                        s.ident.to_string().as_str(),
                        "new" | "new_unchecked" | "from"
                    )
                });
                if wraps {
                    return self.arg_text(&call.args[0]);
                }
            }
        }
        let span = self.span(expr.span());
        let text = self.cx.source.slice(span);
        let simple = pointer_root(expr).is_some() && !field_of_deref(expr);
        if simple && !text.is_empty() && text.len() <= 40 && !text.contains('\n') {
            return format!("`{text}`");
        }
        // `(*self.as_raw()).parent` reads a pointer to another object; `&raw mut (*p).dev` takes
        // the address of an embedded one.
        if let syn::Expr::Field(field) = strip_parens(expr) {
            return format!("the pointer in `{}`", member_text(&field.member));
        }
        match embedded_field(self.cx.macros, expr) {
            Some(field) => format!("the embedded `{field}`"),
            None => "the device pointer".to_string(),
        }
    }
}

fn put_call(span: Span, callee: String, arg: String) -> SensitiveCall {
    let sentence = format!(
        "`{callee}` drops a reference: the caller must own one, so that the reference count is non-zero until this call"
    );
    SensitiveCall::new(span, CallKind::Put, callee, arg, sentence)
}

fn display_path(path: &[String]) -> String {
    let n = path.len();
    if n >= 3 {
        path[n - 3..].join("::")
    } else {
        path.join("::")
    }
}

/// The catalogue's C get/put function a call names (`bindings::pci_dev_get`, also through an
/// import or a `use … as` rename), if any: the one place that recognises a get/put call.
pub(crate) fn get_put_call<'m>(
    cx: &FileContext<'m>,
    scope: &BodyScope,
    callee: &syn::ExprPath,
) -> Option<&'m GetPut> {
    if callee.qself.is_some() {
        return None;
    }
    let model = cx.model;
    // Most calls are not get/put calls: a name no get/put function goes by is not resolved.
    let named = ident_text(&callee.path.segments.last()?.ident);
    if !model.may_name_get_put(&named) {
        return None;
    }
    get_put_of(
        model,
        &scope.resolve_path(cx, &callee.path, Namespace::Values),
    )
}

/// The catalogue's get/put function a resolved callee is.
fn get_put_of<'m>(model: &'m Model, res: &Res) -> Option<&'m GetPut> {
    match res {
        Res::External(path) if path.len() == 2 && path[0] == "bindings" => {
            model.devices.get_put(&path[1])
        }
        _ => None,
    }
}

/// What a resolved callee is an associated fn of, and its name: `(Device, "from_raw")` for
/// `Device::from_raw`, through a local type or a path outside the linted sources.
fn callee_owner(res: &Res) -> Option<(Res, String)> {
    match res {
        Res::Assoc(def, name) => Some((Res::Def(*def), name.clone())),
        Res::External(path) if path.len() >= 2 => Some((
            Res::External(path[..path.len() - 1].to_vec()),
            path[path.len() - 1].clone(),
        )),
        _ => None,
    }
}

/// A callee as written, without generic arguments: `device::Device::from_raw`.
fn callee_display(callee: &syn::ExprPath) -> String {
    callee
        .path
        .segments
        .iter()
        .map(|segment| ident_text(&segment.ident))
        .collect::<Vec<_>>()
        .join("::")
}

/// `self`, `self.x`, `dev`: a place whose own pointer is taken.
fn is_place(expr: &syn::Expr) -> bool {
    match expr {
        syn::Expr::Path(_) => true,
        syn::Expr::Field(field) => is_place(&field.base),
        syn::Expr::Paren(inner) => is_place(&inner.expr),
        _ => false,
    }
}

/// The local a pointer expression starts from: `ptr` in `ptr.cast::<T>()`.
fn pointer_root(expr: &syn::Expr) -> Option<String> {
    match expr {
        syn::Expr::Path(path) => path.path.get_ident().map(ident_text),
        syn::Expr::MethodCall(call) => pointer_root(&call.receiver),
        syn::Expr::Cast(cast) => pointer_root(&cast.expr),
        syn::Expr::Paren(inner) => pointer_root(&inner.expr),
        syn::Expr::Field(field) => pointer_root(&field.base),
        _ => None,
    }
}

/// `&x`, `self`: a reference rather than a raw pointer.
fn is_reference_like(expr: &syn::Expr) -> bool {
    match strip_parens(expr) {
        syn::Expr::Reference(_) => true,
        syn::Expr::Path(path) => path.path.is_ident("self"),
        _ => false,
    }
}

/// `(*ptr).dev`: a field of what a pointer points to.
fn field_of_deref(expr: &syn::Expr) -> bool {
    match strip_parens(expr) {
        syn::Expr::Field(field) => match strip_parens(&field.base) {
            syn::Expr::Unary(unary) => matches!(unary.op, syn::UnOp::Deref(_)),
            _ => field_of_deref(&field.base),
        },
        _ => false,
    }
}

/// `dev` in `&raw mut (*self.as_raw()).dev` or `addr_of_mut!((*phydev).mdio.dev)`.
fn embedded_field(macros: &MacroCache, expr: &syn::Expr) -> Option<String> {
    match strip_parens(expr) {
        syn::Expr::RawAddr(raw) => embedded_field(macros, &raw.expr),
        syn::Expr::Reference(reference) => embedded_field(macros, &reference.expr),
        syn::Expr::MethodCall(call) => embedded_field(macros, &call.receiver),
        syn::Expr::Field(field) => Some(member_text(&field.member)),
        syn::Expr::Macro(mac) => {
            let body = macros.body(&mac.mac);
            let MacroBody::Exprs(exprs) = &*body else {
                return None;
            };
            exprs.first().and_then(|e| embedded_field(macros, e))
        }
        _ => None,
    }
}

/// The `unsafe` block a returned expression is: `unsafe { … }`, `Ok(unsafe { … })`, `Some(…)`.
fn returned_unsafe_block(expr: &syn::Expr) -> Option<proc_macro2::Span> {
    match strip_parens(expr) {
        syn::Expr::Unsafe(block) => {
            Some(outer_attr(&block.attrs).unwrap_or(block.unsafe_token.span))
        }
        syn::Expr::Call(call) if call.args.len() == 1 => {
            let syn::Expr::Path(callee) = &*call.func else {
                return None;
            };
            let name = callee.path.segments.last()?.ident.to_string();
            matches!(name.as_str(), "Ok" | "Some")
                .then(|| returned_unsafe_block(&call.args[0]))
                .flatten()
        }
        _ => None,
    }
}

/// Collects the refcount-sensitive calls of one `unsafe` block (not of blocks nested in it).
struct Calls<'v, 'a, 'b> {
    body: &'v Body<'a, 'b>,
    found: Vec<SensitiveCall>,
    /// The type the block's tail must have, when it makes the fn's return value.
    expected: Option<TypeRef>,
    /// The address of the block's tail expression (compared, never dereferenced).
    tail: Option<usize>,
}

impl<'ast> Visit<'ast> for Calls<'_, '_, '_> {
    fn visit_expr(&mut self, expr: &'ast syn::Expr) {
        match expr {
            // Nested blocks are sites of their own.
            syn::Expr::Unsafe(_) => return,
            syn::Expr::Call(call) => {
                if let syn::Expr::Path(callee) = strip_parens(&call.func) {
                    if let Some(mut found) = self.body.pointers.classify_call(call, callee) {
                        if let Some(arg) = call.args.first() {
                            found.pointer = self.body.pointers.pointer_of(arg).provenance;
                        }
                        self.found.push(found);
                    }
                }
            }
            syn::Expr::Reference(reference) => {
                let at = expr as *const syn::Expr as usize;
                let expected = self.expected.as_ref().filter(|_| Some(at) == self.tail);
                if let Some(found) = self.body.pointers.classify_deref(reference, expected) {
                    self.found.push(found);
                }
            }
            _ => {}
        }
        syn::visit::visit_expr(self, expr);
    }

    fn visit_item(&mut self, _item: &'ast syn::Item) {}

    fn visit_macro(&mut self, mac: &'ast syn::Macro) {
        let macros = self.body.cx.macros;
        visit_macro_exprs(self, macros, mac);
    }
}

impl<'ast> Visit<'ast> for Body<'_, '_> {
    fn visit_stmt(&mut self, stmt: &'ast syn::Stmt) {
        if let syn::Stmt::Item(_) = stmt {
            return;
        }
        let (start, body) = stmt_start(stmt);
        self.push(start, body, true);
        syn::visit::visit_stmt(self, stmt);
        self.frames.pop();
    }

    fn visit_local(&mut self, local: &'ast syn::Local) {
        syn::visit::visit_local(self, local);
        self.pointers.bind_local(local);
    }

    fn visit_expr(&mut self, expr: &'ast syn::Expr) {
        if let syn::Expr::Unsafe(block) = expr {
            self.unsafe_block(block);
        }
        let (start, body) = expr_start(expr);
        self.push(start, body, false);
        syn::visit::visit_expr(self, expr);
        self.frames.pop();
    }

    fn visit_field_value(&mut self, field: &'ast syn::FieldValue) {
        self.attributed_frame(&field.attrs, field.member.span(), |this| {
            syn::visit::visit_field_value(this, field)
        });
    }

    fn visit_arm(&mut self, arm: &'ast syn::Arm) {
        self.attributed_frame(&arm.attrs, arm.pat.span(), |this| {
            syn::visit::visit_arm(this, arm)
        });
    }

    fn visit_block(&mut self, block: &'ast syn::Block) {
        // A block is a boundary: comments above the statement around it belong to that statement.
        let saved = std::mem::take(&mut self.frames);
        syn::visit::visit_block(self, block);
        self.frames = saved;
    }

    fn visit_item(&mut self, _item: &'ast syn::Item) {
        // Nested items are visited by the walker, with their own scope.
    }

    fn visit_macro(&mut self, mac: &'ast syn::Macro) {
        // Outside `Calls`, this visitor records `unsafe` blocks and `let` bindings only.
        let (macros, source) = (self.cx.macros, self.cx.source);
        visit_macro_exprs_if(self, macros, source, mac, |word| {
            word == b"unsafe" || word == b"let"
        });
    }
}

/// The `# Safety` contract of the fn around the code: its own section, or the one of the trait
/// method it implements.
fn fn_contract(cx: &FileContext<'_>, scope: &BodyScope) -> Option<FnContract> {
    let f = scope.in_fn.as_ref()?;
    let model = cx.model;
    let own = f.docs.section("Safety").map(str::to_string);
    let doc_span = own.as_ref().and_then(|_| {
        doc_layout(cx.comments, cx.source, &f.docs, "Safety")
            .and_then(|layout| layout.section_span(cx.source.id))
            .or(f.docs.span)
    });
    let fn_label = if f.is_unsafe {
        format!("`unsafe fn {}`", f.name)
    } else {
        format!("`fn {}`", f.name)
    };
    let doc_gaps = f.signature.as_ref().and_then(|signature| {
        let sig = FnSig {
            generics: Default::default(),
            is_unsafe: f.is_unsafe,
            has_self: false,
            params: signature
                .params
                .iter()
                .map(|(name, ty)| Param {
                    name: name.clone().map(Into::into),
                    ty: ty.clone(),
                })
                .collect(),
            ret: signature.ret.clone(),
            calls: Box::default(),
            self_field_calls: Box::default(),
            param_calls: Box::default(),
            self_method_calls: Box::default(),
        };
        let raw = model.raw_to_ref(&sig, &scope.types)?;
        Some(model.safety_doc_gaps(&raw, &f.docs).is_some())
    });
    let doc_reported = doc_gaps == Some(true);
    let doc_accepted = doc_gaps == Some(false) && own.is_some();
    if own.is_some() {
        return Some(FnContract {
            is_unsafe: f.is_unsafe,
            section: own,
            doc_span,
            owner: fn_label,
            doc_reported,
            doc_accepted,
        });
    }
    // A trait method's contract is written on the trait.
    if let Some(imp) = &scope.in_impl {
        if let Some(trait_res) = &imp.trait_res {
            if let Some((section, span, trait_name)) =
                trait_method_safety(model, trait_res, &f.name)
            {
                return Some(FnContract {
                    is_unsafe: f.is_unsafe,
                    section: Some(section),
                    doc_span: span,
                    owner: format!("`{trait_name}::{}`", f.name),
                    doc_reported: false,
                    doc_accepted: false,
                });
            }
        }
    }
    Some(FnContract {
        is_unsafe: f.is_unsafe,
        section: None,
        doc_span: None,
        owner: fn_label,
        doc_reported,
        doc_accepted,
    })
}

/// Contracts of kernel trait methods known without the kernel crate.
const BUILT_IN_TRAIT_CONTRACTS: &[(&str, &str, &str)] = &[(
    "AlwaysRefCounted",
    "dec_ref",
    "Callers must ensure that there was a previous matching increment to the refcount, and that the object is no longer used after its refcount is decremented.",
)];

fn trait_method_safety(
    model: &Model,
    trait_res: &Res,
    method: &str,
) -> Option<(String, Option<Span>, String)> {
    if let Res::Def(def) = trait_res {
        let data = model.def_map.def(*def);
        let item = model.item(data.item);
        if let ItemKind::Trait { items, .. } = &item.kind {
            let found = items
                .iter()
                .find(|i| i.name.as_deref() == Some(method) && matches!(i.kind, ItemKind::Fn(_)))?;
            let section = found.docs().section("Safety")?;
            return Some((
                section.to_string(),
                found.docs().span,
                model.def_map.name(*def).to_string(),
            ));
        }
        return None;
    }
    BUILT_IN_TRAIT_CONTRACTS
        .iter()
        .find(|(trait_name, name, _)| {
            *name == method && model.is_kernel_item(trait_res, trait_name)
        })
        .map(|(trait_name, _, text)| (text.to_string(), None, trait_name.to_string()))
}

/// The `# Invariants` of the impl's `Self` type.
fn type_invariants(cx: &FileContext<'_>, scope: &BodyScope) -> Option<TypeInvariants> {
    let imp = scope.in_impl.as_ref()?;
    let model = cx.model;
    let Res::Def(def) = imp.self_res else {
        return None;
    };
    let data = model.def_map.def(def);
    let item = model.item(data.item);
    let section = item.docs().section("Invariants").map(str::to_string);
    let doc_span = if data.item.file == cx.source.id {
        doc_layout(cx.comments, cx.source, item.docs(), "Invariants")
            .and_then(|layout| layout.section_span(cx.source.id))
            .or(item.docs().span)
    } else {
        item.docs().span
    };
    Some(TypeInvariants {
        type_name: model.device_abstraction(&imp.self_res).map_or_else(
            || model.def_map.name(def).to_string(),
            |e| e.short_name.clone(),
        ),
        section,
        doc_span: doc_span.or(Some(item.name_span)),
    })
}

/// The return type of a fn when it holds a device reference whose lifetime no input bounds:
/// `'static`, or a named lifetime that appears in no parameter (`fn get<'a>(p: *mut …) -> &'a
/// Device`), or an elided one with no borrowed input.
pub(crate) fn untied_return(
    cx: &FileContext<'_>,
    scope: &BodyScope,
    sig: &syn::Signature,
) -> Option<syn::Type> {
    let syn::ReturnType::Type(_, ret) = &sig.output else {
        return None;
    };
    let file = cx.source;
    let model = cx.model;
    // The lifetimes of the device references the return type holds (`None`: elided). Most fns
    // return none, and then their parameters need no look.
    let mut device_refs: Vec<Option<String>> = Vec::new();
    let lowered = lower_type(file, ret);
    model.walk_written_type(&lowered, &scope.types, &mut |site| {
        let TypeKind::Ref {
            lifetime, referent, ..
        } = &site.ty.kind
        else {
            return Walk::Descend;
        };
        let res = model.resolve_type(referent, site.scope);
        if model.device_abstraction(&res).is_some() || model.c_device(&res).is_some() {
            device_refs.push(lifetime.as_deref().map(str::to_string));
        }
        Walk::Skip
    });
    if device_refs.is_empty() {
        return None;
    }
    let mut input_lifetimes: Vec<String> = Vec::new();
    let mut has_borrowed_input = false;
    for input in &sig.inputs {
        match input {
            syn::FnArg::Receiver(receiver) => {
                has_borrowed_input |= receiver.reference.is_some();
                if let Some((_, Some(lifetime))) = &receiver.reference {
                    input_lifetimes.push(lifetime.ident.to_string());
                }
            }
            syn::FnArg::Typed(param) => {
                let lowered = lower_type(file, &param.ty);
                model.walk_written_type(&lowered, &scope.types, &mut |site| {
                    if let TypeKind::Ref { lifetime, .. } = &site.ty.kind {
                        has_borrowed_input = true;
                        if let Some(lifetime) = lifetime {
                            input_lifetimes.push(lifetime.to_string());
                        }
                    }
                    if let TypeKind::Path(path) = &site.ty.kind {
                        for segment in &path.segments {
                            for arg in &segment.args {
                                if let crate::model::item_tree::GenericArg::Lifetime(l) = arg {
                                    input_lifetimes.push(l.to_string());
                                }
                            }
                        }
                    }
                    Walk::Descend
                });
            }
        }
    }
    let unbounded = device_refs.iter().any(|lifetime| match lifetime {
        Some(l) if l == "static" => true,
        Some(l) => !input_lifetimes.contains(l),
        // Elided: bound to the borrowed input, if there is exactly the usual one.
        None => !has_borrowed_input,
    });
    unbounded.then(|| (**ret).clone())
}
