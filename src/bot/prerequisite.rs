//! `prerequisite-patch-id:` trailers (`git format-patch --base` writes them for the commits
//! between the base and the series): each patch read is indexed by its stable patch id, as
//! `git patch-id --stable` computes it, so that a series' prerequisites found in the archive are
//! applied to its base before it is reviewed.

use std::path::Path;
use std::process::{Command, Stdio};

use tempfile::TempDir;

use super::source::git;

/// A patch's stable patch id, computed by git for many patches in one run: `(patch text)` in,
/// `(index, id)` out for each that has a diff git reads.
pub fn patch_ids(repo: &Path, patches: &[&str]) -> Result<Vec<(usize, String)>, String> {
    if patches.is_empty() {
        return Ok(Vec::new());
    }
    // Each patch after a `commit` line naming its index, which `git patch-id` prints back.
    let mut input = String::new();
    for (index, text) in patches.iter().enumerate() {
        input.push_str(&format!("commit {index:040x}\n\n"));
        input.push_str(text);
        if !text.ends_with('\n') {
            input.push('\n');
        }
    }
    let output = git(repo, &["patch-id", "--stable"], Some(input.as_bytes()))?;
    let mut ids = Vec::new();
    for line in output.lines() {
        let Some((id, index)) = line.split_once(' ') else {
            continue;
        };
        if let Ok(index) = usize::from_str_radix(index, 16) {
            if index < patches.len() {
                ids.push((index, id.to_string()));
            }
        }
    }
    Ok(ids)
}

/// The `prerequisite-patch-id:` trailers of the messages, each once, in order.
pub fn trailers(messages: &[Vec<u8>]) -> Vec<String> {
    let mut ids = Vec::new();
    for message in messages {
        for line in String::from_utf8_lossy(message).lines() {
            if let Some(id) = line.strip_prefix("prerequisite-patch-id: ") {
                let id = id.trim().to_ascii_lowercase();
                let valid = !id.is_empty() && id.bytes().all(|b| b.is_ascii_hexdigit());
                if valid && !ids.contains(&id) {
                    ids.push(id);
                }
            }
        }
    }
    ids
}

/// A copy of `base` (the base's `.rs` files and root config, not a repository) with the
/// patches applied by `git apply`, each whole or not at all; a patch that does not apply is tried
/// again after the others, as the trailers' order need not be the order of application. Returns
/// the copy and which patches were applied.
pub fn patched_tree(base: &Path, patches: &[&str]) -> Result<(TempDir, Vec<bool>), String> {
    let dir = tempfile::Builder::new()
        .prefix("devref-prerequisites-")
        .tempdir()
        .map_err(|error| format!("cannot make a temporary folder: {error}"))?;
    copy_files(base, dir.path())?;
    let applied = apply(dir.path(), patches)?;
    Ok((dir, applied))
}

fn copy_files(from: &Path, to: &Path) -> Result<(), String> {
    let entries = std::fs::read_dir(from)
        .map_err(|error| format!("cannot read `{}`: {error}", from.display()))?;
    for entry in entries {
        let entry = entry.map_err(|error| format!("cannot read `{}`: {error}", from.display()))?;
        let target = to.join(entry.file_name());
        let copied = match entry.file_type() {
            Ok(kind) if kind.is_dir() => std::fs::create_dir(&target)
                .map_err(|error| error.to_string())
                .and_then(|()| copy_files(&entry.path(), &target)),
            Ok(kind) if kind.is_file() => std::fs::copy(entry.path(), &target)
                .map(|_| ())
                .map_err(|error| error.to_string()),
            _ => Ok(()), // the base holds only folders and files
        };
        copied.map_err(|error| format!("cannot copy to `{}`: {error}", target.display()))?;
    }
    Ok(())
}

fn apply(tree: &Path, patches: &[&str]) -> Result<Vec<bool>, String> {
    let mut applied = vec![false; patches.len()];
    loop {
        let mut progress = false;
        for (index, patch) in patches.iter().enumerate() {
            if !applied[index] && git_apply(tree, patch)? {
                applied[index] = true;
                progress = true;
            }
        }
        if !progress {
            return Ok(applied);
        }
    }
}

/// `git apply` of one patch to the tree's files; the tree holds only what review reads.
fn git_apply(tree: &Path, patch: &str) -> Result<bool, String> {
    let ceiling = tree.parent().unwrap_or(tree);
    let mut child = Command::new("git")
        .arg("-C")
        .arg(tree)
        .args([
            "apply",
            "--include=*.rs",
            "--include=devref.toml",
            "--include=.devref.toml",
            "-",
        ])
        // Never find a repository above the temporary tree.
        .env("GIT_CEILING_DIRECTORIES", ceiling)
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|error| format!("cannot run git: {error}"))?;
    let mut stdin = child.stdin.take();
    let bytes = patch.as_bytes().to_vec();
    let writer = std::thread::spawn(move || {
        if let Some(pipe) = stdin.as_mut() {
            let _ = std::io::Write::write_all(pipe, &bytes);
        }
    });
    let status = child
        .wait()
        .map_err(|error| format!("cannot run git: {error}"))?;
    let _ = writer.join();
    Ok(status.success())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trailers_are_read_once_each_and_only_hexadecimal() {
        let mail = b"x\nprerequisite-patch-id: ABC123\nprerequisite-patch-id: abc123\n\
                     prerequisite-patch-id: nope\nprerequisite-patch-id: 0f\n"
            .to_vec();
        assert_eq!(trailers(&[mail]), ["abc123", "0f"]);
    }
}
