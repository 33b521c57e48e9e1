//! Source files as the analysis sees them: a display name, the text, and a line index.

use std::ops::Range;
use std::sync::OnceLock;

/// Index of a file in the analysed set; stable for one run.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct FileId(pub u32);

/// A byte range in one file.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Span {
    pub file: FileId,
    pub start: u32,
    pub end: u32,
}

impl Span {
    pub fn new(file: FileId, range: Range<usize>) -> Span {
        Span {
            file,
            start: range.start as u32,
            end: range.end as u32,
        }
    }

    pub fn range(&self) -> Range<usize> {
        self.start as usize..self.end as usize
    }
}

/// 1-based line and column (column counted in chars, as rustc does).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct LineCol {
    pub line: usize,
    pub column: usize,
}

#[derive(Debug)]
pub struct SourceFile {
    pub id: FileId,
    /// The path as the user gave it (relative where it was relative).
    pub name: String,
    pub text: String,
    /// Built on first use, by the worker thread that parses the file rather than all up front.
    index: OnceLock<LineIndex>,
    /// See [`SourceFile::digest`].
    digest: OnceLock<u128>,
}

#[derive(Debug)]
struct LineIndex {
    /// 4 bytes a line, not 8: on the crates of devref's lock file (2.5 million lines) the index of
    /// every file lives through the run. A file's text is under 4 GiB (see [`LineIndex::new`]).
    starts: Box<[u32]>,
    /// For each line that is not ASCII (sorted by line): the byte offset, within the line, of each
    /// char of the text as parsed (see [`blank_prefix`]).
    wide_lines: Vec<(u32, Box<[u32]>)>,
}

impl LineIndex {
    fn new(text: &str) -> LineIndex {
        // Built for every file: memchr's SIMD search is several times cheaper than `str`'s. A text
        // of 4 GiB or more (never read: inputs stop at `MAX_FILE_SIZE`) ends at its last line start
        // that fits.
        let starts: Box<[u32]> = std::iter::once(0)
            .chain(memchr::memchr_iter(b'\n', text.as_bytes()).map(|i| i + 1))
            .map_while(|start| u32::try_from(start).ok())
            .collect();
        if text.is_ascii() {
            return LineIndex {
                starts,
                wide_lines: Vec::new(),
            };
        }
        let blanked = blank_prefix(text);
        let parsed = blanked.as_deref().unwrap_or(text);
        let wide_lines = starts
            .iter()
            .enumerate()
            .filter_map(|(line, &start)| {
                let start = start as usize;
                let end = starts
                    .get(line + 1)
                    .map_or(parsed.len(), |&next| next as usize);
                let line_text = &parsed[start..end];
                (!line_text.is_ascii()).then(|| {
                    let chars = line_text.char_indices().map(|(i, _)| i as u32).collect();
                    (line as u32, chars)
                })
            })
            .collect();
        LineIndex { starts, wide_lines }
    }
}

impl SourceFile {
    pub fn new(id: FileId, name: String, text: String) -> SourceFile {
        SourceFile {
            id,
            name,
            text,
            index: OnceLock::new(),
            digest: OnceLock::new(),
        }
    }

    /// The [`digest`] of the text, computed once: what the caches key a file's text by.
    pub fn digest(&self) -> u128 {
        *self.digest.get_or_init(|| digest(self.text.as_bytes()))
    }

    fn index(&self) -> &LineIndex {
        self.index.get_or_init(|| LineIndex::new(&self.text))
    }

    /// The byte range of a span of this file's syntax tree.
    ///
    /// proc-macro2 counts in chars, and its own conversion (`Span::byte_range`) goes through a
    /// cache that cost more than all of lowering; its line and column are cheap, and most lines
    /// are ASCII, where a column is a byte count.
    pub fn span(&self, raw: proc_macro2::Span) -> Span {
        let start = self.offset(raw.start());
        let end = self.offset(raw.end()).max(start);
        Span::new(self.id, start..end)
    }

    /// The byte range from the start of `first` to the end of `last`, as of the two joined,
    /// without proc-macro2's `join` (see [`crate::spans`]).
    pub fn span_between(&self, first: proc_macro2::Span, last: proc_macro2::Span) -> Span {
        let start_at = first.start();
        let end_at = last.end();
        // A token at no location (`Span::call_site()`, line 0) does not join: `first` alone.
        if start_at.line == 0 || end_at.line == 0 {
            return self.span(first);
        }
        let start = self.offset(start_at);
        let end = self.offset(end_at).max(start);
        Span::new(self.id, start..end)
    }

    /// Whether the text has the word `devref` anywhere. Every suppression names it
    /// (`#[allow(devref::lint)]`, `// devref: allow(…)`), and nearly no file does: a file without it
    /// needs no look for suppressions.
    pub fn mentions_devref(&self) -> bool {
        self.text.contains("devref")
    }

    /// Where a span of this file's syntax tree starts: the start of [`Self::span`], without
    /// the cost of its end.
    pub fn start_of(&self, raw: proc_macro2::Span) -> usize {
        self.offset(raw.start())
    }

    fn offset(&self, at: proc_macro2::LineColumn) -> usize {
        // Line 0 is proc-macro2's "no location" (`Span::call_site()`).
        let Some(line) = at.line.checked_sub(1) else {
            return 0;
        };
        let index = self.index();
        if line >= self.line_count() {
            return self.text.len();
        }
        let start = self.line_start(line);
        let within = match index
            .wide_lines
            .binary_search_by_key(&(line as u32), |(wide, _)| *wide)
        {
            Ok(found) => {
                let chars = &index.wide_lines[found].1;
                match chars.get(at.column) {
                    Some(&byte) => byte as usize,
                    // Just past the last char of the line.
                    None => self.line_range_with_end(line),
                }
            }
            Err(_) => at.column,
        };
        (start + within).min(self.text.len())
    }

    /// The length of a 0-based line, its terminator included.
    fn line_range_with_end(&self, line: usize) -> usize {
        self.line_start(line + 1) - self.line_start(line)
    }

    /// The byte offset where a 0-based line starts; the end of the text past the last line.
    pub fn line_start(&self, line: usize) -> usize {
        self.index()
            .starts
            .get(line)
            .map_or(self.text.len(), |&start| start as usize)
    }

    /// 0-based line index of a byte offset.
    pub fn line_index(&self, offset: usize) -> usize {
        let starts = &self.index().starts;
        match u32::try_from(offset) {
            Ok(offset) => match starts.binary_search(&offset) {
                Ok(line) => line,
                Err(next) => next - 1,
            },
            Err(_) => starts.len() - 1,
        }
    }

    pub fn line_col(&self, offset: usize) -> LineCol {
        let offset = offset.min(self.text.len());
        let line = self.line_index(offset);
        let start = self.index().starts[line] as usize;
        let column = self
            .text
            .get(start..offset)
            .map_or(offset - start, |prefix| prefix.chars().count());
        LineCol {
            line: line + 1,
            column: column + 1,
        }
    }

    /// Byte range of a 0-based line, without its line terminator.
    pub fn line_range(&self, line: usize) -> Range<usize> {
        let start = self.index().starts[line] as usize;
        let end = match self.index().starts.get(line + 1) {
            Some(&next) => next as usize - 1,
            None => self.text.len(),
        };
        let end = if end > start && self.text.as_bytes()[end - 1] == b'\r' {
            end - 1
        } else {
            end
        };
        start..end.max(start)
    }

    pub fn line_count(&self) -> usize {
        self.index().starts.len()
    }

    pub fn slice(&self, span: Span) -> &str {
        self.text.get(span.range()).unwrap_or("")
    }
}

/// The text with a leading BOM and shebang line replaced by as many bytes of spaces, or `None`
/// when it has neither. A shebang is recognised as `syn::parse_file` does: `#!` not followed by
/// `[` (after whitespace and comments), which would start an inner attribute.
pub(crate) fn blank_prefix(text: &str) -> Option<String> {
    const BOM: &str = "\u{feff}";
    let mut prefix = 0;
    if text.starts_with(BOM) {
        prefix = BOM.len();
    }
    let rest = &text[prefix..];
    if rest.starts_with("#!") && !skip_trivia(&rest[2..]).starts_with('[') {
        prefix += rest.find('\n').unwrap_or(rest.len());
    }
    if prefix == 0 {
        return None;
    }
    let mut blanked = " ".repeat(prefix);
    blanked.push_str(&text[prefix..]);
    Some(blanked)
}

/// Skips whitespace and non-doc comments, as syn does before deciding on a shebang.
fn skip_trivia(mut s: &str) -> &str {
    loop {
        if s.starts_with("//")
            && (!s.starts_with("///") || s.starts_with("////"))
            && !s.starts_with("//!")
        {
            match s.find('\n') {
                Some(i) => s = &s[i + 1..],
                None => return "",
            }
        } else if s.starts_with("/**/") {
            s = &s[4..];
        } else if s.starts_with("/*")
            && (!s.starts_with("/**") || s.starts_with("/***"))
            && !s.starts_with("/*!")
        {
            let bytes = s.as_bytes();
            let mut depth = 0usize;
            let mut i = 0;
            let mut end = None;
            while i + 1 < bytes.len() {
                if bytes[i] == b'/' && bytes[i + 1] == b'*' {
                    depth += 1;
                    i += 1;
                } else if bytes[i] == b'*' && bytes[i + 1] == b'/' {
                    depth -= 1;
                    if depth == 0 {
                        end = Some(i + 2);
                        break;
                    }
                    i += 1;
                }
                i += 1;
            }
            match end {
                Some(end) => s = &s[end..],
                None => return s,
            }
        } else {
            match s.chars().next() {
                Some(c) if c.is_whitespace() || c == '\u{200e}' || c == '\u{200f}' => {
                    s = &s[c.len_utf8()..];
                }
                _ => return s,
            }
        }
    }
}

/// 128 bits of two seeded std hashers, as the result cache's keys: no dependency for a digest that
/// only has to be stable within one devref build.
pub fn digest(bytes: &[u8]) -> u128 {
    use std::hash::{Hash, Hasher};
    let [high, low] = [0u8, 1].map(|seed| {
        let mut hasher = std::hash::DefaultHasher::new();
        seed.hash(&mut hasher);
        bytes.hash(&mut hasher);
        hasher.finish()
    });
    (u128::from(high) << 64) | u128::from(low)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every token's span agrees with proc-macro2's own conversion.
    fn assert_spans_agree(text: &str) {
        let file = SourceFile::new(FileId(3), "t.rs".to_string(), text.to_string());
        let blanked = blank_prefix(text);
        let tokens: proc_macro2::TokenStream =
            blanked.as_deref().unwrap_or(text).parse().expect("lexes");
        let mut stack = vec![tokens];
        let mut seen = 0;
        while let Some(stream) = stack.pop() {
            for tree in stream {
                let spans = match &tree {
                    proc_macro2::TokenTree::Group(group) => {
                        stack.push(group.stream());
                        vec![group.span(), group.span_open(), group.span_close()]
                    }
                    other => vec![other.span()],
                };
                for raw in spans {
                    assert_eq!(file.span(raw), Span::new(FileId(3), raw.byte_range()));
                    seen += 1;
                }
            }
        }
        assert!(seen > 0);
    }

    #[test]
    fn spans_are_byte_ranges_on_ascii_and_wide_lines() {
        assert_spans_agree("fn f(x: u8) -> u8 {\n    x + 1\n}\n");
        assert_spans_agree("// café → ü\nfn f() { let s = \"ä€𝄞\"; g(s, 'é') }\r\nstruct S;");
        assert_spans_agree("/// doc ☃\n/** multi\n * line ✓ */\nfn f() {}");
        // A BOM and a shebang are blanked before parsing; offsets stay those of the file.
        assert_spans_agree("\u{feff}#!/usr/bin/env é\nfn f() { \"ü\" }");
        assert_spans_agree("\u{feff}fn f() {}");
        assert_spans_agree("fn f() -> &'static str { \"no newline at the end ✓\" }");
    }

    #[test]
    fn a_span_without_location_is_the_start() {
        let file = SourceFile::new(FileId(0), "t.rs".to_string(), "fn f() {}".to_string());
        assert_eq!(
            file.span(proc_macro2::Span::call_site()),
            Span::new(FileId(0), 0..0)
        );
    }

    #[test]
    fn lines_start_after_each_break_and_end_with_the_text() {
        let text = "a\r\nbc\n\nd";
        let file = SourceFile::new(FileId(0), "t.rs".to_string(), text.to_string());
        assert_eq!(file.line_count(), 4);
        let starts: Vec<usize> = (0..6).map(|line| file.line_start(line)).collect();
        assert_eq!(starts, [0, 3, 6, 7, 8, 8]);
        let lines: Vec<usize> = (0..=text.len()).map(|at| file.line_index(at)).collect();
        assert_eq!(lines, [0, 0, 0, 1, 1, 1, 2, 3, 3]);
        assert_eq!(file.line_range(0), 0..1);
        assert_eq!(file.line_range(1), 3..5);
        assert_eq!(file.line_range(2), 6..6);
        assert_eq!(file.line_range(3), 7..8);
    }
}
