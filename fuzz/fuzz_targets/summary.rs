//! Summaries as devref's cache reads them (`summaries.rs`: a file of the cache may be torn, damaged
//! or crafted): any bytes → `summary::decode`, which must refuse what is not a summary without a
//! panic, a stack overflow or an absurd allocation. What it accepts must survive a round trip:
//! encoded and decoded as another file, it is the same tree with every span's file replaced, and
//! encodes to the same bytes again.
#![no_main]

use devref_lints::model::summary::{decode, encode};
use devref_lints::source::FileId;
use libfuzzer_sys::fuzz_target;

/// The first id from `from` on whose debug form (`FileId(3)`) the bytes do not hold. The strings of
/// a decoded tree are copies of byte ranges of its summary, so with such ids the only `FileId(…)`s
/// in the debug form of a tree are its spans' files, and replacing them in text is exact.
fn unused(data: &[u8], from: u32) -> FileId {
    (from..)
        .map(FileId)
        .find(|id| {
            let shown = format!("{id:?}");
            !data
                .windows(shown.len())
                .any(|window| window == shown.as_bytes())
        })
        .expect("an id")
}

fuzz_target!(|data: &[u8]| {
    let a = unused(data, 3);
    let b = unused(data, a.0 + 1);
    let Some(tree) = decode(data, a) else {
        return;
    };
    let bytes = encode(&tree);
    let decoded = decode(&bytes, b).expect("the encoding of a decoded summary decodes");
    // The same tree as the fuzzed bytes decoded as `b` (compared as trees)…
    assert!(
        decode(data, b).as_ref() == Some(&decoded),
        "decoding the re-encoding differs from decoding the input as the same file"
    );
    // …and the tree decoded as `a` with only the spans' file changed (compared as text).
    assert_eq!(
        format!("{decoded:?}"),
        format!("{tree:?}").replace(&format!("{a:?}"), &format!("{b:?}"))
    );
    // A summary does not depend on the file id.
    assert!(encode(&decoded) == bytes, "re-encoding differs");
});
