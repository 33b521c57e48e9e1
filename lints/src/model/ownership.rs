//! Which fields of a type own what they point to: the type's own word (`# Invariants`) or its
//! `Drop` impl. `raw_device_ptr_field` leaves such fields alone, and a pointer the body model
//! reads from such a field of `self` is alive while `self` is borrowed
//! (`Provenance::BorrowOwned`). A fact of the model, not of a lint, so both read it the same way.

use super::def_map::{ItemRef, Namespace, Res};
use super::item_tree::{Field, Item, ItemKind};
use super::Model;

impl Model {
    /// Whether a type owns what its field points to: its `# Invariants` section names the field
    /// and says how the device is kept alive (a reference count, or a registration the type
    /// undoes), or its `Drop` (or `PinnedDrop`) impl passes the field to a put, unregister or release function (or
    /// to `ARef::from_raw`, which drops the reference `ARef::into_raw` kept). What
    /// `raw_device_ptr_field` leaves alone: a claim of ownership, read generously.
    pub fn owns_field_pointee(&self, item_ref: ItemRef, item: &Item, field: &Field) -> bool {
        invariants_keep_alive(item, field)
            || drop_calls(self, item_ref, field, |res, callee| {
                let name = callee.last().map_or("", String::as_str);
                is_release_function(self, name)
                    || is_aref_from_raw(callee)
                    || (matches!(res, Res::Def(_)) && is_local_release_helper(name))
            })
    }

    /// Whether the type's `Drop` impl puts the reference its field holds: passes the field to a
    /// device put function of the catalogue, or to `ARef::from_raw`. Stricter than
    /// [`Model::owns_field_pointee`]: it is what lets a read of the field through a live `&self`
    /// go unchecked, so a word in a doc or a `free_irq(…, self.dev)` is not enough.
    pub fn puts_field_in_drop(&self, item_ref: ItemRef, field: &Field) -> bool {
        drop_calls(self, item_ref, field, |_, callee| {
            self.devices
                .is_put(callee.last().map_or("", String::as_str))
                || is_aref_from_raw(callee)
        })
    }
}

/// `ARef::from_raw` (any path to it): it takes back the reference `ARef::into_raw` kept.
fn is_aref_from_raw(callee: &[String]) -> bool {
    matches!(callee, [.., owner, function] if owner == "ARef" && function == "from_raw")
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

/// Whether a fn of the type's `Drop` (or `PinnedDrop`) impl calls, with the field among its arguments, a function
/// whose canonical path (or, unresolved, the path as written) `releases` accepts.
fn drop_calls(
    model: &Model,
    item_ref: ItemRef,
    field: &Field,
    releases: impl Fn(&Res, &[String]) -> bool,
) -> bool {
    let Some(def) = model.def_map.def_of(item_ref) else {
        return false;
    };
    let name = field.display_name();
    model.drop_impls(def).any(|(impl_ref, imp)| {
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
                    let callee = model.def_map.canonical_path(&res).unwrap_or_else(|| {
                        call.callee
                            .segments
                            .iter()
                            .map(|segment| segment.name.to_string())
                            .collect()
                    });
                    releases(&res, &callee)
                }
            })
        })
    })
}

/// Words of a C function name that end a registration a field holds: `hwmon_device_unregister`,
/// `auxiliary_device_uninit`, `auxiliary_device_delete`, `device_destroy`. Not `put`, `free`,
/// `release` or `remove`: the catalogue knows every device put, and the others name functions that
/// release something else given the device (`pm_runtime_put`, `of_node_put`, `free_irq`,
/// `dma_free_coherent`, `pci_release_region`, `device_remove_file`).
const RELEASE_WORDS: &[&str] = &[
    "unregister",
    "deregister",
    "uninit",
    "delete",
    "destroy",
    "unref",
];

/// A function of the linted sources named for releasing what it is given (`fn release(pdev)`,
/// `fn put_pdev(p)`): a helper that the `Drop` delegates to, read generously by its name. A C
/// function is not read so (see [`RELEASE_WORDS`]).
fn is_local_release_helper(name: &str) -> bool {
    name.split('_')
        .any(|word| ["put", "free", "release", "remove"].contains(&word))
}

/// A put or unregister function: it drops the reference or undoes the registration the field holds.
fn is_release_function(model: &Model, name: &str) -> bool {
    model.devices.is_put(name) || name.split('_').any(|word| RELEASE_WORDS.contains(&word))
}
