#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Count the recently deleted inodes an ext4 without a journal skips for new inodes.

On such a file system, ext4's find_inode_bit passes over every free inode of the block
group that was deleted less than 60 s before (recently_deleted; longer while its inode-table
block is dirty), one buffer-cache lookup each, at every allocation. This reads the output of

    perf record -a -e ext4:ext4_allocate_inode,ext4:ext4_free_inode -o tp.data -- CMD
    perf script -i tp.data -F comm,pid,time,event,trace

on stdin and prints, for the allocations of the processes named by --pids (a file of pids,
one a line, e.g. from `perf script -F pid` of a perf record of the runs) or else of every
process whose name starts with --comm, between --from and --to (perf timestamps): how many
there were and how many freed inodes of the same group, with a lower number, freed within
--window seconds and not allocated again, lay before each (what the kernel skips, give or
take the dirty-block window and blocks already evicted from the buffer cache).

    tests/bench/ext4-skips.py --comm hutch --dev 254,0 [--runs N] < script.txt
"""
import argparse
import collections
import re
import sys

LINE = re.compile(r"^\s*(\S+)\s+(\d+)\s+([\d.]+):\s+ext4:(ext4_\w+):\s+dev (\S+) ino (\d+)")


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--inodes-per-group", type=int, default=8192)
    ap.add_argument("--window", type=float, default=60.0)
    ap.add_argument("--comm", default="hutch")
    ap.add_argument("--pids", help="file of pids whose allocations count (instead of --comm)")
    ap.add_argument("--dev", help="major,minor of the file system (default: all)")
    ap.add_argument("--from", dest="start", type=float, default=0.0)
    ap.add_argument("--to", dest="end", type=float, default=float("inf"))
    ap.add_argument("--runs", type=int, default=0, help="also print the figures per run")
    a = ap.parse_args()
    pids = set(open(a.pids).read().split()) if a.pids else None

    freed = collections.defaultdict(dict)  # (dev, group) -> {ino: time freed}
    allocs = skips = 0
    for line in sys.stdin:
        m = LINE.match(line)
        if not m:
            continue
        comm, pid, t, event, dev, ino = m.groups()
        t, ino = float(t), int(ino)
        if a.dev and dev != a.dev:
            continue
        group = freed[(dev, (ino - 1) // a.inodes_per_group)]
        if event == "ext4_free_inode":
            group[ino] = t
            continue
        if event != "ext4_allocate_inode":
            continue
        group.pop(ino, None)
        ours = pid in pids if pids is not None else comm.startswith(a.comm)
        if not ours or not a.start <= t <= a.end:
            continue
        allocs += 1
        skips += sum(1 for i, ft in group.items() if i < ino and t - ft < a.window)
    print(f"allocations {allocs}, skipped recently deleted inodes {skips}, "
          f"{skips / allocs if allocs else 0:.1f} an allocation")
    if a.runs:
        print(f"per run: {allocs / a.runs:.1f} allocations, {skips / a.runs:.0f} skipped")


if __name__ == "__main__":
    main()
