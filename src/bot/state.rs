//! The bot's memory between runs, one JSON file written atomically (a temporary file beside it,
//! synced, renamed over it): where reading stopped, the mail of series still waiting, the series
//! answered, and the replies decided but not yet known to be in the outbox.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use serde::{Deserialize, Serialize};

/// The state file's layout; a file of another version is refused, not misread.
const VERSION: u32 = 1;

#[derive(Debug, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct State {
    pub version: u32,
    /// public-inbox: per epoch (`0.git`), the last commit read.
    pub inbox_tips: BTreeMap<String, String>,
    /// Maildir: the files read, by the unique part of their name (before `:`).
    pub maildir_seen: BTreeSet<String>,
    /// Patch mail whose series is not reviewed yet.
    pub waiting: Vec<Waiting>,
    /// Patches read, by stable patch id (`git patch-id --stable`): where to read them again,
    /// for the series that name them as prerequisites.
    pub patch_ids: BTreeMap<String, String>,
    /// Series reviewed, by key.
    pub answered: BTreeMap<String, Answered>,
    /// Outputs of reviewed series not yet known to be in the outbox, finished on restart.
    pub pending: Vec<Pending>,
}

/// A message kept until its series is reviewed.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Waiting {
    pub raw: Raw,
    /// When the bot first read it (the bot's clock, seconds since the epoch).
    pub first_seen: i64,
}

/// A message's bytes: as text when UTF-8 (nearly all patch mail), else hexadecimal.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Raw {
    Text(String),
    Hex(String),
}

impl Raw {
    pub fn new(bytes: Vec<u8>) -> Raw {
        match String::from_utf8(bytes) {
            Ok(text) => Raw::Text(text),
            Err(error) => Raw::Hex(
                error
                    .as_bytes()
                    .iter()
                    .map(|b| format!("{b:02x}"))
                    .collect(),
            ),
        }
    }

    pub fn bytes(&self) -> Vec<u8> {
        match self {
            Raw::Text(text) => text.as_bytes().to_vec(),
            Raw::Hex(hex) => hex
                .as_bytes()
                .chunks(2)
                .filter_map(|pair| u8::from_str_radix(std::str::from_utf8(pair).ok()?, 16).ok())
                .collect(),
        }
    }
}

/// A reviewed series: what identifies its mail later (a patch that arrives late).
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Answered {
    pub message_ids: Vec<String>,
    pub version: u32,
    pub total: u32,
    /// When it was reviewed (the bot's clock).
    pub at: i64,
}

/// The outputs of one series, to be put in the outbox.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Pending {
    pub series: String,
    pub files: Vec<OutFile>,
}

/// One file of the outbox: its folder (`new`, `json`, `patchwork`), name and content.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct OutFile {
    pub folder: String,
    pub name: String,
    pub text: String,
    /// Written whole in the outbox's `tmp/`: from then on it is only renamed into its folder,
    /// never written again, so a missing `tmp/` file means that the rename happened.
    #[serde(default)]
    pub staged: bool,
}

impl State {
    /// Reads the state; a missing file is a fresh state.
    pub fn load(path: &Path) -> Result<State, String> {
        let text = match std::fs::read_to_string(path) {
            Ok(text) => text,
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
                return Ok(State {
                    version: VERSION,
                    ..State::default()
                })
            }
            Err(error) => return Err(format!("cannot read `{}`: {error}", path.display())),
        };
        let state: State = serde_json::from_str(&text)
            .map_err(|error| format!("`{}` is not a devref bot state: {error}", path.display()))?;
        if state.version != VERSION {
            return Err(format!(
                "`{}` is a state of version {}; this devref reads version {VERSION}",
                path.display(),
                state.version
            ));
        }
        Ok(state)
    }

    /// Writes the state whole or not at all, and makes the rename durable.
    pub fn save(&self, path: &Path) -> Result<(), String> {
        let text = serde_json::to_string(self).map_err(|error| error.to_string())?;
        crate::review::outdir::write_atomically(path, text.as_bytes())
            .and_then(|()| sync_folder(path))
            .map_err(|error| format!("cannot write `{}`: {error}", path.display()))
    }
}

/// Syncs the folder holding `path`, so that a rename into it survives a crash.
pub fn sync_folder(path: &Path) -> std::io::Result<()> {
    let folder = match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent,
        _ => Path::new("."),
    };
    std::fs::File::open(folder)?.sync_all()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn raw_bytes_round_trip() {
        for bytes in [b"plain\n".to_vec(), vec![0xff, 0x00, b'a', 0xe9]] {
            let raw = Raw::new(bytes.clone());
            let json = serde_json::to_string(&raw).unwrap();
            let back: Raw = serde_json::from_str(&json).unwrap();
            assert_eq!(back.bytes(), bytes);
        }
        assert!(matches!(Raw::new(vec![0xff]), Raw::Hex(ref h) if h == "ff"));
    }

    #[test]
    fn a_missing_state_is_fresh_and_saves_atomically() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("state.json");
        let mut state = State::load(&path).unwrap();
        assert_eq!(state.version, VERSION);
        state.maildir_seen.insert("1.a".into());
        state.save(&path).unwrap();
        let again = State::load(&path).unwrap();
        assert_eq!(again.maildir_seen.len(), 1);
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
        std::fs::write(&path, "{\"version\": 9}").unwrap();
        assert!(State::load(&path).unwrap_err().contains("version 9"));
    }
}
