use crate::declare_lint;
use crate::diagnostic::Diagnostic;
use crate::model::def_map::{DefId, Namespace, Res};
use crate::model::facts::{DeviceLifetime, FamilyLifetime};
use crate::model::file_context::FileContext;
use crate::model::item_tree::{Generics, ItemKind, TypeKind, TypeRef};
use crate::model::lifetimes::{lifetime_args, type_args};
use crate::model::types::Walk;
use crate::model::{Model, Scope};

declare_lint! {
    /// ### What it does
    /// Finds a struct or enum that borrows a device through a lifetime parameter — directly
    /// (`pdev: &'bound pci::Device<Bound>`) or through fields of other structs — being instantiated
    /// with `'static`: in a field, a type alias, a driver's associated type
    /// (`type Data<'bound> = MyData<'static>`), a `static`, or an `impl … for MyData<'static>`.
    ///
    /// ### Why is this bad
    /// The lifetime parameter is what ties the borrowed device to the driver binding; the compiler then
    /// refuses any use after remove/unbind. Writing `'static` there throws that guarantee away: the data
    /// claims the device lives forever, and nothing stops it from being used after the device is unbound
    /// and freed.
    ///
    /// A lifetime that instantiates a type parameter's lifetime family (`struct Generic<'a, F:
    /// ForLt> { _p: PhantomData<F::Of<'a>> }`) carries a device when the family does:
    /// `Generic<'static, ForLt!(MyData<'_>)>` is reported, `ForLt!(MyData<'static>)` too.
    ///
    /// `Devres<…>` and `DevresLt<…>` are not reported: they drop what they hold when the device is
    /// unbound. Nor is `impl ForLt for X<'static>`, where `X<'static>` only names the lifetime family.
    ///
    /// ### Known problems
    /// A `'static` that reaches a device borrow through a generic parameter chosen elsewhere
    /// (`Registration<F>` with `F = ForLt!(X<'static>)` in another crate), or through
    /// `PhantomData<F::Of<'a>>`, is not followed. Type-position macros other than `ForLt!` and
    /// `CovariantForLt!` are opaque.
    ///
    /// ### Example
    /// ```rust,ignore
    /// struct MyData<'bound> {
    ///     pdev: &'bound pci::Device<Bound>,
    /// }
    ///
    /// impl pci::Driver for MyDriver {
    ///     type Data<'bound> = MyData<'static>;
    /// }
    /// ```
    ///
    /// ### Use instead
    /// ```rust,ignore
    /// impl pci::Driver for MyDriver {
    ///     type Data<'bound> = MyData<'bound>;
    /// }
    /// ```
    pub DEVICE_LIFETIME_ESCAPE = "device_lifetime_escape", Correctness,
    "a type that borrows a device is instantiated with `'static`"
}

pub fn check(cx: &FileContext<'_>, out: &mut Vec<Diagnostic>) {
    let model = cx.model;
    for (item, scope) in model.scoped_items(cx.source.id) {
        match &item.kind {
            ItemKind::Adt(adt) => {
                for field in adt.fields() {
                    check_type(model, &field.ty, &scope, out);
                }
            }
            ItemKind::TypeAlias { ty: Some(ty), .. } => check_type(model, ty, &scope, out),
            ItemKind::Static { ty, .. } => check_type(model, ty, &scope, out),
            ItemKind::Impl(imp) => {
                let trait_res = imp.trait_path.as_ref().map(|path| {
                    model
                        .def_map
                        .resolve_path(scope.module, path, Namespace::Types)
                });
                if !trait_res.is_some_and(|res| model.is_lifetime_family_trait(&res)) {
                    check_type(model, &imp.self_ty, &scope, out);
                }
                for assoc in &imp.items {
                    if let ItemKind::TypeAlias { ty: Some(ty), .. } = &assoc.kind {
                        check_type(model, ty, &scope, out);
                    }
                }
            }
            _ => {}
        }
    }
}

/// Reports every `Carrier<'static>` written in `ty` (aliases are reported where they are defined).
fn check_type(model: &Model, ty: &TypeRef, scope: &Scope, out: &mut Vec<Diagnostic>) {
    // Only a written `'static` argument is reported, and the walk does not look through aliases:
    // a type without one needs no resolving.
    if !ty.has_lifetime_arg("static") {
        return;
    }
    model.walk_written_type(ty, scope, &mut |site| {
        let TypeKind::Path(path) = &site.ty.kind else {
            return Walk::Descend;
        };
        let res = model.resolve_type_path(path, site.scope);
        if model.is_unbind_scoped(&res) {
            return Walk::Skip;
        }
        let Res::Def(def) = res else {
            return Walk::Descend;
        };
        let args = lifetime_args(path);
        for carried in model.device_lifetimes(def) {
            if args.get(carried.param) == Some(&"static") {
                let name = model.def_map.name(def);
                out.push(diagnostic(model, name, site.ty, carried));
            }
        }
        // `Registration<'static, ForLt!(MyData<'_>)>`: the family the lifetime instantiates
        // borrows a device.
        let type_args = type_args(path);
        for family in model.family_lifetimes(def) {
            if args.get(family.param) != Some(&"static") {
                continue;
            }
            let Some(member) = type_args.get(family.family) else {
                continue;
            };
            let Res::Def(member_def) = model.resolve_type(member, site.scope) else {
                continue;
            };
            if let Some(carried) = model.device_lifetimes(member_def).first() {
                out.push(family_diagnostic(
                    model, def, site.ty, family, member_def, carried,
                ));
            }
        }
        Walk::Descend
    });
}

fn family_diagnostic(
    model: &Model,
    def: DefId,
    at: &TypeRef,
    family: &FamilyLifetime,
    member: DefId,
    carried: &DeviceLifetime,
) -> Diagnostic {
    let name = model.def_map.name(def);
    let member_name = model.def_map.name(member);
    let lifetime = lifetime_name(model, def, family.param);
    let param = generics(model, def)
        .and_then(|g| g.types.get(family.family))
        .cloned()
        .unwrap_or_else(|| "_".to_string());
    let holder = carried.chain.last().expect("a chain has at least one link");
    let message = format!(
        "`{name}` instantiates the lifetime family `{param}` (`{member_name}`, which borrows a device) with `'static` through `{lifetime}`, so that borrow outlives the driver's unbind"
    );
    let diagnostic = Diagnostic::lint(&DEVICE_LIFETIME_ESCAPE, at.span, message)
        .with_label(format!("`{lifetime}` is `'static` here"))
        .with_secondary(
            family.link.field_span,
            format!("`{param}::Of<{lifetime}>` is made here"),
        )
        .with_secondary(holder.field_span, "the device reference the family borrows");
    with_fix(diagnostic, &lifetime)
}

fn generics(model: &Model, def: DefId) -> Option<&Generics> {
    match &model.item(model.def_map.def(def).item).kind {
        ItemKind::Adt(adt) => Some(&adt.generics),
        _ => None,
    }
}

/// `'bound`: the type's lifetime parameter at `index`.
fn lifetime_name(model: &Model, def: DefId, index: usize) -> String {
    generics(model, def)
        .and_then(|g| g.lifetimes.get(index))
        .map_or_else(|| "_".to_string(), |l| format!("'{l}"))
}

/// What to do instead, and why the lifetime matters.
fn with_fix(diagnostic: Diagnostic, lifetime: &str) -> Diagnostic {
    diagnostic
        .with_help(format!(
            "keep `{lifetime}` tied to the binding (a lifetime parameter such as the `'bound` of `type Data<'bound>`), or hold the device as an `ARef`"
        ))
        .with_note("the lifetime is what makes the compiler reject uses of the device after remove/unbind")
}

fn diagnostic(model: &Model, name: &str, at: &TypeRef, carried: &DeviceLifetime) -> Diagnostic {
    let lifetime = lifetime_name(model, carried.chain[0].def, carried.param);
    let holder = carried.chain.last().expect("a chain has at least one link");
    let message = format!(
        "`{name}` borrows a device through `{lifetime}`, and instantiating it with `'static` lets that borrow outlive the driver's unbind"
    );
    let mut diagnostic = Diagnostic::lint(&DEVICE_LIFETIME_ESCAPE, at.span, message)
        .with_label(format!("`{lifetime}` is `'static` here"))
        .with_secondary(
            holder.field_span,
            "the device reference this lifetime bounds",
        );
    if carried.chain.len() > 1 {
        let path: Vec<String> = carried
            .chain
            .iter()
            .map(|link| format!("`{}::{}`", model.def_map.name(link.def), link.field))
            .collect();
        diagnostic = diagnostic.with_note(format!(
            "the device is reached through {}",
            path.join(" → ")
        ));
    }
    with_fix(diagnostic, &lifetime)
}
