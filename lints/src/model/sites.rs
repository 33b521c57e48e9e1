//! The facts the body model records for each `unsafe` block of a file (see [`super::body`]): its
//! refcount-sensitive calls, where each one's pointer comes from, and the contracts around it.
//! Plain data, which the safety lints filter and render.

use crate::model::safety_text::Lookup;
use crate::source::Span;
use crate::text::{capitalize, one_line};

/// Where the raw pointer a call or dereference is about comes from, and so what keeps the object
/// it points to alive.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) enum Provenance {
    /// The object `*self` or a borrowed parameter is (`self.as_raw()`, `self.0.get()`), or an
    /// object embedded in it (`addr_of_mut!((*self.as_raw()).dev)`): it shares that object's
    /// reference count, which the live borrow keeps non-zero.
    BorrowProjection { borrow: String },
    /// `container_of!(dev.as_raw(), bindings::pci_dev, dev)` of a borrowed embedded device: the
    /// same reference count.
    BorrowContainer { borrow: String },
    /// `self.ptr` of a type whose `Drop` puts what the field points to (see
    /// [`crate::model::Model::puts_field_in_drop`]): the borrowed object holds that reference for
    /// as long as the borrow lives.
    BorrowOwned { borrow: String, field: String },
    /// A reference this code holds itself: the initial reference of an `…_alloc()`, or one a get
    /// took (`source` names the function).
    Owned { source: String },
    /// A raw pointer parameter of an `extern "C" fn` the linted sources register as a callback in
    /// the field `role` (`probe`, `remove`, …): the C core calls it on a registered device.
    CallbackArg { param: String, role: String },
    /// A parameter of a callback registered in a teardown role (`release`, `free`): it runs once
    /// the last reference is gone, so nobody keeps the object alive by construction.
    TeardownCallbackArg { param: String, role: String },
    /// A pointer to a different object than the one it is read from.
    OtherObject(OtherObject),
    /// A raw pointer parameter of an `unsafe fn`: its `# Safety` section is the contract.
    CallerPointer { param: String },
    /// Anything else: following it would need type inference.
    #[default]
    Unknown,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum OtherObject {
    /// `(*self.as_raw()).dev`: a pointer stored in a field of `owner` (its type's name, if known).
    Field {
        field: String,
        owner: Option<String>,
    },
    /// `bindings::interface_to_usbdev(…)`: what a C accessor returns.
    Accessor { function: String },
}

impl Provenance {
    /// A reference made from such a pointer is alive by construction: the code's own borrow
    /// keeps the count non-zero, and the signature, not a comment, says for how long.
    pub fn is_live_borrow(&self) -> bool {
        matches!(
            self,
            Provenance::BorrowProjection { .. }
                | Provenance::BorrowContainer { .. }
                | Provenance::BorrowOwned { .. }
        )
    }

    /// The words a comment names the object the pointer reaches with: a field's name, an
    /// accessor's name, "parent".
    pub fn object_words(&self) -> Vec<String> {
        match self {
            Provenance::OtherObject(OtherObject::Field { field, .. }) => {
                vec![field.clone(), "parent".to_string()]
            }
            Provenance::OtherObject(OtherObject::Accessor { function }) => {
                vec![function.clone(), "parent".to_string(), "device".to_string()]
            }
            _ => Vec::new(),
        }
    }

    /// How a message names the object the pointer reaches.
    pub fn object(&self) -> String {
        match self {
            Provenance::OtherObject(OtherObject::Field { field, owner }) => {
                let of = owner
                    .as_ref()
                    .map(|owner| format!(" of `{owner}`"))
                    .unwrap_or_default();
                if field == "parent" {
                    format!("the parent device that field `parent`{of} points to")
                } else {
                    format!("the device that field `{field}`{of} points to")
                }
            }
            Provenance::OtherObject(OtherObject::Accessor { function }) => {
                format!("the device `{function}` returns")
            }
            Provenance::CallbackArg { param, role }
            | Provenance::TeardownCallbackArg { param, role } => {
                format!("the object `{param}` of the `{role}` callback points to")
            }
            Provenance::CallerPointer { param } => format!("the object `{param}` points to"),
            Provenance::Owned { source } => format!("the object `{source}` returned"),
            Provenance::BorrowProjection { borrow } | Provenance::BorrowContainer { borrow } => {
                format!("the object `{borrow}` borrows")
            }
            Provenance::BorrowOwned { borrow, field } => {
                format!("the device that field `{field}` of `{borrow}` holds a reference to")
            }
            Provenance::Unknown => "the device".to_string(),
        }
    }
}

/// What a refcount-sensitive call needs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum CallKind {
    /// Makes a borrowed device reference from a raw pointer: `from_raw`, `as_ref`, `&*ptr`.
    Borrow,
    /// Takes a new reference from a raw pointer for the duration of the call: `get_device`.
    Counted,
    /// `ARef::from_raw`: takes over a reference the caller owns.
    TakeOver,
    /// `bindings::get_device` and bus variants.
    Get,
    /// `bindings::put_device`, bus variants, `dec_ref`.
    Put,
    /// An `unsafe fn` of the linted sources whose contract states the reference count.
    Derived,
}

/// The callee's precondition: quoted from its doc, or known built in.
#[derive(Clone, Debug)]
pub(crate) struct Precondition {
    /// "the `# Safety` section of `device::Device::from_raw`" or a built-in summary.
    pub sentence: String,
    /// The sentence is the callee's own words.
    pub quoted: bool,
}

#[derive(Clone, Debug)]
pub(crate) struct SensitiveCall {
    pub span: Span,
    pub kind: CallKind,
    /// How to name the callee: `device::Device::from_raw`; for a dereference, what it makes.
    pub callee: String,
    /// The pointer or argument the precondition is about, as written (`ptr`).
    pub arg: String,
    pub precondition: Precondition,
    /// A raw pointer dereference rather than a call.
    pub is_deref: bool,
    /// Where the pointer the precondition is about comes from.
    pub pointer: Provenance,
    /// The callee's docs, when its `# Safety` section does not state what the precondition
    /// says (the precondition is then the canonical one).
    pub weak_contract: Option<Span>,
    /// For a call or dereference that makes a borrowed device reference: how long it lives.
    pub lifetime: Option<RefLifetime>,
}

/// How long a device reference made from a raw pointer lives.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum RefLifetime {
    /// Bound to a local or used in place: confined to the call, unless it is stored, which
    /// `unbounded_device_ref`'s flow reports.
    Local,
    /// The fn's returned value: `tied` when the signature ties its lifetime to a borrowed input
    /// (`fn as_ref(&self) -> &Device`), not when it is `'static` or a lifetime no input has.
    Returned { tied: bool },
}

impl SensitiveCall {
    /// A call (not a dereference) whose pointer's provenance the collector fills in later.
    pub fn new(
        span: Span,
        kind: CallKind,
        callee: String,
        arg: String,
        sentence: String,
    ) -> SensitiveCall {
        SensitiveCall {
            is_deref: false,
            pointer: Provenance::Unknown,
            weak_contract: None,
            lifetime: None,
            span,
            kind,
            callee,
            arg,
            precondition: Precondition {
                sentence,
                quoted: false,
            },
        }
    }

    /// "calls `device::Device::from_raw`" or "dereferences `ptr` into a `&pci::Device`".
    pub fn action(&self) -> String {
        if self.is_deref {
            format!("dereferences {} into {}", self.arg, self.callee)
        } else {
            format!("calls `{}`", self.callee)
        }
    }

    /// How a secondary label names what the call needs.
    pub fn label(&self) -> String {
        let arg = &self.arg;
        match self.kind {
            CallKind::Borrow => {
                format!("needs {arg} to have a non-zero reference count while the reference exists")
            }
            CallKind::Counted | CallKind::Derived => {
                format!("needs {arg} to have a non-zero reference count")
            }
            CallKind::TakeOver => format!("takes over a reference on {arg}"),
            CallKind::Get => format!("takes a reference on {arg}"),
            CallKind::Put => "drops a reference".to_string(),
        }
    }

    /// The sentence a SAFETY comment needs about the reference count for this call.
    pub fn refcount_sentence(&self) -> String {
        let arg = &self.arg;
        match self.kind {
            CallKind::Borrow => format!(
                "{arg} has a non-zero reference count while the returned reference exists, because <reason>."
            ),
            CallKind::Counted | CallKind::Derived => {
                format!("{arg} has a non-zero reference count during this call, because <reason>.")
            }
            CallKind::TakeOver => {
                format!("we own a reference on {arg} (taken by <where>) and give it to the `ARef`.")
            }
            CallKind::Get => format!("{arg} has a non-zero reference count, because <reason>."),
            CallKind::Put => "we own the reference dropped here (taken by <where>).".to_string(),
        }
    }

    /// A note with the callee's precondition: quoted from its docs, or the built-in one.
    pub fn precondition_note(&self) -> String {
        if self.precondition.quoted {
            format!(
                "the contract of `{}` says: \"{}\"",
                self.callee,
                one_line(&self.precondition.sentence)
            )
        } else {
            capitalize(&self.precondition.sentence)
        }
    }
}

/// The `# Safety` contract of the fn around a block, for comments that delegate to it.
#[derive(Clone, Debug)]
pub(crate) struct FnContract {
    pub is_unsafe: bool,
    /// The text of the `# Safety` section (own, or of the trait method it implements).
    pub section: Option<String>,
    /// Where that section is written, when it is in the linted sources.
    pub doc_span: Option<Span>,
    /// Whose section it is: "`unsafe fn from_raw`" or "`AlwaysRefCounted::dec_ref`".
    pub owner: String,
    /// The fn makes a device reference from a raw pointer and its own `# Safety` section falls
    /// short: `safety_doc_missing_refcount` reports it, and the SAFETY comments in its body that
    /// are about the caller's pointer are part of that one finding.
    pub doc_reported: bool,
    /// The fn makes a device reference from a raw pointer and its own `# Safety` section is a
    /// liveness contract (see `Model::safety_doc_gaps`): a comment may rely on it.
    pub doc_accepted: bool,
}

/// The `# Invariants` of the `Self` type around a block, for comments that cite them.
#[derive(Clone, Debug)]
pub(crate) struct TypeInvariants {
    pub type_name: String,
    pub section: Option<String>,
    pub doc_span: Option<Span>,
}

#[derive(Clone, Debug)]
pub(crate) enum SiteKind {
    Block,
    /// `unsafe impl AlwaysRefCounted for X`, with the get/put functions its methods call.
    RefcountImpl {
        type_name: String,
        get: Option<String>,
        put: Option<String>,
    },
}

/// An in-scope `unsafe` block or impl.
#[derive(Clone, Debug)]
pub(crate) struct Site {
    pub kind: SiteKind,
    /// The `unsafe` keyword (block), or `unsafe impl … for X` (impl).
    pub unsafe_span: Span,
    pub calls: Vec<SensitiveCall>,
    pub lookup: Lookup,
    /// Byte offset of the start of the line where a new comment goes, and that line's indentation.
    pub insert_at: usize,
    pub indent: String,
    pub fn_contract: Option<FnContract>,
    pub invariants: Option<TypeInvariants>,
}
