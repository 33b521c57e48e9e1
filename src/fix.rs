//! `--fix`: applies machine-applicable suggestions to the linted files, the way `cargo fix` applies
//! rustc's.
//!
//! - Only suggestions marked [`Applicability::MachineApplicable`] are applied. A diagnostic's helps are
//!   alternatives (as in rustc), so each diagnostic contributes at most one edit: its first
//!   machine-applicable suggestion. Identical edits (same range, same text) are applied once.
//! - Edits are applied by `rustfix`'s [`CodeFix`], which `cargo fix` and `cargo clippy --fix` use
//!   ([`apply_edits`]): taken in order of position, an edit that overlaps one already applied is
//!   skipped (the first wins), an identical one is applied once, and the text is spliced in one go.
//!   Suggested text uses the file's line ending.
//! - As `cargo fix` re-runs rustc, [`run`] re-lints the fixed text: when a pass skipped overlapping
//!   edits, the next pass applies what the lints still suggest, up to [`MAX_PASSES`] passes. A pass
//!   that makes a file unparsable is backed out for that file. The final analysis is what the driver
//!   renders: the diagnostics that remain.
//! - Nothing is written until every pass is done, and then only to files whose text changed. Those
//!   files must be committed in git (tracked and unmodified), unless `--allow-dirty`: a file with
//!   uncommitted changes, an untracked or ignored file, and a file outside any git work tree are
//!   refused, since the fix could not be reviewed or undone with git. A refusal changes nothing and
//!   exits with code 2.
//! - Each file is written atomically ([`write_atomically`]): a temporary file in the same directory,
//!   given the original's mode, then renamed over it. A file that changed on disk since it was read is
//!   left alone. A file that cannot be written is reported as a `devref::input` error (exit code 1)
//!   and keeps its original text.
//! - `__DEVREF_FIX_YOLO=1` also applies `MaybeIncorrect` and `Unspecified` suggestions (never
//!   `HasPlaceholders`), like cargo's `__CARGO_FIX_YOLO`. It exists for testing and is not a
//!   supported interface.
//!
//! What devref does itself, and why, rather than through `rustfix`:
//!
//! - Choosing the edits ([`collect_edits`]) from the diagnostics in memory, not from rustc JSON
//!   through `rustfix::get_suggestions_from_json`: the JSON's spans are clamped to the file and to
//!   char boundaries for display, which would apply a bad span's edit at a guessed place instead of
//!   reporting it; `rustfix::Filter::Everything` also takes `HasPlaceholders` suggestions, and
//!   `CodeFix::apply` applies every alternative help of a diagnostic, where devref takes one.
//! - The order (by position, so that the first of two overlapping edits wins whatever the lints'
//!   order): rustfix applies in the order given.
//! - Checking that an edit's range falls on char boundaries: rustfix splices bytes, and a cut char
//!   would fail the whole file's result.
//! - Line endings (rustfix inserts the text as given), the re-lint passes, the parse check, the git
//!   check and the atomic write: rustfix only edits text in memory.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::fs;
use std::io::{self, Write};
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::process::Command;

use devref_lints::analysis::InputError;
use devref_lints::options::Options;
use devref_lints::{
    analyze, Analysis, Applicability, Diagnostic, FileId, Input, Origin, SourceFile, Span,
};
use rustfix::{CodeFix, LinePosition, LineRange, Replacement, Snippet, Solution};

use crate::discover::Found;
use crate::exit::EXIT_USAGE;

/// How many times the fixed text is re-linted to apply edits that an overlap held back.
pub const MAX_PASSES: usize = 4;

/// Setting this environment variable (to anything but `0`) also applies `MaybeIncorrect` and
/// `Unspecified` suggestions.
pub const YOLO_ENV: &str = "__DEVREF_FIX_YOLO";

/// Which suggestions are applied.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Filter {
    /// Only `MachineApplicable` (what `--fix` does).
    MachineApplicableOnly,
    /// Everything except `HasPlaceholders`, whose text is not meant to be kept as it is.
    AllButPlaceholders,
}

impl Filter {
    /// [`Filter::MachineApplicableOnly`], unless [`YOLO_ENV`] is set.
    pub fn from_env() -> Filter {
        match std::env::var_os(YOLO_ENV) {
            Some(value) if !value.is_empty() && value != "0" => Filter::AllButPlaceholders,
            _ => Filter::MachineApplicableOnly,
        }
    }

    pub fn accepts(self, applicability: Applicability) -> bool {
        match self {
            Filter::MachineApplicableOnly => applicability == Applicability::MachineApplicable,
            Filter::AllButPlaceholders => applicability != Applicability::HasPlaceholders,
        }
    }
}

/// One replacement of a byte range of a file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Edit {
    pub range: Range<usize>,
    pub replacement: String,
    /// The code of the diagnostic that suggested it, e.g. `devref::raw_device_ptr_field`.
    pub code: String,
}

impl Edit {
    pub fn new(
        range: Range<usize>,
        replacement: impl Into<String>,
        code: impl Into<String>,
    ) -> Edit {
        Edit {
            range,
            replacement: replacement.into(),
            code: code.into(),
        }
    }

    /// Whether `other` makes the same change (range and text), whatever diagnostic suggested it.
    fn same_change(&self, other: &Edit) -> bool {
        self.range == other.range && self.replacement == other.replacement
    }
}

/// Why an edit was not applied.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SkipReason {
    /// It overlaps this range of an edit that was applied.
    Overlaps(Range<usize>),
    /// Its range is reversed or ends past the end of the text.
    OutOfBounds,
    /// Its range cuts a multi-byte character.
    NotCharBoundary,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Skipped {
    pub edit: Edit,
    pub reason: SkipReason,
}

/// The result of [`apply_edits`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Applied {
    pub text: String,
    /// The edits applied, by position (replacements as written, i.e. with the file's line ending).
    pub applied: Vec<Edit>,
    /// The edits not applied, by position.
    pub skipped: Vec<Skipped>,
}

/// The edits each file's diagnostics offer, keyed by the file the suggestion edits: for each
/// diagnostic, its first suggestion that `filter` accepts.
pub fn collect_edits(diagnostics: &[Diagnostic], filter: Filter) -> BTreeMap<FileId, Vec<Edit>> {
    let mut edits: BTreeMap<FileId, Vec<Edit>> = BTreeMap::new();
    for diagnostic in diagnostics {
        let suggestion = diagnostic
            .helps
            .iter()
            .filter_map(|help| help.suggestion.as_ref())
            .find(|suggestion| filter.accepts(suggestion.applicability));
        if let Some(suggestion) = suggestion {
            edits.entry(suggestion.span.file).or_default().push(Edit {
                range: suggestion.span.range(),
                replacement: suggestion.replacement.clone(),
                code: diagnostic.code(),
            });
        }
    }
    edits
}

/// Applies `edits` to the text of `file` with rustfix's [`CodeFix`].
///
/// Edits are taken by position (start, then end; ties keep the given order). Identical edits are
/// applied once. An edit that overlaps one already taken is skipped: ranges that share a byte, an
/// insertion strictly inside a replaced range, or two different insertions at the same offset (their
/// order would be a guess). An insertion at either end of a replaced range is not an overlap: it
/// goes before or after the replacement. Invalid ranges are skipped. In a file whose lines end with
/// CRLF, the line breaks of the replacements become CRLF.
pub fn apply_edits(file: &SourceFile, edits: Vec<Edit>) -> Applied {
    let text = &file.text;
    let crlf = uses_crlf(text);
    let mut edits: Vec<Edit> = edits
        .into_iter()
        .map(|mut edit| {
            if crlf {
                edit.replacement = to_crlf(&edit.replacement);
            }
            edit
        })
        .collect();
    edits.sort_by_key(|edit| (edit.range.start, edit.range.end));

    let mut fix = CodeFix::new(text);
    let mut applied: Vec<Edit> = Vec::new();
    let mut skipped: Vec<Skipped> = Vec::new();
    for edit in edits {
        let Range { start, end } = edit.range;
        let reason = if start > end || end > text.len() {
            Some(SkipReason::OutOfBounds)
        } else if !text.is_char_boundary(start) || !text.is_char_boundary(end) {
            Some(SkipReason::NotCharBoundary)
        } else {
            match fix.apply_solution(&solution(file, &edit)) {
                Ok(()) => None,
                // Already applied: once is enough.
                Err(rustfix::Error::AlreadyReplaced {
                    is_identical: true, ..
                }) => continue,
                // Taken by position, the edit it overlaps is the last one applied.
                Err(rustfix::Error::AlreadyReplaced { .. }) => Some(SkipReason::Overlaps(
                    applied
                        .last()
                        .map_or(edit.range.clone(), |last| last.range.clone()),
                )),
                // rustfix's own range checks, which the checks above already made.
                Err(_) => Some(SkipReason::OutOfBounds),
            }
        };
        match reason {
            // An edit identical to one skipped is the same mistake, reported once.
            Some(_) if skipped.iter().any(|skip| skip.edit.same_change(&edit)) => {}
            Some(reason) => skipped.push(Skipped { edit, reason }),
            None => applied.push(edit),
        }
    }
    let fixed = match fix.finish() {
        Ok(fixed) => fixed,
        // Cannot happen, as every range is on char boundaries; keep the text rather than panic.
        Err(_) => {
            skipped.extend(applied.drain(..).map(|edit| Skipped {
                edit,
                reason: SkipReason::NotCharBoundary,
            }));
            text.clone()
        }
    };
    Applied {
        text: fixed,
        applied,
        skipped,
    }
}

/// The edit as rustfix's one-replacement solution; its message is the code of the diagnostic.
fn solution(file: &SourceFile, edit: &Edit) -> Solution {
    let position = |offset: usize| {
        let at = file.line_col(offset);
        LinePosition {
            line: at.line,
            column: at.column,
        }
    };
    Solution {
        message: edit.code.clone(),
        replacements: vec![Replacement {
            snippet: Snippet {
                file_name: file.name.clone(),
                line_range: LineRange {
                    start: position(edit.range.start),
                    end: position(edit.range.end),
                },
                range: edit.range.clone(),
            },
            replacement: edit.replacement.clone(),
        }],
    }
}

/// Whether the file's first line ends with CRLF.
fn uses_crlf(text: &str) -> bool {
    text.find('\n')
        .is_some_and(|at| at > 0 && text.as_bytes()[at - 1] == b'\r')
}

fn to_crlf(replacement: &str) -> String {
    replacement.replace("\r\n", "\n").replace('\n', "\r\n")
}

// --- Version control ----------------------------------------------------------------------------

/// What git says about a file that `--fix` would change.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum VcsState {
    /// Tracked and unmodified: the fix can be reviewed and undone with git.
    Clean,
    /// Modified in the work tree or the index (`git status` shows it).
    Modified,
    Untracked,
    Ignored,
    /// Not in a git work tree, or git could not tell (the reason).
    NoRepository(String),
}

impl VcsState {
    fn describe(&self) -> String {
        match self {
            VcsState::Clean => "committed".to_string(),
            VcsState::Modified => "uncommitted changes".to_string(),
            VcsState::Untracked => "untracked".to_string(),
            VcsState::Ignored => "ignored by git".to_string(),
            VcsState::NoRepository(why) => why.clone(),
        }
    }
}

/// The git state of each path, in order. Files are grouped by work tree; each work tree costs one
/// `git ls-files` and one `git status` per batch of files.
pub fn vcs_states(paths: &[PathBuf]) -> Vec<VcsState> {
    let mut states = vec![VcsState::Clean; paths.len()];
    let mut toplevels: HashMap<PathBuf, Result<PathBuf, String>> = HashMap::new();
    let mut groups: BTreeMap<PathBuf, Vec<(usize, String)>> = BTreeMap::new();
    for (index, path) in paths.iter().enumerate() {
        match locate(path, &mut toplevels) {
            Ok((toplevel, relative)) => groups.entry(toplevel).or_default().push((index, relative)),
            Err(why) => states[index] = VcsState::NoRepository(why),
        }
    }
    for (toplevel, files) in groups {
        for batch in files.chunks(256) {
            let relatives: Vec<&str> = batch.iter().map(|(_, rel)| rel.as_str()).collect();
            match git_states(&toplevel, &relatives) {
                Ok(found) => {
                    for ((index, _), state) in batch.iter().zip(found) {
                        states[*index] = state;
                    }
                }
                Err(why) => {
                    for (index, _) in batch {
                        states[*index] = VcsState::NoRepository(why.clone());
                    }
                }
            }
        }
    }
    states
}

/// The work tree holding `path`, and the path relative to it (with `/` separators).
fn locate(
    path: &Path,
    toplevels: &mut HashMap<PathBuf, Result<PathBuf, String>>,
) -> Result<(PathBuf, String), String> {
    let canonical =
        fs::canonicalize(path).map_err(|error| format!("cannot resolve the path: {error}"))?;
    let dir = canonical
        .parent()
        .ok_or_else(|| "it has no parent directory".to_string())?
        .to_path_buf();
    let toplevel = toplevels
        .entry(dir.clone())
        .or_insert_with(|| toplevel(&dir))
        .clone()?;
    let relative = canonical.strip_prefix(&toplevel).map_err(|_| {
        format!(
            "git places it outside its work tree `{}`",
            toplevel.display()
        )
    })?;
    let relative = relative
        .to_str()
        .ok_or_else(|| "its path is not UTF-8, so git cannot be asked about it".to_string())?;
    Ok((toplevel, relative.replace(std::path::MAIN_SEPARATOR, "/")))
}

fn git(dir: &Path) -> Command {
    let mut command = Command::new("git");
    // `git status` may refresh the index; it need not take the lock to do so.
    command.arg("-C").arg(dir).env("GIT_OPTIONAL_LOCKS", "0");
    command
}

fn toplevel(dir: &Path) -> Result<PathBuf, String> {
    let output = git(dir)
        .args(["rev-parse", "--show-toplevel"])
        .output()
        .map_err(|error| format!("not in a git work tree (cannot run git: {error})"))?;
    if !output.status.success() {
        return Err("not in a git work tree".to_string());
    }
    let stdout = String::from_utf8(output.stdout)
        .map_err(|_| "its git work tree's path is not UTF-8".to_string())?;
    let top = stdout.trim_end_matches(['\n', '\r']);
    if top.is_empty() {
        return Err("not in a git work tree".to_string());
    }
    // git prints the resolved path; resolve it the same way as the file's.
    Ok(fs::canonicalize(top).unwrap_or_else(|_| PathBuf::from(top)))
}

/// The states of `relatives` (paths relative to `toplevel`), in order.
fn git_states(toplevel: &Path, relatives: &[&str]) -> Result<Vec<VcsState>, String> {
    let pathspecs: Vec<String> = relatives
        .iter()
        .map(|rel| format!(":(literal){rel}"))
        .collect();
    let run = |args: &[&str]| -> Result<Vec<String>, String> {
        let output = git(toplevel)
            .args(args)
            .arg("--")
            .args(&pathspecs)
            .output()
            .map_err(|error| format!("cannot run git: {error}"))?;
        if !output.status.success() {
            let stderr = String::from_utf8_lossy(&output.stderr);
            return Err(format!(
                "`git {}` failed: {}",
                args.join(" "),
                stderr.lines().next().unwrap_or("").trim()
            ));
        }
        Ok(String::from_utf8_lossy(&output.stdout)
            .split('\0')
            .filter(|entry| !entry.is_empty())
            .map(str::to_string)
            .collect())
    };
    let tracked: HashSet<String> = run(&["ls-files", "-z"])?.into_iter().collect();
    let mut status: HashMap<String, VcsState> = HashMap::new();
    let mut entries = run(&[
        "status",
        "--porcelain=v1",
        "-z",
        "--untracked-files=all",
        "--ignored=traditional",
    ])?
    .into_iter();
    // Each entry is `XY path`; a rename or copy is followed by its source path.
    while let Some(entry) = entries.next() {
        let (code, path) = (entry.get(..2).unwrap_or(""), entry.get(3..).unwrap_or(""));
        let state = match code {
            "??" => VcsState::Untracked,
            "!!" => VcsState::Ignored,
            _ => VcsState::Modified,
        };
        if code.contains(['R', 'C']) {
            if let Some(source) = entries.next() {
                status.insert(source, VcsState::Modified);
            }
        }
        status.insert(path.to_string(), state);
    }
    Ok(relatives
        .iter()
        .map(|rel| match status.get(*rel) {
            Some(state) => state.clone(),
            None if tracked.contains(*rel) => VcsState::Clean,
            None => VcsState::Untracked,
        })
        .collect())
}

// --- Writing ------------------------------------------------------------------------------------

/// Replaces the file at `path` (through symbolic links) with `contents`, atomically: a temporary
/// file in the same directory, with the original's permissions (and, where allowed, owner), synced,
/// then renamed over the original. The file must still hold `expected`, the text the fixes were
/// computed from, and must not be read-only. On any error the original is untouched and no
/// temporary file is left behind.
pub fn write_atomically(path: &Path, expected: &[u8], contents: &[u8]) -> io::Result<()> {
    let target = fs::canonicalize(path)?;
    let metadata = fs::metadata(&target)?;
    if !metadata.is_file() {
        return Err(io::Error::other("it is not a regular file"));
    }
    if metadata.permissions().readonly() {
        return Err(io::Error::other("it is read-only"));
    }
    if fs::read(&target)? != expected {
        return Err(io::Error::other("it changed while devref was running"));
    }
    let dir = target
        .parent()
        .ok_or_else(|| io::Error::other("it has no parent directory"))?;
    let mut temp = tempfile::Builder::new()
        .prefix(".devref-fix-")
        .suffix(".tmp")
        .tempfile_in(dir)?;
    temp.write_all(contents)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        let created = temp.as_file().metadata()?;
        if (created.uid(), created.gid()) != (metadata.uid(), metadata.gid()) {
            // Best effort: only root may give a file away; the mode below is kept regardless.
            let _ = std::os::unix::fs::fchown(
                temp.as_file(),
                Some(metadata.uid()),
                Some(metadata.gid()),
            );
        }
    }
    temp.as_file().set_permissions(metadata.permissions())?;
    temp.as_file().sync_all()?;
    temp.persist(&target).map_err(|error| error.error)?;
    #[cfg(unix)]
    if let Ok(dir) = fs::File::open(dir) {
        // Make the rename itself durable; the file is already complete either way.
        let _ = dir.sync_all();
    }
    Ok(())
}

// --- The run ------------------------------------------------------------------------------------

/// The file each source may be fixed in, in order: `None` for stdin, for a path that could not be
/// listed, and, with `--report-only`, for the sources whose findings are not reported.
pub fn fixable_paths(
    sources: &[(String, Found)],
    reported: Option<&HashSet<usize>>,
) -> Vec<Option<PathBuf>> {
    sources
        .iter()
        .enumerate()
        .map(|(index, (_, found))| match found {
            Found::File(path) if reported.is_none_or(|r| r.contains(&index)) => Some(path.clone()),
            _ => None,
        })
        .collect()
}

/// `devref --fix`: analyses `inputs`, applies the fixes to the files at `paths` (one per input;
/// `None`: not fixed), writes the changed files, and returns the analysis of the files as they now
/// are. `Err(code)` when the run must stop without rendering (a refusal; nothing was written).
/// Progress and problems are printed on stderr, naming files by their input names.
pub fn run(
    inputs: Vec<Input>,
    paths: Vec<Option<PathBuf>>,
    options: &Options,
    threads: usize,
    allow_dirty: bool,
) -> Result<Analysis, i32> {
    let stderr = io::stderr();
    let mut err = stderr.lock();
    run_with(
        inputs,
        &paths,
        allow_dirty,
        Filter::from_env(),
        &mut err,
        &|inputs| analyze(inputs, options, threads),
    )
}

/// [`run`], with the filter, the message stream and the analysis given.
pub fn run_with(
    inputs: Vec<Input>,
    paths: &[Option<PathBuf>],
    allow_dirty: bool,
    filter: Filter,
    err: &mut dyn Write,
    analyze: &dyn Fn(Vec<Input>) -> Analysis,
) -> Result<Analysis, i32> {
    let names: Vec<String> = inputs.iter().map(|input| input.name.clone()).collect();
    let originals: Vec<Result<String, InputError>> =
        inputs.into_iter().map(|input| input.content).collect();
    let mut current = originals.clone();
    let lint = |current: &[Result<String, InputError>]| {
        let inputs = names
            .iter()
            .zip(current)
            .map(|(name, content)| Input {
                name: name.clone(),
                content: content.clone(),
            })
            .collect();
        analyze(inputs)
    };

    let mut analysis = lint(&current);
    let mut fixes = vec![0usize; names.len()];
    let mut messages: Vec<String>;
    let mut passes = 0;
    loop {
        let planned: Vec<(FileId, Applied)> = collect_edits(&analysis.diagnostics, filter)
            .into_iter()
            .filter(|(id, _)| {
                let index = id.0 as usize;
                paths.get(index).is_some_and(Option::is_some)
                    && current.get(index).is_some_and(Result::is_ok)
            })
            .map(|(id, edits)| (id, apply_edits(&analysis.files[id.0 as usize], edits)))
            .collect();
        messages = skipped_messages(&analysis, &planned);
        let progress = planned.iter().any(|(_, plan)| !plan.applied.is_empty());
        if !progress {
            break;
        }
        if passes == MAX_PASSES {
            for (id, plan) in &planned {
                let left = plan.applied.len() + plan.skipped.len();
                messages.push(format!(
                    "warning: {left} more fix{} available in `{}`; devref stops after {MAX_PASSES} \
                     passes: run `devref --fix` again",
                    if left == 1 { " is" } else { "es are" },
                    names[id.0 as usize]
                ));
            }
            break;
        }
        passes += 1;
        let broken_before = unparsable(&analysis);
        let mut previous = Vec::new();
        for (id, plan) in &planned {
            let index = id.0 as usize;
            if !plan.applied.is_empty() {
                let old = std::mem::replace(&mut current[index], Ok(plan.text.clone()));
                previous.push((index, old, plan.applied.len()));
            }
        }
        analysis = lint(&current);
        // A fix must not break a file that parsed: back that file's edits of this pass out.
        let broken_after = unparsable(&analysis);
        let mut backed_out = false;
        for (index, old, count) in previous {
            let id = FileId(index as u32);
            if broken_after.contains(&id) && !broken_before.contains(&id) {
                current[index] = old;
                backed_out = true;
                messages.push(format!(
                    "warning: the fixes for `{}` would leave it unparsable, so they were not \
                     applied; please report this devref bug",
                    names[index]
                ));
            } else {
                fixes[index] += count;
            }
        }
        if backed_out {
            analysis = lint(&current);
            break;
        }
        let held_back = planned.iter().any(|(_, plan)| {
            plan.skipped
                .iter()
                .any(|skip| matches!(skip.reason, SkipReason::Overlaps(_)))
        });
        if !held_back {
            break;
        }
    }
    for message in &messages {
        let _ = writeln!(err, "{message}");
    }

    // Only files with a path are ever edited.
    let changed: Vec<usize> = (0..names.len())
        .filter(|&index| current[index] != originals[index] && paths[index].is_some())
        .collect();
    if changed.is_empty() {
        return Ok(analysis);
    }
    if !allow_dirty {
        let changed_paths: Vec<PathBuf> = changed
            .iter()
            .filter_map(|&index| paths[index].clone())
            .collect();
        let refused: Vec<(usize, VcsState)> = changed
            .iter()
            .copied()
            .zip(vcs_states(&changed_paths))
            .filter(|(_, state)| *state != VcsState::Clean)
            .collect();
        if !refused.is_empty() {
            let _ = writeln!(
                err,
                "error: `--fix` does not change files that git cannot restore; nothing was changed:"
            );
            for (index, state) in &refused {
                let _ = writeln!(err, "  * {} ({})", names[*index], state.describe());
            }
            let _ = writeln!(
                err,
                "help: commit the changes first, so that the fixes can be reviewed and undone, or \
                 pass `--allow-dirty` to fix these files anyway"
            );
            return Err(EXIT_USAGE);
        }
    }

    let mut failures = Vec::new();
    for &index in &changed {
        let (Ok(original), Ok(fixed), Some(path)) =
            (&originals[index], &current[index], &paths[index])
        else {
            continue;
        };
        let name = &names[index];
        match write_atomically(path, original.as_bytes(), fixed.as_bytes()) {
            Ok(()) => {
                let count = fixes[index];
                let plural = if count == 1 { "" } else { "es" };
                let _ = writeln!(err, "Fixed {name} ({count} fix{plural})");
            }
            Err(error) => {
                current[index] = originals[index].clone();
                failures.push(Diagnostic::input_error(
                    Span::new(FileId(index as u32), 0..0),
                    format!("cannot write the fixes to `{name}`: {error}; the file is unchanged"),
                ));
            }
        }
    }
    if !failures.is_empty() {
        analysis = lint(&current);
        for failure in failures {
            // Keep the analysis's order: by file, then position (the failure is at 0..0).
            let at = analysis
                .diagnostics
                .partition_point(|d| d.primary.file < failure.primary.file);
            analysis.diagnostics.insert(at, failure);
        }
    }
    Ok(analysis)
}

/// The files that have an input error (unreadable, unparsable, or an internal error).
fn unparsable(analysis: &Analysis) -> HashSet<FileId> {
    analysis
        .diagnostics
        .iter()
        .filter(|d| d.origin == Origin::Input)
        .map(|d| d.primary.file)
        .collect()
}

/// A warning for each edit that a plan skipped because it is invalid: that is a devref bug.
/// Overlaps are retried by the next pass, so they are reported only as left over.
fn skipped_messages(analysis: &Analysis, planned: &[(FileId, Applied)]) -> Vec<String> {
    let mut messages = Vec::new();
    for (id, plan) in planned {
        let file = &analysis.files[id.0 as usize];
        for skip in &plan.skipped {
            let why = match &skip.reason {
                SkipReason::Overlaps(_) => continue,
                SkipReason::OutOfBounds => "its span is outside the file",
                SkipReason::NotCharBoundary => "its span cuts a character",
            };
            let at = file.line_col(skip.edit.range.start.min(file.text.len()));
            messages.push(format!(
                "warning: cannot apply the fix of `{}` at {}:{}:{}: {why}; please report this \
                 devref bug",
                skip.edit.code, file.name, at.line, at.column
            ));
        }
    }
    messages
}

#[cfg(test)]
mod tests {
    use super::*;
    use devref_lints::{Help, Suggestion};

    fn edit(range: Range<usize>, replacement: &str) -> Edit {
        Edit::new(range, replacement, "devref::test")
    }

    fn apply(text: &str, edits: &[Edit]) -> Applied {
        let file = SourceFile::new(FileId(0), "a.rs".to_string(), text.to_string());
        apply_edits(&file, edits.to_vec())
    }

    #[test]
    fn no_edits_leave_the_text_alone() {
        let applied = apply("fn f() {}\n", &[]);
        assert_eq!(applied.text, "fn f() {}\n");
        assert!(applied.applied.is_empty() && applied.skipped.is_empty());
    }

    #[test]
    fn edits_are_applied_from_the_end_whatever_their_order() {
        let text = "struct S { a: *mut T, b: *mut U }";
        // Given out of order: the later one first.
        let edits = [edit(25..31, "ARef<U>"), edit(14..20, "ARef<T>")];
        let applied = apply(text, &edits);
        assert_eq!(applied.text, "struct S { a: ARef<T>, b: ARef<U> }");
        assert_eq!(applied.applied, vec![edits[1].clone(), edits[0].clone()]);
        assert!(applied.skipped.is_empty());
    }

    #[test]
    fn the_first_of_two_overlapping_edits_wins_and_the_other_is_reported() {
        let text = "let x = *mut bindings::device;";
        let first = edit(8..29, "ARef<Device>");
        let second = edit(13..29, "Device");
        // The order given does not matter: position decides.
        let applied = apply(text, &[second.clone(), first.clone()]);
        assert_eq!(applied.text, "let x = ARef<Device>;");
        assert_eq!(applied.applied, vec![first]);
        assert_eq!(
            applied.skipped,
            vec![Skipped {
                edit: second,
                reason: SkipReason::Overlaps(8..29)
            }]
        );
    }

    #[test]
    fn same_range_different_text_keeps_the_first_given() {
        let applied = apply("abc", &[edit(1..2, "X"), edit(1..2, "Y")]);
        assert_eq!(applied.text, "aXc");
        assert_eq!(applied.skipped.len(), 1);
        assert_eq!(applied.skipped[0].edit.replacement, "Y");
    }

    #[test]
    fn adjacent_edits_do_not_overlap() {
        let applied = apply(
            "abcdef",
            &[edit(0..2, "X"), edit(2..4, "Y"), edit(4..6, "Z")],
        );
        assert_eq!(applied.text, "XYZ");
        assert!(applied.skipped.is_empty());
    }

    #[test]
    fn an_edit_inside_another_is_skipped() {
        let applied = apply("abcdef", &[edit(0..6, "X"), edit(2..3, "Y")]);
        assert_eq!(applied.text, "X");
        assert_eq!(applied.skipped[0].reason, SkipReason::Overlaps(0..6));
    }

    #[test]
    fn insertions_at_the_ends_of_a_replacement_go_around_it() {
        let applied = apply(
            "a[b]c",
            &[edit(2..3, "B"), edit(2..2, "<"), edit(3..3, ">")],
        );
        assert_eq!(applied.text, "a[<B>]c");
        assert!(applied.skipped.is_empty());
        assert_eq!(
            applied
                .applied
                .iter()
                .map(|e| e.replacement.as_str())
                .collect::<Vec<_>>(),
            ["<", "B", ">"]
        );
    }

    #[test]
    fn an_insertion_inside_a_replacement_is_skipped() {
        let applied = apply("abcd", &[edit(1..3, "X"), edit(2..2, "!")]);
        assert_eq!(applied.text, "aXd");
        assert_eq!(applied.skipped[0].reason, SkipReason::Overlaps(1..3));
    }

    #[test]
    fn two_different_insertions_at_one_offset_conflict() {
        let applied = apply("ab", &[edit(1..1, "X"), edit(1..1, "Y")]);
        assert_eq!(applied.text, "aXb");
        assert_eq!(applied.skipped[0].reason, SkipReason::Overlaps(1..1));
    }

    #[test]
    fn identical_suggestions_are_applied_once() {
        let doc = "/// The caller holds a reference on the device.\n";
        let applied = apply(
            "unsafe fn f() {}\n",
            &[
                edit(0..0, doc),
                Edit::new(0..0, doc, "devref::other"),
                edit(0..0, doc),
            ],
        );
        assert_eq!(applied.text, format!("{doc}unsafe fn f() {{}}\n"));
        assert_eq!(applied.applied.len(), 1);
        assert!(applied.skipped.is_empty());
        // The same replacement over the same range, too.
        let applied = apply("*mut T", &[edit(0..6, "ARef<T>"), edit(0..6, "ARef<T>")]);
        assert_eq!(
            (applied.text.as_str(), applied.applied.len()),
            ("ARef<T>", 1)
        );
    }

    #[test]
    fn insertion_at_offset_zero_and_at_end_of_file() {
        let text = "fn f() {}";
        let applied = apply(
            text,
            &[
                edit(text.len()..text.len(), "\n// end\n"),
                edit(0..0, "// start\n"),
            ],
        );
        assert_eq!(applied.text, "// start\nfn f() {}\n// end\n");
        // In an empty file both are at offset 0: two insertions at one offset conflict.
        let applied = apply("", &[edit(0..0, "a"), edit(0..0, "b")]);
        assert_eq!(applied.text, "a");
    }

    #[test]
    fn deletion() {
        let applied = apply("let x = 1; // gone\n", &[edit(10..18, "")]);
        assert_eq!(applied.text, "let x = 1;\n");
    }

    #[test]
    fn multi_byte_text_around_and_inside_edits() {
        // `é` is 2 bytes, `→` 3, `🦀` 4.
        let text = "// café → 🦀\nstruct S { dév: *mut T }\n";
        let start = text.find("*mut").unwrap();
        let applied = apply(
            text,
            &[
                edit(start..start + 6, "ARef<Ŧ>"),
                edit(0..0, "// ünïcode\n"),
            ],
        );
        assert_eq!(
            applied.text,
            "// ünïcode\n// café → 🦀\nstruct S { dév: ARef<Ŧ> }\n"
        );
        // Replacing a multi-byte character whole is fine.
        let crab = text.find('🦀').unwrap();
        let applied = apply(text, &[edit(crab..crab + 4, "crab")]);
        assert!(applied.text.starts_with("// café → crab\n"));
    }

    #[test]
    #[allow(clippy::reversed_empty_ranges)] // A reversed range is what is tested.
    fn invalid_ranges_are_skipped() {
        let text = "é";
        let applied = apply(
            text,
            &[
                edit(1..2, "x"),
                edit(0..3, "x"),
                edit(2..1, "x"),
                edit(1..1, "x"),
            ],
        );
        assert_eq!(applied.text, "é");
        assert!(applied.applied.is_empty());
        let reasons: Vec<&SkipReason> = applied.skipped.iter().map(|s| &s.reason).collect();
        // Sorted by position: (1,1), (1,2), (2,1), (0,3) → sorted (0,3), (1,1), (1,2), (2,1).
        assert_eq!(
            reasons,
            [
                &SkipReason::OutOfBounds,
                &SkipReason::NotCharBoundary,
                &SkipReason::NotCharBoundary,
                &SkipReason::OutOfBounds,
            ]
        );
    }

    #[test]
    fn crlf_files_get_crlf_line_breaks_and_keep_their_offsets() {
        let text =
            "use kernel::bindings;\r\nstruct S {\r\n    dev: *mut bindings::device,\r\n}\r\n";
        let field = text.find("*mut").unwrap();
        let line = text.find("    dev").unwrap();
        let applied = apply(
            text,
            &[
                edit(field..field + "*mut bindings::device".len(), "ARef<Device>"),
                edit(line..line, "    /// Counted.\n"),
                // Already CRLF: not doubled.
                edit(0..0, "// a\r\n// b\n"),
            ],
        );
        assert_eq!(
            applied.text,
            "// a\r\n// b\r\nuse kernel::bindings;\r\nstruct S {\r\n    /// Counted.\r\n    dev: ARef<Device>,\r\n}\r\n"
        );
        // LF files are left as they are.
        let applied = apply("a\nb\n", &[edit(2..2, "x\r\ny\n")]);
        assert_eq!(applied.text, "a\nx\r\ny\nb\n");
    }

    fn diagnostic_with(helps: Vec<(Span, &str, Applicability)>) -> Diagnostic {
        let mut diagnostic = Diagnostic::input_error(Span::new(FileId(0), 0..0), "test");
        diagnostic.helps = helps
            .into_iter()
            .map(|(span, replacement, applicability)| Help {
                message: "help".to_string(),
                suggestion: Some(Suggestion {
                    span,
                    replacement: replacement.to_string(),
                    applicability,
                }),
            })
            .collect();
        diagnostic
    }

    #[test]
    fn only_machine_applicable_suggestions_are_collected() {
        let span = |file, range| Span::new(FileId(file), range);
        let diagnostics = vec![
            diagnostic_with(vec![(
                span(0, 0..1),
                "maybe",
                Applicability::MaybeIncorrect,
            )]),
            diagnostic_with(vec![(
                span(0, 1..2),
                "hole",
                Applicability::HasPlaceholders,
            )]),
            diagnostic_with(vec![(span(0, 2..3), "?", Applicability::Unspecified)]),
            diagnostic_with(vec![
                (span(0, 3..4), "maybe", Applicability::MaybeIncorrect),
                (span(1, 4..5), "sure", Applicability::MachineApplicable),
                // An alternative: never applied with the first.
                (span(1, 6..7), "also", Applicability::MachineApplicable),
            ]),
        ];
        let edits = collect_edits(&diagnostics, Filter::MachineApplicableOnly);
        assert_eq!(
            edits,
            BTreeMap::from([(FileId(1), vec![Edit::new(4..5, "sure", "devref::input")])])
        );
        let everything = collect_edits(&diagnostics, Filter::AllButPlaceholders);
        let replacements: Vec<&str> = everything
            .values()
            .flatten()
            .map(|e| e.replacement.as_str())
            .collect();
        assert_eq!(replacements, ["maybe", "?", "maybe"]);
    }

    // --- The passes, with a made-up analysis ----------------------------------------------------

    /// A made-up lint: the edits it suggests for a file's text.
    type Suggest = fn(&str) -> Vec<(Range<usize>, String)>;

    /// An analysis of `inputs` in which `suggest` gives each file's machine-applicable edits, and a
    /// file containing `{` does not parse.
    fn fake_analysis(inputs: Vec<Input>, suggest: Suggest) -> Analysis {
        let lint = devref_lints::lints::find("raw_device_ptr_field").unwrap();
        let mut files = Vec::new();
        let mut diagnostics = Vec::new();
        for (index, input) in inputs.into_iter().enumerate() {
            let id = FileId(index as u32);
            let text = input.content.unwrap_or_default();
            if let Some(at) = text.find('{') {
                diagnostics.push(Diagnostic::input_error(
                    Span::new(id, at..at + 1),
                    "unparsable",
                ));
            } else {
                for (range, replacement) in suggest(&text) {
                    diagnostics.push(
                        Diagnostic::lint(lint, Span::new(id, range.clone()), "m").with_suggestion(
                            "fix",
                            Span::new(id, range),
                            replacement,
                            Applicability::MachineApplicable,
                        ),
                    );
                }
            }
            files.push(devref_lints::SourceFile::new(id, input.name, text));
        }
        Analysis { files, diagnostics }
    }

    /// `[…]` becomes `(…)`, for each bracket pair: nested pairs overlap.
    fn brackets(text: &str) -> Vec<(Range<usize>, String)> {
        let mut open = Vec::new();
        let mut edits = Vec::new();
        for (at, c) in text.char_indices() {
            match c {
                '[' => open.push(at),
                ']' => {
                    if let Some(start) = open.pop() {
                        edits.push((start..at + 1, format!("({})", &text[start + 1..at])));
                    }
                }
                _ => {}
            }
        }
        edits
    }

    struct Run {
        result: Result<Analysis, i32>,
        messages: String,
        text: String,
    }

    fn fix_file(text: &str, allow_dirty: bool, suggest: Suggest) -> (tempfile::TempDir, Run) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.rs");
        fs::write(&path, text).unwrap();
        let run = fix_path(&path, allow_dirty, suggest);
        (dir, run)
    }

    fn fix_path(path: &Path, allow_dirty: bool, suggest: Suggest) -> Run {
        let inputs = vec![Input {
            name: path.to_string_lossy().into_owned(),
            content: Ok(fs::read_to_string(path).unwrap()),
        }];
        let mut messages = Vec::new();
        let result = run_with(
            inputs,
            &[Some(path.to_path_buf())],
            allow_dirty,
            Filter::MachineApplicableOnly,
            &mut messages,
            &|inputs| fake_analysis(inputs, suggest),
        );
        Run {
            result,
            messages: String::from_utf8(messages).unwrap(),
            text: fs::read_to_string(path).unwrap(),
        }
    }

    #[test]
    fn overlapping_edits_are_applied_by_later_passes() {
        let (_dir, run) = fix_file("a[[b][c]]d\n", true, brackets);
        assert_eq!(run.text, "a((b)(c))d\n");
        assert!(
            run.messages.ends_with("a.rs (3 fixes)\n"),
            "{}",
            run.messages
        );
        assert!(run.messages.starts_with("Fixed "), "{}", run.messages);
        let analysis = run.result.unwrap();
        assert!(analysis.diagnostics.is_empty());
        assert_eq!(analysis.files[0].text, "a((b)(c))d\n");
    }

    #[test]
    fn the_passes_stop_after_the_limit_and_say_what_is_left() {
        // Deeper than MAX_PASSES: each pass fixes one level.
        let text = "[[[[[x]]]]]\n";
        let (_dir, run) = fix_file(text, true, brackets);
        assert_eq!(run.text, "(((([x]))))\n");
        assert!(
            run.messages.contains("1 more fix is available")
                && run.messages.contains("run `devref --fix` again"),
            "{}",
            run.messages
        );
        assert!(run.messages.contains("(4 fixes)"), "{}", run.messages);
        // What is left is in the analysis, to be rendered.
        assert_eq!(run.result.unwrap().diagnostics.len(), 1);
    }

    #[test]
    fn a_fix_that_breaks_the_file_is_backed_out() {
        fn breaking(text: &str) -> Vec<(Range<usize>, String)> {
            text.find("bad")
                .map(|at| (at..at + 3, "{".to_string()))
                .into_iter()
                .collect()
        }
        let (_dir, run) = fix_file("fn bad() -> bad\n", true, breaking);
        assert_eq!(run.text, "fn bad() -> bad\n");
        assert!(
            run.messages.contains("would leave it unparsable"),
            "{}",
            run.messages
        );
        assert!(!run.messages.contains("Fixed"), "{}", run.messages);
        // The analysis is of the original text again.
        let analysis = run.result.unwrap();
        assert_eq!(analysis.files[0].text, "fn bad() -> bad\n");
        assert_eq!(analysis.diagnostics.len(), 1);
    }

    #[test]
    fn a_source_without_a_path_is_not_fixed() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.rs");
        fs::write(&path, "[x]\n").unwrap();
        let inputs = vec![Input {
            name: "<stdin>".to_string(),
            content: Ok("[x]\n".to_string()),
        }];
        let mut messages = Vec::new();
        let analysis = run_with(
            inputs,
            &[None],
            false,
            Filter::MachineApplicableOnly,
            &mut messages,
            &|inputs| fake_analysis(inputs, brackets),
        )
        .unwrap();
        assert!(messages.is_empty());
        assert_eq!(analysis.files[0].text, "[x]\n");
        assert_eq!(analysis.diagnostics.len(), 1);
        assert_eq!(fs::read_to_string(&path).unwrap(), "[x]\n");
    }

    #[test]
    fn fixable_paths_are_the_files_that_are_reported() {
        let sources = vec![
            ("a.rs".to_string(), Found::File(PathBuf::from("/w/a.rs"))),
            ("<stdin>".to_string(), Found::Stdin),
            (
                "bad.rs".to_string(),
                Found::Error {
                    path: PathBuf::from("bad.rs"),
                    message: "cannot read".to_string(),
                },
            ),
            ("b.rs".to_string(), Found::File(PathBuf::from("/w/b.rs"))),
        ];
        assert_eq!(
            fixable_paths(&sources, None),
            [
                Some(PathBuf::from("/w/a.rs")),
                None,
                None,
                Some(PathBuf::from("/w/b.rs"))
            ]
        );
        assert_eq!(
            fixable_paths(&sources, Some(&HashSet::from([3]))),
            [None, None, None, Some(PathBuf::from("/w/b.rs"))]
        );
    }

    #[test]
    fn a_file_outside_git_is_refused_without_allow_dirty() {
        let (dir, run) = fix_file("[x]\n", false, brackets);
        if Command::new("git")
            .arg("-C")
            .arg(dir.path())
            .args(["rev-parse"])
            .output()
            .is_ok_and(|o| o.status.success())
        {
            // The temporary directory is inside a git work tree: nothing to test here.
            return;
        }
        assert_eq!(run.result.err(), Some(EXIT_USAGE));
        assert_eq!(run.text, "[x]\n");
        assert!(
            run.messages.contains("(not in a git work tree)"),
            "{}",
            run.messages
        );
        assert!(run.messages.contains("--allow-dirty"), "{}", run.messages);
    }

    #[test]
    fn nothing_to_fix_writes_nothing_and_asks_git_nothing() {
        // Outside git and without --allow-dirty: no refusal, since nothing would change.
        let (_dir, run) = fix_file("no brackets\n", false, brackets);
        assert!(run.result.is_ok());
        assert_eq!(run.messages, "");
        assert_eq!(run.text, "no brackets\n");
    }

    #[test]
    fn a_file_that_cannot_be_written_is_an_input_error_and_keeps_its_text() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.rs");
        fs::write(&path, "[x]\n").unwrap();
        let mut permissions = fs::metadata(&path).unwrap().permissions();
        permissions.set_readonly(true);
        fs::set_permissions(&path, permissions).unwrap();
        let run = fix_path(&path, true, brackets);
        assert_eq!(run.text, "[x]\n");
        assert!(!run.messages.contains("Fixed"), "{}", run.messages);
        let analysis = run.result.unwrap();
        // The error first, then the suggestion that remains on the original text.
        assert_eq!(analysis.diagnostics.len(), 2);
        assert_eq!(analysis.diagnostics[0].origin, Origin::Input);
        assert!(analysis.diagnostics[0].message.contains("read-only"));
        assert_eq!(analysis.files[0].text, "[x]\n");
    }

    #[test]
    fn atomic_write_keeps_the_mode_and_leaves_no_temporary_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.rs");
        fs::write(&path, "old\n").unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            fs::set_permissions(&path, fs::Permissions::from_mode(0o640)).unwrap();
        }
        write_atomically(&path, b"old\n", b"new\n").unwrap();
        assert_eq!(fs::read_to_string(&path).unwrap(), "new\n");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = fs::metadata(&path).unwrap().permissions().mode() & 0o7777;
            assert_eq!(mode, 0o640);
        }
        let names: Vec<_> = fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, ["a.rs"]);
    }

    #[test]
    fn atomic_write_refuses_a_file_that_changed_and_leaves_it_alone() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.rs");
        fs::write(&path, "edited meanwhile\n").unwrap();
        let error = write_atomically(&path, b"old\n", b"new\n").unwrap_err();
        assert!(error.to_string().contains("changed"), "{error}");
        assert_eq!(fs::read_to_string(&path).unwrap(), "edited meanwhile\n");
        assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    #[test]
    fn atomic_write_refuses_a_read_only_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.rs");
        fs::write(&path, "old\n").unwrap();
        let mut permissions = fs::metadata(&path).unwrap().permissions();
        permissions.set_readonly(true);
        fs::set_permissions(&path, permissions).unwrap();
        let error = write_atomically(&path, b"old\n", b"new\n").unwrap_err();
        assert!(error.to_string().contains("read-only"), "{error}");
        assert_eq!(fs::read_to_string(&path).unwrap(), "old\n");
    }

    #[cfg(unix)]
    #[test]
    fn atomic_write_goes_through_a_symbolic_link() {
        let dir = tempfile::tempdir().unwrap();
        let real = dir.path().join("real.rs");
        let link = dir.path().join("link.rs");
        fs::write(&real, "old\n").unwrap();
        std::os::unix::fs::symlink(&real, &link).unwrap();
        write_atomically(&link, b"old\n", b"new\n").unwrap();
        assert!(fs::symlink_metadata(&link)
            .unwrap()
            .file_type()
            .is_symlink());
        assert_eq!(fs::read_to_string(&real).unwrap(), "new\n");
    }

    #[cfg(unix)]
    #[test]
    fn a_failed_write_leaves_the_original_and_no_temporary_file() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let sub = dir.path().join("sub");
        fs::create_dir(&sub).unwrap();
        let path = sub.join("a.rs");
        fs::write(&path, "old\n").unwrap();
        // A directory that cannot take a new file: the temporary file cannot be created.
        fs::set_permissions(&sub, fs::Permissions::from_mode(0o555)).unwrap();
        let result = write_atomically(&path, b"old\n", b"new\n");
        fs::set_permissions(&sub, fs::Permissions::from_mode(0o755)).unwrap();
        if result.is_ok() {
            // Running as root: permissions do not stop us, so there is nothing to test.
            return;
        }
        assert_eq!(fs::read_to_string(&path).unwrap(), "old\n");
        assert_eq!(fs::read_dir(&sub).unwrap().count(), 1);
    }
}
