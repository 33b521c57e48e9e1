use crate::declare_lint;
use crate::diagnostic::{Applicability, Diagnostic};
use crate::model::devices::DeviceEntry;
use crate::model::file_context::FileContext;
use crate::model::item_tree::{GenericArg, Item, ItemKind, TypeKind, TypeRef};
use crate::model::types::Walk;
use crate::model::{Model, Scope};
use crate::source::Span;

declare_lint! {
    /// ### What it does
    /// Finds `&'static` and `&'static mut` references to a device abstraction (`Device<Bound>`,
    /// `pci::Device<Core<'_>>`, …) in struct, enum and union fields, in the types of `static` items,
    /// and in type aliases used there.
    ///
    /// ### Why is this bad
    /// A device lives only until its last reference count is dropped, and a driver's borrow of it only
    /// until remove/unbind. A `&'static` reference claims the device outlives everything, which the
    /// kernel never promises: once the device is unbound and released, the reference dangles. A
    /// `Bound` or `Core` reference is valid only while the driver is bound, so storing one as
    /// `'static` is wrong even before the device is freed.
    ///
    /// ### Known problems
    /// Items declared inside macro invocations are seen only where the macro's body parses as
    /// items (`global_lock!` too); a `'static` device reference chosen through a generic parameter
    /// elsewhere is not followed.
    ///
    /// ### Example
    /// ```rust,ignore
    /// struct MyData {
    ///     pdev: &'static pci::Device<Bound>,
    /// }
    /// ```
    ///
    /// ### Use instead
    /// ```rust,ignore
    /// struct MyData {
    ///     pdev: ARef<pci::Device>,
    /// }
    /// ```
    /// or, in Linux 7.x drivers, a borrow tied to the binding: `pdev: &'bound pci::Device<Bound>` in
    /// `type Data<'bound> = MyData<'bound>`.
    pub STATIC_DEVICE_REF = "static_device_ref", Correctness,
    "a `&'static` reference to a device is stored where it outlives the driver's unbind"
}

/// A `&'static` device reference inside a stored type.
pub struct StaticRef<'m> {
    /// The reference type, or the alias use that hides it.
    pub report_span: Span,
    /// The `&'static …` type itself (inside the alias when there is one).
    pub ref_span: Span,
    pub entry: &'m DeviceEntry,
    pub bound_context: Option<&'static str>,
    pub through_alias: bool,
}

pub fn check(cx: &FileContext<'_>, out: &mut Vec<Diagnostic>) {
    let model = cx.model;
    for (item, scope) in model.scoped_items(cx.source.id) {
        match &item.kind {
            ItemKind::Adt(adt) => {
                for field in adt.fields() {
                    for found in static_device_refs(model, &field.ty, &scope) {
                        let place = format!("field `{}::{}`", owner(item), field.display_name());
                        out.push(diagnostic(&place, &found));
                    }
                }
            }
            ItemKind::Static { ty, .. } => {
                for found in static_device_refs(model, ty, &scope) {
                    out.push(diagnostic(&format!("static `{}`", owner(item)), &found));
                }
            }
            _ => {}
        }
    }
}

fn owner(item: &Item) -> &str {
    item.name.as_deref().unwrap_or("_")
}

/// Every `&'static` reference to a device abstraction or C device reachable in `ty`.
pub fn static_device_refs<'m>(model: &'m Model, ty: &TypeRef, scope: &Scope) -> Vec<StaticRef<'m>> {
    let mut found = Vec::new();
    model.walk_stored_type(ty, scope, &mut |site| {
        let TypeKind::Ref {
            lifetime: Some(lifetime),
            referent,
            ..
        } = &site.ty.kind
        else {
            return Walk::Descend;
        };
        if &**lifetime != "static" {
            return Walk::Descend;
        }
        let res = model.resolve_type(referent, site.scope);
        let Some(entry) = model
            .device_abstraction(&res)
            .or_else(|| model.c_device(&res))
        else {
            return Walk::Descend;
        };
        found.push(StaticRef {
            report_span: site.report_span,
            ref_span: site.ty.span,
            entry,
            bound_context: bound_context(model, referent, site.scope),
            through_alias: site.through_alias,
        });
        Walk::Skip
    });
    found
}

/// `Bound`, `Core` or `CoreInternal` when the device type's context argument names one.
fn bound_context(model: &Model, referent: &TypeRef, scope: &Scope) -> Option<&'static str> {
    let (expanded, inner_scope) = model.expand(referent, scope)?;
    let TypeKind::Path(path) = &expanded.kind else {
        return None;
    };
    let args = &path.segments.last()?.args;
    args.iter().find_map(|arg| {
        let GenericArg::Type(ty) = arg else {
            return None;
        };
        let res = model.resolve_type(ty, &inner_scope);
        ["Bound", "Core", "CoreInternal"]
            .into_iter()
            .find(|context| model.is_kernel_item(&res, context))
    })
}

fn diagnostic(place: &str, found: &StaticRef<'_>) -> Diagnostic {
    let fix = found.entry.aref().unwrap_or_else(|| {
        format!(
            "ARef<…>` of a Rust abstraction of `bindings::{}",
            found.entry.c_type
        )
    });
    let message = format!(
        "{place} holds a `&'static` reference to a device, but a device can be unbound and freed while the reference still exists"
    );
    let label = if found.through_alias {
        "this type alias holds a `&'static` device reference".to_string()
    } else {
        "`&'static` device reference".to_string()
    };
    let mut diagnostic =
        Diagnostic::lint(&STATIC_DEVICE_REF, found.report_span, message).with_label(label);
    if found.through_alias || found.entry.aref().is_none() {
        if found.through_alias {
            diagnostic = diagnostic
                .with_secondary(found.ref_span, "the `&'static` reference is written here");
        }
        diagnostic = diagnostic.with_help(format!("store a counted reference instead: `{fix}`"));
    } else {
        diagnostic = diagnostic.with_suggestion(
            "store a counted reference instead",
            found.report_span,
            fix,
            Applicability::MaybeIncorrect,
        );
    }
    if let Some(context) = found.bound_context {
        diagnostic = diagnostic.with_note(format!(
            "a `{context}` device reference is valid only while the driver is bound; it must not outlive the callback or driver data it was given to"
        ));
    }
    diagnostic.with_note(
        "an `ARef` holds a reference count, so the device stays allocated for as long as it is stored",
    )
}
