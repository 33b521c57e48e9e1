//! `devref review`: reviews patches as they arrive by mail, the way a review bot would.
//!
//! The pipeline, top-down:
//!
//! 1. [`mail`] splits the input (an mbox, `git format-patch` files, one mail, or a plain diff)
//!    into messages and decodes them; the patches of a series are put in `[PATCH n/m]` order and
//!    the cover letter and replies are set aside.
//! 2. [`patch`] parses each diff and checks every path it names: `..`, absolute paths and paths
//!    that leave `--tree` through a symbolic link are refused.
//! 3. The series is applied in memory, patch by patch, to the files of `--tree` (read, never
//!    written) or, without it, to the files the series creates. Every line remembers the patch
//!    that added it. A hunk that does not apply is reported, and the rest is still reviewed.
//! 4. After each patch that changes Rust files, the whole model is analysed: the post-image files
//!    and the rest of the tree. A diagnostic whose primary span starts on a line that patch added
//!    is that patch's finding. A finding that a later state no longer has is "fixed later in this
//!    series"; one that only appears with later patches applied still belongs to the patch that
//!    added its line.
//! 5. [`report`] renders the findings (the data of [`findings`]): a reply mail, JSON, Patchwork
//!    checks, checkpatch's layout, or short lines.

pub mod findings;
pub mod mail;
pub mod outdir;
pub mod patch;
pub mod report;

use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::io::Read;
use std::path::{Path, PathBuf};

use devref_lints::analysis::InputError;
use devref_lints::options::Options;
use devref_lints::{
    analyze_focused, Diagnostic, Focus, Input, Level, Origin, SourceFile, SummaryStore, Teardown,
};
use globset::GlobSet;

use crate::cli::ReviewRunArgs;
pub use crate::cli::{ReviewArgs, ReviewFormat};
use crate::discover::{discover, is_excluded, Found};
use crate::exit::{for_findings, usage_error};
use crate::input::read_source;
use crate::render::clamp;
pub use findings::{Failure, Finding, HelpView, PatchReview, Review, SuggestionView};

use findings::Key;
use mail::{InputFile, Message, Unusable};
use patch::{FilePatch, Ids, Image};

/// The most input read, over all files, in bytes.
pub const MAX_INPUT: usize = 64 * 1024 * 1024;
/// The most patches one review applies and analyses.
pub const MAX_PATCHES: usize = 250;

/// What a review reads besides the input.
pub struct Settings<'a> {
    pub tree: Option<&'a Path>,
    pub options: &'a Options,
    pub exclude: &'a GlobSet,
    pub threads: usize,
    /// Where the item trees of the tree's files are kept between runs (see `crate::summaries`).
    pub summaries: Option<&'a dyn SummaryStore>,
}

/// The options and exclusions of a review: the config is `--config`, or found from the tree (or
/// the current directory) upwards.
pub(crate) fn run_options(
    run: &ReviewRunArgs,
    tree: Option<&Path>,
) -> Result<(Options, GlobSet), String> {
    let config = run
        .config
        .clone()
        .or_else(|| tree.and_then(crate::config::find));
    crate::config::options(config.as_deref(), &run.levels, &run.exclude)
}

/// Runs `devref review` and returns the exit code.
pub fn run(args: &ReviewArgs) -> i32 {
    let (options, exclude) = match run_options(&args.run, args.tree.as_deref()) {
        Ok(found) => found,
        Err(message) => return usage_error(message),
    };
    if args.outdir.is_some() && args.format != ReviewFormat::Email {
        return usage_error("`--outdir` writes reply mails: it needs `--format email`");
    }
    if let Some(tree) = &args.tree {
        if !tree.is_dir() {
            return usage_error(format!(
                "`--tree {}` is not a directory (it must be a checkout of the series' base)",
                tree.display()
            ));
        }
    }
    let inputs = match read_inputs(&args.files) {
        Ok(inputs) => inputs,
        Err(message) => return usage_error(message),
    };
    let threads = crate::cli::threads(args.run.jobs);
    let summaries = crate::summaries::DiskSummaries::unless(args.run.no_cache, &options);
    let settings = Settings {
        tree: args.tree.as_deref(),
        options: &options,
        exclude: &exclude,
        threads,
        summaries: summaries.as_ref().map(|s| s as &dyn SummaryStore),
    };
    let review = match review(inputs, &settings) {
        Ok(review) => review,
        Err(Unusable(message)) => return usage_error(message),
    };
    for warning in &review.warnings {
        eprintln!("warning: {warning}");
    }
    let context = report::Context {
        command: reproduce(args),
        from: args.from.clone(),
        quiet_clean: args.quiet_clean,
        stamp: report::Stamp::now(),
        notes: Vec::new(),
    };
    if let Some(dir) = &args.outdir {
        let replies = report::email_replies(&review, &context);
        return match outdir::write_replies(dir, &replies) {
            Ok(paths) => {
                let listing: String = paths.iter().map(|p| format!("{}\n", p.display())).collect();
                if let Err(error) = crate::formats::to_stdout(&listing) {
                    if error.kind() != std::io::ErrorKind::BrokenPipe {
                        eprintln!("error: cannot write output: {error}");
                    }
                }
                for_findings(review.has_errors())
            }
            Err(message) => usage_error(message),
        };
    }
    let text = report::render(&review, args.format, &context);
    if let Err(error) = crate::formats::to_stdout(&text) {
        if error.kind() != std::io::ErrorKind::BrokenPipe {
            eprintln!("error: cannot write output: {error}");
        }
    }
    for_findings(review.has_errors())
}

/// The command that reproduces the review, for the reply: the file names without their folders
/// (the bot's paths mean nothing to the author) and the tree as a placeholder.
pub(crate) fn reproduce(args: &ReviewArgs) -> String {
    let mut words = vec!["devref".to_string(), "review".to_string()];
    for (name, level) in args.run.levels.ordered() {
        let flag = match level {
            Level::Allow => "-A",
            Level::Warn => "-W",
            Level::Deny => "-D",
            Level::Forbid => "-F",
        };
        words.push(format!("{flag} {}", shell_word(&name)));
    }
    if let Some(cap) = args.run.levels.cap_lints {
        words.push(format!("--cap-lints {}", cap.level().as_str()));
    }
    if args.tree.is_some() {
        words.push("--tree <checkout of the base>".to_string());
    }
    for file in &args.files {
        if file.as_os_str() == "-" {
            words.push("<patch.mbox>".to_string());
        } else {
            let name = file
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_else(|| file.to_string_lossy().into_owned());
            words.push(shell_word(&name));
        }
    }
    words.join(" ")
}

fn shell_word(word: &str) -> String {
    if !word.is_empty()
        && word
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_./:=+,@%".contains(c))
    {
        word.to_string()
    } else {
        format!("'{}'", word.replace('\'', "'\\''"))
    }
}

/// Reads the inputs, at most [`MAX_INPUT`] bytes in all.
fn read_inputs(files: &[PathBuf]) -> Result<Vec<InputFile>, String> {
    if files.iter().filter(|p| p.as_os_str() == "-").count() > 1 {
        return Err("`-` (stdin) can be given only once".into());
    }
    let mut inputs = Vec::new();
    let mut total = 0usize;
    for path in files {
        let remaining = MAX_INPUT - total;
        let (name, bytes) = if path.as_os_str() == "-" {
            let mut bytes = Vec::new();
            std::io::stdin()
                .take(remaining as u64 + 1)
                .read_to_end(&mut bytes)
                .map_err(|error| format!("cannot read stdin: {error}"))?;
            ("<stdin>".to_string(), bytes)
        } else {
            let name = path.to_string_lossy().into_owned();
            if path.is_dir() {
                return Err(format!(
                    "`{name}` is a directory; give the mbox or patch files"
                ));
            }
            let file = std::fs::File::open(path)
                .map_err(|error| format!("cannot read `{name}`: {error}"))?;
            let mut bytes = Vec::new();
            file.take(remaining as u64 + 1)
                .read_to_end(&mut bytes)
                .map_err(|error| format!("cannot read `{name}`: {error}"))?;
            (name, bytes)
        };
        if bytes.len() > remaining {
            return Err(format!(
                "`{name}`: the input is larger than {} MiB; review accepts at most that much",
                MAX_INPUT >> 20
            ));
        }
        total += bytes.len();
        inputs.push(InputFile { name, bytes });
    }
    Ok(inputs)
}

/// A message with its parsed diff.
struct Patch {
    message: Message,
    files: Vec<FilePatch>,
}

/// Reviews the inputs: the library entry point of `devref review` (it prints nothing and writes
/// nothing).
pub fn review(inputs: Vec<InputFile>, settings: &Settings<'_>) -> Result<Review, Unusable> {
    let mut messages = Vec::new();
    for input in &inputs {
        let read = mail::read_messages(input, messages.len())?;
        messages.extend(read);
    }
    let names: Vec<&str> = inputs.iter().map(|i| i.name.as_str()).collect();
    let (mut patches, cover) = select_patches(messages)?;
    if patches.is_empty() {
        return Err(Unusable(format!(
            "no patch found in {}: no message has a diff (`diff --git` or `---`/`+++` with hunks)",
            names.join(", ")
        )));
    }
    if patches.len() > MAX_PATCHES {
        return Err(Unusable(format!(
            "{} patches; review accepts at most {MAX_PATCHES} at a time",
            patches.len()
        )));
    }
    let mut warnings = order(&mut patches)?;
    let tree = match settings.tree {
        Some(tree) => Some(tree.canonicalize().map_err(|error| {
            Unusable(format!(
                "cannot read the tree `{}`: {error}",
                tree.display()
            ))
        })?),
        None => None,
    };
    for patch in &patches {
        check_paths(patch, tree.as_deref())?;
    }
    let base_commit = patches
        .iter()
        .map(|p| &p.message)
        .chain(cover.iter())
        .find_map(|m| m.base_commit.clone());
    let tree_files = match &tree {
        Some(tree) => load_tree(tree, settings.exclude),
        None => BTreeMap::new(),
    };
    let mut series = Series {
        tree: tree.as_deref(),
        tree_files: &tree_files,
        files: BTreeMap::new(),
        ids: Ids::default(),
    };
    let count = patches.len();
    let last_rust = patches.iter().rposition(|p| touches_rust(&p.files));
    let mut reviews: Vec<PatchReview> = Vec::with_capacity(count);
    let mut states: Vec<(usize, HashSet<Key>)> = Vec::new();
    let mut later: Vec<Vec<Finding>> = vec![Vec::new(); count];
    for (index, patch) in patches.into_iter().enumerate() {
        let (failures, touched) = series.apply(index, &patch);
        for failure in &failures {
            warnings.push(format!(
                "{}: [PATCH {}] {}",
                failure.at,
                tag(&patch.message, index, count),
                failure.describe()
            ));
        }
        let added = patch
            .files
            .iter()
            .filter(|f| f.new_path.as_deref().is_some_and(is_rust))
            .flat_map(|f| &f.hunks)
            .flat_map(|h| &h.lines)
            .filter(|l| l.op == patch::Op::Add)
            .count();
        let lines = patch
            .message
            .patch
            .as_ref()
            .map_or(0, |p| p.text.lines().count());
        let mut findings = Vec::new();
        if !touched.is_empty() {
            let is_final = Some(index) == last_rust;
            let previous = states.last().map(|(_, keys)| keys);
            let (keys, mine, earlier) = series.analyze(
                index,
                &touched,
                previous,
                is_final,
                settings.options,
                settings.exclude,
                settings.threads,
                settings.summaries,
            );
            findings = mine;
            for (owner, finding) in earlier {
                if let Some(list) = later.get_mut(owner) {
                    list.push(finding);
                }
            }
            states.push((index, keys));
        }
        reviews.push(PatchReview {
            message: patch.message,
            index,
            of: count,
            findings,
            failures,
            lines,
            added,
        });
    }
    // Findings that only appear with later patches applied, on lines an earlier patch added.
    for (owner, found) in later.into_iter().enumerate() {
        let own_keys = states
            .iter()
            .find(|(index, _)| *index == owner)
            .map(|(_, k)| k);
        for mut finding in found {
            if own_keys.is_some_and(|keys| keys.contains(&finding.key)) {
                continue;
            }
            finding.later = true;
            reviews[owner].findings.push(finding);
        }
    }
    // Fixed later: gone from the last state.
    if let Some((_, last_keys)) = states.last() {
        for review in &mut reviews {
            for finding in &mut review.findings {
                if finding.later || last_keys.contains(&finding.key) {
                    continue;
                }
                finding.fixed_later = true;
                finding.fixed_by = states
                    .iter()
                    .find(|(index, keys)| *index > review.index && !keys.contains(&finding.key))
                    .map(|(index, _)| *index);
            }
        }
    }
    for review in &mut reviews {
        review.findings.sort_by(|a, b| {
            (&a.file, a.line, a.column, &a.code, &a.message)
                .cmp(&(&b.file, b.line, b.column, &b.code, &b.message))
        });
    }
    Ok(Review {
        patches: reviews,
        cover,
        base_commit,
        with_tree: tree.is_some(),
        warnings,
    })
}

fn tag(message: &Message, index: usize, count: usize) -> String {
    match message.number {
        Some((n, m)) => format!("{n}/{m}"),
        None => format!("{}/{count}", index + 1),
    }
}

fn is_rust(path: &str) -> bool {
    path.ends_with(".rs")
}

fn touches_rust(files: &[FilePatch]) -> bool {
    files.iter().any(|f| {
        f.old_path.as_deref().is_some_and(is_rust) || f.new_path.as_deref().is_some_and(is_rust)
    })
}

/// The messages with a diff (not replies), and the cover letter.
fn select_patches(messages: Vec<Message>) -> Result<(Vec<Patch>, Option<Message>), Unusable> {
    let mut patches = Vec::new();
    let mut cover = None;
    for message in messages {
        if message.is_reply {
            continue;
        }
        let files = match &message.patch {
            Some(text) => patch::parse(&text.text).map_err(|error| {
                Unusable(format!(
                    "{}{}: {}",
                    text.locate(&message, error.line),
                    in_message(&message),
                    error.message
                ))
            })?,
            None => Vec::new(),
        };
        if files.is_empty() {
            if matches!(message.number, Some((0, _))) && cover.is_none() {
                cover = Some(message);
            }
            continue;
        }
        patches.push(Patch { message, files });
    }
    Ok((patches, cover))
}

/// ` (in message 2, "[PATCH 2/3] …")` for mail; nothing for a plain diff.
fn in_message(message: &Message) -> String {
    if message.is_mail {
        format!(
            " (in message {}, \"{}\")",
            message.position,
            crate::unified_diff::clip(&message.subject, 80)
        )
    } else {
        String::new()
    }
}

/// Puts the patches in `[PATCH n/m]` order when they are all numbered; refuses two patches with
/// the same number or numbers of different series. Returns warnings about missing patches.
fn order(patches: &mut [Patch]) -> Result<Vec<String>, Unusable> {
    let mut warnings = Vec::new();
    if !patches.iter().all(|p| p.message.number.is_some()) {
        if patches.len() > 1 && patches.iter().any(|p| p.message.number.is_some()) {
            warnings.push(
                "some patches are not numbered `[PATCH n/m]`: the patches are applied in input \
                 order"
                    .to_string(),
            );
        }
        return Ok(warnings);
    }
    let number = |p: &Patch| p.message.number.unwrap_or((0, 0));
    let total = number(&patches[0]).1;
    if let Some(other) = patches.iter().find(|p| number(p).1 != total) {
        return Err(Unusable(format!(
            "{}: [PATCH {}/{}] belongs to another series than [PATCH {}/{}] ({}); review one \
             series at a time",
            other.message.place(),
            number(other).0,
            number(other).1,
            number(&patches[0]).0,
            total,
            patches[0].message.place()
        )));
    }
    patches.sort_by_key(|p| number(p).0);
    for pair in patches.windows(2) {
        if number(&pair[0]).0 == number(&pair[1]).0 {
            return Err(Unusable(format!(
                "{}: a second [PATCH {}/{total}] (the first is {}); review one version of a \
                 series at a time",
                pair[1].message.place(),
                number(&pair[1]).0,
                pair[0].message.place()
            )));
        }
    }
    let present: BTreeSet<u32> = patches.iter().map(|p| number(p).0).collect();
    let missing: Vec<String> = (1..=total)
        .filter(|n| !present.contains(n))
        .take(20)
        .map(|n| format!("{n}/{total}"))
        .collect();
    if !missing.is_empty() {
        warnings.push(format!(
            "the series has {total} patches but the input lacks {}: later patches may not apply",
            missing.join(", ")
        ));
    }
    Ok(warnings)
}

/// Refuses a patch whose paths are not plain relative paths, or leave the tree through a
/// symbolic link.
fn check_paths(patch: &Patch, tree: Option<&Path>) -> Result<(), Unusable> {
    let message = &patch.message;
    let Some(text) = &message.patch else {
        return Ok(());
    };
    for file in &patch.files {
        for path in [&file.old_path, &file.new_path].into_iter().flatten() {
            let refuse = |why: String| {
                Unusable(format!(
                    "{}{}: refusing the path `{}`: {why}",
                    text.locate(message, file.line),
                    in_message(message),
                    path.escape_debug()
                ))
            };
            patch::check_path(path).map_err(refuse)?;
            if let Some(tree) = tree {
                check_in_tree(tree, path).map_err(refuse)?;
            }
        }
    }
    Ok(())
}

/// Whether `path` stays inside `tree` (canonical) once symbolic links are resolved: the longest
/// part of it that exists must resolve to a place under the tree.
fn check_in_tree(tree: &Path, path: &str) -> Result<(), String> {
    let full = tree.join(path);
    let mut probe: &Path = &full;
    loop {
        if probe == tree {
            return Ok(());
        }
        if let Ok(metadata) = probe.symlink_metadata() {
            return match probe.canonicalize() {
                Ok(canonical) if canonical.starts_with(tree) => Ok(()),
                Ok(_) => Err(format!(
                    "it leads out of the tree through the symbolic link `{}`",
                    first_symlink(tree, probe).unwrap_or_else(|| probe.display().to_string())
                )),
                Err(_) if metadata.file_type().is_symlink() => Err(format!(
                    "`{}` is a symbolic link that leads nowhere",
                    probe.strip_prefix(tree).unwrap_or(probe).display()
                )),
                Err(error) => Err(format!("cannot resolve it in the tree: {error}")),
            };
        }
        match probe.parent() {
            Some(parent) => probe = parent,
            None => return Ok(()),
        }
    }
}

/// The first component of `path` (under `tree`) that is a symbolic link, relative to the tree.
fn first_symlink(tree: &Path, path: &Path) -> Option<String> {
    let relative = path.strip_prefix(tree).ok()?;
    let mut current = tree.to_path_buf();
    for component in relative.components() {
        current.push(component);
        if current
            .symlink_metadata()
            .is_ok_and(|m| m.file_type().is_symlink())
        {
            return Some(
                current
                    .strip_prefix(tree)
                    .unwrap_or(&current)
                    .display()
                    .to_string(),
            );
        }
    }
    None
}

/// The tree's `.rs` files by name relative to the tree, as the driver finds them (hidden folders
/// and `target/` skipped), less the excluded ones.
fn load_tree(tree: &Path, exclude: &GlobSet) -> BTreeMap<String, Result<String, InputError>> {
    let mut files = BTreeMap::new();
    for found in discover(&[tree.to_path_buf()], &GlobSet::empty()) {
        let (path, content) = match found {
            Found::File(path) => {
                let content = read_source(&path);
                (path, content)
            }
            Found::Error { path, message } => (path, Err(InputError::new(message))),
            Found::Stdin => continue,
        };
        let Some(name) = relative_name(tree, &path) else {
            continue;
        };
        if is_excluded(Path::new(&name), exclude) {
            continue;
        }
        files.insert(name, content);
    }
    files
}

fn relative_name(tree: &Path, path: &Path) -> Option<String> {
    let relative = path.strip_prefix(tree).ok()?;
    let parts: Vec<String> = relative
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    (!parts.is_empty()).then(|| parts.join("/"))
}

/// A file of the series' current state.
#[derive(Clone, Debug)]
enum Entry {
    File(Image),
    Deleted,
}

/// The series being applied: the files it changed so far, over the tree.
struct Series<'a> {
    tree: Option<&'a Path>,
    tree_files: &'a BTreeMap<String, Result<String, InputError>>,
    files: BTreeMap<String, Entry>,
    ids: Ids,
}

impl Series<'_> {
    /// The base text of a file the series has not touched yet: from the tree's files, or read
    /// from the tree (a `.rs` file the search skipped).
    fn base(&self, path: &str) -> Option<Result<String, String>> {
        if let Some(content) = self.tree_files.get(path) {
            return Some(content.clone().map_err(|e| e.message));
        }
        let tree = self.tree?;
        let full = tree.join(path);
        let metadata = full.metadata().ok()?;
        if !metadata.is_file() {
            return Some(Err(format!("`{path}` is not a regular file in the tree")));
        }
        Some(
            read_source(&full)
                .map_err(|e| e.message.replace(&tree.display().to_string(), "<tree>")),
        )
    }

    fn exists(&self, path: &str) -> bool {
        match self.files.get(path) {
            Some(Entry::File(_)) => true,
            Some(Entry::Deleted) => false,
            None => self.base(path).is_some(),
        }
    }

    /// The current image of a file: `Ok(None)` when it does not exist.
    fn image(&mut self, path: &str) -> Result<Option<Image>, String> {
        match self.files.get(path) {
            Some(Entry::File(image)) => return Ok(Some(image.clone())),
            Some(Entry::Deleted) => return Ok(None),
            None => {}
        }
        match self.base(path) {
            Some(Ok(text)) => Ok(Some(Image::from_text(&text, &mut self.ids))),
            Some(Err(message)) => Err(message),
            None => Ok(None),
        }
    }

    /// Applies patch `index`; returns what did not apply and the `.rs` files it touched.
    fn apply(&mut self, index: usize, patch: &Patch) -> (Vec<Failure>, BTreeSet<String>) {
        let mut failures = Vec::new();
        let mut touched = BTreeSet::new();
        let message = &patch.message;
        let locate = |line: usize| match &message.patch {
            Some(text) => text.locate(message, line),
            None => message.place(),
        };
        for file in &patch.files {
            let old_rs = file.old_path.as_deref().is_some_and(is_rust);
            let new_rs = file.new_path.as_deref().is_some_and(is_rust);
            if !old_rs && !new_rs {
                continue;
            }
            touched.extend(file.old_path.iter().filter(|p| is_rust(p)).cloned());
            touched.extend(file.new_path.iter().filter(|p| is_rust(p)).cloned());
            let whole = |message: String| Failure {
                file: file.path().to_string(),
                hunk: None,
                line: 1,
                message,
                at: locate(file.line),
            };
            if file.binary {
                failures.push(whole(
                    "a binary patch: its content is not in the mail, so it is not reviewed".into(),
                ));
                continue;
            }
            if file.is_symlink() {
                if let Some(new) = &file.new_path {
                    self.files.insert(new.clone(), Entry::Deleted);
                }
                continue;
            }
            let image = match (&file.old_path, &file.new_path) {
                (None, Some(new)) => {
                    if self.exists(new) {
                        failures.push(whole(format!(
                            "the patch creates `{new}`, which already exists"
                        )));
                        continue;
                    }
                    Image::default()
                }
                (Some(old), None) => {
                    if !self.exists(old) && self.tree.is_some() {
                        failures.push(whole(format!(
                            "the patch deletes `{old}`, which does not exist"
                        )));
                    }
                    self.files.insert(old.clone(), Entry::Deleted);
                    continue;
                }
                (Some(old), Some(new)) => {
                    if old != new && self.exists(new) {
                        failures.push(whole(format!(
                            "the patch {} `{old}` to `{new}`, which already exists",
                            if file.copy { "copies" } else { "renames" }
                        )));
                        continue;
                    }
                    match self.image(old) {
                        Ok(Some(image)) => image,
                        Ok(None) if self.tree.is_none() => {
                            failures.push(whole(format!(
                                "the series does not create `{old}`, so its text at the base is \
                                 needed: give `--tree DIR`, a checkout of the base"
                            )));
                            continue;
                        }
                        Ok(None) => {
                            failures.push(whole(format!("`{old}` does not exist in the tree")));
                            continue;
                        }
                        Err(message) => {
                            failures.push(whole(message));
                            continue;
                        }
                    }
                }
                (None, None) => continue,
            };
            let mut image = image;
            for (number, hunk) in file.hunks.iter().enumerate() {
                if let Err(why) = image.apply(hunk, index, &mut self.ids) {
                    failures.push(Failure {
                        file: file.path().to_string(),
                        hunk: Some((number + 1, hunk.header.clone())),
                        line: hunk.new_start.max(1),
                        message: why,
                        at: locate(hunk.line),
                    });
                }
            }
            if let (Some(old), false) = (&file.old_path, file.copy) {
                if file.new_path.as_ref() != Some(old) {
                    self.files.insert(old.clone(), Entry::Deleted);
                }
            }
            if let (Some(new), true) = (&file.new_path, new_rs) {
                self.files.insert(new.clone(), Entry::File(image));
            }
        }
        (failures, touched)
    }

    /// Analyses the current state (after patch `index`). Returns the keys of every finding on a
    /// file of the series, the findings of patch `index`, and, for the last state, the findings
    /// on lines earlier patches added, as `(patch, finding)`. A file that does not parse is the
    /// finding of the patch that touched it while the previous state (`previous`) parsed it.
    #[allow(clippy::type_complexity, clippy::too_many_arguments)]
    fn analyze(
        &self,
        index: usize,
        touched: &BTreeSet<String>,
        previous: Option<&HashSet<Key>>,
        is_final: bool,
        options: &Options,
        exclude: &GlobSet,
        threads: usize,
        summaries: Option<&dyn SummaryStore>,
    ) -> (HashSet<Key>, Vec<Finding>, Vec<(usize, Finding)>) {
        let mut inputs = Vec::new();
        for (name, content) in self.tree_files {
            if self.files.contains_key(name) {
                continue;
            }
            inputs.push(Input {
                name: name.clone(),
                content: content.clone(),
            });
        }
        // Only the series' files are linted: findings are kept on them alone. The tree's files give
        // the model their items, from their stored summaries when they have one.
        let mut series_files = HashSet::new();
        for (name, entry) in &self.files {
            if let Entry::File(image) = entry {
                if is_rust(name) && !is_excluded(Path::new(name), exclude) {
                    series_files.insert(inputs.len());
                    inputs.push(Input {
                        name: name.clone(),
                        content: Ok(image.text()),
                    });
                }
            }
        }
        let focus = Focus {
            linted: Some(&series_files),
            summaries,
            findings: None,
        };
        let analysis = analyze_focused(inputs, options, threads, Teardown::Free, focus);
        let mut keys = HashSet::new();
        let mut mine = Vec::new();
        let mut earlier = Vec::new();
        for diagnostic in &analysis.diagnostics {
            let Some(file) = analysis.files.get(diagnostic.primary.file.0 as usize) else {
                continue;
            };
            let Some(image) = self.touched_image(file) else {
                continue;
            };
            let line = image.line_at(file, diagnostic.primary);
            let (key, owner) = match (diagnostic.origin, line) {
                (Origin::Input, _) => {
                    let key = Key::Input(file.name.clone());
                    let new = touched.contains(&file.name)
                        && !previous.is_some_and(|keys| keys.contains(&key));
                    (key, new.then_some(index))
                }
                // A finding on a line of the base belongs to the patch that adds one of its
                // other places (a SAFETY comment relying on an unchanged `# Safety`).
                (Origin::Lint(lint), Some(line)) => (
                    Key::Line(line.id, lint.name),
                    line.origin
                        .or_else(|| self.anchor_origin(&analysis.files, diagnostic)),
                ),
                (Origin::Lint(_), None) => continue,
            };
            keys.insert(key.clone());
            match owner {
                Some(owner) if owner == index => {
                    mine.push(finding(diagnostic, file, image, owner, key));
                }
                Some(owner) if is_final && owner < index => {
                    earlier.push((owner, finding(diagnostic, file, image, owner, key)));
                }
                _ => {}
            }
        }
        (keys, mine, earlier)
    }
}

impl Series<'_> {
    /// The patch that adds a line of one of the diagnostic's anchors, if any.
    fn anchor_origin(&self, files: &[SourceFile], diagnostic: &Diagnostic) -> Option<usize> {
        diagnostic.anchors.iter().find_map(|span| {
            let file = files.get(span.file.0 as usize)?;
            self.touched_image(file)?.line_at(file, *span)?.origin
        })
    }

    /// The series' text of `file`, when a patch so far touched it and did not delete it.
    fn touched_image(&self, file: &SourceFile) -> Option<&Image> {
        match self.files.get(&file.name) {
            Some(Entry::File(image)) => Some(image),
            _ => None,
        }
    }
}

impl Image {
    /// The line where `span` starts.
    fn line_at(&self, file: &SourceFile, span: devref_lints::Span) -> Option<&patch::Line> {
        self.lines.get(file.line_index(clamp(file, span).start))
    }
}

/// The most lines of a span quoted in a reply.
const MAX_QUOTED: usize = 12;

/// A diagnostic as a finding of patch `owner`, with its positions and quoted lines.
fn finding(
    diagnostic: &Diagnostic,
    file: &SourceFile,
    image: &Image,
    owner: usize,
    key: Key,
) -> Finding {
    let range = clamp(file, diagnostic.primary);
    let start = file.line_col(range.start);
    // Quote the lines of the primary span and of the labels in this file that the patch adds.
    let mut wanted: BTreeSet<usize> = BTreeSet::new();
    let mut add_span = |span: devref_lints::Span, cap: usize| {
        if span.file != file.id {
            return;
        }
        let range = clamp(file, span);
        let first = file.line_index(range.start);
        let mut last = file.line_index(range.end);
        if last > first
            && range.end > range.start
            && last < file.line_count()
            && file.line_start(last) == range.end
        {
            last -= 1;
        }
        for line in first..=last.min(first + cap - 1) {
            wanted.insert(line);
        }
    };
    add_span(diagnostic.primary, MAX_QUOTED);
    for label in &diagnostic.secondary {
        add_span(label.span, 6);
    }
    let quoted = wanted
        .into_iter()
        .filter(|&line| {
            image
                .lines
                .get(line)
                .is_some_and(|l| l.origin == Some(owner))
        })
        .map(|line| (line + 1, image.lines[line].text.clone()))
        .collect();
    let helps = diagnostic
        .helps
        .iter()
        .map(|help| HelpView {
            message: help.message.clone(),
            suggestion: help.suggestion.as_ref().map(|s| suggestion_view(file, s)),
        })
        .collect();
    Finding {
        lint: diagnostic.lint_name().and_then(devref_lints::lints::find),
        code: diagnostic.code(),
        level: diagnostic.level,
        message: diagnostic.message.clone(),
        label: diagnostic.primary_label.clone(),
        file: file.name.clone(),
        line: start.line,
        column: start.column,
        quoted,
        helps,
        notes: diagnostic.notes.clone(),
        fixed_later: false,
        fixed_by: None,
        later: false,
        key,
    }
}

/// The lines a suggestion changes, before and after (when they are few and in this file).
fn suggestion_view(file: &SourceFile, suggestion: &devref_lints::Suggestion) -> SuggestionView {
    let mut view = SuggestionView {
        replacement: suggestion.replacement.clone(),
        applicability: suggestion.applicability.as_str(),
        line: 0,
        before: Vec::new(),
        after: Vec::new(),
    };
    if suggestion.span.file != file.id {
        return view;
    }
    let range = clamp(file, suggestion.span);
    let first = file.line_index(range.start);
    let last = file.line_index(range.end);
    let start = file.line_start(first);
    let end = file.line_range(last).end.max(range.end);
    let (Some(before), Some(prefix), Some(suffix)) = (
        file.text.get(start..end),
        file.text.get(start..range.start),
        file.text.get(range.end..end),
    ) else {
        return view;
    };
    let after = format!("{prefix}{}{suffix}", suggestion.replacement);
    let before: Vec<String> = before.lines().map(str::to_string).collect();
    let after: Vec<String> = after.lines().map(str::to_string).collect();
    if before.len() <= MAX_QUOTED && after.len() <= MAX_QUOTED {
        view.line = first + 1;
        view.before = before;
        view.after = after;
    }
    view
}
