//! Diagnostics as data: what a lint found, independent of how it is rendered.

use crate::lint::{Level, Lint};
use crate::source::Span;

/// rustc's suggestion applicability.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Applicability {
    MachineApplicable,
    MaybeIncorrect,
    HasPlaceholders,
    Unspecified,
}

impl Applicability {
    pub fn as_str(self) -> &'static str {
        match self {
            Applicability::MachineApplicable => "MachineApplicable",
            Applicability::MaybeIncorrect => "MaybeIncorrect",
            Applicability::HasPlaceholders => "HasPlaceholders",
            Applicability::Unspecified => "Unspecified",
        }
    }
}

/// A source edit that a `help:` proposes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Suggestion {
    pub span: Span,
    pub replacement: String,
    pub applicability: Applicability,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Label {
    pub span: Span,
    pub message: String,
}

/// A `= help:` line, optionally carrying an edit.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Help {
    pub message: String,
    pub suggestion: Option<Suggestion>,
}

/// What the tool reports about a file that it could not analyse.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Origin {
    Lint(&'static Lint),
    /// The file could not be read or parsed; always an error.
    Input,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Diagnostic {
    pub origin: Origin,
    pub level: Level,
    pub message: String,
    pub primary: Span,
    pub primary_label: Option<String>,
    pub secondary: Vec<Label>,
    pub helps: Vec<Help>,
    pub notes: Vec<String>,
    /// Other places that are part of this one problem (a SAFETY comment that relies on the
    /// reported `# Safety` section): a change to one of them is a change to the finding, so the
    /// modes that keep findings on changed lines or in one file keep it too. Each is also a
    /// secondary label.
    pub anchors: Vec<Span>,
}

impl Diagnostic {
    /// A diagnostic at the lint's default level; the driver applies configured levels later.
    pub fn lint(lint: &'static Lint, primary: Span, message: impl Into<String>) -> Diagnostic {
        Diagnostic::new(
            Origin::Lint(lint),
            lint.default_level,
            primary,
            message.into(),
        )
    }

    pub fn input_error(primary: Span, message: impl Into<String>) -> Diagnostic {
        Diagnostic::new(Origin::Input, Level::Deny, primary, message.into())
    }

    fn new(origin: Origin, level: Level, primary: Span, message: String) -> Diagnostic {
        Diagnostic {
            origin,
            level,
            message,
            primary,
            primary_label: None,
            secondary: Vec::new(),
            helps: Vec::new(),
            notes: Vec::new(),
            anchors: Vec::new(),
        }
    }

    pub fn with_label(mut self, label: impl Into<String>) -> Self {
        self.primary_label = Some(label.into());
        self
    }

    pub fn with_secondary(mut self, span: Span, message: impl Into<String>) -> Self {
        self.secondary.push(Label {
            span,
            message: message.into(),
        });
        self
    }

    /// A secondary label that is part of the same problem (see [`Diagnostic::anchors`]).
    pub fn with_anchor(mut self, span: Span, message: impl Into<String>) -> Self {
        self.anchors.push(span);
        self.with_secondary(span, message)
    }

    /// The primary span, then the anchors.
    pub fn places(&self) -> impl Iterator<Item = Span> + '_ {
        std::iter::once(self.primary).chain(self.anchors.iter().copied())
    }

    /// Every span the diagnostic holds: its places, labels and suggestions.
    pub fn spans(&self) -> impl Iterator<Item = Span> + '_ {
        self.places()
            .chain(self.secondary.iter().map(|label| label.span))
            .chain(
                self.helps
                    .iter()
                    .filter_map(|help| help.suggestion.as_ref().map(|s| s.span)),
            )
    }

    pub fn with_note(mut self, note: impl Into<String>) -> Self {
        self.notes.push(note.into());
        self
    }

    pub fn with_help(mut self, message: impl Into<String>) -> Self {
        self.helps.push(Help {
            message: message.into(),
            suggestion: None,
        });
        self
    }

    pub fn with_suggestion(
        mut self,
        message: impl Into<String>,
        span: Span,
        replacement: impl Into<String>,
        applicability: Applicability,
    ) -> Self {
        self.helps.push(Help {
            message: message.into(),
            suggestion: Some(Suggestion {
                span,
                replacement: replacement.into(),
                applicability,
            }),
        });
        self
    }

    /// `devref::<lint>` for lints, `devref::input` for unreadable files.
    pub fn code(&self) -> String {
        match self.origin {
            Origin::Lint(lint) => format!("devref::{}", lint.name),
            Origin::Input => "devref::input".to_string(),
        }
    }

    pub fn lint_name(&self) -> Option<&'static str> {
        match self.origin {
            Origin::Lint(lint) => Some(lint.name),
            Origin::Input => None,
        }
    }
}
