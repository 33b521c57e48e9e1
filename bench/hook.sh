#!/usr/bin/env bash
# Times the commit hook on a real kernel tree: Linux 7.3's Rust sources (fetched by
# ../shared/corpus/fetch-kernel.sh, or DEVREF_KERNEL=/path/to/tree) are copied into a temporary git
# repository and committed; one driver file then gets a small change (a new struct with a raw
# device pointer field), which is staged, and `devref --staged` is timed as the hook runs it.
#
#   bench/hook.sh [RUNS]     (default 10 runs of each; the median and the fastest are printed)
#
# Timed, each with --no-cache (the result cache would answer a repeated run at once):
#   hook          devref --staged --message-format short -D warnings
#                 (what `devref install-hook` runs: the changed files only)
#   git commit    a `git commit` that the hook written by `devref install-hook` stops (the finding
#                 is an error with -D warnings), so every run is the same: git plus the hook
#   hook+model    the same as hook with `rust/ drivers/ samples/`: the model over the whole tree,
#                 read from the index, and still only the changed lines reported
#   whole tree    devref rust/ drivers/ samples/ (every finding of every file), for scale
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-10}

cargo build --release --quiet --bin devref
devref=${CARGO_TARGET_DIR:-target}/release/devref
devref=$(cd "$(dirname "$devref")" && pwd)/$(basename "$devref")

tree=${DEVREF_KERNEL:-$(../shared/corpus/fetch-kernel.sh 7.3 | tail -n1)}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp -r "$tree"/. "$work/"
rm -f "$work/.complete"
cd "$work"
export GIT_CONFIG_NOSYSTEM=1 GIT_CONFIG_GLOBAL=/dev/null
git init -q -b main
git -c user.email=bench@example.com -c user.name=bench add -A
git -c user.email=bench@example.com -c user.name=bench -c commit.gpgsign=false commit -q -m tree

file=drivers/gpu/nova-core/driver.rs
[[ -f $file ]] || file=$(git ls-files 'drivers/*.rs' | head -n1)
printf '\nstruct HookBench {\n    dev: *mut kernel::bindings::device,\n}\n' >>"$file"
git add "$file"

# Prints the median and the fastest of $runs runs of a command, in milliseconds.
time_it() {
  local label=$1
  shift
  local times=()
  for _ in $(seq "$runs"); do
    local start end
    start=$(date +%s%N)
    "$@" >/dev/null 2>&1 || true
    end=$(date +%s%N)
    times+=($(((end - start) / 1000000)))
  done
  local sorted
  sorted=$(printf '%s\n' "${times[@]}" | sort -n)
  printf '%-11s median %5d ms, fastest %5d ms  (%s)\n' "$label" \
    "$(sed -n "$(((runs + 1) / 2))p" <<<"$sorted")" "$(head -n1 <<<"$sorted")" "$*"
}

files=$(git ls-files '*.rs' | wc -l)
echo "tree: $tree ($files .rs files), changed: $file (+4 lines, staged), $(nproc) cores, $runs runs each"
echo "findings reported by the hook:"
"$devref" --no-cache --staged --message-format short -D warnings | sed 's/^/  /' || true
time_it "git diff" git diff --cached --unified=0 --quiet
time_it "hook" "$devref" --no-cache --staged --message-format short -D warnings
"$devref" install-hook >/dev/null
# The hook does not pass --no-cache; a cache folder that cannot exist disables the cache.
DEVREF_CACHE_DIR=/dev/null/no-cache time_it "git commit" git -c user.email=bench@example.com -c user.name=bench commit -q -m blocked
time_it "hook+model" "$devref" --no-cache --staged --message-format short -D warnings rust/ drivers/ samples/
time_it "whole tree" "$devref" --no-cache --message-format short rust/ drivers/ samples/
[[ $(git rev-list --count HEAD) == 1 ]] || echo "warning: the hook let a timed commit through" >&2
