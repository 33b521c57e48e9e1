#!/usr/bin/env bash
# Benchmark of `devref review`: one mailed patch, reviewed against the real Linux 7.3 tree.
#
#   bench/review.sh [RUNS]     (default 5 runs; prints each wall time, then min and median)
#
# The patch is made here, in a temporary folder, from a real driver of the tree: it adds a raw
# `*mut bindings::pci_dev` field to `samples/rust/rust_driver_pci.rs`, so the review applies a
# hunk to a tree file, analyses the whole tree (the model needs it), and reports one finding.
# The tree comes from ../shared/corpus/fetch-kernel.sh and is only read.
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-5}

tree=$(bash ../shared/corpus/fetch-kernel.sh 7.3 | tail -n1)
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$PWD/target}
cargo build --release --quiet --bin devref
devref=$CARGO_TARGET_DIR/release/devref

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
file=samples/rust/rust_driver_pci.rs
mkdir -p "$work/a/$(dirname $file)" "$work/b/$(dirname $file)"
cp "$tree/$file" "$work/a/$file"
awk '{ print } /^    index: TestIndex,$/ && !done { print "    /// The PCI device, for the interrupt path."; print "    raw: *mut bindings::pci_dev,"; done = 1 }' \
  "$tree/$file" > "$work/b/$file"
{
  echo "From 0123456789abcdef0123456789abcdef01234567 Mon Sep 17 00:00:00 2001"
  echo "From: Bench Mark <bench@example.org>"
  echo "Date: Mon, 2 Mar 2026 10:00:00 +0100"
  echo "Subject: [PATCH] samples: rust: pci: keep the raw device for the interrupt path"
  echo "Message-Id: <bench-1@example.org>"
  echo "To: rust-for-linux@vger.kernel.org"
  echo
  echo "Signed-off-by: Bench Mark <bench@example.org>"
  echo "---"
  echo "diff --git a/$file b/$file"
  (cd "$work" && diff -u --label "a/$file" --label "b/$file" "a/$file" "b/$file" || true)
  echo "-- "
  echo "2.47.3"
} > "$work/patch.mbox"

files=$(find "$tree" -name '*.rs' | wc -l)
echo "tree: $tree ($files .rs files)"
echo "patch: $(grep -c '^+[^+]' "$work/patch.mbox") added lines to $file"
"$devref" review --tree "$tree" --format short "$work/patch.mbox" || true

times=()
for _ in $(seq "$runs"); do
  start=$(date +%s%N)
  "$devref" review --tree "$tree" --format email "$work/patch.mbox" > /dev/null || true
  end=$(date +%s%N)
  ms=$(( (end - start) / 1000000 ))
  times+=("$ms")
  echo "run: ${ms} ms"
done
sorted=($(printf '%s\n' "${times[@]}" | sort -n))
echo "min: ${sorted[0]} ms, median: ${sorted[$(( runs / 2 ))]} ms ($runs runs, $(nproc) CPUs)"

# For comparison: linting the same tree without review (and without a result cache, if the
# driver has one).
no_cache=()
if "$devref" --help | grep -q -- '--no-cache'; then no_cache=(--no-cache); fi
start=$(date +%s%N)
"$devref" "${no_cache[@]}" "$tree" --message-format short > /dev/null 2>&1 || true
end=$(date +%s%N)
echo "plain lint of the tree: $(( (end - start) / 1000000 )) ms"
