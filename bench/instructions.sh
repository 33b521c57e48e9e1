#!/usr/bin/env bash
# Counts instructions (valgrind callgrind, deterministic) of one bare syn::parse_file of every
# Rust file of Linux 7.3 and of one full devref analysis of them, both on one thread, in the same
# bench binary: the machine-independent view of the ratio that bench/kernel.sh times.
# Usage: bench/instructions.sh (needs valgrind).
set -euo pipefail
cd "$(dirname "$0")/.."
command -v valgrind >/dev/null || { echo "bench/instructions.sh needs valgrind" >&2; exit 2; }
tree=$(bash ../shared/corpus/fetch-kernel.sh 7.3 | tail -n 1)
bench=$(cargo bench --bench kernel --no-run --message-format=json 2>/dev/null |
  grep '"kind":\["bench"\]' | grep '"name":"kernel"' |
  sed -n 's/.*"executable":"\([^"]*\)".*/\1/p' | tail -n 1)
[ -x "$bench" ] || { echo "no bench executable found" >&2; exit 1; }
count() {
  DEVREF_KERNEL=$tree valgrind --tool=callgrind --callgrind-out-file=/dev/null "$bench" --once "$1" 2>&1 |
    sed -n 's/.*Collected : \([0-9]*\).*/\1/p'
}
# Reading the tree is common to both and not counted: `--once read` does only that.
read=$(count read)
parse=$(($(count parse) - read))
full=$(($(count full) - read))
awk -v p="$parse" -v f="$full" 'BEGIN {
  printf "bare syn::parse_file, 1 thread: %.3f G instructions\n", p / 1e9
  printf "devref full analysis, 1 thread: %.3f G instructions\n", f / 1e9
  printf "ratio full / parse:             %.2f\n", f / p
}'
