//! The semantic model: every lint asks it what a name means and whether a type is a device.

pub mod body;
pub mod contracts;
pub mod def_map;
pub mod devices;
pub mod item_tree;
pub mod lifetimes;
pub mod lower;
pub mod macros;
pub mod registrations;
pub mod spans;
pub mod types;

use foldhash::{HashMap, HashMapExt, HashSet};

use def_map::{DefId, DefMap, FileInput, ItemRef, ModuleId, Namespace, Res};
use devices::{DeviceCatalogue, DeviceEntry};
use item_tree::{Adt, Impl, Item, ItemKind, ItemTree, TypeKind};
pub use types::Scope;

use crate::options::Options;
use crate::source::FileId;

/// One registration of a function as a C callback (see [`Model::callback`]).
#[derive(Debug)]
struct CallbackSite {
    file: FileId,
    /// The type the path names the function through (`Adapter` in `Adapter::<T>::probe`).
    owner: Option<String>,
    role: String,
    called_in_file: bool,
}

/// How a function is used as a C callback.
#[derive(Clone, Copy, Debug)]
pub struct Callback<'m> {
    /// The field it is registered in: `probe`, `remove`, `release`.
    pub role: &'m str,
    /// Rust code calls it too, so an `unsafe fn`'s `# Safety` binds real callers.
    pub called_from_rust: bool,
}

/// A linted file as the model keeps it.
#[derive(Debug)]
pub struct ModelFile {
    pub id: FileId,
    pub name: String,
    pub tree: ItemTree,
}

#[derive(Debug)]
pub struct Model {
    pub files: Vec<ModelFile>,
    /// The configuration the analysis runs with (refcount vocabulary and functions included).
    pub options: Options,
    pub def_map: DefMap,
    pub devices: DeviceCatalogue,
    /// Refcount safety contracts: vocabulary and built-in refcount-sensitive functions.
    pub contracts: contracts::Contracts,
    /// Local types counted with a device get/put function, also those the catalogue does not derive
    /// (`#[repr(C)]` wrappers such as fwctl's `Device<T>`).
    pub refcounted: contracts::RefcountedTypes,
    /// Impl blocks by the local type they implement for.
    impls_by_self: HashMap<DefId, Vec<ItemRef>>,
    /// Lifetime parameters of local types that reach a device reference.
    device_lifetimes: HashMap<DefId, Vec<lifetimes::DeviceLifetime>>,
    /// The names a call of a C get/put function can be written with: theirs, and those of the
    /// `use … as` renames of them (see [`Model::may_name_get_put`]).
    get_put_names: HashSet<String>,
    /// Functions handed to C as callbacks, by function name.
    callbacks: HashMap<String, Vec<CallbackSite>>,
}

impl Model {
    /// `files` must be indexed by their `FileId`.
    pub fn build(files: Vec<ModelFile>, options: &Options) -> Model {
        let inputs: Vec<FileInput<'_>> = files
            .iter()
            .map(|f| FileInput {
                id: f.id,
                path: &f.name,
                tree: &f.tree,
            })
            .collect();
        let def_map = DefMap::build(&inputs);
        let mut devices = DeviceCatalogue::built_in();
        devices.extend(&options.devices, &options.get_put);
        let mut contracts = contracts::Contracts::built_in();
        contracts.extend(&options.refcount_functions, &options.refcount_vocabulary);
        let mut model = Model {
            files,
            def_map,
            devices,
            contracts,
            refcounted: contracts::RefcountedTypes::default(),
            options: options.clone(),
            impls_by_self: HashMap::new(),
            device_lifetimes: HashMap::new(),
            get_put_names: HashSet::default(),
            callbacks: HashMap::new(),
        };
        model.index_impls();
        model.derive_devices();
        model.refcounted = model.compute_refcounted_types();
        model.device_lifetimes = model.compute_device_lifetimes();
        model.get_put_names = model.compute_get_put_names();
        model.callbacks = model.index_callbacks();
        model
    }

    fn index_callbacks(&self) -> HashMap<String, Vec<CallbackSite>> {
        let mut callbacks: HashMap<String, Vec<CallbackSite>> = HashMap::new();
        for file in &self.files {
            for registration in &file.tree.registrations {
                callbacks
                    .entry(registration.function().to_string())
                    .or_default()
                    .push(CallbackSite {
                        file: file.id,
                        owner: registration.owner().map(str::to_string),
                        role: registration.role.clone(),
                        called_in_file: registration.called_in_file,
                    });
            }
        }
        callbacks
    }

    /// How a function is registered as a C callback, if the linted sources register it: through
    /// its impl's type (`Adapter::<T>::probe_callback`, `Self::probe_callback` in an impl of
    /// `Adapter`), or by its bare name in its own file. Of several roles, a teardown role wins: it
    /// is the stricter one.
    pub fn callback(
        &self,
        file: FileId,
        impl_self: Option<&str>,
        function: &str,
    ) -> Option<Callback<'_>> {
        let candidates = self.callbacks.get(function)?;
        let matches = |site: &CallbackSite| match (site.owner.as_deref(), impl_self) {
            (Some(owner), Some(self_name)) => owner == self_name,
            (None, _) => site.file == file,
            (Some(_), None) => false,
        };
        // A registration in the fn's own file names it; one elsewhere only when none does
        // (`Adapter` is a common name: pci.rs and phy.rs each have theirs).
        let local = candidates
            .iter()
            .any(|site| site.file == file && matches(site));
        let mut found: Option<Callback<'_>> = None;
        for site in candidates {
            if !matches(site) || (local && site.file != file) {
                continue;
            }
            let called_from_rust =
                site.called_in_file || found.as_ref().is_some_and(|f| f.called_from_rust);
            let teardown = registrations::is_teardown_role(&site.role);
            let role = match &found {
                Some(previous) if !teardown => previous.role,
                _ => site.role.as_str(),
            };
            found = Some(Callback {
                role,
                called_from_rust,
            });
        }
        found
    }

    /// Whether a call whose path ends in `name` may resolve to a C get/put function: a cheap test
    /// before resolving every call of every body. Renames are followed through any chain of
    /// `use … as`, so a `false` is certain.
    pub fn may_name_get_put(&self, name: &str) -> bool {
        self.get_put_names.contains(name)
    }

    fn compute_get_put_names(&self) -> HashSet<String> {
        let mut names: HashSet<String> = self
            .devices
            .get_put_functions()
            .map(str::to_string)
            .collect();
        loop {
            let mut added = false;
            for file in &self.files {
                for item in &file.tree.items {
                    let ItemKind::Use(imports) = &item.kind else {
                        continue;
                    };
                    for import in imports {
                        if let (Some(last), Some(binds)) = (import.path.last(), &import.binds) {
                            if names.contains(last) && !names.contains(binds) {
                                names.insert(binds.clone());
                                added = true;
                            }
                        }
                    }
                }
            }
            if !added {
                return names;
            }
        }
    }

    pub fn file(&self, id: FileId) -> &ModelFile {
        &self.files[id.0 as usize]
    }

    pub fn item(&self, item: ItemRef) -> &Item {
        &self.file(item.file).tree.items[item.index as usize]
    }

    /// The module an item of a file is written in.
    pub fn module_of_item(&self, file: FileId, item: &Item) -> Option<ModuleId> {
        self.def_map.module_of(file, item.module)
    }

    /// The scope in which an item's own types are written (its module, its generics).
    pub fn item_scope(&self, file: FileId, item: &Item) -> Option<Scope> {
        let module = self.module_of_item(file, item)?;
        let mut scope = Scope::new(module);
        match &item.kind {
            ItemKind::Adt(adt) => scope.add_generics(&adt.generics),
            ItemKind::TypeAlias { generics, .. } => scope.add_generics(generics),
            ItemKind::Fn(sig) => scope.add_generics(&sig.generics),
            ItemKind::Impl(imp) => {
                scope.add_generics(&imp.generics);
                scope.self_ty = Some(Box::new((imp.self_ty.clone(), module)));
            }
            _ => {}
        }
        Some(scope)
    }

    fn index_impls(&mut self) {
        let mut index: HashMap<DefId, Vec<ItemRef>> = HashMap::new();
        for file in &self.files {
            for (i, item) in file.tree.items.iter().enumerate() {
                let ItemKind::Impl(imp) = &item.kind else {
                    continue;
                };
                let Some(scope) = self.item_scope(file.id, item) else {
                    continue;
                };
                if let Res::Def(def) = self.resolve_type(&imp.self_ty, &scope) {
                    index.entry(def).or_default().push(ItemRef {
                        file: file.id,
                        index: i as u32,
                    });
                }
            }
        }
        self.impls_by_self = index;
    }

    /// The impl blocks written for a local type, with the impl's item.
    pub fn impls_of(&self, def: DefId) -> impl Iterator<Item = (ItemRef, &Impl)> {
        self.impls_by_self
            .get(&def)
            .into_iter()
            .flatten()
            .filter_map(|item_ref| match &self.item(*item_ref).kind {
                ItemKind::Impl(imp) => Some((*item_ref, imp)),
                _ => None,
            })
    }

    /// The trait an impl implements, resolved.
    pub fn impl_trait(&self, item_ref: ItemRef, imp: &Impl) -> Res {
        let item = self.item(item_ref);
        match (&imp.trait_path, self.module_of_item(item_ref.file, item)) {
            (Some(path), Some(module)) => self.def_map.resolve_path(module, path, Namespace::Types),
            _ => Res::Unknown,
        }
    }

    /// Whether a `Drop` or `PinnedDrop` impl of the type calls a catalogue put function.
    pub fn puts_in_drop(&self, def: DefId) -> bool {
        self.impls_of(def).any(|(item_ref, imp)| {
            let trait_res = self.impl_trait(item_ref, imp);
            let written = imp.trait_path.as_ref().and_then(|p| p.last_name());
            let is_drop = self.is_core_item(&trait_res, "ops", "Drop")
                || self.is_kernel_item(&trait_res, "PinnedDrop")
                || (trait_res == Res::Unknown && matches!(written, Some("Drop" | "PinnedDrop")));
            is_drop
                && imp.items.iter().any(|assoc| match &assoc.kind {
                    ItemKind::Fn(sig) => sig.calls.iter().any(|callee| {
                        callee.last_name().is_some_and(|name| {
                            self.devices
                                .get_put(name)
                                .is_some_and(|f| f.direction == devices::Direction::Put)
                        })
                    }),
                    _ => false,
                })
        })
    }

    /// Whether a resolution names an item of the `kernel` crate with this final name
    /// (kernel items move between modules across releases: `types::ARef` became `sync::aref::ARef`).
    pub fn is_kernel_item(&self, res: &Res, name: &str) -> bool {
        self.def_map.canonical_path(res).is_some_and(|path| {
            path.first().map(String::as_str) == Some("kernel")
                && path.last().map(String::as_str) == Some(name)
        })
    }

    pub fn is_core_item(&self, res: &Res, module: &str, name: &str) -> bool {
        res.is_external(&["core", module, name])
    }

    /// Adds linted abstractions to the catalogue: the built-in paths bound to their definitions, and any
    /// `#[repr(transparent)]` wrapper of `Opaque<bindings::X>` that is a device (it implements
    /// `AsRef<device::Device>`, or `AlwaysRefCounted` by taking and dropping a device reference).
    fn derive_devices(&mut self) {
        let canonical: Vec<(DefId, Vec<String>)> = (0..self.def_map.defs.len())
            .map(|index| DefId(index as u32))
            .filter(|def| {
                matches!(
                    self.item(self.def_map.def(*def).item).kind,
                    ItemKind::Adt(_)
                )
            })
            .filter_map(|def| Some((def, self.def_map.canonical_path(&Res::Def(def))?)))
            .collect();
        // Built-in paths first: derivation asks whether a wrapper converts to `device::Device`.
        for (def, path) in &canonical {
            self.devices.bind_def(&path.join("::"), *def);
        }
        let mut derived: Vec<DeviceEntry> = Vec::new();
        for (def_id, path) in &canonical {
            let path_text = path.join("::");
            if self.devices.by_rust_path(&path_text).is_some() {
                continue;
            }
            let def = self.def_map.def(*def_id);
            let item = self.item(def.item);
            let ItemKind::Adt(adt) = &item.kind else {
                continue;
            };
            if !adt.repr_transparent {
                continue;
            }
            let Some(c_type) = self.opaque_c_type(def.item.file, item, adt) else {
                continue;
            };
            if self.implements_device_traits(*def_id) {
                let short_name = match path.len() {
                    0 | 1 => def.name.clone(),
                    n => format!("{}::{}", path[n - 2], path[n - 1]),
                };
                derived.push(DeviceEntry {
                    rust_path: path_text,
                    c_type,
                    short_name,
                    def: Some(*def_id),
                });
            }
        }
        for entry in derived {
            self.devices.add(entry);
        }
    }

    /// `X` when the struct's only data is `Opaque<bindings::X>`.
    fn opaque_c_type(&self, file: FileId, item: &Item, adt: &Adt) -> Option<String> {
        let scope = self.item_scope(file, item)?;
        adt.fields().find_map(|field| {
            let TypeKind::Path(path) = &field.ty.kind else {
                return None;
            };
            let res = self
                .def_map
                .resolve_path(scope.module, path, Namespace::Types);
            if !self.is_kernel_item(&res, "Opaque") {
                return None;
            }
            let inner = types::first_type_arg(path)?;
            match self.resolve_type(inner, &scope) {
                Res::External(p) if p.len() == 2 && p[0] == "bindings" => Some(p[1].clone()),
                _ => None,
            }
        })
    }

    fn implements_device_traits(&self, def: DefId) -> bool {
        self.impls_of(def).any(|(item_ref, imp)| {
            let trait_res = self.impl_trait(item_ref, imp);
            if self.is_core_item(&trait_res, "convert", "AsRef") {
                let item = self.item(item_ref);
                let Some(scope) = self.item_scope(item_ref.file, item) else {
                    return false;
                };
                let target = imp
                    .trait_path
                    .as_ref()
                    .and_then(|p| types::first_type_arg(p));
                return target.is_some_and(|t| {
                    let res = self.resolve_type(t, &scope);
                    self.devices
                        .by_rust_path("kernel::device::Device")
                        .is_some_and(|entry| self.res_is_entry(&res, entry))
                });
            }
            if self.is_kernel_item(&trait_res, "AlwaysRefCounted") {
                return imp.items.iter().any(|assoc| match &assoc.kind {
                    ItemKind::Fn(sig) => sig.calls.iter().any(|callee| {
                        callee
                            .last_name()
                            .is_some_and(|name| self.devices.is_get_put(name))
                    }),
                    _ => false,
                });
            }
            false
        })
    }

    fn res_is_entry(&self, res: &Res, entry: &DeviceEntry) -> bool {
        match res {
            Res::Def(def) => entry.def == Some(*def),
            other => self
                .def_map
                .canonical_path(other)
                .is_some_and(|p| p.join("::") == entry.rust_path),
        }
    }

    /// The device abstraction a resolution names (`kernel::pci::Device`), if any.
    pub fn device_abstraction(&self, res: &Res) -> Option<&DeviceEntry> {
        match res {
            Res::Def(def) => self.devices.by_def(*def),
            Res::External(path) => self.devices.by_rust_path(&path.join("::")),
            _ => None,
        }
    }

    /// The device C type a resolution names (`bindings::pci_dev`), if any.
    pub fn c_device(&self, res: &Res) -> Option<&DeviceEntry> {
        match res {
            Res::External(path) if path.len() == 2 && path[0] == "bindings" => {
                self.devices.by_c_type(&path[1])
            }
            _ => None,
        }
    }
}
