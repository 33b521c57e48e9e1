//! Looking inside macro invocations.
//!
//! Kernel code puts much of its logic in macro arguments (`pin_init!`, `dev_info!`, `module_*!`). Where the
//! tokens parse as expressions or items they are analysed like ordinary code; where they do not, they are
//! skipped quietly: a macro never fails a file.

use foldhash::HashMap;
use std::cell::RefCell;
use std::rc::Rc;

use proc_macro2::{LineColumn, TokenStream, TokenTree};
use syn::parse::{ParseStream, Parser};
use syn::punctuated::Punctuated;
use syn::{Expr, Item, Macro, Token};

use crate::source::SourceFile;

/// What a macro's tokens parse as.
pub enum MacroBody {
    Exprs(Vec<Expr>),
    Items(Vec<Item>),
    Opaque,
}

/// Parsed macro bodies of one file, so that lowering and every lint parse each invocation once.
/// Keyed by where the invocation starts and ends (line and column are cheaper to get from a span
/// than byte offsets); lives on the thread that parsed the file. An invocation whose tokens have
/// no location (see `cache_key`) is parsed each time it is asked for, never cached.
#[derive(Default)]
pub struct MacroCache {
    bodies: RefCell<HashMap<(LineColumn, LineColumn), Rc<MacroBody>>>,
}

impl MacroCache {
    pub fn body(&self, mac: &Macro) -> Rc<MacroBody> {
        let key = cache_key(mac);
        if let Some(body) = key.and_then(|key| self.bodies.borrow().get(&key).cloned()) {
            return body;
        }
        self.parse_into(key, mac)
    }

    /// The body of `mac`, unless it is not parsed yet and its text (comments and strings
    /// included) has no word that `wanted` accepts: the caller has shown that then nothing in it
    /// can matter to it, and skips it. Most macro arguments are format strings and plain values,
    /// and parsing them was a sixth of the lints' work.
    pub fn body_if(
        &self,
        mac: &Macro,
        source: &SourceFile,
        wanted: impl Fn(&[u8]) -> bool,
    ) -> Option<Rc<MacroBody>> {
        let key = cache_key(mac);
        if let Some(body) = key.and_then(|key| self.bodies.borrow().get(&key).cloned()) {
            return Some(body);
        }
        names_a_wanted_word(source, mac, wanted).then(|| self.parse_into(key, mac))
    }

    fn parse_into(&self, key: Option<(LineColumn, LineColumn)>, mac: &Macro) -> Rc<MacroBody> {
        let body = Rc::new(parse_body(mac));
        if let Some(key) = key {
            self.bodies.borrow_mut().insert(key, Rc::clone(&body));
        }
        body
    }
}

/// Where the invocation starts and ends (line and column are cheaper to get from a span than
/// byte offsets), or `None` if its `!` has no location: a `!` read from the file spans one
/// character, while a span without one (`Span::call_site()`, which tokens made by code carry, and
/// every span when proc-macro2 is built with `cfg(fuzzing)`, as `cargo fuzz` builds it) starts
/// where it ends, at the same place for all of them. Such invocations would all share one key, and
/// a macro nested in another would be handed the outer one's body, inside which the walks would
/// meet the nested macro again, without end. Located invocations cannot loop: a nested one's `!`
/// lies strictly inside its parent's delimiters.
fn cache_key(mac: &Macro) -> Option<(LineColumn, LineColumn)> {
    let start = mac.bang_token.span.start();
    if mac.bang_token.span.end() == start {
        return None;
    }
    let end = crate::spans::macro_delimiters(mac).close().end();
    Some((start, end))
}

/// Whether the text of the macro's arguments has an ASCII word that `wanted` accepts. A non-ASCII
/// byte, or arguments whose text cannot be found, count as a yes: the word scan splits words
/// at non-ASCII letters.
fn names_a_wanted_word(source: &SourceFile, mac: &Macro, wanted: impl Fn(&[u8]) -> bool) -> bool {
    let range = source
        .span(crate::spans::macro_delimiters(mac).join())
        .range();
    let Some(text) = source.text.as_bytes().get(range).filter(|t| !t.is_empty()) else {
        return true;
    };
    if !text.is_ascii() {
        return true;
    }
    crate::pruning::any_word(text, |word, _| wanted(word))
}

impl MacroCache {
    /// Parses the macro invocations in `item`, and those inside them, that the lints' walk is
    /// sure to look into, ahead of it: work for a thread that waits for the model. Those are the
    /// ones in an `unsafe fn` or an `unsafe` block (the walk reads all of their code), and
    /// elsewhere the ones whose text names a word of [`PREFETCHED_WORDS`]; the walk parses the
    /// others it needs when it meets them.
    pub fn prefetch(&self, item: &syn::Item, source: &SourceFile) {
        let mut prefetch = Prefetch {
            macros: self,
            source,
            in_unsafe_fn: false,
            unsafe_depth: 0,
        };
        syn::visit::Visit::visit_item(&mut prefetch, item);
    }
}

struct Prefetch<'a> {
    macros: &'a MacroCache,
    source: &'a SourceFile,
    in_unsafe_fn: bool,
    /// How many `unsafe` blocks of the current fn are around the code being visited.
    unsafe_depth: usize,
}

impl Prefetch<'_> {
    /// Visits a fn: its code is in an `unsafe fn` or not, and in none of the blocks around it.
    fn within_fn(&mut self, is_unsafe: bool, visit: impl FnOnce(&mut Self)) {
        let outer = (self.in_unsafe_fn, self.unsafe_depth);
        (self.in_unsafe_fn, self.unsafe_depth) = (is_unsafe, 0);
        visit(self);
        (self.in_unsafe_fn, self.unsafe_depth) = outer;
    }
}

impl<'ast> syn::visit::Visit<'ast> for Prefetch<'_> {
    fn visit_item_fn(&mut self, func: &'ast syn::ItemFn) {
        let is_unsafe = func.sig.unsafety.is_some();
        self.within_fn(is_unsafe, |v| syn::visit::visit_item_fn(v, func));
    }

    fn visit_impl_item_fn(&mut self, func: &'ast syn::ImplItemFn) {
        let is_unsafe = func.sig.unsafety.is_some();
        self.within_fn(is_unsafe, |v| syn::visit::visit_impl_item_fn(v, func));
    }

    fn visit_trait_item_fn(&mut self, func: &'ast syn::TraitItemFn) {
        let is_unsafe = func.sig.unsafety.is_some();
        self.within_fn(is_unsafe, |v| syn::visit::visit_trait_item_fn(v, func));
    }

    fn visit_expr_unsafe(&mut self, block: &'ast syn::ExprUnsafe) {
        self.unsafe_depth += 1;
        syn::visit::visit_expr_unsafe(self, block);
        self.unsafe_depth -= 1;
    }

    fn visit_macro(&mut self, mac: &'ast Macro) {
        let body = if self.in_unsafe_fn || self.unsafe_depth > 0 {
            Some(self.macros.body(mac))
        } else {
            self.macros
                .body_if(mac, self.source, |word| PREFETCHED_WORDS.contains(&word))
        };
        if let Some(body) = body {
            visit_body(self, &body);
        }
    }
}

/// Words that make the walk look into a macro's arguments wherever they are: an `unsafe` block,
/// a `let` (both read by the safety lints), and the items the walker visits.
pub const PREFETCHED_WORDS: &[&[u8]] = &[b"unsafe", b"let", b"fn", b"impl", b"mod", b"trait"];

/// Visits the expressions a macro's arguments parse as (nothing for items or opaque bodies): what
/// every body visitor's `visit_macro` does.
pub fn visit_macro_exprs<V>(visitor: &mut V, macros: &MacroCache, mac: &Macro)
where
    V: for<'x> syn::visit::Visit<'x>,
{
    visit_exprs(visitor, &macros.body(mac));
}

/// [`visit_macro_exprs`] for a visitor that has nothing to find in arguments without a word that
/// `wanted` accepts (see [`MacroCache::body_if`]).
pub fn visit_macro_exprs_if<V>(
    visitor: &mut V,
    macros: &MacroCache,
    source: &SourceFile,
    mac: &Macro,
    wanted: impl Fn(&[u8]) -> bool,
) where
    V: for<'x> syn::visit::Visit<'x>,
{
    if let Some(body) = macros.body_if(mac, source, wanted) {
        visit_exprs(visitor, &body);
    }
}

/// Visits what a parsed macro body holds: its expressions or its items.
pub fn visit_body<V>(visitor: &mut V, body: &MacroBody)
where
    V: for<'x> syn::visit::Visit<'x>,
{
    match body {
        MacroBody::Exprs(exprs) => exprs.iter().for_each(|e| visitor.visit_expr(e)),
        MacroBody::Items(items) => items.iter().for_each(|i| visitor.visit_item(i)),
        MacroBody::Opaque => {}
    }
}

/// Visits the expressions of a parsed macro body (nothing for items or opaque bodies).
pub fn visit_exprs<V>(visitor: &mut V, body: &MacroBody)
where
    V: for<'x> syn::visit::Visit<'x>,
{
    if let MacroBody::Exprs(exprs) = body {
        for expr in exprs {
            visitor.visit_expr(expr);
        }
    }
}

/// Parses a macro invocation's tokens: first as comma-separated expressions (with `pin_init!`'s
/// `field <- init` arrows read as plain fields), then as items.
pub fn parse_body(mac: &Macro) -> MacroBody {
    if mac.path.is_ident("macro_rules") {
        return MacroBody::Opaque;
    }
    let exprs = Punctuated::<Expr, Token![,]>::parse_terminated;
    if let Ok(exprs) = exprs.parse2(mac.tokens.clone()) {
        return MacroBody::Exprs(exprs.into_iter().collect());
    }
    let tokens = normalize_init_arrows(mac.tokens.clone());
    if let Ok(exprs) = parse_exprs_with_trailing_tokens.parse2(tokens) {
        return MacroBody::Exprs(exprs);
    }
    match parse_items.parse2(mac.tokens.clone()) {
        Ok(items) if !items.is_empty() => MacroBody::Items(items),
        // `global_lock! { unsafe(uninit) static X: Mutex<T> = …; }`: a static behind a marker.
        _ => match parse_items.parse2(strip_static_markers(mac.tokens.clone())) {
            Ok(items) if !items.is_empty() => MacroBody::Items(items),
            _ => MacroBody::Opaque,
        },
    }
}

/// Drops the `unsafe(…)` marker that `global_lock!` writes before `static`, so that the item
/// parses as the `static` the macro expands to. Spans are kept.
fn strip_static_markers(tokens: TokenStream) -> TokenStream {
    let trees: Vec<TokenTree> = tokens.into_iter().collect();
    let mut out = Vec::with_capacity(trees.len());
    let mut index = 0;
    while index < trees.len() {
        let is_marker = matches!(&trees[index], TokenTree::Ident(ident) if ident == "unsafe")
            && matches!(trees.get(index + 1), Some(TokenTree::Group(group)) if group.delimiter() == proc_macro2::Delimiter::Parenthesis)
            && matches!(trees.get(index + 2), Some(TokenTree::Ident(ident)) if ident == "static");
        if is_marker {
            index += 2;
            continue;
        }
        out.push(trees[index].clone());
        index += 1;
    }
    out.into_iter().collect()
}

/// `pin_init!(Self { a <- init, b: x, .. })` uses `<-` for in-place fields; rewrite it to `:` so the
/// literal parses as a struct expression. `a <- b` is no valid expression anywhere else.
fn normalize_init_arrows(tokens: TokenStream) -> TokenStream {
    let mut out = Vec::new();
    let mut iter = tokens.into_iter().peekable();
    while let Some(tree) = iter.next() {
        match tree {
            // `<-` lexes as a joint `<` then `-`.
            TokenTree::Punct(ref lt) if lt.as_char() == '<' => {
                let is_arrow =
                    matches!(iter.peek(), Some(TokenTree::Punct(dash)) if dash.as_char() == '-');
                if is_arrow && matches!(out.last(), Some(TokenTree::Ident(_))) {
                    let dash = iter.next();
                    let mut colon = proc_macro2::Punct::new(':', proc_macro2::Spacing::Alone);
                    let span = dash
                        .map(|d| lt.span().join(d.span()).unwrap_or(lt.span()))
                        .unwrap_or(lt.span());
                    colon.set_span(span);
                    out.push(TokenTree::Punct(colon));
                } else {
                    out.push(tree);
                }
            }
            TokenTree::Group(group) => {
                let mut inner = proc_macro2::Group::new(
                    group.delimiter(),
                    normalize_init_arrows(group.stream()),
                );
                inner.set_span(group.span());
                out.push(TokenTree::Group(inner));
            }
            other => out.push(other),
        }
    }
    out.into_iter().collect()
}

/// `try_pin_init!(Self { .. }? Error)` ends with tokens that are no expression; keep what parses.
fn parse_exprs_with_trailing_tokens(input: ParseStream) -> syn::Result<Vec<Expr>> {
    let mut exprs = Vec::new();
    while !input.is_empty() {
        exprs.push(input.parse::<Expr>()?);
        if input.peek(Token![,]) {
            input.parse::<Token![,]>()?;
        } else {
            // Skip whatever follows (`? Error`, `=> ...`).
            input.step(|cursor| {
                let mut rest = *cursor;
                while let Some((_, next)) = rest.token_tree() {
                    rest = next;
                }
                Ok(((), rest))
            })?;
        }
    }
    if exprs.is_empty() {
        return Err(input.error("no expressions"));
    }
    Ok(exprs)
}

fn parse_items(input: ParseStream) -> syn::Result<Vec<Item>> {
    let mut items = Vec::new();
    while !input.is_empty() {
        items.push(input.parse::<Item>()?);
    }
    Ok(items)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn body(source: &str) -> MacroBody {
        let mac: Macro = syn::parse_str(source).expect("a macro invocation");
        parse_body(&mac)
    }

    #[test]
    fn pin_init_arrows_parse_as_struct_fields() {
        let MacroBody::Exprs(exprs) = body("pin_init!(Data { dev: x, count <- new_counter(), })")
        else {
            panic!("not parsed as expressions");
        };
        let syn::Expr::Struct(literal) = &exprs[0] else {
            panic!("not a struct literal: {:?}", exprs[0]);
        };
        assert_eq!(literal.fields.len(), 2);
    }

    #[test]
    fn try_pin_init_keeps_the_literal_before_the_error_type() {
        let MacroBody::Exprs(exprs) = body("try_pin_init!(Self { a <- init(), b: 1 }? Error)")
        else {
            panic!("not parsed as expressions");
        };
        assert!(matches!(&exprs[0], syn::Expr::Try(_)));
    }

    #[test]
    fn comparisons_are_not_rewritten() {
        let MacroBody::Exprs(exprs) = body("assert!(x < -1)") else {
            panic!("not parsed as expressions");
        };
        assert!(matches!(&exprs[0], syn::Expr::Binary(_)));
    }

    /// `tokens` with every span replaced by `Span::call_site()`, which has no location: what every
    /// span is when proc-macro2 is built with `cfg(fuzzing)` (the `pipeline` fuzz target).
    fn without_locations(tokens: TokenStream) -> TokenStream {
        let call_site = proc_macro2::Span::call_site();
        tokens
            .into_iter()
            .map(|tree| match tree {
                TokenTree::Group(group) => TokenTree::Group(proc_macro2::Group::new(
                    group.delimiter(),
                    without_locations(group.stream()),
                )),
                mut other => {
                    other.set_span(call_site);
                    other
                }
            })
            .collect()
    }

    /// Found by the `pipeline` fuzz target: without span locations every invocation had the same
    /// cache key, the inner `pin_init!` was handed the outer `try_pin_init!`'s body, and the
    /// prefetch walk recursed until the stack overflowed.
    #[test]
    fn nested_macros_without_span_locations_get_their_own_bodies() {
        let text = "fn f() { try_pin_init!(P { a: unsafe { g(pin_init!(M { p <- { 1 }, })) }, }) }";
        let tokens: TokenStream = text.parse().expect("lexes");
        let item: Item = syn::parse2(without_locations(tokens)).expect("parses");
        let source = SourceFile::new(
            crate::source::FileId(0),
            "f.rs".to_string(),
            text.to_string(),
        );
        let macros = MacroCache::default();
        macros.prefetch(&item, &source);

        // The outer body, then the inner macro found in it: each its own struct literal.
        let Item::Fn(func) = &item else {
            panic!("not a fn");
        };
        let syn::Stmt::Expr(Expr::Macro(outer), None) = &func.block.stmts[0] else {
            panic!("not a macro expression: {:?}", func.block.stmts[0]);
        };
        let struct_name = |body: &MacroBody| match body {
            MacroBody::Exprs(exprs) => match &exprs[0] {
                Expr::Struct(literal) => literal.path.get_ident().map(ToString::to_string),
                _ => None,
            },
            _ => None,
        };
        let outer_body = macros.body(&outer.mac);
        assert_eq!(struct_name(&outer_body).as_deref(), Some("P"));
        let MacroBody::Exprs(exprs) = &*outer_body else {
            panic!("not expressions");
        };
        let Expr::Struct(literal) = &exprs[0] else {
            panic!("not a struct literal");
        };
        let Expr::Unsafe(block) = &literal.fields[0].expr else {
            panic!("not an unsafe block");
        };
        let syn::Stmt::Expr(Expr::Call(call), _) = &block.block.stmts[0] else {
            panic!("not a call");
        };
        let Expr::Macro(inner) = &call.args[0] else {
            panic!("not a macro argument");
        };
        assert_eq!(struct_name(&macros.body(&inner.mac)).as_deref(), Some("M"));
    }

    #[test]
    fn items_and_opaque_bodies() {
        assert!(matches!(
            body("m! { struct S; fn f() {} }"),
            MacroBody::Items(_)
        ));
        assert!(matches!(
            body("module_pci_driver! { type: Foo, name: \"x\", }"),
            MacroBody::Opaque
        ));
        let rules: syn::ItemMacro = syn::parse_str("macro_rules! m { () => {} }").expect("parses");
        assert!(matches!(parse_body(&rules.mac), MacroBody::Opaque));
    }
}
