#!/usr/bin/env bash
# Time and peak memory of a full devref run against input size: the Rust sources of Linux 7.3
# (rust drivers samples) copied 1, 3, 10 and 30 times under different folders, so that every copy
# is a tree of its own. Prints a Markdown table: input bytes, median wall time of ROUNDS runs, peak
# memory (max RSS), and both per input byte.
# Usage: bench/scale.sh [DEVREF_BINARY] [ROUNDS]
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/common.sh
devref=$(devref_binary "${1:-}")
rounds=${2:-3}
tree=$(bash ../shared/corpus/fetch-kernel.sh 7.3 | tail -n 1)
work=$(mktemp -d)
stats=$(mktemp)
trap 'rm -rf "$work" "$stats"' EXIT
echo "| copies | input bytes | time (median of $rounds) | ns per byte | peak memory | bytes of memory per input byte |"
echo "| --- | --- | --- | --- | --- | --- |"
made=0
for copies in 1 3 10 30; do
  while [ "$made" -lt "$copies" ]; do
    made=$((made + 1))
    mkdir -p "$work/copy$made"
    (cd "$tree" && cp -r rust drivers samples "$work/copy$made/")
  done
  bytes=$(find "$work" -name '*.rs' -print0 | xargs -0 cat | wc -c)
  times=() peaks=()
  for _ in $(seq "$rounds"); do
    /usr/bin/time -o "$stats" -f '%e %M' "$devref" --no-cache "$work" >/dev/null 2>&1 || true
    read -r seconds kib < <(tail -n 1 "$stats")
    times+=("$seconds") peaks+=("$kib")
  done
  seconds=$(printf '%s\n' "${times[@]}" | sort -n | awk '{v[NR]=$1} END {print v[int((NR+1)/2)]}')
  kib=$(printf '%s\n' "${peaks[@]}" | sort -n | tail -n 1)
  awk -v c="$copies" -v b="$bytes" -v s="$seconds" -v k="$kib" 'BEGIN {
    printf "| %d× | %.1f MB | %.2f s | %.0f | %.0f MiB | %.1f |\n", c, b / 1e6, s, s * 1e9 / b, k / 1024, k * 1024 / b
  }'
done
