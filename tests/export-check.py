#!/usr/bin/env python3
"""An independent reader for tests/export.sh: the final state of a save
image's memory read straight from its bytes (not through xenstream), and
the exports checked against it.

    export-check.py IMAGE [--raw F] [--elf F] [--core F] [--partial]
                          [--sparse] [--needle-across] [--mutate PFN]
                          [--bytes-at ADDR] [--runs] [--count HEX]
                          [--regex RE]

IMAGE may be gzip or zstd compressed.  The libxc stream is found by its
image header (marker + "XENF"), in whatever container; records are walked
up to END, a later page of a pfn replacing an earlier one; in a libxl
stream a libxc CHECKPOINT hands over to libxl records up to
CHECKPOINT_END.  With --partial the image may end anywhere: whole pages
before the end count.  --mutate PFN changes the last copy of PFN's page
in IMAGE (in place) and prints its first copy's distinctive bytes, its
new bytes and the new bytes' image offset; --needle-across prints 8
bytes across the boundary of two consecutive present pfns and where they
are; --bytes-at ADDR the 8 bytes at guest address ADDR and where they
are; --runs the runs of consecutive present pfns; --count HEX how many
times HEX occurs (overlapping too); --regex RE each match of RE (Python's
re: bytes, DOTALL) in each run of consecutive pfns.  Exit 0 when every
check passed; one line per failure."""
import zlib
import os
import re
import struct
import subprocess
import sys

PAGE = 4096
DATA_TYPES = {0, 1, 2, 3, 4, 9, 10, 11, 12}
fails = []


def fail(msg):
    fails.append(msg)
    print("FAIL:", msg)


def load(path):
    raw = open(path, "rb").read()
    if raw[:2] == b"\x1f\x8b":
        # member after member, as far as the data goes (a truncated
        # file gives what its last member decoded)
        out = bytearray()
        while raw:
            d = zlib.decompressobj(31)
            out += d.decompress(raw)
            raw = d.unused_data if d.eof else b""
        return bytes(out)
    if raw[:4] == b"\x28\xb5\x2f\xfd":
        return subprocess.run(["zstd", "-dc"], input=raw,
                              stdout=subprocess.PIPE).stdout
    return raw


class Image:
    def __init__(self, data, partial=False):
        self.final = {}          # pfn -> offset of its last page
        self.copies = {}         # pfn -> every offset, in order
        self.vcpus = {}          # id -> (rip, body)
        self.hvm_cpus = {}       # instance -> rip
        self.shared_info = None
        self.guest = 0
        self.width = 8
        verify = False           # past VERIFY: pages compared, not copied
        at = data.find(b"\xff" * 8 + b"XENF")
        if at < 0:
            raise SystemExit("no libxc stream")
        in_libxl = data.rfind(b"LibxlFmt", 0, at) >= 0
        self.guest = struct.unpack_from("<I", data, at + 24)[0]
        at += 40
        while at + 8 <= len(data):
            typ, length = struct.unpack_from("<II", data, at)
            body = at + 8
            end = body + length
            if typ == 0x01 and body + 8 <= len(data):
                count = struct.unpack_from("<I", data, body)[0]
                page = body + 8 + 8 * count
                for i in range(count):
                    if body + 16 + 8 * i > len(data):
                        break
                    e = struct.unpack_from("<Q", data, body + 8 + 8 * i)[0]
                    if (e >> 60) not in DATA_TYPES:
                        continue
                    pfn = e & ((1 << 52) - 1)
                    if page + PAGE <= len(data) and page + PAGE <= end:
                        if not verify:
                            self.final[pfn] = page
                        self.copies.setdefault(pfn, []).append(page)
                    page += PAGE
            if end > len(data):
                if not partial:
                    raise SystemExit("truncated image")
                break
            b = data[body:end]
            if typ == 0x0d:
                verify = True
            elif typ == 0x02:
                self.width = b[0]
            elif typ == 0x04:
                vid = struct.unpack_from("<I", b, 0)[0]
                ctx = b[8:]
                rip = (struct.unpack_from("<Q", ctx, 520 + 128)[0]
                       if self.width == 8 else
                       struct.unpack_from("<I", ctx, 516 + 32)[0])
                self.vcpus[vid] = (rip, ctx)
            elif typ == 0x07:
                self.shared_info = b[:PAGE]
            elif typ == 0x09:
                o = 0
                while o + 8 <= len(b):
                    code, inst, ln = struct.unpack_from("<HHI", b, o)
                    if code == 0:
                        break
                    if code == 2 and ln >= 1016:
                        self.hvm_cpus[inst] = struct.unpack_from(
                            "<Q", b, o + 8 + 640)[0]
                    o += 8 + ln
            at = end + ((8 - length % 8) % 8)
            if typ == 0:
                break
            if typ == 0x0e and in_libxl:
                # libxl records up to CHECKPOINT_END (type 4)
                while at + 8 <= len(data):
                    lt, ll = struct.unpack_from("<II", data, at)
                    at += 8 + ll + ((8 - ll % 8) % 8)
                    if lt == 4:
                        break
        self.data = data
        self.pfns = sorted(self.final)

    def page(self, pfn):
        o = self.final[pfn]
        return self.data[o:o + PAGE]

    def segments(self):
        """(first pfn, bytes) of each run of consecutive present pfns"""
        first, pages = None, []
        for pfn in self.pfns:
            if pages and pfn != first + len(pages):
                yield first, b"".join(pages)
                pages = []
            if not pages:
                first = pfn
            pages.append(self.page(pfn))
        if pages:
            yield first, b"".join(pages)

    def rips(self):
        if self.guest == 2:
            return dict(self.hvm_cpus)
        return {k: v[0] for k, v in self.vcpus.items()}


def sample(pfns):
    """Every pfn of a small image; of a larger one, a spread and the ends."""
    if len(pfns) <= 4096:
        return pfns
    step = len(pfns) // 2048
    return sorted(set(pfns[::step] + pfns[:16] + pfns[-16:]))


def check_raw(img, path, sparse):
    st = os.stat(path)
    want = (img.pfns[-1] + 1) * PAGE if img.pfns else 0
    if st.st_size != want:
        fail(f"raw: size {st.st_size}, expected {want}")
    with open(path, "rb") as f:
        present = set(img.pfns)
        for pfn in sample(img.pfns):
            f.seek(pfn * PAGE)
            if f.read(PAGE) != img.page(pfn):
                fail(f"raw: pfn {pfn:#x} differs")
                return
        # absent pfns read as zeros
        absent = [p for p in range(0, img.pfns[-1] + 1 if img.pfns else 0)
                  if p not in present][:256]
        for pfn in absent:
            f.seek(pfn * PAGE)
            if f.read(PAGE) != bytes(PAGE):
                fail(f"raw: absent pfn {pfn:#x} is not zero")
                return
    if sparse:
        # every all-zero page is a hole, a single one between data pages
        # too (core/export.c export_raw), and so is every absent pfn:
        # SEEK_DATA from the page's start lands past it.  The blocks
        # allocated are those of the data pages (and some metadata).
        zero, data, lone = [], [], 0
        for p in img.pfns:
            if img.page(p) == bytes(PAGE):
                zero.append(p)
            else:
                data.append(p)
        written = len(data)
        fd = os.open(path, os.O_RDONLY)
        try:
            def hole(pfn):
                try:
                    return os.lseek(fd, pfn * PAGE, os.SEEK_DATA) >= \
                        (pfn + 1) * PAGE
                except OSError:  # ENXIO: only a hole up to the end
                    return True
            for pfn in sample(zero):
                if not hole(pfn):
                    fail(f"raw: zero pfn {pfn:#x} is not a hole")
                    return
            for pfn in zero:
                if (pfn - 1 in present and pfn + 1 in present and
                        img.page(pfn - 1) != bytes(PAGE) and
                        img.page(pfn + 1) != bytes(PAGE)):
                    lone += 1
                    if not hole(pfn) or hole(pfn - 1) or hole(pfn + 1):
                        fail(f"raw: lone zero pfn {pfn:#x}: not a hole "
                             "between data")
                        return
                    if lone >= 64:
                        break
            for pfn in sample(data):
                if hole(pfn):
                    fail(f"raw: data pfn {pfn:#x} is a hole")
                    return
        finally:
            os.close(fd)
        used = st.st_blocks * 512
        if used > written * PAGE + (256 << 10):
            fail(f"raw: {used} bytes allocated for {written} pages to write")


def parse_elf(path):
    d = open(path, "rb").read()
    if d[:4] != b"\x7fELF" or d[4] != 2 or d[5] != 1:
        fail(f"{path}: not an ELF64 LSB file")
        return None, None, None, d
    (etype, machine, _, _, phoff, shoff, _, _, phentsize, phnum,
     shentsize, shnum, shstrndx) = struct.unpack_from("<HHIQQQIHHHHHH", d, 16)
    if etype != 4:
        fail(f"{path}: e_type {etype}, not ET_CORE")
    shdrs = []
    for i in range(shnum):
        shdrs.append(struct.unpack_from("<IIQQQQIIQQ", d, shoff + i * 64))
    if phnum == 0xffff:
        phnum = shdrs[0][7]
    phdrs = [struct.unpack_from("<IIQQQQQQ", d, phoff + i * 56)
             for i in range(phnum)]
    return (machine, shstrndx), phdrs, shdrs, d


def notes(d, off, size):
    out = []
    end = off + size
    while off + 12 <= end:
        namesz, descsz, typ = struct.unpack_from("<III", d, off)
        name = d[off + 12:off + 12 + namesz].rstrip(b"\0")
        doff = off + 12 + ((namesz + 3) & ~3)
        out.append((name, typ, d[doff:doff + descsz]))
        off = doff + ((descsz + 3) & ~3)
    return out


def check_elf(img, path):
    hdr, phdrs, shdrs, d = parse_elf(path)
    if hdr is None:
        return
    covered = {}
    prstatus = []
    loads = sorted((p[4], p[5]) for p in phdrs if p[0] == 1)
    for (a, la), (b, _) in zip(loads, loads[1:]):
        if a + la >= b:
            fail(f"elf: PT_LOAD {a:#x} and {b:#x} touch or overlap: "
                 "one run of pfns, one segment")
    for (ptype, flags, off, vaddr, paddr, filesz, memsz, align) in phdrs:
        if ptype == 4:
            prstatus = [n for n in notes(d, off, filesz) if n[1] == 1]
        elif ptype == 1:
            if vaddr != paddr or filesz != memsz or filesz % PAGE or \
                    paddr % PAGE or off % PAGE:
                fail(f"elf: PT_LOAD {paddr:#x} malformed")
            for k in range(filesz // PAGE):
                covered[paddr // PAGE + k] = off + k * PAGE
    if sorted(covered) != img.pfns:
        fail(f"elf: {len(covered)} pfns loaded, image has {len(img.pfns)}")
    for pfn in sample(img.pfns):
        o = covered.get(pfn)
        if o is None or d[o:o + PAGE] != img.page(pfn):
            fail(f"elf: pfn {pfn:#x} differs")
            break
    rips = img.rips()
    if len(prstatus) != len(rips):
        fail(f"elf: {len(prstatus)} NT_PRSTATUS, image has {len(rips)} vCPUs")
    for (name, typ, desc) in prstatus:
        pid = struct.unpack_from("<I", desc, 32)[0] - 1  # vCPU id + 1
        rip = struct.unpack_from("<Q", desc, 112 + 16 * 8)[0]
        if name != b"CORE" or rips.get(pid) != rip:
            fail(f"elf: vcpu {pid} rip {rip:#x}, image {rips.get(pid)}")
        if img.guest != 2 and img.width == 8 and pid in img.vcpus:
            # a 64-bit PV vCPU's live GS base: the kernel's when Xen's
            # VGCF_in_kernel (1 << 2) is set in flags, else the user's
            ctx = img.vcpus[pid][1]
            kernel = struct.unpack_from("<Q", ctx, 512)[0] & 4
            want = struct.unpack_from("<Q", ctx, 5152 if kernel else 5160)[0]
            gs = struct.unpack_from("<Q", desc, 112 + 22 * 8)[0]
            if gs != want:
                fail(f"elf: vcpu {pid} gs_base {gs:#x}, image {want:#x}")


def hvm_skipped(pfn):
    # xg_core_x86.c xc_core_arch_gpfn_may_present()
    return 0xa0 <= pfn < 0xc0 or 0xf0000 <= pfn < 0x100000


def check_core(img, path):
    hdr, phdrs, shdrs, d = parse_elf(path)
    if hdr is None:
        return
    machine, shstrndx = hdr
    if phdrs:
        fail("xc-core: has program headers")
    st = shdrs[shstrndx]
    names = []
    for s in shdrs:
        n = d[st[4] + s[0]:].split(b"\0", 1)[0].decode()
        names.append(n)
    pv = img.guest == 1
    want = ["", ".shstrtab", ".note.Xen", ".xen_prstatus"]
    if pv and img.shared_info is not None:
        want.append(".xen_shared_info")
    want += [".xen_pages", ".xen_p2m" if pv else ".xen_pfn"]
    if names != want:
        fail(f"xc-core: sections {names}, expected {want}")
        return
    sec = {n: s for n, s in zip(names, shdrs)}
    ns = notes(d, sec[".note.Xen"][4], sec[".note.Xen"][5])
    if [(n[0], n[1]) for n in ns] != [(b"Xen", 0x2000000 + i)
                                       for i in range(4)]:
        fail(f"xc-core: notes {[(n[0], hex(n[1])) for n in ns]}")
        return
    magic, nvcpus, npages, psize = struct.unpack_from("<QQQQ", ns[1][2])
    want_magic = 0xF00FEBED if pv else 0xF00FEBEE
    if magic != want_magic or psize != PAGE:
        fail(f"xc-core: header note magic {magic:#x} page size {psize}")
    if struct.unpack_from("<Q", ns[3][2])[0] != 1:
        fail("xc-core: format version is not (0, 1)")
    if machine != (3 if pv and img.width == 4 else 62):
        fail(f"xc-core: e_machine {machine}")
    pfns = [p for p in img.pfns if pv or not hvm_skipped(p)]
    if npages != len(pfns):
        fail(f"xc-core: {npages} pages, expected {len(pfns)}")
    m = sec[".xen_p2m" if pv else ".xen_pfn"]
    ent = 16 if pv else 8
    got = [struct.unpack_from("<Q", d, m[4] + i * ent)[0]
           for i in range(npages)]
    if got != pfns:
        fail("xc-core: the pfn table is not the image's pfns in order")
        return
    pages = sec[".xen_pages"][4]
    idx = {p: i for i, p in enumerate(pfns)}
    for pfn in sample(pfns):
        o = pages + idx[pfn] * PAGE
        if d[o:o + PAGE] != img.page(pfn):
            fail(f"xc-core: pfn {pfn:#x} differs")
            break
    rips = img.rips()
    pr = sec[".xen_prstatus"]
    if nvcpus != len(rips) or pr[5] != 5168 * nvcpus:
        fail(f"xc-core: {nvcpus} vCPUs, image has {len(rips)}")
    for i, vid in enumerate(sorted(rips)):
        base = pr[4] + i * 5168
        rip = (struct.unpack_from("<Q", d, base + 520 + 128)[0]
               if img.width == 8 or not pv else
               struct.unpack_from("<I", d, base + 516 + 32)[0])
        if rip != rips[vid]:
            fail(f"xc-core: vcpu {vid} rip {rip:#x}, image {rips[vid]:#x}")
        if pv and d[base:base + len(img.vcpus[vid][1])] != img.vcpus[vid][1]:
            fail(f"xc-core: vcpu {vid} context differs from the image's")
    if ".xen_shared_info" in sec:
        s = sec[".xen_shared_info"]
        if d[s[4]:s[4] + PAGE] != img.shared_info.ljust(PAGE, b"\0"):
            fail("xc-core: shared info differs")


def main(args):
    global fails
    if args[0] == "--batch":
        # one check a line (its arguments, separated by tabs): one
        # interpreter for a whole test run
        bad = 0
        for line in open(args[1]):
            fails = []
            if main(line.rstrip("\n").split("\t")) != 0:
                print("FAIL: in check", line.strip())
                bad += 1
        return 1 if bad else 0
    path = args.pop(0)
    opts = {}
    while args:
        a = args.pop(0)
        if a in ("--partial", "--sparse", "--needle-across", "--runs"):
            opts[a] = True
        else:
            opts[a] = args.pop(0)
    if "--mutate" in opts:
        raw = bytearray(open(path, "rb").read())
        img = Image(bytes(raw))
        pfn = int(opts["--mutate"], 0)
        first, last = img.copies[pfn][0], img.copies[pfn][-1]
        old = bytes(raw[first + 100:first + 116])
        new = bytes((b ^ 0xa5) for b in old)
        raw[last + 100:last + 116] = new
        open(path, "wb").write(raw)
        print(old.hex(), new.hex(), hex(last + 100))
        return 0
    try:
        img = Image(load(path), partial="--partial" in opts)
    except SystemExit as e:
        fail(f"{path}: {e}")
        return 1
    if "--count" in opts:
        # matches of HEX (overlapping ones too) in each run of
        # consecutive present pfns, as search reports them
        needle = bytes.fromhex(opts["--count"])
        n = 0
        for _, seg in img.segments():
            i = seg.find(needle)
            while i >= 0:
                n += 1
                i = seg.find(needle, i + 1)
        print(n)
        return 0
    if "--regex" in opts:
        # Python's re (bytes, DOTALL) over each run of consecutive present
        # pfns: ADDRESS LENGTH of each match, as search --regex prints them
        rx = re.compile(opts["--regex"].encode("latin-1"), re.DOTALL)
        for first, seg in img.segments():
            for m in rx.finditer(seg):
                if m.end() > m.start():
                    print(hex(first * PAGE + m.start()), m.end() - m.start())
        return 0
    if "--needle-across" in opts:
        for a, b in zip(img.pfns, img.pfns[1:]):
            if b == a + 1:
                n = img.page(a)[-4:] + img.page(b)[:4]
                print(n.hex(), hex(b * PAGE - 4), hex(img.final[a] + PAGE - 4))
                return 0
        return 1
    if "--runs" in opts:
        # the runs of consecutive present pfns: FIRST LAST a line
        for first, seg in img.segments():
            print(hex(first), hex(first + len(seg) // PAGE - 1))
        return 0
    if "--bytes-at" in opts:
        # 8 bytes from guest address ADDR on, which must lie in present
        # pfns one after the other: a needle placed where search's
        # windows meet
        addr = int(opts["--bytes-at"], 0)
        pfn, at = divmod(addr, PAGE)
        need = (at + 8 + PAGE - 1) // PAGE
        if any(p not in img.final for p in range(pfn, pfn + need)):
            return 1
        b = b"".join(img.page(p) for p in range(pfn, pfn + need))
        print(b[at:at + 8].hex(), hex(addr), hex(img.final[pfn] + at))
        return 0
    if "--raw" in opts:
        check_raw(img, opts["--raw"], "--sparse" in opts)
    if "--elf" in opts:
        check_elf(img, opts["--elf"])
    if "--core" in opts:
        check_core(img, opts["--core"])
    return 1 if fails else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
