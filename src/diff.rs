//! Changed-lines mode: `--diff [REV]` and `--staged`.
//!
//! git names the `.rs` files that changed and, for each, the lines that were added or changed;
//! devref parses and models the whole of each file (and, with PATHs, the other files under them),
//! then reports only the findings whose primary span touches one of those lines.
//!
//! - `--diff REV` compares the work tree with REV (`git diff REV`) and reads the files from disk.
//! - `--staged` compares the index with `HEAD` (`git diff --cached`, which also works before the
//!   first commit) and reads every file as the index has it, never as the work tree does: what
//!   gets committed is what gets checked. A file whose bytes on disk hash to the index's blob id is
//!   read from disk; the others come from `git cat-file --batch`. A hook run inherits git's
//!   `GIT_INDEX_FILE`, so `git commit -a` or `git commit FILE` check the index git commits.
//!
//! Which lines changed: the new side of the hunks of `git diff --unified=0`. A hunk that only
//! deletes lines counts as a change to the line that now follows the deletion (removing a
//! `// SAFETY:` comment changes what the next line means). Rename detection is on (`-M`): a
//! renamed file is reported under its new name, and only the lines that changed with the rename.
//!
//! Files that cannot be linted are named with a note on stderr: a deleted file, a symbolic link,
//! an unmerged path (a merge conflict). A changed file that is binary, not UTF-8 or does not parse
//! is reported as a `devref::input` error whatever its changed lines: nothing in it could be
//! checked.

use std::collections::{HashMap, HashSet};
use std::io::{Read, Write};
use std::ops::RangeInclusive;
use std::path::{Component, Path, PathBuf};
use std::process::{Command, Stdio};

use devref_lints::analysis::InputError;
use devref_lints::{Diagnostic, Origin, SourceFile, Span};
use globset::GlobSet;

use crate::cli::Args;
use crate::discover::{is_excluded, Found};
use crate::input::decode;
use crate::unified_diff;

/// What `--diff`/`--staged` selected: the sources to report on, their changed lines, and (with
/// `--staged`) the text of every source as the index has it.
#[derive(Debug, Default)]
pub struct Changes {
    /// Indices (in the driver's sources) of the changed files.
    reported: HashSet<usize>,
    /// The added or changed lines of each changed file.
    lines: HashMap<usize, LineSet>,
    /// `--staged`: the index's text of each source, read instead of the work tree's file.
    texts: HashMap<usize, Result<String, InputError>>,
}

impl Changes {
    /// The indices of the sources whose findings are reported.
    pub fn reported(&self) -> HashSet<usize> {
        self.reported.clone()
    }

    /// `--staged`: the index's text of source `index`, if it is to be read from the index.
    pub fn take_text(&mut self, index: usize) -> Option<Result<String, InputError>> {
        self.texts.remove(&index)
    }

    /// Keeps the diagnostics whose primary span or one of whose anchors (the other places of the
    /// same problem) touches a changed line, and every `devref::input` error of a changed file (a
    /// file that could not be read or parsed had none of its lines checked).
    pub fn retain(&self, diagnostics: &mut Vec<Diagnostic>, files: &[SourceFile]) {
        diagnostics.retain(|diagnostic| {
            if matches!(diagnostic.origin, Origin::Input) {
                return self
                    .lines
                    .contains_key(&(diagnostic.primary.file.0 as usize));
            }
            diagnostic.places().any(|span| self.touches(span, files))
        });
    }

    fn touches(&self, span: Span, files: &[SourceFile]) -> bool {
        let index = span.file.0 as usize;
        let (Some(lines), Some(file)) = (self.lines.get(&index), files.get(index)) else {
            return false;
        };
        let start = span.start as usize;
        let end = (span.end as usize).max(start + 1) - 1;
        let first = file.line_col(start).line;
        let last = file.line_col(end.max(start)).line;
        lines.touches(first, last)
    }
}

/// 1-based line numbers, as sorted, disjoint ranges.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LineSet(Vec<RangeInclusive<usize>>);

impl LineSet {
    fn add(&mut self, range: RangeInclusive<usize>) {
        self.0.push(range);
    }

    fn normalize(&mut self) {
        self.0.sort_by_key(|range| (*range.start(), *range.end()));
        let mut merged: Vec<RangeInclusive<usize>> = Vec::with_capacity(self.0.len());
        for range in self.0.drain(..) {
            match merged.last_mut() {
                Some(last) if *range.start() <= last.end() + 1 => {
                    if range.end() > last.end() {
                        *last = *last.start()..=*range.end();
                    }
                }
                _ => merged.push(range),
            }
        }
        self.0 = merged;
    }

    /// Whether any line of `first..=last` is in the set.
    pub fn touches(&self, first: usize, last: usize) -> bool {
        self.0
            .iter()
            .any(|range| *range.start() <= last && first <= *range.end())
    }
}

/// Where the changes come from.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Mode {
    /// `--diff REV`: the work tree against REV.
    WorkTree(String),
    /// `--staged`: the index against `HEAD`.
    Staged,
}

impl Mode {
    fn flag(&self) -> &'static str {
        match self {
            Mode::WorkTree(_) => "--diff",
            Mode::Staged => "--staged",
        }
    }
}

/// What git says changed, before the files to lint are searched.
pub struct Changed {
    repo: Repo,
    mode: Mode,
    /// The PATHs (empty without them).
    pathspec: Vec<PathBuf>,
    /// Each changed file to lint: its path in the repository, its staged blob (`--staged`) and
    /// its added or changed lines.
    files: Vec<(String, Option<String>, LineSet)>,
}

/// `--diff`/`--staged`: asks git which files and lines changed (before any file is searched, so
/// that a bad invocation or a missing repository is reported at once).
///
/// `None` without `--diff`/`--staged`; an error is a bad invocation or a failing git.
pub fn changed(args: &Args, exclude: &GlobSet) -> Result<Option<Changed>, String> {
    let mode = match (&args.diff, args.staged) {
        (Some(rev), _) => Mode::WorkTree(rev.clone()),
        (None, true) => Mode::Staged,
        (None, false) => return Ok(None),
    };
    let flag = mode.flag();
    if args.paths.iter().any(|path| path.as_os_str() == "-") {
        return Err(format!(
            "`{flag}` takes its files from git, so `-` (stdin) cannot be linted with it"
        ));
    }
    let repo = Repo::open(flag)?;
    let base = match &mode {
        Mode::WorkTree(rev) => Some(repo.commit(rev)?),
        Mode::Staged => None,
    };
    let pathspec: &[PathBuf] = if args.paths_given { &args.paths } else { &[] };
    // Where changes count: below the PATHs (as paths in the repository; `""` is all of it).
    let scopes = pathspec
        .iter()
        .map(|path| repo.scope(path))
        .collect::<Result<Vec<String>, String>>()?;

    let mut raw = vec!["diff"];
    if mode == Mode::Staged {
        raw.push("--cached");
    }
    raw.extend(["--raw", "-z", "--no-abbrev", "-M", "--no-ext-diff"]);
    let mut patch = vec!["diff"];
    if mode == Mode::Staged {
        patch.push("--cached");
    }
    patch.extend([
        "-M",
        "--unified=0",
        "--text",
        "--no-color",
        "--no-ext-diff",
        "--no-textconv",
        "--src-prefix=a/",
        "--dst-prefix=b/",
    ]);
    if let Some(base) = &base {
        raw.push(base);
        patch.push(base);
    }
    // The whole repository's changes, then those below the PATHs: a file moved into them from
    // elsewhere is still a rename.
    let entries = parse_raw(&repo.run(&raw, &[])?)?;
    let in_scope = |path: &str| {
        scopes.is_empty()
            || scopes.iter().any(|scope| {
                scope.is_empty()
                    || path
                        .strip_prefix(scope.as_str())
                        .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
            })
    };

    // The changed files to lint.
    let mut selected: Vec<RawEntry> = Vec::new();
    for entry in entries {
        let name = repo.display_name(&entry.path);
        if !is_rs(&entry.path) || !in_scope(&entry.path) || is_excluded(Path::new(&name), exclude) {
            continue;
        }
        match entry.status {
            b'D' => {
                let what = match mode {
                    Mode::Staged => "is staged for deletion",
                    Mode::WorkTree(_) => "was deleted",
                };
                eprintln!("note: `{name}` {what}: nothing to lint");
                continue;
            }
            b'U' => {
                eprintln!(
                    "note: `{name}` has merge conflicts: not linted until they are resolved and \
                     the result is staged"
                );
                continue;
            }
            _ => {}
        }
        match entry.new_mode.as_str() {
            "100644" | "100755" => {}
            "120000" => {
                eprintln!(
                    "note: `{name}` is a symbolic link: not linted (its target is, if it changed)"
                );
                continue;
            }
            // A submodule (`160000`) holds no text of its own.
            _ => continue,
        }
        selected.push(entry);
    }
    // Their new-side lines: the hunks of those files only, with both sides of each rename so
    // that git pairs them again.
    let mut hunks = HashMap::new();
    if !selected.is_empty() {
        let paths: Vec<&str> = selected
            .iter()
            .flat_map(|entry| std::iter::once(&entry.path).chain(&entry.old_path))
            .map(String::as_str)
            .collect();
        hunks = changed_lines(&repo.run_at_top(&patch, &paths)?)?;
    }
    let changed: Vec<(String, Option<String>, LineSet)> = selected
        .into_iter()
        .map(|entry| {
            let mut lines: LineSet = hunks.remove(&entry.path).unwrap_or_default();
            lines.normalize();
            let blob = (mode == Mode::Staged).then_some(entry.new_blob);
            (entry.path, blob, lines)
        })
        .collect();
    Ok(Some(Changed {
        repo,
        mode,
        pathspec: pathspec.to_vec(),
        files: changed,
    }))
}

impl Changed {
    /// Fits the changed files into `sources`, the files the model is built over (those under the
    /// PATHs, or those `cargo devref` selected; none without either). A changed file among the
    /// sources is reported there; one that is not is added with `add_missing` (`devref`), and
    /// left out without it (`cargo devref`, which lints only the files its packages' module trees
    /// reach). With `--staged`, sources that are in the repository but not in the index are
    /// dropped (they are not part of the commit), and every source is read from the index.
    pub fn fit(
        self,
        sources: &mut Vec<(String, Found)>,
        add_missing: bool,
    ) -> Result<Changes, String> {
        let Changed {
            repo,
            mode,
            pathspec,
            files: changed,
        } = self;
        // Each source's path in the repository, to find the changed files among them.
        let mut keys: Vec<Option<String>> = sources
            .iter()
            .map(|(_, found)| match found {
                Found::File(path) | Found::Error { path, .. } => repo.key(path),
                Found::Stdin => None,
            })
            .collect();
        let mut texts: HashMap<usize, String> = HashMap::new();
        if mode == Mode::Staged && !sources.is_empty() {
            // The model is built over what the commit holds: the index's text of each source in the
            // repository; a file in the work tree but not in the index is left out.
            let index = repo.index(&pathspec)?;
            let mut kept = Vec::with_capacity(sources.len());
            let mut kept_keys = Vec::with_capacity(sources.len());
            for (source, key) in sources.drain(..).zip(keys) {
                let blob = match &key {
                    // A PATH that cannot be read is reported as it is.
                    _ if matches!(source.1, Found::Error { .. }) => None,
                    Some(key) if repo.is_inside(key) => match index.get(key) {
                        Some(blob) => Some(blob.clone()),
                        None => continue,
                    },
                    _ => None,
                };
                if let Some(blob) = blob {
                    texts.insert(kept.len(), blob);
                }
                kept.push(source);
                kept_keys.push(key);
            }
            *sources = kept;
            keys = kept_keys;
        }
        let mut by_key: HashMap<&str, Vec<usize>> = HashMap::new();
        for (index, key) in keys.iter().enumerate() {
            if let Some(key) = key {
                by_key.entry(key.as_str()).or_default().push(index);
            }
        }

        let mut changes = Changes::default();
        // A PATH that cannot be read (one that does not exist, say) is an error worth reporting.
        for (index, (_, found)) in sources.iter().enumerate() {
            if matches!(found, Found::Error { .. }) {
                changes.reported.insert(index);
                changes.lines.insert(index, LineSet::default());
            }
        }
        let mut appended = Vec::new();
        for (path, blob, lines) in changed {
            let indices = match by_key.get(path.as_str()) {
                Some(indices) => indices.clone(),
                None if !add_missing => continue,
                None => {
                    let name = repo.display_name(&path);
                    let index = sources.len() + appended.len();
                    appended.push((name.clone(), Found::File(PathBuf::from(name))));
                    vec![index]
                }
            };
            for index in indices {
                if let Some(blob) = &blob {
                    texts.insert(index, blob.clone());
                }
                changes.reported.insert(index);
                changes.lines.insert(index, lines.clone());
            }
        }
        sources.extend(appended);

        // A file whose bytes on disk are exactly the index's blob is read from disk: git would
        // inflate the same bytes, more slowly (most of a one-file `--staged` run on a whole tree).
        texts.retain(|&index, blob| {
            let (name, Found::File(path)) = &sources[index] else {
                return true;
            };
            match read_if_blob(path, blob) {
                Some(bytes) => {
                    changes.texts.insert(index, decode(name, bytes));
                    false
                }
                None => true,
            }
        });
        if !texts.is_empty() {
            let mut blobs: Vec<&str> = texts.values().map(String::as_str).collect();
            blobs.sort_unstable();
            blobs.dedup();
            let contents = repo.blobs(&blobs)?;
            for (index, blob) in texts {
                let name = &sources[index].0;
                let text = match contents.get(&blob) {
                    Some(bytes) => decode(name, bytes.clone()),
                    None => Err(InputError::new(format!(
                        "cannot read the staged `{name}`: git has no object {blob}"
                    ))),
                };
                changes.texts.insert(index, text);
            }
        }
        Ok(changes)
    }
}

/// The bytes of the file at `path` if they are the blob `blob` (a SHA-1 object id in hex: the hash
/// of git's `blob <size>\0` header and the bytes), else `None`. Compared byte for byte, so an
/// unstaged change, a clean filter or a line-ending conversion never lets the work tree in; the
/// object ids of a SHA-256 repository are never matched, and those files come from git.
fn read_if_blob(path: &Path, blob: &str) -> Option<Vec<u8>> {
    use sha1::{Digest, Sha1};
    if blob.len() != 40 {
        return None;
    }
    let bytes = std::fs::read(path).ok()?;
    let mut hasher = Sha1::new();
    hasher.update(format!("blob {}\0", bytes.len()).as_bytes());
    hasher.update(&bytes);
    let id: String = hasher
        .finalize()
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect();
    (id == blob).then_some(bytes)
}

fn is_rs(path: &str) -> bool {
    path.ends_with(".rs")
}

/// One entry of `git diff --raw -z`.
#[derive(Debug, PartialEq, Eq)]
struct RawEntry {
    status: u8,
    new_mode: String,
    new_blob: String,
    /// The path before a rename or copy.
    old_path: Option<String>,
    /// The path after the change (for a deletion, the deleted path), relative to the top of the
    /// work tree.
    path: String,
}

/// Parses `git diff --raw -z --no-abbrev`: `:old_mode new_mode old_blob new_blob STATUS\0path\0`,
/// with a second path for renames and copies.
fn parse_raw(bytes: &[u8]) -> Result<Vec<RawEntry>, String> {
    let mut fields = bytes.split(|&b| b == 0);
    let mut entries = Vec::new();
    while let Some(header) = fields.next() {
        if header.is_empty() {
            continue;
        }
        let header = String::from_utf8_lossy(header);
        let parts: Vec<&str> = header.trim_start_matches(':').split(' ').collect();
        let [_, new_mode, _, new_blob, status] = parts[..] else {
            return Err(format!("cannot read git's list of changes at `{header}`"));
        };
        let status = status.as_bytes().first().copied().unwrap_or(b'?');
        let mut path = fields.next().unwrap_or_default();
        let mut old_path = None;
        if matches!(status, b'R' | b'C') {
            old_path = String::from_utf8(path.to_vec()).ok();
            path = fields.next().unwrap_or_default();
        }
        let Ok(path) = String::from_utf8(path.to_vec()) else {
            eprintln!(
                "note: `{}` is not linted: its path is not UTF-8",
                String::from_utf8_lossy(path)
            );
            continue;
        };
        entries.push(RawEntry {
            status,
            new_mode: new_mode.to_string(),
            new_blob: new_blob.to_string(),
            old_path,
            path,
        });
    }
    Ok(entries)
}

/// The new-side lines of each file's hunks in `git diff --unified=0` output, by the new path.
fn changed_lines(patch: &[u8]) -> Result<HashMap<String, LineSet>, String> {
    // Only the paths and hunk headers matter; a path that is not UTF-8 was left out already.
    let text = String::from_utf8_lossy(patch);
    let mut files: HashMap<String, LineSet> = HashMap::new();
    for section in unified_diff::sections(&text) {
        let section = section.map_err(|error| {
            format!(
                "cannot read git's diff at line {}: {}",
                error.line + 1,
                error.message
            )
        })?;
        let Some(path) = section.new_path else {
            continue;
        };
        let set = files.entry(path).or_default();
        for hunk in &section.hunks {
            if hunk.new_count > 0 {
                set.add(hunk.new_start..=hunk.new_start + hunk.new_count - 1);
            } else {
                // Lines were only deleted, after line `new_start`: the line that now follows the
                // deletion changed meaning.
                set.add(hunk.new_start + 1..=hunk.new_start + 1);
            }
        }
    }
    Ok(files)
}

/// The git work tree the current directory is in.
struct Repo {
    /// The top of the work tree, as git prints it (resolved).
    toplevel: PathBuf,
    /// The current directory relative to the top, `/`-separated, ending in `/` unless empty.
    prefix: String,
}

impl Repo {
    /// The work tree of the current directory, or an error that says there is none.
    fn open(flag: &str) -> Result<Repo, String> {
        let output = git()
            .args(["rev-parse", "--show-toplevel", "--show-prefix"])
            .output()
            .map_err(|error| format!("`{flag}` needs git, which cannot be run: {error}"))?;
        let cwd = std::env::current_dir()
            .map_or_else(|_| ".".to_string(), |cwd| cwd.display().to_string());
        if !output.status.success() {
            let stderr = String::from_utf8_lossy(&output.stderr);
            return Err(if stderr.contains("not a git repository") {
                format!(
                    "not in a git repository: `{flag}` lints the changes git records, and \
                     `{cwd}` is not inside a git work tree"
                )
            } else if stderr.contains("work tree") {
                format!(
                    "not in a git work tree: `{flag}` lints the changes git records, and \
                     `{cwd}` is inside a git directory, not a work tree"
                )
            } else {
                format!("`git rev-parse` failed: {}", first_line(&stderr))
            });
        }
        let stdout = String::from_utf8(output.stdout)
            .map_err(|_| "the path of the git work tree is not UTF-8".to_string())?;
        let mut lines = stdout.lines();
        let toplevel = PathBuf::from(lines.next().unwrap_or_default());
        let prefix = lines.next().unwrap_or_default().to_string();
        Ok(Repo { toplevel, prefix })
    }

    /// The commit REV names, or an error that says why it names none.
    fn commit(&self, rev: &str) -> Result<String, String> {
        let output = git()
            .args(["rev-parse", "--verify", "--quiet", "--end-of-options"])
            .arg(format!("{rev}^{{commit}}"))
            .output()
            .map_err(|error| format!("cannot run git: {error}"))?;
        if output.status.success() {
            return Ok(String::from_utf8_lossy(&output.stdout).trim().to_string());
        }
        if rev == "HEAD" {
            return Err(
                "`--diff` compares with `HEAD`, but the repository has no commit yet (`--staged` \
                 lints what the first commit would add)"
                    .to_string(),
            );
        }
        if Path::new(rev).exists() {
            return Err(format!(
                "`--diff {rev}`: `{rev}` is a path, not a git revision; to compare with `HEAD`, \
                 write `--diff HEAD {rev}`"
            ));
        }
        Err(format!(
            "`--diff {rev}`: `{rev}` does not name a commit in this repository"
        ))
    }

    /// Runs `git ARGS -- PATHSPEC` in the current directory and returns its output.
    fn run(&self, args: &[&str], pathspec: &[PathBuf]) -> Result<Vec<u8>, String> {
        self.output(git().args(args).arg("--").args(pathspec), args)
    }

    /// Runs `git ARGS -- PATHS` at the top of the work tree (`PATHS` are paths in the
    /// repository) and returns its output.
    fn run_at_top(&self, args: &[&str], paths: &[&str]) -> Result<Vec<u8>, String> {
        let mut command = git();
        command
            .current_dir(&self.toplevel)
            .args(args)
            .arg("--")
            .args(paths);
        self.output(&mut command, args)
    }

    fn output(&self, command: &mut Command, args: &[&str]) -> Result<Vec<u8>, String> {
        let output = command
            .output()
            .map_err(|error| format!("cannot run git: {error}"))?;
        if !output.status.success() {
            return Err(format!(
                "`git {}` failed: {}",
                args.join(" "),
                first_line(&String::from_utf8_lossy(&output.stderr))
            ));
        }
        Ok(output.stdout)
    }

    /// The blob of each regular file in the index under PATHSPEC, by path (stage 0 only: an
    /// unmerged path has no single text).
    fn index(&self, pathspec: &[PathBuf]) -> Result<HashMap<String, String>, String> {
        let output = self.run(&["ls-files", "--stage", "-z", "--full-name"], pathspec)?;
        let mut index = HashMap::new();
        for entry in output.split(|&b| b == 0).filter(|entry| !entry.is_empty()) {
            let Some(tab) = entry.iter().position(|&b| b == b'\t') else {
                continue;
            };
            let (meta, path) = (&entry[..tab], &entry[tab + 1..]);
            let meta = String::from_utf8_lossy(meta);
            let [mode, blob, stage] = meta.split(' ').collect::<Vec<_>>()[..] else {
                continue;
            };
            if stage != "0" || !matches!(mode, "100644" | "100755") {
                continue;
            }
            if let Ok(path) = String::from_utf8(path.to_vec()) {
                index.insert(path, blob.to_string());
            }
        }
        Ok(index)
    }

    /// The contents of `blobs`, through one `git cat-file --batch`.
    fn blobs(&self, blobs: &[&str]) -> Result<HashMap<String, Vec<u8>>, String> {
        let mut child = git()
            .args(["cat-file", "--batch"])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|error| format!("cannot run git: {error}"))?;
        let mut stdin = child.stdin.take().expect("piped stdin");
        let request: String = blobs.iter().map(|blob| format!("{blob}\n")).collect();
        // Written from another thread: git answers while it reads, and both pipes are bounded.
        let writer = std::thread::spawn(move || stdin.write_all(request.as_bytes()));
        let mut output = Vec::new();
        let read = child
            .stdout
            .take()
            .expect("piped stdout")
            .read_to_end(&mut output);
        let _ = writer.join();
        let mut stderr = String::new();
        if let Some(mut pipe) = child.stderr.take() {
            let _ = pipe.read_to_string(&mut stderr);
        }
        let status = child.wait();
        read.map_err(|error| format!("cannot read from `git cat-file`: {error}"))?;
        if !status.is_ok_and(|status| status.success()) {
            return Err(format!(
                "`git cat-file --batch` failed: {}",
                first_line(&stderr)
            ));
        }
        let mut contents = HashMap::new();
        let mut rest = &output[..];
        while !rest.is_empty() {
            let Some(newline) = rest.iter().position(|&b| b == b'\n') else {
                break;
            };
            let header = String::from_utf8_lossy(&rest[..newline]).into_owned();
            rest = &rest[newline + 1..];
            let parts: Vec<&str> = header.split(' ').collect();
            let [blob, _, size] = parts[..] else {
                // `<object> missing`: left out, and reported by the caller.
                continue;
            };
            let size: usize = size
                .parse()
                .map_err(|_| format!("cannot read `git cat-file` output at `{header}`"))?;
            let Some(body) = rest.get(..size) else {
                return Err("`git cat-file` output ended early".to_string());
            };
            contents.insert(blob.to_string(), body.to_vec());
            rest = rest.get(size + 1..).unwrap_or_default();
        }
        Ok(contents)
    }

    /// A path relative to the top of the work tree, as the user sees it: relative to the current
    /// directory.
    fn display_name(&self, path: &str) -> String {
        if let Some(below) = path.strip_prefix(&self.prefix) {
            return below.to_string();
        }
        let mut prefix: Vec<&str> = self.prefix.split('/').filter(|c| !c.is_empty()).collect();
        let mut rest: Vec<&str> = path.split('/').collect();
        while !prefix.is_empty() && rest.len() > 1 && prefix[0] == rest[0] {
            prefix.remove(0);
            rest.remove(0);
        }
        let mut name = "../".repeat(prefix.len());
        name.push_str(&rest.join("/"));
        name
    }

    /// A file's path relative to the top of the work tree (`/`-separated), worked out from its
    /// name; `..` for a path outside the work tree; `None` if it cannot be told.
    fn key(&self, path: &Path) -> Option<String> {
        let relative = if path.is_absolute() {
            match path.strip_prefix(&self.toplevel) {
                Ok(relative) => relative.to_path_buf(),
                Err(_) => {
                    // Through a symbolic link, perhaps: resolve the folder, keep the name.
                    let resolved = match (path.parent(), path.file_name()) {
                        (Some(parent), Some(name)) => parent.canonicalize().ok()?.join(name),
                        _ => path.to_path_buf(),
                    };
                    match resolved.strip_prefix(&self.toplevel) {
                        Ok(relative) => relative.to_path_buf(),
                        Err(_) => return Some("..".to_string()),
                    }
                }
            }
        } else {
            Path::new(&self.prefix).join(path)
        };
        let mut parts: Vec<&str> = Vec::new();
        for component in relative.components() {
            match component {
                Component::CurDir => {}
                Component::ParentDir => {
                    if parts.pop().is_none() {
                        return Some("..".to_string());
                    }
                }
                Component::Normal(part) => parts.push(part.to_str()?),
                Component::RootDir | Component::Prefix(_) => return None,
            }
        }
        Some(parts.join("/"))
    }

    /// A PATH as a path in the repository, below which changes count.
    fn scope(&self, path: &Path) -> Result<String, String> {
        match self.key(path) {
            Some(key) if self.is_inside(&key) => Ok(key),
            Some(_) => Err(format!(
                "`{}` is outside the git work tree `{}`",
                path.display(),
                self.toplevel.display()
            )),
            None => Err(format!(
                "`{}` cannot be named as a path in the git work tree `{}`",
                path.display(),
                self.toplevel.display()
            )),
        }
    }

    /// Whether a key names a path inside the work tree.
    fn is_inside(&self, key: &str) -> bool {
        key != ".."
    }
}

/// `git`, run in the current directory. It never takes optional locks: a hook runs while
/// `git commit` holds the index.
fn git() -> Command {
    let mut command = Command::new("git");
    command
        .env("GIT_OPTIONAL_LOCKS", "0")
        // Paths exactly as given; `diff.relative` would drop changes outside the current folder.
        .args(["--literal-pathspecs", "-c", "diff.relative=false"])
        // Output that does not depend on the user's configuration.
        .args([
            "-c",
            "diff.noprefix=false",
            "-c",
            "diff.mnemonicPrefix=false",
        ]);
    command
}

fn first_line(text: &str) -> &str {
    text.lines()
        .find(|line| !line.trim().is_empty())
        .unwrap_or("")
        .trim()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_is_read_from_disk_only_when_its_bytes_are_the_blob() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.rs");
        std::fs::write(&path, "fn a() {}\n").unwrap();
        // `printf 'fn a() {}\n' | git hash-object --stdin`
        let blob = "ca05282d78fc4edbdc73e5ec2ce1fe1e16725e42";
        assert_eq!(
            read_if_blob(&path, blob).as_deref(),
            Some(&b"fn a() {}\n"[..])
        );
        std::fs::write(&path, "fn a() {}\r\n").unwrap();
        assert_eq!(read_if_blob(&path, blob), None);
        // A SHA-256 object id is never matched; a missing file is not read.
        assert_eq!(read_if_blob(&path, &"0".repeat(64)), None);
        assert_eq!(read_if_blob(&dir.path().join("gone.rs"), blob), None);
    }

    #[test]
    fn raw_entries_with_renames_and_deletions() {
        let raw = b":100644 100644 aaaa bbbb M\0src/a.rs\0\
                    :100644 100644 cccc dddd R087\0old.rs\0new.rs\0\
                    :100644 000000 eeee 0000 D\0gone.rs\0";
        let entries = parse_raw(raw).unwrap();
        assert_eq!(entries.len(), 3);
        assert_eq!(entries[0].path, "src/a.rs");
        assert_eq!(entries[1].status, b'R');
        assert_eq!(entries[1].path, "new.rs");
        assert_eq!(entries[1].new_blob, "dddd");
        assert_eq!(entries[2].status, b'D');
        assert_eq!(entries[2].new_mode, "000000");
    }

    #[test]
    fn patch_hunks_give_new_side_lines() {
        let patch = b"diff --git a/x.rs b/x.rs\n\
                      index 1..2 100644\n\
                      --- a/x.rs\n\
                      +++ b/x.rs\n\
                      @@ -2 +2,2 @@ fn f\n\
                      -old\n\
                      +++ new looks like a header\n\
                      +second\n\
                      @@ -10,3 +11,0 @@\n\
                      -a\n\
                      -b\n\
                      -c\n\
                      @@ -20,0 +21 @@\n\
                      +added\n\
                      diff --git \"a/sp\\303\\251cial \\\"q\\\".rs\" \"b/sp\\303\\251cial \\\"q\\\".rs\"\n\
                      --- \"a/sp\\303\\251cial \\\"q\\\".rs\"\n\
                      +++ \"b/sp\\303\\251cial \\\"q\\\".rs\"\n\
                      @@ -1 +1 @@\n\
                      -a\n\
                      +b\n";
        let files = changed_lines(patch).unwrap();
        let mut x = files["x.rs"].clone();
        x.normalize();
        assert_eq!(x, LineSet(vec![2..=3, 12..=12, 21..=21]));
        assert!(!files.contains_key("new looks like a header"));
        assert_eq!(files["spécial \"q\".rs"], LineSet(vec![1..=1]));
    }

    #[test]
    fn line_sets_merge_and_intersect() {
        let mut set = LineSet::default();
        set.add(5..=6);
        set.add(1..=2);
        set.add(3..=3);
        set.normalize();
        assert_eq!(set, LineSet(vec![1..=3, 5..=6]));
        assert!(set.touches(4, 5));
        assert!(!set.touches(4, 4));
        assert!(!set.touches(7, 9));
    }

    #[test]
    fn names_relative_to_the_current_folder() {
        let repo = Repo {
            toplevel: PathBuf::from("/repo"),
            prefix: "drivers/gpu/".to_string(),
        };
        assert_eq!(repo.display_name("drivers/gpu/a.rs"), "a.rs");
        assert_eq!(repo.display_name("drivers/net/b.rs"), "../net/b.rs");
        assert_eq!(repo.display_name("rust/c.rs"), "../../rust/c.rs");
        assert_eq!(repo.key(Path::new("a.rs")).unwrap(), "drivers/gpu/a.rs");
        assert_eq!(
            repo.key(Path::new("./x/../b.rs")).unwrap(),
            "drivers/gpu/b.rs"
        );
        assert_eq!(repo.key(Path::new("../../../out.rs")).unwrap(), "..");
        assert_eq!(repo.key(Path::new("/repo/rust/k.rs")).unwrap(), "rust/k.rs");
    }
}
