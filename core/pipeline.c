/* Whole-stream operations: detect the outermost layer, walk the containers
 * (containers.c) down to the libxc stream, and drive
 * reader -> validate -> compat -> writer over it one record at a time.
 *
 * upgrade on a seekable input first runs a verify pass (it reads only
 * headers and pfn arrays, seeking over pages), so an invalid input is
 * refused before a byte is written.  On a pipe (or through gzip) there is
 * one pass; the writer then withholds the final END until every rule has
 * passed, so a refused stream never looks complete downstream, and a file
 * output is only renamed into place when the run succeeded. */
#include <stdlib.h>
#include <string.h>
#include <xxhash.h>

#include "detect.h"
#include "endian.h"
#include "fileio.h"
#include "job.h"
#include "release.h"
#include "xl.h"

static const char *const sink_names[JS_NR] = {
    [JS_XL] = "xl", [JS_LIBXL] = "libxl", [JS_LIBVIRT] = "libvirt",
    [JS_XENSERVER] = "xenserver", [JS_AFTER_END] = "after END",
};

void job_layer(struct job *j, const char *name)
{
    for (int s = 0; s < JS_NR; s++)
        if (strcmp(name, sink_names[s]) == 0)
            job_sink(j, (enum job_sink)s);
    size_t n = strlen(j->sum->layers);
    snprintf(j->sum->layers + n, sizeof(j->sum->layers) - n, "%s%s",
             n ? "+" : "", name);
}

int job_pass(struct job *j, const void *p, size_t n)
{
    return j->out && n ? xs_out_write(j->out, p, n) : XS_OK;
}

int job_read(struct job *j, void *p, size_t n, const char *rule,
             const char *where)
{
    size_t got;
    uint64_t at = xs_in_offset(j->in);
    if (xs_in_read(j->in, p, n, &got) != XS_OK)
        return XS_IO;
    if (got < n) {
        xs_report_add(j->rep, XS_SEV_ERROR, rule, at + got, -1, where,
                      "truncated: the %zu-byte %s ends after %zu bytes", n,
                      where, got);
        return XS_INVALID;
    }
    return XS_OK;
}

int job_pass_input(struct job *j, uint64_t n, const char *rule,
                   const char *where, const char *what)
{
    uint64_t done, at = xs_in_offset(j->in);
    int rc = j->out ? xs_in_copy(j->in, j->out, n, &done)
                    : xs_in_skip(j->in, n, &done);
    if (rc != XS_OK)
        return rc;
    if (done < n) {
        xs_report_add(j->rep, XS_SEV_ERROR, rule, at + done, -1, where,
                      "truncated: %s needs %llu bytes, the input ends after "
                      "%llu",
                      what, (unsigned long long)n, (unsigned long long)done);
        return XS_INVALID;
    }
    return XS_OK;
}

int job_trailing(struct job *j)
{
    /* What `xl migrate` sends after the stream is its handshake: exactly
     * recognised, reported as a note and kept.  Anything else Xen never
     * reads: a warning, and upgrade keeps it too. */
    long have = xs_in_need(j->in, XS_XL_MIGRATE_GO_SIZE + 1);
    if (have < 0)
        return XS_IO;
    if (have == 0)
        return XS_OK;
    job_sink(j, JS_AFTER_END);
    bool handshake = (size_t)have == XS_XL_MIGRATE_GO_SIZE &&
                     memcmp(xs_in_peek(j->in), XS_XL_MIGRATE_GO,
                            XS_XL_MIGRATE_GO_SIZE) == 0;
    uint64_t at = xs_in_offset(j->in), n;
    int rc = j->out ? xs_in_copy(j->in, j->out, UINT64_MAX, &n)
                    : xs_in_skip(j->in, UINT64_MAX, &n);
    if (rc != XS_OK)
        return rc;
    j->sum->trailer_bytes = n;
    if (handshake) {
        j->sum->trailer = XS_TRAILER_XL_MIGRATE;
        xs_report_add(j->rep, XS_SEV_NOTE, "trailing.xl_migrate", at, -1,
                      "after END",
                      "xl migrate's handshake (\"%s\") follows the stream: "
                      "a capture of xl migrate; kept",
                      XS_XL_MIGRATE_GO);
    } else {
        j->sum->trailer = XS_TRAILER_OTHER;
        xs_report_add(j->rep, XS_SEV_WARNING, "trailing", at, -1, "after END",
                      "%llu bytes after the final END record (Xen never reads "
                      "them; upgrade keeps them)",
                      (unsigned long long)n);
    }
    job_header(j, "after END", at, NULL, n);
    return XS_OK;
}

/* ------------------------------------------------------------------ */
/* the libxc stream                                                    */

int job_payload_hash(struct job *j, struct xs_rec_reader *rr,
                     const char *layer, const struct xs_record *r)
{
    if (!j->visit || !j->visit->payload || !rr->payload_left)
        return XS_OK;
    XXH3_state_t *h = XXH3_createState();
    if (!h || XXH3_64bits_reset(h) != XXH_OK) {
        XXH3_freeState(h);
        xs_report_add(j->rep, XS_SEV_ERROR, "io", r->offset, r->index,
                      "payload", "cannot hash: out of memory");
        return XS_IO;
    }
    int rc = XS_OK;
    while (rr->payload_left && rc == XS_OK) {
        size_t n = rr->payload_left < sizeof(j->page) ? rr->payload_left
                                                      : sizeof(j->page);
        if ((rc = xs_rec_payload_read(rr, j->page, n)) == XS_OK)
            XXH3_64bits_update(h, j->page, n);
    }
    if (rc == XS_OK)
        j->visit->payload(j->visit->ctx, layer, r, XXH3_64bits_digest(h));
    XXH3_freeState(h);
    return rc;
}

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

static void si_free(struct job *j)
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

/* One page of payload()'s walk that is looked at, entry i of PAGE_DATA
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
static int payload(struct job *j, struct xs_out *out)
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
static int check_start_info(struct job *j)
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

static int copy_payload(void *src, struct xs_out *out)
{
    return payload(src, out);
}

static int emit(const struct xs_record *r, void *ctx)
{
    struct job *j = ctx;
    if (j->passthrough && !r->synthetic &&
        xs_libxc_padding(r->length) == 0 &&
        xs_libxc_is_canonical(r->type, r->body, r->held)) {
        /* the record as it stands in the input is its canonical form (no
         * reserved bit set, no padding to clear): copied from there, its
         * payload skipped in the stream */
        uint64_t n = XS_REC_HDR_SIZE + (uint64_t)r->length +
                     xs_libxc_padding(r->length);
        int rc = xs_out_copy_range(j->xc_out, j->in, r->offset, n);
        if (rc == XS_OK)
            rc = payload(j, NULL);
        if (rc == XS_OK)
            j->w.records++;
        return rc;
    }
    return xs_writer_record(&j->w, r, copy_payload, j);
}

static int libxc_records(struct job *j)
{
    for (;;) {
        const struct xs_record *r;
        int rc = xs_rec_next(&j->xc, &r);
        if (rc != XS_OK)
            return rc;
        if (!r) {
            /* end of input right after a checkpoint (eof_ok) */
            xs_report_add(j->rep, XS_SEV_WARNING, "libxl.unterminated",
                          xs_in_offset(j->in), -1, "end of input",
                          "the checkpointed stream stops after a complete "
                          "CHECKPOINT_END without END records, as a Remus/"
                          "COLO capture does (kept as is)");
            j->sum->unterminated = true;
            j->ended = true;
            return XS_OK;
        }
        j->xc.eof_ok = false;
        xs_validate_record(&j->v, r);
        xs_release_check_record(j->xen, r, j->rep, j->sum);
        if (j->conv)
            xs_compat_refuse(&j->cp, r, j->rep);
        if (r->type == XS_REC_END && (rc = check_start_info(j)) != XS_OK)
            return rc;
        job_record(j, "libxc", r);
        if ((rc = job_fault(j)) != XS_OK)
            return rc;
        uint32_t type = r->type;
        if (j->xc_out)
            rc = xs_compat_push(&j->cp, r, emit, j);
        else
            rc = payload(j, NULL);
        /* a fault in a page-table page ends an upgrade here */
        if (rc == XS_OK)
            rc = job_fault(j);
        if (rc == XS_OK)
            rc = xs_rec_finish(&j->xc);
        if (rc != XS_OK)
            return rc;
        if (type == XS_REC_END)
            return XS_OK;
        if (type == XS_REC_CHECKPOINT && j->in_libxl) {
            /* libxc's checkpoint callback: libxl records follow up to
             * CHECKPOINT_END, then libxc records resume (or a Remus
             * capture ends here). */
            if ((rc = job_libxl_checkpoint(j)) != XS_OK)
                return rc;
            j->xc.eof_ok = true;
        }
    }
}

int job_libxc(struct job *j)
{
    struct xs_libxc_ihdr ih;
    struct xs_libxc_dhdr dh;
    unsigned version;
    int rc;

    job_layer(j, "libxc");
    xs_rec_reader_init(&j->xc, &xs_libxc_layer, j->in, j->rep);
    uint64_t at = xs_in_offset(j->in);
    rc = xs_libxc_read_headers(&j->xc, &ih, &dh, &version);
    if (rc != XS_OK)
        goto out;
    if (j->visit) {
        uint8_t h[XS_LIBXC_IHDR_SIZE + XS_LIBXC_DHDR_SIZE];
        xs_libxc_ihdr_encode(&ih, h);
        xs_libxc_dhdr_encode(&dh, h + XS_LIBXC_IHDR_SIZE);
        job_header(j, "libxc", at, h, sizeof(h));
    }
    j->sum->version = version;
    j->sum->guest = dh.type;
    j->sum->page_shift = dh.page_shift;
    j->sum->xen_major = dh.xen_major;
    j->sum->xen_minor = dh.xen_minor;
    xs_release_check_header(j->xen, version, at, j->rep, j->sum);
    xs_validate_init(&j->v, j->rep, j->sum, version, dh.type);
    xs_compat_init(&j->cp, version, dh.type);
    if (j->conv && j->conv->to_version < 3)
        xs_compat_to_v2(&j->cp, j->conv->drop_cpu_policy);
    /* From a regular file to a regular file, a record already in canonical
     * form is copied as it stands, adjacent ones in one kernel copy; only
     * the headers, inserted records and records with something to clear
     * are written (see emit()). */
    j->passthrough = j->xc_out && !j->sinks &&
                     xs_out_can_copy_range(j->xc_out, j->in);
    if (j->xc_out) {
        xs_writer_init(&j->w, j->xc_out, j->cp.to_version);
        rc = xs_writer_headers(&j->w, &ih, &dh);
    }
    if (rc == XS_OK)
        rc = libxc_records(j);
    if (j->xc_out)
        xs_writer_free(&j->w);
    xs_validate_free(&j->v);
    si_free(j);
out:
    j->sum->records = j->v.records;
    j->sum->sde_inserted = j->cp.inserted;
    j->sum->sde_dropped = j->cp.sde_dropped;
    j->sum->policy_dropped = j->cp.policy_dropped;
    j->sum->dropped = j->cp.dropped;
    xs_rec_reader_free(&j->xc);
    return rc;
}

/* ------------------------------------------------------------------ */
/* detection and the entry points                                      */

static int run_layers(struct job *j)
{
    long have = xs_in_need(j->in, XS_DETECT_BYTES);
    if (have < 0)
        return XS_IO;
    const uint8_t *p = xs_in_peek(j->in);
    enum xs_layer l = xs_detect(p, (size_t)have);
    int rc;

    if (l == XS_LAYER_GZIP) {
        job_layer(j, "gzip");
        if (xs_in_push_gzip(j->in) != XS_OK)
            return XS_IO;
        if ((have = xs_in_need(j->in, XS_DETECT_BYTES)) < 0)
            return XS_IO;
        p = xs_in_peek(j->in);
        l = xs_detect(p, (size_t)have);
        if (l == XS_LAYER_GZIP) {
            xs_report_add(j->rep, XS_SEV_ERROR, "detect.gzip_twice", 0, -1,
                          "input",
                          "gzip inside gzip: decompress the outer layer "
                          "first");
            return XS_INVALID;
        }
    }
    switch (l) {
    case XS_LAYER_LIBXC:
        rc = job_libxc(j);
        if (rc == XS_OK)
            rc = job_trailing(j);
        break;
    case XS_LAYER_LIBXL:
        rc = job_libxl(j);
        break;
    case XS_LAYER_XL:
        rc = job_xl(j);
        break;
    case XS_LAYER_LIBVIRT:
        rc = job_libvirt(j);
        break;
    case XS_LAYER_XENSERVER:
        rc = job_xenserver(j);
        break;
    default:
        xs_report_add(j->rep, XS_SEV_ERROR, "detect.unknown", 0, -1, "input",
                      "%s%s", j->sum->layers[0] ? "gzip-compressed, and "
                                                  "inside: " : "",
                      xs_detect_describe(p, (size_t)have));
        rc = XS_INVALID;
        break;
    }
    if (rc == XS_OK || rc == XS_INVALID) {
        int g = xs_in_gzip_check(j->in, rc == XS_INVALID);
        rc = g != XS_OK ? g : rc;
    }
    return rc;
}

static int run_job(struct job *j)
{
    memset(j->sum, 0, sizeof(*j->sum));
    int rc = run_layers(j);
    /* a file written meanwhile was not read as one image (docs/behaviour.md §5) */
    if (rc != XS_IO) {
        int u = xs_in_unchanged(j->in);
        rc = u != XS_OK ? u : rc;
    }
    /* corrupt compressed data is an invalid input, not an I/O error */
    if (rc == XS_IO && xs_in_failure(j->in) == XS_INVALID)
        rc = XS_INVALID;
    if (rc == XS_OK && j->rep->errors)
        rc = XS_INVALID;
    j->sum->bytes_in = xs_in_offset(j->in);
    j->sum->bytes_read = xs_in_bytes_read(j->in);
    if (j->xc_out && !j->sinks)
        j->sum->bytes_out = xs_out_written(j->xc_out);
    return rc;
}

int xs_verify(struct xs_in *in, struct xs_report *rep, struct xs_summary *sum)
{
    return xs_verify_for(in, rep, sum, NULL);
}

int xs_verify_for(struct xs_in *in, struct xs_report *rep,
                  struct xs_summary *sum, const struct xs_release *xen)
{
    struct xs_summary dummy = {0};
    struct job j = {.in = in, .rep = rep, .sum = sum ? sum : &dummy,
                    .xen = xen};
    xs_release_note(xen, rep);
    return run_job(&j);
}

int xs_walk(struct xs_in *in, struct xs_report *rep, struct xs_summary *sum,
            const struct xs_visitor *v)
{
    struct xs_summary dummy = {0};
    struct job j = {.in = in, .rep = rep, .sum = sum ? sum : &dummy,
                    .visit = v};
    return run_job(&j);
}

static const struct xs_convert_opts to_v3 = {.to_version = 3};

int xs_convert_precheck(struct xs_in *in, struct xs_report *rep,
                        struct xs_summary *sum,
                        const struct xs_convert_opts *o)
{
    struct xs_summary dummy = {0};
    struct job j = {.in = in, .rep = rep, .sum = sum ? sum : &dummy,
                    .conv = o, .stop_at_error = true};
    /* A pipe, or gzip (reading it twice costs a second decompression),
     * is checked on its way through (see above). */
    long have = xs_in_need(in, XS_DETECT_BYTES);
    if (have < 0)
        return XS_IO;
    if (!xs_in_seekable(in) ||
        xs_detect(xs_in_peek(in), (size_t)have) == XS_LAYER_GZIP)
        return XS_OK;
    int rc = run_job(&j);
    if (rc == XS_OK)
        rc = xs_in_rewind(in);
    /* The writing pass repeats this pass's warnings: keep it quiet; and
     * it need not read the pages this pass checked. */
    if (rc == XS_OK) {
        rep->quiet = true;
        xs_in_set_checked(in);
    }
    return rc;
}

int xs_convert(struct xs_in *in, struct xs_out *out, struct xs_report *rep,
               struct xs_summary *sum, const struct xs_convert_opts *o)
{
    struct xs_summary dummy = {0};
    struct job j = {.in = in, .out = out, .xc_out = out, .rep = rep,
                    .sum = sum ? sum : &dummy, .conv = o,
                    .stop_at_error = true};
    int rc = run_job(&j);
    rep->quiet = false;
    return rc;
}

int xs_upgrade_precheck(struct xs_in *in, struct xs_report *rep,
                        struct xs_summary *sum)
{
    return xs_convert_precheck(in, rep, sum, &to_v3);
}

int xs_upgrade(struct xs_in *in, struct xs_out *out, struct xs_report *rep,
               struct xs_summary *sum)
{
    return xs_convert(in, out, rep, sum, &to_v3);
}

int xs_digest(struct xs_in *in, struct xs_report *rep, struct xs_summary *sum,
              struct xs_digest *d)
{
    struct xs_summary dummy = {0};
    struct xs_out *sinks[JS_NR] = {0}, *content;
    struct job j = {.in = in, .rep = rep, .sum = sum ? sum : &dummy,
                    .conv = &to_v3, .stop_at_error = true, .sinks = sinks};
    int rc = XS_OK;
    memset(d, 0, sizeof(*d));
    content = xs_out_digest("content digest", rep);
    for (int s = 0; s < JS_NR && content; s++)
        if (!(sinks[s] = xs_out_digest(sink_names[s], rep)))
            rc = XS_IO;
    if (!content)
        rc = XS_IO;
    if (rc == XS_OK) {
        /* the libxc stream in its canonical v3 form, as upgrade writes it;
         * each container's bytes apart */
        j.xc_out = content;
        j.out = sinks[JS_AFTER_END]; /* until a layer is entered */
        rc = run_job(&j);
    }
    if (rc == XS_OK) {
        d->content_bytes = xs_out_written(content);
        rc = xs_out_digest_take(content, d->content);
    }
    for (int s = 0; s < JS_NR && rc == XS_OK; s++) {
        uint64_t n = xs_out_written(sinks[s]);
        if (!(j.sinks_used & (1u << s)))
            continue;
        d->layer[d->n].layer = sink_names[s];
        d->layer[d->n].bytes = n;
        rc = xs_out_digest_take(sinks[s], d->layer[d->n].hash);
        d->n++;
    }
    xs_out_abort(content);
    for (int s = 0; s < JS_NR; s++)
        xs_out_abort(sinks[s]);
    return rc;
}
