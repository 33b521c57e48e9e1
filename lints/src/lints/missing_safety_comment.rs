use crate::declare_lint;
use crate::diagnostic::{Applicability, Diagnostic};
use crate::model::body::sites_of;
use crate::model::file_context::FileContext;
use crate::model::sites::{Site, SiteKind};
use crate::source::Span;
use crate::text::comment_lines;

declare_lint! {
    /// ### What it does
    /// Finds an `unsafe` block that calls a refcount-sensitive function, and an
    /// `unsafe impl AlwaysRefCounted` for a device type, that has no `// SAFETY:` comment.
    ///
    /// Refcount-sensitive are: `Device::from_raw`, `Device::get_device` and `Device::as_ref` (older
    /// kernels) of a device abstraction; `ARef::from_raw` of a device; `bindings::get_device`,
    /// `bindings::put_device` and the bus variants; `dec_ref` on a device type; a raw pointer
    /// dereferenced into a device reference (`&*ptr.cast::<pci::Device>()`); and any `unsafe fn` of
    /// the linted sources that takes a raw device pointer and whose `# Safety` section states the
    /// reference count. A call is judged by the callee's own contract: a `from_raw` of a type that
    /// is not a device, or whose contract does not mention the reference count, is not in scope.
    ///
    /// The comment is accepted where kernel code puts it: on the lines above the block or above the
    /// enclosing statement (also when the statement spans several lines, and with attributes in
    /// between), trailing on the block's last line, on the first line inside the block, inside macro
    /// arguments, as a `//` group (with `// INVARIANT:` or `// CAST:` parts) or a `/* */` comment.
    /// One comment belongs to one block.
    ///
    /// ### Why is this bad
    /// These calls are sound only while the device's reference count is non-zero: a device whose
    /// last reference is dropped is freed. Without a SAFETY comment nobody has checked, or can
    /// check in review, who holds that reference and for how long.
    ///
    /// ### Known problems
    /// A call is refcount-sensitive when devref can name its callee: a method call on a value
    /// whose type needs inference (`dev.from_raw(…)` through a trait) is not classified.
    ///
    /// ### Example
    /// ```rust,ignore
    /// let dev = unsafe { device::Device::from_raw(ptr) };
    /// ```
    ///
    /// ### Use instead
    /// ```rust,ignore
    /// // SAFETY: `ptr` comes from the bus's probe callback, and the driver core holds a reference
    /// // to the device, so its reference count is non-zero, until the callback returns.
    /// let dev = unsafe { device::Device::from_raw(ptr) };
    /// ```
    pub MISSING_SAFETY_COMMENT = "missing_safety_comment", SafetyDocs,
    "an `unsafe` block that depends on a device's reference count has no SAFETY comment"
}

pub fn check(cx: &FileContext<'_>, out: &mut Vec<Diagnostic>) {
    for site in sites_of(cx) {
        if site.lookup.found.is_none() {
            out.push(missing(cx, site));
        }
    }
}

/// The whole comment template for a site that has none.
pub(crate) fn template(site: &Site) -> (String, Applicability) {
    match &site.kind {
        SiteKind::RefcountImpl {
            type_name,
            get,
            put,
        } => match (get, put) {
            (Some(get), Some(put)) => (
                format!("Instances of `{type_name}` are always reference-counted: `inc_ref` takes a reference with `{get}` and `dec_ref` drops it with `{put}`."),
                Applicability::MaybeIncorrect,
            ),
            _ => (
                format!("Instances of `{type_name}` are always reference-counted: `inc_ref` and `dec_ref` take and drop a reference with <the get/put functions>."),
                Applicability::HasPlaceholders,
            ),
        },
        SiteKind::Block => {
            let first = &site.calls[0];
            (first.refcount_sentence(), Applicability::HasPlaceholders)
        }
    }
}

fn missing(cx: &FileContext<'_>, site: &Site) -> Diagnostic {
    let first = &site.calls[0];
    let (message, label) = match &site.kind {
        SiteKind::Block => (
            format!(
                "`unsafe` block without a `SAFETY:` comment {}, which requires a non-zero reference count",
                first.action()
            ),
            "this `unsafe` block has no `SAFETY:` comment".to_string(),
        ),
        SiteKind::RefcountImpl { type_name, .. } => (
            format!("`unsafe impl AlwaysRefCounted for {type_name}` has no `SAFETY:` comment"),
            "no `SAFETY:` comment says how instances are reference-counted".to_string(),
        ),
    };
    let mut diagnostic =
        Diagnostic::lint(&MISSING_SAFETY_COMMENT, site.unsafe_span, message).with_label(label);
    if matches!(site.kind, SiteKind::Block) {
        for call in &site.calls {
            diagnostic = diagnostic.with_secondary(call.span, call.label());
        }
    }
    if let Some(taken) = &site.lookup.taken {
        diagnostic = diagnostic.with_secondary(
            Span::new(cx.source.id, taken.range()),
            "this `SAFETY:` comment belongs to an earlier `unsafe` block",
        );
    }
    for call in &site.calls {
        // An impl's calls are its `inc_ref`/`dec_ref`: only a quoted contract says more.
        if call.precondition.quoted || matches!(site.kind, SiteKind::Block) {
            diagnostic = diagnostic.with_note(call.precondition_note());
        }
    }
    let (text, applicability) = template(site);
    let replacement: String = comment_lines(&site.indent, "//", &format!("SAFETY: {text}"), 100)
        .into_iter()
        .map(|line| line + "\n")
        .collect();
    let help = match site.kind {
        SiteKind::Block => "say why the reference count is non-zero in a `SAFETY:` comment",
        SiteKind::RefcountImpl { .. } => {
            "say how instances are reference-counted in a `SAFETY:` comment"
        }
    };
    diagnostic
        .with_suggestion(
            help,
            Span::new(cx.source.id, site.insert_at..site.insert_at),
            replacement,
            applicability,
        )
        .with_note("a device may be freed once its reference count drops to zero; the comment must say who holds the reference that keeps it alive, and for how long")
}
