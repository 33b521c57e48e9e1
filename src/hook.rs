//! Commit hooks: what a hook says when it stops a commit (`--commit-hook`), and
//! `devref install-hook [--force]`, which writes a plain git `pre-commit` hook that runs
//! `devref --staged --message-format short -D warnings --commit-hook`: one line per finding, and
//! any finding on a line the commit adds or changes stops it (as the hooks of
//! `.pre-commit-hooks.yaml` do).
//!
//! - The hook goes where git looks for hooks: `git rev-parse --git-path hooks`, which follows
//!   `core.hooksPath` and, in a linked worktree, names the common hooks folder. The folder is
//!   created if it does not exist.
//! - The script runs the devref binary that installed it, by absolute path, so that it works when
//!   git runs it with a `PATH` that lacks `~/.cargo/bin` (as graphical git clients do); if that
//!   binary has gone, it falls back to `devref` on `PATH`, and failing that says how to get one.
//! - An existing `pre-commit` hook is never replaced silently: without `--force` the command
//!   refuses (exit 2); with `--force` the old hook is renamed to `pre-commit.devref-backup`, or
//!   `pre-commit.devref-backup.1`, `.2`, … if a backup already exists. A hook that devref itself
//!   wrote is replaced without `--force`; an identical one is left as it is.
//! - The script is written to a temporary file in the hooks folder and renamed into place, with
//!   mode 0755.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::exit::{usage_error, EXIT_CLEAN};

/// What a commit hook prints last, on stderr, when its findings stop the commit: how to keep an
/// intended finding, and how to commit without the hook.
pub const STOPPED_COMMIT_HELP: &str = "\
help: to keep an intended finding, say why on its line or the line above: `// devref: allow(<lint>) -- <why>`
help: `git commit --no-verify` commits without running this hook
";

/// The line that marks a hook written by devref.
const MARKER: &str = "# devref pre-commit hook, written by `devref install-hook`.";

/// Installs the hook in the repository of the current directory; returns the exit code.
pub fn install(force: bool) -> i32 {
    match try_install(force) {
        Ok(()) => EXIT_CLEAN,
        Err(message) => usage_error(message),
    }
}

fn try_install(force: bool) -> Result<(), String> {
    let hooks = hooks_dir()?;
    let hook = hooks.join("pre-commit");
    let script = script(&devref_binary());
    fs::create_dir_all(&hooks)
        .map_err(|error| format!("cannot create `{}`: {error}", hooks.display()))?;
    if fs::symlink_metadata(&hook).is_ok() {
        let existing = fs::read(&hook).unwrap_or_default();
        if existing == script.as_bytes() {
            println!(
                "The devref pre-commit hook is already installed in `{}`",
                hook.display()
            );
            return Ok(());
        }
        let ours = String::from_utf8_lossy(&existing).contains(MARKER);
        if !ours {
            let backup = free_backup(&hooks);
            if !force {
                return Err(format!(
                    "`{}` already exists; `devref install-hook --force` replaces it and keeps the \
                     old hook as `{}`",
                    hook.display(),
                    backup.display()
                ));
            }
            fs::rename(&hook, &backup).map_err(|error| {
                format!(
                    "cannot keep the existing hook `{}` as `{}`: {error}",
                    hook.display(),
                    backup.display()
                )
            })?;
            println!(
                "Kept the existing pre-commit hook as `{}`",
                backup.display()
            );
        }
    }
    write_executable(&hooks, &hook, &script)?;
    println!(
        "Installed a pre-commit hook running `devref --staged` in `{}`",
        hook.display()
    );
    Ok(())
}

/// The folder git runs hooks from, as `git rev-parse --git-path hooks` names it.
fn hooks_dir() -> Result<PathBuf, String> {
    let output = Command::new("git")
        .args(["rev-parse", "--git-path", "hooks"])
        .output()
        .map_err(|error| {
            format!("`devref install-hook` needs git, which cannot be run: {error}")
        })?;
    if !output.status.success() {
        let stderr = String::from_utf8_lossy(&output.stderr);
        let cwd = std::env::current_dir()
            .map_or_else(|_| ".".to_string(), |cwd| cwd.display().to_string());
        return Err(if stderr.contains("not a git repository") {
            format!(
                "not in a git repository: `devref install-hook` installs the hook of the \
                 repository it runs in, and `{cwd}` is not inside one"
            )
        } else {
            format!(
                "`git rev-parse --git-path hooks` failed: {}",
                stderr.lines().next().unwrap_or("").trim()
            )
        });
    }
    let path = String::from_utf8(output.stdout)
        .map_err(|_| "the path of the git hooks folder is not UTF-8".to_string())?;
    Ok(PathBuf::from(path.trim_end_matches(['\n', '\r'])))
}

/// The `devref` binary to run: this one (or, from `cargo-devref`, the `devref` beside it).
fn devref_binary() -> Option<PathBuf> {
    let exe = std::env::current_exe().ok()?;
    let exe = exe.canonicalize().unwrap_or(exe);
    let name = exe.file_name()?.to_string_lossy();
    if name.starts_with("cargo-devref") {
        let sibling = exe.with_file_name(name.replacen("cargo-devref", "devref", 1));
        return sibling.is_file().then_some(sibling);
    }
    Some(exe)
}

/// The hook script.
pub fn script(binary: &Option<PathBuf>) -> String {
    let installed = binary
        .as_ref()
        .map_or_else(|| "devref".to_string(), |path| path.display().to_string());
    let quoted = shell_quote(&installed);
    format!(
        "#!/bin/sh\n\
         {MARKER}\n\
         # Lints what is staged (the index, not the work tree) and reports the findings on the lines\n\
         # the commit adds or changes; any finding stops the commit (`-D warnings`).\n\
         # Skip it once with `git commit --no-verify`; remove this file to uninstall it.\n\
         devref={quoted}\n\
         if [ ! -x \"$devref\" ]; then\n\
         \x20   if command -v devref >/dev/null 2>&1; then\n\
         \x20       devref=devref\n\
         \x20   else\n\
         \x20       echo \"pre-commit: devref is not installed (not at $devref, nor on PATH);\" \\\n\
         \x20            \"install it with 'cargo install --path <devref checkout>'\" \\\n\
         \x20            \"or skip this check with 'git commit --no-verify'\" >&2\n\
         \x20       exit 1\n\
         \x20   fi\n\
         fi\n\
         exec \"$devref\" --staged --message-format short -D warnings --commit-hook\n"
    )
}

/// `text` in single quotes for `sh`.
fn shell_quote(text: &str) -> String {
    format!("'{}'", text.replace('\'', r"'\''"))
}

/// The first of `pre-commit.devref-backup`, `pre-commit.devref-backup.1`, … that does not exist.
fn free_backup(hooks: &Path) -> PathBuf {
    let first = hooks.join("pre-commit.devref-backup");
    if fs::symlink_metadata(&first).is_err() {
        return first;
    }
    (1..)
        .map(|n| hooks.join(format!("pre-commit.devref-backup.{n}")))
        .find(|path| fs::symlink_metadata(path).is_err())
        .expect("a free backup name")
}

/// Writes `text` to `path` through a temporary file in `dir`, executable by everyone.
fn write_executable(dir: &Path, path: &Path, text: &str) -> Result<(), String> {
    let cannot = |error: std::io::Error| format!("cannot write `{}`: {error}", path.display());
    let mut temp = tempfile::Builder::new()
        .prefix(".pre-commit.devref-")
        .tempfile_in(dir)
        .map_err(cannot)?;
    temp.write_all(text.as_bytes()).map_err(cannot)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        fs::set_permissions(temp.path(), fs::Permissions::from_mode(0o755)).map_err(cannot)?;
    }
    temp.persist(path).map_err(|error| cannot(error.error))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_script_quotes_the_binary_path() {
        let script = script(&Some(PathBuf::from("/opt/it's here/devref")));
        assert!(script.starts_with("#!/bin/sh\n"));
        assert!(script.contains("devref='/opt/it'\\''s here/devref'\n"));
        assert!(script.ends_with(
            "exec \"$devref\" --staged --message-format short -D warnings --commit-hook\n"
        ));
    }
}
