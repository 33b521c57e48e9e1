//! `devref review`: golden outputs of every format on realistic patch mail (`tests/review/`),
//! the behaviours of the review (attribution, fixed-later, offsets, hunks that do not apply,
//! decoding), hostile and oversized input, and a loop over garbled variants of every fixture
//! that proves malformed mail never panics.
//!
//! Update the goldens (`tests/review/golden/*.txt`) with:
//!
//! ```sh
//! BLESS=1 cargo test --test review
//! ```
//!
//! The fixtures were made with `git format-patch` from commits on the base tree
//! `tests/review/tree/` (see `tests/review/README.md`).

use std::collections::BTreeMap;
use std::fs;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use devref::review::mail::InputFile;
use devref::review::report::{render, Context};
use devref::review::{review, ReviewFormat, Settings};
use devref_lints::options::Options;
use globset::GlobSet;
use serde_json::Value;

mod common;
use common::{assert_contains, copy_dir, review_fixtures, Run};

const FORMATS: [&str; 5] = ["email", "json", "patchwork", "checkpatch", "short"];

// The binary runs in the fixture folder so that names stay short.
fn devref_in(cwd: &Path, args: &[&str], stdin: Option<&[u8]>) -> Run {
    let mut command = Command::new(env!("CARGO_BIN_EXE_devref"));
    command
        .current_dir(cwd)
        // Fixes the replies' Date and Message-ID.
        .env("SOURCE_DATE_EPOCH", "1800000000")
        .arg("review")
        .args(args)
        .stdin(if stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = command.spawn().expect("devref starts");
    if let Some(bytes) = stdin {
        let mut pipe = child.stdin.take().expect("stdin is piped");
        // A refused input may close the pipe early.
        let _ = pipe.write_all(bytes);
    }
    Run::from_output(child.wait_with_output().expect("devref ends"))
}

/// `devref review --format FORMAT --tree tree PATCH` in `dir`.
fn review_with_tree(dir: &Path, format: &str, patch: &str) -> Run {
    devref_in(dir, &["--format", format, "--tree", "tree", patch], None)
}

/// Writes `patch` to `dir/name` and reviews it against `dir/tree`, as JSON.
fn write_and_review(dir: &Path, name: &str, patch: &str) -> Run {
    fs::write(dir.join(name), patch).unwrap();
    review_with_tree(dir, "json", name)
}

/// `devref review --format json --tree FIXTURE-TREE NAME` in a temporary folder holding `text`
/// as `NAME`.
fn review_copy_as_json(name: &str, text: &str) -> Run {
    let temp = tempfile::tempdir().unwrap();
    fs::write(temp.path().join(name), text).unwrap();
    let tree = review_fixtures().join("tree");
    let tree = tree.to_str().unwrap();
    devref_in(
        temp.path(),
        &["--format", "json", "--tree", tree, name],
        None,
    )
}

fn devref(args: &[&str]) -> Run {
    devref_in(&review_fixtures(), args, None)
}

// --- Goldens ------------------------------------------------------------------------------------

/// A golden case: the arguments (besides `--format`) and the exit code.
struct Case {
    name: &'static str,
    args: &'static [&'static str],
    code: i32,
}

const CASES: &[Case] = &[
    // A cover letter and two patches: a new device abstraction whose safety doc says only "must
    // point at a valid `device`", and a driver that uses it. Patch 1 also changes a file of the
    // tree.
    Case {
        name: "widget-series",
        args: &["--tree", "tree", "widget-series.mbox"],
        code: 1,
    },
    // The same without `--tree`: the changed file cannot be patched.
    Case {
        name: "widget-series-no-tree",
        args: &["widget-series.mbox"],
        code: 1,
    },
    // Patch 1 adds a raw pointer field that patch 3 replaces (the mbox has 1/3, 3/3, 2/3).
    Case {
        name: "fixed-later",
        args: &["fixed-later.mbox"],
        code: 1,
    },
    // `git format-patch` output changing a driver of the tree, made against a base whose lines
    // have since moved (offset 3), sent by a maintainer for its author (in-body `From:`).
    Case {
        name: "driver-change",
        args: &[
            "--tree",
            "tree",
            "0001-misc-gizmo_sensor-remember-the-parent-device.patch",
        ],
        code: 0,
    },
    // A quoted-printable body (soft line breaks, `=3D`, UTF-8) and encoded headers.
    Case {
        name: "quoted-printable",
        args: &["quoted-printable.mbox"],
        code: 0,
    },
    // One RFC 822 message with CRLF lines, `multipart/mixed` and the patch as a base64
    // attachment; nothing to report.
    Case {
        name: "attached-clean",
        args: &["attached-clean.eml"],
        code: 0,
    },
    // Hunk 2 of the changed file does not apply; hunk 1 and the new file are still reviewed.
    Case {
        name: "does-not-apply",
        args: &["--tree", "tree", "does-not-apply.mbox"],
        code: 1,
    },
    // A plain `git diff`, no mail.
    Case {
        name: "plain-diff",
        args: &["plain.diff"],
        code: 1,
    },
];

/// Everything a case prints: the exit code and stderr (of the default format), then each
/// format's stdout, in `==> name <==` sections.
fn render_case(case: &Case) -> Result<String, String> {
    let mut out = String::new();
    for (index, format) in FORMATS.iter().enumerate() {
        let mut args = vec!["--format", format];
        args.extend_from_slice(case.args);
        let run = devref(&args);
        if run.code != case.code {
            return Err(format!(
                "{} --format {format}: exit code {}, expected {}\nstderr:\n{}",
                case.name, run.code, case.code, run.stderr
            ));
        }
        if index == 0 {
            out.push_str(&format!("==> exit code <==\n{}\n\n", run.code));
            out.push_str(&format!("==> stderr <==\n{}\n", run.stderr));
        }
        out.push_str(&format!("==> {format} <==\n{}\n", run.stdout));
    }
    Ok(out)
}

#[test]
fn goldens() {
    let bless = std::env::var_os("BLESS").is_some_and(|v| v != "0");
    let golden_dir = review_fixtures().join("golden");
    let mut failures = Vec::new();
    for case in CASES {
        let actual = match render_case(case) {
            Ok(actual) => actual,
            Err(failure) => {
                failures.push(failure);
                continue;
            }
        };
        let path = golden_dir.join(format!("{}.txt", case.name));
        if bless {
            fs::create_dir_all(&golden_dir).expect("creating the golden folder");
            fs::write(&path, &actual).expect("blessing a golden");
            continue;
        }
        let expected = fs::read_to_string(&path).unwrap_or_default();
        if expected != actual {
            failures.push(format!(
                "{} differs from {} (run `BLESS=1 cargo test --test review` to update):\n{}",
                case.name,
                path.display(),
                first_difference(&expected, &actual)
            ));
        }
    }
    assert!(failures.is_empty(), "\n{}", failures.join("\n\n"));
}

fn first_difference(expected: &str, actual: &str) -> String {
    let (expected, actual): (Vec<&str>, Vec<&str>) =
        (expected.lines().collect(), actual.lines().collect());
    for index in 0..expected.len().max(actual.len()) {
        let (e, a) = (expected.get(index), actual.get(index));
        if e != a {
            return format!(
                "line {}:\n  expected: {}\n  actual:   {}",
                index + 1,
                e.unwrap_or(&"<end>"),
                a.unwrap_or(&"<end>")
            );
        }
    }
    "no difference by lines (line endings?)".to_string()
}

// --- Behaviours ---------------------------------------------------------------------------------

fn json_patches(run: &Run) -> Vec<Value> {
    run.stdout
        .lines()
        .map(|line| serde_json::from_str(line).expect("a JSON line"))
        .collect()
}

/// `(patch, file:line, lint, fixed_later)` of every finding.
fn findings(run: &Run) -> Vec<(String, String, String, bool)> {
    json_patches(run)
        .iter()
        .flat_map(|patch| {
            let tag = patch["patch"].as_str().unwrap_or("").to_string();
            patch["findings"]
                .as_array()
                .cloned()
                .unwrap_or_default()
                .into_iter()
                .map(move |f| {
                    (
                        tag.clone(),
                        format!("{}:{}", f["file"].as_str().unwrap(), f["line"]),
                        f["lint"].as_str().unwrap().to_string(),
                        f["fixed_later"].as_bool().unwrap(),
                    )
                })
        })
        .collect()
}

fn owned(items: &[(&str, &str, &str, bool)]) -> Vec<(String, String, String, bool)> {
    items
        .iter()
        .map(|(a, b, c, d)| (a.to_string(), b.to_string(), c.to_string(), *d))
        .collect()
}

#[test]
fn findings_belong_to_the_patch_that_adds_their_line() {
    let run = devref(&["--format", "json", "--tree", "tree", "widget-series.mbox"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    // The tree's own findings (gizmo_sensor.rs, legacy.rs, the SAFETY comments of device.rs and
    // gizmo.rs) are not the series' business. The SAFETY comment in `from_raw`'s body that relies
    // on its weak `# Safety` is part of the doc's finding, not a second one.
    assert_eq!(
        findings(&run),
        owned(&[
            (
                "1/2",
                "rust/kernel/bus/widget.rs:19",
                "safety_doc_missing_refcount",
                false
            ),
            (
                "2/2",
                "drivers/misc/widget_led.rs:12",
                "raw_device_ptr_field",
                false
            ),
            (
                "2/2",
                "drivers/misc/widget_led.rs:14",
                "static_device_ref",
                false
            ),
        ])
    );
    let patches = json_patches(&run);
    assert_eq!(
        patches[0]["message_id"],
        "<e060f1be7b2b165a74097f6978324082e5466e22.1795550392.git.ada@example.org>"
    );
    assert_eq!(patches[0]["author"], "Ada Example <ada@example.org>");
}

/// `--exclude` skips a patched file below an excluded folder, as `devref PATH` skips it.
#[test]
fn an_excluded_folder_skips_the_patched_files_below_it() {
    let run = devref(&[
        "--format",
        "json",
        "--tree",
        "tree",
        "--exclude",
        "misc",
        "widget-series.mbox",
    ]);
    assert_eq!(
        findings(&run),
        owned(&[(
            "1/2",
            "rust/kernel/bus/widget.rs:19",
            "safety_doc_missing_refcount",
            false
        )]),
        "{}",
        run.stderr
    );
}

#[test]
fn a_finding_fixed_by_a_later_patch_is_marked() {
    let run = devref(&["--format", "json", "fixed-later.mbox"]);
    assert_eq!(
        findings(&run),
        owned(&[
            (
                "1/3",
                "drivers/misc/blinker.rs:11",
                "raw_device_ptr_field",
                true
            ),
            (
                "1/3",
                "drivers/misc/blinker.rs:13",
                "static_device_ref",
                false
            ),
        ])
    );
    let first = &json_patches(&run)[0]["findings"][0];
    assert_eq!(first["fixed_by"], "3/3");
    // Patches are applied in `n/m` order whatever the order of the input.
    let tags: Vec<String> = json_patches(&run)
        .iter()
        .map(|p| p["patch"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(tags, ["1/3", "2/3", "3/3"]);
}

#[test]
fn separate_format_patch_files_in_any_order_are_one_series() {
    let messages =
        split_mbox(&fs::read_to_string(review_fixtures().join("fixed-later.mbox")).unwrap());
    let temp = tempfile::tempdir().unwrap();
    let mut names = Vec::new();
    for (index, message) in messages.iter().enumerate().rev() {
        let name = format!("{:04}.patch", index + 1);
        fs::write(temp.path().join(&name), message).unwrap();
        names.push(name);
    }
    let mut args = vec!["--format", "json"];
    args.extend(names.iter().map(String::as_str));
    let run = devref_in(temp.path(), &args, None);
    let whole = devref(&["--format", "json", "fixed-later.mbox"]);
    assert_eq!(findings(&run), findings(&whole));
}

/// The messages of an mbox, each with its `From ` line.
fn split_mbox(text: &str) -> Vec<String> {
    let mut messages: Vec<String> = Vec::new();
    for line in text.split_inclusive('\n') {
        if line.starts_with("From ") && line.contains(" Mon Sep 17 00:00:00 2001") {
            messages.push(String::new());
        }
        if let Some(last) = messages.last_mut() {
            last.push_str(line);
        }
    }
    messages
}

#[test]
fn stdin_is_read_like_a_file() {
    let mbox = fs::read(review_fixtures().join("widget-series.mbox")).unwrap();
    let piped = devref_in(
        &review_fixtures(),
        &["--format", "json", "--tree", "tree", "-"],
        Some(&mbox),
    );
    let file = devref(&["--format", "json", "--tree", "tree", "widget-series.mbox"]);
    assert_eq!(findings(&piped), findings(&file));
    let email = devref_in(&review_fixtures(), &["--tree", "tree"], Some(&mbox));
    assert!(
        email
            .stdout
            .contains("devref review --tree <checkout of the base> <patch.mbox>"),
        "{}",
        email.stdout
    );
}

#[test]
fn the_tree_completes_the_model() {
    // `gizmo_device` is a device type because of `rust/kernel/bus/gizmo.rs` in the tree: the new
    // file's raw pointer to it is a finding only with the tree.
    let with = devref(&["--format", "json", "--tree", "tree", "does-not-apply.mbox"]);
    assert!(findings(&with)
        .iter()
        .any(|f| f.1 == "drivers/misc/gizmo_extra.rs:10"));
    let without = devref(&["--format", "json", "does-not-apply.mbox"]);
    assert!(!findings(&without)
        .iter()
        .any(|f| f.1 == "drivers/misc/gizmo_extra.rs:10"));
}

#[test]
fn a_clean_series_gets_a_short_reply_or_none() {
    let run = devref(&["attached-clean.eml"]);
    assert_eq!(run.code, 0);
    assert_contains(&run.stdout, "found no problem");
    assert!(run.stdout.contains("In-Reply-To: <counter-1@example.cn>"));
    let quiet = devref(&["--quiet-clean", "attached-clean.eml"]);
    assert_eq!((quiet.code, quiet.stdout.as_str()), (0, ""));
}

#[test]
fn replies_and_cover_letters_are_not_reviewed() {
    let mut mbox = fs::read_to_string(review_fixtures().join("widget-series.mbox")).unwrap();
    // A reviewer's reply that suggests a change as a diff of its own.
    mbox.push_str(
        "From reviewer Mon Sep 17 00:00:00 2001\nFrom: Rev Iewer <rev@example.org>\nSubject: Re: \
         [PATCH 2/2] misc: add a widget LED driver\nMessage-Id: <reply@example.org>\n\nTry:\n\n\
         diff --git a/drivers/misc/other.rs b/drivers/misc/other.rs\nnew file mode 100644\n\
         --- /dev/null\n+++ b/drivers/misc/other.rs\n@@ -0,0 +1 @@\n+struct R { d: &'static \
         kernel::device::Device }\n",
    );
    let run = review_copy_as_json("thread.mbox", &mbox);
    let plain = devref(&["--format", "json", "--tree", "tree", "widget-series.mbox"]);
    assert_eq!(findings(&run), findings(&plain));
    assert_eq!(json_patches(&run).len(), 2);
}

#[test]
fn renames_and_deletions_are_honoured() {
    let series = "\
From 1 Mon Sep 17 00:00:00 2001
From: A <a@example.org>
Subject: [PATCH 1/2] misc: legacy: rename and extend
Message-Id: <r1@example.org>

---
diff --git a/drivers/misc/legacy.rs b/drivers/misc/legacy_old.rs
similarity index 80%
rename from drivers/misc/legacy.rs
rename to drivers/misc/legacy_old.rs
--- a/drivers/misc/legacy.rs
+++ b/drivers/misc/legacy_old.rs
@@ -6,4 +6,5 @@ use kernel::bindings;
 
 struct Legacy {
     dev: *mut bindings::device,
+    parent: *mut bindings::device,
 }

From 2 Mon Sep 17 00:00:00 2001
From: A <a@example.org>
Subject: [PATCH 2/2] misc: legacy: remove
Message-Id: <r2@example.org>

---
diff --git a/drivers/misc/legacy_old.rs b/drivers/misc/legacy_old.rs
deleted file mode 100644
--- a/drivers/misc/legacy_old.rs
+++ /dev/null
@@ -1,10 +0,0 @@
-// SPDX-License-Identifier: GPL-2.0
-
-//! An old driver no patch touches: its finding is not the series' business.
-
-use kernel::bindings;
-
-struct Legacy {
-    dev: *mut bindings::device,
-    parent: *mut bindings::device,
-}
";
    let run = review_copy_as_json("rename.mbox", series);
    assert_eq!(run.code, 0, "{}", run.stderr);
    // The renamed file keeps its old finding unreported; the added line is patch 1's, and gone
    // once patch 2 deletes the file.
    assert_eq!(
        findings(&run),
        owned(&[(
            "1/2",
            "drivers/misc/legacy_old.rs:9",
            "raw_device_ptr_field",
            true
        )])
    );
    assert_eq!(json_patches(&run)[0]["findings"][0]["fixed_by"], "2/2");
}

#[test]
fn level_flags_and_the_config_apply() {
    let run = devref(&[
        "--format",
        "short",
        "-D",
        "warnings",
        "quoted-printable.mbox",
    ]);
    assert_eq!(run.code, 1);
    assert_contains(&run.stdout, ": error: field `Thermo::dev`");
    let run = devref(&[
        "--format",
        "short",
        "-A",
        "raw_device_ptr_field",
        "quoted-printable.mbox",
    ]);
    assert_eq!((run.code, run.stdout.as_str()), (0, ""));
    let temp = tempfile::tempdir().unwrap();
    fs::write(
        temp.path().join("devref.toml"),
        "[lints]\nraw_device_ptr_field = \"deny\"\n",
    )
    .unwrap();
    let config = temp.path().join("devref.toml");
    let run = devref(&[
        "--format",
        "short",
        "--config",
        config.to_str().unwrap(),
        "quoted-printable.mbox",
    ]);
    assert_eq!(run.code, 1, "{}", run.stderr);
}

// --- Unusable and hostile input -----------------------------------------------------------------

#[test]
fn hostile_paths_are_refused() {
    let run = devref(&["--tree", "tree", "hostile-dotdot.patch"]);
    assert_eq!(run.code, 2);
    assert_eq!(
        run.stderr,
        "error: hostile-dotdot.patch:8 (in message 1, \"[PATCH] misc: add a helper\"): refusing \
         the path `../../../tmp/devref-pwned.rs`: a `..` component\n"
    );
    // Refused without a tree too.
    assert_eq!(devref(&["hostile-dotdot.patch"]).code, 2);
    let run = devref(&["--tree", "tree", "hostile-absolute.patch"]);
    assert_eq!(run.code, 2);
    assert_contains(
        &run.stderr,
        "refusing the path `/etc/cron.d/evil.rs`: an absolute path",
    );
}

/// A copy of the fixture tree in a temporary directory.
fn tree_copy() -> tempfile::TempDir {
    let temp = tempfile::tempdir().unwrap();
    copy_dir(&review_fixtures().join("tree"), &temp.path().join("tree"));
    temp
}

#[test]
fn paths_that_leave_the_tree_through_a_symlink_are_refused() {
    let temp = tree_copy();
    let outside = temp.path().join("outside");
    fs::create_dir(&outside).unwrap();
    std::os::unix::fs::symlink(&outside, temp.path().join("tree/drivers/escape")).unwrap();
    fs::copy(
        review_fixtures().join("hostile-symlink.patch"),
        temp.path().join("hostile-symlink.patch"),
    )
    .unwrap();
    let run = devref_in(
        temp.path(),
        &["--tree", "tree", "hostile-symlink.patch"],
        None,
    );
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert_eq!(
        run.stderr,
        "error: hostile-symlink.patch:1: refusing the path `drivers/escape/evil.rs`: it leads \
         out of the tree through the symbolic link `drivers/escape`\n"
    );
    assert_eq!(fs::read_dir(&outside).unwrap().count(), 0);
    // A link that stays inside the tree is fine.
    fs::remove_file(temp.path().join("tree/drivers/escape")).unwrap();
    std::os::unix::fs::symlink("misc", temp.path().join("tree/drivers/escape")).unwrap();
    let run = devref_in(
        temp.path(),
        &[
            "--format",
            "short",
            "--tree",
            "tree",
            "hostile-symlink.patch",
        ],
        None,
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
}

/// Every file of a directory with its bytes and modification time.
fn snapshot(root: &Path) -> BTreeMap<PathBuf, (Vec<u8>, std::time::SystemTime)> {
    let mut files = BTreeMap::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in fs::read_dir(&dir).unwrap() {
            let entry = entry.unwrap();
            let metadata = entry.metadata().unwrap();
            if metadata.is_dir() {
                stack.push(entry.path());
            } else {
                files.insert(
                    entry.path(),
                    (
                        fs::read(entry.path()).unwrap(),
                        metadata.modified().unwrap(),
                    ),
                );
            }
        }
    }
    files
}

#[test]
fn review_never_writes() {
    let temp = tree_copy();
    let names = [
        "widget-series.mbox",
        "does-not-apply.mbox",
        "0001-misc-gizmo_sensor-remember-the-parent-device.patch",
        "hostile-dotdot.patch",
        "hostile-absolute.patch",
    ];
    for name in names {
        fs::copy(review_fixtures().join(name), temp.path().join(name)).unwrap();
    }
    let before = snapshot(temp.path());
    for name in names {
        for format in FORMATS {
            review_with_tree(temp.path(), format, name);
        }
    }
    assert_eq!(snapshot(temp.path()), before);
}

#[test]
fn a_corrupt_patch_names_the_message_and_the_line() {
    let mbox = fs::read_to_string(review_fixtures().join("fixed-later.mbox")).unwrap();
    // Drop a context line of the first hunk of 3/3 (the second message of the mbox): the hunk
    // then runs into the mail signature.
    let broken = mbox.replacen("     /// Who asked for blinking.\n", "", 1);
    assert_ne!(broken, mbox);
    let run = devref_in(&review_fixtures(), &["-"], Some(broken.as_bytes()));
    assert_eq!(run.code, 2);
    assert_eq!(
        run.stderr,
        "error: <stdin>:84 (in message 2, \"[PATCH 3/3] misc: blinker: hold a counted reference \
         to the device\"): corrupt patch: hunk #1 of `drivers/misc/blinker.rs` (@@ -2,13 +2,13 \
         @@) is cut short: another line follows after 13 of its 13 old and 12 of its 13 new \
         lines\n"
    );
}

#[test]
fn unusable_input_exits_2_with_a_reason() {
    let cases: Vec<(Vec<u8>, &str)> = vec![
        (
            b"Subject: [PATCH 0/1] cover only\nFrom: a@x\n\nNothing here.\n".to_vec(),
            "no patch found in <stdin>",
        ),
        (b"\0\x01binary".to_vec(), "binary data"),
        (
            format!(
                "diff --git a/x.rs b/x.rs\n--- a/x.rs\n+++ b/x.rs\n@@ -1 +1 @@\n-{}\n+y\n",
                "x".repeat(70_000)
            )
            .into_bytes(),
            "<stdin>:5: a line of 70001 bytes; review accepts lines of at most 65536 bytes",
        ),
        (
            "From 1 Mon Sep 17 00:00:00 2001\nSubject: x\n\nbody\n\n"
                .repeat(1001)
                .into_bytes(),
            "more than 1000 messages",
        ),
        (
            {
                let mut diff = String::from("--- a/x.rs\n+++ b/x.rs\n");
                for n in 0..10_001 {
                    diff.push_str(&format!("@@ -{} +{} @@\n-a\n+b\n", n * 2 + 1, n * 2 + 1));
                }
                diff.into_bytes()
            },
            "more than 10000 hunks",
        ),
        (
            concat!(
                "From 1 Mon Sep 17 00:00:00 2001\nSubject: [PATCH 1/2] a\n\n---\n",
                "--- /dev/null\n+++ b/a.rs\n@@ -0,0 +1 @@\n+a\n\n",
                "From 2 Mon Sep 17 00:00:00 2001\nSubject: [PATCH v2 1/2] a\n\n---\n",
                "--- /dev/null\n+++ b/b.rs\n@@ -0,0 +1 @@\n+b\n",
            )
            .as_bytes()
            .to_vec(),
            "a second [PATCH 1/2]",
        ),
    ];
    for (input, wanted) in cases {
        let run = devref_in(&review_fixtures(), &["-"], Some(&input));
        assert_eq!(run.code, 2, "{wanted}: {}", run.stderr);
        assert!(
            run.stderr.contains(wanted),
            "wanted {wanted:?} in {:?}",
            run.stderr
        );
    }
}

#[test]
fn oversized_input_is_refused() {
    let temp = tempfile::tempdir().unwrap();
    let path = temp.path().join("huge.mbox");
    let file = fs::File::create(&path).unwrap();
    file.set_len(64 * 1024 * 1024 + 1).unwrap();
    let run = devref_in(temp.path(), &["huge.mbox"], None);
    assert_eq!(run.code, 2);
    assert_eq!(
        run.stderr,
        "error: `huge.mbox`: the input is larger than 64 MiB; review accepts at most that much\n"
    );
}

#[test]
fn bad_invocations_exit_2() {
    let run = devref(&["--tree", "no-such-dir", "plain.diff"]);
    assert_eq!(run.code, 2);
    assert_contains(&run.stderr, "is not a directory");
    assert_eq!(devref(&["no-such.mbox"]).code, 2);
    assert_eq!(devref(&["-", "-"]).code, 2);
}

// --- Garbled input ------------------------------------------------------------------------------

/// Variants of a fixture: truncations, flipped bytes, dropped and doubled lines, CRLF, and
/// encodings stripped of their headers.
fn variants(bytes: &[u8]) -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    let len = bytes.len();
    let step = (len / 40).max(1);
    for cut in (0..len).step_by(step) {
        out.push(bytes[..cut].to_vec());
    }
    let mut seed: u64 = 0x9e37_79b9_7f4a_7c15 ^ len as u64;
    let mut next = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    for _ in 0..30 {
        let mut garbled = bytes.to_vec();
        for _ in 0..8 {
            if garbled.is_empty() {
                break;
            }
            let at = (next() as usize) % garbled.len();
            garbled[at] = match next() % 6 {
                0 => b'\n',
                1 => b'@',
                2 => b'-',
                3 => b'+',
                4 => 0xff,
                _ => (next() & 0xff) as u8,
            };
        }
        out.push(garbled);
    }
    let lines: Vec<&[u8]> = bytes.split_inclusive(|&b| b == b'\n').collect();
    for _ in 0..20 {
        if lines.is_empty() {
            break;
        }
        let at = (next() as usize) % lines.len();
        let mut dropped = lines.clone();
        dropped.remove(at);
        out.push(dropped.concat());
        let mut doubled = lines.clone();
        doubled.insert(at, lines[at]);
        out.push(doubled.concat());
    }
    let text = String::from_utf8_lossy(bytes);
    out.push(text.replace('\n', "\r\n").into_bytes());
    out.push(text.replace("\r\n", "\n").into_bytes());
    out.push(text.replace("Content-Transfer-Encoding", "X").into_bytes());
    out.push(text.replace("boundary", "b").into_bytes());
    out.push(text.replace("@@ -", "@@ --").into_bytes());
    out.push(text.replace(",", ",99999999999").into_bytes());
    out
}

#[test]
fn garbled_mail_never_panics() {
    let tree = review_fixtures().join("tree");
    let options = Options::default();
    let exclude = GlobSet::empty();
    let fixtures = [
        "widget-series.mbox",
        "fixed-later.mbox",
        "0001-misc-gizmo_sensor-remember-the-parent-device.patch",
        "quoted-printable.mbox",
        "attached-clean.eml",
        "does-not-apply.mbox",
        "plain.diff",
        "hostile-dotdot.patch",
        "hostile-absolute.patch",
    ];
    let mut reviewed = 0;
    let mut refused = 0;
    for fixture in fixtures {
        let bytes = fs::read(review_fixtures().join(fixture)).unwrap();
        for (index, variant) in variants(&bytes).into_iter().enumerate() {
            let settings = Settings {
                tree: (index % 2 == 0).then_some(tree.as_path()),
                options: &options,
                exclude: &exclude,
                threads: 1,
                summaries: None,
            };
            let input = InputFile {
                name: fixture.to_string(),
                bytes: variant,
            };
            match review(vec![input], &settings) {
                Ok(review) => {
                    reviewed += 1;
                    for format in [
                        ReviewFormat::Email,
                        ReviewFormat::Json,
                        ReviewFormat::Patchwork,
                        ReviewFormat::Checkpatch,
                        ReviewFormat::Short,
                    ] {
                        render(&review, format, &Context::default());
                    }
                }
                Err(unusable) => {
                    refused += 1;
                    assert!(!unusable.0.is_empty());
                }
            }
        }
    }
    // Both paths were exercised.
    assert!(
        reviewed > 50 && refused > 50,
        "{reviewed} reviewed, {refused} refused"
    );
}

/// A base tree, `tree/a.rs`, with an `unsafe fn from_raw` whose `# Safety` (lines 3 to 5) does not
/// state the count and a SAFETY comment (line 7) that relies on it.
fn weak_from_raw_tree() -> tempfile::TempDir {
    let temp = tempfile::tempdir().unwrap();
    let tree = temp.path().join("tree");
    std::fs::create_dir_all(&tree).unwrap();
    std::fs::write(temp.path().join("devref.toml"), "").unwrap();
    std::fs::write(
        tree.join("a.rs"),
        "use kernel::bindings;\n\
         use kernel::device::Device;\n\
         /// # Safety\n\
         ///\n\
         /// `ptr` must be valid.\n\
         pub unsafe fn from_raw<'a>(ptr: *mut bindings::device) -> &'a Device {\n    \
         // SAFETY: by the safety requirements, `ptr` is valid.\n    \
         unsafe { &*ptr.cast() }\n\
         }\n",
    )
    .unwrap();
    temp
}

/// A patch that changes only the SAFETY comment that relies on a weak `# Safety` section of the
/// base gets the section's finding: the comment is part of that one problem.
#[test]
fn a_patch_to_a_comment_that_is_part_of_a_finding_gets_the_finding() {
    let temp = weak_from_raw_tree();
    let patch = "diff --git a/a.rs b/a.rs\n\
                 --- a/a.rs\n\
                 +++ b/a.rs\n\
                 @@ -6,3 +6,3 @@\n \
                 pub unsafe fn from_raw<'a>(ptr: *mut bindings::device) -> &'a Device {\n\
                 -    // SAFETY: by the safety requirements, `ptr` is valid.\n\
                 +    // SAFETY: the caller guarantees that `ptr` is valid.\n     \
                 unsafe { &*ptr.cast() }\n";
    let run = write_and_review(temp.path(), "comment.diff", patch);
    // A warning: the exit code stays 0.
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(
        findings(&run),
        owned(&[("1/1", "a.rs:6", "safety_doc_missing_refcount", false)])
    );
    // The reply quotes the comment the patch adds.
    let email = review_with_tree(temp.path(), "email", "comment.diff");
    assert_contains(
        &email.stdout,
        "> +    // SAFETY: the caller guarantees that `ptr` is valid.",
    );
}

/// A patch that only adds a caller of a constructor whose `# Safety` is weak gets the caller's
/// finding (held to the canonical contract, the weak section named), not the section's.
#[test]
fn a_patch_that_adds_a_caller_of_a_weak_constructor_gets_the_callers_finding() {
    let temp = weak_from_raw_tree();
    let patch = "diff --git a/a.rs b/a.rs\n\
                 --- a/a.rs\n\
                 +++ b/a.rs\n\
                 @@ -8,2 +8,6 @@\n     \
                 unsafe { &*ptr.cast() }\n \
                 }\n\
                 +fn caller(ptr: *mut bindings::device) {\n\
                 +    // SAFETY: `ptr` is valid, as `from_raw` requires.\n\
                 +    let _dev = unsafe { from_raw(ptr) };\n\
                 +}\n";
    let run = write_and_review(temp.path(), "caller.diff", patch);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(
        findings(&run),
        owned(&[("1/1", "a.rs:12", "safety_comment_missing_refcount", false)])
    );
    assert_contains(
        &run.stdout,
        "the `# Safety` section of `from_raw` (a.rs:3) does not state it either",
    );
}
