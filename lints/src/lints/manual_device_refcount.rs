use syn::spanned::Spanned;

use crate::declare_lint;
use crate::diagnostic::Diagnostic;
use crate::model::body::{get_put_call, get_put_calls_in};
use crate::model::def_map::Res;
use crate::model::devices::{DeviceEntry, Direction, GetPut};
use crate::model::file_context::FileContext;
use crate::model::walk::{BodyScope, FnView, Hooks, ImplScope};
use crate::model::Model;
use crate::source::Span;

declare_lint! {
    /// ### What it does
    /// Finds calls to the C functions that take or drop a reference on a device:
    /// `bindings::get_device`, `bindings::put_device` and their bus variants (`pci_dev_get`,
    /// `pci_dev_put`, `usb_get_dev`, `usb_put_intf`, `platform_device_put`, `drm_dev_get`, …), however
    /// `bindings` is imported or renamed, also inside macro arguments.
    ///
    /// Calls are not reported where they implement the counted reference itself: in an
    /// `AlwaysRefCounted` impl, in an impl of the device abstraction that wraps the counted C type (a
    /// `get_device`/`put_device` call is accepted in any device abstraction, since every bus device
    /// embeds a `struct device`), and in an impl of a type defined in the abstraction's own module
    /// that releases what it takes: a put there is accepted (a registration that releases the first
    /// reference on its error path), and a get only when the type puts in its `Drop` (or
    /// `PinnedDrop`) or the same fn puts on an error path; otherwise the reference leaks, and the get
    /// is reported. Elsewhere a get is reported even when the type puts the reference in its own
    /// `Drop`: that is a hand-written `ARef`. The get/put functions, with the C type each counts and its direction, are the
    /// device catalogue's (`[refcount] get_put` in `devref.toml` adds to it). Functions that are
    /// only named like the C functions (a local `fn get_device`, a local `mod bindings`, a
    /// `dev.get_device()` method) are not reported either. A call whose name comes from `use kernel::bindings::*`
    /// (or `use bindings::*`) is resolved through that glob; a name from any other glob (`use
    /// some::module::*` of a crate devref does not lint) cannot be, and is missed.
    ///
    /// ### Why is this bad
    /// A reference taken by hand must be dropped by hand, exactly once, on every path: early returns,
    /// errors, and the driver's unbind. A missing put leaks the device; an extra put can free it while
    /// someone still uses it. `ARef<T>` does this bookkeeping for you: making one takes a reference and
    /// dropping it releases that reference, and the device stays allocated for as long as the `ARef`
    /// exists.
    ///
    /// ### Known problems
    /// Only the get/put functions of the catalogue are known (see `raw_device_ptr_field`): a C
    /// type defined in a header outside `include/` (`drivers/nvmem/internals.h`) is missed unless
    /// `[refcount] get_put` names its functions. Calls through function pointers are not seen.
    ///
    /// ### Example
    /// ```rust,ignore
    /// // SAFETY: `pdev` is a valid PCI device.
    /// unsafe { bindings::pci_dev_get(pdev.as_raw()) };
    /// self.pdev = pdev.as_raw();
    /// // … and later, in some other function:
    /// unsafe { bindings::pci_dev_put(self.pdev) };
    /// ```
    ///
    /// ### Use instead
    /// ```rust,ignore
    /// let pdev: ARef<pci::Device> = pdev.into();
    /// // … the reference is released when `pdev` is dropped.
    /// ```
    pub MANUAL_DEVICE_REFCOUNT = "manual_device_refcount", Suspicious,
    "a device's reference count is taken or dropped by hand instead of through `ARef`"
}

/// A call to a get/put function of the catalogue.
struct RefcountCall<'m> {
    function: &'m GetPut,
}

impl RefcountCall<'_> {
    /// Whether an abstraction legitimately counts references with this function: it wraps the
    /// counted C type, or the function counts the `struct device` every bus device embeds.
    fn belongs_to(&self, entry: &DeviceEntry) -> bool {
        match self.function.c_type.as_deref() {
            None | Some("device") => true,
            Some(c_type) => entry.c_type == c_type,
        }
    }
}

/// This lint's part of the shared walk.
#[derive(Default)]
pub(crate) struct Finder {
    out: Vec<Diagnostic>,
    /// The `AlwaysRefCounted` impls of the file.
    refcount_impls: Vec<Span>,
    /// The bodies of the fns that call a put function (on an error path, say).
    releasing_bodies: Vec<Span>,
}

impl Hooks for Finder {
    fn take_diagnostics(&mut self) -> Vec<Diagnostic> {
        std::mem::take(&mut self.out)
    }

    fn on_fn(&mut self, cx: &FileContext<'_>, scope: &BodyScope, func: &FnView<'_>) {
        // Only a fn of an impl can be a type's error path, and a get/put call is unsafe: most
        // fns need no look.
        if scope.in_impl.is_none() || !(func.holds_unsafe || func.sig.unsafety.is_some()) {
            return;
        }
        let puts = get_put_calls_in(cx, scope, func.block)
            .iter()
            .any(|function| function.direction == Direction::Put);
        if puts {
            let body = func.block.brace_token.span;
            self.releasing_bodies.push(Span {
                end: cx.source.span(body.close()).end,
                ..cx.source.span(body.open())
            });
        }
    }

    fn on_impl(&mut self, cx: &FileContext<'_>, scope: &BodyScope, imp: &syn::ItemImpl) {
        let Some(in_impl) = &scope.in_impl else {
            return;
        };
        if in_impl.is_refcount_impl(cx.model, imp) {
            self.refcount_impls.push(in_impl.span);
        }
    }

    fn on_expr(&mut self, cx: &FileContext<'_>, scope: &BodyScope, expr: &syn::Expr) {
        let syn::Expr::Call(call) = expr else {
            return;
        };
        let mut callee = &*call.func;
        while let syn::Expr::Paren(inner) = callee {
            callee = &inner.expr;
        }
        let syn::Expr::Path(callee) = callee else {
            return;
        };
        let model = cx.model;
        let Some(function) = get_put_call(cx, scope, callee) else {
            return;
        };
        let counted = RefcountCall { function };
        let span = cx.source.span(call.span());
        if let Some(imp) = &scope.in_impl {
            let releases_here = self
                .releasing_bodies
                .iter()
                .any(|body| body.start <= span.start && span.end <= body.end);
            if self.refcount_impls.contains(&imp.span)
                || implements_refcount(model, imp, &counted, releases_here)
            {
                return;
            }
        }
        self.out.push(diagnostic(model, span, &counted));
    }
}

/// Whether the impl around the call belongs to the abstraction of the counted device: the
/// abstraction itself, or a type beside it in its module that releases what it takes
/// (`drm::device::UnregisteredDevice` drops the first reference on `drm::device::Device` when
/// initialisation fails). A get in such a type is exempt only when the type puts in its `Drop`,
/// or the fn itself puts (`releases_here`, an error path); otherwise the reference leaks.
fn implements_refcount(
    model: &Model,
    imp: &ImplScope,
    counted: &RefcountCall,
    releases_here: bool,
) -> bool {
    if model
        .device_abstraction(&imp.self_res)
        .is_some_and(|entry| counted.belongs_to(entry))
    {
        return true;
    }
    let Res::Def(def) = imp.self_res else {
        return false;
    };
    let module = model.def_map.def(def).module;
    let beside = model
        .devices
        .entries()
        .iter()
        .filter(|entry| counted.belongs_to(entry))
        .filter_map(|entry| entry.def)
        .any(|abstraction| model.def_map.def(abstraction).module == module);
    if !beside {
        return false;
    }
    match counted.function.direction {
        Direction::Put => true,
        Direction::Get => releases_here || model.puts_in_drop(def),
    }
}

fn diagnostic(model: &Model, span: Span, counted: &RefcountCall) -> Diagnostic {
    let function = &counted.function.function;
    let c_type = counted.function.c_type.as_deref();
    let entry = c_type.and_then(|c_type| model.devices.by_c_type(c_type));
    let aref = entry.and_then(|entry| entry.aref()).map_or_else(
        || "an `ARef` of the device's Rust abstraction".to_string(),
        |aref| format!("an `{aref}`"),
    );
    let object = c_type.map_or_else(
        || "a device".to_string(),
        |c_type| format!("a `struct {c_type}`"),
    );
    let (message, label, help) = match counted.function.direction {
        Direction::Get => (
            format!(
                "manual reference counting on a device: `bindings::{function}` takes a reference that must be released by hand"
            ),
            format!("takes a reference on {object}"),
            if function == "i2c_get_adapter" {
                // Looked up by bus number, not converted from a borrowed device.
                "take the adapter with `i2c::I2cAdapter::get(index)` instead: it returns an `ARef<i2c::I2cAdapter>`, and dropping it releases the reference".to_string()
            } else {
                format!(
                    "take a counted reference instead: `ARef::from(dev)` or `dev.into()` on a borrowed device gives {aref}, and dropping it releases the reference"
                )
            },
        ),
        Direction::Put => (
            format!(
                "manual reference counting on a device: `bindings::{function}` drops a reference that an `ARef` would drop for you"
            ),
            format!("drops a reference on {object}"),
            format!(
                "hold the reference as {aref} instead, and drop it (or let it go out of scope) to release the reference"
            ),
        ),
    };
    Diagnostic::lint(&MANUAL_DEVICE_REFCOUNT, span, message)
        .with_label(label)
        .with_help(help)
        .with_note(
            "a reference counted by hand must be dropped exactly once on every path, including errors and unbind: a missing put leaks the device, an extra put can free it while it is still in use",
        )
}
