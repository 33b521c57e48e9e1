use crate::declare_lint;
use crate::diagnostic::{Applicability, Diagnostic};
use crate::model::escapes::{escapes_in, Escape, Place};
use crate::model::file_context::FileContext;
use crate::model::item_tree::{Impl, Item, ItemKind, TypeKind};
use crate::model::lifetimes::UntiedConversion;
use crate::model::walk::{BodyScope, FnView, Hooks};
use crate::source::{SourceFile, Span};
use crate::text::one_line;

declare_lint! {
    /// ### What it does
    /// Follows device references made from raw pointers — `Device::from_raw(ptr)`, a bus type's
    /// `from_raw`, `Device::as_ref(ptr)` in older kernels, `&*ptr.cast::<Device>()`,
    /// `&*(ptr as *const Device)`, `transmute` — through `let` bindings and moves within a function,
    /// and reports when one is stored: in a struct field (a struct literal, `pin_init!`, or a field
    /// assignment), in a `static`, or returned from a safe function whose signature ties the returned
    /// reference to no input.
    ///
    /// It also reports a conversion impl that makes a device reference from a borrow without tying
    /// the two: `impl TryFrom<&device::Device> for &pci::Device` (or `From`). Lifetimes elided in an
    /// impl header are independent of each other, so safe code can call
    /// `<&'static pci::Device>::try_from(&dev)` with a short borrow and keep the result past unbind.
    /// The fix names one lifetime for both: `impl<'a> TryFrom<&'a device::Device> for &'a
    /// pci::Device`.
    ///
    /// ### Why is this bad
    /// A reference made from a raw pointer gets whatever lifetime the code asks for; nothing checks it.
    /// Used locally — as the kernel's callback adapters do — that is fine. Stored, it can outlive the
    /// driver's remove/unbind, and the device may be freed under it.
    ///
    /// ### Known problems
    /// References are followed within one function, through `let` bindings and moves, not into
    /// the functions they are passed to; a closure that captures one is not followed either.
    /// Conversion impls other than `TryFrom` and `From` are not checked.
    ///
    /// ### Example
    /// ```rust,ignore
    /// let dev = unsafe { Device::from_raw(ptr) };
    /// self.dev = dev;
    /// ```
    ///
    /// ### Use instead
    /// ```rust,ignore
    /// let dev: ARef<Device> = unsafe { Device::from_raw(ptr) }.into();
    /// self.dev = dev;
    /// ```
    pub UNBOUNDED_DEVICE_REF = "unbounded_device_ref", Correctness,
    "a device reference made from a raw pointer is stored where it can outlive unbind"
}

pub fn check(cx: &FileContext<'_>, out: &mut Vec<Diagnostic>) {
    let model = cx.model;
    let file = model.file(cx.source.id);
    for item in &file.tree.items {
        let ItemKind::Impl(imp) = &item.kind else {
            continue;
        };
        let Some(scope) = model.item_scope(file.id, item) else {
            continue;
        };
        if let Some(found) = model.untied_conversion(imp, &scope) {
            out.push(untied_conversion_diagnostic(cx, item, imp, &found));
        }
    }
}

fn untied_conversion_diagnostic(
    cx: &FileContext<'_>,
    item: &Item,
    imp: &Impl,
    found: &UntiedConversion<'_>,
) -> Diagnostic {
    let source = cx.source;
    let input = one_line(source.slice(found.input.span));
    let output = one_line(source.slice(found.output.span));
    let name = &found.trait_name;
    let message = format!(
        "`impl {name}<{input}> for {output}` does not tie the device reference it makes to the borrow it is made from, so safe code can keep it past unbind"
    );
    let mut diagnostic = Diagnostic::lint(&UNBOUNDED_DEVICE_REF, found.output.span, message)
        .with_label("this reference's lifetime is independent of the argument's")
        .with_secondary(found.input.span, "the borrowed argument");
    let lifetime = fresh_lifetime(&imp.generics.lifetimes);
    match tied_header(source, item, imp, found, &lifetime) {
        Some((span, header)) => {
            diagnostic = diagnostic.with_suggestion(
                "name one lifetime for the argument and the result",
                span,
                header,
                Applicability::MaybeIncorrect,
            );
        }
        None => {
            diagnostic = diagnostic.with_help(format!(
                "name one lifetime for the argument and the result: `{name}<&'{lifetime} …> for &'{lifetime} {}`",
                found.device
            ));
        }
    }
    diagnostic.with_note(format!(
        "lifetimes elided in an impl header are independent of each other: `<&'static {}>::{}(&dev)` compiles with a short borrow of `dev`, and the `&'static` reference then outlives the device",
        found.device,
        if name == "TryFrom" { "try_from" } else { "from" }
    ))
}

/// A lifetime name the impl does not use yet.
fn fresh_lifetime(used: &[String]) -> String {
    ["a", "b", "c", "d", "dev"]
        .into_iter()
        .find(|name| !used.iter().any(|used| used == name))
        .unwrap_or("devref")
        .to_string()
}

/// The impl header from `impl` to the self type, with `'lifetime` declared and written on both
/// references, when both are elided.
fn tied_header(
    source: &SourceFile,
    item: &Item,
    imp: &Impl,
    found: &UntiedConversion<'_>,
    lifetime: &str,
) -> Option<(Span, String)> {
    for ty in [found.input, found.output] {
        if !matches!(&ty.kind, TypeKind::Ref { lifetime: None, .. }) {
            return None;
        }
    }
    let text = &source.text;
    let search_from = item.span.start as usize;
    let input_at = found.input.span.start as usize;
    let impl_at = search_from + text.get(search_from..input_at)?.rfind("impl")?;
    let end = found.output.span.end as usize;
    let mut edits: Vec<(usize, String)> = vec![
        (found.input.span.start as usize + 1, format!("'{lifetime} ")),
        (
            found.output.span.start as usize + 1,
            format!("'{lifetime} "),
        ),
    ];
    let after_impl = impl_at + "impl".len();
    let rest = &text[after_impl..];
    let trimmed = rest.trim_start();
    if trimmed.starts_with('<') {
        let open = after_impl + (rest.len() - trimmed.len()) + 1;
        let separator = if imp.generics.lifetimes.is_empty() && imp.generics.types.is_empty() {
            ""
        } else {
            ", "
        };
        edits.push((open, format!("'{lifetime}{separator}")));
    } else {
        edits.push((after_impl, format!("<'{lifetime}>")));
    }
    edits.sort_by_key(|(at, _)| *at);
    let mut header = String::new();
    let mut at = impl_at;
    for (position, insert) in edits {
        header.push_str(text.get(at..position)?);
        header.push_str(&insert);
        at = position;
    }
    header.push_str(text.get(at..end)?);
    Some((Span::new(source.id, impl_at..end), header))
}

/// This lint's part of the shared walk.
#[derive(Default)]
pub(crate) struct FnHooks {
    out: Vec<Diagnostic>,
}

impl Hooks for FnHooks {
    fn take_diagnostics(&mut self) -> Vec<Diagnostic> {
        std::mem::take(&mut self.out)
    }

    fn on_fn(&mut self, cx: &FileContext<'_>, scope: &BodyScope, func: &FnView<'_>) {
        for escape in escapes_in(cx, scope, func) {
            self.out.push(diagnostic(&escape));
        }
    }
}

fn diagnostic(escape: &Escape) -> Diagnostic {
    let (at, origin) = (escape.at, &escape.made);
    let place = match &escape.place {
        Place::Field(member) => format!("field `{member}`"),
        Place::Static(name) => format!("static `{name}`"),
        Place::Return { fn_name } => format!(
            "the return value of safe fn `{fn_name}`, whose returned lifetime is tied to no input"
        ),
    };
    let message = format!(
        "a device reference made by {} is stored in {place}, but nothing checks its lifetime, so it can outlive the driver's unbind",
        origin.what
    );
    Diagnostic::lint(&UNBOUNDED_DEVICE_REF, at, message)
        .with_label("stored here")
        .with_secondary(origin.span, "reference with an unchecked lifetime made here")
        .with_help(match origin.entry_name.strip_prefix("bindings::") {
            // A C device type with no Rust abstraction: no `ARef` to name.
            Some(c_type) => format!(
                "store a counted reference instead: an `ARef` of a Rust abstraction of `bindings::{c_type}` that implements `AlwaysRefCounted`"
            ),
            None => format!(
                "store a counted reference instead: convert it with `ARef::from(dev)` or `dev.into()` and keep an `ARef<{}>`",
                origin.entry_name
            ),
        })
        .with_note("a reference made from a raw pointer may be used only while the caller guarantees the device is alive: within the function, or for a lifetime tied to a borrow")
}
