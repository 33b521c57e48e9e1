#!/usr/bin/env python3
"""Lists the module cycles of a crate: which files use names of which other files.

Usage: tools/module-cycles.py CRATE_SRC_DIR...   (e.g. lints/src src)

An edge A -> B is a path in A that names B's module (`crate::x::y`, `super::…`, `self::…`,
`x::…` of a child module). `mod x;` declarations are not edges (a parent holding a child is not a
use), and neither is the `#[cfg(test)] mod tests` at the end of a file. Prints each cycle (a
strongly connected set of files) with the names that tie it, and exits 1 when there is one.
"""

import re
import sys
from pathlib import Path

PATH = re.compile(r"\b(crate|super|self)((?:::[A-Za-z_][A-Za-z0-9_]*)+)")
USE_BLOCK = re.compile(r"\buse\s+(crate|super|self)::\{([^;]*)\};", re.S)


def modules(src):
    """Module path (tuple) -> file."""
    found = {}
    for file in sorted(src.rglob("*.rs")):
        rel = file.relative_to(src).with_suffix("")
        parts = list(rel.parts)
        if parts[-1] in ("mod", "lib", "main"):
            parts = parts[:-1]
        if parts and parts[0] == "bin":
            continue
        found[tuple(parts)] = file
    return found


def code_of(file):
    text = file.read_text()
    text = re.sub(r"//[^\n]*", "", text)
    cut = re.search(r"#\[cfg\(test\)\]\s*(pub(\([^)]*\))?\s+)?mod\s+tests\b", text)
    return text[: cut.start()] if cut else text


def own_module(src, file):
    parts = list(file.relative_to(src).with_suffix("").parts)
    is_dir_module = parts[-1] in ("mod", "lib", "main")
    if is_dir_module:
        parts = parts[:-1]
    return tuple(parts), is_dir_module


def target(mods, path):
    for end in range(len(path), -1, -1):
        if path[:end] in mods:
            return path[:end]
    return ()


def edges_of(src, mods):
    edges = {}
    for module, file in mods.items():
        here, is_dir_module = own_module(src, file)
        parent = here[:-1]
        code = code_of(file)
        paths = [(m.group(1), m.group(2).split("::")[1:]) for m in PATH.finditer(code)]
        for m in USE_BLOCK.finditer(code):
            for item in re.split(r",", m.group(2)):
                names = [p for p in item.strip().split("::") if p and p.isidentifier()]
                if names:
                    paths.append((m.group(1), names))
        for root, names in paths:
            if root == "crate":
                base = ()
            elif root == "super":
                base = parent
            else:
                base = here
            dest = target(mods, base + tuple(names))
            if dest != module and dest != ():
                edges.setdefault(module, {}).setdefault(dest, set()).add(names[-1])
            elif dest == () and names and (names[0],) in mods and module != ():
                edges.setdefault(module, {}).setdefault((names[0],), set()).add(names[-1])
        # `child::x` (in a `use` or inline), where child is a submodule of this one
        for m in re.finditer(r"(?<![\w:])([a-z_][a-z0-9_]*)::", code):
            child = here + (m.group(1),)
            if child in mods and child != module:
                edges.setdefault(module, {}).setdefault(child, set()).add(m.group(1))
    return edges


def cycles(nodes, edges):
    index, low, stack, on, out = {}, {}, [], set(), []

    def strong(v):
        index[v] = low[v] = len(index)
        stack.append(v)
        on.add(v)
        for w in edges.get(v, {}):
            if w not in index:
                strong(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            group = []
            while True:
                w = stack.pop()
                on.discard(w)
                group.append(w)
                if w == v:
                    break
            if len(group) > 1:
                out.append(sorted(group))

    sys.setrecursionlimit(10000)
    for v in nodes:
        if v not in index:
            strong(v)
    return out


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    found = 0
    for arg in sys.argv[1:]:
        src = Path(arg)
        mods = modules(src)
        edges = edges_of(src, mods)
        for group in cycles(sorted(mods), edges):
            found += 1
            print(f"cycle in {src}: " + ", ".join(str(mods[m].relative_to(src)) for m in group))
            members = set(group)
            for a in group:
                for b, names in sorted(edges.get(a, {}).items()):
                    if b in members:
                        print(f"  {mods[a].relative_to(src)} -> {mods[b].relative_to(src)}: "
                              + ", ".join(sorted(names)))
        print(f"{src}: {len(mods)} modules, {sum(len(v) for v in edges.values())} edges")
    sys.exit(1 if found else 0)


if __name__ == "__main__":
    main()
