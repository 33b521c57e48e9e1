//! The summary store: each file's item tree, kept on disk between runs, so that a run that lints a
//! few files of a large tree (`--report-only`, `--diff`/`--staged`, `devref review`) parses only
//! those and the files that changed, and builds the model from the stored trees of the rest.
//!
//! An entry is found by a key of everything its tree was lowered from (see
//! `devref_lints::model::summary`): the file's text, the two options that change what is lowered,
//! the summary layout and the devref build. A changed file is a new key, so the model never sees a
//! stale tree, and the findings of a linted file that depend on another file's items (a callee's
//! `# Safety`, a type's `# Invariants`, a device abstraction) are computed from its current text.
//!
//! Entries live in the `summaries` folder of the result cache's folder ([`cache_dir`]). Each is
//! written to a temporary file and renamed into place, and starts with a checksum of the rest (see
//! [`write_checked_entry`]): a torn or damaged entry is a miss, never read as a tree. Two processes
//! storing the same entry at once write the same bytes.

use std::fs;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};

use devref_lints::model::item_tree::ItemTree;
use devref_lints::model::summary;
use devref_lints::options::Options;
use devref_lints::{SourceFile, SummaryStore};

use crate::store::{cache_dir, checked_payload, write_checked_entry, KeySpace};

/// When a run stored a new entry and the folder holds more than this many, the oldest are removed
/// down to three quarters of it. A summary is about a third of its file's size: 20 000 entries of
/// kernel files are about 80 MB.
const MAX_ENTRIES: usize = 20_000;

/// The summaries in a folder, for runs with one set of options.
pub struct DiskSummaries {
    dir: PathBuf,
    /// Keys by the build, the layout and the options that change a tree.
    keys: KeySpace,
    stored: AtomicBool,
}

impl DiskSummaries {
    /// The store in the cache folder, or `None` if there is no cache folder.
    pub fn open(options: &Options) -> Option<DiskSummaries> {
        Some(DiskSummaries::in_cache(&cache_dir()?, options))
    }

    /// The store in the cache folder `cache`.
    pub fn in_cache(cache: &Path, options: &Options) -> DiskSummaries {
        DiskSummaries::in_dir(cache.join("summaries"), options)
    }

    /// The store, unless `--no-cache` says not to use one.
    pub fn unless(no_cache: bool, options: &Options) -> Option<DiskSummaries> {
        if no_cache {
            None
        } else {
            DiskSummaries::open(options)
        }
    }

    pub fn in_dir(dir: PathBuf, options: &Options) -> DiskSummaries {
        let keys = KeySpace::new((
            summary::SUMMARY_FORMAT,
            options.parse_everything,
            options.lint_cfg_test,
        ));
        DiskSummaries {
            dir,
            keys,
            stored: AtomicBool::new(false),
        }
    }

    /// The entry of a file with this text.
    fn path(&self, source: &SourceFile) -> PathBuf {
        self.dir.join(self.keys.key(source.digest()))
    }
}

/// Trims the folder when the store is done with: if the run stored an entry and the folder is over
/// [`MAX_ENTRIES`], the oldest are removed.
impl Drop for DiskSummaries {
    fn drop(&mut self) {
        if self.stored.load(Ordering::Relaxed) {
            prune(&self.dir, MAX_ENTRIES);
        }
    }
}

impl SummaryStore for DiskSummaries {
    fn load(&self, source: &SourceFile) -> Option<ItemTree> {
        let path = self.path(source);
        let bytes = crate::store::read_entry(&path).ok()?;
        let tree = checked_payload(&bytes).and_then(|payload| summary::decode(payload, source.id));
        if tree.is_none() {
            // Damaged: removed, so that this run stores it again.
            let _ = fs::remove_file(&path);
        }
        tree
    }

    fn store(&self, source: &SourceFile, summary: &[u8]) {
        let path = self.path(source);
        if path.exists() {
            return;
        }
        if write_checked_entry(&self.dir, &path, summary).is_ok() {
            self.stored.store(true, Ordering::Relaxed);
        }
    }
}

/// Keeps the `max * 3 / 4` newest entries once there are more than `max`, and removes stale
/// temporary files. An entry is named by its key alone, 32 hex digits.
fn prune(dir: &Path, max: usize) {
    crate::store::prune_entries(dir, max, max * 3 / 4, |name| {
        name.len() == 32 && name.bytes().all(|byte| byte.is_ascii_hexdigit())
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use devref_lints::FileId;

    fn lowered(text: &str, id: u32) -> (SourceFile, ItemTree) {
        let source = SourceFile::new(FileId(id), "a.rs".to_string(), text.to_string());
        let tree = devref_lints::analysis::lowered(&source, &Options::default()).expect("parses");
        (source, tree)
    }

    const TEXT: &str =
        "/// # Safety\n/// `p` must be valid.\npub unsafe fn f(p: *mut bindings::device) {}\n\
                        pub struct S { dev: ARef<Device> }\n";

    #[test]
    fn a_stored_tree_is_loaded_into_the_file_id_of_the_run() {
        let dir = tempfile::tempdir().unwrap();
        let store = DiskSummaries::in_dir(dir.path().join("s"), &Options::default());
        let (source, tree) = lowered(TEXT, 0);
        assert_eq!(store.load(&source), None);
        store.store(&source, &summary::encode(&tree));
        let (moved, expected) = lowered(TEXT, 7);
        assert_eq!(store.load(&moved), Some(expected));
        // Another text, or other options, is another entry.
        let (other, _) = lowered(&TEXT.replace("valid", "alive"), 0);
        assert_eq!(store.load(&other), None);
        let test_options = Options {
            lint_cfg_test: true,
            ..Options::default()
        };
        let other_options = DiskSummaries::in_dir(dir.path().join("s"), &test_options);
        assert_eq!(other_options.load(&source), None);
    }

    #[test]
    fn a_torn_or_damaged_entry_is_a_miss() {
        let dir = tempfile::tempdir().unwrap();
        let store = DiskSummaries::in_dir(dir.path().to_path_buf(), &Options::default());
        let (source, tree) = lowered(TEXT, 0);
        store.store(&source, &summary::encode(&tree));
        let path = store.path(&source);
        let whole = fs::read(&path).unwrap();
        for len in 0..whole.len() {
            fs::write(&path, &whole[..len]).unwrap();
            assert_eq!(fs::read(&path).unwrap().len(), len);
            assert_eq!(store.load(&source), None, "torn at {len}");
        }
        let mut flipped = whole.clone();
        let last = flipped.len() - 1;
        flipped[last] ^= 1;
        fs::write(&path, &flipped).unwrap();
        assert_eq!(store.load(&source), None);
        // The damaged entry is gone, and stored again.
        assert!(!path.exists());
        store.store(&source, &summary::encode(&tree));
        assert_eq!(store.load(&source), Some(tree));
    }

    #[test]
    fn pruning_keeps_the_newest_entries_and_removes_stale_temporary_files() {
        let dir = tempfile::tempdir().unwrap();
        let at = |name: &str, seconds_ago: u64| {
            let path = dir.path().join(name);
            fs::write(&path, b"x").unwrap();
            let time = std::time::SystemTime::now() - std::time::Duration::from_secs(seconds_ago);
            fs::File::options()
                .write(true)
                .open(&path)
                .unwrap()
                .set_modified(time)
                .unwrap();
        };
        for index in 0..10u64 {
            at(&format!("{index:032x}"), 100 - index);
        }
        at(".tmpOLD", 2 * 3600);
        at(".tmpNEW", 10);
        at("devref.toml", 2 * 3600);
        let left = || {
            let mut left: Vec<String> = fs::read_dir(dir.path())
                .unwrap()
                .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
                .collect();
            left.sort();
            left
        };
        // Under the limit, only the stale temporary file goes.
        prune(dir.path(), 12);
        assert_eq!(left().len(), 12);
        assert!(!left().contains(&".tmpOLD".to_string()));
        // Over it, three quarters of the limit are kept, the newest; a temporary file still being
        // written stays, as does what is not the store's.
        prune(dir.path(), 8);
        let mut kept: Vec<String> = (4..10u64).map(|index| format!("{index:032x}")).collect();
        kept.extend([".tmpNEW".to_string(), "devref.toml".to_string()]);
        kept.sort();
        assert_eq!(left(), kept);
    }
}
