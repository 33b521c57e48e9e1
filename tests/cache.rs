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

/// The result entries in the cache folder (not the `summaries` folder beside them).
fn entries(cache: &Path) -> usize {
    result_entries(cache).len()
}

fn result_entries(cache: &Path) -> Vec<std::path::PathBuf> {
    std::fs::read_dir(cache).map_or(Vec::new(), |dir| {
        dir.map(|entry| entry.expect("entry").path())
            .filter(|path| path.extension().is_some_and(|ext| ext == "json"))
            .collect()
    })
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
    for entry in result_entries(cache.path()) {
        std::fs::write(entry, "{ not json").expect("corrupt");
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
    let entry = result_entries(cache.path()).pop().expect("one entry");
    let whole = std::fs::read(&entry).expect("entry");
    // A crash mid-write leaves a prefix of the entry: whatever its length, the run analyses again
    // and gives what an uncached run gives.
    for cut in (0..whole.len()).step_by(whole.len() / 7 + 1) {
        std::fs::write(&entry, &whole[..cut]).expect("tear");
        let run = devref(tree.path(), cache.path(), &args);
        assert_eq!(run.stdout, uncached.stdout, "entry cut at byte {cut}");
        assert_eq!(run.status.code(), uncached.status.code());
    }
    // Damage that leaves JSON (a line number one more) fails the checksum.
    std::fs::write(&entry, with_a_digit_changed(&whole)).expect("damage");
    let run = devref(tree.path(), cache.path(), &args);
    assert_eq!(run.stdout, uncached.stdout, "a digit changed");
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
    // One entry, whole; no temporary file left behind, here or among the summaries.
    let names: Vec<_> = std::fs::read_dir(cache.path())
        .expect("cache dir")
        .map(|entry| entry.expect("entry").path())
        .filter(|path| !path.ends_with("summaries") && !path.ends_with("findings"))
        .collect();
    assert_eq!(names.len(), 1, "{names:?}");
    // One findings entry, whole.
    let [kept] = &findings(cache.path())[..] else {
        panic!("one findings entry");
    };
    entry_json(kept);
    // `a.rs` and `b.rs` have the same text, so the same summary.
    assert_eq!(summaries(cache.path()).len(), 1);
    entry_json(&names[0]);
    let again = devref(
        tree.path(),
        cache.path(),
        &["--message-format", "json", "."],
    );
    assert_eq!(again.stdout, uncached.stdout);
}

/// The summary entries in the cache folder.
fn summaries(cache: &Path) -> Vec<std::path::PathBuf> {
    store_entries(cache, "summaries")
}

/// The files of the store `folder` in the cache folder.
fn store_entries(cache: &Path, folder: &str) -> Vec<std::path::PathBuf> {
    std::fs::read_dir(cache.join(folder)).map_or(Vec::new(), |dir| {
        dir.map(|entry| entry.expect("entry").path()).collect()
    })
}

/// The JSON of a result or findings entry: a checksum line (16 hex digits), then the JSON.
fn entry_json(path: &Path) -> serde_json::Value {
    let bytes = std::fs::read(path).expect("entry");
    let (sum, json) = bytes.split_at(17);
    assert_eq!(sum[16], b'\n', "a checksum line");
    assert_eq!(
        u64::from_str_radix(std::str::from_utf8(&sum[..16]).expect("hex"), 16).expect("hex"),
        checksum(json),
        "the checksum of {}",
        path.display()
    );
    serde_json::from_slice(json).expect("a whole entry")
}

/// Writes `json` as a result or findings entry, with its checksum, as devref does.
fn write_entry_json(path: &Path, json: &serde_json::Value) {
    let json = json.to_string();
    std::fs::write(path, format!("{:016x}\n{json}", checksum(json.as_bytes()))).expect("write");
}

/// devref's checksum of an entry (`store::checksum`).
fn checksum(bytes: &[u8]) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut hasher = std::hash::DefaultHasher::new();
    bytes.hash(&mut hasher);
    hasher.finish()
}

/// `entry` with one digit of its JSON changed: still JSON, and another line or column.
fn with_a_digit_changed(entry: &[u8]) -> Vec<u8> {
    let mut changed = entry.to_vec();
    let at = (17..changed.len())
        .find(|&at| changed[at].is_ascii_digit() && changed[at - 1] == b',')
        .expect("a number in the entry");
    changed[at] = if changed[at] == b'9' {
        b'8'
    } else {
        changed[at] + 1
    };
    changed
}

/// A copy of the `safety_kernel` UI case: a driver whose findings quote the `# Safety` sections of
/// `rust/kernel/device.rs`.
fn safety_kernel() -> TempDir {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/ui/safety_kernel");
    let mut files = Vec::new();
    for entry in walkdir::WalkDir::new(&root) {
        let entry = entry.expect("entry");
        if entry.file_type().is_file() {
            let name = entry.path().strip_prefix(&root).expect("under root");
            let text = std::fs::read(entry.path()).expect("read");
            files.push((name.to_string_lossy().into_owned(), text));
        }
    }
    let files: Vec<(&str, &[u8])> = files
        .iter()
        .map(|(name, text)| (name.as_str(), text.as_slice()))
        .collect();
    common::tree(&files)
}

const DRIVER: &str = "drivers/safety_driver.rs";
const CONTRACT: &str = "rust/kernel/device.rs";

/// Rewords the duration in a `# Safety` section of [`CONTRACT`], which the driver's findings quote.
fn reword_contract(tree: &Path) {
    let contract = tree.join(CONTRACT);
    let text = std::fs::read_to_string(&contract).expect("read");
    let changed = text.replacen(
        "non-zero reference count for\n    /// the entire duration when the returned reference exists.",
        "non-zero reference count for\n    /// as long as the returned reference is alive.",
        1,
    );
    assert_ne!(changed, text);
    std::fs::write(&contract, changed).expect("write");
}

/// `--report-only` on one file of a tree, with a warm cache of the others' summaries: the same
/// findings as without the cache, and a change to another file's contract shows in them.
#[test]
fn a_changed_contract_in_another_file_changes_the_findings_with_warm_summaries() {
    let tree = safety_kernel();
    let cache = tempfile::tempdir().expect("temp dir");
    let args = ["--message-format", "json", "--report-only", DRIVER, "."];
    let uncached_args = [&["--no-cache"][..], &args].concat();
    let cold = devref(tree.path(), cache.path(), &args);
    // Every file of the tree was lowered, and stored.
    let stored = summaries(cache.path());
    assert_eq!(stored.len(), 7, "{stored:?}");
    assert!(String::from_utf8_lossy(&cold.stdout).contains("for the entire duration when"));
    assert_eq!(
        cold.stdout,
        devref(tree.path(), cache.path(), &uncached_args).stdout
    );

    // Another file's contract changes: its summary is new, the driver's is not.
    reword_contract(tree.path());
    let warm = devref(tree.path(), cache.path(), &args);
    assert_eq!(summaries(cache.path()).len(), 8);
    let uncached = devref(tree.path(), cache.path(), &uncached_args);
    assert_eq!(warm.stdout, uncached.stdout);
    assert_eq!(warm.status.code(), uncached.status.code());
    let warm_text = String::from_utf8_lossy(&warm.stdout);
    assert!(
        warm_text.contains("as long as the returned reference is alive"),
        "{warm_text}"
    );
    assert!(
        !warm_text.contains("for the entire duration when"),
        "{warm_text}"
    );
    // Every finding is on the driver.
    for line in warm_text.lines() {
        let message: serde_json::Value = serde_json::from_str(line).expect("JSON");
        assert_eq!(message["spans"][0]["file_name"], DRIVER);
    }
}

/// A summary entry that is torn or damaged is not read: the run parses that file, gives what a run
/// without the cache gives, and stores the summary again.
#[test]
fn a_torn_summary_is_never_read() {
    let tree = safety_kernel();
    let cache = tempfile::tempdir().expect("temp dir");
    let args = ["--message-format", "json", "--report-only", DRIVER, "."];
    let uncached_args = [&["--no-cache"][..], &args].concat();
    let uncached = devref(tree.path(), cache.path(), &uncached_args);
    devref(tree.path(), cache.path(), &args);
    for (index, entry) in summaries(cache.path()).iter().enumerate() {
        let whole = std::fs::read(entry).expect("entry");
        let damaged = if index % 2 == 0 {
            whole[..whole.len() * index / 8].to_vec()
        } else {
            let mut flipped = whole.clone();
            let middle = flipped.len() / 2;
            flipped[middle] ^= 0x55;
            flipped
        };
        std::fs::write(entry, damaged).expect("damage");
    }
    // The result entry would answer before any summary is read.
    for entry in result_entries(cache.path()) {
        std::fs::remove_file(entry).expect("remove");
    }
    let run = devref(tree.path(), cache.path(), &args);
    assert_eq!(run.stdout, uncached.stdout);
    assert_eq!(run.status.code(), uncached.status.code());
    for entry in result_entries(cache.path()) {
        std::fs::remove_file(entry).expect("remove");
    }
    let again = devref(tree.path(), cache.path(), &args);
    assert_eq!(again.stdout, uncached.stdout);
    assert_eq!(summaries(cache.path()).len(), 7);
}

/// The entries of the findings store in the cache folder.
fn findings(cache: &Path) -> Vec<std::path::PathBuf> {
    store_entries(cache, "findings")
}

/// A full run with the cache, after the result entry is gone (as after any edit): what a run
/// without the cache gives.
fn assert_full_run_agrees(tree: &Path, cache: &Path, what: &str) -> String {
    for entry in result_entries(cache) {
        std::fs::remove_file(entry).expect("remove");
    }
    let args = ["--message-format", "json", "."];
    let warm = devref(tree, cache, &args);
    let uncached = devref(tree, cache, &[&["--no-cache"][..], &args].concat());
    assert_eq!(
        String::from_utf8_lossy(&warm.stdout),
        String::from_utf8_lossy(&uncached.stdout),
        "{what}"
    );
    assert_eq!(warm.status.code(), uncached.status.code(), "{what}");
    String::from_utf8_lossy(&warm.stdout).into_owned()
}

/// A full run after an edit takes the unchanged files' findings from the model's entry, and still
/// sees every change: to the edited file, and to a contract in another file (another model).
#[test]
fn full_runs_with_kept_findings_see_every_change() {
    let tree = safety_kernel();
    let cache = tempfile::tempdir().expect("temp dir");
    let cold = assert_full_run_agrees(tree.path(), cache.path(), "cold");
    assert!(cold.contains("for the entire duration when"), "{cold}");
    assert_eq!(findings(cache.path()).len(), 1);

    // A comment in the driver: the same model, so the same entry, and the driver linted again.
    let driver = tree.path().join(DRIVER);
    let text = std::fs::read_to_string(&driver).expect("read");
    std::fs::write(
        &driver,
        format!("// A comment that moves every line.\n{text}"),
    )
    .expect("write");
    let moved = assert_full_run_agrees(tree.path(), cache.path(), "a comment in the driver");
    assert_ne!(moved, cold);
    assert_eq!(findings(cache.path()).len(), 1);

    // A contract in another file: another model, whose findings are all new.
    reword_contract(tree.path());
    let warm = assert_full_run_agrees(tree.path(), cache.path(), "a changed contract");
    assert!(
        warm.contains("as long as the returned reference is alive"),
        "{warm}"
    );
    assert!(!warm.contains("for the entire duration when"), "{warm}");
    assert_eq!(findings(cache.path()).len(), 2);
}

/// A finding whose label points into another file is linted again when that file's text changes,
/// even where its item tree does not: the label must follow the text.
#[test]
fn a_label_in_another_file_follows_that_files_text() {
    let tree = common::tree(&[
        ("src/lib.rs", b"mod holder;\nmod user;\n"),
        (
            "src/holder.rs",
            b"use kernel::device::Device;\n\n/// Borrows the device.\npub struct Holder<'a> {\n    pub dev: &'a Device,\n}\n",
        ),
        (
            "src/user.rs",
            b"use crate::holder::Holder;\n\npub struct Driver {\n    h: Holder<'static>,\n}\n",
        ),
    ]);
    let cache = tempfile::tempdir().expect("temp dir");
    let label_line = |output: &str| -> Vec<u64> {
        output
            .lines()
            .flat_map(|line| {
                let message: serde_json::Value = serde_json::from_str(line).expect("JSON");
                message["spans"]
                    .as_array()
                    .expect("spans")
                    .iter()
                    .filter(|span| span["file_name"] == "src/holder.rs")
                    .map(|span| span["line_start"].as_u64().expect("a line"))
                    .collect::<Vec<_>>()
            })
            .collect()
    };
    let cold = assert_full_run_agrees(tree.path(), cache.path(), "cold");
    assert_eq!(label_line(&cold), [5]);
    let holder = tree.path().join("src/holder.rs");
    let text = std::fs::read_to_string(&holder).expect("read");
    std::fs::write(&holder, format!("// Moved.\n{text}")).expect("write");
    let warm = assert_full_run_agrees(tree.path(), cache.path(), "holder.rs moved");
    assert_eq!(label_line(&warm), [6]);
}

/// A findings entry that is torn or damaged is not read, and is written whole again.
#[test]
fn a_torn_findings_entry_is_never_read() {
    let tree = safety_kernel();
    let cache = tempfile::tempdir().expect("temp dir");
    let cold = assert_full_run_agrees(tree.path(), cache.path(), "cold");
    let [entry] = &findings(cache.path())[..] else {
        panic!("one entry");
    };
    let whole = std::fs::read(entry).expect("entry");
    for damaged in [
        whole[..whole.len() / 2].to_vec(),
        b"{\"format\": 1}".to_vec(),
        // Still JSON, and one line or column off: the checksum fails.
        with_a_digit_changed(&whole),
    ] {
        std::fs::write(entry, damaged).expect("damage");
        let again = assert_full_run_agrees(tree.path(), cache.path(), "damaged");
        assert_eq!(again, cold);
        entry_json(entry);
    }
}

/// Two inputs with one name (a file on disk, and its text on stdin named like it) keep their own
/// findings: an entry holds them by the file's place among the inputs, not by its name. Here the
/// model takes one of the two as the module `kernel::drm::device`, so only that one has a finding.
#[test]
fn two_inputs_with_one_name_keep_their_own_findings() {
    const DEVICE: &str = "pub struct UnregisteredDevice(ARef<Device>);\n\n\
        impl UnregisteredDevice {\n    pub fn new() -> Result<Self> {\n\
        // SAFETY: the refcount is non-zero.\n\
        unsafe { bindings::drm_dev_put(drm_dev) };\n    }\n}\n\n\
        pub struct Device {}\n\nimpl Device {\n\
        pub fn as_raw(&self) -> *mut bindings::drm_device {}\n}\n";
    const NAME: &str = "rust/kernel/drm/device.rs";
    let tree = common::tree(&[(NAME, DEVICE.as_bytes())]);
    let cache = tempfile::tempdir().expect("temp dir");
    let run = |no_cache: bool| {
        for entry in result_entries(cache.path()) {
            std::fs::remove_file(entry).expect("remove");
        }
        let mut command = Command::new(env!("CARGO_BIN_EXE_devref"));
        command
            .current_dir(tree.path())
            .args([
                "--message-format",
                "json",
                "--stdin-filename",
                NAME,
                "-",
                ".",
            ])
            .env("DEVREF_CACHE_DIR", cache.path())
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped());
        if no_cache {
            command.arg("--no-cache");
        }
        let mut child = command.spawn().expect("devref starts");
        use std::io::Write;
        let mut stdin = child.stdin.take().expect("stdin");
        stdin.write_all(DEVICE.as_bytes()).expect("write");
        drop(stdin);
        let output = child.wait_with_output().expect("devref ends");
        (output.status.code(), output.stdout)
    };
    let uncached = run(true);
    assert!(!uncached.1.is_empty());
    for round in 0..3 {
        assert_eq!(run(false), uncached, "round {round}");
    }
}

/// The findings of an unchanged file come from the store: a message altered in the entry is what
/// the next run prints, until the file changes.
#[test]
fn an_unchanged_files_findings_come_from_the_store() {
    let tree = safety_kernel();
    let cache = tempfile::tempdir().expect("temp dir");
    let cold = assert_full_run_agrees(tree.path(), cache.path(), "cold");
    let message = "does not address the reference count";
    assert!(cold.contains(message), "{cold}");
    let [entry] = &findings(cache.path())[..] else {
        panic!("one entry");
    };
    // Alter the driver's findings only: the other files' stay as they are.
    let mut kept = entry_json(entry);
    let text = kept.to_string();
    let mut altered = 0;
    for file in kept["files"].as_object_mut().expect("files").values_mut() {
        if file["name"] != DRIVER {
            continue;
        }
        for diagnostic in file["diagnostics"].as_array_mut().expect("diagnostics") {
            let text = diagnostic["message"].as_str().expect("message");
            if text.contains(message) {
                diagnostic["message"] = text.replace(message, "was altered in the store").into();
                altered += 1;
            }
        }
    }
    assert!(altered > 0, "{text}");
    write_entry_json(entry, &kept);
    for result in result_entries(cache.path()) {
        std::fs::remove_file(result).expect("remove");
    }
    let args = ["--message-format", "json", "."];
    let answered = devref(tree.path(), cache.path(), &args);
    let answered = String::from_utf8_lossy(&answered.stdout);
    assert!(answered.contains("was altered in the store"), "{answered}");
    // Once the file changes, it is linted again.
    let driver = tree.path().join(DRIVER);
    let text = std::fs::read_to_string(&driver).expect("read");
    std::fs::write(&driver, format!("{text}// The end.\n")).expect("write");
    let linted = assert_full_run_agrees(tree.path(), cache.path(), "the driver changed");
    assert!(linted.contains(message), "{linted}");
    assert!(!linted.contains("was altered in the store"), "{linted}");
}
