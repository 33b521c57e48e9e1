use crate::declare_lint;
use crate::diagnostic::{Applicability, Diagnostic};
use crate::model::body::sites_of;
use crate::model::contracts::{RawToRef, SafetyDocGaps};
use crate::model::file_context::FileContext;
use crate::model::item_tree::{FnSig, Item, ItemKind};
use crate::model::safety_text::{doc_layout, indentation, DocLayout};
use crate::model::sites::Provenance;
use crate::model::Scope;
use crate::source::Span;
use crate::text::{comment_lines, one_line};

declare_lint! {
    /// ### What it does
    /// Checks the docs of an `unsafe fn` that takes a raw device pointer (`*mut bindings::device`,
    /// `*const bindings::drm_device`, `NonNull<…>`, also through type aliases) and returns a device
    /// reference made from it (`&'a Self` of a device abstraction, `&'a Device`, `ARef<…>`,
    /// `Pin<&'a …>`, also inside `Result`/`Option`). It reports the fn when its docs have no
    /// `# Safety` section, when the section does not state the non-zero reference count
    /// precondition, and, for a borrowed reference, when it does not bound how long the precondition
    /// must hold ("for the duration of `'a`", "while the returned reference exists", "for the
    /// lifetime of the returned reference").
    ///
    /// ### Why is this bad
    /// "`ptr` must point at a valid `device`" leaves open what valid means. A device is freed when
    /// its reference count drops to zero, so a reference made from the pointer is sound only while
    /// the count stays non-zero, and for a borrowed reference, for as long as that reference exists.
    /// Callers can only uphold what the contract spells out.
    ///
    /// ### Known problems
    /// Only an `unsafe fn` that takes a raw device pointer and returns a device reference is
    /// checked; one that returns the reference inside a type devref cannot see through (a
    /// generic wrapper of another crate) is not.
    ///
    /// ### Example
    /// ```rust,ignore
    /// /// # Safety
    /// ///
    /// /// `ptr` must be a valid pointer to a `struct device`.
    /// pub unsafe fn from_raw<'a>(ptr: *mut bindings::device) -> &'a Self { /* … */ }
    /// ```
    ///
    /// ### Use instead
    /// ```rust,ignore
    /// /// # Safety
    /// ///
    /// /// Callers must ensure that `ptr` is valid, non-null, and has a non-zero reference count for
    /// /// the entire duration when the returned reference exists.
    /// pub unsafe fn from_raw<'a>(ptr: *mut bindings::device) -> &'a Self { /* … */ }
    /// ```
    pub SAFETY_DOC_MISSING_REFCOUNT = "safety_doc_missing_refcount", SafetyDocs,
    "the `# Safety` doc of an unsafe fn that makes a device reference from a raw pointer does not state the reference count"
}

pub fn check(cx: &FileContext<'_>, out: &mut Vec<Diagnostic>) {
    let model = cx.model;
    for (item, scope) in model.scoped_items(cx.source.id) {
        match &item.kind {
            ItemKind::Fn(sig) => check_fn(cx, item, sig, scope, out),
            ItemKind::Impl(imp) => {
                for assoc in &imp.items {
                    if let ItemKind::Fn(sig) = &assoc.kind {
                        let mut fn_scope = scope.clone();
                        fn_scope.add_generics(&sig.generics);
                        check_fn(cx, assoc, sig, fn_scope, out);
                    }
                }
            }
            ItemKind::Trait { items, .. } => {
                for assoc in items {
                    if let ItemKind::Fn(sig) = &assoc.kind {
                        let mut fn_scope = scope.clone();
                        fn_scope.add_generics(&sig.generics);
                        check_fn(cx, assoc, sig, fn_scope, out);
                    }
                }
            }
            _ => {}
        }
    }
}

fn check_fn(
    cx: &FileContext<'_>,
    item: &Item,
    sig: &FnSig,
    scope: Scope,
    out: &mut Vec<Diagnostic>,
) {
    let model = cx.model;
    let Some(raw) = model.raw_to_ref(sig, &scope) else {
        return;
    };
    if let Some(gaps) = model.safety_doc_gaps(&raw, item.docs()) {
        out.push(diagnostic(cx, item, &raw, &gaps));
    }
}

fn diagnostic(
    cx: &FileContext<'_>,
    item: &Item,
    raw: &RawToRef,
    gaps: &SafetyDocGaps,
) -> Diagnostic {
    let file = cx.source.id;
    let name = item.name.clone().unwrap_or_default();
    let ptr = &raw.param;
    let returns = one_line(cx.source.slice(raw.returns.span));
    let message = match (&gaps.section, gaps.refcount, gaps.duration) {
        (None, _, _) => format!(
            "`unsafe fn {name}` makes a device reference from a raw pointer, but its docs have no `# Safety` section"
        ),
        (Some(_), true, true) => format!(
            "the `# Safety` section of `unsafe fn {name}` does not require a non-zero reference count on `{ptr}`, nor say how long it must hold"
        ),
        (Some(_), true, false) => format!(
            "the `# Safety` section of `unsafe fn {name}` does not require a non-zero reference count on `{ptr}`"
        ),
        (Some(_), false, _) => format!(
            "the `# Safety` section of `unsafe fn {name}` does not say how long the reference count of `{ptr}` must stay non-zero"
        ),
    };
    let mut diagnostic = Diagnostic::lint(&SAFETY_DOC_MISSING_REFCOUNT, item.name_span, message)
        .with_label(format!(
            "makes `{returns}` from the raw pointer `{ptr}: {}`",
            one_line(cx.source.slice(raw.param_ty.span))
        ));
    // The SAFETY comments in the body that are about `ptr` answer to this section: one problem,
    // one finding.
    let vocabulary = &cx.model.contracts.vocabulary;
    for site in sites_of(cx) {
        let inside =
            item.span.start <= site.unsafe_span.start && site.unsafe_span.end <= item.span.end;
        let about_ptr = site
            .calls
            .iter()
            .any(|call| matches!(call.pointer, Provenance::CallerPointer { .. }));
        let Some(found) = site.lookup.found.as_ref().filter(|_| inside && about_ptr) else {
            continue;
        };
        let what = if vocabulary.delegates(&found.text) {
            "this `SAFETY:` comment relies on the `# Safety` section, so it is only as strong"
        } else {
            "this `SAFETY:` comment does not state the reference count either; once the `# Safety` section does, it can rely on it"
        };
        diagnostic = diagnostic.with_anchor(found.span(file), what);
    }
    let layout = doc_layout(cx.comments, cx.source, item.docs(), "Safety");
    if let Some(section) = &gaps.section {
        let span = layout
            .as_ref()
            .and_then(|l| l.section_span(file))
            .or(item.docs().span);
        if let Some(span) = span {
            let what = if gaps.refcount {
                "this section does not mention the reference count"
            } else {
                "this section does not bound how long the reference count must stay non-zero"
            };
            diagnostic = diagnostic.with_secondary(span, what);
        }
        if gaps.refcount {
            diagnostic = diagnostic.with_note(format!(
                "the section says: \"{}\"; a valid pointer is not enough: a device may be freed once its last reference is dropped, so the reference count must stay non-zero",
                quote(section)
            ));
        }
    }
    if raw.borrowed && gaps.duration {
        diagnostic = diagnostic.with_note(format!(
            "the returned `{returns}` has a lifetime the caller picks: the precondition must hold for as long as that reference exists, not only during the call"
        ));
    }
    let sentence = if gaps.refcount {
        if raw.borrowed {
            format!(
                "Callers must ensure that `{ptr}` is valid, non-null, and has a non-zero reference count for the entire duration when the returned reference exists."
            )
        } else {
            format!(
                "Callers must ensure that `{ptr}` is valid, non-null, and has a non-zero reference count for the duration of this function call."
            )
        }
    } else {
        format!(
            "The reference count of `{ptr}` must stay non-zero for the entire duration when the returned reference exists."
        )
    };
    let help = if gaps.section.is_some() {
        "add the reference count to the `# Safety` section"
    } else {
        "add a `# Safety` section that states the reference count"
    };
    // The sentence is shown once: in the suggested lines, or on the help line without them.
    match insertion(cx, item, layout.as_ref(), gaps.section.is_some(), &sentence) {
        Some((at, text)) => diagnostic.with_suggestion(
            help,
            Span::new(file, at..at),
            text,
            Applicability::MachineApplicable,
        ),
        None => diagnostic.with_help(format!("{help}: \"{sentence}\"")),
    }
}

/// Where and what to insert: at the end of the `# Safety` section, after the docs as a new section,
/// or above the fn when it has no docs.
fn insertion(
    cx: &FileContext<'_>,
    item: &Item,
    layout: Option<&DocLayout>,
    has_section: bool,
    sentence: &str,
) -> Option<(usize, String)> {
    let source = cx.source;
    match layout {
        Some(layout) => {
            let (after, section) = if has_section {
                (layout.lines.get(layout.last.or(layout.heading)?)?, false)
            } else {
                (layout.lines.last()?, true)
            };
            let line = cx.comments.line_of(after.start as usize) as usize;
            let indent = indentation(source, line);
            let mut text = format!("\n{indent}///");
            if section {
                text.push_str(&format!("\n{indent}/// # Safety\n{indent}///"));
            }
            for doc_line in comment_lines(&indent, "///", sentence, 100) {
                text.push('\n');
                text.push_str(&doc_line);
            }
            Some((after.end as usize, text))
        }
        None if item.docs().is_empty() => {
            let line = cx.comments.line_of(item.span.start as usize) as usize;
            let indent = indentation(source, line);
            let mut text = format!("{indent}/// # Safety\n{indent}///\n");
            for doc_line in comment_lines(&indent, "///", sentence, 100) {
                text.push_str(&doc_line);
                text.push('\n');
            }
            Some((source.line_start(line), text))
        }
        None => None,
    }
}

/// A section quoted on one line, shortened.
fn quote(section: &str) -> String {
    let text = one_line(section);
    if text.chars().count() > 240 {
        let cut: String = text.chars().take(240).collect();
        format!("{cut}…")
    } else {
        text
    }
}
