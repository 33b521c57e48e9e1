//! devref's analysis: source files, the comment index, the semantic model, and the lints.
//!
//! Layers, as in rust-analyzer: syntax (syn + [`comments`]) → item trees ([`model::item_tree`]) → the
//! crate-wide [`model::Model`] → [`lints`], which only query the model and the file's syntax.

pub mod analysis;
pub mod comments;
pub mod diagnostic;
pub mod docs;
pub mod levels;
pub mod lint;
pub mod lints;
pub mod model;
pub mod options;
pub mod panics;
pub mod parse;
pub mod pruning;
pub mod source;
pub mod spans;
pub mod suppress;
pub mod text;

pub use analysis::{
    analyze, analyze_focused, analyze_with, Analysis, FindingsStore, Focus, Input,
    ModelFingerprint, SummaryStore, Teardown,
};
pub use diagnostic::{Applicability, Diagnostic, Help, Label, Origin, Suggestion};
pub use lint::{Group, Level, Lint};
pub use source::{FileId, LineCol, SourceFile, Span};
