//! Which lifetime parameters of the crate's structs and enums reach a device reference.
//!
//! `struct MyData<'bound> { pdev: &'bound pci::Device<Bound> }` is "device-carrying in `'bound`", and so
//! is any type holding a `MyData<'x>` in its `'x`. Instantiating such a type with `'static` claims the
//! device outlives the binding.

use foldhash::{HashMap, HashMapExt};

use super::def_map::{DefId, Res};
use super::item_tree::{GenericArg, Impl, ItemKind, TypeKind, TypeRef};
use super::scope::Scope;
use super::types::Walk;
use super::Model;

use super::facts::{ChainLink, DeviceLifetime, FamilyLifetime};

/// Bounded so that pathological type graphs cannot loop.
const MAX_ROUNDS: usize = 32;

impl Model {
    pub(super) fn compute_device_lifetimes(&self) -> HashMap<DefId, Vec<DeviceLifetime>> {
        let mut carrying: HashMap<DefId, Vec<DeviceLifetime>> = HashMap::new();
        let adts: Vec<DefId> = (0..self.def_map.defs.len() as u32)
            .map(DefId)
            .filter(|def| {
                matches!(&self.item(self.def_map.def(*def).item).kind,
                    ItemKind::Adt(adt) if !adt.generics.lifetimes.is_empty())
            })
            .collect();
        for _ in 0..MAX_ROUNDS {
            let mut changed = false;
            for &def in &adts {
                for found in self.carried_lifetimes(def, &carrying) {
                    let entry = carrying.entry(def).or_default();
                    if !entry.iter().any(|known| known.param == found.param) {
                        entry.push(found);
                        changed = true;
                    }
                }
            }
            if !changed {
                break;
            }
        }
        carrying
    }

    /// The lifetime parameters of `def` that reach a device, given what is known of other types.
    fn carried_lifetimes(
        &self,
        def: DefId,
        known: &HashMap<DefId, Vec<DeviceLifetime>>,
    ) -> Vec<DeviceLifetime> {
        let data = self.def_map.def(def);
        let item = self.item(data.item);
        let ItemKind::Adt(adt) = &item.kind else {
            return Vec::new();
        };
        let Some(scope) = self.item_scope(data.item.file, item) else {
            return Vec::new();
        };
        let lifetimes = &adt.generics.lifetimes;
        let mut found: Vec<DeviceLifetime> = Vec::new();
        for field in adt.fields() {
            let link = ChainLink {
                def,
                field: field.display_name(),
                field_span: field.span,
            };
            self.walk_type(&field.ty, &scope, &mut |site| match &site.ty.kind {
                TypeKind::Ref {
                    lifetime: Some(lifetime),
                    referent,
                    ..
                } => {
                    let Some(param) = lifetimes.iter().position(|l| **l == **lifetime) else {
                        return Walk::Descend;
                    };
                    let res = self.resolve_type(referent, site.scope);
                    if self.device_abstraction(&res).is_some() || self.c_device(&res).is_some() {
                        found.push(DeviceLifetime {
                            param,
                            chain: vec![link.clone()],
                        });
                        return Walk::Skip;
                    }
                    Walk::Descend
                }
                TypeKind::Path(path) => {
                    let res = self.resolve_type_path(path, site.scope);
                    if self.is_unbind_scoped(&res) {
                        return Walk::Skip;
                    }
                    let Res::Def(inner) = res else {
                        return Walk::Descend;
                    };
                    let Some(inner_carried) = known.get(&inner) else {
                        return Walk::Descend;
                    };
                    let args = lifetime_args(path);
                    for carried in inner_carried {
                        let Some(arg) = args.get(carried.param) else {
                            continue;
                        };
                        if let Some(param) = lifetimes.iter().position(|l| l == arg) {
                            let mut chain = vec![link.clone()];
                            chain.extend(carried.chain.iter().cloned());
                            found.push(DeviceLifetime { param, chain });
                        }
                    }
                    Walk::Descend
                }
                _ => Walk::Descend,
            });
        }
        found
    }

    /// The family lifetimes of every struct and enum (see [`FamilyLifetime`]).
    pub(super) fn compute_family_lifetimes(&self) -> HashMap<DefId, Vec<FamilyLifetime>> {
        let mut families: HashMap<DefId, Vec<FamilyLifetime>> = HashMap::new();
        for index in 0..self.def_map.defs.len() as u32 {
            let def = DefId(index);
            let data = self.def_map.def(def);
            let item = self.item(data.item);
            let ItemKind::Adt(adt) = &item.kind else {
                continue;
            };
            if adt.generics.lifetimes.is_empty() || adt.generics.types.is_empty() {
                continue;
            }
            let Some(scope) = self.item_scope(data.item.file, item) else {
                continue;
            };
            for field in adt.fields() {
                self.walk_type(&field.ty, &scope, &mut |site| {
                    let TypeKind::Path(path) = &site.ty.kind else {
                        return Walk::Descend;
                    };
                    // `F::Of<'a>` or `<F as ForLt>::Of<'a>`.
                    let family = match (&path.qself, &path.segments[..]) {
                        (Some(qself), [.., last]) if &*last.name == "Of" => match &qself.kind {
                            TypeKind::Path(inner) if inner.segments.len() == 1 => {
                                Some(&*inner.segments[0].name)
                            }
                            _ => None,
                        },
                        (None, [first, last]) if &*last.name == "Of" => Some(&*first.name),
                        _ => None,
                    };
                    let Some(family) =
                        family.and_then(|name| adt.generics.types.iter().position(|t| t == name))
                    else {
                        return Walk::Descend;
                    };
                    for arg in lifetime_args(path) {
                        if let Some(param) = adt.generics.lifetimes.iter().position(|l| l == arg) {
                            families.entry(def).or_default().push(FamilyLifetime {
                                param,
                                family,
                                link: ChainLink {
                                    def,
                                    field: field.display_name(),
                                    field_span: field.span,
                                },
                            });
                        }
                    }
                    Walk::Skip
                });
            }
        }
        families
    }

    pub fn family_lifetimes(&self, def: DefId) -> &[FamilyLifetime] {
        self.family_lifetimes.get(&def).map_or(&[], Vec::as_slice)
    }

    /// `Devres<T>` and `DevresLt<F>` drop what they hold when the device is unbound, so it cannot
    /// outlive the binding (`DevresLt` shortens the stored `'static` to the caller's borrow).
    pub fn is_unbind_scoped(&self, res: &Res) -> bool {
        self.is_kernel_item(res, "Devres") || self.is_kernel_item(res, "DevresLt")
    }

    /// `ForLt`/`CovariantForLt` impls name a lifetime-generic family by one member, conventionally
    /// `X<'static>`; `type Of<'a> = X<'a>` is what gets used.
    pub fn is_lifetime_family_trait(&self, res: &Res) -> bool {
        self.is_kernel_item(res, "ForLt") || self.is_kernel_item(res, "CovariantForLt")
    }

    pub fn device_lifetimes(&self, def: DefId) -> &[DeviceLifetime] {
        self.device_lifetimes.get(&def).map_or(&[], Vec::as_slice)
    }
}

/// The type arguments of a path's last segment, in order (`Generic<'a, F>` gives `[F]`).
pub fn type_args(path: &super::item_tree::PathRef) -> Vec<&super::item_tree::TypeRef> {
    last_segment_args(path, |arg| match arg {
        GenericArg::Type(ty) => Some(ty),
        _ => None,
    })
}

/// The lifetime arguments of a path's last segment, in order (`MyData<'a, T>` gives `["a"]`).
pub fn lifetime_args(path: &super::item_tree::PathRef) -> Vec<&str> {
    last_segment_args(path, |arg| match arg {
        GenericArg::Lifetime(lifetime) => Some(&**lifetime),
        _ => None,
    })
}

fn last_segment_args<'p, T>(
    path: &'p super::item_tree::PathRef,
    pick: impl Fn(&'p GenericArg) -> Option<T>,
) -> Vec<T> {
    path.segments
        .last()
        .map(|segment| segment.args.iter().filter_map(pick).collect())
        .unwrap_or_default()
}

/// `impl TryFrom<&A> for &Device`: a conversion that makes a device reference from a borrow.
pub struct UntiedConversion<'m> {
    pub trait_name: String,
    /// The borrowed argument type and the device reference type the impl is for.
    pub input: &'m TypeRef,
    pub output: &'m TypeRef,
    pub device: String,
}

impl Model {
    /// A conversion trait (`TryFrom`, `From`) implemented for a device reference whose lifetime the
    /// header does not tie to the borrowed argument's. Lifetimes elided in an impl header are
    /// independent of each other, so `<&'static Device>::try_from(&short_borrow)` compiles.
    pub fn untied_conversion<'m>(
        &self,
        imp: &'m Impl,
        scope: &Scope,
    ) -> Option<UntiedConversion<'m>> {
        let trait_path = imp.trait_path.as_ref()?;
        let segment = trait_path.segments.last()?;
        if !matches!(&*segment.name, "TryFrom" | "From") {
            return None;
        }
        let input = segment.args.iter().find_map(|arg| match arg {
            GenericArg::Type(ty) => Some(ty),
            _ => None,
        })?;
        let TypeKind::Ref {
            lifetime: input_lifetime,
            ..
        } = &input.kind
        else {
            return None;
        };
        let TypeKind::Ref {
            lifetime: output_lifetime,
            referent,
            ..
        } = &imp.self_ty.kind
        else {
            return None;
        };
        let tied = match (input_lifetime, output_lifetime) {
            (Some(input), Some(output)) => input == output && &**output != "static",
            _ => false,
        };
        if tied {
            return None;
        }
        let res = self.resolve_type(referent, scope);
        let entry = self
            .device_abstraction(&res)
            .or_else(|| self.c_device(&res))?;
        Some(UntiedConversion {
            trait_name: segment.name.to_string(),
            input,
            output: &imp.self_ty,
            device: entry.display_name(),
        })
    }
}
