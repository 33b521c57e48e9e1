//! The result cache: a run over exactly the same files, contents, configuration and devref build
//! as an earlier one reuses that run's diagnostics instead of analysing again.
//!
//! The key covers every input (name and content), so cross-file facts can never go stale: any change
//! anywhere is a new key. Entries live in `$DEVREF_CACHE_DIR`, else `$XDG_CACHE_HOME/devref`, else
//! `~/.cache/devref`, like ruff's cache; `--no-cache` bypasses it. A cache that cannot be read or
//! written is ignored: it only ever saves time.

use std::hash::{Hash, Hasher};
use std::io::Write;
use std::path::{Path, PathBuf};

use devref_lints::options::Options;
use devref_lints::{
    analyze_with, Analysis, Applicability, Diagnostic, FileId, Help, Input, Label, Level, Origin,
    SourceFile, Span, Suggestion, Teardown,
};
use serde_json::{json, Value};

/// Entries kept; older ones are removed when a new one is written.
const MAX_ENTRIES: usize = 32;

/// Bumped whenever the entry layout changes.
const FORMAT: u32 = 1;

pub fn analyze_cached(
    inputs: Vec<Input>,
    options: &Options,
    threads: usize,
    enabled: bool,
    teardown: Teardown,
) -> Analysis {
    let dir = if enabled { cache_dir() } else { None };
    let Some(dir) = dir else {
        return analyze_with(inputs, options, threads, teardown);
    };
    let path = dir.join(format!("{}.json", key(&inputs, options)));
    if let Some(diagnostics) = load(&path) {
        return Analysis {
            files: source_files(inputs),
            diagnostics,
        };
    }
    let analysis = analyze_with(inputs, options, threads, teardown);
    // A failed write only costs the next run its shortcut.
    let _ = store(&dir, &path, &analysis.diagnostics);
    analysis
}

pub fn cache_dir() -> Option<PathBuf> {
    if let Some(dir) = std::env::var_os("DEVREF_CACHE_DIR").filter(|d| !d.is_empty()) {
        return Some(PathBuf::from(dir));
    }
    if let Some(dir) = std::env::var_os("XDG_CACHE_HOME").filter(|d| !d.is_empty()) {
        return Some(PathBuf::from(dir).join("devref"));
    }
    std::env::var_os("HOME").map(|home| PathBuf::from(home).join(".cache/devref"))
}

/// A 128-bit hex digest of everything the result depends on.
fn key(inputs: &[Input], options: &Options) -> String {
    let mut parts: [std::hash::DefaultHasher; 2] = Default::default();
    for (seed, hasher) in parts.iter_mut().enumerate() {
        seed.hash(hasher);
        FORMAT.hash(hasher);
        env!("CARGO_PKG_VERSION").hash(hasher);
        // Development builds share a version: the binary itself is part of the key.
        if let Some(meta) = std::env::current_exe()
            .ok()
            .and_then(|exe| exe.metadata().ok())
        {
            meta.len().hash(hasher);
            meta.modified().ok().hash(hasher);
        }
        format!("{options:?}").hash(hasher);
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
    let value: Value = serde_json::from_str(&text).ok()?;
    if value["format"] != FORMAT {
        return None;
    }
    value["diagnostics"]
        .as_array()?
        .iter()
        .map(decode)
        .collect()
}

fn store(dir: &Path, path: &Path, diagnostics: &[Diagnostic]) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)?;
    let value = json!({
        "format": FORMAT,
        "diagnostics": diagnostics.iter().map(encode).collect::<Vec<_>>(),
    });
    let mut temp = tempfile::NamedTempFile::new_in(dir)?;
    temp.write_all(value.to_string().as_bytes())?;
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

fn span_json(span: &Span) -> Value {
    json!([span.file.0, span.start, span.end])
}

fn span_from(value: &Value) -> Option<Span> {
    let parts = value.as_array()?;
    Some(Span {
        file: FileId(parts.first()?.as_u64()? as u32),
        start: parts.get(1)?.as_u64()? as u32,
        end: parts.get(2)?.as_u64()? as u32,
    })
}

fn encode(diagnostic: &Diagnostic) -> Value {
    json!({
        "lint": diagnostic.lint_name(),
        "level": diagnostic.level.as_str(),
        "message": diagnostic.message,
        "primary": span_json(&diagnostic.primary),
        "label": diagnostic.primary_label,
        "secondary": diagnostic.secondary.iter().map(|label| json!({
            "span": span_json(&label.span),
            "message": label.message,
        })).collect::<Vec<_>>(),
        "helps": diagnostic.helps.iter().map(|help| json!({
            "message": help.message,
            "suggestion": help.suggestion.as_ref().map(|s| json!({
                "span": span_json(&s.span),
                "replacement": s.replacement,
                "applicability": s.applicability.as_str(),
            })),
        })).collect::<Vec<_>>(),
        "notes": diagnostic.notes,
        "anchors": diagnostic.anchors.iter().map(span_json).collect::<Vec<_>>(),
    })
}

fn decode(value: &Value) -> Option<Diagnostic> {
    let origin = match value["lint"].as_str() {
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
    let mut secondary = Vec::new();
    for label in value["secondary"].as_array()? {
        secondary.push(Label {
            span: span_from(&label["span"])?,
            message: label["message"].as_str()?.to_string(),
        });
    }
    let mut helps = Vec::new();
    for help in value["helps"].as_array()? {
        let suggestion = match &help["suggestion"] {
            Value::Null => None,
            s => Some(Suggestion {
                span: span_from(&s["span"])?,
                replacement: s["replacement"].as_str()?.to_string(),
                applicability: applicability(s["applicability"].as_str()?)?,
            }),
        };
        helps.push(Help {
            message: help["message"].as_str()?.to_string(),
            suggestion,
        });
    }
    let notes = value["notes"]
        .as_array()?
        .iter()
        .map(|note| note.as_str().map(str::to_string))
        .collect::<Option<Vec<_>>>()?;
    let anchors = value["anchors"]
        .as_array()?
        .iter()
        .map(span_from)
        .collect::<Option<Vec<_>>>()?;
    Some(Diagnostic {
        origin,
        level: Level::parse(value["level"].as_str()?)?,
        message: value["message"].as_str()?.to_string(),
        primary: span_from(&value["primary"])?,
        primary_label: value["label"].as_str().map(str::to_string),
        secondary,
        helps,
        notes,
        anchors,
    })
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
        assert_eq!(decode(&encode(&diagnostic)), Some(diagnostic));
        let input = Diagnostic::input_error(span(0, 0), "cannot read");
        assert_eq!(decode(&encode(&input)), Some(input));
    }

    #[test]
    fn unknown_lints_and_garbage_are_misses() {
        assert_eq!(decode(&json!({"lint": "no_such_lint"})), None);
        assert_eq!(decode(&json!(42)), None);
    }
}
