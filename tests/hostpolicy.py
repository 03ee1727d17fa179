#!/usr/bin/env python3
"""Write what `xen-cpuid -p` prints on a host (tools/misc/xen-cpuid.c,
print_policy(), RELEASE-4.14.0 to -4.22.0), for the tests of verify
--host-policy: every system policy with the same leaves, the features
named on the command line set (Xen's names, from formats/cpufeatures.c),
with every feature they depend on, as in a policy Xen made.

    hostpolicy.py SRC_DIR [--vendor V] [--max-leaf N] [--ext-leaf N]
                  [--no-pv] [--platform-info N] FEATURE...
"""
import argparse
import re
import struct
import sys

NA = 0xffffffff


def table(src):
    text = open(src + "/formats/cpufeatures.c").read()
    words = {}
    for w, kind, leaf, sub, reg in re.findall(
            r"\{(\d+), (XS_CPU_WORD_\w+), 0x([0-9a-f]+), (\w+), '(\w)'\}", text):
        words[int(w)] = (kind.endswith("MSR"), int(leaf, 16),
                         NA if sub == "XS_NO_SUBLEAF" else int(sub), "abcd".index(reg))
    feats = {n: int(v) for v, n in re.findall(r'\{(\d+), "([^"]+)", "', text)}
    deps = []
    for v, ws in re.findall(r"\{(\d+), \{((?:0x[0-9a-f]+u,?\s*)+)\}\}", text):
        bits = set()
        for i, w in enumerate(re.findall(r"0x([0-9a-f]+)u", ws)):
            bits |= {i * 32 + b for b in range(32) if int(w, 16) >> b & 1}
        deps.append((int(v), bits))
    return words, feats, deps


def closed(values, deps):
    """values with every feature one of them depends on (Xen's deep
    dependencies): what a policy Xen made holds."""
    values = set(values)
    while True:
        more = {v for v, bits in deps if values & bits and v not in values}
        if not more:
            return values
        values |= more


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("src")
    ap.add_argument("--vendor", default="GenuineIntel")
    ap.add_argument("--max-leaf", type=lambda s: int(s, 0), default=0xd)
    ap.add_argument("--ext-leaf", type=lambda s: int(s, 0), default=0x80000008)
    ap.add_argument("--max-subleaf", type=lambda s: int(s, 0), default=0)
    ap.add_argument("--platform-info", type=lambda s: int(s, 0), default=0)
    ap.add_argument("--no-pv", action="store_true")
    ap.add_argument("features", nargs="*")
    a = ap.parse_intermixed_args()
    words, feats, deps = table(a.src)
    leaves = {(0, NA): [0] * 4, (1, NA): [0] * 4, (7, 0): [0] * 4,
              (7, 1): [0] * 4, (7, 2): [0] * 4, (0xd, 1): [0] * 4,
              (0x80000000, NA): [0] * 4, (0x80000001, NA): [0] * 4,
              (0x80000007, NA): [0] * 4, (0x80000008, NA): [0] * 4,
              (0x80000021, NA): [0] * 4}
    v = a.vendor.encode().ljust(12, b"\0")[:12]
    ebx, edx, ecx = struct.unpack("<3I", v)
    leaves[(0, NA)] = [a.max_leaf, ebx, ecx, edx]
    leaves[(7, 0)][0] = a.max_subleaf
    leaves[(0x80000000, NA)][0] = a.ext_leaf
    arch_caps = 0
    for val in sorted(closed((feats[n] for n in a.features), deps)):
        is_msr, leaf, sub, reg = words[val // 32]
        if is_msr:
            arch_caps |= 1 << (val % 32 + (32 if reg == 3 else 0))
        else:
            leaves[(leaf, sub)][reg] |= 1 << (val % 32)
    msrs = [(0xce, a.platform_info), (0x10a, arch_caps)]
    print("Xen reports there are maximum 117 leaves and 2 MSRs")
    for name in ("Raw", "Host", "PV Max", "HVM Max", "PV Default", "HVM Default"):
        if a.no_pv and name.startswith("PV"):
            print("%s policy not supported by Xen" % name)
            continue
        shown = [(k, r) for k, r in sorted(leaves.items()) if any(r)]
        print("%s policy: %u leaves, %u MSRs" % (name, len(leaves), len(msrs)))
        print(" CPUID:")
        print("  %-8s %-8s -> %-8s %-8s %-8s %-8s" % ("leaf", "subleaf", "eax", "ebx", "ecx", "edx"))
        for (leaf, sub), r in shown:
            print("  %08x:%08x -> %08x:%08x:%08x:%08x" % (leaf, sub, *r))
        print(" MSRs:")
        print("  %-8s -> %-16s" % ("index", "value"))
        for idx, val in msrs:
            print("  %08x -> %016x" % (idx, val))


if __name__ == "__main__":
    sys.exit(main())
