//! What a review found, as data: the series, its patches, their findings and the hunks that
//! did not apply. [`super::review()`] builds it and [`super::report`] renders it.

use devref_lints::Level;

use super::mail::Message;

/// A reviewed series.
#[derive(Debug)]
pub struct Review {
    pub patches: Vec<PatchReview>,
    /// The `0/N` message, if the input has one.
    pub cover: Option<Message>,
    /// `base-commit:` of `git format-patch --base`, from any message.
    pub base_commit: Option<String>,
    /// Whether a tree was given (for the reproduce line).
    pub with_tree: bool,
    /// For the operator, on stderr: hunks that do not apply, missing patches, skipped files.
    pub warnings: Vec<String>,
}

impl Review {
    /// Whether the exit code is 1: an error-level finding, or a patch that did not apply.
    pub fn has_errors(&self) -> bool {
        self.patches
            .iter()
            .any(|p| !p.failures.is_empty() || p.findings.iter().any(|f| f.level.is_error()))
    }
}

/// One patch of the series and what was found in it.
#[derive(Debug)]
pub struct PatchReview {
    pub message: Message,
    /// 0-based position in the series.
    pub index: usize,
    /// The number of patches in the series.
    pub of: usize,
    pub findings: Vec<Finding>,
    pub failures: Vec<Failure>,
    /// Lines of the patch text (checkpatch's "lines checked").
    pub lines: usize,
    /// Lines the patch adds to `.rs` files.
    pub added: usize,
}

impl PatchReview {
    /// `2/3`, as in `[PATCH 2/3]`.
    pub fn tag(&self) -> String {
        match self.message.number {
            Some((n, m)) => format!("{n}/{m}"),
            None => format!("{}/{}", self.index + 1, self.of),
        }
    }
}

/// A part of a patch that could not be applied.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Failure {
    pub file: String,
    /// `(1-based number, "@@ -a,b +c,d @@")`; `None` when the whole file could not be patched.
    pub hunk: Option<(usize, String)>,
    /// 1-based post-image line the hunk was meant for.
    pub line: usize,
    pub message: String,
    /// Where in the input: `series.mbox:57`.
    pub at: String,
}

impl Failure {
    /// One line: `hunk #2 (@@ -1,3 +1,4 @@) of drivers/a.rs does not apply: …`.
    pub fn describe(&self) -> String {
        match &self.hunk {
            Some((number, header)) => format!(
                "hunk #{number} ({header}) of `{}` does not apply: {}",
                self.file, self.message
            ),
            None => format!("`{}` cannot be patched: {}", self.file, self.message),
        }
    }
}

/// A finding, with everything needed to render it (positions are those of the post-image of the
/// state it was found in).
#[derive(Clone, Debug)]
pub struct Finding {
    pub lint: Option<&'static devref_lints::Lint>,
    /// `devref::lint`.
    pub code: String,
    pub level: Level,
    pub message: String,
    pub label: Option<String>,
    pub file: String,
    pub line: usize,
    pub column: usize,
    /// The lines of the finding that the patch adds, 1-based numbers and text.
    pub quoted: Vec<(usize, String)>,
    pub helps: Vec<HelpView>,
    pub notes: Vec<String>,
    /// Absent once the whole series is applied.
    pub fixed_later: bool,
    /// The 0-based index of the first later patch after which it is gone.
    pub fixed_by: Option<usize>,
    /// Found only with later patches of the series applied (on a line this patch added).
    pub later: bool,
    pub(super) key: Key,
}

/// A `help:` of a finding, with the lines its suggestion would change.
#[derive(Clone, Debug)]
pub struct HelpView {
    pub message: String,
    pub suggestion: Option<SuggestionView>,
}

#[derive(Clone, Debug)]
pub struct SuggestionView {
    pub replacement: String,
    pub applicability: &'static str,
    /// 1-based line of `before[0]`.
    pub line: usize,
    /// The lines the suggestion changes, and what they become (empty when too long to show).
    pub before: Vec<String>,
    pub after: Vec<String>,
}

/// What identifies a finding across the states of a series: the line it is on and the lint, or
/// for a file that does not parse, the file.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub(super) enum Key {
    Line(u64, &'static str),
    Input(String),
}
