//! What the model derives once and keeps, as data: the local types counted with a device get/put
//! function, and the lifetime parameters of local types that reach a device reference. Computed in
//! [`super::contracts`] and [`super::lifetimes`].

use foldhash::{HashMap, HashSet};

use super::def_map::DefId;
use crate::source::Span;

/// Local types whose references are counted with a device get/put function: the catalogue's
/// derived abstractions, and also wrappers it does not derive (`#[repr(C)]` with
/// `Opaque<bindings::fwctl_device>` first, counted by `fwctl_get`/`fwctl_put`).
#[derive(Clone, Debug, Default)]
pub struct RefcountedTypes {
    pub(crate) by_def: HashMap<DefId, String>,
    pub(crate) c_types: HashSet<String>,
}

/// One step of the path from a struct down to the device reference.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChainLink {
    pub def: DefId,
    pub field: String,
    pub field_span: Span,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DeviceLifetime {
    /// Index among the type's lifetime parameters.
    pub param: usize,
    /// From this type's field down to the field that holds the `&'x Device`.
    pub chain: Vec<ChainLink>,
}

/// A lifetime parameter that instantiates a type parameter's lifetime family:
/// `struct Registration<'a, F: ForLt> { _p: PhantomData<F::Of<'a>> }`. It reaches a device when the
/// family does (`F = ForLt!(MyData<'_>)`), which only an instantiation says.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FamilyLifetime {
    /// Index among the type's lifetime parameters.
    pub param: usize,
    /// Index among the type's type parameters: the family.
    pub family: usize,
    pub link: ChainLink,
}
