/* The guest's memory as an image leaves it: one walk of the image (pages
 * skipped, as verify skips them) notes every transmission of pages with
 * data as (first pfn, count, input offset); the final state is then the
 * latest transmission of each pfn, as a restore leaves it, resolved in
 * O(t log t) for t transmissions by a sweep over pfns with a heap of the
 * transmissions that cover the current pfn (the latest on top).
 *
 * Xen's semantics are core/diff.c's (RELEASE-4.17.0:
 * tools/libs/guest/xg_sr_restore.c process_page_data(), populate_pfns()):
 * a page with data overwrites the pfn; an entry without data (XTAB,
 * BROKEN, XALLOC) neither writes nor depopulates it, so it changes no
 * byte of memory and is not noted here.
 *
 * Memory: 24 bytes a transmission (a save sends runs of up to 1024 pfns,
 * a hostile image at most one a page of input), 5 KiB a vCPU context,
 * one shared info page.  No page data is held. */
#include <stdlib.h>
#include <string.h>

#include "endian.h"
#include "fileio.h"
#include "layer.h"
#include "libxc.h"
#include "memory.h"

/* vCPU ids kept at most: Xen's own limit for an x86 guest is lower
 * (HVM_MAX_VCPUS 128; a PV guest's max_vcpus is bounded by the host) */
#define XS_MEM_VCPUS_MAX 8192u

struct build {
    struct xs_memory *m;
    struct xs_mem_run *x;  /* transmissions, in stream order */
    size_t nx, capx;
    bool failed;           /* out of memory */
    bool verify;           /* past a VERIFY record: pages are compared */
    /* the PAGE_DATA record being walked */
    uint64_t base, k, kmax;
};

static void note_failure(struct build *b) { b->failed = true; }

static void push(struct build *b, uint64_t pfn, uint64_t n, uint64_t off)
{
    if (b->failed)
        return;
    if (b->nx) {
        struct xs_mem_run *l = &b->x[b->nx - 1];
        if (l->pfn + l->n == pfn && l->off + l->n * XS_PAGE_SIZE == off) {
            l->n += n;
            return;
        }
    }
    if (b->nx == b->capx) {
        size_t cap = b->capx ? 2 * b->capx : 256;
        struct xs_mem_run *v = realloc(b->x, cap * sizeof(*v));
        if (!v) {
            note_failure(b);
            return;
        }
        b->x = v;
        b->capx = cap;
    }
    b->x[b->nx++] = (struct xs_mem_run){pfn, n, off};
}

/* A run of entries of one type (xs_page_data_runs): those with data
 * have their pages in entry order after the pfn array. */
static void data_run(void *ctx, uint64_t pfn, uint32_t n, unsigned type)
{
    struct build *b = ctx;
    if (!xs_pfinfo_has_data(type))
        return;
    uint64_t take = b->k >= b->kmax ? 0 : b->kmax - b->k;
    if (take > n)
        take = n;
    if (take)
        push(b, pfn, take, b->base + b->k * XS_PAGE_SIZE);
    b->k += n;
}

/* A PAGE_DATA record whose pfn array is `array` bytes of its body: the
 * pages follow it, no more of them than the record's length holds (the
 * body rule reports a mismatch); none past VERIFY (on_record()). */
static void page_data(struct build *b, const struct xs_record *r,
                      uint32_t array)
{
    if (b->verify)
        return;
    b->base = r->offset + XS_REC_HDR_SIZE + array;
    b->k = 0;
    b->kmax = (r->length - array) / XS_PAGE_SIZE;
    xs_page_data_runs(r, data_run, b);
}

/* The record the input ends in: a PAGE_DATA record's pfns read before
 * the end are noted with pages past it, so that --partial counts them
 * as cut off (their earlier copy, if any, is what the output holds). */
static void on_cut(void *ctx, const struct xs_record *r)
{
    if (r->type == XS_REC_PAGE_DATA && r->held >= 8)
        page_data(ctx, r, xs_libxc_layer.hold(r->type, r->length, r->body));
}

/* The vCPU's context, the last of its id winning (a checkpointed stream
 * sends them again); kept sorted by id. */
static void vcpu_put(struct build *b, uint32_t id, const uint8_t *vgc,
                     size_t len)
{
    struct xs_memory *m = b->m;
    size_t lo = 0, hi = m->nvcpus;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (m->vcpus[mid].id < id)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (len > XS_VGC_SIZE)
        len = XS_VGC_SIZE;
    if (lo < m->nvcpus && m->vcpus[lo].id == id) {
        memset(m->vcpus[lo].vgc, 0, XS_VGC_SIZE);
        memcpy(m->vcpus[lo].vgc, vgc, len);
        return;
    }
    if (m->nvcpus == XS_MEM_VCPUS_MAX || b->failed)
        return;
    uint8_t *c = calloc(1, XS_VGC_SIZE);
    struct xs_mem_vcpu *v = c ? realloc(m->vcpus,
                                        (m->nvcpus + 1) * sizeof(*v)) : NULL;
    if (!v) {
        free(c);
        note_failure(b);
        return;
    }
    memcpy(c, vgc, len);
    m->vcpus = v;
    memmove(&v[lo + 1], &v[lo], (m->nvcpus - lo) * sizeof(*v));
    v[lo] = (struct xs_mem_vcpu){id, c};
    m->nvcpus++;
}

static void on_header(void *ctx, const char *layer, uint64_t offset,
                      const uint8_t *p, uint64_t n)
{
    struct build *b = ctx;
    (void)offset;
    if (strcmp(layer, xs_layer_libxc.name) != 0 ||
        n < XS_LIBXC_IHDR_SIZE + XS_LIBXC_DHDR_SIZE)
        return;
    struct xs_libxc_dhdr dh;
    xs_libxc_dhdr_decode(p + XS_LIBXC_IHDR_SIZE, &dh);
    b->m->guest = dh.type;
    b->m->xen_major = dh.xen_major;
    b->m->xen_minor = dh.xen_minor;
}

static void on_record(void *ctx, const char *layer, const struct xs_record *r)
{
    struct build *b = ctx;
    struct xs_memory *m = b->m;
    const uint8_t *p = r->body;
    uint32_t n = r->held;
    if (strcmp(layer, xs_layer_libxc.name) != 0)
        return;
    switch (r->type) {
    case XS_REC_VERIFY:
        /* Xen's debug mode: the restore compares every page sent from
         * here on with the guest's and copies none (RELEASE-4.17.0
         * xg_sr_restore.c process_page_data(), ctx->restore.verify) */
        b->verify = true;
        break;
    case XS_REC_PAGE_DATA:
        page_data(b, r, r->held);
        break;
    case XS_REC_X86_PV_INFO:
        if (n >= 1 && (p[0] == 4 || p[0] == 8))
            m->width = p[0];
        break;
    case XS_REC_X86_PV_VCPU_BASIC:
        /* vcpu id, reserved, then vcpu_guest_context_x86_{32,64} as
         * xc_vcpu_getcontext() gave it, its frames as pfns
         * (xg_sr_save_x86_pv.c write_one_vcpu_basic()) */
        if (n > 8)
            vcpu_put(b, xs_le32(p), p + 8, n - 8);
        break;
    case XS_REC_HVM_CONTEXT: {
        /* its save descriptors, up to the END descriptor */
        struct xs_hvm_desc d;
        for (uint64_t at = 0; xs_hvm_desc_next(p, n, &at, &d);) {
            if (d.code == XS_HVM_SAVE_CPU) {
                uint8_t vgc[XS_VGC_SIZE];
                xs_vgc_from_hvm_cpu(d.data, d.length, vgc);
                vcpu_put(b, d.instance, vgc, sizeof(vgc));
            }
        }
        break;
    }
    case XS_REC_SHARED_INFO:
        if (!m->shared_info && !(m->shared_info = malloc(XS_PAGE_SIZE))) {
            note_failure(b);
            break;
        }
        memset(m->shared_info, 0, XS_PAGE_SIZE);
        if (n) /* an empty body may have no buffer at all */
            memcpy(m->shared_info, p, n < XS_PAGE_SIZE ? n : XS_PAGE_SIZE);
        break;
    default:
        break;
    }
}

/* ---- the final state: a sweep over pfns ---------------------------- */

static int by_pfn(const void *a, const void *b)
{
    const struct xs_mem_run *x = *(const struct xs_mem_run *const *)a;
    const struct xs_mem_run *y = *(const struct xs_mem_run *const *)b;
    if (x->pfn != y->pfn)
        return x->pfn < y->pfn ? -1 : 1;
    return x < y ? -1 : x > y; /* stream order */
}

/* A max-heap of transmissions by stream order (their address in x[]). */
static void heap_push(struct xs_mem_run **h, size_t *n, struct xs_mem_run *e)
{
    size_t i = (*n)++;
    while (i > 0 && h[(i - 1) / 2] < e) {
        h[i] = h[(i - 1) / 2];
        i = (i - 1) / 2;
    }
    h[i] = e;
}

static void heap_pop(struct xs_mem_run **h, size_t *n)
{
    struct xs_mem_run *e = h[--*n];
    size_t i = 0;
    for (;;) {
        size_t c = 2 * i + 1;
        if (c >= *n)
            break;
        if (c + 1 < *n && h[c + 1] > h[c])
            c++;
        if (h[c] < e)
            break;
        h[i] = h[c];
        i = c;
    }
    if (*n)
        h[i] = e;
}

static bool emit(struct xs_memory *m, size_t *cap, uint64_t pfn, uint64_t n,
                 uint64_t off)
{
    if (m->nruns) {
        struct xs_mem_run *l = &m->runs[m->nruns - 1];
        if (l->pfn + l->n == pfn && l->off + l->n * XS_PAGE_SIZE == off) {
            l->n += n;
            m->pfns += n;
            return true;
        }
    }
    if (m->nruns == *cap) {
        size_t c = *cap ? 2 * *cap : 64;
        struct xs_mem_run *v = realloc(m->runs, c * sizeof(*v));
        if (!v)
            return false;
        m->runs = v;
        *cap = c;
    }
    m->runs[m->nruns++] = (struct xs_mem_run){pfn, n, off};
    m->pfns += n;
    return true;
}

static bool resolve(struct xs_memory *m, struct xs_mem_run *x, size_t nx)
{
    struct xs_mem_run **order = malloc((nx ? nx : 1) * sizeof(struct xs_mem_run *));
    struct xs_mem_run **heap = malloc((nx ? nx : 1) * sizeof(struct xs_mem_run *));
    size_t nheap = 0, cap = 0, i = 0;
    bool ok = order && heap;
    size_t k = 0;
    for (size_t t = 0; ok && t < nx; t++)
        if (x[t].n)
            order[k++] = &x[t];
    if (ok)
        qsort(order, k, sizeof(struct xs_mem_run *), by_pfn);
    uint64_t pos = 0;
    while (ok) {
        while (i < k && order[i]->pfn <= pos)
            heap_push(heap, &nheap, order[i++]);
        while (nheap && heap[0]->pfn + heap[0]->n <= pos)
            heap_pop(heap, &nheap);
        if (!nheap) {
            if (i == k)
                break;
            pos = order[i]->pfn;
            continue;
        }
        /* the latest transmission covering pos wins up to its end or the
         * next transmission's start, whichever comes first */
        const struct xs_mem_run *w = heap[0];
        uint64_t end = w->pfn + w->n;
        if (i < k && order[i]->pfn < end)
            end = order[i]->pfn;
        ok = emit(m, &cap, pos, end - pos,
                  w->off + (pos - w->pfn) * XS_PAGE_SIZE);
        pos = end;
    }
    free(order);
    free(heap);
    return ok;
}

const struct xs_mem_run *xs_mem_find(const struct xs_memory *m, uint64_t pfn)
{
    size_t lo = 0, hi = m->nruns;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        const struct xs_mem_run *r = &m->runs[mid];
        if (pfn < r->pfn)
            hi = mid;
        else if (pfn >= r->pfn + r->n)
            lo = mid + 1;
        else
            return r;
    }
    return NULL;
}

/* Pfns of [pfn, pfn + n) in the final runs. */
static uint64_t covered(const struct xs_memory *m, uint64_t pfn, uint64_t n)
{
    size_t lo = 0, hi = m->nruns;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (m->runs[mid].pfn + m->runs[mid].n <= pfn)
            lo = mid + 1;
        else
            hi = mid;
    }
    uint64_t c = 0;
    for (size_t i = lo; i < m->nruns && m->runs[i].pfn < pfn + n; i++) {
        uint64_t a = m->runs[i].pfn > pfn ? m->runs[i].pfn : pfn;
        uint64_t e = m->runs[i].pfn + m->runs[i].n;
        if (e > pfn + n)
            e = pfn + n;
        c += e - a;
    }
    return c;
}

/* Every error a truncation: what --partial may export. */
static bool only_truncation(const struct xs_report *rep)
{
    unsigned errors = 0;
    for (size_t i = 0; i < rep->nkept; i++) {
        const struct xs_finding *f = &rep->kept[i];
        if (f->sev != XS_SEV_ERROR)
            continue;
        size_t n = strlen(f->rule);
        if (n < 10 || strcmp(f->rule + n - 10, ".truncated") != 0)
            return false;
        errors++;
    }
    return errors == rep->errors;
}

static int by_pfn_value(const void *a, const void *b)
{
    const struct xs_mem_run *x = a, *y = b;
    return x->pfn < y->pfn ? -1 : x->pfn > y->pfn;
}

/* The cut-off pfns as sorted, disjoint ranges: a cut record may name a
 * pfn twice, and it is one pfn cut off. */
static void merge_cut(struct xs_memory *m)
{
    if (m->ncut < 2)
        return;
    qsort(m->cut, m->ncut, sizeof(*m->cut), by_pfn_value);
    size_t w = 0;
    for (size_t i = 1; i < m->ncut; i++) {
        struct xs_mem_run *l = &m->cut[w];
        const struct xs_mem_run *c = &m->cut[i];
        if (c->pfn <= l->pfn + l->n) {
            if (c->pfn + c->n > l->pfn + l->n)
                l->n = c->pfn + c->n - l->pfn;
        } else {
            m->cut[++w] = *c;
        }
    }
    m->ncut = w + 1;
}

/* The cut-off pfns, as a warning naming their first ranges. */
static void report_cut(struct xs_memory *m, struct xs_report *rep)
{
    char list[256] = "";
    size_t at = 0;
    for (size_t i = 0; i < m->ncut; i++) {
        uint64_t c = covered(m, m->cut[i].pfn, m->cut[i].n);
        m->stale += c;
        m->missing += m->cut[i].n - c;
        if (at < sizeof(list) - 48) {
            int w = snprintf(list + at, sizeof(list) - at, "%s0x%llx-0x%llx",
                             at ? ", " : "",
                             (unsigned long long)m->cut[i].pfn,
                             (unsigned long long)(m->cut[i].pfn +
                                                  m->cut[i].n - 1));
            at += w > 0 ? (size_t)w : 0;
        } else if (at < sizeof(list) - 5) {
            memcpy(list + at, ", ...", 6);
            at = sizeof(list);
        }
    }
    uint64_t cut = m->missing + m->stale;
    xs_report_add(rep, XS_SEV_WARNING, "export.partial", m->image_end, -1,
                  "end of input",
                  "the image is truncated: the last copy of %llu pfn%s was "
                  "cut off (%s): %llu of them are missing from the output, "
                  "%llu come from an earlier copy; the pfns the stream would "
                  "have sent after this offset are unknown",
                  (unsigned long long)cut, cut == 1 ? "" : "s",
                  m->ncut ? list : "none", (unsigned long long)m->missing,
                  (unsigned long long)m->stale);
}

void xs_memory_free(struct xs_memory *m)
{
    if (!m)
        return;
    for (size_t i = 0; i < m->nvcpus; i++)
        free(m->vcpus[i].vgc);
    free(m->vcpus);
    free(m->runs);
    free(m->cut);
    free(m->shared_info);
    xs_in_close(m->spool);
    free(m);
}

int xs_memory_read(struct xs_in *in, struct xs_report *rep,
                   struct xs_summary *sum, const struct xs_memory_opts *o,
                   struct xs_memory **mp)
{
    struct xs_summary dummy = {0};
    struct xs_memory *m = calloc(1, sizeof(*m));
    struct build b = {.m = m};
    int rc = XS_OK;
    *mp = NULL;
    if (!sum)
        sum = &dummy;
    if (!m) {
        xs_report_add(rep, XS_SEV_ERROR, "io", 0, -1, "input",
                      "out of memory");
        return XS_IO;
    }
    m->src = m->in = in;
    /* a transport is pushed here: a compressed file reads as a pipe */
    const char *layer;
    if ((rc = xs_in_identify(in, &layer)) != XS_OK) {
        xs_memory_free(m);
        return rc;
    }
    if (!xs_in_seekable(in)) {
        /* the ELF layouts need every pfn before the first page: the pages
         * are read again by offset, from a decoded copy */
        if (!o || !o->spool_dir) {
            xs_report_add(rep, XS_SEV_ERROR, "export.not_seekable", 0, -1,
                          "input",
                          "a pipe or a compressed image is read twice by "
                          "offset: it needs a spool directory");
            xs_memory_free(m);
            return XS_USAGE;
        }
        xs_report_add(rep, XS_SEV_NOTE, "export.spool", 0, -1, "input",
                      "not a regular uncompressed file: decoded into an "
                      "unlinked temporary file in %s first, to be read by "
                      "offset", o->spool_dir);
        if (!(m->spool = xs_in_spool(in, o->spool_dir, rep)))
            rc = xs_in_failure(in) == XS_INVALID ? XS_INVALID : XS_IO;
        if (rc != XS_OK) {
            xs_memory_free(m);
            return rc;
        }
        m->in = m->spool;
    }
    const struct xs_visitor v = {.header = on_header, .record = on_record,
                                 .ctx = &b};
    rc = xs_walk_cut(m->in, rep, sum, &v, on_cut);
    if (m->spool && (rc == XS_OK || rc == XS_INVALID)) {
        /* a compressed input cut short, as verify says it (pipeline.c):
         * a note beside the image's own error, else the error */
        int t = xs_in_transport_check(m->src, rc == XS_INVALID);
        rc = t != XS_OK ? t : rc;
    }
    if (rc == XS_INVALID && o && o->partial && only_truncation(rep) &&
        m->guest)
        rc = XS_OK;
    else if (rc == XS_OK && rep->errors)
        rc = XS_INVALID;
    if (rc == XS_OK && !m->guest) {
        xs_report_add(rep, XS_SEV_ERROR, "export.no_memory",
                      xs_in_size(m->in), -1, "input",
                      "the image ends before its libxc stream: no memory");
        rc = XS_INVALID;
    }
    if (rc == XS_OK && b.failed) {
        xs_report_add(rep, XS_SEV_ERROR, "io", 0, -1, "input",
                      "out of memory for the map of the guest's pages");
        rc = XS_IO;
    }
    if (rc != XS_OK) {
        free(b.x);
        xs_memory_free(m);
        return rc;
    }
    m->width = m->guest == XS_GUEST_X86_PV ? (m->width ? m->width : 8) : 8;
    m->image_end = xs_in_size(m->in);
    size_t capcut = 0;
    for (size_t t = 0; t < b.nx; t++) {
        m->sent += b.x[t].n;
        /* pages beyond the end of a truncated image */
        struct xs_mem_run *x = &b.x[t];
        uint64_t have = x->off >= m->image_end
                            ? 0 : (m->image_end - x->off) / XS_PAGE_SIZE;
        if (have >= x->n)
            continue;
        if (m->ncut == capcut) {
            capcut = capcut ? 2 * capcut : 16;
            struct xs_mem_run *c = realloc(m->cut, capcut * sizeof(*c));
            if (!c) {
                b.failed = true;
                break;
            }
            m->cut = c;
        }
        m->cut[m->ncut++] = (struct xs_mem_run){x->pfn + have, x->n - have, 0};
        x->n = have;
    }
    merge_cut(m);
    if (b.failed || !resolve(m, b.x, b.nx)) {
        xs_report_add(rep, XS_SEV_ERROR, "io", 0, -1, "input",
                      "out of memory for the map of the guest's pages");
        free(b.x);
        xs_memory_free(m);
        return XS_IO;
    }
    free(b.x);
    if (m->ncut || rep->errors)
        report_cut(m, rep);
    *mp = m;
    return XS_OK;
}

void xs_memory_get_info(const struct xs_memory *m, struct xs_memory_info *i)
{
    memset(i, 0, sizeof(*i));
    i->pfns = m->pfns;
    i->xc_core_pages = xs_mem_xc_core_pages(m);
    for (size_t k = 0; k < m->nruns; k++)
        i->runs += k == 0 || m->runs[k].pfn != m->runs[k - 1].pfn +
                                                m->runs[k - 1].n;
    i->max_pfn = m->nruns ? m->runs[m->nruns - 1].pfn +
                                m->runs[m->nruns - 1].n - 1 : 0;
    i->sent = m->sent;
    i->missing = m->missing;
    i->stale = m->stale;
    i->vcpus = (unsigned)m->nvcpus;
    i->shared_info = m->shared_info != NULL;
    i->spooled = m->spool != NULL;
    i->guest = m->guest;
    i->width = m->width;
}

bool xs_memory_locate(const struct xs_memory *m, uint64_t pfn,
                      uint64_t *offset)
{
    const struct xs_mem_run *r = xs_mem_find(m, pfn);
    if (r)
        *offset = r->off + (pfn - r->pfn) * XS_PAGE_SIZE;
    return r != NULL;
}

int xs_mem_pread(struct xs_memory *m, uint64_t off, void *dst, size_t n)
{
    int rc = xs_in_pread(m->in, off, dst, n);
    if (rc == XS_INVALID) {
        /* the walk saw these bytes: the file shrank since */
        xs_report_add(xs_in_report(m->in), XS_SEV_ERROR, "input.changed",
                      off, -1, "input",
                      "the input ends before the page at this offset: it "
                      "changed while it was read");
        return XS_INVALID;
    }
    return rc;
}

int xs_mem_unchanged(struct xs_memory *m)
{
    return xs_in_unchanged(m->src);
}

int xs_memory_read_at(struct xs_memory *m, uint64_t addr, void *dst,
                      size_t n)
{
    uint8_t *d = dst;
    if (n && addr + (n - 1) < addr)
        return XS_USAGE; /* past the top of the address space */
    while (n > 0) {
        uint64_t pfn = addr / XS_PAGE_SIZE, in_page = addr % XS_PAGE_SIZE;
        const struct xs_mem_run *r = xs_mem_find(m, pfn);
        /* up to the run's end (its pages lie side by side), or one page */
        uint64_t room = r ? (r->pfn + r->n - pfn) * XS_PAGE_SIZE - in_page
                          : XS_PAGE_SIZE - in_page;
        size_t t = n < room ? n : (size_t)room;
        if (r) {
            int rc = xs_mem_pread(m, r->off + (pfn - r->pfn) * XS_PAGE_SIZE +
                                     in_page, d, t);
            if (rc != XS_OK)
                return rc;
        } else {
            memset(d, 0, t);
        }
        d += t;
        n -= t;
        addr += t;
    }
    return XS_OK;
}
