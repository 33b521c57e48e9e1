//! Which fields of a type own what they point to: the type's own word (`# Invariants`) or its
//! `Drop` impl. `raw_device_ptr_field` leaves such fields alone, and a pointer the body model
//! reads from such a field of `self` is alive while `self` is borrowed
//! (`Provenance::BorrowOwned`). A fact of the model, not of a lint, so both read it the same way.
//! Also which devices a type borrows, by a `PhantomData` marker, for one of its lifetimes.

use super::def_map::{ItemRef, Namespace, Res};
use super::devices::DeviceEntry;
use super::item_tree::{Adt, Field, Item, ItemKind, TypeKind};
use super::types::Walk;
use super::{Model, Scope};

impl Model {
    /// Whether a type owns what its field points to: its `# Invariants` section names the field
    /// and says how the device is kept alive (a reference count, or a registration the type
    /// undoes), or its `Drop` (or `PinnedDrop`) impl passes the field to a put, unregister or release function (or
    /// to `ARef::from_raw`, which drops the reference `ARef::into_raw` kept). What
    /// `raw_device_ptr_field` leaves alone: a claim of ownership, read generously.
    pub fn owns_field_pointee(&self, item_ref: ItemRef, item: &Item, field: &Field) -> bool {
        invariants_keep_alive(item, field)
            || drop_calls(self, item_ref, field, |callee| {
                is_release_function(self, callee.last().map_or("", String::as_str))
                    || is_aref_from_raw(callee)
            })
    }

    /// Whether the type's `Drop` impl puts the reference its field holds: passes the field to a
    /// device put function of the catalogue, or to `ARef::from_raw`. Stricter than
    /// [`Model::owns_field_pointee`]: it is what lets a read of the field through a live `&self`
    /// go unchecked, so a word in a doc or a `free_irq(…, self.dev)` is not enough.
    pub fn puts_field_in_drop(&self, item_ref: ItemRef, field: &Field) -> bool {
        drop_calls(self, item_ref, field, |callee| {
            self.devices
                .is_put(callee.last().map_or("", String::as_str))
                || is_aref_from_raw(callee)
        })
    }
}

impl Model {
    /// The devices a type says it borrows for one of its own lifetimes, by a marker field:
    /// `PhantomData<&'a Device>` in `struct Children<'a> { cur: *const Device, _p: … }`. The
    /// compiler keeps a value of the type within that borrow, as it keeps a `&'a Device`; the
    /// `'static` lifetime bounds nothing.
    pub fn phantom_borrowed_devices(&self, adt: &Adt, scope: &Scope) -> Vec<&DeviceEntry> {
        let mut borrowed = Vec::new();
        for field in adt.fields() {
            self.walk_type(&field.ty, scope, &mut |site| {
                let TypeKind::Path(path) = &site.ty.kind else {
                    return Walk::Descend;
                };
                if path.last_name() != Some("PhantomData") {
                    return Walk::Descend;
                }
                let res = self.resolve_type_path(path, site.scope);
                if !(self.is_core_item(&res, "marker", "PhantomData") || res == Res::Unknown) {
                    return Walk::Descend;
                }
                let Some(marked) = path.first_type_arg() else {
                    return Walk::Skip;
                };
                self.walk_type(marked, site.scope, &mut |inner| {
                    let TypeKind::Ref {
                        lifetime: Some(lifetime),
                        referent,
                        ..
                    } = &inner.ty.kind
                    else {
                        return Walk::Descend;
                    };
                    if !adt.generics.lifetimes.iter().any(|own| **own == **lifetime) {
                        return Walk::Descend;
                    }
                    let res = self.resolve_type(referent, inner.scope);
                    if let Some(entry) = self
                        .c_device(&res)
                        .or_else(|| self.device_abstraction(&res))
                    {
                        borrowed.push(entry);
                    }
                    Walk::Descend
                });
                Walk::Skip
            });
        }
        borrowed
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
    releases: impl Fn(&[String]) -> bool,
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
                    releases(&callee)
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
    model.devices.is_put(name) || name.split('_').any(|word| RELEASE_WORDS.contains(&word))
}
