//! `rust-project.json`: the crate graph that `make LLVM=1 rust-analyzer` writes for the kernel.
//!
//! When one is found (`--project FILE`, or `rust-project.json` in a linted folder), the crates it
//! names get their names from it, not from their paths: a crate rooted at `samples/rust/x.rs` or
//! `drivers/gpu/nova-core/nova_core.rs` is the crate the build makes. A crate that another crate
//! depends on can be named by the others even when its root is no `lib.rs`, and one that nothing
//! depends on cannot, even when it is. Files it does not name keep the guessed names. Its `cfg`s
//! and editions are not read: devref takes every `#[cfg]` but `#[cfg(test)]` as set.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::discover::Found;

#[derive(Deserialize)]
struct Project {
    crates: Vec<Crate>,
}

#[derive(Deserialize)]
struct Crate {
    root_module: PathBuf,
    display_name: Option<String>,
    #[serde(default)]
    deps: Vec<Dep>,
}

#[derive(Deserialize)]
struct Dep {
    #[serde(rename = "crate")]
    index: usize,
}

/// `(linted file name, crate name, whether a crate depends on it)` of each linted file that the
/// project names as a crate root.
pub fn crate_roots(
    project: Option<&Path>,
    paths: &[PathBuf],
    sources: &[(String, Found)],
) -> Result<Vec<(String, String, bool)>, String> {
    let Some(file) = project_file(project, paths) else {
        return Ok(Vec::new());
    };
    let text = std::fs::read_to_string(&file)
        .map_err(|error| format!("cannot read `{}`: {error}", file.display()))?;
    let project: Project = serde_json::from_str(&text)
        .map_err(|error| format!("`{}` is no rust-project.json: {error}", file.display()))?;
    let base = file.parent().unwrap_or(Path::new("."));
    let depended_on: std::collections::HashSet<usize> = project
        .crates
        .iter()
        .flat_map(|krate| krate.deps.iter().map(|dep| dep.index))
        .collect();
    let mut names: HashMap<PathBuf, (String, bool)> = HashMap::new();
    for (index, krate) in project.crates.into_iter().enumerate() {
        let Some(name) = krate.display_name else {
            continue;
        };
        let root = base.join(&krate.root_module);
        // Roots outside the linted tree (the sysroot's `core`) do not canonicalize, and need not.
        if let Ok(root) = root.canonicalize() {
            names.insert(root, (name.replace('-', "_"), depended_on.contains(&index)));
        }
    }
    Ok(sources
        .iter()
        .filter_map(|(name, found)| {
            let Found::File(path) = found else {
                return None;
            };
            let (krate, library) = names.get(&path.canonicalize().ok()?)?;
            Some((name.clone(), krate.clone(), *library))
        })
        .collect())
}

/// `--project FILE`, or the first `rust-project.json` in a linted folder.
fn project_file(project: Option<&Path>, paths: &[PathBuf]) -> Option<PathBuf> {
    if let Some(file) = project {
        return Some(file.to_path_buf());
    }
    paths
        .iter()
        .filter(|path| path.is_dir())
        .map(|dir| dir.join("rust-project.json"))
        .find(|candidate| candidate.is_file())
}
