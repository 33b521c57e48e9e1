//! The result cache: a run over exactly the same files, contents, configuration and devref build
//! as an earlier one reuses that run's diagnostics instead of analysing again.
//!
//! The key covers every input (name and content), so cross-file facts can never go stale: any change
//! anywhere is a new key. Entries live in `$DEVREF_CACHE_DIR`, else `$XDG_CACHE_HOME/devref`, else
//! `~/.cache/devref`, like ruff's cache; `--no-cache` bypasses it. A cache that cannot be read or
//! written is ignored: it only ever saves time.

use std::collections::HashSet;
use std::hash::{Hash, Hasher};
use std::path::{Path, PathBuf};

use devref_lints::options::Options;
use devref_lints::{
    analyze_focused, Analysis, Applicability, Diagnostic, FileId, Focus, Help, Input, Label, Level,
    Origin, SourceFile, Span, Suggestion, Teardown,
};
use serde::{Deserialize, Serialize};

use crate::store::{build_identity, cache_dir};
use crate::summaries::DiskSummaries;

/// Entries kept; older ones are removed when a new one is written.
const MAX_ENTRIES: usize = 32;

/// Bumped whenever the entry layout changes.
const FORMAT: u32 = 1;

/// Analyses `inputs`, linting those of `linted` (`None`: all), or reuses the diagnostics of an
/// earlier run of the same inputs. With the cache enabled, the analysis takes the item trees of
/// files it does not lint from the summary store, and stores those it lowers (see
/// [`crate::summaries`]).
pub fn analyze_cached(
    inputs: Vec<Input>,
    options: &Options,
    threads: usize,
    enabled: bool,
    teardown: Teardown,
    linted: Option<&HashSet<usize>>,
) -> Analysis {
    crate::pages_for(&inputs);
    let dir = if enabled { cache_dir() } else { None };
    let Some(dir) = dir else {
        let focus = Focus {
            linted,
            summaries: None,
        };
        return analyze_focused(inputs, options, threads, teardown, focus);
    };
    let path = dir.join(format!("{}.json", key(&inputs, options, linted)));
    if let Some(diagnostics) = load(&path) {
        return Analysis {
            files: source_files(inputs),
            diagnostics,
        };
    }
    let summaries = DiskSummaries::in_cache(&dir, options);
    let focus = Focus {
        linted,
        summaries: Some(&summaries),
    };
    let analysis = analyze_focused(inputs, options, threads, teardown, focus);
    // A failed write only costs the next run its shortcut.
    let _ = store(&dir, &path, &analysis.diagnostics);
    analysis
}

/// A 128-bit hex digest of everything the result depends on.
fn key(inputs: &[Input], options: &Options, linted: Option<&HashSet<usize>>) -> String {
    let mut parts: [std::hash::DefaultHasher; 2] = Default::default();
    for (seed, hasher) in parts.iter_mut().enumerate() {
        seed.hash(hasher);
        FORMAT.hash(hasher);
        build_identity(hasher);
        format!("{options:?}").hash(hasher);
        let mut linted: Option<Vec<usize>> = linted.map(|set| set.iter().copied().collect());
        if let Some(linted) = &mut linted {
            linted.sort_unstable();
        }
        linted.hash(hasher);
        inputs.len().hash(hasher);
        for input in inputs {
            input.name.hash(hasher);
            match &input.content {
                Ok(text) => (0u8, text).hash(hasher),
                Err(error) => (
                    1u8,
                    &error.message,
                    &error.text,
                    error.span.start,
                    error.span.end,
                )
                    .hash(hasher),
            }
        }
    }
    format!("{:016x}{:016x}", parts[0].finish(), parts[1].finish())
}

/// The source files exactly as [`analyze`] builds them.
fn source_files(inputs: Vec<Input>) -> Vec<SourceFile> {
    inputs
        .into_iter()
        .enumerate()
        .map(|(index, input)| {
            let text = match input.content {
                Ok(text) => text,
                Err(error) => error.text,
            };
            SourceFile::new(FileId(index as u32), input.name, text)
        })
        .collect()
}

fn load(path: &Path) -> Option<Vec<Diagnostic>> {
    let text = std::fs::read_to_string(path).ok()?;
    let entry: Entry = serde_json::from_str(&text).ok()?;
    if entry.format != FORMAT {
        return None;
    }
    entry
        .diagnostics
        .into_iter()
        .map(CachedDiagnostic::into_diagnostic)
        .collect()
}

fn store(dir: &Path, path: &Path, diagnostics: &[Diagnostic]) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)?;
    let entry = Entry {
        format: FORMAT,
        diagnostics: diagnostics.iter().map(CachedDiagnostic::from).collect(),
    };
    let mut temp = tempfile::NamedTempFile::new_in(dir)?;
    serde_json::to_writer(&mut temp, &entry)?;
    temp.persist(path).map_err(|error| error.error)?;
    prune(dir);
    Ok(())
}

/// Keeps the newest entries.
fn prune(dir: &Path) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let mut files: Vec<(std::time::SystemTime, PathBuf)> = entries
        .filter_map(Result::ok)
        .filter(|entry| entry.path().extension().is_some_and(|ext| ext == "json"))
        .filter_map(|entry| Some((entry.metadata().ok()?.modified().ok()?, entry.path())))
        .collect();
    if files.len() <= MAX_ENTRIES {
        return;
    }
    files.sort();
    for (_, old) in &files[..files.len() - MAX_ENTRIES] {
        let _ = std::fs::remove_file(old);
    }
}

/// A cache entry file: the layout version and the run's diagnostics.
#[derive(Debug, PartialEq, Serialize, Deserialize)]
struct Entry {
    format: u32,
    diagnostics: Vec<CachedDiagnostic>,
}

/// A [`Diagnostic`] as stored: the lint by name (`None` for an input error), levels and
/// applicabilities by their names.
#[derive(Debug, PartialEq, Serialize, Deserialize)]
struct CachedDiagnostic {
    lint: Option<String>,
    level: String,
    message: String,
    primary: CachedSpan,
    label: Option<String>,
    secondary: Vec<CachedLabel>,
    helps: Vec<CachedHelp>,
    notes: Vec<String>,
    anchors: Vec<CachedSpan>,
}

/// `[file, start, end]`.
#[derive(Debug, PartialEq, Serialize, Deserialize)]
struct CachedSpan(u32, u32, u32);

#[derive(Debug, PartialEq, Serialize, Deserialize)]
struct CachedLabel {
    span: CachedSpan,
    message: String,
}

#[derive(Debug, PartialEq, Serialize, Deserialize)]
struct CachedHelp {
    message: String,
    suggestion: Option<CachedSuggestion>,
}

#[derive(Debug, PartialEq, Serialize, Deserialize)]
struct CachedSuggestion {
    span: CachedSpan,
    replacement: String,
    applicability: String,
}

impl From<&Span> for CachedSpan {
    fn from(span: &Span) -> CachedSpan {
        CachedSpan(span.file.0, span.start, span.end)
    }
}

impl From<&CachedSpan> for Span {
    fn from(&CachedSpan(file, start, end): &CachedSpan) -> Span {
        Span {
            file: FileId(file),
            start,
            end,
        }
    }
}

impl From<&Diagnostic> for CachedDiagnostic {
    fn from(diagnostic: &Diagnostic) -> CachedDiagnostic {
        CachedDiagnostic {
            lint: diagnostic.lint_name().map(str::to_string),
            level: diagnostic.level.as_str().to_string(),
            message: diagnostic.message.clone(),
            primary: (&diagnostic.primary).into(),
            label: diagnostic.primary_label.clone(),
            secondary: diagnostic
                .secondary
                .iter()
                .map(|label| CachedLabel {
                    span: (&label.span).into(),
                    message: label.message.clone(),
                })
                .collect(),
            helps: diagnostic
                .helps
                .iter()
                .map(|help| CachedHelp {
                    message: help.message.clone(),
                    suggestion: help.suggestion.as_ref().map(|s| CachedSuggestion {
                        span: (&s.span).into(),
                        replacement: s.replacement.clone(),
                        applicability: s.applicability.as_str().to_string(),
                    }),
                })
                .collect(),
            notes: diagnostic.notes.clone(),
            anchors: diagnostic.anchors.iter().map(CachedSpan::from).collect(),
        }
    }
}

impl CachedDiagnostic {
    /// The diagnostic; `None` when it names a lint, level or applicability this build lacks.
    fn into_diagnostic(self) -> Option<Diagnostic> {
        let origin = match &self.lint {
            Some(name) => Origin::Lint(devref_lints::lints::find(name)?),
            None => Origin::Input,
        };
        let applicability = |text: &str| match text {
            "MachineApplicable" => Some(Applicability::MachineApplicable),
            "MaybeIncorrect" => Some(Applicability::MaybeIncorrect),
            "HasPlaceholders" => Some(Applicability::HasPlaceholders),
            "Unspecified" => Some(Applicability::Unspecified),
            _ => None,
        };
        let mut helps = Vec::new();
        for help in self.helps {
            let suggestion = match help.suggestion {
                None => None,
                Some(s) => Some(Suggestion {
                    span: (&s.span).into(),
                    replacement: s.replacement,
                    applicability: applicability(&s.applicability)?,
                }),
            };
            helps.push(Help {
                message: help.message,
                suggestion,
            });
        }
        Some(Diagnostic {
            origin,
            level: Level::parse(&self.level)?,
            message: self.message,
            primary: (&self.primary).into(),
            primary_label: self.label,
            secondary: self
                .secondary
                .into_iter()
                .map(|label| Label {
                    span: (&label.span).into(),
                    message: label.message,
                })
                .collect(),
            helps,
            notes: self.notes,
            anchors: self.anchors.iter().map(Span::from).collect(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn diagnostics_round_trip() {
        let lint = devref_lints::lints::find("raw_device_ptr_field").expect("declared");
        let span = |start, end| Span {
            file: FileId(2),
            start,
            end,
        };
        let diagnostic = Diagnostic::lint(lint, span(10, 20), "message")
            .with_label("label")
            .with_secondary(span(1, 2), "secondary")
            .with_anchor(span(3, 4), "part of the same problem")
            .with_help("plain help")
            .with_suggestion(
                "fix",
                span(10, 20),
                "ARef<Device>",
                Applicability::MaybeIncorrect,
            )
            .with_note("note");
        let text = serde_json::to_string(&CachedDiagnostic::from(&diagnostic)).unwrap();
        assert_eq!(
            text,
            "{\"lint\":\"raw_device_ptr_field\",\"level\":\"warn\",\"message\":\"message\",\
             \"primary\":[2,10,20],\"label\":\"label\",\
             \"secondary\":[{\"span\":[2,1,2],\"message\":\"secondary\"},\
             {\"span\":[2,3,4],\"message\":\"part of the same problem\"}],\
             \"helps\":[{\"message\":\"plain help\",\"suggestion\":null},\
             {\"message\":\"fix\",\"suggestion\":{\"span\":[2,10,20],\
             \"replacement\":\"ARef<Device>\",\"applicability\":\"MaybeIncorrect\"}}],\
             \"notes\":[\"note\"],\"anchors\":[[2,3,4]]}"
        );
        assert_eq!(decode(&text), Some(diagnostic));
        let input = Diagnostic::input_error(span(0, 0), "cannot read");
        let text = serde_json::to_string(&CachedDiagnostic::from(&input)).unwrap();
        assert_eq!(decode(&text), Some(input));
    }

    fn decode(text: &str) -> Option<Diagnostic> {
        serde_json::from_str::<CachedDiagnostic>(text)
            .ok()?
            .into_diagnostic()
    }

    #[test]
    fn unknown_lints_levels_and_garbage_are_misses() {
        let entry = |lint: &str, level: &str| {
            format!(
                "{{\"lint\":{lint},\"level\":\"{level}\",\"message\":\"m\",\"primary\":[0,0,0],\
                 \"label\":null,\"secondary\":[],\"helps\":[],\"notes\":[],\"anchors\":[]}}"
            )
        };
        assert!(decode(&entry("\"raw_device_ptr_field\"", "deny")).is_some());
        assert_eq!(decode(&entry("\"no_such_lint\"", "deny")), None);
        assert_eq!(decode(&entry("null", "loud")), None);
        assert_eq!(decode("{\"lint\": \"no_such_lint\"}"), None);
        assert_eq!(decode("42"), None);
    }
}
