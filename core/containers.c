/* The layers around a libxc stream (docs/behaviour.md §1): the libxl
 * stream, read here, and the containers (xl, libvirt, XenServer), each
 * walked by its descriptor (formats/layer.h) through struct xs_layer_io,
 * implemented here over the run.  upgrade keeps every byte of them as it
 * is and rewrites only the libxc stream inside. */
#include <string.h>

#include "fileio.h"
#include "job.h"
#include "libxl.h"
#include "release.h"

/* ------------------------------------------------------------------ */
/* libxl                                                               */

/* A libxl record as it was read: header, held body, then the payload
 * (copied, or skipped by verify). */
static int libxl_write(struct job *j, const struct xs_record *r)
{
    uint8_t h[XS_REC_HDR_SIZE];
    xs_rec_hdr_encode(r->type, r->length, h);
    int rc = job_pass(j, h, sizeof(h));
    if (rc == XS_OK)
        rc = job_pass(j, r->body, r->held);
    if (rc == XS_OK && !j->out)
        rc = job_payload_hash(j, &j->xl, "libxl", r);
    return rc != XS_OK ? rc : xs_rec_payload_take(&j->xl, j->out, UINT64_MAX);
}

/* libxl records up to (and including) `until`: the libxl END, or the
 * CHECKPOINT_END that closes a checkpoint. */
static int libxl_records(struct job *j, uint32_t until)
{
    for (;;) {
        const struct xs_record *r;
        int rc = xs_rec_next(&j->xl, &r);
        if (rc != XS_OK)
            return rc;
        xs_validate_libxl_record(&j->vl, r);
        xs_release_libxl_record(j->xen, j->conv ? j->conv->to_xen : NULL,
                                r, j->rep, j->sum);
        job_record(j, "libxl", r);
        if ((rc = job_fault(j)) != XS_OK)
            return rc;
        uint32_t type = r->type;
        if ((rc = libxl_write(j, r)) != XS_OK ||
            (rc = xs_rec_finish(&j->xl)) != XS_OK ||
            (rc = job_pass(j, j->xl.pad, j->xl.pad_len)) != XS_OK)
            return rc;
        if (type == until)
            return XS_OK;
        if (type == XS_LREC_END)
            /* inside a checkpoint: reported; the libxc stream cannot
             * resume after the libxl END */
            return XS_INVALID;
        if (type == XS_LREC_LIBXC_CONTEXT && !j->vl.in_checkpoint) {
            /* the libxc stream follows inline */
            if ((rc = job_libxc(j)) != XS_OK || j->ended)
                return rc;
        }
    }
}

int job_libxl_checkpoint(struct job *j)
{
    j->vl.in_checkpoint = true;
    job_sink(j, xs_layer_digest_slot(&xs_layer_libxl));
    return libxl_records(j, XS_LREC_CHECKPOINT_END);
}

int job_libxl(struct job *j)
{
    uint8_t h[XS_LIBXL_HDR_SIZE];
    struct xs_libxl_hdr hdr;
    uint64_t at = xs_in_offset(j->in);
    int rc;

    job_layer(j, &xs_layer_libxl);
    j->sum->libxl = true;
    if ((rc = job_read(j, h, sizeof(h), "libxl.truncated", "libxl header")))
        return rc;
    xs_libxl_hdr_decode(h, &hdr);
    if ((rc = xs_libxl_check_hdr(&hdr, at, j->rep)) != XS_OK)
        return rc;
    j->sum->libxl_legacy = (hdr.options & XS_LIBXL_OPT_LEGACY) != 0;
    job_header(j, "libxl", at, h, sizeof(h));
    if ((rc = job_pass(j, h, sizeof(h))) != XS_OK)
        return rc;

    xs_rec_reader_init(&j->xl, &xs_libxl_layer, j->in, j->rep);
    xs_validate_libxl_init(&j->vl, j->rep, j->sum);
    j->in_libxl = true;
    rc = libxl_records(j, XS_LREC_END);
    j->in_libxl = false;
    xs_rec_reader_free(&j->xl);
    if (rc == XS_OK && !j->ended)
        rc = job_trailing(j);
    return rc;
}

_Static_assert(XS_RECORD_END == XS_REC_END && XS_RECORD_END == XS_LREC_END,
               "END is type 0 in both record streams");

/* What follows a container header must be a libxl stream. */
static int expect_libxl(struct job *j, const char *container)
{
    long have = xs_in_need(j->in, XS_DETECT_BYTES);
    if (have < 0)
        return XS_IO;
    const struct xs_layer *l = xs_detect(xs_in_peek(j->in), (size_t)have);
    if (l == &xs_layer_libxl)
        return job_libxl(j);
    xs_report_add(j->rep, XS_SEV_ERROR, "container.payload",
                  xs_in_offset(j->in), -1, container,
                  "a libxl stream should follow the %s header, found %s",
                  container,
                  have == 0 ? "the end of the input"
                            : !l ? "unknown bytes" : l->name);
    return XS_INVALID;
}

/* ------------------------------------------------------------------ */
/* a container, walked by its descriptor                               */

_Static_assert(sizeof(((struct xs_summary *)0)->cfg_name) ==
                   sizeof(((struct xs_xl_config *)0)->name) &&
               sizeof(((struct xs_summary *)0)->cfg_type) ==
                   sizeof(((struct xs_xl_config *)0)->type),
               "the summary keeps the config's facts whole");

/* What the container's header said, into the summary: before the stream
 * inside is read (its rules look at the config), and at the end. */
static void facts_to_summary(struct xs_summary *s,
                             const struct xs_layer_facts *f)
{
    if (!f->xl)
        return;
    s->xl = true;
    s->xl_mandatory = f->xl_mandatory;
    s->xl_optional = f->xl_optional;
    const struct xs_xl_config *c = &f->config;
    if (c->sized) {
        s->config_bytes = c->bytes;
        s->config_json = c->json;
    }
    if (!c->parsed)
        return;
    s->have_config = true;
    memcpy(s->cfg_name, c->name, sizeof(s->cfg_name));
    memcpy(s->cfg_type, c->type, sizeof(s->cfg_type));
    memcpy(s->cfg_type_old, c->type_old, sizeof(s->cfg_type_old));
    s->cfg_memory_mib = c->memory_mib;
    s->cfg_vcpus = c->vcpus;
    s->cfg_offset = c->at;
    s->cfg_cpuid_object = c->cpuid_object;
    s->cfg_cpuid_msr = c->cpuid_msr;
    s->cfg_qemu_trad = c->qemu_trad;
    s->cfg_refused = c->refused;
}

/* The config against a release's rules, once, before the stream inside
 * is read. */
static void config_rules(struct job *j, const struct xs_layer_facts *f)
{
    facts_to_summary(j->sum, f);
    if (f->xl)
        xs_release_check_config(j->xen, j->conv ? j->conv->to_xen : NULL,
                                j->sum, j->rep);
}

struct container_run {
    struct job *j;
    struct xs_layer_facts facts;
};

static uint64_t io_offset(void *run)
{
    return xs_in_offset(((struct container_run *)run)->j->in);
}

static int io_read(void *run, void *p, size_t n, const char *rule,
                   const char *where)
{
    return job_read(((struct container_run *)run)->j, p, n, rule, where);
}

static int io_read_buf(void *run, struct xs_buf *b, size_t n, size_t *got)
{
    return xs_in_read_buf(((struct container_run *)run)->j->in, b, n, got);
}

static int io_keep(void *run, const void *p, size_t n)
{
    return job_pass(((struct container_run *)run)->j, p, n);
}

static int io_keep_input(void *run, uint64_t n, const char *rule,
                         const char *where, const char *what)
{
    return job_pass_input(((struct container_run *)run)->j, n, rule, where,
                          what);
}

static void io_header(void *run, const char *what, uint64_t at,
                      const void *p, uint64_t n)
{
    job_header(((struct container_run *)run)->j, what, at, p, n);
}

static int io_fault(void *run)
{
    return job_fault(((struct container_run *)run)->j);
}

static int io_libxl(void *run, const char *container)
{
    struct container_run *c = run;
    config_rules(c->j, &c->facts);
    if (job_fault(c->j) != XS_OK)
        return XS_INVALID;
    return expect_libxl(c->j, container);
}

static int io_libxc(void *run)
{
    struct container_run *c = run;
    config_rules(c->j, &c->facts);
    if (job_fault(c->j) != XS_OK)
        return XS_INVALID;
    return job_libxc(c->j);
}

static int io_trailing(void *run)
{
    return job_trailing(((struct container_run *)run)->j);
}

int job_container(struct job *j, const struct xs_layer *l)
{
    struct container_run c = {.j = j};
    const struct xs_release *xl_rel = job_config_release(j);
    const struct xs_layer_io io = {
        .run = &c, .rep = j->rep, .facts = &c.facts,
        .offset = io_offset, .read = io_read, .read_buf = io_read_buf,
        .keep = io_keep, .keep_input = io_keep_input, .header = io_header,
        .fault = io_fault, .libxl = io_libxl, .libxc = io_libxc,
        .trailing = io_trailing,
        /* libxl_cpuid.c: 4.17 and older read only the array form */
        .cpuid_array = j->conv && j->conv->to_xen &&
                       !j->conv->to_xen->cpuid_object,
        .config = j->conv ? j->conv->config : NULL,
        .config_len = j->conv ? j->conv->config_len : 0,
        /* the config is read as that release's xl reads it */
        .xl_minor = xl_rel ? xl_rel->rules_minor : 0,
    };
    int rc = l->walk(&io);
    facts_to_summary(j->sum, &c.facts);
    return rc;
}
