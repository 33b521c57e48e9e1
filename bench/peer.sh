#!/usr/bin/env bash
# devref against its peer, three naive ast-grep rules (../shared/bench/ast-grep-rules.yml), on the
# same files in one run, interleaved (devref, ast-grep, devref, …) so that both see the same load.
# Each run is a process of its own: wall time and peak memory (max RSS) by `measure`
# (bench/common.sh).
# Usage: bench/peer.sh [DEVREF_BINARY] [ROUNDS] [TREE]
#   DEVREF_BINARY defaults to target/release/devref (built first), TREE to Linux 7.3's Rust sources
#   (rust drivers samples), ROUNDS to 15. ast-grep comes from `pip install ast-grep-cli` (see
#   `ast_grep_binary` in bench/common.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/common.sh
devref=$(devref_binary "${1:-}")
rounds=${2:-15}
rules=$(realpath ../shared/bench/ast-grep-rules.yml)
ast_grep=$(ast_grep_binary)
tree=${3:-$(bash ../shared/corpus/fetch-kernel.sh 7.3 | tail -n 1)}
cd "$tree"
paths=()
for dir in rust drivers samples; do [ -d "$dir" ] && paths+=("$dir"); done
[ ${#paths[@]} -gt 0 ] || paths=(.)
run_devref() { measure "$devref" --no-cache "${paths[@]}"; }
run_peer() { measure "$ast_grep" scan -r "$rules" "${paths[@]}"; }
run_devref >/dev/null
run_peer >/dev/null
dt=() dm=() pt=() pm=()
for _ in $(seq "$rounds"); do
  read -r t m < <(run_devref); dt+=("$t"); dm+=("$m")
  read -r t m < <(run_peer); pt+=("$t"); pm+=("$m")
done
median() { printf '%s\n' "$@" | sort -n | awk '{v[NR]=$1} END {print v[int((NR+1)/2)]}'; }
max() { printf '%s\n' "$@" | sort -n | tail -n 1; }
bytes=$(find "${paths[@]}" -name '*.rs' -print0 | xargs -0 cat | wc -c)
echo "tree: $tree (${paths[*]}), $(find "${paths[@]}" -name '*.rs' | wc -l) files, $bytes bytes; rounds: $rounds (interleaved)"
echo "devref   : median $(median "${dt[@]}") ms, peak memory median $(median "${dm[@]}") KiB (max $(max "${dm[@]}"))"
echo "ast-grep ($ast_grep): median $(median "${pt[@]}") ms, peak memory median $(median "${pm[@]}") KiB (max $(max "${pm[@]}"))"
awk -v a="$(median "${dt[@]}")" -v b="$(median "${pt[@]}")" 'BEGIN {printf "devref / ast-grep (median time): %.2f\n", a / b}'
