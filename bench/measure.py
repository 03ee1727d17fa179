#!/usr/bin/env python3
"""Best wall time of RUNS runs of one command line, and its peak RSS.

    measure.py RUNS 'COMMAND LINE'      prints: SECONDS RSS_KIB
    measure.py RUNS 'A' 'B'             prints: SECONDS_A RSS_A SECONDS_B RSS_B

With two command lines the runs alternate (A, B, A, B, ...), so that a
machine whose speed drifts (a shared one) drifts under both alike; each
gets the fastest of its RUNS.

A simple command line is executed directly; one with a pipe or a
redirection through `bash -c`, so both sides of a comparison pay the same
shell.  The clock brackets only posix_spawn (a vfork: no copy of this
process) and wait4: measuring through bash, GNU time and $EPOCHREALTIME
added milliseconds to every run, which swamped a 3 ms verify.  The peak
RSS comes from one more run under GNU time: a child spawned from Python
would inherit Python's own high-water mark.  Before each run, `sync`
writes back the last run's dirty pages.

MEASURE_RM=PATH removes PATH before each run, before the sync, outside the
clock: a sparse raw export has an extent per run of data pages, and
freeing tens of thousands of them (ext4 mounted with discard: 30 s for
one file) would otherwise land in whichever run replaces it next.
"""
import os
import shlex
import sys
import tempfile
import time

DEVNULL = [(os.POSIX_SPAWN_OPEN, 1, os.devnull, os.O_WRONLY, 0)]


def run_once(argv):
    t0 = time.perf_counter()
    pid = os.posix_spawnp(argv[0], argv, os.environ, file_actions=DEVNULL)
    _, status = os.waitpid(pid, 0)
    wall = time.perf_counter() - t0
    if not os.WIFEXITED(status) or os.WEXITSTATUS(status) != 0:
        sys.exit("failed (status %d): %s" % (status, " ".join(argv)))
    return wall


def peak_rss(argv):
    with tempfile.NamedTemporaryFile("r") as f:
        os.sync()
        run_once(["/usr/bin/time", "-f", "%M", "-o", f.name] + argv)
        return int(f.read().split()[-1])


def argv_of(line):
    if any(c in line for c in "|<>"):
        return ["bash", "-c", line]
    return shlex.split(line)


def main():
    if len(sys.argv) not in (3, 4):
        sys.exit(__doc__)
    runs = int(sys.argv[1])
    argvs = [argv_of(line) for line in sys.argv[2:]]
    best = [None] * len(argvs)
    rm = os.environ.get("MEASURE_RM")
    for _ in range(runs):
        for i, argv in enumerate(argvs):
            if rm:
                try:
                    os.unlink(rm)
                except FileNotFoundError:
                    pass
            os.sync()
            wall = run_once(argv)
            if best[i] is None or wall < best[i]:
                best[i] = wall
    # RUNS 0: RSS only
    print(" ".join("%.4f %d" % (b or 0.0, peak_rss(a))
                   for a, b in zip(argvs, best)))


if __name__ == "__main__":
    main()
