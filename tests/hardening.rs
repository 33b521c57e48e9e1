//! Bad and hostile input: every case gives a clear diagnostic or a clean run, never a crash, and the
//! other files are still linted. The property tests feed the whole pipeline (bytes → parse → model
//! → lints → render) with generated input.

use std::path::Path;
use std::process::{Command, Output};

use devref_lints::options::Options;
use devref_lints::{analyze, Input, Origin};
use proptest::prelude::*;

const RAW_FIELD: &str = "use kernel::bindings;\nstruct S {\n    dev: *mut bindings::device,\n}\n";

fn devref(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_devref"))
        .current_dir(dir)
        .args(["--no-cache", "--message-format", "short"])
        .args(args)
        .output()
        .expect("devref runs")
}

fn write(dir: &Path, name: &str, text: &str) {
    std::fs::write(dir.join(name), text).expect("write");
}

#[test]
fn deep_nesting_is_refused_not_a_stack_overflow() {
    let dir = tempfile::tempdir().expect("temp dir");
    let n = 100_000;
    write(
        dir.path(),
        "parens.rs",
        &format!(
            "fn f() {{ let x = {}1{}; }}\n",
            "(".repeat(n),
            ")".repeat(n)
        ),
    );
    write(
        dir.path(),
        "blocks.rs",
        &format!("fn f() {}{}\n", "{".repeat(n), "}".repeat(n)),
    );
    // 100 000 `!` is one run too: refused like the others, rather than risk the stack.
    write(
        dir.path(),
        "unary.rs",
        &format!("fn f() {{ let x = {}true; }}\n", "!".repeat(n)),
    );
    write(
        dir.path(),
        "chain.rs",
        &format!("fn f() {{ let x = y{}; }}\n", ".f()".repeat(n)),
    );
    write(
        dir.path(),
        "sum.rs",
        &format!("fn f() {{ let x = 1{}; }}\n", " + 1".repeat(n)),
    );
    write(dir.path(), "ok.rs", RAW_FIELD);
    let output = devref(dir.path(), &["."]);
    assert_eq!(
        output.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let stdout = String::from_utf8_lossy(&output.stdout);
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.len(), 6, "{stdout}");
    assert!(lines[0].starts_with("blocks.rs:1:519: error: could not parse `blocks.rs`: delimiters nested more than 512 levels deep"), "{}", lines[0]);
    assert!(lines[1].starts_with("chain.rs:1:"), "{}", lines[1]);
    assert!(
        lines[1].contains("an expression longer than 20000 tokens"),
        "{}",
        lines[1]
    );
    assert!(
        lines[2].starts_with("ok.rs:3:10: warning: field `S::dev` holds a raw pointer"),
        "{}",
        lines[2]
    );
    assert!(lines[3].starts_with("parens.rs:1:528: error: could not parse `parens.rs`: delimiters nested more than 512 levels deep"), "{}", lines[3]);
    assert!(
        lines[4].starts_with("sum.rs:1:")
            && lines[4].contains("an expression longer than 20000 tokens"),
        "{}",
        lines[4]
    );
    assert!(
        lines[5].starts_with("unary.rs:1:20015:")
            && lines[5].contains("an expression longer than 20000 tokens"),
        "{}",
        lines[5]
    );
}

/// The parser admits a type nested deeper than an item-tree summary holds (a run of `&` is no
/// delimiter): such a tree goes to the model as it is, and the file is linted like any other.
#[test]
fn a_type_nested_deeper_than_a_summary_holds_is_linted() {
    let dir = tempfile::tempdir().expect("temp dir");
    write(
        dir.path(),
        "deep.rs",
        &format!(
            "use kernel::bindings;\ntype T = {}u8;\nstruct A {{ dev: *mut bindings::device }}\n",
            "&".repeat(200)
        ),
    );
    let output = devref(dir.path(), &["."]);
    let stdout = String::from_utf8_lossy(&output.stdout);
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.len(), 1, "{stdout}");
    assert!(
        lines[0].starts_with(
            "deep.rs:3:17: warning: field `A::dev` holds a raw pointer to `bindings::device`"
        ),
        "{}",
        lines[0]
    );
    assert_eq!(output.status.code(), Some(0), "{stdout}");
}

#[test]
fn a_generated_ten_megabyte_file_is_refused_and_others_are_linted() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut big = String::new();
    let mut index = 0;
    while big.len() < 10 << 20 {
        big.push_str(&format!(
            "struct S{index} {{ dev: *mut kernel::bindings::device }}\n"
        ));
        index += 1;
    }
    write(dir.path(), "big.rs", &big);
    write(dir.path(), "ok.rs", RAW_FIELD);
    let output = devref(dir.path(), &["."]);
    assert_eq!(output.status.code(), Some(1));
    let stdout = String::from_utf8_lossy(&output.stdout);
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.len(), 2, "{stdout}");
    assert_eq!(
        lines[0],
        "big.rs:1:1: error: `big.rs` is 10.0 MiB, over devref's limit of 4 MiB for one file; such files are generated, not written [devref::input]"
    );
    assert!(lines[1].starts_with("ok.rs:3:10: warning:"));
}

/// No internal error (a caught panic) in what the analysis reports.
fn assert_no_internal_error(text: &str) {
    let analysis = analyze(
        vec![
            Input {
                name: "fuzz.rs".to_string(),
                content: Ok(text.to_string()),
            },
            Input {
                name: "ok.rs".to_string(),
                content: Ok(RAW_FIELD.to_string()),
            },
        ],
        &Options::default(),
        2,
    );
    for diagnostic in &analysis.diagnostics {
        assert!(
            !(diagnostic.origin == Origin::Input && diagnostic.message.contains("internal error")),
            "internal error on {text:?}: {}",
            diagnostic.message
        );
    }
    // The well-formed file is always linted.
    assert!(analysis
        .diagnostics
        .iter()
        .any(|d| d.primary.file.0 == 1 && d.lint_name() == Some("raw_device_ptr_field")));
    // Rendering never panics either.
    let _ = devref::render::human_to_string(&analysis.diagnostics, &analysis.files);
    for diagnostic in &analysis.diagnostics {
        let _ = devref::render::rustc_json(diagnostic, &analysis.files);
    }
}

/// Kernel-flavoured fragments, so generated input reaches the model and the lints, not only the
/// parser's error path.
const FRAGMENTS: &[&str] = &[
    "struct S { dev: *mut bindings::device }",
    "struct T<'a>(&'a Device);",
    "type P = NonNull<bindings::pci_dev>;",
    "use kernel::bindings;",
    "use kernel::{device::Device, pci};",
    "mod m { pub use super::*; }",
    "impl Drop for S { fn drop(&mut self) { unsafe { bindings::put_device(self.dev) } } }",
    "unsafe impl AlwaysRefCounted for D { fn inc_ref(&self) {} unsafe fn dec_ref(o: NonNull<Self>) {} }",
    "fn f(p: *mut bindings::device) -> &'static Device { unsafe { Device::from_raw(p) } }",
    "/// # Safety\n/// `ptr` must be valid.\nunsafe fn g<'a>(ptr: *mut bindings::device) -> &'a Device { &*ptr.cast() }",
    "// SAFETY: valid\n",
    "static X: Option<&'static Device> = None;",
    "pin_init!(Self { a <- b, c: d })",
    "macro_rules! m { ($x:expr) => { $x } }",
    "#[allow(devref::raw_device_ptr_field)]",
    "// devref: allow(x) --",
    "{", "}", "(", ")", "<", ">", "'a", "\"str\"", "r#\"raw\"#", "/* c */", "unsafe", "fn", "::", ";",
];

/// Whole items, each valid Rust, some of them lines that look like docs inside a literal or a
/// comment: what devref does to the text before parsing must keep any sequence of them valid.
const ITEMS: &[&str] = &[
    "const S: &str = r#\"\n/// doc-like line\"#;",
    "const T: &str = \"x\n/// doc-like line\";",
    "/* block\n/// doc-like line */",
    "/// # Safety\n/// `ptr` must be valid, \"quoted\".\nunsafe fn g(ptr: *mut bindings::device) {}",
    "/// # Invariants\n/// Counted.\nstruct S { dev: *mut bindings::device }",
    "/// Safe docs.\nfn safe() { let x = 1; }",
    "fn f(p: *mut bindings::device) -> &'static Device { unsafe { Device::from_raw(p) } }",
    "impl Drop for S { fn drop(&mut self) { unsafe { bindings::put_device(self.dev) } } }",
    "unsafe impl Send for S {}",
    "macro_rules! m { ($x:expr) => { $x } }",
    "/// Docs.\n/* c */ unsafe fn b() {}",
];

/// Whether the analysis reports `text` (the first input) as bad input.
fn input_errors(text: &str) -> Vec<String> {
    let analysis = analyze(
        vec![Input {
            name: "valid.rs".to_string(),
            content: Ok(text.to_string()),
        }],
        &Options::default(),
        1,
    );
    analysis
        .diagnostics
        .iter()
        .filter(|d| d.origin == Origin::Input)
        .map(|d| d.message.clone())
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn valid_code_stays_valid_after_pruning(picks in proptest::collection::vec(0..ITEMS.len(), 1..12)) {
        let items: Vec<&str> = picks.iter().map(|&i| ITEMS[i]).collect();
        let text = format!("//! Module docs.\n{}", items.join("\n"));
        prop_assert!(syn::parse_file(&text).is_ok(), "not valid: {text:?}");
        prop_assert_eq!(input_errors(&text), Vec::<String>::new(), "on {:?}", text);
    }

    #[test]
    fn fragment_soups_never_crash(picks in proptest::collection::vec(0..FRAGMENTS.len(), 0..40)) {
        let text: Vec<&str> = picks.iter().map(|&i| FRAGMENTS[i]).collect();
        assert_no_internal_error(&text.join("\n"));
    }

    #[test]
    fn arbitrary_text_never_crashes(text in "\\PC{0,400}") {
        assert_no_internal_error(&text);
    }

    #[test]
    fn truncated_real_code_never_crashes(cut in 0usize..2000) {
        let source = include_str!("ui/unbounded_device_ref.rs");
        let end = source.char_indices().map(|(i, _)| i).nth(cut).unwrap_or(source.len());
        assert_no_internal_error(&source[..end]);
    }
}
