#!/usr/bin/env bash
# Runs after a one-file edit on the Rust sources of Linux 7.3 with the model of the whole tree:
# `--report-only`, `--staged`, `devref review --tree` of a one-patch series, and a full run of the
# tree; each with a warm cache (every other file's items in the summary store, and for the full
# run the last run's findings) and with `--no-cache`, interleaved so that both see the same load.
# Before each run the one file changes (a comment line appended), as when it is edited, so the
# result cache never answers. Prints a Markdown table of median wall times and peak memory.
# Usage: bench/warm.sh [DEVREF_BINARY] [ROUNDS]
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/common.sh
devref=$(devref_binary "${1:-}")
rounds=${2:-15}
kernel=$(bash ../shared/corpus/fetch-kernel.sh 7.3 | tail -n 1)
work=$(mktemp -d)
stats=$(mktemp)
trap 'rm -rf "$work" "$stats"' EXIT
export DEVREF_CACHE_DIR=$work/cache
file=drivers/gpu/nova-core/gpu.rs
tree=$work/tree
mkdir -p "$tree"
(cd "$kernel" && cp -r rust drivers samples "$tree/")
cd "$tree"
git init -q . && git add -A && git -c user.name=b -c user.email=b@b commit -qm base
# The series: one patch adding an unsafe block to the file; the tree stays at its base.
printf '\nfn bench_added(p: *mut kernel::bindings::device) {\n    let _d = unsafe { kernel::device::Device::from_raw(p) };\n}\n' >>"$file"
git add -A && git -c user.name=b -c user.email=b@b commit -qm "gpu: a change"
git format-patch -1 --stdout >"$work/series.mbox"
git checkout -q HEAD~1

edit=0
touch_file() { edit=$((edit + 1)); echo "// edit $edit" >>"$file"; }
# Prints "milliseconds peak-KiB" of one run.
timed() {
  local s e
  s=$(date +%s%N)
  /usr/bin/time -o "$stats" -f '%M' "$@" >/dev/null 2>&1 || true
  e=$(date +%s%N)
  echo "$(((e - s) / 1000000)) $(tail -n 1 "$stats")"
}
report_only() { touch_file; timed "$devref" "$@" --report-only "$file" rust drivers samples; }
staged() { touch_file; git add "$file"; timed "$devref" "$@" --staged rust drivers samples; }
full() { touch_file; timed "$devref" "$@" rust drivers samples; }
# A review has no result cache: the same series each time.
review() { timed "$devref" review "$@" --tree . "$work/series.mbox"; }

median() { printf '%s\n' "$@" | sort -n | awk '{v[NR]=$1} END {print v[int((NR+1)/2)]}'; }
echo "| mode | warm cache: median time | peak memory | \`--no-cache\`: median time | peak memory |"
echo "| --- | --- | --- | --- | --- |"
for mode in report_only staged review full; do
  # The first run fills the store.
  "$mode" >/dev/null
  warm_t=() warm_m=() cold_t=() cold_m=()
  for _ in $(seq "$rounds"); do
    read -r t m < <("$mode")
    warm_t+=("$t") warm_m+=("$m")
    read -r t m < <("$mode" --no-cache)
    cold_t+=("$t") cold_m+=("$m")
  done
  echo "| \`$mode\` | $(median "${warm_t[@]}") ms | $(($(median "${warm_m[@]}") / 1024)) MiB | $(median "${cold_t[@]}") ms | $(($(median "${cold_m[@]}") / 1024)) MiB |"
done
