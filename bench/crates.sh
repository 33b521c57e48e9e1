#!/usr/bin/env bash
# devref on the sources of every crate in its own Cargo.lock (issue #21), against its peer, three
# naive ast-grep rules (../shared/bench/ast-grep-rules.yml), and against a bare parallel
# `syn::parse_file` of the same files (benches/kernel.rs, `--process parse`). `cargo fetch --locked`
# first; the `.rs` files of each package that is not a workspace member (by `cargo metadata`) are
# copied into one temporary folder, so that all three read the same regular files (folders named
# `target` or hidden, which devref and ast-grep both skip, are left out). Runs are interleaved
# (devref, ast-grep, parse, devref, …) so that all see the same load; each run is a process of its
# own: wall time and peak memory (max RSS) by `measure` (bench/common.sh). Prints a Markdown table,
# then what devref could not read or parse (`devref::input`). Run it under `nice` on a shared
# machine.
# Usage: bench/crates.sh [DEVREF_BINARY] [ROUNDS]
#   DEVREF_BINARY defaults to target/release/devref (built first), ROUNDS to 3. ast-grep comes
#   from `pip install ast-grep-cli` (see `ast_grep_binary` in bench/common.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/common.sh
devref=$(devref_binary "${1:-}")
rounds=${2:-3}
rules=$(realpath ../shared/bench/ast-grep-rules.yml)
ast_grep=$(ast_grep_binary)
# The bench binary of benches/kernel.rs, whose `--process parse` parses every file of
# $DEVREF_KERNEL on every thread and exits (built with the bench profile, devref's allocator).
parser=$(cargo bench --bench kernel --no-run --quiet --message-format json |
  python3 -c 'import json, sys
for line in sys.stdin:
    m = json.loads(line)
    if m.get("reason") == "compiler-artifact" and m["target"]["name"] == "kernel" and m.get("executable"):
        print(m["executable"])')
cargo fetch --locked --quiet
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# The folder of every package of the lock file that is not a workspace member, once.
mapfile -t crates < <(cargo metadata --format-version 1 --locked | python3 -c 'import json, os, sys
meta = json.load(sys.stdin)
members = set(meta["workspace_members"])
for package in meta["packages"]:
    if package["id"] not in members:
        print(os.path.dirname(package["manifest_path"]))' | sort -u)
left_out=()
for dir in "${crates[@]}"; do
  dest=$work/$(basename "$dir")
  while [ -e "$dest" ]; do dest=$dest+; done
  mkdir -p "$dest"
  (cd "$dir" && find . \( -name target -o -name '.?*' \) -prune -o -type f -name '*.rs' -print0 |
    xargs -0 --no-run-if-empty cp --parents -t "$dest")
  mapfile -t -O "${#left_out[@]}" left_out < <(cd "$dir" &&
    find . -type f -name '*.rs' \( -path '*/target/*' -o -path '*/.?*' \) | sed "s|^\.|$(basename "$dir")|")
done
files=$(find "$work" -type f -name '*.rs' | wc -l)
bytes=$(find "$work" -type f -name '*.rs' -print0 | xargs -0 cat | wc -c)
echo "crates: ${#crates[@]} (Cargo.lock, workspace members left out); files: $files; bytes: $bytes; rounds: $rounds (interleaved)"
echo "left out, under a folder named target or hidden: ${#left_out[@]} files${left_out[*]:+ (${left_out[*]})}"
echo "load average before: $(cut -d ' ' -f 1-3 /proc/loadavg)"
cd "$work"
run_devref() { measure "$devref" --no-cache .; }
run_peer() { measure "$ast_grep" scan -r "$rules" .; }
run_parse() { DEVREF_KERNEL=$work measure "$parser" --process parse; }
run_devref >/dev/null
run_peer >/dev/null
run_parse >/dev/null
dt=() dm=() pt=() pm=() st=() sm=()
for _ in $(seq "$rounds"); do
  read -r t m < <(run_devref); dt+=("$t"); dm+=("$m")
  read -r t m < <(run_peer); pt+=("$t"); pm+=("$m")
  read -r t m < <(run_parse); st+=("$t"); sm+=("$m")
done
echo "load average after: $(cut -d ' ' -f 1-3 /proc/loadavg)"
median() { printf '%s\n' "$@" | sort -n | awk '{v[NR]=$1} END {print v[int((NR+1)/2)]}'; }
row() { # name, median milliseconds, median KiB
  awk -v n="$1" -v t="$2" -v m="$3" 'BEGIN {printf "| %s | %.2f s | %d KiB (%.0f MiB) |\n", n, t / 1000, m, m / 1024}'
}
ratio() { # name, devref ms, other ms, devref KiB, other KiB
  awk -v n="$1" -v a="$2" -v b="$3" -v c="$4" -v d="$5" 'BEGIN {printf "| %s | %.2f | %.1f× |\n", n, a / b, c / d}'
}
echo
echo "| | median time | peak memory (max RSS), median |"
echo "| --- | --- | --- |"
# shellcheck disable=SC2016 # the backticks are Markdown's
row 'devref `--no-cache`' "$(median "${dt[@]}")" "$(median "${dm[@]}")"
row 'ast-grep scan, 3 rules' "$(median "${pt[@]}")" "$(median "${pm[@]}")"
# shellcheck disable=SC2016
row 'bare parallel `syn::parse_file` (`benches/kernel.rs --process parse`)' "$(median "${st[@]}")" "$(median "${sm[@]}")"
ratio 'devref / ast-grep' "$(median "${dt[@]}")" "$(median "${pt[@]}")" "$(median "${dm[@]}")" "$(median "${pm[@]}")"
ratio 'devref / bare parse' "$(median "${dt[@]}")" "$(median "${st[@]}")" "$(median "${dm[@]}")" "$(median "${sm[@]}")"
echo
echo "runs (ms, KiB): devref ${dt[*]} / ${dm[*]}; ast-grep ${pt[*]} / ${pm[*]}; parse ${st[*]} / ${sm[*]}"
# One more run of each, untimed, for what they report.
status=0
report=$("$devref" --no-cache --message-format short --color never . 2>/dev/null) || status=$?
echo "devref: exit code $status, $(grep -c . <<<"$report" || true) diagnostics, of which $(grep -c '\[devref::input\]$' <<<"$report" || true) devref::input (files not read or not parsed):"
grep '\[devref::input\]$' <<<"$report" | sed 's/^/  /' || true
echo "ast-grep: $("$ast_grep" scan -r "$rules" --json=stream . 2>/dev/null | grep -c . || true) matches"
echo "files over devref's limit of 4 MiB, and the five largest:"
find . -type f -name '*.rs' -size +4194304c -printf '  over: %p %s bytes\n'
find . -type f -name '*.rs' -printf '%s %p\n' | sort -rn | awk 'NR <= 5' | sed 's/^/  /'
