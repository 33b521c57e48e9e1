//! `--report-only FILE`: the model is built over every linted file, but only FILE's findings are
//! reported. An editor runs this on every save, with FILE the saved file (rust-analyzer's
//! `$saved_file`), so findings that depend on the rest of the tree (the device catalogue, `crate::`
//! paths) are those of a whole-tree run.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use globset::GlobSet;

use crate::discover::{discover, Found};

/// Finds FILE among the sources to lint and returns their indices (one, unless the same file is
/// listed twice).
///
/// FILE and the sources are compared as canonical paths, so FILE may be given absolute or
/// relative, through symbolic links or not. When FILE is not among the sources:
/// - with `add_missing` (`devref PATHS`), a `.rs` FILE is linted too, named relative to the
///   current directory when it lies below it, unless `--exclude` or the config excludes it: a file
///   saved outside the named folders is still checked, with the model of those folders;
/// - otherwise (`cargo devref`, whose files are those the targets' module trees reach), nothing is
///   reported and a note says why.
///
/// A FILE that does not exist is an error: a bad invocation.
///
/// A source that could not be found or searched (a PATH that does not exist, a folder that
/// cannot be read) is reported too, as without `--report-only`: the model lacks its files, and
/// the editor's user should know.
pub fn select(
    file: &Path,
    sources: &mut Vec<(String, Found)>,
    add_missing: bool,
    exclude: &GlobSet,
) -> Result<HashSet<usize>, String> {
    let mut reported = select_file(file, sources, add_missing, exclude)?;
    reported.extend(
        sources
            .iter()
            .enumerate()
            .filter(|(_, (_, source))| matches!(source, Found::Error { .. }))
            .map(|(index, _)| index),
    );
    Ok(reported)
}

/// The indices of FILE among the sources, as [`select`] describes (FILE added when missing).
fn select_file(
    file: &Path,
    sources: &mut Vec<(String, Found)>,
    add_missing: bool,
    exclude: &GlobSet,
) -> Result<HashSet<usize>, String> {
    let canonical = std::fs::canonicalize(file)
        .map_err(|error| format!("--report-only: cannot read `{}`: {error}", file.display()))?;
    if canonical.is_dir() {
        return Err(format!(
            "--report-only takes a file, but `{}` is a directory",
            file.display()
        ));
    }
    let same_file = |path: &Path| {
        path.file_name() == canonical.file_name()
            && std::fs::canonicalize(path).is_ok_and(|path| path == canonical)
    };
    let found: HashSet<usize> = sources
        .iter()
        .enumerate()
        .filter(|(_, (name, source))| match source {
            Found::File(path) | Found::Error { path, .. } => same_file(path),
            Found::Stdin => same_file(Path::new(name)),
        })
        .map(|(index, _)| index)
        .collect();
    if !found.is_empty() {
        return Ok(found);
    }
    if !add_missing {
        eprintln!(
            "note: `{}` is not among the linted files, so nothing is reported",
            file.display()
        );
        return Ok(found);
    }
    if file.extension().is_none_or(|ext| ext != "rs") {
        return Ok(found);
    }
    let name = below_current_dir(&canonical).unwrap_or_else(|| file.to_path_buf());
    let start = sources.len();
    // The search skips it when it or a folder above it is excluded.
    for source in discover(&[name], exclude) {
        let name = match &source {
            Found::File(path) | Found::Error { path, .. } => path.to_string_lossy().into_owned(),
            Found::Stdin => continue,
        };
        sources.push((name, source));
    }
    Ok((start..sources.len()).collect())
}

/// `path` relative to the current directory, if it lies below it.
fn below_current_dir(canonical: &Path) -> Option<PathBuf> {
    let cwd = std::env::current_dir().ok()?.canonicalize().ok()?;
    let relative = canonical.strip_prefix(&cwd).ok()?;
    (!relative.as_os_str().is_empty()).then(|| relative.to_path_buf())
}
