//! `devref bot`: the glue a review bot needs around `devref review`: reads the mail not read
//! before ([`source`]), groups patches into series versions and waits for them to be complete
//! ([`series`]), picks the base in the kernel repository ([`base`]), reviews each series once with
//! [`crate::review::review`] and its renderers, and puts the replies in an outbox ([`outbox`]).
//!
//! No reply is written twice and none is lost, whenever the bot is killed: a series is recorded
//! as answered, together with its rendered outputs as *pending*, in one atomic write of the state
//! before any file is written. Each output is then written whole in the outbox's `tmp/`, recorded
//! as *staged*, renamed into its folder, and dropped from the state. A restart writes a pending
//! output again (nothing of it was visible), renames a staged one still in `tmp/`, and takes a
//! staged one gone from `tmp/` as delivered; it never reviews an answered series again. Folders
//! other than our own `tmp/` are never read back, so the mailer may move or delete what it sent.

mod base;
mod outbox;
mod prerequisite;
mod series;
mod source;
pub mod state;

use std::collections::{BTreeMap, HashSet};
use std::path::{Path, PathBuf};

use crate::cli::{BotArgs, BotFormat, ReviewArgs, ReviewFormat};
use crate::exit::{usage_error, EXIT_CLEAN, EXIT_USAGE};
use crate::review::mail::{InputFile, Unusable};
use crate::review::report::{self, fnv1a, Context, Stamp};
use crate::review::Settings;

use base::Bases;
use series::{PatchMail, Series};
use source::Source;
use state::{Answered, OutFile, Pending, Raw, State, Waiting};

/// The name the series' mbox has in the replies' reproduce line.
const SERIES_MBOX: &str = "series.mbox";

/// Test hook: with `DEVREF_BOT_ABORT_AT=POINT` the process aborts there, as `kill -9` would stop
/// it. Points: `read` (new mail kept in the state), `pending` (a series recorded as answered,
/// nothing written yet), then for the first output file: `reply-in-tmp` (written in `tmp/`),
/// `reply-staged` (recorded as staged), `reply-in-new` (renamed into place) and `answered`
/// (dropped from the state).
pub(crate) fn abort_at(point: &str) {
    if std::env::var_os("DEVREF_BOT_ABORT_AT").is_some_and(|p| p == point) {
        std::process::abort();
    }
}

/// Runs `devref bot` and returns the exit code.
pub fn run(args: &BotArgs) -> i32 {
    let source = match (&args.inbox, &args.maildir) {
        (Some(inbox), None) => Source::Inbox(inbox.clone()),
        (None, Some(maildir)) => Source::Maildir(maildir.clone()),
        _ => return usage_error("give one of `--inbox DIR` and `--maildir DIR`"),
    };
    if args.interval == 0 {
        return usage_error("`--interval` is at least 1 second");
    }
    if source::git_line(&args.repo, &["rev-parse", "--git-dir"])
        .ok()
        .flatten()
        .is_none()
    {
        return usage_error(format!(
            "`--repo {}` is not a git repository",
            args.repo.display()
        ));
    }
    if let Err(message) = Bases::new(&args.repo, args.base.as_deref()).fallback() {
        return usage_error(message);
    }
    if let Some(config) = &args.run.config {
        if let Err(message) =
            crate::config::options(Some(config), &args.run.levels, &args.run.exclude)
        {
            return usage_error(message);
        }
    }
    if let Err(message) = outbox::prepare(&args.outbox) {
        return usage_error(message);
    }
    let state_path = args
        .state
        .clone()
        .unwrap_or_else(|| args.outbox.join(".devref-bot-state.json"));
    loop {
        if let Err(message) = once(args, &source, &state_path) {
            eprintln!("error: {message}");
            if args.once {
                return EXIT_USAGE;
            }
        }
        if args.once {
            return EXIT_CLEAN;
        }
        std::thread::sleep(std::time::Duration::from_secs(args.interval));
    }
}

fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
}

/// One look at the input: what is pending first, then the new mail, then every ready series.
fn once(args: &BotArgs, source: &Source, state_path: &Path) -> Result<(), String> {
    let mut state = State::load(state_path)?;
    deliver_pending(&mut state, &args.outbox, state_path)?;
    let now = now();
    let mut known: HashSet<String> = state
        .answered
        .values()
        .flat_map(|a| a.message_ids.iter().cloned())
        .collect();
    let mut waiting = Vec::new();
    let mut mails = Vec::new();
    for entry in std::mem::take(&mut state.waiting) {
        if let Some(mail) = PatchMail::read(&entry.raw.bytes(), entry.first_seen) {
            known.extend(mail.message.message_id.clone());
            waiting.push(entry);
            mails.push(mail);
        }
    }
    let mut read_patches: Vec<(String, PatchMail)> = Vec::new();
    for source::ReadMail { place, bytes } in source::read_new(source, &mut state)? {
        let Some(mail) = PatchMail::read(&bytes, now) else {
            continue; // not a patch, or a reply to one
        };
        read_patches.push((place, mail.clone()));
        if let Some(id) = &mail.message.message_id {
            if !known.insert(id.clone()) {
                continue; // the same mail again (cross-posted, or delivered twice)
            }
        }
        waiting.push(Waiting {
            raw: Raw::new(bytes),
            first_seen: now,
        });
        mails.push(mail);
    }
    index_patch_ids(&args.repo, &read_patches, &mut state.patch_ids)?;
    state.waiting = waiting.clone();
    state.save(state_path)?;
    abort_at("read");

    let mut bases = Bases::new(&args.repo, args.base.as_deref());
    let mut reviewed: HashSet<usize> = HashSet::new();
    for series in series::group(&mails, &state.answered) {
        if !series.is_ready(&mails, now, args.settle) {
            continue;
        }
        let files = review_series(
            args,
            &mut bases,
            &Prerequisites {
                source,
                places: &state.patch_ids,
            },
            &waiting,
            &mails,
            &series,
            now,
        )?;
        reviewed.extend(series.members.iter().copied());
        state.answered.insert(
            series.key.clone(),
            Answered {
                message_ids: series
                    .members
                    .iter()
                    .filter_map(|&i| mails[i].message.message_id.clone())
                    .collect(),
                version: series.version,
                total: series.total,
                at: now,
            },
        );
        state.waiting = (0..waiting.len())
            .filter(|i| !reviewed.contains(i))
            .map(|i| waiting[i].clone())
            .collect();
        state.pending.push(Pending {
            series: series.key.clone(),
            files,
        });
        state.save(state_path)?;
        abort_at("pending");
        deliver_pending(&mut state, &args.outbox, state_path)?;
    }
    Ok(())
}

/// Puts every pending output in the outbox, one file at a time, recording each step in the
/// state before the next: staged (whole in `tmp/`), then renamed and dropped. A restart thus
/// stages again only what nobody could have seen, and renames only what is still in `tmp/`.
fn deliver_pending(state: &mut State, outbox: &Path, state_path: &Path) -> Result<(), String> {
    while let Some(pending) = state.pending.first_mut() {
        let Some(file) = pending.files.first_mut() else {
            state.pending.remove(0);
            state.save(state_path)?;
            continue;
        };
        if !file.staged {
            outbox::stage(outbox, file)?;
            abort_at("reply-in-tmp");
            file.staged = true;
            state.save(state_path)?;
            abort_at("reply-staged");
        }
        let file = &state.pending[0].files[0];
        outbox::publish(outbox, file)?;
        abort_at("reply-in-new");
        state.pending[0].files.remove(0);
        if state.pending[0].files.is_empty() {
            state.pending.remove(0);
        }
        state.save(state_path)?;
        abort_at("answered");
    }
    Ok(())
}

/// Records where each patch read can be read again, by its stable patch id (the first one read
/// keeps an id).
fn index_patch_ids(
    repo: &Path,
    read: &[(String, PatchMail)],
    places: &mut BTreeMap<String, String>,
) -> Result<(), String> {
    let patches: Vec<(&str, &str)> = read
        .iter()
        .filter(|(_, mail)| mail.number.0 != 0)
        .filter_map(|(place, mail)| {
            Some((place.as_str(), mail.message.patch.as_ref()?.text.as_str()))
        })
        .collect();
    let texts: Vec<&str> = patches.iter().map(|(_, text)| *text).collect();
    for (index, id) in prerequisite::patch_ids(repo, &texts)? {
        places
            .entry(id)
            .or_insert_with(|| patches[index].0.to_string());
    }
    Ok(())
}

/// Where a series' prerequisite patches are looked up: the patches read, by stable patch id.
struct Prerequisites<'a> {
    source: &'a Source,
    places: &'a BTreeMap<String, String>,
}

impl Prerequisites<'_> {
    /// The patch mail of a stable patch id, when the archive has it.
    fn find(&self, id: &str, now: i64) -> Result<Option<PatchMail>, String> {
        let Some(place) = self.places.get(id) else {
            return Ok(None);
        };
        let bytes = source::read_again(self.source, place)?;
        Ok(bytes.and_then(|bytes| PatchMail::read(&bytes, now)))
    }
}

/// Reviews one series and renders its outputs (none when it cannot be reviewed: the reason is
/// printed, and the series is not tried again). An error is one of git or the file system.
#[allow(clippy::too_many_arguments)]
fn review_series(
    args: &BotArgs,
    bases: &mut Bases<'_>,
    prerequisites: &Prerequisites<'_>,
    waiting: &[Waiting],
    mails: &[PatchMail],
    series: &Series,
    now: i64,
) -> Result<Vec<OutFile>, String> {
    let key = &series.key;
    // One mail per number: a patch sent again replaces the earlier one.
    let mut members: Vec<usize> = Vec::new();
    for &index in &series.members {
        members.retain(|&m| mails[m].number.0 != mails[index].number.0);
        members.push(index);
    }
    members.sort_by_key(|&i| (mails[i].number.0, i));
    let raws: Vec<Vec<u8>> = members.iter().map(|&i| waiting[i].raw.bytes()).collect();
    let trailer = members
        .iter()
        .find_map(|&i| mails[i].message.base_commit.clone());
    let chosen = bases.choose(trailer.as_deref())?;
    let base_tree = bases.tree(&chosen.commit)?;
    let mut prerequisite_notes = Vec::new();
    let mut found: Vec<(String, PatchMail)> = Vec::new();
    for id in prerequisite::trailers(&raws) {
        match prerequisites.find(&id, now)? {
            Some(mail) if mail.message.patch.is_some() => found.push((id, mail)),
            _ => prerequisite_notes.push(format!(
                "Its prerequisite-patch-id {id} is not in the archive, so it was not applied."
            )),
        }
    }
    // The base with the prerequisites found applied, in a copy of its own.
    let patched = if found.is_empty() {
        None
    } else {
        let texts: Vec<&str> = found
            .iter()
            .filter_map(|(_, mail)| Some(mail.message.patch.as_ref()?.text.as_str()))
            .collect();
        let (dir, applied) = prerequisite::patched_tree(&base_tree, &texts)?;
        for ((id, mail), applied) in found.iter().zip(applied) {
            let named = format!(
                "\"{}\"{}",
                mail.message.subject,
                mail.message
                    .message_id
                    .as_ref()
                    .map_or(String::new(), |m| format!(" ({m})"))
            );
            prerequisite_notes.push(if applied {
                format!("Its prerequisite-patch-id {id} is {named} in the archive, which was applied to the base first.")
            } else {
                format!("Its prerequisite-patch-id {id} is {named} in the archive, which does not apply to the base, so it was not applied.")
            });
        }
        Some(dir)
    };
    let tree = patched
        .as_ref()
        .map_or(base_tree, |dir| dir.path().to_path_buf());
    let (options, exclude) = match crate::review::run_options(&args.run, Some(&tree)) {
        Ok(found) => found,
        Err(message) => {
            eprintln!("warning: series {key} is not reviewed: {message}");
            return Ok(Vec::new());
        }
    };
    let summaries = crate::summaries::DiskSummaries::unless(args.run.no_cache, &options);
    let settings = Settings {
        tree: Some(&tree),
        options: &options,
        exclude: &exclude,
        threads: crate::cli::threads(args.run.jobs),
        summaries: summaries
            .as_ref()
            .map(|s| s as &dyn devref_lints::SummaryStore),
    };
    let input = InputFile {
        name: SERIES_MBOX.to_string(),
        bytes: mbox(&raws),
    };
    let mut review = match crate::review::review(vec![input], &settings) {
        Ok(review) => review,
        Err(Unusable(message)) => {
            eprintln!("warning: series {key} is not reviewed: {message}");
            return Ok(Vec::new());
        }
    };
    for warning in &review.warnings {
        eprintln!("warning: series {key}: {warning}");
    }
    if trailer.is_some() && chosen.note.is_some() {
        // The footer's `git checkout` names the base reviewed, not the unknown one.
        review.base_commit = Some(chosen.commit.clone());
    }
    let mut notes = Vec::new();
    if series.late {
        notes.push(
            "This patch arrived after the rest of its series was reviewed, so it was reviewed on \
             its own."
                .to_string(),
        );
    }
    let missing = series.missing(mails);
    if !missing.is_empty() {
        let names: Vec<String> = missing
            .iter()
            .map(|n| format!("{n}/{}", series.total))
            .collect();
        notes.push(format!(
            "The series was reviewed without {} {}, which had not arrived {} seconds after its \
             last patch.",
            if names.len() == 1 { "patch" } else { "patches" },
            names.join(", "),
            args.settle
        ));
    }
    notes.extend(chosen.note.clone());
    notes.extend(prerequisite_notes);
    let context = Context {
        command: crate::review::reproduce(&reproduce_args(args, &tree)),
        from: args.from.clone(),
        quiet_clean: args.quiet_clean,
        stamp: Stamp {
            time: now,
            unique: format!("{now}.{:x}", fnv1a(key.as_bytes())),
        },
        notes,
    };
    let series_name = format!("{now}.{:016x}", fnv1a(key.as_bytes()));
    let mut files = Vec::new();
    for format in &args.format {
        match format {
            BotFormat::Email => {
                for reply in report::email_replies(&review, &context) {
                    files.push(OutFile {
                        folder: "new".into(),
                        name: format!("{now}.devref-{:016x}", fnv1a(reply.message_id.as_bytes())),
                        text: reply.text,
                        staged: false,
                    });
                }
            }
            BotFormat::Json | BotFormat::Patchwork => {
                let (folder, review_format) = if *format == BotFormat::Json {
                    ("json", ReviewFormat::Json)
                } else {
                    ("patchwork", ReviewFormat::Patchwork)
                };
                files.push(OutFile {
                    folder: folder.into(),
                    name: format!("{series_name}.jsonl"),
                    text: report::render(&review, review_format, &context),
                    staged: false,
                });
            }
        }
    }
    Ok(files)
}

/// The `devref review` command line a reply shows to reproduce it.
fn reproduce_args(args: &BotArgs, tree: &Path) -> ReviewArgs {
    ReviewArgs {
        files: vec![PathBuf::from(SERIES_MBOX)],
        tree: Some(tree.to_path_buf()),
        format: ReviewFormat::Email,
        quiet_clean: args.quiet_clean,
        from: args.from.clone(),
        outdir: None,
        run: args.run.clone(),
    }
}

/// The messages as one mbox (mboxrd: a `From ` line, after any `>`, gains one `>`).
fn mbox(messages: &[Vec<u8>]) -> Vec<u8> {
    let mut out = Vec::new();
    for message in messages {
        out.extend_from_slice(b"From devref-bot Thu Jan  1 00:00:00 1970\n");
        let body = message.strip_suffix(b"\n").unwrap_or(message);
        for line in body.split(|&b| b == b'\n') {
            let quotes = line.iter().take_while(|&&b| b == b'>').count();
            if line[quotes..].starts_with(b"From ") {
                out.push(b'>');
            }
            out.extend_from_slice(line);
            out.push(b'\n');
        }
        out.push(b'\n');
    }
    out
}
