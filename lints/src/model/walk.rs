//! Walking a file's syntax with the scope lints need: the module, the enclosing impl and fn, generics
//! and `Self`, and macro arguments that parse as code.
//!
//! Hooks (a lint's, or the body model's collector) implement [`Hooks`]; [`walk_file`] drives them
//! all in one walk. A hook that panics is called no more, and the others go on. Nodes parsed from
//! macro arguments are temporaries, so hooks get plain references and must not keep them.

use syn::visit::Visit;

use crate::diagnostic::Diagnostic;
use crate::model::def_map::{ModuleId, Namespace, Res};
use crate::model::file_context::FileContext;
use crate::model::item_tree::{Docs, TypeRef};
use crate::model::lower::{ident_text, lower_docs, lower_path, lower_type};
use crate::model::macros::{visit_body, visit_macro_exprs_if};
use crate::model::Scope;
use crate::panics::catch_panic;
use crate::source::Span;
use crate::spans;

/// The impl block around the code being visited.
#[derive(Clone, Debug)]
pub struct ImplScope {
    pub self_ty: TypeRef,
    /// What the self type resolves to (`Res::Def` for a local type).
    pub self_res: Res,
    pub trait_res: Option<Res>,
    pub is_unsafe: bool,
    pub span: Span,
}

impl ImplScope {
    /// Whether `imp` (the impl this scope describes) implements the kernel's `AlwaysRefCounted`.
    pub fn is_refcount_impl(&self, model: &crate::model::Model, imp: &syn::ItemImpl) -> bool {
        let Some((_, path, _)) = &imp.trait_ else {
            return false;
        };
        let written = path
            .segments
            .last()
            .map(|segment| ident_text(&segment.ident));
        let trait_res = self.trait_res.clone().unwrap_or(Res::Unknown);
        model.is_refcount_trait(&trait_res, written.as_deref())
    }
}

/// The fn around the code being visited.
#[derive(Clone, Debug)]
pub struct FnScope {
    pub name: String,
    pub is_unsafe: bool,
    /// The fn's docs when it is an `unsafe fn` (empty otherwise: a safe fn has no contract).
    pub docs: Docs,
    /// The lowered signature, only where the hooks can find something: in an `unsafe fn` or a fn
    /// that holds an `unsafe` block (see [`FnView::holds_unsafe`]).
    pub signature: Option<FnSignature>,
}

/// What the hooks read of a fn's signature, lowered.
#[derive(Clone, Debug)]
pub struct FnSignature {
    pub ret: Option<TypeRef>,
    /// `(name, type)` of each typed parameter; `self` is not listed.
    pub params: Vec<(Option<String>, TypeRef)>,
}

#[derive(Clone, Debug)]
pub struct BodyScope {
    pub module: ModuleId,
    /// For resolving types: module, generics in scope, `Self`.
    pub types: Scope,
    pub in_impl: Option<ImplScope>,
    pub in_fn: Option<FnScope>,
}

impl BodyScope {
    /// Resolves a path written here; `Self::x` goes through the impl's self type.
    pub fn resolve_path(&self, cx: &FileContext<'_>, path: &syn::Path, ns: Namespace) -> Res {
        let lowered = lower_path(cx.source, path, None);
        let model = cx.model;
        if let Some(first) = lowered.segments.first() {
            if &*first.name == "Self" && !lowered.global {
                let Some(imp) = &self.in_impl else {
                    return Res::Unknown;
                };
                let mut res = imp.self_res.clone();
                for segment in &lowered.segments[1..] {
                    res = model.def_map.resolve_member(&res, &segment.name, ns);
                }
                return res;
            }
            if lowered.segments.len() == 1
                && self.types.type_params.iter().any(|p| **p == *first.name)
            {
                return Res::GenericParam(first.name.to_string());
            }
        }
        model.def_map.resolve_path(self.module, &lowered, ns)
    }

    /// What a type written here names, through aliases.
    pub fn resolve_type(&self, cx: &FileContext<'_>, ty: &syn::Type) -> Res {
        let lowered = lower_type(cx.source, ty);
        cx.model.resolve_type(&lowered, &self.types)
    }
}

/// What a lint wants to see. Every method has an empty default.
pub trait Hooks {
    fn on_impl(&mut self, _cx: &FileContext<'_>, _scope: &BodyScope, _imp: &syn::ItemImpl) {}
    /// `scope.in_fn` describes this fn.
    fn on_fn(&mut self, _cx: &FileContext<'_>, _scope: &BodyScope, _func: &FnView<'_>) {}
    fn on_stmt(&mut self, _cx: &FileContext<'_>, _scope: &BodyScope, _stmt: &syn::Stmt) {}
    fn on_expr(&mut self, _cx: &FileContext<'_>, _scope: &BodyScope, _expr: &syn::Expr) {}
    fn on_item(&mut self, _cx: &FileContext<'_>, _scope: &BodyScope, _item: &syn::Item) {}
    /// What a lint's hooks found, taken when the walk ends.
    fn take_diagnostics(&mut self) -> Vec<Diagnostic> {
        Vec::new()
    }
}

/// A fn with a body: free, in an impl, or a provided trait method.
pub struct FnView<'a> {
    pub sig: &'a syn::Signature,
    pub attrs: &'a [syn::Attribute],
    pub block: &'a syn::Block,
    /// Whether the body holds an `unsafe` block (in a closure or macro arguments too, not in nested
    /// items). Everything the body hooks report starts in unsafe code, so a safe fn without one
    /// has nothing for them.
    pub holds_unsafe: bool,
}

/// Walks the file once, calling every hook in turn at each node. A hook that panics is called no
/// more; the result holds, for each hook, the message of its panic or `None`.
pub fn walk_file(cx: &FileContext<'_>, hooks: &mut [&mut dyn Hooks]) -> Vec<Option<String>> {
    let mut panics = vec![None; hooks.len()];
    let Some(root) = cx.model.def_map.module_of(cx.source.id, 0) else {
        return panics;
    };
    let mut walker = Walker {
        cx,
        hooks,
        panics: &mut panics,
        scope: BodyScope {
            module: root,
            types: Scope::new(root),
            in_impl: None,
            in_fn: None,
        },
    };
    walker.visit_file(cx.ast);
    panics
}

struct Walker<'c, 'h, 'x> {
    cx: &'c FileContext<'c>,
    hooks: &'h mut [&'x mut dyn Hooks],
    /// Per hook, the message of its panic: it is then called no more.
    panics: &'h mut [Option<String>],
    scope: BodyScope,
}

impl Walker<'_, '_, '_> {
    /// Calls every hook that has not panicked in turn with the walk's context and current scope.
    fn each_hook(&mut self, call: impl Fn(&mut dyn Hooks, &FileContext<'_>, &BodyScope)) {
        for (hook, panic) in self.hooks.iter_mut().zip(self.panics.iter_mut()) {
            if panic.is_some() {
                continue;
            }
            if let Err(message) = catch_panic(|| call(&mut **hook, self.cx, &self.scope)) {
                *panic = Some(message);
            }
        }
    }

    /// Brings the type and const parameters of `generics` into scope (the caller truncates them
    /// when it leaves).
    fn push_type_params(&mut self, generics: &syn::Generics) {
        for param in &generics.params {
            match param {
                syn::GenericParam::Type(t) => {
                    self.scope.types.type_params.push(ident_text(&t.ident))
                }
                syn::GenericParam::Const(c) => {
                    self.scope.types.type_params.push(ident_text(&c.ident))
                }
                syn::GenericParam::Lifetime(_) => {}
            }
        }
    }

    fn with_fn(&mut self, sig: &syn::Signature, attrs: &[syn::Attribute], block: &syn::Block) {
        // Nothing in an empty body (most are bodies that `pruning` skipped) can be reported, and
        // the fn's scope is not free to build.
        if block.stmts.is_empty() {
            return;
        }
        let file = self.cx.source;
        // Only these two change; everything visited inside leaves the scope as it found it.
        let outer_type_params = self.scope.types.type_params.len();
        let outer_fn = self.scope.in_fn.take();
        self.push_type_params(&sig.generics);
        let holds_unsafe = holds_unsafe_block(self.cx, block);
        let is_unsafe = sig.unsafety.is_some();
        let signature = (is_unsafe || holds_unsafe).then(|| FnSignature {
            ret: match &sig.output {
                syn::ReturnType::Default => None,
                syn::ReturnType::Type(_, ty) => Some(lower_type(file, ty)),
            },
            params: sig
                .inputs
                .iter()
                .filter_map(|input| match input {
                    syn::FnArg::Typed(pat) => Some(pat),
                    syn::FnArg::Receiver(_) => None,
                })
                .map(|pat| {
                    let name = match &*pat.pat {
                        syn::Pat::Ident(ident) => Some(ident_text(&ident.ident)),
                        _ => None,
                    };
                    (name, lower_type(file, &pat.ty))
                })
                .collect(),
        });
        self.scope.in_fn = Some(FnScope {
            name: ident_text(&sig.ident),
            is_unsafe,
            // Only an `unsafe fn` has a contract for its body to delegate to; docs are not free.
            docs: if is_unsafe {
                lower_docs(file, attrs)
            } else {
                Docs::default()
            },
            signature,
        });
        let view = FnView {
            sig,
            attrs,
            block,
            holds_unsafe,
        };
        self.each_hook(|hook, cx, scope| hook.on_fn(cx, scope, &view));
        self.visit_block(block);
        self.scope.types.type_params.truncate(outer_type_params);
        self.scope.in_fn = outer_fn;
    }
}

impl<'ast> Visit<'ast> for Walker<'_, '_, '_> {
    fn visit_item(&mut self, item: &'ast syn::Item) {
        self.each_hook(|hook, cx, scope| hook.on_item(cx, scope, item));
        syn::visit::visit_item(self, item);
    }

    fn visit_item_mod(&mut self, module: &'ast syn::ItemMod) {
        let span = spans::item_mod(module).span_in(self.cx.source);
        let tree = &self.cx.model.file(self.cx.source.id).tree;
        let node = tree.modules.iter().position(|m| m.span == Some(span));
        let inner = node.and_then(|n| self.cx.model.def_map.module_of(self.cx.source.id, n as u32));
        let saved = self.scope.clone();
        if let Some(inner) = inner {
            self.scope = BodyScope {
                module: inner,
                types: Scope::new(inner),
                in_impl: None,
                in_fn: None,
            };
        }
        syn::visit::visit_item_mod(self, module);
        self.scope = saved;
    }

    fn visit_item_impl(&mut self, imp: &'ast syn::ItemImpl) {
        let file = self.cx.source;
        // What an impl changes, to put back (the scope is not cloned: a fn's scope holds types).
        let outer_type_params = self.scope.types.type_params.len();
        self.push_type_params(&imp.generics);
        let self_ty = lower_type(file, &imp.self_ty);
        let self_res = self.cx.model.resolve_type(&self_ty, &self.scope.types);
        let trait_res = imp.trait_.as_ref().map(|(_, path, _)| {
            let lowered = lower_path(file, path, None);
            self.cx
                .model
                .def_map
                .resolve_path(self.scope.module, &lowered, Namespace::Types)
        });
        let outer_self_ty = self
            .scope
            .types
            .self_ty
            .replace(Box::new((self_ty.clone(), self.scope.module)));
        let outer_fn = self.scope.in_fn.take();
        let outer_impl = self.scope.in_impl.replace(ImplScope {
            self_ty,
            self_res,
            trait_res,
            is_unsafe: imp.unsafety.is_some(),
            span: spans::item_impl(imp).span_in(self.cx.source),
        });
        self.each_hook(|hook, cx, scope| hook.on_impl(cx, scope, imp));
        for item in &imp.items {
            self.visit_impl_item(item);
        }
        self.scope.types.type_params.truncate(outer_type_params);
        self.scope.types.self_ty = outer_self_ty;
        self.scope.in_impl = outer_impl;
        self.scope.in_fn = outer_fn;
    }

    fn visit_item_trait(&mut self, item: &'ast syn::ItemTrait) {
        let saved = self.scope.clone();
        self.scope.in_fn = None;
        syn::visit::visit_item_trait(self, item);
        self.scope = saved;
    }

    fn visit_item_fn(&mut self, func: &'ast syn::ItemFn) {
        for attr in &func.attrs {
            self.visit_attribute(attr);
        }
        self.with_fn(&func.sig, &func.attrs, &func.block);
    }

    fn visit_impl_item_fn(&mut self, func: &'ast syn::ImplItemFn) {
        self.with_fn(&func.sig, &func.attrs, &func.block);
    }

    fn visit_trait_item_fn(&mut self, func: &'ast syn::TraitItemFn) {
        if let Some(block) = &func.default {
            self.with_fn(&func.sig, &func.attrs, block);
        }
    }

    fn visit_stmt(&mut self, stmt: &'ast syn::Stmt) {
        self.each_hook(|hook, cx, scope| hook.on_stmt(cx, scope, stmt));
        syn::visit::visit_stmt(self, stmt);
    }

    fn visit_expr(&mut self, expr: &'ast syn::Expr) {
        self.each_hook(|hook, cx, scope| hook.on_expr(cx, scope, expr));
        syn::visit::visit_expr(self, expr);
    }

    fn visit_macro(&mut self, mac: &'ast syn::Macro) {
        // What the hooks meet through the walker: items (`on_fn`, `on_impl`, and the scope of a
        // module or trait) and calls of C get/put functions (`on_expr`). The rest of a body the
        // hooks walk themselves, from `on_fn`.
        let model = self.cx.model;
        let wanted = |word: &[u8]| {
            matches!(word, b"fn" | b"impl" | b"mod" | b"trait")
                || std::str::from_utf8(word).is_ok_and(|word| model.may_name_get_put(word))
        };
        if let Some(body) = self.cx.macros.body_if(mac, self.cx.source, wanted) {
            visit_body(self, &body);
        }
    }
}

/// Whether `block` holds an `unsafe` block, in closures and macro arguments too (not in nested
/// items, which are walked on their own).
fn holds_unsafe_block(cx: &FileContext<'_>, block: &syn::Block) -> bool {
    struct Finder<'c> {
        cx: &'c FileContext<'c>,
        found: bool,
    }
    impl<'ast> Visit<'ast> for Finder<'_> {
        fn visit_expr(&mut self, expr: &'ast syn::Expr) {
            if self.found {
                return;
            }
            if matches!(expr, syn::Expr::Unsafe(_)) {
                self.found = true;
                return;
            }
            syn::visit::visit_expr(self, expr);
        }

        fn visit_item(&mut self, _item: &'ast syn::Item) {}

        fn visit_macro(&mut self, mac: &'ast syn::Macro) {
            let (macros, source) = (self.cx.macros, self.cx.source);
            visit_macro_exprs_if(self, macros, source, mac, |word| word == b"unsafe");
        }
    }
    let mut finder = Finder { cx, found: false };
    finder.visit_block(block);
    finder.found
}

/// The expression inside any parentheses (and invisible groups from macros).
pub fn strip_parens(expr: &syn::Expr) -> &syn::Expr {
    match expr {
        syn::Expr::Paren(inner) => strip_parens(&inner.expr),
        syn::Expr::Group(inner) => strip_parens(&inner.expr),
        other => other,
    }
}

/// The block's value: its last statement when that is an expression without `;`.
pub fn tail_expr(block: &syn::Block) -> Option<&syn::Expr> {
    match block.stmts.last()? {
        syn::Stmt::Expr(expr, None) => Some(expr),
        _ => None,
    }
}
