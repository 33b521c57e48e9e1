//! Where devref keeps what it caches between runs, and what tells one devref build from another
//! (every cached thing is keyed by it).

use std::hash::{Hash, Hasher};
use std::path::PathBuf;

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

/// Hashes what tells this devref build from another: its version and, as development builds share
/// a version, the executable's size and time.
pub fn build_identity(hasher: &mut impl Hasher) {
    env!("CARGO_PKG_VERSION").hash(hasher);
    if let Some(meta) = std::env::current_exe()
        .ok()
        .and_then(|exe| exe.metadata().ok())
    {
        meta.len().hash(hasher);
        meta.modified().ok().hash(hasher);
    }
}
