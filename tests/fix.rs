//! `devref --fix` end to end: the built binary on files in real git repositories.
//!
//! No lint offers a machine-applicable suggestion for these snippets, so most tests set
//! `__DEVREF_FIX_YOLO=1` (cargo's `__CARGO_FIX_YOLO`), which also applies `MaybeIncorrect`
//! suggestions: `raw_device_ptr_field`'s `ARef<…>`. Without it, nothing may change.

use std::fs;
use std::path::Path;
use std::process::Command as StdCommand;
use std::time::Duration;

use assert_cmd::Command;
use tempfile::TempDir;

mod common;
use common::{assert_contains, assert_lacks, write, Run};

const YOLO: &str = "__DEVREF_FIX_YOLO";

/// Two `raw_device_ptr_field` findings, each with a `MaybeIncorrect` suggestion.
const RAW: &str = "use kernel::bindings;\n\nstruct S {\n    dev: *mut bindings::device,\n    \
                   pdev: Option<*const bindings::pci_dev>,\n}\n";
const RAW_FIXED: &str = "use kernel::bindings;\n\nstruct S {\n    dev: ARef<device::Device>,\n    \
                         pdev: Option<ARef<pci::Device>>,\n}\n";

/// One finding without a suggestion (the pointer is behind an alias inside an `Option`).
const ALIASED: &str =
    "use kernel::bindings;\n\ntype Raw = *mut bindings::device;\n\nstruct A {\n    \
                       dev: Option<Raw>,\n}\n";

const CLEAN: &str = "use kernel::prelude::*;\n\nfn probe() -> Result {\n    Ok(())\n}\n";

// --- Helpers ------------------------------------------------------------------------------------

fn git(dir: &Path, args: &[&str]) -> String {
    let output = StdCommand::new("git")
        .current_dir(dir)
        .args(args)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_AUTHOR_NAME", "devref")
        .env("GIT_AUTHOR_EMAIL", "devref@example.com")
        .env("GIT_COMMITTER_NAME", "devref")
        .env("GIT_COMMITTER_EMAIL", "devref@example.com")
        .output()
        .expect("git is installed");
    assert!(
        output.status.success(),
        "git {args:?} failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).expect("UTF-8")
}

/// A git repository with `files` committed.
fn repo(files: &[(&str, &str)]) -> TempDir {
    let dir = tempfile::tempdir().expect("a temporary directory");
    git(dir.path(), &["init", "-q"]);
    for (path, text) in files {
        write(dir.path(), path, text);
    }
    git(dir.path(), &["add", "-A"]);
    git(dir.path(), &["commit", "-q", "-m", "initial"]);
    dir
}

/// A directory that is not in any git work tree, or `None` if the temporary directory is in one.
fn no_repo(files: &[(&str, &str)]) -> Option<TempDir> {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let inside = StdCommand::new("git")
        .current_dir(dir.path())
        .args(["rev-parse", "--is-inside-work-tree"])
        .output()
        .is_ok_and(|output| output.status.success());
    if inside {
        eprintln!("the temporary directory is inside a git work tree: test skipped");
        return None;
    }
    for (path, text) in files {
        write(dir.path(), path, text);
    }
    Some(dir)
}

fn read(root: &Path, path: &str) -> String {
    fs::read_to_string(root.join(path)).expect("reading a test file")
}

fn status(dir: &Path) -> String {
    git(dir, &["status", "--porcelain", "--untracked-files=all"])
}

fn devref(dir: &Path, yolo: bool, args: &[&str]) -> Run {
    let mut cmd = Command::cargo_bin("devref").expect("the binary is built");
    cmd.current_dir(dir)
        .args(args)
        .env_remove("NO_COLOR")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .timeout(Duration::from_secs(60));
    if yolo {
        cmd.env(YOLO, "1");
    } else {
        cmd.env_remove(YOLO);
    }
    Run::from_output(cmd.output().expect("devref ran"))
}

fn file_names(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = fs::read_dir(dir)
        .expect("a readable directory")
        .map(|entry| {
            entry
                .expect("an entry")
                .file_name()
                .to_string_lossy()
                .into_owned()
        })
        .collect();
    names.sort();
    names
}

// --- What is applied ----------------------------------------------------------------------------

#[test]
fn maybe_incorrect_suggestions_are_not_applied_and_a_clean_tree_stays_clean() {
    let dir = repo(&[("drivers/a.rs", RAW), ("drivers/clean.rs", CLEAN)]);
    let run = devref(dir.path(), false, &["--fix", "--color", "never", "."]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(read(dir.path(), "drivers/a.rs"), RAW);
    assert_lacks(&run.stderr, "Fixed");
    // The diagnostics are rendered as usual, suggestion included.
    assert_contains(&run.stderr, "help: hold a counted reference instead");
    assert_contains(&run.stderr, "warning: 2 warnings emitted");
    assert_eq!(status(dir.path()), "");
}

#[test]
fn nothing_to_fix_is_not_refused_even_in_a_dirty_tree() {
    let dir = repo(&[("a.rs", RAW)]);
    write(dir.path(), "a.rs", format!("{RAW}// edited\n"));
    write(dir.path(), "new.rs", CLEAN);
    let run = devref(dir.path(), false, &["--fix", "."]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_lacks(&run.stderr, "error");
    assert_eq!(read(dir.path(), "a.rs"), format!("{RAW}// edited\n"));
}

#[test]
fn fixes_are_applied_reported_and_the_rest_is_relinted() {
    let dir = repo(&[("drivers/a.rs", RAW), ("drivers/b.rs", ALIASED)]);
    let run = devref(dir.path(), true, &["--fix", "--color", "never", "drivers"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(read(dir.path(), "drivers/a.rs"), RAW_FIXED);
    assert_eq!(read(dir.path(), "drivers/b.rs"), ALIASED);
    assert!(
        run.stderr.starts_with("Fixed drivers/a.rs (2 fixes)\n"),
        "{}",
        run.stderr
    );
    assert_lacks(&run.stderr, "Fixed drivers/b.rs");
    // Only b.rs's finding remains.
    assert_lacks(&run.stderr, "--> drivers/a.rs");
    assert_contains(&run.stderr, "--> drivers/b.rs:6:17");
    assert_contains(&run.stderr, "warning: 1 warning emitted");
    assert_eq!(status(dir.path()), " M drivers/a.rs\n");

    // A second run has nothing left to fix.
    let again = devref(dir.path(), true, &["--fix", "--allow-dirty", "drivers"]);
    assert_eq!(again.code, 0, "{}", again.stderr);
    assert_lacks(&again.stderr, "Fixed");
    assert_eq!(read(dir.path(), "drivers/a.rs"), RAW_FIXED);
}

#[test]
fn one_fix_is_reported_in_the_singular_and_json_output_shows_what_remains() {
    let one = "use kernel::bindings;\nstruct S { dev: *mut bindings::device }\n";
    let dir = repo(&[("a.rs", one), ("b.rs", ALIASED)]);
    let run = devref(
        dir.path(),
        true,
        &["--fix", "--message-format", "json", "."],
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(run.stderr, "Fixed a.rs (1 fix)\n");
    let lines: Vec<&str> = run.stdout.lines().collect();
    assert_eq!(lines.len(), 1, "{}", run.stdout);
    let value: serde_json::Value = serde_json::from_str(lines[0]).expect("JSON");
    assert_eq!(value["spans"][0]["file_name"], "b.rs");
    assert_eq!(
        read(dir.path(), "a.rs"),
        "use kernel::bindings;\nstruct S { dev: ARef<device::Device> }\n"
    );
}

// --- Version control ----------------------------------------------------------------------------

#[test]
fn files_with_uncommitted_changes_are_refused_and_nothing_is_changed() {
    let dir = repo(&[("a.rs", RAW), ("b.rs", RAW), ("c.rs", RAW), ("ok.rs", RAW)]);
    // Modified, staged, and untracked; ok.rs is committed but is not changed either.
    write(dir.path(), "a.rs", format!("{RAW}// edited\n"));
    write(dir.path(), "b.rs", format!("{RAW}// staged\n"));
    git(dir.path(), &["add", "b.rs"]);
    write(dir.path(), "d.rs", RAW);
    let before = status(dir.path());
    let run = devref(dir.path(), true, &["--fix", "."]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(
        run.stderr.starts_with(
            "error: `--fix` does not change files that git cannot restore; nothing was changed:\n"
        ),
        "{}",
        run.stderr
    );
    assert_contains(&run.stderr, "  * a.rs (uncommitted changes)\n");
    assert_contains(&run.stderr, "  * b.rs (uncommitted changes)\n");
    assert_contains(&run.stderr, "  * d.rs (untracked)\n");
    assert_lacks(&run.stderr, "c.rs");
    assert_lacks(&run.stderr, "ok.rs");
    assert_contains(&run.stderr, "`--allow-dirty`");
    assert_lacks(&run.stderr, "Fixed");
    // Nothing rendered, nothing written, not even the committed files.
    assert_lacks(&run.stderr, "warning[");
    assert_eq!(read(dir.path(), "ok.rs"), RAW);
    assert_eq!(read(dir.path(), "c.rs"), RAW);
    assert_eq!(read(dir.path(), "a.rs"), format!("{RAW}// edited\n"));
    assert_eq!(status(dir.path()), before);
}

#[test]
fn allow_dirty_fixes_files_with_uncommitted_changes() {
    let dir = repo(&[("a.rs", RAW)]);
    write(dir.path(), "a.rs", format!("{RAW}// edited\n"));
    write(dir.path(), "new.rs", RAW);
    let run = devref(dir.path(), true, &["--fix", "--allow-dirty", "."]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(
        run.stderr, "Fixed a.rs (2 fixes)\nFixed new.rs (2 fixes)\n",
        "{}",
        run.stderr
    );
    assert_eq!(read(dir.path(), "a.rs"), format!("{RAW_FIXED}// edited\n"));
    assert_eq!(read(dir.path(), "new.rs"), RAW_FIXED);
}

#[test]
fn files_ignored_by_git_are_refused() {
    let dir = repo(&[(".gitignore", "generated/\n"), ("lib.rs", CLEAN)]);
    write(dir.path(), "generated/a.rs", RAW);
    let run = devref(dir.path(), true, &["--fix", "generated/a.rs"]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert_contains(&run.stderr, "  * generated/a.rs (ignored by git)\n");
    assert_eq!(read(dir.path(), "generated/a.rs"), RAW);
}

#[test]
fn a_file_in_a_subdirectory_is_checked_against_its_repository() {
    let dir = repo(&[("drivers/net/a.rs", RAW)]);
    let sub = dir.path().join("drivers");
    let run = devref(&sub, true, &["--fix", "net/a.rs"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(run.stderr, "Fixed net/a.rs (2 fixes)\n");
    assert_eq!(read(dir.path(), "drivers/net/a.rs"), RAW_FIXED);
}

#[test]
fn files_outside_a_git_work_tree_need_allow_dirty() {
    let Some(dir) = no_repo(&[("a.rs", RAW)]) else {
        return;
    };
    let run = devref(dir.path(), true, &["--fix", "a.rs"]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert_contains(&run.stderr, "  * a.rs (not in a git work tree)\n");
    assert_eq!(read(dir.path(), "a.rs"), RAW);

    let run = devref(dir.path(), true, &["--fix", "--allow-dirty", "a.rs"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(run.stderr, "Fixed a.rs (2 fixes)\n");
    assert_eq!(read(dir.path(), "a.rs"), RAW_FIXED);
}

// --- Writing ------------------------------------------------------------------------------------

#[cfg(unix)]
#[test]
fn the_file_mode_is_kept_and_no_temporary_file_is_left() {
    use std::os::unix::fs::{MetadataExt, PermissionsExt};
    let dir = repo(&[("drivers/a.rs", RAW)]);
    let path = dir.path().join("drivers/a.rs");
    fs::set_permissions(&path, fs::Permissions::from_mode(0o640)).expect("chmod");
    // git records only the executable bit, so the tree stays clean.
    assert_eq!(status(dir.path()), "");
    let inode = fs::metadata(&path).expect("metadata").ino();
    let run = devref(dir.path(), true, &["--fix", "drivers/a.rs"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let metadata = fs::metadata(&path).expect("metadata");
    assert_eq!(metadata.permissions().mode() & 0o7777, 0o640);
    // Replaced by a rename, not rewritten in place.
    assert_ne!(metadata.ino(), inode);
    assert_eq!(read(dir.path(), "drivers/a.rs"), RAW_FIXED);
    assert_eq!(file_names(&dir.path().join("drivers")), ["a.rs"]);
    assert_eq!(file_names(dir.path()), [".git", "drivers"]);
}

#[cfg(unix)]
#[test]
fn an_executable_file_stays_executable() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().expect("a temporary directory");
    write(dir.path(), "a.rs", RAW);
    let path = dir.path().join("a.rs");
    fs::set_permissions(&path, fs::Permissions::from_mode(0o755)).expect("chmod");
    git(dir.path(), &["init", "-q"]);
    git(dir.path(), &["add", "a.rs"]);
    git(dir.path(), &["commit", "-q", "-m", "initial"]);
    let run = devref(dir.path(), true, &["--fix", "a.rs"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let mode = fs::metadata(&path).expect("metadata").permissions().mode() & 0o7777;
    assert_eq!(mode, 0o755);
    assert_eq!(status(dir.path()), " M a.rs\n");
}

#[test]
fn a_file_that_cannot_be_written_is_an_error_and_stays_as_it_was() {
    let dir = repo(&[("a.rs", RAW), ("b.rs", RAW)]);
    let path = dir.path().join("a.rs");
    let mut permissions = fs::metadata(&path).expect("metadata").permissions();
    permissions.set_readonly(true);
    fs::set_permissions(&path, permissions).expect("chmod");
    let run = devref(dir.path(), true, &["--fix", "--color", "never", "."]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert_contains(
        &run.stderr,
        "error[devref::input]: cannot write the fixes to `a.rs`: it is read-only",
    );
    assert!(
        run.stderr.starts_with("Fixed b.rs (2 fixes)\n"),
        "{}",
        run.stderr
    );
    assert_eq!(read(dir.path(), "a.rs"), RAW);
    assert_eq!(read(dir.path(), "b.rs"), RAW_FIXED);
    // a.rs's findings are shown as they still are.
    assert_contains(&run.stderr, "--> a.rs:4:10");
    assert_eq!(file_names(dir.path()), [".git", "a.rs", "b.rs"]);
}

#[cfg(unix)]
#[test]
fn a_symbolic_link_is_fixed_through_and_stays_a_link() {
    let dir = repo(&[("real/a.rs", RAW)]);
    std::os::unix::fs::symlink("real/a.rs", dir.path().join("link.rs")).expect("symlink");
    git(dir.path(), &["add", "link.rs"]);
    git(dir.path(), &["commit", "-q", "-m", "link"]);
    let run = devref(dir.path(), true, &["--fix", "link.rs"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(run.stderr, "Fixed link.rs (2 fixes)\n");
    let link = fs::symlink_metadata(dir.path().join("link.rs")).expect("metadata");
    assert!(link.file_type().is_symlink());
    assert_eq!(read(dir.path(), "real/a.rs"), RAW_FIXED);
}

#[test]
fn crlf_files_keep_their_line_endings() {
    let crlf = RAW.replace('\n', "\r\n");
    let dir = repo(&[("a.rs", &crlf)]);
    let run = devref(dir.path(), true, &["--fix", "a.rs"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(read(dir.path(), "a.rs"), RAW_FIXED.replace('\n', "\r\n"));
}

// --- Invocation ---------------------------------------------------------------------------------

#[test]
fn stdin_cannot_be_fixed() {
    let dir = repo(&[("a.rs", RAW)]);
    let run = devref(dir.path(), true, &["--fix", "-"]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert_contains(&run.stderr, "`--fix` cannot fix input read from stdin");
    let run = devref(dir.path(), true, &["--fix", "a.rs", "-"]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert_eq!(read(dir.path(), "a.rs"), RAW);
}

#[test]
fn allow_dirty_requires_fix() {
    let dir = repo(&[("a.rs", RAW)]);
    let run = devref(dir.path(), false, &["--allow-dirty", "a.rs"]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert_contains(&run.stderr, "--fix");
}

#[test]
fn cargo_devref_fixes_too() {
    let dir = repo(&[
        (
            "Cargo.toml",
            "[package]\nname = \"drv\"\nversion = \"0.1.0\"\nedition = \"2021\"\n",
        ),
        ("src/lib.rs", &format!("mod a;\n{CLEAN}")),
        ("src/a.rs", RAW),
    ]);
    let mut cmd = Command::cargo_bin("cargo-devref").expect("the binary is built");
    let output = cmd
        .current_dir(dir.path())
        .args(["devref", "--fix"])
        .env(YOLO, "1")
        .timeout(Duration::from_secs(60))
        .output()
        .expect("cargo-devref ran");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    assert!(stderr.contains("Fixed src/a.rs (2 fixes)"), "{stderr}");
    assert_eq!(read(dir.path(), "src/a.rs"), RAW_FIXED);
}

#[test]
fn with_report_only_only_the_reported_file_is_fixed() {
    let dir = repo(&[("a.rs", RAW), ("b.rs", RAW)]);
    let run = devref(dir.path(), true, &["--fix", "--report-only", "b.rs", "."]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(run.stderr, "Fixed b.rs (2 fixes)\n");
    assert_eq!(read(dir.path(), "a.rs"), RAW);
    assert_eq!(read(dir.path(), "b.rs"), RAW_FIXED);
}
