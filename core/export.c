/* export: the guest's final memory (memory.c) written as Xen's dump-core,
 * a plain ELF64 core or a raw file; the bytes of headers and notes are
 * formats/elfcore.c's.  Pages are copied from the input by offset (a
 * kernel copy where both ends allow, else 1 MiB reads), never held. */
#include <stdlib.h>
#include <string.h>

#include "bigmem.h"
#include "elfcore.h"
#include "fileio.h"
#include "libxc.h"
#include "memory.h"

#define XS_EXPORT_BUF (1u << 20)
#define XS_EXPORT_PAGES 256u /* XS_EXPORT_BUF / XS_PAGE_SIZE */
_Static_assert(XS_EXPORT_PAGES * XS_PAGE_SIZE == XS_EXPORT_BUF,
               "the buffer holds whole pages");

int xs_export_format_parse(const char *s, enum xs_export_format *f)
{
    if (strcmp(s, "xc-core") == 0)
        *f = XS_EXPORT_XC_CORE;
    else if (strcmp(s, "elf") == 0)
        *f = XS_EXPORT_ELF;
    else if (strcmp(s, "raw") == 0)
        *f = XS_EXPORT_RAW;
    else
        return XS_USAGE;
    return XS_OK;
}

struct exp {
    struct xs_memory *m;
    struct xs_out *out;
    struct xs_report *rep;
    const struct xs_export_opts *o;
    struct xs_export_result *res;
    uint8_t *buf;            /* XS_EXPORT_BUF, when reads are needed */
    struct xs_bigmem buf_mem; /* buf's (bigmem.h: it is filled in full) */
};

static int need_buf(struct exp *e)
{
    if (!e->buf &&
        !(e->buf = xs_bigmem_alloc(&e->buf_mem, XS_EXPORT_BUF, XS_EXPORT_BUF))) {
        xs_report_add(e->rep, XS_SEV_ERROR, "io", 0, -1, "export",
                      "out of memory");
        return XS_IO;
    }
    return XS_OK;
}

/* n pages of the input from off to the output, as they are. */
static int copy_pages(struct exp *e, uint64_t off, uint64_t n)
{
    uint64_t len = n * XS_PAGE_SIZE;
    e->res->pages += n;
    if (xs_out_can_copy_range(e->out, e->m->in))
        return xs_out_copy_range(e->out, e->m->in, off, len);
    int rc = need_buf(e);
    while (rc == XS_OK && len > 0) {
        size_t t = len < XS_EXPORT_BUF ? (size_t)len : XS_EXPORT_BUF;
        rc = xs_mem_pread(e->m, off, e->buf, t);
        if (rc == XS_OK)
            rc = xs_out_write(e->out, e->buf, t);
        off += t;
        len -= t;
    }
    return rc;
}

static bool page_is_zero(const uint8_t *p)
{
    /* the first word settles most pages; memcmp with itself shifted by
     * 16 bytes checks the rest at memcmp's speed */
    static const uint8_t zero[16];
    return memcmp(p, zero, 16) == 0 &&
           memcmp(p, p + 16, XS_PAGE_SIZE - 16) == 0;
}

int xs_memory_zero_pages(struct xs_memory *m, uint64_t *zero)
{
    struct xs_bigmem mem; /* filled in full: bigmem.h */
    uint8_t *buf = xs_bigmem_alloc(&mem, XS_EXPORT_BUF, XS_EXPORT_BUF);
    int rc = buf ? XS_OK : XS_IO;
    *zero = 0;
    for (size_t i = 0; rc == XS_OK && i < m->nruns; i++) {
        uint64_t off = m->runs[i].off, left = m->runs[i].n;
        while (rc == XS_OK && left > 0) {
            uint64_t t = left < XS_EXPORT_PAGES ? left : XS_EXPORT_PAGES;
            if ((rc = xs_mem_pread(m, off, buf, t * XS_PAGE_SIZE)) != XS_OK)
                break;
            /* (t >= 1: cppcheck takes the ternary's bound for its value) */
            /* cppcheck-suppress knownConditionTrueFalse */
            for (uint64_t p = 0; p < t; p++)
                *zero += page_is_zero(buf + p * XS_PAGE_SIZE);
            off += t * XS_PAGE_SIZE;
            left -= t;
        }
    }
    xs_bigmem_free(&mem);
    return rc == XS_OK ? xs_mem_unchanged(m) : rc;
}

/* ---- raw: file offset = guest-physical address --------------------- */

/* Every zero page is a hole, as the issue asks: a data run is one write
 * and a run of zero pages only moves the output's offset (xs_out_hole():
 * the writes after it are pwrite()s at their own offsets, on the ring's
 * thread; the size comes at commit when the file ends in one).  The write
 * call per data run is what bounds it: the bench's synthetic image, a
 * single zero page after every three data pages, takes 32768 calls per
 * 512 MiB, and those calls alone take 1.57x cp (bench/sparse_writer.c);
 * io_uring took twice as long again (its writes to ext4 go through its
 * worker threads).  What such a file costs is its extents (one per data
 * run) when it is deleted or overwritten on a file system mounted with
 * discard. */
static int export_raw(struct exp *e)
{
    const struct xs_memory *m = e->m;
    uint64_t at = 0; /* output offset (pfn * page size) */
    int rc = XS_OK;
    for (size_t i = 0; rc == XS_OK && i < m->nruns; i++) {
        const struct xs_mem_run *r = &m->runs[i];
        uint64_t addr = r->pfn * XS_PAGE_SIZE;
        rc = e->o->no_sparse ? xs_out_zeros(e->out, addr - at)
                             : xs_out_hole(e->out, addr - at);
        if (rc != XS_OK)
            break;
        at = addr + r->n * XS_PAGE_SIZE;
        if (e->o->no_sparse) {
            rc = copy_pages(e, r->off, r->n);
            continue;
        }
        /* a zero page is a hole: each page is looked at */
        if ((rc = need_buf(e)) != XS_OK)
            break;
        uint64_t off = r->off, left = r->n;
        while (rc == XS_OK && left > 0) {
            uint64_t t = left < XS_EXPORT_PAGES ? left : XS_EXPORT_PAGES;
            rc = xs_mem_pread(e->m, off, e->buf, t * XS_PAGE_SIZE);
            /* alternating runs of data and zero pages [p, q): a run ends
             * at a page of the other kind, which starts the next run, so
             * each page is looked at once */
            bool zero = t > 0 && page_is_zero(e->buf);
            /* cppcheck-suppress knownConditionTrueFalse */
            for (uint64_t p = 0; rc == XS_OK && p < t; zero = !zero) {
                uint64_t q = p + 1;
                /* cppcheck-suppress knownConditionTrueFalse */
                while (q < t && page_is_zero(e->buf + q * XS_PAGE_SIZE) ==
                                    zero)
                    q++;
                if (zero) {
                    e->res->zero_pages += q - p;
                    rc = xs_out_hole(e->out, (q - p) * XS_PAGE_SIZE);
                } else {
                    rc = xs_out_write_direct(e->out,
                                             e->buf + p * XS_PAGE_SIZE,
                                             (q - p) * XS_PAGE_SIZE);
                }
                p = q;
            }
            e->res->pages += t;
            off += t * XS_PAGE_SIZE;
            left -= t;
        }
    }
    return rc;
}

/* ---- elf: a plain core, one PT_LOAD per run ------------------------ */

static int export_elf(struct exp *e)
{
    const struct xs_memory *m = e->m;
    uint64_t nvcpus = m->nvcpus;
    /* a segment per run of consecutive pfns (the map's runs also end
     * where the pages' place in the input does) */
    uint64_t nseg = 0;
    for (size_t i = 0; i < m->nruns; i++)
        nseg += i == 0 || m->runs[i].pfn != m->runs[i - 1].pfn +
                                              m->runs[i - 1].n;
    uint64_t nph = nseg + (nvcpus ? 1 : 0);
    bool xnum = nph >= XS_PN_XNUM;
    uint8_t b[XS_ELF_EHDR_SIZE + XS_ELF_SHDR_SIZE];
    size_t note1 = xs_elf_note(NULL, "CORE", XS_NT_PRSTATUS, NULL,
                               XS_PRSTATUS_SIZE);
    uint64_t phoff = XS_ELF_EHDR_SIZE;
    uint64_t shoff = xnum ? phoff + nph * XS_ELF_PHDR_SIZE : 0;
    uint64_t notes_off = phoff + nph * XS_ELF_PHDR_SIZE +
                         (xnum ? XS_ELF_SHDR_SIZE : 0);
    uint64_t notes_size = nvcpus * note1;
    uint64_t data = (notes_off + notes_size + XS_PAGE_SIZE - 1) &
                    ~(uint64_t)(XS_PAGE_SIZE - 1);
    /* registers in the x86_64 layout for every guest: a 32-bit PV
     * guest's are zero-extended (docs/behaviour.md §8.2) */
    struct xs_elf_ehdr eh = {.machine = XS_EM_X86_64, .phoff = phoff,
                             .shoff = shoff, .phnum = (uint32_t)(xnum ? XS_PN_XNUM : nph),
                             .shnum = xnum ? 1 : 0};
    xs_elf_ehdr_encode(&eh, b);
    int rc = xs_out_write(e->out, b, XS_ELF_EHDR_SIZE);
    uint8_t ph[XS_ELF_PHDR_SIZE];
    if (rc == XS_OK && nvcpus) {
        struct xs_elf_phdr p = {.type = XS_PT_NOTE, .offset = notes_off,
                                .filesz = notes_size, .align = 4};
        xs_elf_phdr_encode(&p, ph);
        rc = xs_out_write(e->out, ph, sizeof(ph));
    }
    uint64_t at = data;
    for (size_t i = 0; rc == XS_OK && i < m->nruns;) {
        uint64_t pfn = m->runs[i].pfn, n = m->runs[i].n;
        while (++i < m->nruns && m->runs[i].pfn == pfn + n)
            n += m->runs[i].n;
        struct xs_elf_phdr p = {.type = XS_PT_LOAD,
                                .flags = XS_PF_R | XS_PF_W | XS_PF_X,
                                .offset = at, .vaddr = pfn * XS_PAGE_SIZE,
                                .paddr = pfn * XS_PAGE_SIZE,
                                .filesz = n * XS_PAGE_SIZE,
                                .memsz = n * XS_PAGE_SIZE,
                                .align = XS_PAGE_SIZE};
        xs_elf_phdr_encode(&p, ph);
        rc = xs_out_write(e->out, ph, sizeof(ph));
        at += n * XS_PAGE_SIZE;
    }
    if (rc == XS_OK && xnum) {
        /* PN_XNUM: section 0 holds the real count in sh_info */
        struct xs_elf_shdr s = {.info = nph > UINT32_MAX ? UINT32_MAX
                                                         : (uint32_t)nph};
        if (nph > UINT32_MAX) {
            xs_report_add(e->rep, XS_SEV_ERROR, "export.too_many_runs", 0,
                          -1, "export",
                          "%llu runs of pfns: more than an ELF core's "
                          "program headers can count",
                          (unsigned long long)nph);
            return XS_INVALID;
        }
        xs_elf_shdr_encode(&s, b);
        rc = xs_out_write(e->out, b, XS_ELF_SHDR_SIZE);
    }
    for (size_t i = 0; rc == XS_OK && i < m->nvcpus; i++) {
        uint8_t pr[XS_PRSTATUS_SIZE], note[512];
        xs_prstatus_from_vgc(m->vcpus[i].vgc, m->width,
                             m->guest == XS_GUEST_X86_PV, m->vcpus[i].id, pr);
        size_t n = xs_elf_note(note, "CORE", XS_NT_PRSTATUS, pr, sizeof(pr));
        rc = xs_out_write(e->out, note, n);
    }
    if (rc == XS_OK)
        rc = xs_out_zeros(e->out, data - notes_off - notes_size);
    for (size_t i = 0; rc == XS_OK && i < m->nruns; i++)
        rc = copy_pages(e, m->runs[i].off, m->runs[i].n);
    return rc;
}

/* ---- xc-core: Xen's dump-core -------------------------------------- */

/* xc_core_arch_gpfn_may_present() (xg_core_x86.c, RELEASE-4.17.0): an
 * HVM guest's dump skips the VGA hole and the MMIO hole below 4 GiB
 * (HVM_BELOW_4G_MMIO_START, public/hvm/e820.h) */
static const struct { uint64_t lo, hi; } hvm_holes[] = {
    {0xa0, 0xc0}, {0xf0000000u >> 12, (1ull << 32) >> 12}};

/* The parts of run r that a dump holds, one at a time: *pfn, *n, *off
 * for the part after cursor (a pfn), false when none is left. */
static bool xc_piece(const struct xs_memory *m, const struct xs_mem_run *r,
                     uint64_t *cursor, uint64_t *pfn, uint64_t *n)
{
    uint64_t a = *cursor > r->pfn ? *cursor : r->pfn, end = r->pfn + r->n;
    if (m->guest == XS_GUEST_X86_HVM) {
        for (size_t h = 0; h < sizeof(hvm_holes) / sizeof(hvm_holes[0]); h++)
            if (a >= hvm_holes[h].lo && a < hvm_holes[h].hi)
                a = hvm_holes[h].hi;
        for (size_t h = 0; h < sizeof(hvm_holes) / sizeof(hvm_holes[0]); h++)
            if (a < hvm_holes[h].lo && end > hvm_holes[h].lo)
                end = hvm_holes[h].lo;
    }
    if (a >= end)
        return false;
    *pfn = a;
    *n = end - a;
    *cursor = end;
    return true;
}

uint64_t xs_mem_xc_core_pages(const struct xs_memory *m)
{
    uint64_t cur, pfn, n, pages = 0;
    for (size_t i = 0; i < m->nruns; i++)
        for (cur = 0; xc_piece(m, &m->runs[i], &cur, &pfn, &n);)
            pages += n;
    return pages;
}

static int export_xc_core(struct exp *e)
{
    const struct xs_memory *m = e->m;
    bool hvm = m->guest == XS_GUEST_X86_HVM;
    struct xs_xc_core_layout l = {
        .hvm = hvm, .shared_info = !hvm && m->shared_info,
        .guest_width = m->width, .nr_vcpus = m->nvcpus,
        .xen_major = m->xen_major, .xen_minor = m->xen_minor,
        .nr_pages = xs_mem_xc_core_pages(m)};
    uint64_t cur, pfn, n;
    uint64_t left_out = m->pfns - l.nr_pages;
    if (left_out)
        xs_report_add(e->rep, XS_SEV_NOTE, "export.hvm_holes", 0, -1,
                      "export",
                      "%llu pfn%s with data lie%s in the VGA or MMIO hole, "
                      "which a dump leaves out as xl dump-core does "
                      "(xc_core_arch_gpfn_may_present()): not in the "
                      "xc-core file", (unsigned long long)left_out,
                      left_out == 1 ? "" : "s", left_out == 1 ? "s" : "");
    xs_xc_core_layout(&l);
    uint64_t head = xs_xc_core_head_size(&l);
    uint8_t *h = calloc(1, head);
    if (!h) {
        xs_report_add(e->rep, XS_SEV_ERROR, "io", 0, -1, "export",
                      "out of memory");
        return XS_IO;
    }
    xs_xc_core_head(&l, h);
    int rc = xs_out_write(e->out, h, head);
    free(h);
    /* .xen_prstatus: vcpu_guest_context_any_t per vCPU, in vCPU order
     * (xc_vcpu_getcontext() for ids 0..max_vcpu_id) */
    for (size_t i = 0; rc == XS_OK && i < m->nvcpus; i++)
        rc = xs_out_write(e->out, m->vcpus[i].vgc, XS_VGC_SIZE);
    if (rc == XS_OK && l.shared_info)
        rc = xs_out_write(e->out, m->shared_info, XS_PAGE_SIZE);
    if (rc == XS_OK)
        rc = xs_out_zeros(e->out, l.pad);
    /* .xen_pages, in pfn order */
    for (size_t i = 0; rc == XS_OK && i < m->nruns; i++) {
        const struct xs_mem_run *r = &m->runs[i];
        for (cur = 0; rc == XS_OK && xc_piece(m, r, &cur, &pfn, &n);)
            rc = copy_pages(e, r->off + (pfn - r->pfn) * XS_PAGE_SIZE, n);
    }
    /* .xen_p2m {pfn, gmfn} or .xen_pfn, pfn-ascending.  The stream's
     * page tables and vCPU frames name pfns (the saver normalised them:
     * xg_sr_save_x86_pv.c normalise_pagetable(), write_one_vcpu_basic()),
     * and the machine frames at save time are not in the image: gmfn =
     * pfn keeps the dump consistent with its own page tables. */
    for (size_t i = 0; rc == XS_OK && i < m->nruns; i++) {
        for (cur = 0; rc == XS_OK && xc_piece(m, &m->runs[i], &cur, &pfn, &n);)
            for (uint64_t k = 0; rc == XS_OK && k < n; k++) {
                uint8_t ent[16];
                xs_put_le64(ent, pfn + k);
                xs_put_le64(ent + 8, pfn + k);
                rc = xs_out_write(e->out, ent, hvm ? 8 : 16);
            }
    }
    if (rc == XS_OK)
        rc = xs_out_write(e->out, xs_xc_core_strtab(&l), l.strtab_size);
    return rc;
}

int xs_export(struct xs_memory *m, struct xs_out *out, struct xs_report *rep,
              const struct xs_export_opts *o, struct xs_export_result *res)
{
    struct xs_export_result dummy = {0};
    struct exp e = {.m = m, .out = out, .rep = rep, .o = o,
                    .res = res ? res : &dummy};
    int rc;
    memset(e.res, 0, sizeof(*e.res));
    switch (o->format) {
    case XS_EXPORT_XC_CORE:
        rc = export_xc_core(&e);
        break;
    case XS_EXPORT_ELF:
        rc = export_elf(&e);
        break;
    case XS_EXPORT_RAW:
        rc = export_raw(&e);
        break;
    default:
        rc = XS_USAGE;
        break;
    }
    if (rc == XS_OK)
        rc = xs_out_flush(out);
    if (rc == XS_OK)
        rc = xs_mem_unchanged(m);
    e.res->bytes = xs_out_written(out);
    xs_bigmem_free(&e.buf_mem);
    return rc;
}
