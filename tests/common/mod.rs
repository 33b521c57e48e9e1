//! Helpers shared by the integration tests: temporary trees, the fixture folder, and the
//! captured result of a run.

// Each test file is its own crate and uses only some of these helpers.
#![allow(dead_code)]

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Output;

use tempfile::TempDir;

/// A temporary directory holding `files` (`path`, contents); parent directories are created.
pub fn tree(files: &[(&str, &[u8])]) -> TempDir {
    let dir = tempfile::tempdir().expect("creating a temporary directory");
    for (path, contents) in files {
        write(dir.path(), path, contents);
    }
    dir
}

/// Writes `contents` to `root/path`, creating parent directories.
pub fn write(root: &Path, path: &str, contents: impl AsRef<[u8]>) {
    let path = root.join(path);
    fs::create_dir_all(path.parent().expect("a parent")).expect("creating directories");
    fs::write(&path, contents).expect("writing a test file");
}

/// The review fixtures: `tests/review` (a kernel-like tree, its config, and patch mail).
pub fn review_fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/review")
}

/// Copies the folder `from` to `to`, recursively.
pub fn copy_dir(from: &Path, to: &Path) {
    fs::create_dir_all(to).unwrap();
    for entry in fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            fs::copy(entry.path(), &target).unwrap();
        }
    }
}

/// A finished run of a binary: exit code and UTF-8 output.
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    pub fn from_output(output: Output) -> Run {
        Run {
            code: output
                .status
                .code()
                .expect("exited, not killed by a signal"),
            stdout: String::from_utf8(output.stdout).expect("stdout is UTF-8"),
            stderr: String::from_utf8(output.stderr).expect("stderr is UTF-8"),
        }
    }
}

/// Asserts that `text` contains `part`, showing all of `text` when it does not.
#[track_caller]
pub fn assert_contains(text: &str, part: &str) {
    assert!(text.contains(part), "{part:?} is missing from:\n{text}");
}

/// Asserts that `text` does not contain `part`, showing all of `text` when it does.
#[track_caller]
pub fn assert_lacks(text: &str, part: &str) {
    assert!(!text.contains(part), "{part:?} is unexpected in:\n{text}");
}

/// `files`, as (name, text), as devref's inputs.
pub fn inputs(files: &[(String, String)]) -> Vec<devref_lints::Input> {
    files
        .iter()
        .map(|(name, text)| devref_lints::Input {
            name: name.clone(),
            content: Ok(text.clone()),
        })
        .collect()
}

/// Checks, on one set of files, that a run linting only some of them reports exactly what a run
/// linting all of them reports on those (see `devref_lints::Focus`): for each file alone (up to 12
/// files), and for every `stride`-th file together (starting at each offset); without a summary
/// store, with an empty one (cold) and with the one those runs filled (warm). Returns how many
/// diagnostics the full run had.
pub fn assert_focused_runs_agree(files: &[(String, String)], stride: usize) -> usize {
    use devref_lints::options::Options;
    use devref_lints::{analyze, analyze_focused, Focus, Teardown};
    use std::collections::HashSet;
    let options = Options::default();
    let full = analyze(inputs(files), &options, 2).diagnostics;
    for diagnostic in &full {
        assert!(
            diagnostic
                .places()
                .all(|place| place.file == diagnostic.primary.file),
            "a place of this diagnostic is in another file than its primary span: {diagnostic:#?}"
        );
    }
    let mut sets: Vec<HashSet<usize>> = Vec::new();
    if files.len() <= 12 {
        sets.extend((0..files.len()).map(|index| HashSet::from([index])));
    }
    for offset in 0..stride.min(files.len()) {
        sets.push((offset..files.len()).step_by(stride).collect());
    }
    let store = tempfile::tempdir().expect("temp dir");
    let findings_dir = store.path().join("findings");
    let store = devref::summaries::DiskSummaries::in_dir(store.path().to_path_buf(), &options);
    // With findings kept by model too: each run writes its store when it drops it.
    let stores: [(&str, Option<&dyn devref_lints::SummaryStore>, bool); 5] = [
        ("no summaries", None, false),
        ("cold", Some(&store), false),
        ("warm", Some(&store), false),
        ("cold findings", Some(&store), true),
        ("warm findings", Some(&store), true),
    ];
    for (cache, summaries, keeps_findings) in stores {
        for linted in &sets {
            let findings = keeps_findings
                .then(|| devref::findings::DiskFindings::in_dir(findings_dir.clone(), &options));
            let focus = Focus {
                linted: Some(linted),
                summaries,
                findings: findings
                    .as_ref()
                    .map(|store| store as &dyn devref_lints::FindingsStore),
            };
            let focused =
                analyze_focused(inputs(files), &options, 2, Teardown::Free, focus).diagnostics;
            drop(findings);
            let expected: Vec<_> = full
                .iter()
                .filter(|d| linted.contains(&(d.primary.file.0 as usize)))
                .cloned()
                .collect();
            assert!(
                focused == expected,
                "linting only {linted:?} ({cache}) changed their findings:\nfocused: {focused:#?}\nfull: {expected:#?}"
            );
        }
    }
    full.len()
}
