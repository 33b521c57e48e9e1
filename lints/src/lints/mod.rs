//! One module per lint, and the registry of them all.

use std::cell::OnceCell;

use crate::comments::CommentIndex;
use crate::diagnostic::Diagnostic;
use crate::lint::Lint;
use crate::model::Model;
use crate::source::SourceFile;

pub mod callback_safety_comment_missing_refcount;
pub mod device_lifetime_escape;
pub mod manual_device_refcount;
pub mod missing_safety_comment;
pub mod raw_device_ptr_field;
pub mod safety_comment_missing_refcount;
pub mod safety_doc_missing_refcount;
pub mod static_device_ref;
pub mod unbounded_device_ref;
pub mod walk;

/// What a lint sees of one file: its syntax, its comments, and the crate-wide model.
pub struct FileContext<'a> {
    pub source: &'a SourceFile,
    pub ast: &'a syn::File,
    pub comments: &'a CommentIndex,
    pub model: &'a Model,
    /// Macro bodies parsed once for the file; lints must use it rather than parse again.
    pub macros: &'a crate::model::macros::MacroCache,
    walked: OnceCell<Walked>,
}

impl<'a> FileContext<'a> {
    pub fn new(
        source: &'a SourceFile,
        ast: &'a syn::File,
        comments: &'a CommentIndex,
        model: &'a Model,
        macros: &'a crate::model::macros::MacroCache,
    ) -> FileContext<'a> {
        FileContext {
            source,
            ast,
            comments,
            model,
            macros,
            walked: OnceCell::new(),
        }
    }

    /// What the lints that look into bodies found, from one walk of the file's syntax that they
    /// share (made on first use).
    pub(crate) fn walked(&self) -> &Walked {
        self.walked.get_or_init(|| {
            let mut unbounded = unbounded_device_ref::FnHooks::default();
            let mut refcount = manual_device_refcount::Finder::default();
            let mut safety = crate::model::body::Collector::default();
            walk::walk_file(self, &mut [&mut unbounded, &mut refcount, &mut safety]);
            Walked {
                unbounded_device_ref: unbounded.out,
                manual_device_refcount: refcount.out,
                safety_sites: safety.sites,
            }
        })
    }
}

/// The findings of the shared walk, per lint.
pub(crate) struct Walked {
    pub unbounded_device_ref: Vec<Diagnostic>,
    pub manual_device_refcount: Vec<Diagnostic>,
    /// For `missing_safety_comment` and `safety_comment_missing_refcount`.
    pub safety_sites: Vec<crate::model::body::Site>,
}

pub struct LintPass {
    pub lint: &'static Lint,
    pub check: fn(&FileContext<'_>, &mut Vec<Diagnostic>),
}

/// Every lint, in documentation order.
pub static ALL: &[LintPass] = &[
    LintPass {
        lint: &static_device_ref::STATIC_DEVICE_REF,
        check: static_device_ref::check,
    },
    LintPass {
        lint: &device_lifetime_escape::DEVICE_LIFETIME_ESCAPE,
        check: device_lifetime_escape::check,
    },
    LintPass {
        lint: &unbounded_device_ref::UNBOUNDED_DEVICE_REF,
        check: unbounded_device_ref::check,
    },
    LintPass {
        lint: &raw_device_ptr_field::RAW_DEVICE_PTR_FIELD,
        check: raw_device_ptr_field::check,
    },
    LintPass {
        lint: &manual_device_refcount::MANUAL_DEVICE_REFCOUNT,
        check: manual_device_refcount::check,
    },
    LintPass {
        lint: &missing_safety_comment::MISSING_SAFETY_COMMENT,
        check: missing_safety_comment::check,
    },
    LintPass {
        lint: &safety_comment_missing_refcount::SAFETY_COMMENT_MISSING_REFCOUNT,
        check: safety_comment_missing_refcount::check,
    },
    LintPass {
        lint: &safety_doc_missing_refcount::SAFETY_DOC_MISSING_REFCOUNT,
        check: safety_doc_missing_refcount::check,
    },
    LintPass {
        lint: &callback_safety_comment_missing_refcount::CALLBACK_SAFETY_COMMENT_MISSING_REFCOUNT,
        check: callback_safety_comment_missing_refcount::check,
    },
];

/// Every lint: the passes' lints, then those the driver itself reports.
pub fn all_lints() -> impl Iterator<Item = &'static Lint> {
    ALL.iter().map(|pass| pass.lint).chain([
        &crate::suppress::UNUSED_SUPPRESSION,
        &crate::suppress::SUPPRESSION_WITHOUT_REASON,
    ])
}

pub fn find(name: &str) -> Option<&'static Lint> {
    all_lints().find(|lint| lint.name == name)
}
