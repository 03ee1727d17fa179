"""The malformed corpus's cases, shared by corpus.py (both checkers) and
verdicts.py (file, pipe and gzip give one verdict).

Each case patches one fault into a valid v3 stream made by xs-gen (bare
libxc PV and HVM, libxl, xl), locating records with
`xenstream dump --json`."""
import functools
import json
import os
import struct
import subprocess

BASES = {
    "pv64": ["--guest", "pv64"],
    "pv32": ["--guest", "pv32"],
    "hvm": ["--guest", "hvm"],
    "libxl-pv64": ["--guest", "pv64", "--container", "libxl"],
    "xl-pv64": ["--guest", "pv64", "--container", "xl"],
    "xl-hvm": ["--guest", "hvm", "--container", "xl"],
}


def records(xs, path):
    st = os.stat(path)
    return _records(xs, path, st.st_mtime_ns, st.st_size)


@functools.lru_cache(maxsize=64)
def _records(xs, path, mtime, size):
    """dump --json once per version of a file: every case of a base reads
    the same records"""
    out = subprocess.run([xs, "dump", "--json", "--pages", path],
                         capture_output=True, text=True).stdout
    return json.loads(out)["records"]


def find(xs, path, layer, rtype, nth=0):
    hits = [r for r in records(xs, path) if r["layer"] == layer and r["type"] == rtype]
    return hits[nth]["offset"]


def le32(v):
    return struct.pack("<I", v)


def le64(v):
    return struct.pack("<Q", v)


# name, base, vsv2 format, (layer, type, nth) or None, offset, bytes, rule
CASES = [
    ("ihdr-id", "pv64", "libxc", None, 8, b"Y", "libxc.ihdr.id"),
    ("ihdr-version", "pv64", "libxc", None, 15, b"\x07", "libxc.ihdr.version"),
    ("ihdr-options", "pv64", "libxc", None, 17, b"\x02", "libxc.reserved"),
    ("ihdr-bigendian", "pv64", "libxc", None, 17, b"\x01", "libxc.ihdr.big_endian"),
    ("dhdr-type", "pv64", "libxc", None, 24, b"\x09", "libxc.dhdr.type"),
    ("dhdr-shift", "pv64", "libxc", None, 28, b"\x0d", "libxc.dhdr.page_shift"),
    ("rec-unknown", "pv64", "libxc", ("libxc", "X86_PV_INFO", 0), 0, le32(0x33), "libxc.unknown"),
    ("rec-optional", "pv64", "libxc", ("libxc", "X86_PV_INFO", 0), 0, le32(0x80000033), "libxc.optional"),
    ("pvinfo-width", "pv64", "libxc", ("libxc", "X86_PV_INFO", 0), 8, b"\x05", "libxc.pv_info.combination"),
    ("pvinfo-length", "pv64", "libxc", ("libxc", "X86_PV_INFO", 0), 4, le32(16), "libxc.pv_info.length"),
    ("pvinfo-reserved", "pv64", "libxc", ("libxc", "X86_PV_INFO", 0), 13, b"\x01", "libxc.reserved"),
    ("p2m-range", "pv64", "libxc", ("libxc", "X86_PV_P2M_FRAMES", 0), 8, le32(0x1000), "libxc.p2m_frames.range"),
    ("page-count0", "pv64", "libxc", ("libxc", "PAGE_DATA", 0), 8, le32(0), "libxc.page_data.count"),
    ("page-type", "pv64", "libxc", ("libxc", "PAGE_DATA", 0), 16 + 7, b"\x50", "libxc.page_data.type"),
    ("page-pfnres", "pv64", "libxc", ("libxc", "PAGE_DATA", 0), 16 + 6, b"\x10", "libxc.page_data.pfn_reserved"),
    ("page-length", "pv64", "libxc", ("libxc", "PAGE_DATA", 0), 16 + 7, b"\xf0", "libxc.page_data.length"),
    ("page-pfnrange", "pv64", "libxc", ("libxc", "PAGE_DATA", 0), 16 + 2, b"\x10", "libxc.page_data.pfn_range"),
    ("page-reserved", "pv64", "libxc", ("libxc", "PAGE_DATA", 0), 12, b"\x01", "libxc.reserved"),
    ("pte-range", "pv64", "libxc", ("libxc", "PAGE_DATA", 0), None, None, "libxc.pte.range"),
    ("shinfo-length", "pv64", "libxc", ("libxc", "SHARED_INFO", 0), 4, le32(4088), "libxc.shared_info.length"),
    ("tsc-reserved", "pv64", "libxc", ("libxc", "X86_TSC_INFO", 0), 28, b"\x01", "libxc.reserved"),
    ("vcpu-basic-size", "pv64", "libxc", ("libxc", "X86_PV_VCPU_BASIC", 0), 4, le32(8 + 2800), "libxc.vcpu.basic_size"),
    ("vcpu-ext-size", "pv64", "libxc", ("libxc", "X86_PV_VCPU_EXTENDED", 0), 4, le32(8 + 136), "libxc.vcpu.extended_size"),
    ("vcpu-xsave-size", "pv64", "libxc", ("libxc", "X86_PV_VCPU_XSAVE", 0), 4, le32(8 + 8), "libxc.vcpu.xsave_size"),
    ("vcpu-msrs-size", "pv64", "libxc", ("libxc", "X86_PV_VCPU_MSRS", 0), 4, le32(8 + 8), "libxc.vcpu.msrs_size"),
    ("vcpu-start-info", "pv64", "libxc", ("libxc", "X86_PV_VCPU_BASIC", 0), 16 + 616 + 2, b"\x10", "libxc.vcpu.start_info"),
    ("vcpu-gdt-ents", "pv64", "libxc", ("libxc", "X86_PV_VCPU_BASIC", 0), 16 + 4960 + 1, b"\x40", "libxc.vcpu.gdt"),
    ("vcpu-cr3", "pv64", "libxc", ("libxc", "X86_PV_VCPU_BASIC", 1), 16 + 5008 + 4, b"\x10", "libxc.vcpu.cr3"),
    ("vcpu-cr3-pae", "pv32", "libxc", ("libxc", "X86_PV_VCPU_BASIC", 0), 16 + 2728 + 3, b"\x10", "libxc.vcpu.cr3"),
    ("vcpu-cr3-type", "pv64", "libxc", ("libxc", "X86_PV_VCPU_BASIC", 0), 16 + 5008, le64(0), "libxc.vcpu.pfn_type"),
    ("vcpu-start-info-type", "pv64", "libxc", ("libxc", "X86_PV_VCPU_BASIC", 0), 16 + 616, le64(1), "libxc.vcpu.pfn_type"),
    ("start-info-missing", "pv64", "libxc", ("libxc", "PAGE_DATA", 0), 16 + 8 * 5, le64(4), "libxc.start_info.missing"),
    ("start-info-xenstore", "pv64", "libxc", ("libxc", "PAGE_DATA", 0), 16 + 8 * 512 + 5 * 4096 + 56, le64(0x100000), "libxc.start_info.range"),
    ("start-info-console", "pv64", "libxc", ("libxc", "PAGE_DATA", 0), 16 + 8 * 512 + 5 * 4096 + 72, le64(0x100000), "libxc.start_info.range"),
    ("vcpu-cr1", "pv64", "libxc", ("libxc", "X86_PV_VCPU_BASIC", 0), 16 + 4992, le64((0x200000 << 12) | 1), "libxc.vcpu.cr1"),
    ("vcpu-reserved", "pv64", "libxc", ("libxc", "X86_PV_VCPU_BASIC", 0), 12, b"\x01", "libxc.reserved"),
    ("sde-twice", "pv64", "libxc", ("libxc", "X86_PV_P2M_FRAMES", 0), None, "sde", "libxc.sde.duplicate"),
    ("sde-missing", "pv64", "libxc", ("libxc", "STATIC_DATA_END", 0), 0, le32(0x80000010), "libxc.sde.missing"),
    ("policy-after-sde", "hvm", "libxc", ("libxc", "X86_CPUID_POLICY", 0), None, "swap", "libxc.policy.after_sde"),
    ("policy-length", "hvm", "libxc", ("libxc", "X86_CPUID_POLICY", 0), 4, le32(20), "libxc.policy.length"),
    # an MSR entry's flags: Xen refuses them (x86_msr_copy_from_buffer())
    ("msr-flags", "hvm", "libxc", ("libxc", "X86_MSR_POLICY", 0), 12, b"\x01", "policy.msr.flags"),
    ("hvm-params-length", "hvm", "libxc", ("libxc", "HVM_PARAMS", 0), 8, le32(7), "libxc.hvm_params.length"),
    ("hvm-ctx-header", "hvm", "libxc", ("libxc", "HVM_CONTEXT", 0), 8, b"\x02", "libxc.hvm_context.header"),
    ("hvm-ctx-magic", "hvm", "libxc", ("libxc", "HVM_CONTEXT", 0), 16, b"\x00", "libxc.hvm_context.magic"),
    ("hvm-pv-record", "hvm", "libxc", ("libxc", "X86_TSC_INFO", 0), 0, le32(7), "libxc.guest.unhandled"),
    ("end-length", "hvm", "libxc", ("libxc", "END", 0), 4, le32(8), "libxc.truncated"),
    ("libxl-ident", "libxl-pv64", "libxl", None, 0, b"X", "detect.unknown"),
    ("libxl-version", "libxl-pv64", "libxl", None, 11, b"\x03", "libxl.hdr.version"),
    ("libxl-options", "libxl-pv64", "libxl", None, 14, b"\x01", "libxl.reserved"),
    ("libxl-unknown", "libxl-pv64", "libxl", ("libxl", "libxl END", 0), 0, le32(9), "libxl.unknown"),
    ("libxl-ctx-length", "libxl-pv64", "libxl", ("libxl", "LIBXC_CONTEXT", 0), 4, le32(8), "libxl.length"),
    ("vcpu-id-range", "xl-pv64", "xl", None, 0, "max_vcpus", "libxc.vcpu.id_range"),
    ("hvm-vcpu-id-range", "xl-hvm", "xl", None, 0, "max_vcpus", "libxc.vcpu.id_range"),
    ("xl-byteorder", "xl-pv64", "xl", None, 32, b"\x05", "xl.hdr.byteorder"),
    ("xl-mandatory", "xl-pv64", "xl", None, 36, b"\x07", "xl.hdr.mandatory_flags"),
]


def make(xs, dir, case, out=None):
    """The case's image from DIR/BASE.v3 (gen_bases()), written to out
    (default DIR/m-NAME); its path."""
    name, base, _, sel, off, data, _ = case
    buf = bytearray(open(os.path.join(dir, base + ".v3"), "rb").read())
    at = find(xs, os.path.join(dir, base + ".v3"), *sel) if sel else 0
    if data is None:  # a present PTE beyond the p2m in the first L1 page
        count = struct.unpack_from("<I", buf, at + 8)[0]
        pfns = [struct.unpack_from("<Q", buf, at + 16 + 8 * i)[0] for i in range(count)]
        page = 0
        for e in pfns:
            t = e >> 60
            if t in (1, 2, 3, 4, 9, 10, 11, 12):
                break
            page += 1 if t <= 4 or 9 <= t <= 12 else 0
        p = at + 16 + 8 * count + 4096 * page
        buf[p:p + 8] = le64((0x100000 << 12) | 0x67)
    elif data == "max_vcpus":  # the xl config gives the domain one vCPU
        assert buf.count(b'"max_vcpus": 2') == 1
        buf = bytearray(buf.replace(b'"max_vcpus": 2', b'"max_vcpus": 1'))
    elif data == "sde":  # a second STATIC_DATA_END before the p2m
        buf[at:at] = le32(0x10) + le32(0)
    elif data == "swap":  # the CPUID policy moved after STATIC_DATA_END
        ln = struct.unpack_from("<I", buf, at + 4)[0]
        rec = buf[at:at + 8 + ((ln + 7) & ~7)]
        del buf[at:at + len(rec)]
        sde = find(xs, os.path.join(dir, base + ".v3"), "libxc", "STATIC_DATA_END") - len(rec)
        buf[sde + 8:sde + 8] = rec
    else:
        buf[at + off:at + off + len(data)] = data
    path = out or os.path.join(dir, "m-" + name)
    open(path, "wb").write(buf)
    return path


def gen_bases(gen, dir):
    for name, args in BASES.items():
        subprocess.run([gen, "--version", "3", "--pages", "1500", "--batch",
                        "512", "-o", os.path.join(dir, name + ".v3")] + args,
                       check=True)
