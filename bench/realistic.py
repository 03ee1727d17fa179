#!/usr/bin/env python3
"""A save image whose pages look like a real guest's, for the compression
rows of bench/bench.sh: xs-gen's structure (an xl save file of an HVM
guest, generated with --zero-pages) with its page payloads filled in
place, page by page, by a fixed pseudo-random choice:

  80%  zero pages (free memory: a real 128 MiB save, 143 MB, compresses to
       15 MB, mostly because of these)
   9%  machine code: pages of this machine's libc and python, the same few
       hundred pages again and again (the kernel and the libraries every
       process maps)
   9%  text: pages of this machine's man pages and licences
   2%  random bytes (page cache of compressed or encrypted files)
(about 10x with gzip -1, as the real save)

    realistic.py XENSTREAM IMAGE [SEED]

The image is rewritten in place; which bytes are pages comes from
`xenstream dump --json --pages` (each PAGE_DATA record's offset, length
and pfn count), so nothing but page contents changes and the image stays
valid.  Not a test input: the tests use xs-gen's own patterns.
"""
import glob
import gzip
import json
import mmap
import os
import random
import subprocess
import sys

PAGE = 4096


def pool(paths, limit):
    """Distinct non-zero pages from the files, up to limit."""
    pages = []
    for p in paths:
        try:
            data = open(p, "rb").read()
        except OSError:
            continue
        if p.endswith(".gz"):
            try:
                data = gzip.decompress(data)
            except OSError:
                continue
        for i in range(0, len(data) - PAGE + 1, PAGE):
            page = data[i:i + PAGE]
            if page.count(0) < PAGE // 2:
                pages.append(page)
            if len(pages) >= limit:
                return pages
    return pages


def main():
    xs, img = sys.argv[1], sys.argv[2]
    rnd = random.Random(int(sys.argv[3]) if len(sys.argv) > 3 else 1)
    code = pool(sorted(glob.glob("/usr/lib/x86_64-linux-gnu/libc.so*")) +
                sorted(glob.glob("/usr/bin/python3*")), 400)
    text = pool(sorted(glob.glob("/usr/share/man/man1/*.gz"))[:400] +
                sorted(glob.glob("/usr/share/common-licenses/*")), 2000)
    if not code or not text:
        sys.exit("realistic.py: no libc/python or man pages to take pages from")
    dump = subprocess.run([xs, "dump", "--json", "--pages", img],
                          check=True, capture_output=True).stdout
    records = [r for r in json.loads(dump)["records"]
               if r["type"] == "PAGE_DATA" and r["layer"] == "libxc"]
    with open(img, "r+b") as f:
        m = mmap.mmap(f.fileno(), 0)
        for r in records:
            start = r["offset"] + 16 + 8 * r["fields"]["pfns"]
            end = r["offset"] + 8 + r["length"]
            for at in range(start, end - PAGE + 1, PAGE):
                x = rnd.random()
                if x < 0.80:
                    continue  # zero, as generated
                if x < 0.89:
                    m[at:at + PAGE] = code[rnd.randrange(len(code))]
                elif x < 0.98:
                    m[at:at + PAGE] = text[rnd.randrange(len(text))]
                else:
                    m[at:at + PAGE] = rnd.randbytes(PAGE)
        m.flush()
        m.close()
    os.utime(img)


if __name__ == "__main__":
    main()
