//! UI tests: each `tests/ui/*.rs` file (or `tests/ui/<dir>/` tree) is linted by the built `devref`.
//!
//! - The human output (no colour) must equal the `.stderr` snapshot beside it; `BLESS=1 cargo test`
//!   rewrites the snapshots.
//! - Every `//~ lint_name` annotation (`//~^` for the line above, one `^` per line) must match a
//!   diagnostic of the JSON output on that line, and every diagnostic must be annotated. This holds even
//!   for blessed snapshots, so a missing or extra diagnostic always fails.
//! - A single-file case whose suggestions include a machine-applicable one is also fixed with
//!   `devref --fix` in a temporary copy, and the result must equal the `.fixed` snapshot beside it
//!   (see [`check_fixed`]); `BLESS=1` rewrites those too.
//! - A single-file case whose first line is `//@ args: ARGS` is run with those extra arguments
//!   (`-W lint` for a lint allowed by default).
//! - `UI_FILTER=name` restricts the run to matching cases.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

mod common;

/// (file, line) → lint names, sorted.
type Findings = BTreeMap<(String, usize), Vec<String>>;

#[test]
fn ui() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut cases = ui_cases(root);
    assert!(!cases.is_empty(), "no UI tests found");
    // `UI_FILTER=name` runs (and blesses) only the cases whose file name contains `name`.
    if let Some(filter) = std::env::var_os("UI_FILTER") {
        let filter = filter.to_string_lossy().into_owned();
        cases.retain(|case| {
            case.file_name()
                .is_some_and(|n| n.to_string_lossy().contains(&filter))
        });
    }
    let bless = std::env::var_os("BLESS").is_some_and(|v| v != "0");
    let mut failures = Vec::new();
    for case in &cases {
        if let Err(failure) = run_case(root, case, bless) {
            failures.push(failure);
        }
    }
    println!("{} UI tests, {} failed", cases.len(), failures.len());
    assert!(failures.is_empty(), "\n{}", failures.join("\n\n"));
}

fn run_case(root: &Path, case: &Path, bless: bool) -> Result<(), String> {
    let relative = case.strip_prefix(root).expect("case under the root");
    let name = relative.display().to_string();
    let extra = case_args(case);
    let extra: Vec<&str> = extra.iter().map(String::as_str).collect();
    let human = devref(
        root,
        &[&["--color", "never"], &extra[..]].concat(),
        relative,
    );
    let json = devref(
        root,
        &[&["--message-format", "json"], &extra[..]].concat(),
        relative,
    );

    let stderr_path = case.with_extension("stderr");
    let actual = normalize(&String::from_utf8_lossy(&human.stderr));
    let mut problems = Vec::new();
    if bless {
        if actual.is_empty() {
            let _ = fs::remove_file(&stderr_path);
        } else {
            fs::write(&stderr_path, &actual).map_err(|e| format!("{name}: cannot bless: {e}"))?;
        }
    } else {
        let expected = fs::read_to_string(&stderr_path).unwrap_or_default();
        if expected != actual {
            problems.push(format!(
                "output differs from {} (run `BLESS=1 cargo test --test ui` to update):\n{}",
                stderr_path.display(),
                diff(&expected, &actual)
            ));
        }
    }

    let expected = annotations(case, root);
    let reported = json_findings(&String::from_utf8_lossy(&json.stdout));
    for (place, lints) in &expected {
        let got = reported.get(place).cloned().unwrap_or_default();
        if &got != lints {
            problems.push(format!(
                "{}:{}: annotated {:?}, reported {:?}",
                place.0, place.1, lints, got
            ));
        }
    }
    for (place, lints) in &reported {
        if !expected.contains_key(place) {
            problems.push(format!(
                "{}:{}: reported {:?} without a `//~` annotation",
                place.0, place.1, lints
            ));
        }
    }
    if case.is_file() {
        problems.extend(check_fixed(root, case, relative, &json.stdout, bless));
    }
    let code = human.status.code();
    if code == Some(101) {
        problems.push("devref panicked".to_string());
    }
    let has_errors = actual.lines().any(|line| line.starts_with("error"));
    let wanted = if has_errors { 1 } else { 0 };
    if code != Some(wanted) {
        problems.push(format!("exit code {code:?}, expected {wanted}"));
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(format!("{name}:\n  {}", problems.join("\n  ")))
    }
}

/// The arguments a case's `//@ args: …` first line asks for.
fn case_args(case: &Path) -> Vec<String> {
    if case.is_dir() {
        return Vec::new();
    }
    let text = fs::read_to_string(case).unwrap_or_default();
    text.lines()
        .next()
        .and_then(|line| line.strip_prefix("//@ args:"))
        .map(|args| args.split_whitespace().map(str::to_string).collect())
        .unwrap_or_default()
}

fn devref(root: &Path, args: &[&str], target: &Path) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_devref"))
        .current_dir(root)
        .args(args)
        .arg(target)
        .env_remove("NO_COLOR")
        .env_remove("__DEVREF_FIX_YOLO")
        .output()
        .expect("devref runs")
}

/// `.fixed` snapshots (single-file cases only): when the diagnostics offer a machine-applicable
/// suggestion, `devref --fix --allow-dirty` runs on a copy of the case (same relative path, in a
/// temporary directory) and the fixed text must equal `<name>.fixed`. A `.fixed` file for a case
/// without such a suggestion is stale. The fixed copy must not offer machine-applicable suggestions
/// any more: a fix that does not fix what it reports would be applied again on every run.
fn check_fixed(root: &Path, case: &Path, relative: &Path, json: &[u8], bless: bool) -> Vec<String> {
    let fixed_path = case.with_extension("fixed");
    let mut problems = Vec::new();
    if !has_machine_applicable(json) {
        if fixed_path.exists() {
            if bless {
                let _ = fs::remove_file(&fixed_path);
            } else {
                problems.push(format!(
                    "{} exists, but no suggestion is machine-applicable (run `BLESS=1 cargo test \
                     --test ui` to remove it)",
                    fixed_path.display()
                ));
            }
        }
        return problems;
    }
    let dir = tempfile::tempdir().expect("a temporary directory");
    let copy = dir.path().join(relative);
    fs::create_dir_all(copy.parent().expect("a parent")).expect("creating directories");
    fs::copy(case, &copy).expect("copying the case");
    // The configuration is found from the working directory: bring the repository's along.
    for config in ["devref.toml", ".devref.toml"] {
        if root.join(config).is_file() {
            fs::copy(root.join(config), dir.path().join(config)).expect("copying the config");
        }
    }
    let extra = case_args(case);
    let extra: Vec<&str> = extra.iter().map(String::as_str).collect();
    let fix = devref(
        dir.path(),
        &[&["--fix", "--allow-dirty", "--color", "never"], &extra[..]].concat(),
        relative,
    );
    if !matches!(fix.status.code(), Some(0 | 1)) {
        problems.push(format!(
            "`devref --fix` exited with {:?}:\n{}",
            fix.status.code(),
            String::from_utf8_lossy(&fix.stderr)
        ));
        return problems;
    }
    let actual = fs::read_to_string(&copy).expect("the fixed copy is readable");
    if bless {
        if let Err(error) = fs::write(&fixed_path, &actual) {
            problems.push(format!("cannot bless {}: {error}", fixed_path.display()));
        }
    } else {
        match fs::read_to_string(&fixed_path) {
            Ok(expected) if expected == actual => {}
            Ok(expected) => problems.push(format!(
                "`devref --fix` output differs from {} (run `BLESS=1 cargo test --test ui` to \
                 update):\n{}",
                fixed_path.display(),
                diff(&expected, &actual)
            )),
            Err(_) => problems.push(format!(
                "{} is missing: a suggestion is machine-applicable (run `BLESS=1 cargo test \
                 --test ui` to create it)",
                fixed_path.display()
            )),
        }
    }
    let again = devref(dir.path(), &["--message-format", "json"], relative);
    if has_machine_applicable(&again.stdout) {
        problems.push(
            "after `devref --fix`, the fixed file still has machine-applicable suggestions"
                .to_string(),
        );
    }
    problems
}

/// Whether any suggestion of the JSON output is `MachineApplicable`.
fn has_machine_applicable(json: &[u8]) -> bool {
    fn walk(value: &serde_json::Value) -> bool {
        match value {
            serde_json::Value::Object(map) => map.iter().any(|(key, value)| {
                (key == "suggestion_applicability" && value == "MachineApplicable") || walk(value)
            }),
            serde_json::Value::Array(values) => values.iter().any(walk),
            _ => false,
        }
    }
    String::from_utf8_lossy(json)
        .lines()
        .filter(|line| !line.trim().is_empty())
        .any(|line| walk(&serde_json::from_str(line).expect("each line is JSON")))
}

/// Paths are shown relative to `tests/ui`, as `$DIR/…`, so snapshots do not depend on the checkout.
fn normalize(output: &str) -> String {
    output.replace("tests/ui/", "$DIR/")
}

fn annotations(case: &Path, root: &Path) -> Findings {
    let files: Vec<PathBuf> = if case.is_dir() {
        let mut files: Vec<PathBuf> = walk(case);
        files.sort();
        files
    } else {
        vec![case.to_path_buf()]
    };
    let mut found = Findings::new();
    for file in files {
        let text = fs::read_to_string(&file).expect("readable test file");
        let name = file
            .strip_prefix(root)
            .expect("under root")
            .display()
            .to_string();
        for (index, line) in text.lines().enumerate() {
            let Some(at) = line.find("//~") else { continue };
            let rest = &line[at + 3..];
            let up = rest.bytes().take_while(|&b| b == b'^').count();
            let target = index + 1 - up;
            for lint in rest[up..]
                .split(',')
                .map(str::trim)
                .filter(|l| !l.is_empty())
            {
                found
                    .entry((name.clone(), target))
                    .or_default()
                    .push(lint.to_string());
            }
        }
    }
    for lints in found.values_mut() {
        lints.sort();
    }
    found
}

/// The UI cases under `root`: each `tests/ui/*.rs` file and folder, sorted.
fn ui_cases(root: &Path) -> Vec<PathBuf> {
    let mut cases: Vec<PathBuf> = fs::read_dir(root.join("tests/ui"))
        .expect("tests/ui exists")
        .map(|entry| entry.expect("readable entry").path())
        .filter(|path| path.is_dir() || path.extension().is_some_and(|ext| ext == "rs"))
        .collect();
    cases.sort();
    cases
}

/// The Rust files of a case, as (name, text), sorted by name.
fn case_files(case: &Path) -> Vec<(String, String)> {
    let mut paths = if case.is_dir() {
        walk(case)
    } else {
        vec![case.to_path_buf()]
    };
    paths.sort();
    paths
        .iter()
        .map(|path| {
            let text = fs::read_to_string(path).expect("readable case");
            (path.display().to_string(), text)
        })
        .collect()
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    for entry in fs::read_dir(dir).expect("readable dir") {
        let path = entry.expect("entry").path();
        if path.is_dir() {
            files.extend(walk(&path));
        } else if path.extension().is_some_and(|ext| ext == "rs") {
            files.push(path);
        }
    }
    files
}

fn json_findings(stdout: &str) -> Findings {
    let mut found = Findings::new();
    for line in stdout.lines().filter(|l| !l.trim().is_empty()) {
        let value: serde_json::Value = serde_json::from_str(line).expect("each line is JSON");
        let code = value["code"]["code"].as_str().unwrap_or("<no code>");
        let lint = code.strip_prefix("devref::").unwrap_or(code).to_string();
        let primary = value["spans"]
            .as_array()
            .and_then(|spans| spans.iter().find(|s| s["is_primary"] == true))
            .expect("a primary span");
        let file = primary["file_name"]
            .as_str()
            .expect("file name")
            .to_string();
        let line_number = primary["line_start"].as_u64().expect("line") as usize;
        found.entry((file, line_number)).or_default().push(lint);
    }
    for lints in found.values_mut() {
        lints.sort();
    }
    found
}

fn diff(expected: &str, actual: &str) -> String {
    let expected: Vec<&str> = expected.lines().collect();
    let actual: Vec<&str> = actual.lines().collect();
    let mut out = String::new();
    let max = expected.len().max(actual.len());
    for i in 0..max {
        match (expected.get(i), actual.get(i)) {
            (Some(e), Some(a)) if e == a => {}
            (e, a) => {
                if let Some(e) = e {
                    out.push_str(&format!("  {:>4} - {e}\n", i + 1));
                }
                if let Some(a) = a {
                    out.push_str(&format!("  {:>4} + {a}\n", i + 1));
                }
            }
        }
    }
    out
}

/// Each case gives the same diagnostics when no syntax tree waits for the model (every file is
/// parsed again for its lints) as when every tree does, and as when nothing is pruned.
#[test]
fn ui_findings_do_not_depend_on_keeping_syntax_trees() {
    use devref_lints::analyze;
    use devref_lints::options::Options;
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut compared = 0;
    for case in &ui_cases(root) {
        let files = case_files(case);
        let run = |tree_budget: Option<usize>, parse_everything: bool| {
            let inputs = common::inputs(&files);
            let options = Options {
                tree_budget,
                parse_everything,
                ..Options::default()
            };
            analyze(inputs, &options, 2).diagnostics
        };
        let kept = run(None, false);
        let parsed_again = run(Some(0), false);
        assert_eq!(kept, parsed_again, "{}", case.display());
        // Nor on the bodies and docs the pruning skips (`devref_lints::pruning`).
        let everything = run(None, true);
        assert_eq!(kept, everything, "pruning changed {}", case.display());
        compared += kept.len();
    }
    assert!(compared > 100, "only {compared} diagnostics compared");
}

/// A run that lints a few files of a case reports on them exactly what a run of every file does.
#[test]
fn focused_runs_report_what_full_runs_report_on_their_files() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut compared = 0;
    let mut multi_file = 0;
    for case in &ui_cases(root) {
        let files = case_files(case);
        multi_file += usize::from(files.len() > 1);
        compared += common::assert_focused_runs_agree(&files, 2);
    }
    assert!(multi_file > 0, "no UI case of several files");
    assert!(compared > 100, "only {compared} diagnostics compared");
}
