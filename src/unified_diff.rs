//! Unified diffs: the one parser of `git diff` output (with its extended headers) and plain
//! `diff -u`, and the one decoder of the C-quoted paths git writes. `--diff`/`--staged` read git's
//! hunks with it; `devref review` reads the diffs of patch mail.

/// What a hunk line does.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Op {
    Context,
    Remove,
    Add,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HunkLine {
    pub op: Op,
    pub text: String,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Hunk {
    pub old_start: usize,
    pub old_count: usize,
    pub new_start: usize,
    pub new_count: usize,
    /// `@@ -a,b +c,d @@`, without the section text after it.
    pub header: String,
    pub lines: Vec<HunkLine>,
    /// 0-based line of the `@@` header in the patch text.
    pub line: usize,
    /// `\ No newline at end of file` after the last line of the new side.
    pub new_no_newline: bool,
}

/// One file's section of a diff.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FilePatch {
    /// `None` for a created file (`/dev/null`).
    pub old_path: Option<String>,
    /// `None` for a deleted file.
    pub new_path: Option<String>,
    pub rename: bool,
    pub copy: bool,
    /// `Binary files … differ` or `GIT binary patch`: the content is not in the patch.
    pub binary: bool,
    /// The new mode, when the patch sets one (`120000` is a symbolic link).
    pub new_mode: Option<String>,
    pub hunks: Vec<Hunk>,
    /// 0-based line of the section's first line in the patch text.
    pub line: usize,
}

impl FilePatch {
    /// The path the section is shown by: the new one, or the old one of a deletion.
    pub fn path(&self) -> &str {
        self.new_path
            .as_deref()
            .or(self.old_path.as_deref())
            .unwrap_or("")
    }

    pub fn is_symlink(&self) -> bool {
        self.new_mode.as_deref() == Some("120000")
    }
}

/// A diff that cannot be read: the 0-based line of the patch text, and what is wrong.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DiffError {
    pub line: usize,
    pub message: String,
}

/// The file sections of a diff, in order; text before, between and after them (a commit message,
/// a diffstat, a mail signature) is skipped, as `git apply` skips it. After an error there are no
/// more sections.
pub fn sections(text: &str) -> Sections<'_> {
    let mut lines: Vec<&str> = text.split('\n').collect();
    if lines.last() == Some(&"") {
        lines.pop();
    }
    Sections {
        lines,
        next: 0,
        failed: false,
    }
}

/// The iterator of [`sections`].
pub struct Sections<'a> {
    lines: Vec<&'a str>,
    /// The index of the next line to read.
    next: usize,
    failed: bool,
}

impl Iterator for Sections<'_> {
    type Item = Result<FilePatch, DiffError>;

    fn next(&mut self) -> Option<Self::Item> {
        while !self.failed && self.next < self.lines.len() {
            match self.section(self.next) {
                Ok((section, next)) => {
                    self.next = next;
                    if let Some(file) = section {
                        return Some(Ok(file));
                    }
                }
                Err(error) => {
                    self.failed = true;
                    return Some(Err(error));
                }
            }
        }
        None
    }
}

impl Sections<'_> {
    /// The section that starts at line `i`, if one does, and the index after it.
    fn section(&self, mut i: usize) -> Result<(Option<FilePatch>, usize), DiffError> {
        let line = self.lines[i];
        let start = i;
        let mut file = FilePatch {
            old_path: None,
            new_path: None,
            rename: false,
            copy: false,
            binary: false,
            new_mode: None,
            hunks: Vec::new(),
            line: start,
        };
        if let Some(rest) = line.strip_prefix("diff --git ") {
            let (git_old, git_new) = git_header_names(rest).unwrap_or((None, None));
            let (mut created, mut deleted) = (false, false);
            let (mut rename_from, mut rename_to) = (None, None);
            i += 1;
            while i < self.lines.len() {
                let header = self.lines[i];
                if let Some(mode) = header.strip_prefix("new file mode ") {
                    created = true;
                    file.new_mode = Some(mode.trim().to_string());
                } else if header.starts_with("deleted file mode ") {
                    deleted = true;
                } else if let Some(mode) = header.strip_prefix("new mode ") {
                    file.new_mode = Some(mode.trim().to_string());
                } else if header.starts_with("old mode ")
                    || header.starts_with("similarity index ")
                    || header.starts_with("dissimilarity index ")
                    || header.starts_with("index ")
                {
                } else if let Some(name) = header.strip_prefix("rename from ") {
                    file.rename = true;
                    rename_from = Some(unquote(name).map_err(|m| error(i, m))?);
                } else if let Some(name) = header.strip_prefix("rename to ") {
                    file.rename = true;
                    rename_to = Some(unquote(name).map_err(|m| error(i, m))?);
                } else if let Some(name) = header.strip_prefix("copy from ") {
                    file.copy = true;
                    rename_from = Some(unquote(name).map_err(|m| error(i, m))?);
                } else if let Some(name) = header.strip_prefix("copy to ") {
                    file.copy = true;
                    rename_to = Some(unquote(name).map_err(|m| error(i, m))?);
                } else if header.starts_with("Binary files ") || header == "GIT binary patch" {
                    file.binary = true;
                } else {
                    break;
                }
                i += 1;
            }
            let mut old = rename_from.or(git_old);
            let mut new = rename_to.or(git_new);
            if i + 1 < self.lines.len()
                && self.lines[i].starts_with("--- ")
                && self.lines[i + 1].starts_with("+++ ")
            {
                old = file_name(&self.lines[i][4..]).map_err(|m| error(i, m))?;
                new = file_name(&self.lines[i + 1][4..]).map_err(|m| error(i + 1, m))?;
                created |= old.is_none();
                deleted |= new.is_none();
                i += 2;
            }
            if old.is_none() && new.is_none() {
                return Err(error(
                    start,
                    "a `diff --git` line whose file names cannot be read",
                ));
            }
            file.old_path = if created {
                None
            } else {
                old.or_else(|| new.clone())
            };
            file.new_path = if deleted {
                None
            } else {
                new.or_else(|| file.old_path.clone())
            };
        } else if line.starts_with("--- ")
            && self.lines.get(i + 1).is_some_and(|l| l.starts_with("+++ "))
            && self.lines.get(i + 2).is_some_and(|l| l.starts_with("@@ "))
        {
            file.old_path = file_name(&line[4..]).map_err(|m| error(i, m))?;
            file.new_path = file_name(&self.lines[i + 1][4..]).map_err(|m| error(i + 1, m))?;
            if file.old_path.is_none() && file.new_path.is_none() {
                return Err(error(i, "both sides of the diff are /dev/null"));
            }
            i += 2;
        } else {
            return Ok((None, i + 1));
        }
        while i < self.lines.len() && self.lines[i].starts_with("@@ ") {
            let number = file.hunks.len() + 1;
            let (hunk, next) = parse_hunk(&self.lines, i, number, file.path())?;
            file.hunks.push(hunk);
            i = next;
        }
        Ok((Some(file), i))
    }
}

fn error(line: usize, message: impl Into<String>) -> DiffError {
    DiffError {
        line,
        message: message.into(),
    }
}

/// Parses the hunk whose header is `lines[at]`; returns it and the index after it.
fn parse_hunk(
    lines: &[&str],
    at: usize,
    number: usize,
    path: &str,
) -> Result<(Hunk, usize), DiffError> {
    let header_line = lines[at];
    let Some((old_start, old_count, new_start, new_count, header)) = hunk_header(header_line)
    else {
        return Err(error(
            at,
            format!(
                "corrupt patch: malformed hunk header `{}`",
                clip(header_line, 80)
            ),
        ));
    };
    let mut hunk = Hunk {
        old_start,
        old_count,
        new_start,
        new_count,
        header,
        lines: Vec::new(),
        line: at,
        new_no_newline: false,
    };
    let (mut old_seen, mut new_seen) = (0usize, 0usize);
    let mut i = at + 1;
    while old_seen < old_count || new_seen < new_count {
        let Some(&line) = lines.get(i) else {
            return Err(error(
                i.min(lines.len().saturating_sub(1)),
                truncated(number, path, &hunk, old_seen, new_seen, "the patch ends"),
            ));
        };
        let (op, text) = match line.as_bytes().first() {
            Some(b' ') => (Op::Context, &line[1..]),
            // Mail often strips the space of an empty context line; `git apply` accepts that.
            None => (Op::Context, ""),
            Some(b'-') => (Op::Remove, &line[1..]),
            Some(b'+') => (Op::Add, &line[1..]),
            Some(b'\\') => {
                i += 1;
                continue;
            }
            Some(_) => {
                return Err(error(
                    i,
                    truncated(
                        number,
                        path,
                        &hunk,
                        old_seen,
                        new_seen,
                        "another line follows",
                    ),
                ))
            }
        };
        match op {
            Op::Context => {
                old_seen += 1;
                new_seen += 1;
            }
            Op::Remove => old_seen += 1,
            Op::Add => new_seen += 1,
        }
        if old_seen > old_count || new_seen > new_count {
            return Err(error(
                i,
                format!(
                    "corrupt patch: hunk #{number} of `{path}` ({}) has more lines than its header \
                     counts",
                    hunk.header
                ),
            ));
        }
        hunk.lines.push(HunkLine {
            op,
            text: text.to_string(),
        });
        i += 1;
    }
    // `\ No newline at end of file` after the last line.
    while lines.get(i).is_some_and(|l| l.starts_with('\\')) {
        if hunk.lines.last().is_some_and(|l| l.op != Op::Remove) {
            hunk.new_no_newline = true;
        }
        i += 1;
    }
    Ok((hunk, i))
}

fn truncated(
    number: usize,
    path: &str,
    hunk: &Hunk,
    old_seen: usize,
    new_seen: usize,
    why: &str,
) -> String {
    format!(
        "corrupt patch: hunk #{number} of `{path}` ({}) is cut short: {why} after {old_seen} of \
         its {} old and {new_seen} of its {} new lines",
        hunk.header, hunk.old_count, hunk.new_count
    )
}

/// `@@ -a[,b] +c[,d] @@…` → `(a, b, c, d, "@@ -a,b +c,d @@")`.
fn hunk_header(line: &str) -> Option<(usize, usize, usize, usize, String)> {
    let rest = line.strip_prefix("@@ -")?;
    let (ranges, _) = rest.split_once(" @@")?;
    let (old, new) = ranges.split_once(" +")?;
    let range = |text: &str| -> Option<(usize, usize)> {
        let (start, count) = match text.split_once(',') {
            Some((start, count)) => (start, count),
            None => (text, "1"),
        };
        let parse = |s: &str| -> Option<usize> {
            if s.is_empty() || s.len() > 9 || !s.bytes().all(|b| b.is_ascii_digit()) {
                return None;
            }
            s.parse().ok()
        };
        Some((parse(start)?, parse(count)?))
    };
    let (old_start, old_count) = range(old)?;
    let (new_start, new_count) = range(new)?;
    Some((
        old_start,
        old_count,
        new_start,
        new_count,
        format!("@@ -{ranges} @@"),
    ))
}

/// A `---`/`+++` name: `/dev/null` is `None`; a timestamp after a tab is dropped; C-quoted names
/// are unquoted; the first component (`a/`, `b/`) is stripped, as `git apply -p1` does.
fn file_name(text: &str) -> Result<Option<String>, String> {
    let name = if text.starts_with('"') {
        unquote(text)?
    } else {
        let name = text.split('\t').next().unwrap_or("");
        name.trim_end().to_string()
    };
    if name == "/dev/null" {
        return Ok(None);
    }
    Ok(Some(strip_component(&name)))
}

fn strip_component(name: &str) -> String {
    match name.split_once('/') {
        Some((_, rest)) if !rest.is_empty() => rest.to_string(),
        _ => name.to_string(),
    }
}

/// The names of `diff --git a/X b/Y` (for sections without `---`/`+++` lines): quoted names, or
/// the split where both sides name the same file.
fn git_header_names(rest: &str) -> Option<(Option<String>, Option<String>)> {
    if rest.starts_with('"') {
        let (first, after) = quoted_token(rest)?;
        let after = after.trim_start();
        let second = if after.starts_with('"') {
            quoted_token(after)?.0
        } else {
            after.to_string()
        };
        return Some((
            Some(strip_component(&first)),
            Some(strip_component(&second)),
        ));
    }
    if let Some(space) = rest.find(" \"") {
        let second = quoted_token(&rest[space + 1..])?.0;
        return Some((
            Some(strip_component(&rest[..space])),
            Some(strip_component(&second)),
        ));
    }
    // `a/X b/X`: the split whose two names are equal after their prefixes.
    for (index, _) in rest.match_indices(' ') {
        let (old, new) = (&rest[..index], &rest[index + 1..]);
        let (old, new) = (strip_component(old), strip_component(new));
        if old == new {
            return Some((Some(old), Some(new)));
        }
    }
    None
}

/// A C-quoted name as git writes it, unquoted; a name without quotes is returned as it is.
fn unquote(text: &str) -> Result<String, String> {
    if !text.starts_with('"') {
        return Ok(text.to_string());
    }
    quoted_token(text)
        .map(|(name, _)| name)
        .ok_or_else(|| format!("malformed quoted file name {}", clip(text, 80)))
}

/// The first C-quoted token of `text` and what follows it.
fn quoted_token(text: &str) -> Option<(String, &str)> {
    let bytes = text.as_bytes();
    if bytes.first() != Some(&b'"') {
        return None;
    }
    let mut out = Vec::new();
    let mut i = 1;
    while i < bytes.len() {
        match bytes[i] {
            b'"' => {
                return Some((String::from_utf8_lossy(&out).into_owned(), &text[i + 1..]));
            }
            b'\\' => {
                let escape = *bytes.get(i + 1)?;
                i += 2;
                let byte = match escape {
                    b'a' => 7,
                    b'b' => 8,
                    b't' => b'\t',
                    b'n' => b'\n',
                    b'v' => 11,
                    b'f' => 12,
                    b'r' => b'\r',
                    b'"' => b'"',
                    b'\\' => b'\\',
                    b'0'..=b'3' => {
                        let digits = bytes.get(i - 1..i + 2)?;
                        if !digits.iter().all(|d| (b'0'..=b'7').contains(d)) {
                            return None;
                        }
                        i += 2;
                        (digits[0] - b'0') * 64 + (digits[1] - b'0') * 8 + (digits[2] - b'0')
                    }
                    _ => return None,
                };
                out.push(byte);
            }
            byte => {
                out.push(byte);
                i += 1;
            }
        }
    }
    None
}

/// `text` cut to `max` characters, the cut marked with `…`, for quoting a line in a message.
pub fn clip(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        text.to_string()
    } else {
        let mut out: String = text.chars().take(max.saturating_sub(1)).collect();
        out.push('…');
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Vec<FilePatch>, DiffError> {
        sections(text).collect()
    }

    #[test]
    fn git_sections() {
        let diff = "From: x\n---\n a | 1 +\ndiff --git a/new.rs b/new.rs\nnew file mode 100644\n\
                    index 0000000..1111111\n--- /dev/null\n+++ b/new.rs\n@@ -0,0 +1,2 @@\n+a\n+b\n\
                    diff --git a/old.rs b/moved.rs\nsimilarity index 100%\nrename from old.rs\n\
                    rename to moved.rs\ndiff --git a/gone.rs b/gone.rs\ndeleted file mode 100644\n\
                    --- a/gone.rs\n+++ /dev/null\n@@ -1 +0,0 @@\n-x\n\\ No newline at end of file\n\
                    diff --git \"a/sp ace.rs\" \"b/sp ace.rs\"\nnew mode 100755\n-- \n2.43.0\n";
        let files = parse(diff).expect("parses");
        assert_eq!(files.len(), 4);
        assert_eq!(files[0].old_path, None);
        assert_eq!(files[0].new_path.as_deref(), Some("new.rs"));
        assert_eq!(files[0].hunks[0].lines.len(), 2);
        assert!(files[1].rename);
        assert_eq!(files[1].old_path.as_deref(), Some("old.rs"));
        assert_eq!(files[1].new_path.as_deref(), Some("moved.rs"));
        assert_eq!(files[2].new_path, None);
        assert_eq!(files[2].old_path.as_deref(), Some("gone.rs"));
        assert_eq!(files[3].new_path.as_deref(), Some("sp ace.rs"));
    }

    #[test]
    fn corrupt_hunks_name_their_line() {
        let error = parse("--- a/x.rs\n+++ b/x.rs\n@@ -1,3 +1,3 @@\n a\n-b\n").unwrap_err();
        assert_eq!(error.line, 4);
        assert!(error.message.contains("cut short"), "{}", error.message);
        let error = parse("--- a/x.rs\n+++ b/x.rs\n@@ -1,2 +1,2 @@\n a\nb\n").unwrap_err();
        assert_eq!(error.line, 4);
        let error = parse("diff --git a/x b/x\n--- a/x\n+++ b/x\n@@ -1,z +1 @@\n").unwrap_err();
        assert!(error.message.contains("malformed hunk header"));
    }

    #[test]
    fn quoted_names() {
        assert_eq!(unquote("\"a\\303\\251\\tb\"").unwrap(), "a\u{e9}\tb");
        assert!(unquote("\"open").is_err());
        assert!(unquote("\"bad\\9\"").is_err());
    }
}
