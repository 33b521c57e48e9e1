//! The analysis pipeline: parse and lower each file, build the model, run the lints.
//!
//! syn's syntax trees are not `Send`, so each worker thread keeps the trees of the files it parsed and
//! later lints exactly those files; only the `Send` item trees travel to the thread that builds the
//! model. The trees that wait for the model may span [`DEFAULT_TREE_BUDGET`] bytes of text in all
//! (none when the input is over [`TREES_WAIT_UP_TO`]); past that, a file's tree is dropped once
//! lowered and the file parsed again for its lints, so memory does not grow with the sum of the
//! trees. Results are sorted at the end, so the output never depends on scheduling.
//!
//! With a [`SummaryStore`] and a [`FindingsStore`] (see [`Focus`]), a linted file whose item tree
//! is stored is not parsed before the model: the model's fingerprint reaches the workers before the
//! model is built, the findings kept for it answer at once, and the files left are parsed while
//! the model is built, within the budget.
//!
//! A panic while parsing, lowering or linting one file is caught and reported as an error on that
//! file; the other files' results are kept.

use std::collections::HashSet;
use std::ops::Range;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::thread;

use crate::comments::CommentIndex;
use crate::diagnostic::Diagnostic;
use crate::diagnostic::Origin;
use crate::levels::LevelSpec;
use crate::lint::{Group, Level};
use crate::lints::check_file;
use crate::model::def_map::{declared_module_files, ModuleFile};
use crate::model::file_context::FileContext;
use crate::model::item_tree::ItemTree;
use crate::model::lower::lower_file;
use crate::model::macros::MacroCache;
use crate::model::{Model, ModelFile};
use crate::options::Options;
use crate::panics::{catch_panic, panic_message};
use crate::parse::{forget_spans, parse_nested};
use crate::pruning;
use crate::source::{blank_prefix, FileId, SourceFile, Span};
use crate::suppress::{Suppressions, Target};

/// One file to analyse: its display name and its text, or why it could not be read.
pub struct Input {
    pub name: String,
    pub content: Result<String, InputError>,
}

/// Why a file could not be analysed, and where to point: `text` is what the diagnostic shows of the
/// file (e.g. a lossy decoding of a file that is not UTF-8; empty if nothing can be shown) and `span`
/// the byte range in it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct InputError {
    pub message: String,
    pub text: String,
    pub span: Range<usize>,
}

impl InputError {
    /// An error about the file as a whole; it points at the start of an empty file.
    pub fn new(message: impl Into<String>) -> InputError {
        InputError {
            message: message.into(),
            text: String::new(),
            span: 0..0,
        }
    }
}

impl From<String> for InputError {
    fn from(message: String) -> InputError {
        InputError::new(message)
    }
}

pub struct Analysis {
    /// Indexed by `FileId`.
    pub files: Vec<SourceFile>,
    /// Sorted by file, then position.
    pub diagnostics: Vec<Diagnostic>,
}

/// Worker stacks are large because syn recurses once per nesting level of an expression.
const WORKER_STACK: usize = 256 * 1024 * 1024;

/// What a worker keeps of a file until its lints run.
struct Parsed {
    ast: syn::File,
    macros: MacroCache,
}

impl Parsed {
    /// The tree of a file with nothing to walk (see [`pruning::nothing_to_walk`]).
    fn empty() -> Parsed {
        Parsed {
            ast: syn::File {
                shebang: None,
                attrs: Vec::new(),
                items: Vec::new(),
            },
            macros: MacroCache::default(),
        }
    }
}

/// A file lowered and waiting for the model: its syntax tree, nothing to walk, or nothing kept, to
/// be parsed again.
enum Waiting {
    Kept(Parsed),
    /// Its tree has nothing to walk (see [`pruning::nothing_to_walk`]): an empty tree stands for
    /// it, kept or not, and it is never parsed again.
    Empty,
    /// Its tree was dropped, to be parsed again without the items the lints do not walk, whose
    /// text is here (see [`pruning::drop_unwalked_items`]); none for a tree from the summary
    /// store.
    Dropped(DroppedItems),
}

/// Where the items of a file that its lints do not walk are, in its text.
type DroppedItems = Box<[Range<usize>]>;

/// How many bytes of source text the syntax trees waiting for the model may span, over all files,
/// unless [`Options::tree_budget`] says otherwise. Past it, a file's tree is dropped after lowering
/// and the file parsed again when its lints run, with the items they do not walk cut out (see
/// [`crate::pruning::cut`]). A tree costs tens of bytes per byte of text it spans: on Linux 7.3,
/// whose walked items span 1.3 MB, this budget peaks at 55 to 59 MiB against 66 MiB with every
/// tree kept, for 7 % more time, and 512 KiB at 50 MiB for 10 % (`bench/RESULTS.md`).
pub const DEFAULT_TREE_BUDGET: usize = 768 << 10;

/// Inputs of more text than this keep no syntax tree for their lints (see [`tree_budget_for`]).
pub const TREES_WAIT_UP_TO: usize = 16 << 20;

/// The default budget of waiting trees for `text` bytes of input. The budget saves a second parse
/// of the files whose trees fit, a share of the work that shrinks as the input grows, while the
/// trees cost tens of megabytes at any size: ten copies of Linux 7.3 (34 MB) peak at 173 MiB
/// without them against 246 MiB, for 7 % more time; thirty copies and the crates of devref's
/// lock file take 10 % less memory, in the same time (`bench/RESULTS.md`).
pub fn tree_budget_for(text: usize) -> usize {
    if text > TREES_WAIT_UP_TO {
        0
    } else {
        DEFAULT_TREE_BUDGET
    }
}

/// The bytes of text the waiting syntax trees may still span, shared by the workers.
struct TreeBudget {
    left: AtomicUsize,
}

impl TreeBudget {
    fn new(bytes: usize) -> TreeBudget {
        TreeBudget {
            left: AtomicUsize::new(bytes),
        }
    }

    /// Whether a tree spanning `bytes` fits, and if so takes them.
    fn take(&self, bytes: usize) -> bool {
        self.left
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |left| {
                left.checked_sub(bytes)
            })
            .is_ok()
    }
}

/// What an analysis does with its syntax trees and its model once it is done with them.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Teardown {
    /// Free them: for a library caller, or a process that goes on (`--fix`, `devref review`).
    #[default]
    Free,
    /// Leave them to the operating system: for a process that exits after this one analysis, as
    /// clang's driver does (`-disable-free`). Freeing them touches every node again, cold (what
    /// that costs is in `bench/RESULTS.md`); it would not lower the peak memory, which is reached
    /// before linting, while every tree waits for the model.
    Exit,
}

/// What a run lints and what it may reuse, for a run that reports on a few files of a large tree
/// (`--report-only`, `--staged`, `devref review`).
#[derive(Clone, Copy, Default)]
pub struct Focus<'a> {
    /// The inputs (by index) to lint. The others only give their items to the model, and none of
    /// their diagnostics is kept (not even that they do not parse). `None`: every input.
    ///
    /// This loses no finding of a linted file: a file's lints report on that file, and every place
    /// of a diagnostic (see [`Diagnostic::places`]) is in the file of its primary span.
    pub linted: Option<&'a HashSet<usize>>,
    /// Where the item trees of files are kept between runs. A file that is not linted is not
    /// parsed when its tree is there; every tree lowered is offered to it.
    pub summaries: Option<&'a dyn SummaryStore>,
    /// Where each file's findings are kept between runs, by the model they were found with. With
    /// `summaries` too, a linted file whose tree is there is not parsed before the model is built,
    /// and not at all when its findings are kept.
    pub findings: Option<&'a dyn FindingsStore>,
}

impl Focus<'_> {
    fn lints(&self, id: FileId) -> bool {
        self.linted
            .is_none_or(|linted| linted.contains(&(id.0 as usize)))
    }
}

/// The item trees of files, kept between runs and found again by the file's text (see
/// `src/summaries.rs` of the `devref` crate). Its calls must not panic; a tree it cannot give is a
/// miss, never an error.
pub trait SummaryStore: Sync {
    /// The item tree lowered from exactly this file's text (with the options the tree depends on,
    /// see [`crate::model::summary`]), with its spans in `source.id`.
    fn load(&self, source: &SourceFile) -> Option<ItemTree>;
    /// Keeps the summary ([`crate::model::summary::encode`]) of the item tree just lowered from
    /// `source`. Only a summary that decodes is offered (see
    /// [`crate::model::summary::encode_decodable`]).
    fn store(&self, source: &SourceFile, summary: &[u8]);
}

/// Which model a file was linted with: a digest of every input's name and of the item tree lowered
/// from it, spans left out (see [`crate::model::summary::fingerprint`]), in order. The findings of a
/// file are a function of its text, the options, and this: what other files tell its lints is in
/// their item trees, and where their items are shows only in the spans of labels, which a
/// [`FindingsStore`] checks apart.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct ModelFingerprint(pub u128);

/// The findings of files, kept between runs by the model they were found with (see `src/findings.rs`
/// of the `devref` crate). Its calls must not panic; findings it cannot give are a miss.
pub trait FindingsStore: Sync {
    /// What linting `source` gave with a model of fingerprint `model`, options and build as this
    /// run's; `None` unless every span of every diagnostic is still where it was (the text of each
    /// file the spans are in is unchanged). `files` are the run's files, indexed by [`FileId`].
    fn load(
        &self,
        model: ModelFingerprint,
        source: &SourceFile,
        files: &[SourceFile],
    ) -> Option<Vec<Diagnostic>>;
    /// Keeps what linting `source` just gave.
    fn store(
        &self,
        model: ModelFingerprint,
        source: &SourceFile,
        files: &[SourceFile],
        diagnostics: &[Diagnostic],
    );
}

/// Analyses `inputs` on `threads` threads and frees everything it built (see [`analyze_with`]).
pub fn analyze(inputs: Vec<Input>, options: &Options, threads: usize) -> Analysis {
    analyze_with(inputs, options, threads, Teardown::Free)
}

/// Analyses and lints every input.
pub fn analyze_with(
    inputs: Vec<Input>,
    options: &Options,
    threads: usize,
    teardown: Teardown,
) -> Analysis {
    analyze_focused(inputs, options, threads, teardown, Focus::default())
}

/// Analyses `inputs` and lints those of `focus`.
pub fn analyze_focused(
    inputs: Vec<Input>,
    options: &Options,
    threads: usize,
    teardown: Teardown,
    focus: Focus<'_>,
) -> Analysis {
    let mut diagnostics = Vec::new();
    let mut files = Vec::with_capacity(inputs.len());
    let mut readable = Vec::with_capacity(inputs.len());
    for (index, input) in inputs.into_iter().enumerate() {
        let id = FileId(index as u32);
        match input.content {
            Ok(text) if text.len() > MAX_FILE_SIZE => {
                diagnostics.push(Diagnostic::input_error(
                    Span::new(id, 0..0),
                    format!(
                        "`{}` is {:.1} MiB, over devref's limit of {} MiB for one file; such files are generated, not written",
                        input.name,
                        text.len() as f64 / (1024.0 * 1024.0),
                        MAX_FILE_SIZE >> 20
                    ),
                ));
                // Rendering needs no more than the first line.
                let first_line = text
                    .lines()
                    .next()
                    .unwrap_or("")
                    .chars()
                    .take(200)
                    .collect();
                files.push(SourceFile::new(id, input.name, first_line));
            }
            Ok(text) => {
                files.push(SourceFile::new(id, input.name, text));
                readable.push(id);
            }
            Err(error) => {
                let start = error.span.start.min(error.text.len());
                let end = error.span.end.clamp(start, error.text.len());
                diagnostics.push(Diagnostic::input_error(
                    Span::new(id, start..end),
                    error.message,
                ));
                files.push(SourceFile::new(id, input.name, error.text));
            }
        }
    }

    let workers = threads.max(1).min(readable.len().max(1));
    let queue = WorkQueue::new(&readable, &files, workers);
    let queue = &queue;
    let text: usize = readable
        .iter()
        .map(|id| files[id.0 as usize].text.len())
        .sum();
    let budget = TreeBudget::new(options.tree_budget.unwrap_or(tree_budget_for(text)));
    let budget = &budget;
    let files_ref = &files;
    let readable = &readable;
    let worker_results: Vec<Vec<Diagnostic>> = thread::scope(|scope| {
        let (tree_tx, tree_rx) = mpsc::channel::<Vec<Lowered>>();
        let (released_tx, released_rx) = mpsc::channel::<()>();
        let mut model_senders = Vec::new();
        let mut fingerprint_senders = Vec::new();
        let mut leftover_senders = Vec::new();
        let mut handles = Vec::new();
        for index in 0..workers {
            let (model_tx, model_rx) = mpsc::channel::<Arc<Model>>();
            let (fingerprint_tx, fingerprint_rx) = mpsc::channel::<Option<ModelFingerprint>>();
            fingerprint_senders.push(fingerprint_tx);
            let (leftover_tx, leftover_rx) = mpsc::channel::<Vec<ModelFile>>();
            model_senders.push(model_tx);
            leftover_senders.push(leftover_tx);
            let link = WorkerLink {
                trees: tree_tx.clone(),
                budget,
                focus,
                fingerprint: fingerprint_rx,
                model: model_rx,
                released: released_tx.clone(),
                leftovers: leftover_rx,
            };
            let handle = thread::Builder::new()
                .name("devref-worker".into())
                .stack_size(WORKER_STACK)
                .spawn_scoped(scope, move || {
                    worker(files_ref, queue, index, link, options, teardown)
                })
                .expect("spawning a worker thread");
            handles.push((index, handle));
        }
        drop(tree_tx);
        drop(released_tx);

        let mut trees: Vec<Option<ItemTree>> = (0..files_ref.len()).map(|_| None).collect();
        let mut fingerprints = vec![FileFingerprint::Unread; files_ref.len()];
        for &id in readable {
            fingerprints[id.0 as usize] = FileFingerprint::Unknown;
        }
        let mut results = Vec::new();
        for lowered in tree_rx.into_iter().flatten() {
            let at = lowered.id.0 as usize;
            let tree = lowered
                .tree
                .map(|sent| catch_panic(|| sent.into_tree(lowered.id)).ok().flatten());
            match tree {
                Ok(Some(tree)) => {
                    trees[at] = Some(tree);
                    if let Some(fingerprint) = lowered.fingerprint {
                        fingerprints[at] = FileFingerprint::Tree(fingerprint);
                    }
                }
                // Never seen: a tree is sent as a summary only when it decodes (a fuzzed round
                // trip).
                Ok(None) => results.push(vec![internal_error(
                    &files_ref[at],
                    None,
                    "its item tree did not decode",
                )]),
                Err(diagnostic) => {
                    results.push(vec![diagnostic]);
                    fingerprints[at] = FileFingerprint::Unparsed;
                }
            }
        }
        let fingerprint = focus
            .findings
            .and_then(|_| model_fingerprint(files_ref, &fingerprints));
        // Before the model is built: the workers look up their files' findings meanwhile.
        for sender in fingerprint_senders {
            let _ = sender.send(fingerprint);
        }
        let lowered: Vec<FileId> = files_ref
            .iter()
            .filter(|file| trees[file.id.0 as usize].is_some())
            .map(|file| file.id)
            .collect();
        let model_files = files_ref
            .iter()
            .zip(trees)
            .map(|(file, tree)| ModelFile {
                id: file.id,
                name: file.name.clone(),
                tree: tree.unwrap_or_default(),
            })
            .collect();
        match catch_panic(|| Model::build(model_files, &options.model_config())) {
            Ok(model) => {
                let model = Arc::new(model);
                if teardown == Teardown::Exit {
                    // Never freed: no holder ever drops the last reference.
                    std::mem::forget(Arc::clone(&model));
                }
                for sender in model_senders {
                    // A worker that already stopped has nothing left to lint.
                    let _ = sender.send(Arc::clone(&model));
                }
                // Freeing the whole model on this thread was a long serial tail: each worker
                // frees the item trees of the files it lowered while this thread
                // frees the rest.
                while released_rx.recv().is_ok() {}
                if let Ok(mut model) = Arc::try_unwrap(model) {
                    let mut owner = vec![usize::MAX; files_ref.len()];
                    for (index, _) in &handles {
                        for id in queue.taken_by(*index) {
                            owner[id.0 as usize] = *index;
                        }
                    }
                    let mut shares: Vec<Vec<ModelFile>> =
                        (0..workers).map(|_| Vec::new()).collect();
                    for file in std::mem::take(&mut model.files) {
                        if let Some(share) = shares.get_mut(owner[file.id.0 as usize]) {
                            share.push(file);
                        }
                    }
                    for (sender, share) in leftover_senders.iter().zip(shares) {
                        let _ = sender.send(share);
                    }
                }
            }
            // Without a model no file can be linted: the workers stop when their senders are
            // dropped, and the error is reported on every file that was to be linted.
            Err(message) => {
                drop(model_senders);
                results.push(
                    lowered
                        .iter()
                        .map(|id| {
                            internal_error(&files_ref[id.0 as usize], None, &message).with_note(
                                "devref panicked while building the model of the linted files",
                            )
                        })
                        .collect(),
                );
            }
        }
        // A worker waits for its share until these are gone.
        drop(leftover_senders);
        for (index, handle) in handles {
            match handle.join() {
                Ok(found) => results.push(found),
                // Every panic of a file's work is caught in the worker; this is a last resort so
                // that one lost thread still names its files rather than aborting the run.
                Err(payload) => {
                    let message = panic_message(payload.as_ref());
                    results.push(
                        queue
                            .taken_by(index)
                            .iter()
                            .map(|id| internal_error(&files_ref[id.0 as usize], None, &message))
                            .collect(),
                    );
                }
            }
        }
        // A worker that died left its queue undrained: the files no one took are not analysed.
        let taken: HashSet<FileId> = (0..workers)
            .flat_map(|index| queue.taken_by(index))
            .collect();
        results.push(
            readable
                .iter()
                .filter(|id| !taken.contains(id))
                .map(|id| {
                    internal_error(
                        &files_ref[id.0 as usize],
                        None,
                        "devref stopped before analysing the file",
                    )
                })
                .collect(),
        );
        results
    });
    diagnostics.extend(worker_results.into_iter().flatten());
    if focus.linted.is_some() {
        diagnostics.retain(|diagnostic| focus.lints(diagnostic.primary.file));
    }
    diagnostics.sort_by(|a, b| {
        (
            a.primary.file,
            a.primary.start,
            a.primary.end,
            a.code(),
            &a.message,
        )
            .cmp(&(
                b.primary.file,
                b.primary.start,
                b.primary.end,
                b.code(),
                &b.message,
            ))
    });
    Analysis { files, diagnostics }
}

/// A file's item tree, or why it does not parse, with the tree's fingerprint when the run keeps
/// findings.
struct Lowered {
    id: FileId,
    tree: Result<SentTree, Diagnostic>,
    fingerprint: Option<u128>,
}

/// An item tree on its way to the thread that builds the model. A tree a worker lowered travels
/// as its summary (see [`crate::model::summary`]) and is decoded there: so the trees the model
/// keeps are allocated together, not strewn among the pages the workers' syntax trees come and
/// go in (on the crates of Cargo.lock, 30 to 60 MB less at the peak). A tree from the summary
/// store is already apart from any syntax tree; one nested deeper than a summary holds travels as
/// it is.
enum SentTree {
    Summary(Vec<u8>),
    Tree(ItemTree),
}

impl SentTree {
    /// The tree, with its spans in `file`; `None` for a summary that does not decode.
    fn into_tree(self, file: FileId) -> Option<ItemTree> {
        match self {
            SentTree::Summary(bytes) => crate::model::summary::decode(&bytes, file),
            SentTree::Tree(tree) => Some(tree),
        }
    }
}

/// What a file gives the model, for [`ModelFingerprint`].
#[derive(Clone, Copy, Hash)]
enum FileFingerprint {
    /// Not read, or over the size limit: no items.
    Unread,
    /// Does not parse: no items.
    Unparsed,
    Tree(u128),
    /// Lowering failed, or the tree was not fingerprinted: the model cannot be named.
    Unknown,
}

/// The fingerprint of the model of `files`, or `None` when a file's part of it is unknown.
fn model_fingerprint(
    files: &[SourceFile],
    fingerprints: &[FileFingerprint],
) -> Option<ModelFingerprint> {
    let mut bytes = Vec::new();
    for (file, fingerprint) in files.iter().zip(fingerprints) {
        bytes.extend_from_slice(&(file.name.len() as u64).to_le_bytes());
        bytes.extend_from_slice(file.name.as_bytes());
        match fingerprint {
            FileFingerprint::Unread => bytes.push(0),
            FileFingerprint::Unparsed => bytes.push(1),
            FileFingerprint::Tree(tree) => {
                bytes.push(2);
                bytes.extend_from_slice(&tree.to_le_bytes());
            }
            FileFingerprint::Unknown => return None,
        }
    }
    Some(ModelFingerprint(crate::source::digest(&bytes)))
}

/// A worker's channels to the thread that builds the model, and what it shares with the others.
struct WorkerLink<'a> {
    /// Each lowered file's item tree, or why it does not parse: all of a worker's files in one
    /// message, as the model needs them all (a message per file woke the model's thread each
    /// time, taking a core from the workers).
    trees: mpsc::Sender<Vec<Lowered>>,
    budget: &'a TreeBudget,
    focus: Focus<'a>,
    /// The model's fingerprint, sent before the model is built.
    fingerprint: mpsc::Receiver<Option<ModelFingerprint>>,
    model: mpsc::Receiver<Arc<Model>>,
    /// Says that the worker no longer holds the model.
    released: mpsc::Sender<()>,
    /// The model's files this worker lowered, for it to free.
    leftovers: mpsc::Receiver<Vec<ModelFile>>,
}

fn worker(
    files: &[SourceFile],
    queue: &WorkQueue,
    index: usize,
    link: WorkerLink<'_>,
    options: &Options,
    teardown: Teardown,
) -> Vec<Diagnostic> {
    let WorkerLink {
        trees: tree_tx,
        budget,
        focus,
        fingerprint: fingerprint_rx,
        model: model_rx,
        released,
        leftovers,
    } = link;
    let Lowering {
        lowered,
        mut parsed,
        mut diagnostics,
    } = lower_files(files, queue, index, options, focus, Some(budget));
    let _ = tree_tx.send(lowered);
    drop(tree_tx);
    // The findings kept for this model answer before it is built; only the other files wait.
    // They count only if the model is built: without it, every file is reported as not linted.
    let kept_findings = focus
        .findings
        .and_then(|store| Some((store, fingerprint_rx.recv().ok().flatten()?)));
    let mut answered = Vec::new();
    if let Some((store, model)) = kept_findings {
        let mut unanswered = Vec::with_capacity(parsed.len());
        for (id, waiting) in parsed {
            match catch_panic(|| store.load(model, &files[id.0 as usize], files)) {
                Ok(Some(found)) => {
                    answered.extend(found);
                    if let (Waiting::Kept(parsed_file), Teardown::Exit) = (waiting, teardown) {
                        std::mem::forget(parsed_file);
                    }
                }
                _ => unanswered.push((id, waiting)),
            }
        }
        parsed = unanswered;
    }
    // While the model is built this thread would be idle: it builds the comment indexes and
    // parses the macro bodies the lints will look into, which need no model. It looks for the
    // model between two pieces of this work.
    let mut comments: Vec<Option<CommentIndex>> = (0..parsed.len()).map(|_| None).collect();
    let mut model = None;
    let mut model_gone = false;
    // Whether to stop preparing: the model is here, or will never come.
    let mut model_ready = || match model_rx.try_recv() {
        Ok(built) => {
            model = Some(built);
            true
        }
        Err(mpsc::TryRecvError::Empty) => false,
        Err(mpsc::TryRecvError::Disconnected) => {
            model_gone = true;
            true
        }
    };
    'prepare: {
        // The files to parse again are parsed now, while their text fits in the budget.
        for (id, waiting) in &mut parsed {
            if model_ready() {
                break 'prepare;
            }
            let source = &files[id.0 as usize];
            let Waiting::Dropped(dropped) = waiting else {
                continue;
            };
            if !budget.take(source.text.len()) {
                break;
            }
            if let Ok(Some(parsed_file)) = catch_panic(|| parse_again(source, options, dropped)) {
                *waiting = Waiting::Kept(parsed_file);
            }
        }
        for (index, (id, waiting)) in parsed.iter().enumerate() {
            if model_ready() {
                break 'prepare;
            }
            // A dropped tree's file gets its index when it is parsed again, so that memory stays
            // bounded.
            if let Waiting::Kept(_) = waiting {
                comments[index] = Some(comment_index(&files[id.0 as usize]));
            }
        }
        for (id, waiting) in &parsed {
            let Waiting::Kept(file) = waiting else {
                continue;
            };
            let source = &files[id.0 as usize];
            for item in &file.ast.items {
                if model_ready() {
                    break 'prepare;
                }
                // A panic here is met again, and reported, when the lints parse the macro.
                let _ = catch_panic(|| file.macros.prefetch(item, source));
            }
        }
    }
    if model_gone {
        return diagnostics;
    }
    let model = match model {
        Some(model) => model,
        None => match model_rx.recv() {
            Ok(model) => model,
            Err(_) => return diagnostics,
        },
    };
    diagnostics.extend(answered);
    // The lints run on the kept trees first (some were parsed ahead): once they are gone, the files
    // parsed again can have proc-macro2's copies of their text forgotten one by one (see
    // [`forget_spans`]).
    let mut parsed: Vec<_> = parsed.into_iter().zip(comments).collect();
    parsed.sort_by_key(|((_, waiting), _)| matches!(waiting, Waiting::Dropped(_)));
    // Each file's trees are freed as soon as its lints are done (unless the process will exit and
    // they were kept within the budget).
    let mut kept_left = parsed
        .iter()
        .filter(|((_, waiting), _)| matches!(waiting, Waiting::Kept(_)))
        .count();
    for ((id, waiting), comments) in parsed {
        if kept_left == 0 {
            forget_spans();
        }
        let source = &files[id.0 as usize];
        let (parsed_file, kept) = match waiting {
            Waiting::Kept(parsed_file) => {
                kept_left -= 1;
                (parsed_file, true)
            }
            Waiting::Empty => (Parsed::empty(), false),
            Waiting::Dropped(dropped) => {
                match catch_panic(|| parse_again(source, options, &dropped)) {
                    Ok(Some(parsed_file)) => (parsed_file, false),
                    // The same text parsed a moment ago.
                    Ok(None) => {
                        diagnostics.push(internal_error(
                            source,
                            None,
                            "the file did not parse a second time",
                        ));
                        continue;
                    }
                    Err(message) => {
                        diagnostics.push(internal_error(source, None, &message));
                        continue;
                    }
                }
            }
        };
        let file = &parsed_file;
        let comments = comments.unwrap_or_else(|| comment_index(source));
        let cx = FileContext::new(source, &file.ast, &comments, &model, &file.macros);
        let sink = check_file(&cx);
        let mut file_diagnostics = sink.diagnostics;
        let complete = sink.panics.is_empty();
        for (lint, message) in sink.panics {
            file_diagnostics.push(internal_error(cx.source, Some(lint.name), &message));
        }
        let suppressions =
            Suppressions::collect(cx.source, cx.ast, cx.comments, &suppression_target);
        let found = apply_levels(suppressions.apply(file_diagnostics), &options.levels);
        if let (Some((store, model)), true) = (kept_findings, complete) {
            // A store that fails only costs the next run this file's lints.
            let _ = catch_panic(|| store.store(model, source, files, &found));
        }
        diagnostics.extend(found);
        if teardown == Teardown::Exit && kept {
            std::mem::forget(parsed_file);
        }
    }
    drop(model);
    let _ = released.send(());
    drop(released);
    drop(leftovers.recv());
    diagnostics
}

/// What a worker's parse phase leaves: each file's item tree (or why it does not parse) for the
/// model, the linted files' syntax trees waiting for it, and the files' internal errors.
#[derive(Default)]
struct Lowering {
    lowered: Vec<Lowered>,
    parsed: Vec<(FileId, Waiting)>,
    diagnostics: Vec<Diagnostic>,
}

/// Parses and lowers the files `queue` gives worker `index`, keeping the syntax trees of linted
/// files while `budget` lasts (none without one). Once a tree does not fit while this thread holds
/// others, the rest of the queue is lowered on a thread of its own, so that proc-macro2's copies
/// of their text are forgotten file by file (see [`forget_spans`]) instead of living as long as
/// the kept trees.
fn lower_files(
    files: &[SourceFile],
    queue: &WorkQueue,
    index: usize,
    options: &Options,
    focus: Focus<'_>,
    budget: Option<&TreeBudget>,
) -> Lowering {
    let mut done = Lowering::default();
    let mut holds_trees = false;
    let mut cannot_spawn = false;
    // A tree's fingerprint, when the run keeps findings by model.
    let fingerprint = |tree: &ItemTree| {
        focus
            .findings
            .and_then(|_| catch_panic(|| crate::model::summary::fingerprint(tree)).ok())
    };
    while let Some(id) = queue.take(index) {
        let source = &files[id.0 as usize];
        let linted = focus.lints(id);
        // A linted file's tree from the store spares its parse until its findings are known
        // missing (see `Focus::findings`).
        let spared = !linted || focus.findings.is_some();
        if let (true, Some(summaries)) = (spared, focus.summaries) {
            if let Ok(Some(tree)) = catch_panic(|| summaries.load(source)) {
                done.lowered.push(Lowered {
                    id,
                    fingerprint: fingerprint(&tree),
                    tree: Ok(SentTree::Tree(tree)),
                });
                if linted {
                    done.parsed
                        .push((id, Waiting::Dropped(DroppedItems::default())));
                }
                continue;
            }
        }
        // A file that is not linted needs no syntax tree once it is lowered.
        let parsed_and_lowered = catch_panic(|| {
            let (ast, tree) = parse(source, options)?;
            let summary = crate::model::summary::encode_decodable(&tree);
            Ok::<_, Box<Diagnostic>>((
                linted.then(|| for_lints(ast, source, options)),
                tree,
                summary,
            ))
        });
        let mut spilled = false;
        match parsed_and_lowered {
            Ok(Ok((parsed_file, tree, summary))) => {
                if let (Some(summaries), Some(summary)) = (focus.summaries, &summary) {
                    // A store that fails only costs the next run a parse.
                    let _ = catch_panic(|| summaries.store(source, summary));
                }
                let fingerprint = fingerprint(&tree);
                done.lowered.push(Lowered {
                    id,
                    fingerprint,
                    tree: Ok(match summary {
                        Some(summary) => SentTree::Summary(summary),
                        // Nested deeper than a summary holds.
                        None => SentTree::Tree(tree),
                    }),
                });
                if linted {
                    let fits = |parsed: &Parsed| {
                        budget.is_some_and(|budget| {
                            budget.take(pruning::kept_text_bytes(&parsed.ast, source))
                        })
                    };
                    let waiting = match parsed_file {
                        Some((parsed_file, _))
                            if pruning::nothing_to_walk(&parsed_file.ast, source) =>
                        {
                            Waiting::Empty
                        }
                        Some((parsed_file, _)) if fits(&parsed_file) => Waiting::Kept(parsed_file),
                        Some((_, dropped)) => Waiting::Dropped(dropped),
                        None => Waiting::Dropped(DroppedItems::default()),
                    };
                    spilled = holds_trees && matches!(waiting, Waiting::Dropped(_));
                    holds_trees |= matches!(waiting, Waiting::Kept(_));
                    done.parsed.push((id, waiting));
                }
            }
            Ok(Err(diagnostic)) => done.lowered.push(Lowered {
                id,
                tree: Err(*diagnostic),
                fingerprint: None,
            }),
            Err(message) => done
                .diagnostics
                .push(internal_error(source, None, &message)),
        }
        if !holds_trees {
            forget_spans();
        }
        if spilled && !cannot_spawn {
            match lower_rest_apart(files, queue, index, options, focus) {
                Apart::Done(rest) => {
                    done.lowered.extend(rest.lowered);
                    done.parsed.extend(
                        (rest.empty.into_iter().map(|id| (id, Waiting::Empty))).chain(
                            rest.dropped
                                .into_iter()
                                .map(|(id, dropped)| (id, Waiting::Dropped(dropped))),
                        ),
                    );
                    done.diagnostics.extend(rest.diagnostics);
                    break;
                }
                // Where no thread can be started (an address-space or thread limit), this one
                // goes on: the texts it lexes then stay until its trees are linted.
                Apart::NotStarted => cannot_spawn = true,
                // The rest of the queue is lowered here.
                Apart::Died(errors) => done.diagnostics.extend(errors),
            }
        }
    }
    done
}

/// How [`lower_rest_apart`] went.
enum Apart {
    /// The queue is drained.
    Done(LoweredApart),
    /// No thread could be started.
    NotStarted,
    /// The thread died outside the per-file work (which catches its panics): an internal error
    /// on each file it took. The queue may still hold files.
    Died(Vec<Diagnostic>),
}

/// What a thread of [`lower_rest_apart`] brings back: no syntax tree, as they are not `Send`.
struct LoweredApart {
    lowered: Vec<Lowered>,
    /// The linted files with nothing to walk (see [`Waiting::Empty`]).
    empty: Vec<FileId>,
    /// The other linted files, to parse again for their lints.
    dropped: Vec<(FileId, DroppedItems)>,
    diagnostics: Vec<Diagnostic>,
}

/// Lowers the rest of worker `index`'s queue on a fresh thread, keeping no syntax tree.
fn lower_rest_apart(
    files: &[SourceFile],
    queue: &WorkQueue,
    index: usize,
    options: &Options,
    focus: Focus<'_>,
) -> Apart {
    #[cfg(test)]
    if tests::NO_THREADS.get() {
        return Apart::NotStarted;
    }
    let taken_before = queue.taken_by(index).len();
    thread::scope(|scope| {
        let spawned = thread::Builder::new()
            .name("devref-lowering".into())
            .stack_size(WORKER_STACK)
            .spawn_scoped(scope, || {
                let rest = lower_files(files, queue, index, options, focus, None);
                // Without a budget no tree is kept.
                let mut empty = Vec::new();
                let mut dropped = Vec::new();
                for (id, waiting) in rest.parsed {
                    match waiting {
                        Waiting::Dropped(items) => dropped.push((id, items)),
                        _ => empty.push(id),
                    }
                }
                LoweredApart {
                    lowered: rest.lowered,
                    empty,
                    dropped,
                    diagnostics: rest.diagnostics,
                }
            });
        let Ok(handle) = spawned else {
            return Apart::NotStarted;
        };
        match handle.join() {
            Ok(rest) => Apart::Done(rest),
            Err(payload) => {
                let message = panic_message(payload.as_ref());
                Apart::Died(
                    queue.taken_by(index)[taken_before..]
                        .iter()
                        .map(|id| internal_error(&files[id.0 as usize], None, &message))
                        .collect(),
                )
            }
        }
    })
}

/// The comments of a file, for the safety lints (SAFETY comments and `# Safety` docs, all about
/// `unsafe` code) and for suppression comments (which name `devref`). A file whose text has
/// neither word gets an empty index: nothing asks it anything.
fn comment_index(source: &SourceFile) -> CommentIndex {
    if !(source.text.contains("unsafe") || source.mentions_devref()) {
        return CommentIndex::default();
    }
    let blanked = blank_prefix(&source.text);
    CommentIndex::build(blanked.as_deref().unwrap_or(&source.text))
}

/// Sets each lint diagnostic to its configured level and drops those that are allowed.
fn apply_levels(diagnostics: Vec<Diagnostic>, levels: &LevelSpec) -> Vec<Diagnostic> {
    diagnostics
        .into_iter()
        .filter_map(|mut diagnostic| {
            if let Origin::Lint(lint) = diagnostic.origin {
                diagnostic.level = levels.level_of(lint);
            }
            (diagnostic.level != Level::Allow).then_some(diagnostic)
        })
        .collect()
}

fn suppression_target(name: &str) -> Target {
    if let Some(group) = Group::from_name(name) {
        return Target::Group(group);
    }
    match crate::lints::find(name) {
        Some(lint) => Target::Lint(lint),
        None => Target::Unknown(name.to_string()),
    }
}

/// The out-of-line modules (`mod x;`) that the file `name` declares, with the files the def map
/// would look for (see [`declared_module_files`]). Empty when the file does not parse: the analysis
/// reports that. Call it on a thread with a large stack, as syn recurses once per nesting level.
pub fn declared_modules(name: &str, text: &str, is_root: bool) -> Vec<ModuleFile> {
    catch_panic(|| {
        let source = SourceFile::new(FileId(0), name.to_string(), text.to_string());
        let blanked = blank_prefix(text);
        let text = blanked.as_deref().unwrap_or(text);
        let Ok(ast) = parse_nested(text, false) else {
            return Vec::new();
        };
        let tree = lower_file(&source, &ast, &MacroCache::default());
        declared_module_files(std::path::Path::new(name), &tree, is_root)
    })
    .unwrap_or_default()
}

/// Larger files are refused: the largest Rust file of the kernel is under 100 KiB, and analysing a
/// generated monster would cost gigabytes of syntax tree.
pub const MAX_FILE_SIZE: usize = 4 << 20;

/// Parses and lowers one file, or reports where it does not parse.
fn parse(source: &SourceFile, options: &Options) -> Result<(syn::File, ItemTree), Box<Diagnostic>> {
    let ast = parse_syntax(source, options, &[])?;
    // Lowering's macro bodies are dropped with this cache: kept until the lints run, they would
    // all be alive at the peak, while every syntax tree waits for the model.
    let mut tree = lower_file(source, &ast, &MacroCache::default());
    tree.shrink_to_fit();
    Ok((ast, tree))
}

/// What the lints need of a lowered file's syntax tree: the tree without the items they find
/// nothing in (see [`pruning::drop_unwalked_items`]), and where those items are in the text.
fn for_lints(mut ast: syn::File, source: &SourceFile, options: &Options) -> (Parsed, DroppedItems) {
    let dropped = if options.parse_everything {
        Vec::new()
    } else {
        pruning::drop_unwalked_items(&mut ast, source)
    };
    let parsed = Parsed {
        ast,
        macros: MacroCache::default(),
    };
    (parsed, dropped.into_boxed_slice())
}

/// The item tree the analysis lowers from `source` with `options`, or `None` where the file does
/// not parse: what a summary of the file holds (see [`crate::model::summary`]).
pub fn lowered(source: &SourceFile, options: &Options) -> Option<ItemTree> {
    parse(source, options).ok().map(|(_, tree)| tree)
}

/// The syntax tree [`for_lints`] leaves, parsed again from the same text, or `None` if it no
/// longer parses. The `dropped` items are cut out of the text (see [`pruning::cut`]), so only what
/// the lints walk is lexed and parsed; should the text then not parse, it is parsed whole.
fn parse_again(source: &SourceFile, options: &Options, dropped: &[Range<usize>]) -> Option<Parsed> {
    let ast = match parse_syntax(source, options, dropped) {
        Ok(ast) => ast,
        Err(_) if !dropped.is_empty() => parse_syntax(source, options, &[]).ok()?,
        Err(_) => return None,
    };
    Some(for_lints(ast, source, options).0)
}

/// The file's syntax tree, without what cannot matter (see [`pruning`]), or where it does not
/// parse.
fn parse_syntax(
    source: &SourceFile,
    options: &Options,
    dropped: &[Range<usize>],
) -> Result<syn::File, Box<Diagnostic>> {
    // syn drops a BOM and a shebang line before parsing, so its spans would be off by their
    // length; blanking them keeps every byte offset that of the file.
    let blanked = blank_prefix(&source.text);
    let mut text = blanked.as_deref().unwrap_or(&source.text);
    // What cannot matter is taken out of the text before lexing (see `pruning`), in a copy.
    let prune = !options.parse_everything;
    let mut pruned = prune.then(|| pruning::prune_docs(text)).flatten();
    let mut within_limits = false;
    if prune {
        let scan = pruning::scan_bodies(pruned.as_deref().unwrap_or(text));
        within_limits = scan.within_parser_limits;
        if !scan.unneeded.is_empty() {
            pruning::blank(
                pruned.get_or_insert_with(|| text.to_string()),
                &scan.unneeded,
            );
        }
    }
    if let Some(pruned) = &pruned {
        text = pruned;
    }
    // Last, once docs and bodies are read as in the first parse (what they are depends on the
    // text around them): cutting the dropped items keeps every other token as it was.
    let cut = (!dropped.is_empty())
        .then(|| pruning::cut(text, dropped))
        .flatten();
    if let Some(cut) = &cut {
        text = cut;
    }
    match parse_nested(text, within_limits) {
        Ok(mut ast) => {
            if !options.lint_cfg_test {
                pruning::strip_cfg_test(&mut ast);
            }
            Ok(ast)
        }
        Err(error) => {
            let range = error.span().byte_range();
            let mut message = error.to_string();
            if message == "cannot parse string into token stream" {
                message = "unbalanced delimiter, unterminated literal or comment, or a \
                           character that is not a Rust token"
                    .to_string();
            }
            Err(Box::new(Diagnostic::input_error(
                Span::new(source.id, range),
                format!("could not parse `{}`: {message}", source.name),
            )))
        }
    }
}

/// The error reported on a file whose analysis panicked.
fn internal_error(source: &SourceFile, lint: Option<&str>, message: &str) -> Diagnostic {
    let during = match lint {
        Some(lint) => format!(" (lint `{lint}`)"),
        None => String::new(),
    };
    Diagnostic::input_error(
        Span::new(source.id, 0..0),
        format!(
            "internal error while linting `{}`{during}: {message}, please report",
            source.name
        ),
    )
}

/// The files still to parse, largest first: each worker takes the next one when it is done with
/// its last, so that no thread idles while another parses (a file's cost is not its size: most
/// bodies are skipped). A worker lints the files it took, as their syntax trees cannot move.
struct WorkQueue {
    order: Vec<FileId>,
    next: AtomicUsize,
    /// What each worker took, to name the files of a worker thread that dies.
    taken: Vec<Mutex<Vec<FileId>>>,
}

impl WorkQueue {
    fn new(ids: &[FileId], files: &[SourceFile], workers: usize) -> WorkQueue {
        let mut order = ids.to_vec();
        order.sort_by_key(|id| std::cmp::Reverse(files[id.0 as usize].text.len()));
        WorkQueue {
            order,
            next: AtomicUsize::new(0),
            taken: (0..workers).map(|_| Mutex::new(Vec::new())).collect(),
        }
    }

    fn take(&self, worker: usize) -> Option<FileId> {
        let id = *self.order.get(self.next.fetch_add(1, Ordering::Relaxed))?;
        if let Ok(mut taken) = self.taken[worker].lock() {
            taken.push(id);
        }
        Some(id)
    }

    fn taken_by(&self, worker: usize) -> Vec<FileId> {
        match self.taken[worker].lock() {
            Ok(taken) => taken.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input(name: &str, text: &str) -> Input {
        Input {
            name: name.to_string(),
            content: Ok(text.to_string()),
        }
    }

    /// Files whose docs or bodies read differently once items around them are gone (found by an
    /// adversarial review): parsed again without their dropped items, they give the findings of
    /// their kept trees (a finding, or none where a suppression takes it).
    #[test]
    fn files_parsed_again_read_their_docs_and_bodies_as_before() {
        let deep = format!("const D: u8 = {}1{};\n", "(".repeat(509), ")".repeat(509));
        let cases = [
            // A `///` after a dropped item on its line documents the next item.
            "struct A; /// unsafe\nfn f() { use x; bindings::get_device(d); }\n".to_string(),
            // A character the body scan does not read with certainty makes it blank nothing.
            "struct A {\n    \u{e4}: u8,\n}\nfn f(_: unsafe fn()) { m!(bindings::get_device(d)); }\n"
                .to_string(),
            "struct A {\n    \u{e4}: u8,\n}\n#[allow(devref::manual_device_refcount, reason = \"x\")]\n\
             fn f(d: *mut bindings::device) { m!(bindings::get_device(d)); }\n"
                .to_string(),
            format!(
                "{deep}#[allow(devref::manual_device_refcount, reason = \"x\")]\n\
                 fn f(d: *mut bindings::device) {{ m!(bindings::get_device(d)); }}\n"
            ),
            // Whether docs are read depends on the item after them, past comment lines.
            "use kernel::device::Device;\n/**\n # Safety\n/// The reference count of the device stays non-zero.\n\
             // */ unsafe fn k() { /* SAFETY: Guaranteed by the safety requirements of the function. */ \
             unsafe { Device::get_device(p()) } }\nstruct D;\nfn h() { unsafe {} }\n"
                .to_string(),
        ];
        let mut found = 0;
        for text in &cases {
            let run = |tree_budget| {
                let options = Options {
                    tree_budget,
                    ..Options::default()
                };
                analyze(vec![input("a.rs", text)], &options, 1).diagnostics
            };
            let kept = run(None);
            found += kept.len();
            assert_eq!(run(Some(0)), kept, "{text}");
        }
        assert!(found >= 3, "only {found} diagnostics");
    }

    #[test]
    fn internal_errors_name_the_file_and_are_errors() {
        let file = SourceFile::new(FileId(0), "drivers/a.rs".to_string(), "fn f() {}".into());
        let diagnostic = internal_error(&file, Some("raw_device_ptr_field"), "index out of bounds");
        assert_eq!(diagnostic.code(), "devref::input");
        assert!(diagnostic.level.is_error());
        assert_eq!(diagnostic.primary, Span::new(FileId(0), 0..0));
        assert_eq!(
            diagnostic.message,
            "internal error while linting `drivers/a.rs` (lint `raw_device_ptr_field`): index out \
             of bounds, please report"
        );
        assert_eq!(
            internal_error(&file, None, "boom").message,
            "internal error while linting `drivers/a.rs`: boom, please report"
        );
    }

    #[test]
    fn bom_and_shebang_are_blanked_byte_for_byte() {
        assert_eq!(blank_prefix("fn f() {}"), None);
        assert_eq!(
            blank_prefix("\u{feff}fn f() {}").as_deref(),
            Some("   fn f() {}")
        );
        assert_eq!(
            blank_prefix("#!/bin/é\nfn f() {}").as_deref(),
            Some("         \nfn f() {}")
        );
        assert_eq!(
            blank_prefix("\u{feff}#!x\nfn f() {}").as_deref(),
            Some("      \nfn f() {}")
        );
        assert_eq!(blank_prefix("#!x").as_deref(), Some("   "));
        // Inner attributes are not shebangs, even across whitespace and comments.
        assert_eq!(blank_prefix("#![no_std]\n"), None);
        assert_eq!(blank_prefix("#! /* c */ // d\n [no_std]\n"), None);
        // A doc comment is not skipped, so this is a shebang.
        assert!(blank_prefix("#! /// doc\n[no_std]\n").is_some());
    }

    #[test]
    fn leaving_memory_to_the_os_changes_no_result() {
        let inputs = || {
            vec![
                input(
                    "a.rs",
                    "struct S { dev: *mut bindings::device }\n\
                     fn f(p: *mut bindings::device) -> &'static Device {\n\
                         unsafe { Device::from_raw(p) }\n\
                     }\n",
                ),
                input(
                    "b.rs",
                    "struct T { pdev: *mut bindings::pci_dev }\nfn g() { h() }\n",
                ),
            ]
        };
        let freed = analyze_with(inputs(), &Options::default(), 2, Teardown::Free);
        let left = analyze_with(inputs(), &Options::default(), 2, Teardown::Exit);
        assert_eq!(freed.diagnostics.len(), 2, "{:#?}", freed.diagnostics);
        assert_eq!(freed.diagnostics, left.diagnostics);
        // Nor does parsing every file again for its lints, whichever the teardown.
        let parsed_again = Options {
            tree_budget: Some(0),
            ..Options::default()
        };
        for teardown in [Teardown::Free, Teardown::Exit] {
            let again = analyze_with(inputs(), &parsed_again, 2, teardown);
            assert_eq!(freed.diagnostics, again.diagnostics);
        }
    }

    thread_local! {
        /// Makes [`lower_rest_apart`] fail to start its thread, as under an address-space limit.
        pub(super) static NO_THREADS: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
    }

    /// Where each tree was lowered, by the thread that offered it to the store.
    #[derive(Default)]
    struct ThreadsOfTrees(Mutex<Vec<(FileId, Option<String>)>>);

    impl SummaryStore for ThreadsOfTrees {
        fn load(&self, _: &SourceFile) -> Option<ItemTree> {
            None
        }
        fn store(&self, source: &SourceFile, _: &[u8]) {
            let thread = thread::current().name().map(str::to_string);
            self.0.lock().unwrap().push((source.id, thread));
        }
    }

    #[test]
    fn a_worker_past_its_budget_lowers_the_rest_on_a_thread_of_its_own() {
        // Longest first, as the queue takes them: `a` is kept, `b` does not fit, `c` has nothing
        // to walk.
        let texts = [
            "struct A { dev: *mut bindings::device, pdev: *mut bindings::pci_dev }\nunsafe fn a() { unsafe { x() } }\n",
            "struct B { dev: *mut bindings::device }\nunsafe fn b() { unsafe { x() } }\n",
            "struct C { dev: *mut bindings::device }\n",
        ];
        let files: Vec<SourceFile> = texts
            .iter()
            .enumerate()
            .map(|(i, text)| SourceFile::new(FileId(i as u32), format!("{i}.rs"), text.to_string()))
            .collect();
        let options = Options::default();
        let kept_a = {
            let (ast, _) = parse(&files[0], &options).expect("parses");
            pruning::kept_text_bytes(&for_lints(ast, &files[0], &options).0.ast, &files[0])
        };
        let ids: Vec<FileId> = files.iter().map(|f| f.id).collect();
        // Lowers every file on a thread named `worker`: whether each tree waits, each tree, and
        // the thread that lowered each.
        type Lowered = (Vec<(FileId, &'static str)>, Vec<(FileId, Option<ItemTree>)>);
        let lower = |no_threads: bool| -> (Lowered, Vec<(FileId, Option<String>)>) {
            let queue = WorkQueue::new(&ids, &files, 1);
            let budget = TreeBudget::new(kept_a + 1);
            let store = ThreadsOfTrees::default();
            let focus = Focus {
                linted: None,
                summaries: Some(&store),
                findings: None,
            };
            let done = thread::scope(|scope| {
                thread::Builder::new()
                    .name("worker".into())
                    .stack_size(WORKER_STACK)
                    .spawn_scoped(scope, || {
                        NO_THREADS.set(no_threads);
                        let done = lower_files(&files, &queue, 0, &options, focus, Some(&budget));
                        let waiting: Vec<(FileId, &str)> = done
                            .parsed
                            .iter()
                            .map(|(id, waiting)| {
                                let state = match waiting {
                                    Waiting::Kept(_) => "kept",
                                    Waiting::Empty => "empty",
                                    Waiting::Dropped(_) => "dropped",
                                };
                                (*id, state)
                            })
                            .collect();
                        let lowered: Vec<(FileId, Option<ItemTree>)> = done
                            .lowered
                            .into_iter()
                            .map(|lowered| {
                                let tree = lowered
                                    .tree
                                    .ok()
                                    .and_then(|sent| sent.into_tree(lowered.id));
                                (lowered.id, tree)
                            })
                            .collect();
                        (waiting, lowered)
                    })
                    .unwrap()
                    .join()
                    .unwrap()
            });
            let threads = store.0.into_inner().unwrap();
            (done, threads)
        };
        let worker = Some("worker".to_string());
        let fresh = Some("devref-lowering".to_string());
        // Where no thread can be started, the worker lowers the rest itself.
        for (no_threads, last) in [(false, fresh), (true, worker.clone())] {
            let ((waiting, lowered), threads) = lower(no_threads);
            assert_eq!(
                waiting,
                [
                    (FileId(0), "kept"),
                    (FileId(1), "dropped"),
                    (FileId(2), "empty")
                ]
            );
            for (id, tree) in &lowered {
                assert_eq!(
                    tree.as_ref(),
                    lowered_by_itself(&files[id.0 as usize]).as_ref()
                );
            }
            assert_eq!(
                threads,
                [
                    (FileId(0), worker.clone()),
                    (FileId(1), worker.clone()),
                    (FileId(2), last)
                ]
            );
        }
        // And the findings are those of a run that keeps every tree, whichever the teardown.
        let inputs = || {
            texts
                .iter()
                .enumerate()
                .map(|(i, text)| input(&format!("{i}.rs"), text))
                .collect::<Vec<_>>()
        };
        let every_tree = analyze_with(inputs(), &options, 1, Teardown::Free);
        assert_eq!(
            every_tree.diagnostics.len(),
            4,
            "{:#?}",
            every_tree.diagnostics
        );
        let spilled = Options {
            tree_budget: Some(kept_a + 1),
            ..Options::default()
        };
        for teardown in [Teardown::Free, Teardown::Exit] {
            let run = analyze_with(inputs(), &spilled, 1, teardown);
            assert_eq!(every_tree.diagnostics, run.diagnostics);
        }
    }

    fn lowered_by_itself(source: &SourceFile) -> Option<ItemTree> {
        thread::scope(|scope| {
            thread::Builder::new()
                .stack_size(WORKER_STACK)
                .spawn_scoped(scope, || lowered(source, &Options::default()))
                .unwrap()
                .join()
                .unwrap()
        })
    }

    /// Summaries by text, in memory.
    #[derive(Default)]
    struct MemorySummaries(Mutex<std::collections::HashMap<String, Vec<u8>>>);

    impl SummaryStore for MemorySummaries {
        fn load(&self, source: &SourceFile) -> Option<ItemTree> {
            let summaries = self.0.lock().unwrap();
            crate::model::summary::decode(summaries.get(&source.text)?, source.id)
        }
        fn store(&self, source: &SourceFile, summary: &[u8]) {
            self.0
                .lock()
                .unwrap()
                .insert(source.text.clone(), summary.to_vec());
        }
    }

    /// Findings by model and text, in memory, with the files each run linted.
    #[derive(Default)]
    struct MemoryFindings {
        kept: Mutex<std::collections::HashMap<(ModelFingerprint, String), Vec<Diagnostic>>>,
        linted: Mutex<Vec<String>>,
    }

    impl FindingsStore for MemoryFindings {
        fn load(
            &self,
            model: ModelFingerprint,
            source: &SourceFile,
            _: &[SourceFile],
        ) -> Option<Vec<Diagnostic>> {
            let kept = self.kept.lock().unwrap();
            kept.get(&(model, source.text.clone())).cloned()
        }
        fn store(
            &self,
            model: ModelFingerprint,
            source: &SourceFile,
            _: &[SourceFile],
            diagnostics: &[Diagnostic],
        ) {
            let key = (model, source.text.clone());
            self.kept.lock().unwrap().insert(key, diagnostics.to_vec());
            self.linted.lock().unwrap().push(source.name.clone());
        }
    }

    #[test]
    fn kept_findings_spare_the_lints_of_files_whose_text_and_model_are_unchanged() {
        let summaries = MemorySummaries::default();
        let findings = MemoryFindings::default();
        let run = |texts: &[&str; 3]| {
            let inputs = texts
                .iter()
                .enumerate()
                .map(|(i, text)| input(&format!("{i}.rs"), text))
                .collect();
            let focus = Focus {
                linted: None,
                summaries: Some(&summaries),
                findings: Some(&findings),
            };
            let kept = analyze_focused(inputs, &Options::default(), 2, Teardown::Free, focus);
            let mut linted = std::mem::take(&mut *findings.linted.lock().unwrap());
            linted.sort();
            let inputs = texts
                .iter()
                .enumerate()
                .map(|(i, text)| input(&format!("{i}.rs"), text))
                .collect();
            let fresh = analyze(inputs, &Options::default(), 2);
            assert_eq!(kept.diagnostics, fresh.diagnostics, "{texts:?}");
            (linted, kept.diagnostics.len())
        };
        let mut texts = [
            "struct A { dev: *mut bindings::device }\n",
            "struct B {\n    dev: *mut bindings::device,\n}\n",
            "struct C;\n",
        ];
        let all = ["0.rs", "1.rs", "2.rs"].map(str::to_string).to_vec();
        let (linted, found) = run(&texts);
        assert_eq!((linted, found), (all.clone(), 2));
        assert_eq!(run(&texts).0, Vec::<String>::new());
        // A comment moves the findings of `1.rs` only: its tree is the same.
        let moved = format!("// A comment.\n{}", texts[1]);
        texts[1] = &moved;
        assert_eq!(run(&texts).0, ["1.rs"]);
        // A field changes a tree, so the model: every file is linted again.
        texts[2] = "struct C { dev: *mut bindings::pci_dev }\n";
        assert_eq!(run(&texts).0, all);
    }

    #[test]
    fn inputs_over_the_limit_keep_no_tree_for_their_lints() {
        assert_eq!(tree_budget_for(0), DEFAULT_TREE_BUDGET);
        assert_eq!(tree_budget_for(TREES_WAIT_UP_TO), DEFAULT_TREE_BUDGET);
        assert_eq!(tree_budget_for(TREES_WAIT_UP_TO + 1), 0);
    }

    #[test]
    fn the_tree_budget_keeps_what_fits_and_nothing_after_it_is_spent() {
        let budget = TreeBudget::new(10);
        assert!(budget.take(4));
        assert!(!budget.take(7));
        assert!(budget.take(6));
        assert!(!budget.take(1));
        assert!(budget.take(0));
    }

    #[test]
    fn kept_text_is_what_the_lints_walk() {
        let text = "struct S;
fn safe() { let x = 1; }
unsafe fn u() { g() }
                    impl S {
    fn a(&self) {}
    fn b(&self) { unsafe { g() } }
}
";
        let source = SourceFile::new(FileId(0), "k.rs".to_string(), text.to_string());
        let (ast, _) = parse(&source, &Options::default()).expect("parses");
        let (parsed, _) = for_lints(ast, &source, &Options::default());
        let unsafe_fn = "unsafe fn u() { g() }".len();
        let method = "fn b(&self) { unsafe { g() } }".len();
        assert_eq!(
            pruning::kept_text_bytes(&parsed.ast, &source),
            unsafe_fn + method
        );
    }

    #[test]
    fn parse_errors_after_a_shebang_point_into_the_file() {
        let text = "#!/usr/bin/env run\nfn f( {}\n";
        let analysis = analyze(vec![input("s.rs", text)], &Options::default(), 1);
        assert_eq!(analysis.diagnostics.len(), 1);
        let diagnostic = &analysis.diagnostics[0];
        assert_eq!(diagnostic.code(), "devref::input");
        // At the unclosed `(`.
        assert_eq!(diagnostic.primary.start as usize, text.find('(').unwrap());
    }

    #[test]
    fn input_errors_point_into_their_text() {
        let analysis = analyze(
            vec![
                Input {
                    name: "bad.rs".to_string(),
                    content: Err(InputError {
                        message: "not UTF-8".to_string(),
                        text: "// caf\u{fffd}\n".to_string(),
                        span: 6..9,
                    }),
                },
                Input {
                    name: "gone.rs".to_string(),
                    content: Err("cannot read".to_string().into()),
                },
                input("ok.rs", ""),
            ],
            &Options::default(),
            2,
        );
        let found: Vec<(&str, Span)> = analysis
            .diagnostics
            .iter()
            .map(|d| (d.message.as_str(), d.primary))
            .collect();
        assert_eq!(
            found,
            [
                ("not UTF-8", Span::new(FileId(0), 6..9)),
                ("cannot read", Span::new(FileId(1), 0..0)),
            ]
        );
        assert_eq!(analysis.files[0].text, "// caf\u{fffd}\n");
    }

    #[test]
    fn declared_modules_name_the_files_the_def_map_would_claim() {
        let text =
            "mod a;\n#[path = \"x/y.rs\"]\nmod b;\nmod c {\n    mod d;\n}\nfn f() { mod e; }\n";
        let found = |name: &str, is_root: bool| -> Vec<(String, Vec<String>)> {
            declared_modules(name, text, is_root)
                .into_iter()
                .map(|m| {
                    let candidates = m
                        .candidates
                        .iter()
                        .map(|c| c.to_string_lossy().into_owned())
                        .collect();
                    (m.name, candidates)
                })
                .collect()
        };
        let owned = |pairs: &[(&str, &[&str])]| -> Vec<(String, Vec<String>)> {
            pairs
                .iter()
                .map(|(name, files)| {
                    (
                        name.to_string(),
                        files.iter().map(|f| f.to_string()).collect(),
                    )
                })
                .collect()
        };
        // A crate root (or `mod.rs`) keeps its children beside it; `#[path]` at file scope is
        // relative to the file's folder; a `mod` inside a fn body is not followed.
        let beside = owned(&[
            ("a", &["src/bin/a.rs", "src/bin/a/mod.rs"]),
            ("b", &["src/bin/x/y.rs"]),
            ("d", &["src/bin/c/d.rs", "src/bin/c/d/mod.rs"]),
        ]);
        assert_eq!(found("src/bin/tool.rs", true), beside);
        assert_eq!(found("./src/bin/mod.rs", false), beside);
        // Any other file keeps them in a folder named after it.
        assert_eq!(
            found("src/tool.rs", false),
            owned(&[
                ("a", &["src/tool/a.rs", "src/tool/a/mod.rs"]),
                ("b", &["src/x/y.rs"]),
                ("d", &["src/tool/c/d.rs", "src/tool/c/d/mod.rs"]),
            ])
        );
        assert!(declared_modules("bad.rs", "mod a; fn (", true).is_empty());
    }
}
