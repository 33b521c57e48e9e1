//! What devref does not parse: function bodies and doc comments that cannot matter to it.
//!
//! **Bodies.** Every fact devref takes from inside a function body comes from unsafe code
//! (`from_raw`, raw pointer dereferences, calls to C get/put functions, `unsafe` blocks and their
//! SAFETY comments), from items nested in the body, from a `'static` lifetime, or from a `devref`
//! suppression attribute. A body whose text names none of these (outside its `//` comment lines,
//! but for `devref`) is blanked (spaces, line breaks kept) before lexing, so the lexer and syn see
//! `{ }` at the body's place and every other token keeps its line, column and offset: most of the
//! lexing, parsing, lowering and walking of ordinary safe code is skipped. Bodies are always kept
//! in `unsafe fn`s (their operations need no `unsafe` block) and in impls whose header names
//! `unsafe`, `Drop`, `PinnedDrop` or `AlwaysRefCounted`: the model reads which functions those
//! methods call. Macro invocations are never touched; the rules of a `macro_rules!` definition
//! always are, as nothing reads them (a macro is never expanded; lowering needs its name only).
//! The value of a `const` or `static` item is an expression like a body, and the same words decide
//! whether it can matter: a value that is one delimited group, alone or after a path or `&`s
//! (`[…]`, `&[…]`, `Table { … }`, `Mutex::new(…)`), has the group's inside blanked when it cannot,
//! whatever its size, unless it holds a run past the parser's limit. Generated tables are most of
//! the text of some crates (2.5 MB in one file of `encoding_rs`), and cost a hundred bytes of
//! syntax tree per byte. [`unneeded_bodies`] finds the bodies and values in the text.
//!
//! **Doc comments.** devref reads the docs of `unsafe` items (`# Safety`) and of types
//! (`# Invariants`) only. The `///` comments of anything else (safe functions, fields, constants,
//! impls), and every module's `//!` docs, become plain `// ` comments before lexing: a third of
//! the kernel's Rust text is docs, and the lexer, syn and lowering each pay for every doc line.
//! The change is one byte per line, so every offset, line and column stays that of the file; the
//! comment index is built from the file as written. The docs it does read become `#[doc]` and
//! spaces (unless the line could end a string or block comment it is in): lowering reads their
//! text from the file, and needs only where each attribute starts.
//!
//! **Syntax after lowering.** A file's syntax tree waits in memory until the model of every file
//! is built, for the lints' walk. Once the file is lowered, the items the walk finds nothing in
//! (a fn with an empty body or one whose text names no `unsafe`, a constant or static whose text
//! names no `unsafe`, a struct, an enum, a `use`, a bodiless trait method, …) are dropped from the
//! tree, unless their text names `devref` (a suppression attribute, which must still be seen), and
//! so is a safe impl left with no item. Unsafe impls, modules, traits and macros stay. What is left
//! is counted against the analysis's tree budget ([`kept_text_bytes`]); a file left with nothing
//! (no item, no inner attribute, and no `devref` in its text) has nothing to walk, and is not
//! parsed again for its lints ([`nothing_to_walk`]).

mod bodies;
mod words;

pub use bodies::{blank, cut, scan_bodies, unneeded_bodies, BodyScan};
pub(crate) use words::any_word;
pub use words::may_declare_items;

#[cfg(test)]
mod cfg_test_tests {
    #[test]
    fn cfg_test_items_are_stripped() {
        let mut ast: syn::File = syn::parse_str(
            "struct Kept;\n#[cfg(test)]\nmod tests { struct Gone; }\n#[cfg(all(test, CONFIG_X))]\nfn gone() {}\n\
             #[cfg(not(test))]\nfn kept() {}\nimpl Kept {\n    #[cfg(test)]\n    fn gone() {}\n    fn kept() {}\n}\n\
             mod inner { #[cfg(test)] struct Gone; struct Kept; }\n",
        )
        .expect("valid Rust");
        super::strip_cfg_test(&mut ast);
        let text = quote::quote!(#ast).to_string();
        assert!(!text.contains("Gone") && !text.contains("gone"), "{text}");
        assert_eq!(text.matches("Kept").count(), 3, "{text}");
        assert!(text.contains("fn kept"), "{text}");
    }
}

use std::ops::Range;

use crate::comments::scan_line_comment;
use crate::source::SourceFile;
use crate::spans;

/// Drops the items under `#[cfg(test)]` (also `#[cfg(all(test, …))]`), and the impl items and
/// nested module items so marked, before lowering: they are not part of the kernel build.
pub fn strip_cfg_test(ast: &mut syn::File) {
    strip_cfg_test_items(&mut ast.items);
}

fn strip_cfg_test_items(items: &mut Vec<syn::Item>) {
    items.retain(|item| !is_cfg_test(spans::item_attrs(item).unwrap_or(&[])));
    for item in items {
        match item {
            syn::Item::Mod(module) => {
                if let Some((_, items)) = &mut module.content {
                    strip_cfg_test_items(items);
                }
            }
            syn::Item::Impl(imp) => imp
                .items
                .retain(|item| !is_cfg_test(spans::impl_item_attrs(item).unwrap_or(&[]))),
            _ => {}
        }
    }
}

/// `#[cfg(test)]` or `#[cfg(all(test, …))]`: compiled only for tests.
fn is_cfg_test(attrs: &[syn::Attribute]) -> bool {
    attrs.iter().any(|attr| {
        if !attr.path().is_ident("cfg") {
            return false;
        }
        let Ok(meta) = attr.parse_args::<syn::Meta>() else {
            return false;
        };
        match meta {
            syn::Meta::Path(path) => path.is_ident("test"),
            syn::Meta::List(list) if list.path.is_ident("all") => list
                .parse_args_with(
                    syn::punctuated::Punctuated::<syn::Meta, syn::Token![,]>::parse_terminated,
                )
                .is_ok_and(|parts| {
                    parts
                        .iter()
                        .any(|part| matches!(part, syn::Meta::Path(path) if path.is_ident("test")))
                }),
            _ => false,
        }
    })
}

/// Drops from a lowered file's syntax tree the items that the lints' walk finds nothing in (see
/// the module docs), and returns where the dropped items are in the text: cut out of it (see
/// [`cut`]), the text parses to the same tree, without them.
pub fn drop_unwalked_items(ast: &mut syn::File, source: &SourceFile) -> Vec<Range<usize>> {
    // A file that never names devref has no item whose text must be read for it.
    let devref = source.mentions_devref().then_some(source);
    let mut dropped = Vec::new();
    let start = after_inner_attrs(&ast.attrs, source).unwrap_or(0);
    drop_items(&mut ast.items, source, devref, start, &mut dropped);
    dropped.shrink_to_fit();
    dropped
}

/// Where the text of the items inside braces (`open`) starts: after the opening brace and the inner
/// attributes, which stay.
fn items_start(
    attrs: &[syn::Attribute],
    open: &proc_macro2::extra::DelimSpan,
    source: &SourceFile,
) -> usize {
    let brace = source.span(open.open()).end as usize;
    after_inner_attrs(attrs, source).map_or(brace, |end| end.max(brace))
}

fn after_inner_attrs(attrs: &[syn::Attribute], source: &SourceFile) -> Option<usize> {
    attrs
        .iter()
        .filter(|attr| matches!(attr.style, syn::AttrStyle::Inner(_)))
        .map(|attr| source.span(attr.bracket_token.span.close()).end as usize)
        .max()
}

/// Records the text from the end of the item before (`from`) to the end of a dropped item (`to`):
/// its attributes, its tokens, and the comments and spaces before them. Only where cutting keeps
/// the column of every later token: the lexer counts columns in characters, so a non-ASCII
/// character on the line of the item's end would move what follows it.
fn record_dropped(
    from: Option<usize>,
    to: Option<usize>,
    text: &SourceFile,
    dropped: &mut Vec<Range<usize>>,
) {
    let (Some(from), Some(to)) = (from, to) else {
        return;
    };
    let Some(bytes) = text.text.as_bytes().get(from..to) else {
        return;
    };
    let last_line = bytes
        .iter()
        .rposition(|&b| b == b'\n')
        .map_or(0, |at| at + 1);
    if from < to && bytes[last_line..].is_ascii() {
        dropped.push(from..to);
    }
}

/// Where the item before the next one of a list ends: a dropped item's text starts there.
struct Siblings {
    previous_end: Option<usize>,
}

impl Siblings {
    /// The first item of a list, whose text starts at `start`.
    fn after(start: usize) -> Siblings {
        Siblings {
            previous_end: Some(start),
        }
    }

    /// Passes an item that ends at `end`, recording its text as dropped unless it is `kept`;
    /// returns `kept`.
    fn pass(
        &mut self,
        kept: bool,
        end: Option<usize>,
        text: &SourceFile,
        dropped: &mut Vec<Range<usize>>,
    ) -> bool {
        if !kept {
            record_dropped(self.previous_end, end, text, dropped);
        }
        self.previous_end = end;
        kept
    }
}

fn drop_items(
    items: &mut Vec<syn::Item>,
    text: &SourceFile,
    source: Option<&SourceFile>,
    start: usize,
    dropped: &mut Vec<Range<usize>>,
) {
    let mut siblings = Siblings::after(start);
    let end = |last: Option<proc_macro2::Span>| last.map(|last| text.span(last).end as usize);
    items.retain_mut(|item| {
        let item_end = end(spans::item_end(item));
        let kept = match item {
            syn::Item::Fn(f) => {
                if !f.block.stmts.is_empty() && !holds_unsafe(text, || spans::item_fn(f)) {
                    f.block.stmts = Vec::new();
                }
                let kept = !f.block.stmts.is_empty() || names_devref(source, || spans::item_fn(f));
                if kept {
                    shrink_fn(&mut f.attrs, &mut f.block);
                }
                kept
            }
            syn::Item::Impl(imp) => {
                let mut siblings =
                    Siblings::after(items_start(&imp.attrs, &imp.brace_token.span, text));
                imp.items.retain_mut(|item| {
                    let item_end = end(spans::impl_item_end(item));
                    let kept = match item {
                        syn::ImplItem::Fn(f) => {
                            if !f.block.stmts.is_empty()
                                && !holds_unsafe(text, || spans::impl_fn(f))
                            {
                                f.block.stmts = Vec::new();
                            }
                            let kept = !f.block.stmts.is_empty()
                                || names_devref(source, || spans::impl_fn(f));
                            if kept {
                                shrink_fn(&mut f.attrs, &mut f.block);
                            }
                            kept
                        }
                        syn::ImplItem::Macro(_) => true,
                        syn::ImplItem::Const(_) => {
                            value_holds_unsafe(text, || spans::impl_item(item))
                        }
                        other => names_devref(source, || spans::impl_item(other)),
                    };
                    siblings.pass(kept, item_end, text, dropped)
                });
                imp.items.shrink_to_fit();
                // A safe impl left empty gives the walk nothing: its hooks read unsafe impls only.
                !imp.items.is_empty()
                    || imp.unsafety.is_some()
                    || names_devref(source, || spans::item_impl(imp))
            }
            syn::Item::Trait(t) => {
                let mut siblings =
                    Siblings::after(items_start(&t.attrs, &t.brace_token.span, text));
                t.items.retain(|item| {
                    let item_end = end(spans::trait_item_end(item));
                    let kept = match item {
                        syn::TraitItem::Fn(f) => {
                            f.default.as_ref().is_some_and(|body| {
                                !body.stmts.is_empty()
                                    && holds_unsafe(text, || spans::trait_item(item))
                            }) || names_devref(source, || spans::trait_item(item))
                        }
                        syn::TraitItem::Macro(_) => true,
                        syn::TraitItem::Const(_) => {
                            value_holds_unsafe(text, || spans::trait_item(item))
                        }
                        other => names_devref(source, || spans::trait_item(other)),
                    };
                    siblings.pass(kept, item_end, text, dropped)
                });
                t.items.shrink_to_fit();
                true
            }
            syn::Item::Mod(m) => {
                if let Some((brace, items)) = &mut m.content {
                    let start = items_start(&m.attrs, &brace.span, text);
                    drop_items(items, text, source, start, dropped);
                }
                true
            }
            // A value's walk, like a body's, finds something only in unsafe code.
            syn::Item::Const(_) | syn::Item::Static(_) => {
                value_holds_unsafe(text, || spans::item(item))
            }
            syn::Item::Macro(_) => true,
            other => names_devref(source, || spans::item(other)),
        };
        siblings.pass(kept, item_end, text, dropped)
    });
    // The freed tail of each list goes to the next file's parse: the lists of the kept items are
    // what every tree holds until the model is built.
    items.shrink_to_fit();
}

/// Whether the lints' walk of a file's tree, as [`drop_unwalked_items`] left it, finds nothing: no
/// item is left, no inner attribute, and the text never names `devref` (so no suppression
/// comment). Such a tree equals an empty one, which the lints then walk instead.
pub fn nothing_to_walk(ast: &syn::File, source: &SourceFile) -> bool {
    ast.items.is_empty() && ast.attrs.is_empty() && !source.mentions_devref()
}

/// How many bytes of the file's text the items left in its syntax tree span: what holding the tree
/// until the lints run costs, roughly (syn keeps tens of bytes per byte of text it parsed).
pub fn kept_text_bytes(ast: &syn::File, source: &SourceFile) -> usize {
    items_text_bytes(&ast.items, source)
}

fn items_text_bytes(items: &[syn::Item], source: &SourceFile) -> usize {
    let len = |span: spans::Tokens| span.span_in(source).range().len();
    items
        .iter()
        .map(|item| match item {
            syn::Item::Impl(imp) => imp
                .items
                .iter()
                .map(|item| len(spans::impl_item(item)))
                .sum(),
            syn::Item::Trait(t) => t
                .items
                .iter()
                .map(|item| len(spans::trait_item(item)))
                .sum(),
            syn::Item::Mod(syn::ItemMod {
                content: Some((_, items)),
                ..
            }) => items_text_bytes(items, source),
            other => len(spans::item(other)),
        })
        .sum()
}

/// A kept fn's attributes and statements: syn's lists start with room for four (a `syn::Stmt` or
/// `syn::Attribute` is a few hundred bytes), and most hold one `#[inline]` or a few statements.
fn shrink_fn(attrs: &mut Vec<syn::Attribute>, block: &mut syn::Block) {
    attrs.shrink_to_fit();
    block.stmts.shrink_to_fit();
}

/// Whether the fn's text (signature and body) names `unsafe` or `devref`. Every hook of the walk
/// starts from unsafe code (an `unsafe` block or fn, an unsafe impl, a call of a C get/put
/// function) or a suppression, so the body of a fn that names neither is dropped after lowering.
fn holds_unsafe(source: &SourceFile, span: impl FnOnce() -> spans::Tokens) -> bool {
    item_text_holds(source, span, names_unsafe_or_devref)
}

/// [`holds_unsafe`] for a `const` or `static`, whose value may also reach unsafe code through a
/// macro it invokes (unsafe code in a value is in an `unsafe` block or a macro: nothing else
/// compiles there).
fn value_holds_unsafe(source: &SourceFile, span: impl FnOnce() -> spans::Tokens) -> bool {
    item_text_holds(source, span, |item| {
        names_unsafe_or_devref(item) || words::may_invoke_macro(item)
    })
}

/// Whether the item's text names `devref`; `source` is `None` when the file does not.
fn names_devref(source: Option<&SourceFile>, span: impl FnOnce() -> spans::Tokens) -> bool {
    source.is_some_and(|source| {
        item_text_holds(source, span, |item| {
            any_word(item, |word, _| word == b"devref")
        })
    })
}

fn names_unsafe_or_devref(item: &[u8]) -> bool {
    any_word(item, |word, _| word == b"unsafe" || word == b"devref")
}

/// Whether the text of the item at `span` passes `test`; true when the span is not in the text,
/// so that such an item is kept.
fn item_text_holds(
    source: &SourceFile,
    span: impl FnOnce() -> spans::Tokens,
    test: impl FnOnce(&[u8]) -> bool,
) -> bool {
    source
        .text
        .as_bytes()
        .get(span().span_in(source).range())
        .is_none_or(test)
}

/// Words in an item header that make its docs matter.
fn header_keeps_docs(word: &[u8]) -> bool {
    matches!(
        word,
        b"unsafe" | b"struct" | b"enum" | b"union" | b"type" | b"trait" | b"mod"
    )
}

/// `text` with the `///` comments whose docs devref never reads turned into `// ` comments, and
/// those it reads marked as `#[doc]` (see `DOC_MARK`), or `None` when there are neither.
pub fn prune_docs(text: &str) -> Option<String> {
    let bytes = text.as_bytes();
    let mut pruned: Option<Vec<u8>> = None;
    let mut line = 0;
    while line < bytes.len() {
        // A module's own docs (`//!`) are never read.
        if let Some(bang) = inner_doc_at(bytes, line) {
            pruned.get_or_insert_with(|| bytes.to_vec())[bang] = b' ';
            line = next_line(bytes, line);
            continue;
        }
        let Some(slash) = outer_doc_at(bytes, line) else {
            line = next_line(bytes, line);
            continue;
        };
        // The run of doc lines, and the item they document.
        let mut slashes = vec![slash];
        let mut next = next_line(bytes, line);
        while let Some(slash) = outer_doc_at(bytes, next) {
            slashes.push(slash);
            next = next_line(bytes, next);
        }
        if docs_matter(bytes, next) {
            for comment in slashes
                .into_iter()
                .filter_map(|slash| markable_doc(text, slash))
            {
                let pruned = pruned.get_or_insert_with(|| bytes.to_vec());
                pruned[comment.start..comment.start + DOC_MARK.len()].copy_from_slice(DOC_MARK);
                pruned[comment.start + DOC_MARK.len()..comment.end].fill(b' ');
            }
        } else {
            let pruned = pruned.get_or_insert_with(|| bytes.to_vec());
            for slash in slashes {
                pruned[slash] = b' ';
            }
        }
        line = next;
    }
    // Only ASCII bytes and whole characters became ASCII bytes.
    pruned.map(|bytes| String::from_utf8(bytes).expect("still UTF-8"))
}

/// What a `///` comment devref reads becomes, followed by spaces to the comment's length. The
/// lexer would make the comment `#[doc = "…"]`, escaping its text into a string literal that syn
/// then parses, only for lowering to read the line from the file again (`Lowerer::doc_line`):
/// where the attribute starts is all it needs.
const DOC_MARK: &[u8] = b"#[doc]";

/// The range of the `///` comment whose third `/` is at `slash`, up to its line break, if it can
/// become [`DOC_MARK`]: not if it is shorter, or holds a `\r` the lexer would reject. Lines are
/// read without a lexer, so the line may be inside a string or a block comment that it ends: one
/// holding a `"`, `/*` or `*/` stays as written, as its end may be that of the literal or comment.
fn markable_doc(text: &str, slash: usize) -> Option<Range<usize>> {
    let start = slash - 2;
    // Where lowering reads the line to (`Lowerer::doc_line`).
    let (end, _) = scan_line_comment(text, start);
    let comment = &text.as_bytes()[start..end];
    let may_end_something = memchr::memchr2(b'"', b'\r', comment).is_some()
        || comment
            .windows(2)
            .any(|pair| pair == b"/*" || pair == b"*/");
    (comment.len() >= DOC_MARK.len() && !may_end_something).then_some(start..end)
}

fn next_line(bytes: &[u8], from: usize) -> usize {
    memchr::memchr(b'\n', &bytes[from..]).map_or(bytes.len(), |i| from + i + 1)
}

/// If the line starting at `line` is a `//!` doc comment, the offset of its `!`.
fn inner_doc_at(bytes: &[u8], line: usize) -> Option<usize> {
    let i = indented(bytes, line);
    bytes[i..].starts_with(b"//!").then_some(i + 2)
}

/// Where the text of the line starting at `line` begins, after its indentation.
fn indented(bytes: &[u8], line: usize) -> usize {
    line + bytes[line..]
        .iter()
        .take_while(|&&b| b == b' ' || b == b'\t')
        .count()
}

/// If the line starting at `line` is a `///` doc comment (not `////`), the offset of its third `/`.
fn outer_doc_at(bytes: &[u8], line: usize) -> Option<usize> {
    let i = indented(bytes, line);
    let rest = &bytes[i..];
    (rest.starts_with(b"///") && !rest.starts_with(b"////")).then_some(i + 2)
}

/// Whether the item that starts at `at` (after comments and attributes) has docs devref reads.
/// Anything it cannot read with certainty keeps its docs.
fn docs_matter(bytes: &[u8], at: usize) -> bool {
    const HEADER_LIMIT: usize = 512;
    let mut i = at;
    let end = bytes.len().min(at + 4 * HEADER_LIMIT);
    // Comments and attributes before the item.
    loop {
        while i < end && bytes[i].is_ascii_whitespace() {
            i += 1;
        }
        let rest = bytes.get(i..end).unwrap_or_default();
        if rest.starts_with(b"//") {
            i = next_line(bytes, i);
        } else if rest.starts_with(b"#[") {
            match skip_attribute(bytes, i + 1, end) {
                Some(after) => i = after,
                None => return true,
            }
        } else if rest.starts_with(b"/*") || rest.is_empty() {
            return true;
        } else {
            break;
        }
    }
    // The header's words, up to where the item's body, signature or type begins.
    let stop = end.min(i + HEADER_LIMIT);
    while i < stop {
        let byte = bytes[i];
        if byte.is_ascii_alphabetic() || byte == b'_' {
            let start = i;
            while i < stop && (bytes[i].is_ascii_alphanumeric() || bytes[i] == b'_') {
                i += 1;
            }
            let word = &bytes[start..i];
            if header_keeps_docs(word) {
                return true;
            }
            // `pub(crate)`: the parenthesis is part of the visibility.
            if word == b"pub" && bytes.get(i) == Some(&b'(') {
                match bytes[i..stop].iter().position(|&b| b == b')') {
                    Some(close) => i += close + 1,
                    None => return true,
                }
            }
            continue;
        }
        match byte {
            b'{' | b';' | b'(' | b'=' | b'<' | b':' | b',' | b'!' => return false,
            b'"' | b'\'' | b'/' | b'#' => return true,
            _ => i += 1,
        }
    }
    true
}

/// Skips an attribute's `[...]` from the `[` at `open`, strings included; `None` if it does not
/// close before `end`.
fn skip_attribute(bytes: &[u8], open: usize, end: usize) -> Option<usize> {
    let mut depth = 0usize;
    let mut i = open;
    while i < end {
        match bytes[i] {
            b'[' | b'(' | b'{' => depth += 1,
            b']' | b')' | b'}' => {
                depth = depth.checked_sub(1)?;
                if depth == 0 {
                    return Some(i + 1);
                }
            }
            b'"' => {
                i += 1;
                while i < end && bytes[i] != b'"' {
                    if bytes[i] == b'\\' {
                        i += 1;
                    }
                    i += 1;
                }
            }
            // A raw string (`r"…"`, `r#"…"#`), a comment or a char literal: too rare to be worth
            // reading right.
            b'r' if !bytes[i - 1].is_ascii_alphanumeric()
                && bytes[i - 1] != b'_'
                && matches!(bytes.get(i + 1), Some(b'"' | b'#')) =>
            {
                return None
            }
            b'/' | b'\'' => return None,
            _ => {}
        }
        i += 1;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::FileId;
    use proc_macro2::{Delimiter, TokenStream, TokenTree};

    // `pruned(text)`: the tokens syn would parse after the unneeded bodies are blanked.
    use bodies::tests::tokens as pruned;

    fn kept(text: &str) -> bool {
        unneeded_bodies(text).is_empty()
    }

    #[test]
    fn safe_bodies_are_emptied() {
        assert_eq!(
            pruned("fn f(x: u8) -> u8 { x + 1 }"),
            "fn f (x : u8) -> u8 { }"
        );
        assert_eq!(
            pruned("mod m { impl S { pub fn get(&self) -> u32 { self.0 } } }"),
            "mod m { impl S { pub fn get (& self) -> u32 { } } }"
        );
        assert_eq!(
            pruned("trait T { fn d(&self) { g(&self) } fn r(&self); }"),
            "trait T { fn d (& self) { } fn r (& self) ; }"
        );
        // A raw pointer type, a fn pointer type and a path that merely contains a keyword.
        assert_eq!(
            pruned(
                "fn f(p: *const u8) { let q = p as *const u16; let g: fn() = h; unsafe_ish(); }"
            ),
            "fn f (p : * const u8) { }"
        );
        // What the signature says is kept; only the body goes.
        assert_eq!(
            pruned("fn f() -> &'static str { g() }"),
            "fn f () -> &'static str { }"
        );
    }

    #[test]
    fn bodies_that_can_matter_are_kept() {
        for text in [
            "fn f(p: *mut T) { let d = unsafe { Device::from_raw(p) }; }",
            "fn f() { static X: u8 = 0; }",
            "fn f() { let d: &'static Device = g(); }",
            "fn f() { struct Local(*mut bindings::device); }",
            "fn f() { #[allow(devref::raw_device_ptr_field)] let x = 1; }",
            "fn f() { use kernel::device::Device; }",
            "fn f() { fn nested() {} }",
            "fn f() { const LIMIT: u32 = 4; }",
            "fn f() { type T = u8; }",
            "fn f() { impl S {} }",
            "fn f() { m!(unsafe { x }) }",
            // `unsafe fn` bodies need no `unsafe` block for unsafe operations.
            "unsafe fn f(p: *mut bindings::device) { Device::from_raw(p); }",
            // The model reads what `Drop` and `AlwaysRefCounted` methods call.
            "impl Drop for R { fn drop(&mut self) { release(self.0) } }",
            "unsafe impl AlwaysRefCounted for D { fn inc_ref(&self) { get(self) } }",
            // A suppression comment; code after a string that holds `//`; an item's name on the
            // line after `fn`; a keyword in a block comment or a trailing comment.
            "fn f() {\n    // devref: allow(manual_device_refcount) -- counted by hand\n    g()\n}",
            "fn f() {\n    let url = \"http://x\"; let d = unsafe { g() };\n}",
            "fn f() {\n    fn\n    nested() {}\n}",
            "fn f() {\n    /* the type of x */ g()\n}",
            "fn f() {\n    g() // the type of x\n}",
            // Code after a block comment that ends on a line starting with `//`; a comment
            // between `fn` and a nested fn's name.
            "fn f() { /*\n// */ struct Hidden(*mut bindings::device); }",
            "fn f() { fn /* local */ get_device() {} }",
            "fn f() { const /* c */ LIMIT: u32 = 4; }",
        ] {
            assert!(kept(text), "{text} became {}", pruned(text));
        }
    }

    #[test]
    fn keywords_in_comment_lines_do_not_keep_a_body() {
        assert_eq!(
            pruned("fn f() {\n    // Use the type of x: static, unsafe, fn g() {}.\n    /// impl\n    g()\n}"),
            "fn f () { }"
        );
    }

    #[test]
    fn initializers_that_cannot_matter_are_emptied() {
        for (text, after) in [
            (
                "pub static T: [u16; 3] = [0x1, 0x2, 0x3];",
                "pub static T : [u16 ; 3] = [] ;",
            ),
            (
                "#[rustfmt::skip]\nconst T: &[(&str, u8)] = &[(\"a\", 1), (\"b\", 2)];",
                "# [rustfmt :: skip] const T : & [(& str , u8)] = & [] ;",
            ),
            (
                "pub(crate) static mut S: Table = Table { rows: [1, 2], len: 2 };",
                "pub (crate) static mut S : Table = Table { } ;",
            ),
            (
                "static M: Mutex<[u8; 4]> = Mutex::new([0; 4]);",
                "static M : Mutex < [u8 ; 4] > = Mutex :: new () ;",
            ),
            (
                "const F: Option<fn() -> u8> = { let x = 1; None };",
                "const F : Option < fn () -> u8 > = { } ;",
            ),
            (
                "impl S { const ROWS: [u8; 2] = [1, 2]; }",
                "impl S { const ROWS : [u8 ; 2] = [] ; }",
            ),
            (
                "/// Docs.\nconst A: [u8; 1] = [1];\nconst B: [u8; 1] = [2];",
                "# [doc = \" Docs.\"] const A : [u8 ; 1] = [] ; const B : [u8 ; 1] = [] ;",
            ),
            // Names of fns in the value are not read (as in a body that cannot matter).
            (
                "static S: Registry = Registry { f: fn_ptr, t: &[1] };",
                "static S : Registry = Registry { } ;",
            ),
            // A nested fn body blanked inside the value goes with it.
            (
                "const C: u8 = { 1 + m(|| { g() }) };",
                "const C : u8 = { } ;",
            ),
        ] {
            assert_eq!(pruned(text), after, "{text}");
        }
    }

    #[test]
    fn initializers_that_can_matter_or_have_another_shape_are_kept() {
        for text in [
            "static D: &Dev = unsafe { &*P };",
            "static D: Holder = Holder { p: unsafe { from_raw(P) } };",
            "const E: &'static Device = dev();",
            "const A: [u8; 2] = [1, 2].clone_from_array();",
            "const A: [u8; 2] = m!(1, 2);",
            "const A: Foo = Foo::<[u8; 2]>::new([1]);",
            "const A: u8 = [1, 2][0];",
            "const A: u8 = { struct Local; 0 };",
            "const A: [u8; 1] = [\n    1, // devref: allow(raw_device_ptr_field)\n];",
            // A macro may hide an unsafe block; a comment may hide a word.
            "const X: [u8; 1] = [m!()];",
            "static OPS: Ops = Ops { release: |p| ffi!(bindings::put_device(p)) };",
            "const _: () = { /*\n// */ struct Hidden { dev: *mut bindings::device } };",
            "const _: () = { fn /* local */ get_device(_p: *mut device) {} };",
            // Bodies of an unsafe impl are all kept, its constants too.
            "unsafe impl Sync for S { const T: [u8; 1] = [1]; }",
            // A const generic parameter's default is not an initializer.
            "struct S<const N: usize = 3> { a: [u8; N] }",
            // No value, or not a const item.
            "trait T { const C: [u8; 1]; }",
            "extern \"C\" { static X: [u8; 1]; }",
            "const fn f() -> [u8; 1] { unsafe { g() } }",
        ] {
            let before = tokens_of(text);
            assert_eq!(pruned(text), before, "{text}");
        }
        // A non-ASCII character on the closing line would shift the columns after it.
        assert!(kept("const S: [&str; 1] = [\"é\"];"));
        // A run past the parser's limit is left for its guard to refuse.
        let long = format!("const A: [u32; 1] = [0{}];", " | 1".repeat(6_000));
        assert!(kept(&long));
        assert!(!kept("const A: [u32; 2] = [1, 2];"));
    }

    /// The tokens of `text` as written.
    fn tokens_of(text: &str) -> String {
        text.parse::<TokenStream>().expect("lexes").to_string()
    }

    #[test]
    fn macros_and_const_generic_arguments_are_left_alone() {
        for text in [
            "m! { fn f() { x } }",
            "kernel::module_pci_driver! { type: D, name: \"d\", }",
        ] {
            assert!(kept(text), "{text} became {}", pruned(text));
        }
        // The brace of `Foo<{ N }>` is a generic argument; the body after it is still found.
        assert_eq!(
            pruned("fn f() -> Foo<{ N }> { g() }"),
            "fn f () -> Foo < { N } > { }"
        );
    }

    #[test]
    fn the_rules_of_a_macro_definition_are_blanked() {
        for (text, after) in [
            (
                "macro_rules! m { () => { unsafe { fn f() { x } } } }",
                "macro_rules ! m { }",
            ),
            (
                "macro_rules! m ( ($e:expr) => { $e } );",
                "macro_rules ! m () ;",
            ),
            (
                "macro_rules! m { () => {} } fn g() { h() }",
                "macro_rules ! m { } fn g () { }",
            ),
            // An invocation that only mentions the word is a macro call, left alone.
            (
                "m!(macro_rules); fn g() { h() }",
                "m ! (macro_rules) ; fn g () { }",
            ),
        ] {
            assert_eq!(pruned(text), after, "{text}");
        }
    }

    #[test]
    fn an_emptied_body_keeps_its_span() {
        let text = "fn f() {\n    g();\n}\n";
        let blanked = bodies::tests::blanked(text);
        assert_eq!(blanked, "fn f() {\n        \n}\n");
        let source = SourceFile::new(FileId(0), "t.rs".to_string(), blanked.clone());
        let tokens: TokenStream = blanked.parse().expect("lexes");
        let body = tokens
            .into_iter()
            .find_map(|tree| match tree {
                TokenTree::Group(group) if group.delimiter() == Delimiter::Brace => Some(group),
                _ => None,
            })
            .expect("a body");
        assert!(body.stream().is_empty());
        assert_eq!(source.span(body.span()).range(), 7..text.len() - 1);
        assert_eq!(source.span(body.span_open()).range(), 7..8);
        assert_eq!(source.span(body.span_close()).range(), 18..19);
    }

    /// The text after doc pruning, or the same text when nothing changed.
    fn docs_pruned(text: &str) -> String {
        let pruned = prune_docs(text).unwrap_or_else(|| text.to_string());
        assert_eq!(pruned.len(), text.len());
        pruned
    }

    #[test]
    fn docs_of_safe_items_become_plain_comments() {
        assert_eq!(
            docs_pruned("/// Gets it.\n///\n/// More.\npub fn get(&self) -> u32 {}\n"),
            "//  Gets it.\n// \n//  More.\npub fn get(&self) -> u32 {}\n"
        );
        assert_eq!(
            docs_pruned("struct S {\n    /// The device.\n    dev: *mut device,\n}\n"),
            "struct S {\n    //  The device.\n    dev: *mut device,\n}\n"
        );
        // Attributes and comments between the docs and the item are skipped.
        assert_eq!(
            docs_pruned(
                "/// A.\n#[inline]\n#[cfg(any(x, y = \"]\"))]\n// note\npub(crate) const fn f() {}"
            ),
            "//  A.\n#[inline]\n#[cfg(any(x, y = \"]\"))]\n// note\npub(crate) const fn f() {}"
        );
        assert_eq!(
            docs_pruned(
                "/// A constant.\npub const N: usize = 4;\n/// An impl.\nimpl<T> X for Y {}\n"
            ),
            "//  A constant.\npub const N: usize = 4;\n//  An impl.\nimpl<T> X for Y {}\n"
        );
    }

    #[test]
    fn module_docs_become_plain_comments() {
        assert_eq!(
            docs_pruned("//! The driver.\n//!\n  //! Indented.\n#![no_std]\n"),
            "//  The driver.\n// \n  //  Indented.\n#![no_std]\n"
        );
    }

    #[test]
    fn docs_that_devref_reads_are_kept() {
        for text in [
            "/// # Safety\n///\n/// `ptr` must be valid.\npub unsafe fn from_raw(ptr: *mut T) {}",
            "/// # Safety\n#[inline]\npub(crate) unsafe fn f() {}",
            "/// # Invariants\n///\n/// Registered.\npub struct Registration(*mut device);",
            "/// Docs.\n#[derive(Clone)]\npub enum E { A }",
            "/// Docs.\npub union U { a: u8 }",
            "/// Docs.\npub type T = u8;",
            "/// Docs.\npub unsafe trait T {}",
            "/// Docs.\npub mod m {}",
            "/// Docs.\nunsafe impl Send for X {}",
            // What cannot be read with certainty keeps its docs.
            "/// Docs.\n#[doc = r\"]\"]\nfn f() {}",
            "/// Docs.\n/* block */ fn f() {}",
            "/// Docs at the end of the file.\n",
            "//// Not a doc comment.\nfn f() {}",
        ] {
            assert_eq!(docs_pruned(text), marked(text), "{text}");
        }
        assert_eq!(
            docs_pruned("/// # Safety\n///\n/// `ptr` must be valid.\npub unsafe fn f() {}"),
            "#[doc]      \n///\n#[doc]                  \npub unsafe fn f() {}"
        );
    }

    /// `text` with each `///` comment of six bytes or more as pruning marks the docs it keeps.
    fn marked(text: &str) -> String {
        text.split_inclusive('\n')
            .map(|line| {
                let code = line.trim_end_matches(['\r', '\n']);
                let indent = code.len() - code.trim_start().len();
                let comment = &code[indent..];
                if comment.starts_with("///") && !comment.starts_with("////") && comment.len() >= 6
                {
                    let padding = " ".repeat(comment.len() - 6);
                    format!("{}#[doc]{padding}{}", &code[..indent], &line[code.len()..])
                } else {
                    line.to_string()
                }
            })
            .collect()
    }

    #[test]
    fn marked_docs_keep_every_offset() {
        // Short lines, a `\r` inside the comment and CRLF endings; non-ASCII text becomes spaces.
        assert_eq!(
            docs_pruned("/// ab\r\n/// a\rb\n/// é—x\nunsafe fn f() {}"),
            "#[doc]\r\n/// a\rb\n#[doc]    \nunsafe fn f() {}"
        );
        // Nothing to change, no copy.
        assert_eq!(prune_docs("///\n/// a\nunsafe fn f() {}"), None);
    }

    #[test]
    fn a_doc_like_line_that_may_end_a_literal_or_comment_is_not_marked() {
        // Without a lexer, these lines look like the docs of an `unsafe fn`; marking them would
        // take away the end of the string or comment they are in.
        for text in [
            "const S: &str = r#\"\n/// doc-like line\"#;\nunsafe fn f() {}\n",
            "const T: &str = \"x\n/// doc-like line\";\nunsafe fn g() {}\n",
            "/* block\n/// doc-like line */\nunsafe fn h() {}\n",
            "/// Returns \"quoted\" text.\n/// Nested /* ok */ too.\nunsafe fn i() {}\n",
        ] {
            syn::parse_file(text).expect("the test text is valid");
            assert_eq!(prune_docs(text), None, "{text}");
        }
    }

    #[test]
    fn macros_that_may_declare_items() {
        for text in [
            "{ impl HasWork<Self> for X { self.work } }",
            "{ type: MyDriver, name: \"d\", }",
            "(fn probe() {})",
            "{ const N: usize = 1; }",
            "{ static X: u8 = 0; }",
        ] {
            assert!(may_declare_items(text.as_bytes()), "{text}");
        }
        for text in [
            "(\"probe {}\\n\", dev.name())",
            "(Self { dev: dev.into(), reg <- Mutex::new(0) })",
            "(p as *const u8, f as fn())",
            "(typed, constant, structure, impls)",
        ] {
            assert!(!may_declare_items(text.as_bytes()), "{text}");
        }
    }

    #[test]
    fn macro_invocations_are_seen_with_or_without_spaces() {
        for text in ["m!(x)", "m! [x]", "m !{x}", "a && !(b)"] {
            assert!(words::may_invoke_macro(text.as_bytes()), "{text}");
        }
        for text in ["a != b", "!x", "[1, 2]", "\"!\""] {
            assert!(!words::may_invoke_macro(text.as_bytes()), "{text}");
        }
    }

    #[test]
    fn items_the_walk_finds_nothing_in_are_dropped_after_lowering() {
        let text = "use a::b;\nstruct S { f: u8 }\nfn empty() {}\nfn full() { unsafe { g() }; }\n\
                    fn safe() { g(); }\n\
                    impl S { fn e(&self) {} fn f(&self) { unsafe { g() }; } fn s(&self) { g(); } \
                    const C: u8 = 0; const U: u8 = unsafe { g() }; type T = u8; }\n\
                    trait T { fn d(&self); fn p(&self) { unsafe { g() }; } fn s(&self) { g(); } \
                    const D: u8 = 1; }\n\
                    #[allow(devref::raw_device_ptr_field)]\nstruct Kept(*mut device);\n\
                    mod m { enum E { A } static X: u8 = 0; static Y: &u8 = unsafe { &*P }; m!(); \
                    static Z: Ops = Ops { f: |p| ffi!(put(p)) }; }\n\
                    impl Clone for S { fn clone(&self) -> S {} }\nunsafe impl Send for S {}\n\
                    #[allow(devref::missing_safety_comment)]\nimpl S {}\n";
        let source = SourceFile::new(FileId(0), "t.rs".to_string(), text.to_string());
        let mut ast = syn::parse_file(text).expect("parses");
        drop_unwalked_items(&mut ast, &source);
        let kept = quote::quote!(#ast).to_string();
        assert!(!nothing_to_walk(&ast, &source));
        assert_eq!(
            kept,
            "fn full () { unsafe { g () } ; } \
             impl S { fn f (& self) { unsafe { g () } ; } const U : u8 = unsafe { g () } ; } \
             trait T { fn p (& self) { unsafe { g () } ; } } \
             # [allow (devref :: raw_device_ptr_field)] struct Kept (* mut device) ; \
             mod m { static Y : & u8 = unsafe { & * P } ; m ! () ; \
             static Z : Ops = Ops { f : | p | ffi ! (put (p)) } ; } \
             unsafe impl Send for S { } \
             # [allow (devref :: missing_safety_comment)] impl S { }"
        );
    }

    /// Every token of a tree, with where it starts and ends (a group as its delimiters).
    fn placed_tokens(
        ast: &syn::File,
    ) -> Vec<(String, proc_macro2::LineColumn, proc_macro2::LineColumn)> {
        fn walk(
            stream: TokenStream,
            out: &mut Vec<(String, proc_macro2::LineColumn, proc_macro2::LineColumn)>,
        ) {
            for token in stream {
                match token {
                    TokenTree::Group(group) => {
                        let open = group.span_open();
                        let close = group.span_close();
                        out.push((
                            format!("{:?}", group.delimiter()),
                            open.start(),
                            close.end(),
                        ));
                        walk(group.stream(), out);
                    }
                    other => {
                        out.push((other.to_string(), other.span().start(), other.span().end()))
                    }
                }
            }
        }
        let mut out = Vec::new();
        walk(quote::quote!(#ast), &mut out);
        out
    }

    /// The tree of `text` once the walk's items are kept, and the tree of the text with the
    /// dropped items cut out, dropped the same way: the two must be the same, token for token and
    /// place for place.
    fn kept_and_cut(text: &str) -> (Vec<Range<usize>>, String) {
        let source = SourceFile::new(FileId(0), "t.rs".to_string(), text.to_string());
        let mut ast = syn::parse_file(text).expect("parses");
        let dropped = drop_unwalked_items(&mut ast, &source);
        let cut_text = cut(text, &dropped).expect("UTF-8");
        assert_eq!(cut_text.matches('\n').count(), text.matches('\n').count());
        let mut again = syn::parse_file(&cut_text).expect("the cut text parses");
        let dropped_again = drop_unwalked_items(&mut again, &source);
        assert_eq!(
            placed_tokens(&again),
            placed_tokens(&ast),
            "{text:?}\ncut: {cut_text:?}"
        );
        assert!(
            dropped_again.iter().all(|range| dropped
                .iter()
                .any(|d| d.start <= range.start && range.end <= d.end))
                || dropped_again.is_empty(),
            "{text:?}: the cut text dropped more: {dropped_again:?}"
        );
        (dropped, cut_text)
    }

    #[test]
    fn the_text_without_the_dropped_items_parses_to_the_kept_tree() {
        let (dropped, cut_text) = kept_and_cut(
            "//! Module docs.\n#![allow(dead_code)]\nuse a::b;\n/// Docs of S.\n#[derive(Debug)]\n\
             pub struct S { f: u8 }\n\
             fn full() { unsafe { g() }; }\nfn safe() { g(); }\n\
             impl S {\n    #![allow(x)]\n    fn e(&self) {}\n    fn f(&self) { unsafe { g() }; }\n    m!{}\n    \
             fn s(&self) { g(); }\n    const C: u8 = 0;\n}\n\
             trait T { m!(); fn d(&self); fn p(&self) { unsafe { g() }; } const D: u8 = 1; }\n\
             mod m {\n    #![allow(y)]\n    use z;\n    enum E { A }\n    \
             fn k() { unsafe { g() } }\n    struct Last;\n}\n\
             impl Clone for S { fn clone(&self) -> S { S { f: 0 } } }\nunsafe impl Send for S {}\n",
        );
        assert!(!dropped.is_empty());
        for gone in [
            "use a::b",
            "Docs of S",
            "derive",
            "struct S",
            "fn safe",
            "fn e",
            "fn s",
            "const C",
            "fn d",
            "const D",
            "use z",
            "enum E",
            "Last",
            "Clone",
        ] {
            assert!(!cut_text.contains(gone), "{gone} in {cut_text:?}");
        }
        for kept in [
            "//! Module docs.",
            "#![allow(dead_code)]",
            "#![allow(x)]",
            "#![allow(y)]",
            "fn full",
            "fn f(",
            "m!{}",
            "m!();",
            "fn p",
            "fn k",
            "unsafe impl Send",
        ] {
            assert!(cut_text.contains(kept), "{kept} not in {cut_text:?}");
        }
    }

    #[test]
    fn look_alikes_of_item_boundaries_cut_the_same_tree() {
        for text in [
            // An `unsafe` before `extern` belongs to the block, and `default` to the method.
            "unsafe extern \"C\" { fn ffi(); }\nfn k() { unsafe { ffi() } }\n",
            "impl<T> X for T { default fn f() {} fn g() { unsafe { h() } } }\n",
            // Items on one line; comments between them, one that looks like code.
            "use a; /* fn x() { unsafe {} } */ fn k() { unsafe { g() } } struct T; fn l() { unsafe { g() } }\n",
            "fn k() { unsafe { g() } } // trailing\n// before\nstruct T;\n",
            // A non-ASCII character on the line where a dropped item ends stays: cutting it
            // would move the tokens after it.
            "const S: &str = \"é\"; fn k() { unsafe { g() } }\n",
            "const S: &str = \"é\";\nfn k() { unsafe { g() } }\n",
            // A module under `cfg(test)`, and nested modules.
            "fn a() { unsafe { g() } }\n#[cfg(test)]\nmod tests { fn t() {} }\nstruct Gone;\n\
             mod outer { mod inner { use x; } fn b() { unsafe { g() } } }\n",
            // Suppressions keep their items.
            "#[allow(devref::raw_device_ptr_field)]\nstruct Kept(*mut device);\nstruct Gone;\n",
            "",
            "fn only() {}",
        ] {
            kept_and_cut(text);
        }
        let (_, cut_text) = kept_and_cut("const S: &str = \"é\"; fn k() { unsafe { g() } }\n");
        assert!(cut_text.contains('é'), "{cut_text:?}");
    }

    #[test]
    fn cut_keeps_lines_and_the_columns_after_each_range() {
        assert_eq!(
            cut("ab\ncd\nef gh", &[3..8, 4..5]).as_deref(),
            Some("ab\n\n   gh")
        );
        assert_eq!(cut("a; b; c;", &[2..5, 5..8]).as_deref(), Some("a;      "));
        assert_eq!(cut("x", &[]).as_deref(), Some("x"));
        assert_eq!(
            cut("é\nx", std::slice::from_ref(&(0..3))).as_deref(),
            Some("\nx")
        );
    }

    #[test]
    fn a_file_left_with_nothing_has_nothing_to_walk() {
        let walked = |text: &str| {
            let source = SourceFile::new(FileId(0), "t.rs".to_string(), text.to_string());
            let mut ast = syn::parse_file(text).expect("parses");
            drop_unwalked_items(&mut ast, &source);
            !nothing_to_walk(&ast, &source)
        };
        assert!(!walked(
            "use a::b;\npub const E: u32 = 5;\nstatic T: [u8; 2] = [1, 2];\nstruct S { f: *mut u8 }\n\
             fn f() { g(); }\nimpl S { fn new() -> S { S { f: null_mut() } } }\nextern \"C\" { fn c(); }\n"
        ));
        for text in [
            // An inner attribute, a suppression comment, or an item that stays.
            "#![allow(dead_code)]\npub const E: u32 = 5;\n",
            "pub const E: u32 = 5; // devref: allow(raw_device_ptr_field)\n",
            "pub const E: u32 = 5;\nm!();\n",
            "static D: &u8 = unsafe { &*P };\n",
        ] {
            assert!(walked(text), "{text}");
        }
    }
}
