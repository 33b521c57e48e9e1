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
