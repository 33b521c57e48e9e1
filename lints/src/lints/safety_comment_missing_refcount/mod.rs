mod judge;

use crate::declare_lint;
use crate::diagnostic::{Applicability, Diagnostic};
use crate::lints::suggest::comment_addition;
use crate::model::body::sites_of;
use crate::model::file_context::FileContext;
use crate::model::safety_text::SafetyComment;
use crate::model::sites::{CallKind, Site, SiteKind};
use crate::text::capitalize;
use judge::{judge, Failure, Gap};

declare_lint! {
    /// ### What it does
    /// Checks the `// SAFETY:` comment of an `unsafe` block that calls a refcount-sensitive function
    /// (see `missing_safety_comment`), and of an `unsafe impl AlwaysRefCounted` for a device type.
    /// What the comment must say depends on where the raw pointer comes from (its provenance, read
    /// by devref's body model through `let` bindings, casts, `addr_of!`/`&raw`, `container_of!`,
    /// field reads and C calls), not on which words it uses:
    ///
    /// - **A projection of a live borrow** (`addr_of_mut!((*self.as_raw()).dev)`, `self.0.get()`,
    ///   a field of a `&T` parameter, or what an accessor gives for a borrowed receiver: a method
    ///   that takes `self` and nothing else and returns a raw device pointer, declared in an
    ///   `unsafe trait` or `unsafe impl` (the 2022 `RawDevice::raw_device`, called as
    ///   `dev.raw_device()` or `RawDevice::raw_device(dev)`) or in an impl of a device
    ///   abstraction, under a name no other method of the linted code declares), **a pointer a
    ///   borrowed `self` owns** (`self.ptr` through `&self`, where the type's `Drop` passes the
    ///   field to a device put function or to `ARef::from_raw`; not in that `Drop`, and not for
    ///   `self` by value), or **the container of a borrowed embedded device**
    ///   (`container_of!(dev.as_raw(), bindings::pci_dev, dev)` with `dev: &device::Device`): the
    ///   borrow keeps the count non-zero, as every `inc_ref` in the tree says. Not reported; a
    ///   reference whose lifetime the signature does not tie to the borrow is
    ///   `unbounded_device_ref`'s finding.
    /// - **A callback argument**: a raw pointer parameter of an `extern "C" fn` the linted sources
    ///   register as a C callback (`probe: Some(Self::probe_callback)`), other than a teardown
    ///   callback (`release`, `free`, `destroy`). The C core calls it on a registered device. Not
    ///   reported; the strict reading is `callback_safety_comment_missing_refcount` (pedantic).
    /// - **An owned reference** (the pointer an `…_alloc()` or a get returned): the comment must say
    ///   where the reference came from (name that function) or state the count.
    /// - **Another object** (a pointer read from a field, `(*self.as_raw()).dev` of a
    ///   `drm_device`, or returned by a C accessor, `interface_to_usbdev(…)`): the comment must
    ///   name who holds the reference that keeps *that* object alive. It passes when one sentence
    ///   has a holding verb about a reference ("holds a reference", "owns the reference", "took a
    ///   reference", "keeps … alive", "reference taken by") and names the object (the field, the
    ///   pointer, "parent"), when a sentence ties the reference to its holder ("must not outlive
    ///   the registration", "the lifetime of the returned reference is tied to `self`"), or when
    ///   it relies on a contract or `# Invariants` section that states the count. "Valid as long
    ///   as the DRM device is valid", "never freed", "initialised by …" and layout arguments name no
    ///   holder; "`self` holds a reference to the GEM object" names none for the GEM object's
    ///   device.
    /// - **A caller's pointer** (a parameter of an `unsafe fn`, also when the fn is a callback too:
    ///   the stricter class wins): the comment may delegate to the fn's `# Safety` section ("by the
    ///   safety requirements"), which must state the count. When that section is itself reported by
    ///   `safety_doc_missing_refcount` (an `unsafe fn` that makes a device reference from the
    ///   pointer), the comment is part of that finding, shown there, and not reported again.
    /// - **Anything else**: the comment must state the refcount precondition ("reference count",
    ///   "holds a reference", "owns the initial reference" …), or delegate to a `# Safety` section
    ///   or cite `# Invariants` that state it.
    ///
    /// A call of an `unsafe fn` whose own `# Safety` section does not state the count, but which
    /// makes a device reference from the pointer, is held to the canonical contract (a non-zero
    /// count for as long as the reference exists): a weak contract does not hide its callers.
    ///
    /// ### Why is this bad
    /// "`ptr` is valid" does not say what keeps the device alive. A pointer stays valid only while
    /// someone holds a reference. The comment must say who, and for how long: that is what a
    /// reviewer needs to check.
    ///
    /// ### Known problems
    /// Provenance is followed through `let` bindings, casts, `addr_of!`/`&raw`, `container_of!`,
    /// field reads and C calls in one function; a pointer returned by a Rust method whose type
    /// needs inference (`(**self).as_ref().as_raw()`) is unknown and judged by the comment's
    /// words alone. A pointer stored in the field of a C struct that points back to the object
    /// containing `self` (`(*self.as_raw()).chip` of a `pwm_device` inside its `pwm_chip`) is read
    /// as another object. The phrases are a vocabulary, not a proof: `[refcount] vocabulary` in
    /// `devref.toml` adds to it.
    ///
    /// ### Example
    /// ```rust,ignore
    /// // SAFETY: `bindings::drm_device::dev` is valid as long as the DRM device itself is valid.
    /// unsafe { device::Device::from_raw((*self.as_raw()).dev) }
    /// ```
    ///
    /// ### Use instead
    /// ```rust,ignore
    /// // SAFETY: `dev` is the parent device; `drm_dev_init()` took a reference to it, which the
    /// // DRM device holds until it is released, so it outlives the returned reference.
    /// unsafe { device::Device::from_raw((*self.as_raw()).dev) }
    /// ```
    pub SAFETY_COMMENT_MISSING_REFCOUNT = "safety_comment_missing_refcount", SafetyDocs,
    "a SAFETY comment does not address the device reference count the unsafe code depends on"
}

pub fn check(cx: &FileContext<'_>, out: &mut Vec<Diagnostic>) {
    for site in sites_of(cx) {
        let Some(found) = &site.lookup.found else {
            continue;
        };
        if let Some(failure) = judge(cx.model, site, found) {
            out.push(diagnostic(cx, site, found, &failure));
        }
    }
}

fn diagnostic(
    cx: &FileContext<'_>,
    site: &Site,
    found: &SafetyComment,
    failure: &Failure,
) -> Diagnostic {
    let file = cx.source.id;
    let first = &site.calls[failure.call];
    let needs = match (&site.kind, &failure.gap) {
        (SiteKind::RefcountImpl { type_name, .. }, _) => {
            format!("how instances of `{type_name}` are reference-counted")
        }
        (SiteKind::Block, Gap::Refcount) => {
            let action = first.action();
            let action = action
                .strip_prefix("calls ")
                .map(|callee| format!("that {callee} requires"))
                .unwrap_or_else(|| {
                    format!(
                        "that dereferencing {} into {} requires",
                        first.arg, first.callee
                    )
                });
            format!("the reference count {action}")
        }
        (SiteKind::Block, Gap::Holder) => format!(
            "who holds the reference that keeps {} alive",
            first.pointer.object()
        ),
        (SiteKind::Block, Gap::Source(source)) => format!(
            "that this code owns the reference {} needs (the one `{source}` returned)",
            first.action().replacen("calls ", "", 1)
        ),
    };
    let verb = match failure.gap {
        Gap::Refcount => "state",
        Gap::Holder | Gap::Source(_) => "say",
    };
    let message = match (&failure.delegated, &failure.cited) {
        (Some(delegated), _) => format!(
            "`SAFETY:` comment relies on {}, which do not {verb} {needs}",
            delegated.what
        ),
        (None, Some(cited)) => format!(
            "`SAFETY:` comment relies on {}, which do not {verb} {needs}",
            cited.what
        ),
        (None, None) if matches!(failure.gap, Gap::Refcount) => {
            format!("`SAFETY:` comment does not address {needs}")
        }
        (None, None) => format!("`SAFETY:` comment does not say {needs}"),
    };
    let (primary, label) = match &site.kind {
        SiteKind::Block => (first.span, first.label()),
        SiteKind::RefcountImpl { .. } => (
            site.unsafe_span,
            "`AlwaysRefCounted` requires instances to be reference-counted".to_string(),
        ),
    };
    let comment_label = match failure.gap {
        Gap::Refcount => "this comment does not mention the reference count",
        Gap::Holder => "this comment names no holder of that reference",
        Gap::Source(_) => "this comment does not say whose reference this is",
    };
    let mut diagnostic = Diagnostic::lint(&SAFETY_COMMENT_MISSING_REFCOUNT, primary, message)
        .with_label(label)
        .with_secondary(found.span(file), comment_label);
    if let SiteKind::Block = site.kind {
        for (index, call) in site.calls.iter().enumerate() {
            if index != failure.call {
                diagnostic = diagnostic.with_secondary(call.span, call.label());
            }
        }
    }
    for reliance in [&failure.delegated, &failure.cited].into_iter().flatten() {
        match reliance.doc_span {
            Some(span) => {
                diagnostic = diagnostic
                    .with_secondary(span, format!("{}: {}", reliance.what, reliance.problem));
            }
            None => {
                diagnostic = diagnostic.with_note(format!(
                    "the comment relies on {}, but {}",
                    reliance.what, reliance.problem
                ));
            }
        }
    }
    for call in &site.calls {
        if let Some(doc) = call.weak_contract {
            let callee = &call.callee;
            let at = cx.model.file(doc.file).name.clone();
            let at = if doc.file == file {
                diagnostic = diagnostic.with_secondary(
                    doc,
                    format!("the `# Safety` section of `{callee}` does not state it either"),
                );
                format!("{at}:{}", cx.source.line_col(doc.start as usize).line)
            } else {
                at
            };
            diagnostic = diagnostic.with_note(format!(
                "the `# Safety` section of `{callee}` ({at}) does not state it either (`safety_doc_missing_refcount` reports it there), so the call is held to the canonical contract"
            ));
        }
        diagnostic = diagnostic.with_note(call.precondition_note());
    }
    let sentence = match &site.kind {
        SiteKind::Block => match &failure.gap {
            Gap::Refcount => capitalize(&first.refcount_sentence()),
            Gap::Holder => {
                let duration = match first.kind {
                    CallKind::Borrow => "for as long as the returned reference exists",
                    _ => "during this call",
                };
                format!(
                    "<holder> holds a reference to {} {duration}, taken by <where>.",
                    first.pointer.object()
                )
            }
            Gap::Source(source) => format!(
                "We own the reference on {} that `{source}` returned, and {}.",
                first.arg,
                match first.kind {
                    CallKind::Put => "drop it here",
                    CallKind::TakeOver => "give it to the `ARef` here",
                    _ => "hold it for the duration of this call",
                }
            ),
        },
        SiteKind::RefcountImpl {
            type_name,
            get,
            put,
        } => match (get, put) {
            (Some(get), Some(put)) => format!(
                "Instances of `{type_name}` are always reference-counted: `inc_ref` takes a reference with `{get}` and `dec_ref` drops it with `{put}`."
            ),
            _ => format!("Instances of `{type_name}` are always reference-counted."),
        },
    };
    let placeholders = sentence.contains('<');
    let applicability = if placeholders {
        Applicability::HasPlaceholders
    } else {
        Applicability::MaybeIncorrect
    };
    let help = match failure.gap {
        Gap::Holder => "say who holds the reference that keeps it alive, and for how long",
        Gap::Source(_) => "say where the reference this code gives up comes from",
        Gap::Refcount
            if failure
                .delegated
                .as_ref()
                .is_some_and(|d| d.doc_span.is_some()) =>
        {
            "state the reference count here, or in the `# Safety` section the comment relies on"
        }
        Gap::Refcount => "say what keeps the reference count non-zero",
    };
    let (at, replacement) = comment_addition(cx, found, &sentence);
    diagnostic = diagnostic.with_suggestion(help, at, replacement, applicability);
    diagnostic.with_note("a device's reference count is what keeps it valid: a pointer may be used only while someone holds a reference, so the comment must say who does, and for how long")
}
