//! `devref review --outdir DIR`: one file per reply mail, named as `git format-patch -o` names
//! patches, so that `git send-email DIR` sends each as its own mail.

use std::io::Write as _;
use std::path::{Path, PathBuf};

use super::report::ReplyMail;

/// Writes each reply to `DIR/NNNN-<subject>.eml` (each file whole or not at all: written beside
/// and renamed), making DIR if needed. Returns the paths, or an error naming the file.
pub fn write_replies(dir: &Path, replies: &[ReplyMail]) -> Result<Vec<PathBuf>, String> {
    std::fs::create_dir_all(dir)
        .map_err(|error| format!("cannot make `{}`: {error}", dir.display()))?;
    let mut paths = Vec::with_capacity(replies.len());
    for (index, reply) in replies.iter().enumerate() {
        let path = dir.join(format!("{:04}-{}.eml", index + 1, slug(&reply.subject)));
        write_atomically(&path, reply.text.as_bytes())
            .map_err(|error| format!("cannot write `{}`: {error}", path.display()))?;
        paths.push(path);
    }
    Ok(paths)
}

/// Writes `bytes` to a temporary file in `path`'s folder, syncs it and renames it to `path`.
pub fn write_atomically(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    let mut file = tempfile::NamedTempFile::new_in(dir)?;
    file.write_all(bytes)?;
    file.as_file().sync_all()?;
    file.persist(path).map_err(|error| error.error)?;
    Ok(())
}

/// `Re: [PATCH 1/2] rust: add x` → `Re-PATCH-1-2-rust-add-x`, at most 52 characters, as
/// `git format-patch` makes file names.
fn slug(subject: &str) -> String {
    let mut out = String::new();
    for c in subject.chars() {
        if c.is_ascii_alphanumeric() || c == '_' || (c == '.' && !out.is_empty()) {
            out.push(c);
        } else if !out.is_empty() && !out.ends_with('-') {
            out.push('-');
        }
    }
    let mut out: String = out.trim_end_matches(['-', '.']).chars().take(52).collect();
    while out.ends_with(['-', '.']) {
        out.pop();
    }
    if out.is_empty() {
        out.push_str("reply");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::slug;

    #[test]
    fn slugs() {
        assert_eq!(
            slug("Re: [PATCH 1/2] rust: add x"),
            "Re-PATCH-1-2-rust-add-x"
        );
        assert_eq!(slug("../..//"), "reply");
        assert_eq!(slug(&"a ".repeat(40)).len(), 51);
    }
}
