//! Resolving written types: scopes, generic parameters, `Self`, and type aliases.

use super::def_map::{Namespace, Res};
use super::item_tree::{GenericArg, ItemKind, PathRef, TypeKind, TypeRef};
use super::scope::Scope;
use super::Model;
use crate::source::Span;

/// Alias chains longer than this are treated as unresolved (and cycles end here).
const MAX_ALIAS_DEPTH: usize = 16;

/// What to do after visiting a type node.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Walk {
    Descend,
    Skip,
}

/// A type node reached while walking, with the span to report at: the node itself when it is written
/// in the walked type, or the alias path that led to it.
pub struct TypeSite<'t> {
    pub ty: &'t TypeRef,
    pub scope: &'t Scope,
    pub report_span: Span,
    /// True once the walk has gone through a type alias.
    pub through_alias: bool,
}

impl Model {
    /// What a type names, looking through aliases, generic substitutions and `Self`, but not into
    /// pointers or generic arguments.
    pub fn resolve_type(&self, ty: &TypeRef, scope: &Scope) -> Res {
        match self.expand(ty, scope) {
            Some((expanded, inner_scope)) => match &expanded.kind {
                TypeKind::Path(path) => self.resolve_type_path(path, &inner_scope),
                _ => Res::Unknown,
            },
            None => Res::Unknown,
        }
    }

    /// A path in type position, without alias expansion.
    pub fn resolve_type_path(&self, path: &PathRef, scope: &Scope) -> Res {
        if path.qself.is_none() && !path.global && path.segments.len() == 1 {
            let name = &*path.segments[0].name;
            if scope.type_params.iter().any(|p| p == name) {
                return Res::GenericParam(name.to_string());
            }
        }
        self.def_map
            .resolve_path(scope.module, path, Namespace::Types)
    }

    /// Follows aliases, `Self` and substituted generic parameters down to the type they stand for.
    pub fn expand(&self, ty: &TypeRef, scope: &Scope) -> Option<(TypeRef, Scope)> {
        let mut current = ty.clone();
        let mut scope = scope.clone();
        for _ in 0..MAX_ALIAS_DEPTH {
            let TypeKind::Path(path) = &current.kind else {
                return Some((current, scope));
            };
            match self.step_through(path, &scope) {
                Some((next, next_scope)) => {
                    current = next;
                    scope = next_scope;
                }
                None => return Some((current, scope)),
            }
        }
        None
    }

    /// One step: `Self`, a substituted parameter, or a local alias becomes what it stands for.
    fn step_through(&self, path: &PathRef, scope: &Scope) -> Option<(TypeRef, Scope)> {
        if path.qself.is_some() || path.global {
            return None;
        }
        if path.segments.len() == 1 {
            let name = &*path.segments[0].name;
            if name == "Self" {
                let (self_ty, module) = scope.self_ty.as_deref()?;
                let mut self_scope = Scope::new(*module);
                self_scope.type_params = scope.type_params.clone();
                return Some((self_ty.clone(), self_scope));
            }
            if let Some((_, ty, arg_scope)) = scope.substitutions.iter().find(|(n, _, _)| n == name)
            {
                return Some((ty.clone(), arg_scope.clone()));
            }
            if scope.type_params.iter().any(|p| p == name) {
                return None;
            }
        }
        let Res::Def(def) = self
            .def_map
            .resolve_path(scope.module, path, Namespace::Types)
        else {
            return None;
        };
        let data = self.def_map.def(def);
        let item = self.item(data.item);
        let ItemKind::TypeAlias {
            generics,
            ty: Some(aliased),
        } = &item.kind
        else {
            return None;
        };
        if scope.alias_depth >= MAX_ALIAS_DEPTH {
            return None;
        }
        let mut alias_scope = Scope::new(data.module);
        alias_scope.alias_depth = scope.alias_depth + 1;
        let args: Vec<&TypeRef> = path
            .segments
            .last()
            .into_iter()
            .flat_map(|s| s.args.iter())
            .filter_map(|arg| match arg {
                GenericArg::Type(ty) => Some(ty),
                _ => None,
            })
            .collect();
        for (index, param) in generics.types.iter().enumerate() {
            match args.get(index) {
                Some(arg) => {
                    alias_scope
                        .substitutions
                        .push((param.clone(), (*arg).clone(), scope.clone()));
                }
                None => alias_scope.type_params.push(param.clone()),
            }
        }
        Some(((**aliased).clone(), alias_scope))
    }

    /// Visits `ty` and the types inside it (pointees, referents, elements, generic arguments), looking
    /// through aliases. `fn` pointer types are leaves: a callback's parameters store nothing.
    pub fn walk_type(
        &self,
        ty: &TypeRef,
        scope: &Scope,
        visit: &mut dyn FnMut(&TypeSite<'_>) -> Walk,
    ) {
        self.walk_inner(ty, scope, None, visit, 0, true);
    }

    /// Like [`Model::walk_type`], but only into what a value of the type stores: a `PhantomData<T>`
    /// holds no `T` (`PhantomData<(T, *mut bindings::device)>` holds no pointer).
    pub fn walk_stored_type(
        &self,
        ty: &TypeRef,
        scope: &Scope,
        visit: &mut dyn FnMut(&TypeSite<'_>) -> Walk,
    ) {
        self.walk_type(ty, scope, &mut |site| {
            if let TypeKind::Path(path) = &site.ty.kind {
                if path.last_name() == Some("PhantomData") {
                    let res = self.resolve_type_path(path, site.scope);
                    let phantom = self.is_core_item(&res, "marker", "PhantomData")
                        || matches!(res, Res::Unknown);
                    if phantom {
                        return Walk::Skip;
                    }
                }
            }
            visit(site)
        });
    }

    /// Like [`Model::walk_type`], but only what is written: aliases are not looked through.
    pub fn walk_written_type(
        &self,
        ty: &TypeRef,
        scope: &Scope,
        visit: &mut dyn FnMut(&TypeSite<'_>) -> Walk,
    ) {
        self.walk_inner(ty, scope, None, visit, 0, false);
    }

    fn walk_inner(
        &self,
        ty: &TypeRef,
        scope: &Scope,
        alias_site: Option<Span>,
        visit: &mut dyn FnMut(&TypeSite<'_>) -> Walk,
        depth: usize,
        expand_aliases: bool,
    ) {
        if depth > 64 {
            return;
        }
        let site = TypeSite {
            ty,
            scope,
            report_span: alias_site.unwrap_or(ty.span),
            through_alias: alias_site.is_some(),
        };
        if visit(&site) == Walk::Skip {
            return;
        }
        match &ty.kind {
            TypeKind::Path(path) => {
                if let Some((expanded, inner_scope)) = expand_aliases
                    .then(|| self.step_through(path, scope))
                    .flatten()
                {
                    let site_span = alias_site.unwrap_or(ty.span);
                    self.walk_inner(
                        &expanded,
                        &inner_scope,
                        Some(site_span),
                        visit,
                        depth + 1,
                        expand_aliases,
                    );
                    return;
                }
                for segment in &path.segments {
                    for arg in &segment.args {
                        if let Some(inner) = arg.ty() {
                            self.walk_inner(
                                inner,
                                scope,
                                alias_site,
                                visit,
                                depth + 1,
                                expand_aliases,
                            );
                        }
                    }
                }
            }
            TypeKind::Ptr { pointee: inner, .. }
            | TypeKind::Ref {
                referent: inner, ..
            }
            | TypeKind::Array(inner)
            | TypeKind::Slice(inner) => {
                self.walk_inner(inner, scope, alias_site, visit, depth + 1, expand_aliases)
            }
            TypeKind::Tuple(elements) => {
                for element in elements {
                    self.walk_inner(element, scope, alias_site, visit, depth + 1, expand_aliases);
                }
            }
            TypeKind::FnPtr
            | TypeKind::Bounds(_)
            | TypeKind::Never
            | TypeKind::Infer
            | TypeKind::Opaque => {}
        }
    }
}
