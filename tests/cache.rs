//! The result cache gives exactly what an uncached run gives, cross-file facts included.

use std::path::Path;
use std::process::{Command, Output};

use tempfile::TempDir;

mod common;

const RAW_FIELD: &str = "struct S {\n    dev: *mut kernel::bindings::device,\n}\n";

fn devref(dir: &Path, cache: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_devref"))
        .current_dir(dir)
        .args(args)
        .env("DEVREF_CACHE_DIR", cache)
        .env_remove("NO_COLOR")
        .output()
        .expect("devref runs")
}

/// A tree whose `a.rs` has one raw-pointer field (a warning), and an empty cache folder.
fn raw_field_and_empty_cache() -> (TempDir, TempDir) {
    let tree = common::tree(&[("a.rs", RAW_FIELD.as_bytes())]);
    let cache = tempfile::tempdir().expect("temp dir");
    (tree, cache)
}

fn entries(cache: &Path) -> usize {
    std::fs::read_dir(cache).map_or(0, |dir| dir.count())
}

#[test]
fn cached_runs_match_uncached_runs_and_see_every_change() {
    let tree = tempfile::tempdir().expect("temp dir");
    let cache = tempfile::tempdir().expect("temp dir");
    // The alias lives in one file and the field in another: a cross-file fact.
    std::fs::write(tree.path().join("lib.rs"), "mod aliases;\nmod data;\n").expect("write");
    std::fs::write(
        tree.path().join("aliases.rs"),
        "pub type DevPtr = *mut kernel::bindings::device;\n",
    )
    .expect("write");
    std::fs::write(
        tree.path().join("data.rs"),
        "use crate::aliases::DevPtr;\n\npub struct Data {\n    dev: DevPtr,\n}\n",
    )
    .expect("write");
    let args = ["--message-format", "json", "."];

    let first = devref(tree.path(), cache.path(), &args);
    assert_eq!(entries(cache.path()), 1);
    let second = devref(tree.path(), cache.path(), &args);
    let uncached = devref(
        tree.path(),
        cache.path(),
        &["--no-cache", "--message-format", "json", "."],
    );
    assert_eq!(first.stdout, second.stdout);
    assert_eq!(first.stdout, uncached.stdout);
    assert_eq!(first.status.code(), second.status.code());
    assert!(String::from_utf8_lossy(&first.stdout).contains("devref::raw_device_ptr_field"));

    // Changing only the other file changes the finding in `data.rs`.
    std::fs::write(
        tree.path().join("aliases.rs"),
        "pub type DevPtr = *mut u8;\n",
    )
    .expect("write");
    let changed = devref(tree.path(), cache.path(), &args);
    assert!(
        changed.stdout.is_empty(),
        "{}",
        String::from_utf8_lossy(&changed.stdout)
    );
    assert_eq!(entries(cache.path()), 2);

    // Human output from a cached run is the same too.
    let human = devref(tree.path(), cache.path(), &["--color", "never", "."]);
    let human_again = devref(tree.path(), cache.path(), &["--color", "never", "."]);
    assert_eq!(human.stderr, human_again.stderr);
}

#[test]
fn levels_are_part_of_the_key() {
    let (tree, cache) = raw_field_and_empty_cache();
    let warn = devref(tree.path(), cache.path(), &["a.rs"]);
    let deny = devref(tree.path(), cache.path(), &["-D", "warnings", "a.rs"]);
    assert_eq!(warn.status.code(), Some(0));
    assert_eq!(deny.status.code(), Some(1));
}

#[test]
fn no_cache_writes_nothing_and_a_broken_cache_is_ignored() {
    let (tree, cache) = raw_field_and_empty_cache();
    let args = ["--message-format", "json", "a.rs"];
    devref(
        tree.path(),
        cache.path(),
        &["--no-cache", "--message-format", "json", "a.rs"],
    );
    assert_eq!(entries(cache.path()), 0);

    let good = devref(tree.path(), cache.path(), &args);
    for entry in std::fs::read_dir(cache.path()).expect("cache dir") {
        std::fs::write(entry.expect("entry").path(), "{ not json").expect("corrupt");
    }
    let after = devref(tree.path(), cache.path(), &args);
    assert_eq!(good.stdout, after.stdout);

    // An unusable cache directory costs nothing but the shortcut.
    let file_not_dir = cache.path().join("plain-file");
    std::fs::write(&file_not_dir, "").expect("write");
    let output = devref(tree.path(), &file_not_dir, &args);
    assert_eq!(output.stdout, good.stdout);
}

/// A tree with one finding in each of two files, linted as JSON.
fn two_findings() -> tempfile::TempDir {
    let tree = tempfile::tempdir().expect("temp dir");
    for name in ["a.rs", "b.rs"] {
        std::fs::write(
            tree.path().join(name),
            "struct S {\n    dev: *mut kernel::bindings::device,\n}\n",
        )
        .expect("write");
    }
    tree
}

#[test]
fn a_torn_entry_is_never_read() {
    let tree = two_findings();
    let cache = tempfile::tempdir().expect("temp dir");
    let args = ["--message-format", "json", "."];
    let uncached = devref(
        tree.path(),
        cache.path(),
        &["--no-cache", "--message-format", "json", "."],
    );
    devref(tree.path(), cache.path(), &args);
    let entry = std::fs::read_dir(cache.path())
        .expect("cache dir")
        .next()
        .expect("one entry")
        .expect("entry")
        .path();
    let whole = std::fs::read(&entry).expect("entry");
    // A crash mid-write leaves a prefix of the entry: whatever its length, the run analyses again
    // and gives what an uncached run gives.
    for cut in (0..whole.len()).step_by(whole.len() / 7 + 1) {
        std::fs::write(&entry, &whole[..cut]).expect("tear");
        let run = devref(tree.path(), cache.path(), &args);
        assert_eq!(run.stdout, uncached.stdout, "entry cut at byte {cut}");
        assert_eq!(run.status.code(), uncached.status.code());
    }
}

#[test]
fn processes_writing_the_cache_at_once_agree_and_leave_whole_entries() {
    let tree = two_findings();
    let cache = tempfile::tempdir().expect("temp dir");
    let uncached = devref(
        tree.path(),
        cache.path(),
        &["--no-cache", "--message-format", "json", "."],
    );
    let children: Vec<_> = (0..6)
        .map(|_| {
            Command::new(env!("CARGO_BIN_EXE_devref"))
                .current_dir(tree.path())
                .args(["--message-format", "json", "."])
                .env("DEVREF_CACHE_DIR", cache.path())
                .stdout(std::process::Stdio::piped())
                .spawn()
                .expect("devref starts")
        })
        .collect();
    for child in children {
        let output = child.wait_with_output().expect("devref ends");
        assert_eq!(output.stdout, uncached.stdout);
        assert_eq!(output.status.code(), uncached.status.code());
    }
    // One entry, whole; no temporary file left behind.
    let names: Vec<_> = std::fs::read_dir(cache.path())
        .expect("cache dir")
        .map(|entry| entry.expect("entry").path())
        .collect();
    assert_eq!(names.len(), 1, "{names:?}");
    let text = std::fs::read_to_string(&names[0]).expect("entry");
    serde_json::from_str::<serde_json::Value>(&text).expect("a whole entry");
    let again = devref(
        tree.path(),
        cache.path(),
        &["--message-format", "json", "."],
    );
    assert_eq!(again.stdout, uncached.stdout);
}
