//! The real-corpus regression suite: lint the Rust sources of Linux 7.3 and 6.12 (fetched through
//! `../shared/corpus/fetch-kernel.sh`) and compare every finding with `tests/corpus/linux-<v>.txt`.
//!
//! Each line of an expected list is `file:line: lint #hash -- verdict`. A finding is matched by its
//! file, its lint and `hash`, a hash of the text of its flagged line (trimmed), not by the line
//! number: Debian uploads new point releases of a kernel version, and a line that moved is the same
//! finding. The line number is there for the reader. `BLESS=1` rewrites the lists, keeping the
//! verdicts of findings that are still there (and the lists' `#` comments) and marking new ones
//! `TODO: review`; a list holding a `TODO` fails, so every finding gets a human verdict before it
//! lands.
//!
//! When the package registry cannot be reached the test prints `SKIPPED: kernel corpus unavailable`
//! and passes; any other failure fails.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

mod common;

const UNREVIEWED: &str = "TODO: review";

#[test]
fn linux_7_3() {
    check_release("7.3");
}

#[test]
fn linux_6_12() {
    check_release("6.12");
}

/// Linux 7.2 has no verdict list; its runs must agree all the same.
#[test]
fn linux_7_2_runs_agree() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let Some(tree) = fetch(root, "7.2") else {
        println!("SKIPPED: kernel corpus unavailable (Linux 7.2)");
        return;
    };
    assert_runs_agree(&tree);
}

/// Every way of running devref on `tree` gives the same findings: pruned or not, keeping syntax
/// trees or not, linting a few files or all, with or without the caches.
fn assert_runs_agree(tree: &Path) {
    assert_pruning_changes_nothing(tree);
    common::assert_focused_runs_agree(&rust_files(tree), 2);
    assert_cached_runs_agree(tree);
}

/// devref's exit code and JSON output on all of `dir`, with `args` and the cache in `cache`.
fn json_run(dir: &Path, cache: &Path, args: &[&str]) -> (Option<i32>, Vec<u8>) {
    let output = Command::new(env!("CARGO_BIN_EXE_devref"))
        .current_dir(dir)
        .args(args)
        .args(["--message-format", "json", "."])
        .env("DEVREF_CACHE_DIR", cache)
        .output()
        .expect("devref runs");
    (output.status.code(), output.stdout)
}

/// A full run gives the same output with an empty cache (cold), again (warm: the result cache
/// answers), after an edit of one file (the result cache misses, the summaries are there), and
/// with `--no-cache`.
fn assert_cached_runs_agree(tree: &Path) {
    let cache = tempfile::tempdir().expect("temp dir");
    let run = |args: &[&str]| json_run(tree, cache.path(), args);
    let uncached = run(&["--no-cache"]);
    assert!(
        run(&[]) == uncached,
        "cold run differs under {}",
        tree.display()
    );
    assert!(
        run(&[]) == uncached,
        "warm run differs under {}",
        tree.display()
    );
    // Report on one file, as an editor does on save, with warm summaries of the rest: the first
    // file with a finding, if any.
    let first = uncached
        .1
        .split(|&b| b == b'\n')
        .find_map(|line| serde_json::from_slice::<serde_json::Value>(line).ok())
        .and_then(|message| {
            message["spans"][0]["file_name"]
                .as_str()
                .map(str::to_string)
        });
    let file = first.unwrap_or_else(|| "rust/kernel/device.rs".to_string());
    let focused = |args: &[&str]| run(&[args, &["--report-only", &file]].concat());
    let expected: Vec<u8> = uncached
        .1
        .split_inclusive(|&b| b == b'\n')
        .filter(|line| {
            serde_json::from_slice::<serde_json::Value>(line).is_ok_and(|message| {
                message["spans"][0]["file_name"].as_str() == Some(file.as_str())
            })
        })
        .flatten()
        .copied()
        .collect();
    assert_eq!(focused(&["--no-cache"]).1, expected, "{file}");
    assert_eq!(focused(&[]).1, expected, "{file}, warm");
    assert_edited_runs_agree(tree, &file);
}

/// Full runs on a copy of `tree`'s Rust files after edits, with the cache's summaries and findings
/// of the run before, give what runs without the cache give: a comment that moves every line of
/// `file` (the model is the same, and `file` alone is linted again), then a `# Safety` section
/// that asks for more (another model).
fn assert_edited_runs_agree(tree: &Path, file: &str) {
    let copy = tempfile::tempdir().expect("temp dir");
    for entry in walkdir::WalkDir::new(tree)
        .into_iter()
        .filter_map(Result::ok)
    {
        let name = entry.path().strip_prefix(tree).expect("under the tree");
        if entry.path().extension().is_some_and(|ext| ext == "rs") {
            let text = std::fs::read(entry.path()).expect("read");
            common::write(copy.path(), &name.to_string_lossy(), text);
        }
    }
    let cache = tempfile::tempdir().expect("temp dir");
    let run = |args: &[&str]| json_run(copy.path(), cache.path(), args);
    let agree = |what: &str| {
        let warm = run(&[]);
        assert!(
            warm == run(&["--no-cache"]),
            "{what} under {}: the run with the cache differs",
            tree.display()
        );
        warm
    };
    let before = agree("cold");
    let path = copy.path().join(file);
    let text = std::fs::read_to_string(&path).expect("read");
    std::fs::write(
        &path,
        format!("// A comment that moves every line.\n{text}"),
    )
    .expect("write");
    let moved = agree("a comment");
    assert!(
        moved != before || before.1.is_empty(),
        "{file}: nothing moved"
    );
    let contract = walkdir::WalkDir::new(copy.path())
        .into_iter()
        .filter_map(Result::ok)
        .filter(|entry| entry.path().extension().is_some_and(|ext| ext == "rs"))
        .find_map(|entry| {
            let text = std::fs::read_to_string(entry.path()).ok()?;
            text.contains("/// # Safety\n")
                .then(|| (entry.path().to_path_buf(), text))
        });
    let (path, text) = contract.expect("a `# Safety` section");
    let asks_more = text.replacen(
        "/// # Safety\n",
        "/// # Safety\n///\n/// The caller holds a reference to the device.\n",
        1,
    );
    std::fs::write(&path, asks_more).expect("write");
    agree("a longer `# Safety` section");
}

fn check_release(version: &str) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let Some(tree) = fetch(root, version) else {
        println!("SKIPPED: kernel corpus unavailable (Linux {version})");
        return;
    };
    assert_runs_agree(&tree);
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
        let text = bless(version, &expected_text, &expected, &found);
        std::fs::create_dir_all(expected_path.parent().expect("a parent")).expect("mkdir");
        std::fs::write(&expected_path, text).expect("writing the expected list");
        return;
    }

    let problems = compare(&expected, &found);
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

/// A finding of the run: where it is, and the key it is matched by.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
struct Found {
    file: String,
    line: u64,
    lint: String,
    /// The hash of the flagged line's trimmed text, 8 hex digits.
    hash: String,
}

impl Found {
    fn key(&self) -> String {
        format!("{}: {} #{}", self.file, self.lint, self.hash)
    }

    fn display(&self) -> String {
        format!("{}:{}: {} #{}", self.file, self.line, self.lint, self.hash)
    }
}

/// An expected line: its key, the line number it was written with, and its verdict.
#[derive(Clone, Debug)]
struct Expected {
    line: String,
    verdict: String,
}

/// What differs between the list and the run; findings are matched by key, as many times as the
/// key occurs.
fn compare(expected: &BTreeMap<String, Vec<Expected>>, found: &[Found]) -> Vec<String> {
    let mut problems = Vec::new();
    let mut seen: BTreeMap<String, usize> = BTreeMap::new();
    for finding in found {
        let count = seen.entry(finding.key()).or_default();
        *count += 1;
        if expected.get(&finding.key()).map_or(0, Vec::len) < *count {
            problems.push(format!("new finding: {}", finding.display()));
        }
    }
    for (key, entries) in expected {
        let count = seen.get(key).copied().unwrap_or(0);
        for entry in entries.iter().skip(count) {
            problems.push(format!(
                "finding no longer reported: {} -- {}",
                entry.line, entry.verdict
            ));
        }
        for entry in entries {
            if entry.verdict.starts_with("TODO") {
                problems.push(format!("finding without a verdict: {}", entry.line));
            }
        }
    }
    problems
}

/// The list rewritten for `found`: verdicts kept by key, the list's own `#` comments kept (those
/// above the findings stay above, the rest go below).
fn bless(
    version: &str,
    old_text: &str,
    expected: &BTreeMap<String, Vec<Expected>>,
    found: &[Found],
) -> String {
    let standard = header(version);
    let mut above = Vec::new();
    let mut below = Vec::new();
    let mut in_findings = false;
    for line in old_text.lines() {
        if !line.starts_with('#') {
            in_findings |= !line.trim().is_empty();
            continue;
        }
        if standard.lines().any(|header| header == line) {
            continue;
        }
        if in_findings {
            below.push(line);
        } else {
            above.push(line);
        }
    }
    let mut used: BTreeMap<String, usize> = BTreeMap::new();
    let mut text = standard;
    for line in above {
        text.push_str(line);
        text.push('\n');
    }
    for finding in found {
        let index = used.entry(finding.key()).or_default();
        let verdict = expected
            .get(&finding.key())
            .and_then(|entries| entries.get(*index))
            .map_or(UNREVIEWED, |entry| entry.verdict.as_str());
        *index += 1;
        text.push_str(&format!("{} -- {verdict}\n", finding.display()));
    }
    for line in below {
        text.push_str(line);
        text.push('\n');
    }
    text
}

fn header(version: &str) -> String {
    format!(
        "# devref findings on the Rust sources of Linux {version}, one per line with its verdict.\n\
         # Regenerate with `BLESS=1 cargo test --test corpus`, then review every `{UNREVIEWED}`.\n"
    )
}

/// Each diagnostic of the run, sorted.
fn findings(json_lines: &str) -> Vec<Found> {
    let mut found: Vec<Found> = json_lines
        .lines()
        .filter(|line| !line.trim().is_empty())
        .map(|line| {
            let value: serde_json::Value = serde_json::from_str(line).expect("JSON line");
            let code = value["code"]["code"].as_str().unwrap_or("?");
            let primary = value["spans"]
                .as_array()
                .and_then(|spans| spans.iter().find(|s| s["is_primary"] == true))
                .expect("a primary span");
            let text = primary["text"][0]["text"].as_str().unwrap_or("");
            Found {
                file: primary["file_name"].as_str().unwrap_or("?").to_string(),
                line: primary["line_start"].as_u64().unwrap_or(0),
                lint: code.strip_prefix("devref::").unwrap_or(code).to_string(),
                hash: line_hash(text),
            }
        })
        .collect();
    found.sort();
    found
}

/// FNV-1a (32 bits) of the trimmed line: stable across releases and toolchains.
fn line_hash(text: &str) -> String {
    let mut hash: u32 = 0x811c_9dc5;
    for byte in text.trim().bytes() {
        hash ^= u32::from(byte);
        hash = hash.wrapping_mul(0x0100_0193);
    }
    format!("{hash:08x}")
}

/// The expected lines by key. A line is `file:line: lint #hash -- verdict`.
fn parse_expected(text: &str) -> BTreeMap<String, Vec<Expected>> {
    let mut expected: BTreeMap<String, Vec<Expected>> = BTreeMap::new();
    for line in text.lines() {
        if line.starts_with('#') || line.trim().is_empty() {
            continue;
        }
        let (written, verdict) = line
            .split_once(" -- ")
            .map_or((line.trim(), UNREVIEWED), |(a, b)| (a.trim(), b.trim()));
        // `file:line: lint #hash` → `file: lint #hash`.
        let key = match written.split_once(": ") {
            Some((place, rest)) => {
                let file = place.rsplit_once(':').map_or(place, |(file, _)| file);
                format!("{file}: {rest}")
            }
            None => written.to_string(),
        };
        expected.entry(key).or_default().push(Expected {
            line: written.to_string(),
            verdict: verdict.to_string(),
        });
    }
    expected
}

#[test]
fn moved_lines_are_the_same_finding_and_repeated_keys_count() {
    let found = |line: u64, text: &str| Found {
        file: "a.rs".to_string(),
        line,
        lint: "x".to_string(),
        hash: line_hash(text),
    };
    let hash = line_hash("let p = f();");
    assert_eq!(hash, line_hash("    let p = f();  "));
    let expected = parse_expected(&format!(
        "# note\na.rs:10: x #{hash} -- agree: one\na.rs:20: x #{hash} -- agree: two\n"
    ));
    // The same two findings, moved by 5 lines: nothing differs.
    assert!(compare(
        &expected,
        &[found(15, "let p = f();"), found(25, "let p = f();")]
    )
    .is_empty());
    // One of them gone, one new line of text.
    let problems = compare(
        &expected,
        &[found(15, "let p = f();"), found(30, "let q = g();")],
    );
    assert_eq!(problems.len(), 2, "{problems:?}");
    assert!(problems[0].starts_with("new finding: a.rs:30: x #"));
    assert!(problems[1].starts_with("finding no longer reported: a.rs:20: x #"));
    // Blessing keeps verdicts by key, in order, and the list's own comments.
    let text = bless(
        "9.9",
        "# note\n",
        &expected,
        &[found(15, "let p = f();"), found(25, "let p = f();")],
    );
    assert!(
        text.contains(&format!("a.rs:15: x #{hash} -- agree: one\n")),
        "{text}"
    );
    assert!(
        text.contains(&format!("a.rs:25: x #{hash} -- agree: two\n")),
        "{text}"
    );
    assert!(text.contains("# note\n"), "{text}");
}

/// The Rust files under `tree`, as (name, text), sorted by name.
fn rust_files(tree: &Path) -> Vec<(String, String)> {
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
    files
}

/// devref skips the function bodies and doc comments that cannot matter (`devref_lints::pruning`);
/// every diagnostic, with its spans, notes and fixes, must be the same as with everything parsed.
fn assert_pruning_changes_nothing(tree: &Path) {
    use devref_lints::analyze;
    use devref_lints::options::Options;
    let files = rust_files(tree);
    let run = |parse_everything: bool, tree_budget: Option<usize>| {
        let inputs = common::inputs(&files);
        let options = Options {
            parse_everything,
            tree_budget,
            ..Options::default()
        };
        analyze(inputs, &options, 2).diagnostics
    };
    let pruned = run(false, None);
    let everything = run(true, None);
    assert!(
        pruned == everything,
        "pruning changed the results under {}:\npruned: {pruned:#?}\neverything parsed: {everything:#?}",
        tree.display()
    );
    // No syntax tree kept while the model is built: every file is parsed again for its lints.
    let parsed_twice = run(false, Some(0));
    assert!(
        pruned == parsed_twice,
        "parsing again for the lints changed the results under {}:\nkept: {pruned:#?}\nparsed again: {parsed_twice:#?}",
        tree.display()
    );
    // Some trees kept, and each worker past the budget lowering the rest on a thread of its own.
    let partly_kept = run(false, Some(64 << 10));
    assert!(
        pruned == partly_kept,
        "a budget spent midway changed the results under {}:\nkept: {pruned:#?}\npartly kept: {partly_kept:#?}",
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

/// `lints/src/model/device_table.rs` is what `tools/device_catalogue.py` makes from the headers of
/// the release its header names. With another point release fetched (Debian moves on), the
/// generator must still run, but its table may differ, and that is no failure.
#[test]
fn device_table_is_generated_from_the_headers() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let Some(tree) = fetch(root, "7.3") else {
        println!("SKIPPED: kernel corpus unavailable (Linux 7.3)");
        return;
    };
    let output = Command::new("python3")
        .arg(root.join("tools/device_catalogue.py"))
        .arg(&tree)
        .output()
        .expect("running tools/device_catalogue.py");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let generated = String::from_utf8(output.stdout).expect("UTF-8");
    assert!(generated.contains("(\"input_dev\", \"include/linux/input.h\")"));
    let committed = std::fs::read_to_string(root.join("lints/src/model/device_table.rs"))
        .expect("device_table.rs");
    let release = std::fs::read_to_string(tree.join(".complete")).unwrap_or_default();
    if committed.contains(release.trim()) {
        assert!(
            generated == committed,
            "lints/src/model/device_table.rs is stale: run tools/device_catalogue.py {} > lints/src/model/device_table.rs",
            tree.display()
        );
    } else {
        println!(
            "device_table.rs names another release than {}: not compared",
            release.trim()
        );
    }
}
