//! `docs/lints.md` is generated from the lint declarations; this fails when it is stale.

#[test]
fn lint_docs_are_current() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/lints.md");
    let generated = devref_lints::docs::markdown();
    if std::env::var_os("BLESS").is_some_and(|v| v != "0") {
        std::fs::write(&path, &generated).expect("writing docs/lints.md");
        return;
    }
    let current = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        current == generated,
        "docs/lints.md is stale: run `BLESS=1 cargo test --test docs` (or `devref lints --markdown > docs/lints.md`)"
    );
}
