//! The comment lexer and the pruning done before parsing. Checked: the index is well formed;
//! pruning docs and blanking bodies keep the length and every line break of the text, and valid
//! Rust stays valid.
#![no_main]

use std::ops::Range;

use devref_lints::comments::CommentIndex;
use devref_lints::parse::parse_nested;
use devref_lints::pruning::{blank, prune_docs, scan_bodies};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    check_index(text);
    let mut pruned = prune_docs(text).unwrap_or_else(|| text.to_string());
    assert_same_layout(text, &pruned, "prune_docs");
    let scan = scan_bodies(&pruned);
    for range in &scan.unneeded {
        assert!(
            range.start <= range.end && range.end <= pruned.len(),
            "{range:?}"
        );
    }
    blank(&mut pruned, &scan.unneeded);
    assert_same_layout(text, &pruned, "blank");
    // proc-macro2 keeps every text it lexed in a thread-local map (and panics past 4 GiB of it):
    // a thread per input frees it. Its large stack is the analysis' own, for syn's recursion.
    let text = text.to_string();
    std::thread::Builder::new()
        .stack_size(256 << 20)
        .spawn(move || {
            if parse_nested(&text, false).is_ok() {
                if let Err(error) = parse_nested(&pruned, false) {
                    panic!("valid Rust no longer parses after pruning: {error}\n{pruned}");
                }
            }
        })
        .expect("spawn")
        .join()
        .unwrap_or_else(|payload| std::panic::resume_unwind(payload));
});

/// Comments are in order, apart, on character boundaries, and on the lines they say.
fn check_index(text: &str) {
    let index = CommentIndex::build(text);
    let newlines = text.bytes().filter(|&b| b == b'\n').count();
    assert_eq!(index.line_count() as usize, newlines + 1);
    let mut previous_end = 0;
    for comment in index.all() {
        let Range { start, end } = comment.range();
        assert!(
            previous_end <= start && start < end && end <= text.len(),
            "{comment:?}"
        );
        assert!(
            text.is_char_boundary(start) && text.is_char_boundary(end),
            "{comment:?}"
        );
        assert_eq!(index.line_of(start), comment.start_line, "{comment:?}");
        assert_eq!(index.line_of(end - 1), comment.end_line, "{comment:?}");
        assert_eq!(index.containing(start), Some(comment));
        assert_eq!(index.within(start..end), std::slice::from_ref(comment));
        let _ = comment.body(text);
        previous_end = end;
    }
}

/// `after` is `before` rewritten in place: the same length, line breaks where they were.
fn assert_same_layout(before: &str, after: &str, step: &str) {
    assert_eq!(before.len(), after.len(), "{step} changed the length");
    let breaks = |text: &str| -> Vec<usize> { text.match_indices('\n').map(|(i, _)| i).collect() };
    assert_eq!(breaks(before), breaks(after), "{step} moved a line break");
}
