//! What devref knows, as data, about refcount contracts: the words by which a SAFETY comment or a
//! `# Safety` section states the reference count ([`Vocabulary`]), and the built-in
//! refcount-sensitive functions ([`Contracts`]). Built from defaults and extended by configuration.

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
