//! Summaries: a file's lowered [`ItemTree`] as compact bytes, so that a later run can skip parsing
//! and lowering a file it has a summary of, and build the model from the stored trees.
//!
//! # Format
//!
//! [postcard](https://docs.rs/postcard): [`SUMMARY_FORMAT`] as a varint, then the tree as serde
//! derives it (struct fields in order, integers as varints, strings and lists length-prefixed),
//! and nothing after it. A [`Span`](crate::source::Span) is stored as its start and length, without its [`FileId`]:
//! that id is the file's place among one run's inputs, so [`decode`] is told the file's id in the
//! run that reads the summary and gives it to every span. (`Span` and `FileId` implement no serde
//! trait at all: each span field of the item tree names `summary_format::span` or `summary_format::opt_span` as
//! its format, so a span the summary would miss, or a file id it would store, does not compile.)
//!
//! # What a summary depends on
//!
//! A summary can stand in for lowering only when everything the tree was made from is unchanged,
//! so a cache of summaries must key each one by all of:
//!
//! - **The file's text**, byte for byte: every span is an offset into it, and docs and
//!   registrations are read from it. [`decode`] cannot check a span against a text it is not
//!   given.
//! - **Two options**, which change the syntax tree that is lowered (see `analysis::parse`):
//!   [`Options::parse_everything`](crate::options::Options::parse_everything) (when it is off, as
//!   by default, the docs of most items are dropped and unneeded fn bodies blanked before lexing,
//!   which empties those items' [`Docs`](super::item_tree::Docs) and the calls in the
//!   [`FnSig`](super::item_tree::FnSig)s of safe trait impls) and
//!   [`Options::lint_cfg_test`](crate::options::Options::lint_cfg_test) (when it is off, as by
//!   default, `#[cfg(test)]` items are dropped before lowering).
//! - **The devref build**: [`SUMMARY_FORMAT`] only says how the bytes are laid out; what lowering
//!   makes of a file (and how syn and proc-macro2 parse it) changes between builds without it, so
//!   key on the build as the result cache does (`CARGO_PKG_VERSION`, and the executable itself
//!   for development builds).
//!
//! Nothing else: lowering never reads the file's name or path, nor any other file (the macro cache
//! it is given in `analysis::parse` is new for each file), and the [`FileId`] is not stored.
//!
//! # Malformed input
//!
//! [`decode`] returns `None`, and never panics, on anything that is not a summary of this format:
//! truncated or extended bytes, another [`SUMMARY_FORMAT`], garbage, types or items nested deeper
//! than [`MAX_DEPTH`] (which would overflow the decoding thread's stack), and trees whose module
//! indices could send the model out of bounds or round in a loop. A `None` only costs the file
//! its parse.

use super::item_tree::{Item, ItemKind, ItemTree};
use super::summary_format::{Decoding, WithoutSpans};
use crate::source::FileId;

/// The version of the summary layout, stored at the head of every summary.
///
/// **Bump it whenever the layout changes**: any field or variant added, removed, reordered or
/// retyped in [`super::item_tree`] (or in [`Span`](crate::source::Span)), or a change to how `summary_format::span` writes a
/// span. postcard stores no field names, so an old summary read with a new layout need not fail: it
/// could decode into wrong data. Decoding a summary of another version returns `None`.
pub const SUMMARY_FORMAT: u32 = 5;

pub use super::summary_format::MAX_DEPTH;

/// The summary of a file's item tree.
pub fn encode(tree: &ItemTree) -> Vec<u8> {
    // postcard fails only on lists of unknown length, which serde's derives never make.
    postcard::to_stdvec(&(SUMMARY_FORMAT, tree)).expect("postcard writes every item tree")
}

/// The summary of a tree that [`decode`] reads back, or `None` for a tree nested as deep as
/// [`MAX_DEPTH`]: the parser admits such types (`&&…&u8`, a run of `&` is no delimiter), which a
/// summary refuses so that a crafted one cannot overflow the decoding stack.
pub fn encode_decodable(tree: &ItemTree) -> Option<Vec<u8>> {
    let context = super::summary_format::Encoding::enter();
    let bytes = encode(tree);
    (!context.too_deep()).then_some(bytes)
}

/// A 128-bit digest of the tree without its spans: what the model built from a file tells a lint
/// of another file, except where the file's items are. Two texts that differ only in what lowering
/// does not keep (comments, whitespace, and the bodies of most functions: a nested item, and the
/// calls of a trait impl's method, are kept) have the same fingerprint. Stable within one devref
/// build only.
pub fn fingerprint(tree: &ItemTree) -> u128 {
    let bytes = {
        let _context = WithoutSpans::enter();
        encode(tree)
    };
    crate::source::digest(&bytes)
}

/// The item tree of a summary [`encode`] made, with every span in `file`; `None` when the bytes are
/// not such a summary (see the module docs on what is refused).
pub fn decode(bytes: &[u8], file: FileId) -> Option<ItemTree> {
    let _context = Decoding::enter(file);
    let (format, rest) = postcard::take_from_bytes::<u32>(bytes).ok()?;
    if format != SUMMARY_FORMAT {
        return None;
    }
    let (tree, rest) = postcard::take_from_bytes::<ItemTree>(rest).ok()?;
    (rest.is_empty() && well_formed(&tree)).then_some(tree)
}

/// What lowering guarantees and the model relies on: the file's own module comes first, every
/// other module's parent comes before it, and every module index an item holds is in the list (a
/// `mod x { }` naming the module whose parent is the item's own).
fn well_formed(tree: &ItemTree) -> bool {
    let modules = &tree.modules;
    modules.first().is_some_and(|root| root.parent.is_none())
        && modules.iter().enumerate().skip(1).all(|(index, module)| {
            module
                .parent
                .is_some_and(|parent| (parent as usize) < index)
        })
        && items_well_formed(&tree.items, modules)
}

fn items_well_formed(items: &[Item], modules: &[super::item_tree::ModuleNode]) -> bool {
    items.iter().all(|item| {
        (item.module as usize) < modules.len()
            && match &item.kind {
                ItemKind::Mod {
                    body: Some(body), ..
                } => modules
                    .get(*body as usize)
                    .is_some_and(|module| *body != 0 && module.parent == Some(item.module)),
                ItemKind::Impl(imp) => items_well_formed(&imp.items, modules),
                ItemKind::Trait { items, .. } => items_well_formed(items, modules),
                _ => true,
            }
    })
}

#[cfg(test)]
mod tests {
    use std::path::{Path, PathBuf};
    use std::time::{Duration, Instant};

    use super::*;
    use crate::model::item_tree::{TypeKind, TypeRef};
    use crate::options::Options;
    use crate::source::{SourceFile, Span};

    /// The item tree of `text` as `file`, as the analysis lowers it with the default options
    /// (`pruned`: `parse_everything` off) or with `parse_everything` and `lint_cfg_test` on.
    /// `None` when the text does not parse.
    fn lower(text: &str, file: FileId, pruned: bool) -> Option<ItemTree> {
        let source = SourceFile::new(file, "t.rs".to_string(), text.to_string());
        let options = Options {
            parse_everything: !pruned,
            lint_cfg_test: !pruned,
            ..Options::default()
        };
        crate::analysis::lowered(&source, &options)
    }

    /// Encodes the tree of `text` lowered as one file and decodes it as another: the result is the
    /// tree lowered as the other (lowering takes the file id for spans only), and, checked apart
    /// from lowering, the first tree with every file id in its debug form replaced. Returns the
    /// summary.
    fn assert_round_trip(text: &str, pruned: bool) -> Vec<u8> {
        // Ids whose debug form (`FileId(3)`) the text does not hold, as docs of the tree would.
        let unused = |from: u32| {
            (from..)
                .map(FileId)
                .find(|id| !text.contains(&format!("{id:?}")))
                .expect("an id")
        };
        let a = unused(3);
        let b = unused(a.0 + 1);
        let tree = lower(text, a, pruned).expect("the source parses");
        let expected = lower(text, b, pruned).expect("the source parses");
        let bytes = encode(&tree);
        let decoded = decode(&bytes, b).expect("a summary decodes");
        assert_eq!(decoded, expected);
        let shown = format!("{tree:?}");
        assert!(!shown.contains(&format!("{b:?}")));
        assert_eq!(
            format!("{decoded:?}"),
            shown.replace(&format!("{a:?}"), &format!("{b:?}"))
        );
        // The summary does not depend on the file id: the decoded tree encodes to the same bytes.
        assert_eq!(encode(&decoded), bytes);
        bytes
    }

    const DRIVER: &str = r#"// SPDX-License-Identifier: GPL-2.0

//! A sample PCI driver, `pci_sample`.

use kernel::{bindings, c_str, device::{self, Core}, pci, prelude::*, types::ARef};
use kernel::sync::{Arc as KArc, Mutex};
use crate::regs::*;
use ::core::ptr::NonNull;

mod regs {
    pub const CTRL: usize = 0x10;
    pub(crate) mod inner {
        pub static mut COUNT: u32 = 0;
    }
}

mod child;

#[path = "other/file.rs"]
mod elsewhere;

/// The driver's private data.
///
/// # Invariants
///
/// `dev` is bound while `self` lives.
#[repr(transparent)]
pub struct SampleDriver<'a, T: Send> {
    pdev: ARef<pci::Device>,
    dev: &'a device::Device<Core>,
    raw: *mut bindings::device,
    data: [u8; 16],
    cb: fn(u32) -> i32,
    pair: (u32, Option<KArc<T>>),
    slice: &'static [u8],
    alias: <T as Iterator>::Item,
    boxed: Box<dyn Fn() + Send + 'a>,
}

pub struct Tuple(pub u32, *const u8);

pub enum State {
    Off,
    On { level: u8 },
    Error(i32),
}

pub union Raw {
    a: u32,
    b: f32,
}

pub type Result2<T = ()> = core::result::Result<T, Error>;

kernel::pci_device_table!(
    PCI_TABLE,
    MODULE_PCI_TABLE,
    <SampleDriver<'static, ()> as pci::Driver>::IdInfo,
    [(pci::DeviceId::from_id(bindings::PCI_VENDOR_ID_REDHAT, 0x5), ())]
);

impl<'a, T: Send> SampleDriver<'a, T> {
    /// Makes one.
    pub fn new(pdev: &pci::Device<Core>) -> Result<Self> {
        let dev: &device::Device = pdev.as_ref();
        Err(ENODEV)
    }

    /// Reads the device's raw pointer.
    ///
    /// # Safety
    ///
    /// The device must be bound.
    pub unsafe fn raw(&self) -> *mut bindings::device {
        unsafe { bindings::get_device(self.raw) };
        self.raw
    }

    fn never(&self) -> ! {
        loop {}
    }

    fn infer(&self) -> impl Iterator<Item = u32> + '_ {
        core::iter::empty::<_>()
    }
}

impl<'a, T: Send> Drop for SampleDriver<'a, T> {
    fn drop(&mut self) {
        // SAFETY: taken in `new`.
        unsafe { bindings::put_device(self.raw) };
        release(self.raw, self.data[0]);
    }
}

unsafe impl<T: Send> Send for SampleDriver<'_, T> {}

pub trait Ops: Send {
    const NAME: &'static CStr;
    type Data;
    fn open(&self) -> Result;
    fn close(&self) {}
}

static OPS: bindings::file_operations = bindings::file_operations {
    open: Some(SampleDriver::<()>::open_callback),
    release: Some(release_callback),
    ..unsafe { core::mem::zeroed() }
};

const LIMIT: usize = 4;

extern crate alloc;

macro_rules! declare {
    ($name:ident) => {
        struct $name;
    };
}

declare!(Declared);

fn helper() -> u32 {
    struct Local(u32);
    impl Local {
        fn get(&self) -> u32 { self.0 }
    }
    Local(1).get()
}

#[cfg(test)]
mod tests {
    #[test]
    fn works() {}
}

kernel::module_pci_driver! {
    type: SampleDriver<'static, ()>,
    name: "pci_sample",
    authors: ["A. Person"],
    description: "Sample — déjà vu, ✓",
    license: "GPL v2",
}
"#;

    const BINDINGS: &str = concat!(
        "\u{feff}#!/usr/bin/env run-cargo-script\n",
        "// A file with a BOM and a shebang.\n",
        "/** Block docs, with `code`.\n * and a second line */\n",
        "pub struct Wide { /* ünïcödé */ pub x: u8 }\n",
        "#[doc = \"attribute docs\"]\n",
        "pub fn f<'a, T>(x: &'a mut T, _: [Wide; 2]) -> Option<&'a T> where T: Clone { None }\n",
        "impl<T> core::ops::Deref for Holder<T> {\n",
        "    type Target = T;\n",
        "    fn deref(&self) -> &T { self.get() }\n",
        "}\n",
    );

    #[test]
    fn round_trips_real_looking_files() {
        for text in [DRIVER, BINDINGS, "", "fn main() {}\n", "//! Docs only.\n"] {
            for pruned in [false, true] {
                assert_round_trip(text, pruned);
            }
        }
        // The driver's tree is not trivial: every kind of span and nesting is in it.
        let tree = lower(DRIVER, FileId(0), false).expect("parses");
        assert!(tree.modules.len() >= 3 && tree.items.len() > 20);
        assert!(!tree.registrations.is_empty());
    }

    /// The parser admits a type nested deeper than a summary holds (a run of `&` is no
    /// delimiter): `encode_decodable` says so, and what it accepts decodes.
    #[test]
    fn encode_decodable_refuses_exactly_what_decode_refuses() {
        // syn and lowering recurse once per `&`: a worker's stack, as in the analysis.
        std::thread::Builder::new()
            .stack_size(256 << 20)
            .spawn(encode_decodable_at_the_limit)
            .expect("spawn")
            .join()
            .expect("no panic");
    }

    fn encode_decodable_at_the_limit() {
        for depth in [
            MAX_DEPTH - 2,
            MAX_DEPTH - 1,
            MAX_DEPTH,
            MAX_DEPTH + 1,
            MAX_DEPTH + 40,
        ] {
            let text = format!("type T = {}u8;\n", "&".repeat(depth as usize));
            let tree = lower(&text, FileId(0), true).expect("parses");
            let encoded = encode(&tree);
            let decodes = decode(&encoded, FileId(0)).is_some();
            match encode_decodable(&tree) {
                Some(bytes) => {
                    assert!(decodes, "{depth}");
                    assert_eq!(bytes, encoded, "{depth}");
                }
                None => assert!(!decodes, "{depth}"),
            }
        }
        let deep = lower(
            &format!("type T = {}u8;\n", "&".repeat(200)),
            FileId(0),
            true,
        );
        assert!(encode_decodable(&deep.expect("parses")).is_none());
        // Both answers are met above.
        let shallow = lower("type T = &&u8;\n", FileId(0), true);
        assert!(encode_decodable(&shallow.expect("parses")).is_some());
    }

    /// Every file of this crate's source (the item tree's among them), as a corpus at hand.
    #[test]
    fn round_trips_this_crates_sources() {
        let mut files = Vec::new();
        rust_files(
            &Path::new(env!("CARGO_MANIFEST_DIR")).join("src"),
            &mut files,
        );
        assert!(files.len() > 20, "found {} files", files.len());
        for path in files {
            let text = std::fs::read_to_string(&path).expect("readable");
            for pruned in [false, true] {
                assert_round_trip(&text, pruned);
            }
        }
    }

    fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
        let Ok(entries) = std::fs::read_dir(dir) else {
            return;
        };
        let mut entries: Vec<_> = entries.filter_map(Result::ok).collect();
        entries.sort_by_key(|entry| entry.path());
        for entry in entries {
            let path = entry.path();
            let Ok(kind) = entry.file_type() else {
                continue;
            };
            if kind.is_dir() {
                rust_files(&path, out);
            } else if kind.is_file() && path.extension().is_some_and(|ext| ext == "rs") {
                out.push(path);
            }
        }
    }

    /// A deterministic byte source for the garbage tests (xorshift64*).
    struct Noise(u64);

    impl Noise {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 >> 12;
            self.0 ^= self.0 << 25;
            self.0 ^= self.0 >> 27;
            self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
        }

        fn bytes(&mut self, len: usize) -> Vec<u8> {
            (0..len).map(|_| self.next() as u8).collect()
        }
    }

    #[test]
    fn malformed_summaries_are_refused_without_a_panic() {
        let tree = lower(DRIVER, FileId(0), false).expect("parses");
        let bytes = encode(&tree);
        assert!(decode(&bytes, FileId(1)).is_some());
        // Every proper prefix, and any byte after the end.
        for len in 0..bytes.len() {
            assert_eq!(
                decode(&bytes[..len], FileId(1)),
                None,
                "prefix of {len} bytes"
            );
        }
        let mut longer = bytes.clone();
        longer.push(0);
        assert_eq!(decode(&longer, FileId(1)), None);
        // Another format version.
        let mut other = postcard::to_stdvec(&(SUMMARY_FORMAT + 1)).expect("encodes");
        other.extend_from_slice(&bytes[1..]);
        assert_eq!(u32::from(bytes[0]), SUMMARY_FORMAT);
        assert_eq!(decode(&other, FileId(1)), None);
        // Garbage, and the summary with bytes changed: anything may come out but a panic.
        let mut noise = Noise(0x9e37_79b9_7f4a_7c15);
        for round in 0..5_000 {
            let len = (noise.next() % 600) as usize;
            let _ = decode(&noise.bytes(len), FileId(1));
            let mut changed = bytes.clone();
            for _ in 0..1 + round % 4 {
                let at = (noise.next() as usize) % changed.len();
                changed[at] = noise.next() as u8;
            }
            let _ = decode(&changed, FileId(1));
        }
        for at in 0..bytes.len() {
            for value in [0, 0x80, 0xff] {
                let mut changed = bytes.clone();
                changed[at] = value;
                let _ = decode(&changed, FileId(1));
            }
        }
    }

    #[test]
    fn trees_the_model_cannot_use_are_refused() {
        let good = lower(DRIVER, FileId(0), false).expect("parses");
        let refused = |change: &dyn Fn(&mut ItemTree)| {
            let mut tree = good.clone();
            change(&mut tree);
            decode(&encode(&tree), FileId(0)).is_none()
        };
        assert!(!refused(&|_| {}));
        assert!(refused(&|tree| tree.modules.clear()));
        assert!(refused(&|tree| tree.items[0].module = 99));
        assert!(refused(&|tree| tree.modules[1].parent = Some(1)));
        assert!(refused(&|tree| tree.modules[0].parent = Some(0)));
        fn body_of(tree: &mut ItemTree) -> &mut Option<u32> {
            tree.items
                .iter_mut()
                .find_map(|item| match &mut item.kind {
                    ItemKind::Mod {
                        body: body @ Some(_),
                        ..
                    } => Some(body),
                    _ => None,
                })
                .expect("an inline module")
        }
        assert!(refused(&|tree| *body_of(tree) = Some(0)));
        assert!(refused(&|tree| *body_of(tree) = Some(99)));
        let impl_item = |tree: &mut ItemTree| {
            for item in &mut tree.items {
                if let ItemKind::Impl(imp) = &mut item.kind {
                    if let Some(inner) = imp.items.first_mut() {
                        inner.module = 99;
                        return;
                    }
                }
            }
            panic!("an impl with items");
        };
        assert!(refused(&impl_item));
        // A span whose end is before its start (lowering makes none) does not come back.
        assert!(refused(
            &|tree| tree.items[0].span.end = tree.items[0].span.start.wrapping_sub(1)
        ));
    }

    #[test]
    fn deep_nesting_is_refused_before_the_stack_overflows() {
        let span = |start| Span {
            file: FileId(0),
            start,
            end: start + 1,
        };
        // `[[…[!]…]]`, `depth` arrays deep, as a static's type.
        let nested = |depth: usize| {
            let mut ty = TypeRef {
                kind: TypeKind::Never,
                span: span(5),
            };
            for _ in 0..depth {
                ty = TypeRef {
                    kind: TypeKind::Array(Box::new(ty)),
                    span: span(5),
                };
            }
            let mut tree = lower("static S: ! = panic!();\n", FileId(0), false).expect("parses");
            tree.items[0].kind = ItemKind::Static {
                mutable: false,
                ty: Box::new(ty),
            };
            tree
        };
        // The item is one level, its type's every array one more, and `!` the last.
        let deepest = MAX_DEPTH as usize - 2;
        assert_eq!(
            decode(&encode(&nested(deepest)), FileId(0)),
            Some(nested(deepest))
        );
        assert_eq!(decode(&encode(&nested(deepest + 1)), FileId(0)), None);
        // A million levels, too deep to build as a tree (dropping it would overflow the stack), are
        // made from the bytes of one: each array level is the bytes before `!` again, and a span
        // after it.
        let one = encode(&nested(1));
        let never = postcard::to_stdvec(&(TypeKind::Never, 5u32, 1u32)).expect("encodes");
        let at = one
            .windows(never.len())
            .position(|window| window == never)
            .expect("the innermost type");
        let array = postcard::to_stdvec(&TypeKind::Array(Box::new(TypeRef {
            kind: TypeKind::Never,
            span: span(5),
        })))
        .expect("encodes");
        let level = &array[..array.len() - never.len()];
        let outer_span = postcard::to_stdvec(&(5u32, 1u32)).expect("encodes");
        let deepened = |more: usize| {
            let mut deep = one[..at].to_vec();
            for _ in 0..more {
                deep.extend_from_slice(level);
            }
            deep.extend_from_slice(&never);
            for _ in 0..more {
                deep.extend_from_slice(&outer_span);
            }
            deep.extend_from_slice(&one[at + never.len()..]);
            deep
        };
        // The bytes are made right: a few levels more decode.
        assert_eq!(decode(&deepened(9), FileId(0)), Some(nested(10)));
        assert_eq!(decode(&deepened(1_000_000), FileId(0)), None);
    }

    #[test]
    fn a_span_is_read_only_by_decode() {
        let bytes = postcard::to_stdvec(&TypeRef {
            kind: TypeKind::Infer,
            span: Span {
                file: FileId(4),
                start: 7,
                end: 9,
            },
        })
        .expect("encodes");
        assert!(postcard::from_bytes::<TypeRef>(&bytes).is_err());
        // And decode leaves no file behind on the thread.
        let _ = decode(&encode(&ItemTree::default()), FileId(4));
        assert!(postcard::from_bytes::<TypeRef>(&bytes).is_err());
    }

    /// The seeds of the `summary` fuzz target (`fuzz/seed.sh` runs it): writes the summary of every
    /// Rust file under the folders of `$DEVREF_SUMMARY_SEEDS_FROM` (a list of absolute paths, as
    /// `PATH` is written) into the folder `$DEVREF_SUMMARY_SEEDS`, lowered as a default run and as
    /// `parse_everything` would lower it. Does nothing without both variables.
    #[test]
    fn write_fuzz_seeds() {
        let (Some(out), Some(from)) = (
            std::env::var_os("DEVREF_SUMMARY_SEEDS"),
            std::env::var_os("DEVREF_SUMMARY_SEEDS_FROM"),
        ) else {
            return;
        };
        let out = PathBuf::from(out);
        let mut files = Vec::new();
        for dir in std::env::split_paths(&from) {
            rust_files(&dir, &mut files);
        }
        for (n, path) in files.iter().enumerate() {
            let Ok(text) = std::fs::read_to_string(path) else {
                continue;
            };
            for pruned in [true, false] {
                if let Some(tree) = lower(&text, FileId(0), pruned) {
                    let name = format!("{n}-{}", if pruned { "pruned" } else { "everything" });
                    std::fs::write(out.join(name), encode(&tree)).expect("the seed is written");
                }
            }
        }
    }

    /// Round-trips every Rust file under `$DEVREF_KERNEL_TREE` (a kernel source tree), as a default
    /// run and as `parse_everything` would lower them, and prints how large the summaries are and
    /// how long encoding and decoding took (beside parsing and lowering, for scale):
    /// `DEVREF_KERNEL_TREE=… cargo test -p devref-lints summary -- --nocapture`.
    #[test]
    fn kernel_tree_round_trips() {
        let Some(root) = std::env::var_os("DEVREF_KERNEL_TREE") else {
            return;
        };
        let mut files = Vec::new();
        rust_files(Path::new(&root), &mut files);
        let texts: Vec<String> = files
            .iter()
            .filter_map(|path| std::fs::read_to_string(path).ok())
            .collect();
        let source_bytes: usize = texts.iter().map(String::len).sum();
        println!(
            "summary: {} .rs files, {source_bytes} bytes of source",
            texts.len()
        );
        for pruned in [true, false] {
            let (mut lowering, mut encoding, mut decoding) =
                (Duration::ZERO, Duration::ZERO, Duration::ZERO);
            let (mut summary_bytes, mut parsed, mut parsed_bytes) = (0, 0, 0);
            for text in &texts {
                let clock = Instant::now();
                let Some(tree) = lower(text, FileId(3), pruned) else {
                    continue;
                };
                lowering += clock.elapsed();
                let clock = Instant::now();
                let bytes = encode(&tree);
                encoding += clock.elapsed();
                let clock = Instant::now();
                let decoded = decode(&bytes, FileId(11));
                decoding += clock.elapsed();
                let expected = lower(text, FileId(11), pruned);
                assert!(decoded.is_some() && decoded == expected);
                parsed += 1;
                parsed_bytes += text.len();
                summary_bytes += bytes.len();
            }
            let mode = if pruned {
                "default (pruned)"
            } else {
                "parse_everything"
            };
            println!(
                "summary: {mode}: {parsed} files parsed, {parsed_bytes} bytes of source -> \
                 {summary_bytes} bytes of summaries ({:.1}%); parse+lower {lowering:.2?}, \
                 encode {encoding:.2?}, decode {decoding:.2?}",
                100.0 * summary_bytes as f64 / parsed_bytes.max(1) as f64
            );
        }
    }
}
