//! The parse-and-lint pipeline, as the driver runs it on one file: bytes → decoding → pruning →
//! parse → lowering → model → lints → rendering. Any panic aborts (libFuzzer's panic hook sees
//! the panics devref catches per file too), and an "internal error" diagnostic is a crash.
#![no_main]

use devref_lints::options::Options;
use devref_lints::{analyze, Input, Origin};
use libfuzzer_sys::fuzz_target;

/// A file that always has a finding: the fuzzed file must not keep the others from being linted.
const RAW_FIELD: &str = "use kernel::bindings;\nstruct S {\n    dev: *mut bindings::device,\n}\n";

fuzz_target!(|data: &[u8]| {
    let analysis = analyze(
        vec![
            Input {
                name: "fuzz.rs".to_string(),
                content: devref::input::decode("fuzz.rs", data.to_vec()),
            },
            Input {
                name: "ok.rs".to_string(),
                content: Ok(RAW_FIELD.to_string()),
            },
        ],
        &Options::default(),
        1,
    );
    for diagnostic in &analysis.diagnostics {
        assert!(
            !(diagnostic.origin == Origin::Input && diagnostic.message.contains("internal error")),
            "{}",
            diagnostic.message
        );
    }
    assert!(analysis
        .diagnostics
        .iter()
        .any(|d| d.primary.file.0 == 1 && d.lint_name() == Some("raw_device_ptr_field")));
    let _ = devref::render::human_to_string(&analysis.diagnostics, &analysis.files);
    for diagnostic in &analysis.diagnostics {
        let _ = devref::render::rustc_json(diagnostic, &analysis.files).to_json();
    }
});
