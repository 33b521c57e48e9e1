//! The findings store: each linted file's diagnostics, kept on disk by the model they were found
//! with, so that a full run after an edit that leaves every item tree as it was (a function body, a
//! comment) lints only the edited files and takes the others' findings from the last run.
//!
//! A file's findings are a function of its text, the options, the devref build and the model
//! ([`ModelFingerprint`]: every input's name and item tree, spans left out). So an entry is one
//! model's findings, under a key of the model, the options and the build; in it, a file's findings
//! are taken only when its text is unchanged. A label may point into another file (a callee's
//! `# Safety` section): such findings are taken only when that file's text is unchanged too, so
//! every span is where it was. Any change to what the model holds (a signature, a `# Safety`
//! section, a type's fields) is another model, whose findings are all computed again.
//!
//! Entries live in the `findings` folder of the result cache's folder. An entry is read once per
//! run, and written once at its end (to a temporary file renamed into place, after a checksum of
//! the JSON) with what the run linted; a torn or damaged entry is a miss, and removed.

use std::collections::HashMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, OnceLock};

use devref_lints::options::Options;
use devref_lints::{Diagnostic, FileId, FindingsStore, ModelFingerprint, SourceFile};
use serde::{Deserialize, Serialize};

use crate::store::{prune, CachedDiagnostic, KeySpace};

/// Entries kept: one per model, so a few edits of signatures back.
const MAX_ENTRIES: usize = 16;

/// Bumped whenever the entry layout changes.
const FORMAT: u32 = 3;

/// The findings in a folder, for runs with one set of options.
pub struct DiskFindings {
    dir: PathBuf,
    /// Keys by the build, the layout and the options.
    keys: KeySpace,
    /// The entry of this run's model, read at the first look.
    kept: OnceLock<Option<HashMap<u32, FileFindings>>>,
    /// What this run linted, to be written when the store is dropped.
    found: Mutex<Found>,
}

#[derive(Default)]
struct Found {
    model: Option<ModelFingerprint>,
    files: HashMap<u32, FileFindings>,
}

/// One file's findings, with the texts they were found in. An entry holds them by [`FileId`]: the
/// model names every input in order, so an id is the same file in every run of that model, even
/// where two inputs have the same name (a file given twice, or on stdin).
#[derive(Clone, Debug, Serialize, Deserialize)]
struct FileFindings {
    name: String,
    /// The digest of the file's text, in hex.
    text: String,
    /// The other files a span points into: id, name and the digest of the text.
    spans_in: Vec<(u32, String, String)>,
    diagnostics: Vec<CachedDiagnostic>,
}

#[derive(Serialize, Deserialize)]
struct Entry {
    format: u32,
    files: HashMap<u32, FileFindings>,
}

impl DiskFindings {
    /// The store in the cache folder `cache`.
    pub fn in_cache(cache: &Path, options: &Options) -> DiskFindings {
        DiskFindings::in_dir(cache.join("findings"), options)
    }

    pub fn in_dir(dir: PathBuf, options: &Options) -> DiskFindings {
        DiskFindings {
            dir,
            keys: KeySpace::new((FORMAT, format!("{options:?}"))),
            kept: OnceLock::new(),
            found: Mutex::new(Found::default()),
        }
    }

    /// The entry of a model.
    fn path(&self, model: ModelFingerprint) -> PathBuf {
        self.dir.join(format!("{}.json", self.keys.key(model)))
    }

    fn kept(&self, model: ModelFingerprint) -> Option<&HashMap<u32, FileFindings>> {
        self.kept
            .get_or_init(|| {
                let path = self.path(model);
                match crate::store::read_json_entry::<Entry>(&path) {
                    Some(entry) if entry.format == FORMAT => Some(entry.files),
                    // Torn, damaged or of another layout: gone, so that this run writes it again.
                    _ => {
                        let _ = fs::remove_file(&path);
                        None
                    }
                }
            })
            .as_ref()
    }

    fn write(&self, found: Found) -> std::io::Result<()> {
        let Some(model) = found.model else {
            return Ok(());
        };
        let mut files = self
            .kept
            .get()
            .and_then(Option::as_ref)
            .cloned()
            .unwrap_or_default();
        files.extend(found.files);
        let entry = Entry {
            format: FORMAT,
            files,
        };
        crate::store::write_json_entry(&self.dir, &self.path(model), &entry)?;
        prune(&self.dir, MAX_ENTRIES);
        Ok(())
    }
}

/// Writes what the run linted into its model's entry.
impl Drop for DiskFindings {
    fn drop(&mut self) {
        let found = match self.found.get_mut() {
            Ok(found) => std::mem::take(found),
            Err(poisoned) => std::mem::take(poisoned.into_inner()),
        };
        if !found.files.is_empty() {
            // A failed write only costs the next run these files' lints.
            let _ = self.write(found);
        }
    }
}

impl FindingsStore for DiskFindings {
    fn load(
        &self,
        model: ModelFingerprint,
        source: &SourceFile,
        files: &[SourceFile],
    ) -> Option<Vec<Diagnostic>> {
        let kept = self.kept(model)?.get(&source.id.0)?;
        if kept.name != source.name || kept.text != text_digest(source) {
            return None;
        }
        for (id, name, text) in &kept.spans_in {
            let file = files.get(*id as usize)?;
            if file.name != *name || text_digest(file) != *text {
                return None;
            }
        }
        let diagnostics: Option<Vec<Diagnostic>> = kept
            .diagnostics
            .iter()
            .map(|diagnostic| diagnostic.clone().into_diagnostic())
            .collect();
        // Every span must be in the file or in a file checked above.
        diagnostics.filter(|diagnostics| {
            diagnostics.iter().flat_map(Diagnostic::spans).all(|span| {
                span.file == source.id || kept.spans_in.iter().any(|(id, ..)| *id == span.file.0)
            })
        })
    }

    fn store(
        &self,
        model: ModelFingerprint,
        source: &SourceFile,
        files: &[SourceFile],
        diagnostics: &[Diagnostic],
    ) {
        let mut spans_in: Vec<FileId> = diagnostics
            .iter()
            .flat_map(Diagnostic::spans)
            .map(|span| span.file)
            .filter(|file| *file != source.id)
            .collect();
        spans_in.sort();
        spans_in.dedup();
        let Some(spans_in) = spans_in
            .into_iter()
            .map(|id| {
                let file = files.get(id.0 as usize)?;
                Some((id.0, file.name.clone(), text_digest(file)))
            })
            .collect::<Option<Vec<_>>>()
        else {
            return;
        };
        let findings = FileFindings {
            name: source.name.clone(),
            text: text_digest(source),
            spans_in,
            diagnostics: diagnostics.iter().map(CachedDiagnostic::from).collect(),
        };
        let mut found = match self.found.lock() {
            Ok(found) => found,
            Err(poisoned) => poisoned.into_inner(),
        };
        found.model = Some(model);
        found.files.insert(source.id.0, findings);
    }
}

fn text_digest(file: &SourceFile) -> String {
    format!("{:032x}", file.digest())
}
