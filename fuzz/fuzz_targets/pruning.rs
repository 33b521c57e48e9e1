//! Pruning against parsing everything: whatever devref blanks before lexing (bodies and `const` or
//! `static` values that cannot matter, docs it does not read) must change no result. For any text
//! that parses both ways (a blanked body may hide a syntax error, which is the point), the
//! diagnostics of a default run and of a `parse_everything` run are the same, spans included; so
//! are those of a run that keeps no syntax tree for the lints, which parses the file again with the
//! items they do not walk cut out.
#![no_main]

use devref_lints::options::Options;
use devref_lints::{analyze, Diagnostic, Input, Origin};
use libfuzzer_sys::fuzz_target;

fn run(text: &str, parse_everything: bool, tree_budget: Option<usize>) -> Vec<Diagnostic> {
    let options = Options {
        parse_everything,
        tree_budget,
        ..Options::default()
    };
    let input = Input {
        name: "fuzz.rs".to_string(),
        content: Ok(text.to_string()),
    };
    analyze(vec![input], &options, 1).diagnostics
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let pruned = run(text, false, None);
    let everything = run(text, true, None);
    let parsed = |found: &[Diagnostic]| found.iter().all(|d| d.origin != Origin::Input);
    if parsed(&pruned) && parsed(&everything) {
        assert!(
            pruned == everything,
            "pruning changed the results:\npruned: {pruned:#?}\neverything parsed: {everything:#?}"
        );
    }
    let parsed_again = run(text, false, Some(0));
    assert!(
        pruned == parsed_again,
        "parsing again changed the results:\nkept: {pruned:#?}\nparsed again: {parsed_again:#?}"
    );
});
