use crate::declare_lint;
use crate::diagnostic::{Applicability, Diagnostic};
use crate::lints::suggest::comment_addition;
use crate::model::body::sites_of;
use crate::model::file_context::FileContext;
use crate::model::safety_text::SafetyComment;
use crate::model::sites::{Provenance, SensitiveCall};

declare_lint! {
    /// ### What it does
    /// The strict reading of a callback's SAFETY comment. In an `extern "C" fn` that the linted
    /// sources register as a C callback (`probe: Some(Self::probe_callback)`,
    /// `(*drv).remove = Some(Self::remove_callback)`), a device reference made from the callback's
    /// pointer argument is sound by the kernel's convention: the C core calls the callback on a
    /// registered device and holds a reference to it for the call, and the reference cannot leave
    /// the call. `safety_comment_missing_refcount` therefore accepts such comments. This lint,
    /// allowed by default, reports the ones that do not say so.
    ///
    /// The role is taken from where the function is registered, not from its name. A callback
    /// registered as `release` (or `free`, `destroy`) runs when the last reference is gone and is
    /// not covered: `safety_comment_missing_refcount` judges it. An `unsafe extern "C" fn` is
    /// covered when only C calls it; when Rust code calls it too, its `# Safety` section binds
    /// those callers and is the contract (`safety_comment_missing_refcount` again).
    ///
    /// ### Why is this bad
    /// "The bus only calls probe with a valid pointer" is the convention, not the reason. The
    /// reason is that the core holds a reference for the duration of the callback; saying so lets
    /// a reviewer check that the reference made here does not outlive the call.
    ///
    /// ### Known problems
    /// A callback is known only from a registration the linted files write as `field:
    /// Some(path)` or `.field = Some(path)` (also inside `if … { Some(path) } else { None }`). A
    /// function registered in a file that is not linted (a pre-commit run of one file), or passed
    /// as an argument (`request_irq(…, Some(handler), …)`), has no role, and its comments are
    /// `safety_comment_missing_refcount`'s.
    ///
    /// ### Example
    /// ```rust,ignore
    /// // SAFETY: The PCI bus only ever calls the probe callback with a valid pointer to a
    /// // `struct pci_dev`.
    /// let pdev = unsafe { &*pdev.cast::<Device<device::CoreInternal<'_>>>() };
    /// ```
    ///
    /// ### Use instead
    /// ```rust,ignore
    /// // SAFETY: The PCI bus only ever calls the probe callback with a valid pointer to a
    /// // `struct pci_dev`, and the driver core holds a reference to it for the duration of the
    /// // callback.
    /// let pdev = unsafe { &*pdev.cast::<Device<device::CoreInternal<'_>>>() };
    /// ```
    pub CALLBACK_SAFETY_COMMENT_MISSING_REFCOUNT = "callback_safety_comment_missing_refcount", Pedantic,
    "a C callback's SAFETY comment does not say that the caller holds a reference to the device for the call"
}

pub fn check(cx: &FileContext<'_>, out: &mut Vec<Diagnostic>) {
    let vocabulary = &cx.model.contracts.vocabulary;
    for site in sites_of(cx) {
        let Some(found) = &site.lookup.found else {
            continue;
        };
        if vocabulary.states_refcount(&found.text) {
            continue;
        }
        let Some(call) = site
            .calls
            .iter()
            .find(|call| matches!(call.pointer, Provenance::CallbackArg { .. }))
        else {
            continue;
        };
        out.push(diagnostic(cx, call, found));
    }
}

fn diagnostic(cx: &FileContext<'_>, call: &SensitiveCall, found: &SafetyComment) -> Diagnostic {
    let Provenance::CallbackArg { param, role } = &call.pointer else {
        unreachable!("the check passes callback arguments only");
    };
    let message = format!(
        "`SAFETY:` comment does not say that the caller of the `{role}` callback holds a reference to `{param}` for the call"
    );
    let sentence = format!(
        "The caller of the `{role}` callback holds a reference to `{param}` for the duration of the call."
    );
    let diagnostic = Diagnostic::lint(
        &CALLBACK_SAFETY_COMMENT_MISSING_REFCOUNT,
        call.span,
        message,
    )
    .with_label(call.label())
    .with_secondary(
        found.span(cx.source.id),
        "this comment says the pointer is valid, not who keeps the device alive",
    );
    let (at, replacement) = comment_addition(cx, found, &sentence);
    diagnostic
        .with_suggestion(
            "say that the caller holds a reference",
            at,
            replacement,
            Applicability::MaybeIncorrect,
        )
        .with_note(format!(
            "`{param}` comes from the C core's `{role}` call on a registered device; the reference made from it cannot leave the callback, which is why this lint is allowed by default"
        ))
}
