//! What a lint sees of one file: its syntax, its comments, the crate-wide model, and the facts the
//! body model records for the file once.

use std::cell::OnceCell;

use crate::comments::CommentIndex;
use crate::model::macros::MacroCache;
use crate::model::sites::Site;
use crate::model::Model;
use crate::source::SourceFile;

pub struct FileContext<'a> {
    pub source: &'a SourceFile,
    pub ast: &'a syn::File,
    pub comments: &'a CommentIndex,
    pub model: &'a Model,
    /// Macro bodies parsed once for the file; lints must use it rather than parse again.
    pub macros: &'a MacroCache,
    /// The body model's safety sites (see [`crate::model::body::sites_of`]): recorded in the walk
    /// the lints share, or, when the collector panicked there, the panic's message.
    pub(crate) safety_sites: OnceCell<Result<Vec<Site>, String>>,
}

impl<'a> FileContext<'a> {
    pub fn new(
        source: &'a SourceFile,
        ast: &'a syn::File,
        comments: &'a CommentIndex,
        model: &'a Model,
        macros: &'a MacroCache,
    ) -> FileContext<'a> {
        FileContext {
            source,
            ast,
            comments,
            model,
            macros,
            safety_sites: OnceCell::new(),
        }
    }
}
