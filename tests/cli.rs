//! Command-line behaviour of the built `devref` and `cargo-devref` binaries: paths and discovery,
//! output formats, colour, exit codes, bad inputs, and determinism.
//!
//! Every test lints small kernel-style snippets written into a temporary directory.

use std::fs;
use std::path::Path;
use std::time::Duration;

use assert_cmd::Command;
use serde_json::{json, Value};
use tempfile::TempDir;

mod common;
use common::{assert_contains, tree, write, Run};

/// A file with exactly one finding: `devref::raw_device_ptr_field` (warn) on the field type,
/// line 2, columns 17..38, bytes 38..59.
const KNOWN: &str = "use kernel::bindings;\nstruct S { dev: *mut bindings::device }\n";
const KNOWN_MESSAGE: &str = "field `S::dev` holds a raw pointer to `bindings::device`, which \
                             carries no lifetime and can outlive the driver's unbind";
const KNOWN_HELP: &str = "hold a counted reference instead";
const KNOWN_NOTE: &str = "an `ARef` owns a reference count on the device, so the device stays \
                          allocated for as long as the field exists, even after unbind";

/// A file with one `devref::static_device_ref` finding, a correctness lint (deny), on line 4.
const DENIED: &str = "use kernel::device::Device;\n\nstruct Held {\n    dev: &'static Device,\n}\n";
const DENIED_MESSAGE: &str = "field `Held::dev` holds a `&'static` reference to a device, but a \
                              device can be unbound and freed while the reference still exists";

/// A file without findings.
const CLEAN: &str = "use kernel::prelude::*;\n\nfn probe() -> Result {\n    Ok(())\n}\n";

const RAW: &str = "devref::raw_device_ptr_field";
const STATIC: &str = "devref::static_device_ref";
const INPUT: &str = "devref::input";

// --- Helpers ------------------------------------------------------------------------------------

/// A temporary directory in which each of `paths` holds `KNOWN`.
fn known_tree(paths: &[&str]) -> TempDir {
    let dir = tree(&[]);
    for path in paths {
        write(dir.path(), path, KNOWN.as_bytes());
    }
    dir
}

/// The built binary `name`, run in `dir`, with a clean colour environment and a time limit so
/// that a hang fails the test instead of blocking it.
fn bin(name: &str, dir: &Path) -> Command {
    let mut cmd = Command::cargo_bin(name).expect("the binary is built");
    cmd.current_dir(dir)
        .env_remove("NO_COLOR")
        .env_remove("CLICOLOR_FORCE")
        .env_remove("CLICOLOR")
        .timeout(Duration::from_secs(60));
    cmd
}

fn devref(dir: &Path) -> Command {
    bin("devref", dir)
}

fn run(cmd: &mut Command) -> Run {
    Run::from_output(
        cmd.output()
            .expect("devref ran to completion within its time limit"),
    )
}

/// `devref ARGS` in `dir`.
fn devref_in(dir: &Path, args: &[&str]) -> Run {
    run(devref(dir).args(args))
}

/// `devref --message-format json ARGS` in `dir`: the exit code and the parsed diagnostics.
fn json_in(dir: &Path, args: &[&str]) -> (i32, Vec<Value>) {
    let out = run(devref(dir).args(["--message-format", "json"]).args(args));
    (out.code, parse_json_lines(&out.stdout))
}

fn parse_json_lines(stdout: &str) -> Vec<Value> {
    stdout
        .lines()
        .map(|line| serde_json::from_str(line).unwrap_or_else(|e| panic!("{e}: {line}")))
        .collect()
}

/// What a test asserts of a diagnostic: file, line, column, level, code, message.
#[derive(Debug, PartialEq, Eq, Clone)]
struct Finding {
    file: String,
    line: u64,
    column: u64,
    level: String,
    code: String,
    message: String,
}

fn finding(file: &str, line: u64, column: u64, code: &str, message: &str) -> Finding {
    let level = if code == RAW { "warning" } else { "error" };
    Finding {
        file: file.to_string(),
        line,
        column,
        level: level.to_string(),
        code: code.to_string(),
        message: message.to_string(),
    }
}

fn known(file: &str) -> Finding {
    finding(file, 2, 17, RAW, KNOWN_MESSAGE)
}

fn findings(diagnostics: &[Value]) -> Vec<Finding> {
    diagnostics
        .iter()
        .map(|d| {
            let span = &d["spans"][0];
            Finding {
                file: span["file_name"].as_str().expect("file_name").to_string(),
                line: span["line_start"].as_u64().expect("line_start"),
                column: span["column_start"].as_u64().expect("column_start"),
                level: d["level"].as_str().expect("level").to_string(),
                code: d["code"]["code"].as_str().expect("code").to_string(),
                message: d["message"].as_str().expect("message").to_string(),
            }
        })
        .collect()
}

/// The human rendering of the `KNOWN` finding in `file`, as the test expects it.
fn known_human(file: &str) -> String {
    format!(
        "warning[{RAW}]: {KNOWN_MESSAGE}\n \
         --> {file}:2:17\n  \
         |\n\
         2 | struct S {{ dev: *mut bindings::device }}\n  \
         |                 ^^^^^^^^^^^^^^^^^^^^^ pointer to `bindings::device`\n  \
         |\n  \
         = help: {KNOWN_HELP}: `ARef<device::Device>`\n  \
         = note: {KNOWN_NOTE}\n\n"
    )
}

/// The input errors, as (file, line, column, message), of a JSON run.
fn input_errors(diagnostics: &[Value]) -> Vec<(String, u64, u64, String)> {
    findings(diagnostics)
        .into_iter()
        .filter(|f| f.code == INPUT)
        .map(|f| {
            assert_eq!(f.level, "error", "input problems are errors: {f:?}");
            (f.file, f.line, f.column, f.message)
        })
        .collect()
}

fn is_ancestor_free_of_cargo_toml(dir: &Path) -> bool {
    dir.ancestors().all(|d| !d.join("Cargo.toml").exists())
}

// --- Human output -------------------------------------------------------------------------------

#[test]
fn human_output_is_rustc_style_with_summary() {
    let dir = tree(&[("a.rs", KNOWN.as_bytes())]);
    let out = devref_in(dir.path(), &["--color", "never", "a.rs"]);
    assert_eq!(out.code, 0, "a warning does not fail the run");
    assert_eq!(out.stdout, "", "human output goes to stderr");
    assert_eq!(
        out.stderr,
        format!("{}warning: 1 warning emitted\n\n", known_human("a.rs"))
    );
}

#[test]
fn human_summary_counts_errors_and_warnings() {
    let dir = tree(&[
        ("a.rs", KNOWN.as_bytes()),
        ("b.rs", KNOWN.as_bytes()),
        ("c.rs", DENIED.as_bytes()),
    ]);
    let out = devref_in(dir.path(), &["--color", "never"]);
    assert_eq!(out.code, 1, "a deny lint fails the run");
    assert!(
        out.stderr
            .ends_with("\nerror: could not lint due to 1 previous error; 2 warnings emitted\n\n"),
        "{}",
        out.stderr
    );
    assert!(out.stderr.contains(&format!(
        "error[{STATIC}]: {DENIED_MESSAGE}\n --> c.rs:4:10\n"
    )));
}

#[test]
fn clean_input_prints_nothing_and_exits_0() {
    let dir = tree(&[("clean.rs", CLEAN.as_bytes())]);
    let out = devref_in(dir.path(), &["clean.rs"]);
    assert_eq!(
        (out.code, out.stdout.as_str(), out.stderr.as_str()),
        (0, "", "")
    );
    let (code, diagnostics) = json_in(dir.path(), &["clean.rs"]);
    assert_eq!((code, diagnostics.len()), (0, 0));
}

// --- Colour -------------------------------------------------------------------------------------

const ESC: &str = "\x1b[";

#[test]
fn color_always_emits_ansi_escapes() {
    let dir = tree(&[("a.rs", KNOWN.as_bytes())]);
    let out = devref_in(dir.path(), &["--color", "always", "a.rs"]);
    assert_eq!(out.code, 0);
    assert!(out.stderr.contains(ESC), "no escapes in: {:?}", out.stderr);
    // The text is the same once the escapes are removed.
    assert_eq!(
        strip_ansi(&out.stderr),
        format!("{}warning: 1 warning emitted\n\n", known_human("a.rs"))
    );
}

#[test]
fn color_never_and_auto_without_terminal_emit_none() {
    let dir = tree(&[("a.rs", KNOWN.as_bytes())]);
    for args in [
        &["--color", "never", "a.rs"][..],
        &["--color", "auto", "a.rs"][..],
        &["a.rs"][..],
    ] {
        let out = devref_in(dir.path(), args);
        assert!(!out.stderr.contains(ESC), "{args:?}: {:?}", out.stderr);
        assert!(out.stderr.contains("warning[devref::raw_device_ptr_field]"));
    }
    // `never` wins even where a terminal would be coloured.
    let out = run(devref(dir.path())
        .env("CLICOLOR_FORCE", "1")
        .args(["--color", "never", "a.rs"]));
    assert!(!out.stderr.contains(ESC));
}

/// `auto` colours a terminal unless `NO_COLOR` is set. A terminal needs a pseudo-terminal, which
/// util-linux's `script` provides; without it the test says so and checks nothing.
#[test]
fn color_auto_follows_terminal_and_no_color() {
    let dir = tree(&[("a.rs", KNOWN.as_bytes())]);
    let exe = assert_cmd::cargo::cargo_bin("devref");
    let in_pty = |no_color: Option<&str>, color: &str| -> Option<String> {
        let mut cmd = std::process::Command::new("script");
        cmd.current_dir(dir.path())
            .args([
                "-qec",
                &format!("'{}' --color {color} a.rs", exe.display()),
                "/dev/null",
            ])
            .env("TERM", "xterm-256color")
            .env_remove("NO_COLOR")
            .env_remove("CLICOLOR_FORCE")
            .stdin(std::process::Stdio::null());
        if let Some(value) = no_color {
            cmd.env("NO_COLOR", value);
        }
        let output = cmd.output().ok()?;
        output
            .status
            .success()
            .then(|| String::from_utf8_lossy(&output.stdout).into_owned())
    };
    let Some(coloured) = in_pty(None, "auto") else {
        println!("note: `script` is not available, so colour on a terminal is not tested");
        return;
    };
    assert!(coloured.contains("raw_device_ptr_field"), "{coloured:?}");
    assert!(
        coloured.contains(ESC),
        "a terminal is coloured: {coloured:?}"
    );
    let plain = in_pty(Some("1"), "auto").expect("script ran");
    assert!(plain.contains("raw_device_ptr_field"), "{plain:?}");
    assert!(!plain.contains(ESC), "NO_COLOR turns colour off: {plain:?}");
    let forced = in_pty(Some("1"), "always").expect("script ran");
    assert!(forced.contains(ESC), "--color always overrides NO_COLOR");
    let never = in_pty(None, "never").expect("script ran");
    assert!(!never.contains(ESC), "--color never on a terminal");
}

fn strip_ansi(text: &str) -> String {
    let mut out = String::new();
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        if c == '\x1b' {
            // CSI: ESC [ parameters final-byte
            for c in chars.by_ref() {
                if c.is_ascii_alphabetic() {
                    break;
                }
            }
        } else {
            out.push(c);
        }
    }
    out
}

// --- JSON ---------------------------------------------------------------------------------------

#[test]
fn json_is_rustc_schema_exactly() {
    let dir = tree(&[("src/a.rs", KNOWN.as_bytes())]);
    let out = run(devref(dir.path()).args(["--message-format", "json", "src/a.rs"]));
    assert_eq!(out.code, 0);
    assert_eq!(out.stderr, "", "JSON mode writes nothing else");
    assert_eq!(out.stdout.lines().count(), 1, "one object per line");
    let diagnostic: Value = serde_json::from_str(out.stdout.trim_end()).expect("JSON");
    let line = "struct S { dev: *mut bindings::device }";
    // The finding and its help share the span; only the label and the suggestion differ.
    let span = |label: Value, replacement: Value, applicability: Value| {
        json!({
            "file_name": "src/a.rs",
            "byte_start": 38,
            "byte_end": 59,
            "line_start": 2,
            "line_end": 2,
            "column_start": 17,
            "column_end": 38,
            "is_primary": true,
            "text": [{ "text": line, "highlight_start": 17, "highlight_end": 38 }],
            "label": label,
            "suggested_replacement": replacement,
            "suggestion_applicability": applicability,
            "expansion": null,
        })
    };
    let expected = json!({
        "$message_type": "diagnostic",
        "message": KNOWN_MESSAGE,
        "code": { "code": RAW, "explanation": null },
        "level": "warning",
        "spans": [span(json!("pointer to `bindings::device`"), Value::Null, Value::Null)],
        "children": [
            {
                "message": KNOWN_HELP,
                "code": null,
                "level": "help",
                "spans": [span(Value::Null, json!("ARef<device::Device>"), json!("MaybeIncorrect"))],
                "children": [],
                "rendered": null,
            },
            {
                "message": KNOWN_NOTE,
                "code": null,
                "level": "note",
                "spans": [],
                "children": [],
                "rendered": null,
            },
        ],
        "rendered": known_human("src/a.rs"),
    });
    assert_eq!(diagnostic, expected);
    assert_eq!(&KNOWN[38..59], "*mut bindings::device");
}

/// Columns count chars, byte offsets count bytes: a line with multi-byte characters before the
/// span tells them apart.
#[test]
fn json_columns_count_chars_and_offsets_count_bytes() {
    let source = "use kernel::bindings;\n// ünïcødé → ✓\nstruct S { /* ü→✓ */ dev: *mut bindings::device }\n";
    let dir = tree(&[("u.rs", source.as_bytes())]);
    let (code, diagnostics) = json_in(dir.path(), &["u.rs"]);
    assert_eq!(code, 0);
    assert_eq!(diagnostics.len(), 1, "{diagnostics:#?}");
    let span = &diagnostics[0]["spans"][0];
    // Line 1: 22 bytes; line 2: 23 bytes (15 chars); line 3 has 31 bytes, 26 chars before the span.
    assert_eq!(span["byte_start"], 76);
    assert_eq!(span["byte_end"], 97);
    assert_eq!(span["line_start"], 3);
    assert_eq!(span["line_end"], 3);
    assert_eq!(span["column_start"], 27);
    assert_eq!(span["column_end"], 48);
    assert_eq!(
        span["text"],
        json!([{
            "text": "struct S { /* ü→✓ */ dev: *mut bindings::device }",
            "highlight_start": 27,
            "highlight_end": 48,
        }])
    );
    assert_eq!(&source[76..97], "*mut bindings::device");
    // The human output points at the same column.
    let out = devref_in(dir.path(), &["--color", "never", "u.rs"]);
    assert_contains(&out.stderr, " --> u.rs:3:27\n");
}

/// syn drops a byte-order mark and a shebang line before parsing; positions must still be
/// those of the file.
#[test]
fn bom_and_shebang_do_not_shift_positions() {
    let bom = format!("\u{feff}{KNOWN}");
    let shebang = format!("#!/usr/bin/env kernel-script\n{KNOWN}");
    let attribute = format!("#![allow(dead_code)]\n{KNOWN}");
    let dir = tree(&[
        ("bom.rs", bom.as_bytes()),
        ("shebang.rs", shebang.as_bytes()),
        ("attribute.rs", attribute.as_bytes()),
    ]);
    let (code, diagnostics) = json_in(dir.path(), &["."]);
    assert_eq!(code, 0);
    let spans: Vec<(String, u64, u64, u64, u64)> = diagnostics
        .iter()
        .map(|d| {
            let s = &d["spans"][0];
            (
                s["file_name"].as_str().unwrap().to_string(),
                s["byte_start"].as_u64().unwrap(),
                s["byte_end"].as_u64().unwrap(),
                s["line_start"].as_u64().unwrap(),
                s["column_start"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        spans,
        [
            ("attribute.rs".to_string(), 38 + 21, 59 + 21, 3, 17),
            ("bom.rs".to_string(), 38 + 3, 59 + 3, 2, 17),
            ("shebang.rs".to_string(), 38 + 29, 59 + 29, 3, 17),
        ]
    );
    assert_eq!(&shebang[67..88], "*mut bindings::device");
}

#[test]
fn json_file_names_are_as_given() {
    let dir = tree(&[("src/a.rs", KNOWN.as_bytes())]);
    let absolute = dir.path().join("src/a.rs");
    let absolute = absolute.to_str().expect("a UTF-8 temporary path");
    for (arg, name) in [
        ("src/a.rs", "src/a.rs"),
        ("./src/a.rs", "src/a.rs"),
        ("src", "src/a.rs"),
        ("./src/", "src/a.rs"),
        (".", "src/a.rs"),
        (absolute, absolute),
    ] {
        let (code, diagnostics) = json_in(dir.path(), &[arg]);
        assert_eq!(code, 0);
        assert_eq!(findings(&diagnostics), [known(name)], "devref {arg}");
    }
    // From a subdirectory, `..` stays relative.
    let (_, diagnostics) = json_in(&dir.path().join("src"), &["../src/a.rs"]);
    assert_eq!(findings(&diagnostics), [known("../src/a.rs")]);
}

// --- Paths and discovery ------------------------------------------------------------------------

#[test]
fn directories_are_searched_for_rs_files_skipping_target_and_hidden() {
    let dir = known_tree(&[
        "drivers/net/b.rs",
        "drivers/a.rs",
        "drivers/notes.txt",
        "drivers/target/gen.rs",
        "drivers/.cache/c.rs",
        "target/d.rs",
        ".git/e.rs",
        "top.rs",
    ]);
    write(dir.path(), "clean.rs", CLEAN.as_bytes());
    // The default path is `.`.
    let (code, diagnostics) = json_in(dir.path(), &[]);
    assert_eq!(code, 0);
    assert_eq!(
        findings(&diagnostics),
        [
            known("drivers/a.rs"),
            known("drivers/net/b.rs"),
            known("top.rs")
        ]
    );
    assert_eq!(json_in(dir.path(), &["."]).1, diagnostics);
    // Explicit files are linted whatever directory they are in.
    let (_, diagnostics) = json_in(dir.path(), &["target/d.rs", ".git/e.rs", "drivers/net"]);
    assert_eq!(
        findings(&diagnostics),
        [
            known(".git/e.rs"),
            known("drivers/net/b.rs"),
            known("target/d.rs")
        ]
    );
    // A hidden directory named explicitly is searched.
    let (_, diagnostics) = json_in(dir.path(), &["drivers/.cache"]);
    assert_eq!(findings(&diagnostics), [known("drivers/.cache/c.rs")]);
    // A file named twice is linted once.
    let (_, diagnostics) = json_in(dir.path(), &["top.rs", "./top.rs", "top.rs"]);
    assert_eq!(findings(&diagnostics), [known("top.rs")]);
}

#[test]
fn exclude_skips_files_and_directories() {
    let dir = known_tree(&[
        "drivers/a.rs",
        "drivers/gen/b.rs",
        "drivers/c_test.rs",
        "rust/kernel/d.rs",
    ]);
    let files = |args: &[&str]| -> Vec<String> {
        let (code, diagnostics) = json_in(dir.path(), args);
        assert_eq!(code, 0, "{args:?}");
        findings(&diagnostics).into_iter().map(|f| f.file).collect()
    };
    assert_eq!(
        files(&[]),
        [
            "drivers/a.rs",
            "drivers/c_test.rs",
            "drivers/gen/b.rs",
            "rust/kernel/d.rs"
        ]
    );
    assert_eq!(
        files(&["--exclude", "gen"]),
        ["drivers/a.rs", "drivers/c_test.rs", "rust/kernel/d.rs"]
    );
    assert_eq!(
        files(&["--exclude", "*_test.rs", "--exclude", "rust/**"]),
        ["drivers/a.rs", "drivers/gen/b.rs"]
    );
    assert_eq!(files(&["--exclude=drivers", "."]), ["rust/kernel/d.rs"]);
    // An excluded path on the command line is skipped too.
    assert_eq!(
        files(&["--exclude", "drivers/a.rs", "drivers/a.rs", "rust"]),
        ["rust/kernel/d.rs"]
    );
    // And so is one below an excluded folder, as a search of that folder would skip it (and as
    // `--staged`, `--report-only` and `cargo devref` skip it).
    assert_eq!(
        files(&["--exclude", "gen", "drivers/gen/b.rs", "rust"]),
        ["rust/kernel/d.rs"]
    );
    assert_eq!(
        files(&["--exclude", "drivers/**", "./drivers/gen/b.rs", "rust"]),
        ["rust/kernel/d.rs"]
    );
}

#[test]
fn stdin_is_read_once_and_named_by_stdin_filename() {
    let dir = tree(&[("b.rs", KNOWN.as_bytes())]);
    let out = run(devref(dir.path())
        .args(["--message-format", "json", "-"])
        .write_stdin(KNOWN));
    assert_eq!(out.code, 0);
    assert_eq!(findings(&parse_json_lines(&out.stdout)), [known("<stdin>")]);

    let out = run(devref(dir.path())
        .args([
            "--message-format",
            "json",
            "--stdin-filename",
            "drivers/gpu/nova.rs",
            "b.rs",
            "-",
        ])
        .write_stdin(KNOWN));
    assert_eq!(out.code, 0);
    assert_eq!(
        findings(&parse_json_lines(&out.stdout)),
        [known("drivers/gpu/nova.rs"), known("b.rs")],
        "stdin comes first, then files by path"
    );

    let out = run(devref(dir.path())
        .args(["--color", "never", "--stdin-filename", "x.rs", "-"])
        .write_stdin(DENIED));
    assert_eq!(out.code, 1);
    assert_contains(&out.stderr, " --> x.rs:4:10\n");

    // Bad input on stdin is named by --stdin-filename too.
    let out = run(devref(dir.path())
        .args([
            "--message-format",
            "json",
            "--stdin-filename",
            "pipe.rs",
            "-",
        ])
        .write_stdin(&b"fn f() {}\n\xff\n"[..]));
    assert_eq!(out.code, 1);
    assert_eq!(
        input_errors(&parse_json_lines(&out.stdout)),
        [(
            "pipe.rs".to_string(),
            2,
            1,
            "`pipe.rs` is not valid UTF-8: invalid byte 0xff at byte offset 10".to_string()
        )]
    );
}

// --- Determinism --------------------------------------------------------------------------------

#[test]
fn output_order_is_sorted_and_independent_of_threads() {
    let mut files: Vec<(String, String)> = Vec::new();
    for i in 0..24 {
        // Files of very different sizes, so that the workers' shares differ with -j.
        let padding = "// padding\n".repeat((i * 37) % 200);
        let text = format!(
            "use kernel::bindings;\n{padding}struct A{i} {{ dev: *mut bindings::device }}\n\
             struct B{i} {{\n    first: *mut bindings::device,\n    second: *const bindings::device,\n}}\n"
        );
        let dir = ["drivers", "drivers/net", "rust/kernel", "samples"][i % 4];
        files.push((format!("{dir}/f{:02}.rs", 23 - i), text));
    }
    files.push(("drivers/bad.rs".to_string(), "fn broken( {\n".to_string()));
    let refs: Vec<(&str, &[u8])> = files
        .iter()
        .map(|(path, text)| (path.as_str(), text.as_bytes()))
        .collect();
    let dir = tree(&refs);

    let human: Vec<Run> = ["1", "2", "3", "8"]
        .iter()
        .map(|j| devref_in(dir.path(), &["--color", "never", "-j", j]))
        .collect();
    let json: Vec<Run> = ["1", "2", "3", "8"]
        .iter()
        .map(|j| devref_in(dir.path(), &["--message-format", "json", "-j", j]))
        .collect();
    for runs in [&human, &json] {
        for other in &runs[1..] {
            assert_eq!(other.code, 1);
            assert_eq!(other.stdout, runs[0].stdout, "stdout differs with -j");
            assert_eq!(other.stderr, runs[0].stderr, "stderr differs with -j");
        }
    }

    let diagnostics = parse_json_lines(&json[0].stdout);
    assert_eq!(diagnostics.len(), 24 * 3 + 1);
    let order: Vec<(String, u64)> = diagnostics
        .iter()
        .map(|d| {
            let span = &d["spans"][0];
            (
                span["file_name"].as_str().unwrap().to_string(),
                span["byte_start"].as_u64().unwrap(),
            )
        })
        .collect();
    // Sorted by file, path component by component, then by position.
    let mut sorted = order.clone();
    sorted.sort_by(|a, b| (Path::new(&a.0), a.1).cmp(&(Path::new(&b.0), b.1)));
    assert_eq!(order, sorted);
    assert_eq!(order[0].0, "drivers/bad.rs");
    assert_eq!(order.last().unwrap().0, "samples/f20.rs");
    let lines: Vec<u64> = findings(&diagnostics[1..4])
        .iter()
        .map(|f| f.line)
        .collect();
    assert_eq!(findings(&diagnostics[1..4])[0].file, "drivers/f03.rs");
    let padding = (20 * 37) % 200;
    assert_eq!(lines, [2 + padding, 4 + padding, 5 + padding]);
}

// --- Exit codes and bad invocations -------------------------------------------------------------

#[test]
fn exit_codes() {
    let dir = tree(&[
        ("warn.rs", KNOWN.as_bytes()),
        ("deny.rs", DENIED.as_bytes()),
        ("clean.rs", CLEAN.as_bytes()),
    ]);
    assert_eq!(devref_in(dir.path(), &["clean.rs"]).code, 0);
    assert_eq!(devref_in(dir.path(), &["warn.rs"]).code, 0);
    assert_eq!(devref_in(dir.path(), &["deny.rs"]).code, 1);
    let (code, diagnostics) = json_in(dir.path(), &["warn.rs", "deny.rs", "clean.rs"]);
    assert_eq!(code, 1);
    assert_eq!(
        findings(&diagnostics),
        [
            finding("deny.rs", 4, 10, STATIC, DENIED_MESSAGE),
            known("warn.rs")
        ]
    );
}

#[test]
fn bad_invocations_exit_2() {
    let dir = tree(&[("a.rs", KNOWN.as_bytes())]);
    let cases: &[(&[&str], &str)] = &[
        (&["--no-such-flag", "a.rs"], "--no-such-flag"),
        (&["--message-format", "xml", "a.rs"], "xml"),
        (&["--color", "sometimes", "a.rs"], "sometimes"),
        (&["-j", "many", "a.rs"], "many"),
        (
            &["--exclude", "drivers/[", "a.rs"],
            "invalid --exclude glob `drivers/[`",
        ),
        (&["-", "a.rs", "-"], "`-` (stdin) can be given only once"),
    ];
    for (args, mentions) in cases {
        let out = run(devref(dir.path()).args(*args).write_stdin(KNOWN));
        assert_eq!(out.code, 2, "devref {args:?}: {}", out.stderr);
        assert_eq!(out.stdout, "", "devref {args:?}");
        assert!(
            out.stderr.contains(mentions),
            "devref {args:?} should mention {mentions:?}: {}",
            out.stderr
        );
        assert!(
            !out.stderr.contains("raw_device_ptr_field"),
            "nothing is linted"
        );
    }
}

// --- Bad inputs ---------------------------------------------------------------------------------

/// Lints `ok.rs` (one warning) beside `paths` in `dir`; the bad input must be reported as an
/// error and `ok.rs` still linted.
fn with_ok_file(dir: &Path, paths: &[&str]) -> (i32, Vec<(String, u64, u64, String)>) {
    write(dir, "ok.rs", KNOWN.as_bytes());
    let mut args = vec!["ok.rs"];
    args.extend_from_slice(paths);
    let (code, diagnostics) = json_in(dir, &args);
    assert!(
        findings(&diagnostics).contains(&known("ok.rs")),
        "the good file is still linted: {diagnostics:#?}"
    );
    (code, input_errors(&diagnostics))
}

fn error(file: &str, line: u64, column: u64, message: &str) -> (String, u64, u64, String) {
    (file.to_string(), line, column, message.to_string())
}

#[test]
fn syntax_error_is_reported_at_its_position() {
    let dir = tree(&[
        ("lex.rs", b"fn probe(dev: *mut u8 {\n    0\n}\n"),
        ("parse.rs", b"fn probe() {\n    let = unsafe { 1 };\n}\n"),
        // devref does not parse a body that cannot matter to it (no `unsafe`, no nested item, …),
        // so a grammar error there is left to rustc; unbalanced delimiters are still reported.
        ("skipped.rs", b"fn probe() {\n    let = 1;\n}\n"),
    ]);
    let (code, errors) = with_ok_file(dir.path(), &["lex.rs", "parse.rs", "skipped.rs"]);
    assert_eq!(code, 1);
    assert_eq!(errors.len(), 2, "{errors:#?}");
    assert_eq!(
        errors[0],
        error(
            "lex.rs",
            1,
            9,
            "could not parse `lex.rs`: unbalanced delimiter, unterminated literal or comment, \
             or a character that is not a Rust token"
        )
    );
    assert_eq!(
        (errors[1].0.as_str(), errors[1].1, errors[1].2),
        ("parse.rs", 2, 9)
    );
    assert!(
        errors[1]
            .3
            .starts_with("could not parse `parse.rs`: expected one of: identifier"),
        "{}",
        errors[1].3
    );
    let out = devref_in(dir.path(), &["--color", "never", "parse.rs"]);
    assert_eq!(out.code, 1);
    assert_contains(
        &out.stderr,
        " --> parse.rs:2:9\n  |\n2 |     let = unsafe { 1 };\n  |         ^\n",
    );
    assert!(out
        .stderr
        .ends_with("error: could not lint due to 1 previous error\n\n"));
}

#[test]
fn non_utf8_file_is_reported_at_the_bad_byte() {
    let dir = tree(&[("latin1.rs", b"// caf\xe9\nfn f() {}\n")]);
    let (code, errors) = with_ok_file(dir.path(), &["latin1.rs"]);
    assert_eq!(code, 1);
    assert_eq!(
        errors,
        [error(
            "latin1.rs",
            1,
            7,
            "`latin1.rs` is not valid UTF-8: invalid byte 0xe9 at byte offset 6"
        )]
    );
    let out = devref_in(dir.path(), &["--color", "never", "latin1.rs"]);
    assert_contains(
        &out.stderr,
        " --> latin1.rs:1:7\n  |\n1 | // caf\u{fffd}\n  |       ^\n",
    );
}

#[test]
fn binary_file_is_reported() {
    let dir = tree(&[("blob.rs", b"\x7fELF\x02\x01\x01\x00\x00\x00\x00")]);
    let (code, errors) = with_ok_file(dir.path(), &["blob.rs"]);
    assert_eq!(code, 1);
    assert_eq!(
        errors,
        [error(
            "blob.rs",
            1,
            1,
            "`blob.rs` is a binary file, not Rust source"
        )]
    );
}

#[test]
fn unreadable_file_is_reported() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tree(&[("secret.rs", KNOWN.as_bytes())]);
    let path = dir.path().join("secret.rs");
    fs::set_permissions(&path, fs::Permissions::from_mode(0o000)).expect("chmod 000");
    let readable_anyway = fs::read(&path).is_ok();
    let (code, errors) = with_ok_file(dir.path(), &["secret.rs"]);
    fs::set_permissions(&path, fs::Permissions::from_mode(0o644)).expect("chmod 644");
    if readable_anyway {
        // Root (or CAP_DAC_OVERRIDE) reads the file regardless of its mode.
        println!(
            "note: running with privileges that ignore file permissions, so the unreadable-file \
             error is not tested; the file was linted normally"
        );
        assert_eq!((code, errors), (0, Vec::new()));
        return;
    }
    assert_eq!(code, 1);
    assert_eq!(
        errors,
        [error(
            "secret.rs",
            1,
            1,
            "cannot read `secret.rs`: Permission denied (os error 13)"
        )]
    );
}

#[test]
fn nonexistent_path_is_reported() {
    let dir = tree(&[]);
    let (code, errors) = with_ok_file(dir.path(), &["missing.rs", "no/such/dir"]);
    assert_eq!(code, 1);
    assert_eq!(
        errors,
        [
            error(
                "missing.rs",
                1,
                1,
                "cannot read `missing.rs`: No such file or directory (os error 2)"
            ),
            error(
                "no/such/dir",
                1,
                1,
                "cannot read `no/such/dir`: No such file or directory (os error 2)"
            ),
        ]
    );
}

#[test]
fn symlink_loop_is_reported_and_other_files_linted() {
    let dir = known_tree(&["tree/a.rs", "tree/sub/b.rs"]);
    std::os::unix::fs::symlink("..", dir.path().join("tree/sub/loop")).expect("symlink");
    std::os::unix::fs::symlink("self.rs", dir.path().join("tree/self.rs")).expect("symlink");
    // A dangling link is reported only where a Rust file was expected.
    std::os::unix::fs::symlink("gone.rs", dir.path().join("tree/dangling.rs")).expect("symlink");
    std::os::unix::fs::symlink("gone.txt", dir.path().join("tree/README")).expect("symlink");
    let (code, diagnostics) = json_in(dir.path(), &["tree"]);
    assert_eq!(code, 1);
    let found = findings(&diagnostics);
    assert_eq!(
        found
            .iter()
            .filter(|f| f.code == RAW)
            .cloned()
            .collect::<Vec<_>>(),
        [known("tree/a.rs"), known("tree/sub/b.rs")]
    );
    assert_eq!(
        input_errors(&diagnostics),
        [
            error(
                "tree/dangling.rs",
                1,
                1,
                "cannot read `tree/dangling.rs`: No such file or directory (os error 2)"
            ),
            error(
                "tree/self.rs",
                1,
                1,
                "cannot read `tree/self.rs`: Too many levels of symbolic links (os error 40)"
            ),
            error(
                "tree/sub/loop",
                1,
                1,
                "`tree/sub/loop` is a symbolic link loop (it leads back to `tree`), not searched"
            ),
        ]
    );
}

#[test]
fn directory_named_like_a_rust_file_is_searched() {
    let dir = tree(&[("tree/x.rs/inner.rs", KNOWN.as_bytes())]);
    let (code, errors) = with_ok_file(dir.path(), &["tree"]);
    assert_eq!((code, errors), (0, Vec::new()));
    let (code, diagnostics) = json_in(dir.path(), &["tree", "tree/x.rs"]);
    assert_eq!(code, 0);
    assert_eq!(findings(&diagnostics), [known("tree/x.rs/inner.rs")]);
}

fn mkfifo(path: &Path) -> bool {
    std::process::Command::new("mkfifo")
        .arg(path)
        .status()
        .is_ok_and(|status| status.success())
}

/// Reading a FIFO blocks until a writer comes: devref must not open it. `bin` puts a time limit
/// on each run, so a hang fails the test.
#[test]
fn fifo_named_like_a_rust_file_is_reported_not_read() {
    let dir = tree(&[("tree/a.rs", KNOWN.as_bytes())]);
    if !mkfifo(&dir.path().join("tree/x.rs")) || !mkfifo(&dir.path().join("pipe.rs")) {
        println!("note: `mkfifo` is not available, so FIFOs are not tested");
        return;
    }
    let (code, errors) = with_ok_file(dir.path(), &["tree", "pipe.rs"]);
    assert_eq!(code, 1);
    assert_eq!(
        errors,
        [
            error(
                "pipe.rs",
                1,
                1,
                "`pipe.rs` is a FIFO (named pipe), not a regular file"
            ),
            error(
                "tree/x.rs",
                1,
                1,
                "`tree/x.rs` is a FIFO (named pipe), not a regular file"
            ),
        ]
    );
    let (_, diagnostics) = json_in(dir.path(), &["tree"]);
    assert_eq!(findings(&diagnostics)[0], known("tree/a.rs"));
}

#[test]
fn empty_file_is_valid_rust() {
    let dir = tree(&[("empty.rs", b"")]);
    let out = devref_in(dir.path(), &["empty.rs"]);
    assert_eq!(
        (out.code, out.stdout.as_str(), out.stderr.as_str()),
        (0, "", "")
    );
    let (code, errors) = with_ok_file(dir.path(), &["empty.rs"]);
    assert_eq!((code, errors), (0, Vec::new()));
}

/// All the bad inputs at once, in one directory: each is reported, the good files are linted,
/// and the run ends.
#[test]
fn many_bad_inputs_in_one_tree() {
    let dir = tree(&[
        ("tree/a_ok.rs", KNOWN.as_bytes()),
        ("tree/binary.rs", b"\0\0\0\0"),
        ("tree/empty.rs", b""),
        ("tree/latin1.rs", b"\xe9"),
        ("tree/syntax.rs", b"struct {"),
        ("tree/x.rs/z_ok.rs", KNOWN.as_bytes()),
    ]);
    std::os::unix::fs::symlink("..", dir.path().join("tree/x.rs/loop")).expect("symlink");
    let fifo = mkfifo(&dir.path().join("tree/fifo.rs"));
    let (code, diagnostics) = json_in(dir.path(), &["tree", "missing.rs"]);
    assert_eq!(code, 1);
    let files: Vec<(String, String)> = findings(&diagnostics)
        .into_iter()
        .map(|f| (f.file, f.code))
        .collect();
    let mut expected = vec![
        ("missing.rs", INPUT),
        ("tree/a_ok.rs", RAW),
        ("tree/binary.rs", INPUT),
        ("tree/fifo.rs", INPUT),
        ("tree/latin1.rs", INPUT),
        ("tree/syntax.rs", INPUT),
        ("tree/x.rs/loop", INPUT),
        ("tree/x.rs/z_ok.rs", RAW),
    ];
    if !fifo {
        expected.retain(|(file, _)| *file != "tree/fifo.rs");
    }
    let expected: Vec<(String, String)> = expected
        .into_iter()
        .map(|(f, c)| (f.to_string(), c.to_string()))
        .collect();
    assert_eq!(files, expected);
    let out = devref_in(dir.path(), &["--color", "never", "tree", "missing.rs"]);
    let errors = if fifo { 6 } else { 5 };
    assert!(
        out.stderr.ends_with(&format!(
            "error: could not lint due to {errors} previous errors; 2 warnings emitted\n\n"
        )),
        "{}",
        out.stderr
    );
}

// --- cargo devref -------------------------------------------------------------------------------

fn package() -> TempDir {
    tree(&[
        (
            "Cargo.toml",
            b"[package]\nname = \"nova\"\nversion = \"0.1.0\"\nedition = \"2021\"\n",
        ),
        ("src/lib.rs", KNOWN.as_bytes()),
        ("src/nested/deep/clean.rs", CLEAN.as_bytes()),
        ("target/debug/build/out.rs", KNOWN.as_bytes()),
        (".git/hooks/x.rs", KNOWN.as_bytes()),
    ])
}

fn cargo_devref(dir: &Path, args: &[&str]) -> Run {
    run(bin("cargo-devref", dir)
        .env("CARGO_NET_OFFLINE", "true")
        .arg("devref")
        .args(args))
}

/// The rustc diagnostics inside `cargo devref --message-format json`'s `compiler-message` lines,
/// checking that the last line is `build-finished` (the full schema is tested in
/// `tests/cargo_devref.rs`).
fn compiler_messages(stdout: &str) -> Vec<Value> {
    let mut lines = parse_json_lines(stdout);
    let finished = lines.pop().expect("a build-finished line");
    assert_eq!(finished["reason"], "build-finished", "{stdout}");
    lines
        .into_iter()
        .map(|line| {
            assert_eq!(line["reason"], "compiler-message", "{line}");
            line["message"].clone()
        })
        .collect()
}

#[test]
fn cargo_devref_lints_the_current_package() {
    let pkg = package();
    let expected = format!(
        "{}warning: 1 warning emitted\n\n",
        known_human("src/lib.rs")
    );
    // From the package root and from below it, files are named relative to the package root.
    for dir in [pkg.path().to_path_buf(), pkg.path().join("src/nested/deep")] {
        let out = cargo_devref(&dir, &["--color", "never"]);
        assert_eq!(out.code, 0, "{}", out.stderr);
        assert_eq!(out.stderr, expected, "in {}", dir.display());
    }
    // Option values are not paths.
    let deep = pkg.path().join("src/nested/deep");
    let out = cargo_devref(&deep, &["--message-format", "json", "-j", "2"]);
    assert_eq!(out.code, 0);
    assert_eq!(
        findings(&compiler_messages(&out.stdout)),
        [known("src/lib.rs")]
    );
    let out = cargo_devref(&deep, &["--exclude", "nothing", "--message-format=json"]);
    assert_eq!(
        findings(&compiler_messages(&out.stdout)),
        [known("src/lib.rs")]
    );
    // Run directly, without cargo's `devref` argument.
    let out = run(bin("cargo-devref", &deep)
        .env("CARGO_NET_OFFLINE", "true")
        .args(["--message-format", "json"]));
    assert_eq!(
        findings(&compiler_messages(&out.stdout)),
        [known("src/lib.rs")]
    );
}

#[test]
fn cargo_devref_with_paths_lints_them() {
    let pkg = package();
    let src = pkg.path().join("src");
    let out = cargo_devref(&src, &["--message-format", "json", "lib.rs"]);
    assert_eq!(out.code, 0);
    assert_eq!(findings(&parse_json_lines(&out.stdout)), [known("lib.rs")]);
    let out = cargo_devref(&src, &["--message-format", "json", "nested"]);
    assert_eq!((out.code, out.stdout.as_str()), (0, ""));
    // `-` is a path: stdin is linted, not the package.
    let out = run(bin("cargo-devref", &src)
        .args([
            "devref",
            "--message-format",
            "json",
            "--stdin-filename",
            "in.rs",
            "-",
        ])
        .write_stdin(DENIED));
    assert_eq!(out.code, 1);
    assert_eq!(
        findings(&parse_json_lines(&out.stdout)),
        [finding("in.rs", 4, 10, STATIC, DENIED_MESSAGE)]
    );
}

#[test]
fn cargo_devref_outside_a_package_and_bad_invocations_exit_2() {
    let pkg = package();
    let out = cargo_devref(pkg.path(), &["--bogus"]);
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(out.stderr.contains("--bogus"));
    assert!(
        out.stderr.contains("cargo devref"),
        "usage names the subcommand: {}",
        out.stderr
    );

    let empty = tempfile::tempdir().expect("temporary directory");
    if !is_ancestor_free_of_cargo_toml(empty.path()) {
        println!(
            "note: a directory above {} holds a Cargo.toml, so linting outside a package is \
             not tested",
            empty.path().display()
        );
        return;
    }
    let out = cargo_devref(empty.path(), &[]);
    assert_eq!(out.code, 2);
    assert_eq!(
        out.stderr,
        "error: could not find `Cargo.toml` in the current directory or any parent\n"
    );
}

#[test]
fn cargo_devref_fails_on_deny_and_bad_files() {
    let pkg = package();
    write(
        pkg.path(),
        "src/lib.rs",
        format!("{KNOWN}mod held;\nmod broken;\n").as_bytes(),
    );
    write(pkg.path(), "src/held.rs", DENIED.as_bytes());
    write(pkg.path(), "src/broken.rs", b"fn f( {}\n");
    let out = cargo_devref(&pkg.path().join("src"), &["--message-format", "json"]);
    assert_eq!(out.code, 1);
    assert!(
        out.stdout
            .ends_with("{\"reason\":\"build-finished\",\"success\":false}\n"),
        "{}",
        out.stdout
    );
    let found: Vec<(String, String)> = findings(&compiler_messages(&out.stdout))
        .into_iter()
        .map(|f| (f.file, f.code))
        .collect();
    assert_eq!(
        found,
        [
            ("src/broken.rs".to_string(), INPUT.to_string()),
            ("src/held.rs".to_string(), STATIC.to_string()),
            ("src/lib.rs".to_string(), RAW.to_string()),
        ]
    );
}
