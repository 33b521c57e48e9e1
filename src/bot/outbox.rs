//! Putting a series' outputs in the outbox: a Maildir (`tmp/`, `new/`, `cur/`) for the reply
//! mails, with `json/` and `patchwork/` beside it. A file is written whole in `tmp/` (the
//! writer's private part of a Maildir) and synced ([`stage`]); once the state records it as
//! staged, it is renamed into its folder ([`publish`]). Only our own `tmp/` is ever looked at:
//! whatever the mailer does with `new/`, a staged file missing from `tmp/` was renamed.

use std::io::Write as _;
use std::path::{Path, PathBuf};

use super::state::{sync_folder, OutFile};

/// The outbox's folders, made if missing.
pub fn prepare(outbox: &Path) -> Result<(), String> {
    for folder in ["tmp", "new", "cur", "json", "patchwork"] {
        let path = outbox.join(folder);
        std::fs::create_dir_all(&path)
            .map_err(|error| format!("cannot make `{}`: {error}", path.display()))?;
    }
    Ok(())
}

/// Where a file is staged and where it goes; an error for names the state should not hold.
fn paths(outbox: &Path, file: &OutFile) -> Result<(PathBuf, PathBuf), String> {
    if !matches!(file.folder.as_str(), "new" | "json" | "patchwork") {
        return Err(format!(
            "the state names an unknown outbox folder `{}`",
            file.folder
        ));
    }
    if file.name.is_empty() || file.name.contains(['/', '\\']) || file.name.starts_with('.') {
        return Err(format!("the state names a bad file name `{}`", file.name));
    }
    // The folder is part of the staged name: a JSON and a Patchwork file share their name.
    let staged = outbox
        .join("tmp")
        .join(format!("{}-{}", file.folder, file.name));
    Ok((staged, outbox.join(&file.folder).join(&file.name)))
}

/// Writes the file whole in `tmp/` and makes it durable there (content and name). Writing it
/// again replaces a partial copy left by a kill.
pub fn stage(outbox: &Path, file: &OutFile) -> Result<(), String> {
    let (staged, _) = paths(outbox, file)?;
    let written = std::fs::File::create(&staged)
        .and_then(|mut out| {
            out.write_all(file.text.as_bytes())?;
            out.sync_all()
        })
        .and_then(|()| sync_folder(&staged));
    written.map_err(|error| format!("cannot write `{}`: {error}", staged.display()))
}

/// Renames a staged file into its folder, durably; a staged file no longer in `tmp/` was
/// renamed before a kill, and is left alone (the mailer may have taken it already).
pub fn publish(outbox: &Path, file: &OutFile) -> Result<(), String> {
    let (staged, target) = paths(outbox, file)?;
    match std::fs::symlink_metadata(&staged) {
        Ok(_) => {}
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(error) => return Err(format!("cannot read `{}`: {error}", staged.display())),
    }
    std::fs::rename(&staged, &target)
        .and_then(|()| sync_folder(&target))
        .and_then(|()| sync_folder(&staged))
        .map_err(|error| format!("cannot write `{}`: {error}", target.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(folder: &str, text: &str) -> OutFile {
        OutFile {
            folder: folder.into(),
            name: "1.series.jsonl".into(),
            text: text.into(),
            staged: false,
        }
    }

    #[test]
    fn side_files_of_one_name_stage_apart_and_a_taken_file_is_not_published_again() {
        let dir = tempfile::tempdir().unwrap();
        prepare(dir.path()).unwrap();
        let (json, patchwork) = (file("json", "j\n"), file("patchwork", "p\n"));
        stage(dir.path(), &json).unwrap();
        stage(dir.path(), &patchwork).unwrap();
        publish(dir.path(), &json).unwrap();
        publish(dir.path(), &patchwork).unwrap();
        let read = |folder: &str| std::fs::read_to_string(dir.path().join(folder).join(&json.name));
        assert_eq!(
            (read("json").unwrap(), read("patchwork").unwrap()),
            ("j\n".into(), "p\n".into())
        );
        // The consumer took the JSON file; publishing it again (a restart) adds nothing.
        std::fs::remove_file(dir.path().join("json").join(&json.name)).unwrap();
        publish(dir.path(), &json).unwrap();
        assert!(read("json").is_err());
        assert_eq!(
            std::fs::read_dir(dir.path().join("tmp")).unwrap().count(),
            0
        );
        let bad = OutFile {
            name: "../x".into(),
            ..file("new", "")
        };
        assert_eq!(
            stage(dir.path(), &bad).unwrap_err(),
            "the state names a bad file name `../x`"
        );
    }
}
