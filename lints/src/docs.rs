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

/// Where a lint's docs live, for SARIF's `helpUri` and the JSON explanations.
pub fn help_uri(lint: &Lint) -> String {
    format!("docs/lints.md#{}", lint.name)
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
            capitalize(lint.summary)
        ));
        // Docs use `###` headings under the lint's `##`.
        out.push_str(lint.docs_text().trim_end());
        out.push('\n');
    }
    out
}

fn capitalize(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => format!("{}{}.", first.to_uppercase(), chars.as_str()),
        None => String::new(),
    }
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
    fn explain_starts_with_the_code() {
        let lint = crate::lints::find("raw_device_ptr_field").expect("declared");
        assert!(explain(lint)
            .starts_with("devref::raw_device_ptr_field (group `suspicious`, default `warn`)"));
    }
}
