#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""
File cycles (issue 12): in each directory given, which .c file calls a function another
.c file of that directory defines (functions named with the directory's prefixes), and
whether those calls go round in a cycle. Prints each cycle and exits 1 when there is one.

Usage: tests/lint/file-cycles.py DIR:PREFIX[,PREFIX...] ...
  e.g. tests/lint/file-cycles.py oci/engine:eng_,ctr_ tool:cli_,cmd_,ps_fmt_,inspect_
"""
import glob
import os
import re
import sys


def graph(directory, prefixes):
    files = sorted(glob.glob(os.path.join(directory, "*.c")))
    alt = "|".join(re.escape(p) for p in prefixes)
    defs = {}
    for f in files:
        text = open(f).read()
        for m in re.finditer(r"^(?:[a-z][\w \*]*?)\b((?:%s)\w+)\([^;]*?\)\n\{" % alt, text, re.M):
            defs[m.group(1)] = f
    uses = {os.path.basename(f): set() for f in files}
    for f in files:
        text = open(f).read()
        for name, where in defs.items():
            if where != f and re.search(r"\b%s\(" % re.escape(name), text):
                uses[os.path.basename(f)].add(os.path.basename(where))
    return uses


def cycles(g):
    """Strongly connected components of more than one file (Tarjan's)."""
    index, low, stack, on, out = {}, {}, [], set(), []
    counter = [0]

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in sorted(g.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    sys.setrecursionlimit(10000)
    for v in sorted(g):
        if v not in index:
            visit(v)
    return out


def main():
    bad = 0
    for arg in sys.argv[1:]:
        directory, _, prefixes = arg.partition(":")
        g = graph(directory, prefixes.split(","))
        for comp in cycles(g):
            bad = 1
            print("file cycle in %s: %s" % (directory, " ".join(comp)))
            for f in comp:
                print("  %s -> %s" % (f, " ".join(sorted(g[f] & set(comp)))))
    return bad


if __name__ == "__main__":
    sys.exit(main())
