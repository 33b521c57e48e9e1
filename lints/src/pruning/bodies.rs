//! Finding, in the text itself, the function bodies and `const` and `static` values that cannot
//! matter (and the rules of `macro_rules!` definitions), so that they are blanked before lexing:
//! neither the lexer nor syn then spends anything on them.
//!
//! The scan reads just enough of Rust's lexical grammar to find the delimiters that are code:
//! comments (nested), strings (raw too), char literals and lifetimes. On top of that it follows a
//! token's-eye view of each item (`fn`, its name, the body's brace), as the lexer would hand it
//! to syn. Whenever it meets what it does not read with certainty (an unbalanced delimiter, an
//! unterminated literal or comment, a non-ASCII character outside literals and comments, nesting
//! near the parser's limit), it blanks nothing, so the lexer and parser see the file as written
//! and report what they report. A body over [`MAX_BLANKED`] bytes is kept for the parser's guard
//! to judge (a generated expression of a hundred thousand tokens must still be refused).
//!
//! Inside parentheses, brackets and the braces of a body, a macro or a kept body only the end
//! matters, so the scan skims over everything but delimiters, quotes, slashes and `#`.

use std::ops::Range;

use super::words::{body_matters, may_invoke_macro};

/// Larger bodies are never blanked: the largest fn body of the kernel is a few KiB.
pub const MAX_BLANKED: usize = 64 * 1024;

/// The bytes a skim stops at: delimiters, quotes, `/` (comments), `#` (raw strings), `;` and `,`
/// (which end a run), what is no Rust token, control characters and non-ASCII.
static STOPS: [bool; 256] = {
    let mut stops = [false; 256];
    let mut byte = 0;
    while byte < 256 {
        stops[byte] = match byte as u8 {
            b'(' | b')' | b'[' | b']' | b'{' | b'}' | b'"' | b'\'' | b'/' | b'#' | b';' | b','
            | b'`' | b'\\' => true,
            b' ' | b'\t' | b'\n' | b'\r' | b'\x0b' | b'\x0c' => false,
            b'!'..=b'~' => false,
            _ => true,
        };
        byte += 1;
    }
    stops
};

/// Item-header words that keep every body of the item (see the module docs of `pruning`).
fn keeps_bodies(word: &[u8]) -> bool {
    matches!(
        word,
        b"unsafe" | b"Drop" | b"PinnedDrop" | b"AlwaysRefCounted"
    )
}

/// What the scan of a file found.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct BodyScan {
    /// The byte ranges, inside braces, of the function bodies that cannot matter; empty when the
    /// scan is not certain of the file. Blanking them (every byte but line breaks becomes a
    /// space) keeps every other token's line, column and byte offset.
    pub unneeded: Vec<Range<usize>>,
    /// The file as the lexer will see it (after blanking) is certainly within the parser's
    /// guard: no nesting near [`MAX_NESTING`](crate::parse::MAX_NESTING), and no run between
    /// two `;` or `,` of one level longer than [`MAX_RUN`](crate::parse::MAX_RUN) bytes (so
    /// not tokens either). The guard then has nothing to find and need not walk the tokens.
    pub within_parser_limits: bool,
}

pub fn scan_bodies(text: &str) -> BodyScan {
    let mut scan = Scan {
        bytes: text.as_bytes(),
        pos: 0,
        levels: vec![Level::new(LevelKind::Scanned, 0, false)],
        blank: Vec::new(),
        within_limits: true,
        over_limit: 0,
    };
    match scan.run() {
        Some(()) => BodyScan {
            unneeded: scan.blank,
            within_parser_limits: scan.within_limits,
        },
        None => BodyScan::default(),
    }
}

/// [`scan_bodies`]'s bodies alone.
pub fn unneeded_bodies(text: &str) -> Vec<Range<usize>> {
    scan_bodies(text).unneeded
}

/// Overwrites `ranges` of `text` with spaces, keeping line breaks.
pub fn blank(text: &mut String, ranges: &[Range<usize>]) {
    // It stays UTF-8: `unneeded_bodies` only returns ranges between ASCII delimiters,
    // and every byte in them, of whole characters, becomes an ASCII space or stays a `\n`.
    let mut bytes = std::mem::take(text).into_bytes();
    for range in ranges {
        for byte in &mut bytes[range.clone()] {
            if *byte != b'\n' {
                *byte = b' ';
            }
        }
    }
    *text = String::from_utf8(bytes).expect("blanking keeps the text UTF-8");
}

/// `text` without `ranges` (in any order, nested or not), each but for its line breaks and, on
/// its last line, a space per byte: every token outside them keeps its line and column, which is
/// all that a span holds, so a parse of the result has the spans of a parse of `text`. A range must
/// hold whole characters and be ASCII on its last line; `None` if the result is not UTF-8.
pub fn cut(text: &str, ranges: &[Range<usize>]) -> Option<String> {
    let mut ranges = ranges.to_vec();
    ranges.sort_unstable_by_key(|range| range.start);
    let bytes = text.as_bytes();
    let mut cut = Vec::with_capacity(text.len());
    let mut at = 0;
    for range in ranges {
        let start = range.start.max(at);
        let end = range.end.min(bytes.len());
        if end <= start {
            continue;
        }
        cut.extend_from_slice(&bytes[at..start]);
        let gone = &bytes[start..end];
        let breaks = gone.iter().filter(|&&byte| byte == b'\n').count();
        let last_line = gone
            .iter()
            .rposition(|&byte| byte == b'\n')
            .map_or(0, |i| i + 1);
        cut.resize(cut.len() + breaks, b'\n');
        cut.resize(cut.len() + gone.len() - last_line, b' ');
        at = end;
    }
    cut.extend_from_slice(&bytes[at..]);
    String::from_utf8(cut).ok()
}

/// Where the scan of one token level is within the current item, as in a token stream.
#[derive(Clone, Copy, PartialEq, Eq)]
enum FnState {
    None,
    /// `fn` was just seen.
    Keyword,
    /// `fn name` was seen: the next brace group is the body (or a const generic argument).
    Signature,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum LevelKind {
    /// A file, module, impl, trait or other brace group whose items are scanned.
    Scanned,
    /// A function body, and whether it may be blanked.
    Body { may_blank: bool },
    /// The rules of a `macro_rules!`: nothing reads them (a macro is never expanded), so they
    /// are always blanked, like a body that cannot matter.
    MacroRules,
    /// Parentheses, brackets, a macro's or a kept body's braces: only their end is looked for.
    Skipped,
}

struct Level {
    kind: LevelKind,
    /// The closing delimiter, `0` for the file.
    close: u8,
    fn_state: FnState,
    /// How deep in `<…>` the current item header is: a `{` there is a const generic argument
    /// (`Foo<{ N }>`, in a function's signature or an impl's header), at depth 0 a function's body
    /// even after a `,` (a `where` clause's last bound, as rustfmt writes it), or the inside of
    /// an impl, trait or module.
    header_angles: u32,
    /// The item header so far names something that makes its bodies matter.
    header_keeps: bool,
    /// Every body at this level is kept (a header above named such a word).
    keep_all: bool,
    macro_rules: bool,
    /// The next token starts an item (attributes, doc comments and a visibility may come first).
    item_start: bool,
    /// Where the current `const` or `static` item's initializer is.
    initializer: Initializer,
    /// The previous token, when it was a punctuation mark.
    prev_punct: Option<u8>,
    /// Where the level's opening delimiter is (`0` for the file).
    open: usize,
    /// Where the current run (since the last `;` or `,`) starts, and the bytes inside the closed
    /// groups in it beyond one each (a group is one token of the run).
    run_start: usize,
    nested: usize,
}

impl Level {
    fn new(kind: LevelKind, close: u8, keep_all: bool) -> Level {
        Level {
            kind,
            close,
            fn_state: FnState::None,
            header_angles: 0,
            header_keeps: false,
            keep_all,
            macro_rules: false,
            item_start: true,
            initializer: Initializer::None,
            prev_punct: None,
            open: 0,
            run_start: 0,
            nested: 0,
        }
    }
}

/// How far a `const` or `static` item of a scanned level is read, for its initializer: a value
/// that is one delimited group, alone or after a path or `&`s (`[…]`, `&[…]`, `Foo { … }`,
/// `f(…)`), has the inside of the group blanked when the initializer names nothing devref reads
/// (see [`body_matters`]): the tables of generated code are parsed for nothing otherwise.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Initializer {
    /// Not in such an item, or its initializer has another shape.
    None,
    /// `const` or `static` began the item: its name (once `named`) and type, `angles` deep in
    /// `<…>`.
    Header { named: bool, angles: u32 },
    /// `=` at `eq`, then a path or `&`s; `over_limit` is [`Scan::over_limit`] then.
    Value { eq: usize, over_limit: usize },
    /// The group after `Value` is open.
    Group { eq: usize, over_limit: usize },
    /// The group from `open` to `close` ended the value, unless more comes before the `;`.
    Closed {
        eq: usize,
        over_limit: usize,
        open: usize,
        close: usize,
    },
}

/// A token, as far as the scan tells them apart.
enum Token {
    Word(Range<usize>),
    Punct(u8),
    Open(u8),
    Close(u8),
    /// A literal or a doc comment (which the lexer turns into `#[doc = "…"]`).
    Other,
}

struct Scan<'t> {
    bytes: &'t [u8],
    pos: usize,
    levels: Vec<Level>,
    blank: Vec<Range<usize>>,
    within_limits: bool,
    /// How many runs were past the parser's limit so far.
    over_limit: usize,
}

impl Scan<'_> {
    /// `None` when the file is not read with certainty.
    fn run(&mut self) -> Option<()> {
        loop {
            if self.levels.last()?.kind != LevelKind::Scanned {
                self.skim();
            }
            let Some(token) = self.next_token()? else {
                break;
            };
            let at = self.pos;
            // The parser's guard refuses deeper nesting; such a file is left whole, for it to
            // report.
            if self.levels.len() + 2 >= crate::parse::MAX_NESTING {
                return None;
            }
            if let Token::Punct(b';' | b',') = token {
                self.end_run(at - 1);
            }
            if self.levels.last()?.kind == LevelKind::Scanned && !matches!(token, Token::Close(_)) {
                if let Some((open, close)) = self.follow_initializer(&token, at) {
                    self.blank_initializer(open, close);
                }
            }
            let level = self.levels.last_mut()?;
            match token {
                Token::Close(close) => {
                    if close != level.close {
                        return None;
                    }
                    self.end_run(at - 1);
                    let level = self.levels.pop()?;
                    match level.kind {
                        LevelKind::Body { may_blank: true } => {
                            self.consider_blanking(level.open, at - 1, true)
                        }
                        LevelKind::MacroRules => self.consider_blanking(level.open, at - 1, false),
                        _ => {}
                    }
                    // The group is one token of the enclosing run.
                    let parent = self.levels.last_mut()?;
                    parent.nested += at - 1 - level.open;
                    if parent.kind == LevelKind::Scanned {
                        parent.initializer = match parent.initializer {
                            Initializer::Group { eq, over_limit } => Initializer::Closed {
                                eq,
                                over_limit,
                                open: level.open,
                                close: at - 1,
                            },
                            Initializer::None if close == b'}' => {
                                parent.item_start = true;
                                Initializer::None
                            }
                            other => other,
                        };
                    }
                }
                _ if level.kind != LevelKind::Scanned => {
                    if let Token::Open(open) = token {
                        self.push(Level::new(LevelKind::Skipped, closer(open), false));
                    }
                }
                Token::Word(range) => {
                    let word = &self.bytes[range];
                    level.fn_state = match level.fn_state {
                        FnState::Keyword => FnState::Signature,
                        _ if word == b"fn" => FnState::Keyword,
                        state => state,
                    };
                    if keeps_bodies(word) {
                        level.header_keeps = true;
                    }
                    if word == b"macro_rules" {
                        level.macro_rules = true;
                    }
                    level.prev_punct = None;
                }
                Token::Punct(punct) => {
                    if level.fn_state == FnState::Keyword {
                        level.fn_state = FnState::None;
                    }
                    match punct {
                        b'<' => level.header_angles += 1,
                        // Not the `>` of `->`.
                        b'>' if level.prev_punct != Some(b'-') => {
                            level.header_angles = level.header_angles.saturating_sub(1);
                        }
                        _ => {}
                    }
                    if punct == b';' {
                        level.fn_state = FnState::None;
                        level.header_keeps = false;
                        level.macro_rules = false;
                        level.header_angles = 0;
                    }
                    level.prev_punct = Some(punct);
                }
                Token::Open(b'{') => {
                    let in_angles = level.header_angles > 0;
                    let is_body = level.fn_state == FnState::Signature && !in_angles;
                    let keeps = level.keep_all || level.header_keeps;
                    let child = if is_body {
                        Level::new(LevelKind::Body { may_blank: !keeps }, b'}', false)
                    } else if level.macro_rules {
                        Level::new(LevelKind::MacroRules, b'}', false)
                    } else if in_angles
                        || level.fn_state == FnState::Signature
                        || level.prev_punct == Some(b'!')
                    {
                        // A const generic argument or a macro invocation.
                        Level::new(LevelKind::Skipped, b'}', false)
                    } else {
                        Level::new(LevelKind::Scanned, b'}', keeps)
                    };
                    // What follows the group at this level, as if it were already closed; the
                    // header goes on after a const generic argument.
                    if is_body || (level.fn_state != FnState::Signature && !in_angles) {
                        level.fn_state = FnState::None;
                        level.header_keeps = false;
                        level.macro_rules = false;
                        level.header_angles = 0;
                    }
                    level.prev_punct = None;
                    self.push(child);
                }
                Token::Open(open) => {
                    if level.fn_state == FnState::Keyword {
                        level.fn_state = FnState::None;
                    }
                    level.prev_punct = None;
                    // `macro_rules! m ( … );` and `[ … ];` are rules too.
                    let kind = if level.macro_rules {
                        LevelKind::MacroRules
                    } else {
                        LevelKind::Skipped
                    };
                    self.push(Level::new(kind, closer(open), false));
                }
                Token::Other => {
                    if level.fn_state == FnState::Keyword {
                        level.fn_state = FnState::None;
                    }
                    level.prev_punct = None;
                }
            }
        }
        self.end_run(self.pos);
        // Every delimiter closed.
        (self.levels.len() == 1).then_some(())
    }

    /// Follows the current scanned level's `const` or `static` item through `token` (not a
    /// closing delimiter), which ends at `at`. Returns the group to blank when `token` is the `;`
    /// that ends an initializer whose group can be blanked.
    fn follow_initializer(&mut self, token: &Token, at: usize) -> Option<(usize, usize)> {
        let over_limit = self.over_limit;
        let bytes = self.bytes;
        let level = self.levels.last_mut()?;
        let starts_item = level.item_start && !level.keep_all;
        level.item_start = match token {
            Token::Punct(b';') => true,
            // Attributes, doc comments and a visibility come before an item's keyword.
            Token::Punct(b'#' | b'!') | Token::Open(b'(' | b'[') | Token::Other => level.item_start,
            Token::Word(range) => level.item_start && &bytes[range.clone()] == b"pub",
            _ => false,
        };
        let mut ends = None;
        level.initializer = match (level.initializer, token) {
            (Initializer::None, Token::Word(range))
                if starts_item && matches!(&bytes[range.clone()], b"const" | b"static") =>
            {
                Initializer::Header {
                    named: false,
                    angles: 0,
                }
            }
            // `const fn`, `const unsafe fn`, …
            (Initializer::Header { named: false, .. }, Token::Word(range))
                if matches!(
                    &bytes[range.clone()],
                    b"fn" | b"unsafe" | b"async" | b"extern"
                ) =>
            {
                Initializer::None
            }
            (Initializer::Header { angles, .. }, Token::Word(_)) => Initializer::Header {
                named: true,
                angles,
            },
            (Initializer::Header { named, angles }, Token::Punct(b'<')) => Initializer::Header {
                named,
                angles: angles + 1,
            },
            (Initializer::Header { named, angles }, Token::Punct(b'>'))
                if level.prev_punct != Some(b'-') =>
            {
                Initializer::Header {
                    named,
                    angles: angles.saturating_sub(1),
                }
            }
            (Initializer::Header { angles: 0, .. }, Token::Punct(b'=')) => Initializer::Value {
                eq: at - 1,
                over_limit,
            },
            (Initializer::Header { .. }, Token::Open(b'{') | Token::Punct(b';')) => {
                Initializer::None
            }
            (header @ Initializer::Header { .. }, _) => header,
            (value @ Initializer::Value { .. }, Token::Word(_) | Token::Punct(b'&' | b':')) => {
                value
            }
            (Initializer::Value { eq, over_limit }, Token::Open(_)) => {
                Initializer::Group { eq, over_limit }
            }
            (
                Initializer::Closed {
                    eq,
                    over_limit: before,
                    open,
                    close,
                },
                Token::Punct(b';'),
            ) => {
                // A run past the parser's limit in the value is left for its guard to refuse. A
                // value's unsafe code is always written in it, or in a macro it invokes.
                let value = &bytes[eq..at];
                if before == over_limit && !body_matters(value) && !may_invoke_macro(value) {
                    ends = Some((open, close));
                }
                Initializer::None
            }
            _ => Initializer::None,
        };
        ends
    }

    /// Blanks the inside of an initializer's group from `open` to `close` (see [`Initializer`]),
    /// in place of any body blanked in it.
    fn blank_initializer(&mut self, open: usize, close: usize) {
        if !self.keeps_columns(open, close) {
            return;
        }
        while self.blank.last().is_some_and(|range| range.start > open) {
            self.blank.pop();
        }
        if close > open + 1 {
            self.blank.push(open + 1..close);
        }
    }

    /// Enters a group whose opening delimiter was just read.
    fn push(&mut self, mut level: Level) {
        level.open = self.pos - 1;
        level.run_start = self.pos;
        self.levels.push(level);
    }

    /// Ends the current level's run at `at` (a separator or the closing delimiter).
    fn end_run(&mut self, at: usize) {
        if let Some(level) = self.levels.last_mut() {
            if at
                .saturating_sub(level.run_start)
                .saturating_sub(level.nested)
                > crate::parse::MAX_RUN
            {
                self.within_limits = false;
                self.over_limit += 1;
            }
            level.run_start = at + 1;
            level.nested = 0;
        }
    }

    /// Blanks the body from the `{` at `open` to the `}` at `close` unless it can matter.
    /// Blanks the inside of the group from `open` to `close`, unless it is too big, or
    /// `unless_it_matters` and its text names something devref reads in a body.
    fn consider_blanking(&mut self, open: usize, close: usize, unless_it_matters: bool) {
        if close - open > MAX_BLANKED
            || (unless_it_matters && body_matters(&self.bytes[open..close + 1]))
        {
            return;
        }
        if self.keeps_columns(open, close) && close > open + 1 {
            self.blank.push(open + 1..close);
        }
    }

    /// Whether blanking inside the group from `open` to `close` keeps every column: the lexer
    /// counts columns in characters, so a non-ASCII character on the line of the closing
    /// delimiter would shift it when blanked byte by byte.
    fn keeps_columns(&self, open: usize, close: usize) -> bool {
        let last_line = self.bytes[open + 1..close]
            .iter()
            .rposition(|&b| b == b'\n')
            .map_or(open + 1, |i| open + 1 + i + 1);
        !self.bytes[last_line..close].iter().any(|&b| b >= 0x80)
    }

    /// Moves to the next byte that can start a delimiter, literal or comment.
    fn skim(&mut self) {
        while let Some(&byte) = self.bytes.get(self.pos) {
            if STOPS[byte as usize] {
                return;
            }
            self.pos += 1;
        }
    }

    /// The number of `#` here when a quote follows them: where a raw string's prefix ends.
    fn hashes_then_quote(&self) -> Option<usize> {
        let hashes = self.bytes[self.pos..]
            .iter()
            .take_while(|&&b| b == b'#')
            .count();
        (self.peek(hashes) == b'"').then_some(hashes)
    }

    /// Whether a raw string starts here, after a prefix (`r`, `br`, `cr`) already passed over:
    /// the prefix, then `#`s and a quote.
    fn raw_string_here(&self) -> bool {
        if self.hashes_then_quote().is_none() {
            return false;
        }
        let before = &self.bytes[..self.pos];
        let start = before
            .iter()
            .rposition(|&b| !(b.is_ascii_alphanumeric() || b == b'_'))
            .map_or(0, |i| i + 1);
        matches!(&before[start..], b"r" | b"br" | b"cr")
    }

    fn peek(&self, ahead: usize) -> u8 {
        self.bytes.get(self.pos + ahead).copied().unwrap_or(0)
    }

    /// The next token, `Ok(None)` at the end; `None` for what is not read with certainty.
    fn next_token(&mut self) -> Option<Option<Token>> {
        loop {
            let Some(&byte) = self.bytes.get(self.pos) else {
                return Some(None);
            };
            match byte {
                b' ' | b'\t' | b'\n' | b'\r' | b'\x0b' | b'\x0c' => self.pos += 1,
                b'/' if self.peek(1) == b'/' => {
                    let doc =
                        (self.peek(2) == b'/' && self.peek(3) != b'/') || self.peek(2) == b'!';
                    self.pos = memchr::memchr(b'\n', &self.bytes[self.pos..])
                        .map_or(self.bytes.len(), |i| self.pos + i);
                    if doc {
                        return Some(Some(Token::Other));
                    }
                }
                b'/' if self.peek(1) == b'*' => {
                    let doc = (self.peek(2) == b'*' && !matches!(self.peek(3), b'*' | b'/'))
                        || self.peek(2) == b'!';
                    self.skip_block_comment()?;
                    if doc {
                        return Some(Some(Token::Other));
                    }
                }
                // A raw string whose prefix a skim passed over (not a raw identifier, `r#name`).
                b'"' | b'#' if self.raw_string_here() => {
                    self.skip_raw()?;
                    return Some(Some(Token::Other));
                }
                b'"' => {
                    self.pos += 1;
                    self.skip_quoted(b'"')?;
                    return Some(Some(Token::Other));
                }
                b'\'' => return self.quote_or_lifetime().map(Some),
                b'0'..=b'9' => {
                    self.pos += 1;
                    while self.peek(0).is_ascii_alphanumeric()
                        || self.peek(0) == b'_'
                        || (self.peek(0) == b'.' && self.peek(1).is_ascii_digit())
                    {
                        self.pos += 1;
                    }
                    return Some(Some(Token::Other));
                }
                b'a'..=b'z' | b'A'..=b'Z' | b'_' => return self.word_or_literal().map(Some),
                b'(' | b'[' | b'{' => {
                    self.pos += 1;
                    return Some(Some(Token::Open(byte)));
                }
                b')' | b']' | b'}' => {
                    self.pos += 1;
                    return Some(Some(Token::Close(byte)));
                }
                // No Rust token: left for the lexer to report.
                b'`' | b'\\' => return None,
                b'!'..=b'~' => {
                    self.pos += 1;
                    return Some(Some(Token::Punct(byte)));
                }
                // Control characters and non-ASCII outside literals and comments.
                _ => return None,
            }
        }
    }

    fn skip_block_comment(&mut self) -> Option<()> {
        let mut depth = 0usize;
        while self.pos < self.bytes.len() {
            if self.peek(0) == b'/' && self.peek(1) == b'*' {
                depth += 1;
                self.pos += 2;
            } else if self.peek(0) == b'*' && self.peek(1) == b'/' {
                depth -= 1;
                self.pos += 2;
                if depth == 0 {
                    return Some(());
                }
            } else {
                self.pos += 1;
            }
        }
        None
    }

    /// From just after an opening quote, past the closing `quote`; escapes skip a byte.
    fn skip_quoted(&mut self, quote: u8) -> Option<()> {
        while let Some(&byte) = self.bytes.get(self.pos) {
            self.pos += 1;
            if byte == b'\\' {
                self.pos += 1;
            } else if byte == quote {
                return Some(());
            }
        }
        None
    }

    /// At `'`: a char literal (`'x'`, `'\n'`) or a lifetime (`'a`, which the lexer makes a `'`
    /// and then an identifier, the next token).
    fn quote_or_lifetime(&mut self) -> Option<Token> {
        let next = self.peek(1);
        // The length of the character after the quote, when it is one.
        let width = match next {
            0xf0.. => 4,
            0xe0.. => 3,
            0xc0.. => 2,
            _ => 1,
        };
        if next == b'\\' || (next != b'\'' && self.peek(1 + width) == b'\'') {
            self.pos += 1;
            self.skip_quoted(b'\'')?;
            return Some(Token::Other);
        }
        if next.is_ascii_alphabetic() || next == b'_' {
            self.pos += 1;
            return Some(Token::Punct(b'\''));
        }
        None
    }

    /// A word, a raw identifier, or a prefixed literal (`b"…"`, `r#"…"#`, `c"…"`, `b'x'`).
    fn word_or_literal(&mut self) -> Option<Token> {
        let start = self.pos;
        while self.peek(0).is_ascii_alphanumeric() || self.peek(0) == b'_' {
            self.pos += 1;
        }
        if self.peek(0) >= 0x80 {
            return None;
        }
        let word = &self.bytes[start..self.pos];
        let raw = matches!(word, b"r" | b"br" | b"cr");
        match self.peek(0) {
            b'"' | b'#' if raw && self.hashes_then_quote().is_some() => {
                self.skip_raw()?;
                Some(Token::Other)
            }
            b'"' if matches!(word, b"b" | b"c") => {
                self.pos += 1;
                self.skip_quoted(b'"')?;
                Some(Token::Other)
            }
            b'\'' if word == b"b" => {
                self.pos += 1;
                self.skip_quoted(b'\'')?;
                Some(Token::Other)
            }
            // `r#name`: a raw identifier, a name that is never a keyword.
            b'#' if word == b"r" && self.peek(1) != b'#' => {
                self.pos += 1;
                while self.peek(0).is_ascii_alphanumeric() || self.peek(0) == b'_' {
                    self.pos += 1;
                }
                Some(Token::Word(start..self.pos))
            }
            _ => Some(Token::Word(start..self.pos)),
        }
    }

    /// From the `#`s or quote after a raw string's prefix, past its closing quote and `#`s.
    fn skip_raw(&mut self) -> Option<()> {
        let hashes = self.hashes_then_quote()?;
        self.pos += hashes + 1;
        while let Some(&byte) = self.bytes.get(self.pos) {
            self.pos += 1;
            if byte == b'"'
                && self.bytes[self.pos..]
                    .iter()
                    .take(hashes)
                    .take_while(|&&b| b == b'#')
                    .count()
                    == hashes
            {
                self.pos += hashes;
                return Some(());
            }
        }
        None
    }
}

fn closer(open: u8) -> u8 {
    match open {
        b'(' => b')',
        b'[' => b']',
        _ => b'}',
    }
}

#[cfg(test)]
pub(super) mod tests {
    use super::*;

    /// `text` after blanking; every length and line break is kept.
    pub(in crate::pruning) fn blanked(text: &str) -> String {
        let mut out = text.to_string();
        blank(&mut out, &unneeded_bodies(text));
        assert_eq!(out.len(), text.len());
        assert_eq!(out.matches('\n').count(), text.matches('\n').count());
        out
    }

    /// The tokens the lexer makes of `text` after blanking.
    pub(in crate::pruning) fn tokens(text: &str) -> String {
        let blanked = blanked(text);
        let tokens: proc_macro2::TokenStream = blanked.parse().expect("lexes");
        tokens.to_string()
    }

    #[test]
    fn a_where_clause_ending_with_a_comma_ends_at_the_body() {
        for (text, want) in [
            (
                "fn f<T>(x: T)\nwhere\n    T: Copy,\n{\n    g(x);\n}\nstruct S { v: u8 }",
                "fn f < T > (x : T) where T : Copy , { } struct S { v : u8 }",
            ),
            (
                "fn f<T>() -> Vec<T> where T: Fn(u8) -> u8, { g() } enum E { A }",
                "fn f < T > () -> Vec < T > where T : Fn (u8) -> u8 , { } enum E { A }",
            ),
            // Const generic arguments in an impl's header are not its inside, and the header's
            // `Drop` still keeps its bodies.
            (
                "impl<const N: usize> Drop for P<{ N }> { fn drop(&mut self) { release(self.p); } } \
                 impl<T> S<T> where A<{ K }>: B { fn f() { g() } }",
                "impl < const N : usize > Drop for P < { N } > { fn drop (& mut self) { release (self . p) ; } } \
                 impl < T > S < T > where A < { K } >: B { fn f () { } }",
            ),
            // Const generic arguments in the signature are not the body.
            (
                "fn f() -> Foo<{ N }, { M }> where A<{ K }>: B, { g() } struct S { v: u8 }",
                "fn f () -> Foo < { N } , { M } > where A < { K } >: B , { } struct S { v : u8 }",
            ),
        ] {
            assert_eq!(tokens(text), want, "{text}");
        }
    }

    #[test]
    fn delimiters_in_literals_and_comments_are_not_code() {
        for (text, want) in [
            (
                r#"fn f() { let s = "}"; g() } fn h() {}"#,
                "fn f () { } fn h () { }",
            ),
            (r##"fn f() { r#"}"# } struct S;"##, "fn f () { } struct S ;"),
            ("fn f() { b\"{\"; b'}'; '}'; '\\''; c\"{\" }", "fn f () { }"),
            (
                "fn f() { /* } /* { */ } */ x } // }\nfn g() { y }",
                "fn f () { } fn g () { }",
            ),
            (
                "fn f<'a>(x: &'a u8) -> &'a u8 {\n    'outer: loop { x }\n}",
                "fn f <'a > (x : &'a u8) -> &'a u8 { }",
            ),
            ("fn r#match() { x }", "fn r#match () { }"),
            ("fn f() { r#match(r\"\\\", br#\"}\"#) }", "fn f () { }"),
            ("fn f() {\n    'é'\n}", "fn f () { }"),
        ] {
            assert_eq!(tokens(text), want, "{text}");
        }
    }

    #[test]
    fn what_is_not_read_with_certainty_blanks_nothing() {
        for text in [
            "fn f() { \"unterminated }",
            "fn f() { /* unterminated }",
            "fn f() { (] }",
            "fn f() { x }}",
            "fn f() { x ",
            "fn é() { x }",
            "fn f() { é() }",
            "fn f() { a ` b }",
        ] {
            assert!(unneeded_bodies(text).is_empty(), "{text}");
        }
        // Nesting near the parser's limit, and a huge body, are left for its guard to judge.
        let deep = format!("fn f() {{ {}1{} }}", "(".repeat(600), ")".repeat(600));
        assert!(unneeded_bodies(&deep).is_empty());
        let long = format!("fn f() {{ 1{} }} fn g() {{ h() }}", " + 1".repeat(20_000));
        assert_eq!(unneeded_bodies(&long).len(), 1);
        let kept = format!("fn f () {{ 1{} }} fn g () {{ }}", " + 1".repeat(20_000));
        assert_eq!(tokens(&long), kept);
        // Neither is within the guard's limits, so the guard looks at both.
        assert!(!scan_bodies(&deep).within_parser_limits);
        assert!(!scan_bodies(&long).within_parser_limits);
    }

    #[test]
    fn runs_are_bounded_by_their_own_bytes() {
        // Groups count as one token of their level's run; separators end a run.
        let many_items = format!("impl S {{ {} }}", "fn f() { g(); } ".repeat(1_500));
        assert!(many_items.len() > crate::parse::MAX_RUN);
        assert!(scan_bodies(&many_items).within_parser_limits);
        let many_args = format!("const A: [u8; 10000] = [{}];", "1, ".repeat(10_000));
        assert!(scan_bodies(&many_args).within_parser_limits);
        let one_run = format!("const A: u32 = 0{};", " | 1".repeat(6_000));
        assert!(!scan_bodies(&one_run).within_parser_limits);
    }

    #[test]
    fn a_non_ascii_character_on_the_closing_line_keeps_the_body() {
        // Blanking `é` byte by byte would move the `}` one column to the right.
        assert_eq!(
            blanked("fn f() { g(\"é\") } fn h() {\n g(\"é\")\n}\nfn k() { x }"),
            "fn f() { g(\"é\") } fn h() {\n        \n}\nfn k() {   }"
        );
    }
}
