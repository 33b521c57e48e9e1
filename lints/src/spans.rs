//! Cheap spans of whole items.
//!
//! `syn::spanned::Spanned::span()` prints the node back into a token stream to find its first and
//! last token, which for a function or an impl block means re-printing its whole body. devref asks
//! for the span of every item it lowers and every function it walks, so these functions find the
//! first and the last token directly instead. They do not join the two: each of proc-macro2's
//! `join`, `start` and `end` looks the file up in a thread-local map, and a span's byte range
//! ([`Tokens::span_in`]) needs only the start of one and the end of the other.

use proc_macro2::Span;
use syn::spanned::Spanned;

use crate::source::SourceFile;

/// The first and the last token of a syntax node.
#[derive(Clone, Copy, Debug)]
pub struct Tokens {
    pub first: Span,
    pub last: Span,
}

impl Tokens {
    /// A node of one token, or one whose span proc-macro2 already joined.
    pub fn one(span: Span) -> Tokens {
        Tokens {
            first: span,
            last: span,
        }
    }

    /// The node's byte range in `source`.
    pub fn span_in(self, source: &SourceFile) -> crate::source::Span {
        source.span_between(self.first, self.last)
    }
}

fn tokens(first: Span, last: Span) -> Tokens {
    Tokens { first, last }
}

fn attrs_start(attrs: &[syn::Attribute]) -> Option<Span> {
    // Inner attributes (`#![…]`) belong to the enclosing scope, not to where the item starts.
    attrs
        .iter()
        .find(|attr| matches!(attr.style, syn::AttrStyle::Outer))
        .map(|attr| attr.pound_token.span)
}

fn vis_start(vis: &syn::Visibility) -> Option<Span> {
    match vis {
        syn::Visibility::Public(token) => Some(token.span),
        syn::Visibility::Restricted(restricted) => Some(restricted.pub_token.span),
        syn::Visibility::Inherited => None,
    }
}

fn start(attrs: &[syn::Attribute], vis: Option<&syn::Visibility>, keyword: Span) -> Span {
    attrs_start(attrs)
        .or_else(|| vis.and_then(vis_start))
        .unwrap_or(keyword)
}

/// Where a signature starts: `const`, `async`, `unsafe`, `extern` or `fn`.
fn signature_start(sig: &syn::Signature) -> Span {
    sig.constness
        .map(|t| t.span)
        .or(sig.asyncness.map(|t| t.span))
        .or(sig.unsafety.map(|t| t.span))
        .or(sig.abi.as_ref().map(|abi| abi.extern_token.span))
        .unwrap_or(sig.fn_token.span)
}

fn signature_end(sig: &syn::Signature) -> Span {
    if let Some(clause) = &sig.generics.where_clause {
        return clause.span();
    }
    match &sig.output {
        syn::ReturnType::Type(_, ty) => ty.span(),
        syn::ReturnType::Default => sig.paren_token.span.close(),
    }
}

fn fields_end(fields: &syn::Fields, semi: Option<syn::Token![;]>, fallback: Span) -> Span {
    match (fields, semi) {
        (syn::Fields::Named(named), _) => named.brace_token.span.close(),
        (_, Some(semi)) => semi.span,
        (syn::Fields::Unnamed(unnamed), None) => unnamed.paren_token.span.close(),
        (syn::Fields::Unit, None) => fallback,
    }
}

fn macro_end(mac: &syn::Macro) -> Span {
    macro_delimiters(mac).close()
}

/// The last token of a macro invoked as an item: its `;`, else its closing delimiter.
fn macro_item_end(mac: &syn::Macro, semi: Option<syn::Token![;]>) -> Span {
    semi.map_or_else(|| macro_end(mac), |semi| semi.span)
}

/// The delimiters around a macro invocation's arguments, whichever they are.
pub fn macro_delimiters(mac: &syn::Macro) -> &proc_macro2::extra::DelimSpan {
    match &mac.delimiter {
        syn::MacroDelimiter::Paren(paren) => &paren.span,
        syn::MacroDelimiter::Brace(brace) => &brace.span,
        syn::MacroDelimiter::Bracket(bracket) => &bracket.span,
    }
}

pub fn item(item: &syn::Item) -> Tokens {
    match item {
        syn::Item::Const(i) => tokens(
            start(&i.attrs, Some(&i.vis), i.const_token.span),
            i.semi_token.span,
        ),
        syn::Item::Enum(i) => tokens(
            start(&i.attrs, Some(&i.vis), i.enum_token.span),
            i.brace_token.span.close(),
        ),
        syn::Item::ExternCrate(i) => tokens(
            start(&i.attrs, Some(&i.vis), i.extern_token.span),
            i.semi_token.span,
        ),
        syn::Item::Fn(i) => tokens(
            start(&i.attrs, Some(&i.vis), signature_start(&i.sig)),
            i.block.brace_token.span.close(),
        ),
        syn::Item::ForeignMod(i) => tokens(
            start(&i.attrs, None, i.abi.extern_token.span),
            i.brace_token.span.close(),
        ),
        syn::Item::Impl(i) => item_impl(i),
        syn::Item::Macro(i) => {
            let end = macro_item_end(&i.mac, i.semi_token);
            let first = i
                .mac
                .path
                .segments
                .first()
                .map_or(i.mac.bang_token.span, |s| s.ident.span());
            tokens(start(&i.attrs, None, first), end)
        }
        syn::Item::Mod(i) => item_mod(i),
        syn::Item::Static(i) => tokens(
            start(&i.attrs, Some(&i.vis), i.static_token.span),
            i.semi_token.span,
        ),
        syn::Item::Struct(i) => tokens(
            start(&i.attrs, Some(&i.vis), i.struct_token.span),
            fields_end(&i.fields, i.semi_token, i.ident.span()),
        ),
        syn::Item::Trait(i) => {
            let keyword = i.unsafety.map_or(i.trait_token.span, |t| t.span);
            tokens(
                start(&i.attrs, Some(&i.vis), keyword),
                i.brace_token.span.close(),
            )
        }
        syn::Item::TraitAlias(i) => tokens(
            start(&i.attrs, Some(&i.vis), i.trait_token.span),
            i.semi_token.span,
        ),
        syn::Item::Type(i) => tokens(
            start(&i.attrs, Some(&i.vis), i.type_token.span),
            i.semi_token.span,
        ),
        syn::Item::Union(i) => tokens(
            start(&i.attrs, Some(&i.vis), i.union_token.span),
            i.fields.brace_token.span.close(),
        ),
        syn::Item::Use(i) => tokens(
            start(&i.attrs, Some(&i.vis), i.use_token.span),
            i.semi_token.span,
        ),
        other => Tokens::one(other.span()),
    }
}

/// The last token of an item, where it is known: not for an item syn keeps as verbatim tokens.
pub fn item_end(item: &syn::Item) -> Option<Span> {
    match item {
        syn::Item::Verbatim(_) => None,
        _ => Some(self::item(item).last),
    }
}

/// The last token of an impl item, where it is known.
pub fn impl_item_end(item: &syn::ImplItem) -> Option<Span> {
    match item {
        syn::ImplItem::Const(_) | syn::ImplItem::Fn(_) | syn::ImplItem::Type(_) => {
            Some(impl_item(item).last)
        }
        syn::ImplItem::Macro(i) => Some(macro_item_end(&i.mac, i.semi_token)),
        _ => None,
    }
}

/// The last token of a trait item, where it is known.
pub fn trait_item_end(item: &syn::TraitItem) -> Option<Span> {
    match item {
        syn::TraitItem::Const(_) | syn::TraitItem::Fn(_) | syn::TraitItem::Type(_) => {
            Some(trait_item(item).last)
        }
        syn::TraitItem::Macro(i) => Some(macro_item_end(&i.mac, i.semi_token)),
        _ => None,
    }
}

pub fn item_impl(i: &syn::ItemImpl) -> Tokens {
    let keyword = i
        .defaultness
        .map(|t| t.span)
        .or(i.unsafety.map(|t| t.span))
        .unwrap_or(i.impl_token.span);
    tokens(start(&i.attrs, None, keyword), i.brace_token.span.close())
}

pub fn item_mod(i: &syn::ItemMod) -> Tokens {
    let end = match (&i.content, i.semi) {
        (Some((brace, _)), _) => brace.span.close(),
        (None, Some(semi)) => semi.span,
        (None, None) => i.ident.span(),
    };
    let keyword = i.unsafety.map_or(i.mod_token.span, |t| t.span);
    tokens(start(&i.attrs, Some(&i.vis), keyword), end)
}

pub fn impl_item(item: &syn::ImplItem) -> Tokens {
    match item {
        syn::ImplItem::Const(i) => tokens(
            start(&i.attrs, Some(&i.vis), i.const_token.span),
            i.semi_token.span,
        ),
        syn::ImplItem::Fn(i) => tokens(
            start(&i.attrs, Some(&i.vis), signature_start(&i.sig)),
            i.block.brace_token.span.close(),
        ),
        syn::ImplItem::Type(i) => tokens(
            start(&i.attrs, Some(&i.vis), i.type_token.span),
            i.semi_token.span,
        ),
        other => Tokens::one(other.span()),
    }
}

pub fn impl_fn(func: &syn::ImplItemFn) -> Tokens {
    tokens(
        start(&func.attrs, Some(&func.vis), signature_start(&func.sig)),
        func.block.brace_token.span.close(),
    )
}

pub fn item_fn(func: &syn::ItemFn) -> Tokens {
    tokens(
        start(&func.attrs, Some(&func.vis), signature_start(&func.sig)),
        func.block.brace_token.span.close(),
    )
}

pub fn trait_item(item: &syn::TraitItem) -> Tokens {
    match item {
        syn::TraitItem::Fn(i) => trait_fn(i),
        syn::TraitItem::Type(i) => {
            tokens(start(&i.attrs, None, i.type_token.span), i.semi_token.span)
        }
        syn::TraitItem::Const(i) => {
            tokens(start(&i.attrs, None, i.const_token.span), i.semi_token.span)
        }
        other => Tokens::one(other.span()),
    }
}

pub fn trait_fn(func: &syn::TraitItemFn) -> Tokens {
    let end = match (&func.default, func.semi_token) {
        (Some(block), _) => block.brace_token.span.close(),
        (None, Some(semi)) => semi.span,
        (None, None) => signature_end(&func.sig),
    };
    tokens(start(&func.attrs, None, signature_start(&func.sig)), end)
}

// --- Cheap starts of syntax nodes --------------------------------------------------------------
//
// `Spanned::span` prints a node back into tokens to find its ends, which costs as much as the node
// is big; asking it of every expression of a body is quadratic. These follow the leftmost tokens.

pub(crate) fn outer_attr(attrs: &[syn::Attribute]) -> Option<proc_macro2::Span> {
    attrs
        .iter()
        .find(|attr| matches!(attr.style, syn::AttrStyle::Outer))
        .map(|attr| attr.pound_token.span)
}

fn path_start(path: &syn::Path) -> proc_macro2::Span {
    path.leading_colon
        .map(|colon| colon.spans[0])
        .or_else(|| path.segments.first().map(|s| s.ident.span()))
        .unwrap_or_else(|| path.span())
}

fn label_or(label: &Option<syn::Label>, keyword: proc_macro2::Span) -> proc_macro2::Span {
    label
        .as_ref()
        .map_or(keyword, |label| label.name.apostrophe)
}

/// `(start with attributes, start of the expression itself)`.
pub(crate) fn expr_start(expr: &syn::Expr) -> (proc_macro2::Span, proc_macro2::Span) {
    use syn::Expr as E;
    let (attrs, own): (&[syn::Attribute], proc_macro2::Span) = match expr {
        E::Array(e) => (&e.attrs, e.bracket_token.span.open()),
        E::Assign(e) => (&e.attrs, expr_start(&e.left).0),
        E::Async(e) => (&e.attrs, e.async_token.span),
        E::Await(e) => (&e.attrs, expr_start(&e.base).0),
        E::Binary(e) => (&e.attrs, expr_start(&e.left).0),
        E::Block(e) => (
            &e.attrs,
            label_or(&e.label, e.block.brace_token.span.open()),
        ),
        E::Break(e) => (&e.attrs, e.break_token.span),
        E::Call(e) => (&e.attrs, expr_start(&e.func).0),
        E::Cast(e) => (&e.attrs, expr_start(&e.expr).0),
        E::Closure(e) => (&e.attrs, closure_start(e)),
        E::Const(e) => (&e.attrs, e.const_token.span),
        E::Continue(e) => (&e.attrs, e.continue_token.span),
        E::Field(e) => (&e.attrs, expr_start(&e.base).0),
        E::ForLoop(e) => (&e.attrs, label_or(&e.label, e.for_token.span)),
        E::Group(e) => (&e.attrs, expr_start(&e.expr).0),
        E::If(e) => (&e.attrs, e.if_token.span),
        E::Index(e) => (&e.attrs, expr_start(&e.expr).0),
        E::Infer(e) => (&e.attrs, e.underscore_token.span),
        E::Let(e) => (&e.attrs, e.let_token.span),
        E::Lit(e) => (&e.attrs, e.lit.span()),
        E::Loop(e) => (&e.attrs, label_or(&e.label, e.loop_token.span)),
        E::Macro(e) => (&e.attrs, path_start(&e.mac.path)),
        E::Match(e) => (&e.attrs, e.match_token.span),
        E::MethodCall(e) => (&e.attrs, expr_start(&e.receiver).0),
        E::Paren(e) => (&e.attrs, e.paren_token.span.open()),
        E::Path(e) => (
            &e.attrs,
            e.qself
                .as_ref()
                .map_or_else(|| path_start(&e.path), |q| q.lt_token.span),
        ),
        E::Range(e) => (
            &e.attrs,
            match &e.start {
                Some(start) => expr_start(start).0,
                None => match &e.limits {
                    syn::RangeLimits::HalfOpen(t) => t.spans[0],
                    syn::RangeLimits::Closed(t) => t.spans[0],
                },
            },
        ),
        E::RawAddr(e) => (&e.attrs, e.and_token.span),
        E::Reference(e) => (&e.attrs, e.and_token.span),
        E::Repeat(e) => (&e.attrs, e.bracket_token.span.open()),
        E::Return(e) => (&e.attrs, e.return_token.span),
        E::Struct(e) => (
            &e.attrs,
            e.qself
                .as_ref()
                .map_or_else(|| path_start(&e.path), |q| q.lt_token.span),
        ),
        E::Try(e) => (&e.attrs, expr_start(&e.expr).0),
        E::TryBlock(e) => (&e.attrs, e.try_token.span),
        E::Tuple(e) => (&e.attrs, e.paren_token.span.open()),
        E::Unary(e) => (
            &e.attrs,
            match e.op {
                syn::UnOp::Deref(t) => t.span,
                syn::UnOp::Not(t) => t.span,
                syn::UnOp::Neg(t) => t.span,
                _ => expr_start(&e.expr).0,
            },
        ),
        E::Unsafe(e) => (&e.attrs, e.unsafe_token.span),
        E::While(e) => (&e.attrs, label_or(&e.label, e.while_token.span)),
        E::Yield(e) => (&e.attrs, e.yield_token.span),
        other => {
            let span = other.span();
            return (span, span);
        }
    };
    (outer_attr(attrs).unwrap_or(own), own)
}

fn closure_start(closure: &syn::ExprClosure) -> proc_macro2::Span {
    closure
        .lifetimes
        .as_ref()
        .map(|l| l.for_token.span)
        .or(closure.constness.map(|t| t.span))
        .or(closure.movability.map(|t| t.span))
        .or(closure.asyncness.map(|t| t.span))
        .or(closure.capture.map(|t| t.span))
        .unwrap_or(closure.or1_token.span)
}

/// `(start with attributes, start of the statement itself)`.
pub(crate) fn stmt_start(stmt: &syn::Stmt) -> (proc_macro2::Span, proc_macro2::Span) {
    match stmt {
        syn::Stmt::Local(local) => (
            outer_attr(&local.attrs).unwrap_or(local.let_token.span),
            local.let_token.span,
        ),
        syn::Stmt::Expr(expr, _) => expr_start(expr),
        syn::Stmt::Macro(mac) => {
            let own = path_start(&mac.mac.path);
            (outer_attr(&mac.attrs).unwrap_or(own), own)
        }
        syn::Stmt::Item(item) => {
            let first = self::item(item).first;
            (first, first)
        }
    }
}

/// The attributes of an item, when its kind has any.
pub(crate) fn item_attrs(item: &syn::Item) -> Option<&[syn::Attribute]> {
    Some(match item {
        syn::Item::Const(i) => &i.attrs,
        syn::Item::Enum(i) => &i.attrs,
        syn::Item::ExternCrate(i) => &i.attrs,
        syn::Item::Fn(i) => &i.attrs,
        syn::Item::ForeignMod(i) => &i.attrs,
        syn::Item::Impl(i) => &i.attrs,
        syn::Item::Macro(i) => &i.attrs,
        syn::Item::Mod(i) => &i.attrs,
        syn::Item::Static(i) => &i.attrs,
        syn::Item::Struct(i) => &i.attrs,
        syn::Item::Trait(i) => &i.attrs,
        syn::Item::TraitAlias(i) => &i.attrs,
        syn::Item::Type(i) => &i.attrs,
        syn::Item::Union(i) => &i.attrs,
        syn::Item::Use(i) => &i.attrs,
        _ => return None,
    })
}

/// The attributes of an impl item, when its kind has any.
pub(crate) fn impl_item_attrs(item: &syn::ImplItem) -> Option<&[syn::Attribute]> {
    Some(match item {
        syn::ImplItem::Const(i) => &i.attrs,
        syn::ImplItem::Fn(i) => &i.attrs,
        syn::ImplItem::Type(i) => &i.attrs,
        syn::ImplItem::Macro(i) => &i.attrs,
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::source::FileId;

    /// The cheap span must equal syn's own.
    fn check(source: &str) {
        let file = syn::parse_file(source).expect("parses");
        let text = SourceFile::new(FileId(0), "t.rs".to_string(), source.to_string());
        for node in &file.items {
            assert_eq!(
                item(node).span_in(&text),
                text.span(node.span()),
                "{source}"
            );
            if let syn::Item::Impl(imp) = node {
                for inner in &imp.items {
                    assert_eq!(impl_item(inner).span_in(&text), text.span(inner.span()));
                }
            }
            if let syn::Item::Trait(tr) = node {
                for inner in &tr.items {
                    assert_eq!(trait_item(inner).span_in(&text), text.span(inner.span()));
                }
            }
        }
    }

    #[test]
    fn item_spans_match_syn() {
        check("/// doc\n#[derive(Debug)]\npub struct S { a: u32 }\nstruct T(u8);\nstruct U;\n");
        check("pub(crate) enum E { A, B(u8) }\nunion U { a: u8 }\ntype X<T> = Vec<T>;\n");
        check("#[inline]\npub const unsafe extern \"C\" fn f(x: u8) -> u8 where u8: Copy { x }\nfn g() {}\n");
        check("unsafe impl<T> Send for S<T> {}\nimpl S {\n    /// d\n    pub fn a(&self) -> u8 { 0 }\n    const C: u8 = 1;\n    type T = u8;\n}\n");
        check("pub unsafe trait Tr { fn a(&self); fn b() -> u8 { 1 } type T; const C: u8; }\n");
        check("mod m;\npub mod n { fn x() {} }\nuse a::{b, c as d};\nextern crate alloc;\nstatic S: u8 = 0;\nconst C: u8 = 0;\n");
        check("macro_rules! m { () => {} }\nkernel::module! { type: X, }\nm!(a, b);\nextern \"C\" { fn f(); }\n");
    }
}

/// The first and last token of a type.
pub fn ty(ty: &syn::Type) -> Tokens {
    match ty {
        syn::Type::Path(p) if p.qself.is_none() => path(&p.path),
        syn::Type::Ptr(p) => tokens(p.star_token.span, self::ty(&p.elem).last),
        syn::Type::Reference(r) => tokens(r.and_token.span, self::ty(&r.elem).last),
        syn::Type::Array(a) => Tokens::one(a.bracket_token.span.join()),
        syn::Type::Slice(s) => Tokens::one(s.bracket_token.span.join()),
        syn::Type::Tuple(t) => Tokens::one(t.paren_token.span.join()),
        syn::Type::Paren(p) => Tokens::one(p.paren_token.span.join()),
        syn::Type::Never(n) => Tokens::one(n.bang_token.span),
        syn::Type::Infer(i) => Tokens::one(i.underscore_token.span),
        other => Tokens::one(other.span()),
    }
}

/// The first and last token of a path.
pub fn path(path: &syn::Path) -> Tokens {
    let first = path
        .leading_colon
        .map(|colon| colon.spans[0])
        .or_else(|| path.segments.first().map(|s| s.ident.span()));
    let last = path
        .segments
        .last()
        .map(|segment| match &segment.arguments {
            syn::PathArguments::None => segment.ident.span(),
            syn::PathArguments::AngleBracketed(args) => args.gt_token.span,
            syn::PathArguments::Parenthesized(args) => match &args.output {
                syn::ReturnType::Default => args.paren_token.span.close(),
                syn::ReturnType::Type(_, ty) => self::ty(ty).last,
            },
        });
    match (first, last) {
        (Some(first), Some(last)) => tokens(first, last),
        _ => Tokens::one(path.span()),
    }
}

#[cfg(test)]
mod type_tests {
    use super::*;
    use crate::source::FileId;

    #[test]
    fn type_spans_match_syn() {
        for source in [
            "*mut bindings::device",
            "&'a [NonNull<bindings::device>]",
            "Option<*const ::kernel::bindings::pci_dev>",
            "(u32, *mut T)",
            "[u8; 4]",
            "Box<dyn Fn(u8) -> u8>",
            "impl Fn(u8)",
            "<T as Trait>::Assoc",
            "!",
            "_",
            "fn(u8) -> u8",
        ] {
            let parsed: syn::Type = syn::parse_str(source).expect("a type");
            let text = SourceFile::new(FileId(0), "t.rs".to_string(), source.to_string());
            assert_eq!(
                ty(&parsed).span_in(&text),
                text.span(parsed.span()),
                "{source}"
            );
        }
    }
}
