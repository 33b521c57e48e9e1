//! Safety contracts of functions and types: the `# Safety` sections of the fns that make a device
//! reference from a raw pointer, and what they leave out; the local types counted with a device
//! get/put function. The words and places of contracts are in [`super::vocabulary`] and
//! [`super::safety_text`].

use super::def_map::{DefId, ItemRef, Res};
use super::facts::RefcountedTypes;
use super::item_tree::{Docs, FnSig, Item, ItemKind, TypeKind, TypeRef};
use super::types::Walk;
use super::vocabulary::*;
use super::{Model, Scope};
use crate::text::one_line;

// --- Functions and their contracts --------------------------------------------------------------

/// A fn of the linted sources: its item, and the scope its signature is written in.
pub struct FnRef<'m> {
    pub item: &'m Item,
    pub sig: &'m FnSig,
    pub scope: Scope,
    /// The impl block it belongs to, if any.
    pub impl_ref: Option<ItemRef>,
}

/// What a `# Safety` section lacks (see [`Model::safety_doc_gaps`]).
#[derive(Clone, Debug)]
pub struct SafetyDocGaps {
    pub section: Option<String>,
    pub refcount: bool,
    pub duration: bool,
}

/// How a fn's signature turns a raw device pointer into a device reference.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RawToRef {
    /// The raw pointer parameter, and its type as written.
    pub param: String,
    pub param_ty: TypeRef,
    /// Its pointee, `bindings::faux_device`.
    pub pointee: String,
    /// The returned device reference, as written.
    pub returns: TypeRef,
    /// `&'a Self`: borrowed (the precondition must hold while it exists); `ARef<…>` is owned.
    pub borrowed: bool,
    /// The borrowed reference's lifetime, `a` for `&'a Self`.
    pub lifetime: Option<String>,
}

impl Model {
    pub(super) fn compute_refcounted_types(&self) -> RefcountedTypes {
        let mut types = RefcountedTypes::default();
        for index in 0..self.def_map.defs.len() {
            let def = DefId(index as u32);
            let data = self.def_map.def(def);
            let item = self.item(data.item);
            let ItemKind::Adt(adt) = &item.kind else {
                continue;
            };
            if !self.counts_with_device_functions(def) {
                continue;
            }
            let name = match self.def_map.canonical_path(&Res::Def(def)) {
                Some(path) if path.len() >= 2 => path[path.len() - 2..].join("::"),
                _ => self.def_map.name(def).to_string(),
            };
            if let Some(c_type) = self.opaque_c_type(data.item.file, item, adt) {
                types.c_types.insert(c_type);
            }
            types.by_def.insert(def, name);
        }
        types
    }

    /// Whether an impl's trait is the kernel's `AlwaysRefCounted`: as resolved, or by its name
    /// when the model cannot follow the import (`use kernel::sync::aref::*`). The one place that
    /// decides it.
    pub fn is_refcount_trait(&self, trait_res: &Res, written_name: Option<&str>) -> bool {
        match trait_res {
            Res::Unknown => written_name == Some("AlwaysRefCounted"),
            res => self.is_kernel_item(res, "AlwaysRefCounted"),
        }
    }

    /// An `AlwaysRefCounted` impl whose methods call a device get/put function.
    fn counts_with_device_functions(&self, def: DefId) -> bool {
        self.impls_of(def).any(|(item_ref, imp)| {
            let trait_res = self.impl_trait(item_ref, imp);
            let written = imp.trait_path.as_ref().and_then(|p| p.last_name());
            self.is_refcount_trait(&trait_res, written)
                && imp.items.iter().any(|assoc| match &assoc.kind {
                    ItemKind::Fn(sig) => sig.calls.iter().any(|callee| {
                        callee
                            .last_name()
                            .is_some_and(|name| self.devices.is_get_put(name))
                    }),
                    _ => false,
                })
        })
    }

    /// A reference-counted device type: a catalogue abstraction, or a local type counted with a
    /// device get/put function. Returns how to name it.
    pub fn refcounted_device(&self, res: &Res) -> Option<String> {
        if let Some(entry) = self.device_abstraction(res) {
            return Some(entry.short_name.clone());
        }
        match res {
            Res::Def(def) => self.refcounted.by_def.get(def).cloned(),
            _ => None,
        }
    }

    /// A device C type: the catalogue's, or the one a refcounted local wrapper wraps.
    pub fn device_c_type(&self, res: &Res) -> Option<String> {
        if let Some(entry) = self.c_device(res) {
            return Some(entry.c_type.clone());
        }
        match res {
            Res::External(path) if path.len() == 2 && path[0] == "bindings" => self
                .refcounted
                .c_types
                .contains(&path[1])
                .then(|| path[1].clone()),
            _ => None,
        }
    }
}

impl Model {
    /// The fn a value path resolves to in the linted sources: a free fn, or an associated fn of a
    /// local type (inherent impls first), looking through type aliases.
    pub fn fn_of(&self, res: &Res) -> Option<FnRef<'_>> {
        match res {
            Res::Def(def) => {
                let data = self.def_map.def(*def);
                let item = self.item(data.item);
                let ItemKind::Fn(sig) = &item.kind else {
                    return None;
                };
                let mut scope = self.item_scope(data.item.file, item)?;
                scope.add_generics(&sig.generics);
                Some(FnRef {
                    item,
                    sig,
                    scope,
                    impl_ref: None,
                })
            }
            Res::Assoc(def, name) => {
                let def = self.alias_target(*def)?;
                self.assoc_fn(def, name)
            }
            _ => None,
        }
    }

    /// A type alias's target definition; a non-alias is its own target.
    fn alias_target(&self, def: DefId) -> Option<DefId> {
        let data = self.def_map.def(def);
        let item = self.item(data.item);
        match &item.kind {
            ItemKind::TypeAlias { ty: Some(ty), .. } => {
                let scope = self.item_scope(data.item.file, item)?;
                match self.resolve_type(ty, &scope) {
                    Res::Def(target) => Some(target),
                    _ => None,
                }
            }
            _ => Some(def),
        }
    }

    /// The associated fn `name` of a local type; inherent impls are searched before trait impls.
    pub fn assoc_fn(&self, def: DefId, name: &str) -> Option<FnRef<'_>> {
        let mut found: Option<FnRef<'_>> = None;
        for (impl_ref, imp) in self.impls_of(def) {
            for assoc in &imp.items {
                let ItemKind::Fn(sig) = &assoc.kind else {
                    continue;
                };
                if assoc.name.as_deref() != Some(name) {
                    continue;
                }
                let impl_item = self.item(impl_ref);
                let Some(mut scope) = self.item_scope(impl_ref.file, impl_item) else {
                    continue;
                };
                scope.add_generics(&sig.generics);
                let candidate = FnRef {
                    item: assoc,
                    sig,
                    scope,
                    impl_ref: Some(impl_ref),
                };
                if imp.trait_path.is_none() {
                    return Some(candidate);
                }
                found.get_or_insert(candidate);
            }
        }
        found
    }

    /// The device pointee of a raw pointer type (`*mut bindings::device`, `NonNull<bindings::pci_dev>`,
    /// `*const Device`, through aliases), as the C or Rust type's display name.
    pub fn raw_device_pointee(&self, ty: &TypeRef, scope: &Scope) -> Option<String> {
        let (expanded, inner) = self.expand(ty, scope)?;
        let pointee = match &expanded.kind {
            TypeKind::Ptr { pointee, .. } => (**pointee).clone(),
            TypeKind::Path(path) => {
                let res = self.resolve_type_path(path, &inner);
                if !self.is_core_item(&res, "ptr", "NonNull") {
                    return None;
                }
                path.first_type_arg()?.clone()
            }
            _ => return None,
        };
        let res = self.resolve_type(&pointee, &inner);
        if let Some(c_type) = self.device_c_type(&res) {
            return Some(format!("bindings::{c_type}"));
        }
        self.refcounted_device(&res)
    }

    /// Whether a type names a device reference: `&'a Device`, `&'a mut Self`, `ARef<pci::Device>`,
    /// `Pin<&'a …>`, also inside `Result`/`Option`. Returns `(borrowed, lifetime)`.
    pub fn device_ref_type(&self, ty: &TypeRef, scope: &Scope) -> Option<(bool, Option<String>)> {
        let mut found = None;
        self.walk_type(ty, scope, &mut |site| {
            if found.is_some() {
                return Walk::Skip;
            }
            match &site.ty.kind {
                TypeKind::Ref {
                    lifetime, referent, ..
                } => {
                    let res = self.resolve_type(referent, site.scope);
                    if self.refcounted_device(&res).is_some() {
                        found = Some((true, lifetime.as_deref().map(str::to_string)));
                    }
                    Walk::Skip
                }
                TypeKind::Path(path) => {
                    let res = self.resolve_type_path(path, site.scope);
                    if self.is_kernel_item(&res, "ARef") {
                        if let Some(inner) = path.first_type_arg() {
                            let inner_res = self.resolve_type(inner, site.scope);
                            if self.refcounted_device(&inner_res).is_some() {
                                found = Some((false, None));
                            }
                        }
                        return Walk::Skip;
                    }
                    Walk::Descend
                }
                TypeKind::Ptr { .. } => Walk::Skip,
                _ => Walk::Descend,
            }
        });
        found
    }

    /// An `unsafe fn` that takes a raw device pointer and returns a device reference made from it.
    pub fn raw_to_ref(&self, sig: &FnSig, scope: &Scope) -> Option<RawToRef> {
        if !sig.is_unsafe {
            return None;
        }
        let ret = sig.ret.as_ref()?;
        let (borrowed, lifetime) = self.device_ref_type(ret, scope)?;
        let (param, param_ty, pointee) = sig.params.iter().find_map(|param| {
            let pointee = self.raw_device_pointee(&param.ty, scope)?;
            Some((
                param.name.as_deref().unwrap_or("ptr").to_string(),
                param.ty.clone(),
                pointee,
            ))
        })?;
        Some(RawToRef {
            param,
            param_ty,
            pointee,
            returns: ret.clone(),
            borrowed,
            lifetime,
        })
    }

    /// What the `# Safety` section of a raw-to-reference `unsafe fn` lacks, if anything: the
    /// non-zero reference count, and for a borrowed reference, how long it must hold. A borrowed
    /// reference's section that binds the pointer's validity to the reference's whole lifetime
    /// lacks nothing.
    pub fn safety_doc_gaps(&self, raw: &RawToRef, docs: &Docs) -> Option<SafetyDocGaps> {
        let vocabulary = &self.contracts.vocabulary;
        let section = docs.section("Safety").map(str::to_string);
        let gaps = match &section {
            None => SafetyDocGaps {
                section: None,
                refcount: true,
                duration: raw.borrowed,
            },
            Some(text) => {
                let bounded = vocabulary.bounds_duration(text, raw.lifetime.as_deref());
                SafetyDocGaps {
                    // A borrowed reference's contract that keeps the pointer valid for the whole
                    // lifetime of the reference ("valid for the duration of `'a`") is a liveness
                    // contract: the count is how a caller meets it, not a second condition.
                    refcount: !(vocabulary.states_refcount(text) || (raw.borrowed && bounded)),
                    duration: raw.borrowed && !bounded,
                    section,
                }
            }
        };
        (gaps.refcount || gaps.duration).then_some(gaps)
    }

    /// The first raw device pointer parameter of a fn, `(name, pointee)`.
    pub fn raw_device_param(&self, sig: &FnSig, scope: &Scope) -> Option<(String, String)> {
        sig.params.iter().find_map(|param| {
            let pointee = self.raw_device_pointee(&param.ty, scope)?;
            Some((param.name.as_deref().unwrap_or("ptr").to_string(), pointee))
        })
    }

    /// Derived refcount-sensitive function: an `unsafe fn` of the linted sources that takes a raw
    /// device pointer and whose `# Safety` section states the reference count. Returns the sentence
    /// that states it.
    pub fn refcount_precondition(&self, func: &FnRef<'_>) -> Option<String> {
        if !func.sig.is_unsafe {
            return None;
        }
        self.raw_device_param(func.sig, &func.scope)?;
        let section = func.item.docs().section("Safety")?;
        let vocabulary = &self.contracts.vocabulary;
        if !vocabulary.states_refcount(section) {
            return None;
        }
        Some(
            refcount_sentence(section, vocabulary)
                .map(|s| one_line(&s))
                .unwrap_or_else(|| one_line(section)),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::safety_text::*;

    fn v() -> Vocabulary {
        Vocabulary::built_in()
    }

    #[test]
    fn refcount_phrases_from_real_code() {
        let vocabulary = v();
        for text in [
            "The existence of a shared reference guarantees that the refcount is non-zero.",
            "Instances of `Device` are always reference-counted.",
            "`self` holds a live reference.",
            "The caller owns a live reference.",
            "`this` owns the initial reference.",
            "The reference count is one, and now we take ownership of that reference",
            "a `struct device` holds a reference count of its parent.",
            "We are given back ownership of the `ARef`.",
        ] {
            assert!(vocabulary.states_refcount(text), "{text}");
        }
        for text in [
            "`dev` points to a valid `struct device`.",
            "The PCI bus only ever calls the probe callback with a valid pointer.",
            "Guaranteed by the safety requirements of the function.",
        ] {
            assert!(!vocabulary.states_refcount(text), "{text}");
        }
    }

    #[test]
    fn delegation_and_invariants() {
        let vocabulary = v();
        assert!(vocabulary.delegates("Guaranteed by the safety requirements of the function."));
        assert!(vocabulary.delegates("the caller guarantees that `ptr` is valid"));
        assert!(vocabulary.cites_invariants("By the type invariant of `Self`, ...", &[]));
        assert!(vocabulary.cites_invariants(
            "The struct invariant ensures that `mdio.dev` is valid.",
            &[]
        ));
        assert!(vocabulary.cites_invariants("valid by the type invariants.", &[]));
        assert!(vocabulary.cites_invariants("By the type invariants of `Device`, x", &["device"]));
        assert!(
            !vocabulary.cites_invariants("Any type invariants of `Ctx` are upheld", &["object"])
        );
        assert!(!vocabulary.cites_invariants("`dev` is valid", &[]));
    }

    #[test]
    fn duration_bounds() {
        let vocabulary = v();
        assert!(vocabulary.bounds_duration("For the duration of `'a`, the pointer", Some("a")));
        assert!(!vocabulary.bounds_duration("For the duration of `'b`, the pointer", Some("a")));
        assert!(vocabulary.bounds_duration(
            "remains valid for the lifetime of the returned [`Chip`] reference.",
            None
        ));
        assert!(vocabulary.bounds_duration(
            "for the duration of this function call and the entire duration when the returned reference exists.",
            Some("a")
        ));
        assert!(!vocabulary.bounds_duration("for the duration of this function call.", Some("a")));
    }

    #[test]
    fn sentences_split_on_capitals() {
        let section = "Callers must ensure that `ptr` is valid, non-null, and has a non-zero reference count,\ni.e. it must be ensured that the count can't drop to zero.\n\nIt must also be ensured that X.\n";
        let got = sentences(section);
        assert_eq!(got.len(), 2, "{got:?}");
        assert!(got[0].starts_with("Callers must ensure"));
        assert!(got[0].ends_with("drop to zero."));
    }

    #[test]
    fn tags() {
        assert_eq!(safety_marker("SAFETY: x"), Some(" x"));
        assert_eq!(safety_marker("# // SAFETY: x"), None);
        assert_eq!(safety_marker("Safety: x"), Some(" x"));
        assert!(is_other_tag("INVARIANT: y"));
        assert!(is_other_tag("CAST: y"));
        assert!(!is_other_tag("`ptr`: y"));
        assert!(!is_other_tag("- By the type invariant: y"));
    }
}
