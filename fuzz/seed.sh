#!/usr/bin/env bash
# Builds the fuzz targets' seed corpora (git-ignored: never commit kernel source as a corpus):
#   pipeline, comments, pruning: the `.rs` files of a Linux tree, the UI tests and the examples;
#   review: the mail and patches of tests/review/;
#   config: the devref.toml files of the repository and the config examples of the docs;
#   summary: the summaries (`devref_lints::model::summary::encode`) of the item trees of the same
#     `.rs` files as pipeline, lowered with the default options and with parse_everything, written
#     by the unit test `write_fuzz_seeds` (lints/src/model/summary.rs; a debug build of the tests).
# Usage: fuzz/seed.sh [KERNEL_VERSION]   (default 7.3; the tree comes from fetch-kernel.sh)
set -euo pipefail
cd "$(dirname "$0")/.."
version="${1:-7.3}"
kernel="$(bash ../shared/corpus/fetch-kernel.sh "$version" | tail -n 1)"
corpus=fuzz/corpus
mkdir -p "$corpus"/{pipeline,comments,pruning,review,config,summary}

# Files are named by their content's hash, as libFuzzer names what it finds.
seed() {
    local target="$1" file="$2"
    local hash
    hash="$(sha1sum "$file" | cut -d' ' -f1)"
    cp "$file" "$corpus/$target/$hash"
}

while IFS= read -r -d '' file; do
    seed pipeline "$file"
    seed comments "$file"
    seed pruning "$file"
done < <(find "$kernel" tests/ui examples -name '*.rs' -size -1024k -print0)
# Shapes the kernel has few of, for pruning: values of consts and statics (tables, macros, nested
# items, unsafe), and comments inside code where a word check could miss what follows.
shapes="$(mktemp -d)"
trap 'rm -rf "$shapes"' EXIT
cat > "$shapes/values.rs" <<'RUST'
use kernel::bindings;
pub static T: [u16; 3] = [0x1, 0x2, 0x3];
const S: &[(&str, u8)] = &[("a", 1)];
static M: Mutex<[u8; 4]> = Mutex::new([0; 4]);
impl S { const R: [u8; 2] = [1, 2]; }
static D: &Device = unsafe { Device::from_raw(P) };
static OPS: Ops = Ops { release: |p| ffi!(bindings::put_device(p)) };
const _: () = { fn nested() { unsafe { bindings::get_device(P) }; } };
struct H { dev: *mut bindings::device }
RUST
cat > "$shapes/comments.rs" <<'RUST'
use kernel::bindings::*;
const _: () = { /*
// */ struct Hidden { dev: *mut device } };
const _: () = { fn /* local */ get_device(_p: *mut device) {} };
fn f(p: *mut device) {
    // SAFETY: the caller holds a reference, so the refcount is non-zero.
    unsafe { get_device(p) };
}
fn g() { /*
// */ struct Also(*mut device); }
RUST
for file in "$shapes"/*.rs; do
    seed pruning "$file"
done
while IFS= read -r -d '' file; do
    seed review "$file"
done < <(find tests/review -maxdepth 1 -type f ! -name '*.toml' ! -name '*.md' -print0)
while IFS= read -r -d '' file; do
    seed config "$file"
done < <(find . -path ./target -prune -o -path ./fuzz -prune -o -name '*devref.toml' -print0)
# The config examples of the module docs and README, one file each.
awk '/^(\/\/! )?```toml/ {on=1; n++; next} /^(\/\/! )?```/ {on=0} on {sub(/^\/\/! ?/, ""); print > (dir "/doc-" FILENAME_ID n)}' \
    dir="$corpus/config" FILENAME_ID=config src/config.rs
awk '/^```toml/ {on=1; n++; next} /^```/ {on=0} on {print > (dir "/doc-" FILENAME_ID n)}' \
    dir="$corpus/config" FILENAME_ID=readme README.md
# The test reads the folders as absolute paths (it runs in lints/).
summaries="$(mktemp -d)"
trap 'rm -rf "$shapes" "$summaries"' EXIT
DEVREF_SUMMARY_SEEDS="$summaries" DEVREF_SUMMARY_SEEDS_FROM="$kernel:$PWD/tests/ui:$PWD/examples" \
    cargo test --quiet -p devref-lints --lib -- model::summary::tests::write_fuzz_seeds --exact
while IFS= read -r -d '' file; do
    seed summary "$file"
done < <(find "$summaries" -type f -print0)
for target in pipeline comments pruning review config summary; do
    echo "$target: $(find "$corpus/$target" -type f | wc -l) seeds"
done
