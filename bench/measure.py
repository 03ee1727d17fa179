#!/usr/bin/env python3
"""Best wall time of RUNS runs of one command line, and its peak RSS.

    measure.py RUNS 'COMMAND LINE'      prints: SECONDS RSS_KIB

A simple command line is executed directly; one with a pipe or a
redirection through `bash -c`, so both sides of a comparison pay the same
shell.  The clock brackets only posix_spawn (a vfork: no copy of this
process) and wait4: measuring through bash, GNU time and $EPOCHREALTIME
added milliseconds to every run, which swamped a 3 ms verify.  The peak
RSS comes from one more run under GNU time: a child spawned from Python
would inherit Python's own high-water mark.  Before each run, `sync`
writes back the last run's dirty pages.
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


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    runs, line = int(sys.argv[1]), sys.argv[2]
    if any(c in line for c in "|<>"):
        argv = ["bash", "-c", line]
    else:
        argv = shlex.split(line)
    best = None
    for _ in range(runs):
        os.sync()
        wall = run_once(argv)
        if best is None or wall < best:
            best = wall
    print("%.4f %d" % (best or 0.0, peak_rss(argv)))  # RUNS 0: RSS only


if __name__ == "__main__":
    main()
