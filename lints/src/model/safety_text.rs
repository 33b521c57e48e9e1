//! Where safety contracts are written: the sentences of a `# Safety` or `# Invariants` section and
//! where its lines are (for suggestions that add a sentence), and [`find_safety_comment`], the
//! `SAFETY:` comment that belongs to an `unsafe` block or item, in every place kernel code puts it.

use std::ops::Range;

use super::item_tree::{heading, Docs};
use crate::comments::{Comment, CommentIndex, CommentKind, DocStyle};
use crate::source::{SourceFile, Span};

// --- Doc sections -----------------------------------------------------------------------------

/// Where the `///` lines of an item's docs are, and one section among them, for labels and for
/// suggestions that add to the docs. `#[doc = …]` and `/** */` docs give `None`.
#[derive(Clone, Debug)]
pub struct DocLayout {
    /// The `///` comments in order.
    pub lines: Vec<Comment>,
    /// Index into `lines` of the section's heading, if the section exists.
    pub heading: Option<usize>,
    /// Index of the section's last non-blank line.
    pub last: Option<usize>,
}

impl DocLayout {
    /// From the section's heading to its last line.
    pub fn section_span(&self, file: crate::source::FileId) -> Option<Span> {
        let first = &self.lines[self.heading?];
        let last = &self.lines[self.last.or(self.heading)?];
        Some(Span::new(file, first.start as usize..last.end as usize))
    }
}

pub fn doc_layout(
    comments: &CommentIndex,
    source: &SourceFile,
    docs: &Docs,
    title: &str,
) -> Option<DocLayout> {
    let span = docs.span?;
    let lines: Vec<Comment> = comments
        .within(span.range())
        .iter()
        .filter(|c| c.kind == CommentKind::Line && c.doc == DocStyle::Outer)
        .cloned()
        .collect();
    if lines.is_empty() {
        return None;
    }
    // Every doc line must be a `///` comment, or the layout is not what we think.
    let doc_lines = docs.text.lines().count();
    if doc_lines != lines.len() {
        return None;
    }
    let mut heading_index = None;
    let mut last = None;
    let mut depth = 0;
    let mut in_code = false;
    for (index, comment) in lines.iter().enumerate() {
        let body = comment.body(&source.text).trim();
        if body.starts_with("```") {
            in_code = !in_code;
        }
        if !in_code {
            if let Some((level, text)) = heading(body) {
                if heading_index.is_some() && level <= depth {
                    break;
                }
                if heading_index.is_none() && text.eq_ignore_ascii_case(title) {
                    heading_index = Some(index);
                    depth = level;
                    continue;
                }
            }
        }
        // Link definitions (`[`X`]: path`) close the docs; the section's text ends before them.
        let link_definition = body.starts_with('[') && body.contains("]: ");
        if heading_index.is_some() && !body.is_empty() && !link_definition {
            last = Some(index);
        }
    }
    Some(DocLayout {
        lines,
        heading: heading_index,
        last,
    })
}

/// The leading whitespace of a 0-based line.
pub fn indentation(source: &SourceFile, line: usize) -> String {
    if line >= source.line_count() {
        return String::new();
    }
    let text = &source.text[source.line_range(line)];
    text.chars()
        .take_while(|c| *c == ' ' || *c == '\t')
        .collect()
}

// --- SAFETY comments --------------------------------------------------------------------------

/// A syntax node around an `unsafe` block (the block itself, an enclosing expression, argument,
/// field, arm or statement) above which a SAFETY comment may sit.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Anchor {
    /// Start of the node, outer attributes included.
    pub start: usize,
    /// Start of the node after its attributes.
    pub body_start: usize,
}

/// Where to look for the SAFETY comment of one `unsafe` block or item.
#[derive(Clone, Debug, Default)]
pub struct CommentSite {
    /// Innermost first: the block, then the nodes around it up to the enclosing statement.
    pub anchors: Vec<Anchor>,
    /// Between the block's `{` and its first statement (or `}`).
    pub inside: Option<Range<usize>>,
    /// End of the block; a comment after it on the same line is a trailing comment.
    pub end: Option<usize>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Placement {
    Above,
    BetweenAttributes,
    Trailing,
    Inside,
    Inline,
}

/// A SAFETY comment found for a block.
#[derive(Clone, Debug)]
pub struct SafetyComment {
    /// The comment holding `SAFETY:`; its start identifies the comment for ownership.
    pub marker: Comment,
    /// The comments of the group from the marker on (continuation lines included).
    pub group: Vec<Comment>,
    /// The SAFETY text: from `SAFETY:` to the next tag (`INVARIANT:`, `CAST:`) or the group's end.
    pub text: String,
    pub placement: Placement,
}

impl SafetyComment {
    /// From the marker to the end of the SAFETY text.
    pub fn span(&self, file: crate::source::FileId) -> Span {
        let end = self.group.last().map_or(self.marker.end, |c| c.end);
        Span::new(file, self.marker.start as usize..end as usize)
    }

    /// The last comment of the SAFETY text, after which a sentence can be added.
    pub fn last(&self) -> &Comment {
        self.group.last().unwrap_or(&self.marker)
    }
}

/// Why no SAFETY comment was accepted for a site.
#[derive(Clone, Debug, Default)]
pub struct Lookup {
    pub found: Option<SafetyComment>,
    /// A SAFETY comment that was in place but already belongs to an earlier block.
    pub taken: Option<Comment>,
}

/// Finds the SAFETY comment of a site. `claimed` says whether a marker comment (by its start)
/// already belongs to another block; such a comment is skipped.
pub fn find_safety_comment(
    comments: &CommentIndex,
    source: &SourceFile,
    site: &CommentSite,
    claimed: &dyn Fn(u32) -> bool,
) -> Lookup {
    let mut lookup = Lookup::default();
    let consider = |group: Vec<Comment>, placement: Placement, lookup: &mut Lookup| -> bool {
        match safety_in_group(source, &group, placement) {
            Some(found) if claimed(found.marker.start) => {
                lookup.taken.get_or_insert(found.marker);
                false
            }
            Some(found) => {
                lookup.found = Some(found);
                true
            }
            None => false,
        }
    };
    // The first line inside the block.
    if let Some(inside) = &site.inside {
        let group: Vec<Comment> = comments.within(inside.clone()).to_vec();
        if !group.is_empty() && consider(group, Placement::Inside, &mut lookup) {
            return lookup;
        }
    }
    // A trailing comment on the line where the block ends.
    if let Some(end) = site.end {
        let line = comments.line_of(end);
        let group: Vec<Comment> = comments
            .starting_on_line(line)
            .iter()
            .filter(|c| c.start as usize >= end)
            .cloned()
            .collect();
        if !group.is_empty() && consider(group, Placement::Trailing, &mut lookup) {
            return lookup;
        }
    }
    let mut seen_lines = Vec::new();
    for anchor in &site.anchors {
        // Between the node's attributes and the node.
        if anchor.body_start > anchor.start {
            let group: Vec<Comment> = comments.within(anchor.start..anchor.body_start).to_vec();
            if !group.is_empty() && consider(group, Placement::BetweenAttributes, &mut lookup) {
                return lookup;
            }
        }
        let line = comments.line_of(anchor.start);
        if seen_lines.contains(&line) {
            continue;
        }
        seen_lines.push(line);
        // `/* SAFETY: … */ unsafe { … }` on the same line.
        let inline: Vec<Comment> = comments
            .starting_on_line(line)
            .iter()
            .filter(|c| c.end_line == line && c.end as usize <= anchor.start)
            .cloned()
            .collect();
        if !inline.is_empty() && consider(inline, Placement::Inline, &mut lookup) {
            return lookup;
        }
        // The comment lines above, past blank lines, up to the previous line of code.
        let above = comments_above(comments, line);
        if !above.is_empty() && consider(above, Placement::Above, &mut lookup) {
            return lookup;
        }
    }
    lookup
}

/// The comments on the lines above `line` that hold no code, in source order.
pub fn comments_above(comments: &CommentIndex, line: u32) -> Vec<Comment> {
    let mut found: Vec<Comment> = Vec::new();
    let mut current = line;
    while current > 0 {
        let above = current - 1;
        if comments.line_has_code(above) {
            break;
        }
        match comments.ending_on_line(above) {
            Some(comment) => {
                // All comments of that line (`/* a */ // b`), and on up from the first one's start.
                let on_line: Vec<Comment> = comments
                    .starting_on_line(comment.start_line)
                    .iter()
                    .filter(|c| c.end_line <= above)
                    .cloned()
                    .collect();
                let first_start = on_line.first().map_or(comment.start_line, |c| c.start_line);
                for c in on_line.into_iter().rev() {
                    found.push(c);
                }
                if comment.start_line > first_start {
                    found.push(comment.clone());
                }
                current = first_start;
            }
            None => {
                // A blank line, or the inside of a multi-line block comment that ends further down
                // (not possible here: it would end on this line or below).
                current = above;
            }
        }
    }
    found.reverse();
    found.dedup_by_key(|c| c.start);
    found
}

/// The text of a group's SAFETY part, if it has one.
fn safety_in_group(
    source: &SourceFile,
    group: &[Comment],
    placement: Placement,
) -> Option<SafetyComment> {
    let mut marker: Option<usize> = None;
    let mut text = String::new();
    let mut last = 0;
    for (index, comment) in group.iter().enumerate() {
        for line in comment_lines(comment, &source.text) {
            let trimmed = line.trim();
            match marker {
                None => {
                    if let Some(rest) = safety_marker(trimmed) {
                        marker = Some(index);
                        text.push_str(rest);
                        last = index;
                    }
                }
                Some(_) => {
                    if is_other_tag(trimmed) {
                        return Some(SafetyComment {
                            marker: group[marker?].clone(),
                            group: group[marker?..=last].to_vec(),
                            text,
                            placement,
                        });
                    }
                    if trimmed.is_empty() {
                        continue;
                    }
                    if let Some(rest) = safety_marker(trimmed) {
                        text.push(' ');
                        text.push_str(rest);
                    } else {
                        text.push(' ');
                        text.push_str(trimmed);
                    }
                    last = index;
                }
            }
        }
    }
    let marker = marker?;
    Some(SafetyComment {
        marker: group[marker].clone(),
        group: group[marker..=last].to_vec(),
        text,
        placement,
    })
}

/// The lines of a comment's body; block comments lose a leading `*` per line.
fn comment_lines<'s>(comment: &Comment, source: &'s str) -> Vec<&'s str> {
    let body = comment.body(source);
    match comment.kind {
        CommentKind::Line => vec![body],
        CommentKind::Block => body
            .lines()
            .map(|line| {
                let trimmed = line.trim_start();
                trimmed.strip_prefix('*').unwrap_or(trimmed)
            })
            .collect(),
    }
}

/// `SAFETY: rest` (any case, after list markers or a doctest's `# `) gives `rest`.
pub(super) fn safety_marker(line: &str) -> Option<&str> {
    let line = line.trim_start_matches(['#', '-', '*', ' ']);
    let head = line.get(..7)?;
    head.eq_ignore_ascii_case("safety:").then(|| &line[7..])
}

/// `INVARIANT:`, `CAST:`, `NOTE:`: an upper-case tag that starts another part of the group.
pub(super) fn is_other_tag(line: &str) -> bool {
    let Some((tag, _)) = line.split_once(':') else {
        return false;
    };
    !tag.is_empty()
        && tag.len() <= 20
        && tag.chars().all(|c| c.is_ascii_uppercase() || c == '_')
        && !tag.eq_ignore_ascii_case("safety")
}
