//! Unified diffs: parsing (`git diff` with its extended headers, and plain `diff -u`), checking the
//! paths they name, and applying hunks the way `git apply` does, with an offset search when the
//! context moved and no fuzz.
//!
//! Each line of a file image carries an id and the patch that added it, so that findings can be
//! attributed to the patch that added their line, and matched across the states of a series.

/// The most hunks one message may hold.
pub const MAX_HUNKS: usize = 10_000;
/// The most file sections one message may hold.
pub const MAX_FILES: usize = 10_000;
/// Line comparisons the offset search may spend over a whole review; past it, hunks that do not
/// apply where their header says are reported instead of searched for.
pub const SEARCH_BUDGET: u64 = 400_000_000;

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

/// Parses the file sections of a diff; text before, between and after them (a commit message,
/// a diffstat, a mail signature) is skipped, as `git apply` skips it.
pub fn parse(text: &str) -> Result<Vec<FilePatch>, DiffError> {
    let lines: Vec<&str> = {
        let mut lines: Vec<&str> = text.split('\n').collect();
        if lines.last() == Some(&"") {
            lines.pop();
        }
        lines
    };
    let mut files = Vec::new();
    let mut hunk_total = 0usize;
    let mut i = 0;
    while i < lines.len() {
        let line = lines[i];
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
            while i < lines.len() {
                let header = lines[i];
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
            if i + 1 < lines.len()
                && lines[i].starts_with("--- ")
                && lines[i + 1].starts_with("+++ ")
            {
                old = file_name(&lines[i][4..]).map_err(|m| error(i, m))?;
                new = file_name(&lines[i + 1][4..]).map_err(|m| error(i + 1, m))?;
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
            && lines.get(i + 1).is_some_and(|l| l.starts_with("+++ "))
            && lines.get(i + 2).is_some_and(|l| l.starts_with("@@ "))
        {
            file.old_path = file_name(&line[4..]).map_err(|m| error(i, m))?;
            file.new_path = file_name(&lines[i + 1][4..]).map_err(|m| error(i + 1, m))?;
            if file.old_path.is_none() && file.new_path.is_none() {
                return Err(error(i, "both sides of the diff are /dev/null"));
            }
            i += 2;
        } else {
            i += 1;
            continue;
        }
        while i < lines.len() && lines[i].starts_with("@@ ") {
            hunk_total += 1;
            if hunk_total > MAX_HUNKS {
                return Err(error(
                    i,
                    format!("more than {MAX_HUNKS} hunks; review accepts at most {MAX_HUNKS}"),
                ));
            }
            let number = file.hunks.len() + 1;
            let (hunk, next) = parse_hunk(&lines, i, number, file.path())?;
            file.hunks.push(hunk);
            i = next;
        }
        files.push(file);
        if files.len() > MAX_FILES {
            return Err(error(
                start,
                format!("more than {MAX_FILES} files; review accepts at most {MAX_FILES}"),
            ));
        }
    }
    Ok(files)
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
                clip(header_line)
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
        .ok_or_else(|| format!("malformed quoted file name {}", clip(text)))
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

fn clip(text: &str) -> String {
    super::mail::clip(text, 80)
}

/// Why a path named by a patch is refused, if it is: only relative paths of normal components
/// are accepted.
pub fn check_path(path: &str) -> Result<(), String> {
    if path.is_empty() {
        return Err("an empty path".into());
    }
    if path.len() > 4096 {
        return Err("a path longer than 4096 bytes".into());
    }
    if path.starts_with('/') {
        return Err("an absolute path".into());
    }
    if path.chars().any(|c| c.is_control()) {
        return Err("a control character in the path".into());
    }
    for component in path.split('/') {
        match component {
            ".." => return Err("a `..` component".into()),
            "." | "" => return Err("a `.` or empty component".into()),
            _ => {}
        }
    }
    Ok(())
}

// --- Images ------------------------------------------------------------------------------------

/// A line of a file image.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Line {
    pub text: String,
    /// Unique in one review: matches a line across the states of a series.
    pub id: u64,
    /// The 0-based index of the patch that added the line; `None` for a line of the base tree.
    pub origin: Option<usize>,
}

/// A file's text as lines.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Image {
    pub lines: Vec<Line>,
    pub final_newline: bool,
}

/// Hands out line ids and keeps the search budget of one review.
#[derive(Debug)]
pub struct Ids {
    next: u64,
    budget: u64,
}

impl Default for Ids {
    fn default() -> Ids {
        Ids {
            next: 1,
            budget: SEARCH_BUDGET,
        }
    }
}

impl Ids {
    fn next(&mut self) -> u64 {
        let id = self.next;
        self.next += 1;
        id
    }
}

impl Image {
    /// The lines of a base file, with no origin.
    pub fn from_text(text: &str, ids: &mut Ids) -> Image {
        let mut pieces: Vec<&str> = text.split('\n').collect();
        let final_newline = text.ends_with('\n') || text.is_empty();
        if final_newline {
            pieces.pop();
        }
        Image {
            lines: pieces
                .into_iter()
                .map(|text| Line {
                    text: text.to_string(),
                    id: ids.next(),
                    origin: None,
                })
                .collect(),
            final_newline,
        }
    }

    pub fn text(&self) -> String {
        let mut text = String::with_capacity(self.lines.iter().map(|l| l.text.len() + 1).sum());
        for (index, line) in self.lines.iter().enumerate() {
            if index > 0 {
                text.push('\n');
            }
            text.push_str(&line.text);
        }
        if self.final_newline && !self.lines.is_empty() {
            text.push('\n');
        }
        text
    }

    /// Applies one hunk as `git apply` does: where its header puts it, else at the nearest place
    /// where its old lines (context and removed) all match, searching both ways; a hunk with no
    /// leading context that starts at line 1 must match at the start, one with no trailing
    /// context at the end. Added lines get `patch` as their origin. Returns the 0-based line where
    /// it applied, or why it does not apply.
    pub fn apply(&mut self, hunk: &Hunk, patch: usize, ids: &mut Ids) -> Result<usize, String> {
        let old: Vec<&str> = hunk
            .lines
            .iter()
            .filter(|l| l.op != Op::Add)
            .map(|l| l.text.as_str())
            .collect();
        let leading = hunk
            .lines
            .iter()
            .take_while(|l| l.op == Op::Context)
            .count();
        let trailing = hunk
            .lines
            .iter()
            .rev()
            .take_while(|l| l.op == Op::Context)
            .count();
        let len = self.lines.len();
        if old.len() > len {
            return Err(format!(
                "it changes {} lines but the file has {len}",
                old.len()
            ));
        }
        let last = len - old.len();
        let wanted = hunk.new_start.saturating_sub(1);
        let expected = wanted.min(last);
        let budget = &mut ids.budget;
        let (found, checked) = if leading == 0 && trailing == 0 {
            // No context at all (`diff -U0`): only where the header says.
            let at = if hunk.old_count == 0 {
                hunk.old_start.min(len)
            } else {
                hunk.old_start.saturating_sub(1)
            };
            let found = (at <= last && self.matches(&old, at, budget)).then_some(at);
            (found, (at, Place::Header))
        } else {
            let beginning = leading == 0 && hunk.old_start <= 1;
            let end = trailing == 0;
            match (beginning, end) {
                (true, true) => (
                    (last == 0 && self.matches(&old, 0, budget)).then_some(0),
                    (0, Place::Whole),
                ),
                (true, false) => (
                    self.matches(&old, 0, budget).then_some(0),
                    (0, Place::Start),
                ),
                (false, true) => (
                    self.matches(&old, last, budget).then_some(last),
                    (last, Place::End),
                ),
                (false, false) => (
                    self.search(&old, expected, last, budget),
                    (wanted, Place::Searched),
                ),
            }
        };
        let Some(at) = found else {
            return Err(self.mismatch(&old, checked.0, checked.1, ids.budget == 0));
        };
        let removed: Vec<Line> = self.lines.drain(at..at + old.len()).collect();
        let mut replaced = removed.into_iter();
        let mut new_lines = Vec::with_capacity(hunk.new_count);
        for line in &hunk.lines {
            match line.op {
                Op::Context => {
                    if let Some(kept) = replaced.next() {
                        new_lines.push(kept);
                    }
                }
                Op::Remove => {
                    replaced.next();
                }
                Op::Add => new_lines.push(Line {
                    text: line.text.clone(),
                    id: ids.next(),
                    origin: Some(patch),
                }),
            }
        }
        let count = new_lines.len();
        self.lines.splice(at..at, new_lines);
        if at + count == self.lines.len() && count > 0 {
            self.final_newline = !hunk.new_no_newline;
        }
        Ok(at)
    }

    /// Whether `old` matches at `at`; a CR at the end of a line of the file is ignored (mail
    /// transport strips it from the patch).
    fn matches(&self, old: &[&str], at: usize, budget: &mut u64) -> bool {
        if at + old.len() > self.lines.len() {
            return false;
        }
        for (line, want) in self.lines[at..].iter().zip(old) {
            if *budget == 0 {
                return false;
            }
            *budget -= 1;
            let have = line.text.strip_suffix('\r').unwrap_or(&line.text);
            if have != *want {
                return false;
            }
        }
        true
    }

    /// The nearest matching place to `expected`, trying `expected`, then one line before and
    /// after, two, …
    fn search(
        &self,
        old: &[&str],
        expected: usize,
        last: usize,
        budget: &mut u64,
    ) -> Option<usize> {
        if self.matches(old, expected, budget) {
            return Some(expected);
        }
        let mut distance = 1;
        loop {
            let before = expected.checked_sub(distance);
            let after = (expected + distance <= last).then_some(expected + distance);
            if before.is_none() && after.is_none() {
                return None;
            }
            if *budget == 0 {
                return None;
            }
            for at in [before, after].into_iter().flatten() {
                if self.matches(old, at, budget) {
                    return Some(at);
                }
            }
            distance += 1;
        }
    }

    /// Why the hunk's old lines are not at `at`: the first line that differs there.
    fn mismatch(&self, old: &[&str], at: usize, place: Place, out_of_budget: bool) -> String {
        let budget = if out_of_budget {
            " (the search was cut short: this review compared too many lines)"
        } else {
            ""
        };
        let lead = match place {
            Place::Searched => {
                "its lines were not found anywhere in the file; where its header \
                                puts it,"
            }
            Place::Header => "a hunk without context applies only where its header puts it, and",
            Place::Start => {
                "a hunk without leading context applies only at the start of the \
                             file, and"
            }
            Place::End => {
                "a hunk without trailing context applies only at the end of the \
                           file, and"
            }
            Place::Whole => {
                "a hunk without context lines before or after applies only to a \
                             whole file, and"
            }
        };
        if place == Place::Searched && at + old.len() > self.lines.len() {
            return format!(
                "its lines (the first with text: `{}`) were not found anywhere in the file, which has {} lines; \
                 its header puts them at line {}{budget}",
                clip(old.iter().map(|l| l.trim()).find(|l| !l.is_empty()).unwrap_or("")),
                self.lines.len(),
                at + 1
            );
        }
        if matches!(place, Place::Whole) {
            return format!(
                "{lead} the file has {} lines where the hunk expects {}{budget}",
                self.lines.len(),
                old.len()
            );
        }
        for (index, want) in old.iter().enumerate() {
            let line = at + index;
            match self.lines.get(line) {
                Some(have) if have.text.strip_suffix('\r').unwrap_or(&have.text) == *want => {}
                Some(have) => {
                    return format!(
                        "{lead} line {} is `{}` where the patch expects `{}`{budget}",
                        line + 1,
                        clip(have.text.trim()),
                        clip(want.trim())
                    )
                }
                None => {
                    return format!(
                        "{lead} the file ends at line {} where the patch expects `{}`{budget}",
                        self.lines.len(),
                        clip(want.trim())
                    )
                }
            }
        }
        format!("{lead} the search gave up{budget}")
    }
}

/// Where a hunk was looked for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Place {
    Searched,
    Header,
    Start,
    End,
    Whole,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn image(text: &str) -> (Image, Ids) {
        let mut ids = Ids::default();
        (Image::from_text(text, &mut ids), ids)
    }

    fn one_hunk(diff: &str) -> Hunk {
        let files = parse(diff).expect("parses");
        files[0].hunks[0].clone()
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
    fn paths() {
        assert!(check_path("drivers/a.rs").is_ok());
        assert!(check_path("../a.rs").is_err());
        assert!(check_path("a/../../b").is_err());
        assert!(check_path("/etc/passwd").is_err());
        assert!(check_path("a//b").is_err());
        assert!(check_path("a\nb").is_err());
        assert!(check_path("").is_err());
    }

    #[test]
    fn quoted_names() {
        assert_eq!(unquote("\"a\\303\\251\\tb\"").unwrap(), "a\u{e9}\tb");
        assert!(unquote("\"open").is_err());
        assert!(unquote("\"bad\\9\"").is_err());
    }

    #[test]
    fn applies_with_an_offset() {
        let (mut img, mut ids) = image("0\n1\n2\n3\n4\n5\n6\n7\n8\n");
        let hunk = one_hunk("--- a/f\n+++ b/f\n@@ -2,3 +2,4 @@\n 5\n+new\n 6\n 7\n");
        assert_eq!(img.apply(&hunk, 0, &mut ids), Ok(5));
        let text: Vec<&str> = img.lines.iter().map(|l| l.text.as_str()).collect();
        assert_eq!(text, ["0", "1", "2", "3", "4", "5", "new", "6", "7", "8"]);
        assert_eq!(img.lines[6].origin, Some(0));
        assert_eq!(img.lines[5].origin, None);
    }

    #[test]
    fn start_and_end_anchors() {
        let (mut img, mut ids) = image("a\nb\nc\na\nb\n");
        // No trailing context: must match at the end.
        let hunk = one_hunk("--- a/f\n+++ b/f\n@@ -1,2 +1,3 @@\n a\n b\n+z\n");
        assert_eq!(img.apply(&hunk, 0, &mut ids), Ok(3));
        let (mut img, mut ids) = image("x\na\nb\n");
        let hunk = one_hunk("--- a/f\n+++ b/f\n@@ -1,2 +1,3 @@\n+z\n a\n b\n");
        let error = img.apply(&hunk, 0, &mut ids).unwrap_err();
        assert!(
            error.contains("line 1 is `x` where the patch expects `a`"),
            "{error}"
        );
    }

    #[test]
    fn misses_explain_themselves() {
        let (mut img, mut ids) = image("a\nb\nc\nd\n");
        let hunk = one_hunk("--- a/f\n+++ b/f\n@@ -2,2 +2,3 @@\n b\n+z\n q\n");
        let error = img.apply(&hunk, 0, &mut ids).unwrap_err();
        assert!(
            error.contains("line 3 is `c` where the patch expects `q`"),
            "{error}"
        );
    }

    #[test]
    fn new_files_and_final_newlines() {
        let mut ids = Ids::default();
        let mut img = Image::default();
        let hunk = one_hunk(
            "--- /dev/null\n+++ b/f\n@@ -0,0 +1,2 @@\n+a\n+b\n\\ No newline at end of file\n",
        );
        assert_eq!(img.apply(&hunk, 3, &mut ids), Ok(0));
        assert_eq!(img.text(), "a\nb");
    }
}
