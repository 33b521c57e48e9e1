//! What the user configures about an analysis (from `devref.toml` and the command line).

use crate::levels::LevelSpec;

#[derive(Clone, Debug, Default)]
pub struct Options {
    pub levels: LevelSpec,
    /// Extra `(Rust path, C type)` device pairs: `("kernel::widget::Device", "widget_device")`.
    pub devices: Vec<(String, String)>,
    /// Extra C functions that take or drop a device reference.
    pub get_put: Vec<String>,
    /// Extra refcount-sensitive functions (paths or names) whose callers need a SAFETY comment.
    pub refcount_functions: Vec<String>,
    /// Extra phrases by which a SAFETY comment or doc states the reference count.
    pub refcount_vocabulary: Vec<String>,
    /// Lint items under `#[cfg(test)]` (`lint_cfg_test = true` in `devref.toml`). They are not
    /// part of the kernel build, so by default they are left out, like code of another config.
    pub lint_cfg_test: bool,
    /// Crate roots named by a `rust-project.json` (`make LLVM=1 rust-analyzer` writes one): the
    /// linted file's name, the crate's name, and whether another crate depends on it (and so can
    /// name it). Other crates' roots and names are guessed from their paths.
    pub crate_roots: Vec<(String, String, bool)>,
    /// Parse every function body and doc comment, and keep every item's syntax, even those
    /// [`crate::pruning`] shows cannot matter; for tests that check that skipping them changes no
    /// result.
    pub parse_everything: bool,
    /// How many bytes of source text the syntax trees that wait for the model may span, over all
    /// files (see [`crate::analysis::tree_budget_for`], the default); a file over it is parsed
    /// again when its lints run. Tests set 0 to parse every file twice.
    pub tree_budget: Option<usize>,
}

impl Options {
    /// What the model needs of the options (not the levels: those are applied to its findings).
    pub fn model_config(&self) -> crate::model::ModelConfig<'_> {
        crate::model::ModelConfig {
            devices: &self.devices,
            get_put: &self.get_put,
            refcount_functions: &self.refcount_functions,
            refcount_vocabulary: &self.refcount_vocabulary,
            crate_roots: &self.crate_roots,
        }
    }
}
