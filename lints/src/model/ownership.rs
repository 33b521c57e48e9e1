//! Which fields of a type own what they point to: the type's own word (`# Invariants`) or its
//! `Drop` impl. `raw_device_ptr_field` leaves such fields alone, and a pointer the body model
//! reads from such a field of `self` is alive while `self` is borrowed
//! (`Provenance::BorrowOwned`). A fact of the model, not of a lint, so both read it the same way.

use super::def_map::{ItemRef, Namespace};
use super::devices::Direction;
use super::item_tree::{Field, Item, ItemKind};
use super::Model;

impl Model {
    /// Whether a type owns what its field points to: its `# Invariants` section names the field
    /// and says how the device is kept alive (a reference count, or a registration the type
    /// undoes), or its `Drop` impl passes the field to a put or unregister function. While such a
    /// value is alive (or borrowed), the device its field points to is.
    pub fn owns_field_pointee(&self, item_ref: ItemRef, item: &Item, field: &Field) -> bool {
        invariants_keep_alive(item, field) || drop_releases(self, item_ref, field)
    }
}

/// Words by which an `# Invariants` section says the pointee is kept alive.
const KEEP_ALIVE_WORDS: &[&str] = &[
    "reference count",
    "refcount",
    "reference to",
    "holds a reference",
    "owns a reference",
    "increments the reference",
    "registered",
    "unregister",
    "kept alive",
    "valid for the lifetime",
];

fn invariants_keep_alive(item: &Item, field: &Field) -> bool {
    let Some(section) = item.docs().section("Invariants") else {
        return false;
    };
    let name = field.display_name();
    let mentions_field = [
        format!("`{name}`"),
        format!("`self.{name}`"),
        format!("self.{name}"),
    ]
    .iter()
    .any(|spelling| section.contains(spelling.as_str()));
    let lower = section.to_lowercase();
    mentions_field && KEEP_ALIVE_WORDS.iter().any(|word| lower.contains(word))
}

fn drop_releases(model: &Model, item_ref: ItemRef, field: &Field) -> bool {
    let Some(def) = model.def_map.def_of(item_ref) else {
        return false;
    };
    let name = field.display_name();
    model.impls_of(def).any(|(impl_ref, imp)| {
        let trait_res = model.impl_trait(impl_ref, imp);
        if !model.is_core_item(&trait_res, "ops", "Drop") {
            return false;
        }
        let impl_item = model.item(impl_ref);
        let Some(module) = model.module_of_item(impl_ref.file, impl_item) else {
            return false;
        };
        imp.items.iter().any(|assoc| {
            let ItemKind::Fn(sig) = &assoc.kind else {
                return false;
            };
            sig.self_field_calls.iter().any(|call| {
                call.fields.contains(&name) && {
                    let res = model
                        .def_map
                        .resolve_path(module, &call.callee, Namespace::Values);
                    let callee = model
                        .def_map
                        .canonical_path(&res)
                        .and_then(|p| p.last().cloned())
                        .or_else(|| call.callee.last_name().map(str::to_string))
                        .unwrap_or_default();
                    is_release_function(model, &callee)
                }
            })
        })
    })
}

/// Words of a C function name that end what a field owns: `put_device`, `hwmon_device_unregister`,
/// `auxiliary_device_uninit`.
const RELEASE_WORDS: &[&str] = &[
    "put",
    "unregister",
    "uninit",
    "delete",
    "destroy",
    "free",
    "release",
    "remove",
    "unref",
];

/// A put or unregister function: it drops the reference or undoes the registration the field holds.
fn is_release_function(model: &Model, name: &str) -> bool {
    model
        .devices
        .get_put(name)
        .is_some_and(|function| function.direction == Direction::Put)
        || name.split('_').any(|word| RELEASE_WORDS.contains(&word))
}
