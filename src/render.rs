//! Rendering diagnostics: rustc's human format (through codespan-reporting) and rustc's JSON.

use std::io::{self, Write};
use std::ops::Range;

use codespan_reporting::diagnostic::{
    Diagnostic as CsDiagnostic, Label as CsLabel, LabelStyle, Severity,
};
use codespan_reporting::files::{Error as FilesError, Files};
use codespan_reporting::term::termcolor::{Buffer, Color, ColorSpec, NoColor, WriteColor};
use codespan_reporting::term::{self, Chars, Config, Styles, StylesWriter, WriteStyle};
use devref_lints::{Diagnostic, FileId, Level, SourceFile, Span};
use serde::Serialize;

/// Renders diagnostics in rustc's look, each followed by a blank line, then the summary line.
///
/// Colour is decided by the caller through the writer: pass a `termcolor::StandardStream`
/// (re-exported as `codespan_reporting::term::termcolor`) for colour, or a `NoColor` for none.
pub fn human(
    diagnostics: &[Diagnostic],
    files: &[SourceFile],
    out: &mut dyn WriteColor,
) -> io::Result<()> {
    write_human(diagnostics, files, out, true)
}

fn write_human(
    diagnostics: &[Diagnostic],
    files: &[SourceFile],
    out: &mut dyn WriteColor,
    with_summary: bool,
) -> io::Result<()> {
    let styles = rustc_styles();
    for diagnostic in diagnostics {
        // The helps whose suggestion is shown as a block of lines, after the notes.
        let blocks: Vec<Option<Block>> = diagnostic
            .helps
            .iter()
            .map(|help| block_of(help, files))
            .collect();
        let mut buffer = if out.supports_color() {
            Buffer::ansi()
        } else {
            Buffer::no_color()
        };
        {
            let mut writer = RustcLook::new(StylesWriter::new(&mut buffer, &styles));
            emit(diagnostic, files, &blocks, &mut writer)?;
            writer.flush()?;
        }
        let mut bytes = buffer.into_inner();
        if blocks.iter().all(Option::is_none) {
            out.write_all(&bytes)?;
            continue;
        }
        // codespan ends a diagnostic with a blank line; the blocks go before it, as rustc prints
        // them, with a gutter as wide as the snippet's above.
        if bytes.ends_with(b"\n\n") {
            bytes.pop();
        }
        out.write_all(&bytes)?;
        let snippet_width = std::iter::once(diagnostic.primary)
            .chain(diagnostic.secondary.iter().map(|label| label.span))
            .filter_map(|span| {
                let file = file(files, span.file)?;
                Some(file.line_index(clamp(file, span).end) + 1)
            })
            .max()
            .map_or(1, |line| line.to_string().len());
        for block in blocks.iter().flatten() {
            write_block(out, block, snippet_width)?;
        }
        writeln!(out)?;
    }
    let mut writer = RustcLook::new(StylesWriter::new(out, &styles));
    if let Some((level, message)) = summary(diagnostics).filter(|_| with_summary) {
        writer.set_header(severity(level))?;
        write!(writer, "{}", level.diagnostic_word())?;
        writer.set_header_message()?;
        write!(writer, ": {message}")?;
        writer.reset()?;
        writeln!(writer)?;
        writeln!(writer)?;
    }
    writer.flush()
}

/// [`human`] without colour, into a string.
pub fn human_to_string(diagnostics: &[Diagnostic], files: &[SourceFile]) -> String {
    let mut out = NoColor::new(Vec::new());
    human(diagnostics, files, &mut out).expect("writing to memory cannot fail");
    String::from_utf8(out.into_inner()).expect("diagnostics are UTF-8")
}

/// One diagnostic in the human format, without colour and without the summary line; this is
/// the JSON `rendered` field.
pub fn human_diagnostic_to_string(diagnostic: &Diagnostic, files: &[SourceFile]) -> String {
    let mut out = NoColor::new(Vec::new());
    write_human(std::slice::from_ref(diagnostic), files, &mut out, false)
        .expect("writing to memory cannot fail");
    String::from_utf8(out.into_inner()).expect("diagnostics are UTF-8")
}

/// The summary line's level and message, e.g. `(Warn, "2 warnings emitted")` or
/// `(Deny, "could not lint due to 1 previous error; 2 warnings emitted")`; it is printed as
/// `<level word>: <message>`. `None` when there are no diagnostics.
pub fn summary(diagnostics: &[Diagnostic]) -> Option<(Level, String)> {
    let errors = diagnostics.iter().filter(|d| d.level.is_error()).count();
    let warnings = diagnostics.len() - errors;
    let plural = |n: usize| if n == 1 { "" } else { "s" };
    let warned = format!("{warnings} warning{} emitted", plural(warnings));
    if errors > 0 {
        let mut message = format!(
            "could not lint due to {errors} previous error{}",
            plural(errors)
        );
        if warnings > 0 {
            message.push_str("; ");
            message.push_str(&warned);
        }
        Some((Level::Deny, message))
    } else if warnings > 0 {
        Some((Level::Warn, warned))
    } else {
        None
    }
}

/// A top-level rustc JSON message (`--error-format=json`): `$message_type` names the kind, and the
/// diagnostic's own fields follow, in rustc's order.
///
/// devref's own types rather than `cargo_metadata::diagnostic`'s: those cannot carry
/// `$message_type`, and are `#[non_exhaustive]` (constructible only through that crate's optional
/// `builder` feature).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct RustcMessage {
    #[serde(rename = "$message_type")]
    pub message_type: &'static str,
    #[serde(flatten)]
    pub diagnostic: RustcDiagnostic,
}

/// A rustc JSON diagnostic, also a top-level message's children (`help:` and `note:`).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct RustcDiagnostic {
    pub message: String,
    pub code: Option<RustcCode>,
    /// `error`, `warning`, `note` or `help`.
    pub level: &'static str,
    pub spans: Vec<RustcSpan>,
    pub children: Vec<RustcDiagnostic>,
    /// The human rendering; `None` for children, as rustc leaves it.
    pub rendered: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct RustcCode {
    pub code: String,
    pub explanation: Option<String>,
}

/// A span: bytes 0-based, lines and columns (chars) 1-based, ends exclusive.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct RustcSpan {
    pub file_name: String,
    pub byte_start: usize,
    pub byte_end: usize,
    pub line_start: usize,
    pub line_end: usize,
    pub column_start: usize,
    pub column_end: usize,
    pub is_primary: bool,
    pub text: Vec<RustcSpanLine>,
    pub label: Option<String>,
    pub suggested_replacement: Option<String>,
    pub suggestion_applicability: Option<&'static str>,
    /// Always `None`: devref sees no macro expansions. rustc writes `null` here too.
    pub expansion: Option<()>,
}

/// A line a span covers, and the chars of it highlighted.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct RustcSpanLine {
    pub text: String,
    pub highlight_start: usize,
    pub highlight_end: usize,
}

impl RustcMessage {
    fn diagnostic(diagnostic: RustcDiagnostic) -> RustcMessage {
        RustcMessage {
            message_type: "diagnostic",
            diagnostic,
        }
    }

    /// One JSON line.
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).expect("a rustc message always serializes")
    }
}

/// The summary as a rustc JSON diagnostic without spans, as rustc's `--error-format=json`
/// ends with one (`"rendered"` is the summary line and a blank line).
pub fn summary_json(diagnostics: &[Diagnostic]) -> Option<RustcMessage> {
    let (level, message) = summary(diagnostics)?;
    let word = level.diagnostic_word();
    Some(RustcMessage::diagnostic(RustcDiagnostic {
        rendered: Some(format!("{word}: {message}\n\n")),
        message,
        code: None,
        level: word,
        spans: Vec::new(),
        children: Vec::new(),
    }))
}

/// One rustc diagnostic JSON object, in rustc's own `--error-format=json` schema.
pub fn rustc_json(diagnostic: &Diagnostic, files: &[SourceFile]) -> RustcMessage {
    let mut spans = Vec::new();
    if let Some(span) = json_span(
        files,
        diagnostic.primary,
        true,
        diagnostic.primary_label.as_deref(),
        None,
    ) {
        spans.push(span);
    }
    for label in &diagnostic.secondary {
        if let Some(span) = json_span(files, label.span, false, Some(&label.message), None) {
            spans.push(span);
        }
    }
    let mut children = Vec::new();
    for help in &diagnostic.helps {
        let spans = help
            .suggestion
            .iter()
            .filter_map(|s| {
                json_span(
                    files,
                    s.span,
                    true,
                    None,
                    Some((&s.replacement, s.applicability.as_str())),
                )
            })
            .collect();
        children.push(json_child(&help.message, "help", spans));
    }
    for note in &diagnostic.notes {
        children.push(json_child(note, "note", Vec::new()));
    }
    RustcMessage::diagnostic(RustcDiagnostic {
        message: diagnostic.message.clone(),
        code: Some(RustcCode {
            code: diagnostic.code(),
            explanation: None,
        }),
        level: level_word(diagnostic.level),
        spans,
        children,
        rendered: Some(human_diagnostic_to_string(diagnostic, files)),
    })
}

fn json_child(message: &str, level: &'static str, spans: Vec<RustcSpan>) -> RustcDiagnostic {
    RustcDiagnostic {
        message: message.to_string(),
        code: None,
        level,
        spans,
        children: Vec::new(),
        rendered: None,
    }
}

fn json_span(
    files: &[SourceFile],
    span: Span,
    is_primary: bool,
    label: Option<&str>,
    suggestion: Option<(&str, &'static str)>,
) -> Option<RustcSpan> {
    let file = file(files, span.file)?;
    let range = clamp(file, span);
    let start = file.line_col(range.start);
    let end = file.line_col(range.end);
    let text = (start.line..=end.line)
        .map(|line| {
            let source = &file.text[file.line_range(line - 1)];
            let highlight_start = if line == start.line { start.column } else { 1 };
            let highlight_end = if line == end.line {
                end.column
            } else {
                source.chars().count() + 1
            };
            RustcSpanLine {
                text: source.to_string(),
                highlight_start,
                highlight_end,
            }
        })
        .collect();
    Some(RustcSpan {
        file_name: file.name.clone(),
        byte_start: range.start,
        byte_end: range.end,
        line_start: start.line,
        line_end: end.line,
        column_start: start.column,
        column_end: end.column,
        is_primary,
        text,
        label: label.map(str::to_string),
        suggested_replacement: suggestion.map(|(replacement, _)| replacement.to_string()),
        suggestion_applicability: suggestion.map(|(_, applicability)| applicability),
        expansion: None,
    })
}

/// The word rustc uses for a level; allow-level diagnostics are never rendered, but would read
/// as notes.
pub(crate) fn level_word(level: Level) -> &'static str {
    match level {
        Level::Allow => "note",
        Level::Warn => "warning",
        Level::Deny | Level::Forbid => "error",
    }
}

fn severity(level: Level) -> Severity {
    match level {
        Level::Allow => Severity::Note,
        Level::Warn => Severity::Warning,
        Level::Deny | Level::Forbid => Severity::Error,
    }
}

pub(crate) fn file(files: &[SourceFile], id: FileId) -> Option<&SourceFile> {
    files.get(id.0 as usize)
}

/// The span's range, inside the text and on char boundaries, so that neither codespan nor the
/// JSON slicing can panic on a stale or malformed span.
pub(crate) fn clamp(file: &SourceFile, span: Span) -> Range<usize> {
    let text = &file.text;
    let mut start = span.range().start.min(text.len());
    while !text.is_char_boundary(start) {
        start -= 1;
    }
    let mut end = span.range().end.clamp(start, text.len());
    while !text.is_char_boundary(end) {
        end += 1;
    }
    start..end
}

/// `blocks[i]` is the block of `diagnostic.helps[i]` when it is shown as one, not on a help line.
fn emit(
    diagnostic: &Diagnostic,
    files: &[SourceFile],
    blocks: &[Option<Block>],
    out: &mut dyn WriteStyle,
) -> io::Result<()> {
    let config = Config {
        chars: rustc_chars(),
        ..Config::default()
    };
    let db = Db(files);
    term::emit_to_write_style(out, &config, &db, &to_codespan(diagnostic, files, blocks)).map_err(
        |error| match error {
            FilesError::Io(error) => error,
            error => io::Error::other(error.to_string()),
        },
    )
}

fn to_codespan(
    diagnostic: &Diagnostic,
    files: &[SourceFile],
    blocks: &[Option<Block>],
) -> CsDiagnostic<FileId> {
    let label = |style, span: Span, message: &str| {
        let file = file(files, span.file)?;
        Some(CsLabel::new(style, span.file, clamp(file, span)).with_message(message))
    };
    let mut labels = Vec::new();
    labels.extend(label(
        LabelStyle::Primary,
        diagnostic.primary,
        diagnostic.primary_label.as_deref().unwrap_or(""),
    ));
    for secondary in &diagnostic.secondary {
        labels.extend(label(
            LabelStyle::Secondary,
            secondary.span,
            &secondary.message,
        ));
    }
    // A help whose suggestion can be shown as a block is shown after the notes, as rustc does.
    let helps = diagnostic
        .helps
        .iter()
        .zip(blocks)
        .filter(|(_, block)| block.is_none())
        .map(|(help, _)| match &help.suggestion {
            Some(suggestion) if !suggestion.replacement.is_empty() => {
                let replacement = replacement_line(&suggestion.replacement);
                sub_message("help", &format!("{}: `{replacement}`", help.message))
            }
            _ => sub_message("help", &help.message),
        });
    let notes = diagnostic
        .notes
        .iter()
        .map(|note| sub_message("note", note));
    CsDiagnostic::new(severity(diagnostic.level))
        .with_code(diagnostic.code())
        .with_message(&diagnostic.message)
        .with_labels(labels)
        .with_notes(helps.chain(notes).collect())
}

/// A suggestion as rustc shows it under `help:`: the lines it changes, numbered, each marked `|`
/// (as it was), `+` (added) or `~` (changed).
struct Block {
    message: String,
    lines: Vec<(usize, char, String)>,
}

/// The block of a help whose suggestion adds or changes whole lines (a comment, a doc line, a
/// rewritten header); a short edit inside one line stays on the help line.
fn block_of(help: &devref_lints::Help, files: &[SourceFile]) -> Option<Block> {
    let suggestion = help.suggestion.as_ref()?;
    let file = file(files, suggestion.span.file)?;
    let range = clamp(file, suggestion.span);
    let text = &file.text;
    let first = file.line_index(range.start);
    let last = file.line_index(range.end);
    let start = file.line_range(first).start;
    let end = file.line_range(last).end.max(range.end);
    let old = &text[start..end];
    let new = format!(
        "{}{}{}",
        &text[start..range.start],
        suggestion.replacement,
        &text[range.end..end]
    );
    let old_lines: Vec<&str> = old.trim_end_matches('\n').split('\n').collect();
    let new_lines: Vec<&str> = new.trim_end_matches('\n').split('\n').collect();
    if new_lines.len() == 1 && old_lines.len() == 1 {
        return None;
    }
    // Old lines kept in order are context; the rest of the new lines are added, or changed when
    // an old line did not survive.
    let mut kept = vec![false; new_lines.len()];
    let mut next = 0;
    let mut lost = false;
    for old_line in &old_lines {
        match new_lines[next..].iter().position(|line| line == old_line) {
            Some(at) => {
                kept[next + at] = true;
                next += at + 1;
            }
            None => lost = true,
        }
    }
    let mark = if lost { '~' } else { '+' };
    let lines = new_lines
        .iter()
        .enumerate()
        .map(|(index, line)| {
            let marker = if kept[index] { '|' } else { mark };
            (first + 1 + index, marker, line.trim_end().to_string())
        })
        .collect();
    Some(Block {
        message: help.message.clone(),
        lines,
    })
}

fn write_block(out: &mut dyn WriteColor, block: &Block, snippet_width: usize) -> io::Result<()> {
    let width = block
        .lines
        .last()
        .map_or(1, |(number, _, _)| number.to_string().len())
        .max(snippet_width);
    let gutter = ColorSpec::new()
        .set_fg(Some(Color::Blue))
        .set_bold(true)
        .set_intense(true)
        .clone();
    out.set_color(
        ColorSpec::new()
            .set_fg(Some(Color::Cyan))
            .set_bold(true)
            .set_intense(true),
    )?;
    write!(out, "help")?;
    out.set_color(ColorSpec::new().set_bold(true))?;
    write!(out, ": {}", block.message)?;
    out.reset()?;
    writeln!(out)?;
    out.set_color(&gutter)?;
    write!(out, "{:width$} |", "")?;
    out.reset()?;
    writeln!(out)?;
    for (number, marker, line) in &block.lines {
        out.set_color(&gutter)?;
        write!(out, "{number:<width$}")?;
        out.reset()?;
        write!(out, " ")?;
        match marker {
            '+' => out.set_color(ColorSpec::new().set_fg(Some(Color::Green)).set_bold(true))?,
            '~' => out.set_color(ColorSpec::new().set_fg(Some(Color::Yellow)).set_bold(true))?,
            _ => out.set_color(&gutter)?,
        }
        write!(out, "{marker}")?;
        out.reset()?;
        if line.is_empty() {
            writeln!(out)?;
        } else {
            writeln!(out, " {line}")?;
        }
    }
    out.set_color(&gutter)?;
    write!(out, "{:width$} |", "")?;
    out.reset()?;
    writeln!(out)
}

/// `help: <message>` for codespan's `= ` line; further lines of the message are indented to
/// start under its first, as rustc does.
fn sub_message(kind: &str, message: &str) -> String {
    let indent = " ".repeat(kind.len() + 2);
    let mut lines = message.split('\n');
    let mut text = format!("{kind}: {}", lines.next().unwrap_or(""));
    for line in lines {
        text.push('\n');
        text.push_str(&indent);
        text.push_str(line);
    }
    text
}

/// A replacement on the help line: a single line as it is (its spacing may matter), a multi-line
/// one on one line.
fn replacement_line(replacement: &str) -> String {
    if replacement.contains('\n') {
        devref_lints::text::one_line(replacement)
    } else {
        replacement.to_string()
    }
}

/// rustc's ASCII art: `-->`, `|`, `=`, and `_`/`|` for multi-line spans.
fn rustc_chars() -> Chars {
    Chars {
        multi_top_left: '/',
        multi_top: '_',
        multi_bottom_left: '|',
        multi_bottom: '_',
        ..Chars::ascii()
    }
}

/// rustc's colours (as on Unix): bold level colours, bold bright blue for the gutter and
/// secondary labels, bold message text.
fn rustc_styles() -> Styles {
    let spec = |color: Color, intense: bool| {
        ColorSpec::new()
            .set_fg(Some(color))
            .set_bold(true)
            .set_intense(intense)
            .clone()
    };
    let red = spec(Color::Red, true);
    let yellow = spec(Color::Yellow, false);
    let green = spec(Color::Green, true);
    let cyan = spec(Color::Cyan, true);
    let blue = spec(Color::Blue, true);
    Styles {
        header_bug: red.clone(),
        header_error: red.clone(),
        header_warning: yellow.clone(),
        header_note: green.clone(),
        header_help: cyan.clone(),
        header_message: ColorSpec::new().set_bold(true).clone(),
        primary_label_bug: red.clone(),
        primary_label_error: red,
        primary_label_warning: yellow,
        primary_label_note: green,
        primary_label_help: cyan,
        secondary_label: blue.clone(),
        line_number: blue.clone(),
        source_border: blue.clone(),
        note_bullet: blue,
    }
}

/// codespan's [`Files`] over the analysed files, without copying their texts.
struct Db<'f>(&'f [SourceFile]);

impl Db<'_> {
    fn get(&self, id: FileId) -> Result<&SourceFile, FilesError> {
        file(self.0, id).ok_or(FilesError::FileMissing)
    }
}

impl<'a, 'f: 'a> Files<'a> for Db<'f> {
    type FileId = FileId;
    type Name = &'a str;
    type Source = &'a str;

    fn name(&'a self, id: FileId) -> Result<&'a str, FilesError> {
        Ok(&self.get(id)?.name)
    }

    fn source(&'a self, id: FileId) -> Result<&'a str, FilesError> {
        Ok(&self.get(id)?.text)
    }

    fn line_index(&'a self, id: FileId, byte_index: usize) -> Result<usize, FilesError> {
        let file = self.get(id)?;
        Ok(file.line_index(byte_index.min(file.text.len())))
    }

    /// Chars from the line start, 1-based, as rustc counts (and as the JSON reports).
    fn column_number(
        &'a self,
        id: FileId,
        _line_index: usize,
        byte_index: usize,
    ) -> Result<usize, FilesError> {
        Ok(self.get(id)?.line_col(byte_index).column)
    }

    /// The line without its terminator (`\n` or `\r\n`).
    fn line_range(&'a self, id: FileId, line_index: usize) -> Result<Range<usize>, FilesError> {
        let file = self.get(id)?;
        if line_index >= file.line_count() {
            return Err(FilesError::LineTooLarge {
                given: line_index,
                max: file.line_count() - 1,
            });
        }
        Ok(file.line_range(line_index))
    }
}

/// Adjusts codespan's output to rustc's, which codespan cannot be configured to match:
///
/// - `-->` one column further left (codespan indents it like the `|` border, rustc by the
///   line-number width only), and `:::` instead of `-->` for the further files of a diagnostic;
/// - ` ___^` rather than `/___^` under a multi-line span that starts after other code (rustc
///   only draws `/` in the gutter of the source line itself);
/// - no trailing spaces (codespan leaves one after the `|` of an empty source line).
///
/// Spaces are held back until visible text follows, so style changes may move before them;
/// no style has a background, so the difference is invisible.
struct RustcLook<W> {
    inner: W,
    /// Spaces not yet passed on: written before the next visible text, dropped at a line end.
    pending_spaces: usize,
    /// Only spaces so far on this line.
    line_start: bool,
    /// The border style was selected on this line before any text: codespan's locus follows.
    border_selected: bool,
    /// This line shows source: it began with a line number.
    source_line: bool,
    /// The last style selected was a label's.
    label_selected: bool,
    /// The current diagnostic already showed a `-->`.
    locus_shown: bool,
}

impl<W: WriteStyle> RustcLook<W> {
    fn new(inner: W) -> Self {
        RustcLook {
            inner,
            pending_spaces: 0,
            line_start: true,
            border_selected: false,
            source_line: false,
            label_selected: false,
            locus_shown: false,
        }
    }

    fn visible(&mut self, word: &[u8]) -> io::Result<()> {
        let mut word = word;
        if self.line_start && self.border_selected && word.starts_with(b"-->") {
            self.pending_spaces = self.pending_spaces.saturating_sub(1);
            if self.locus_shown {
                self.flush_spaces()?;
                self.inner.write_all(b":::")?;
                word = &word[3..];
            }
            self.locus_shown = true;
        }
        self.flush_spaces()?;
        self.line_start = false;
        self.inner.write_all(word)
    }

    fn flush_spaces(&mut self) -> io::Result<()> {
        for _ in 0..std::mem::take(&mut self.pending_spaces) {
            self.inner.write_all(b" ")?;
        }
        Ok(())
    }

    fn style(&mut self, label: bool) {
        self.label_selected = label;
    }
}

impl<W: WriteStyle> Write for RustcLook<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        // codespan writes the corner of a multi-line span by itself, in the label's style.
        if buf == b"/" && self.label_selected && !self.source_line {
            self.pending_spaces += 1;
            return Ok(1);
        }
        let mut rest = buf;
        while let Some(&byte) = rest.first() {
            match byte {
                b' ' => {
                    let spaces = rest.iter().take_while(|&&b| b == b' ').count();
                    self.pending_spaces += spaces;
                    rest = &rest[spaces..];
                }
                b'\n' => {
                    self.pending_spaces = 0;
                    self.line_start = true;
                    self.border_selected = false;
                    self.source_line = false;
                    self.inner.write_all(b"\n")?;
                    rest = &rest[1..];
                }
                _ => {
                    let len = rest
                        .iter()
                        .position(|&b| b == b' ' || b == b'\n')
                        .unwrap_or(rest.len());
                    let (word, tail) = rest.split_at(len);
                    self.visible(word)?;
                    rest = tail;
                }
            }
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

impl<W: WriteStyle> WriteStyle for RustcLook<W> {
    fn set_header(&mut self, severity: Severity) -> io::Result<()> {
        self.style(false);
        self.inner.set_header(severity)
    }

    fn set_header_message(&mut self) -> io::Result<()> {
        self.style(false);
        self.inner.set_header_message()
    }

    fn set_line_number(&mut self) -> io::Result<()> {
        self.style(false);
        self.source_line |= self.line_start;
        self.inner.set_line_number()
    }

    fn set_note_bullet(&mut self) -> io::Result<()> {
        self.style(false);
        self.inner.set_note_bullet()
    }

    fn set_source_border(&mut self) -> io::Result<()> {
        self.style(false);
        self.border_selected |= self.line_start;
        self.inner.set_source_border()
    }

    fn set_label(&mut self, severity: Severity, label_style: LabelStyle) -> io::Result<()> {
        self.style(true);
        self.inner.set_label(severity, label_style)
    }

    fn reset(&mut self) -> io::Result<()> {
        // `reset` follows a label's text without ending what `label_selected` guards.
        self.inner.reset()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use codespan_reporting::term::termcolor::Ansi;
    use devref_lints::{Applicability, Group, Lint};
    use serde_json::{json, Value};

    fn json_value(message: &RustcMessage) -> Value {
        serde_json::to_value(message).expect("serializes")
    }

    fn summary_value(diagnostics: &[Diagnostic]) -> Option<Value> {
        summary_json(diagnostics).as_ref().map(json_value)
    }

    static RAW: Lint = Lint {
        name: "raw_device_ptr_field",
        group: Group::Suspicious,
        default_level: Level::Warn,
        summary: "raw pointer to a device stored in a field",
        docs: "",
        module: "devref::render::tests",
        static_name: "RAW",
    };

    const FOO: &str = "\
struct Foo {
    x: u32,
    dev: *mut bindings::pci_dev,
}

impl Foo {
    fn new() -> Self {
        todo!()
    }
}
";

    fn file(id: u32, name: &str, text: &str) -> SourceFile {
        SourceFile::new(FileId(id), name.to_string(), text.to_string())
    }

    /// The span of the first occurrence of `needle`.
    fn find(file: &SourceFile, needle: &str) -> Span {
        let start = file.text.find(needle).expect("needle in fixture");
        Span::new(file.id, start..start + needle.len())
    }

    fn raw_field(foo: &SourceFile) -> Diagnostic {
        let pointer = find(foo, "*mut bindings::pci_dev");
        Diagnostic::lint(
            &RAW,
            pointer,
            "raw pointer to a device is stored in a field",
        )
        .with_label("this pointer carries no lifetime")
        .with_secondary(find(foo, "struct Foo"), "in this struct")
        .with_suggestion(
            "store a counted reference",
            pointer,
            "ARef<pci::Device>",
            Applicability::MaybeIncorrect,
        )
        .with_help("or clear it in `remove`")
        .with_note("the device can be unbound while `Foo` lives")
    }

    fn warning(span: Span, message: &str, label: &str) -> Diagnostic {
        Diagnostic::lint(&RAW, span, message).with_label(label)
    }

    fn error(span: Span, message: &str, label: &str) -> Diagnostic {
        Diagnostic {
            level: Level::Deny,
            ..warning(span, message, label)
        }
    }

    fn strip_ansi(text: &str) -> String {
        let mut plain = String::new();
        let mut chars = text.chars();
        while let Some(c) = chars.next() {
            if c == '\x1b' {
                chars.by_ref().find(|&c| c == 'm');
            } else {
                plain.push(c);
            }
        }
        plain
    }

    #[test]
    fn human_warning_with_secondary_label_helps_and_note() {
        let files = [file(0, "drivers/foo.rs", FOO)];
        let output = human_to_string(&[raw_field(&files[0])], &files);
        assert_eq!(
            output,
            "\
warning[devref::raw_device_ptr_field]: raw pointer to a device is stored in a field
 --> drivers/foo.rs:3:10
  |
1 | struct Foo {
  | ---------- in this struct
2 |     x: u32,
3 |     dev: *mut bindings::pci_dev,
  |          ^^^^^^^^^^^^^^^^^^^^^^ this pointer carries no lifetime
  |
  = help: store a counted reference: `ARef<pci::Device>`
  = help: or clear it in `remove`
  = note: the device can be unbound while `Foo` lives

warning: 1 warning emitted

"
        );
    }

    #[test]
    fn human_input_error_on_empty_file() {
        let files = [file(0, "drivers/gone.rs", "")];
        let diagnostic = Diagnostic::input_error(
            Span::new(FileId(0), 0..0),
            "could not read `drivers/gone.rs`: Permission denied (os error 13)",
        );
        assert_eq!(
            human_to_string(&[diagnostic], &files),
            "\
error[devref::input]: could not read `drivers/gone.rs`: Permission denied (os error 13)
 --> drivers/gone.rs:1:1
  |
1 |
  | ^

error: could not lint due to 1 previous error

"
        );
    }

    #[test]
    fn human_crlf_and_char_columns() {
        let files = [file(
            0,
            "drivers/crlf.rs",
            "fn a() {\r\n    let é = ü(pdev);\r\n}\r\n",
        )];
        let diagnostic = error(find(&files[0], "pdev"), "device escapes", "here");
        assert_eq!(
            human_to_string(&[diagnostic], &files),
            "\
error[devref::raw_device_ptr_field]: device escapes
 --> drivers/crlf.rs:2:15
  |
2 |     let é = ü(pdev);
  |               ^^^^ here

error: could not lint due to 1 previous error

"
        );
    }

    #[test]
    fn human_multi_line_spans_look_like_rustc() {
        let files = [file(0, "drivers/foo.rs", FOO)];
        let foo = &files[0];
        let method = "fn new() -> Self {\n        todo!()\n    }";
        let body = "Self {\n        todo!()\n    }";
        let item = FOO[FOO.find("impl").unwrap()..].trim_end();
        let diagnostics = [
            warning(find(foo, method), "method", "whole method"),
            warning(find(foo, body), "body", "from the return type"),
            warning(find(foo, item), "impl", "whole impl"),
        ];
        assert_eq!(
            human_to_string(&diagnostics, &files),
            "\
warning[devref::raw_device_ptr_field]: method
 --> drivers/foo.rs:7:5
  |
7 | /     fn new() -> Self {
8 | |         todo!()
9 | |     }
  | |_____^ whole method

warning[devref::raw_device_ptr_field]: body
 --> drivers/foo.rs:7:17
  |
7 |       fn new() -> Self {
  |  _________________^
8 | |         todo!()
9 | |     }
  | |_____^ from the return type

warning[devref::raw_device_ptr_field]: impl
  --> drivers/foo.rs:6:1
   |
 6 | / impl Foo {
 7 | |     fn new() -> Self {
 8 | |         todo!()
 9 | |     }
10 | | }
   | |_^ whole impl

warning: 3 warnings emitted

"
        );
    }

    #[test]
    fn human_labels_on_one_line_and_in_another_file() {
        let files = [
            file(0, "drivers/foo.rs", FOO),
            file(1, "drivers/bar.rs", "line1\nline2\n"),
        ];
        let diagnostic = error(
            find(&files[0], "bindings::pci_dev"),
            "stored here",
            "primary",
        )
        .with_secondary(find(&files[0], "dev"), "field")
        .with_secondary(find(&files[1], "line2"), "other file");
        assert_eq!(
            human_to_string(&[diagnostic], &files),
            "\
error[devref::raw_device_ptr_field]: stored here
 --> drivers/foo.rs:3:15
  |
3 |     dev: *mut bindings::pci_dev,
  |     ---       ^^^^^^^^^^^^^^^^^ primary
  |     |
  |     field
  |
 ::: drivers/bar.rs:2:1
  |
2 | line2
  | ----- other file

error: could not lint due to 1 previous error

"
        );
    }

    #[test]
    fn human_multi_line_notes_and_suggestions() {
        let files = [file(0, "drivers/foo.rs", FOO)];
        let field = find(&files[0], "x: u32");
        let diagnostic = Diagnostic::lint(&RAW, field, "field")
            .with_suggestion(
                "add a field",
                field,
                "x: u32,\n    y: u8",
                Applicability::MachineApplicable,
            )
            .with_suggestion("remove it", field, "", Applicability::MaybeIncorrect)
            .with_note("first line\nsecond line");
        assert_eq!(
            human_diagnostic_to_string(&diagnostic, &files),
            "\
warning[devref::raw_device_ptr_field]: field
 --> drivers/foo.rs:2:5
  |
2 |     x: u32,
  |     ^^^^^^
  |
  = help: remove it
  = note: first line
          second line
help: add a field
  |
2 |     x: u32,
3 +     y: u8,
  |

"
        );
    }

    #[test]
    fn human_survives_bad_spans() {
        let files = [file(0, "drivers/ü.rs", "ü\n")];
        let diagnostics = [
            warning(Span::new(FileId(0), 500..900), "past the end", "eof"),
            warning(Span::new(FileId(0), 1..1), "inside a char", "ü"),
            warning(
                Span {
                    file: FileId(0),
                    start: 2,
                    end: 0,
                },
                "backwards",
                "b",
            ),
            warning(Span::new(FileId(9), 0..1), "unknown file", "u").with_note("n"),
        ];
        assert_eq!(
            human_to_string(&diagnostics, &files),
            "\
warning[devref::raw_device_ptr_field]: past the end
 --> drivers/ü.rs:2:1
  |
2 |
  | ^ eof

warning[devref::raw_device_ptr_field]: inside a char
 --> drivers/ü.rs:1:1
  |
1 | ü
  | ^ ü

warning[devref::raw_device_ptr_field]: backwards
 --> drivers/ü.rs:1:2
  |
1 | ü
  |  ^ b

warning[devref::raw_device_ptr_field]: unknown file
 = note: n

warning: 4 warnings emitted

"
        );
        for diagnostic in &diagnostics {
            rustc_json(diagnostic, &files);
        }
    }

    #[test]
    fn human_colour_is_rustc_like_and_only_colour() {
        let files = [file(0, "drivers/foo.rs", FOO)];
        let diagnostics = [
            raw_field(&files[0]),
            error(find(&files[0], "todo!()"), "todo", "here"),
        ];
        let mut out = Ansi::new(Vec::new());
        human(&diagnostics, &files, &mut out).unwrap();
        let coloured = String::from_utf8(out.into_inner()).unwrap();
        assert_eq!(strip_ansi(&coloured), human_to_string(&diagnostics, &files));
        let bold_yellow = "\x1b[0m\x1b[1m\x1b[33m";
        let bold_red = "\x1b[0m\x1b[1m\x1b[38;5;9m";
        let bold_blue = "\x1b[0m\x1b[1m\x1b[38;5;12m";
        let bold = "\x1b[0m\x1b[1m";
        assert!(coloured.starts_with(&format!(
            "{bold_yellow}warning[devref::raw_device_ptr_field]{bold}: raw pointer"
        )));
        assert!(coloured.contains(&format!("{bold_blue} -->\x1b[0m drivers/foo.rs:3:10\n")));
        assert!(coloured.contains(&format!("{bold_red}error[devref::raw_device_ptr_field]")));
        assert!(coloured.ends_with(&format!(
            "{bold_red}error{bold}: could not lint due to 1 previous error; \
             1 warning emitted\x1b[0m\n\n"
        )));
    }

    #[test]
    fn json_matches_rustc_schema() {
        let files = [file(0, "drivers/foo.rs", FOO)];
        let diagnostic = raw_field(&files[0]);
        let line = "    dev: *mut bindings::pci_dev,";
        let pointer = json!({
            "file_name": "drivers/foo.rs",
            "byte_start": 34,
            "byte_end": 56,
            "line_start": 3,
            "line_end": 3,
            "column_start": 10,
            "column_end": 32,
            "is_primary": true,
            "text": [{"text": line, "highlight_start": 10, "highlight_end": 32}],
            "label": "this pointer carries no lifetime",
            "suggested_replacement": null,
            "suggestion_applicability": null,
            "expansion": null,
        });
        let mut suggestion = pointer.clone();
        suggestion["label"] = Value::Null;
        suggestion["suggested_replacement"] = json!("ARef<pci::Device>");
        suggestion["suggestion_applicability"] = json!("MaybeIncorrect");
        let expected = json!({
            "$message_type": "diagnostic",
            "message": "raw pointer to a device is stored in a field",
            "code": {"code": "devref::raw_device_ptr_field", "explanation": null},
            "level": "warning",
            "spans": [
                pointer,
                {
                    "file_name": "drivers/foo.rs",
                    "byte_start": 0,
                    "byte_end": 10,
                    "line_start": 1,
                    "line_end": 1,
                    "column_start": 1,
                    "column_end": 11,
                    "is_primary": false,
                    "text": [{"text": "struct Foo {", "highlight_start": 1, "highlight_end": 11}],
                    "label": "in this struct",
                    "suggested_replacement": null,
                    "suggestion_applicability": null,
                    "expansion": null,
                },
            ],
            "children": [
                {
                    "message": "store a counted reference",
                    "code": null,
                    "level": "help",
                    "spans": [suggestion],
                    "children": [],
                    "rendered": null,
                },
                {
                    "message": "or clear it in `remove`",
                    "code": null,
                    "level": "help",
                    "spans": [],
                    "children": [],
                    "rendered": null,
                },
                {
                    "message": "the device can be unbound while `Foo` lives",
                    "code": null,
                    "level": "note",
                    "spans": [],
                    "children": [],
                    "rendered": null,
                },
            ],
            "rendered": human_diagnostic_to_string(&diagnostic, &files),
        });
        assert_eq!(json_value(&rustc_json(&diagnostic, &files)), expected);
        assert_eq!(&FOO[34..56], "*mut bindings::pci_dev");
        assert!(!expected["rendered"].as_str().unwrap().contains("emitted"));
    }

    #[test]
    fn json_crlf_non_ascii_and_multi_line_spans() {
        let text = "fn a() {\r\n    let é = ü(pdev);\r\n}\r\n";
        let files = [file(0, "drivers/crlf.rs", text)];
        let pdev = find(&files[0], "pdev");
        let body = find(&files[0], "{\r\n    let é = ü(pdev);\r\n}");
        let diagnostic = error(pdev, "device escapes", "here").with_secondary(body, "body");
        let json = json_value(&rustc_json(&diagnostic, &files));
        assert_eq!(json["level"], "error");
        let primary = &json["spans"][0];
        assert_eq!(primary["byte_start"], 26);
        assert_eq!(primary["byte_end"], 30);
        assert_eq!(&text[26..30], "pdev");
        assert_eq!(
            (primary["line_start"].clone(), primary["line_end"].clone()),
            (json!(2), json!(2))
        );
        assert_eq!(primary["column_start"], 15);
        assert_eq!(primary["column_end"], 19);
        assert_eq!(
            primary["text"],
            json!([{"text": "    let é = ü(pdev);", "highlight_start": 15, "highlight_end": 19}])
        );
        let secondary = &json["spans"][1];
        assert_eq!(secondary["is_primary"], false);
        assert_eq!(secondary["label"], "body");
        assert_eq!(secondary["byte_start"], 7);
        assert_eq!(secondary["byte_end"], 35);
        assert_eq!(secondary["line_start"], 1);
        assert_eq!(secondary["line_end"], 3);
        assert_eq!(secondary["column_start"], 8);
        assert_eq!(secondary["column_end"], 2);
        assert_eq!(
            secondary["text"],
            json!([
                {"text": "fn a() {", "highlight_start": 8, "highlight_end": 9},
                {"text": "    let é = ü(pdev);", "highlight_start": 1, "highlight_end": 21},
                {"text": "}", "highlight_start": 1, "highlight_end": 2},
            ])
        );
        assert_eq!(json["children"], json!([]));
    }

    #[test]
    fn json_input_error_on_empty_file() {
        let files = [file(0, "drivers/gone.rs", "")];
        let diagnostic = Diagnostic::input_error(Span::new(FileId(0), 0..0), "unreadable");
        let json = json_value(&rustc_json(&diagnostic, &files));
        assert_eq!(
            json["code"],
            json!({"code": "devref::input", "explanation": null})
        );
        assert_eq!(json["level"], "error");
        assert_eq!(
            json["spans"],
            json!([{
                "file_name": "drivers/gone.rs",
                "byte_start": 0,
                "byte_end": 0,
                "line_start": 1,
                "line_end": 1,
                "column_start": 1,
                "column_end": 1,
                "is_primary": true,
                "text": [{"text": "", "highlight_start": 1, "highlight_end": 1}],
                "label": null,
                "suggested_replacement": null,
                "suggestion_applicability": null,
                "expansion": null,
            }])
        );
        assert_eq!(
            json["rendered"],
            "error[devref::input]: unreadable\n --> drivers/gone.rs:1:1\n  |\n1 |\n  | ^\n\n"
        );
    }

    #[test]
    fn summary_counts() {
        let files = [file(0, "drivers/foo.rs", FOO)];
        let span = find(&files[0], "x");
        let w = || warning(span, "w", "");
        let e = || error(span, "e", "");
        let forbidden = Diagnostic {
            level: Level::Forbid,
            ..w()
        };
        let summary_of = |diagnostics: &[Diagnostic]| summary(diagnostics);
        assert_eq!(summary_of(&[]), None);
        assert_eq!(
            summary_of(&[w()]),
            Some((Level::Warn, "1 warning emitted".to_string()))
        );
        assert_eq!(
            summary_of(&[w(), w()]),
            Some((Level::Warn, "2 warnings emitted".to_string()))
        );
        assert_eq!(
            summary_of(&[e()]),
            Some((
                Level::Deny,
                "could not lint due to 1 previous error".to_string()
            ))
        );
        assert_eq!(
            summary_of(&[e(), forbidden]),
            Some((
                Level::Deny,
                "could not lint due to 2 previous errors".to_string()
            ))
        );
        assert_eq!(
            summary_of(&[w(), e(), w()]),
            Some((
                Level::Deny,
                "could not lint due to 1 previous error; 2 warnings emitted".to_string()
            ))
        );
        assert_eq!(
            summary_of(&[e(), w(), e()]),
            Some((
                Level::Deny,
                "could not lint due to 2 previous errors; 1 warning emitted".to_string()
            ))
        );
        assert_eq!(human_to_string(&[], &files), "");
        assert_eq!(summary_value(&[]), None);
        assert_eq!(
            summary_value(&[w(), w()]),
            Some(json!({
                "$message_type": "diagnostic",
                "message": "2 warnings emitted",
                "code": null,
                "level": "warning",
                "spans": [],
                "children": [],
                "rendered": "warning: 2 warnings emitted\n\n",
            }))
        );
    }
}
