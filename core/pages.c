/* The PAGE_DATA page walk: a libxc record's payload copied or skipped
 * in runs of pages by the fastest means, with the pages a run must look
 * at read one by one (a PV guest's page-table pages, checked by
 * validate.c; every page for diff's visitor), and the start info page
 * found for its one decision at END: again with pread on a file, among
 * candidates kept as they pass on an input that cannot look back. */
#include <stdlib.h>
#include <string.h>
#include <xxhash.h>

#include "endian.h"
#include "fileio.h"
#include "job.h"

/* ---- the start info page on an input that cannot look back ------- */

/* The slot of pfn in the table: its entry's, or the empty one where it
 * goes (the table is at most half full, so a probe ends). */
static uint32_t *si_lookup(struct job *j, uint64_t pfn)
{
    /* seeded at random: pfns chosen to collide under a fixed hash would
     * make every probe walk one cluster, quadratic in the candidates */
    uint32_t mask = j->si_slots - 1;
    uint32_t h = (uint32_t)XXH3_64bits_withSeed(&pfn, sizeof(pfn), j->si_key) &
                 mask;
    for (;; h = (h + 1) & mask) {
        uint32_t s = j->si_slot[h];
        if (!s || j->si[s - 1].pfn == pfn)
            return &j->si_slot[h];
    }
}

static const struct job_start_info *si_find(struct job *j, uint64_t pfn)
{
    const uint32_t *s = j->si_slots ? si_lookup(j, pfn) : NULL;
    return s && *s ? &j->si[*s - 1] : NULL;
}

/* Twice the entries (up to XS_START_INFO_KEEP), slots rebuilt: grown only
 * as pages with the magic actually pass. */
static int si_grow(struct job *j)
{
    uint32_t cap = j->si_cap ? 2 * j->si_cap : 16;
    if (!j->si_cap)
        j->si_key = xs_random_u64();
    struct job_start_info *e = realloc(j->si, cap * sizeof(*e));
    if (!e)
        return XS_IO;
    j->si = e;
    uint32_t *slot = calloc(2 * (size_t)cap, sizeof(*slot));
    if (!slot)
        return XS_IO;
    free(j->si_slot);
    j->si_slot = slot;
    j->si_slots = 2 * cap;
    j->si_cap = cap;
    for (uint32_t k = 0; k < j->nsi; k++)
        *si_lookup(j, j->si[k].pfn) = k + 1;
    return XS_OK;
}

void job_start_info_free(struct job *j)
{
    free(j->si);
    free(j->si_slot);
    j->si = NULL;
    j->si_slot = NULL;
    j->nsi = j->si_cap = j->si_slots = 0;
}

/* A PV page passing on an input that cannot look back, p its first
 * XS_START_INFO_HEAD bytes.  Its pfn becomes a candidate when the page
 * starts like a start info page ("xen-3.0-x86_64", public/xen.h); a
 * candidate's entry follows its last page, with the magic or without, so
 * that END judges the page the restore reads (process_start_info() reads
 * it after the last record) as a file's pread would. */
static int start_info_page(struct job *j, const uint8_t *p, uint64_t pfn,
                           uint64_t at, int64_t index)
{
    bool looks = memcmp(p, "xen-", 4) == 0;
    uint32_t *s = j->si_slots ? si_lookup(j, pfn) : NULL;
    if (!s || !*s) {
        if (!looks)
            return XS_OK; /* never a candidate: END knows it as such */
        if (j->nsi == XS_START_INFO_KEEP) {
            /* not a guest Xen saved; END says so if it matters */
            if (!j->si_overflow || pfn < j->si_drop_min)
                j->si_drop_min = pfn;
            if (!j->si_overflow || pfn > j->si_drop_max)
                j->si_drop_max = pfn;
            j->si_overflow = true;
            return XS_OK;
        }
        if (j->nsi == j->si_cap && si_grow(j) != XS_OK) {
            xs_report_add(j->rep, XS_SEV_ERROR, "io", at, index, "PAGE_DATA",
                          "cannot keep the start info candidates: out of "
                          "memory");
            return XS_IO;
        }
        s = si_lookup(j, pfn);
        *s = ++j->nsi;
        j->si[*s - 1].pfn = pfn;
    }
    struct job_start_info *e = &j->si[*s - 1];
    e->at = at;
    e->index = index;
    e->looks = looks;
    memcpy(e->tail, p + XS_START_INFO_TAIL_AT, sizeof(e->tail));
    return XS_OK;
}

/* Where the start info page stands on a one-pass input, at END: the same
 * decision (xs_validate_start_info()) a file's last page of that pfn
 * gets. */
static void start_info_end(struct job *j)
{
    struct xs_validate *v = &j->v;
    const struct job_start_info *e = si_find(j, v->start_info_pfn);
    if (!e && j->si_overflow && v->start_info_pfn >= j->si_drop_min &&
        v->start_info_pfn <= j->si_drop_max) {
        /* its pages may have been among those not kept: unknown, and a
         * run that cannot tell must not pass */
        xs_report_add(v->rep, XS_SEV_ERROR, "libxc.start_info.unchecked",
                      v->start_info_at, v->start_info_index,
                      "X86_PV_VCPU_BASIC",
                      "more than %u pfns have pages that look like a start "
                      "info page: read in one pass (a pipe, gzip), vcpu 0's "
                      "(pfn 0x%llx) cannot be checked; verify the image "
                      "from an uncompressed file",
                      XS_START_INFO_KEEP,
                      (unsigned long long)v->start_info_pfn);
        return;
    }
    if (!e) {
        xs_validate_start_info(v, NULL, 0, -1);
        return;
    }
    static const uint8_t magic[4] = {'x', 'e', 'n', '-'};
    uint8_t head[XS_START_INFO_HEAD] = {0};
    if (e->looks)
        memcpy(head, magic, sizeof(magic));
    memcpy(head + XS_START_INFO_TAIL_AT, e->tail, sizeof(e->tail));
    xs_validate_start_info(v, head, e->at, e->index);
}

/* Page-table pages often lie side by side: before the first of a run is
 * read, the window is filled with the whole run (at most the window), so
 * that a regular file gives them in one read, not one a page. */
static int prefetch_pt(struct job *j, const struct xs_record *r, uint32_t i,
                       uint32_t count)
{
    size_t pages = 0;
    for (; i < count && pages < XS_IN_WINDOW / XS_PAGE_SIZE; i++) {
        unsigned t = xs_pfn_type(xs_le64(r->body + 8 + 8 * (size_t)i));
        if (!xs_pfinfo_has_data(t))
            continue; /* no data: not in the payload */
        if ((t & 7u) == 0)
            break;
        pages++;
    }
    if (pages < 2 || (uint64_t)pages * XS_PAGE_SIZE > j->xc.payload_left)
        return XS_OK;
    return xs_in_need(j->in, pages * XS_PAGE_SIZE) < 0 ? XS_IO : XS_OK;
}

/* One page of job_payload()'s walk that is looked at, entry i of PAGE_DATA
 * record r: a page-table page is read and checked (pt), diff's visitor is
 * shown every page (all), a PV guest's page on a pipe is kept if it may
 * be the start info page (si).  *run bytes before it are still to go
 * through untouched; *at is where they start. */
static int payload_page(struct job *j, struct xs_out *out,
                        const struct xs_record *r, uint32_t i, bool pt,
                        bool all, bool si, uint64_t *at, uint64_t *run)
{
    uint64_t e = xs_le64(r->body + 8 + 8 * (size_t)i);
    int rc;
    if (!pt && !all) {
        /* si alone: the page's head is peeked, the page goes on */
        if ((rc = xs_rec_payload_take(&j->xc, out, *run)) != XS_OK)
            return rc;
        *at += *run;
        *run = XS_PAGE_SIZE;
        const uint8_t *p;
        rc = xs_rec_payload_peek(&j->xc, XS_START_INFO_HEAD, &p);
        if (rc != XS_OK || !p)
            return rc;
        return start_info_page(j, p, e & XS_PFN_MASK, *at, r->index);
    }
    if ((rc = xs_rec_payload_take(&j->xc, out, *run)) != XS_OK)
        return rc;
    if (pt && !all && (rc = prefetch_pt(j, r, i, xs_le32(r->body))) != XS_OK)
        return rc;
    if ((rc = xs_rec_payload_read(&j->xc, j->page, XS_PAGE_SIZE)))
        return rc;
    if (pt)
        xs_validate_pt_page(&j->v, r, i, j->page, *at + *run);
    if (all)
        j->visit->page(j->visit->ctx, e & XS_PFN_MASK, xs_pfn_type(e),
                       j->page);
    /* a page that was read counts as any other for the start info page:
     * its last page decides, whatever its type */
    if (si && (rc = start_info_page(j, j->page, e & XS_PFN_MASK, *at + *run,
                                    r->index)) != XS_OK)
        return rc;
    *at += *run + XS_PAGE_SIZE;
    *run = 0;
    return out ? xs_out_write(out, j->page, XS_PAGE_SIZE) : XS_OK;
}

/* The payload of the current libxc record, copied to out (or skipped
 * when out is NULL).  A PV PAGE_DATA with page-table pages has those pages
 * read, so that every entry can be checked (validate.c); the other pages
 * go through in runs, by the fastest means (xs_in_copy, xs_in_skip).  A
 * visitor with page() (diff) has every page read and shown. */
int job_payload(struct job *j, struct xs_out *out)
{
    const struct xs_record *r = &j->xc.cur;
    bool all = j->visit && j->visit->page;
    if (r->type != XS_REC_PAGE_DATA || r->held < 8) {
        int rc = out ? XS_OK : job_payload_hash(j, &j->xc, "libxc", r);
        return rc != XS_OK ? rc
                           : xs_rec_payload_take(&j->xc, out, UINT64_MAX);
    }
    /* the writing pass after a precheck: the pages were checked, so the
     * payload goes through whole (one kernel copy); a PV guest's pages on
     * an input that cannot look back are looked at as they pass, for the
     * start info page */
    bool si = j->v.guest == XS_GUEST_X86_PV && !xs_in_seekable(j->in) &&
              !xs_in_checked(j->in);
    if ((!j->v.pt_pages || xs_in_checked(j->in)) && !all && !si)
        return xs_rec_payload_take(&j->xc, out, UINT64_MAX);
    uint32_t count = xs_le32(r->body);
    /* only a record whose length the body rule accepted is walked */
    if (r->held != 8 + 8 * (uint64_t)count ||
        xs_record_payload(r) != j->v.data_pages * XS_PAGE_SIZE)
        return xs_rec_payload_take(&j->xc, out, UINT64_MAX);
    uint64_t run = 0, at = r->offset + XS_REC_HDR_SIZE + r->held;
    int rc = XS_OK;
    for (uint32_t i = 0, n; i < count && rc == XS_OK; i += n) {
        /* a run of entries of one type (xs_pfn_run): without data it is
         * not in the payload; pages that need no look go on in one piece */
        n = xs_pfn_run(r->body + 8, i, count);
        unsigned t = xs_pfn_type(xs_le64(r->body + 8 + 8 * (size_t)i));
        bool pt = j->v.pt_pages && (t & 7u) != 0;
        if (!xs_pfinfo_has_data(t))
            continue;
        if (!pt && !all && !si) {
            run += (uint64_t)n * XS_PAGE_SIZE;
            continue;
        }
        for (uint32_t k = i; k < i + n && rc == XS_OK; k++)
            rc = payload_page(j, out, r, k, pt, all, si, &at, &run);
    }
    return rc != XS_OK ? rc : xs_rec_payload_take(&j->xc, out, UINT64_MAX);
}

/* process_start_info() reads the start info page when the stream ends.
 * On a regular file the page is found again (the last PAGE_DATA record
 * that carries its pfn); a pipe or gzip cannot look back and judges the
 * page as it last passed (start_info_end()).  Both end in the one
 * decision, xs_validate_start_info(). */
int job_start_info(struct job *j)
{
    struct xs_validate *v = &j->v;
    if (xs_in_checked(j->in) || !xs_validate_start_info_wanted(v))
        return XS_OK;
    if (!xs_in_seekable(j->in)) {
        start_info_end(j);
        return XS_OK;
    }
    uint8_t buf[XS_PAGE_SIZE];
    for (size_t k = v->page_records.len / sizeof(struct xs_page_record);
         k-- > 0;) {
        struct xs_page_record pr;
        memcpy(&pr, v->page_records.p + sizeof(pr) * k, sizeof(pr));
        if (v->start_info_pfn < pr.min_pfn || v->start_info_pfn > pr.max_pfn)
            continue; /* not among this record's pages */
        uint64_t off = pr.offset;
        int64_t index = pr.index;
        int rc = xs_in_pread(j->in, off, buf, 16);
        if (rc != XS_OK)
            return rc == XS_INVALID ? XS_OK : rc;
        uint32_t count = xs_le32(buf + 8);
        uint64_t data = 0, found = UINT64_MAX;
        for (uint32_t i = 0; i < count;) {
            uint32_t chunk = count - i < 512 ? count - i : 512;
            if ((rc = xs_in_pread(j->in, off + 16 + 8 * (uint64_t)i, buf,
                                  8 * (size_t)chunk)) != XS_OK)
                return rc == XS_INVALID ? XS_OK : rc;
            /* cppcheck-suppress knownConditionTrueFalse */
            for (uint32_t e = 0; e < chunk; e++) {
                uint64_t ent = xs_le64(buf + 8 * (size_t)e);
                if (!xs_pfinfo_has_data(xs_pfn_type(ent)))
                    continue;
                if ((ent & XS_PFN_MASK) == v->start_info_pfn)
                    found = data;
                data++;
            }
            i += chunk;
        }
        if (found == UINT64_MAX)
            continue;
        uint64_t at = off + 16 + 8 * (uint64_t)count + found * XS_PAGE_SIZE;
        if ((rc = xs_in_pread(j->in, at, j->page, XS_PAGE_SIZE)) != XS_OK)
            return rc == XS_INVALID ? XS_OK : rc;
        xs_validate_start_info(v, j->page, at, index);
        return XS_OK;
    }
    /* no page of that pfn with data among the records: it never came
     * (known only when the types are kept as runs, else runs_full) or came
     * past page_records' bound */
    xs_validate_start_info(v, NULL, 0, -1);
    return XS_OK;
}
