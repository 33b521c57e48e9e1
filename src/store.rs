//! Where devref keeps what it caches between runs, what tells one devref build from another
//! (every cached thing is keyed by it), and how the result cache and the findings store keep a
//! diagnostic.

use std::hash::{Hash, Hasher};
use std::path::{Path, PathBuf};

use devref_lints::{
    Applicability, Diagnostic, FileId, Help, Label, Level, Origin, Span, Suggestion,
};
use serde::{Deserialize, Serialize};

/// `$DEVREF_CACHE_DIR`, else `$XDG_CACHE_HOME/devref`, else `~/.cache/devref`, as ruff's cache.
pub fn cache_dir() -> Option<PathBuf> {
    if let Some(dir) = std::env::var_os("DEVREF_CACHE_DIR").filter(|d| !d.is_empty()) {
        return Some(PathBuf::from(dir));
    }
    if let Some(dir) = std::env::var_os("XDG_CACHE_HOME").filter(|d| !d.is_empty()) {
        return Some(PathBuf::from(dir).join("devref"));
    }
    std::env::var_os("HOME").map(|home| PathBuf::from(home).join(".cache/devref"))
}

/// The keys of one kind of cache entry: 128 bits, two std hashers seeded apart, over this devref
/// build, what every key of the kind shares (its layout, the options), then what names the entry.
/// The shared part is hashed once, as a run may name thousands of entries.
#[derive(Clone, Copy)]
pub(crate) struct KeySpace([u64; 2]);

impl KeySpace {
    pub(crate) fn new(shared: impl Hash) -> KeySpace {
        KeySpace([0u8, 1].map(|seed| {
            let mut hasher = std::hash::DefaultHasher::new();
            seed.hash(&mut hasher);
            build_identity(&mut hasher);
            shared.hash(&mut hasher);
            hasher.finish()
        }))
    }

    /// The key of the entry `entry` names, in 32 hex digits.
    pub(crate) fn key(&self, entry: impl Hash) -> String {
        let [first, second] = self.0.map(|shared| {
            let mut hasher = std::hash::DefaultHasher::new();
            shared.hash(&mut hasher);
            entry.hash(&mut hasher);
            hasher.finish()
        });
        format!("{first:016x}{second:016x}")
    }
}

/// Hashes what tells this devref build from another: its version and, as development builds share
/// a version, the executable's size and time.
fn build_identity(hasher: &mut impl Hasher) {
    env!("CARGO_PKG_VERSION").hash(hasher);
    if let Some(meta) = std::env::current_exe()
        .ok()
        .and_then(|exe| exe.metadata().ok())
    {
        meta.len().hash(hasher);
        meta.modified().ok().hash(hasher);
    }
}

/// An entry read this long after it was last written or read has its time set again.
const REFRESHED_AFTER: std::time::Duration = std::time::Duration::from_secs(3600);

/// The bytes of a store's entry. Pruning keeps the newest entries by their time of modification,
/// so an entry that is read is made new again (once an hour at most: one call per read otherwise):
/// the entries pruned are those no run has used for longest, not those written first.
pub(crate) fn read_entry(path: &Path) -> std::io::Result<Vec<u8>> {
    use std::io::Read;
    let mut file = std::fs::File::open(path)?;
    let mut bytes = Vec::new();
    file.read_to_end(&mut bytes)?;
    let now = std::time::SystemTime::now();
    let stale = file
        .metadata()
        .and_then(|meta| meta.modified())
        .is_ok_and(|modified| {
            now.duration_since(modified)
                .is_ok_and(|age| age > REFRESHED_AFTER)
        });
    if stale {
        // The owner may set it through a file opened for reading; failing costs only an early
        // prune.
        let _ = file.set_modified(now);
    }
    Ok(bytes)
}

/// A store's checksum of an entry's payload: it needs to catch damage, not an adversary.
pub(crate) fn checksum(payload: &[u8]) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut hasher = std::hash::DefaultHasher::new();
    payload.hash(&mut hasher);
    hasher.finish()
}

/// Writes an entry whole or not at all: the checksum of `payload` (16 hex digits and a newline),
/// then `payload`, to a temporary file renamed into place. A torn entry fails its checksum, and so
/// does a damaged one that would still parse (a flipped digit of a line number).
pub(crate) fn write_checked_entry(dir: &Path, path: &Path, payload: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    std::fs::create_dir_all(dir)?;
    let mut temp = tempfile::NamedTempFile::new_in(dir)?;
    writeln!(temp, "{:016x}", checksum(payload))?;
    temp.write_all(payload)?;
    temp.persist(path).map_err(|error| error.error)?;
    Ok(())
}

/// The payload of an entry written by [`write_checked_entry`], if its checksum holds.
pub(crate) fn checked_payload(entry: &[u8]) -> Option<&[u8]> {
    let (sum, payload) = entry.split_first_chunk::<17>()?;
    let (newline, sum) = sum.split_last()?;
    let sum = u64::from_str_radix(std::str::from_utf8(sum).ok()?, 16).ok()?;
    (*newline == b'\n' && sum == checksum(payload)).then_some(payload)
}

/// [`write_checked_entry`] of an entry as JSON.
pub(crate) fn write_json_entry(
    dir: &Path,
    path: &Path,
    entry: &impl serde::Serialize,
) -> std::io::Result<()> {
    write_checked_entry(dir, path, &serde_json::to_vec(entry)?)
}

/// The JSON entry at `path`, if its checksum holds and it parses.
pub(crate) fn read_json_entry<T: serde::de::DeserializeOwned>(path: &Path) -> Option<T> {
    let bytes = read_entry(path).ok()?;
    serde_json::from_slice(checked_payload(&bytes)?).ok()
}

/// A temporary file this old was left by a process that died before renaming it into place.
const STALE_TEMPORARY: std::time::Duration = std::time::Duration::from_secs(3600);

/// Keeps the newest `max` entries (`.json` files) of a folder, and removes the temporary files
/// (`.tmp…`, as `tempfile` names them) that no process is still writing.
pub(crate) fn prune(dir: &Path, max: usize) {
    prune_entries(dir, max, max, |name| name.ends_with(".json"));
}

/// Once a folder holds more than `max` entries (the files `is_entry` names), keeps the newest
/// `keep`; and removes the temporary files (`.tmp…`, as `tempfile` names them) that no process
/// is still writing. Other files are left alone.
pub(crate) fn prune_entries(dir: &Path, max: usize, keep: usize, is_entry: fn(&str) -> bool) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let now = std::time::SystemTime::now();
    let mut files: Vec<(std::time::SystemTime, PathBuf)> = Vec::new();
    for entry in entries.filter_map(Result::ok) {
        let Some(modified) = entry.metadata().ok().and_then(|meta| meta.modified().ok()) else {
            continue;
        };
        let name = entry.file_name();
        let name = name.to_string_lossy();
        if name.starts_with(".tmp") {
            if now
                .duration_since(modified)
                .is_ok_and(|age| age > STALE_TEMPORARY)
            {
                let _ = std::fs::remove_file(entry.path());
            }
        } else if is_entry(&name) && entry.file_type().is_ok_and(|kind| kind.is_file()) {
            files.push((modified, entry.path()));
        }
    }
    if files.len() <= max {
        return;
    }
    files.sort();
    for (_, old) in &files[..files.len().saturating_sub(keep)] {
        let _ = std::fs::remove_file(old);
    }
}

/// A [`Diagnostic`] as stored: the lint by name (`None` for an input error), levels and
/// applicabilities by their names.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub(crate) struct CachedDiagnostic {
    lint: Option<String>,
    level: String,
    message: String,
    primary: CachedSpan,
    label: Option<String>,
    secondary: Vec<CachedLabel>,
    helps: Vec<CachedHelp>,
    notes: Vec<String>,
    anchors: Vec<CachedSpan>,
}

/// `[file, start, end]`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
struct CachedSpan(u32, u32, u32);

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
struct CachedLabel {
    span: CachedSpan,
    message: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
struct CachedHelp {
    message: String,
    suggestion: Option<CachedSuggestion>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
struct CachedSuggestion {
    span: CachedSpan,
    replacement: String,
    applicability: String,
}

impl From<&Span> for CachedSpan {
    fn from(span: &Span) -> CachedSpan {
        CachedSpan(span.file.0, span.start, span.end)
    }
}

impl From<&CachedSpan> for Span {
    fn from(&CachedSpan(file, start, end): &CachedSpan) -> Span {
        Span {
            file: FileId(file),
            start,
            end,
        }
    }
}

impl From<&Diagnostic> for CachedDiagnostic {
    fn from(diagnostic: &Diagnostic) -> CachedDiagnostic {
        CachedDiagnostic {
            lint: diagnostic.lint_name().map(str::to_string),
            level: diagnostic.level.as_str().to_string(),
            message: diagnostic.message.clone(),
            primary: (&diagnostic.primary).into(),
            label: diagnostic.primary_label.clone(),
            secondary: diagnostic
                .secondary
                .iter()
                .map(|label| CachedLabel {
                    span: (&label.span).into(),
                    message: label.message.clone(),
                })
                .collect(),
            helps: diagnostic
                .helps
                .iter()
                .map(|help| CachedHelp {
                    message: help.message.clone(),
                    suggestion: help.suggestion.as_ref().map(|s| CachedSuggestion {
                        span: (&s.span).into(),
                        replacement: s.replacement.clone(),
                        applicability: s.applicability.as_str().to_string(),
                    }),
                })
                .collect(),
            notes: diagnostic.notes.clone(),
            anchors: diagnostic.anchors.iter().map(CachedSpan::from).collect(),
        }
    }
}

impl CachedDiagnostic {
    /// The diagnostic; `None` when it names a lint, level or applicability this build lacks.
    pub(crate) fn into_diagnostic(self) -> Option<Diagnostic> {
        let origin = match &self.lint {
            Some(name) => Origin::Lint(devref_lints::lints::find(name)?),
            None => Origin::Input,
        };
        let applicability = |text: &str| match text {
            "MachineApplicable" => Some(Applicability::MachineApplicable),
            "MaybeIncorrect" => Some(Applicability::MaybeIncorrect),
            "HasPlaceholders" => Some(Applicability::HasPlaceholders),
            "Unspecified" => Some(Applicability::Unspecified),
            _ => None,
        };
        let mut helps = Vec::new();
        for help in self.helps {
            let suggestion = match help.suggestion {
                None => None,
                Some(s) => Some(Suggestion {
                    span: (&s.span).into(),
                    replacement: s.replacement,
                    applicability: applicability(&s.applicability)?,
                }),
            };
            helps.push(Help {
                message: help.message,
                suggestion,
            });
        }
        Some(Diagnostic {
            origin,
            level: Level::parse(&self.level)?,
            message: self.message,
            primary: (&self.primary).into(),
            primary_label: self.label,
            secondary: self
                .secondary
                .into_iter()
                .map(|label| Label {
                    span: (&label.span).into(),
                    message: label.message,
                })
                .collect(),
            helps,
            notes: self.notes,
            anchors: self.anchors.iter().map(Span::from).collect(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The names of the files in `dir`, sorted.
    fn names_in(dir: &Path) -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }

    #[test]
    fn an_entry_read_is_made_new_again_so_pruning_keeps_it() {
        let dir = tempfile::tempdir().unwrap();
        let minutes_ago = |minutes: u64| {
            std::time::SystemTime::now() - std::time::Duration::from_secs(minutes * 60)
        };
        for (name, minutes) in [("used.json", 180), ("a.json", 120), ("b.json", 30)] {
            let path = dir.path().join(name);
            std::fs::write(&path, name.as_bytes()).unwrap();
            let file = std::fs::File::options().write(true).open(&path).unwrap();
            file.set_modified(minutes_ago(minutes)).unwrap();
        }
        assert_eq!(
            read_entry(&dir.path().join("used.json")).unwrap(),
            b"used.json"
        );
        prune(dir.path(), 2);
        let left = names_in(dir.path());
        assert_eq!(left, ["b.json", "used.json"]);
        // A recent entry keeps its time: reading it again changes nothing on disk.
        let recent = dir.path().join("b.json");
        let before = std::fs::metadata(&recent).unwrap().modified().unwrap();
        read_entry(&recent).unwrap();
        assert_eq!(
            std::fs::metadata(&recent).unwrap().modified().unwrap(),
            before
        );
    }

    #[test]
    fn pruning_keeps_the_newest_entries_and_removes_stale_temporary_files() {
        let dir = tempfile::tempdir().unwrap();
        let at = |name: &str, seconds_ago: u64| {
            let path = dir.path().join(name);
            std::fs::write(&path, b"{}").unwrap();
            let time = std::time::SystemTime::now() - std::time::Duration::from_secs(seconds_ago);
            let file = std::fs::File::options().write(true).open(&path).unwrap();
            file.set_modified(time).unwrap();
        };
        for index in 0..4 {
            at(&format!("{index}.json"), 100 - index);
        }
        at(".tmpOLD", 2 * 3600);
        at(".tmpNEW", 10);
        at("other", 2 * 3600);
        prune(dir.path(), 2);
        let left = names_in(dir.path());
        // A temporary file still being written stays, as does what is not the cache's.
        assert_eq!(left, [".tmpNEW", "2.json", "3.json", "other"]);
    }

    #[test]
    fn diagnostics_round_trip() {
        let lint = devref_lints::lints::find("raw_device_ptr_field").expect("declared");
        let span = |start, end| Span {
            file: FileId(2),
            start,
            end,
        };
        let diagnostic = Diagnostic::lint(lint, span(10, 20), "message")
            .with_label("label")
            .with_secondary(span(1, 2), "secondary")
            .with_anchor(span(3, 4), "part of the same problem")
            .with_help("plain help")
            .with_suggestion(
                "fix",
                span(10, 20),
                "ARef<Device>",
                Applicability::MaybeIncorrect,
            )
            .with_note("note");
        let text = serde_json::to_string(&CachedDiagnostic::from(&diagnostic)).unwrap();
        assert_eq!(
            text,
            "{\"lint\":\"raw_device_ptr_field\",\"level\":\"warn\",\"message\":\"message\",\
             \"primary\":[2,10,20],\"label\":\"label\",\
             \"secondary\":[{\"span\":[2,1,2],\"message\":\"secondary\"},\
             {\"span\":[2,3,4],\"message\":\"part of the same problem\"}],\
             \"helps\":[{\"message\":\"plain help\",\"suggestion\":null},\
             {\"message\":\"fix\",\"suggestion\":{\"span\":[2,10,20],\
             \"replacement\":\"ARef<Device>\",\"applicability\":\"MaybeIncorrect\"}}],\
             \"notes\":[\"note\"],\"anchors\":[[2,3,4]]}"
        );
        assert_eq!(decode(&text), Some(diagnostic));
        let input = Diagnostic::input_error(span(0, 0), "cannot read");
        let text = serde_json::to_string(&CachedDiagnostic::from(&input)).unwrap();
        assert_eq!(decode(&text), Some(input));
    }

    fn decode(text: &str) -> Option<Diagnostic> {
        serde_json::from_str::<CachedDiagnostic>(text)
            .ok()?
            .into_diagnostic()
    }

    #[test]
    fn unknown_lints_levels_and_garbage_are_misses() {
        let entry = |lint: &str, level: &str| {
            format!(
                "{{\"lint\":{lint},\"level\":\"{level}\",\"message\":\"m\",\"primary\":[0,0,0],\
                 \"label\":null,\"secondary\":[],\"helps\":[],\"notes\":[],\"anchors\":[]}}"
            )
        };
        assert!(decode(&entry("\"raw_device_ptr_field\"", "deny")).is_some());
        assert_eq!(decode(&entry("\"no_such_lint\"", "deny")), None);
        assert_eq!(decode(&entry("null", "loud")), None);
        assert_eq!(decode("{\"lint\": \"no_such_lint\"}"), None);
        assert_eq!(decode("42"), None);
    }
}
