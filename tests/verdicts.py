#!/usr/bin/env python3
"""One verdict however the bytes arrive (docs/behaviour.md §6).

   verdicts.py XENSTREAM XS_GEN DIR

Every case goes through `verify FILE`, `verify -` fed by a pipe,
`verify FILE.gz` and `verify FILE.zst`, and must give the same exit
status and the same first error (--json: its rule, and its offset and
record index too).  A sample also goes through `upgrade` from the file,
the pipe, the .gz, the .zst and the file
as standard input, to an OUT that exists beforehand and to a pipe: the
exit statuses must agree, a refused run must leave OUT as it was, and
successful outputs must be identical and verify; and through `digest`
(the same digests), `info`, `dump`, `diff` (against the file),
`verify --xen 4.13` and `verify -` from the file as standard input (the
same verdict).

The cases: the regressions below (the start info page sent again, and
every disagreement this harness found), every fault of the malformed
corpus (corpus_cases.py), and seeded random mutants (byte flips,
truncations, record duplication and removal, length and type field edits,
start info re-sends, faults aimed at the start info page, page-table
pages, pfn entries and vcpu 0's start info pfn, container header flips,
bytes appended) of small xs-gen images of every container and guest type,
v2 and v3.

  XS_VERDICT_MUTANTS  how many mutants (250; 20 with XS_CLI_QUICK=1, where
                      one corpus fault in 8 is also a sample)
  XS_VERDICT_SEED     the first mutant's seed (1); a failure names the
                      seed that rebuilds it, and its image is kept in DIR
  XS_VERDICT_JOBS     worker processes (2)
  XS_VERDICT_UPGRADE_EVERY  one mutant in this many is the sample (8)
  XS_VERDICT_STATS    print how many cases ended with which first error"""
import gzip
import json
import multiprocessing
import os
import random
import struct
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import corpus_cases  # noqa: E402

XS, GEN, DIR = sys.argv[1], sys.argv[2], sys.argv[3]
# the sanitizer run (XS_CLI_QUICK=1) takes 20 mutants and runs every
# command on one corpus fault in 8 (UPGRADE_EVERY): it tests memory
# safety, which the plain run's verdicts do not need again
QUICK = os.environ.get("XS_CLI_QUICK") == "1"
MUTANTS = int(os.environ.get("XS_VERDICT_MUTANTS", "20" if QUICK else "250"))
SEED = int(os.environ.get("XS_VERDICT_SEED", "1"))
JOBS = int(os.environ.get("XS_VERDICT_JOBS", "2"))
UPGRADE_EVERY = int(os.environ.get("XS_VERDICT_UPGRADE_EVERY", "8"))
START_INFO_PFN = 5     # where xs-gen puts a PV guest's start info page
SENTINEL = b"an earlier file that a refused upgrade must leave alone\n"


def le32(v):
    return struct.pack("<I", v & 0xffffffff)


def le64(v):
    return struct.pack("<Q", v & 0xffffffffffffffff)


# ---- the small images the mutants start from -----------------------------

def base_table():
    """name -> xs-gen arguments: every guest type in every container, v2
    and v3, and the options that change a stream's shape."""
    bases = {}
    rnd = random.Random(7)
    for guest in ("pv64", "pv32", "hvm"):
        for cont in ("libxc", "libxl", "xl", "libvirt", "xenserver"):
            for ver in ("2", "3"):
                pages = rnd.choice((200, 300, 400, 500))
                batch = rnd.choice((32, 64, 128, 256))
                bases["%s-%s-v%s" % (cont, guest, ver)] = [
                    "--guest", guest, "--container", cont, "--version", ver,
                    "--pages", str(pages), "--batch", str(batch)]
    small = ["--pages", "250", "--batch", "64"]
    for guest in ("pv64", "hvm"):
        bases["libxl-%s-checkpoint" % guest] = [
            "--guest", guest, "--container", "libxl", "--checkpoint"] + small
        bases["libxl-%s-remus" % guest] = [
            "--guest", guest, "--container", "libxl", "--checkpoint",
            "--unterminated"] + small
        bases["libxc-%s-odd" % guest] = [
            "--guest", guest, "--version", "2", "--optional", "--erratum",
            "--dirty", "--trailing", "100"] + small
        bases["xl-%s-migrate" % guest] = [
            "--guest", guest, "--container", "xl", "--migrate",
            "--text-config", "--zero-pages"] + small
    bases["libxc-pv32-policy"] = ["--guest", "pv32", "--policy",
                                  "--vcpus", "3"] + small
    return bases


def gen_bases():
    for name, args in BASES.items():
        subprocess.run([GEN, "-o", os.path.join(DIR, name + ".img")] + args,
                       check=True)


BASES = base_table()
_cache = {}


def base(name):
    """A base image's bytes and its records (dump --json --pages)."""
    if name not in _cache:
        path = os.path.join(DIR, name + ".img")
        _cache[name] = (open(path, "rb").read(),
                        corpus_cases.records(XS, path))
    return _cache[name]


def framed(recs):
    """Records of the type/length framing libxc and libxl share, with
    their whole size (header, body, padding)."""
    out = []
    for r in recs:
        if r["layer"] in ("libxc", "libxl") and r["type"] != "header":
            out.append((r["offset"], 8 + ((r["length"] + 7) & ~7), r))
    return out


# ---- mutations -----------------------------------------------------------

def resend_record(rnd):
    """A PAGE_DATA record that sends the start info pfn again."""
    kind = rnd.choice(("zero", "ff", "magic-ok", "magic-range", "random",
                       "magic-then-tail", "l1", "xtab"))
    page = bytearray(4096)
    if kind == "ff":
        page = bytearray(b"\xff" * 4096)
    elif kind == "random":
        page = bytearray(rnd.getrandbits(8) for _ in range(4096))
    elif kind.startswith("magic"):
        page[0:14] = b"xen-3.0-x86_64"
        if kind == "magic-range":
            page[44:52] = le64(0x100000)
            page[56:64] = le64(0x100000)
        else:
            page[44:48] = le32(6)
            page[52:56] = le32(7)
            page[56:64] = le64(6)
            page[72:80] = le64(7)
    t = {"l1": 1, "xtab": 0xf}.get(kind, 0)
    if t == 0xf:
        return le32(1) + le32(16) + le32(1) + le32(0) + \
            le64(t << 60 | START_INFO_PFN), kind
    body = le32(1) + le32(0) + le64(t << 60 | START_INFO_PFN) + bytes(page)
    return le32(1) + le32(len(body)) + body, kind


def pages(buf, rs):
    """(pfn, type, offset of its page or None) of every libxc PAGE_DATA
    entry, in stream order."""
    out = []
    for o, n, r in rs:
        if r["layer"] != "libxc" or r["type"] != "PAGE_DATA" or n < 16:
            continue
        count = struct.unpack_from("<I", buf, o + 8)[0]
        if 16 + 8 * count > n:
            continue
        at = o + 16 + 8 * count
        for i in range(count):
            e = struct.unpack_from("<Q", buf, o + 16 + 8 * i)[0]
            t = e >> 60
            data = t < 13 and at + 4096 <= o + n  # not BROKEN, XALLOC, XTAB
            out.append((e & ((1 << 52) - 1), t, o + 16 + 8 * i,
                        at if data else None))
            at += 4096 if data else 0
    return out


def mutate_page(rnd, buf, rs):
    """A fault aimed at what a pipe must judge as pages pass: the start
    info page, page-table pages, pfn types, vcpu 0's start info pfn."""
    ps = pages(buf, rs)
    si = [p for p in ps if p[0] == START_INFO_PFN and p[3] is not None]
    pt = [p for p in ps if p[1] & 7 and p[3] is not None]
    vcpu0 = [x for x in rs if x[2]["type"] == "X86_PV_VCPU_BASIC" and
             x[1] > 16 and struct.unpack_from("<I", buf, x[0] + 8)[0] == 0]
    what = rnd.choice(("si", "si", "pt", "type", "edx", "spray", "pfn",
                       "pfn"))
    if what == "pfn" and ps:
        # another entry (of any type) names the start info pfn, or a pfn
        # already sent: a second transmission within or across records
        e = rnd.choice(ps)
        pfn = rnd.choice((START_INFO_PFN, rnd.choice(ps)[0]))
        old = struct.unpack_from("<Q", buf, e[2])[0]
        buf[e[2]:e[2] + 8] = le64((old & ~((1 << 52) - 1)) | pfn)
        return "entry of pfn 0x%x -> pfn 0x%x" % (e[0], pfn)
    data = [p for p in ps if p[3] is not None and not p[1] & 7]
    if what == "spray" and data:
        # many pages that look like a start info page (a pipe keeps them
        # all), some naming pfns beyond the p2m; the real one perhaps not
        n = rnd.randint(1, len(data))
        for p in rnd.sample(data, n):
            buf[p[3]:p[3] + 4] = b"xen-"
            if rnd.random() < 0.3:
                buf[p[3] + 56:p[3] + 64] = le64(0x100000)
        if si and rnd.random() < 0.5:
            buf[si[-1][3]] ^= 0x20
        return "%u pages given the magic" % n
    if what == "si" and si:
        p = rnd.choice(si)[3] + rnd.choice((0, 1, 2, 3, 44, 48, 52, 56, 60,
                                             72, 76, rnd.randrange(4096)))
        buf[p] ^= 1 << rnd.randrange(8)
        return "start info page byte 0x%x" % p
    if what == "pt" and pt:
        p = rnd.choice(pt)[3] + 8 * rnd.randrange(512) + rnd.randrange(8)
        buf[p] ^= 1 << rnd.randrange(8)
        return "page-table page byte 0x%x" % p
    if what == "type" and ps:
        e = rnd.choice(si + ps[:64] if si else ps)
        t = rnd.choice((0, 1, 2, 3, 4, 9, 10, 15, 0x9, 0xd))
        buf[e[2] + 7] = (buf[e[2] + 7] & 0x0f) | t << 4
        return "pfn 0x%x type %u -> %u" % (e[0], e[1], t)
    if vcpu0:
        o = vcpu0[0][0]
        w = 8 if vcpu0[0][2]["length"] - 8 == 5168 else 4
        edx = o + 16 + (616 if w == 8 else 524)
        pfn = rnd.choice([p[0] for p in ps] or [0])
        buf[edx:edx + w] = le64(pfn)[:w]
        return "vcpu 0's start info pfn -> 0x%x" % pfn
    return "no page to aim at"


def mutate(rnd, data, recs):
    """One mutation of data; (bytes, what was done)."""
    buf = bytearray(data)
    if not buf:
        return data, "nothing left to mutate"
    # after a first mutation, the base's records that still fit (a second
    # one may land askew: a mutation all the same)
    rs = [x for x in framed(recs) if x[0] + x[1] <= len(buf)]
    kind = rnd.choice(("flip", "flip", "flip", "truncate", "dup", "remove",
                       "length", "resend", "resend", "page", "page",
                       "head", "trail", "retype"))
    if kind == "retype" and rs:
        # another record type: unknown (optional or not, a payload to skip
        # or read), or a known one whose body rules then apply
        o, n, r = rnd.choice(rs)
        t = rnd.choice((0x80000033, 0x33, rnd.randrange(0x20),
                        rnd.getrandbits(32)))
        buf[o:o + 4] = le32(t)
        if rnd.random() < 0.5:
            ln = struct.unpack_from("<I", buf, o + 4)[0]
            buf[o + 4:o + 8] = le32(ln + rnd.choice((8, 4096, 1 << 20,
                                                     1 << 27)))
        return bytes(buf), "type of %s %s at 0x%x -> 0x%x" % (
            r["layer"], r["type"], o, t)
    if kind == "page":
        return bytes(buf), mutate_page(rnd, buf, rs)
    if kind == "head":
        # a container's header, or what follows it (layers other than
        # libxc/libxl frame their records their own way)
        heads = [r for r in recs if r["layer"] not in ("libxc", "libxl") or
                 r["type"] == "header"]
        r = rnd.choice(heads)
        at = min(r["offset"] + rnd.randrange(max(1, r["length"] + 16)),
                 len(buf) - 1)
        v = rnd.choice((1 << rnd.randrange(8), rnd.getrandbits(8) | 1))
        buf[at] ^= v
        return bytes(buf), "flip %s %s byte 0x%x^0x%02x" % (
            r["layer"], r["type"], at, v)
    if kind == "trail":
        tail = rnd.choice((b"\0" * rnd.randint(1, 64),
                           bytes(rnd.getrandbits(8) for _ in range(
                               rnd.randint(1, 300))),
                           le32(0) + le32(0), b"GO\n"))
        return bytes(buf) + tail, "%u bytes appended" % len(tail)
    if kind == "resend":
        pds = [x for x in rs if x[2]["layer"] == "libxc" and
               x[2]["type"] == "PAGE_DATA"]
        ends = [x for x in rs if x[2]["layer"] == "libxc" and
                x[2]["type"] == "END"]
        pv = any(r["type"] == "X86_PV_INFO" for r in recs)
        if not pds or not ends or not pv:
            kind = "flip"
        else:
            rec, what = resend_record(rnd)
            where = rnd.choice(("after-page-data", "before-end"))
            if where == "before-end":
                at = ends[-1][0]
            else:
                o, n, _ = rnd.choice(pds)
                at = o + n
            buf[at:at] = rec
            return bytes(buf), "resend %s %s at 0x%x" % (what, where, at)
    if kind == "flip":
        what = []
        for _ in range(rnd.randint(1, 4)):
            if rs and rnd.random() < 0.6:
                o, n, _ = rnd.choice(rs)
                at = o + rnd.randrange(min(n, 4096))
            else:
                at = rnd.randrange(len(buf))
            v = rnd.choice((1 << rnd.randrange(8), rnd.getrandbits(8) | 1))
            buf[at] ^= v
            what.append("0x%x^0x%02x" % (at, v))
        return bytes(buf), "flip " + " ".join(what)
    if kind == "truncate":
        if rs and rnd.random() < 0.5:
            o, n, _ = rnd.choice(rs)
            at = max(0, o + rnd.choice((0, n)) + rnd.randint(-16, 16))
        else:
            at = rnd.randrange(len(buf))
        return bytes(buf[:at]), "truncate at 0x%x" % at
    if not rs:
        return bytes(buf[:-1]), "truncate the last byte"
    o, n, r = rnd.choice(rs)
    name = "%s %s at 0x%x" % (r["layer"], r["type"], o)
    if kind == "dup":
        rec = bytes(buf[o:o + n])
        if rnd.random() < 0.5:
            at = o + n
        else:
            p, m, _ = rnd.choice(rs)
            at = p + rnd.choice((0, m))
        buf[at:at] = rec
        return bytes(buf), "dup %s to 0x%x" % (name, at)
    if kind == "remove":
        del buf[o:o + n]
        return bytes(buf), "remove " + name
    ln = struct.unpack_from("<I", buf, o + 4)[0]
    new = rnd.choice((ln + 8, ln - 8, ln + 1, ln - 1, 0, 2 * ln, 0xffffffff,
                      rnd.getrandbits(32), rnd.getrandbits(16)))
    buf[o + 4:o + 8] = le32(new)
    return bytes(buf), "length of %s %u -> %u" % (name, ln, new & 0xffffffff)


def mutant(seed):
    rnd = random.Random(seed)
    name = rnd.choice(sorted(BASES))
    data, recs = base(name)
    what = []
    for _ in range(1 if rnd.random() < 0.8 else 2):
        data, w = mutate(rnd, data, recs)
        what.append(w)
    return data, "%s: %s" % (name, "; ".join(what))


# ---- regressions ---------------------------------------------------------

def resend(name, page, t=0, where="before-end", again=None):
    """base name's image with the start info pfn sent again (type t,
    contents page), before END or after the last PAGE_DATA; again: a
    further page sent after it."""
    data, recs = base(name)
    rs = framed(recs)
    buf = bytearray(data)
    ins = b""
    for p in [page] + ([again] if again is not None else []):
        body = le32(1) + le32(0) + le64(t << 60 | START_INFO_PFN) + p
        ins += le32(1) + le32(len(body)) + body
    if where == "before-end":
        at = [o for o, n, r in rs if r["layer"] == "libxc" and
              r["type"] == "END"][-1]
    else:
        o, n, _ = [x for x in rs if x[2]["layer"] == "libxc" and
                   x[2]["type"] == "PAGE_DATA"][-1]
        at = o + n
    buf[at:at] = ins
    return bytes(buf)


def si_page(magic=True, store=6, console=7, width=8):
    p = bytearray(4096)
    if magic:
        p[0:14] = b"xen-3.0-x86_64"
    if width == 8:
        p[56:64], p[72:80] = le64(store), le64(console)
    else:
        p[44:48], p[52:56] = le32(store), le32(console)
    return bytes(p)


def spray(name, n, store=6, last=True, si_store=None):
    """base name's image with the magic written at the start of n ordinary
    pages other than the start info page, naming xenstore pfn store; with
    last false, the start info page's own magic broken; si_store: its
    xenstore pfn (64-bit)."""
    data, recs = base(name)
    buf = bytearray(data)
    ps = [p for p in pages(buf, framed(recs))
          if p[3] is not None and not p[1] & 7 and p[0] != START_INFO_PFN]
    for p in ps[:n]:
        buf[p[3]:p[3] + 4] = b"xen-"
        buf[p[3] + 56:p[3] + 64] = le64(store)
    si = [p for p in pages(buf, framed(recs)) if p[0] == START_INFO_PFN]
    if not last:
        buf[si[-1][3]] = ord("X")
    if si_store is not None:
        buf[si[-1][3] + 56:si[-1][3] + 64] = le64(si_store)
    return bytes(buf)


# name -> (builder, the first error rule every path must give, or None)
REGRESSIONS = {
    # the start info page sent again without start_info's magic: the file
    # path read it back and refused it, a pipe and gzip passed it
    "si-resend-zero": (lambda: resend("libxc-pv64-v3", bytes(4096)),
                       "libxc.start_info.magic"),
    "si-resend-ff": (lambda: resend("libxc-pv64-v3", b"\xff" * 4096),
                     "libxc.start_info.magic"),
    "si-resend-pv32-xl": (lambda: resend("xl-pv32-v2", bytes(4096),
                                         where="after-page-data"),
                          "libxc.start_info.magic"),
    "si-resend-libvirt": (lambda: resend("libvirt-pv64-v3", b"\xff" * 4096),
                          "libxc.start_info.magic"),
    # sent again with the magic and a xenstore pfn beyond the p2m
    "si-resend-range": (lambda: resend("libxc-pv64-v2",
                                       si_page(store=0x100000)),
                        "libxc.start_info.range"),
    # forgotten, then sent once more with the magic: valid
    "si-resend-back": (lambda: resend("libxc-pv64-v3", bytes(4096),
                                      again=si_page()), None),
    "si-resend-back-pv32": (lambda: resend("libxc-pv32-v3", bytes(4096),
                                           again=si_page(width=4)), None),
    # more pages with the magic than a pipe once kept (16): it gave up
    # and passed what a file refused
    "si-many-broken": (lambda: spray("libxc-pv64-v3", 100, last=False),
                       "libxc.start_info.magic"),
    "si-many-ok": (lambda: spray("xl-pv64-v2", 150, store=0x100000), None),
    "si-many-range": (lambda: spray("libxl-pv64-v2", 40,
                                    si_store=0x100000),
                      "libxc.start_info.range"),
    # sent again with the magic: the newer copy counts
    "si-resend-ok": (lambda: resend("libxl-pv64-v3", si_page(store=7)),
                     None),
}


# ---- running one case through every path ---------------------------------

def first_error(stdout):
    """The first error's rule, with its offset and record index (which
    agree too: RULE@OFFSET#RECORD)."""
    try:
        doc = json.loads(stdout.splitlines()[0])
    except (ValueError, IndexError):
        return "<no JSON>"
    for f in doc["findings"]:
        if f["severity"] == "error":
            return "%s@%s#%s" % (f["rule"], f.get("offset"), f.get("record"))
    return None


def rule_of(first):
    return first.split("@")[0] if first else first


def run(args, data=None):
    """XS args; data: bytes to feed through a pipe, or a path to give as
    standard input (a regular file there)."""
    try:
        if isinstance(data, str):
            with open(data, "rb") as f:
                p = subprocess.run([XS] + args, stdin=f, capture_output=True,
                                   timeout=120)
        else:
            p = subprocess.run([XS] + args, input=data, capture_output=True,
                               timeout=120)
        return p.returncode, p.stdout.decode(errors="replace")
    except subprocess.TimeoutExpired:
        return "timeout", ""


def verify_each(cmd, path, gz, zs):
    """CMD (a verify) on the file, the .gz and the .zst in one run: each
    one's (status, first error), status as a run of its own exits"""
    rc, out = run(cmd + [path, gz, zs])
    docs = out.splitlines() + ["", "", ""]
    seen = {}
    for k, doc in zip(("file", "gzip", "zstd"), docs):
        try:
            seen[k] = (json.loads(doc)["status"], first_error(doc))
        except (ValueError, KeyError, TypeError):
            seen[k] = (rc, "<no JSON>")
    return seen


def check(task):
    """[] or the faults of one case."""
    kind, key = task
    work = os.path.join(DIR, "w%d" % os.getpid())
    os.makedirs(work, exist_ok=True)
    path = os.path.join(work, "in.img")
    want = False
    upgrade = (kind == "regress" or key % UPGRADE_EVERY == 0 or
               (kind == "corpus" and not QUICK))
    if kind == "regress":
        build, want = REGRESSIONS[key]
        data, what = build(), key
    elif kind == "corpus":
        case = corpus_cases.CASES[key]
        corpus_cases.make(XS, os.path.join(DIR, "corpus"), case, out=path)
        data, what = open(path, "rb").read(), "corpus " + case[0]
    else:
        data, what = mutant(key)
    open(path, "wb").write(data)
    gz = path + ".gz"
    open(gz, "wb").write(gzip.compress(data, compresslevel=1, mtime=0))
    # zstd as its tool writes it (one frame, a checksum)
    zs = path + ".zst"
    subprocess.run(["zstd", "-q", "-1", "-f", "-o", zs, path], check=True)

    faults = []
    # the file, the .gz and the .zst in one process, the pipe in another:
    # half the processes, which are most of this test's time
    seen = verify_each(["verify", "--json"], path, gz, zs)
    prc, pout = run(["verify", "--json", "-"], data)
    seen["pipe"] = (prc, first_error(pout))
    for k, (rc, fe) in seen.items():
        if rc not in (0, 1, 3) or fe == "<no JSON>":
            faults.append("verify %s: exit %s, %s" % (k, rc, fe))
    if len(set(seen.values())) != 1:
        faults.append("verify: " + ", ".join(
            "%s exit %s first error %s" % (k, rc, fe)
            for k, (rc, fe) in seen.items()))
    if want is not False and (seen["file"][0], rule_of(seen["file"][1])) != (
            1 if want else 0, want):
        faults.append("verify file: exit %s first error %s, expected %s" %
                      (seen["file"][0], seen["file"][1], want))

    if upgrade:
        outs = {}
        for k, args, inp in (("file", [path], None), ("pipe", ["-"], data),
                             ("gzip", [gz], None), ("zstd", [zs], None),
                             ("<file", ["-"], path)):
            o = os.path.join(work, "up-" + k)
            open(o, "wb").write(SENTINEL)
            rc, _ = run(["upgrade", "-o", o] + args, inp)
            outs[k] = (rc, open(o, "rb").read())
            if rc != 0 and outs[k][1] != SENTINEL:
                faults.append("upgrade %s: exit %s, yet OUT was replaced" %
                              (k, rc))
        # and to standard output, a pipe here (splice rather than a
        # file's copy paths)
        for k, args, inp in (("file>pipe", [path], None),
                             ("pipe>pipe", ["-"], data)):
            try:
                p = subprocess.run([XS, "upgrade"] + args, input=inp,
                                   capture_output=True, timeout=120)
                outs[k] = (p.returncode, p.stdout)
            except subprocess.TimeoutExpired:
                outs[k] = ("timeout", b"")
        rcs = {k: v[0] for k, v in outs.items()}
        # what a refused run wrote to a pipe must not pass for a whole
        # image downstream (END is withheld)
        for k in ("pipe>pipe",):
            if rcs[k] != 0 and outs[k][1] and \
                    run(["verify", "--json", "-"], outs[k][1])[0] == 0:
                faults.append("upgrade %s: refused, yet its partial output "
                              "verifies" % k)
        if want and rcs["pipe"] != 1:
            faults.append("upgrade pipe: exit %s, expected 1" % rcs["pipe"])
        if len(set(rcs.values())) != 1:
            faults.append("upgrade: exit " + ", ".join(
                "%s %s" % kv for kv in rcs.items()))
        good = [k for k in outs if rcs[k] == 0]
        if len(set(outs[k][1] for k in good)) > 1:
            faults.append("upgrade: outputs differ between " +
                          ", ".join(good))
        if good:
            o = os.path.join(work, "up-" + good[0])
            rc, out = run(["verify", "--json", o])
            if rc != 0:
                faults.append("upgrade's output fails verify: %s" %
                              first_error(out))
        # info, verify with an older Xen's rules, and verify from a file
        # as standard input: the same verdict
        for cmd in (["info", "--json"], ["verify", "--json", "--xen", "4.13"],
                    ["verify", "--json"]):
            srcs = (("pipe", ["-"], data), ("<file", ["-"], path))
            if cmd[0] == "info":  # one IN
                srcs = (("file", [path], None), ("gzip", [gz], None),
                        ("zstd", [zs], None)) + srcs
            got = {k: run(cmd + args, inp) for k, args, inp in srcs}
            got = {k: (rc, first_error(out) if cmd[0] == "verify" else None)
                   for k, (rc, out) in got.items()}
            if cmd[0] == "verify":
                got.update(verify_each(cmd, path, gz, zs))
            if len(set(got.values())) != 1:
                faults.append("%s: " % " ".join(cmd) + ", ".join(
                    "%s exit %s %s" % (k, rc, fe or "")
                    for k, (rc, fe) in got.items()))
        # dump and diff walk every page (diff's visitor reads them all):
        # the same exit status; diff against the file itself, the same
        # differences (none when both are read whole)
        for cmd, tail in ((["dump", "--json"], []), (["diff"], [path])):
            got = {k: run(cmd + args + tail, inp) for k, args, inp in
                   (("file", [path], None), ("pipe", ["-"], data),
                    ("gzip", [gz], None), ("zstd", [zs], None))}
            if len(set(rc for rc, _ in got.values())) != 1:
                faults.append("%s: " % cmd[0] + ", ".join(
                    "%s exit %s" % (k, rc) for k, (rc, _) in got.items()))
        # digest runs the upgrade chain into hashes: the same verdict and
        # the same digests (the name column aside)
        dg = {k: run(["digest"] + args, inp) for k, args, inp in
              (("file", [path], None), ("pipe", ["-"], data),
               ("gzip", [gz], None), ("zstd", [zs], None))}
        dg = {k: (rc, [ln.split()[:3] if ln[:1].isspace() else
                       ln.split()[:1] for ln in out.splitlines()])
              for k, (rc, out) in dg.items()}
        if len(set(repr(v) for v in dg.values())) != 1:
            faults.append("digest: " + ", ".join(
                "%s exit %s" % (k, v[0]) for k, v in dg.items()) +
                (" (digests differ)" if len(set(v[0] for v in dg.values()))
                 == 1 else ""))
    if faults:
        keep = os.path.join(DIR, "fail-%s-%s.img" % (kind, key))
        open(keep, "wb").write(data)
        faults = ["%s (%s; image %s)" % (f, what, keep) for f in faults]
    return task, faults, (seen["file"][0], rule_of(seen["file"][1]))


def main():
    os.makedirs(os.path.join(DIR, "corpus"), exist_ok=True)
    gen_bases()
    corpus_cases.gen_bases(GEN, os.path.join(DIR, "corpus"))
    tasks = [("regress", k) for k in REGRESSIONS]
    tasks += [("corpus", i) for i in range(len(corpus_cases.CASES))]
    tasks += [("mutant", SEED + i) for i in range(MUTANTS)]
    passed = failed = 0
    rules = {}
    with multiprocessing.Pool(JOBS) as pool:
        for task, faults, verdict in pool.imap_unordered(check, tasks,
                                                         chunksize=4):
            rules[verdict] = rules.get(verdict, 0) + 1
            if faults:
                failed += 1
                for f in faults:
                    print("FAIL %s %s: %s" % (task[0], task[1], f))
            else:
                passed += 1
    if os.environ.get("XS_VERDICT_STATS"):
        for (rc, r), n in sorted(rules.items(), key=lambda x: -x[1]):
            print("%6d exit %s %s" % (n, rc, r or ""))
    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
