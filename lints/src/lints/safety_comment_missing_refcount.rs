use crate::comments::CommentKind;
use crate::declare_lint;
use crate::diagnostic::{Applicability, Diagnostic};
use crate::lints::missing_safety_comment::{call_label, capitalize, refcount_sentence};
use crate::lints::FileContext;
use crate::model::body::{sites_of, Site, SiteKind};
use crate::model::contracts::{one_line, SafetyComment, Vocabulary};
use crate::source::Span;

declare_lint! {
    /// ### What it does
    /// Checks the `// SAFETY:` comment of an `unsafe` block that calls a refcount-sensitive function
    /// (see `missing_safety_comment`), and of an `unsafe impl AlwaysRefCounted` for a device type,
    /// and reports it when it does not address the reference count.
    ///
    /// A comment passes when it states the refcount precondition ("reference count", "refcount",
    /// "holds a reference", "owns a reference", "owns the initial reference", "reference is taken",
    /// "given back ownership" …); or when it delegates to the enclosing `unsafe fn`'s requirements
    /// ("by the safety requirements", "the caller guarantees") and that fn's `# Safety` section (or
    /// the trait method's it implements) states the reference count; or when it cites the type
    /// invariants ("by the type invariant") and the `# Invariants` section of the impl's `Self` type
    /// states the reference count or ownership. A delegation to a contract that does not state the
    /// reference count fails, and the message points at that contract.
    ///
    /// ### Why is this bad
    /// "`ptr` is valid" does not say what keeps the device alive. A device is freed when its last
    /// reference is dropped, so the pointer stays valid only while someone holds a reference. The
    /// comment must say who, and for how long: that is what a reviewer needs to check.
    ///
    /// ### Example
    /// ```rust,ignore
    /// // SAFETY: `dev` points to a valid `struct device`.
    /// unsafe { device::Device::from_raw(dev) }
    /// ```
    ///
    /// ### Use instead
    /// ```rust,ignore
    /// // SAFETY: `dev` is embedded in `self`, which holds a reference to the device, so its
    /// // reference count is non-zero for as long as the returned reference (bound to `&self`)
    /// // exists.
    /// unsafe { device::Device::from_raw(dev) }
    /// ```
    pub SAFETY_COMMENT_MISSING_REFCOUNT = "safety_comment_missing_refcount", SafetyDocs,
    "a SAFETY comment does not address the device reference count the unsafe code depends on"
}

pub fn check(cx: &FileContext<'_>, out: &mut Vec<Diagnostic>) {
    let vocabulary = &cx.model.contracts.vocabulary;
    for site in sites_of(cx) {
        let Some(found) = &site.lookup.found else {
            continue;
        };
        if let Some(failure) = judge(vocabulary, site, found) {
            out.push(diagnostic(cx, site, found, &failure));
        }
    }
}

/// A contract the comment relies on that does not state the reference count.
struct Reliance {
    /// "the safety requirements of `unsafe fn from_raw`".
    what: String,
    /// Why it does not help.
    problem: String,
    doc_span: Option<Span>,
}

#[derive(Default)]
struct Failure {
    delegated: Option<Reliance>,
    cited: Option<Reliance>,
}

/// `None` when the comment addresses the reference count.
fn judge(vocabulary: &Vocabulary, site: &Site, found: &SafetyComment) -> Option<Failure> {
    let text = &found.text;
    if vocabulary.states_refcount(text) {
        return None;
    }
    let mut failure = Failure::default();
    if vocabulary.delegates(text) {
        match &site.fn_contract {
            Some(contract) => match &contract.section {
                Some(section) if vocabulary.states_refcount(section) => return None,
                Some(_) => {
                    failure.delegated = Some(Reliance {
                        what: format!("the safety requirements of {}", contract.owner),
                        problem: "its `# Safety` section does not state the reference count"
                            .to_string(),
                        doc_span: contract.doc_span,
                    })
                }
                None => {
                    let problem = if contract.is_unsafe {
                        "it has no `# Safety` section"
                    } else {
                        "it is not an `unsafe fn`, so its callers promise nothing"
                    };
                    failure.delegated = Some(Reliance {
                        what: format!("the safety requirements of {}", contract.owner),
                        problem: problem.to_string(),
                        doc_span: None,
                    })
                }
            },
            None => {
                failure.delegated = Some(Reliance {
                    what: "the caller's safety requirements".to_string(),
                    problem: "the code is in no function".to_string(),
                    doc_span: None,
                })
            }
        }
    }
    let self_names: Vec<String> = site
        .invariants
        .as_ref()
        .map(|inv| {
            inv.type_name
                .rsplit("::")
                .next()
                .map(|n| vec![n.to_lowercase()])
                .unwrap_or_default()
        })
        .unwrap_or_default();
    let self_names: Vec<&str> = self_names.iter().map(String::as_str).collect();
    if vocabulary.cites_invariants(text, &self_names) {
        match &site.invariants {
            Some(invariants) => match &invariants.section {
                Some(section) if vocabulary.states_ownership(section) => return None,
                Some(_) => {
                    failure.cited = Some(Reliance {
                        what: format!("the type invariants of `{}`", invariants.type_name),
                        problem: "its `# Invariants` section does not state the reference count or who owns the device".to_string(),
                        doc_span: invariants.doc_span,
                    })
                }
                None => {
                    failure.cited = Some(Reliance {
                        what: format!("the type invariants of `{}`", invariants.type_name),
                        problem: "it has no `# Invariants` section".to_string(),
                        doc_span: invariants.doc_span,
                    })
                }
            },
            None => {
                failure.cited = Some(Reliance {
                    what: "type invariants".to_string(),
                    problem: "the code is in no impl of a type whose invariants devref can read"
                        .to_string(),
                    doc_span: None,
                })
            }
        }
    }
    Some(failure)
}

fn diagnostic(
    cx: &FileContext<'_>,
    site: &Site,
    found: &SafetyComment,
    failure: &Failure,
) -> Diagnostic {
    let file = cx.source.id;
    let first = &site.calls[0];
    let needs = match &site.kind {
        SiteKind::Block => {
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
        SiteKind::RefcountImpl { type_name, .. } => {
            format!("how instances of `{type_name}` are reference-counted")
        }
    };
    let message = match (&failure.delegated, &failure.cited) {
        (Some(delegated), _) => format!(
            "`SAFETY:` comment relies on {}, which do not state {needs}",
            delegated.what
        ),
        (None, Some(cited)) => format!(
            "`SAFETY:` comment relies on {}, which do not state {needs}",
            cited.what
        ),
        (None, None) => format!("`SAFETY:` comment does not address {needs}"),
    };
    let (primary, label) = match &site.kind {
        SiteKind::Block => (first.span, call_label(first)),
        SiteKind::RefcountImpl { .. } => (
            site.unsafe_span,
            "`AlwaysRefCounted` requires instances to be reference-counted".to_string(),
        ),
    };
    let mut diagnostic = Diagnostic::lint(&SAFETY_COMMENT_MISSING_REFCOUNT, primary, message)
        .with_label(label)
        .with_secondary(
            found.span(file),
            "this comment does not mention the reference count",
        );
    if let SiteKind::Block = site.kind {
        for call in &site.calls[1..] {
            diagnostic = diagnostic.with_secondary(call.span, call_label(call));
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
        if call.precondition.quoted {
            diagnostic = diagnostic.with_note(format!(
                "the contract of `{}` says: \"{}\"",
                call.callee,
                one_line(&call.precondition.sentence)
            ));
        } else {
            diagnostic = diagnostic.with_note(capitalize(&call.precondition.sentence));
        }
    }
    let sentence = match &site.kind {
        SiteKind::Block => capitalize(&refcount_sentence(first)),
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
    let last = found.last();
    let help = if failure
        .delegated
        .as_ref()
        .is_some_and(|d| d.doc_span.is_some())
    {
        "state the reference count here, or in the `# Safety` section the comment relies on"
    } else {
        "say what keeps the reference count non-zero"
    };
    match last.kind {
        CommentKind::Line => {
            let line = cx.comments.line_of(last.start as usize) as usize;
            let column = last.start as usize - cx.source.line_starts()[line];
            let indent = " ".repeat(column);
            let marker = if last.is_doc() { "///" } else { "//" };
            let mut replacement = String::new();
            for text_line in wrap(
                &sentence,
                100usize.saturating_sub(column + marker.len() + 1),
            ) {
                replacement.push_str(&format!("\n{indent}{marker} {text_line}"));
            }
            diagnostic = diagnostic.with_suggestion(
                help,
                Span::new(file, last.end as usize..last.end as usize),
                replacement,
                applicability,
            );
        }
        CommentKind::Block => {
            let at = if last.terminated {
                last.end as usize - 2
            } else {
                last.end as usize
            };
            diagnostic = diagnostic.with_suggestion(
                help,
                Span::new(file, at..at),
                format!("{sentence} "),
                applicability,
            );
        }
    }
    diagnostic.with_note("a device is freed when its reference count drops to zero: a pointer is valid only while someone holds a reference, so the comment must say who does, and for how long")
}

/// Words of `text` in lines of at most `width` characters.
fn wrap(text: &str, width: usize) -> Vec<String> {
    let width = width.max(40);
    let mut lines = Vec::new();
    let mut current = String::new();
    for word in text.split_whitespace() {
        if !current.is_empty() && current.len() + 1 + word.len() > width {
            lines.push(std::mem::take(&mut current));
        }
        if !current.is_empty() {
            current.push(' ');
        }
        current.push_str(word);
    }
    if !current.is_empty() {
        lines.push(current);
    }
    lines
}
