//! Lint documentation, generated from the declarations: `devref lints`, `devref explain`, and
//! `docs/lints.md`.

use crate::lint::{Group, Lint};
use crate::lints::all_lints;

/// One line per lint: name, group, default level, summary.
pub fn table() -> String {
    let lints: Vec<&Lint> = all_lints().collect();
    let width = lints.iter().map(|l| l.name.len()).max().unwrap_or(0);
    let mut out = String::new();
    for group in Group::ALL {
        out.push_str(&format!(
            "{} (default {}):\n",
            group.name(),
            group.default_level().as_str()
        ));
        for lint in lints.iter().filter(|l| l.group == group) {
            out.push_str(&format!(
                "    {:<width$}  {:<5}  {}\n",
                lint.name,
                lint.default_level.as_str(),
                lint.summary
            ));
        }
    }
    out
}

/// The full docs of one lint, for a terminal, like `rustc --explain`.
pub fn explain(lint: &Lint) -> String {
    format!(
        "devref::{} (group `{}`, default `{}`)\n\n{}\n\n{}",
        lint.name,
        lint.group.name(),
        lint.default_level.as_str(),
        lint.summary,
        lint.docs_text().trim_end()
    )
}

/// The lint's section of `docs/lints.md`, relative to the repository.
pub fn docs_path(lint: &Lint) -> String {
    format!("docs/lints.md#{}", lint.name)
}

/// The lint's section of `docs/lints.md` published at `docs_url` (that file's absolute address),
/// for SARIF's `helpUri`.
pub fn help_uri(lint: &Lint, docs_url: &str) -> String {
    format!("{docs_url}#{}", lint.name)
}

/// Where rustdoc writes the lint's page, relative to its output folder.
pub fn rustdoc_path(lint: &Lint) -> String {
    format!(
        "{}/static.{}.html",
        lint.module.replace("::", "/"),
        lint.static_name
    )
}

/// `docs/lints.md`.
pub fn markdown() -> String {
    let mut out = String::from(
        "# devref lints\n\n<!-- Generated from the lint declarations by `devref lints --markdown`; \
         a test fails when this file is stale. -->\n\n| lint | group | default | summary |\n| --- | --- | --- | --- |\n",
    );
    for lint in all_lints() {
        out.push_str(&format!(
            "| [`{0}`](#{0}) | {1} | {2} | {3} |\n",
            lint.name,
            lint.group.name(),
            lint.default_level.as_str(),
            lint.summary
        ));
    }
    for lint in all_lints() {
        out.push_str(&format!(
            "\n## {}\n\nGroup `{}`, default level `{}`. {}\n\n",
            lint.name,
            lint.group.name(),
            lint.default_level.as_str(),
            crate::text::capitalize(lint.summary) + "."
        ));
        // Docs use `###` headings under the lint's `##`.
        out.push_str(lint.docs_text().trim_end());
        out.push('\n');
    }
    out
}

/// A `### heading` section of lint docs as plain text: a paragraph's lines joined by spaces,
/// paragraphs by a blank line; code blocks are left out.
pub fn section_text(docs: &str, heading: &str) -> Option<String> {
    let mut lines = docs.lines();
    lines.find(|line| line.starts_with('#') && line.trim_start_matches('#').trim() == heading)?;
    let mut paragraphs: Vec<String> = Vec::new();
    let mut current = String::new();
    let mut in_code = false;
    for line in lines.take_while(|line| !line.starts_with('#')) {
        let line = line.trim();
        if line.starts_with("```") {
            in_code = !in_code;
            continue;
        }
        if in_code {
            continue;
        }
        if line.is_empty() {
            if !current.is_empty() {
                paragraphs.push(std::mem::take(&mut current));
            }
        } else {
            if !current.is_empty() {
                current.push(' ');
            }
            current.push_str(line);
        }
    }
    if !current.is_empty() {
        paragraphs.push(current);
    }
    (!paragraphs.is_empty()).then(|| paragraphs.join("\n\n"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_lint_has_the_four_sections_and_a_unique_name() {
        let mut names = std::collections::HashSet::new();
        for lint in all_lints() {
            assert!(names.insert(lint.name), "duplicate lint {}", lint.name);
            assert!(lint
                .name
                .chars()
                .all(|c| c.is_ascii_lowercase() || c == '_'));
            for section in [
                "### What it does",
                "### Why is this bad",
                "### Example",
                "### Use instead",
            ] {
                assert!(
                    lint.docs.contains(section),
                    "{} lacks `{section}`",
                    lint.name
                );
            }
            assert_eq!(lint.default_level, lint.group.default_level());
        }
    }

    #[test]
    fn section_text_joins_lines_and_skips_code() {
        let docs =
            "### What it does\nFinds a\nthing.\n\nAnd more.\n\n### Why is this bad\nB\nc.\n\n```rust\nx\n```\nD.\n### Example\n";
        assert_eq!(
            section_text(docs, "What it does").as_deref(),
            Some("Finds a thing.\n\nAnd more.")
        );
        assert_eq!(
            section_text(docs, "Why is this bad").as_deref(),
            Some("B c.\n\nD.")
        );
        assert_eq!(section_text(docs, "Example"), None);
    }

    #[test]
    fn explain_starts_with_the_code() {
        let lint = crate::lints::find("raw_device_ptr_field").expect("declared");
        assert!(explain(lint)
            .starts_with("devref::raw_device_ptr_field (group `suspicious`, default `warn`)"));
    }
}
