//! `--message-format short|sarif|github|checkpatch`, run through the built `devref` binary on
//! small kernel-style trees: exact output for the line formats, and for SARIF the structure,
//! validity against the official SARIF 2.1.0 schema (vendored in `tests/data/`), and
//! fingerprints that survive lines moving.

use std::fs;
use std::path::Path;
use std::time::Duration;

use assert_cmd::Command;
use serde_json::{json, Value};
use tempfile::TempDir;

mod common;
use common::{assert_contains, tree, write, Run};

/// One `devref::raw_device_ptr_field` warning, at 3:10..3:31.
const WARNED: &str = "use kernel::bindings;\nstruct S {\n    dev: *mut bindings::device,\n}\n";
const WARNED_MESSAGE: &str = "field `S::dev` holds a raw pointer to `bindings::device`, which \
                              carries no lifetime and can outlive the driver's unbind";
/// One `devref::static_device_ref` error, at 1:15..1:46.
const DENIED: &str = "struct T { d: &'static kernel::device::Device }\n";
const DENIED_MESSAGE: &str = "field `T::d` holds a `&'static` reference to a device, but a \
                              device can be unbound and freed while the reference still exists";
const CLEAN: &str = "use kernel::prelude::*;\n\nfn probe() -> Result {\n    Ok(())\n}\n";

const FORMATS: [&str; 4] = ["short", "sarif", "github", "checkpatch"];

// --- Helpers ------------------------------------------------------------------------------------

/// `devref ARGS` in `dir`, with a time limit so that a hang fails the test.
fn devref(dir: &Path, args: &[&str]) -> Run {
    let output = Command::cargo_bin("devref")
        .expect("the binary is built")
        .current_dir(dir)
        .env_remove("NO_COLOR")
        .timeout(Duration::from_secs(60))
        .args(args)
        .output()
        .expect("devref ran to completion within its time limit");
    Run::from_output(output)
}

/// `devref --message-format FORMAT ARGS`, asserting nothing went to stderr.
fn format(dir: &Path, format: &str, args: &[&str]) -> Run {
    let mut full = vec!["--message-format", format];
    full.extend_from_slice(args);
    let run = devref(dir, &full);
    assert_eq!(
        run.stderr, "",
        "`--message-format {format}` wrote to stderr"
    );
    run
}

/// The tree most tests lint: a warning, an error, and a binary file (`devref::input`, with an
/// empty text and an empty span).
fn mixed() -> TempDir {
    tree(&[
        ("drivers/a.rs", WARNED.as_bytes()),
        ("drivers/b.rs", DENIED.as_bytes()),
        ("drivers/blob.rs", b"\0\0\0\0"),
        ("drivers/clean.rs", CLEAN.as_bytes()),
    ])
}

/// `devref --message-format FORMAT drivers` on the `mixed` tree.
fn format_mixed(format_name: &str) -> Run {
    let dir = mixed();
    format(dir.path(), format_name, &["drivers"])
}

fn sarif(dir: &Path, args: &[&str]) -> (i32, Value) {
    let run = format(dir, "sarif", args);
    let log = serde_json::from_str(&run.stdout)
        .unwrap_or_else(|e| panic!("SARIF output is one JSON document ({e}):\n{}", run.stdout));
    (run.code, log)
}

/// The official schema's `language` pattern, `^[a-zA-Z]{2}|^[a-zA-Z]{2}-[a-zA-Z]{2}]?$`, has a
/// stray `]`: ECMA-262 reads it as a literal, but the validator's regex engine rejects the pattern
/// when it checks the schema against its meta-schema. Escaping it keeps the meaning (and devref
/// never writes `language`); the vendored file itself stays unchanged.
const STRAY_BRACKET: &str = "{2}-[a-zA-Z]{2}]?$";

fn schema_errors(log: &Value) -> Vec<String> {
    let text = fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/sarif-2.1.0.json"),
    )
    .expect("the vendored SARIF schema");
    assert_eq!(text.matches(STRAY_BRACKET).count(), 2);
    let text = text.replace(STRAY_BRACKET, "{2}-[a-zA-Z]{2}\\\\]?$");
    let schema: Value = serde_json::from_str(&text).expect("the schema is JSON");
    let validator = jsonschema::draft4::options()
        .should_validate_formats(true)
        .build(&schema)
        .expect("the SARIF schema compiles");
    validator
        .iter_errors(log)
        .map(|error| format!("{} at {}", error, error.instance_path()))
        .collect()
}

fn assert_valid_sarif(log: &Value) {
    let errors = schema_errors(log);
    assert!(
        errors.is_empty(),
        "SARIF output violates the 2.1.0 schema:\n{}\n{log:#}",
        errors.join("\n")
    );
}

fn fingerprints(log: &Value) -> Vec<String> {
    log["runs"][0]["results"]
        .as_array()
        .expect("results")
        .iter()
        .map(|result| {
            result["partialFingerprints"]["devref/v1"]
                .as_str()
                .expect("a devref/v1 fingerprint")
                .to_string()
        })
        .collect()
}

fn start_lines(log: &Value) -> Vec<u64> {
    log["runs"][0]["results"]
        .as_array()
        .expect("results")
        .iter()
        .map(|result| {
            result["locations"][0]["physicalLocation"]["region"]["startLine"]
                .as_u64()
                .expect("startLine")
        })
        .collect()
}

// --- short --------------------------------------------------------------------------------------

#[test]
fn short_is_one_line_per_finding() {
    let run = format_mixed("short");
    assert_eq!(
        run.stdout,
        format!(
            "drivers/a.rs:3:10: warning: {WARNED_MESSAGE} [devref::raw_device_ptr_field]\n\
             drivers/b.rs:1:15: error: {DENIED_MESSAGE} [devref::static_device_ref]\n\
             drivers/blob.rs:1:1: error: `drivers/blob.rs` is a binary file, not Rust source \
             [devref::input]\n"
        )
    );
    assert_eq!(run.code, 1);
}

#[test]
fn short_reads_stdin_under_its_given_name() {
    let dir = tree(&[]);
    let output = Command::cargo_bin("devref")
        .expect("the binary is built")
        .current_dir(dir.path())
        .timeout(Duration::from_secs(60))
        .args([
            "--message-format",
            "short",
            "--stdin-filename",
            "drivers/s.rs",
            "-",
        ])
        .write_stdin(WARNED)
        .output()
        .expect("devref ran");
    assert_eq!(
        String::from_utf8(output.stdout).unwrap(),
        format!("drivers/s.rs:3:10: warning: {WARNED_MESSAGE} [devref::raw_device_ptr_field]\n")
    );
    assert_eq!(output.status.code(), Some(0));
}

// --- github -------------------------------------------------------------------------------------

#[test]
fn github_workflow_commands() {
    let run = format_mixed("github");
    assert_eq!(
        run.stdout,
        format!(
            "::warning file=drivers/a.rs,line=3,col=10,endLine=3,endColumn=31,\
             title=devref%3A%3Araw_device_ptr_field::{WARNED_MESSAGE}\
             %0Ahelp: hold a counted reference instead: `ARef<device::Device>`\
             %0Anote: an `ARef` owns a reference count on the device, so the device stays \
             allocated for as long as the field exists, even after unbind\n\
             ::error file=drivers/b.rs,line=1,col=15,endLine=1,endColumn=46,\
             title=devref%3A%3Astatic_device_ref::{DENIED_MESSAGE}\
             %0Ahelp: store a counted reference instead: `ARef<device::Device>`\
             %0Anote: an `ARef` holds a reference count, so the device stays allocated for as \
             long as it is stored\n\
             ::error file=drivers/blob.rs,line=1,col=1,endLine=1,endColumn=1,\
             title=devref%3A%3Ainput::`drivers/blob.rs` is a binary file, not Rust source\n"
        )
    );
    assert_eq!(run.code, 1);
}

#[test]
fn github_escapes_properties_and_data() {
    // `,` and `:` would end a property, `%` starts an escape: all three are encoded, in the
    // file name (a property) and in the message (data, where only `%` and line breaks are).
    let dir = tree(&[("dr,v:100%.rs", b"\0")]);
    let run = format(dir.path(), "github", &["dr,v:100%.rs"]);
    assert_eq!(
        run.stdout,
        "::error file=dr%2Cv%3A100%25.rs,line=1,col=1,endLine=1,endColumn=1,\
         title=devref%3A%3Ainput::`dr,v:100%25.rs` is a binary file, not Rust source\n"
    );
}

// --- checkpatch ---------------------------------------------------------------------------------

#[test]
fn checkpatch_layout() {
    let run = format_mixed("checkpatch");
    // Lines: a.rs 4, b.rs 1, blob.rs 0 (unreadable), clean.rs 5.
    assert_eq!(
        run.stdout,
        format!(
            "WARNING:DEVREF_RAW_DEVICE_PTR_FIELD: {WARNED_MESSAGE}\n\
             #3: FILE: drivers/a.rs:3:\n\
             +    dev: *mut bindings::device,\n\
             \n\
             ERROR:DEVREF_STATIC_DEVICE_REF: {DENIED_MESSAGE}\n\
             #1: FILE: drivers/b.rs:1:\n\
             +struct T {{ d: &'static kernel::device::Device }}\n\
             \n\
             ERROR:DEVREF_INPUT: `drivers/blob.rs` is a binary file, not Rust source\n\
             #1: FILE: drivers/blob.rs:1:\n\
             +\n\
             \n\
             total: 2 errors, 1 warnings, 10 lines checked\n"
        )
    );
    assert_eq!(run.code, 1);
}

#[test]
fn checkpatch_clean_run_prints_only_the_total() {
    let dir = tree(&[("drivers/clean.rs", CLEAN.as_bytes())]);
    let run = format(dir.path(), "checkpatch", &["drivers"]);
    assert_eq!(run.stdout, "total: 0 errors, 0 warnings, 5 lines checked\n");
    assert_eq!(run.code, 0);
}

#[test]
fn checkpatch_keeps_tabs_and_shows_the_first_line_of_the_span() {
    let source = "use kernel::bindings;\n\nstruct S {\n\tdev: *mut bindings::device,\n}\n";
    let dir = tree(&[("drivers/tabs.rs", source.as_bytes())]);
    let run = format(dir.path(), "checkpatch", &["drivers/tabs.rs"]);
    assert_eq!(
        run.stdout,
        format!(
            "WARNING:DEVREF_RAW_DEVICE_PTR_FIELD: {WARNED_MESSAGE}\n\
             #4: FILE: drivers/tabs.rs:4:\n\
             +\tdev: *mut bindings::device,\n\
             \n\
             total: 0 errors, 1 warnings, 5 lines checked\n"
        )
    );
}

#[test]
fn checkpatch_with_report_only_counts_the_reported_file() {
    let dir = tree(&[
        ("drivers/a.rs", WARNED.as_bytes()),
        ("drivers/b.rs", DENIED.as_bytes()),
    ]);
    let run = format(
        dir.path(),
        "checkpatch",
        &["--report-only", "drivers/a.rs", "drivers"],
    );
    assert_eq!(
        run.stdout,
        format!(
            "WARNING:DEVREF_RAW_DEVICE_PTR_FIELD: {WARNED_MESSAGE}\n\
             #3: FILE: drivers/a.rs:3:\n\
             +    dev: *mut bindings::device,\n\
             \n\
             total: 0 errors, 1 warnings, 4 lines checked\n"
        )
    );
    assert_eq!(run.code, 0);
}

// --- SARIF --------------------------------------------------------------------------------------

#[test]
fn sarif_validates_against_the_official_schema() {
    let dir = tree(&[
        ("drivers/a.rs", WARNED.as_bytes()),
        ("drivers/b.rs", DENIED.as_bytes()),
        ("drivers/blob.rs", b"\0\0\0\0"),
        (
            "drivers/latin1.rs",
            b"fn f() {\n    let s = \"caf\xe9\";\n}\n",
        ),
        ("drivers/syntax.rs", b"fn broken( {\n"),
        ("drivers/clean.rs", CLEAN.as_bytes()),
        ("drivers/odd name,é.rs", WARNED.as_bytes()),
    ]);
    let (code, log) = sarif(dir.path(), &["drivers", "missing.rs"]);
    assert_eq!(code, 1);
    assert_valid_sarif(&log);
    assert_eq!(log["runs"][0]["results"].as_array().unwrap().len(), 7);

    // A clean run is a valid log too, with no results.
    let clean = tree(&[("clean.rs", CLEAN.as_bytes())]);
    let (code, log) = sarif(clean.path(), &["."]);
    assert_eq!(code, 0);
    assert_valid_sarif(&log);
    assert_eq!(log["runs"][0]["results"], json!([]));
}

#[test]
fn the_schema_check_rejects_what_sarif_forbids() {
    // The validator is not vacuous: a wrong level, a missing message, and a relative helpUri
    // (SARIF requires an absolute one) are each caught.
    let dir = mixed();
    let (_, log) = sarif(dir.path(), &["drivers"]);
    assert_valid_sarif(&log);
    let mut bad_level = log.clone();
    bad_level["runs"][0]["results"][0]["level"] = json!("warn");
    assert!(!schema_errors(&bad_level).is_empty());
    let mut no_message = log.clone();
    no_message["runs"][0]["results"][0]
        .as_object_mut()
        .unwrap()
        .remove("message");
    assert!(!schema_errors(&no_message).is_empty());
    let mut relative = log;
    relative["runs"][0]["tool"]["driver"]["rules"][0]["helpUri"] = json!("docs/lints.md#x");
    assert!(!schema_errors(&relative).is_empty());
}

#[test]
fn sarif_structure() {
    let dir = mixed();
    let (code, log) = sarif(dir.path(), &["drivers"]);
    assert_eq!(code, 1);
    assert_eq!(log["version"], "2.1.0");
    assert_eq!(
        log["$schema"],
        "https://json.schemastore.org/sarif-2.1.0.json"
    );
    let run = &log["runs"][0];
    assert_eq!(run["columnKind"], "unicodeCodePoints");
    let driver = &run["tool"]["driver"];
    assert_eq!(driver["name"], "devref");
    assert_eq!(driver["version"], env!("CARGO_PKG_VERSION"));
    // The project's repository, when Cargo.toml names one; never a made-up address.
    let repository = Some(env!("CARGO_PKG_REPOSITORY")).filter(|url| !url.is_empty());
    assert_eq!(
        driver.get("informationUri"),
        repository.map(|url| json!(url)).as_ref()
    );

    // A rule per declared lint, in declaration order, then one for input errors.
    let rules = driver["rules"].as_array().expect("rules");
    let ids: Vec<&str> = rules.iter().map(|r| r["id"].as_str().unwrap()).collect();
    let mut expected: Vec<String> = devref_lints::lints::all_lints()
        .map(|lint| format!("devref::{}", lint.name))
        .collect();
    expected.push("devref::input".to_string());
    assert_eq!(ids, expected);
    for (rule, lint) in rules.iter().zip(devref_lints::lints::all_lints()) {
        assert_eq!(rule["name"], lint.name);
        assert_eq!(rule["shortDescription"]["text"], lint.summary);
        let full = rule["fullDescription"]["text"].as_str().unwrap();
        assert!(!full.is_empty() && !full.contains("###"), "{full}");
        assert_eq!(rule["help"]["markdown"], lint.docs_text().trim());
        let level = match lint.default_level.as_str() {
            "deny" | "forbid" => "error",
            _ => "warning",
        };
        assert_eq!(rule["defaultConfiguration"]["level"], level);
        assert_eq!(
            rule["defaultConfiguration"]["enabled"],
            lint.default_level.as_str() != "allow"
        );
        // Without a docs address (`--docs-url`, `docs_url`) a rule has no `helpUri`.
        assert_eq!(rule.get("helpUri"), None);
        assert_eq!(
            rule["properties"]["docs"],
            format!("docs/lints.md#{}", lint.name)
        );
    }

    let results = run["results"].as_array().expect("results");
    let summary: Vec<(&str, &str, &str)> = results
        .iter()
        .map(|r| {
            (
                r["ruleId"].as_str().unwrap(),
                r["level"].as_str().unwrap(),
                r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
                    .as_str()
                    .unwrap(),
            )
        })
        .collect();
    assert_eq!(
        summary,
        [
            ("devref::raw_device_ptr_field", "warning", "drivers/a.rs"),
            ("devref::static_device_ref", "error", "drivers/b.rs"),
            ("devref::input", "error", "drivers/blob.rs"),
        ]
    );
    for result in results {
        let index = result["ruleIndex"].as_u64().expect("ruleIndex") as usize;
        assert_eq!(rules[index]["id"], result["ruleId"]);
    }
    let warned = &results[0];
    assert_eq!(warned["message"]["text"], WARNED_MESSAGE);
    assert_eq!(
        warned["locations"][0]["physicalLocation"]["region"],
        json!({"startLine": 3, "startColumn": 10, "endLine": 3, "endColumn": 31})
    );
    assert_eq!(
        warned["locations"][0]["message"]["text"],
        "pointer to `bindings::device`"
    );
    assert_eq!(
        warned["fixes"][0]["artifactChanges"][0]["replacements"][0],
        json!({
            "deletedRegion": {"startLine": 3, "startColumn": 10, "endLine": 3, "endColumn": 31},
            "insertedContent": {"text": "ARef<device::Device>"},
        })
    );
    let input = &results[2];
    assert_eq!(
        input["locations"][0]["physicalLocation"]["region"],
        json!({"startLine": 1, "startColumn": 1, "endLine": 1, "endColumn": 1})
    );
    assert_eq!(
        input["message"]["text"],
        "`drivers/blob.rs` is a binary file, not Rust source"
    );
}

/// The `helpUri` of each lint's rule from `--docs-url`, or `docs_url` in the config.
fn help_uris(log: &Value) -> Vec<Option<&str>> {
    log["runs"][0]["tool"]["driver"]["rules"]
        .as_array()
        .expect("rules")
        .iter()
        .map(|rule| {
            rule.get("helpUri")
                .map(|uri| uri.as_str().expect("a string"))
        })
        .collect()
}

#[test]
fn sarif_help_uris_are_the_sections_of_the_docs_url() {
    let dir = mixed();
    let docs = "https://example.org/devref/docs/lints.md";
    let (_, log) = sarif(dir.path(), &["--docs-url", docs, "drivers"]);
    assert_valid_sarif(&log);
    // The tool's `informationUri`: the repository Cargo.toml names, else the docs.
    let repository = Some(env!("CARGO_PKG_REPOSITORY")).filter(|url| !url.is_empty());
    assert_eq!(
        log["runs"][0]["tool"]["driver"]["informationUri"],
        repository.unwrap_or(docs)
    );
    let names: Vec<&str> = devref_lints::lints::all_lints()
        .map(|lint| lint.name)
        .collect();
    let sections = |base: &str| -> Vec<Option<String>> {
        names
            .iter()
            .map(|name| Some(format!("{base}#{name}")))
            // The rule of input errors has no docs section.
            .chain([None])
            .collect()
    };
    let owned = |uris: Vec<Option<&str>>| -> Vec<Option<String>> {
        uris.into_iter()
            .map(|uri| uri.map(str::to_string))
            .collect()
    };
    assert_eq!(owned(help_uris(&log)), sections(docs));
    assert_eq!(
        help_uris(&log)[names
            .iter()
            .position(|n| *n == "raw_device_ptr_field")
            .unwrap()],
        Some("https://example.org/devref/docs/lints.md#raw_device_ptr_field")
    );

    // From the config; the flag overrides it.
    write(
        dir.path(),
        "devref.toml",
        b"docs_url = \"https://git.example.com/devref/blob/v1/docs/lints.md\"\n",
    );
    let (_, log) = sarif(dir.path(), &["drivers"]);
    assert_valid_sarif(&log);
    assert_eq!(
        owned(help_uris(&log)),
        sections("https://git.example.com/devref/blob/v1/docs/lints.md")
    );
    let (_, log) = sarif(dir.path(), &["--docs-url", docs, "drivers"]);
    assert_eq!(owned(help_uris(&log)), sections(docs));
}

#[test]
fn a_docs_url_that_is_no_absolute_address_is_refused() {
    let dir = mixed();
    let run = devref(dir.path(), &["--docs-url", "docs/lints.md", "drivers"]);
    assert_eq!(run.code, 2);
    assert_eq!(
        run.stderr,
        "error: --docs-url: `docs/lints.md` is not an absolute http(s) URL without a fragment \
         (the address of docs/lints.md, e.g. `https://example.org/devref/docs/lints.md`)\n"
    );
    write(
        dir.path(),
        "devref.toml",
        b"exclude = []\ndocs_url = \"https://example.org/lints.md#top\"\n",
    );
    let run = devref(dir.path(), &["--config", "devref.toml", "drivers"]);
    assert_eq!(run.code, 2);
    assert_eq!(
        run.stderr,
        "error: devref.toml:2: docs_url: `https://example.org/lints.md#top` is not an absolute \
         http(s) URL without a fragment (the address of docs/lints.md, e.g. \
         `https://example.org/devref/docs/lints.md`)\n"
    );
}

#[test]
fn sarif_uris_are_relative_references_and_columns_count_chars() {
    let source = "use kernel::bindings;\nstruct S { é: u8, dev: *mut bindings::device }\n";
    let dir = tree(&[("drivers/odd name,é.rs", source.as_bytes())]);
    let (_, log) = sarif(dir.path(), &["drivers"]);
    let location = &log["runs"][0]["results"][0]["locations"][0]["physicalLocation"];
    assert_eq!(
        location["artifactLocation"]["uri"],
        "drivers/odd%20name,%C3%A9.rs"
    );
    // `é` is one code point (two bytes): the pointer starts at char 24.
    assert_eq!(location["region"]["startColumn"], 24);
    assert_valid_sarif(&log);
}

#[test]
fn sarif_fingerprints_survive_inserted_lines() {
    let dir = tree(&[("drivers/a.rs", WARNED.as_bytes())]);
    let (_, before) = sarif(dir.path(), &["drivers"]);
    write(
        dir.path(),
        "drivers/a.rs",
        format!("// SPDX-License-Identifier: GPL-2.0\n\n\n{WARNED}").as_bytes(),
    );
    let (_, after) = sarif(dir.path(), &["drivers"]);
    assert_eq!(start_lines(&before), [3]);
    assert_eq!(start_lines(&after), [6]);
    assert_eq!(fingerprints(&before), fingerprints(&after));

    // Changing the offending line changes the fingerprint.
    write(
        dir.path(),
        "drivers/a.rs",
        WARNED.replace("dev: *mut", "device: *mut").as_bytes(),
    );
    let (_, edited) = sarif(dir.path(), &["drivers"]);
    assert_ne!(fingerprints(&before), fingerprints(&edited));
}

#[test]
fn sarif_fingerprints_number_identical_findings() {
    let twice = "use kernel::bindings;\n\
                 struct S {\n    dev: *mut bindings::device,\n}\n\
                 struct U {\n    dev: *mut bindings::device,\n}\n";
    let dir = tree(&[("drivers/a.rs", twice.as_bytes())]);
    let (_, before) = sarif(dir.path(), &["drivers"]);
    let prints = fingerprints(&before);
    assert_eq!(prints.len(), 2);
    let (hash0, n0) = prints[0].split_once(':').expect("HASH:N");
    let (hash1, n1) = prints[1].split_once(':').expect("HASH:N");
    assert_eq!((hash0, n0, n1), (hash1, "1", "2"));
    assert_eq!(hash0.len(), 16);

    // Blank lines between the two, and a re-indented line, move nothing.
    let moved = twice
        .replace("}\nstruct U", "}\n\n\n\nstruct U")
        .replacen("    dev", "\tdev", 1);
    write(dir.path(), "drivers/a.rs", moved.as_bytes());
    let (_, after) = sarif(dir.path(), &["drivers"]);
    assert_eq!(start_lines(&before), [3, 6]);
    assert_eq!(start_lines(&after), [3, 9]);
    assert_eq!(fingerprints(&after), prints);
}

// --- All formats --------------------------------------------------------------------------------

#[test]
fn exit_codes_do_not_depend_on_the_format() {
    let warned = tree(&[("a.rs", WARNED.as_bytes())]);
    let denied = tree(&[("b.rs", DENIED.as_bytes())]);
    let clean = tree(&[("c.rs", CLEAN.as_bytes())]);
    for fmt in FORMATS {
        assert_eq!(format(warned.path(), fmt, &["."]).code, 0, "{fmt}");
        assert_eq!(format(denied.path(), fmt, &["."]).code, 1, "{fmt}");
        assert_eq!(format(clean.path(), fmt, &["."]).code, 0, "{fmt}");
        assert_eq!(format(warned.path(), fmt, &["-D", "warnings", "."]).code, 1);
    }
    let bad = devref(warned.path(), &["--message-format", "bogus", "."]);
    assert_eq!(bad.code, 2);
    assert_contains(&bad.stderr, "checkpatch");
}

#[test]
fn clean_runs_print_nothing_in_the_line_formats() {
    let clean = tree(&[("c.rs", CLEAN.as_bytes())]);
    for fmt in ["short", "github"] {
        assert_eq!(format(clean.path(), fmt, &["."]).stdout, "", "{fmt}");
    }
}

#[test]
fn output_is_deterministic_across_thread_counts() {
    let dir = tree(&[
        ("drivers/a.rs", WARNED.as_bytes()),
        ("drivers/b.rs", DENIED.as_bytes()),
        ("drivers/c/d.rs", WARNED.as_bytes()),
        ("drivers/e.rs", DENIED.as_bytes()),
        ("drivers/blob.rs", b"\0"),
        ("drivers/clean.rs", CLEAN.as_bytes()),
    ]);
    for fmt in FORMATS {
        let one = format(dir.path(), fmt, &["-j", "1", "drivers"]).stdout;
        let four = format(dir.path(), fmt, &["-j", "4", "drivers"]).stdout;
        assert_eq!(one, four, "{fmt}");
        let again = format(dir.path(), fmt, &["-j", "4", "drivers"]).stdout;
        assert_eq!(one, again, "{fmt}");
    }
}
