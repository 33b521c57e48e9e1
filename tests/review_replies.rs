//! `devref review`'s reply mail as a mailer takes it: `Date` and `Message-ID` on every reply,
//! `--outdir DIR` with one complete message per file (what `git send-email DIR` sends), and the
//! word a reply carries when the patch has no Message-ID to thread under.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/review")
}

fn review(args: &[&str], epoch: Option<&str>) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_devref"));
    command.current_dir(fixtures()).arg("review").args(args);
    command.env_remove("SOURCE_DATE_EPOCH");
    if let Some(epoch) = epoch {
        command.env("SOURCE_DATE_EPOCH", epoch);
    }
    command.output().expect("devref runs")
}

fn stdout(output: &Output) -> String {
    String::from_utf8(output.stdout.clone()).expect("UTF-8")
}

/// The header's value, unfolded, from a message's text.
fn header(message: &[u8], name: &str) -> Option<String> {
    use mailparse::MailHeaderMap;
    let (headers, _) = mailparse::parse_headers(message).expect("headers parse");
    headers.get_first_value(name)
}

#[test]
fn replies_carry_date_and_unique_message_ids() {
    let args = ["--tree", "tree", "widget-series.mbox"];
    let first = review(&args, None);
    let second = review(&args, None);
    let ids = |output: &Output| -> Vec<String> {
        stdout(output)
            .lines()
            .filter_map(|l| l.strip_prefix("Message-ID: "))
            .map(str::to_string)
            .collect()
    };
    let (a, b) = (ids(&first), ids(&second));
    assert_eq!(a.len(), 2, "{}", stdout(&first));
    assert_ne!(a[0], a[1]);
    assert!(a.iter().all(|id| !b.contains(id)), "{a:?} {b:?}");
    for id in &a {
        assert!(
            id.starts_with("<devref.") && id.ends_with("@devref.invalid>"),
            "{id}"
        );
    }
    // `Date:` is now, in RFC 5322's layout (mailparse reads it back).
    let date_line = stdout(&first)
        .lines()
        .find_map(|l| l.strip_prefix("Date: ").map(str::to_string))
        .expect("a Date");
    let date = mailparse::dateparse(&date_line).expect("an RFC 5322 date");
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    assert!((now - date).abs() < 600, "{date_line}");
}

#[test]
fn message_ids_take_the_from_domain() {
    let output = review(
        &["--from", "Bot <bot@ci.example.org>", "widget-series.mbox"],
        Some("0"),
    );
    let text = stdout(&output);
    assert!(
        text.contains("\nDate: Thu, 01 Jan 1970 00:00:00 +0000\n"),
        "{text}"
    );
    let ids: Vec<&str> = text
        .lines()
        .filter_map(|l| l.strip_prefix("Message-ID: "))
        .collect();
    assert_eq!(ids.len(), 2);
    assert!(ids
        .iter()
        .all(|id| id.starts_with("<devref.0.") && id.ends_with("@ci.example.org>")));
}

#[test]
fn outdir_writes_one_message_per_file() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("replies");
    let args = ["--tree", "tree", "widget-series.mbox"];
    let mbox = stdout(&review(&args, Some("1800000000")));
    let mut with_outdir = args.to_vec();
    with_outdir.extend(["--outdir", out.to_str().unwrap()]);
    let output = review(&with_outdir, Some("1800000000"));
    assert_eq!(output.status.code(), Some(1));
    let names = [
        "0001-Re-PATCH-1-2-rust-bus-add-the-widget-device-abstract.eml",
        "0002-Re-PATCH-2-2-misc-add-a-widget-LED-driver.eml",
    ];
    let listed: Vec<String> = names
        .iter()
        .map(|n| format!("{}\n", out.join(n).display()))
        .collect();
    assert_eq!(stdout(&output), listed.concat());
    let mut entries: Vec<String> = fs::read_dir(&out)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    entries.sort();
    assert_eq!(entries, names);
    // Each file is the mbox's message, without the mbox `From ` line: the same mail.
    let pieces: Vec<&str> = mbox
        .split("From devref Mon Sep 17 00:00:00 2001\n")
        .filter(|p| !p.is_empty())
        .collect();
    for (name, piece) in names.iter().zip(&pieces) {
        let file = fs::read_to_string(out.join(name)).unwrap();
        assert_eq!(format!("{file}\n"), *piece);
        assert!(!file.starts_with("From "));
        assert!(header(file.as_bytes(), "Message-ID").is_some());
        assert_eq!(
            header(file.as_bytes(), "Date").as_deref(),
            Some("Fri, 15 Jan 2027 08:00:00 +0000")
        );
    }
}

#[test]
fn outdir_needs_the_email_format() {
    let dir = tempfile::tempdir().unwrap();
    let output = review(
        &[
            "--format",
            "json",
            "--outdir",
            dir.path().to_str().unwrap(),
            "widget-series.mbox",
        ],
        None,
    );
    assert_eq!(output.status.code(), Some(2));
    assert_eq!(
        String::from_utf8_lossy(&output.stderr),
        "error: `--outdir` writes reply mails: it needs `--format email`\n"
    );
    assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 0);
}

#[test]
fn a_patch_without_message_id_gets_a_reply_that_says_so() {
    let patch = fs::read_to_string(
        fixtures().join("0001-misc-gizmo_sensor-remember-the-parent-device.patch"),
    )
    .unwrap();
    let without: String = patch
        .lines()
        .filter(|l| !l.starts_with("Message-Id:"))
        .map(|l| format!("{l}\n"))
        .collect();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("no-id.patch");
    fs::write(&file, without).unwrap();
    let output = review(&["--tree", "tree", file.to_str().unwrap()], Some("0"));
    let text = stdout(&output);
    assert!(
        text.contains(
            "\nThis patch has no Message-ID (as `git format-patch` writes without\n\
             `--thread`), so this reply cannot be threaded under it.\n\n-- \n"
        ),
        "{text}"
    );
    assert!(!text.contains("In-Reply-To:"), "{text}");
    // Its Patchwork check has no `msgid` to be posted under, and says so.
    let output = review(
        &[
            "--tree",
            "tree",
            "--format",
            "patchwork",
            file.to_str().unwrap(),
        ],
        Some("0"),
    );
    let line: serde_json::Value = serde_json::from_str(stdout(&output).trim()).unwrap();
    assert_eq!(line.get("msgid"), None);
    assert_eq!(
        line["note"],
        "the patch has no Message-ID (as `git format-patch` writes without `--thread`), so \
         Patchwork, which finds a patch by its Message-ID, cannot take this check"
    );
    // With its Message-ID the reply is threaded and says nothing of it.
    let output = review(
        &[
            "--tree",
            "tree",
            "0001-misc-gizmo_sensor-remember-the-parent-device.patch",
        ],
        Some("0"),
    );
    let text = stdout(&output);
    assert!(!text.contains("no Message-ID"));
    assert!(text.contains("In-Reply-To: <20260304110000.4242-1-mia@example.com>\n"));
}
