//! The item tree: a file's items lowered from syn into plain data.
//!
//! syn's AST holds `proc_macro2::Span`s and is neither `Send` nor cheap to keep; the item tree is both,
//! so files can be lowered in parallel and the crate-wide model built from the results.
//!
//! Lists are boxed slices: a `Vec` collected from an iterator of unknown length keeps room for at
//! least four elements, which was two fifths of the trees' memory (one-segment paths, one-argument
//! generics).
//!
//! Names are `Box<str>`s, not `String`s (8 bytes less each, and no name grows), and an `Item` is
//! 88 bytes: half a million items on the crates of devref's lock file.
//!
//! Every type here is also the layout of a stored summary ([`super::summary`]): a change to any of
//! them (a field, a variant, their order) must bump [`super::summary::SUMMARY_FORMAT`]. A `String`
//! and a `Box<str>`, a `Vec` and a boxed slice, a `Box<T>` and `T`, a `usize` and a `u32` encode
//! the same, so a change between them needs no bump.

use serde::{Deserialize, Serialize};

use crate::source::Span;

/// A type as written, with resolution deferred to the model.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TypeRef {
    #[serde(
        serialize_with = "super::summary_format::nested_out",
        deserialize_with = "super::summary_format::nested"
    )]
    pub kind: TypeKind,
    #[serde(with = "super::summary_format::span")]
    pub span: Span,
}

impl TypeRef {
    /// Whether the lifetime `name` (without its `'`) is a generic argument anywhere in the type.
    pub fn has_lifetime_arg(&self, name: &str) -> bool {
        match &self.kind {
            TypeKind::Path(path) => path.has_lifetime_arg(name),
            TypeKind::Ptr { pointee: inner, .. }
            | TypeKind::Ref {
                referent: inner, ..
            }
            | TypeKind::Array(inner)
            | TypeKind::Slice(inner) => inner.has_lifetime_arg(name),
            TypeKind::Tuple(types) => types.iter().any(|ty| ty.has_lifetime_arg(name)),
            TypeKind::Bounds(paths) => paths.iter().any(|path| path.has_lifetime_arg(name)),
            TypeKind::FnPtr | TypeKind::Never | TypeKind::Infer | TypeKind::Opaque => false,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum TypeKind {
    Path(PathRef),
    Ptr {
        mutable: bool,
        pointee: Box<TypeRef>,
    },
    Ref {
        lifetime: Option<Box<str>>,
        mutable: bool,
        referent: Box<TypeRef>,
    },
    Array(Box<TypeRef>),
    Slice(Box<TypeRef>),
    Tuple(Box<[TypeRef]>),
    /// `fn(...) -> ...`: parameter types are deliberately not kept; a callback signature stores nothing.
    FnPtr,
    /// `impl Trait` / `dyn Trait`.
    Bounds(Box<[PathRef]>),
    Never,
    Infer,
    /// Macros in type position and anything else we do not model.
    Opaque,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PathRef {
    /// Leading `::`.
    pub global: bool,
    /// `<T as Trait>::` qualified paths keep `T` here.
    pub qself: Option<Box<TypeRef>>,
    pub segments: Box<[Segment]>,
    #[serde(with = "super::summary_format::span")]
    pub span: Span,
}

impl PathRef {
    /// The first type argument of the last segment: `T` in `ARef<T>`.
    pub fn first_type_arg(&self) -> Option<&TypeRef> {
        self.segments.last()?.args.iter().find_map(|arg| match arg {
            GenericArg::Type(ty) => Some(ty),
            _ => None,
        })
    }

    /// See [`TypeRef::has_lifetime_arg`].
    pub fn has_lifetime_arg(&self, name: &str) -> bool {
        self.qself
            .as_ref()
            .is_some_and(|qself| qself.has_lifetime_arg(name))
            || self.segments.iter().any(|segment| {
                segment.args.iter().any(|arg| match arg {
                    GenericArg::Lifetime(lifetime) => &**lifetime == name,
                    _ => arg.ty().is_some_and(|ty| ty.has_lifetime_arg(name)),
                })
            })
    }

    pub fn last_name(&self) -> Option<&str> {
        self.segments.last().map(|segment| &*segment.name)
    }

    /// `a::b::C` without generic arguments.
    pub fn display_plain(&self) -> String {
        let names: Vec<&str> = self.segments.iter().map(|s| &*s.name).collect();
        let joined = names.join("::");
        if self.global {
            format!("::{joined}")
        } else {
            joined
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Segment {
    pub name: Box<str>,
    pub args: Box<[GenericArg]>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum GenericArg {
    Type(TypeRef),
    Lifetime(Box<str>),
    /// `Item = T` in `Iterator<Item = T>`: boxed, as it is rare and would make every argument
    /// larger (a `String` beside a `TypeRef`); its summary is the same as unboxed.
    Binding(Box<(String, TypeRef)>),
    Const,
}

impl GenericArg {
    /// The type it passes: `T` in `Vec<T>` or in `Iterator<Item = T>`.
    pub fn ty(&self) -> Option<&TypeRef> {
        match self {
            GenericArg::Type(ty) => Some(ty),
            GenericArg::Binding(binding) => Some(&binding.1),
            GenericArg::Lifetime(_) | GenericArg::Const => None,
        }
    }
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Generics {
    pub lifetimes: Box<[String]>,
    pub types: Box<[String]>,
}

impl Generics {
    pub fn has_type_param(&self, name: &str) -> bool {
        self.types.iter().any(|t| t == name)
    }
}

/// Doc comments of an item, joined, with the markdown sections the lints care about.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Docs {
    pub text: String,
    /// Span covering all doc attributes; `None` when there are none.
    #[serde(with = "super::summary_format::opt_span")]
    pub span: Option<Span>,
}

impl Docs {
    /// Boxed for an [`Item`], or `None` when no doc comment was written.
    pub fn written(self) -> Option<Box<Docs>> {
        self.span.is_some().then(|| Box::new(self))
    }

    pub fn is_empty(&self) -> bool {
        self.text.trim().is_empty()
    }

    /// The body of a `# Title` section (any heading depth), up to the next heading of the same or
    /// higher level. Matching is case-insensitive on the title.
    pub fn section(&self, title: &str) -> Option<&str> {
        let mut start = None;
        let mut depth = 0;
        let mut offset = 0;
        let mut in_code = false;
        for line in self.text.split_inclusive('\n') {
            let trimmed = line.trim();
            if trimmed.starts_with("```") {
                in_code = !in_code;
            }
            if !in_code {
                if let Some((level, heading)) = heading(trimmed) {
                    if let Some(begin) = start {
                        if level <= depth {
                            return Some(&self.text[begin..offset]);
                        }
                    } else if heading.eq_ignore_ascii_case(title) {
                        start = Some(offset + line.len());
                        depth = level;
                    }
                }
            }
            offset += line.len();
        }
        start.map(|begin| &self.text[begin..])
    }
}

/// A Markdown heading line: its level and its text.
pub(crate) fn heading(line: &str) -> Option<(usize, &str)> {
    let level = line.bytes().take_while(|&b| b == b'#').count();
    if level == 0 || level > 6 {
        return None;
    }
    let rest = &line[level..];
    rest.starts_with(' ').then(|| (level, rest.trim()))
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Field {
    /// `None` for tuple fields.
    pub name: Option<Box<str>>,
    pub index: u32,
    pub ty: TypeRef,
    #[serde(with = "super::summary_format::span")]
    pub span: Span,
}

impl Field {
    /// `name` or the tuple index.
    pub fn display_name(&self) -> String {
        self.name
            .as_deref()
            .map_or_else(|| self.index.to_string(), str::to_string)
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Variant {
    /// `None` for the single variant of a struct or union.
    pub name: Option<String>,
    pub fields: Box<[Field]>,
}

impl Variant {
    /// The single variant of a struct or union.
    pub fn only(fields: Vec<Field>) -> Variant {
        Variant {
            name: None,
            fields: fields.into(),
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum AdtKind {
    Struct,
    Enum,
    Union,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Adt {
    pub kind: AdtKind,
    pub generics: Generics,
    pub variants: Box<[Variant]>,
    pub repr_transparent: bool,
    /// `#[derive(Clone)]` or `#[derive(Copy)]`: a copy shares what a pointer field points to
    /// without a reference of its own.
    pub derives_clone: bool,
}

impl Adt {
    pub fn fields(&self) -> impl Iterator<Item = &Field> {
        self.variants
            .iter()
            .flat_map(|variant| variant.fields.iter())
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Param {
    pub name: Option<Box<str>>,
    pub ty: TypeRef,
}

/// A call in a fn body that passes fields of `self` (`put_device(self.dev)`), or what a local
/// moved out of one holds.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SelfFieldCall {
    pub callee: PathRef,
    pub fields: Box<[FieldArg]>,
}

/// A field of `self` passed as the argument at `position`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldArg {
    pub field: Box<str>,
    pub position: u32,
}

/// A call that passes the fn's parameter `param` (by position, `self` not counted) as it is:
/// `pci_dev_put(p)` in `fn release(p: *mut bindings::pci_dev)`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ParamCall {
    pub callee: PathRef,
    pub param: u32,
    pub position: u32,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FnSig {
    pub generics: Generics,
    pub is_unsafe: bool,
    pub has_self: bool,
    pub params: Box<[Param]>,
    pub ret: Option<TypeRef>,
    /// Every path called in the body (`bindings::get_device(..)`), macro arguments included; only
    /// for the methods of trait impls, the only ones whose calls the model reads.
    pub calls: Box<[PathRef]>,
    /// For the methods of trait impls, as `calls`, and for methods that take `self` (what a `Drop`
    /// that calls them releases).
    pub self_field_calls: Box<[SelfFieldCall]>,
    /// Only for fns that take a raw pointer: what a `Drop` that delegates to them releases.
    pub param_calls: Box<[ParamCall]>,
    /// Methods the body calls on `self` (`self.teardown()`); only for the methods of trait impls.
    pub self_method_calls: Box<[Box<str>]>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Impl {
    pub generics: Generics,
    pub is_unsafe: bool,
    pub trait_path: Option<PathRef>,
    pub self_ty: TypeRef,
    /// Associated fns, types and consts, lowered as items.
    pub items: Vec<Item>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct UseImport {
    /// The full path, `crate`/`self`/`super` included; for a glob, the path of the module.
    pub path: Box<[String]>,
    pub global: bool,
    /// The name it binds (the last segment or the `as` name); `None` for globs and `as _`.
    pub binds: Option<String>,
    pub glob: bool,
    #[serde(with = "super::summary_format::span")]
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum ItemKind {
    Adt(Box<Adt>),
    /// Its generics boxed: most aliases have none, and unboxed they made every `Item` 8 bytes
    /// larger.
    TypeAlias {
        generics: Box<Generics>,
        ty: Option<Box<TypeRef>>,
    },
    Fn(Box<FnSig>),
    Static {
        mutable: bool,
        ty: Box<TypeRef>,
    },
    /// A `const`: only its name matters to the model (a value, and nothing reads its type).
    Const,
    Impl(Box<Impl>),
    Use(Box<[UseImport]>),
    /// `mod x;` (`body: None`) or `mod x { ... }` (`body: Some(module index in this file)`).
    Mod {
        body: Option<u32>,
        path_attr: Option<Box<str>>,
    },
    Trait {
        is_unsafe: bool,
        items: Box<[Item]>,
    },
    ExternCrate {
        crate_name: Box<str>,
    },
    /// `macro_rules!` definitions and anything else that binds a name we do not model further.
    Other,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Item {
    /// A `Box<str>`, not a `String`: half a million items on a large run, and no name grows.
    pub name: Option<Box<str>>,
    #[serde(
        serialize_with = "super::summary_format::nested_out",
        deserialize_with = "super::summary_format::nested"
    )]
    pub kind: ItemKind,
    /// Index of the module (in this file's module list) the item belongs to.
    pub module: u32,
    /// Declared inside a fn body or a macro body: visible to lints but not a module-scope name.
    pub nested: bool,
    pub is_pub: bool,
    #[serde(with = "super::summary_format::span")]
    pub span: Span,
    #[serde(with = "super::summary_format::span")]
    pub name_span: Span,
    /// `None` when the item has no doc comment, as most have none: read through [`Item::docs`].
    pub written_docs: Option<Box<Docs>>,
}

/// What an item without doc comments answers for its docs.
static NO_DOCS: Docs = Docs {
    text: String::new(),
    span: None,
};

impl Item {
    pub fn docs(&self) -> &Docs {
        self.written_docs.as_deref().unwrap_or(&NO_DOCS)
    }
}

/// A module whose body lives in this file: the file itself (index 0) or an inline `mod x { }`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ModuleNode {
    pub name: Option<String>,
    pub parent: Option<u32>,
    /// The `mod x { … }` item; `None` for the file itself.
    #[serde(with = "super::summary_format::opt_span")]
    pub span: Option<Span>,
}

/// One `field: Some(path)` or `.field = Some(path)`: a function handed to C as a callback (found
/// by `registrations::scan`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Registration {
    /// The field the function is stored in: `probe`, `remove`, `release`.
    pub role: String,
    /// The function's path, generic arguments dropped (`["drm", "File", "open_callback"]`), with a
    /// leading `Self` replaced by the name of the impl's self type.
    pub path: Vec<String>,
    /// The file also calls the function from Rust (`Self::probe_callback(…)`): it has a Rust
    /// caller, which an `unsafe fn`'s `# Safety` section binds.
    pub called_in_file: bool,
}

impl Registration {
    pub fn function(&self) -> &str {
        self.path.last().map_or("", String::as_str)
    }

    /// The type the function is an associated fn of, as written (`File`, `Adapter`).
    pub fn owner(&self) -> Option<&str> {
        let n = self.path.len();
        (n >= 2).then(|| self.path[n - 2].as_str())
    }
}

/// Everything the model needs from one file.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ItemTree {
    pub modules: Vec<ModuleNode>,
    pub items: Vec<Item>,
    /// Functions the file hands to C as callbacks, with the field each is stored in.
    pub registrations: Vec<Registration>,
}

impl ItemTree {
    /// Cuts the lists that grew by doubling to their length. An `Item` is over a hundred bytes,
    /// and an analysis keeps every file's tree until the model of all files is built (600 fewer
    /// fresh pages on Linux 7.3).
    pub fn shrink_to_fit(&mut self) {
        shrink_items(&mut self.items);
    }
}

fn shrink_items(items: &mut Vec<Item>) {
    items.shrink_to_fit();
    for item in items {
        // A trait's items are a boxed slice already.
        if let ItemKind::Impl(imp) = &mut item.kind {
            shrink_items(&mut imp.items);
        }
    }
}
