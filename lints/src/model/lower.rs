//! Lowering a parsed file into its [`ItemTree`].

use std::borrow::Cow;

use proc_macro2::Span as RawSpan;
use syn::spanned::Spanned;
use syn::visit::Visit;

use super::item_tree::*;
use super::macros::{MacroBody, MacroCache};
use super::registrations;
use crate::comments::{scan_line_comment, DocStyle};
use crate::source::{SourceFile, Span};
use crate::spans::Tokens;

pub fn lower_file(source: &SourceFile, ast: &syn::File, macros: &MacroCache) -> ItemTree {
    let mut lowerer = Lowerer {
        source,
        tree: ItemTree::default(),
        macros,
    };
    lowerer.tree.modules.push(ModuleNode {
        name: None,
        parent: None,
        span: None,
    });
    for item in &ast.items {
        lowerer.lower_item(item, 0, false);
    }
    lowerer.tree.registrations = registrations::scan(&source.text, &lowerer.tree.items);
    lowerer.tree
}

/// Where an item sits: its module node, and whether it is nested in a body.
#[derive(Clone, Copy)]
struct Place {
    module: u32,
    nested: bool,
}

impl Place {
    /// An item of an impl or trait, which lowering counts as nested.
    fn nested(module: u32) -> Place {
        Place {
            module,
            nested: true,
        }
    }
}

struct Lowerer<'m> {
    source: &'m SourceFile,
    tree: ItemTree,
    macros: &'m MacroCache,
}

/// Lowers a type written in a body (lints resolve `let x: T`, casts and turbofish types with it).
pub fn lower_type(source: &SourceFile, ty: &syn::Type) -> TypeRef {
    Lowerer {
        source,
        tree: ItemTree::default(),
        macros: &MacroCache::default(),
    }
    .ty(ty)
}

pub fn lower_path(source: &SourceFile, path: &syn::Path, qself: Option<&syn::QSelf>) -> PathRef {
    Lowerer {
        source,
        tree: ItemTree::default(),
        macros: &MacroCache::default(),
    }
    .path(path, qself)
}

/// The docs of an item's attributes, as the item tree keeps them.
pub fn lower_docs(source: &SourceFile, attrs: &[syn::Attribute]) -> Docs {
    Lowerer {
        source,
        tree: ItemTree::default(),
        macros: &MacroCache::default(),
    }
    .docs(attrs)
}

impl Lowerer<'_> {
    fn span(&self, raw: RawSpan) -> Span {
        self.source.span(raw)
    }

    /// The text of one doc attribute, and where it starts and ends; `None` for other attributes.
    /// A `///` or `//!` line is read from the file: the lexer made it a string literal (unescaping
    /// that again was a tenth of lowering), or pruning made it `#[doc]`
    /// ([`crate::pruning::prune_docs`]).
    fn doc_line(&self, attr: &syn::Attribute) -> Option<(Cow<'_, str>, Span)> {
        let text = &self.source.text;
        let start = self.span(attr.pound_token.span);
        let literal = match &attr.meta {
            syn::Meta::NameValue(nv) if nv.path.is_ident("doc") => match &nv.value {
                syn::Expr::Lit(syn::ExprLit {
                    lit: syn::Lit::Str(literal),
                    ..
                }) => Some(literal),
                _ => return None,
            },
            syn::Meta::Path(path) if path.is_ident("doc") => None,
            _ => return None,
        };
        let from = start.start as usize;
        if text
            .as_bytes()
            .get(from..)
            .is_some_and(|rest| rest.starts_with(b"//"))
        {
            // As the comment index reads it: up to the line break, a `\r` before it excluded.
            let (end, doc) = scan_line_comment(text, from);
            if doc != DocStyle::None {
                if let Some(line) = text.get(from + 3..end) {
                    let span = Span {
                        end: end as u32,
                        ..start
                    };
                    return Some((Cow::Borrowed(line), span));
                }
            }
        }
        // A `#[doc = "…"]` or `/** … */` as written; a `#[doc]` that is no comment holds no text.
        let literal = literal?;
        let end = self.span(attr.bracket_token.span.close()).end;
        let span = Span {
            end: end.max(start.end),
            ..start
        };
        Some((Cow::Owned(literal.value()), span))
    }

    fn docs(&self, attrs: &[syn::Attribute]) -> Docs {
        let mut text = String::new();
        // From the first doc's `#` to the end of the last.
        let mut span: Option<Span> = None;
        for attr in attrs {
            let Some((line, at)) = self.doc_line(attr) else {
                continue;
            };
            // `///` lines keep their leading space; block docs may hold many lines.
            for part in line.split('\n') {
                text.push_str(part.strip_prefix(' ').unwrap_or(part));
                text.push('\n');
            }
            span = Some(match span {
                Some(span) => Span {
                    end: span.end.max(at.end),
                    ..span
                },
                None => at,
            });
        }
        Docs { text, span }
    }

    fn push(&mut self, item: Item) {
        self.tree.items.push(item);
    }

    fn lower_item(&mut self, item: &syn::Item, module: u32, nested: bool) {
        if let Some(lowered) = self.lower_item_kind(item, module, nested) {
            self.push(lowered);
        }
    }

    fn base(
        &self,
        name: Option<&syn::Ident>,
        kind: ItemKind,
        place: Place,
        vis: Option<&syn::Visibility>,
        attrs: &[syn::Attribute],
        whole: Tokens,
    ) -> Item {
        let span = whole.span_in(self.source);
        Item {
            name: name.map(|name| ident_text(name).into()),
            kind,
            module: place.module,
            nested: place.nested,
            is_pub: matches!(vis, Some(syn::Visibility::Public(_))),
            span,
            name_span: name.map_or(span, |ident| self.span(ident.span())),
            written_docs: self.docs(attrs).written(),
        }
    }

    fn lower_item_kind(&mut self, item: &syn::Item, module: u32, nested: bool) -> Option<Item> {
        let whole = crate::spans::item(item);
        let place = Place { module, nested };
        // Each kind gives its name, visibility, attributes and lowered kind; `base` does the rest.
        let (name, vis, attrs, kind) = match item {
            syn::Item::Struct(s) => {
                let fields = self.fields(&s.fields);
                let adt = self.adt(
                    AdtKind::Struct,
                    &s.generics,
                    vec![Variant::only(fields)],
                    &s.attrs,
                );
                (Some(&s.ident), Some(&s.vis), &s.attrs, adt)
            }
            syn::Item::Enum(e) => {
                let variants = e
                    .variants
                    .iter()
                    .map(|v| Variant {
                        name: Some(ident_text(&v.ident)),
                        fields: self.fields(&v.fields).into(),
                    })
                    .collect();
                let adt = self.adt(AdtKind::Enum, &e.generics, variants, &e.attrs);
                (Some(&e.ident), Some(&e.vis), &e.attrs, adt)
            }
            syn::Item::Union(u) => {
                let fields = self.named_fields(&u.fields);
                let adt = self.adt(
                    AdtKind::Union,
                    &u.generics,
                    vec![Variant::only(fields)],
                    &u.attrs,
                );
                (Some(&u.ident), Some(&u.vis), &u.attrs, adt)
            }
            syn::Item::Type(t) => {
                let kind = self.type_alias(&t.generics, Some(&t.ty));
                (Some(&t.ident), Some(&t.vis), &t.attrs, kind)
            }
            syn::Item::Fn(f) => {
                let sig = self.fn_sig(&f.sig, None, Some(&f.block));
                self.lower_body_items(&f.block, module);
                (
                    Some(&f.sig.ident),
                    Some(&f.vis),
                    &f.attrs,
                    ItemKind::Fn(Box::new(sig)),
                )
            }
            syn::Item::Static(s) => {
                let kind = ItemKind::Static {
                    mutable: matches!(s.mutability, syn::StaticMutability::Mut(_)),
                    ty: Box::new(self.ty(&s.ty)),
                };
                self.lower_expr_items(&s.expr, module);
                (Some(&s.ident), Some(&s.vis), &s.attrs, kind)
            }
            syn::Item::Const(c) => {
                let kind = ItemKind::Const;
                self.lower_expr_items(&c.expr, module);
                (Some(&c.ident), Some(&c.vis), &c.attrs, kind)
            }
            syn::Item::Impl(i) => {
                let items = i
                    .items
                    .iter()
                    .filter_map(|impl_item| {
                        self.lower_impl_item(impl_item, module, i.trait_.is_some())
                    })
                    .collect();
                let lowered = Impl {
                    generics: self.generics(&i.generics),
                    is_unsafe: i.unsafety.is_some(),
                    trait_path: i.trait_.as_ref().map(|(_, path, _)| self.path(path, None)),
                    self_ty: self.ty(&i.self_ty),
                    items,
                };
                (None, None, &i.attrs, ItemKind::Impl(Box::new(lowered)))
            }
            syn::Item::Use(u) => {
                let mut imports = Vec::new();
                self.use_tree(
                    &u.tree,
                    &mut Vec::new(),
                    u.leading_colon.is_some(),
                    &mut imports,
                );
                (None, Some(&u.vis), &u.attrs, ItemKind::Use(imports.into()))
            }
            syn::Item::Mod(m) => {
                let body = m.content.as_ref().map(|(_, items)| {
                    let index = self.tree.modules.len() as u32;
                    self.tree.modules.push(ModuleNode {
                        name: Some(ident_text(&m.ident)),
                        parent: Some(module),
                        span: Some(whole.span_in(self.source)),
                    });
                    for inner in items {
                        self.lower_item(inner, index, false);
                    }
                    index
                });
                let kind = ItemKind::Mod {
                    body,
                    path_attr: path_attr(&m.attrs).map(Box::from),
                };
                (Some(&m.ident), Some(&m.vis), &m.attrs, kind)
            }
            syn::Item::Trait(t) => {
                let items = t
                    .items
                    .iter()
                    .filter_map(|trait_item| self.lower_trait_item(trait_item, module))
                    .collect();
                let kind = ItemKind::Trait {
                    is_unsafe: t.unsafety.is_some(),
                    items,
                };
                (Some(&t.ident), Some(&t.vis), &t.attrs, kind)
            }
            syn::Item::ExternCrate(e) => {
                let crate_name = ident_text(&e.ident);
                let binds = e.rename.as_ref().map_or(&e.ident, |(_, name)| name);
                let kind = ItemKind::ExternCrate {
                    crate_name: crate_name.into(),
                };
                (Some(binds), Some(&e.vis), &e.attrs, kind)
            }
            syn::Item::Macro(m) if m.mac.path.is_ident("macro_rules") => {
                (Some(m.ident.as_ref()?), None, &m.attrs, ItemKind::Other)
            }
            syn::Item::Macro(m) => {
                self.lower_macro(&m.mac, module);
                return None;
            }
            syn::Item::ForeignMod(f) => {
                for foreign in &f.items {
                    if let syn::ForeignItem::Fn(func) = foreign {
                        let sig = self.fn_sig(&func.sig, None, None);
                        let lowered = self.base(
                            Some(&func.sig.ident),
                            ItemKind::Fn(Box::new(FnSig {
                                is_unsafe: true,
                                ..sig
                            })),
                            place,
                            Some(&func.vis),
                            &func.attrs,
                            Tokens::one(foreign.span()),
                        );
                        self.push(lowered);
                    }
                }
                return None;
            }
            _ => return None,
        };
        Some(self.base(name, kind, place, vis, attrs, whole))
    }

    fn adt(
        &mut self,
        kind: AdtKind,
        generics: &syn::Generics,
        variants: Vec<Variant>,
        attrs: &[syn::Attribute],
    ) -> ItemKind {
        ItemKind::Adt(Box::new(Adt {
            kind,
            generics: self.generics(generics),
            variants: variants.into(),
            repr_transparent: has_repr_transparent(attrs),
            derives_clone: derives_clone(attrs),
        }))
    }

    /// `in_trait_impl`: the model reads which functions the methods of trait impls (`Drop`,
    /// `AlwaysRefCounted`) call; no other function's calls are collected.
    fn lower_impl_item(
        &mut self,
        item: &syn::ImplItem,
        module: u32,
        in_trait_impl: bool,
    ) -> Option<Item> {
        let whole = crate::spans::impl_item(item);
        let (name, vis, attrs, kind) = match item {
            syn::ImplItem::Fn(f) => {
                let sig = self.fn_sig(
                    &f.sig,
                    in_trait_impl.then_some(&f.block),
                    (!in_trait_impl).then_some(&f.block),
                );
                self.lower_body_items(&f.block, module);
                (
                    &f.sig.ident,
                    Some(&f.vis),
                    &f.attrs,
                    ItemKind::Fn(Box::new(sig)),
                )
            }
            syn::ImplItem::Type(t) => {
                let kind = self.type_alias(&t.generics, Some(&t.ty));
                (&t.ident, Some(&t.vis), &t.attrs, kind)
            }
            syn::ImplItem::Const(c) => {
                self.lower_expr_items(&c.expr, module);
                let kind = ItemKind::Const;
                (&c.ident, Some(&c.vis), &c.attrs, kind)
            }
            _ => return None,
        };
        Some(self.base(Some(name), kind, Place::nested(module), vis, attrs, whole))
    }

    fn lower_trait_item(&mut self, item: &syn::TraitItem, module: u32) -> Option<Item> {
        let whole = crate::spans::trait_item(item);
        let (name, attrs, kind) = match item {
            syn::TraitItem::Fn(f) => {
                let sig = self.fn_sig(&f.sig, None, None);
                if let Some(block) = &f.default {
                    self.lower_body_items(block, module);
                }
                (&f.sig.ident, &f.attrs, ItemKind::Fn(Box::new(sig)))
            }
            syn::TraitItem::Type(t) => {
                let default = t.default.as_ref().map(|(_, ty)| ty);
                (&t.ident, &t.attrs, self.type_alias(&t.generics, default))
            }
            _ => return None,
        };
        Some(self.base(Some(name), kind, Place::nested(module), None, attrs, whole))
    }

    fn type_alias(&mut self, generics: &syn::Generics, ty: Option<&syn::Type>) -> ItemKind {
        ItemKind::TypeAlias {
            generics: Box::new(self.generics(generics)),
            ty: ty.map(|ty| Box::new(self.ty(ty))),
        }
    }

    /// Items declared in macro bodies join the model; expression bodies may hold nested items too.
    fn lower_macro(&mut self, mac: &syn::Macro, module: u32) {
        let group = crate::spans::macro_delimiters(mac).join();
        let text = self.source.text.as_bytes();
        if let Some(tokens) = text.get(self.source.span(group).range()) {
            if !crate::pruning::may_declare_items(tokens) {
                return;
            }
        }
        match &*self.macros.body(mac) {
            MacroBody::Items(items) => {
                for item in items {
                    self.lower_item(item, module, true);
                }
            }
            MacroBody::Exprs(exprs) => {
                for expr in exprs {
                    self.lower_expr_items(expr, module);
                }
            }
            MacroBody::Opaque => {}
        }
    }

    fn lower_body_items(&mut self, block: &syn::Block, module: u32) {
        let mut finder = NestedItems::default();
        finder.visit_block(block);
        self.lower_found(finder, module);
    }

    fn lower_expr_items(&mut self, expr: &syn::Expr, module: u32) {
        let mut finder = NestedItems::default();
        finder.visit_expr(expr);
        self.lower_found(finder, module);
    }

    fn lower_found(&mut self, found: NestedItems<'_>, module: u32) {
        for item in found.items {
            self.lower_item(item, module, true);
        }
        for mac in found.macros {
            self.lower_macro(mac, module);
        }
    }

    fn fields(&self, fields: &syn::Fields) -> Vec<Field> {
        fields
            .iter()
            .enumerate()
            .map(|(index, field)| Field {
                name: field.ident.as_ref().map(|name| ident_text(name).into()),
                index: index as u32,
                ty: self.ty(&field.ty),
                span: self.span(field.span()),
            })
            .collect()
    }

    fn named_fields(&self, fields: &syn::FieldsNamed) -> Vec<Field> {
        fields
            .named
            .iter()
            .enumerate()
            .map(|(index, field)| Field {
                name: field.ident.as_ref().map(|name| ident_text(name).into()),
                index: index as u32,
                ty: self.ty(&field.ty),
                span: self.span(field.span()),
            })
            .collect()
    }

    fn generics(&self, generics: &syn::Generics) -> Generics {
        let mut lifetimes = Vec::new();
        let mut types = Vec::new();
        for param in &generics.params {
            match param {
                syn::GenericParam::Lifetime(l) => lifetimes.push(l.lifetime.ident.to_string()),
                syn::GenericParam::Type(t) => types.push(ident_text(&t.ident)),
                syn::GenericParam::Const(c) => types.push(ident_text(&c.ident)),
            }
        }
        Generics {
            lifetimes: lifetimes.into(),
            types: types.into(),
        }
    }

    /// `body`: the block whose calls to collect, if anyone reads them: those of a trait impl's
    /// method (see [`FnSig::calls`]). The calls that pass a parameter are collected from `helper`,
    /// the body of a fn that takes a raw pointer.
    fn fn_sig(
        &self,
        sig: &syn::Signature,
        body: Option<&syn::Block>,
        helper: Option<&syn::Block>,
    ) -> FnSig {
        let mut params = Vec::new();
        let mut has_self = false;
        for input in &sig.inputs {
            match input {
                syn::FnArg::Receiver(_) => has_self = true,
                syn::FnArg::Typed(pat) => params.push(Param {
                    name: match &*pat.pat {
                        syn::Pat::Ident(ident) => Some(ident_text(&ident.ident).into()),
                        _ => None,
                    },
                    ty: self.ty(&pat.ty),
                }),
            }
        }
        let mut finder = Calls::new(self, Vec::new());
        if let Some(block) = body {
            finder.visit_block(block);
        }
        let mut param_calls = Vec::new();
        let mut self_field_calls = finder.self_field_calls;
        if let Some(block) = helper.filter(|_| has_self || takes_raw_pointer(sig)) {
            let params = params
                .iter()
                .enumerate()
                .filter_map(|(index, param)| {
                    let name = param.name.as_deref()?;
                    Some((name.to_string(), Held::Param(index as u32)))
                })
                .collect();
            let mut helper = Calls::new(self, params);
            helper.visit_block(block);
            param_calls = helper.param_calls;
            self_field_calls.extend(helper.self_field_calls);
        }
        FnSig {
            generics: self.generics(&sig.generics),
            is_unsafe: sig.unsafety.is_some(),
            has_self,
            params: params.into(),
            ret: match &sig.output {
                syn::ReturnType::Default => None,
                syn::ReturnType::Type(_, ty) => Some(self.ty(ty)),
            },
            calls: finder.calls.into(),
            self_field_calls: self_field_calls.into(),
            param_calls: param_calls.into(),
            self_method_calls: finder.self_method_calls.into(),
        }
    }

    pub fn ty(&self, ty: &syn::Type) -> TypeRef {
        // A path type's span is its path's: converted once.
        if let syn::Type::Path(p) = ty {
            if p.qself.is_none() {
                let path = self.path(&p.path, None);
                let span = path.span;
                return TypeRef {
                    kind: TypeKind::Path(path),
                    span,
                };
            }
        }
        let span = crate::spans::ty(ty).span_in(self.source);
        let kind = match ty {
            syn::Type::Path(p) => TypeKind::Path(self.path(&p.path, p.qself.as_ref())),
            syn::Type::Ptr(p) => TypeKind::Ptr {
                mutable: p.mutability.is_some(),
                pointee: Box::new(self.ty(&p.elem)),
            },
            syn::Type::Reference(r) => TypeKind::Ref {
                lifetime: r.lifetime.as_ref().map(|l| l.ident.to_string().into()),
                mutable: r.mutability.is_some(),
                referent: Box::new(self.ty(&r.elem)),
            },
            syn::Type::Array(a) => TypeKind::Array(Box::new(self.ty(&a.elem))),
            syn::Type::Slice(s) => TypeKind::Slice(Box::new(self.ty(&s.elem))),
            syn::Type::Tuple(t) => TypeKind::Tuple(t.elems.iter().map(|e| self.ty(e)).collect()),
            syn::Type::Paren(p) => return self.ty(&p.elem),
            syn::Type::Group(g) => return self.ty(&g.elem),
            syn::Type::BareFn(_) => TypeKind::FnPtr,
            syn::Type::ImplTrait(t) => TypeKind::Bounds(self.bounds(&t.bounds)),
            syn::Type::TraitObject(t) => TypeKind::Bounds(self.bounds(&t.bounds)),
            syn::Type::Never(_) => TypeKind::Never,
            syn::Type::Infer(_) => TypeKind::Infer,
            syn::Type::Macro(m) => match lifetime_family_member(&m.mac) {
                Some(member) => return self.ty(&member),
                None => TypeKind::Opaque,
            },
            _ => TypeKind::Opaque,
        };
        TypeRef { kind, span }
    }

    fn bounds(
        &self,
        bounds: &syn::punctuated::Punctuated<syn::TypeParamBound, syn::Token![+]>,
    ) -> Box<[PathRef]> {
        bounds
            .iter()
            .filter_map(|bound| match bound {
                syn::TypeParamBound::Trait(t) => Some(self.path(&t.path, None)),
                _ => None,
            })
            .collect()
    }

    pub fn path(&self, path: &syn::Path, qself: Option<&syn::QSelf>) -> PathRef {
        PathRef {
            global: path.leading_colon.is_some(),
            qself: qself.map(|q| Box::new(self.ty(&q.ty))),
            segments: path
                .segments
                .iter()
                .map(|segment| Segment {
                    name: ident_text(&segment.ident).into(),
                    args: match &segment.arguments {
                        syn::PathArguments::AngleBracketed(args) => args
                            .args
                            .iter()
                            .map(|arg| match arg {
                                syn::GenericArgument::Type(t) => GenericArg::Type(self.ty(t)),
                                syn::GenericArgument::Lifetime(l) => {
                                    GenericArg::Lifetime(l.ident.to_string().into())
                                }
                                syn::GenericArgument::AssocType(a) => GenericArg::Binding(
                                    Box::new((ident_text(&a.ident), self.ty(&a.ty))),
                                ),
                                _ => GenericArg::Const,
                            })
                            .collect(),
                        _ => Box::default(),
                    },
                })
                .collect(),
            span: crate::spans::path(path).span_in(self.source),
        }
    }

    fn use_tree(
        &self,
        tree: &syn::UseTree,
        prefix: &mut Vec<String>,
        global: bool,
        out: &mut Vec<UseImport>,
    ) {
        match tree {
            syn::UseTree::Path(p) => {
                prefix.push(ident_text(&p.ident));
                self.use_tree(&p.tree, prefix, global, out);
                prefix.pop();
            }
            syn::UseTree::Name(n) => {
                let name = ident_text(&n.ident);
                // `use a::{self}` binds `a`.
                let (path, binds) = if name == "self" && !prefix.is_empty() {
                    (prefix.clone(), prefix.last().cloned())
                } else {
                    let mut path = prefix.clone();
                    path.push(name.clone());
                    (path, Some(name))
                };
                out.push(UseImport {
                    path: path.into(),
                    global,
                    binds,
                    glob: false,
                    span: self.span(n.ident.span()),
                });
            }
            syn::UseTree::Rename(r) => {
                let name = ident_text(&r.ident);
                let path = if name == "self" && !prefix.is_empty() {
                    prefix.clone()
                } else {
                    let mut path = prefix.clone();
                    path.push(name);
                    path
                };
                let alias = ident_text(&r.rename);
                out.push(UseImport {
                    path: path.into(),
                    global,
                    binds: (alias != "_").then_some(alias),
                    glob: false,
                    span: self.span(r.span()),
                });
            }
            syn::UseTree::Glob(g) => out.push(UseImport {
                path: prefix[..].into(),
                global,
                binds: None,
                glob: true,
                span: self.span(g.star_token.span),
            }),
            syn::UseTree::Group(g) => {
                for inner in &g.items {
                    self.use_tree(inner, prefix, global, out);
                }
            }
        }
    }
}

/// The identifier without a raw `r#` prefix.
/// The member type a lifetime family macro names: `T<'a>` in `ForLt!(for<'a> T<'a>)`, `T<'_>` in
/// `ForLt!(T<'_>)` (also `CovariantForLt!`). The family borrows what its member borrows, so a
/// `ForLt!(MyData<'static>)` is a `'static` borrow like `MyData<'static>`.
fn lifetime_family_member(mac: &syn::Macro) -> Option<syn::Type> {
    let name = mac.path.segments.last()?.ident.to_string();
    if name != "ForLt" && name != "CovariantForLt" {
        return None;
    }
    let parser = |input: syn::parse::ParseStream<'_>| -> syn::Result<syn::Type> {
        if input.peek(syn::Token![for]) {
            let _: syn::BoundLifetimes = input.parse()?;
        }
        input.parse()
    };
    syn::parse::Parser::parse2(parser, mac.tokens.clone()).ok()
}

/// A field's name as written: `dev`, or `0` for a tuple field.
pub fn member_text(member: &syn::Member) -> String {
    match member {
        syn::Member::Named(ident) => ident_text(ident),
        syn::Member::Unnamed(index) => index.index.to_string(),
    }
}

pub fn ident_text(ident: &syn::Ident) -> String {
    let text = ident.to_string();
    match text.strip_prefix("r#") {
        Some(stripped) => stripped.to_string(),
        None => text,
    }
}

fn has_repr_transparent(attrs: &[syn::Attribute]) -> bool {
    attribute_lists(attrs, "repr", &["transparent"])
}

fn derives_clone(attrs: &[syn::Attribute]) -> bool {
    attribute_lists(attrs, "derive", &["Clone", "Copy"])
}

/// Whether an attribute `#[name(…)]` lists an entry whose path ends with one of `wanted`
/// (`#[derive(Debug, core::clone::Clone)]`).
fn attribute_lists(attrs: &[syn::Attribute], name: &str, wanted: &[&str]) -> bool {
    attrs.iter().any(|attr| {
        attr.path().is_ident(name)
            && attr
                .parse_args_with(
                    syn::punctuated::Punctuated::<syn::Meta, syn::Token![,]>::parse_terminated,
                )
                .is_ok_and(|metas| {
                    metas.iter().any(|meta| {
                        meta.path()
                            .segments
                            .last()
                            .is_some_and(|last| wanted.iter().any(|entry| last.ident == entry))
                    })
                })
    })
}

fn path_attr(attrs: &[syn::Attribute]) -> Option<String> {
    attrs.iter().find_map(|attr| match &attr.meta {
        syn::Meta::NameValue(nv) if nv.path.is_ident("path") => match &nv.value {
            syn::Expr::Lit(syn::ExprLit {
                lit: syn::Lit::Str(s),
                ..
            }) => Some(s.value()),
            _ => None,
        },
        _ => None,
    })
}

/// Items and item-like macros inside a body, without descending into the nested items themselves.
#[derive(Default)]
struct NestedItems<'ast> {
    items: Vec<&'ast syn::Item>,
    macros: Vec<&'ast syn::Macro>,
}

impl<'ast> Visit<'ast> for NestedItems<'ast> {
    fn visit_item(&mut self, item: &'ast syn::Item) {
        self.items.push(item);
    }

    fn visit_macro(&mut self, mac: &'ast syn::Macro) {
        self.macros.push(mac);
    }
}

struct Calls<'a, 'm> {
    lowerer: &'a Lowerer<'m>,
    calls: Vec<PathRef>,
    self_field_calls: Vec<SelfFieldCall>,
    param_calls: Vec<ParamCall>,
    /// Methods called on `self` (`self.teardown()`).
    self_method_calls: Vec<Box<str>>,
    /// The locals in scope, innermost last, each with what it holds (see [`Held`]): a call passing
    /// a local that holds a field of `self` passes the field.
    locals: Vec<(String, Held)>,
}

/// What a local holds, as far as a `Drop` is concerned.
#[derive(Clone, Debug, PartialEq)]
enum Held {
    /// What the field of `self` held: `let dev = self.dev.take()`.
    Field(String),
    /// `self` itself: `let this = unsafe { self.get_unchecked_mut() }` in a `PinnedDrop`.
    SelfValue,
    /// The fn's parameter at this position (`self` not counted), as it was passed.
    Param(u32),
    Other,
}

impl<'a, 'm> Calls<'a, 'm> {
    /// A visitor that starts with `locals` in scope.
    fn new(lowerer: &'a Lowerer<'m>, locals: Vec<(String, Held)>) -> Self {
        Calls {
            lowerer,
            calls: Vec::new(),
            self_field_calls: Vec::new(),
            param_calls: Vec::new(),
            self_method_calls: Vec::new(),
            locals,
        }
    }

    /// Binds the names `pat` introduces to what `init` holds.
    fn bind(&mut self, pat: &syn::Pat, held: Held) {
        // `let Self { dev, .. } = self`, `if let State::Registered(adev) = self`: each name holds
        // the field it is bound from.
        if held == Held::SelfValue {
            // A variant's fields are named with it (`Owned::0`): another variant's field of the
            // same name or position is another field.
            let variant = |path: &syn::Path| match path.segments.len() {
                0 | 1 => String::new(),
                _ => path
                    .segments
                    .last()
                    .map(|last| format!("{}::", ident_text(&last.ident)))
                    .unwrap_or_default(),
            };
            let fields: Vec<(&syn::Pat, String)> = match pat {
                syn::Pat::Struct(fields) => fields
                    .fields
                    .iter()
                    .map(|field| {
                        let name = member_name(&field.member);
                        (&*field.pat, format!("{}{name}", variant(&fields.path)))
                    })
                    .collect(),
                syn::Pat::TupleStruct(tuple) => tuple
                    .elems
                    .iter()
                    .enumerate()
                    .map(|(index, elem)| (elem, format!("{}{index}", variant(&tuple.path))))
                    .collect(),
                _ => Vec::new(),
            };
            if !fields.is_empty() {
                for (pat, field) in fields {
                    self.bind(pat, Held::Field(field));
                }
                return;
            }
        }
        let mut names = PatNames::default();
        names.visit_pat(pat);
        for name in names.names {
            self.locals.push((name, held.clone()));
        }
    }

    fn held(&self, expr: &syn::Expr) -> Held {
        held_by(expr, &self.locals)
    }

    /// Visits `f` in a scope of its own: the locals it binds are gone after it.
    fn scoped(&mut self, f: impl FnOnce(&mut Self)) {
        let depth = self.locals.len();
        f(self);
        self.locals.truncate(depth);
    }
}

impl<'ast> Visit<'ast> for Calls<'_, '_> {
    fn visit_expr_call(&mut self, call: &'ast syn::ExprCall) {
        if let syn::Expr::Path(callee) = &*call.func {
            // `ManuallyDrop::new(ARef::from_raw(self.dev))`, `mem::forget(…)`: the counted value
            // made inside is never dropped, so it releases nothing.
            let mut segments = callee.path.segments.iter().rev().map(|s| &s.ident);
            let never_dropped = match (segments.next(), segments.next()) {
                (Some(new), Some(owner)) if new == "new" => owner == "ManuallyDrop",
                (Some(last), _) => last == "forget",
                _ => false,
            };
            if never_dropped {
                for arg in &call.args {
                    if let syn::Expr::Call(inner) = unwrapped(arg) {
                        for inner_arg in &inner.args {
                            self.visit_expr(inner_arg);
                        }
                        continue;
                    }
                    self.visit_expr(arg);
                }
                return;
            }
            let callee = self.lowerer.path(&callee.path, callee.qself.as_ref());
            let mut fields = Vec::new();
            for (position, arg) in call.args.iter().enumerate() {
                let position = position as u32;
                match passed(arg, &self.locals) {
                    Held::Field(field) => fields.push(FieldArg {
                        field: field.into(),
                        position,
                    }),
                    Held::Param(param) => self.param_calls.push(ParamCall {
                        callee: callee.clone(),
                        param,
                        position,
                    }),
                    Held::SelfValue | Held::Other => {}
                }
            }
            if !fields.is_empty() {
                self.self_field_calls.push(SelfFieldCall {
                    callee: callee.clone(),
                    fields: fields.into(),
                });
            }
            self.calls.push(callee);
        }
        syn::visit::visit_expr_call(self, call);
    }

    fn visit_block(&mut self, block: &'ast syn::Block) {
        self.scoped(|this| syn::visit::visit_block(this, block));
    }

    fn visit_local(&mut self, local: &'ast syn::Local) {
        // The initializer is read before the names it binds exist.
        if let Some(init) = &local.init {
            self.visit_expr(&init.expr);
            if let Some((_, diverge)) = &init.diverge {
                self.visit_expr(diverge);
            }
        }
        let held = local
            .init
            .as_ref()
            .map_or(Held::Other, |init| self.held(&init.expr));
        self.bind(&local.pat, held);
    }

    /// `if let Some(dev) = self.dev.take() { … }`: the names live in the `then` branch only.
    fn visit_expr_if(&mut self, expr: &'ast syn::ExprIf) {
        self.scoped(|this| {
            this.visit_expr(&expr.cond);
            this.visit_block(&expr.then_branch);
        });
        if let Some((_, else_branch)) = &expr.else_branch {
            self.visit_expr(else_branch);
        }
    }

    fn visit_expr_while(&mut self, expr: &'ast syn::ExprWhile) {
        self.scoped(|this| {
            this.visit_expr(&expr.cond);
            this.visit_block(&expr.body);
        });
    }

    /// Binds in the enclosing `if` or `while` scope.
    fn visit_expr_let(&mut self, expr: &'ast syn::ExprLet) {
        self.visit_expr(&expr.expr);
        let held = self.held(&expr.expr);
        self.bind(&expr.pat, held);
    }

    fn visit_expr_match(&mut self, expr: &'ast syn::ExprMatch) {
        self.visit_expr(&expr.expr);
        let held = self.held(&expr.expr);
        for arm in &expr.arms {
            self.scoped(|this| {
                this.bind(&arm.pat, held.clone());
                if let Some((_, guard)) = &arm.guard {
                    this.visit_expr(guard);
                }
                this.visit_expr(&arm.body);
            });
        }
    }

    /// `for child in self.children.drain(..)`: each element is what the field held.
    fn visit_expr_for_loop(&mut self, expr: &'ast syn::ExprForLoop) {
        self.visit_expr(&expr.expr);
        let held = self.held(&expr.expr);
        self.scoped(|this| {
            this.bind(&expr.pat, held);
            this.visit_block(&expr.body);
        });
    }

    /// `dev = (*dev).parent`: the local now holds something else.
    fn visit_expr_assign(&mut self, expr: &'ast syn::ExprAssign) {
        self.visit_expr(&expr.right);
        if let syn::Expr::Path(left) = &*expr.left {
            if let Some(ident) = left.path.get_ident() {
                let held = self.held(&expr.right);
                self.locals.push((ident_text(ident), held));
                return;
            }
        }
        self.visit_expr(&expr.left);
    }

    /// `self.dev.take().map(|dev| put_device(dev))`: the closure's parameter is what the field
    /// held; any other closure's parameters hold something else.
    fn visit_expr_method_call(&mut self, call: &'ast syn::ExprMethodCall) {
        self.visit_expr(&call.receiver);
        let receiver = self.held(&call.receiver);
        let method = ident_text(&call.method);
        if receiver == Held::SelfValue && !self.self_method_calls.iter().any(|m| **m == *method) {
            self.self_method_calls.push(method.as_str().into());
        }
        let passes_content = [
            "map",
            "and_then",
            "inspect",
            "map_or",
            "map_or_else",
            "if_some",
            "for_each",
        ]
        .contains(&method.as_str());
        let content = if passes_content {
            receiver
        } else {
            Held::Other
        };
        for arg in &call.args {
            match (arg, &content) {
                (syn::Expr::Closure(closure), Held::Field(_) | Held::Param(_)) => {
                    self.scoped(|this| {
                        for input in &closure.inputs {
                            this.bind(input, content.clone());
                        }
                        this.visit_expr(&closure.body);
                    })
                }
                // `.for_each(put_one)`, `.map(Self::put)`: the function is called with it.
                (syn::Expr::Path(function), Held::Field(_) | Held::Param(_)) => {
                    let callee = self.lowerer.path(&function.path, function.qself.as_ref());
                    match &content {
                        Held::Field(field) => self.self_field_calls.push(SelfFieldCall {
                            callee,
                            fields: Box::new([FieldArg {
                                field: field.as_str().into(),
                                position: 0,
                            }]),
                        }),
                        Held::Param(param) => self.param_calls.push(ParamCall {
                            callee,
                            param: *param,
                            position: 0,
                        }),
                        Held::SelfValue | Held::Other => {}
                    }
                }
                _ => self.visit_expr(arg),
            }
        }
    }

    fn visit_expr_closure(&mut self, closure: &'ast syn::ExprClosure) {
        self.scoped(|this| {
            for input in &closure.inputs {
                this.bind(input, Held::Other);
            }
            this.visit_expr(&closure.body);
        });
    }

    fn visit_macro(&mut self, mac: &'ast syn::Macro) {
        if let MacroBody::Exprs(exprs) = &*self.lowerer.macros.body(mac) {
            for expr in exprs {
                self.visit_expr(expr);
            }
        }
    }

    fn visit_item(&mut self, _: &'ast syn::Item) {}
}

/// What a local bound to `expr` holds: the value a field of `self` held, moved or copied out as a
/// `Drop` does before it releases it (`self.dev`, `self.dev.take()`, `self.dev.swap(null_mut(),
/// …)`, `mem::replace(&mut self.dev, …)`, `NonNull::new(dev)` of such a local), or `self`. Not a
/// value read through the field (`(*self.dev).parent`), which is another object.
fn held_by(expr: &syn::Expr, locals: &[(String, Held)]) -> Held {
    /// Methods that return what a field (an `Option`, an `AtomicPtr`, a `NonNull`, a lock, a
    /// collection of pointers) holds.
    const READS: &[&str] = &[
        "take",
        "swap",
        "load",
        "replace",
        "get",
        "get_mut",
        "into_inner",
        "lock",
        "as_ptr",
        "as_mut_ptr",
        "cast",
        "cast_mut",
        "cast_const",
        "unwrap",
        "expect",
        "pop",
        "pop_front",
        "pop_back",
        "drain",
        "iter",
        "into_iter",
        "copied",
        "as_ref",
        "as_raw",
    ];
    /// Functions whose first argument is the field the value is moved out of.
    const MOVES: &[&str] = &["replace", "take", "swap"];
    /// Constructors that wrap the pointer they are given: `NonNull::new(ptr)`, `Some(ptr)`.
    const WRAPS: &[&str] = &["new", "new_unchecked", "Some", "from_raw"];
    /// Methods of a `Pin<&mut Self>` that give `self` back.
    const SELF_ACCESS: &[&str] = &["get_unchecked_mut", "get_mut", "as_mut", "project"];
    match expr {
        syn::Expr::Path(path) => {
            if path.path.is_ident("self") {
                return Held::SelfValue;
            }
            let Some(ident) = path.path.get_ident() else {
                return Held::Other;
            };
            let name = ident_text(ident);
            locals
                .iter()
                .rev()
                .find(|(local, _)| *local == name)
                .map_or(Held::Other, |(_, held)| held.clone())
        }
        syn::Expr::Field(field) => match held_by(&field.base, locals) {
            Held::SelfValue => Held::Field(member_name(&field.member)),
            _ => Held::Other,
        },
        syn::Expr::MethodCall(call) => {
            let method = ident_text(&call.method);
            match held_by(&call.receiver, locals) {
                Held::SelfValue if SELF_ACCESS.contains(&method.as_str()) => Held::SelfValue,
                held @ (Held::Field(_) | Held::Param(_)) if READS.contains(&method.as_str()) => {
                    held
                }
                _ => Held::Other,
            }
        }
        syn::Expr::Call(call) => {
            let syn::Expr::Path(callee) = &*call.func else {
                return Held::Other;
            };
            let Some(name) = callee.path.segments.last().map(|s| ident_text(&s.ident)) else {
                return Held::Other;
            };
            let Some(first) = call.args.first() else {
                return Held::Other;
            };
            let known = MOVES.contains(&name.as_str())
                || (WRAPS.contains(&name.as_str()) && call.args.len() == 1)
                || (SELF_ACCESS.contains(&name.as_str()) && call.args.len() == 1);
            if known {
                held_by(first, locals)
            } else {
                Held::Other
            }
        }
        syn::Expr::Unary(syn::ExprUnary {
            op: syn::UnOp::Deref(_),
            expr,
            ..
        }) => held_by(expr, locals),
        syn::Expr::Reference(reference) => held_by(&reference.expr, locals),
        syn::Expr::Cast(cast) => held_by(&cast.expr, locals),
        syn::Expr::Try(tried) => held_by(&tried.expr, locals),
        // An element of a field that holds several: `self.children[0]`.
        syn::Expr::Index(index) => held_by(&index.expr, locals),
        // `(…)`, `unsafe { *self.client.get() }`, `{ self.dev.take() }`.
        syn::Expr::Paren(_) | syn::Expr::Unsafe(_) | syn::Expr::Block(_) => {
            let inner = unwrapped(expr);
            if std::ptr::eq(inner, expr) {
                Held::Other
            } else {
                held_by(inner, locals)
            }
        }
        _ => Held::Other,
    }
}

/// The expression inside parens and single-expression blocks (`unsafe { ARef::from_raw(p) }`).
fn unwrapped(expr: &syn::Expr) -> &syn::Expr {
    match expr {
        syn::Expr::Paren(paren) => unwrapped(&paren.expr),
        syn::Expr::Unsafe(syn::ExprUnsafe { block, .. })
        | syn::Expr::Block(syn::ExprBlock { block, .. }) => match block.stmts.as_slice() {
            [syn::Stmt::Expr(tail, None)] => unwrapped(tail),
            _ => expr,
        },
        _ => expr,
    }
}

/// What a call argument passes: what [`held_by`] says it holds, or the `struct device` embedded
/// in it (`&raw mut (*self.pdev).dev`), which shares its reference count.
fn passed(arg: &syn::Expr, locals: &[(String, Held)]) -> Held {
    let embedded = |place: &syn::Expr| match place {
        syn::Expr::Field(field) if member_name(&field.member) == "dev" => {
            match held_by(&field.base, locals) {
                held @ (Held::Field(_) | Held::Param(_)) => Some(held),
                _ => None,
            }
        }
        _ => None,
    };
    match arg {
        syn::Expr::RawAddr(raw) => embedded(&raw.expr).unwrap_or(Held::Other),
        syn::Expr::Reference(reference) if embedded(&reference.expr).is_some() => {
            embedded(&reference.expr).unwrap_or(Held::Other)
        }
        syn::Expr::Paren(paren) => passed(&paren.expr, locals),
        syn::Expr::Cast(cast) => passed(&cast.expr, locals),
        _ => held_by(arg, locals),
    }
}

/// Whether a parameter of the fn is a raw pointer (`*mut T`, `NonNull<T>`, an `Option` of one,
/// or a reference to one, `&mut Option<NonNull<T>>`): a fn a `Drop` may hand its field to.
fn takes_raw_pointer(sig: &syn::Signature) -> bool {
    fn is_pointer(ty: &syn::Type) -> bool {
        match ty {
            syn::Type::Ptr(_) => true,
            syn::Type::Paren(paren) => is_pointer(&paren.elem),
            syn::Type::Reference(reference) => is_pointer(&reference.elem),
            syn::Type::Path(path) => path.path.segments.last().is_some_and(|last| {
                last.ident == "NonNull"
                    || (last.ident == "Option"
                        && matches!(&last.arguments, syn::PathArguments::AngleBracketed(args)
                            if args.args.iter().any(|arg| matches!(arg, syn::GenericArgument::Type(ty) if is_pointer(ty)))))
            }),
            _ => false,
        }
    }
    sig.inputs.iter().any(|input| match input {
        syn::FnArg::Typed(pat) => is_pointer(&pat.ty),
        syn::FnArg::Receiver(_) => false,
    })
}

fn member_name(member: &syn::Member) -> String {
    match member {
        syn::Member::Named(ident) => ident_text(ident),
        syn::Member::Unnamed(index) => index.index.to_string(),
    }
}

/// The names a pattern binds.
#[derive(Default)]
struct PatNames {
    names: Vec<String>,
}

impl<'ast> Visit<'ast> for PatNames {
    fn visit_pat_ident(&mut self, pat: &'ast syn::PatIdent) {
        self.names.push(ident_text(&pat.ident));
        syn::visit::visit_pat_ident(self, pat);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::FileId;

    /// The docs of the file's first item (or of the file, for `//!`), as lowering reads them.
    fn docs_of(text: &str, inner: bool) -> String {
        lowered_docs(text, text, inner).text
    }

    /// The docs of the first item of `parsed`, a pruned copy of `text`.
    fn lowered_docs(text: &str, parsed: &str, inner: bool) -> Docs {
        let source = SourceFile::new(FileId(0), "docs.rs".to_string(), text.to_string());
        let ast = syn::parse_file(parsed).expect("parses");
        let attrs = if inner {
            &ast.attrs
        } else {
            match &ast.items[0] {
                syn::Item::Fn(f) => &f.attrs,
                other => panic!("not a fn: {other:?}"),
            }
        };
        lower_docs(&source, attrs)
    }

    #[test]
    fn line_docs_are_read_from_the_file() {
        assert_eq!(
            docs_of(
                "/// First line.\r\n///  Indented, \"quoted\" \\ and ü.\r\nfn f() {}\n",
                false
            ),
            "First line.\n Indented, \"quoted\" \\ and ü.\n"
        );
        assert_eq!(
            docs_of("//! Module docs.\n//!\nfn f() {}\n", true),
            "Module docs.\n\n"
        );
    }

    #[test]
    fn docs_marked_by_pruning_read_as_written() {
        for text in [
            "/// # Safety\n///\n/// `ptr` must be valid, non-null, ü.\npub unsafe fn f() {}\n",
            "    /// # Safety\r\n    /// a\r\n    /// Refcount.\r\n    unsafe fn f() {}\n",
            "/// Tail.\n#[doc = \"written\"]\n/// More.\nunsafe fn f() {}\n",
        ] {
            let pruned = crate::pruning::prune_docs(text).expect("docs are marked");
            assert!(pruned.contains("#[doc]"), "{pruned}");
            let docs = lowered_docs(text, &pruned, false);
            assert_eq!(docs, lowered_docs(text, text, false), "{text}");
            assert!(docs.span.is_some());
        }
    }

    #[test]
    fn other_docs_are_unescaped() {
        assert_eq!(
            docs_of("#[doc = \"quote \\\" and\\nnext\"]\nfn f() {}\n", false),
            "quote \" and\nnext\n"
        );
        assert_eq!(
            docs_of("/** Block\n * doc */\nfn f() {}\n", false),
            "Block\n* doc \n"
        );
    }

    #[test]
    fn an_item_keeps_docs_only_when_some_were_written() {
        let source = SourceFile::new(
            FileId(0),
            "docs.rs".to_string(),
            "fn bare() {}\n///\nfn empty_line() {}\n/// # Safety\nunsafe fn f() {}\n".to_string(),
        );
        let options = crate::options::Options {
            parse_everything: true,
            ..crate::options::Options::default()
        };
        let tree = crate::analysis::lowered(&source, &options).expect("parses");
        let [bare, empty_line, documented] = &tree.items[..] else {
            panic!("three items: {:?}", tree.items);
        };
        assert!(bare.written_docs.is_none());
        assert_eq!(bare.docs(), &Docs::default());
        // An empty `///` is a doc comment: its span is where a `# Safety` section would go.
        assert!(empty_line.written_docs.is_some());
        assert!(empty_line.docs().is_empty() && empty_line.docs().span.is_some());
        assert_eq!(documented.docs().section("Safety"), Some(""));
    }
}
