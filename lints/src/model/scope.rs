//! Where a type is written, for resolving it: the module, the generic parameters in scope, `Self`,
//! and an alias's substitutions.

use super::def_map::ModuleId;
use super::item_tree::{Generics, TypeRef};

/// Where a type is written: its module, the generic parameters in scope, `Self`, and the arguments
/// substituted for an alias's parameters while looking through it.
#[derive(Clone, Debug)]
pub struct Scope {
    pub module: ModuleId,
    pub type_params: Vec<String>,
    pub self_ty: Option<Box<(TypeRef, ModuleId)>>,
    pub substitutions: Vec<(String, TypeRef, Scope)>,
    /// How many aliases deep the resolution is (it gives up past a limit).
    pub(crate) alias_depth: usize,
}

impl Scope {
    pub fn new(module: ModuleId) -> Scope {
        Scope {
            module,
            type_params: Vec::new(),
            self_ty: None,
            substitutions: Vec::new(),
            alias_depth: 0,
        }
    }

    pub fn add_generics(&mut self, generics: &Generics) {
        self.type_params.extend(generics.types.iter().cloned());
    }
}
