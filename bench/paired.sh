#!/usr/bin/env bash
# Times two devref binaries on the Rust sources of Linux 7.3 in one run, interleaved (A, B, A, B, …)
# so that both see the same load: each run is a process of its own, `--no-cache`, the whole tree.
# Usage: bench/paired.sh BASELINE_BINARY NEW_BINARY [ROUNDS]
# Build the baseline from a worktree of the commit to compare with, e.g.:
#   git worktree add /tmp/base HEAD~3 && cargo build --release --manifest-path /tmp/base/Cargo.toml
set -euo pipefail
if [ $# -lt 2 ]; then
  echo "usage: bench/paired.sh BASELINE_BINARY NEW_BINARY [ROUNDS]" >&2
  exit 2
fi
base=$(realpath "$1")
new=$(realpath "$2")
rounds=${3:-30}
cd "$(dirname "$0")/.."
tree=$(bash ../shared/corpus/fetch-kernel.sh 7.3 | tail -n 1)
cd "$tree"
run() { local s e; s=$(date +%s%N); "$1" --no-cache . >/dev/null 2>&1 || true; e=$(date +%s%N); echo $(((e - s) / 1000000)); }
# One warm-up each: the page cache holds the files for both.
run "$base" >/dev/null
run "$new" >/dev/null
a=() b=()
for _ in $(seq "$rounds"); do
  a+=("$(run "$base")")
  b+=("$(run "$new")")
done
median() { printf '%s\n' "$@" | sort -n | awk '{v[NR]=$1} END {print v[int((NR+1)/2)]}'; }
fastest() { printf '%s\n' "$@" | sort -n | head -n 1; }
ma=$(median "${a[@]}") mb=$(median "${b[@]}")
echo "rounds: $rounds (interleaved), tree: $tree"
echo "baseline $base: median ${ma} ms, fastest $(fastest "${a[@]}") ms"
echo "new      $new: median ${mb} ms, fastest $(fastest "${b[@]}") ms"
awk -v a="$ma" -v b="$mb" 'BEGIN {printf "new / baseline (medians): %.3f\n", b / a}'
echo "findings: baseline $("$base" --no-cache --message-format short . 2>&1 | grep -c 'devref::' || true), new $("$new" --no-cache --message-format short . 2>&1 | grep -c 'devref::' || true)"
