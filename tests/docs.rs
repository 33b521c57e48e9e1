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

/// SARIF's `helpUri` is `<docs_url>#<lint>`: `docs/lints.md` has a section of each lint's name.
#[test]
fn help_uris_name_sections_of_the_lint_docs() {
    let markdown = devref_lints::docs::markdown();
    for lint in devref_lints::lints::all_lints() {
        let uri = devref_lints::docs::help_uri(lint, "https://example.org/devref/docs/lints.md");
        assert_eq!(
            uri,
            format!("https://example.org/devref/docs/lints.md#{}", lint.name)
        );
        assert!(
            markdown.contains(&format!("\n## {}\n", lint.name)),
            "docs/lints.md has no section `{}`",
            lint.name
        );
    }
}

/// rustdoc renders each lint's docs on its `static`, as written: no broken links or code blocks.
#[test]
fn rustdoc_renders_the_page_of_every_lint() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let target = root.join("target/doc-check");
    let status = std::process::Command::new(env!("CARGO"))
        .current_dir(root)
        .args(["doc", "--quiet", "--no-deps", "-p", "devref-lints"])
        .env("CARGO_TARGET_DIR", &target)
        .env("RUSTDOCFLAGS", "-D warnings")
        .status()
        .expect("running cargo doc");
    assert!(status.success(), "cargo doc failed");
    for lint in devref_lints::lints::all_lints() {
        let path = devref_lints::docs::rustdoc_path(lint);
        let page = std::fs::read_to_string(target.join("doc").join(&path))
            .unwrap_or_else(|e| panic!("rustdoc wrote no {path} for {}: {e}", lint.name));
        assert!(
            page.contains("What it does") && page.contains("Why is this bad"),
            "{path} does not show the docs of {}",
            lint.name
        );
    }
}
