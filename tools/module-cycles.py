#!/usr/bin/env python3
"""Lists the import edges between the driver's modules (src/) and fails on a cycle.

A module is a file of src/ (`src/cargo.rs` is `cargo`, `src/review/mod.rs` is `review`); a file
below a folder counts as its top-level module (`src/review/patch.rs` is `review`), since a parent
and its children are one unit. An edge A -> B is any `crate::B` path in A's text (in `use` lines or
inline, `crate::{B, …}` groups too), comments left out. Exits 1 and names the modules of each cycle
when there is one.

Usage: python3 tools/module-cycles.py [SRC_DIR]   (default: src)
"""

import re
import sys
from pathlib import Path


def module_of(src: Path, file: Path) -> str:
    parts = file.relative_to(src).with_suffix("").parts
    return parts[0]


def without_comments(text: str) -> str:
    text = re.sub(r"/\*.*?\*/", "", text, flags=re.S)
    return "\n".join(line.split("//")[0] for line in text.splitlines())


def imported(text: str) -> set:
    names = set(re.findall(r"\bcrate::([A-Za-z_][A-Za-z0-9_]*)", text))
    for group in re.findall(r"\bcrate::\{([^}]*)\}", text):
        names.update(re.findall(r"(?:^|,)\s*([A-Za-z_][A-Za-z0-9_]*)", group))
    return names


def cycles(edges: dict) -> list:
    """The strongly connected components of more than one module (Tarjan)."""
    index, low, stack, on_stack, found = {}, {}, [], set(), []

    def visit(node):
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for next_node in sorted(edges.get(node, ())):
            if next_node not in index:
                visit(next_node)
                low[node] = min(low[node], low[next_node])
            elif next_node in on_stack:
                low[node] = min(low[node], index[next_node])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(edges):
        if node not in index:
            visit(node)
    return found


def main() -> int:
    src = Path(sys.argv[1] if len(sys.argv) > 1 else "src")
    files = sorted(src.rglob("*.rs"))
    modules = {module_of(src, file) for file in files}
    edges = {module: set() for module in modules}
    for file in files:
        module = module_of(src, file)
        for name in imported(without_comments(file.read_text())):
            if name in modules and name != module:
                edges[module].add(name)
    for module in sorted(edges):
        print(f"{module} -> {', '.join(sorted(edges[module])) or '(none)'}")
    found = cycles(edges)
    for component in found:
        print(f"cycle among: {', '.join(component)}", file=sys.stderr)
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
