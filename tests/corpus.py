#!/usr/bin/env python3
"""The malformed corpus through both checkers.

   corpus.py XENSTREAM XS_GEN DIR [VERIFY_STREAM_V2 PYTHONPATH]

Each case (corpus_cases.py) patches one fault into a valid v3 stream made
by xs-gen (bare libxc PV and HVM, libxl, xl).  It asserts that xenstream
reports the expected rule, and, when Xen's verify-stream-v2 is given,
prints which faults each checker catches: every fault verify-stream-v2
catches must be reported by xenstream too (as an error, or a warning where
docs/behaviour.md §3.3 says so)."""
import json
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from corpus_cases import CASES, gen_bases, make  # noqa: E402

XS, GEN, DIR = sys.argv[1], sys.argv[2], sys.argv[3]
VSV2 = sys.argv[4] if len(sys.argv) > 4 else None
VPY = sys.argv[5] if len(sys.argv) > 5 else None


def main():
    gen_bases(GEN, DIR)
    fails = 0
    rows = [("case", "verify-stream-v2", "xenstream", "first finding")]
    for case in CASES:
        name, fmt, rule = case[0], case[2], case[6]
        path = make(XS, DIR, case)
        x = subprocess.run([XS, "verify", "--json", path], capture_output=True, text=True)
        doc = json.loads(x.stdout.splitlines()[0])
        rules = [f["rule"] for f in doc["findings"]]
        sev = {f["rule"]: f["severity"] for f in reversed(doc["findings"])}
        xs = "exit %d (%s)" % (x.returncode, "errors" if doc["errors"] else
                               "warnings" if doc["warnings"] else "clean")
        v = "-"
        if VSV2:
            r = subprocess.run(["python3", VSV2, "-f", fmt, "-i", path],
                               capture_output=True, env=dict(os.environ, PYTHONPATH=VPY))
            v = "rejects" if r.returncode else "accepts"
            if r.returncode and not rules:
                print("FAIL: %s: only verify-stream-v2 sees it" % name)
                fails += 1
        if rule not in rules:
            print("FAIL: %s: xenstream does not report %s (it reports %s)" % (name, rule, rules))
            fails += 1
        # the same fault through a pipe (no seeking, no looking back)
        with open(path, "rb") as f:
            xp = subprocess.run([XS, "verify", "--json", "-"], stdin=f,
                                capture_output=True, text=True)
        prules = [f["rule"] for f in json.loads(xp.stdout.splitlines()[0])["findings"]]
        if rule not in prules:
            print("FAIL: %s: from a pipe xenstream does not report %s (it reports %s)" % (name, rule, prules))
            fails += 1
        if sev.get(rule) == "warning":
            st = subprocess.run([XS, "verify", "-q", "--strict", path],
                                capture_output=True)
            if st.returncode != 1:
                print("FAIL: %s: --strict does not fail on %s" % (name, rule))
                fails += 1
        rows.append((name, v, xs, "%s (%s)" % (rule, sev.get(rule, "-"))))
    for r in rows:
        print("%-18s %-17s %-22s %s" % r)
    print("corpus: %d passed, %d failed" % (len(CASES) - fails, fails))
    return 1 if fails else 0


sys.exit(main())
