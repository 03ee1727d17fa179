/* The container layers around a libxc stream (docs/behaviour.md §1): the libxl
 * stream, xl's save-file header, libvirt's save image and XenServer's
 * suspend image.  upgrade keeps every byte of them as it is and rewrites
 * only the libxc stream inside. */
#include <string.h>

#include "detect.h"
#include "fileio.h"
#include "job.h"
#include "libvirt.h"
#include "libxl.h"
#include "xenserver.h"
#include "xl.h"

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
    job_sink(j, JS_LIBXL);
    return libxl_records(j, XS_LREC_CHECKPOINT_END);
}

int job_libxl(struct job *j)
{
    uint8_t h[XS_LIBXL_HDR_SIZE];
    struct xs_libxl_hdr hdr;
    uint64_t at = xs_in_offset(j->in);
    int rc;

    job_layer(j, "libxl");
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

/* What follows a container header must be a libxl stream. */
static int expect_libxl(struct job *j, const char *container)
{
    long have = xs_in_need(j->in, XS_DETECT_BYTES);
    if (have < 0)
        return XS_IO;
    enum xs_layer l = xs_detect(xs_in_peek(j->in), (size_t)have);
    if (l == XS_LAYER_LIBXL)
        return job_libxl(j);
    xs_report_add(j->rep, XS_SEV_ERROR, "container.payload",
                  xs_in_offset(j->in), -1, container,
                  "a libxl stream should follow the %s header, found %s",
                  container,
                  have == 0 ? "the end of the input"
                            : l == XS_LAYER_UNKNOWN ? "unknown bytes"
                                                    : xs_layer_name(l));
    return XS_INVALID;
}

/* ------------------------------------------------------------------ */
/* xl                                                                  */

_Static_assert(sizeof(((struct xs_summary *)0)->cfg_name) ==
                   sizeof(((struct xs_xl_config *)0)->name) &&
               sizeof(((struct xs_summary *)0)->cfg_type) ==
                   sizeof(((struct xs_xl_config *)0)->type),
               "the summary keeps the config's facts whole");

static void xl_summary(struct xs_summary *s, const struct xs_xl_config *c)
{
    if (c->sized) {
        s->config_bytes = c->bytes;
        s->config_json = c->json;
    }
    if (!c->parsed)
        return;
    s->have_config = true;
    memcpy(s->cfg_name, c->name, sizeof(s->cfg_name));
    memcpy(s->cfg_type, c->type, sizeof(s->cfg_type));
    s->cfg_memory_mib = c->memory_mib;
    s->cfg_vcpus = c->vcpus;
}

int job_xl(struct job *j)
{
    uint8_t h[XS_XL_HDR_SIZE];
    struct xs_xl_hdr hdr;
    uint64_t at = xs_in_offset(j->in);
    int rc;

    job_layer(j, "xl");
    j->sum->xl = true;
    if ((rc = job_read(j, h, sizeof(h), "xl.truncated", "xl header")))
        return rc;
    xs_xl_hdr_decode(h, &hdr);
    j->sum->xl_mandatory = hdr.mandatory_flags;
    j->sum->xl_optional = hdr.optional_flags;
    if ((rc = xs_xl_check_hdr(&hdr, at, j->rep)) != XS_OK)
        return rc;
    job_header(j, "xl", at, h, sizeof(h));
    if ((rc = job_pass(j, h, sizeof(h))) != XS_OK)
        return rc;

    /* the optional data: held (for the config) up to a bound, the rest
     * passed through */
    uint64_t len = hdr.optional_data_len;
    uint32_t hold = len < XS_XL_OPTDATA_HOLD ? (uint32_t)len
                                             : XS_XL_OPTDATA_HOLD;
    struct xs_buf opt = {0};
    size_t got;
    at = xs_in_offset(j->in);
    if (xs_in_read_buf(j->in, &opt, hold, &got) != XS_OK) {
        rc = XS_IO;
    } else if (got < hold) {
        xs_report_add(j->rep, XS_SEV_ERROR, "xl.truncated", at + got, -1,
                      "xl optional data",
                      "truncated: %llu bytes of optional data announced, the "
                      "input ends after %zu",
                      (unsigned long long)len, got);
        rc = XS_INVALID;
    } else {
        struct xs_xl_config cfg = {0};
        xs_xl_check_optdata(&hdr, opt.p, got, at, j->rep, &cfg);
        xl_summary(j->sum, &cfg);
        job_header(j, "xl optional data", at, opt.p, got);
        rc = job_fault(j);
        if (rc == XS_OK)
            rc = job_pass(j, opt.p, got);
        if (rc == XS_OK && len > hold)
            rc = job_pass_input(j, len - hold, "xl.truncated",
                                "xl optional data", "the optional data");
    }
    xs_buf_free(&opt);
    return rc != XS_OK ? rc : expect_libxl(j, "xl");
}

/* ------------------------------------------------------------------ */
/* libvirt                                                             */

int job_libvirt(struct job *j)
{
    uint8_t h[XS_LIBVIRT_HDR_SIZE];
    struct xs_libvirt_hdr hdr;
    uint64_t at = xs_in_offset(j->in);
    int rc;

    job_layer(j, "libvirt");
    if ((rc = job_read(j, h, sizeof(h), "libvirt.truncated",
                       "libvirt header")))
        return rc;
    xs_libvirt_hdr_decode(h, &hdr);
    job_header(j, "libvirt", at, h, sizeof(h));
    if ((rc = xs_libvirt_check_hdr(&hdr, at, j->rep)) != XS_OK ||
        (rc = job_pass(j, h, sizeof(h))) != XS_OK)
        return rc;
    /* the domain XML is libvirt's business: kept, not read */
    if ((rc = job_pass_input(j, hdr.xml_len, "libvirt.truncated",
                             "libvirt domain XML", "the domain XML")))
        return rc;
    return expect_libxl(j, "libvirt");
}

/* ------------------------------------------------------------------ */
/* XenServer                                                           */

int job_xenserver(struct job *j)
{
    uint8_t sig[XS_XENSERVER_SIG_SIZE], h[XS_XENSERVER_HDR_SIZE];
    int rc;
    unsigned libxc = 0;

    job_layer(j, "xenserver");
    if ((rc = job_read(j, sig, sizeof(sig), "xenserver.truncated",
                       "XenServer signature")) != XS_OK ||
        (rc = job_pass(j, sig, sizeof(sig))) != XS_OK)
        return rc;
    job_header(j, "xenserver", 0, sig, sizeof(sig));
    for (int64_t index = 0;; index++) {
        uint64_t type, len, at = xs_in_offset(j->in);
        if ((rc = job_read(j, h, sizeof(h), "xenserver.truncated",
                           "XenServer record header")) != XS_OK)
            return rc;
        xs_xenserver_hdr_decode(h, &type, &len);
        job_header(j, "xenserver record", at, h, sizeof(h));
        const char *name = xs_xenserver_rec_name(type);
        if (!name) {
            /* suspend_image.ml: Invalid_header_type */
            xs_report_add(j->rep, XS_SEV_ERROR, "xenserver.type", at, index,
                          "XenServer record",
                          "unknown record type 0x%llx: xenopsd refuses it",
                          (unsigned long long)type);
            return XS_INVALID;
        }
        if (type == XS_XSR_LIBXC_LEGACY) {
            xs_report_add(j->rep, XS_SEV_ERROR, "xenserver.legacy", at, index,
                          name,
                          "a legacy (pre-Xen 4.6) libxc stream; convert it "
                          "with Xen's convert-legacy-stream first");
            return XS_INVALID;
        }
        if ((rc = job_pass(j, h, sizeof(h))) != XS_OK)
            return rc;
        if (type == XS_XSR_END)
            break;
        if (type == XS_XSR_LIBXC) {
            /* the libxc stream follows inline (its length field is 0) */
            libxc++;
            if ((rc = job_libxc(j)) != XS_OK)
                return rc;
            continue;
        }
        if ((rc = job_pass_input(j, len, "xenserver.truncated", name,
                                 "the record's data")) != XS_OK)
            return rc;
    }
    if (libxc != 1) {
        xs_report_add(j->rep, XS_SEV_ERROR, "xenserver.libxc",
                      xs_in_offset(j->in), -1, "End_of_image",
                      "the image holds %u libxc streams, not 1", libxc);
        return XS_INVALID;
    }
    return job_trailing(j);
}
