//! Crates, modules, definitions and name resolution.
//!
//! The module tree is rebuilt from `mod x;` declarations across the linted files, so `crate::`, `super::`
//! and `use` trees resolve as rustc would resolve them. Paths into crates that are not linted (the
//! `kernel` crate when linting a driver alone, `bindings`, `core`) resolve to [`Res::External`] with a
//! normalised path.

use foldhash::{HashMap, HashMapExt};
use std::path::{Component, Path, PathBuf};

use super::item_tree::{Item, ItemKind, ItemTree, PathRef, UseImport};
use crate::source::FileId;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct CrateId(pub u32);
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ModuleId(pub u32);
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct DefId(pub u32);

/// An item of a file: `(file, index into its item tree)`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ItemRef {
    pub file: FileId,
    pub index: u32,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Res {
    Def(DefId),
    Module(ModuleId),
    /// An associated item or variant of a local type: `Device::from_raw`.
    Assoc(DefId, String),
    /// A path into a crate that is not linted, normalised (`kernel::bindings::x` is `bindings::x`).
    External(Vec<String>),
    GenericParam(String),
    Primitive(String),
    Unknown,
}

impl Res {
    /// Whether this is exactly the external item `path` (`["core", "mem", "transmute"]`).
    pub fn is_external(&self, path: &[&str]) -> bool {
        matches!(self, Res::External(p) if p.len() == path.len() && p.iter().zip(path).all(|(a, b)| a == b))
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Namespace {
    Types,
    Values,
}

#[derive(Debug)]
pub struct CrateData {
    pub name: String,
    pub root: ModuleId,
    /// Rooted at a `lib.rs`, so other crates can name it (`kernel::`). A stand-alone driver file is a
    /// crate root too, but nothing refers to it by name.
    pub is_library: bool,
    /// For a file of the `kernel` crate linted without its `lib.rs` (a pre-commit hook passes single
    /// files): the root's real module path, `kernel::drm::device`. `crate::` paths that do not resolve
    /// among the linted files then name the unlinted `kernel` crate.
    pub partial_kernel_path: Option<Vec<String>>,
}

#[derive(Debug, Default)]
pub struct ModuleData {
    pub krate: u32,
    pub parent: Option<ModuleId>,
    pub name: Option<String>,
    pub file: Option<FileId>,
    /// The module's node in its file's item tree.
    pub node: u32,
    pub types: NameTable,
    pub values: NameTable,
    pub children: HashMap<String, ModuleId>,
    pub type_imports: HashMap<String, Res>,
    pub value_imports: HashMap<String, Res>,
    /// What `use x::*` imports point at, once resolved.
    pub glob_targets: Vec<Res>,
    /// Every `use` of the module, resolved or not.
    pending: Vec<PendingImport>,
}

#[derive(Clone, Debug)]
struct PendingImport {
    import: UseImport,
    done: bool,
}

/// The defs of one namespace of a module, by name. A def's name is kept once, in [`DefNames`]:
/// a map keyed by names held each twice, a fifth of the def map of a large run.
#[derive(Debug, Default)]
pub struct NameTable(hashbrown::HashTable<DefId>);

impl NameTable {
    fn hash(name: &str) -> u64 {
        use std::hash::BuildHasher;
        foldhash::fast::FixedState::default().hash_one(name)
    }

    pub fn get(&self, name: &str, names: &DefNames) -> Option<DefId> {
        self.0
            .find(Self::hash(name), |def| names.get(*def) == name)
            .copied()
    }

    /// Adds `def` (already in `names`), in place of a def of the same name when `replaces`.
    fn insert(&mut self, def: DefId, replaces: bool, names: &DefNames) {
        let name = names.get(def);
        let entry = self.0.entry(
            Self::hash(name),
            |other| names.get(*other) == name,
            |other| Self::hash(names.get(*other)),
        );
        match entry {
            hashbrown::hash_table::Entry::Occupied(mut occupied) => {
                if replaces {
                    *occupied.get_mut() = def;
                }
            }
            hashbrown::hash_table::Entry::Vacant(vacant) => {
                vacant.insert(def);
            }
        }
    }
}

#[derive(Debug)]
pub struct DefData {
    pub module: ModuleId,
    pub item: ItemRef,
}

/// The name of every def, by [`DefId`], in one buffer: a `Box<str>` per def took 16 bytes and an
/// allocation rounded up beside each name, for half a million defs on a large run.
#[derive(Debug, Default)]
pub struct DefNames {
    text: String,
    /// Where each def's name ends in `text`; it starts where the one before ends.
    ends: Vec<u32>,
}

impl DefNames {
    pub fn get(&self, def: DefId) -> &str {
        let at = def.0 as usize;
        let start = match at {
            0 => 0,
            _ => self.ends[at - 1] as usize,
        };
        &self.text[start..self.ends[at] as usize]
    }

    fn push(&mut self, name: &str) {
        self.text.push_str(name);
        // Names past 4 GiB in all are cut to nothing rather than wrapped (never seen: a run
        // would hold far more than that in text).
        let end = u32::try_from(self.text.len()).unwrap_or(u32::MAX);
        self.ends
            .push(end.max(self.ends.last().copied().unwrap_or(0)));
    }
}

/// Rounds of import resolution; real crates settle in two or three.
const MAX_IMPORT_ROUNDS: usize = 16;

/// Crates that resolve as external when not linted; any other unknown first segment of a path does too.
const STD_PRELUDE: &[(&str, &[&str])] = &[
    ("Option", &["core", "option", "Option"]),
    ("Some", &["core", "option", "Option", "Some"]),
    ("None", &["core", "option", "Option", "None"]),
    ("Result", &["core", "result", "Result"]),
    ("Ok", &["core", "result", "Result", "Ok"]),
    ("Err", &["core", "result", "Result", "Err"]),
    ("Box", &["core", "boxed", "Box"]),
    ("Vec", &["core", "vec", "Vec"]),
    ("String", &["core", "string", "String"]),
    ("Drop", &["core", "ops", "Drop"]),
    ("Send", &["core", "marker", "Send"]),
    ("Sync", &["core", "marker", "Sync"]),
    ("Sized", &["core", "marker", "Sized"]),
    ("Copy", &["core", "marker", "Copy"]),
    ("Clone", &["core", "clone", "Clone"]),
    ("AsRef", &["core", "convert", "AsRef"]),
    ("From", &["core", "convert", "From"]),
    ("Into", &["core", "convert", "Into"]),
    ("Fn", &["core", "ops", "Fn"]),
    ("FnMut", &["core", "ops", "FnMut"]),
    ("FnOnce", &["core", "ops", "FnOnce"]),
];

const PRIMITIVES: &[&str] = &[
    "bool", "char", "str", "u8", "u16", "u32", "u64", "u128", "usize", "i8", "i16", "i32", "i64",
    "i128", "isize", "f32", "f64",
];

#[derive(Debug, Default)]
pub struct DefMap {
    pub crates: Vec<CrateData>,
    pub modules: Vec<ModuleData>,
    pub defs: Vec<DefData>,
    /// The names of `defs`.
    pub names: DefNames,
    /// Module of each `(file, module node)`.
    module_of_node: HashMap<(FileId, u32), ModuleId>,
    /// The def of each item, by file and index into its tree ([`NO_DEF`] for items without one):
    /// a map of every item took a quarter of the def map of a large run.
    def_of_item: Vec<Box<[DefId]>>,
}

const NO_DEF: DefId = DefId(u32::MAX);

/// One input file for the def map.
pub struct FileInput<'a> {
    pub id: FileId,
    pub path: &'a str,
    pub tree: &'a ItemTree,
    /// The crate this file is the root of, by a `rust-project.json`, and whether another crate
    /// depends on it; guessed from the path when `None`.
    pub crate_name: Option<(&'a str, bool)>,
}

impl DefMap {
    pub fn build(files: &[FileInput<'_>]) -> DefMap {
        let mut map = DefMap::default();
        let file_count = files.iter().map(|f| f.id.0 as usize + 1).max().unwrap_or(0);
        map.def_of_item = vec![Box::default(); file_count];
        for file in files {
            map.def_of_item[file.id.0 as usize] = vec![NO_DEF; file.tree.items.len()].into();
        }
        let tree_of: HashMap<FileId, &ItemTree> = files.iter().map(|f| (f.id, f.tree)).collect();
        let by_path: HashMap<PathBuf, FileId> = files
            .iter()
            .map(|f| (normalize(Path::new(f.path)), f.id))
            .collect();
        let path_of: HashMap<FileId, PathBuf> = files
            .iter()
            .map(|f| (f.id, normalize(Path::new(f.path))))
            .collect();

        let claims = claim_module_files(files, &by_path, &path_of);
        let named: HashMap<FileId, (&str, bool)> = files
            .iter()
            .filter_map(|f| Some((f.id, f.crate_name?)))
            .collect();
        let mut roots: Vec<FileId> = files
            .iter()
            .map(|f| f.id)
            .filter(|id| !claims.values().any(|child| child == id))
            .collect();
        roots.sort();

        for root in roots {
            let path = &path_of[&root];
            let krate = map.crates.len() as u32;
            let root_module = map.new_module(krate, None, None, Some(root), 0);
            let (name, is_library, partial_kernel_path) = match named.get(&root) {
                // Named by the project: others can name it when they depend on it, whatever its
                // file is called.
                Some((name, library)) => (name.to_string(), *library, None),
                None => {
                    let partial_kernel_path = partial_kernel_path(path)
                        .or_else(|| kernel_fragment_path(path, tree_of[&root]));
                    let name = if partial_kernel_path.is_some() {
                        "kernel".to_string()
                    } else {
                        crate_name(path)
                    };
                    let is_library = path.file_name().is_some_and(|name| name == "lib.rs");
                    (name, is_library, partial_kernel_path)
                }
            };
            map.crates.push(CrateData {
                name,
                root: root_module,
                is_library,
                partial_kernel_path,
            });
            map.populate(root, 0, root_module, &tree_of, &claims);
        }
        map.resolve_imports();
        map
    }

    fn new_module(
        &mut self,
        krate: u32,
        parent: Option<ModuleId>,
        name: Option<String>,
        file: Option<FileId>,
        node: u32,
    ) -> ModuleId {
        let id = ModuleId(self.modules.len() as u32);
        self.modules.push(ModuleData {
            krate,
            parent,
            name,
            file,
            node,
            ..ModuleData::default()
        });
        if let Some(file) = file {
            self.module_of_node.insert((file, node), id);
        }
        id
    }

    /// Fills `module` with the items of `(file, node)`, recursing into child modules.
    fn populate(
        &mut self,
        file: FileId,
        node: u32,
        module: ModuleId,
        trees: &HashMap<FileId, &ItemTree>,
        claims: &HashMap<(FileId, u32, String), FileId>,
    ) {
        let tree = trees[&file];
        let krate = self.modules[module.0 as usize].krate;
        for (index, item) in tree.items.iter().enumerate() {
            if item.module != node {
                continue;
            }
            let item_ref = ItemRef {
                file,
                index: index as u32,
            };
            if let ItemKind::Use(imports) = &item.kind {
                if item.nested {
                    continue;
                }
                let data = &mut self.modules[module.0 as usize];
                for import in imports {
                    if import.binds.is_some() || import.glob {
                        data.pending.push(PendingImport {
                            import: import.clone(),
                            done: false,
                        });
                    }
                }
                continue;
            }
            if let ItemKind::Mod { body, .. } = &item.kind {
                let Some(name) = item.name.as_deref().map(String::from) else {
                    continue;
                };
                let child_location = match body {
                    Some(inner) => Some((file, *inner)),
                    None => claims
                        .get(&(file, node, name.clone()))
                        .map(|child| (*child, 0)),
                };
                let child = match child_location {
                    Some((child_file, child_node)) => {
                        let child = self.new_module(
                            krate,
                            Some(module),
                            Some(name.clone()),
                            Some(child_file),
                            child_node,
                        );
                        self.populate(child_file, child_node, child, trees, claims);
                        child
                    }
                    // `mod x;` whose file is not linted: an empty module, so paths into it fail quietly.
                    None => self.new_module(krate, Some(module), Some(name.clone()), None, 0),
                };
                self.modules[module.0 as usize].children.insert(name, child);
                continue;
            }
            let Some(name) = item.name.as_deref() else {
                continue;
            };
            if matches!(item.kind, ItemKind::Impl(_)) {
                continue;
            }
            let def = DefId(self.defs.len() as u32);
            self.defs.push(DefData {
                module,
                item: item_ref,
            });
            self.names.push(name);
            self.def_of_item[file.0 as usize][index] = def;
            let data = &mut self.modules[module.0 as usize];
            for ns in namespaces_of(item) {
                let table = match ns {
                    Namespace::Types => &mut data.types,
                    Namespace::Values => &mut data.values,
                };
                // Items at module scope win over items nested in bodies with the same name.
                table.insert(def, !item.nested, &self.names);
            }
        }
    }

    pub fn module(&self, id: ModuleId) -> &ModuleData {
        &self.modules[id.0 as usize]
    }

    pub fn def(&self, id: DefId) -> &DefData {
        &self.defs[id.0 as usize]
    }

    /// The name a def is declared with.
    pub fn name(&self, id: DefId) -> &str {
        self.names.get(id)
    }

    pub fn module_of(&self, file: FileId, node: u32) -> Option<ModuleId> {
        self.module_of_node.get(&(file, node)).copied()
    }

    pub fn def_of(&self, item: ItemRef) -> Option<DefId> {
        self.def_of_item
            .get(item.file.0 as usize)?
            .get(item.index as usize)
            .copied()
            .filter(|def| *def != NO_DEF)
    }

    pub fn crate_of(&self, module: ModuleId) -> &CrateData {
        &self.crates[self.module(module).krate as usize]
    }

    /// `crate_name::a::b` of a module.
    pub fn module_path(&self, module: ModuleId) -> Vec<String> {
        let mut names = Vec::new();
        let mut current = Some(module);
        while let Some(id) = current {
            let data = self.module(id);
            match &data.name {
                Some(name) => names.push(name.clone()),
                None => {
                    let krate = &self.crates[data.krate as usize];
                    match &krate.partial_kernel_path {
                        Some(path) => names.extend(path.iter().rev().cloned()),
                        None => names.push(krate.name.clone()),
                    }
                }
            }
            current = data.parent;
        }
        names.reverse();
        names
    }

    /// The canonical path of a resolution, for matching against built-in knowledge.
    pub fn canonical_path(&self, res: &Res) -> Option<Vec<String>> {
        match res {
            Res::Def(def) => {
                let mut path = self.module_path(self.def(*def).module);
                path.push(self.name(*def).to_string());
                Some(path)
            }
            Res::Module(module) => Some(self.module_path(*module)),
            Res::Assoc(def, name) => {
                let mut path = self.canonical_path(&Res::Def(*def))?;
                path.push(name.clone());
                Some(path)
            }
            Res::External(path) => Some(path.clone()),
            _ => None,
        }
    }

    /// Resolves a path written in `module`. `ns` is the namespace of the last segment.
    pub fn resolve_path(&self, module: ModuleId, path: &PathRef, ns: Namespace) -> Res {
        let names: Vec<&str> = path.segments.iter().map(|s| &*s.name).collect();
        self.resolve_names(module, &names, path.global, ns, true)
    }

    /// `extern_fallback`: an unknown first segment of a multi-segment path names an external crate.
    /// While imports are still being resolved that guess is held back, since a later import may bind
    /// the name locally.
    fn resolve_names(
        &self,
        module: ModuleId,
        names: &[&str],
        global: bool,
        ns: Namespace,
        extern_fallback: bool,
    ) -> Res {
        let Some((last, init)) = names.split_last() else {
            return Res::Module(module);
        };
        if init.is_empty() {
            return self.resolve_first(module, last, global, ns, false, extern_fallback);
        }
        if is_crate_relative(names, global) {
            if let Some(external) = self.partial_kernel_fallback(module, &names[1..], ns) {
                return external;
            }
        }
        let parent = self.resolve_parent(module, init, global, extern_fallback);
        self.resolve_member(&parent, last, ns)
    }

    /// [`Self::resolve_names`] in both namespaces, walking the path up to its last segment once.
    fn resolve_names_in_both(
        &self,
        module: ModuleId,
        names: &[&str],
        global: bool,
        extern_fallback: bool,
    ) -> [(Namespace, Res); 2] {
        let both = [Namespace::Types, Namespace::Values];
        match names.split_last() {
            // A partial kernel crate resolves `crate::…` per namespace.
            Some((last, init)) if !init.is_empty() && !is_crate_relative(names, global) => {
                let parent = self.resolve_parent(module, init, global, extern_fallback);
                both.map(|ns| (ns, self.resolve_member(&parent, last, ns)))
            }
            _ => both.map(|ns| {
                let res = self.resolve_names(module, names, global, ns, extern_fallback);
                (ns, res)
            }),
        }
    }

    /// What the segments before the last of a path name (`init` is not empty): always a type or
    /// module, so resolving both namespaces of an import walks it once.
    fn resolve_parent(
        &self,
        module: ModuleId,
        init: &[&str],
        global: bool,
        extern_fallback: bool,
    ) -> Res {
        let mut current = self.resolve_first(
            module,
            init[0],
            global,
            Namespace::Types,
            true,
            extern_fallback,
        );
        for name in &init[1..] {
            // `resolve_member` of `Unknown` is `Unknown`.
            if current == Res::Unknown {
                break;
            }
            current = self.resolve_member(&current, name, Namespace::Types);
        }
        current
    }

    /// The first segment of a path; `has_rest` when more segments follow it.
    fn resolve_first(
        &self,
        module: ModuleId,
        first: &str,
        global: bool,
        ns: Namespace,
        has_rest: bool,
        extern_fallback: bool,
    ) -> Res {
        if global {
            return self.extern_crate(first);
        }
        match first {
            "crate" => Res::Module(self.crate_of(module).root),
            "self" => Res::Module(module),
            "super" => self.module(module).parent.map_or(Res::Unknown, Res::Module),
            _ => match self.resolve_in_module(module, first, ns) {
                Res::Unknown if has_rest && extern_fallback => self.extern_crate(first),
                Res::Unknown if !has_rest => match ns {
                    Namespace::Types if PRIMITIVES.contains(&first) => {
                        Res::Primitive(first.to_string())
                    }
                    _ => match prelude(first) {
                        // `use kernel::bindings::*`: a C name (snake_case) nothing else defines is
                        // the bindings crate's. Other external globs (`kernel::prelude::*`) cannot
                        // be looked into.
                        Res::Unknown
                            if first.starts_with(|c: char| c.is_ascii_lowercase() || c == '_')
                                && self.has_bindings_glob(module) =>
                        {
                            Res::External(vec!["bindings".to_string(), first.to_string()])
                        }
                        found => found,
                    },
                },
                found => found,
            },
        }
    }

    /// `crate::a::b` in a partial kernel crate: local if the linted files define it, else `kernel::a::b`.
    fn partial_kernel_fallback(
        &self,
        module: ModuleId,
        rest: &[&str],
        ns: Namespace,
    ) -> Option<Res> {
        let krate = self.crate_of(module);
        krate.partial_kernel_path.as_ref()?;
        let mut local = Res::Module(krate.root);
        for (position, name) in rest.iter().enumerate() {
            let segment_ns = if position + 1 == rest.len() {
                ns
            } else {
                Namespace::Types
            };
            local = self.resolve_member(&local, name, segment_ns);
        }
        if local != Res::Unknown {
            return Some(local);
        }
        let mut path = vec!["kernel".to_string()];
        path.extend(rest.iter().map(|s| s.to_string()));
        Some(Res::External(normalize_external(path)))
    }

    /// The module is in a linted `kernel` crate rooted at its `lib.rs` (a crate made of a lone
    /// `rust/kernel` file is partial, and `partial_kernel_fallback` answers for it).
    fn is_whole_kernel_crate(&self, module: ModuleId) -> bool {
        let krate = &self.crates[self.module(module).krate as usize];
        krate.name == "kernel" && krate.partial_kernel_path.is_none()
    }

    fn has_bindings_glob(&self, module: ModuleId) -> bool {
        self.module(module)
            .glob_targets
            .iter()
            .any(is_bindings_crate)
    }

    fn extern_crate(&self, name: &str) -> Res {
        match self.crates.iter().find(|c| c.is_library && c.name == name) {
            Some(local) => Res::Module(local.root),
            None => Res::External(normalize_external(vec![name.to_string()])),
        }
    }

    pub fn resolve_member(&self, base: &Res, name: &str, ns: Namespace) -> Res {
        match base {
            Res::Module(module) => {
                if name == "super" {
                    return self
                        .module(*module)
                        .parent
                        .map_or(Res::Unknown, Res::Module);
                }
                match self.resolve_in_module(*module, name, ns) {
                    // A linted `kernel` crate that does not define the name (a patch's part of
                    // `rust/kernel`, a sparse checkout) still has it: the built-in knowledge of
                    // the kernel crate answers, as when no part of it is linted.
                    Res::Unknown if self.is_whole_kernel_crate(*module) => {
                        let mut path = self.module_path(*module);
                        path.push(name.to_string());
                        Res::External(normalize_external(path))
                    }
                    found => found,
                }
            }
            Res::External(path) => {
                let mut path = path.clone();
                path.push(name.to_string());
                Res::External(normalize_external(path))
            }
            Res::Def(def) => Res::Assoc(*def, name.to_string()),
            _ => Res::Unknown,
        }
    }

    /// What `module::name` means: an item, a child module, a resolved import, or a glob-imported name.
    fn resolve_in_module(&self, module: ModuleId, name: &str, ns: Namespace) -> Res {
        let mut visited = Vec::new();
        self.lookup(module, name, ns, &mut visited)
    }

    fn lookup(
        &self,
        module: ModuleId,
        name: &str,
        ns: Namespace,
        visited: &mut Vec<ModuleId>,
    ) -> Res {
        if visited.contains(&module) {
            return Res::Unknown;
        }
        visited.push(module);
        let data = self.module(module);
        let (items, imports) = match ns {
            Namespace::Types => (&data.types, &data.type_imports),
            Namespace::Values => (&data.values, &data.value_imports),
        };
        if let Some(def) = items.get(name, &self.names) {
            return Res::Def(def);
        }
        if ns == Namespace::Types {
            if let Some(child) = data.children.get(name) {
                return Res::Module(*child);
            }
        }
        if let Some(res) = imports.get(name) {
            return res.clone();
        }
        for target in &data.glob_targets {
            let res = match target {
                Res::Module(inner) => self.lookup(*inner, name, ns, visited),
                // Variants through `use Enum::*`.
                Res::Def(def) => Res::Assoc(*def, name.to_string()),
                _ => Res::Unknown,
            };
            if res != Res::Unknown {
                return res;
            }
        }
        Res::Unknown
    }

    /// Resolves every `use` to a fixed point, as rustc does: an import may depend on another one in
    /// any order, and external-crate guesses are made only when nothing local is left to find.
    fn resolve_imports(&mut self) {
        for _round in 0..MAX_IMPORT_ROUNDS {
            let mut progress = false;
            for extern_fallback in [false, true] {
                loop {
                    let resolved = self.resolve_pending_imports(extern_fallback);
                    if resolved.is_empty() {
                        break;
                    }
                    progress = true;
                    for (module, index, bindings) in resolved {
                        let data = &mut self.modules[module.0 as usize];
                        let entry = &mut data.pending[index];
                        entry.done = true;
                        for (ns, res) in bindings {
                            match (&entry.import.binds, ns) {
                                (None, _) => data.glob_targets.push(res),
                                (Some(name), Namespace::Types) => {
                                    data.type_imports.entry(name.clone()).or_insert(res);
                                }
                                (Some(name), Namespace::Values) => {
                                    data.value_imports.entry(name.clone()).or_insert(res);
                                }
                            }
                        }
                    }
                    if extern_fallback {
                        // Give local resolution a new chance before guessing again.
                        break;
                    }
                }
            }
            if !progress {
                break;
            }
        }
        // The model keeps the def map for the whole run; what resolution needed goes now.
        for data in &mut self.modules {
            data.pending = Vec::new();
            for res in data
                .type_imports
                .values_mut()
                .chain(data.value_imports.values_mut())
            {
                if let Res::External(path) = res {
                    path.shrink_to_fit();
                }
            }
            data.type_imports.shrink_to_fit();
            data.value_imports.shrink_to_fit();
            data.glob_targets.shrink_to_fit();
        }
    }

    /// One pass over the unresolved imports, with the tables as they stand.
    #[allow(clippy::type_complexity)]
    fn resolve_pending_imports(
        &self,
        extern_fallback: bool,
    ) -> Vec<(ModuleId, usize, Vec<(Namespace, Res)>)> {
        let mut resolved = Vec::new();
        for (module_index, data) in self.modules.iter().enumerate() {
            let module = ModuleId(module_index as u32);
            for (index, entry) in data.pending.iter().enumerate() {
                if entry.done {
                    continue;
                }
                let names: Vec<&str> = entry.import.path.iter().map(String::as_str).collect();
                let global = entry.import.global;
                let mut bindings = Vec::new();
                if entry.import.glob {
                    let mut target = self.resolve_names(
                        module,
                        &names,
                        global,
                        Namespace::Types,
                        extern_fallback,
                    );
                    // `use bindings::*;` names the crate itself.
                    if target == Res::Unknown && extern_fallback && names.len() == 1 {
                        target = self.extern_crate(names[0]);
                    }
                    if matches!(target, Res::Module(_) | Res::Def(_)) || is_bindings_crate(&target)
                    {
                        bindings.push((Namespace::Types, target));
                    } else if target != Res::Unknown {
                        // An external glob: nothing to look through, but it is resolved.
                        bindings.push((Namespace::Types, Res::Unknown));
                    }
                } else {
                    for (ns, res) in
                        self.resolve_names_in_both(module, &names, global, extern_fallback)
                    {
                        if res != Res::Unknown {
                            bindings.push((ns, res));
                        }
                    }
                    // `use bindings;` names the crate itself.
                    if bindings.is_empty() && extern_fallback && names.len() == 1 {
                        bindings.push((Namespace::Types, self.extern_crate(names[0])));
                    }
                }
                if !bindings.is_empty() {
                    resolved.push((module, index, bindings));
                }
            }
        }
        resolved
    }
}

/// `crate::…`, which a partial kernel crate may resolve outside the linted files.
/// The `bindings` crate (`kernel::bindings` re-exports it): every C name lives there.
fn is_bindings_crate(res: &Res) -> bool {
    matches!(res, Res::External(path) if path.len() == 1 && path[0] == "bindings")
}

fn is_crate_relative(names: &[&str], global: bool) -> bool {
    !global && names.first() == Some(&"crate")
}

fn prelude(name: &str) -> Res {
    STD_PRELUDE
        .iter()
        .find(|(prelude_name, _)| *prelude_name == name)
        .map_or(Res::Unknown, |(_, path)| {
            Res::External(path.iter().map(|s| s.to_string()).collect())
        })
}

/// One spelling per external item: `std`/`alloc` become `core`, `kernel::bindings` becomes `bindings`.
fn normalize_external(mut path: Vec<String>) -> Vec<String> {
    if matches!(path.first().map(String::as_str), Some("std" | "alloc")) {
        path[0] = "core".to_string();
    }
    if path.len() >= 2 && path[0] == "kernel" && path[1] == "bindings" {
        path.remove(0);
    }
    path
}

fn namespaces_of(item: &Item) -> &'static [Namespace] {
    match &item.kind {
        ItemKind::Adt(adt) => {
            let tuple_like = adt.kind == super::item_tree::AdtKind::Struct
                && adt.variants[0]
                    .fields
                    .first()
                    .is_none_or(|f| f.name.is_none());
            if tuple_like {
                &[Namespace::Types, Namespace::Values]
            } else {
                &[Namespace::Types]
            }
        }
        ItemKind::TypeAlias { .. } | ItemKind::Trait { .. } | ItemKind::ExternCrate { .. } => {
            &[Namespace::Types]
        }
        ItemKind::Fn(_) | ItemKind::Static { .. } | ItemKind::Const => &[Namespace::Values],
        _ => &[],
    }
}

/// Lexical normalisation: `a/./b/../c` is `a/c`.
fn normalize(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for component in path.components() {
        match component {
            Component::CurDir => {}
            Component::ParentDir => {
                if !out.pop() {
                    out.push("..");
                }
            }
            other => out.push(other.as_os_str()),
        }
    }
    out
}

fn is_mod_rs(path: &Path) -> bool {
    matches!(
        path.file_name().and_then(|n| n.to_str()),
        Some("mod.rs" | "lib.rs" | "main.rs")
    )
}

/// Maps each `mod x;` (file, module node, name) to the linted file that holds its body.
///
/// Whether a file's children live beside it or in a folder named after it depends on whether it is a
/// crate root, which is only known once the claims are: so files nobody claims are retried as roots.
fn claim_module_files(
    files: &[FileInput<'_>],
    by_path: &HashMap<PathBuf, FileId>,
    path_of: &HashMap<FileId, PathBuf>,
) -> HashMap<(FileId, u32, String), FileId> {
    // The `mod x;` items, found once: the loop below may run twice, and files have thousands of
    // other items.
    let declarations: Vec<(&FileInput<'_>, &Item)> = files
        .iter()
        .flat_map(|file| {
            file.tree
                .items
                .iter()
                .filter(|item| matches!(item.kind, ItemKind::Mod { body: None, .. }))
                .map(move |item| (file, item))
        })
        .collect();
    let mut as_root: Vec<FileId> = Vec::new();
    loop {
        let mut claims = HashMap::new();
        let mut claimed = std::collections::HashSet::new();
        for &(file, item) in &declarations {
            let path = &path_of[&file.id];
            let mod_rs = is_mod_rs(path) || as_root.contains(&file.id);
            let Some((name, candidates)) = module_file_candidates(file.tree, item, path, mod_rs)
            else {
                continue;
            };
            if let Some(child) = candidates.iter().find_map(|c| by_path.get(c)) {
                if *child != file.id && claimed.insert(*child) {
                    claims.insert((file.id, item.module, name.to_string()), *child);
                }
            }
        }
        let unclaimed: Vec<FileId> = files
            .iter()
            .map(|f| f.id)
            .filter(|id| !claimed.contains(id) && !as_root.contains(id))
            .filter(|id| !is_mod_rs(&path_of[id]))
            .collect();
        if unclaimed.is_empty() {
            return claims;
        }
        as_root.extend(unclaimed);
    }
}

/// An out-of-line module declaration (`mod x;`) of a file, and the files that may hold its body,
/// in the order the def map looks for them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ModuleFile {
    pub name: String,
    /// `x.rs` then `x/mod.rs`, or the one `#[path]` file; lexically normalised.
    pub candidates: Vec<PathBuf>,
}

/// The out-of-line modules a file declares at module scope (`mod x;`, `#[path = "…"] mod x;`, also
/// inside inline `mod a { … }`), with the files the def map would claim for them: `path` names the
/// file as it is linted, and `is_root` says it is a crate root, whose child modules live beside it
/// as those of a `mod.rs` do.
///
/// This is how `cargo devref` follows a target's module tree from its root: the files it finds are
/// exactly those the def map then links into that tree.
pub fn declared_module_files(path: &Path, tree: &ItemTree, is_root: bool) -> Vec<ModuleFile> {
    let path = normalize(path);
    let mod_rs = is_mod_rs(&path) || is_root;
    tree.items
        .iter()
        .filter_map(|item| module_file_candidates(tree, item, &path, mod_rs))
        .map(|(name, candidates)| ModuleFile {
            name: name.to_string(),
            candidates,
        })
        .collect()
}

/// For a module-scope `mod x;` item: its name and the files that may hold its body.
fn module_file_candidates<'i>(
    tree: &ItemTree,
    item: &'i Item,
    path: &Path,
    mod_rs: bool,
) -> Option<(&'i str, Vec<PathBuf>)> {
    let ItemKind::Mod {
        body: None,
        path_attr,
    } = &item.kind
    else {
        return None;
    };
    if item.nested {
        return None;
    }
    let name = item.name.as_deref()?;
    let dir = module_dir(tree, item.module, path, mod_rs);
    let candidates = match path_attr {
        Some(explicit) => {
            let base = if item.module == 0 {
                path.parent().map(Path::to_path_buf).unwrap_or_default()
            } else {
                dir
            };
            vec![normalize(&base.join(&**explicit))]
        }
        None => vec![
            normalize(&dir.join(format!("{name}.rs"))),
            normalize(&dir.join(name).join("mod.rs")),
        ],
    };
    Some((name, candidates))
}

/// The folder holding the files of child modules declared in `node` of a file.
fn module_dir(tree: &ItemTree, node: u32, file_path: &Path, mod_rs: bool) -> PathBuf {
    let parent = file_path
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_default();
    let mut dir = if mod_rs {
        parent
    } else {
        let stem = file_path.file_stem().and_then(|s| s.to_str()).unwrap_or("");
        parent.join(stem)
    };
    let mut inline = Vec::new();
    let mut current = Some(node);
    while let Some(index) = current {
        let module = &tree.modules[index as usize];
        if let Some(name) = &module.name {
            inline.push(name.clone());
        }
        current = module.parent;
    }
    for name in inline.iter().rev() {
        dir.push(name);
    }
    dir
}

/// A file of the kernel crate that sits elsewhere (a copy, a patch's new file in a scratch
/// folder): it writes `crate::bindings` but defines no `bindings`, so it is part of the kernel
/// crate wherever it sits. `device.rs` is then `kernel::device`, as `rust/kernel/device.rs` is.
fn kernel_fragment_path(path: &Path, tree: &ItemTree) -> Option<Vec<String>> {
    if path
        .file_name()
        .is_some_and(|name| name == "lib.rs" || name == "main.rs")
    {
        return None;
    }
    let defines_bindings = tree
        .items
        .iter()
        .any(|item| item.name.as_deref() == Some("bindings"));
    let writes_crate_bindings = tree.items.iter().any(|item| match &item.kind {
        ItemKind::Use(imports) => imports.iter().any(|import| {
            !import.global
                && import.path.first().is_some_and(|first| first == "crate")
                && import
                    .path
                    .get(1)
                    .is_some_and(|second| second == "bindings")
        }),
        _ => false,
    });
    if defines_bindings || !writes_crate_bindings {
        return None;
    }
    // `pci/mod.rs` is the module `pci`.
    let stem = match path.file_stem()?.to_str()? {
        "mod" => path.parent()?.file_name()?.to_str()?,
        stem => stem,
    };
    Some(vec!["kernel".to_string(), stem.to_string()])
}

/// `rust/kernel/drm/device.rs` linted without `rust/kernel/lib.rs` is `kernel::drm::device`.
fn partial_kernel_path(path: &Path) -> Option<Vec<String>> {
    if is_mod_rs(path) && path.file_name().is_some_and(|n| n != "mod.rs") {
        return None;
    }
    let components: Vec<&str> = path.iter().filter_map(|c| c.to_str()).collect();
    let start = components
        .windows(2)
        .rposition(|pair| pair == ["rust", "kernel"])?;
    let mut module_path = vec!["kernel".to_string()];
    for (index, component) in components[start + 2..].iter().enumerate() {
        let is_last = start + 2 + index == components.len() - 1;
        if is_last {
            let stem = component.strip_suffix(".rs").unwrap_or(component);
            if stem != "mod" {
                module_path.push(stem.to_string());
            }
        } else {
            module_path.push(component.to_string());
        }
    }
    Some(module_path)
}

/// `rust/kernel/lib.rs` is crate `kernel`; `samples/rust/rust_driver_pci.rs` is `rust_driver_pci`.
fn dir_name(dir: &Path) -> Option<&str> {
    dir.file_name().and_then(|n| n.to_str())
}

fn crate_name(path: &Path) -> String {
    let name = if is_mod_rs(path) {
        let dir = path.parent();
        match dir.and_then(dir_name) {
            // Cargo's layout: `pkg/src/lib.rs` is crate `pkg`, as the package names it.
            Some("src") => dir
                .and_then(Path::parent)
                .and_then(dir_name)
                .unwrap_or("src"),
            Some(name) => name,
            None => "main",
        }
    } else {
        path.file_stem().and_then(|s| s.to_str()).unwrap_or("main")
    };
    name.replace('-', "_")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::options::Options;
    use crate::source::SourceFile;

    #[test]
    fn each_def_answers_its_own_name() {
        let mut names = DefNames::default();
        let written = ["Device", "", "r#type", "é"];
        for name in written {
            names.push(name);
        }
        let read: Vec<&str> = (0..written.len() as u32)
            .map(|def| names.get(DefId(def)))
            .collect();
        assert_eq!(read, written);
    }

    /// The def map of one crate-root file, with its item tree.
    fn map_of(text: &str) -> (DefMap, ItemTree) {
        let source = SourceFile::new(FileId(0), "lib.rs".to_string(), text.to_string());
        let options = Options {
            parse_everything: true,
            ..Options::default()
        };
        let tree = crate::analysis::lowered(&source, &options).expect("parses");
        let map = DefMap::build(&[FileInput {
            id: FileId(0),
            path: "lib.rs",
            tree: &tree,
            crate_name: None,
        }]);
        (map, tree)
    }

    /// The item a name of the root module means in `ns`, and whether it is nested in a body.
    fn item_named<'t>(
        map: &DefMap,
        tree: &'t ItemTree,
        name: &str,
        ns: Namespace,
    ) -> Option<&'t Item> {
        let root = map.module(map.crates[0].root);
        let table = match ns {
            Namespace::Types => &root.types,
            Namespace::Values => &root.values,
        };
        let def = table.get(name, &map.names)?;
        Some(&tree.items[map.def(def).item.index as usize])
    }

    #[test]
    fn a_module_scope_item_wins_over_a_nested_one_of_its_name_before_or_after_it() {
        for text in [
            "fn f() { struct Dev(u8); }\npub struct Dev;\n",
            "pub struct Dev;\nfn f() { struct Dev(u8); }\n",
        ] {
            let (map, tree) = map_of(text);
            let item = item_named(&map, &tree, "Dev", Namespace::Types).expect(text);
            assert!(!item.nested, "{text}");
            assert!(item.is_pub, "{text}");
        }
        // Alone, a nested item is found by its name.
        let (map, tree) = map_of("fn f() { struct Dev; }\n");
        let item = item_named(&map, &tree, "Dev", Namespace::Types).expect("nested Dev");
        assert!(item.nested);
    }

    #[test]
    fn a_name_is_looked_up_in_its_namespace_and_an_unknown_name_in_none() {
        let (map, tree) = map_of("const LIMIT: u32 = 4;\nstruct Wrapper;\nfn probe() {}\n");
        let limit = item_named(&map, &tree, "LIMIT", Namespace::Values).expect("LIMIT");
        assert!(matches!(limit.kind, ItemKind::Const));
        assert!(item_named(&map, &tree, "LIMIT", Namespace::Types).is_none());
        assert!(item_named(&map, &tree, "Wrapper", Namespace::Types).is_some());
        assert!(item_named(&map, &tree, "probe", Namespace::Values).is_some());
        assert!(item_named(&map, &tree, "probe", Namespace::Types).is_none());
        assert!(item_named(&map, &tree, "remove", Namespace::Values).is_none());
    }

    #[test]
    fn every_named_item_has_its_def_and_the_others_none() {
        let (map, tree) = map_of("use core::mem;\nstruct A;\nimpl A {}\nfn b() {}\n");
        for (index, item) in tree.items.iter().enumerate() {
            let def = map.def_of(ItemRef {
                file: FileId(0),
                index: index as u32,
            });
            let named = !matches!(item.kind, ItemKind::Use(_) | ItemKind::Impl(_));
            assert_eq!(def.is_some(), named, "{item:?}");
            if let Some(def) = def {
                assert_eq!(Some(map.name(def)), item.name.as_deref());
            }
        }
        // Past the file's items, and in a file with no tree.
        for item in [
            ItemRef {
                file: FileId(0),
                index: tree.items.len() as u32,
            },
            ItemRef {
                file: FileId(7),
                index: 0,
            },
        ] {
            assert_eq!(map.def_of(item), None);
        }
    }
}
