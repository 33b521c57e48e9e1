//! Reading the mail not read before: from a public-inbox v2 archive (each epoch `git/N.git` is a
//! git repository with one message per commit, in a file named `m`), or from a Maildir's `new/`
//! and `cur/` (read, never moved). Where reading stopped is kept in the [`State`].

use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use super::state::State;

/// The most bytes of one message kept; a larger one is skipped (no patch mail is that big).
const MAX_MESSAGE: usize = 16 * 1024 * 1024;

/// Where mail comes from.
pub enum Source {
    Inbox(PathBuf),
    Maildir(PathBuf),
}

/// A message read, and where to read it again ([`read_again`]).
pub struct ReadMail {
    pub place: String,
    pub bytes: Vec<u8>,
}

/// The messages not read before, oldest first; the state is advanced past them (the caller
/// saves it together with what it keeps of them).
pub fn read_new(source: &Source, state: &mut State) -> Result<Vec<ReadMail>, String> {
    match source {
        Source::Inbox(dir) => read_inbox(dir, state),
        Source::Maildir(dir) => read_maildir(dir, state),
    }
}

/// A message read before, by its place: `EPOCH:COMMIT` in an archive, the unique part of its
/// name in a Maildir. `None` when it is gone (a Maildir file deleted since).
pub fn read_again(source: &Source, place: &str) -> Result<Option<Vec<u8>>, String> {
    match source {
        Source::Inbox(dir) => {
            let Some((epoch, commit)) = place.split_once(':') else {
                return Ok(None);
            };
            let valid = epoch
                .strip_suffix(".git")
                .is_some_and(|n| n.parse::<u64>().is_ok())
                && commit.len() >= 40
                && commit.bytes().all(|b| b.is_ascii_hexdigit());
            let epoch = dir.join("git").join(epoch);
            if !valid || !epoch.is_dir() {
                return Ok(None);
            }
            Ok(cat_blobs(&epoch, &format!("{commit}:m\n"))?
                .into_iter()
                .flatten()
                .next())
        }
        Source::Maildir(dir) => {
            for folder in ["new", "cur"] {
                let Ok(entries) = std::fs::read_dir(dir.join(folder)) else {
                    continue;
                };
                for entry in entries.filter_map(Result::ok) {
                    let name = entry.file_name().to_string_lossy().into_owned();
                    if name.split(':').next() == Some(place) {
                        return match read_limited(&entry.path()) {
                            Ok(bytes) => Ok(bytes.map(without_from_line)),
                            Err(error) if error.kind() == std::io::ErrorKind::NotFound => Ok(None),
                            Err(error) => {
                                Err(format!("cannot read `{}`: {error}", entry.path().display()))
                            }
                        };
                    }
                }
            }
            Ok(None)
        }
    }
}

fn read_inbox(dir: &Path, state: &mut State) -> Result<Vec<ReadMail>, String> {
    let git_dir = dir.join("git");
    let entries = std::fs::read_dir(&git_dir).map_err(|error| {
        format!(
            "`{}` is not a public-inbox v2 archive (no `git/` folder): {error}",
            dir.display()
        )
    })?;
    let mut epochs: Vec<(u64, String)> = entries
        .filter_map(Result::ok)
        .filter_map(|entry| {
            let name = entry.file_name().to_string_lossy().into_owned();
            let number = name.strip_suffix(".git")?.parse().ok()?;
            Some((number, name))
        })
        .collect();
    epochs.sort();
    let mut messages = Vec::new();
    for (_, name) in epochs {
        let epoch = git_dir.join(&name);
        let Some(head) = git_line(
            &epoch,
            &["rev-parse", "--verify", "--quiet", "HEAD^{commit}"],
        )?
        else {
            continue; // an epoch without a commit yet
        };
        let range = match state.inbox_tips.get(&name) {
            Some(tip) if *tip == head => continue,
            Some(tip) => format!("{tip}..{head}"),
            None => head.clone(),
        };
        let listing = git(&epoch, &["rev-list", "--reverse", &range], None)?;
        let commits: Vec<&str> = listing.lines().filter(|l| !l.is_empty()).collect();
        let requests: String = commits.iter().map(|c| format!("{c}:m\n")).collect();
        for (commit, blob) in commits.iter().zip(cat_blobs(&epoch, &requests)?) {
            if let Some(bytes) = blob {
                messages.push(ReadMail {
                    place: format!("{name}:{commit}"),
                    bytes,
                });
            }
        }
        state.inbox_tips.insert(name, head);
    }
    Ok(messages)
}

fn read_maildir(dir: &Path, state: &mut State) -> Result<Vec<ReadMail>, String> {
    let mut found: Vec<(String, PathBuf)> = Vec::new();
    for folder in ["new", "cur"] {
        let path = dir.join(folder);
        let entries = std::fs::read_dir(&path)
            .map_err(|error| format!("cannot read the Maildir `{}`: {error}", path.display()))?;
        for entry in entries.filter_map(Result::ok) {
            let name = entry.file_name().to_string_lossy().into_owned();
            if name.starts_with('.') {
                continue;
            }
            let unique = name.split(':').next().unwrap_or(&name).to_string();
            if !state.maildir_seen.contains(&unique) {
                found.push((unique, entry.path()));
            }
        }
    }
    // Maildir names start with the delivery time: their order is the arrival order.
    found.sort();
    let mut messages = Vec::new();
    for (unique, path) in found {
        match read_limited(&path) {
            Ok(Some(bytes)) => messages.push(ReadMail {
                place: unique.clone(),
                bytes: without_from_line(bytes),
            }),
            Ok(None) => eprintln!(
                "warning: `{}` is too large for a patch; skipped",
                path.display()
            ),
            // Moved to `cur/` meanwhile: it is read under that name on the next run.
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => continue,
            Err(error) => return Err(format!("cannot read `{}`: {error}", path.display())),
        }
        state.maildir_seen.insert(unique);
    }
    Ok(messages)
}

/// A file's bytes; `None` when it is larger than a message can be.
fn read_limited(path: &Path) -> std::io::Result<Option<Vec<u8>>> {
    let mut bytes = Vec::new();
    std::fs::File::open(path)?
        .take(MAX_MESSAGE as u64 + 1)
        .read_to_end(&mut bytes)?;
    Ok((bytes.len() <= MAX_MESSAGE).then_some(bytes))
}

/// The message without the mbox `From ` line some deliverers (and `git format-patch`) put first.
fn without_from_line(bytes: Vec<u8>) -> Vec<u8> {
    if !bytes.starts_with(b"From ") {
        return bytes;
    }
    match bytes.iter().position(|&b| b == b'\n') {
        Some(end) => bytes[end + 1..].to_vec(),
        None => bytes,
    }
}

/// Runs git in `dir` and returns its stdout; an error names the command and git's message.
pub fn git(dir: &Path, args: &[&str], stdin: Option<&[u8]>) -> Result<String, String> {
    let output = git_bytes(dir, args, stdin)?;
    String::from_utf8(output).map_err(|_| format!("`git {}` printed non-UTF-8", args.join(" ")))
}

fn git_bytes(dir: &Path, args: &[&str], stdin: Option<&[u8]>) -> Result<Vec<u8>, String> {
    let mut child = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(args)
        .stdin(if stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|error| format!("cannot run git: {error}"))?;
    let writer = stdin.map(|bytes| {
        let mut pipe = child.stdin.take();
        let bytes = bytes.to_vec();
        std::thread::spawn(move || {
            if let Some(pipe) = pipe.as_mut() {
                let _ = pipe.write_all(&bytes);
            }
        })
    });
    let output = child
        .wait_with_output()
        .map_err(|error| format!("cannot run git: {error}"))?;
    if let Some(writer) = writer {
        let _ = writer.join();
    }
    if !output.status.success() {
        return Err(format!(
            "`git -C {} {}` failed: {}",
            dir.display(),
            args.join(" "),
            String::from_utf8_lossy(&output.stderr).trim()
        ));
    }
    Ok(output.stdout)
}

/// The first line git prints, or `None` when it prints nothing or fails quietly (`--quiet`).
pub fn git_line(dir: &Path, args: &[&str]) -> Result<Option<String>, String> {
    let output = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(args)
        .stdin(Stdio::null())
        .output()
        .map_err(|error| format!("cannot run git: {error}"))?;
    let text = String::from_utf8_lossy(&output.stdout);
    let line = text.lines().next().unwrap_or("").trim();
    Ok((output.status.success() && !line.is_empty()).then(|| line.to_string()))
}

/// The blobs named by `requests` (one `<object>` per line) via `git cat-file --batch`, in order;
/// `None` for an object that is missing (a public-inbox commit that deletes a message has no `m`).
pub fn cat_blobs(dir: &Path, requests: &str) -> Result<Vec<Option<Vec<u8>>>, String> {
    if requests.is_empty() {
        return Ok(Vec::new());
    }
    let output = git_bytes(dir, &["cat-file", "--batch"], Some(requests.as_bytes()))?;
    let mut reader = BufReader::new(output.as_slice());
    let mut blobs = Vec::new();
    for _ in requests.lines() {
        let mut header = String::new();
        if reader.read_line(&mut header).map_err(|e| e.to_string())? == 0 {
            return Err("`git cat-file --batch` stopped early".into());
        }
        let fields: Vec<&str> = header.split_whitespace().collect();
        match fields.as_slice() {
            [_, kind, size] if *kind == "blob" => {
                let size: usize = size.parse().map_err(|_| "a bad object size".to_string())?;
                let mut blob = vec![0; size + 1];
                reader
                    .read_exact(&mut blob)
                    .map_err(|_| "`git cat-file --batch` stopped early".to_string())?;
                blob.truncate(size);
                blobs.push((size <= MAX_MESSAGE).then_some(blob));
            }
            [_, kind, size] => {
                // Not a blob: skip its content.
                let size: usize = size.parse().map_err(|_| format!("a bad {kind} size"))?;
                let mut skip = vec![0; size + 1];
                reader.read_exact(&mut skip).map_err(|e| e.to_string())?;
                blobs.push(None);
            }
            _ => blobs.push(None), // `<name> missing`
        }
    }
    Ok(blobs)
}
