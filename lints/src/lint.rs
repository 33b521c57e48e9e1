//! Lint declarations: name, group, default level and Clippy-style docs.

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Level {
    Allow,
    Warn,
    Deny,
    Forbid,
}

impl Level {
    pub fn as_str(self) -> &'static str {
        match self {
            Level::Allow => "allow",
            Level::Warn => "warn",
            Level::Deny => "deny",
            Level::Forbid => "forbid",
        }
    }

    pub fn parse(text: &str) -> Option<Level> {
        Some(match text {
            "allow" => Level::Allow,
            "warn" => Level::Warn,
            "deny" => Level::Deny,
            "forbid" => Level::Forbid,
            _ => return None,
        })
    }

    /// The word a rendered diagnostic starts with.
    pub fn diagnostic_word(self) -> &'static str {
        match self {
            Level::Allow => "allow",
            Level::Warn => "warning",
            Level::Deny | Level::Forbid => "error",
        }
    }

    pub fn is_error(self) -> bool {
        matches!(self, Level::Deny | Level::Forbid)
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Group {
    /// Code that is wrong: a device reference that outlives unbind.
    Correctness,
    /// Code that is very likely wrong.
    Suspicious,
    /// Safety comments and docs that do not state the refcount contract.
    SafetyDocs,
    /// Stricter checks, off by default.
    Pedantic,
}

impl Group {
    pub const ALL: [Group; 4] = [
        Group::Correctness,
        Group::Suspicious,
        Group::SafetyDocs,
        Group::Pedantic,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Group::Correctness => "correctness",
            Group::Suspicious => "suspicious",
            Group::SafetyDocs => "safety_docs",
            Group::Pedantic => "pedantic",
        }
    }

    pub const fn default_level(self) -> Level {
        match self {
            Group::Correctness => Level::Deny,
            Group::Suspicious | Group::SafetyDocs => Level::Warn,
            Group::Pedantic => Level::Allow,
        }
    }

    pub fn from_name(name: &str) -> Option<Group> {
        Group::ALL.into_iter().find(|group| group.name() == name)
    }
}

/// One lint, declared once with [`declare_lint!`](crate::declare_lint).
#[derive(Debug, PartialEq, Eq)]
pub struct Lint {
    pub name: &'static str,
    pub group: Group,
    pub default_level: Level,
    /// One line, for `devref lints` and SARIF's short description.
    pub summary: &'static str,
    /// Markdown: `### What it does`, `### Why is this bad`, `### Example`, `### Use instead`.
    pub docs: &'static str,
    /// Where the declaration is (`devref_lints::lints::raw_device_ptr_field`, `RAW_DEVICE_PTR_FIELD`):
    /// rustdoc renders the docs on the static (`tests/docs.rs` checks each page).
    pub module: &'static str,
    pub static_name: &'static str,
}

impl Lint {
    pub fn code(&self) -> String {
        format!("devref::{}", self.name)
    }

    /// The docs as written: `///` doc lines keep the space after the slashes, so drop it.
    pub fn docs_text(&self) -> String {
        let mut text = String::with_capacity(self.docs.len());
        for line in self.docs.lines() {
            text.push_str(line.strip_prefix(' ').unwrap_or(line));
            text.push('\n');
        }
        text
    }
}

/// Declares a lint as a `pub static`. The default level is the group's.
#[macro_export]
macro_rules! declare_lint {
    (
        $(#[doc = $doc:literal])*
        pub $static_name:ident = $name:literal, $group:ident, $summary:literal
    ) => {
        $(#[doc = $doc])*
        pub static $static_name: $crate::lint::Lint = $crate::lint::Lint {
            name: $name,
            group: $crate::lint::Group::$group,
            default_level: $crate::lint::Group::$group.default_level(),
            summary: $summary,
            docs: concat!($($doc, "\n"),*),
            module: module_path!(),
            static_name: stringify!($static_name),
        };
    };
}
