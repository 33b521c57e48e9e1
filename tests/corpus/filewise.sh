#!/usr/bin/env bash
# Lints a real kernel tree whole, then file by file (as a pre-commit hook on one file would), and
# prints both counts and every finding that differs. Findings are compared without their column.
# Usage: tests/corpus/filewise.sh 7.3|7.2|6.12   (builds the release binary first)
set -euo pipefail
cd "$(dirname "$0")/../.."
version=${1:?usage: tests/corpus/filewise.sh VERSION}
cargo build --release --quiet
devref=$PWD/target/release/devref
tree=$(bash ../shared/corpus/fetch-kernel.sh "$version" | tail -n 1)
whole=$(mktemp) single=$(mktemp)
trap 'rm -f "$whole" "$single"' EXIT
cd "$tree"
strip() { grep 'devref::' | sed -E 's/:[0-9]+: (warning|error)/ \1/' | sort; }
"$devref" --no-cache --message-format short rust drivers samples 2>&1 | strip >"$whole" || true
find rust drivers samples -name '*.rs' | sort | while read -r file; do
  "$devref" --no-cache --message-format short "$file" 2>&1 || true
done | strip >"$single" || true
echo "Linux $version: whole tree $(wc -l <"$whole") findings, file by file $(wc -l <"$single")"
diff "$whole" "$single" || true
