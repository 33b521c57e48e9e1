//! The result cache: a run over exactly the same files, contents, configuration and devref build
//! as an earlier one reuses that run's diagnostics instead of analysing again.
//!
//! The key covers every input (name and content), so cross-file facts can never go stale: any change
//! anywhere is a new key. Entries live in `$DEVREF_CACHE_DIR`, else `$XDG_CACHE_HOME/devref`, else
//! `~/.cache/devref`, like ruff's cache; `--no-cache` bypasses it. A cache that cannot be read or
//! written is ignored: it only ever saves time.

use std::collections::HashSet;
use std::hash::{Hash, Hasher};
use std::path::Path;

use devref_lints::options::Options;
use devref_lints::{
    analyze_focused, Analysis, Diagnostic, FileId, Focus, Input, SourceFile, Teardown,
};
use serde::{Deserialize, Serialize};

use crate::findings::DiskFindings;
use crate::store::{cache_dir, prune, CachedDiagnostic, KeySpace};
use crate::summaries::DiskSummaries;

/// Entries kept; older ones are removed when a new one is written.
const MAX_ENTRIES: usize = 32;

/// Bumped whenever the entry layout changes.
const FORMAT: u32 = 2;

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
    let dir = if enabled { cache_dir() } else { None };
    let Some(dir) = dir else {
        let focus = Focus {
            linted,
            summaries: None,
            findings: None,
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
    let findings = DiskFindings::in_cache(&dir, options);
    let focus = Focus {
        linted,
        summaries: Some(&summaries),
        findings: Some(&findings),
    };
    let analysis = analyze_focused(inputs, options, threads, teardown, focus);
    // A failed write only costs the next run its shortcut.
    let _ = store(&dir, &path, &analysis.diagnostics);
    analysis
}

/// A 128-bit hex digest of everything the result depends on.
fn key(inputs: &[Input], options: &Options, linted: Option<&HashSet<usize>>) -> String {
    let mut linted: Option<Vec<usize>> = linted.map(|set| set.iter().copied().collect());
    if let Some(linted) = &mut linted {
        linted.sort_unstable();
    }
    KeySpace::new((FORMAT, format!("{options:?}"))).key(Run { inputs, linted })
}

/// What a run's result depends on besides the build and the options: every input, and which are
/// linted.
struct Run<'a> {
    inputs: &'a [Input],
    linted: Option<Vec<usize>>,
}

impl Hash for Run<'_> {
    fn hash<H: Hasher>(&self, hasher: &mut H) {
        self.linted.hash(hasher);
        self.inputs.len().hash(hasher);
        for input in self.inputs {
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
    let entry: Entry = crate::store::read_json_entry(path)?;
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
    let entry = Entry {
        format: FORMAT,
        diagnostics: diagnostics.iter().map(CachedDiagnostic::from).collect(),
    };
    crate::store::write_json_entry(dir, path, &entry)?;
    prune(dir, MAX_ENTRIES);
    Ok(())
}

/// A cache entry file: the layout version and the run's diagnostics.
#[derive(Debug, PartialEq, Serialize, Deserialize)]
struct Entry {
    format: u32,
    diagnostics: Vec<CachedDiagnostic>,
}
