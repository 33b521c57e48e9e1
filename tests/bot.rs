//! `devref bot` end to end, on a real public-inbox archive: each series version gets the replies
//! `devref review` writes for it (equal up to Date and Message-ID), once, also when the bot is
//! killed at any point and restarted, and also after the mailer took the files from `new/`.
//!
//! Needs `public-inbox` (Debian's package; `.ci/run` installs it): the tests fail, never skip,
//! without it.

mod common;
#[path = "bot/harness.rs"]
mod harness;

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

use harness::{folder, World, LIST};
use mailparse::MailHeaderMap;

/// The mail of the end-to-end scenario, as made with `git format-patch`.
struct Scenario {
    world: World,
    base: String,
    /// Cover letter, 1/2, 2/2, with `base-commit:`.
    v1: Vec<PathBuf>,
    /// One patch without Message-ID and without `base-commit:`.
    lone: PathBuf,
    /// The v2 of the series, sent in reply to v1's cover letter.
    v2: Vec<PathBuf>,
}

fn message_id(path: &PathBuf) -> String {
    let bytes = fs::read(path).unwrap();
    let (headers, _) = mailparse::parse_headers(&bytes).unwrap();
    headers.get_first_value("Message-ID").expect("a Message-ID")
}

fn scenario() -> Scenario {
    let world = World::new();
    let base = world.make_repo();
    let repo = world.repo();
    world.git(&repo, &["checkout", "-q", "-b", "widget"]);
    world.apply("widget-series.mbox", &[2, 3]);
    let range = format!("{base}..HEAD");
    let to = format!("--to={LIST}");
    let v1 = world.format_patch(
        "v1",
        &["--cover-letter", "--thread", "--base", &base, &to, &range],
    );
    // v2: the same changes, each commit message saying more (new commits, new Message-IDs).
    world.git(&repo, &["reset", "-q", "--hard", &base]);
    for position in [2, 3] {
        world.apply("widget-series.mbox", &[position]);
        let message = world.git(&repo, &["log", "-1", "--format=%B"]);
        let message = format!(
            "{}\nv2: the commit message says more.\n",
            message.trim_end()
        );
        world.git(&repo, &["commit", "-q", "--amend", "-m", &message]);
    }
    // `git format-patch` names a cover letter by the second it runs in: v2's must differ.
    std::thread::sleep(std::time::Duration::from_millis(1100));
    let in_reply_to = format!("--in-reply-to={}", message_id(&v1[0]));
    let v2 = world.format_patch(
        "v2",
        &[
            "-v2",
            "--cover-letter",
            "--thread",
            "--base",
            &base,
            &to,
            &in_reply_to,
            &range,
        ],
    );
    world.git(&repo, &["checkout", "-q", "-b", "gizmo", &base]);
    world.apply(
        "0001-misc-gizmo_sensor-remember-the-parent-device.patch",
        &[1],
    );
    let lone = world.format_patch("lone", &["-1", &to]).remove(0);
    assert!(!fs::read_to_string(&lone).unwrap().contains("Message-ID"));
    assert_ne!(message_id(&v1[0]), message_id(&v2[0]));
    Scenario {
        world,
        base,
        v1,
        lone,
        v2,
    }
}

/// Delivers the scenario's mail: v1, the lone patch, a reply to v1's 1/2, then v2.
fn deliver_all(s: &Scenario) {
    s.world.make_inbox();
    for path in &s.v1 {
        s.world.deliver_file(path);
    }
    s.world.deliver(&fs::read(&s.lone).unwrap(), false);
    let reply = format!(
        "From: Rita Reviewer <rita@example.org>\nTo: {LIST}\nSubject: Re: [PATCH 1/2] rust: \
         bus: add the widget device abstraction\nDate: Mon, 2 Mar 2026 10:00:00 +0000\n\
         Message-ID: <rita-1@example.org>\nIn-Reply-To: {one}\nReferences: {cover} {one}\n\n\
         Looks fine to me.\n",
        one = message_id(&s.v1[1]),
        cover = message_id(&s.v1[0]),
    );
    s.world.deliver(reply.as_bytes(), true);
    for path in &s.v2 {
        s.world.deliver_file(path);
    }
    assert_eq!(s.world.archived().len(), 8);
}

/// A reply as compared: its headers in order (less Date and Message-ID) and its body.
#[derive(Debug, PartialEq, Eq)]
struct Reply {
    headers: Vec<(String, String)>,
    body: String,
}

/// Parses a reply; checks its Date and Message-ID and returns it with those left out.
fn parse_reply(bytes: &[u8]) -> (String, Reply) {
    let mail = mailparse::parse_mail(bytes).expect("a reply parses");
    let date = mail.headers.get_first_value("Date").expect("a Date");
    mailparse::dateparse(&date).expect("an RFC 5322 Date");
    let id = mail
        .headers
        .get_first_value("Message-ID")
        .expect("a Message-ID");
    assert!(
        id.starts_with("<devref.") && id.ends_with("@example.org>"),
        "{id}"
    );
    let headers = mail
        .headers
        .iter()
        .filter(|h| !matches!(h.get_key().as_str(), "Date" | "Message-ID"))
        .map(|h| (h.get_key(), h.get_value()))
        .collect();
    (
        id,
        Reply {
            headers,
            body: mail.get_body().unwrap(),
        },
    )
}

/// The replies of an mbox that `devref review` printed, by the Message-ID they answer.
fn review_replies(mbox: &str) -> BTreeMap<String, Reply> {
    mbox.split("From devref Mon Sep 17 00:00:00 2001\n")
        .filter(|piece| !piece.is_empty())
        .map(|piece| {
            let text = piece.strip_suffix('\n').unwrap_or(piece);
            let (_, reply) = parse_reply(text.as_bytes());
            (in_reply_to(&reply), reply)
        })
        .collect()
}

fn in_reply_to(reply: &Reply) -> String {
    reply
        .headers
        .iter()
        .find(|(k, _)| k == "In-Reply-To")
        .map(|(_, v)| v.clone())
        .expect("threaded")
}

/// The bot's replies in an outbox, by the Message-ID they answer (each answered once).
fn bot_replies(s: &Scenario, outbox: &str) -> BTreeMap<String, Reply> {
    let mut replies = BTreeMap::new();
    let mut ids = Vec::new();
    for (name, bytes) in folder(&s.world.path(outbox).join("new")) {
        let (id, reply) = parse_reply(&bytes);
        assert!(!ids.contains(&id), "a second file with {id}");
        ids.push(id);
        let answered = in_reply_to(&reply);
        assert!(
            replies.insert(answered.clone(), reply).is_none(),
            "two replies to {answered} (file {name})"
        );
    }
    replies
}

/// What the bot should write: `devref review`'s replies to each series version of the archive.
fn expected_replies(s: &Scenario) -> BTreeMap<String, Reply> {
    let archived = s.world.archived();
    let subject = |m: &[u8]| {
        let (headers, _) = mailparse::parse_headers(m).unwrap();
        headers.get_first_value("Subject").unwrap_or_default()
    };
    let pick = |prefix: &str| -> Vec<&[u8]> {
        archived
            .iter()
            .map(Vec::as_slice)
            .filter(|m| subject(m).starts_with(prefix))
            .collect()
    };
    let mut v1 = pick("[PATCH 0/2]");
    v1.extend(pick("[PATCH 1/2]"));
    v1.extend(pick("[PATCH 2/2]"));
    assert_eq!(v1.len(), 3);
    let mut expected = review_replies(&s.world.review(&v1, &s.base));
    let v2 = pick("[PATCH v2");
    assert_eq!(v2.len(), 3);
    expected.extend(review_replies(&s.world.review(&v2, &s.base)));
    let lone = pick("[PATCH] ");
    assert_eq!(lone.len(), 1);
    let mut lone_replies = review_replies(&s.world.review(&lone, &s.base));
    // The lone patch names no base: its reply says which was used.
    for reply in lone_replies.values_mut() {
        let note = format!(
            "\nIt names no base-commit (`git format-patch --base` adds one), so it was\n\
             reviewed on {} (`main`).\n",
            s.base
        );
        let at = reply.body.find("\n-- \n").expect("a footer");
        reply.body.insert_str(at, &note);
    }
    assert_eq!(lone_replies.len(), 1);
    expected.extend(lone_replies);
    expected
}

#[test]
fn one_run_answers_each_series_version_as_review_does_and_a_second_run_nothing() {
    let s = scenario();
    deliver_all(&s);
    s.world.bot_succeeds("outbox", &[]);
    let replies = bot_replies(&s, "outbox");
    let expected = expected_replies(&s);
    // v1: a reply to each of its two patches; v2 the same; the lone patch one.
    assert_eq!(expected.len(), 5, "{:#?}", expected.keys());
    assert_eq!(
        replies.keys().collect::<Vec<_>>(),
        expected.keys().collect::<Vec<_>>()
    );
    for (answered, reply) in &replies {
        assert_eq!(reply, &expected[answered], "the reply to {answered}");
    }
    // Threading: each reply's References end with the message it answers.
    for (answered, reply) in &replies {
        let references = reply
            .headers
            .iter()
            .find(|(k, _)| k == "References")
            .map(|(_, v)| v.clone())
            .unwrap();
        assert!(references.ends_with(answered.as_str()), "{references}");
    }
    let before = folder(&s.world.path("outbox/new"));
    s.world.bot_succeeds("outbox", &[]);
    assert_eq!(folder(&s.world.path("outbox/new")), before);
    // The mailer took the replies away: still nothing new, as the state remembers.
    take_new(&s.world.path("outbox/new"));
    s.world.bot_succeeds("outbox", &[]);
    assert!(folder(&s.world.path("outbox/new")).is_empty());
    assert!(folder(&s.world.path("outbox/tmp")).is_empty());
}

#[test]
fn killed_at_any_point_and_restarted_after_the_mailer_took_new_delivers_each_reply_once() {
    let s = scenario();
    deliver_all(&s);
    s.world.bot_succeeds("clean", &[]);
    let expected = bot_replies(&s, "clean");
    assert_eq!(expected.len(), 5);
    for point in [
        "read",
        "pending",
        "reply-in-tmp",
        "reply-staged",
        "reply-in-new",
        "answered",
    ] {
        let outbox = format!("outbox-{point}");
        let new = s.world.path(&outbox).join("new");
        let killed = s.world.bot(&outbox, &[], Some(point));
        assert_eq!(killed.status.code(), None, "{point}: aborted by the hook");
        // The mailer takes what the killed bot left in `new/` before the restart.
        let taken = take_new(&new);
        let restarted = s.world.bot(&outbox, &[], None);
        assert_eq!(restarted.status.code(), Some(0), "{point}: {restarted:?}");
        let delivered = folder(&new);
        let mut answers: BTreeMap<String, Vec<Reply>> = BTreeMap::new();
        for bytes in taken.values().chain(delivered.values()) {
            let (_, reply) = parse_reply(bytes);
            answers.entry(in_reply_to(&reply)).or_default().push(reply);
        }
        assert_eq!(
            answers.keys().collect::<Vec<_>>(),
            expected.keys().collect::<Vec<_>>(),
            "{point}"
        );
        for (answered, replies) in &answers {
            assert_eq!(
                replies.len(),
                1,
                "{point}: {answered} answered {} times ({} taken before the restart)",
                replies.len(),
                taken.len()
            );
            assert_eq!(
                replies[0], expected[answered],
                "{point}: the reply to {answered}"
            );
        }
        assert!(
            folder(&s.world.path(&outbox).join("tmp")).is_empty(),
            "{point}"
        );
        let again = s.world.bot(&outbox, &[], None);
        assert_eq!(again.status.code(), Some(0));
        assert_eq!(folder(&new), delivered, "{point}");
    }
}

/// What a mailer does with a `new/` folder: takes (removes) its files and returns them, by name.
fn take_new(new: &Path) -> BTreeMap<String, Vec<u8>> {
    let taken = folder(new);
    for name in taken.keys() {
        fs::remove_file(new.join(name)).unwrap();
    }
    taken
}

/// A `devref bot` running in the background, killed when the test ends, also on a failure.
struct Running(std::process::Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Whether `ready` holds within `seconds`, looked at every 100 ms.
fn within(seconds: u64, mut ready: impl FnMut() -> bool) -> bool {
    let end = std::time::Instant::now() + std::time::Duration::from_secs(seconds);
    while std::time::Instant::now() < end {
        if ready() {
            return true;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    ready()
}

#[test]
fn without_once_the_bot_polls_answers_mail_that_arrives_later_and_stops_cleanly_on_sigterm() {
    use std::os::unix::process::ExitStatusExt;
    let s = scenario();
    s.world.make_inbox();
    let stderr = fs::File::create(s.world.path("bot.stderr")).unwrap();
    let mut bot = Running(
        s.world
            .bot_command("outbox", &["--interval", "1"])
            .stdout(std::process::Stdio::null())
            .stderr(stderr)
            .spawn()
            .expect("devref bot starts"),
    );
    let stderr = || fs::read_to_string(s.world.path("bot.stderr")).unwrap();
    // Its first look, at an empty archive, ends with the state saved.
    let state = s.world.path("outbox/.devref-bot-state.json");
    assert!(within(30, || state.exists()), "no first look: {}", stderr());
    assert!(folder(&s.world.path("outbox/new")).is_empty());
    for path in &s.v1 {
        s.world.deliver_file(path);
    }
    let new = s.world.path("outbox/new");
    assert!(
        within(30, || folder(&new).len() >= 2),
        "no replies to v1 within 30 s: {}",
        stderr()
    );
    assert_eq!(bot.0.try_wait().unwrap(), None, "still polling");
    let v1: Vec<Vec<u8>> = s.world.archived();
    let v1: Vec<&[u8]> = v1.iter().map(Vec::as_slice).collect();
    let expected = review_replies(&s.world.review(&v1, &s.base));
    assert_eq!(expected.len(), 2);
    assert_eq!(bot_replies(&s, "outbox"), expected);

    let sent = std::process::Command::new("kill")
        .args(["-TERM", &bot.0.id().to_string()])
        .status()
        .unwrap();
    assert!(sent.success());
    let status = bot.0.wait().unwrap();
    assert_eq!(status.signal(), Some(libc::SIGTERM), "{status:?}");
    assert_eq!(stderr(), "");
    assert!(folder(&s.world.path("outbox/tmp")).is_empty());
    let written = folder(&new);
    let again = s.world.bot("outbox", &[], None);
    assert_eq!(again.status.code(), Some(0), "{again:?}");
    assert_eq!(folder(&new), written, "a later run writes nothing more");
    assert!(folder(&s.world.path("outbox/tmp")).is_empty());
}

/// The bodies of the replies in an outbox's `new/`, by the Message-ID they answer.
fn bodies(s: &Scenario, outbox: &str) -> BTreeMap<String, String> {
    bot_replies(s, outbox)
        .into_iter()
        .map(|(answered, reply)| (answered, reply.body))
        .collect()
}

#[test]
fn an_incomplete_series_waits_for_the_settle_time_and_a_late_patch_is_reviewed_alone() {
    let s = scenario();
    s.world.make_inbox();
    s.world.deliver_file(&s.v1[0]);
    s.world.deliver_file(&s.v1[1]);
    s.world.bot_succeeds("outbox", &[]);
    assert!(bodies(&s, "outbox").is_empty(), "2/2 is awaited");
    s.world.bot_succeeds("outbox", &["--settle", "0"]);
    let first = bodies(&s, "outbox");
    assert_eq!(first.len(), 1);
    let one = &first[&message_id(&s.v1[1])];
    assert!(
        one.contains(
            "\nThe series was reviewed without patch 2/2, which had not arrived 0\n\
             seconds after its last patch.\n\n-- \n"
        ),
        "{one}"
    );
    s.world.deliver_file(&s.v1[2]);
    s.world.bot_succeeds("outbox", &["--settle", "0"]);
    let all = bodies(&s, "outbox");
    assert_eq!(all.len(), 2);
    let two = &all[&message_id(&s.v1[2])];
    // Alone, without 1/2's abstraction, 2/2 has nothing to report; the cover letter carried
    // the base, so 2/2 is reviewed on `--base`.
    assert_eq!(
        *two,
        format!(
            "Hi Ada Example,\n\n\
             devref, a static analyzer for device references in kernel Rust, reviewed\n\
             the 17 lines of Rust this patch adds and found no problem. Thank you!\n\n\
             This patch arrived after the rest of its series was reviewed, so it was\n\
             reviewed on its own.\n\n\
             It names no base-commit (`git format-patch --base` adds one), so it was\n\
             reviewed on {} (`main`).\n\n\
             -- \nTo reproduce:\n    devref review --tree <checkout of the base> series.mbox\n",
            s.base
        )
    );
}

#[test]
fn a_maildir_is_read_too_and_nothing_in_it_is_moved() {
    let s = scenario();
    let maildir = s.world.path("maildir");
    for folder in ["new", "cur", "tmp"] {
        fs::create_dir_all(maildir.join(folder)).unwrap();
    }
    for (index, path) in s.v1.iter().enumerate() {
        fs::copy(
            path,
            maildir.join(format!("new/170000000{index}.M1P1.host")),
        )
        .unwrap();
    }
    let before = folder(&maildir.join("new"));
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_devref"))
        .current_dir(s.world.dir.path())
        .args(["bot", "--once", "--maildir"])
        .arg(&maildir)
        .arg("--repo")
        .arg(s.world.repo())
        .arg("--outbox")
        .arg(s.world.path("outbox"))
        .args(["--format", "email,json,patchwork"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0), "{output:?}");
    assert_eq!(folder(&maildir.join("new")), before);
    assert_eq!(folder(&s.world.path("outbox/new")).len(), 2);
    let json = folder(&s.world.path("outbox/json"));
    let patchwork = folder(&s.world.path("outbox/patchwork"));
    assert_eq!((json.len(), patchwork.len()), (1, 1));
    let lines = |files: &BTreeMap<String, Vec<u8>>| {
        String::from_utf8(files.values().next().unwrap().clone())
            .unwrap()
            .lines()
            .count()
    };
    assert_eq!((lines(&json), lines(&patchwork)), (2, 2));
}

#[test]
fn bad_invocations_exit_2_with_a_reason() {
    let s = scenario();
    let run = |args: &[&str]| {
        std::process::Command::new(env!("CARGO_BIN_EXE_devref"))
            .current_dir(s.world.dir.path())
            .arg("bot")
            .args(args)
            .output()
            .unwrap()
    };
    let refused = |args: &[&str], error: String| {
        let output = run(args);
        assert_eq!(output.status.code(), Some(2), "{args:?}");
        assert_eq!(String::from_utf8_lossy(&output.stderr), error);
    };
    let outbox = s.world.path("outbox");
    let outbox = outbox.to_str().unwrap();
    let not_git = s.world.path("home");
    refused(
        &[
            "--maildir",
            "m",
            "--repo",
            not_git.to_str().unwrap(),
            "--outbox",
            outbox,
        ],
        format!(
            "error: `--repo {}` is not a git repository\n",
            not_git.display()
        ),
    );
    let repo = s.world.repo();
    refused(
        &[
            "--maildir",
            "m",
            "--repo",
            repo.to_str().unwrap(),
            "--base",
            "nope",
            "--outbox",
            outbox,
        ],
        format!(
            "error: `nope` is not a commit of `{}` (the base of series without a known \
             `base-commit:`)\n",
            repo.display()
        ),
    );
    refused(
        &[
            "--maildir",
            "m",
            "--repo",
            repo.to_str().unwrap(),
            "--outbox",
            outbox,
            "--interval",
            "0",
        ],
        "error: `--interval` is at least 1 second\n".to_string(),
    );
    let output = run(&["--repo", repo.to_str().unwrap(), "--outbox", "o"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(
        !s.world.path("outbox").exists(),
        "nothing written on a bad invocation"
    );
}

/// A prerequisite P (the widget abstraction, in a file of its own) on the base B, and a patch S
/// on P that changes P's file, sent with `--base=B`: S names P by `prerequisite-patch-id:`.
struct WithPrerequisite {
    world: World,
    base: String,
    prerequisite_commit: String,
    prerequisite: PathBuf,
    patch: PathBuf,
    patch_id: String,
}

fn with_prerequisite() -> WithPrerequisite {
    let world = World::new();
    let base = world.make_repo();
    let repo = world.repo();
    world.apply("widget-series.mbox", &[2]);
    let prerequisite_commit = world.git(&repo, &["rev-parse", "HEAD"]).trim().to_string();
    let widget = repo.join("rust/kernel/bus/widget.rs");
    let mut text = fs::read_to_string(&widget).unwrap();
    text.push_str("\n// Widgets are probed in the order the bus lists them.\n");
    fs::write(&widget, text).unwrap();
    world.git(
        &repo,
        &[
            "commit",
            "-q",
            "-am",
            "rust: bus: say how widgets are probed",
        ],
    );
    mail_with_prerequisite(world, base, prerequisite_commit)
}

/// The one `prerequisite-patch-id:` of `patch`, checked to be what `git patch-id --stable`
/// makes of the `prerequisite` mail.
fn named_prerequisite(world: &World, patch: &PathBuf, prerequisite: &PathBuf) -> String {
    let trailers: Vec<String> = fs::read_to_string(patch)
        .unwrap()
        .lines()
        .filter_map(|l| l.strip_prefix("prerequisite-patch-id: "))
        .map(str::to_string)
        .collect();
    assert_eq!(trailers.len(), 1, "format-patch names P");
    // The trailer is what `git patch-id --stable` makes of P's mail.
    let mut child = std::process::Command::new("git")
        .args(["patch-id", "--stable"])
        .current_dir(world.repo())
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    std::io::Write::write_all(
        &mut child.stdin.take().unwrap(),
        &fs::read(prerequisite).unwrap(),
    )
    .unwrap();
    let output = String::from_utf8(child.wait_with_output().unwrap().stdout).unwrap();
    assert_eq!(output.split(' ').next(), Some(trailers[0].as_str()));
    trailers[0].clone()
}

/// A prerequisite P that does not apply to the series' base: P adds the widget abstraction's
/// file, the base X (on `main`) already added a file of that name, and S (the LED driver, which
/// uses P's abstraction) is made on a merge of P into X and sent with `--base=X`; git names P by
/// `prerequisite-patch-id:` (it leaves the merge out).
fn with_prerequisite_that_does_not_apply() -> WithPrerequisite {
    let world = World::new();
    world.make_repo();
    let repo = world.repo();
    world.git(&repo, &["checkout", "-q", "-b", "abstraction"]);
    world.apply("widget-series.mbox", &[2]);
    let prerequisite_commit = world.git(&repo, &["rev-parse", "HEAD"]).trim().to_string();
    world.git(&repo, &["checkout", "-q", "main"]);
    fs::write(
        repo.join("rust/kernel/bus/widget.rs"),
        "// The widget bus abstraction will live here.\n",
    )
    .unwrap();
    world.git(&repo, &["add", "."]);
    world.git(
        &repo,
        &["commit", "-q", "-m", "rust: bus: reserve widget.rs"],
    );
    let base = world.git(&repo, &["rev-parse", "HEAD"]).trim().to_string();
    world.git(&repo, &["checkout", "-q", "-b", "led"]);
    // The merge conflicts on widget.rs (both added it): P's version is kept.
    let merge = world.git_output(&repo, &["merge", "-q", "abstraction"]);
    assert!(!merge.status.success(), "the merge conflicts");
    world.git(
        &repo,
        &["checkout", "--theirs", "rust/kernel/bus/widget.rs"],
    );
    world.git(&repo, &["add", "."]);
    world.git(
        &repo,
        &["commit", "-q", "-m", "Merge the widget abstraction"],
    );
    world.apply("widget-series.mbox", &[3]);
    mail_with_prerequisite(world, base, prerequisite_commit)
}

/// `devref review`'s reply to S on `tree_commit`, with the bot's note before the footer.
fn expected_with_note(p: &WithPrerequisite, tree_commit: &str, note: &str) -> Reply {
    let archived = p.world.archived();
    let patch = archived.last().unwrap();
    let mut replies = review_replies(&p.world.review(&[patch], tree_commit));
    assert_eq!(replies.len(), 1);
    let mut reply = replies.remove(&message_id(&p.patch)).unwrap();
    let at = reply.body.find("\n-- \n").expect("a footer");
    reply.body.insert_str(at, note);
    reply
}

#[test]
fn a_prerequisite_in_the_archive_is_applied_first_and_the_reply_says_so() {
    let p = with_prerequisite();
    p.world.make_inbox();
    p.world.deliver_file(&p.prerequisite);
    p.world.deliver_file(&p.patch);
    p.world.bot_succeeds("outbox", &[]);
    let mut replies = BTreeMap::new();
    for bytes in folder(&p.world.path("outbox/new")).values() {
        let (_, reply) = parse_reply(bytes);
        replies.insert(in_reply_to(&reply), reply);
    }
    assert_eq!(replies.len(), 2, "P and S each answered");
    let note = format!(
        "\nIts prerequisite-patch-id {} is\n\
         \"[PATCH] rust: bus: add the widget device abstraction\"\n\
         ({})\n\
         in the archive, which was applied to the base first.\n",
        p.patch_id,
        message_id(&p.prerequisite)
    );
    // Reviewed as on a checkout of P: the same reply as `devref review` gives there.
    let expected = expected_with_note(&p, &p.prerequisite_commit, &note);
    assert_eq!(replies[&message_id(&p.patch)], expected);
}

#[test]
fn a_prerequisite_not_in_the_archive_is_named_as_not_applied() {
    let p = with_prerequisite();
    p.world.make_inbox();
    p.world.deliver_file(&p.patch);
    p.world.bot_succeeds("outbox", &[]);
    let new = folder(&p.world.path("outbox/new"));
    assert_eq!(new.len(), 1);
    let (_, reply) = parse_reply(new.values().next().unwrap());
    let note = format!(
        "\nIts prerequisite-patch-id {} is\nnot in the archive, so it was not applied.\n",
        p.patch_id
    );
    assert_eq!(reply, expected_with_note(&p, &p.base, &note));
}

#[test]
fn a_prerequisite_in_the_archive_that_does_not_apply_is_named_and_the_base_reviewed_unpatched() {
    let p = with_prerequisite_that_does_not_apply();
    p.world.make_inbox();
    p.world.deliver_file(&p.prerequisite);
    p.world.deliver_file(&p.patch);
    let run = p.world.bot("outbox", &[], None);
    assert_eq!(run.status.code(), Some(0), "{run:?}");
    let mut replies = BTreeMap::new();
    for bytes in folder(&p.world.path("outbox/new")).values() {
        let (_, reply) = parse_reply(bytes);
        replies.insert(in_reply_to(&reply), reply);
    }
    assert_eq!(replies.len(), 2, "P and S each answered");
    let note = format!(
        "\nIts prerequisite-patch-id {} is\n\
         \"[PATCH] rust: bus: add the widget device abstraction\"\n\
         ({})\n\
         in the archive, which does not apply to the base, so it was not applied.\n",
        p.patch_id,
        message_id(&p.prerequisite)
    );
    let reply = &replies[&message_id(&p.patch)];
    assert_eq!(*reply, expected_with_note(&p, &p.base, &note));
    // On the merge (X with P) the review differs: the base without P was reviewed.
    let on_patched = expected_with_note(&p, "led~1", &note);
    assert_ne!(reply.body, on_patched.body);
}

/// The prerequisite's mail, and the series' last commit formatted with `--base` (which writes its
/// `prerequisite-patch-id:`), the id checked against git's.
fn mail_with_prerequisite(
    world: World,
    base: String,
    prerequisite_commit: String,
) -> WithPrerequisite {
    let to = format!("--to={LIST}");
    let prerequisite = world
        .format_patch(
            "prerequisite",
            &["--thread", &to, "-1", &prerequisite_commit],
        )
        .remove(0);
    let patch = world
        .format_patch("patch", &["--thread", &to, "--base", &base, "-1", "HEAD"])
        .remove(0);
    let patch_id = named_prerequisite(&world, &patch, &prerequisite);
    WithPrerequisite {
        world,
        base,
        prerequisite_commit,
        prerequisite,
        patch,
        patch_id,
    }
}
