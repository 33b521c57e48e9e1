# Sourced by the bench scripts: `devref_binary [PATH]` prints the devref binary to time, PATH when
# given, else the release build of this checkout (built first).
devref_binary() {
  if [ -n "${1:-}" ]; then
    realpath "$1"
  else
    cargo build --release --quiet
    echo "$PWD/target/release/devref"
  fi
}

# `ast_grep_binary` prints the ast-grep executable that `pip install ast-grep-cli` put in place
# (installing it first if none is on PATH), not the `ast-grep` on PATH when that is a wrapper: a
# pyenv shim is a bash script that starts pyenv, about 50 ms that every timed run of the peer would
# count as its own.
ast_grep_binary() {
  command -v ast-grep >/dev/null || python3 -m pip install --quiet --disable-pip-version-check ast-grep-cli
  local dir
  while IFS= read -r dir; do
    if [ -x "$dir/ast-grep" ] && [ "$(head -c 4 "$dir/ast-grep" | tail -c 3)" = ELF ]; then
      echo "$dir/ast-grep"
      return
    fi
  done < <(python3 -c 'import sysconfig
print(sysconfig.get_path("scripts"))
try:
    print(sysconfig.get_path("scripts", sysconfig.get_preferred_scheme("user")))
except Exception:
    pass')
  command -v ast-grep
}

# `measure COMMAND...` runs COMMAND (output discarded) and prints "milliseconds kibibytes": wall
# time to the microsecond (bash's EPOCHREALTIME around /usr/bin/time, whose own count is in
# hundredths of a second, a tenth of a 100 ms run) and peak memory (max RSS) by /usr/bin/time.
measure() {
  local stats start end
  stats=$(mktemp)
  start=$EPOCHREALTIME
  /usr/bin/time -o "$stats" -f '%M' "$@" >/dev/null 2>&1 || true
  end=$EPOCHREALTIME
  awk -v s="$start" -v e="$end" -v m="$(tail -n 1 "$stats")" 'BEGIN {printf "%.1f %d\n", (e - s) * 1000, m}'
  rm -f "$stats"
}
