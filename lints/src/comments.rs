//! An index of every comment in a Rust source file, with its byte range and lines.
//!
//! syn drops ordinary comments, so lints that reason about them (`// SAFETY:` above `unsafe`)
//! need their own lexer. This one follows rustc_lexer's rules for everything that decides where a
//! comment can start: literals and their prefixes and suffixes, lifetimes, numbers, nested block
//! comments and the shebang. Other tokens are lexed only as finely as `line_has_code` needs.

use std::ops::Range;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CommentKind {
    Line,
    Block,
}

/// `///` and `/** */` are outer doc comments; `//!` and `/*! */` are inner ones.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DocStyle {
    None,
    Outer,
    Inner,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Comment {
    pub kind: CommentKind,
    pub doc: DocStyle,
    /// Byte offset of the first `/`.
    pub start: u32,
    /// Byte offset just past the comment; a line comment excludes its `\n` and a `\r` before it.
    pub end: u32,
    /// 0-based line of `start`.
    pub start_line: u32,
    /// 0-based line of the comment's last byte.
    pub end_line: u32,
    /// False only for a block comment left open at end of file.
    pub terminated: bool,
}

impl Comment {
    pub fn range(&self) -> Range<usize> {
        self.start as usize..self.end as usize
    }

    pub fn is_doc(&self) -> bool {
        self.doc != DocStyle::None
    }

    /// The whole comment, markers included.
    pub fn text<'a>(&self, source: &'a str) -> &'a str {
        source.get(self.range()).unwrap_or("")
    }

    /// The comment's text without its markers (`//`, `///`, `//!`, `/*`, `*/`, `/**`, `/*!`),
    /// not trimmed otherwise.
    pub fn body<'a>(&self, source: &'a str) -> &'a str {
        let open = if self.doc == DocStyle::None { 2 } else { 3 };
        let close = if self.kind == CommentKind::Block && self.terminated {
            2
        } else {
            0
        };
        let start = self.start as usize + open;
        let end = (self.end as usize).saturating_sub(close).max(start);
        source.get(start..end).unwrap_or("")
    }
}

/// The comments of one file, sorted by `start`, plus which lines hold code.
#[derive(Clone, Debug, Default)]
pub struct CommentIndex {
    comments: Vec<Comment>,
    line_starts: Vec<usize>,
    code_lines: Vec<bool>,
}

impl CommentIndex {
    pub fn build(source: &str) -> CommentIndex {
        let mut lexer = Lexer {
            src: source,
            bytes: source.as_bytes(),
            line_starts: vec![0],
            code_lines: vec![false],
            comments: Vec::new(),
        };
        lexer.run();
        CommentIndex {
            comments: lexer.comments,
            line_starts: lexer.line_starts,
            code_lines: lexer.code_lines,
        }
    }

    pub fn all(&self) -> &[Comment] {
        &self.comments
    }

    /// Comments lying wholly inside the byte range, in order.
    pub fn within(&self, range: Range<usize>) -> &[Comment] {
        // Comments never overlap, so their ends are sorted as well as their starts.
        let lo = self
            .comments
            .partition_point(|c| (c.start as usize) < range.start);
        let hi = self
            .comments
            .partition_point(|c| (c.end as usize) <= range.end);
        self.comments.get(lo..hi).unwrap_or(&[])
    }

    /// Comments that start on the given 0-based line.
    pub fn starting_on_line(&self, line: u32) -> &[Comment] {
        let lo = self.comments.partition_point(|c| c.start_line < line);
        let hi = self.comments.partition_point(|c| c.start_line <= line);
        self.comments.get(lo..hi).unwrap_or(&[])
    }

    /// The comment whose last line is `line`, if any (the last one if several).
    pub fn ending_on_line(&self, line: u32) -> Option<&Comment> {
        let hi = self.comments.partition_point(|c| c.end_line <= line);
        hi.checked_sub(1)
            .map(|i| &self.comments[i])
            .filter(|c| c.end_line == line)
    }

    /// The comment containing the byte offset, if any.
    pub fn containing(&self, offset: usize) -> Option<&Comment> {
        let hi = self
            .comments
            .partition_point(|c| (c.start as usize) <= offset);
        hi.checked_sub(1)
            .map(|i| &self.comments[i])
            .filter(|c| offset < c.end as usize)
    }

    /// True when the 0-based line holds any token that is not whitespace or comment (lines inside
    /// a multi-line string literal count as code; lines wholly inside a block comment do not).
    pub fn line_has_code(&self, line: u32) -> bool {
        self.code_lines.get(line as usize).copied().unwrap_or(false)
    }

    /// Lines as `SourceFile` counts them: one more than the number of `\n`.
    pub fn line_count(&self) -> u32 {
        to_u32(self.line_starts.len())
    }

    /// 0-based line of a byte offset (offsets past the end map to the last line).
    pub fn line_of(&self, offset: usize) -> u32 {
        let next = self.line_starts.partition_point(|&s| s <= offset);
        to_u32(next.saturating_sub(1))
    }
}

fn to_u32(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

/// rustc's `Pattern_White_Space`.
fn is_whitespace(c: char) -> bool {
    matches!(
        c,
        '\t' | '\n'
            | '\u{b}'
            | '\u{c}'
            | '\r'
            | ' '
            | '\u{85}'
            | '\u{200e}'
            | '\u{200f}'
            | '\u{2028}'
            | '\u{2029}'
    )
}

// std has no XID tables; Alphabetic/Alphanumeric agree with XID_Start/XID_Continue on ASCII and
// on nearly all identifiers people write, and a miss only matters right before a quote.
fn is_id_start(c: char) -> bool {
    c == '_' || c.is_alphabetic()
}

fn is_id_continue(c: char) -> bool {
    c == '_' || c.is_alphanumeric()
}

/// ASCII identifier-continue bytes, as a table: identifiers are most of what the lexer walks.
static ASCII_IDENT: [bool; 256] = {
    let mut table = [false; 256];
    let mut b = 0;
    while b < 128 {
        table[b] = (b as u8).is_ascii_alphanumeric() || b == b'_' as usize;
        b += 1;
    }
    table
};

fn is_ascii_whitespace(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | b'\r' | 0x0b | 0x0c)
}

/// Byte length of the UTF-8 sequence led by `b`.
fn utf8_len(b: u8) -> usize {
    match b {
        0..=0x7f => 1,
        0x80..=0xdf => 2,
        0xe0..=0xef => 3,
        _ => 4,
    }
}

fn char_at(src: &str, pos: usize) -> Option<char> {
    src.get(pos..).and_then(|s| s.chars().next())
}

/// Scans a line comment starting at `pos` (which holds `//`); returns its end and doc style.
pub(crate) fn scan_line_comment(src: &str, pos: usize) -> (usize, DocStyle) {
    let bytes = src.as_bytes();
    let doc = match (bytes.get(pos + 2), bytes.get(pos + 3)) {
        (Some(b'!'), _) => DocStyle::Inner,
        (Some(b'/'), next) if next != Some(&b'/') => DocStyle::Outer,
        _ => DocStyle::None,
    };
    let body = pos + 2;
    // Comments are a large share of kernel source: memchr finds their ends.
    let newline = bytes
        .get(body..)
        .and_then(|rest| memchr::memchr(b'\n', rest))
        .map_or(bytes.len(), |i| body + i);
    let end = if newline > body && bytes[newline - 1] == b'\r' {
        newline - 1
    } else {
        newline
    };
    (end, doc)
}

/// Scans a (nesting) block comment starting at `pos` (which holds `/*`); returns its end, doc
/// style and whether it was closed.
fn scan_block_comment(bytes: &[u8], pos: usize) -> (usize, DocStyle, bool) {
    let doc = match (bytes.get(pos + 2), bytes.get(pos + 3)) {
        (Some(b'!'), _) => DocStyle::Inner,
        (Some(b'*'), next) if !matches!(next, Some(b'*' | b'/')) => DocStyle::Outer,
        _ => DocStyle::None,
    };
    let mut depth = 1usize;
    let mut q = pos + 2;
    while q < bytes.len() {
        match (bytes[q], bytes.get(q + 1)) {
            (b'/', Some(b'*')) => {
                depth += 1;
                q += 2;
            }
            (b'*', Some(b'/')) => {
                depth -= 1;
                q += 2;
                if depth == 0 {
                    return (q, doc, true);
                }
            }
            _ => q += 1,
        }
    }
    (bytes.len(), doc, false)
}

/// End of a `"`-string whose contents start at `q`, and whether it was closed.
fn double_quoted_end(bytes: &[u8], mut q: usize) -> (usize, bool) {
    while q < bytes.len() {
        match bytes[q] {
            b'"' => return (q + 1, true),
            // Only these escapes can hide the closing quote.
            b'\\' if matches!(bytes.get(q + 1), Some(b'\\' | b'"')) => q += 2,
            _ => q += 1,
        }
    }
    (bytes.len(), false)
}

/// rustc's `single_quoted_string`, given the offset just past the opening `'`. Stops early (as
/// unterminated) at `/` or a line end so a broken char literal cannot swallow a comment.
fn single_quoted_end(src: &str, q: usize) -> (usize, bool) {
    let bytes = src.as_bytes();
    if let Some(c) = char_at(src, q) {
        let after = q + c.len_utf8();
        if c != '\\' && bytes.get(after) == Some(&b'\'') {
            return (after + 1, true);
        }
    }
    let mut q = q;
    while let Some(&b) = bytes.get(q) {
        match b {
            b'\'' => return (q + 1, true),
            b'/' => return (q, false),
            b'\n' if bytes.get(q + 1) != Some(&b'\'') => return (q, false),
            b'\\' => {
                // Skip the escaped char whole, so `q` stays on a char boundary.
                q += 1 + bytes.get(q + 1).map_or(0, |&next| utf8_len(next));
            }
            _ => q += 1,
        }
    }
    (bytes.len(), false)
}

/// Lines are counted as the lexer goes (a separate pass cost a third of the time): every `\n` is
/// either whitespace seen by `run` or inside a token or comment passed to `newlines_in`.
struct Lexer<'a> {
    src: &'a str,
    bytes: &'a [u8],
    line_starts: Vec<usize>,
    code_lines: Vec<bool>,
    comments: Vec<Comment>,
}

impl Lexer<'_> {
    fn run(&mut self) {
        let mut pos = self.skip_prelude();
        let len = self.bytes.len();
        while pos < len {
            let b = self.bytes[pos];
            pos = match b {
                b'\n' => {
                    self.line_starts.push(pos + 1);
                    self.code_lines.push(false);
                    pos + 1
                }
                _ if is_ascii_whitespace(b) => pos + 1,
                b'/' => match self.bytes.get(pos + 1) {
                    Some(b'/') => self.line_comment(pos),
                    Some(b'*') => self.block_comment(pos),
                    _ => self.code(pos + 1),
                },
                b'"' => self.string_with_suffix(pos, pos),
                b'\'' => self.quote(pos),
                b'r' => self.r_prefix(pos),
                b'b' | b'c' => self.byte_or_c_prefix(pos),
                b'0'..=b'9' => {
                    let end = self.number(pos);
                    self.code(end)
                }
                _ if b.is_ascii_alphabetic() || b == b'_' => {
                    let end = self.ident_rest(pos + 1);
                    self.code(end)
                }
                _ if b.is_ascii() => self.code(pos + 1),
                _ => match char_at(self.src, pos) {
                    Some(c) if is_whitespace(c) => pos + c.len_utf8(),
                    Some(c) if is_id_start(c) => {
                        let end = self.ident_rest(pos + c.len_utf8());
                        self.code(end)
                    }
                    Some(c) => self.code(pos + c.len_utf8()),
                    None => pos + 1,
                },
            };
        }
    }

    /// Skips a byte-order mark and a shebang line, which rustc strips before lexing.
    fn skip_prelude(&mut self) -> usize {
        let pos = if self.src.starts_with('\u{feff}') {
            3
        } else {
            0
        };
        if !self.bytes[pos..].starts_with(b"#!") {
            return pos;
        }
        // `#!` followed (past whitespace and plain comments) by `[` opens an inner attribute.
        let mut q = pos + 2;
        loop {
            match self.bytes.get(q) {
                Some(&b) if is_ascii_whitespace(b) => q += 1,
                Some(b'/') if self.bytes.get(q + 1) == Some(&b'/') => {
                    match scan_line_comment(self.src, q) {
                        (end, DocStyle::None) => q = end,
                        _ => break,
                    }
                }
                Some(b'/') if self.bytes.get(q + 1) == Some(&b'*') => {
                    match scan_block_comment(self.bytes, q) {
                        (end, DocStyle::None, _) => q = end,
                        _ => break,
                    }
                }
                Some(&b) if !b.is_ascii() => match char_at(self.src, q) {
                    Some(c) if is_whitespace(c) => q += c.len_utf8(),
                    _ => break,
                },
                _ => break,
            }
        }
        if self.bytes.get(q) == Some(&b'[') {
            return pos;
        }
        self.src[pos..]
            .find('\n')
            .map_or(self.bytes.len(), |i| pos + i)
    }

    /// Records a code token that cannot span lines, ending at `end`; returns `end`.
    fn code(&mut self, end: usize) -> usize {
        if let Some(line) = self.code_lines.last_mut() {
            *line = true;
        }
        end
    }

    /// Records a literal token (which may span lines) from `start` to `end`; returns `end`.
    fn literal(&mut self, start: usize, end: usize) -> usize {
        self.code(end);
        self.newlines_in(start..end, true);
        end
    }

    /// Starts a line after each `\n` in `range`; one that begins inside the range is code if
    /// `code` is set.
    fn newlines_in(&mut self, range: Range<usize>, code: bool) {
        let end = range.end;
        let Some(text) = self.bytes.get(range.clone()) else {
            return;
        };
        for i in memchr::memchr_iter(b'\n', text) {
            let next = range.start + i + 1;
            self.line_starts.push(next);
            self.code_lines.push(code && next < end);
        }
    }

    /// 0-based index of the last line started so far.
    fn line(&self) -> usize {
        self.line_starts.len() - 1
    }

    fn push(&mut self, kind: CommentKind, doc: DocStyle, range: Range<usize>, terminated: bool) {
        let start_line = self.line();
        if kind == CommentKind::Block {
            self.newlines_in(range.clone(), false);
        }
        // Only an unclosed block comment can end with its own `\n`.
        let end_line = if self.bytes[range.end - 1] == b'\n' {
            self.line() - 1
        } else {
            self.line()
        };
        self.comments.push(Comment {
            kind,
            doc,
            start: to_u32(range.start),
            end: to_u32(range.end),
            start_line: to_u32(start_line),
            end_line: to_u32(end_line),
            terminated,
        });
    }

    fn line_comment(&mut self, pos: usize) -> usize {
        let (end, doc) = scan_line_comment(self.src, pos);
        self.push(CommentKind::Line, doc, pos..end, true);
        end
    }

    fn block_comment(&mut self, pos: usize) -> usize {
        let (end, doc, terminated) = scan_block_comment(self.bytes, pos);
        self.push(CommentKind::Block, doc, pos..end, terminated);
        end
    }

    /// Offset past the identifier characters starting at `q`.
    fn ident_rest(&self, mut q: usize) -> usize {
        loop {
            let ascii = self.bytes.get(q..).unwrap_or_default();
            q += ascii
                .iter()
                .take_while(|&&b| ASCII_IDENT[b as usize])
                .count();
            match char_at(self.src, q) {
                Some(c) if !c.is_ascii() && is_id_continue(c) => q += c.len_utf8(),
                _ => return q,
            }
        }
    }

    /// rustc's `number` with its suffix, from the first digit at `pos`. Its letters, and so any
    /// `r`, `b` or `c` among them, never begin a prefixed string.
    fn number(&self, pos: usize) -> usize {
        let at = |q: usize| self.bytes.get(q).copied().unwrap_or(0);
        // Eats `[0-9_]` (plus hex letters); returns the end and whether a digit was seen.
        let digits = |mut q: usize, hex: bool| {
            let mut any = false;
            loop {
                match at(q) {
                    b'_' => {}
                    b'0'..=b'9' => any = true,
                    b'a'..=b'f' | b'A'..=b'F' if hex => any = true,
                    _ => return (q, any),
                }
                q += 1;
            }
        };
        let exponent = |q: usize| digits(q + usize::from(matches!(at(q), b'+' | b'-')), false).0;
        let mut q = pos + 1;
        if at(pos) == b'0' && matches!(at(q), b'b' | b'o' | b'x') {
            let (end, any) = digits(q + 1, at(q) == b'x');
            if !any {
                return self.suffix(end);
            }
            q = end;
        } else {
            q = digits(q, false).0;
        }
        match at(q) {
            // Not `0..2` or `1.foo()`.
            b'.' if at(q + 1) != b'.' && !char_at(self.src, q + 1).is_some_and(is_id_start) => {
                q += 1;
                if at(q).is_ascii_digit() {
                    q = digits(q, false).0;
                    if matches!(at(q), b'e' | b'E') {
                        q = exponent(q + 1);
                    }
                }
            }
            b'e' | b'E' => q = exponent(q + 1),
            _ => {}
        }
        self.suffix(q)
    }

    /// A literal suffix (`1u8`, `"x"suffix`) is one identifier; it never starts a prefixed string.
    fn suffix(&self, q: usize) -> usize {
        match char_at(self.src, q) {
            Some(c) if is_id_start(c) => self.ident_rest(q + c.len_utf8()),
            _ => q,
        }
    }

    /// A `"`-string token from `start` whose opening quote is at `quote`.
    fn string_with_suffix(&mut self, start: usize, quote: usize) -> usize {
        let (end, terminated) = double_quoted_end(self.bytes, quote + 1);
        let end = if terminated { self.suffix(end) } else { end };
        self.literal(start, end)
    }

    /// A raw string token from `start` whose hashes (or quote) begin at `hashes`.
    fn raw_string(&mut self, start: usize, hashes: usize) -> usize {
        let n = self.bytes[hashes..]
            .iter()
            .take_while(|&&b| b == b'#')
            .count();
        let quote = hashes + n;
        if self.bytes.get(quote) != Some(&b'"') {
            // Invalid starter, an error; rustc_lexer ends the token past the offending char.
            let end = char_at(self.src, quote).map_or(quote, |c| quote + c.len_utf8());
            return self.literal(start, end);
        }
        let mut q = quote + 1;
        let end = loop {
            match self.bytes[q.min(self.bytes.len())..]
                .iter()
                .position(|&b| b == b'"')
            {
                None => break self.bytes.len(),
                Some(i) => {
                    q += i + 1;
                    // Each `"` checks only the run of `#` right after it, so this stays linear.
                    let closing = self.bytes[q..].iter().take(n).take_while(|&&b| b == b'#');
                    if closing.count() == n {
                        break self.suffix(q + n);
                    }
                }
            }
        };
        self.literal(start, end)
    }

    fn r_prefix(&mut self, pos: usize) -> usize {
        match self.bytes.get(pos + 1) {
            Some(b'#') if char_at(self.src, pos + 2).is_some_and(is_id_start) => {
                // Raw identifier `r#ident`.
                let end = self.ident_rest(pos + 2);
                self.code(end)
            }
            Some(b'#' | b'"') => self.raw_string(pos, pos + 1),
            _ => {
                let end = self.ident_rest(pos + 1);
                self.code(end)
            }
        }
    }

    fn byte_or_c_prefix(&mut self, pos: usize) -> usize {
        let is_byte = self.bytes[pos] == b'b';
        match (self.bytes.get(pos + 1), self.bytes.get(pos + 2)) {
            (Some(b'\''), _) if is_byte => {
                let (end, terminated) = single_quoted_end(self.src, pos + 2);
                let end = if terminated { self.suffix(end) } else { end };
                self.literal(pos, end)
            }
            (Some(b'"'), _) => self.string_with_suffix(pos, pos + 1),
            (Some(b'r'), Some(b'"' | b'#')) => self.raw_string(pos, pos + 2),
            _ => {
                let end = self.ident_rest(pos + 1);
                self.code(end)
            }
        }
    }

    /// rustc's `lifetime_or_char`: `'a` and `'label` are lifetimes, `'a'` and `'\''` are chars.
    fn quote(&mut self, pos: usize) -> usize {
        let p = pos + 1;
        let first = char_at(self.src, p);
        let second = first.and_then(|c| char_at(self.src, p + c.len_utf8()));
        let lifetime_start = match first {
            Some(c) if second != Some('\'') && (is_id_start(c) || c.is_ascii_digit()) => c,
            _ => {
                let (end, terminated) = single_quoted_end(self.src, p);
                let end = if terminated { self.suffix(end) } else { end };
                return self.literal(pos, end);
            }
        };
        if lifetime_start == 'r'
            && self.bytes.get(p + 1) == Some(&b'#')
            && char_at(self.src, p + 2).is_some_and(is_id_start)
        {
            // Raw lifetime `'r#ident`.
            let end = self.ident_rest(p + 2);
            return self.code(end);
        }
        let mut end = self.ident_rest(p + lifetime_start.len_utf8());
        if self.bytes.get(end) == Some(&b'\'') {
            // `'ab'`: rustc lexes an (invalid) char literal, without a suffix.
            end += 1;
        }
        self.code(end)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// (kind, doc, full text) of every comment.
    fn lex(src: &str) -> Vec<(CommentKind, DocStyle, &str)> {
        CommentIndex::build(src)
            .all()
            .iter()
            .map(|c| (c.kind, c.doc, c.text(src)))
            .collect()
    }

    fn texts(src: &str) -> Vec<&str> {
        lex(src).into_iter().map(|(_, _, t)| t).collect()
    }

    fn bodies(src: &str) -> Vec<&str> {
        CommentIndex::build(src)
            .all()
            .iter()
            .map(|c| c.body(src))
            .collect()
    }

    fn code_lines(src: &str) -> Vec<bool> {
        let index = CommentIndex::build(src);
        (0..index.line_count())
            .map(|l| index.line_has_code(l))
            .collect()
    }

    use CommentKind::{Block, Line};
    use DocStyle::{Inner, None as Plain, Outer};

    #[test]
    fn line_comments_and_doc_styles() {
        let src = "// a\n/// b\n//! c\n//// d\n///\n//!\n//\n";
        assert_eq!(
            lex(src),
            vec![
                (Line, Plain, "// a"),
                (Line, Outer, "/// b"),
                (Line, Inner, "//! c"),
                (Line, Plain, "//// d"),
                (Line, Outer, "///"),
                (Line, Inner, "//!"),
                (Line, Plain, "//"),
            ]
        );
        assert_eq!(bodies(src), vec![" a", " b", " c", "// d", "", "", ""]);
        let index = CommentIndex::build(src);
        let c = &index.all()[1];
        assert_eq!((c.start, c.end, c.start_line, c.end_line), (5, 10, 1, 1));
        assert!(c.terminated && c.is_doc());
        assert_eq!(index.line_count(), 8);
        assert!((0..8).all(|l| !index.line_has_code(l)));
    }

    #[test]
    fn line_comment_at_eof_and_after_code() {
        let src = "let x = 1; // one";
        let index = CommentIndex::build(src);
        let c = &index.all()[0];
        assert_eq!((c.start, c.end), (11, 17));
        assert_eq!(c.body(src), " one");
        assert!(index.line_has_code(0));
        assert_eq!(texts("//"), vec!["//"]);
        assert_eq!(texts("///"), vec!["///"]);
    }

    #[test]
    fn block_comments_and_doc_styles() {
        let src = "/* a */ /** b */ /*! c */ /**/ /*** d */ /***/ /*!*/";
        assert_eq!(
            lex(src),
            vec![
                (Block, Plain, "/* a */"),
                (Block, Outer, "/** b */"),
                (Block, Inner, "/*! c */"),
                (Block, Plain, "/**/"),
                (Block, Plain, "/*** d */"),
                (Block, Plain, "/***/"),
                (Block, Inner, "/*!*/"),
            ]
        );
        assert_eq!(bodies(src), vec![" a ", " b ", " c ", "", "** d ", "*", ""]);
        assert_eq!(code_lines(src), vec![false]);
    }

    #[test]
    fn block_comments_nest() {
        let src = "x /* a /* b */ c */ y /* /* */ */ z";
        assert_eq!(texts(src), vec!["/* a /* b */ c */", "/* /* */ */"]);
        assert_eq!(bodies(src), vec![" a /* b */ c ", " /* */ "]);
        // `/*/` opens a level; its `/` cannot also close one.
        assert_eq!(texts("/*/ */ x"), vec!["/*/ */"]);
        assert_eq!(texts("/* /*/ */"), vec!["/* /*/ */"]);
        assert!(!CommentIndex::build("/* /*/ */").all()[0].terminated);
        // Strings are not lexed inside comments.
        assert_eq!(texts("/* \"*/\" */"), vec!["/* \"*/"]);
    }

    #[test]
    fn unterminated_block_comment_runs_to_eof() {
        let src = "a\n/* x /* y */\nz";
        let index = CommentIndex::build(src);
        let c = &index.all()[0];
        assert_eq!((c.start, c.end as usize), (2, src.len()));
        assert_eq!((c.start_line, c.end_line), (1, 2));
        assert!(!c.terminated);
        assert_eq!(c.body(src), " x /* y */\nz");
        assert_eq!(code_lines(src), vec![true, false, false]);
        for (s, doc, body) in [
            ("/*", Plain, ""),
            ("/**", Outer, ""),
            ("/*!", Inner, ""),
            ("/*/", Plain, "/"),
            ("/*/*", Plain, "/*"),
            ("x /*", Plain, ""),
        ] {
            let index = CommentIndex::build(s);
            let c = index.all().last().unwrap();
            assert_eq!((c.end as usize, c.doc, c.terminated), (s.len(), doc, false));
            assert_eq!(c.body(s), body, "{s:?}");
        }
        assert!(CommentIndex::build("x /").all().is_empty());
    }

    #[test]
    fn multi_line_block_comment_lines() {
        let src = "a /* x\n\ny */ b\n/* z\n*/\nc";
        let index = CommentIndex::build(src);
        let c = &index.all()[0];
        assert_eq!((c.start_line, c.end_line), (0, 2));
        assert_eq!(code_lines(src), vec![true, false, true, false, false, true]);
        assert_eq!(index.ending_on_line(2).map(|c| c.start), Some(2));
        assert_eq!(index.ending_on_line(4).map(|c| c.start_line), Some(3));
        assert_eq!(index.ending_on_line(1), None);
        assert_eq!(index.ending_on_line(5), None);
    }

    #[test]
    fn strings_hide_comment_markers() {
        let src = r#"let a = "// no /* no"; // yes"#;
        assert_eq!(texts(src), vec!["// yes"]);
        let src = r#"f("a\"//", "\\", "\\\"/*"); /* yes */"#;
        assert_eq!(texts(src), vec!["/* yes */"]);
        let src = r#"b"//" c"/*" b'/' /* yes */"#;
        assert_eq!(texts(src), vec!["/* yes */"]);
        // Byte string escapes follow the same rules.
        assert_eq!(texts(r#"b"\"//" // yes"#), vec!["// yes"]);
        // A suffix after a string is one identifier, not a raw-string prefix.
        assert_eq!(texts(r#""a"r"\"//" // yes"#), vec!["// yes"]);
        assert_eq!(texts(r#""a"suffix // yes"#), vec!["// yes"]);
    }

    #[test]
    fn raw_strings_hide_comment_markers() {
        assert_eq!(texts(r#"r"\" // yes"#), vec!["// yes"]);
        assert_eq!(texts(r##"r#"a "// no"# // yes"##), vec!["// yes"]);
        assert_eq!(
            texts(r###"r##"a "# "// no"## /* yes */"###),
            vec!["/* yes */"]
        );
        assert_eq!(texts(r##"br#"/*"# // yes"##), vec!["// yes"]);
        assert_eq!(texts(r##"cr#"/*"# // yes"##), vec!["// yes"]);
        assert_eq!(texts(r#"br"\" cr"\" // yes"#), vec!["// yes"]);
        // More hashes than needed after the close are separate `#` tokens.
        assert_eq!(texts(r###"r#"x"## // yes"###), vec!["// yes"]);
        // Raw identifiers and bad starters are not strings.
        assert_eq!(texts("r#match // yes"), vec!["// yes"]);
        assert_eq!(texts("r#// no"), Vec::<&str>::new());
        assert_eq!(texts("br## // yes"), vec!["// yes"]);
    }

    #[test]
    fn prefixes_only_begin_identifiers() {
        // `letter"` is an identifier followed by an ordinary string, so `\"` is an escape.
        assert_eq!(texts(r#"letter"\"//" // yes"#), vec!["// yes"]);
        assert_eq!(texts(r#"bar"\"//" // yes"#), vec!["// yes"]);
        assert_eq!(texts(r#"abc"\"//" // yes"#), vec!["// yes"]);
        assert_eq!(texts(r#"rb"\"//" // yes"#), vec!["// yes"]);
        assert_eq!(texts(r#"_br"\"//" // yes"#), vec!["// yes"]);
        assert_eq!(texts(r#"éb"\"//" // yes"#), vec!["// yes"]);
        // Digits and number suffixes are not prefixes either.
        assert_eq!(texts(r#"1r"\"//" // yes"#), vec!["// yes"]);
        assert_eq!(texts(r#"0x1br"\"//" // yes"#), vec!["// yes"]);
        assert_eq!(texts(r#"1e+5r"\"//" // yes"#), vec!["// yes"]);
        assert_eq!(texts(r#"0b__r"\"//" // yes"#), vec!["// yes"]);
        assert_eq!(texts(r#"1.0r"\"//" // yes"#), vec!["// yes"]);
        // But `1.r"..."` is a number, a dot and a raw string (rustc agrees).
        assert_eq!(texts(r#"1.r"\" // yes"#), vec!["// yes"]);
        assert_eq!(texts("for r in x { br } // yes"), vec!["// yes"]);
        assert_eq!(texts("let br = 1; // yes"), vec!["// yes"]);
    }

    #[test]
    fn char_literals() {
        let src = r#"'/' '"' '\'' '\\' '\u{2f}' b'/' b'"' b'\'' '/' // yes"#;
        assert_eq!(texts(src), vec!["// yes"]);
        assert_eq!(
            texts(r#"let c = '"'; let s = "//"; // yes"#),
            vec!["// yes"]
        );
        assert_eq!(texts("'é' '字' '😀' // yes"), vec!["// yes"]);
        assert_eq!(texts("'*' /* yes */"), vec!["/* yes */"]);
        // An unterminated char stops at `/`, as in rustc.
        assert_eq!(texts("'\\x // yes"), vec!["// yes"]);
        assert_eq!(texts("' // yes"), vec!["// yes"]);
    }

    #[test]
    fn lifetimes_and_labels_are_not_chars() {
        assert_eq!(texts("fn f<'a>(x: &'a str) // comment"), vec!["// comment"]);
        assert_eq!(
            texts("fn f(x: &'static str) -> &'_ str { x } // c"),
            vec!["// c"]
        );
        assert_eq!(texts("'label: loop { break 'label; } // c"), vec!["// c"]);
        // A lifetime followed by a string: the string's `'` must not pair with the lifetime.
        assert_eq!(texts(r#"fn f<'a>() -> &'a str { "'" } // c"#), vec!["// c"]);
        assert_eq!(
            texts("impl<'a> X<'a> for Y<'a> {} /* c */"),
            vec!["/* c */"]
        );
        assert_eq!(texts("'a' // c"), vec!["// c"]);
        assert_eq!(texts("'r#a // c"), vec!["// c"]);
    }

    #[test]
    fn crlf_line_endings() {
        let src = "// one\r\nlet x = 1; // two\r\n/* three\r\n */\r\n";
        let index = CommentIndex::build(src);
        let got: Vec<_> = index
            .all()
            .iter()
            .map(|c| (c.start, c.end, c.start_line, c.end_line, c.body(src)))
            .collect();
        assert_eq!(
            got,
            vec![
                (0, 6, 0, 0, " one"),
                (19, 25, 1, 1, " two"),
                (27, 40, 2, 3, " three\r\n "),
            ]
        );
        assert_eq!(code_lines(src), vec![false, true, false, false, false]);
        assert_eq!(texts("//\r\n///\r"), vec!["//", "///"]);
        assert_eq!(bodies("//\r\n///\r"), vec!["", ""]);
        assert_eq!(lex("///\r\n")[0].1, Outer);
    }

    #[test]
    fn non_ascii_text() {
        let src = "let s = \"héllo // no\"; // ünïcödé\n/* 字 */ let é = '字';";
        let index = CommentIndex::build(src);
        let c = &index.all()[0];
        assert_eq!(c.start as usize, src.find("// ü").unwrap());
        assert_eq!(c.body(src), " ünïcödé");
        assert_eq!(index.all()[1].body(src), " 字 ");
        assert_eq!(code_lines(src), vec![true, true]);
        // Unicode whitespace is not code.
        assert_eq!(code_lines("\u{2028}\u{85} // x"), vec![false]);
        assert_eq!(code_lines("\u{a0}"), vec![true]);
    }

    #[test]
    fn shebang_and_inner_attributes() {
        let src = "#!/usr/bin/env rust-script // not a comment\nfn main() {} // c\n";
        assert_eq!(texts(src), vec!["// c"]);
        assert_eq!(code_lines(src), vec![false, true, false]);
        let src = "#![no_std] // c\n";
        assert_eq!(texts(src), vec!["// c"]);
        assert_eq!(code_lines(src), vec![true, false]);
        // rustc looks past whitespace and plain comments for the `[`.
        let src = "#! // c\n[allow(x)]";
        assert_eq!(texts(src), vec!["// c"]);
        assert_eq!(code_lines(src), vec![true, true]);
        assert_eq!(texts("#!/* c */ [a]"), vec!["/* c */"]);
        assert_eq!(texts("\u{feff}#!/bin/sh //x\n//c"), vec!["//c"]);
        assert_eq!(texts("#!"), Vec::<&str>::new());
        assert_eq!(texts("#!\n//c"), vec!["//c"]);
        // Only at the very start.
        assert_eq!(texts("\n#!/x // c"), vec!["// c"]);
    }

    #[test]
    fn unterminated_literals_run_to_eof() {
        for src in [
            "\"abc // x",
            "\"\\",
            "r#\"abc // x\"",
            "b\"",
            "br##\"\"#",
            "c\"",
            "'",
            "b'",
            "'\\",
            "r",
            "r#",
            "\"",
        ] {
            let index = CommentIndex::build(src);
            assert!(index.all().is_empty(), "{src:?}");
            assert!(index.line_has_code(0), "{src:?}");
        }
    }

    #[test]
    fn multi_line_strings_count_as_code() {
        let src = "let s = \"a\n\n// no\";\n// yes\nlet r = r#\"\n/* no */\n\"#;";
        assert_eq!(texts(src), vec!["// yes"]);
        assert_eq!(
            code_lines(src),
            vec![true, true, true, false, true, true, true]
        );
    }

    #[test]
    fn queries() {
        let src = "/* a */ x /* b */\n// c\n\ny // d\n/* e\n*/ /* f */";
        let index = CommentIndex::build(src);
        let starts: Vec<u32> = index.all().iter().map(|c| c.start).collect();
        assert_eq!(starts, vec![0, 10, 18, 26, 31, 39]);

        let within =
            |r: Range<usize>| -> Vec<u32> { index.within(r).iter().map(|c| c.start).collect() };
        assert_eq!(within(0..src.len()), starts);
        assert_eq!(within(0..7), vec![0]);
        assert_eq!(within(0..6), Vec::<u32>::new());
        assert_eq!(within(1..17), vec![10]);
        assert_eq!(within(8..23), vec![10, 18]);
        assert_eq!(within(Range { start: 20, end: 10 }), Vec::<u32>::new());
        assert_eq!(within(100..200), Vec::<u32>::new());

        let on =
            |l: u32| -> Vec<u32> { index.starting_on_line(l).iter().map(|c| c.start).collect() };
        assert_eq!(on(0), vec![0, 10]);
        assert_eq!(on(1), vec![18]);
        assert_eq!(on(2), Vec::<u32>::new());
        assert_eq!(on(3), vec![26]);
        assert_eq!(on(4), vec![31]);
        assert_eq!(on(5), vec![39]);
        assert_eq!(on(99), Vec::<u32>::new());

        let end = |l: u32| index.ending_on_line(l).map(|c| c.start);
        assert_eq!(end(0), Some(10));
        assert_eq!(end(1), Some(18));
        assert_eq!(end(2), None);
        assert_eq!(end(5), Some(39));

        assert_eq!(index.containing(3).map(|c| c.start), Some(0));
        assert_eq!(index.containing(7), None);
        assert_eq!(index.containing(8), None);
        assert_eq!(index.containing(40).map(|c| c.start), Some(39));

        assert_eq!(index.line_count(), 6);
        assert_eq!(index.line_of(0), 0);
        assert_eq!(index.line_of(18), 1);
        assert_eq!(index.line_of(1000), 5);
        assert_eq!(
            (0..7).map(|l| index.line_has_code(l)).collect::<Vec<_>>(),
            vec![true, false, false, true, false, false, false]
        );
    }

    #[test]
    fn empty_and_default() {
        let index = CommentIndex::build("");
        assert!(index.all().is_empty());
        assert_eq!(index.line_count(), 1);
        assert!(!index.line_has_code(0));
        let index = CommentIndex::default();
        assert_eq!(index.line_count(), 0);
        assert!(index.within(0..10).is_empty());
        assert_eq!(index.ending_on_line(0), None);
        assert_eq!(index.line_of(5), 0);
    }

    #[test]
    fn kernel_snippet() {
        let src = concat!(
            "    // SAFETY: By the type invariant `self.0` is a valid `struct device`\n",
            "    // with a non-zero reference count.\n",
            "    let dev = unsafe { Device::from_raw(ptr) }; /* trailing */\n",
            "    let s = \"// not a comment\"; let r = r#\"/* nor this \"# \"#; ",
            "let c = '\"'; // real\n",
        );
        let index = CommentIndex::build(src);
        let got: Vec<_> = index
            .all()
            .iter()
            .map(|c| (c.kind, c.doc, c.start_line, c.end_line, c.body(src)))
            .collect();
        assert_eq!(
            got,
            vec![
                (
                    Line,
                    Plain,
                    0,
                    0,
                    " SAFETY: By the type invariant `self.0` is a valid `struct device`"
                ),
                (Line, Plain, 1, 1, " with a non-zero reference count."),
                (Block, Plain, 2, 2, " trailing "),
                (Line, Plain, 3, 3, " real"),
            ]
        );
        let c = &index.all()[0];
        assert_eq!((c.start, c.end), (4, 72));
        assert_eq!(
            index.all()[2].start as usize,
            src.find("/* trailing").unwrap()
        );
        assert_eq!(index.all()[3].start as usize, src.rfind("// real").unwrap());
        assert_eq!(index.all()[3].end as usize, src.len() - 1);
        assert_eq!(code_lines(src), vec![false, false, true, true, false]);
        // What a `// SAFETY:` lint asks: the comment block ending right above the `unsafe` line.
        let above = index.ending_on_line(1).unwrap();
        assert!(index.starting_on_line(0)[0]
            .body(src)
            .starts_with(" SAFETY:"));
        assert_eq!(above.start_line, 1);
        assert!(!index.line_has_code(1));
    }

    /// Small deterministic xorshift PRNG; keeps the crate dependency-free.
    struct Rng(u64);
    impl Rng {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            self.0
        }
        fn below(&mut self, n: usize) -> usize {
            (self.next() % n as u64) as usize
        }
    }

    const FRAGMENTS: &[&str] = &[
        "/", "*", "//", "/*", "*/", "///", "//!", "/**", "/*!", "\"", "'", "\\", "#", "r", "b",
        "c", "br", "cr", "r#", "##", "\n", "\r\n", "\r", " ", "a", "'a", "'\\''", "é", "字", "😀",
        "\u{2028}", "\u{feff}", "#!", "[", "1", "0x", "_", "x\"", "'/'", "r#\"", "\"#", "1.", "e",
        "\u{a0}", "\u{85}", "٣", "\t",
    ];

    fn check_invariants(src: &str) {
        let index = CommentIndex::build(src);
        assert_eq!(index.line_count() as usize, src.matches('\n').count() + 1);
        let mut prev_end = 0;
        for c in index.all() {
            let (start, end) = (c.start as usize, c.end as usize);
            assert!(
                prev_end <= start && start < end && end <= src.len(),
                "{src:?}"
            );
            assert!(src.is_char_boundary(start) && src.is_char_boundary(end));
            let text = c.text(src);
            match c.kind {
                CommentKind::Line => {
                    assert!(text.starts_with("//") && !text.contains('\n'));
                    assert!(c.terminated);
                }
                CommentKind::Block => {
                    assert!(text.starts_with("/*"));
                    if c.terminated {
                        assert!(text.len() >= 4 && text.ends_with("*/"));
                    } else {
                        assert_eq!(end, src.len());
                    }
                }
            }
            assert!(text.contains(c.body(src)));
            assert_eq!(c.start_line, index.line_of(start));
            assert_eq!(c.end_line, index.line_of(end - 1));
            assert_eq!(index.containing(start), Some(c));
            assert!(index.within(c.range()).contains(c));
            assert!(index.starting_on_line(c.start_line).contains(c));
            prev_end = end;
        }
        assert_eq!(index.within(0..src.len()), index.all());
        for line in 0..index.line_count() + 2 {
            let _ = (index.line_has_code(line), index.ending_on_line(line));
        }
    }

    #[test]
    fn never_panics_on_tricky_inputs() {
        let mut inputs: Vec<String> = vec![
            include_str!("comments.rs").to_owned(),
            "fn f<'a>(x: &'a str) -> char { '\\u{2f}' } // c".to_owned(),
            "r##\"\"# \"## /* /* */ */ b'\\'' '\\\\' 'a' 'ab' '\n'".to_owned(),
        ];
        let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
        for _ in 0..3000 {
            let n = 1 + rng.below(24);
            inputs.push(
                (0..n)
                    .map(|_| FRAGMENTS[rng.below(FRAGMENTS.len())])
                    .collect(),
            );
        }
        for src in &inputs {
            check_invariants(src);
            // Random slices cut at char boundaries.
            for _ in 0..4 {
                let mut a = rng.below(src.len() + 1);
                let mut b = rng.below(src.len() + 1);
                if a > b {
                    std::mem::swap(&mut a, &mut b);
                }
                while !src.is_char_boundary(a) {
                    a -= 1;
                }
                while !src.is_char_boundary(b) {
                    b += 1;
                }
                check_invariants(&src[a..b]);
            }
        }
    }

    #[test]
    fn pathological_inputs_stay_linear() {
        // Each would be quadratic with a naive rescan; 200 KB makes that obvious.
        let n = 50_000;
        for src in [
            "'".repeat(n),
            "/*".repeat(n),
            "*/".repeat(n),
            format!("r{}\"{}", "#".repeat(n), "\"#".repeat(n)),
            format!("r####\"{}", "\"###".repeat(n)),
            "\"\\".repeat(n),
            "'a".repeat(n),
            "'\\".repeat(n),
            "#!".repeat(n),
            "\n".repeat(n),
        ] {
            check_invariants(&src);
        }
    }
}
