//! Finding the files to lint.

use std::path::{Path, PathBuf};

use globset::{Glob, GlobSet, GlobSetBuilder};
use walkdir::WalkDir;

/// A file to lint, or a path that could not be searched.
#[derive(Debug, PartialEq, Eq)]
pub enum Found {
    File(PathBuf),
    Stdin,
    Error { path: PathBuf, reason: String },
}

pub fn exclude_set(globs: &[String]) -> Result<GlobSet, String> {
    let mut builder = GlobSetBuilder::new();
    for glob in globs {
        let glob = Glob::new(glob).map_err(|e| format!("invalid --exclude glob `{glob}`: {e}"))?;
        builder.add(glob);
    }
    builder.build().map_err(|e| e.to_string())
}

/// Expands the command-line paths into a sorted, de-duplicated file list.
pub fn discover(paths: &[PathBuf], exclude: &GlobSet) -> Vec<Found> {
    let mut found = Vec::new();
    for path in paths {
        if path.as_os_str() == "-" {
            found.push(Found::Stdin);
            continue;
        }
        if is_excluded(path, exclude) {
            continue;
        }
        let metadata = match std::fs::metadata(path) {
            Ok(metadata) => metadata,
            Err(error) => {
                found.push(Found::Error {
                    path: path.clone(),
                    reason: error.to_string(),
                });
                continue;
            }
        };
        if !metadata.is_dir() {
            found.push(Found::File(clean(path)));
            continue;
        }
        let walker = WalkDir::new(path)
            .follow_links(true)
            .sort_by_file_name()
            .into_iter()
            .filter_entry(|entry| {
                entry.depth() == 0
                    || (!is_skipped_dir(entry) && !is_excluded(entry.path(), exclude))
            });
        for entry in walker {
            match entry {
                Ok(entry) => {
                    let is_rs = entry.path().extension().is_some_and(|ext| ext == "rs");
                    if is_rs && !entry.file_type().is_dir() {
                        found.push(Found::File(clean(entry.path())));
                    }
                }
                Err(error) => found.push(Found::Error {
                    path: error.path().map_or_else(|| path.clone(), Path::to_path_buf),
                    reason: walk_error_reason(&error),
                }),
            }
        }
    }
    found.sort_by(|a, b| sort_key(a).cmp(&sort_key(b)));
    found.dedup();
    found
}

fn sort_key(found: &Found) -> (u8, &Path) {
    match found {
        Found::Stdin => (0, Path::new("")),
        Found::File(path) | Found::Error { path, .. } => (1, path),
    }
}

fn walk_error_reason(error: &walkdir::Error) -> String {
    if error.loop_ancestor().is_some() {
        return "symbolic link loop".to_string();
    }
    match error.io_error() {
        Some(io) => io.to_string(),
        None => error.to_string(),
    }
}

fn is_skipped_dir(entry: &walkdir::DirEntry) -> bool {
    if !entry.file_type().is_dir() {
        return false;
    }
    let name = entry.file_name().to_string_lossy();
    name == "target" || name.starts_with('.')
}

fn is_excluded(path: &Path, exclude: &GlobSet) -> bool {
    if exclude.is_empty() {
        return false;
    }
    let cleaned = clean(path);
    exclude.is_match(&cleaned)
        || cleaned
            .file_name()
            .is_some_and(|name| exclude.is_match(name))
}

/// `./src/a.rs` is shown as `src/a.rs`, as cargo shows it.
fn clean(path: &Path) -> PathBuf {
    path.strip_prefix(".")
        .map_or_else(|_| path.to_path_buf(), Path::to_path_buf)
}
