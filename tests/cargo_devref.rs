//! `cargo devref` on a temporary cargo workspace, through the built `cargo-devref` binary (and once
//! through `cargo` itself): which packages and targets are selected, which files their module trees
//! reach, cargo's JSON messages (parsed with `cargo_metadata`), and exit codes. Also
//! `devref --report-only FILE` on a kernel-style tree.

use std::fs;
use std::path::{Path, PathBuf};
use std::time::Duration;

use assert_cmd::Command;
use cargo_metadata::diagnostic::DiagnosticLevel;
use cargo_metadata::{Message, TargetKind};
use tempfile::TempDir;

mod common;
use common::{assert_contains, assert_lacks, write, Run};

const RAW: &str = "devref::raw_device_ptr_field";
const STATIC: &str = "devref::static_device_ref";

/// A file whose one finding is `devref::raw_device_ptr_field` (warn) on line 2, in struct `ty`.
fn raw(ty: &str) -> String {
    format!("use kernel::bindings;\npub struct {ty} {{ dev: *mut bindings::device }}\n")
}

fn manifest(name: &str) -> String {
    format!("[package]\nname = \"{name}\"\nversion = \"0.1.0\"\nedition = \"2021\"\n")
}

/// A virtual workspace with two packages. `alpha` has a library whose module tree reaches
/// `inner.rs`, a `#[path]` file and a file below an inline module; a binary with a module of its
/// own; a test with a shared `common/mod.rs`; an example; a bench; and a build script. Files no
/// module tree reaches (`stray.rs`, `old/mod.rs`) must never be linted, nor must the build script.
fn workspace() -> TempDir {
    let dir = tempfile::tempdir().expect("creating a temporary directory");
    let root = dir.path();
    let files: &[(&str, String)] = &[
        (
            "Cargo.toml",
            "[workspace]\nmembers = [\"alpha\", \"beta\"]\nresolver = \"2\"\n".into(),
        ),
        ("alpha/Cargo.toml", manifest("alpha")),
        ("alpha/build.rs", raw("Build") + "fn main() {}\n"),
        (
            "alpha/src/lib.rs",
            raw("Lib")
                + "mod inner;\n#[path = \"arch/x86.rs\"]\nmod arch;\nmod outer {\n    mod nested;\n}\n",
        ),
        ("alpha/src/inner.rs", raw("Inner")),
        ("alpha/src/arch/x86.rs", raw("Arch")),
        ("alpha/src/outer/nested.rs", raw("Nested")),
        ("alpha/src/stray.rs", raw("Stray")),
        ("alpha/src/old/mod.rs", raw("Old")),
        ("alpha/src/main.rs", raw("Main") + "mod cli;\nfn main() {}\n"),
        ("alpha/src/cli.rs", raw("Cli")),
        ("alpha/tests/it.rs", raw("It") + "mod common;\n"),
        ("alpha/tests/common/mod.rs", raw("Common")),
        ("alpha/examples/demo.rs", raw("Demo") + "fn main() {}\n"),
        ("alpha/benches/speed.rs", raw("Speed") + "fn main() {}\n"),
        ("beta/Cargo.toml", manifest("beta")),
        ("beta/src/lib.rs", raw("Beta")),
    ];
    for (path, contents) in files {
        write(root, path, contents);
    }
    dir
}

/// The files of `alpha`'s library and binary.
const ALPHA: &[&str] = &[
    "alpha/src/arch/x86.rs",
    "alpha/src/cli.rs",
    "alpha/src/inner.rs",
    "alpha/src/lib.rs",
    "alpha/src/main.rs",
    "alpha/src/outer/nested.rs",
];
/// What `--all-targets` adds to `alpha`.
const ALPHA_OTHER_TARGETS: &[&str] = &[
    "alpha/benches/speed.rs",
    "alpha/examples/demo.rs",
    "alpha/tests/common/mod.rs",
    "alpha/tests/it.rs",
];
const BETA: &[&str] = &["beta/src/lib.rs"];

fn cargo_devref(dir: &Path) -> Command {
    let mut cmd = Command::cargo_bin("cargo-devref").expect("the binary is built");
    cmd.current_dir(dir)
        .arg("devref")
        .env("CARGO_NET_OFFLINE", "true")
        .env_remove("NO_COLOR")
        .timeout(Duration::from_secs(120));
    cmd
}

fn run(cmd: &mut Command) -> Run {
    Run::from_output(cmd.output().expect("the run ended within its time limit"))
}

/// One finding of a `compiler-message`: what cargo's message says about it.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Finding {
    file: String,
    line: usize,
    code: String,
    level: DiagnosticLevel,
    package: String,
    target: String,
    kind: Vec<TargetKind>,
}

/// Parses cargo's JSON messages with `cargo_metadata`: the findings, and `build-finished`'s
/// `success`, which must be the last message and come once.
fn messages(stdout: &str) -> (Vec<Finding>, bool) {
    let mut findings = Vec::new();
    let mut finished = None;
    for message in Message::parse_stream(stdout.as_bytes()) {
        let message = message.expect("reading the messages");
        assert!(finished.is_none(), "build-finished is the last message");
        match message {
            Message::CompilerMessage(message) => {
                let diagnostic = message.message;
                let span = diagnostic
                    .spans
                    .iter()
                    .find(|span| span.is_primary)
                    .expect("a primary span");
                let package = message.package_id.repr.clone();
                findings.push(Finding {
                    file: span.file_name.clone(),
                    line: span.line_start,
                    code: diagnostic.code.expect("a code").code,
                    level: diagnostic.level,
                    package: package_name(&package),
                    target: message.target.name.clone(),
                    kind: message.target.kind.clone(),
                });
            }
            Message::BuildFinished(done) => finished = Some(done.success),
            other => panic!("unexpected message {other:?} in\n{stdout}"),
        }
    }
    (findings, finished.expect("a build-finished message"))
}

/// `path+file:///…/alpha#0.1.0` is `alpha`.
fn package_name(id: &str) -> String {
    let path = id.split('#').next().unwrap_or(id);
    path.rsplit('/').next().unwrap_or(path).to_string()
}

/// The files with findings, sorted and de-duplicated.
fn files(findings: &[Finding]) -> Vec<String> {
    let mut files: Vec<String> = findings.iter().map(|f| f.file.clone()).collect();
    files.sort();
    files.dedup();
    files
}

/// Runs `cargo devref --message-format json ARGS` in `dir`: exit code, findings, success.
fn json(dir: &Path, args: &[&str]) -> (i32, Vec<Finding>, bool) {
    let out = run(cargo_devref(dir)
        .args(["--message-format", "json"])
        .args(args));
    assert_eq!(out.stdout.lines().count(), out.stdout.matches('\n').count());
    let (findings, success) = messages(&out.stdout);
    (out.code, findings, success)
}

fn sorted(lists: &[&[&str]]) -> Vec<String> {
    let mut all: Vec<String> = lists
        .iter()
        .flat_map(|l| l.iter().map(|s| s.to_string()))
        .collect();
    all.sort();
    all
}

// --- Selection ----------------------------------------------------------------------------------

#[test]
fn a_virtual_workspace_lints_its_default_members_libraries_and_binaries() {
    let ws = workspace();
    let (code, findings, success) = json(ws.path(), &[]);
    assert_eq!((code, success), (0, true));
    assert_eq!(files(&findings), sorted(&[ALPHA, BETA]));
}

#[test]
fn inside_a_member_only_that_package_is_linted() {
    let ws = workspace();
    for dir in ["alpha", "alpha/src/outer"] {
        let (code, findings, _) = json(&ws.path().join(dir), &[]);
        assert_eq!(code, 0);
        // Still named relative to the workspace root, as cargo names files.
        assert_eq!(files(&findings), sorted(&[ALPHA]), "in {dir}");
    }
}

#[test]
fn package_and_workspace_flags_select_packages() {
    let ws = workspace();
    let alpha = ws.path().join("alpha");
    let (_, findings, _) = json(&alpha, &["-p", "beta"]);
    assert_eq!(files(&findings), sorted(&[BETA]));
    let (_, findings, _) = json(ws.path(), &["--package", "alpha"]);
    assert_eq!(files(&findings), sorted(&[ALPHA]));
    let (_, findings, _) = json(ws.path(), &["-p", "alpha@0.1.0", "-p", "beta"]);
    assert_eq!(files(&findings), sorted(&[ALPHA, BETA]));
    let (_, findings, _) = json(&alpha, &["--workspace"]);
    assert_eq!(files(&findings), sorted(&[ALPHA, BETA]));
}

#[test]
fn all_targets_adds_tests_examples_and_benches_but_never_build_scripts() {
    let ws = workspace();
    let (code, findings, success) = json(&ws.path().join("alpha"), &["--all-targets"]);
    assert_eq!((code, success), (0, true));
    assert_eq!(files(&findings), sorted(&[ALPHA, ALPHA_OTHER_TARGETS]));
    let (_, findings, _) = json(ws.path(), &["--workspace", "--all-targets"]);
    assert_eq!(
        files(&findings),
        sorted(&[ALPHA, ALPHA_OTHER_TARGETS, BETA])
    );
    assert!(findings.iter().all(|f| !f.file.contains("build.rs")
        && !f.file.contains("stray")
        && !f.file.contains("old/")));
}

#[test]
fn manifest_path_selects_the_package_from_anywhere() {
    let ws = workspace();
    let elsewhere = tempfile::tempdir().expect("a temporary directory");
    let manifest = ws.path().join("beta/Cargo.toml");
    let (code, findings, _) = json(
        elsewhere.path(),
        &["--manifest-path", manifest.to_str().expect("UTF-8 path")],
    );
    assert_eq!(code, 0);
    assert_eq!(files(&findings), sorted(&[BETA]));
    // Relative to the current directory, and the workspace's manifest.
    let (_, findings, _) = json(ws.path(), &["--manifest-path", "alpha/Cargo.toml"]);
    assert_eq!(files(&findings), sorted(&[ALPHA]));
    let root = ws.path().join("Cargo.toml");
    let (_, findings, _) = json(
        elsewhere.path(),
        &[
            "--manifest-path",
            root.to_str().expect("UTF-8 path"),
            "-p",
            "beta",
        ],
    );
    assert_eq!(files(&findings), sorted(&[BETA]));
}

#[test]
fn a_package_that_is_the_workspace_root_lints_itself_not_its_members() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let root = dir.path();
    write(
        root,
        "Cargo.toml",
        &(manifest("top") + "\n[workspace]\nmembers = [\"member\"]\n"),
    );
    write(root, "src/main.rs", &(raw("Top") + "fn main() {}\n"));
    write(root, "member/Cargo.toml", manifest("member"));
    write(root, "member/src/lib.rs", raw("Member"));
    let (_, findings, _) = json(root, &[]);
    assert_eq!(files(&findings), ["src/main.rs"]);
    let (_, findings, _) = json(root, &["--workspace"]);
    assert_eq!(files(&findings), ["member/src/lib.rs", "src/main.rs"]);
}

// --- Cargo's messages ---------------------------------------------------------------------------

#[test]
fn json_is_cargo_messages_naming_package_and_target() {
    let ws = workspace();
    let (code, findings, success) = json(ws.path(), &["--workspace", "--all-targets"]);
    assert_eq!((code, success), (0, true));
    let of = |file: &str| -> Finding {
        findings
            .iter()
            .find(|f| f.file == file)
            .unwrap_or_else(|| panic!("no finding in {file}: {findings:#?}"))
            .clone()
    };
    let expect = |file: &str, package: &str, target: &str, kind: TargetKind| Finding {
        file: file.to_string(),
        line: 2,
        code: RAW.to_string(),
        level: DiagnosticLevel::Warning,
        package: package.to_string(),
        target: target.to_string(),
        kind: vec![kind],
    };
    for (file, package, target, kind) in [
        ("alpha/src/lib.rs", "alpha", "alpha", TargetKind::Lib),
        ("alpha/src/arch/x86.rs", "alpha", "alpha", TargetKind::Lib),
        (
            "alpha/src/outer/nested.rs",
            "alpha",
            "alpha",
            TargetKind::Lib,
        ),
        ("alpha/src/main.rs", "alpha", "alpha", TargetKind::Bin),
        ("alpha/src/cli.rs", "alpha", "alpha", TargetKind::Bin),
        ("alpha/tests/it.rs", "alpha", "it", TargetKind::Test),
        ("alpha/tests/common/mod.rs", "alpha", "it", TargetKind::Test),
        (
            "alpha/examples/demo.rs",
            "alpha",
            "demo",
            TargetKind::Example,
        ),
        (
            "alpha/benches/speed.rs",
            "alpha",
            "speed",
            TargetKind::Bench,
        ),
        ("beta/src/lib.rs", "beta", "beta", TargetKind::Lib),
    ] {
        assert_eq!(of(file), expect(file, package, target, kind));
    }
    assert_eq!(findings.len(), 11, "one finding per file: {findings:#?}");
}

#[test]
fn json_messages_carry_the_full_rustc_diagnostic() {
    let ws = workspace();
    let out = run(cargo_devref(ws.path()).args(["-p", "beta", "--message-format=json"]));
    assert_eq!(out.code, 0);
    let messages: Vec<Message> = Message::parse_stream(out.stdout.as_bytes())
        .collect::<Result<_, _>>()
        .expect("cargo messages");
    assert_eq!(messages.len(), 2, "{}", out.stdout);
    let Message::CompilerMessage(message) = &messages[0] else {
        panic!("a compiler-message: {:?}", messages[0]);
    };
    let src_path = fs::canonicalize(ws.path().join("beta/src/lib.rs")).expect("canonical path");
    assert_eq!(
        fs::canonicalize(&message.target.src_path).expect("src_path exists"),
        src_path
    );
    let diagnostic = &message.message;
    assert_eq!(diagnostic.spans.len(), 1);
    let span = &diagnostic.spans[0];
    let text = raw("Beta");
    let start = text.find("*mut").expect("the field type");
    assert_eq!(
        (span.byte_start as usize, span.byte_end as usize),
        (start, start + "*mut bindings::device".len())
    );
    let column = start - text.find('\n').expect("two lines");
    assert_eq!((span.line_start, span.column_start), (2, column));
    assert!(diagnostic
        .rendered
        .as_deref()
        .is_some_and(|r| r.contains(&format!("--> beta/src/lib.rs:2:{column}"))));
    assert!(matches!(
        messages[1],
        Message::BuildFinished(ref done) if done.success
    ));
    // The raw lines: cargo's key order, `manifest_path` included.
    let first: serde_json::Value =
        serde_json::from_str(out.stdout.lines().next().expect("a line")).expect("JSON");
    assert!(out
        .stdout
        .starts_with("{\"reason\":\"compiler-message\",\"package_id\":"));
    assert_eq!(
        fs::canonicalize(first["manifest_path"].as_str().expect("manifest_path"))
            .expect("manifest exists"),
        fs::canonicalize(ws.path().join("beta/Cargo.toml")).expect("canonical")
    );
}

#[test]
fn level_flags_set_success_and_the_exit_code() {
    let ws = workspace();
    let (code, findings, success) = json(ws.path(), &["-p", "beta", "-D", "warnings"]);
    assert_eq!((code, success), (1, false));
    assert_eq!(findings.len(), 1);
    assert_eq!(findings[0].level, DiagnosticLevel::Error);
    let (code, findings, success) = json(
        ws.path(),
        &["-p", "beta", "-D", "warnings", "--cap-lints", "warn"],
    );
    assert_eq!((code, findings.len(), success), (0, 1, true));
    let (code, findings, success) = json(ws.path(), &["-p", "beta", "-A", "raw_device_ptr_field"]);
    assert_eq!((code, findings.len(), success), (0, 0, true));
}

#[test]
fn human_output_names_files_relative_to_the_workspace_root() {
    let ws = workspace();
    let out =
        run(cargo_devref(&ws.path().join("alpha/src")).args(["-p", "beta", "--color", "never"]));
    assert_eq!(out.code, 0);
    assert_eq!(out.stdout, "");
    assert_contains(&out.stderr, " --> beta/src/lib.rs:2:24\n");
    assert!(
        out.stderr.ends_with("warning: 1 warning emitted\n\n"),
        "{}",
        out.stderr
    );
}

#[test]
fn excludes_apply_to_the_files_the_module_trees_reach() {
    let ws = workspace();
    let (_, findings, _) = json(
        ws.path(),
        &["-p", "alpha", "--exclude", "alpha/src/arch/**"],
    );
    let expected: Vec<&str> = ALPHA
        .iter()
        .copied()
        .filter(|f| !f.contains("arch"))
        .collect();
    assert_eq!(files(&findings), sorted(&[&expected]));
    let (_, findings, _) = json(ws.path(), &["-p", "alpha", "--exclude", "outer"]);
    let expected: Vec<&str> = ALPHA
        .iter()
        .copied()
        .filter(|f| !f.contains("outer"))
        .collect();
    assert_eq!(files(&findings), sorted(&[&expected]));
}

#[test]
fn a_missing_module_file_is_skipped_and_an_unreadable_root_is_reported() {
    let ws = workspace();
    write(ws.path(), "beta/src/lib.rs", &(raw("Beta") + "mod gone;\n"));
    let (code, findings, _) = json(ws.path(), &["-p", "beta"]);
    assert_eq!(code, 0);
    assert_eq!(files(&findings), sorted(&[BETA]));

    write(
        ws.path(),
        "beta/Cargo.toml",
        &(manifest("beta") + "\n[[bin]]\nname = \"ghost\"\npath = \"src/ghost.rs\"\n"),
    );
    let (code, findings, success) = json(ws.path(), &["-p", "beta"]);
    assert_eq!((code, success), (1, false));
    let ghost: Vec<&Finding> = findings.iter().filter(|f| f.target == "ghost").collect();
    assert_eq!(ghost.len(), 1, "{findings:#?}");
    assert_eq!(
        (ghost[0].file.as_str(), ghost[0].code.as_str()),
        ("beta/src/ghost.rs", "devref::input")
    );
}

#[test]
fn cargo_runs_it_as_a_subcommand() {
    let ws = workspace();
    let exe = assert_cmd::cargo::cargo_bin("cargo-devref");
    let bin_dir = exe.parent().expect("the binary's folder");
    let path = std::env::join_paths(std::iter::once(bin_dir.to_path_buf()).chain(
        std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default()),
    ))
    .expect("a PATH");
    let cargo = std::env::var_os("CARGO").map_or_else(|| PathBuf::from("cargo"), PathBuf::from);
    let output = std::process::Command::new(cargo)
        .current_dir(ws.path())
        .env("PATH", path)
        .env("CARGO_NET_OFFLINE", "true")
        .args(["devref", "-p", "beta", "--message-format", "json"])
        .output()
        .expect("cargo runs");
    let stdout = String::from_utf8(output.stdout).expect("UTF-8");
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let (findings, success) = messages(&stdout);
    assert!(success);
    assert_eq!(files(&findings), sorted(&[BETA]));
}

// --- Bad invocations ----------------------------------------------------------------------------

#[test]
fn bad_invocations_exit_2_with_cargo_like_errors() {
    let ws = workspace();
    let out = run(cargo_devref(ws.path()).args(["-p", "nope"]));
    assert_eq!(out.code, 2);
    assert_eq!(out.stdout, "");
    assert!(
        out.stderr
            .starts_with("error: package(s) `nope` not found in workspace `"),
        "{}",
        out.stderr
    );

    let out = run(cargo_devref(ws.path()).args(["--manifest-path", "nowhere/Cargo.toml"]));
    assert_eq!(out.code, 2);
    assert_eq!(
        out.stderr,
        "error: manifest path `nowhere/Cargo.toml` does not exist\n"
    );
    let out = run(cargo_devref(ws.path()).args(["--manifest-path", "alpha/src/lib.rs"]));
    assert_eq!(out.code, 2);
    assert!(out.stderr.contains("must be a path to a Cargo.toml file"));

    let out = run(cargo_devref(ws.path()).args(["--workspace", "-p", "alpha"]));
    assert_eq!(out.code, 2);
    assert_contains(&out.stderr, "cannot be used with");

    let out = run(cargo_devref(ws.path()).args(["-p", "alpha", "alpha/src/lib.rs"]));
    assert_eq!(out.code, 2);
    assert_contains(&out.stderr, "PATHs cannot be combined");

    write(ws.path(), "beta/Cargo.toml", "[package\n");
    let out = run(cargo_devref(ws.path()).args(["--message-format", "json"]));
    assert_eq!(out.code, 2);
    assert_eq!(out.stdout, "", "no build-finished after a bad invocation");
    assert!(out.stderr.starts_with("error: "), "{}", out.stderr);
    assert!(
        out.stderr.contains("beta"),
        "cargo's error names the manifest: {}",
        out.stderr
    );
}

// --- --report-only ------------------------------------------------------------------------------

#[test]
fn cargo_report_only_reports_one_file_of_the_targets() {
    let ws = workspace();
    let inner = ws.path().join("alpha/src/inner.rs");
    for file in [
        "alpha/src/inner.rs".to_string(),
        inner.to_str().expect("UTF-8").to_string(),
    ] {
        let (code, findings, success) = json(ws.path(), &["--report-only", &file]);
        assert_eq!((code, success), (0, true));
        assert_eq!(files(&findings), ["alpha/src/inner.rs"], "{file}");
    }
    // A file no target's module tree reaches is not linted.
    let out = run(cargo_devref(ws.path()).args([
        "--message-format",
        "json",
        "--report-only",
        "alpha/src/stray.rs",
    ]));
    assert_eq!(out.code, 0);
    assert_eq!(
        out.stdout,
        "{\"reason\":\"build-finished\",\"success\":true}\n"
    );
    assert_contains(&out.stderr, "not among the linted files");
}

/// A miniature kernel tree: `widget::Device` is a device type only because of `rust/kernel`, so
/// the driver's findings need the whole tree's model.
fn kernel_tree() -> TempDir {
    let dir = tempfile::tempdir().expect("creating a temporary directory");
    let root = dir.path();
    write(
        root,
        "rust/kernel/lib.rs",
        "pub use bindings;\n\npub mod device;\npub mod types;\npub mod widget;\n",
    );
    write(
        root,
        "rust/kernel/types.rs",
        "#[repr(transparent)]\npub struct Opaque<T>(T);\n",
    );
    write(
        root,
        "rust/kernel/device.rs",
        "use crate::bindings;\nuse crate::types::Opaque;\n\n#[repr(transparent)]\npub struct Device(Opaque<bindings::device>);\n",
    );
    write(
        root,
        "rust/kernel/widget.rs",
        "use crate::bindings;\nuse crate::device;\nuse crate::types::Opaque;\n\n\
         #[repr(transparent)]\npub struct Device(Opaque<bindings::widget_device>);\n\n\
         impl AsRef<device::Device> for Device {\n    fn as_ref(&self) -> &device::Device {\n        \
         todo!()\n    }\n}\n",
    );
    let driver = "use kernel::bindings;\nuse kernel::widget;\n\nstruct WidgetData {\n    \
                  wdev: *mut bindings::widget_device,\n    named: &'static widget::Device,\n}\n";
    write(root, "drivers/widget.rs", driver);
    write(root, "samples/widget_sample.rs", driver);
    dir
}

fn devref(dir: &Path) -> Command {
    let mut cmd = Command::cargo_bin("devref").expect("the binary is built");
    cmd.current_dir(dir)
        .env_remove("NO_COLOR")
        .timeout(Duration::from_secs(120));
    cmd
}

/// `devref --message-format json ARGS`: exit code and (file, line, code) of each diagnostic.
fn devref_json(dir: &Path, args: &[&str]) -> (i32, Vec<(String, u64, String)>) {
    let out = run(devref(dir).args(["--message-format", "json"]).args(args));
    let found = out
        .stdout
        .lines()
        .map(|line| {
            let d: serde_json::Value = serde_json::from_str(line).expect("a JSON line");
            let span = &d["spans"][0];
            (
                span["file_name"].as_str().expect("file_name").to_string(),
                span["line_start"].as_u64().expect("line_start"),
                d["code"]["code"].as_str().expect("code").to_string(),
            )
        })
        .collect();
    (out.code, found)
}

#[test]
fn report_only_builds_the_model_over_every_path() {
    let tree = kernel_tree();
    let root = tree.path();
    let driver_findings = vec![
        ("drivers/widget.rs".to_string(), 5, RAW.to_string()),
        ("drivers/widget.rs".to_string(), 6, STATIC.to_string()),
    ];
    let (code, all) = devref_json(root, &["rust", "drivers"]);
    assert_eq!(code, 1);
    let in_driver: Vec<_> = all
        .iter()
        .filter(|(file, _, _)| file == "drivers/widget.rs")
        .cloned()
        .collect();
    assert_eq!(in_driver, driver_findings);
    // Alone, the driver does not know `widget::Device` is a device.
    let (_, alone) = devref_json(root, &["drivers/widget.rs"]);
    assert!(!alone.contains(&driver_findings[1]), "{alone:?}");

    let absolute = root.join("drivers/widget.rs");
    let dotted = root.join("rust/../drivers/./widget.rs");
    for file in [
        "drivers/widget.rs",
        "./drivers/widget.rs",
        absolute.to_str().expect("UTF-8"),
        dotted.to_str().expect("UTF-8"),
    ] {
        let (code, found) = devref_json(root, &["--report-only", file, "rust", "drivers"]);
        assert_eq!(
            (code, &found),
            (1, &driver_findings),
            "--report-only {file}"
        );
    }
    // The exit code is that of the reported findings only.
    let (code, found) = devref_json(
        root,
        &["--report-only", "rust/kernel/types.rs", "rust", "drivers"],
    );
    assert_eq!((code, found), (0, vec![]));
}

#[cfg(unix)]
#[test]
fn report_only_matches_through_symbolic_links() {
    let tree = kernel_tree();
    let root = tree.path();
    let link = tempfile::tempdir().expect("a temporary directory");
    let linked = link.path().join("tree");
    std::os::unix::fs::symlink(root, &linked).expect("a symbolic link");
    let through_link = linked.join("drivers/widget.rs");
    let (code, found) = devref_json(
        root,
        &[
            "--report-only",
            through_link.to_str().expect("UTF-8"),
            "rust",
            "drivers",
        ],
    );
    assert_eq!(code, 1);
    assert_eq!(found.len(), 2);
    assert!(found.iter().all(|(file, _, _)| file == "drivers/widget.rs"));
}

#[test]
fn report_only_lints_a_file_outside_the_paths_with_their_model() {
    let tree = kernel_tree();
    let root = tree.path();
    let sample = root.join("samples/widget_sample.rs");
    let (code, found) = devref_json(
        root,
        &[
            "--report-only",
            sample.to_str().expect("UTF-8"),
            "rust",
            "drivers",
        ],
    );
    assert_eq!(code, 1);
    assert_eq!(
        found,
        [
            ("samples/widget_sample.rs".to_string(), 5, RAW.to_string()),
            (
                "samples/widget_sample.rs".to_string(),
                6,
                STATIC.to_string()
            ),
        ]
    );
    // Unless it is excluded, or not Rust.
    let (code, found) = devref_json(
        root,
        &[
            "--exclude",
            "samples",
            "--report-only",
            "samples/widget_sample.rs",
            "rust",
            "drivers",
        ],
    );
    assert_eq!((code, found), (0, vec![]));
    write(root, "drivers/Kconfig", "config WIDGET\n");
    let (code, found) = devref_json(
        root,
        &["--report-only", "drivers/Kconfig", "rust", "drivers"],
    );
    assert_eq!((code, found), (0, vec![]));
}

#[test]
fn report_only_of_a_missing_file_or_a_folder_is_a_bad_invocation() {
    let tree = kernel_tree();
    let out = run(devref(tree.path()).args(["--report-only", "drivers/gone.rs", "drivers"]));
    assert_eq!(out.code, 2);
    assert!(
        out.stderr
            .starts_with("error: --report-only: cannot read `drivers/gone.rs`: "),
        "{}",
        out.stderr
    );
    let out = run(devref(tree.path()).args(["--report-only", "drivers", "drivers"]));
    assert_eq!(out.code, 2);
    assert_eq!(
        out.stderr,
        "error: --report-only takes a file, but `drivers` is a directory\n"
    );
}

/// A PATH that does not exist leaves a hole in the model, so it is reported as it is without
/// `--report-only`, and the run fails.
#[test]
fn report_only_reports_a_path_that_does_not_exist() {
    let tree = kernel_tree();
    let out = run(devref(tree.path()).args([
        "--message-format",
        "short",
        "--report-only",
        "drivers/widget.rs",
        "rust",
        "drivers",
        "driver",
    ]));
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert_eq!(
        out.stdout,
        "driver:1:1: error: cannot read `driver`: No such file or directory (os error 2) \
         [devref::input]\n\
         drivers/widget.rs:5:11: warning: field `WidgetData::wdev` holds a raw pointer to \
         `bindings::widget_device`, which carries no lifetime and can outlive the driver's unbind \
         [devref::raw_device_ptr_field]\n\
         drivers/widget.rs:6:12: error: field `WidgetData::named` holds a `&'static` reference \
         to a device, but a device can be unbound and freed while the reference still exists \
         [devref::static_device_ref]\n"
    );
}

#[test]
fn report_only_keeps_human_output_and_its_summary_to_the_file() {
    let tree = kernel_tree();
    let out = run(devref(tree.path()).args([
        "--color",
        "never",
        "--report-only",
        "drivers/widget.rs",
        "rust",
        "drivers",
    ]));
    assert_eq!(out.code, 1);
    assert_contains(&out.stderr, " --> drivers/widget.rs:5:");
    assert_lacks(&out.stderr, "rust/kernel");
    assert!(
        out.stderr
            .ends_with("error: could not lint due to 1 previous error; 1 warning emitted\n\n"),
        "{}",
        out.stderr
    );
}
