//! Suggestions that add to what is written: a sentence at the end of a comment.

use crate::comments::CommentKind;
use crate::model::file_context::FileContext;
use crate::model::safety_text::SafetyComment;
use crate::source::Span;
use crate::text::comment_lines;

/// Where and what to add so that `sentence` ends the comment: new `//` (or `///`) lines after a
/// line comment, in its column and wrapped at 100 columns, or text before a block comment's `*/`.
pub(crate) fn comment_addition(
    cx: &FileContext<'_>,
    found: &SafetyComment,
    sentence: &str,
) -> (Span, String) {
    let file = cx.source.id;
    let last = found.last();
    match last.kind {
        CommentKind::Line => {
            let line = cx.comments.line_of(last.start as usize) as usize;
            let column = last.start as usize - cx.source.line_start(line);
            let indent = " ".repeat(column);
            let marker = if last.is_doc() { "///" } else { "//" };
            let mut replacement = String::new();
            for comment_line in comment_lines(&indent, marker, sentence, 100) {
                replacement.push('\n');
                replacement.push_str(&comment_line);
            }
            let end = last.end as usize;
            (Span::new(file, end..end), replacement)
        }
        CommentKind::Block => {
            let at = if last.terminated {
                last.end as usize - 2
            } else {
                last.end as usize
            };
            (Span::new(file, at..at), format!("{sentence} "))
        }
    }
}
