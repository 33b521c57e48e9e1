//! The tree a series is reviewed against: its `base-commit:` when `--repo` has that commit, else
//! `--base` (default `HEAD`). The base's `.rs` files and root config are copied out of git's
//! objects into a temporary folder (no checkout, nothing written to the repository), once per
//! base and run.

use std::collections::HashMap;
use std::path::{Component, Path, PathBuf};

use super::source::{cat_blobs, git, git_line};

/// The base a series is reviewed against, and the note its reply carries when it is not the
/// series' own `base-commit:`.
pub struct Chosen {
    pub commit: String,
    pub note: Option<String>,
}

pub struct Bases<'a> {
    repo: &'a Path,
    /// `--base`, if given.
    fallback: Option<&'a str>,
    trees: HashMap<String, tempfile::TempDir>,
}

impl<'a> Bases<'a> {
    pub fn new(repo: &'a Path, fallback: Option<&'a str>) -> Bases<'a> {
        Bases {
            repo,
            fallback,
            trees: HashMap::new(),
        }
    }

    /// The full name of `rev` as a commit of the repository, if it is one.
    fn resolve(&self, rev: &str) -> Result<Option<String>, String> {
        if rev.starts_with('-') {
            return Ok(None);
        }
        git_line(
            self.repo,
            &[
                "rev-parse",
                "--verify",
                "--quiet",
                &format!("{rev}^{{commit}}"),
            ],
        )
    }

    /// The fallback base, or an error when it does not name a commit.
    pub fn fallback(&self) -> Result<String, String> {
        let rev = self.fallback.unwrap_or("HEAD");
        self.resolve(rev)?.ok_or_else(|| {
            format!(
                "`{rev}` is not a commit of `{}` (the base of series without a known \
                 `base-commit:`)",
                self.repo.display()
            )
        })
    }

    /// The series' own base when the repository has it, else the fallback, with why.
    pub fn choose(&self, trailer: Option<&str>) -> Result<Chosen, String> {
        if let Some(sha) = trailer {
            if let Some(commit) = self.resolve(sha)? {
                return Ok(Chosen { commit, note: None });
            }
        }
        let commit = self.fallback()?;
        let named = match self.fallback {
            Some(rev) => format!("`{rev}`"),
            None => "the repository's HEAD".to_string(),
        };
        let why = match trailer {
            Some(sha) => format!(
                "Its base-commit {sha} is not in the repository devref reviews against, so it was \
                 reviewed on {commit} ({named}) instead."
            ),
            None => format!(
                "It names no base-commit (`git format-patch --base` adds one), so it was reviewed \
                 on {commit} ({named})."
            ),
        };
        Ok(Chosen {
            commit,
            note: Some(why),
        })
    }

    /// A folder holding the commit's `.rs` files and its root `devref.toml`/`.devref.toml`.
    pub fn tree(&mut self, commit: &str) -> Result<PathBuf, String> {
        if let Some(dir) = self.trees.get(commit) {
            return Ok(dir.path().to_path_buf());
        }
        let dir = tempfile::Builder::new()
            .prefix("devref-base-")
            .tempdir()
            .map_err(|error| format!("cannot make a temporary folder: {error}"))?;
        let listing = git(
            self.repo,
            &["ls-tree", "-r", "-z", "--full-tree", commit],
            None,
        )?;
        let mut paths = Vec::new();
        let mut requests = String::new();
        for entry in listing.split('\0').filter(|e| !e.is_empty()) {
            let Some((meta, path)) = entry.split_once('\t') else {
                continue;
            };
            let fields: Vec<&str> = meta.split(' ').collect();
            let [mode, "blob", oid] = fields.as_slice() else {
                continue;
            };
            let wanted = path.ends_with(".rs") || path == "devref.toml" || path == ".devref.toml";
            if !wanted || !matches!(*mode, "100644" | "100755") || !is_plain(path) {
                continue;
            }
            paths.push(path.to_string());
            requests.push_str(oid);
            requests.push('\n');
        }
        for (path, blob) in paths.iter().zip(cat_blobs(self.repo, &requests)?) {
            let Some(blob) = blob else { continue };
            let target = dir.path().join(path);
            let written = target
                .parent()
                .map_or(Ok(()), std::fs::create_dir_all)
                .and_then(|()| std::fs::write(&target, blob));
            written.map_err(|error| format!("cannot write `{}`: {error}", target.display()))?;
        }
        let path = dir.path().to_path_buf();
        self.trees.insert(commit.to_string(), dir);
        Ok(path)
    }
}

/// A relative path of normal components only (git never stores others; this is a guard).
fn is_plain(path: &str) -> bool {
    Path::new(path)
        .components()
        .all(|c| matches!(c, Component::Normal(_)))
}
