//! How the fields of an item tree are stored in a summary (see [`super::summary`]): a span without
//! its file, which [`super::summary::decode`] gives back, and a limit on nesting. The item tree
//! names these as its fields' serde formats; the summary's encoding and decoding use the tree.

use std::cell::Cell;

use serde::de::Error as _;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::source::{FileId, Span};

/// How deeply types (`&&[Option<T>]`) and items (an impl's items) may nest in a summary that
/// [`decode`](super::summary::decode) reads, counting both. Real code stays far below it; a deeper summary is refused, so
/// a crafted one cannot overflow the decoding thread's stack (postcard itself has no limit).
pub const MAX_DEPTH: u32 = 128;

thread_local! {
    /// The file the spans being decoded belong to: set by [`decode`](super::summary::decode) for its own duration only.
    static FILE: Cell<Option<FileId>> = const { Cell::new(None) };
    /// How many types and items the deserializer is inside.
    static DEPTH: Cell<u32> = const { Cell::new(0) };
    /// How many types and items the serializer is inside, and whether it went as deep as
    /// [`nested`] refuses.
    static OUT_DEPTH: Cell<u32> = const { Cell::new(0) };
    static TOO_DEEP: Cell<bool> = const { Cell::new(false) };
    /// Spans are written as nothing: set by [`fingerprint`](super::summary::fingerprint) for its
    /// own duration only.
    static WITHOUT_SPANS: Cell<bool> = const { Cell::new(false) };
}

/// [`fingerprint`](super::summary::fingerprint)'s context on this thread, restored as it was when
/// it ends (even by a panic).
pub(crate) struct WithoutSpans(bool);

impl WithoutSpans {
    pub(crate) fn enter() -> WithoutSpans {
        WithoutSpans(WITHOUT_SPANS.replace(true))
    }
}

impl Drop for WithoutSpans {
    fn drop(&mut self) {
        WITHOUT_SPANS.set(self.0);
    }
}

/// [`decode`](super::summary::decode)'s context on this thread, restored as it was when it ends (even by a panic).
pub(crate) struct Decoding {
    file: Option<FileId>,
    depth: u32,
}

impl Decoding {
    pub(crate) fn enter(file: FileId) -> Decoding {
        Decoding {
            file: FILE.replace(Some(file)),
            depth: DEPTH.replace(0),
        }
    }
}

impl Drop for Decoding {
    fn drop(&mut self) {
        FILE.set(self.file);
        DEPTH.set(self.depth);
    }
}

/// The serde format of a [`Span`] in a summary: `(start, end - start)`, its file left out; nothing
/// at all within [`WithoutSpans`] (for [`fingerprint`](super::summary::fingerprint)).
/// Deserializing one outside [`decode`](super::summary::decode) fails, as there is no file to give it.
pub(crate) mod span {
    use super::*;

    pub fn serialize<S: Serializer>(span: &Span, serializer: S) -> Result<S::Ok, S::Error> {
        if WITHOUT_SPANS.get() {
            return ().serialize(serializer);
        }
        // The length is small where the end is not (a varint of one byte, not three). Lowering
        // never makes an end before the start; such a span would wrap, and fail to decode.
        (span.start, span.end.wrapping_sub(span.start)).serialize(serializer)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Span, D::Error> {
        let (start, len) = <(u32, u32)>::deserialize(deserializer)?;
        let file = FILE
            .get()
            .ok_or_else(|| D::Error::custom("a span is read only by summary::decode"))?;
        let end = start
            .checked_add(len)
            .ok_or_else(|| D::Error::custom("a span past 4 GiB"))?;
        Ok(Span { file, start, end })
    }
}

/// [`span`] for an `Option<Span>`.
pub(crate) mod opt_span {
    use super::*;

    #[derive(Serialize)]
    struct Out(#[serde(with = "span")] Span);

    #[derive(Deserialize)]
    struct In(#[serde(with = "span")] Span);

    pub fn serialize<S: Serializer>(
        value: &Option<Span>,
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        value.map(Out).serialize(serializer)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<Option<Span>, D::Error> {
        Ok(Option::<In>::deserialize(deserializer)?.map(|In(span)| span))
    }
}

/// [`encode_decodable`](super::summary::encode_decodable)'s context on this thread: whether what
/// was serialized within it nests as deep as [`nested`] refuses. Restored as it was when it ends.
pub(crate) struct Encoding {
    depth: u32,
    too_deep: bool,
}

impl Encoding {
    pub(crate) fn enter() -> Encoding {
        Encoding {
            depth: OUT_DEPTH.replace(0),
            too_deep: TOO_DEEP.replace(false),
        }
    }

    pub(crate) fn too_deep(&self) -> bool {
        TOO_DEEP.get()
    }
}

impl Drop for Encoding {
    fn drop(&mut self) {
        OUT_DEPTH.set(self.depth);
        TOO_DEEP.set(self.too_deep);
    }
}

/// Serializes one level of the recursion [`nested`] counts, counting it the same way: the bytes
/// are those of the value alone.
pub(crate) fn nested_out<S, T>(value: &T, serializer: S) -> Result<S::Ok, S::Error>
where
    S: Serializer,
    T: Serialize,
{
    let depth = OUT_DEPTH.get();
    if depth >= MAX_DEPTH {
        TOO_DEEP.set(true);
    }
    OUT_DEPTH.set(depth + 1);
    let written = value.serialize(serializer);
    OUT_DEPTH.set(depth);
    written
}

/// Deserializes one level of the item tree's recursion (a [`TypeRef`](super::item_tree::TypeRef)'s
/// kind, an [`Item`]'s kind: every cycle of its types passes through one), refusing to go deeper
/// than [`MAX_DEPTH`].
pub(crate) fn nested<'de, D, T>(deserializer: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    let depth = DEPTH.get();
    if depth >= MAX_DEPTH {
        return Err(D::Error::custom("types or items nested too deep"));
    }
    DEPTH.set(depth + 1);
    let value = T::deserialize(deserializer);
    DEPTH.set(depth);
    value
}
