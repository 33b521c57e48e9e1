//! Judging a SAFETY comment by where its device pointer comes from: what it must say, and what it
//! leaves out ([`Failure`]), rendered apart in the lint's module.

use crate::model::safety_text::SafetyComment;
use crate::model::sites::{Provenance, RefLifetime, Site, SiteKind};
use crate::model::vocabulary::Vocabulary;
use crate::model::Model;
use crate::source::Span;

/// A contract the comment relies on that does not state the reference count.
pub(super) struct Reliance {
    /// "the safety requirements of `unsafe fn from_raw`".
    pub what: String,
    /// Why it does not help.
    pub problem: String,
    pub doc_span: Option<Span>,
}

/// What the comment leaves out, by where the pointer comes from.
pub(super) enum Gap {
    /// The reference count the call needs.
    Refcount,
    /// Who holds the reference that keeps another object alive.
    Holder,
    /// That this code owns the reference it gives up, and where it came from.
    Source(String),
}

pub(super) struct Failure {
    /// The call whose need the comment does not meet.
    pub call: usize,
    pub gap: Gap,
    pub delegated: Option<Reliance>,
    pub cited: Option<Reliance>,
    /// The comment delegates to, or cites, a contract that states the reference count.
    pub stated: bool,
}

/// `None` when the comment meets what every call of the site needs, by where its pointer comes
/// from: a live borrow's projection and a callback's argument are alive by construction (the
/// strict reading of the latter is `callback_safety_comment_missing_refcount`'s), and a caller's
/// pointer in an `unsafe fn` whose `# Safety` section falls short is reported once, at that
/// section, by `safety_doc_missing_refcount`.
pub(super) fn judge(model: &Model, site: &Site, found: &SafetyComment) -> Option<Failure> {
    let vocabulary = &model.contracts.vocabulary;
    let text = &found.text;
    if let SiteKind::RefcountImpl { .. } = site.kind {
        if vocabulary.states_refcount(text) {
            return None;
        }
        return Some(contract_failure(vocabulary, site, text, 0, Gap::Refcount))
            .filter(|failure| !failure.stated);
    }
    let doc_reported = site.fn_contract.as_ref().is_some_and(|c| c.doc_reported);
    for (index, call) in site.calls.iter().enumerate() {
        let gap = match &call.pointer {
            // Alive by construction, unless the fn returns it through a signature that ties it to
            // no borrow: then the comment must say what keeps it alive.
            pointer
                if pointer.is_live_borrow()
                    && call.lifetime != Some(RefLifetime::Returned { tied: false }) =>
            {
                continue
            }
            Provenance::CallbackArg { .. } => continue,
            Provenance::CallerPointer { .. } if doc_reported => continue,
            Provenance::Owned { source } => {
                let names_source = text.to_lowercase().contains(&source.to_lowercase());
                if names_source || vocabulary.states_refcount(text) {
                    continue;
                }
                Gap::Source(source.clone())
            }
            pointer @ Provenance::OtherObject(_) => {
                let mut words = pointer.object_words();
                words.push(call.arg.trim_matches('`').to_string());
                if vocabulary.names_holder(text, &words) {
                    continue;
                }
                Gap::Holder
            }
            _ => {
                if vocabulary.states_refcount(text) {
                    continue;
                }
                Gap::Refcount
            }
        };
        let failure = contract_failure(vocabulary, site, text, index, gap);
        if !failure.stated {
            return Some(failure);
        }
    }
    None
}

/// The failure of a comment that does not state what `call` needs by itself: with the contracts
/// it relies on that do not state it either. A comment whose contract states it passes
/// (`Failure::stated`).
fn contract_failure(
    vocabulary: &Vocabulary,
    site: &Site,
    text: &str,
    call: usize,
    gap: Gap,
) -> Failure {
    let mut failure = Failure {
        call,
        gap,
        delegated: None,
        cited: None,
        stated: false,
    };
    if vocabulary.delegates(text) {
        match &site.fn_contract {
            Some(contract) => match &contract.section {
                Some(section) if contract.doc_accepted || vocabulary.states_refcount(section) => {
                    failure.stated = true
                }
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
        .and_then(|inv| inv.type_name.rsplit("::").next().map(str::to_lowercase))
        .into_iter()
        .collect();
    let self_names: Vec<&str> = self_names.iter().map(String::as_str).collect();
    if vocabulary.cites_invariants(text, &self_names) {
        match &site.invariants {
            Some(invariants) => match &invariants.section {
                Some(section) if vocabulary.states_ownership(section) => failure.stated = true,
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
    failure
}
