//! Finding the files to lint.

use std::fs::{FileType, Metadata};
use std::path::{Path, PathBuf};

use globset::{Glob, GlobSet, GlobSetBuilder};
use walkdir::WalkDir;

/// A file to lint, or a path that could not be searched or will not be read (with the message
/// that says why, naming the path).
#[derive(Debug, PartialEq, Eq)]
pub enum Found {
    File(PathBuf),
    Stdin,
    Error { path: PathBuf, message: String },
}

/// The `--exclude` and config globs, compiled.
pub fn exclude_set(globs: &[String]) -> Result<GlobSet, String> {
    let mut builder = GlobSetBuilder::new();
    for glob in globs {
        let glob = Glob::new(glob).map_err(|e| format!("invalid --exclude glob `{glob}`: {e}"))?;
        builder.add(glob);
    }
    builder.build().map_err(|e| e.to_string())
}

/// Expands the command-line paths into a sorted, de-duplicated file list: `-` first, then the
/// files and errors by path.
///
/// Only regular files are ever listed as [`Found::File`]: a FIFO, socket or device named `*.rs`
/// would block or never end when read, so it is reported instead.
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
                let path = clean(path);
                let message = format!("cannot read `{}`: {error}", path.display());
                found.push(Found::Error { path, message });
                continue;
            }
        };
        if !metadata.is_dir() {
            let path = clean(path);
            found.push(match not_regular(&path, &metadata) {
                None => Found::File(path),
                Some(message) => Found::Error { path, message },
            });
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
                    let file_type = entry.file_type();
                    if file_type.is_dir() || !is_rs(entry.path()) {
                        continue;
                    }
                    let path = clean(entry.path());
                    found.push(match type_name(file_type) {
                        None => Found::File(path),
                        Some(kind) => Found::Error {
                            message: not_regular_message(&path, kind),
                            path,
                        },
                    });
                }
                Err(error) => {
                    let error_path = error.path().map_or_else(|| path.clone(), Path::to_path_buf);
                    // A dangling symbolic link is only worth reporting where a Rust file was
                    // expected.
                    let dangling = error
                        .io_error()
                        .is_some_and(|io| io.kind() == std::io::ErrorKind::NotFound);
                    if dangling && !is_rs(&error_path) {
                        continue;
                    }
                    let error_path = clean(&error_path);
                    found.push(Found::Error {
                        message: walk_error_message(&error_path, &error),
                        path: error_path,
                    });
                }
            }
        }
    }
    found.sort_by(|a, b| sort_key(a).cmp(&sort_key(b)));
    found.dedup();
    found
}

/// Why `path` will not be read, if it is not a regular file.
pub fn not_regular(path: &Path, metadata: &Metadata) -> Option<String> {
    type_name(metadata.file_type()).map(|kind| not_regular_message(path, kind))
}

fn not_regular_message(path: &Path, kind: &str) -> String {
    format!("`{}` is {kind}, not a regular file", path.display())
}

/// What a file that is not a regular file is, e.g. `a FIFO`; `None` for a regular file.
fn type_name(file_type: FileType) -> Option<&'static str> {
    if file_type.is_file() {
        return None;
    }
    if file_type.is_dir() {
        return Some("a directory");
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if file_type.is_fifo() {
            return Some("a FIFO (named pipe)");
        }
        if file_type.is_socket() {
            return Some("a socket");
        }
        if file_type.is_char_device() {
            return Some("a character device");
        }
        if file_type.is_block_device() {
            return Some("a block device");
        }
    }
    Some("a special file")
}

fn is_rs(path: &Path) -> bool {
    path.extension().is_some_and(|ext| ext == "rs")
}

fn sort_key(found: &Found) -> (u8, &Path) {
    match found {
        Found::Stdin => (0, Path::new("")),
        Found::File(path) | Found::Error { path, .. } => (1, path),
    }
}

fn walk_error_message(path: &Path, error: &walkdir::Error) -> String {
    if let Some(ancestor) = error.loop_ancestor() {
        return format!(
            "`{}` is a symbolic link loop (it leads back to `{}`), not searched",
            path.display(),
            clean(ancestor).display()
        );
    }
    let reason = match error.io_error() {
        Some(io) => io.to_string(),
        None => error.to_string(),
    };
    format!("cannot read `{}`: {reason}", path.display())
}

fn is_skipped_dir(entry: &walkdir::DirEntry) -> bool {
    if !entry.file_type().is_dir() {
        return false;
    }
    let name = entry.file_name().to_string_lossy();
    name == "target" || name.starts_with('.')
}

/// Whether `--exclude` or the config's `exclude` skips the file or folder `path`: it, or a folder
/// above it, matches a glob by its path (`./` left out) or by its name. A search skips an excluded
/// folder whole, so a file named below one (by `cargo devref`, git or `--report-only`) is skipped
/// as well.
pub fn is_excluded(path: &Path, exclude: &GlobSet) -> bool {
    if exclude.is_empty() {
        return false;
    }
    clean(path).ancestors().any(|path| {
        !path.as_os_str().is_empty()
            && (exclude.is_match(path)
                || path.file_name().is_some_and(|name| exclude.is_match(name)))
    })
}

/// `./src/a.rs` is shown as `src/a.rs`, as cargo shows it; `.` stays `.`.
fn clean(path: &Path) -> PathBuf {
    match path.strip_prefix(".") {
        Ok(rest) if !rest.as_os_str().is_empty() => rest.to_path_buf(),
        _ => path.to_path_buf(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `devref PATH`, `cargo devref`, `--diff`/`--staged`, `--report-only` and `devref review` all
    /// ask this one function; they once had three, and a file named below an excluded folder was
    /// skipped by some and linted by others.
    #[test]
    fn excludes_match_the_file_or_a_folder_above_it() {
        let set = exclude_set(&["generated".to_string(), "src/old/*.rs".to_string()]).unwrap();
        let excluded = |path: &str| is_excluded(Path::new(path), &set);
        assert!(excluded("src/generated/a.rs"));
        assert!(excluded("./src/generated/a.rs"));
        assert!(excluded("generated"));
        assert!(excluded("src/old/b.rs"));
        assert!(excluded("./src/old/b.rs"));
        assert!(!excluded("src/lib.rs"));
        assert!(!excluded("src/generated_too.rs"));
        assert!(!is_excluded(
            Path::new("src/generated/a.rs"),
            &exclude_set(&[]).unwrap()
        ));
    }
}
