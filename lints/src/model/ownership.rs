//! Which fields of a type own what they point to: the type's own word (`# Invariants`) or its
//! `Drop` impl. `raw_device_ptr_field` leaves such fields alone, and a pointer the body model
//! reads from such a field of `self` is alive while `self` is borrowed
//! (`Provenance::BorrowOwned`). A fact of the model, not of a lint, so both read it the same way.

use super::def_map::{DefId, ItemRef, ModuleId, Namespace, Res};
use super::item_tree::{AdtKind, Field, FnSig, Item, ItemKind, PathRef, SelfFieldCall};
use super::Model;

impl Model {
    /// Whether a type owns what its field points to: its `# Invariants` section names the field
    /// and says how the device is kept alive (a reference count, or a registration the type
    /// undoes), or its `Drop` (or `PinnedDrop`) impl passes the field to a put or to a function
    /// that ends a device's registration (or to `ARef::from_raw`, which drops the reference
    /// `ARef::into_raw` kept), itself or through a helper fn that passes it on. What
    /// `raw_device_ptr_field` leaves alone: a claim of ownership, read generously.
    pub fn owns_field_pointee(&self, item_ref: ItemRef, item: &Item, field: &Field) -> bool {
        invariants_keep_alive(item, field)
            || drop_calls(self, item_ref, field, |callee| {
                is_release_function(self, callee.last().map_or("", String::as_str))
                    || is_aref_from_raw(callee)
                    || is_dec_ref(callee)
            })
    }

    /// Whether the type's `Drop` impl puts the reference its field holds: passes the field to a
    /// device put function of the catalogue, or to `ARef::from_raw` (itself or through a helper).
    /// Stricter than [`Model::owns_field_pointee`]: it is what lets a read of the field through a
    /// live `&self` go unchecked, so a word in a doc or an unregistration is not enough.
    pub fn puts_field_in_drop(&self, item_ref: ItemRef, field: &Field) -> bool {
        drop_calls(self, item_ref, field, |callee| {
            self.devices
                .is_put(callee.last().map_or("", String::as_str))
                || is_aref_from_raw(callee)
                || is_dec_ref(callee)
        })
    }
}

/// `AlwaysRefCounted::dec_ref` (`<pci::Device as AlwaysRefCounted>::dec_ref(ptr)`): the put of the
/// kernel crate's counted types.
fn is_dec_ref(callee: &[String]) -> bool {
    matches!(callee, [.., owner, function] if owner == "AlwaysRefCounted" && function == "dec_ref")
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

/// Whether a fn of the type's `Drop` (or `PinnedDrop`) impl passes the field to a function whose
/// canonical path (or, unresolved, the path as written) `releases` accepts, or to a fn of the
/// linted sources (`release(self.pdev)`, `Self::release(self.pdev)`) that passes that parameter
/// on to one.
fn drop_calls(
    model: &Model,
    item_ref: ItemRef,
    field: &Field,
    releases: impl Fn(&[String]) -> bool,
) -> bool {
    let Some(def) = model.def_map.def_of(item_ref) else {
        return false;
    };
    let item = model.item(item_ref);
    // Each copy would put the one reference again.
    if copied_without_reference(model, def, item) {
        return false;
    }
    let name = field_key(item, field);
    let releases_in = |module: ModuleId, callee: &PathRef| {
        let res = model
            .def_map
            .resolve_path(module, callee, Namespace::Values);
        let path = model.def_map.canonical_path(&res).unwrap_or_else(|| {
            callee
                .segments
                .iter()
                .map(|segment| segment.name.to_string())
                .collect()
        });
        releases(&path)
    };
    // A helper of the linted sources that passes its parameter `param` on to a release. One
    // level: a helper that only calls another names no `unsafe`, so the pruning blanks its body
    // before lowering (see `pruning::bodies`), and following it would make findings depend on
    // `Options::parse_everything`.
    let helper_releases = |module: ModuleId, callee: &PathRef, param: u32| {
        let Some((helper, helper_module)) = helper_fn(model, def, module, callee) else {
            return false;
        };
        helper
            .param_calls
            .iter()
            .any(|call| call.param == param && releases_in(helper_module, &call.callee))
    };
    model.drop_impls(def).any(|(impl_ref, imp)| {
        let impl_item = model.item(impl_ref);
        let Some(module) = model.module_of_item(impl_ref.file, impl_item) else {
            return false;
        };
        imp.items.iter().any(|assoc| {
            let ItemKind::Fn(sig) = &assoc.kind else {
                return false;
            };
            let passes = |call: &SelfFieldCall, follow_helpers: bool, module: ModuleId| {
                call.fields.iter().any(|arg| {
                    *arg.field == *name
                        && !is_devres_owner(&call.callee, arg.position)
                        && (releases_in(module, &call.callee)
                            || (follow_helpers
                                && helper_releases(module, &call.callee, arg.position)))
                })
            };
            sig.self_field_calls
                .iter()
                .any(|call| passes(call, true, module))
                // `self.teardown()`: a method of the type that releases the field itself (not
                // through a helper: a body that only calls one names no `unsafe`, and the
                // pruning blanks it).
                || sig.self_method_calls.iter().any(|method| {
                    model
                        .methods_named(def, method)
                        .filter(|(_, method)| method.has_self)
                        .any(|(at, method)| {
                            model
                                .module_of_item(at.file, model.item(at))
                                .is_some_and(|module| {
                                    method
                                        .self_field_calls
                                        .iter()
                                        .any(|call| passes(call, false, module))
                                })
                        })
                })
        })
    })
}

/// The first argument of a `devm_*` function (`devm_backlight_device_unregister(dev, bd)`): the
/// device that owns the devres entry, used as a key; the object after it is what is released.
fn is_devres_owner(callee: &PathRef, position: u32) -> bool {
    position == 0
        && callee
            .last_name()
            .is_some_and(|name| name.starts_with("devm_"))
}

/// How a `Drop` names the field (see `lower::Calls::bind`): an enum's with its variant
/// (`Owned::0`), a struct's by itself.
fn field_key(item: &Item, field: &Field) -> String {
    let ItemKind::Adt(adt) = &item.kind else {
        return field.display_name();
    };
    let variant = adt
        .variants
        .iter()
        .find(|variant| variant.fields.iter().any(|own| std::ptr::eq(own, field)))
        .and_then(|variant| variant.name.as_deref());
    match (adt.kind, variant) {
        (AdtKind::Enum, Some(variant)) => format!("{variant}::{}", field.display_name()),
        _ => field.display_name(),
    }
}

/// Whether a value of the type can be copied without taking a device reference: it derives
/// `Clone` or `Copy`, or its `Clone` impl calls no get function of the catalogue (Asahi's
/// `drm::Device` takes one with `drm_dev_get` in `clone`).
fn copied_without_reference(model: &Model, def: DefId, item: &Item) -> bool {
    if matches!(&item.kind, ItemKind::Adt(adt) if adt.derives_clone) {
        return true;
    }
    model.impls_of(def).any(|(at, imp)| {
        model.impl_of(
            at,
            imp,
            |res| model.is_core_item(res, "clone", "Clone"),
            &["Clone"],
        ) && !imp.items.iter().any(|assoc| match &assoc.kind {
            ItemKind::Fn(sig) => sig.calls.iter().any(|callee| {
                callee
                    .last_name()
                    .is_some_and(|name| model.devices.is_get(name))
            }),
            _ => false,
        })
    })
}

/// The fn of the linted sources a call names, with the module its body resolves in: a free fn, or
/// `Self::name` of the type `def`.
fn helper_fn<'m>(
    model: &'m Model,
    def: DefId,
    module: ModuleId,
    callee: &PathRef,
) -> Option<(&'m FnSig, ModuleId)> {
    let found = match &*callee.segments {
        [self_ty, name] if &*self_ty.name == "Self" => model
            .methods_named(def, &name.name)
            .next()
            .map(|(at, sig)| (sig, at)),
        _ => match model
            .def_map
            .resolve_path(module, callee, Namespace::Values)
        {
            Res::Def(helper) => {
                let at = model.def_map.def(helper).item;
                match &model.item(at).kind {
                    ItemKind::Fn(sig) => Some((&**sig, at)),
                    _ => None,
                }
            }
            _ => None,
        },
    };
    let (sig, at) = found?;
    let module = model.module_of_item(at.file, model.item(at))?;
    Some((sig, module))
}

/// Words of a C function name that end a registration a field holds, or free a device never
/// registered: `hwmon_device_unregister`, `auxiliary_device_uninit`, `auxiliary_device_delete`,
/// `input_free_device` (with `device`, see [`is_release_function`]). Not `put`, `release` or
/// `remove`: the catalogue knows every device put, and the others name functions that release
/// something else given the device (`pm_runtime_put`, `of_node_put`, `pci_release_region`,
/// `device_remove_file`).
const RELEASE_WORDS: &[&str] = &[
    "free",
    "unregister",
    "deregister",
    "uninit",
    "delete",
    "destroy",
    "unref",
];

/// A put, or a function that ends a device's registration (its name says `device` and one of
/// [`RELEASE_WORDS`]: `i2c_unregister_device`, not `usb_deregister_dev(intf, class)`, which
/// frees a minor number, nor `snd_soc_unregister_component(dev)` or `devres_destroy(dev, …)`,
/// which take the device as a key).
fn is_release_function(model: &Model, name: &str) -> bool {
    // `mdiobus_unregister_device` only clears the bus's slot for the device.
    if name == "mdiobus_unregister_device" {
        return false;
    }
    let words = || name.split('_');
    // The final put of a `net_device` allocated but not (or no longer) registered.
    model.devices.is_put(name)
        || name == "free_netdev"
        || (words().any(|word| word == "device")
            && words().any(|word| RELEASE_WORDS.contains(&word)))
}
