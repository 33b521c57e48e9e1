//! Machine-readable output formats besides rustc's JSON (which is in [`crate::render`]):
//!
//! - [`short`]: `file:line:col: warning: message [devref::lint]`, one line per finding, for grep,
//!   editors and hooks;
//! - [`sarif`]: one SARIF 2.1.0 document, with a rule for every lint, for code-scanning services;
//! - [`github`]: GitHub Actions workflow commands (`::warning file=…::message`), which become
//!   annotations on the pull request;
//! - [`checkpatch`]: the layout of the kernel's `scripts/checkpatch.pl --show-types`, so that
//!   tools that parse checkpatch output take devref's unchanged.
//!
//! Every format is a pure function of the diagnostics and the files, so output never depends on
//! thread count or the machine. Columns are 1-based and counted in chars, as rustc counts them;
//! end columns are exclusive (the column after the span), as in rustc's JSON and SARIF.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::io::{self, Write};

use devref_lints::{
    docs, text::one_line, Applicability, Diagnostic, Level, LineCol, Lint, Origin, SourceFile, Span,
};

use crate::render::{clamp, file, level_word};

/// Writes a rendered format to stdout and flushes it.
pub fn to_stdout(text: &str) -> io::Result<()> {
    let stdout = io::stdout();
    let mut out = stdout.lock();
    out.write_all(text.as_bytes())?;
    out.flush()
}

/// Where a span is: its file's name, start and end (1-based, chars), and the lines it covers.
struct Located<'a> {
    name: &'a str,
    start: LineCol,
    end: LineCol,
    /// The covered lines, without line terminators; one empty line for an empty file.
    lines: Vec<&'a str>,
}

impl Located<'_> {
    fn first_line(&self) -> &str {
        self.lines.first().copied().unwrap_or("")
    }
}

fn locate(files: &[SourceFile], span: Span) -> Located<'_> {
    let Some(source) = file(files, span.file) else {
        // Cannot happen for diagnostics of one analysis; render something rather than panic.
        let origin = LineCol { line: 1, column: 1 };
        return Located {
            name: "<unknown>",
            start: origin,
            end: origin,
            lines: Vec::new(),
        };
    };
    let range = clamp(source, span);
    let start = source.line_col(range.start);
    let end = source.line_col(range.end);
    let lines = (start.line..=end.line)
        .map(|line| &source.text[source.line_range(line - 1)])
        .collect();
    Located {
        name: &source.name,
        start,
        end,
        lines,
    }
}

// --- short -------------------------------------------------------------------------------------

/// `file:line:col: level: message [devref::lint]`, one line per diagnostic, nothing else.
pub fn short(diagnostics: &[Diagnostic], files: &[SourceFile]) -> String {
    let mut out = String::new();
    for diagnostic in diagnostics {
        let at = locate(files, diagnostic.primary);
        let _ = writeln!(
            out,
            "{}:{}:{}: {}: {} [{}]",
            at.name,
            at.start.line,
            at.start.column,
            level_word(diagnostic.level),
            one_line(&diagnostic.message),
            diagnostic.code()
        );
    }
    out
}

// --- github ------------------------------------------------------------------------------------

/// GitHub Actions workflow commands, one per diagnostic:
/// `::warning file=F,line=L,col=C,endLine=L,endColumn=C,title=devref%3A%3Alint::message`.
///
/// The message carries the diagnostic's `help:` and `note:` lines after its own, as the
/// annotation's further lines. Properties and message are escaped as GitHub's toolkit does.
pub fn github(diagnostics: &[Diagnostic], files: &[SourceFile]) -> String {
    let mut out = String::new();
    for diagnostic in diagnostics {
        let at = locate(files, diagnostic.primary);
        let command = if diagnostic.level.is_error() {
            "error"
        } else if diagnostic.level == Level::Warn {
            "warning"
        } else {
            "notice"
        };
        let mut message = diagnostic.message.clone();
        for help in &diagnostic.helps {
            message.push_str("\nhelp: ");
            message.push_str(&help.message);
            if let Some(suggestion) = &help.suggestion {
                if !suggestion.replacement.is_empty() && !suggestion.replacement.contains('\n') {
                    let _ = write!(message, ": `{}`", suggestion.replacement);
                }
            }
        }
        for note in &diagnostic.notes {
            message.push_str("\nnote: ");
            message.push_str(note);
        }
        let _ = writeln!(
            out,
            "::{command} file={},line={},col={},endLine={},endColumn={},title={}::{}",
            github_property(at.name),
            at.start.line,
            at.start.column,
            at.end.line,
            at.end.column,
            github_property(&diagnostic.code()),
            github_data(&message),
        );
    }
    out
}

/// A workflow command's message: `%`, CR and LF are percent-encoded.
pub fn github_data(text: &str) -> String {
    text.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// A workflow command's property value: as [`github_data`], and also `:` and `,`.
pub fn github_property(text: &str) -> String {
    github_data(text).replace(':', "%3A").replace(',', "%2C")
}

// --- checkpatch --------------------------------------------------------------------------------

/// The layout of `scripts/checkpatch.pl --show-types` on files (`-f`), where a file's lines
/// appear as added lines:
///
/// ```text
/// WARNING:DEVREF_RAW_DEVICE_PTR_FIELD: field `S::dev` holds a raw pointer …
/// #3: FILE: drivers/a.rs:3:
/// +    dev: *mut bindings::device,
///
/// total: 0 errors, 1 warnings, 4 lines checked
/// ```
///
/// `#N` is the line number in the file (checkpatch's `-f` mode counts lines of the file). The
/// total counts every line of the files `checked` accepts (all of them, but for `--report-only`
/// only the reported file), and keeps checkpatch's plurals ("1 warnings").
pub fn checkpatch(
    diagnostics: &[Diagnostic],
    files: &[SourceFile],
    checked: impl Fn(&SourceFile) -> bool,
) -> String {
    let mut out = String::new();
    let (mut errors, mut warnings) = (0usize, 0usize);
    for diagnostic in diagnostics {
        let at = locate(files, diagnostic.primary);
        let level = match diagnostic.level {
            Level::Deny | Level::Forbid => {
                errors += 1;
                "ERROR"
            }
            Level::Warn => {
                warnings += 1;
                "WARNING"
            }
            Level::Allow => "CHECK",
        };
        let lint = diagnostic
            .lint_name()
            .unwrap_or("input")
            .to_ascii_uppercase();
        let _ = write!(
            out,
            "{level}:DEVREF_{lint}: {}\n#{line}: FILE: {}:{line}:\n+{}\n\n",
            one_line(&diagnostic.message),
            at.name,
            at.first_line(),
            line = at.start.line,
        );
    }
    let lines: usize = files
        .iter()
        .filter(|file| checked(file))
        .map(|file| file.text.lines().count())
        .sum();
    let _ = writeln!(
        out,
        "total: {errors} errors, {warnings} warnings, {lines} lines checked"
    );
    out
}

// --- SARIF -------------------------------------------------------------------------------------

/// The `$schema` of the documents [`sarif`] writes.
pub const SARIF_SCHEMA: &str = "https://json.schemastore.org/sarif-2.1.0.json";

/// The `partialFingerprints` key of devref's own fingerprint.
pub const FINGERPRINT_KEY: &str = "devref/v1";

/// The rule id of a file that could not be read or parsed.
const INPUT_RULE: &str = "devref::input";

/// The parts of SARIF 2.1.0 that devref writes, as the schema names them (camelCase); optional
/// parts devref leaves out are `None` and not written. devref's own types rather than
/// `serde-sarif`'s: that crate generates the whole schema in a build script (schemafy) and adds
/// typed-builder, strum and thiserror, for the dozen objects used here, whose property bags would
/// still be untyped JSON maps. The tests validate the output against the official schema.
pub mod sarif_log {
    use std::collections::BTreeMap;

    use serde::Serialize;

    #[derive(Clone, Debug, PartialEq, Serialize)]
    pub struct Log {
        #[serde(rename = "$schema")]
        pub schema: &'static str,
        pub version: &'static str,
        pub runs: Vec<Run>,
    }

    #[derive(Clone, Debug, PartialEq, Serialize)]
    #[serde(rename_all = "camelCase")]
    pub struct Run {
        pub tool: Tool,
        pub column_kind: &'static str,
        pub results: Vec<Result>,
    }

    #[derive(Clone, Debug, PartialEq, Serialize)]
    pub struct Tool {
        pub driver: ToolComponent,
    }

    #[derive(Clone, Debug, PartialEq, Serialize)]
    #[serde(rename_all = "camelCase")]
    pub struct ToolComponent {
        pub name: &'static str,
        pub version: &'static str,
        pub semantic_version: &'static str,
        #[serde(skip_serializing_if = "Option::is_none")]
        pub information_uri: Option<String>,
        pub rules: Vec<ReportingDescriptor>,
    }

    /// A rule: a lint, or devref's input errors.
    #[derive(Clone, Debug, PartialEq, Serialize)]
    #[serde(rename_all = "camelCase")]
    pub struct ReportingDescriptor {
        pub id: String,
        pub name: &'static str,
        pub short_description: Message,
        pub full_description: Message,
        pub help: Message,
        #[serde(skip_serializing_if = "Option::is_none")]
        pub help_uri: Option<String>,
        pub default_configuration: ReportingConfiguration,
        pub properties: RuleProperties,
    }

    #[derive(Clone, Debug, PartialEq, Serialize)]
    pub struct ReportingConfiguration {
        pub enabled: bool,
        pub level: &'static str,
    }

    /// A rule's property bag: its tags, and for a lint its group, default level and docs page.
    #[derive(Clone, Debug, PartialEq, Serialize)]
    #[serde(rename_all = "camelCase")]
    pub struct RuleProperties {
        pub tags: Vec<&'static str>,
        #[serde(skip_serializing_if = "Option::is_none")]
        pub group: Option<&'static str>,
        #[serde(skip_serializing_if = "Option::is_none")]
        pub default_level: Option<&'static str>,
        #[serde(skip_serializing_if = "Option::is_none")]
        pub docs: Option<String>,
    }

    /// A message or a multiformat message string: plain text, and Markdown where there is any.
    #[derive(Clone, Debug, PartialEq, Serialize)]
    pub struct Message {
        pub text: String,
        #[serde(skip_serializing_if = "Option::is_none")]
        pub markdown: Option<String>,
    }

    impl Message {
        pub fn text(text: impl Into<String>) -> Message {
            Message {
                text: text.into(),
                markdown: None,
            }
        }
    }

    #[derive(Clone, Debug, PartialEq, Serialize)]
    #[serde(rename_all = "camelCase")]
    pub struct Result {
        pub rule_id: String,
        pub rule_index: usize,
        pub level: &'static str,
        pub message: Message,
        pub locations: Vec<Location>,
        pub partial_fingerprints: BTreeMap<&'static str, String>,
        #[serde(skip_serializing_if = "Vec::is_empty")]
        pub related_locations: Vec<Location>,
        #[serde(skip_serializing_if = "Vec::is_empty")]
        pub fixes: Vec<Fix>,
        #[serde(skip_serializing_if = "Option::is_none")]
        pub properties: Option<ResultProperties>,
    }

    /// A result's property bag: the messages of its helps and its notes.
    #[derive(Clone, Debug, PartialEq, Serialize)]
    pub struct ResultProperties {
        pub help: Vec<String>,
        pub notes: Vec<String>,
    }

    /// A place: `id` numbers the related locations; `message` is the span's label.
    #[derive(Clone, Debug, PartialEq, Serialize)]
    #[serde(rename_all = "camelCase")]
    pub struct Location {
        #[serde(skip_serializing_if = "Option::is_none")]
        pub id: Option<usize>,
        pub physical_location: PhysicalLocation,
        #[serde(skip_serializing_if = "Option::is_none")]
        pub message: Option<Message>,
    }

    #[derive(Clone, Debug, PartialEq, Serialize)]
    #[serde(rename_all = "camelCase")]
    pub struct PhysicalLocation {
        pub artifact_location: ArtifactLocation,
        pub region: Region,
    }

    #[derive(Clone, Debug, PartialEq, Serialize)]
    pub struct ArtifactLocation {
        pub uri: String,
    }

    /// Lines and columns 1-based, columns in chars, the end column exclusive.
    #[derive(Clone, Debug, PartialEq, Serialize)]
    #[serde(rename_all = "camelCase")]
    pub struct Region {
        pub start_line: usize,
        pub start_column: usize,
        pub end_line: usize,
        pub end_column: usize,
    }

    #[derive(Clone, Debug, PartialEq, Serialize)]
    #[serde(rename_all = "camelCase")]
    pub struct Fix {
        pub description: Message,
        pub artifact_changes: Vec<ArtifactChange>,
        pub properties: FixProperties,
    }

    /// A fix's property bag: rustc's applicability of the suggestion.
    #[derive(Clone, Debug, PartialEq, Serialize)]
    pub struct FixProperties {
        pub applicability: &'static str,
    }

    #[derive(Clone, Debug, PartialEq, Serialize)]
    #[serde(rename_all = "camelCase")]
    pub struct ArtifactChange {
        pub artifact_location: ArtifactLocation,
        pub replacements: Vec<Replacement>,
    }

    #[derive(Clone, Debug, PartialEq, Serialize)]
    #[serde(rename_all = "camelCase")]
    pub struct Replacement {
        pub deleted_region: Region,
        pub inserted_content: Message,
    }
}

use sarif_log::{
    ArtifactChange, ArtifactLocation, Fix, FixProperties, Location, Log, Message, PhysicalLocation,
    Region, Replacement, ReportingConfiguration, ReportingDescriptor, ResultProperties,
    RuleProperties, Run, Tool, ToolComponent,
};

/// [`sarif`], pretty-printed, with a final newline.
pub fn sarif_text(
    diagnostics: &[Diagnostic],
    files: &[SourceFile],
    docs_url: Option<&str>,
) -> String {
    let mut text = serde_json::to_string_pretty(&sarif(diagnostics, files, docs_url))
        .expect("a SARIF log always serializes");
    text.push('\n');
    text
}

/// One SARIF 2.1.0 log with one run: devref as the tool, a rule per lint (and one for input
/// errors), and a result per diagnostic. `docs_url` is the address of `docs/lints.md` (its
/// sections are the rules' `helpUri`); without it, the rules have none. The tool's
/// `informationUri` is the project's repository, else those docs.
pub fn sarif(diagnostics: &[Diagnostic], files: &[SourceFile], docs_url: Option<&str>) -> Log {
    let lints: Vec<&'static Lint> = devref_lints::lints::all_lints().collect();
    let mut rules: Vec<ReportingDescriptor> = lints
        .iter()
        .map(|lint| sarif_rule(lint, docs_url))
        .collect();
    rules.push(input_rule());
    let index_of: HashMap<&str, usize> = lints
        .iter()
        .enumerate()
        .map(|(index, lint)| (lint.name, index))
        .collect();
    let fingerprints = fingerprints(diagnostics, files);
    let results = diagnostics
        .iter()
        .zip(fingerprints)
        .map(|(diagnostic, fingerprint)| {
            let rule_index = match diagnostic.origin {
                Origin::Lint(lint) => index_of.get(lint.name).copied(),
                Origin::Input => None,
            }
            .unwrap_or(lints.len());
            sarif_result(diagnostic, files, rule_index, fingerprint)
        })
        .collect();
    let version = env!("CARGO_PKG_VERSION");
    Log {
        schema: SARIF_SCHEMA,
        version: "2.1.0",
        runs: vec![Run {
            tool: Tool {
                driver: ToolComponent {
                    name: "devref",
                    version,
                    semantic_version: version,
                    information_uri: repository().or(docs_url).map(str::to_string),
                    rules,
                },
            },
            column_kind: "unicodeCodePoints",
            results,
        }],
    }
}

/// The project's repository (`repository` in Cargo.toml), if it names one.
fn repository() -> Option<&'static str> {
    Some(env!("CARGO_PKG_REPOSITORY")).filter(|url| !url.is_empty())
}

/// A lint as a SARIF `reportingDescriptor`, with a `helpUri` when the docs have an address.
pub fn sarif_rule(lint: &Lint, docs_url: Option<&str>) -> ReportingDescriptor {
    let docs = lint.docs_text();
    let docs = docs.trim();
    let full = devref_lints::docs::section_text(docs, "What it does")
        .unwrap_or_else(|| lint.summary.to_string());
    let enabled = lint.default_level != Level::Allow;
    let level = match lint.default_level {
        Level::Deny | Level::Forbid => "error",
        // An allow-by-default lint reports warnings once enabled (`-W`).
        Level::Warn | Level::Allow => "warning",
    };
    ReportingDescriptor {
        id: lint.code(),
        name: lint.name,
        short_description: Message::text(lint.summary),
        full_description: Message::text(full),
        help: Message {
            text: docs.to_string(),
            markdown: Some(docs.to_string()),
        },
        help_uri: docs_url.map(|url| docs::help_uri(lint, url)),
        default_configuration: ReportingConfiguration { enabled, level },
        properties: RuleProperties {
            tags: vec![lint.group.name()],
            group: Some(lint.group.name()),
            default_level: Some(lint.default_level.as_str()),
            docs: Some(docs::docs_path(lint)),
        },
    }
}

fn input_rule() -> ReportingDescriptor {
    ReportingDescriptor {
        id: INPUT_RULE.to_string(),
        name: "input",
        short_description: Message::text("a file that cannot be read or parsed"),
        full_description: Message::text(
            "devref could not read the file, decode it as UTF-8 text, or parse it as Rust. The \
             other files are still linted, and the run exits with code 1.",
        ),
        help: Message::text(
            "Check that the path names a readable Rust source file that rustc accepts.",
        ),
        help_uri: None,
        default_configuration: ReportingConfiguration {
            enabled: true,
            level: "error",
        },
        properties: RuleProperties {
            tags: vec!["input"],
            group: None,
            default_level: None,
            docs: None,
        },
    }
}

fn sarif_level(level: Level) -> &'static str {
    match level {
        Level::Deny | Level::Forbid => "error",
        Level::Warn => "warning",
        Level::Allow => "note",
    }
}

fn sarif_result(
    diagnostic: &Diagnostic,
    files: &[SourceFile],
    rule_index: usize,
    fingerprint: String,
) -> sarif_log::Result {
    let primary = Location {
        id: None,
        physical_location: physical_location(files, diagnostic.primary),
        message: diagnostic
            .primary_label
            .as_deref()
            .filter(|label| !label.is_empty())
            .map(Message::text),
    };
    let related_locations = diagnostic
        .secondary
        .iter()
        .enumerate()
        .map(|(id, label)| Location {
            id: Some(id),
            physical_location: physical_location(files, label.span),
            message: Some(Message::text(&label.message)),
        })
        .collect();
    let fixes = diagnostic
        .helps
        .iter()
        .filter_map(|help| {
            // A template with placeholders is no fix a tool could apply.
            let suggestion = help
                .suggestion
                .as_ref()
                .filter(|s| s.applicability != Applicability::HasPlaceholders)?;
            let at = locate(files, suggestion.span);
            Some(Fix {
                description: Message::text(&help.message),
                artifact_changes: vec![ArtifactChange {
                    artifact_location: ArtifactLocation {
                        uri: artifact_uri(at.name),
                    },
                    replacements: vec![Replacement {
                        deleted_region: region(&at),
                        inserted_content: Message::text(&suggestion.replacement),
                    }],
                }],
                properties: FixProperties {
                    applicability: suggestion.applicability.as_str(),
                },
            })
        })
        .collect();
    let properties =
        (!diagnostic.helps.is_empty() || !diagnostic.notes.is_empty()).then(|| ResultProperties {
            help: diagnostic.helps.iter().map(|h| h.message.clone()).collect(),
            notes: diagnostic.notes.clone(),
        });
    sarif_log::Result {
        rule_id: diagnostic.code(),
        rule_index,
        level: sarif_level(diagnostic.level),
        message: Message::text(&diagnostic.message),
        locations: vec![primary],
        partial_fingerprints: [(FINGERPRINT_KEY, fingerprint)].into(),
        related_locations,
        fixes,
        properties,
    }
}

fn physical_location(files: &[SourceFile], span: Span) -> PhysicalLocation {
    let at = locate(files, span);
    PhysicalLocation {
        artifact_location: ArtifactLocation {
            uri: artifact_uri(at.name),
        },
        region: region(&at),
    }
}

fn region(at: &Located<'_>) -> Region {
    Region {
        start_line: at.start.line,
        start_column: at.start.column,
        end_line: at.end.line,
        end_column: at.end.column,
    }
}

/// The file name as given, as a URI reference: relative names stay relative, absolute paths
/// become `file://` URIs, and characters a URI path cannot hold are percent-encoded (`:` too,
/// so that a relative name never reads as a scheme).
pub fn artifact_uri(name: &str) -> String {
    let mut uri = String::with_capacity(name.len());
    if name.starts_with('/') {
        uri.push_str("file://");
    }
    for byte in name.bytes() {
        let keep = byte.is_ascii_alphanumeric()
            || matches!(
                byte,
                b'-' | b'.'
                    | b'_'
                    | b'~'
                    | b'/'
                    | b'!'
                    | b'$'
                    | b'&'
                    | b'\''
                    | b'('
                    | b')'
                    | b'*'
                    | b'+'
                    | b','
                    | b';'
                    | b'='
                    | b'@'
            );
        if keep {
            uri.push(byte as char);
        } else {
            let _ = write!(uri, "%{byte:02X}");
        }
    }
    uri
}

/// Each diagnostic's fingerprint, `HASH:N`: a hash of the diagnostic's code, its file's name and
/// the trimmed text of the lines its primary span covers, and `N`, the diagnostic's rank among
/// those of the run with the same hash (1 for the first). Line numbers are not part of it, so a
/// finding keeps its fingerprint when code above it moves.
pub fn fingerprints(diagnostics: &[Diagnostic], files: &[SourceFile]) -> Vec<String> {
    let mut seen: HashMap<u64, usize> = HashMap::new();
    diagnostics
        .iter()
        .map(|diagnostic| {
            let at = locate(files, diagnostic.primary);
            let mut hash = Fnv64::new();
            hash.field(b"devref-fingerprint-v1");
            hash.field(diagnostic.code().as_bytes());
            hash.field(at.name.as_bytes());
            for line in &at.lines {
                hash.field(line.trim().as_bytes());
            }
            let hash = hash.finish();
            let occurrence = seen.entry(hash).or_insert(0);
            *occurrence += 1;
            format!("{hash:016x}:{occurrence}")
        })
        .collect()
}

/// 64-bit FNV-1a: fixed and specified, so fingerprints agree across builds and platforms
/// (std's hashers promise neither).
struct Fnv64(u64);

impl Fnv64 {
    fn new() -> Fnv64 {
        Fnv64(0xcbf2_9ce4_8422_2325)
    }

    fn bytes(&mut self, bytes: &[u8]) {
        for &byte in bytes {
            self.0 ^= u64::from(byte);
            self.0 = self.0.wrapping_mul(0x0000_0100_0000_01b3);
        }
    }

    /// A length-prefixed field, so that field boundaries cannot shift.
    fn field(&mut self, bytes: &[u8]) {
        self.bytes(&(bytes.len() as u64).to_le_bytes());
        self.bytes(bytes);
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use devref_lints::FileId;
    use serde_json::json;

    fn span(file: &SourceFile, needle: &str) -> Span {
        let start = file.text.find(needle).expect("needle in text");
        Span::new(file.id, start..start + needle.len())
    }

    #[test]
    fn github_escaping() {
        assert_eq!(github_data("100%\r\nok: a,b"), "100%25%0D%0Aok: a,b");
        assert_eq!(github_property("devref::x,y%\n"), "devref%3A%3Ax%2Cy%25%0A");
    }

    #[test]
    fn artifact_uris() {
        assert_eq!(artifact_uri("drivers/a.rs"), "drivers/a.rs");
        assert_eq!(artifact_uri("./a b#.rs"), "./a%20b%23.rs");
        assert_eq!(artifact_uri("<stdin>"), "%3Cstdin%3E");
        assert_eq!(artifact_uri("c:x.rs"), "c%3Ax.rs");
        assert_eq!(artifact_uri("/abs/é.rs"), "file:///abs/%C3%A9.rs");
    }

    #[test]
    fn empty_input_file_renders_everywhere() {
        let files = [SourceFile::new(
            FileId(0),
            "drivers/gone.rs".into(),
            String::new(),
        )];
        let diagnostics = [Diagnostic::input_error(
            Span::new(FileId(0), 0..0),
            "cannot read `drivers/gone.rs`: denied",
        )];
        assert_eq!(
            short(&diagnostics, &files),
            "drivers/gone.rs:1:1: error: cannot read `drivers/gone.rs`: denied [devref::input]\n"
        );
        assert_eq!(
            github(&diagnostics, &files),
            "::error file=drivers/gone.rs,line=1,col=1,endLine=1,endColumn=1,\
             title=devref%3A%3Ainput::cannot read `drivers/gone.rs`: denied\n"
        );
        assert_eq!(
            checkpatch(&diagnostics, &files, |_| true),
            "ERROR:DEVREF_INPUT: cannot read `drivers/gone.rs`: denied\n\
             #1: FILE: drivers/gone.rs:1:\n+\n\n\
             total: 1 errors, 0 warnings, 0 lines checked\n"
        );
        let log = serde_json::to_value(sarif(&diagnostics, &files, None)).expect("serializes");
        let result = &log["runs"][0]["results"][0];
        assert_eq!(result["ruleId"], INPUT_RULE);
        let rules = log["runs"][0]["tool"]["driver"]["rules"]
            .as_array()
            .unwrap();
        let index = result["ruleIndex"].as_u64().unwrap() as usize;
        assert_eq!(rules[index]["id"], INPUT_RULE);
        assert_eq!(
            result["locations"][0]["physicalLocation"]["region"],
            json!({"startLine": 1, "startColumn": 1, "endLine": 1, "endColumn": 1})
        );
    }

    #[test]
    fn fingerprints_ignore_line_numbers_and_count_repeats() {
        let lint = devref_lints::lints::find("raw_device_ptr_field").unwrap();
        let make = |text: &str| {
            let file = SourceFile::new(FileId(0), "a.rs".into(), text.to_string());
            let first = span(&file, "*mut");
            let second = Span::new(
                FileId(0),
                text.rfind("*mut").unwrap()..text.rfind("*mut").unwrap() + 4,
            );
            let diagnostics = vec![
                Diagnostic::lint(lint, first, "m"),
                Diagnostic::lint(lint, second, "m"),
            ];
            fingerprints(&diagnostics, &[file])
        };
        let before = make("struct S {\n    a: *mut X,\n    a: *mut X,\n}\n");
        let after = make("\n\n// moved\nstruct S {\n        a: *mut X,\n    a: *mut X,\n}\n");
        assert_eq!(before, after);
        assert_ne!(before[0], before[1]);
        assert!(before[0].ends_with(":1") && before[1].ends_with(":2"));
        assert_eq!(before[0].split(':').next(), before[1].split(':').next());
    }
}
