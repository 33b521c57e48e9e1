use crate::declare_lint;
use crate::diagnostic::{Applicability, Diagnostic};
use crate::model::def_map::{ItemRef, Res};
use crate::model::devices::DeviceEntry;
use crate::model::file_context::FileContext;
use crate::model::item_tree::{ItemKind, TypeKind, TypeRef};
use crate::model::types::Walk;
use crate::model::{Model, Scope};
use crate::source::Span;

declare_lint! {
    /// ### What it does
    /// Finds fields of structs, enums and unions, and `static` items, that hold a raw pointer to a
    /// reference-counted kernel device (`*mut bindings::device`, `NonNull<bindings::pci_dev>`,
    /// `AtomicPtr<bindings::device>`, …) or to the Rust abstraction
    /// of one (`*const pci::Device`, `NonNull<device::Device>`, which point to the C device they
    /// wrap), also inside `Option`, arrays, tuples, generic arguments and type aliases (not inside
    /// `PhantomData`, which stores nothing).
    ///
    /// The device C types are those of devref's catalogue: the C types of the Rust abstractions
    /// (hand-written), and every C type that the kernel's headers define with an embedded
    /// `struct device` (`i2c_adapter`, `input_dev`, `spi_device`, `net_device`, …), with their
    /// get/put functions. That second table is generated from the `include/` headers of Linux 7.3 by
    /// `tools/device_catalogue.py`, which says what it counts as a get or a put; `[devices]` and
    /// `[refcount] get_put` in `devref.toml` add to both. For a C type that no Rust abstraction wraps,
    /// the fix names no `ARef<…>` type.
    ///
    /// ### Why is this bad
    /// A raw pointer carries no lifetime and holds no reference count. Nothing stops the struct from
    /// outliving the driver's remove/unbind callback, after which the device may be freed and every use
    /// of the pointer is a use-after-free.
    ///
    /// Fields of types that own their pointee are not reported: a field named in the type's
    /// `# Invariants` section where that section says how the device is kept alive (a reference
    /// count, or a registration this type undoes), and a field that the type's `Drop` (or
    /// `PinnedDrop`) impl releases: passes to a put of the catalogue, to a C function that frees
    /// or unregisters a device (`i2c_unregister_device`, `input_free_device`; not the devres owner
    /// of a `devm_*` call), to `ARef::from_raw` (not inside `ManuallyDrop::new`) or
    /// `AlwaysRefCounted::dec_ref`. The field may be moved into a local first (`if let Some(dev) =
    /// self.dev.take()`), and handed to a fn of the linted sources (`release(self.dev)`,
    /// `Self::release(self.dev)`) or released by a method `Drop` calls on `self`
    /// (`self.teardown()`) that releases it itself. A type whose values are copied without a
    /// reference of their own (`#[derive(Clone)]`, or a `Clone` that takes none) owns nothing so:
    /// each copy would put it again. Function-pointer parameters and `Opaque<bindings::X>` are not
    /// pointers to a device either.
    ///
    /// ### Known problems
    /// A `Drop` that releases the field through an accessor (`destroy(self.as_raw())`), or
    /// through a helper that only calls another helper, is not followed: such bodies name no
    /// `unsafe`, and devref skips them before parsing.
    ///
    /// A pointer beside a `PhantomData<&'a Device>` marker (an iterator, `struct Children<'a> {
    /// cur: *const Device, _p: PhantomData<&'a Device> }`) is reported: the marker keeps the value
    /// within a borrow, but not that the pointer points into the borrowed device (a child or a
    /// sibling is not kept alive by it), nor that the constructor ties `'a` to where the pointer
    /// comes from; neither is followed.
    ///
    /// A pointer hidden behind a generic parameter (`Holder<*mut bindings::device>` where
    /// `Holder<T>` stores a `T`) is reported only where the argument is written, not where the
    /// generic type is defined. C types outside the catalogue are not known.
    ///
    /// ### Example
    /// ```rust,ignore
    /// struct MyData {
    ///     pdev: *mut bindings::pci_dev,
    /// }
    /// ```
    ///
    /// ### Use instead
    /// ```rust,ignore
    /// struct MyData {
    ///     pdev: ARef<pci::Device>,
    /// }
    /// ```
    pub RAW_DEVICE_PTR_FIELD = "raw_device_ptr_field", Suspicious,
    "a struct field or a static holds a raw pointer to a reference-counted device"
}

/// A raw device pointer found in a field's type.
struct Finding<'m> {
    /// Where to point: the pointer type, or the alias that hides it.
    span: Span,
    entry: &'m DeviceEntry,
    /// `NonNull` rather than `*mut`/`*const`.
    non_null: bool,
    /// The pointee is the Rust abstraction (`*const pci::Device`), not its C type.
    to_abstraction: bool,
    through_alias: bool,
}

pub fn check(cx: &FileContext<'_>, out: &mut Vec<Diagnostic>) {
    let model = cx.model;
    let file = model.file(cx.source.id);
    for (index, item) in file.tree.items.iter().enumerate() {
        let Some(scope) = model.item_scope(file.id, item) else {
            continue;
        };
        match &item.kind {
            ItemKind::Adt(adt) => {
                let item_ref = ItemRef {
                    file: file.id,
                    index: index as u32,
                };
                let fields = adt.variants.iter().flat_map(|variant| {
                    variant
                        .fields
                        .iter()
                        .map(move |field| (variant.name.as_deref(), field))
                });
                for (variant, field) in fields {
                    let findings = device_pointers(model, &field.ty, &scope);
                    if findings.is_empty() || model.owns_field_pointee(item_ref, item, field) {
                        continue;
                    }
                    // An enum's field is named with its variant: `Link::Borrowed::dev`.
                    let place = Place::Field {
                        owner: item.name.as_deref().unwrap_or("this type"),
                        field: match variant {
                            Some(variant) => format!("{variant}::{}", field.display_name()),
                            None => field.display_name(),
                        },
                    };
                    for finding in findings {
                        out.push(diagnostic(model, &place, &field.ty, &scope, &finding));
                    }
                }
            }
            // A static lives for the whole run, with nothing that could own what it points to.
            ItemKind::Static { ty, .. } => {
                let place = Place::Static(item.name.as_deref().unwrap_or("_"));
                for finding in device_pointers(model, ty, &scope) {
                    out.push(diagnostic(model, &place, ty, &scope, &finding));
                }
            }
            _ => {}
        }
    }
}

/// Where a pointer is stored.
enum Place<'a> {
    Field { owner: &'a str, field: String },
    Static(&'a str),
}

impl Place<'_> {
    fn describe(&self) -> String {
        match self {
            Place::Field { owner, field } => format!("field `{owner}::{field}`"),
            Place::Static(name) => format!("static `{name}`"),
        }
    }

    /// The note on what an `ARef` stored here would do.
    fn aref_note(&self) -> String {
        let lasts = match self {
            Place::Field { .. } => "for as long as the field exists",
            Place::Static(_) => "for as long as it is held",
        };
        format!(
            "an `ARef` owns a reference count on the device, so the device stays allocated {lasts}, even after unbind"
        )
    }
}

fn device_pointers<'m>(model: &'m Model, ty: &TypeRef, scope: &Scope) -> Vec<Finding<'m>> {
    let mut findings = Vec::new();
    model.walk_stored_type(ty, scope, &mut |site| {
        let pointee = match &site.ty.kind {
            TypeKind::Ptr { pointee, .. } => Some((pointee.as_ref(), false)),
            TypeKind::Path(path) => {
                let res = model.resolve_type_path(path, site.scope);
                if model.is_core_item(&res, "ptr", "NonNull") {
                    path.first_type_arg().map(|inner| (inner, true))
                } else if is_atomic_ptr(&res) {
                    path.first_type_arg().map(|inner| (inner, false))
                } else {
                    None
                }
            }
            _ => None,
        };
        let Some((pointee, non_null)) = pointee else {
            return Walk::Descend;
        };
        let res = model.resolve_type(pointee, site.scope);
        let device = match model.c_device(&res) {
            Some(entry) => Some((entry, false)),
            // A pointer to the Rust abstraction is one to the C device it wraps.
            None => model.device_abstraction(&res).map(|entry| (entry, true)),
        };
        match device {
            Some((entry, to_abstraction)) => {
                findings.push(Finding {
                    span: site.report_span,
                    entry,
                    non_null,
                    to_abstraction,
                    through_alias: site.through_alias,
                });
                Walk::Skip
            }
            None => Walk::Descend,
        }
    });
    findings
}

/// `core::sync::atomic::AtomicPtr<T>`: a raw pointer to `T`, stored atomically.
fn is_atomic_ptr(res: &Res) -> bool {
    res.is_external(&["core", "sync", "atomic", "AtomicPtr"])
}

fn diagnostic(
    model: &Model,
    place: &Place<'_>,
    ty: &TypeRef,
    scope: &Scope,
    finding: &Finding<'_>,
) -> Diagnostic {
    let c_type = &finding.entry.c_type;
    let pointee = if finding.to_abstraction {
        finding.entry.short_name.clone()
    } else {
        format!("bindings::{c_type}")
    };
    let kind = if finding.non_null {
        "a `NonNull` pointer"
    } else {
        "a raw pointer"
    };
    let message = format!(
        "{} holds {kind} to `{pointee}`, which carries no lifetime and can outlive the driver's unbind",
        place.describe()
    );
    let label = if finding.through_alias {
        format!("this type alias holds a pointer to `{pointee}`")
    } else {
        format!("pointer to `{pointee}`")
    };
    let mut diagnostic =
        Diagnostic::lint(&RAW_DEVICE_PTR_FIELD, finding.span, message).with_label(label);
    let Some(fix) = finding.entry.aref() else {
        // A C device type the kernel crate has no abstraction of: no `ARef` to name.
        return diagnostic
            .with_help(format!(
                "hold a counted reference instead: an `ARef` of a Rust abstraction of `bindings::{c_type}` that implements `AlwaysRefCounted` with its get/put functions"
            ))
            .with_note(place.aref_note());
    };
    if let Place::Static(_) = place {
        // An `ARef` is no constant: it belongs in the driver's data, not in the static.
        return diagnostic
            .with_help(format!(
                "keep a counted reference, `{fix}`, in the driver's data instead of a static"
            ))
            .with_note(place.aref_note());
    }
    let exact_alias =
        finding.through_alias && finding.span == ty.span && pointer_is_whole_type(model, ty, scope);
    if !finding.through_alias || exact_alias {
        diagnostic = diagnostic.with_suggestion(
            "hold a counted reference instead",
            finding.span,
            fix.clone(),
            Applicability::MaybeIncorrect,
        );
    } else {
        diagnostic = diagnostic.with_help(format!("hold a counted reference instead: `{fix}`"));
    }
    diagnostic.with_note(place.aref_note())
}

/// The field's type, with aliases expanded, is the pointer itself, so replacing it whole is right.
fn pointer_is_whole_type(model: &Model, ty: &TypeRef, scope: &Scope) -> bool {
    match model.expand(ty, scope) {
        Some((ty, inner_scope)) => match &ty.kind {
            TypeKind::Ptr { .. } => true,
            TypeKind::Path(path) => {
                let res = model.resolve_type_path(path, &inner_scope);
                model.is_core_item(&res, "ptr", "NonNull")
            }
            _ => false,
        },
        None => false,
    }
}
