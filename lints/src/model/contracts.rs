//! Safety contracts around device reference counts.
//!
//! - [`Contracts`] holds, as data, what devref knows about refcount contracts: the words by which a
//!   SAFETY comment or a `# Safety` section states the reference count ([`Vocabulary`]), and the
//!   names of the built-in refcount-sensitive functions. It is built from defaults and meant to be
//!   extended by configuration.
//! - `# Safety` / `# Invariants` helpers: the sentence of a section that states the refcount, and
//!   where a section's last line is, for suggestions that add a sentence.
//! - [`find_safety_comment`]: the `SAFETY:` comment that belongs to an `unsafe` block or item, in
//!   every place kernel code puts it.

use foldhash::{HashMap, HashSet};
use std::ops::Range;

use super::def_map::{DefId, ItemRef, Res};
use super::item_tree::{Docs, FnSig, Item, ItemKind, TypeKind, TypeRef};
use super::types::Walk;
use super::{Model, Scope};
use crate::comments::{Comment, CommentIndex, CommentKind, DocStyle};
use crate::source::{SourceFile, Span};
use crate::text::one_line;

/// Phrases, each a sequence of words matched against normalised text (lowercase, punctuation and
/// backticks removed, `-` read as a space). In a phrase, a word ending in `*` matches any word that
/// starts with it (`count*` matches `counted`), and a lone `*` matches at most one word (`holds a *
/// reference` matches "holds a live reference"). `{lt}` stands for the returned reference's lifetime.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Vocabulary {
    /// The comment or doc states the reference-count precondition.
    pub refcount: Vec<String>,
    /// The comment delegates to the enclosing `unsafe fn`'s `# Safety` requirements.
    pub delegation: Vec<String>,
    /// The comment cites the type invariants of `Self`.
    pub invariants_citation: Vec<String>,
    /// An `# Invariants` section states ownership of the device (besides the refcount words).
    pub ownership: Vec<String>,
    /// A `# Safety` section bounds how long the precondition must hold.
    pub duration: Vec<String>,
    /// A holding verb about a reference: someone holds, owns, took or keeps one (see
    /// [`Vocabulary::names_holder`]).
    pub holding: Vec<String>,
    /// A statement that ties how long the pointer is used to whoever holds the object: "must not
    /// outlive the registration", "the lifetime of the returned reference is tied to `self`".
    pub tie: Vec<String>,
}

const REFCOUNT: &[&str] = &[
    "reference count*",
    "refcount*",
    "refcnt",
    // "ref-counted", "ref count": text is split at hyphens and spaces alike.
    "ref count*",
    "kref*",
    "initial reference",
    "own* that * reference",
    "own* this * reference",
    "reference taken",
    "reference * took",
    "reference * we own",
    "hold* a * reference",
    "hold* the * reference",
    "own* a * reference",
    "own* the initial reference",
    "own* the * reference",
    "ownership of * reference",
    "ownership of the * reference",
    "reference is taken",
    "reference was taken",
    "take* a * reference",
    "took a * reference",
    "given back ownership",
    "drop* * reference",
    "release* * reference",
    "reference* owned by",
];

const DELEGATION: &[&str] = &[
    "safety requirement*",
    "safety precondition*",
    "safety contract",
    "safety section",
    "caller guarantee*",
    "callers guarantee*",
    "caller ensure*",
    "callers ensure*",
    "caller must ensure",
    "guaranteed by the caller",
    "caller promise*",
    "caller uphold*",
    "callers uphold*",
    "function requirement*",
    "requirements of the function",
    "requirements of this function",
    "function's safety",
    "function's requirement*",
];

const INVARIANTS_CITATION: &[&str] = &[
    "type invariant*",
    "struct invariant*",
    "by the invariant*",
    "by our invariant*",
    "by its invariant*",
    "invariant* of",
    "our invariant*",
];

const OWNERSHIP: &[&str] = &["own*", "ownership"];

const DURATION: &[&str] = &[
    "duration of {lt}",
    "lifetime {lt}",
    "lifetime of {lt}",
    "for {lt}",
    "outlive* {lt}",
    "returned reference exist*",
    "returned * reference exist*",
    "lifetime of the returned",
    "as long as the returned",
    "while the returned",
    "duration when the returned",
    "lifetime of the reference",
    "while the reference exist*",
    "for all of {lt}",
    "throughout {lt}",
    "until the returned reference is last used",
    "until * returned reference * last used",
];

const HOLDING: &[&str] = &[
    "hold* a * reference",
    "hold* the * reference",
    "hold* * * reference",
    "hold* a reference*",
    "own* a * reference",
    "own* the * reference",
    "own* the initial reference",
    "ownership of * reference",
    "ownership of the * reference",
    "took a * reference",
    "took the * reference",
    "take* a * reference",
    "keep* a * reference",
    "reference is taken",
    "reference was taken",
    "reference taken by",
    "reference held by",
    "reference* owned by",
    "keep* * alive",
    "keep* * * alive",
    "keep* * * * alive",
    "keep* * live",
    "keep* * * live",
    "keep* * * * live",
    "release* * reference * drop",
    "drop* * reference * drop",
];

const TIE: &[&str] = &[
    "must not outlive",
    "cannot outlive",
    "can not outlive",
    "can't outlive",
    "does not outlive",
    "lifetime * tied to",
    "lifetime * * tied to",
    "lifetime * * * tied to",
    "tied to the lifetime",
    "bound to the lifetime",
];

/// Associated fns of a device abstraction that make or count a reference from a raw pointer when
/// their contract is not among the linted sources.
const DEVICE_CONSTRUCTORS: &[&str] = &["from_raw", "get_device", "as_ref"];

fn strings(list: &[&str]) -> Vec<String> {
    list.iter().map(|s| s.to_string()).collect()
}

impl Vocabulary {
    pub fn built_in() -> Vocabulary {
        Vocabulary {
            refcount: strings(REFCOUNT),
            delegation: strings(DELEGATION),
            invariants_citation: strings(INVARIANTS_CITATION),
            ownership: strings(OWNERSHIP),
            duration: strings(DURATION),
            holding: strings(HOLDING),
            tie: strings(TIE),
        }
    }

    /// Whether the text names who holds the reference that keeps an object alive: one sentence
    /// has a holding verb about a reference ("the parent holds a reference", "the GEM object took a
    /// reference", "released in `Drop`") and names the object by one of `object_words` (its
    /// field, its pointer, "parent"), or one sentence ties the reference's use to a holder ("must
    /// not outlive the registration", "the lifetime of the returned reference is tied to
    /// `self`"). "Valid as long as X is valid", "never freed" or "initialised" name no holder;
    /// a holding verb in a sentence about another object names none for this one.
    pub fn names_holder(&self, text: &str, object_words: &[String]) -> bool {
        sentences(text).iter().any(|sentence| {
            let words = words_keeping_lifetimes(sentence);
            let about_object = object_words.iter().any(|object| {
                let whole = words_keeping_lifetimes(object);
                let split = words_keeping_lifetimes(&object.replace('_', " "));
                contains_phrase(&words, &whole) || contains_phrase(&words, &split)
            });
            // A tie is about the reference the code makes, whatever it calls the object.
            matches_any(&self.tie, sentence, None)
                || (about_object && matches_any(&self.holding, sentence, None))
        })
    }

    pub fn states_refcount(&self, text: &str) -> bool {
        matches_any(&self.refcount, text, None)
    }

    pub fn delegates(&self, text: &str) -> bool {
        matches_any(&self.delegation, text, None)
    }

    /// Whether the text cites the type invariants of `Self` (named `self_names`, lowercase): a
    /// citation "of `Ctx`" names another type and does not count.
    pub fn cites_invariants(&self, text: &str, self_names: &[&str]) -> bool {
        let text_words = words_keeping_lifetimes(text);
        self.invariants_citation.iter().any(|phrase| {
            let phrase = phrase_words(phrase);
            (0..text_words.len()).any(|start| {
                let Some(end) = match_end(&text_words, start, &phrase) else {
                    return false;
                };
                // "… invariant of X": X must be `Self`.
                let of_at = if phrase.last().is_some_and(|w| w == "of") {
                    Some(end)
                } else if text_words.get(end).is_some_and(|w| w == "of") {
                    Some(end + 1)
                } else {
                    None
                };
                match of_at.and_then(|at| text_words.get(at)) {
                    Some(named) => {
                        let named = named.as_str();
                        named == "self"
                            || named == "this"
                            || named == "the"
                            || named == "its"
                            || self_names.contains(&named)
                    }
                    None => of_at.is_none(),
                }
            })
        })
    }

    /// An `# Invariants` section that says the type counts or owns its device.
    pub fn states_ownership(&self, text: &str) -> bool {
        self.states_refcount(text) || matches_any(&self.ownership, text, None)
    }

    /// `lifetime` is the returned reference's named lifetime (`a` for `&'a Self`), if any.
    pub fn bounds_duration(&self, text: &str, lifetime: Option<&str>) -> bool {
        matches_any(&self.duration, text, lifetime)
    }
}

/// What devref knows about refcount contracts. One instance lives in the model.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Contracts {
    pub vocabulary: Vocabulary,
    /// Associated fns of a device abstraction judged refcount-sensitive by name when their own
    /// contract is not linted: `from_raw`, `get_device`, `as_ref` (older kernels).
    pub device_constructors: Vec<String>,
    /// `ARef::from_raw`: takes over a reference.
    pub aref_constructors: Vec<String>,
    /// `dec_ref`: drops a reference.
    pub release_methods: Vec<String>,
    /// Get functions that look a device up (by bus number) rather than take a reference on a
    /// pointer the caller has: nothing about the caller's reference count is required.
    pub lookup_functions: Vec<String>,
    /// Configured refcount-sensitive functions: a path (`kernel::widget::Device::from_raw`, matched
    /// against the callee's canonical path) or a bare name (matched against its last segment).
    pub extra_functions: Vec<String>,
}

impl Default for Contracts {
    fn default() -> Contracts {
        Contracts::built_in()
    }
}

impl Contracts {
    pub fn built_in() -> Contracts {
        Contracts {
            vocabulary: Vocabulary::built_in(),
            device_constructors: strings(DEVICE_CONSTRUCTORS),
            aref_constructors: strings(&["from_raw"]),
            release_methods: strings(&["dec_ref"]),
            lookup_functions: strings(&["i2c_get_adapter"]),
            extra_functions: Vec::new(),
        }
    }

    /// Adds configured refcount-sensitive functions and refcount phrases.
    pub fn extend(&mut self, functions: &[String], vocabulary: &[String]) {
        self.extra_functions.extend(functions.iter().cloned());
        self.vocabulary
            .refcount
            .extend(vocabulary.iter().map(|phrase| phrase.to_lowercase()));
    }

    /// Whether a callee's canonical path names a configured refcount-sensitive function.
    pub fn is_extra_function(&self, path: &[String]) -> bool {
        let joined = path.join("::");
        self.extra_functions.iter().any(|entry| {
            let entry = entry.trim_start_matches("::");
            if entry.contains("::") {
                joined == entry || joined.ends_with(&format!("::{entry}"))
            } else {
                path.last().is_some_and(|last| last == entry)
            }
        })
    }

    pub fn is_device_constructor(&self, name: &str) -> bool {
        self.device_constructors.iter().any(|n| n == name)
    }

    pub fn is_aref_constructor(&self, name: &str) -> bool {
        self.aref_constructors.iter().any(|n| n == name)
    }

    pub fn is_lookup_function(&self, name: &str) -> bool {
        self.lookup_functions.iter().any(|n| n == name)
    }

    pub fn is_release_method(&self, name: &str) -> bool {
        self.release_methods.iter().any(|n| n == name)
    }
}

// --- Phrase matching --------------------------------------------------------------------------

/// Lowercase words: letters, digits, `_` and `'` survive, everything else separates; a leading
/// `'` is kept on lifetimes (`'a`) and stripped from quotes.
fn words_keeping_lifetimes(text: &str) -> Vec<String> {
    let lower = text.to_lowercase();
    lower
        .split(|c: char| !(c.is_alphanumeric() || c == '_' || c == '\''))
        .map(|w| {
            if w.starts_with('\'') && w.len() > 1 && !w[1..].contains('\'') {
                w.to_string()
            } else {
                w.trim_matches('\'').to_string()
            }
        })
        .filter(|w| !w.is_empty())
        .collect()
}

fn matches_any(phrases: &[String], text: &str, lifetime: Option<&str>) -> bool {
    let text_words = words_keeping_lifetimes(text);
    phrases.iter().any(|phrase| {
        if phrase.contains("{lt}") {
            let Some(lt) = lifetime else {
                return false;
            };
            let phrase = phrase.replace("{lt}", &format!("'{lt}"));
            contains_phrase(&text_words, &phrase_words(&phrase))
        } else {
            contains_phrase(&text_words, &phrase_words(phrase))
        }
    })
}

fn phrase_words(phrase: &str) -> Vec<String> {
    phrase
        .split_whitespace()
        .map(|w| w.to_lowercase())
        .collect()
}

fn contains_phrase(text: &[String], phrase: &[String]) -> bool {
    if phrase.is_empty() {
        return false;
    }
    (0..text.len()).any(|start| match_at(text, start, phrase))
}

/// Where a match of `phrase` starting at `at` ends (exclusive), if it matches.
fn match_end(text: &[String], at: usize, phrase: &[String]) -> Option<usize> {
    let Some((first, rest)) = phrase.split_first() else {
        return Some(at);
    };
    if first == "*" {
        return match_end(text, at, rest).or_else(|| {
            if at < text.len() {
                match_end(text, at + 1, rest)
            } else {
                None
            }
        });
    }
    let word = text.get(at)?;
    let matched = match first.strip_suffix('*') {
        Some(prefix) => word.starts_with(prefix),
        None => word == first,
    };
    if matched {
        match_end(text, at + 1, rest)
    } else {
        None
    }
}

fn match_at(text: &[String], at: usize, phrase: &[String]) -> bool {
    let Some((first, rest)) = phrase.split_first() else {
        return true;
    };
    if first == "*" {
        // Zero words, or one.
        return match_at(text, at, rest) || (at < text.len() && match_at(text, at + 1, rest));
    }
    let Some(word) = text.get(at) else {
        return false;
    };
    let matched = match first.strip_suffix('*') {
        Some(prefix) => word.starts_with(prefix),
        None => word == first,
    };
    matched && match_at(text, at + 1, rest)
}

// --- Doc sections -----------------------------------------------------------------------------

/// The sentences of a doc section, list items and paragraphs kept apart, lines joined.
pub fn sentences(section: &str) -> Vec<String> {
    let mut paragraphs: Vec<String> = Vec::new();
    let mut current = String::new();
    for line in section.lines() {
        let trimmed = line.trim();
        let is_item = trimmed.starts_with("- ") || trimmed.starts_with("* ");
        if trimmed.is_empty() || is_item {
            if !current.trim().is_empty() {
                paragraphs.push(std::mem::take(&mut current));
            }
            current.clear();
        }
        let text = if is_item { &trimmed[2..] } else { trimmed };
        if !text.is_empty() {
            if !current.is_empty() {
                current.push(' ');
            }
            current.push_str(text);
        }
    }
    if !current.trim().is_empty() {
        paragraphs.push(current);
    }
    let mut out = Vec::new();
    for paragraph in paragraphs {
        let chars: Vec<char> = paragraph.chars().collect();
        let mut start = 0;
        let mut i = 0;
        while i < chars.len() {
            let c = chars[i];
            let ends = matches!(c, '.' | '!' | '?')
                && chars.get(i + 1).is_some_and(|n| n.is_whitespace())
                && chars
                    .get(i + 2)
                    .is_some_and(|n| n.is_uppercase() || *n == '`' || *n == '[');
            if ends {
                let sentence: String = chars[start..=i].iter().collect();
                out.push(sentence.trim().to_string());
                start = i + 1;
            }
            i += 1;
        }
        let rest: String = chars[start..].iter().collect();
        if !rest.trim().is_empty() {
            out.push(rest.trim().to_string());
        }
    }
    out
}

/// The first sentence of a section that states the reference count.
pub fn refcount_sentence(section: &str, vocabulary: &Vocabulary) -> Option<String> {
    sentences(section)
        .into_iter()
        .find(|s| vocabulary.states_refcount(s))
}

/// Where the `///` lines of an item's docs are, and one section among them, for labels and for
/// suggestions that add to the docs. `#[doc = …]` and `/** */` docs give `None`.
#[derive(Clone, Debug)]
pub struct DocLayout {
    /// The `///` comments in order.
    pub lines: Vec<Comment>,
    /// Index into `lines` of the section's heading, if the section exists.
    pub heading: Option<usize>,
    /// Index of the section's last non-blank line.
    pub last: Option<usize>,
}

impl DocLayout {
    /// From the section's heading to its last line.
    pub fn section_span(&self, file: crate::source::FileId) -> Option<Span> {
        let first = &self.lines[self.heading?];
        let last = &self.lines[self.last.or(self.heading)?];
        Some(Span::new(file, first.start as usize..last.end as usize))
    }
}

pub fn doc_layout(
    comments: &CommentIndex,
    source: &SourceFile,
    docs: &Docs,
    title: &str,
) -> Option<DocLayout> {
    let span = docs.span?;
    let lines: Vec<Comment> = comments
        .within(span.range())
        .iter()
        .filter(|c| c.kind == CommentKind::Line && c.doc == DocStyle::Outer)
        .cloned()
        .collect();
    if lines.is_empty() {
        return None;
    }
    // Every doc line must be a `///` comment, or the layout is not what we think.
    let doc_lines = docs.text.lines().count();
    if doc_lines != lines.len() {
        return None;
    }
    let mut heading_index = None;
    let mut last = None;
    let mut depth = 0;
    let mut in_code = false;
    for (index, comment) in lines.iter().enumerate() {
        let body = comment.body(&source.text).trim();
        if body.starts_with("```") {
            in_code = !in_code;
        }
        if !in_code {
            if let Some((level, text)) = heading(body) {
                if heading_index.is_some() && level <= depth {
                    break;
                }
                if heading_index.is_none() && text.eq_ignore_ascii_case(title) {
                    heading_index = Some(index);
                    depth = level;
                    continue;
                }
            }
        }
        // Link definitions (`[`X`]: path`) close the docs; the section's text ends before them.
        let link_definition = body.starts_with('[') && body.contains("]: ");
        if heading_index.is_some() && !body.is_empty() && !link_definition {
            last = Some(index);
        }
    }
    Some(DocLayout {
        lines,
        heading: heading_index,
        last,
    })
}

fn heading(line: &str) -> Option<(usize, &str)> {
    let level = line.bytes().take_while(|&b| b == b'#').count();
    if level == 0 || level > 6 {
        return None;
    }
    let rest = &line[level..];
    rest.starts_with(' ').then(|| (level, rest.trim()))
}

/// The leading whitespace of a 0-based line.
pub fn indentation(source: &SourceFile, line: usize) -> String {
    if line >= source.line_count() {
        return String::new();
    }
    let text = &source.text[source.line_range(line)];
    text.chars()
        .take_while(|c| *c == ' ' || *c == '\t')
        .collect()
}

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

/// Local types whose references are counted with a device get/put function: the catalogue's
/// derived abstractions, and also wrappers it does not derive (`#[repr(C)]` with
/// `Opaque<bindings::fwctl_device>` first, counted by `fwctl_get`/`fwctl_put`).
#[derive(Clone, Debug, Default)]
pub struct RefcountedTypes {
    by_def: HashMap<DefId, String>,
    c_types: HashSet<String>,
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
                _ => data.name.clone(),
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
                        found = Some((true, lifetime.clone()));
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
                param.name.clone().unwrap_or_else(|| "ptr".to_string()),
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
            Some((
                param.name.clone().unwrap_or_else(|| "ptr".to_string()),
                pointee,
            ))
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
        let section = func.item.docs.section("Safety")?;
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

// --- SAFETY comments --------------------------------------------------------------------------

/// A syntax node around an `unsafe` block (the block itself, an enclosing expression, argument,
/// field, arm or statement) above which a SAFETY comment may sit.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Anchor {
    /// Start of the node, outer attributes included.
    pub start: usize,
    /// Start of the node after its attributes.
    pub body_start: usize,
}

/// Where to look for the SAFETY comment of one `unsafe` block or item.
#[derive(Clone, Debug, Default)]
pub struct CommentSite {
    /// Innermost first: the block, then the nodes around it up to the enclosing statement.
    pub anchors: Vec<Anchor>,
    /// Between the block's `{` and its first statement (or `}`).
    pub inside: Option<Range<usize>>,
    /// End of the block; a comment after it on the same line is a trailing comment.
    pub end: Option<usize>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Placement {
    Above,
    BetweenAttributes,
    Trailing,
    Inside,
    Inline,
}

/// A SAFETY comment found for a block.
#[derive(Clone, Debug)]
pub struct SafetyComment {
    /// The comment holding `SAFETY:`; its start identifies the comment for ownership.
    pub marker: Comment,
    /// The comments of the group from the marker on (continuation lines included).
    pub group: Vec<Comment>,
    /// The SAFETY text: from `SAFETY:` to the next tag (`INVARIANT:`, `CAST:`) or the group's end.
    pub text: String,
    pub placement: Placement,
}

impl SafetyComment {
    /// From the marker to the end of the SAFETY text.
    pub fn span(&self, file: crate::source::FileId) -> Span {
        let end = self.group.last().map_or(self.marker.end, |c| c.end);
        Span::new(file, self.marker.start as usize..end as usize)
    }

    /// The last comment of the SAFETY text, after which a sentence can be added.
    pub fn last(&self) -> &Comment {
        self.group.last().unwrap_or(&self.marker)
    }
}

/// Why no SAFETY comment was accepted for a site.
#[derive(Clone, Debug, Default)]
pub struct Lookup {
    pub found: Option<SafetyComment>,
    /// A SAFETY comment that was in place but already belongs to an earlier block.
    pub taken: Option<Comment>,
}

/// Finds the SAFETY comment of a site. `claimed` says whether a marker comment (by its start)
/// already belongs to another block; such a comment is skipped.
pub fn find_safety_comment(
    comments: &CommentIndex,
    source: &SourceFile,
    site: &CommentSite,
    claimed: &dyn Fn(u32) -> bool,
) -> Lookup {
    let mut lookup = Lookup::default();
    let consider = |group: Vec<Comment>, placement: Placement, lookup: &mut Lookup| -> bool {
        match safety_in_group(source, &group, placement) {
            Some(found) if claimed(found.marker.start) => {
                lookup.taken.get_or_insert(found.marker);
                false
            }
            Some(found) => {
                lookup.found = Some(found);
                true
            }
            None => false,
        }
    };
    // The first line inside the block.
    if let Some(inside) = &site.inside {
        let group: Vec<Comment> = comments.within(inside.clone()).to_vec();
        if !group.is_empty() && consider(group, Placement::Inside, &mut lookup) {
            return lookup;
        }
    }
    // A trailing comment on the line where the block ends.
    if let Some(end) = site.end {
        let line = comments.line_of(end);
        let group: Vec<Comment> = comments
            .starting_on_line(line)
            .iter()
            .filter(|c| c.start as usize >= end)
            .cloned()
            .collect();
        if !group.is_empty() && consider(group, Placement::Trailing, &mut lookup) {
            return lookup;
        }
    }
    let mut seen_lines = Vec::new();
    for anchor in &site.anchors {
        // Between the node's attributes and the node.
        if anchor.body_start > anchor.start {
            let group: Vec<Comment> = comments.within(anchor.start..anchor.body_start).to_vec();
            if !group.is_empty() && consider(group, Placement::BetweenAttributes, &mut lookup) {
                return lookup;
            }
        }
        let line = comments.line_of(anchor.start);
        if seen_lines.contains(&line) {
            continue;
        }
        seen_lines.push(line);
        // `/* SAFETY: … */ unsafe { … }` on the same line.
        let inline: Vec<Comment> = comments
            .starting_on_line(line)
            .iter()
            .filter(|c| c.end_line == line && c.end as usize <= anchor.start)
            .cloned()
            .collect();
        if !inline.is_empty() && consider(inline, Placement::Inline, &mut lookup) {
            return lookup;
        }
        // The comment lines above, past blank lines, up to the previous line of code.
        let above = comments_above(comments, line);
        if !above.is_empty() && consider(above, Placement::Above, &mut lookup) {
            return lookup;
        }
    }
    lookup
}

/// The comments on the lines above `line` that hold no code, in source order.
pub fn comments_above(comments: &CommentIndex, line: u32) -> Vec<Comment> {
    let mut found: Vec<Comment> = Vec::new();
    let mut current = line;
    while current > 0 {
        let above = current - 1;
        if comments.line_has_code(above) {
            break;
        }
        match comments.ending_on_line(above) {
            Some(comment) => {
                // All comments of that line (`/* a */ // b`), and on up from the first one's start.
                let on_line: Vec<Comment> = comments
                    .starting_on_line(comment.start_line)
                    .iter()
                    .filter(|c| c.end_line <= above)
                    .cloned()
                    .collect();
                let first_start = on_line.first().map_or(comment.start_line, |c| c.start_line);
                for c in on_line.into_iter().rev() {
                    found.push(c);
                }
                if comment.start_line > first_start {
                    found.push(comment.clone());
                }
                current = first_start;
            }
            None => {
                // A blank line, or the inside of a multi-line block comment that ends further down
                // (not possible here: it would end on this line or below).
                current = above;
            }
        }
    }
    found.reverse();
    found.dedup_by_key(|c| c.start);
    found
}

/// The text of a group's SAFETY part, if it has one.
fn safety_in_group(
    source: &SourceFile,
    group: &[Comment],
    placement: Placement,
) -> Option<SafetyComment> {
    let mut marker: Option<usize> = None;
    let mut text = String::new();
    let mut last = 0;
    for (index, comment) in group.iter().enumerate() {
        for line in comment_lines(comment, &source.text) {
            let trimmed = line.trim();
            match marker {
                None => {
                    if let Some(rest) = safety_marker(trimmed) {
                        marker = Some(index);
                        text.push_str(rest);
                        last = index;
                    }
                }
                Some(_) => {
                    if is_other_tag(trimmed) {
                        return Some(SafetyComment {
                            marker: group[marker?].clone(),
                            group: group[marker?..=last].to_vec(),
                            text,
                            placement,
                        });
                    }
                    if trimmed.is_empty() {
                        continue;
                    }
                    if let Some(rest) = safety_marker(trimmed) {
                        text.push(' ');
                        text.push_str(rest);
                    } else {
                        text.push(' ');
                        text.push_str(trimmed);
                    }
                    last = index;
                }
            }
        }
    }
    let marker = marker?;
    Some(SafetyComment {
        marker: group[marker].clone(),
        group: group[marker..=last].to_vec(),
        text,
        placement,
    })
}

/// The lines of a comment's body; block comments lose a leading `*` per line.
fn comment_lines<'s>(comment: &Comment, source: &'s str) -> Vec<&'s str> {
    let body = comment.body(source);
    match comment.kind {
        CommentKind::Line => vec![body],
        CommentKind::Block => body
            .lines()
            .map(|line| {
                let trimmed = line.trim_start();
                trimmed.strip_prefix('*').unwrap_or(trimmed)
            })
            .collect(),
    }
}

/// `SAFETY: rest` (any case, after list markers or a doctest's `# `) gives `rest`.
fn safety_marker(line: &str) -> Option<&str> {
    let line = line.trim_start_matches(['#', '-', '*', ' ']);
    let head = line.get(..7)?;
    head.eq_ignore_ascii_case("safety:").then(|| &line[7..])
}

/// `INVARIANT:`, `CAST:`, `NOTE:`: an upper-case tag that starts another part of the group.
fn is_other_tag(line: &str) -> bool {
    let Some((tag, _)) = line.split_once(':') else {
        return false;
    };
    !tag.is_empty()
        && tag.len() <= 20
        && tag.chars().all(|c| c.is_ascii_uppercase() || c == '_')
        && !tag.eq_ignore_ascii_case("safety")
}

#[cfg(test)]
mod tests {
    use super::*;

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
