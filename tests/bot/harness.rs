//! The world of the bot tests, made of real components: a kernel-like git repository built with
//! fixed authors and dates, patch mail made from it with `git format-patch`, a public-inbox v2
//! archive (`public-inbox-init -V2`) it is delivered to with `public-inbox-mda`, and runs of
//! `devref bot` and `devref review`.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use crate::common::{copy_dir, review_fixtures};

pub const LIST: &str = "rust-for-linux@example.org";
pub const FROM: &str = "devref bot <bot@example.org>";

/// Fails loudly when public-inbox is missing: `.ci/run` installs it.
pub fn require_public_inbox() {
    let found = Command::new("public-inbox-init")
        .arg("--help")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok();
    assert!(
        found,
        "public-inbox is not installed (`apt-get install public-inbox`; .ci/run installs it): \
         the bot tests need its archive and its mail delivery"
    );
}

pub struct World {
    pub dir: tempfile::TempDir,
}

impl World {
    pub fn new() -> World {
        require_public_inbox();
        let world = World {
            dir: tempfile::tempdir().expect("a temporary folder"),
        };
        fs::create_dir_all(world.home()).unwrap();
        world
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    fn home(&self) -> PathBuf {
        self.path("home")
    }

    pub fn repo(&self) -> PathBuf {
        self.path("kernel")
    }

    pub fn inbox(&self) -> PathBuf {
        self.path("inbox")
    }

    /// git with fixed identities and dates, and no user or system config; asserts it succeeds.
    pub fn git(&self, dir: &Path, args: &[&str]) -> String {
        let output = self.git_output(dir, args);
        assert!(
            output.status.success(),
            "git {args:?}: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        String::from_utf8(output.stdout).unwrap()
    }

    /// git as [`World::git`] runs it, whether it succeeds or not.
    pub fn git_output(&self, dir: &Path, args: &[&str]) -> Output {
        Command::new("git")
            .arg("-C")
            .arg(dir)
            .args(args)
            .env("HOME", self.home())
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env("GIT_AUTHOR_NAME", "Ada Example")
            .env("GIT_AUTHOR_EMAIL", "ada@example.org")
            .env("GIT_AUTHOR_DATE", "2026-03-01T10:00:00Z")
            .env("GIT_COMMITTER_NAME", "Ada Example")
            .env("GIT_COMMITTER_EMAIL", "ada@example.org")
            .env("GIT_COMMITTER_DATE", "2026-03-01T10:00:00Z")
            .output()
            .expect("git runs")
    }

    /// The base tree (`tests/review/tree` and its `devref.toml`) as the repository's first
    /// commit on `main`; returns its id.
    pub fn make_repo(&self) -> String {
        let repo = self.repo();
        copy_dir(&review_fixtures().join("tree"), &repo);
        fs::copy(
            review_fixtures().join("devref.toml"),
            repo.join("devref.toml"),
        )
        .unwrap();
        self.git(&repo, &["init", "-q", "-b", "main"]);
        self.git(&repo, &["add", "."]);
        self.git(&repo, &["commit", "-q", "-m", "base"]);
        self.git(&repo, &["rev-parse", "HEAD"]).trim().to_string()
    }

    /// `git am` of messages of a fixture mbox (1-based positions), on the current branch.
    pub fn apply(&self, fixture: &str, positions: &[usize]) {
        let split = self.path("split");
        let _ = fs::remove_dir_all(&split);
        fs::create_dir_all(&split).unwrap();
        let mbox = review_fixtures().join(fixture);
        self.git(
            &self.repo(),
            &[
                "mailsplit",
                &format!("-o{}", split.display()),
                mbox.to_str().unwrap(),
            ],
        );
        for position in positions {
            let file = split.join(format!("{position:04}"));
            self.git(&self.repo(), &["am", "-q", file.to_str().unwrap()]);
        }
    }

    /// `git format-patch` with `args` into a new folder; the files, in order.
    pub fn format_patch(&self, name: &str, args: &[&str]) -> Vec<PathBuf> {
        let out = self.path(name);
        let mut all = vec!["format-patch", "-q", "-o", out.to_str().unwrap()];
        all.extend_from_slice(args);
        self.git(&self.repo(), &all);
        let mut files: Vec<PathBuf> = fs::read_dir(&out)
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        files.sort();
        files
    }

    /// A v2 public-inbox for [`LIST`], with a config of its own (spam check off).
    pub fn make_inbox(&self) {
        let config = self.path("pi_config");
        let inbox = self.inbox();
        let status = self
            .public_inbox("public-inbox-init")
            .args(["-V2", "list", inbox.to_str().unwrap()])
            .args(["http://example.invalid/list", LIST])
            .status()
            .expect("public-inbox-init runs");
        assert!(status.success());
        let status = Command::new("git")
            .args(["config", "-f", config.to_str().unwrap()])
            .args(["publicinboxmda.spamcheck", "none"])
            .status()
            .unwrap();
        assert!(status.success());
    }

    fn public_inbox(&self, program: &str) -> Command {
        let mut command = Command::new(program);
        command
            .env("HOME", self.home())
            .env("PI_CONFIG", self.path("pi_config"))
            .env("ORIGINAL_RECIPIENT", LIST)
            .stdout(Stdio::null());
        command
    }

    /// Delivers a message with `public-inbox-mda` and asserts it is in the archive (mda exits 0
    /// for mail it refuses). `precheck` off lets in mail without a Message-ID.
    pub fn deliver(&self, message: &[u8], precheck: bool) {
        let before = self.archived().len();
        let mut command = self.public_inbox("public-inbox-mda");
        if !precheck {
            command.arg("--no-precheck");
        }
        let mut child = command.stdin(Stdio::piped()).spawn().expect("mda runs");
        std::io::Write::write_all(&mut child.stdin.take().unwrap(), message).unwrap();
        assert!(child.wait().unwrap().success());
        assert_eq!(
            self.archived().len(),
            before + 1,
            "the archive took the mail"
        );
    }

    pub fn deliver_file(&self, path: &Path) {
        self.deliver(&fs::read(path).unwrap(), true);
    }

    /// The archive's messages, oldest first, read with git from epoch 0.
    pub fn archived(&self) -> Vec<Vec<u8>> {
        let epoch = self.inbox().join("git/0.git");
        let log = Command::new("git")
            .arg("-C")
            .arg(&epoch)
            .args(["rev-list", "--reverse", "HEAD"])
            .output()
            .unwrap();
        if !log.status.success() {
            return Vec::new(); // no commit yet
        }
        String::from_utf8(log.stdout)
            .unwrap()
            .lines()
            .map(|commit| {
                Command::new("git")
                    .arg("-C")
                    .arg(&epoch)
                    .args(["cat-file", "blob", &format!("{commit}:m")])
                    .output()
                    .unwrap()
                    .stdout
            })
            .collect()
    }

    /// `devref bot` on the archive, polling unless `extra` has `--once`.
    pub fn bot_command(&self, outbox: &str, extra: &[&str]) -> Command {
        let mut command = Command::new(env!("CARGO_BIN_EXE_devref"));
        command
            .current_dir(self.dir.path())
            .env_remove("SOURCE_DATE_EPOCH")
            .env_remove("DEVREF_BOT_ABORT_AT")
            .env("HOME", self.home())
            .args(["bot", "--from", FROM, "--base", "main"])
            .arg("--inbox")
            .arg(self.inbox())
            .arg("--repo")
            .arg(self.repo())
            .arg("--outbox")
            .arg(self.path(outbox))
            .args(extra);
        command
    }

    /// `devref bot --once` on the archive; `abort_at` sets the test hook.
    pub fn bot(&self, outbox: &str, extra: &[&str], abort_at: Option<&str>) -> Output {
        let mut command = self.bot_command(outbox, extra);
        command.arg("--once");
        match abort_at {
            Some(point) => command.env("DEVREF_BOT_ABORT_AT", point),
            None => command.env_remove("DEVREF_BOT_ABORT_AT"),
        };
        command.output().expect("devref bot runs")
    }

    /// `devref bot --once` writing to `outbox`, which must succeed.
    #[track_caller]
    pub fn bot_succeeds(&self, outbox: &str, extra: &[&str]) {
        let run = self.bot(outbox, extra, None);
        assert_eq!(run.status.code(), Some(0), "{run:?}");
    }

    /// `devref review --format email` of the messages as `series.mbox`, against a copy of
    /// `base` (the bot's base, made here with `git archive`).
    pub fn review(&self, messages: &[&[u8]], base: &str) -> String {
        let checkout = self.path(&format!("checkout-{base}"));
        if !checkout.exists() {
            fs::create_dir_all(&checkout).unwrap();
            let archive = self.path("base.tar");
            self.git(
                &self.repo(),
                &["archive", "-o", archive.to_str().unwrap(), base],
            );
            let status = Command::new("tar")
                .arg("-xf")
                .arg(&archive)
                .arg("-C")
                .arg(&checkout)
                .status()
                .unwrap();
            assert!(status.success());
        }
        let mut mbox = Vec::new();
        for message in messages {
            mbox.extend_from_slice(b"From x Mon Sep 17 00:00:00 2001\n");
            mbox.extend_from_slice(message);
            mbox.extend_from_slice(b"\n");
        }
        fs::write(self.path("series.mbox"), mbox).unwrap();
        let output = Command::new(env!("CARGO_BIN_EXE_devref"))
            .current_dir(self.dir.path())
            .env_remove("SOURCE_DATE_EPOCH")
            .args(["review", "--from", FROM, "--tree"])
            .arg(&checkout)
            .arg("series.mbox")
            .output()
            .unwrap();
        assert!(output.status.code().is_some_and(|c| c <= 1), "{output:?}");
        String::from_utf8(output.stdout).unwrap()
    }
}

/// The files of an outbox folder, by name.
pub fn folder(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    match fs::read_dir(dir) {
        Ok(entries) => entries
            .map(|e| e.unwrap())
            .map(|e| {
                (
                    e.file_name().to_string_lossy().into_owned(),
                    fs::read(e.path()).unwrap(),
                )
            })
            .collect(),
        Err(_) => BTreeMap::new(),
    }
}
