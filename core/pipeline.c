/* Whole-stream operations: detect the layer, then drive
 * reader -> validate -> compat -> writer one record at a time.
 *
 * upgrade on a seekable input first runs a verify pass (it reads only
 * headers and pfn arrays, seeking over pages), so an invalid input is
 * refused before a byte is written.  On a pipe there is one pass; the
 * writer then withholds END until every rule has passed, so a refused
 * stream never looks complete downstream. */
#include <string.h>

#include "detect.h"
#include "fileio.h"
#include "libxc.h"
#include "validate.h"
#include "writer.h"

struct job {
    struct xs_in *in;
    struct xs_out *out;        /* NULL: verify only */
    struct xs_report *rep;
    struct xs_summary *sum;
    bool stop_at_error;        /* upgrade: the first fault ends the run */
    struct xs_libxc_reader rd;
    struct xs_validate v;
    struct xs_compat cp;
    struct xs_writer w;
};

static int copy_payload(void *src, struct xs_out *out)
{
    return xs_libxc_payload_copy(src, out);
}

static int emit(const struct xs_record *r, void *ctx)
{
    struct job *j = ctx;
    return xs_writer_record(&j->w, r, copy_payload, &j->rd);
}

/* Bytes after the outermost END: reported, and kept by upgrade. */
static int trailing(struct job *j)
{
    long have = xs_in_need(j->in, 1);
    if (have < 0)
        return XS_IO;
    if (have == 0)
        return XS_OK;
    uint64_t at = xs_in_offset(j->in), n;
    int rc = j->out ? xs_in_copy(j->in, j->out, UINT64_MAX, &n)
                    : xs_in_skip(j->in, UINT64_MAX, &n);
    if (rc != XS_OK)
        return rc;
    xs_report_add(j->rep, XS_SEV_WARNING, "libxc.trailing", at, -1,
                  "after END",
                  "%llu bytes after the final END record (Xen never reads "
                  "them; upgrade keeps them)",
                  (unsigned long long)n);
    return XS_OK;
}

static int run_libxc(struct job *j)
{
    struct xs_libxc_ihdr ih;
    struct xs_libxc_dhdr dh;
    unsigned version;
    int rc;

    xs_libxc_reader_init(&j->rd, j->in, j->rep);
    rc = xs_libxc_read_headers(&j->rd, &ih, &dh, &version);
    if (rc != XS_OK)
        goto out;
    j->sum->version = version;
    j->sum->guest = dh.type;
    xs_validate_init(&j->v, j->rep, version, dh.type);
    xs_compat_init(&j->cp, version, dh.type);
    if (j->out) {
        xs_writer_init(&j->w, j->out);
        if ((rc = xs_writer_headers(&j->w, &ih, &dh)) != XS_OK)
            goto out;
    }

    for (;;) {
        const struct xs_record *r;
        unsigned errors = j->rep->errors;
        if ((rc = xs_libxc_next(&j->rd, &r)) != XS_OK)
            goto out;
        xs_validate_record(&j->v, r);
        if (j->stop_at_error && j->rep->errors > errors) {
            rc = XS_INVALID;
            goto out;
        }
        bool end = r->type == XS_REC_END;
        if (j->out)
            rc = xs_compat_push(&j->cp, r, emit, j);
        else
            rc = xs_libxc_payload_skip(&j->rd);
        if (rc == XS_OK)
            rc = xs_libxc_finish(&j->rd);
        if (rc != XS_OK)
            goto out;
        if (end)
            break;
    }
    rc = trailing(j);

out:
    j->sum->records = j->v.records;
    j->sum->pages = j->v.pages;
    j->sum->sde_inserted = j->cp.inserted;
    j->sum->dropped = j->cp.dropped;
    xs_libxc_reader_free(&j->rd);
    if (j->out)
        xs_writer_free(&j->w);
    if (rc == XS_OK && j->rep->errors)
        rc = XS_INVALID;
    return rc;
}

static int run(struct job *j)
{
    long have = xs_in_need(j->in, XS_DETECT_BYTES);
    if (have < 0)
        return XS_IO;
    const uint8_t *p = xs_in_peek(j->in);
    enum xs_layer l = xs_detect(p, (size_t)have);
    int rc;

    memset(&j->cp, 0, sizeof(j->cp));
    memset(&j->v, 0, sizeof(j->v));
    switch (l) {
    case XS_LAYER_LIBXC:
        j->sum->layers = "libxc";
        rc = run_libxc(j);
        break;
    case XS_LAYER_GZIP:
    case XS_LAYER_XL:
    case XS_LAYER_LIBVIRT:
    case XS_LAYER_XENSERVER:
    case XS_LAYER_LIBXL:
        xs_report_add(j->rep, XS_SEV_ERROR, "detect.unsupported", 0, -1,
                      xs_layer_name(l),
                      "%s container: not supported by this build yet",
                      xs_layer_name(l));
        rc = XS_INVALID;
        break;
    default:
        xs_report_add(j->rep, XS_SEV_ERROR, "detect.unknown", 0, -1, "input",
                      "%s", xs_detect_describe(p, (size_t)have));
        rc = XS_INVALID;
        break;
    }
    j->sum->bytes_in = xs_in_offset(j->in);
    j->sum->bytes_read = xs_in_bytes_read(j->in);
    if (j->out)
        j->sum->bytes_out = xs_out_written(j->out);
    return rc;
}

int xs_verify(struct xs_in *in, struct xs_report *rep, struct xs_summary *sum)
{
    struct xs_summary dummy;
    struct job j = {.in = in, .rep = rep, .sum = sum ? sum : &dummy};
    memset(j.sum, 0, sizeof(*j.sum));
    return run(&j);
}

int xs_upgrade_precheck(struct xs_in *in, struct xs_report *rep,
                        struct xs_summary *sum)
{
    struct xs_summary dummy;
    struct job j = {.in = in, .rep = rep, .sum = sum ? sum : &dummy,
                    .stop_at_error = true};
    memset(j.sum, 0, sizeof(*j.sum));
    if (!xs_in_seekable(in))
        return XS_OK;
    int rc = run(&j);
    if (rc == XS_OK)
        rc = xs_in_rewind(in);
    /* The writing pass repeats this pass's warnings: keep it quiet. */
    if (rc == XS_OK)
        rep->quiet = true;
    return rc;
}

int xs_upgrade(struct xs_in *in, struct xs_out *out, struct xs_report *rep,
               struct xs_summary *sum)
{
    struct xs_summary dummy;
    struct job j = {.in = in, .out = out, .rep = rep,
                    .sum = sum ? sum : &dummy, .stop_at_error = true};
    memset(j.sum, 0, sizeof(*j.sum));
    int rc = run(&j);
    rep->quiet = false;
    return rc;
}
