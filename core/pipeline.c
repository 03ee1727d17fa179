/* The driver: detect the outermost layer (the table in formats/layer.c),
 * hand the input to it (containers.c, stream.c), and the entry points:
 * verify, walk, convert/upgrade, digest.
 *
 * upgrade on a seekable input first runs a verify pass (it reads only
 * headers and pfn arrays, seeking over pages), so an invalid input is
 * refused before a byte is written.  On a pipe (or through a transport) there is
 * one pass; the writer then withholds the final END until every rule has
 * passed, so a refused stream never looks complete downstream, and a file
 * output is only renamed into place when the run succeeded. */
#include <stdlib.h>
#include <string.h>
#include <xxhash.h>

#include "detect.h"
#include "fileio.h"
#include "job.h"
#include "memory.h"
#include "release.h"

/* ------------------------------------------------------------------ */
/* detection and the entry points                                      */

int xs_in_detect(struct xs_in *in, const struct xs_layer **transport,
                 const struct xs_layer **l)
{
    *transport = NULL;
    *l = NULL;
    long have;
    /* a second call (xs_in_identify() before a verify) finds the decoder
     * pushed by the first: the transport is named again, not pushed */
    if (xs_in_decoding(in)) {
        *transport = xs_in_transport(in);
    } else {
        if ((have = xs_in_need(in, XS_DETECT_BYTES)) < 0)
            return XS_IO;
        *l = xs_detect(xs_in_peek(in), (size_t)have);
        if (!*l || (*l)->kind != XS_LK_TRANSPORT)
            return XS_OK;
        /* any transport row: its codec is in core/fileio.c */
        *transport = *l;
        if (xs_in_push_transport(in, *l) != XS_OK)
            return XS_IO;
    }
    if ((have = xs_in_need(in, XS_DETECT_BYTES)) < 0)
        return XS_IO;
    *l = xs_detect(xs_in_peek(in), (size_t)have);
    return XS_OK;
}

int xs_in_identify(struct xs_in *in, const char **layer)
{
    const struct xs_layer *t, *l;
    int rc = xs_in_detect(in, &t, &l);
    *layer = rc == XS_OK && l ? l->name : NULL;
    /* corrupt compressed data is an invalid input, as verify says */
    return rc == XS_IO && xs_in_failure(in) == XS_INVALID ? XS_INVALID : rc;
}

/* The outermost layer, and what it wraps, by its kind. */
static int run_layers(struct job *j)
{
    const struct xs_layer *t, *l;
    int rc;

    rc = xs_in_detect(j->in, &t, &l);
    /* a transport is named even when what it decodes cannot be read (a
     * gzip member or zstd frame damaged from its first block is an
     * invalid "gzip" or "zstd" input: verify --json and info report the
     * layer) */
    if (t)
        job_layer(j, t);
    if (rc != XS_OK)
        return XS_IO;
    if (t && l && l->kind == XS_LK_TRANSPORT) {
        /* one transport at most (gzip in gzip, zstd in gzip, ...): what a
         * save or a migration writes is compressed once (the rule was
         * detect.gzip_twice while gzip was the only transport) */
        xs_report_add(j->rep, XS_SEV_ERROR, "detect.transport_twice", 0, -1,
                      "input",
                      "%s inside %s: decompress the outer layer first",
                      l->name, t->name);
        return XS_INVALID;
    }
    if (j->conv && j->conv->config && (!l || strcmp(l->name, "xl") != 0)) {
        /* only xl's header carries a domain config */
        xs_report_add(j->rep, XS_SEV_ERROR, "convert.config", 0, -1, "input",
                      "--config: the image is %s, not an xl save file: it "
                      "has no domain config to replace",
                      l ? l->name : "no image");
        return XS_INVALID;
    }
    switch (l ? l->kind : XS_LK_REFUSED) {
    case XS_LK_LIBXC:
        rc = job_libxc(j);
        if (rc == XS_OK)
            rc = job_trailing(j);
        break;
    case XS_LK_LIBXL:
        rc = job_libxl(j);
        break;
    case XS_LK_CONTAINER:
        job_layer(j, l);
        rc = job_container(j, l);
        break;
    default: {
        long have = xs_in_need(j->in, XS_DETECT_BYTES);
        if (have < 0)
            return XS_IO;
        xs_report_add(j->rep, XS_SEV_ERROR, "detect.unknown", 0, -1, "input",
                      "%s%s%s", t ? t->name : "",
                      t ? "-compressed, and inside: " : "",
                      xs_detect_describe(xs_in_peek(j->in), (size_t)have));
        rc = XS_INVALID;
        break;
    }
    }
    if (rc == XS_OK || rc == XS_INVALID) {
        int g = xs_in_transport_check(j->in, rc == XS_INVALID);
        rc = g != XS_OK ? g : rc;
    }
    return rc;
}

static int run_job(struct job *j)
{
    memset(j->sum, 0, sizeof(*j->sum));
    int rc = run_layers(j);
    /* a file written meanwhile was not read as one image
     * (docs/behaviour.md §5) */
    if (rc != XS_IO) {
        int u = xs_in_unchanged(j->in);
        rc = u != XS_OK ? u : rc;
    }
    /* corrupt compressed data is an invalid input, not an I/O error */
    if (rc == XS_IO && xs_in_failure(j->in) == XS_INVALID)
        rc = XS_INVALID;
    if (rc == XS_OK && j->rep->errors)
        rc = XS_INVALID;
    xs_guest_policy_free(&j->gpol);
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

int xs_verify_target(struct xs_in *in, struct xs_report *rep,
                     struct xs_summary *sum, const struct xs_target *t)
{
    struct xs_summary dummy = {0};
    struct job j = {.in = in, .rep = rep, .sum = sum ? sum : &dummy,
                    .xen = t ? t->xen : NULL,
                    .target = t && t->host ? t : NULL};
    xs_release_note(j.xen, rep);
    return run_job(&j);
}

int xs_verify_for(struct xs_in *in, struct xs_report *rep,
                  struct xs_summary *sum, const struct xs_release *xen)
{
    const struct xs_target t = {.xen = xen};
    return xs_verify_target(in, rep, sum, &t);
}

int xs_walk_cut(struct xs_in *in, struct xs_report *rep,
                struct xs_summary *sum, const struct xs_visitor *v,
                xs_cut_fn cut)
{
    struct xs_summary dummy = {0};
    struct job j = {.in = in, .rep = rep, .sum = sum ? sum : &dummy,
                    .visit = v, .cut = cut};
    return run_job(&j);
}

int xs_walk(struct xs_in *in, struct xs_report *rep, struct xs_summary *sum,
            const struct xs_visitor *v)
{
    return xs_walk_cut(in, rep, sum, v, NULL);
}

static const struct xs_convert_opts to_v3 = {.to_version = 3};

/* A conversion for a host (the live backend's) checks the host's rules as
 * verify --host-policy does: the job sees them only with a host, and not
 * for a target whose vendor alone is checked (stream.c). */
static const struct xs_target *conv_target(const struct xs_convert_opts *o)
{
    return o && o->target && o->target->host && !o->target->vendor_only
               ? o->target
               : NULL;
}

int xs_convert_precheck(struct xs_in *in, struct xs_report *rep,
                        struct xs_summary *sum,
                        const struct xs_convert_opts *o)
{
    struct xs_summary dummy = {0};
    struct job j = {.in = in, .rep = rep, .sum = sum ? sum : &dummy,
                    .conv = o, .target = conv_target(o),
                    .stop_at_error = true};
    /* A pipe, or a transport (reading it twice costs a second
     * decompression), is checked on its way through (see above). */
    long have = xs_in_need(in, XS_DETECT_BYTES);
    if (have < 0)
        return XS_IO;
    const struct xs_layer *l = xs_detect(xs_in_peek(in), (size_t)have);
    if (!xs_in_seekable(in) || (l && l->kind == XS_LK_TRANSPORT))
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
                    .target = conv_target(o), .stop_at_error = true};
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
    struct xs_out *sinks[XS_DIGEST_LAYERS] = {0}, *content;
    struct job j = {.in = in, .rep = rep, .sum = sum ? sum : &dummy,
                    .conv = &to_v3, .stop_at_error = true, .sinks = sinks};
    int rc = XS_OK;
    memset(d, 0, sizeof(*d));
    if (xs_digest_slots() > XS_DIGEST_LAYERS) {
        /* a layer with bytes of its own added without its slot in the
         * public struct (HACKING.md, "A container layer") */
        xs_report_add(rep, XS_SEV_ERROR, "io", 0, -1, "digest",
                      "this build has %u digest slots for %d: "
                      "XS_DIGEST_LAYERS is short",
                      xs_digest_slots(), XS_DIGEST_LAYERS);
        return XS_IO;
    }
    content = xs_out_digest("content digest", rep);
    for (unsigned s = 0; s < XS_DIGEST_LAYERS && content; s++)
        if (!(sinks[s] = xs_out_digest(xs_digest_slot_name(s + 1), rep)))
            rc = XS_IO;
    if (!content)
        rc = XS_IO;
    if (rc == XS_OK) {
        /* the libxc stream in its canonical v3 form, as upgrade writes it;
         * each container's bytes apart */
        j.xc_out = content;
        /* until a layer is entered */
        j.out = sinks[xs_digest_slots() - 1];
        rc = run_job(&j);
    }
    if (rc == XS_OK) {
        d->content_bytes = xs_out_written(content);
        rc = xs_out_digest_take(content, d->content);
    }
    for (unsigned s = 0; s < XS_DIGEST_LAYERS && rc == XS_OK; s++) {
        uint64_t n = xs_out_written(sinks[s]);
        if (!(j.sinks_used & (1u << s)))
            continue;
        d->layer[d->n].layer = xs_digest_slot_name(s + 1);
        d->layer[d->n].bytes = n;
        rc = xs_out_digest_take(sinks[s], d->layer[d->n].hash);
        d->n++;
    }
    xs_out_abort(content);
    for (unsigned s = 0; s < XS_DIGEST_LAYERS; s++)
        xs_out_abort(sinks[s]);
    return rc;
}
