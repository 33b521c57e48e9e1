#!/usr/bin/env bash
# Times devref on the Rust sources of Linux 7.3 (fetched by ../shared/corpus/fetch-kernel.sh):
# the full analysis against a bare syn parse of the same files (cargo bench --bench kernel), a
# cached re-run against an uncached one, and peak memory. Usage: bench/kernel.sh
set -euo pipefail
cd "$(dirname "$0")/.."
tree=$(bash ../shared/corpus/fetch-kernel.sh 7.3 | tail -n 1)
cargo build --release --quiet
cargo bench --quiet --bench kernel
devref=$PWD/target/release/devref
cache=$(mktemp -d)
trap 'rm -rf "$cache"' EXIT
cd "$tree"
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
run() { local s e; s=$(date +%s%N); "$@" >/dev/null 2>&1 || true; e=$(date +%s%N); echo $(((e - s) / 1000000)); }
full=$(for _ in 1 2 3 4 5 6 7; do run "$devref" --no-cache .; done | median)
DEVREF_CACHE_DIR=$cache "$devref" . >/dev/null 2>&1 || true
cached=$(for _ in 1 2 3 4 5 6 7; do DEVREF_CACHE_DIR=$cache run "$devref" .; done | median)
echo "devref --no-cache (whole run, median of 7): ${full} ms"
echo "devref, tree unchanged since the last run:   ${cached} ms"
awk -v f="$full" -v c="$cached" 'BEGIN {printf "speed-up of the cached run:                 %.1fx\n", f / (c > 0 ? c : 1)}'
/usr/bin/time -f "peak memory (max RSS) of a full run:        %M KB" "$devref" --no-cache . 2>&1 >/dev/null | tail -n 1
