//! The diffs of patch mail: parsing them within the review's limits (with
//! [`crate::unified_diff`]), checking the paths they name, and applying hunks the way `git apply`
//! does, with an offset search when the context moved and no fuzz.
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

use crate::unified_diff;
pub use crate::unified_diff::{DiffError, FilePatch, Hunk, HunkLine, Op};

/// Parses the file sections of a diff (see [`unified_diff::sections`]), at most [`MAX_FILES`]
/// of them with at most [`MAX_HUNKS`] hunks in all.
pub fn parse(text: &str) -> Result<Vec<FilePatch>, DiffError> {
    let mut files = Vec::new();
    let mut hunk_total = 0usize;
    for file in unified_diff::sections(text) {
        let file = file?;
        if hunk_total + file.hunks.len() > MAX_HUNKS {
            return Err(DiffError {
                line: file.hunks[MAX_HUNKS - hunk_total].line,
                message: format!("more than {MAX_HUNKS} hunks; review accepts at most {MAX_HUNKS}"),
            });
        }
        hunk_total += file.hunks.len();
        let line = file.line;
        files.push(file);
        if files.len() > MAX_FILES {
            return Err(DiffError {
                line,
                message: format!("more than {MAX_FILES} files; review accepts at most {MAX_FILES}"),
            });
        }
    }
    Ok(files)
}

fn clip(text: &str) -> String {
    unified_diff::clip(text, 80)
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
