#!/usr/bin/env python3
"""Compares the machine-readable outputs of two devref builds.

Usage: tools/compare-outputs.py [--ignore KEY]... BASE_BIN_DIR NEW_BIN_DIR [KERNEL_TREE]

Each BIN_DIR holds a `devref` and a `cargo-devref` binary. Both builds are run with --no-cache on
every UI case of tests/ui (with its `//@ args:`), on examples/driver-tree, and on KERNEL_TREE's
`rust drivers samples` when given, in the formats json and sarif; `cargo devref` runs on the cargo
package of tests/ui/cargo_layout with --message-format json. The outputs are compared as data: key
order is ignored and every `rendered` field is left out (the human rendering is not a data field),
as is every field named by `--ignore` (a change that is the point of a commit).
Prints each difference and exits 1 when there is one.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


IGNORED = {"rendered"}


def strip_rendered(value):
    if isinstance(value, dict):
        return {k: strip_rendered(v) for k, v in value.items() if k not in IGNORED}
    if isinstance(value, list):
        return [strip_rendered(v) for v in value]
    return value


def normalize(text):
    """JSON lines or one JSON document, as canonical lines."""
    text = text.strip()
    if not text:
        return []
    try:
        docs = [json.loads(text)]
    except json.JSONDecodeError:
        docs = [json.loads(line) for line in text.splitlines() if line.strip()]
    return [json.dumps(strip_rendered(doc), sort_keys=True) for doc in docs]


def run(binary, args, cwd):
    proc = subprocess.run(
        [binary, *args], cwd=cwd, capture_output=True, text=True, env={**os.environ, "NO_COLOR": "1"}
    )
    return proc.returncode, normalize(proc.stdout)


def case_args(case):
    if case.is_file():
        first = case.read_text(errors="replace").splitlines()[:1]
        if first and first[0].startswith("//@ args:"):
            return first[0][len("//@ args:") :].split()
    return []


def main():
    args = sys.argv[1:]
    while len(args) >= 2 and args[0] == "--ignore":
        IGNORED.add(args[1])
        args = args[2:]
    if len(args) not in (2, 3):
        sys.exit(__doc__)
    base, new = Path(args[0]).resolve(), Path(args[1]).resolve()
    runs = []
    for case in sorted((ROOT / "tests/ui").iterdir()):
        if case.is_dir() or case.suffix == ".rs":
            runs.append((ROOT, [*case_args(case), str(case.relative_to(ROOT))]))
    runs.append((ROOT, ["examples/driver-tree"]))
    if len(args) == 3:
        tree = Path(args[2])
        runs.append(
            (tree, ["-W", "callback_safety_comment_missing_refcount", "rust", "drivers", "samples"])
        )
    package = ROOT / "tests/ui/cargo_layout/widget-driver"
    cargo = ["devref", "--no-cache", "--message-format", "json", "--workspace", "--all-targets"]
    commands = [
        ("devref", cwd, ["--no-cache", "--message-format", fmt, *args])
        for cwd, args in runs
        for fmt in ("json", "sarif")
    ]
    commands.append(("cargo-devref", package, cargo))
    differences = 0
    compared = 0
    for binary, cwd, full in commands:
        a = run(base / binary, full, cwd)
        b = run(new / binary, full, cwd)
        compared += len(a[1])
        if a != b:
            differences += 1
            print(f"DIFFERENT: {binary} {' '.join(full)} (in {cwd})")
            report(a, b)
    print(f"{len(commands)} runs, {compared} output records, {differences} runs differ")
    sys.exit(1 if differences else 0)


def report(a, b):
    if a[0] != b[0]:
        print(f"  exit code {a[0]} -> {b[0]}")
    only_a = [line for line in a[1] if line not in b[1]]
    only_b = [line for line in b[1] if line not in a[1]]
    for line in only_a[:5]:
        print(f"  - {line[:600]}")
    for line in only_b[:5]:
        print(f"  + {line[:600]}")
    if not only_a and not only_b:
        print("  (same records, different order)")


if __name__ == "__main__":
    main()
