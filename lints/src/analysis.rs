//! The analysis pipeline: parse and lower each file, build the model, run the lints.
//!
//! syn's syntax trees are not `Send`, so each worker thread keeps the trees of the files it parsed and
//! later lints exactly those files; only the `Send` item trees travel to the thread that builds the
//! model. Results are sorted at the end, so the output never depends on scheduling.

use std::sync::mpsc;
use std::sync::Arc;
use std::thread;

use crate::comments::CommentIndex;
use crate::diagnostic::Diagnostic;
use crate::lints::{FileContext, ALL};
use crate::model::item_tree::ItemTree;
use crate::model::lower::lower_file;
use crate::model::{Model, ModelFile};
use crate::source::{FileId, SourceFile, Span};

/// One file to analyse: its display name and its text, or why it could not be read.
pub struct Input {
    pub name: String,
    pub content: Result<String, String>,
}

pub struct Analysis {
    /// Indexed by `FileId`.
    pub files: Vec<SourceFile>,
    /// Sorted by file, then position.
    pub diagnostics: Vec<Diagnostic>,
}

/// Worker stacks are large because syn recurses once per nesting level of an expression.
const WORKER_STACK: usize = 256 * 1024 * 1024;

struct Parsed {
    ast: syn::File,
    comments: CommentIndex,
}

pub fn analyze(inputs: Vec<Input>, threads: usize) -> Analysis {
    let mut diagnostics = Vec::new();
    let mut files = Vec::with_capacity(inputs.len());
    for (index, input) in inputs.into_iter().enumerate() {
        let id = FileId(index as u32);
        match input.content {
            Ok(text) => files.push(SourceFile::new(id, input.name, text)),
            Err(reason) => {
                diagnostics.push(Diagnostic::input_error(Span::new(id, 0..0), reason));
                files.push(SourceFile::new(id, input.name, String::new()));
            }
        }
    }
    let readable: Vec<FileId> = files
        .iter()
        .filter(|f| {
            !diagnostics
                .iter()
                .any(|d: &Diagnostic| d.primary.file == f.id)
        })
        .map(|f| f.id)
        .collect();

    let workers = threads.max(1).min(readable.len().max(1));
    let shares = balance(&readable, &files, workers);
    let files_ref = &files;
    let worker_results: Vec<Vec<Diagnostic>> = thread::scope(|scope| {
        let (tree_tx, tree_rx) = mpsc::channel::<(FileId, Result<ItemTree, Diagnostic>)>();
        let mut model_senders = Vec::new();
        let mut handles = Vec::new();
        for share in shares {
            let tree_tx = tree_tx.clone();
            let (model_tx, model_rx) = mpsc::channel::<Arc<Model>>();
            model_senders.push(model_tx);
            let handle = thread::Builder::new()
                .name("devref-worker".into())
                .stack_size(WORKER_STACK)
                .spawn_scoped(scope, move || worker(files_ref, share, tree_tx, model_rx))
                .expect("spawning a worker thread");
            handles.push(handle);
        }
        drop(tree_tx);

        let mut trees: Vec<Option<ItemTree>> = (0..files_ref.len()).map(|_| None).collect();
        let mut parse_errors = Vec::new();
        for (id, result) in tree_rx {
            match result {
                Ok(tree) => trees[id.0 as usize] = Some(tree),
                Err(diagnostic) => parse_errors.push(diagnostic),
            }
        }
        let model_files = files_ref
            .iter()
            .zip(trees)
            .map(|(file, tree)| ModelFile {
                id: file.id,
                name: file.name.clone(),
                tree: tree.unwrap_or_default(),
            })
            .collect();
        let model = Arc::new(Model::build(model_files));
        for sender in model_senders {
            // A worker that already stopped has nothing left to lint.
            let _ = sender.send(Arc::clone(&model));
        }
        let mut results = vec![parse_errors];
        for handle in handles {
            match handle.join() {
                Ok(found) => results.push(found),
                Err(_) => results.push(Vec::new()),
            }
        }
        results
    });
    diagnostics.extend(worker_results.into_iter().flatten());
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

fn worker(
    files: &[SourceFile],
    share: Vec<FileId>,
    tree_tx: mpsc::Sender<(FileId, Result<ItemTree, Diagnostic>)>,
    model_rx: mpsc::Receiver<Arc<Model>>,
) -> Vec<Diagnostic> {
    let mut parsed = Vec::with_capacity(share.len());
    for id in share {
        let source = &files[id.0 as usize];
        match syn::parse_file(&source.text) {
            Ok(ast) => {
                let tree = lower_file(id, &ast);
                let comments = CommentIndex::build(&source.text);
                let _ = tree_tx.send((id, Ok(tree)));
                parsed.push((id, Parsed { ast, comments }));
            }
            Err(error) => {
                let range = error.span().byte_range();
                let diagnostic = Diagnostic::input_error(
                    Span::new(id, range),
                    format!("could not parse `{}`: {error}", source.name),
                );
                let _ = tree_tx.send((id, Err(diagnostic)));
            }
        }
    }
    drop(tree_tx);
    let Ok(model) = model_rx.recv() else {
        return Vec::new();
    };
    let mut diagnostics = Vec::new();
    for (id, file) in &parsed {
        let cx = FileContext {
            source: &files[id.0 as usize],
            ast: &file.ast,
            comments: &file.comments,
            model: &model,
        };
        for pass in ALL {
            (pass.check)(&cx, &mut diagnostics);
        }
    }
    diagnostics
}

/// Splits files among workers, largest first onto the least loaded, so one big file does not leave the
/// other threads idle.
fn balance(ids: &[FileId], files: &[SourceFile], workers: usize) -> Vec<Vec<FileId>> {
    let mut sorted: Vec<FileId> = ids.to_vec();
    sorted.sort_by_key(|id| std::cmp::Reverse(files[id.0 as usize].text.len()));
    let mut shares: Vec<(usize, Vec<FileId>)> = (0..workers).map(|_| (0, Vec::new())).collect();
    for id in sorted {
        let lightest = shares
            .iter_mut()
            .min_by_key(|(load, _)| *load)
            .expect("at least one worker");
        lightest.0 += files[id.0 as usize].text.len();
        lightest.1.push(id);
    }
    shares.into_iter().map(|(_, share)| share).collect()
}
