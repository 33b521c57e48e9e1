//! Rendering diagnostics: rustc's human format (through codespan-reporting) and rustc's JSON.

use std::io::{self, Write};
use std::ops::Range;

use codespan_reporting::diagnostic::{
    Diagnostic as CsDiagnostic, Label as CsLabel, LabelStyle, Severity,
};
use codespan_reporting::files::{Error as FilesError, Files};
use codespan_reporting::term::termcolor::{Color, ColorSpec, NoColor, WriteColor};
use codespan_reporting::term::{self, Chars, Config, Styles, StylesWriter, WriteStyle};
use devref_lints::{Diagnostic, FileId, Level, SourceFile, Span};
use serde_json::{json, Value};

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
    let mut writer = RustcLook::new(StylesWriter::new(out, &styles));
    for diagnostic in diagnostics {
        writer.start_diagnostic();
        emit(diagnostic, files, &mut writer)?;
    }
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

/// The summary as rustc's JSON emits it: a diagnostic without spans (cargo recognises
/// rustc's own `... emitted` summaries the same way).
pub fn summary_json(diagnostics: &[Diagnostic]) -> Option<Value> {
    let (level, message) = summary(diagnostics)?;
    let word = level.diagnostic_word();
    Some(json!({
        "$message_type": "diagnostic",
        "message": message,
        "code": null,
        "level": word,
        "spans": [],
        "children": [],
        "rendered": format!("{word}: {message}\n\n"),
    }))
}

/// One rustc diagnostic JSON object, in rustc's own `--error-format=json` schema.
pub fn rustc_json(diagnostic: &Diagnostic, files: &[SourceFile]) -> Value {
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
        let spans: Vec<Value> = help
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
    json!({
        "$message_type": "diagnostic",
        "message": diagnostic.message,
        "code": { "code": diagnostic.code(), "explanation": null },
        "level": level_word(diagnostic.level),
        "spans": spans,
        "children": children,
        "rendered": human_diagnostic_to_string(diagnostic, files),
    })
}

fn json_child(message: &str, level: &str, spans: Vec<Value>) -> Value {
    json!({
        "message": message,
        "code": null,
        "level": level,
        "spans": spans,
        "children": [],
        "rendered": null,
    })
}

fn json_span(
    files: &[SourceFile],
    span: Span,
    is_primary: bool,
    label: Option<&str>,
    suggestion: Option<(&str, &str)>,
) -> Option<Value> {
    let file = file(files, span.file)?;
    let range = clamp(file, span);
    let start = file.line_col(range.start);
    let end = file.line_col(range.end);
    let text: Vec<Value> = (start.line..=end.line)
        .map(|line| {
            let source = &file.text[file.line_range(line - 1)];
            let highlight_start = if line == start.line { start.column } else { 1 };
            let highlight_end = if line == end.line {
                end.column
            } else {
                source.chars().count() + 1
            };
            json!({
                "text": source,
                "highlight_start": highlight_start,
                "highlight_end": highlight_end,
            })
        })
        .collect();
    Some(json!({
        "file_name": file.name,
        "byte_start": range.start,
        "byte_end": range.end,
        "line_start": start.line,
        "line_end": end.line,
        "column_start": start.column,
        "column_end": end.column,
        "is_primary": is_primary,
        "text": text,
        "label": label,
        "suggested_replacement": suggestion.map(|(replacement, _)| replacement),
        "suggestion_applicability": suggestion.map(|(_, applicability)| applicability),
        "expansion": null,
    }))
}

/// The word rustc uses for a level; allow-level diagnostics are never rendered, but would read
/// as notes.
fn level_word(level: Level) -> &'static str {
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

fn file(files: &[SourceFile], id: FileId) -> Option<&SourceFile> {
    files.get(id.0 as usize)
}

/// The span's range, inside the text and on char boundaries, so that neither codespan nor the
/// JSON slicing can panic on a stale or malformed span.
fn clamp(file: &SourceFile, span: Span) -> Range<usize> {
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

fn emit(diagnostic: &Diagnostic, files: &[SourceFile], out: &mut dyn WriteStyle) -> io::Result<()> {
    let config = Config {
        chars: rustc_chars(),
        ..Config::default()
    };
    let db = Db(files);
    term::emit_to_write_style(out, &config, &db, &to_codespan(diagnostic, files)).map_err(|error| {
        match error {
            FilesError::Io(error) => error,
            error => io::Error::other(error.to_string()),
        }
    })
}

fn to_codespan(diagnostic: &Diagnostic, files: &[SourceFile]) -> CsDiagnostic<FileId> {
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
    let helps = diagnostic.helps.iter().map(|help| match &help.suggestion {
        Some(suggestion) if !suggestion.replacement.is_empty() => {
            format!(
                "help: {}: `{}`",
                help.message,
                one_line(&suggestion.replacement)
            )
        }
        _ => format!("help: {}", help.message),
    });
    let notes = diagnostic.notes.iter().map(|note| format!("note: {note}"));
    CsDiagnostic::new(severity(diagnostic.level))
        .with_code(diagnostic.code())
        .with_message(&diagnostic.message)
        .with_labels(labels)
        .with_notes(helps.chain(notes).collect())
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

/// A multi-line replacement on the help line: its lines, trimmed, joined by single spaces.
fn one_line(replacement: &str) -> String {
    if !replacement.contains('\n') {
        return replacement.to_string();
    }
    replacement
        .lines()
        .map(str::trim)
        .filter(|line| !line.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
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

    /// Starts a diagnostic: its first file gets `-->` again.
    fn start_diagnostic(&mut self) {
        self.locus_shown = false;
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
    use devref_lints::{Applicability, Group, Lint};

    static RAW: Lint = Lint {
        name: "raw_device_ptr_field",
        group: Group::Suspicious,
        default_level: Level::Warn,
        summary: "raw pointer to a device stored in a field",
        docs: "",
    };

    fn src(id: u32, name: &str, text: &str) -> SourceFile {
        SourceFile::new(FileId(id), name.to_string(), text.to_string())
    }

    fn span_of(file: &SourceFile, needle: &str) -> Span {
        let start = file.text.find(needle).expect("needle");
        Span::new(file.id, start..start + needle.len())
    }

    #[test]
    fn scratch2() {
        let text = "struct Foo {\n    x: u32,\n    dev: *mut bindings::pci_dev,\n}\n\nimpl Foo {\n    fn new() -> Self {\n        todo!()\n    }\n}\n\tlet\tx = y;\n";
        let f = src(0, "drivers/foo.rs", text);
        let g = src(1, "drivers/bar.rs", "line1\nline2\n");
        let files = [f, g];
        let f = &files[0];
        let ds = [
            Diagnostic::lint(
                &RAW,
                span_of(f, "Self {\n        todo!()\n    }"),
                "multi mid",
            )
            .with_label("mid"),
            Diagnostic::lint(&RAW, span_of(f, "bindings::pci_dev"), "same line")
                .with_label("primary")
                .with_secondary(span_of(f, "dev"), "field")
                .with_secondary(span_of(&files[1], "line2"), "other file"),
            Diagnostic::lint(&RAW, span_of(f, "x = y"), "tabs").with_label("tab"),
            Diagnostic::lint(
                &RAW,
                span_of(f, "dev: *mut bindings::pci_dev,\n"),
                "incl newline",
            )
            .with_label("nl"),
            Diagnostic::lint(&RAW, Span::new(FileId(0), 500..900), "out of range")
                .with_label("oor"),
            Diagnostic::lint(&RAW, Span::new(FileId(7), 0..1), "missing file")
                .with_label("mf")
                .with_note("a\nb"),
            Diagnostic::lint(&RAW, span_of(f, "x: u32"), "sugg")
                .with_suggestion(
                    "multi",
                    span_of(f, "x: u32"),
                    "x: u32,\n    y: u8",
                    Applicability::MachineApplicable,
                )
                .with_suggestion(
                    "delete",
                    span_of(f, "x: u32"),
                    "",
                    Applicability::MachineApplicable,
                ),
        ];
        print!("{}", human_to_string(&ds, &files));
        for d in &ds[3..6] {
            println!("{}", rustc_json(d, &files));
        }
    }

    #[test]
    fn scratch() {
        let text = "struct Foo {\n    x: u32,\n    dev: *mut bindings::pci_dev,\n}\n\nimpl Foo {\n    fn new() -> Self {\n        todo!()\n    }\n}\n";
        let f = src(0, "drivers/foo.rs", text);
        let e = src(1, "drivers/bad.rs", "");
        let c = src(
            2,
            "drivers/crlf.rs",
            "fn a() {\r\n    let é = ü(pdev);\r\n}\r\n",
        );
        let files = [f, e, c];
        let f = &files[0];
        let d1 = Diagnostic::lint(
            &RAW,
            span_of(f, "*mut bindings::pci_dev"),
            "raw pointer to a device is stored in a field",
        )
        .with_label("this pointer carries no lifetime")
        .with_secondary(span_of(f, "struct Foo"), "in this struct")
        .with_suggestion(
            "store a counted reference",
            span_of(f, "*mut bindings::pci_dev"),
            "ARef<pci::Device>",
            Applicability::MaybeIncorrect,
        )
        .with_help("or drop it in `remove`")
        .with_note("the device can be unbound while `Foo` lives");
        let d2 = Diagnostic::input_error(
            Span::new(FileId(1), 0..0),
            "could not read `drivers/bad.rs`: permission denied",
        );
        let mut d3 = Diagnostic::lint(&RAW, span_of(&files[2], "pdev"), "crlf").with_label("here");
        d3.level = Level::Deny;
        let d4 = Diagnostic::lint(
            &RAW,
            span_of(f, "fn new() -> Self {\n        todo!()\n    }"),
            "multi",
        )
        .with_label("whole fn");
        let d5 = Diagnostic::lint(
            &RAW,
            span_of(
                f,
                "impl Foo {\n    fn new() -> Self {\n        todo!()\n    }\n}",
            ),
            "multi2",
        )
        .with_label("whole impl");
        let ds = [d1, d2, d3, d4, d5];
        print!("{}", human_to_string(&ds, &files));
        for d in &ds {
            println!("{}", rustc_json(d, &files));
        }
        let mut buf = codespan_reporting::term::termcolor::Ansi::new(Vec::new());
        human(&ds[..1], &files, &mut buf).unwrap();
        println!("{:?}", String::from_utf8(buf.into_inner()).unwrap());
    }
}
