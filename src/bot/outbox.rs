//! Putting a series' outputs in the outbox: a Maildir (`tmp/`, `new/`, `cur/`) for the reply
//! mails, with `json/` and `patchwork/` beside it. Each file is written in `tmp/`, synced, and
//! renamed into place under a name fixed before it was written, so that writing the same output
//! again (after a crash) replaces it instead of adding a second one.

use std::io::Write as _;
use std::path::Path;

use super::state::{sync_folder, Pending};

/// The outbox's folders, made if missing.
pub fn prepare(outbox: &Path) -> Result<(), String> {
    for folder in ["tmp", "new", "cur", "json", "patchwork"] {
        let path = outbox.join(folder);
        std::fs::create_dir_all(&path)
            .map_err(|error| format!("cannot make `{}`: {error}", path.display()))?;
    }
    Ok(())
}

/// Writes every file of a pending output into the outbox.
pub fn deliver(outbox: &Path, pending: &Pending) -> Result<(), String> {
    for file in &pending.files {
        let folder = match file.folder.as_str() {
            "new" | "json" | "patchwork" => file.folder.as_str(),
            other => {
                return Err(format!(
                    "the state names an unknown outbox folder `{other}`"
                ))
            }
        };
        if file.name.is_empty() || file.name.contains(['/', '\\']) || file.name.starts_with('.') {
            return Err(format!("the state names a bad file name `{}`", file.name));
        }
        let temporary = outbox.join("tmp").join(&file.name);
        let target = outbox.join(folder).join(&file.name);
        let written = std::fs::File::create(&temporary).and_then(|mut out| {
            out.write_all(file.text.as_bytes())?;
            out.sync_all()
        });
        written.map_err(|error| format!("cannot write `{}`: {error}", temporary.display()))?;
        super::abort_at("reply-in-tmp");
        std::fs::rename(&temporary, &target)
            .and_then(|()| sync_folder(&target))
            .map_err(|error| format!("cannot write `{}`: {error}", target.display()))?;
        super::abort_at("reply-in-new");
    }
    Ok(())
}
