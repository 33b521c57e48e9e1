//! Changed-lines mode (`--diff [REV]`, `--staged`), `devref install-hook`, and the hooks of
//! `.pre-commit-hooks.yaml` run by the real pre-commit framework.
//!
//! Every test makes its own git repositories in temporary directories, with a git environment of
//! its own: no system or global git configuration, a fixed author, no signing.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command as StdCommand, Output};
use std::time::Duration;

use assert_cmd::Command;
use tempfile::TempDir;

mod common;
use common::{assert_contains, Run};

const RAW: &str = "devref::raw_device_ptr_field";
const STATIC: &str = "devref::static_device_ref";
const INPUT: &str = "devref::input";

/// One `raw_device_ptr_field` (warn) finding, on line 3.
const RAW_FIELD: &str = "use kernel::bindings;\nstruct S {\n    dev: *mut bindings::device,\n}\n";

// --- Helpers ------------------------------------------------------------------------------------

/// A temporary git repository.
struct Repo {
    dir: TempDir,
}

/// Makes a command independent of the machine's git setup and of any git hook that runs the
/// tests: no system or global configuration, no inherited repository, a fixed author.
fn isolate_git(cmd: &mut StdCommand, root: &Path) {
    for var in [
        "GIT_DIR",
        "GIT_WORK_TREE",
        "GIT_INDEX_FILE",
        "GIT_OBJECT_DIRECTORY",
        "GIT_ALTERNATE_OBJECT_DIRECTORIES",
        "GIT_PREFIX",
        "GIT_COMMON_DIR",
    ] {
        cmd.env_remove(var);
    }
    cmd.env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_AUTHOR_NAME", "Test Author")
        .env("GIT_AUTHOR_EMAIL", "author@example.com")
        .env("GIT_COMMITTER_NAME", "Test Author")
        .env("GIT_COMMITTER_EMAIL", "author@example.com")
        // Nothing above the temporary directory is searched for a repository.
        .env(
            "GIT_CEILING_DIRECTORIES",
            root.parent().expect("a temporary directory has a parent"),
        );
}

impl Repo {
    /// `git init` in a new temporary directory, configured for tests.
    fn new() -> Repo {
        let repo = Repo {
            dir: tempfile::tempdir().expect("creating a temporary directory"),
        };
        repo.git(&["init", "-q", "-b", "main"]);
        repo.git(&["config", "user.email", "author@example.com"]);
        repo.git(&["config", "user.name", "Test Author"]);
        repo.git(&["config", "commit.gpgsign", "false"]);
        repo
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }

    fn git_output(&self, args: &[&str]) -> Output {
        let mut cmd = StdCommand::new("git");
        cmd.args(args).current_dir(self.path());
        isolate_git(&mut cmd, self.path());
        cmd.output().expect("running git")
    }

    /// Runs git and returns its stdout; a failure fails the test.
    fn git(&self, args: &[&str]) -> String {
        let output = self.git_output(args);
        assert!(
            output.status.success(),
            "git {args:?} failed: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        String::from_utf8_lossy(&output.stdout).into_owned()
    }

    fn write(&self, path: &str, contents: impl AsRef<[u8]>) {
        let path = self.path().join(path);
        fs::create_dir_all(path.parent().expect("a parent")).expect("creating directories");
        fs::write(path, contents).expect("writing a file");
    }

    /// Writes and stages a file.
    fn stage(&self, path: &str, contents: impl AsRef<[u8]>) {
        self.write(path, contents);
        self.git(&["add", "--", path]);
    }

    fn commit(&self, message: &str) {
        self.git(&["commit", "-q", "--no-verify", "-m", message]);
    }

    /// `devref ARGS` in the repository.
    fn devref(&self, args: &[&str]) -> Run {
        self.devref_in(".", args)
    }

    /// `devref ARGS` in a folder of the repository.
    fn devref_in(&self, folder: &str, args: &[&str]) -> Run {
        devref(&self.path().join(folder), self.path(), args)
    }
}

impl Run {
    /// The findings of `--message-format short` output, as `file:line code`.
    fn findings(&self) -> Vec<String> {
        self.stdout.lines().map(short_finding).collect()
    }
}

/// `file:line:col: level: message [code]` → `file:line code`.
fn short_finding(line: &str) -> String {
    let mut parts = line.splitn(3, ':');
    let file = parts.next().unwrap_or_default();
    let number = parts.next().unwrap_or_default();
    let code = line
        .rsplit_once('[')
        .and_then(|(_, code)| code.strip_suffix(']'))
        .unwrap_or_else(|| panic!("not a short-format line: {line}"));
    format!("{file}:{number} {code}")
}

/// `devref ARGS` in `dir`, with a git environment isolated below `root`.
fn devref(dir: &Path, root: &Path, args: &[&str]) -> Run {
    let mut std = StdCommand::new(env!("CARGO_BIN_EXE_devref"));
    std.current_dir(dir).args(args).env_remove("NO_COLOR");
    isolate_git(&mut std, root);
    let output = Command::from_std(std)
        .timeout(Duration::from_secs(60))
        .output()
        .expect("devref ran to completion within its time limit");
    Run::from_output(output)
}

/// `--staged --message-format short ARGS`.
fn staged(repo: &Repo, args: &[&str]) -> Run {
    let mut all = vec!["--staged", "--message-format", "short"];
    all.extend(args);
    repo.devref(&all)
}

// --- --staged -----------------------------------------------------------------------------------

#[test]
fn staged_reports_only_the_staged_changed_lines() {
    let repo = Repo::new();
    // A violation that was committed before: not part of the next commit's changes.
    repo.stage(
        "drivers/old.rs",
        "use kernel::bindings;\nstruct Old {\n    dev: *mut bindings::device,\n}\n",
    );
    // A violation that the staged change fixes.
    repo.stage("drivers/fixed.rs", RAW_FIELD);
    repo.commit("base");

    // Staged: a new violation in old.rs (line 6), and the fix of fixed.rs.
    let staged_old = "use kernel::bindings;\nstruct Old {\n    dev: *mut bindings::device,\n}\n\
                      struct New {\n    dev: *mut bindings::device,\n}\n";
    repo.stage("drivers/old.rs", staged_old);
    let fixed = "use kernel::device::Device;\nuse kernel::types::ARef;\nstruct S {\n    \
                 dev: ARef<Device>,\n}\n";
    repo.stage("drivers/fixed.rs", fixed);
    // Unstaged changes that differ from the staged ones: an error-level violation added to
    // old.rs, and the violation put back into fixed.rs. Neither is committed, so neither is
    // reported.
    repo.write(
        "drivers/old.rs",
        format!("{staged_old}struct T {{ d: &'static kernel::device::Device }}\n"),
    );
    repo.write("drivers/fixed.rs", RAW_FIELD);

    let run = staged(&repo, &[]);
    assert_eq!(
        run.findings(),
        [format!("drivers/old.rs:6 {RAW}")],
        "{}",
        run.stderr
    );
    assert_eq!(
        run.code, 0,
        "a warning does not fail the run: {}",
        run.stderr
    );

    // The whole files, as the work tree has them, do have more findings.
    let whole = repo.devref(&["--message-format", "short", "drivers"]);
    assert_eq!(whole.findings().len(), 4, "{}", whole.stdout);

    // Staging the error-level violation makes the run fail.
    repo.git(&["add", "drivers/old.rs"]);
    let run = staged(&repo, &[]);
    assert_eq!(
        run.findings(),
        [
            format!("drivers/old.rs:6 {RAW}"),
            format!("drivers/old.rs:8 {STATIC}")
        ]
    );
    assert_eq!(run.code, 1);

    // `-D warnings`, as the hooks run it, fails on the warning alone.
    repo.git(&["reset", "-q", "drivers/old.rs"]);
    repo.stage("drivers/old.rs", staged_old);
    assert_eq!(staged(&repo, &["-D", "warnings"]).code, 1);
}

#[test]
fn staged_reads_the_index_not_the_work_tree() {
    let repo = Repo::new();
    repo.stage("a.rs", "fn a() {}\n");
    repo.commit("base");
    // Staged, then removed from the work tree (an unstaged deletion): still committed, still
    // linted.
    repo.stage("b.rs", RAW_FIELD);
    fs::remove_file(repo.path().join("b.rs")).unwrap();
    // Changed in the work tree only: not staged, not linted.
    repo.write("a.rs", format!("fn a() {{}}\n{RAW_FIELD}"));
    // A new file that is not staged: not linted.
    repo.write("c.rs", RAW_FIELD);

    let run = staged(&repo, &[]);
    assert_eq!(run.findings(), [format!("b.rs:3 {RAW}")], "{}", run.stderr);
}

/// The model of a staged run holds what the commit holds, also for files that did not change: an
/// unchanged file is read from disk only when its bytes are the index's.
#[test]
fn staged_models_the_unchanged_files_as_the_index_has_them() {
    let repo = Repo::new();
    repo.stage(
        "aliases.rs",
        "pub type DevPtr = *mut kernel::bindings::device;\n",
    );
    repo.stage("lib.rs", "mod aliases;\nmod data;\n");
    repo.stage("data.rs", "use crate::aliases::DevPtr;\n");
    repo.commit("base");
    let field = "use crate::aliases::DevPtr;\n\npub struct Data {\n    dev: DevPtr,\n}\n";
    repo.stage("data.rs", field);
    // As the index has it, the alias is a raw pointer.
    let run = staged(&repo, &["."]);
    assert_eq!(
        run.findings(),
        [format!("data.rs:4 {RAW}")],
        "{}",
        run.stderr
    );
    // Unstaged: the alias becomes a counted reference, which is not committed.
    repo.write(
        "aliases.rs",
        "pub type DevPtr = kernel::types::ARef<kernel::device::Device>;\n",
    );
    let run = staged(&repo, &["."]);
    assert_eq!(
        run.findings(),
        [format!("data.rs:4 {RAW}")],
        "{}",
        run.stderr
    );
    // Staged, it is.
    repo.git(&["add", "aliases.rs"]);
    let run = staged(&repo, &["."]);
    assert_eq!(run.findings(), Vec::<String>::new(), "{}", run.stderr);
}

#[test]
fn nothing_staged_reports_nothing() {
    let repo = Repo::new();
    repo.stage("a.rs", RAW_FIELD);
    repo.commit("base");
    repo.write(
        "a.rs",
        format!("{RAW_FIELD}struct T {{ d: &'static kernel::device::Device }}\n"),
    );
    let run = staged(&repo, &[]);
    assert_eq!(run.findings(), Vec::<String>::new());
    assert_eq!(run.code, 0, "{}", run.stderr);
    // Not even the whole files when the PATHs are named: only changed lines are reported.
    let run = staged(&repo, &["."]);
    assert_eq!((run.code, run.stdout.as_str()), (0, ""), "{}", run.stderr);
}

#[test]
fn staged_works_before_the_first_commit() {
    let repo = Repo::new();
    repo.stage("a.rs", RAW_FIELD);
    let run = staged(&repo, &[]);
    assert_eq!(run.findings(), [format!("a.rs:3 {RAW}")], "{}", run.stderr);
}

#[test]
fn a_deleted_line_changes_the_line_that_follows_it() {
    let repo = Repo::new();
    let text =
        "use kernel::bindings;\nstruct S {\n    #[allow(devref::raw_device_ptr_field)]\n    \
                dev: *mut bindings::device,\n}\n";
    repo.stage("a.rs", text);
    repo.commit("base");
    assert_eq!(repo.devref(&["a.rs"]).stderr, "");
    // Removing the `allow` makes the next line a finding, though that line did not change.
    repo.stage(
        "a.rs",
        text.replace("    #[allow(devref::raw_device_ptr_field)]\n", ""),
    );
    let run = staged(&repo, &[]);
    assert_eq!(run.findings(), [format!("a.rs:3 {RAW}")], "{}", run.stderr);
}

#[test]
fn renamed_files_are_reported_under_the_new_name() {
    let repo = Repo::new();
    let old = "use kernel::bindings;\n\n// A driver's data.\nstruct Old {\n    \
               dev: *mut bindings::device,\n    id: u32,\n    name: &'static str,\n}\n\n\
               fn helper() -> u32 {\n    1\n}\n";
    repo.stage("drivers/old_name.rs", old);
    repo.commit("base");

    // A pure rename: nothing changed, nothing reported.
    repo.git(&["mv", "drivers/old_name.rs", "drivers/new_name.rs"]);
    let run = staged(&repo, &[]);
    assert_eq!((run.code, run.stdout.as_str()), (0, ""), "{}", run.stderr);

    // A rename with a change: only the changed line, under the new name.
    repo.stage(
        "drivers/new_name.rs",
        old.replace(
            "    id: u32,\n",
            "    id: u32,\n    parent: *mut bindings::device,\n",
        ),
    );
    let status = repo.git(&["diff", "--cached", "-M", "--name-status"]);
    assert!(status.starts_with('R'), "git sees a rename: {status}");
    let run = staged(&repo, &[]);
    assert_eq!(
        run.findings(),
        [format!("drivers/new_name.rs:7 {RAW}")],
        "{}",
        run.stderr
    );
    // Also when only the new name is given, as pre-commit passes it, or a folder that holds
    // the new name but not the old one.
    fs::create_dir(repo.path().join("moved")).unwrap();
    repo.git(&["mv", "drivers/new_name.rs", "moved/new_name.rs"]);
    for path in ["moved/new_name.rs", "moved"] {
        let run = staged(&repo, &[path]);
        assert_eq!(
            run.findings(),
            [format!("moved/new_name.rs:7 {RAW}")],
            "{path}: {}",
            run.stderr
        );
    }
}

#[test]
fn missing_paths_and_symbolic_links_are_named() {
    let repo = Repo::new();
    repo.stage("a.rs", "fn a() {}\n");
    repo.commit("base");
    let run = staged(&repo, &["no-such-dir"]);
    assert_eq!(run.code, 1);
    assert!(
        run.stdout.contains("cannot read `no-such-dir`") && run.stdout.contains(INPUT),
        "{}",
        run.stdout
    );
    let run = staged(&repo, &["/"]);
    assert_eq!(run.code, 2);
    assert_contains(&run.stderr, "`/` is outside the git work tree");

    #[cfg(unix)]
    {
        std::os::unix::fs::symlink("a.rs", repo.path().join("link.rs")).unwrap();
        repo.git(&["add", "link.rs"]);
        let run = staged(&repo, &[]);
        assert_eq!((run.code, run.stdout.as_str()), (0, ""));
        assert_eq!(
            run.stderr,
            "note: `link.rs` is a symbolic link: not linted (its target is, if it changed)\n"
        );
    }
}

#[test]
fn deleted_files_are_skipped_with_a_note() {
    let repo = Repo::new();
    repo.stage("gone.rs", RAW_FIELD);
    repo.stage("kept.rs", "fn kept() {}\n");
    repo.commit("base");
    repo.git(&["rm", "-q", "gone.rs"]);
    let run = staged(&repo, &[]);
    assert_eq!((run.code, run.stdout.as_str()), (0, ""));
    assert_eq!(
        run.stderr,
        "note: `gone.rs` is staged for deletion: nothing to lint\n"
    );

    // Deleted in the work tree only: `--diff` says so; `--staged` does not see it.
    repo.commit("remove gone.rs");
    fs::remove_file(repo.path().join("kept.rs")).unwrap();
    let run = repo.devref(&["--diff", "--message-format", "short"]);
    assert_eq!((run.code, run.stdout.as_str()), (0, ""));
    assert_eq!(run.stderr, "note: `kept.rs` was deleted: nothing to lint\n");
    assert_eq!(staged(&repo, &[]).stderr, "");
}

#[test]
fn non_utf8_and_binary_staged_files_are_input_errors() {
    let repo = Repo::new();
    repo.stage("a.rs", "fn a() {}\n");
    repo.commit("base");
    // The staged text is not UTF-8; the work tree's is, but the index is what is committed.
    repo.stage("a.rs", b"fn a() {}\n// caf\xe9\n".as_slice());
    repo.write("a.rs", "fn a() {}\n// café\n");
    let run = staged(&repo, &[]);
    assert_eq!(
        run.findings(),
        [format!("a.rs:2 {INPUT}")],
        "{}",
        run.stderr
    );
    assert_contains(
        &run.stdout,
        "`a.rs` is not valid UTF-8: invalid byte 0xe9 at byte offset 16",
    );
    assert_eq!(run.code, 1);

    // A binary file named `.rs`, even one git is told not to diff as text.
    repo.stage(".gitattributes", "*.rs binary\n");
    repo.stage("a.rs", b"\x7fELF\x02\x01\x01\x00\x00\x00".as_slice());
    let run = staged(&repo, &[]);
    assert_eq!(
        run.findings(),
        [format!("a.rs:1 {INPUT}")],
        "{}",
        run.stderr
    );
    assert!(run
        .stdout
        .contains("`a.rs` is a binary file, not Rust source"));
    assert_eq!(run.code, 1);
}

#[test]
fn a_parse_error_anywhere_in_a_changed_file_is_reported() {
    let repo = Repo::new();
    repo.stage("a.rs", "fn a() {\n");
    repo.stage("b.rs", "fn b() {\n");
    repo.commit("base");
    // a.rs changes on line 2, but its syntax error is on line 1: the file cannot be checked,
    // which is worth saying. b.rs did not change.
    repo.stage("a.rs", "fn a() {\n// more\n");
    let run = staged(&repo, &[]);
    let findings = run.findings();
    assert_eq!(findings.len(), 1, "{}", run.stdout);
    assert!(findings[0].starts_with("a.rs:") && findings[0].ends_with(INPUT));
    assert_eq!(run.code, 1);
}

#[test]
fn paths_build_the_model_and_limit_the_changes() {
    // A miniature kernel crate teaches devref that `widget_device` is a device; the driver's
    // finding depends on it.
    let repo = Repo::new();
    let fixture = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/ui/kernel_tree");
    for file in [
        "rust/kernel/lib.rs",
        "rust/kernel/device.rs",
        "rust/kernel/types.rs",
        "rust/kernel/bus/mod.rs",
        "rust/kernel/bus/widget.rs",
    ] {
        repo.stage(file, fs::read(fixture.join(file)).unwrap());
    }
    repo.stage(
        "drivers/widget.rs",
        "use kernel::bindings;\n\nstruct WidgetData {\n    id: u32,\n}\n",
    );
    repo.stage("drivers/other.rs", RAW_FIELD);
    repo.commit("base");
    repo.stage(
        "drivers/widget.rs",
        "use kernel::bindings;\n\nstruct WidgetData {\n    id: u32,\n    \
         wdev: *mut bindings::widget_device,\n}\n",
    );
    repo.stage("drivers/other.rs", format!("{RAW_FIELD}// changed\n"));

    // Without PATHs: only the changed files, so `widget_device` is not known to be a device.
    let run = staged(&repo, &[]);
    assert_eq!(run.findings(), Vec::<String>::new(), "{}", run.stderr);

    // With the kernel crate among the PATHs: the model knows it. other.rs is not under the
    // PATHs, so its change is not looked at.
    let run = staged(&repo, &["rust", "drivers/widget.rs"]);
    assert_eq!(
        run.findings(),
        [format!("drivers/widget.rs:5 {RAW}")],
        "{}",
        run.stderr
    );

    // The model is the index's too: a kernel crate changed only in the work tree does not count.
    let widget = repo.path().join("rust/kernel/bus/widget.rs");
    fs::write(&widget, "//! Emptied, but not staged.\n").unwrap();
    let run = staged(&repo, &["rust", "drivers"]);
    assert_eq!(
        run.findings(),
        [format!("drivers/widget.rs:5 {RAW}")],
        "{}",
        run.stderr
    );

    // `--diff` reads the work tree: there the kernel crate no longer defines the widget device.
    let run = repo.devref(&[
        "--diff",
        "HEAD",
        "--message-format",
        "short",
        "rust",
        "drivers",
    ]);
    assert_eq!(run.findings(), Vec::<String>::new(), "{}", run.stderr);
}

#[test]
fn names_are_relative_to_the_current_folder() {
    let repo = Repo::new();
    repo.stage("drivers/net/a.rs", "fn a() {}\n");
    repo.stage("rust/b.rs", "fn b() {}\n");
    repo.commit("base");
    repo.stage("drivers/net/a.rs", RAW_FIELD);
    repo.stage("rust/b.rs", RAW_FIELD);
    let run = repo.devref_in("drivers", &["--staged", "--message-format", "short"]);
    assert_eq!(
        run.findings(),
        [format!("net/a.rs:3 {RAW}"), format!("../rust/b.rs:3 {RAW}")],
        "{}",
        run.stderr
    );
    // A PATH limits the changes to those below it.
    let run = repo.devref_in("drivers", &["--staged", "--message-format", "short", "net"]);
    assert_eq!(
        run.findings(),
        [format!("net/a.rs:3 {RAW}")],
        "{}",
        run.stderr
    );
}

#[test]
fn cargo_devref_staged_lints_the_changed_files_of_its_packages() {
    let repo = Repo::new();
    repo.stage(
        "Cargo.toml",
        "[package]\nname = \"widget\"\nversion = \"0.1.0\"\nedition = \"2021\"\n",
    );
    repo.stage("src/main.rs", "mod data;\nfn main() {}\n");
    repo.stage("src/data.rs", "fn data() {}\n");
    repo.stage("src/stray.rs", "fn stray() {}\n");
    repo.commit("base");
    repo.stage("src/data.rs", format!("fn data() {{}}\n{RAW_FIELD}"));
    repo.stage("src/stray.rs", format!("fn stray() {{}}\n{RAW_FIELD}"));
    let mut std = StdCommand::new(env!("CARGO_BIN_EXE_cargo-devref"));
    std.current_dir(repo.path())
        .args(["devref", "--staged", "--message-format", "short"]);
    isolate_git(&mut std, repo.path());
    let output = std.output().expect("running cargo-devref");
    let stdout = String::from_utf8_lossy(&output.stdout);
    // src/stray.rs is in no module tree of the package, so cargo devref does not lint it.
    assert_eq!(
        stdout.lines().map(short_finding).collect::<Vec<_>>(),
        [format!("src/data.rs:4 {RAW}")],
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert_eq!(output.status.code(), Some(0));
}

#[test]
fn excluded_files_are_not_linted() {
    let repo = Repo::new();
    repo.stage("a.rs", RAW_FIELD);
    repo.stage("vendor/b.rs", RAW_FIELD);
    let run = staged(&repo, &["--exclude", "vendor"]);
    assert_eq!(run.findings(), [format!("a.rs:3 {RAW}")], "{}", run.stderr);
}

// --- --diff ---------------------------------------------------------------------------------------

/// An `unsafe fn` whose `# Safety` (lines 3 to 5) does not state the count, with a SAFETY comment
/// (line 7) that relies on it: one finding, at the fn's name (line 6).
fn weak_from_raw(comment: &str) -> String {
    format!(
        "use kernel::bindings;\nuse kernel::device::Device;\n/// # Safety\n///\n/// `ptr` must be valid.\n\
         pub unsafe fn from_raw<'a>(ptr: *mut bindings::device) -> &'a Device {{\n    // SAFETY: {comment}\n\
         unsafe {{ &*ptr.cast() }}\n}}\n"
    )
}

/// A change that only adds a caller of a constructor whose `# Safety` is weak: the caller is held to
/// the canonical contract, and its finding (at its own line) names the weak section; the section's
/// own finding is not this change's.
#[test]
fn a_new_caller_of_a_weak_constructor_is_checked() {
    const COMMENT: &str = "devref::safety_comment_missing_refcount";
    let repo = Repo::new();
    let base = weak_from_raw("by the safety requirements, `ptr` is valid.");
    repo.stage("a.rs", &base);
    repo.commit("first");
    repo.write(
        "a.rs",
        format!(
            "{base}fn caller(ptr: *mut bindings::device) {{\n    \
             // SAFETY: `ptr` is valid, as `from_raw` requires.\n    \
             let _dev = unsafe {{ from_raw(ptr) }};\n}}\n"
        ),
    );
    let run = repo.devref(&["--diff", "--message-format", "short"]);
    assert_eq!(
        run.findings(),
        [format!("a.rs:12 {COMMENT}")],
        "{}",
        run.stderr
    );
    let run = repo.devref(&["--diff", "--message-format", "human", "--color", "never"]);
    assert_contains(
        &run.stderr,
        "the `# Safety` section of `from_raw` does not state it either",
    );
}

#[test]
fn a_change_to_a_comment_that_is_part_of_a_finding_keeps_the_finding() {
    const DOC: &str = "devref::safety_doc_missing_refcount";
    let repo = Repo::new();
    repo.stage(
        "a.rs",
        weak_from_raw("by the safety requirements, `ptr` is valid."),
    );
    repo.stage(
        "b.rs",
        weak_from_raw("by the safety requirements, `ptr` is valid."),
    );
    repo.commit("first");
    // Only the comment that relies on the weak `# Safety` changes: the finding it is part of is
    // this change's, though its primary span (the fn's name) is an unchanged line.
    repo.write(
        "a.rs",
        weak_from_raw("the caller guarantees that `ptr` is valid."),
    );
    let run = repo.devref(&["--diff", "--message-format", "short"]);
    assert_eq!(run.findings(), [format!("a.rs:6 {DOC}")], "{}", run.stderr);
}

#[test]
fn diff_against_a_revision() {
    let repo = Repo::new();
    repo.stage("a.rs", RAW_FIELD);
    repo.commit("first");
    let first = repo.git(&["rev-parse", "HEAD"]).trim().to_string();
    let second =
        format!("{RAW_FIELD}struct Second {{\n    dev: *mut kernel::bindings::device,\n}}\n");
    repo.stage("a.rs", &second);
    repo.commit("second");
    // Staged and unstaged work-tree changes both count against REV.
    repo.stage("b.rs", RAW_FIELD);
    repo.write(
        "a.rs",
        format!("{second}struct Third {{\n    d: &'static kernel::device::Device,\n}}\n"),
    );

    let short = |args: &[&str]| {
        let mut all = args.to_vec();
        all.extend(["--message-format", "short"]);
        repo.devref(&all)
    };
    let run = short(&["--diff"]);
    assert_eq!(
        run.findings(),
        [format!("a.rs:9 {STATIC}"), format!("b.rs:3 {RAW}")],
        "{}",
        run.stderr
    );
    assert_eq!(run.code, 1);
    let run = short(&["--diff", &first]);
    assert_eq!(
        run.findings(),
        [
            format!("a.rs:6 {RAW}"),
            format!("a.rs:9 {STATIC}"),
            format!("b.rs:3 {RAW}")
        ],
        "{}",
        run.stderr
    );
    let run = short(&["--diff", "HEAD~1", "b.rs"]);
    assert_eq!(run.findings(), [format!("b.rs:3 {RAW}")], "{}", run.stderr);
    assert_eq!(run.code, 0);

    // A revision that names nothing; a path where a revision was expected.
    let run = short(&["--diff", "no-such-branch"]);
    assert_eq!(run.code, 2);
    assert_eq!(
        run.stderr,
        "error: `--diff no-such-branch`: `no-such-branch` does not name a commit in this \
         repository\n"
    );
    let run = short(&["--diff", "a.rs"]);
    assert_eq!(run.code, 2);
    assert_contains(
        &run.stderr,
        "`a.rs` is a path, not a git revision; to compare with `HEAD`, write `--diff HEAD a.rs`",
    );
}

#[test]
fn diff_needs_a_commit() {
    let repo = Repo::new();
    repo.stage("a.rs", RAW_FIELD);
    let run = repo.devref(&["--diff"]);
    assert_eq!(run.code, 2);
    assert_contains(&run.stderr, "the repository has no commit yet");
}

#[test]
fn outside_a_repository_is_an_error_that_says_so() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("a.rs"), RAW_FIELD).unwrap();
    for flag in ["--staged", "--diff"] {
        let run = devref(dir.path(), dir.path(), &[flag]);
        assert_eq!(run.code, 2, "{flag}");
        assert!(
            run.stderr.starts_with(&format!(
                "error: not in a git repository: `{flag}` lints the changes git records, and `"
            )),
            "{}",
            run.stderr
        );
        assert!(run.stderr.ends_with("` is not inside a git work tree\n"));
    }
    let run = devref(dir.path(), dir.path(), &["install-hook"]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr
            .starts_with("error: not in a git repository: `devref install-hook`"),
        "{}",
        run.stderr
    );
}

#[test]
fn changed_lines_mode_refuses_what_it_cannot_do() {
    let repo = Repo::new();
    for args in [
        &["--staged", "--fix"][..],
        &["--staged", "--diff"],
        &["--staged", "--report-only", "a.rs"],
    ] {
        let run = repo.devref(args);
        assert_eq!(run.code, 2, "{args:?}: {}", run.stderr);
        assert_contains(&run.stderr, "cannot be used with");
    }
    let run = repo.devref(&["--staged", "-"]);
    assert_eq!(run.code, 2);
    assert_eq!(
        run.stderr,
        "error: `--staged` takes its files from git, so `-` (stdin) cannot be linted with it\n"
    );
}

// --- install-hook -------------------------------------------------------------------------------

fn hook_text(path: &Path) -> String {
    fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

#[cfg(unix)]
fn is_executable(path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    fs::metadata(path).unwrap().permissions().mode() & 0o111 == 0o111
}

#[test]
fn install_hook_writes_an_executable_hook_that_blocks_commits() {
    let repo = Repo::new();
    repo.stage("a.rs", RAW_FIELD);
    repo.commit("base");
    let run = repo.devref(&["install-hook"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let hook = repo.path().join(".git/hooks/pre-commit");
    let text = hook_text(&hook);
    assert!(text.starts_with("#!/bin/sh\n"));
    assert!(text.contains(env!("CARGO_BIN_EXE_devref")), "{text}");
    assert!(text.contains("--staged --message-format short -D warnings --commit-hook"));
    #[cfg(unix)]
    assert!(is_executable(&hook));
    // Installing again changes nothing.
    let again = repo.devref(&["install-hook"]);
    assert_eq!(again.code, 0);
    assert_contains(&again.stdout, "already installed");

    // A commit adding a violation is stopped, and the hook says why; the pre-existing violation
    // on an unchanged line is not mentioned.
    repo.stage(
        "a.rs",
        format!("{RAW_FIELD}struct New {{\n    dev: *mut kernel::bindings::device,\n}}\n"),
    );
    let commit = repo.git_output(&["commit", "-q", "-m", "add a raw pointer"]);
    assert!(!commit.status.success(), "the commit was stopped");
    let shown = String::from_utf8_lossy(&commit.stdout).into_owned()
        + &String::from_utf8_lossy(&commit.stderr);
    assert_eq!(
        shown
            .lines()
            .filter(|l| l.contains("devref::"))
            .map(short_finding)
            .collect::<Vec<_>>(),
        [format!("a.rs:6 {RAW}")],
        "{shown}"
    );
    // The hook's output, which git shows on its stderr, ends with how to go on.
    assert_eq!(
        String::from_utf8_lossy(&commit.stderr),
        format!(
            "a.rs:6:10: error: field `New::dev` holds a raw pointer to `bindings::device`, which \
             carries no lifetime and can outlive the driver's unbind [{RAW}]\n{COMMIT_HOOK_HELP}"
        )
    );
    assert_eq!(repo.git(&["rev-list", "--count", "HEAD"]).trim(), "1");

    // A clean commit passes.
    repo.git(&["reset", "-q", "--hard"]);
    repo.stage("b.rs", "fn probe() {}\n");
    let commit = repo.git_output(&["commit", "-q", "-m", "clean"]);
    assert!(
        commit.status.success(),
        "{}",
        String::from_utf8_lossy(&commit.stderr)
    );
    assert_eq!(repo.git(&["rev-list", "--count", "HEAD"]).trim(), "2");

    // `git commit -a` checks what it commits: the work tree's change, through git's own index.
    repo.write("b.rs", format!("fn probe() {{}}\n{RAW_FIELD}"));
    let commit = repo.git_output(&["commit", "-a", "-q", "-m", "all"]);
    assert!(!commit.status.success(), "`git commit -a` was stopped");
    // git shows a hook's output on its stderr.
    assert!(String::from_utf8_lossy(&commit.stderr).contains("b.rs:4:10: error:"));
}

/// What a commit hook's output ends with when it stops a commit.
const COMMIT_HOOK_HELP: &str = "\
help: to keep an intended finding, say why on its line or the line above: `// devref: allow(<lint>) -- <why>`
help: `git commit --no-verify` commits without running this hook
";

#[test]
fn a_commit_hook_that_stops_a_commit_says_how_to_go_on() {
    let repo = Repo::new();
    repo.stage("a.rs", RAW_FIELD);
    let hook = staged(&repo, &["-D", "warnings", "--commit-hook"]);
    assert_eq!(hook.code, 1);
    assert_eq!(hook.findings(), [format!("a.rs:3 {RAW}")]);
    assert_eq!(hook.stderr, COMMIT_HOOK_HELP);
    // Not as a hook, or when the findings do not stop the commit, nothing is added.
    let plain = staged(&repo, &["-D", "warnings"]);
    assert_eq!((plain.code, plain.stderr.as_str()), (1, ""));
    let passing = staged(&repo, &["--commit-hook"]);
    assert_eq!(passing.code, 0);
    assert_eq!(passing.findings(), [format!("a.rs:3 {RAW}")]);
    assert_eq!(passing.stderr, "");
}

#[test]
fn install_hook_follows_core_hooks_path() {
    let repo = Repo::new();
    repo.git(&["config", "core.hooksPath", "tools/githooks"]);
    fs::create_dir_all(repo.path().join("sub")).unwrap();
    // Run from a subfolder: the configured path is relative to the top of the work tree.
    let run = repo.devref_in("sub", &["install-hook"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let hook = repo.path().join("tools/githooks/pre-commit");
    assert!(hook_text(&hook).contains("--staged"));
    assert!(!repo.path().join(".git/hooks/pre-commit").exists());
    assert_contains(&run.stdout, "../tools/githooks/pre-commit");

    // git runs it from there.
    repo.stage("a.rs", "struct T { d: &'static kernel::device::Device }\n");
    let commit = repo.git_output(&["commit", "-q", "-m", "static"]);
    assert!(!commit.status.success());
    assert!(String::from_utf8_lossy(&commit.stderr).contains(STATIC));
}

#[test]
fn install_hook_refuses_to_overwrite_and_keeps_backups_with_force() {
    let repo = Repo::new();
    let hooks = repo.path().join(".git/hooks");
    fs::create_dir_all(&hooks).unwrap();
    let theirs = "#!/bin/sh\necho their hook\n";
    fs::write(hooks.join("pre-commit"), theirs).unwrap();

    let run = repo.devref(&["install-hook"]);
    assert_eq!(run.code, 2);
    assert_eq!(
        run.stderr,
        "error: `.git/hooks/pre-commit` already exists; `devref install-hook --force` replaces \
         it and keeps the old hook as `.git/hooks/pre-commit.devref-backup`\n"
    );
    assert_eq!(
        hook_text(&hooks.join("pre-commit")),
        theirs,
        "left as it was"
    );

    let run = repo.devref(&["install-hook", "--force"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(hook_text(&hooks.join("pre-commit.devref-backup")), theirs);
    assert!(hook_text(&hooks.join("pre-commit")).contains("devref"));
    assert!(run
        .stdout
        .contains("Kept the existing pre-commit hook as `.git/hooks/pre-commit.devref-backup`"));

    // Another foreign hook: the first backup is kept, the new one gets the next free name.
    let second = "#!/bin/sh\necho another hook\n";
    fs::write(hooks.join("pre-commit"), second).unwrap();
    let run = repo.devref(&["install-hook", "--force"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(hook_text(&hooks.join("pre-commit.devref-backup")), theirs);
    assert_eq!(hook_text(&hooks.join("pre-commit.devref-backup.1")), second);

    // A hook devref wrote (say, for a devref binary elsewhere) is replaced without a backup.
    let ours =
        hook_text(&hooks.join("pre-commit")).replace(env!("CARGO_BIN_EXE_devref"), "/old/devref");
    fs::write(hooks.join("pre-commit"), ours).unwrap();
    let run = repo.devref(&["install-hook"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(hook_text(&hooks.join("pre-commit")).contains(env!("CARGO_BIN_EXE_devref")));
    assert!(!hooks.join("pre-commit.devref-backup.2").exists());
}

// --- The pre-commit framework -------------------------------------------------------------------

/// How to run pre-commit, if it is installed.
fn pre_commit() -> Option<Vec<String>> {
    for candidate in [
        vec!["pre-commit".to_string()],
        vec!["python3".into(), "-m".into(), "pre_commit".into()],
    ] {
        let works = StdCommand::new(&candidate[0])
            .args(&candidate[1..])
            .arg("--version")
            .output()
            .is_ok_and(|output| output.status.success());
        if works {
            return Some(candidate);
        }
    }
    None
}

/// A git repository holding the files of this checkout (tracked, and untracked but not
/// ignored), committed: what `pre-commit try-repo` clones and builds.
fn snapshot_of_this_checkout() -> Repo {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let listed = StdCommand::new("git")
        .args([
            "ls-files",
            "-z",
            "--cached",
            "--others",
            "--exclude-standard",
        ])
        .current_dir(root)
        .output()
        .ok()
        .filter(|output| output.status.success());
    let files: Vec<PathBuf> = match listed {
        Some(output) => output
            .stdout
            .split(|&b| b == 0)
            .filter(|name| !name.is_empty())
            .map(|name| PathBuf::from(String::from_utf8_lossy(name).into_owned()))
            .collect(),
        // Not a git checkout: what a build needs.
        None => [
            "Cargo.toml",
            "Cargo.lock",
            ".pre-commit-hooks.yaml",
            "src",
            "lints",
            "benches",
        ]
        .iter()
        .flat_map(|top| {
            walkdir(root.join(top))
                .into_iter()
                .map(|path| path.strip_prefix(root).unwrap().to_path_buf())
        })
        .collect(),
    };
    let repo = Repo::new();
    for file in files {
        let from = root.join(&file);
        if from.is_file() {
            let to = repo.path().join(&file);
            fs::create_dir_all(to.parent().unwrap()).unwrap();
            fs::copy(&from, &to).unwrap();
        }
    }
    repo.git(&["add", "-A"]);
    repo.commit("snapshot of the devref checkout");
    repo
}

fn walkdir(dir: PathBuf) -> Vec<PathBuf> {
    if dir.is_file() {
        return vec![dir];
    }
    let mut files = Vec::new();
    for entry in fs::read_dir(&dir).into_iter().flatten().flatten() {
        files.extend(walkdir(entry.path()));
    }
    files
}

#[test]
fn the_pre_commit_framework_runs_the_hooks() {
    let Some(pre_commit) = pre_commit() else {
        eprintln!("\n==================================================================");
        eprintln!("SKIPPED: pre-commit not installed (`python3 -m pip install pre-commit`)");
        eprintln!("==================================================================\n");
        return;
    };
    let hooks_repo = snapshot_of_this_checkout();
    let repo = Repo::new();
    repo.stage("src/clean.rs", "fn probe() {}\n");
    repo.commit("base");

    // pre-commit builds devref with `cargo install --path .` (`language: rust`). The build is
    // kept between runs, offline, and quick: this tests the hook, not the optimizer.
    let build = Path::new(env!("CARGO_TARGET_TMPDIR")).join("pre-commit-build");
    let try_repo = |args: &[&str]| -> (bool, String) {
        let mut cmd = StdCommand::new(&pre_commit[0]);
        cmd.args(&pre_commit[1..])
            .arg("try-repo")
            .arg(hooks_repo.path())
            .args(args)
            .current_dir(repo.path());
        isolate_git(&mut cmd, repo.path());
        // The variables `cargo test` sets for this test would confuse the build.
        for (name, _) in std::env::vars_os() {
            let name = name.to_string_lossy();
            if name.starts_with("CARGO_") && name != "CARGO_HOME" || name == "RUSTFLAGS" {
                cmd.env_remove(&*name);
            }
        }
        cmd.env("CARGO_TARGET_DIR", &build)
            .env("CARGO_NET_OFFLINE", "true")
            .env("CARGO_PROFILE_RELEASE_OPT_LEVEL", "0")
            .env("CARGO_PROFILE_RELEASE_DEBUG", "false")
            .env("CARGO_PROFILE_RELEASE_CODEGEN_UNITS", "64")
            .env("CARGO_INCREMENTAL", "0")
            .env("PRE_COMMIT_COLOR", "never");
        let output = cmd.output().expect("running pre-commit");
        let text = String::from_utf8_lossy(&output.stdout).into_owned()
            + &String::from_utf8_lossy(&output.stderr);
        (output.status.success(), text)
    };

    // Staged: a raw device pointer field. Both hooks stop the commit.
    repo.stage("src/bad.rs", RAW_FIELD);
    let (passed, output) = try_repo(&[]);
    assert!(!passed, "the hooks stop the commit:\n{output}");
    assert!(
        output.contains(
            "src/bad.rs:3:10: error: field `S::dev` holds a raw pointer to `bindings::device`"
        ) && output.contains(RAW),
        "{output}"
    );
    assert!(output.contains("- hook id: devref-changed"), "{output}");
    // Each failing hook's output ends with how to go on.
    assert_eq!(output.matches(COMMIT_HOOK_HELP).count(), 2, "{output}");

    // Staged: a clean change. Both hooks pass.
    repo.git(&["rm", "-q", "--cached", "src/bad.rs"]);
    repo.stage("src/clean.rs", "fn probe() {}\n\nfn remove() {}\n");
    let (passed, output) = try_repo(&[]);
    assert!(passed, "a clean commit passes:\n{output}");
    assert!(output.contains("devref (changed lines)"), "{output}");
}
