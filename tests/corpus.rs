//! The real-corpus regression suite: lint the Rust sources of Linux 7.3 and 6.12 (fetched through
//! `../shared/corpus/fetch-kernel.sh`) and compare every finding with `tests/corpus/linux-<v>.txt`.
//!
//! Each line of an expected list is `file:line: lint -- verdict`. `BLESS=1` rewrites the lists,
//! keeping the verdicts of findings that are still there and marking new ones `TODO: review`; a list
//! holding a `TODO` fails, so every finding gets a human verdict before it lands.
//!
//! When the package registry cannot be reached the test prints `SKIPPED: kernel corpus unavailable`
//! and passes; any other failure fails.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

const UNREVIEWED: &str = "TODO: review";

#[test]
fn linux_7_3() {
    check_release("7.3");
}

#[test]
fn linux_6_12() {
    check_release("6.12");
}

fn check_release(version: &str) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let Some(tree) = fetch(root, version) else {
        println!("SKIPPED: kernel corpus unavailable (Linux {version})");
        return;
    };
    assert_pruning_changes_nothing(&tree);
    let output = Command::new(env!("CARGO_BIN_EXE_devref"))
        .current_dir(&tree)
        .args(["--message-format", "json", "."])
        .output()
        .expect("devref runs");
    assert!(
        output.status.code() == Some(0) || output.status.code() == Some(1),
        "devref failed on Linux {version}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let found = findings(&String::from_utf8_lossy(&output.stdout));
    let expected_path = root.join(format!("tests/corpus/linux-{version}.txt"));
    let expected_text = std::fs::read_to_string(&expected_path).unwrap_or_default();
    let expected = parse_expected(&expected_text);

    if std::env::var_os("BLESS").is_some_and(|v| v != "0") {
        let mut lines = Vec::new();
        for key in &found {
            let verdict = expected.get(key).map_or(UNREVIEWED, String::as_str);
            lines.push(format!("{key} -- {verdict}"));
        }
        let mut text = header(version);
        for line in lines {
            text.push_str(&line);
            text.push('\n');
        }
        std::fs::create_dir_all(expected_path.parent().expect("a parent")).expect("mkdir");
        std::fs::write(&expected_path, text).expect("writing the expected list");
        return;
    }

    let mut problems = Vec::new();
    for key in &found {
        if !expected.contains_key(key) {
            problems.push(format!("new finding: {key}"));
        }
    }
    for (key, verdict) in &expected {
        if !found.contains(key) {
            problems.push(format!("finding no longer reported: {key} -- {verdict}"));
        }
        if verdict.starts_with("TODO") {
            problems.push(format!("finding without a verdict: {key}"));
        }
    }
    println!(
        "Linux {version}: {} findings, {} expected",
        found.len(),
        expected.len()
    );
    assert!(
        problems.is_empty(),
        "Linux {version} differs from {} (BLESS=1 rewrites it; then give each new line a verdict):\n{}",
        expected_path.display(),
        problems.join("\n")
    );
}

fn header(version: &str) -> String {
    format!(
        "# devref findings on the Rust sources of Linux {version}, one per line with its verdict.\n\
         # Regenerate with `BLESS=1 cargo test --test corpus`, then review every `{UNREVIEWED}`.\n"
    )
}

/// `file:line: lint` of each diagnostic, sorted.
fn findings(json_lines: &str) -> Vec<String> {
    let mut found: Vec<String> = json_lines
        .lines()
        .filter(|line| !line.trim().is_empty())
        .map(|line| {
            let value: serde_json::Value = serde_json::from_str(line).expect("JSON line");
            let code = value["code"]["code"].as_str().unwrap_or("?");
            let primary = value["spans"]
                .as_array()
                .and_then(|spans| spans.iter().find(|s| s["is_primary"] == true))
                .expect("a primary span");
            format!(
                "{}:{}: {}",
                primary["file_name"].as_str().unwrap_or("?"),
                primary["line_start"],
                code.strip_prefix("devref::").unwrap_or(code)
            )
        })
        .collect();
    found.sort();
    found
}

fn parse_expected(text: &str) -> BTreeMap<String, String> {
    text.lines()
        .filter(|line| !line.starts_with('#') && !line.trim().is_empty())
        .map(|line| match line.split_once(" -- ") {
            Some((key, verdict)) => (key.trim().to_string(), verdict.trim().to_string()),
            None => (line.trim().to_string(), UNREVIEWED.to_string()),
        })
        .collect()
}

/// devref skips the function bodies and doc comments that cannot matter (`devref_lints::pruning`);
/// every diagnostic, with its spans, notes and fixes, must be the same as with everything parsed.
fn assert_pruning_changes_nothing(tree: &Path) {
    use devref_lints::options::Options;
    use devref_lints::{analyze, Input};
    let mut files: Vec<(String, String)> = walkdir::WalkDir::new(tree)
        .into_iter()
        .filter_map(Result::ok)
        .filter(|entry| entry.path().extension().is_some_and(|ext| ext == "rs"))
        .filter_map(|entry| {
            let text = std::fs::read_to_string(entry.path()).ok()?;
            Some((entry.path().display().to_string(), text))
        })
        .collect();
    files.sort();
    assert!(!files.is_empty(), "no Rust files under {}", tree.display());
    let run = |parse_everything: bool| {
        let inputs = files
            .iter()
            .map(|(name, text)| Input {
                name: name.clone(),
                content: Ok(text.clone()),
            })
            .collect();
        let options = Options {
            parse_everything,
            ..Options::default()
        };
        analyze(inputs, &options, 2).diagnostics
    };
    let pruned = run(false);
    let everything = run(true);
    assert!(
        pruned == everything,
        "pruning changed the results under {}:\npruned: {pruned:#?}\neverything parsed: {everything:#?}",
        tree.display()
    );
}

/// The unpacked tree, or `None` when the package registry cannot be reached.
fn fetch(root: &Path, version: &str) -> Option<PathBuf> {
    let script = root.join("../shared/corpus/fetch-kernel.sh");
    assert!(script.is_file(), "{} is missing", script.display());
    let output = Command::new("bash")
        .arg(&script)
        .arg(version)
        .output()
        .expect("running fetch-kernel.sh");
    let stderr = String::from_utf8_lossy(&output.stderr);
    if !output.status.success() {
        let unreachable = [
            "Could not resolve",
            "Failed to fetch",
            "Temporary failure",
            "Unable to connect",
            "Connection failed",
            "Could not connect",
            "no Debian mirror",
            "Unable to locate package",
        ]
        .iter()
        .any(|sign| stderr.contains(sign));
        assert!(unreachable, "fetch-kernel.sh {version} failed:\n{stderr}");
        eprintln!("{stderr}");
        return None;
    }
    let stdout = String::from_utf8_lossy(&output.stdout);
    let tree = PathBuf::from(stdout.lines().last()?.trim());
    assert!(tree.is_dir(), "fetch-kernel.sh printed no tree: {stdout}");
    Some(tree)
}

/// The kernel vendors syn, quote, proc-macro2 and zerocopy under `rust/`; the fetch script leaves
/// them out, so their crates.io releases (in cargo's registry, as devref builds with them) are
/// linted instead: every file must parse and nothing may crash.
#[test]
fn vendored_crates_lint_without_crash() {
    let home = std::env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cargo")))
        .expect("a cargo home");
    let mut crates = Vec::new();
    for index in std::fs::read_dir(home.join("registry/src")).expect("cargo's registry sources") {
        let index = index.expect("entry").path();
        for entry in std::fs::read_dir(&index).expect("an index dir") {
            let path = entry.expect("entry").path();
            let name = path
                .file_name()
                .and_then(|n| n.to_str())
                .unwrap_or("")
                .to_string();
            if ["syn-", "quote-", "proc-macro2-", "zerocopy-"]
                .iter()
                .any(|prefix| name.starts_with(prefix))
            {
                crates.push(path);
            }
        }
    }
    assert!(
        crates.len() >= 3,
        "syn, quote and proc-macro2 are devref's own dependencies"
    );
    for krate in crates {
        assert_pruning_changes_nothing(&krate);
        let output = Command::new(env!("CARGO_BIN_EXE_devref"))
            .current_dir(&krate)
            .args(["--no-cache", "--message-format", "short", "."])
            .output()
            .expect("devref runs");
        let stdout = String::from_utf8_lossy(&output.stdout);
        assert!(
            output.status.code() == Some(0) || output.status.code() == Some(1),
            "{}: {:?}\n{}",
            krate.display(),
            output.status,
            String::from_utf8_lossy(&output.stderr)
        );
        let inputs: Vec<&str> = stdout
            .lines()
            .filter(|l| l.ends_with("[devref::input]"))
            .collect();
        assert!(inputs.is_empty(), "{}: {inputs:#?}", krate.display());
    }
}
