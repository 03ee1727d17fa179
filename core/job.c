/* The helpers every layer of a run shares (job.h): entering a layer,
 * bytes kept or skipped, truncations, what follows the outermost END. */
#include <stdio.h>
#include <string.h>
#include <xxhash.h>

#include "fileio.h"
#include "job.h"

void job_layer(struct job *j, const struct xs_layer *l)
{
    unsigned slot = xs_layer_digest_slot(l);
    if (slot)
        job_sink(j, slot);
    size_t n = strlen(j->sum->layers);
    snprintf(j->sum->layers + n, sizeof(j->sum->layers) - n, "%s%s",
             n ? "+" : "", l->name);
}

int job_pass(struct job *j, const void *p, size_t n)
{
    return j->out && n ? xs_out_write(j->out, p, n) : XS_OK;
}

int job_read(struct job *j, void *p, size_t n, const char *rule,
             const char *where)
{
    return xs_read_exact(j->in, j->rep, p, n, rule, where, where);
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
    job_sink(j, xs_digest_slots());
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
