/* The libxl stream: header codec, record names, what to hold, body rules.
 * Facts from docs/specs/libxl-migration-stream.pandoc, libxl_stream_read.c,
 * libxl_dom_save.c and the reference checker
 * tools/python/xen/migration/libxl.py. */
#include "libxl.h"

#include <string.h>

#include "endian.h"
#include "layer.h"

void xs_libxl_hdr_decode(const uint8_t b[XS_LIBXL_HDR_SIZE],
                         struct xs_libxl_hdr *h)
{
    /* "All fields in this header shall be in big-endian byte order" */
    h->ident = xs_be64(b);
    h->version = xs_be32(b + 8);
    h->options = xs_be32(b + 12);
}

void xs_libxl_hdr_encode(const struct xs_libxl_hdr *h,
                         uint8_t b[XS_LIBXL_HDR_SIZE])
{
    xs_put_be64(b, h->ident);
    xs_put_be32(b + 8, h->version);
    xs_put_be32(b + 12, h->options);
}

int xs_libxl_check_hdr(const struct xs_libxl_hdr *h, uint64_t at,
                       struct xs_report *rep)
{
    const char *w = "libxl header";
    /* libxl_stream_read.c stream_header_done() */
    if (h->ident != XS_LIBXL_IDENT) {
        xs_report_add(rep, XS_SEV_ERROR, "libxl.hdr.ident", at, -1, w,
                      "ident is 0x%016llx, not \"LibxlFmt\"",
                      (unsigned long long)h->ident);
        return XS_INVALID;
    }
    if (h->version != XS_LIBXL_VERSION) {
        xs_report_add(rep, XS_SEV_ERROR, "libxl.hdr.version", at + 8, -1, w,
                      "version %u; libxl reads only version 2", h->version);
        return XS_INVALID;
    }
    if (h->options & XS_LIBXL_OPT_BIG_ENDIAN) {
        xs_report_add(rep, XS_SEV_ERROR, "libxl.hdr.big_endian", at + 12, -1,
                      w, "big-endian stream: libxl refuses it");
        return XS_INVALID;
    }
    if (h->options & ~(XS_LIBXL_OPT_BIG_ENDIAN | XS_LIBXL_OPT_LEGACY))
        xs_report_add(rep, XS_SEV_WARNING, "libxl.reserved", at + 12, -1, w,
                      "reserved option bits 0x%08x set (ignored by libxl; "
                      "kept)",
                      h->options &
                          ~(XS_LIBXL_OPT_BIG_ENDIAN | XS_LIBXL_OPT_LEGACY));
    return XS_OK;
}

static const char *const rec_names[XS_LREC_NR_KNOWN] = {
    [XS_LREC_END] = "libxl END",
    [XS_LREC_LIBXC_CONTEXT] = "LIBXC_CONTEXT",
    [XS_LREC_EMULATOR_XENSTORE_DATA] = "EMULATOR_XENSTORE_DATA",
    [XS_LREC_EMULATOR_CONTEXT] = "EMULATOR_CONTEXT",
    [XS_LREC_CHECKPOINT_END] = "CHECKPOINT_END",
    [XS_LREC_CHECKPOINT_STATE] = "CHECKPOINT_STATE",
};

const char *xs_libxl_rec_name(uint32_t type, char buf[32])
{
    if (type < XS_LREC_NR_KNOWN)
        return rec_names[type];
    snprintf(buf, 32, "libxl_0x%08x", type);
    return buf;
}

const char *xs_libxl_emulator_name(uint32_t id)
{
    switch (id) {
    case XS_EMU_UNKNOWN: return "unknown";
    case XS_EMU_QEMU_TRADITIONAL: return "qemu-traditional";
    case XS_EMU_QEMU_UPSTREAM: return "qemu-upstream";
    default: return NULL;
    }
}

static uint32_t libxl_hold(uint32_t type, uint32_t length, const uint8_t *head)
{
    (void)head;
    /* The emulator context is an opaque blob: only its sub-header. */
    if (type == XS_LREC_EMULATOR_CONTEXT)
        return 8;
    if (type >= XS_LREC_NR_KNOWN)
        return 0;
    return length < XS_LIBXL_HOLD_MAX ? length : XS_LIBXL_HOLD_MAX;
}

const struct xs_rec_layer xs_libxl_layer = {
    .rule_truncated = "libxl.truncated",
    .rule_too_long = "libxl.record.too_long",
    .rule_padding = "libxl.padding",
    .padding_msg = "record padding is not zero (libxl ignores it; upgrade "
                   "keeps the libxl layer byte for byte)",
    .max_length = 0, /* libxl allocates what the header says */
    .name = xs_libxl_rec_name,
    .hold = libxl_hold,
};

#define ERR(rule, off, ...)                                                  \
    xs_report_add(rep, XS_SEV_ERROR, rule, r->offset + (off), r->index,     \
                  name, __VA_ARGS__)

/* libxl_dom_save.c libxl__restore_emulator_xenstore_data(): a packed
 * sequence of NUL-terminated key and value strings; keys non-empty and
 * relative. */
static void check_xenstore(const struct xs_record *r, struct xs_report *rep,
                           const char *name)
{
    const uint8_t *p = r->body + 8, *end = r->body + r->held;
    bool is_key = true;
    while (p < end) {
        const uint8_t *nul = memchr(p, 0, (size_t)(end - p));
        uint64_t at = 8 + 8 + (uint64_t)(p - (r->body + 8));
        if (!nul) {
            if (r->held < r->length)
                break; /* the rest is not held: checked up to here */
            ERR("libxl.xenstore.nul", at,
                "%s in xenstore data is not NUL terminated: libxl refuses it",
                is_key ? "key" : "value");
            return;
        }
        if (is_key && nul == p) {
            ERR("libxl.xenstore.empty_key", at,
                "empty key in xenstore data: libxl refuses it");
            return;
        }
        if (is_key && *p == '/') {
            ERR("libxl.xenstore.absolute_key", at,
                "key in xenstore data is not relative: libxl refuses it");
            return;
        }
        is_key = !is_key;
        p = nul + 1;
    }
    if (r->held < r->length)
        xs_report_add(rep, XS_SEV_WARNING, "libxl.xenstore.unchecked",
                      r->offset, r->index, name,
                      "xenstore data of %u bytes checked only in its first "
                      "%u bytes",
                      r->length, r->held);
    else if (!is_key)
        ERR("libxl.xenstore.nul", 8 + r->length,
            "xenstore data ends with a key and no value: libxl refuses it");
}

void xs_libxl_check_body(const struct xs_record *r, struct xs_report *rep)
{
    char nb[32];
    const char *name = xs_libxl_rec_name(r->type, nb);

    switch (r->type) {
    case XS_LREC_END:
    case XS_LREC_LIBXC_CONTEXT:
    case XS_LREC_CHECKPOINT_END:
        /* the reference checker: these records have no body */
        if (r->length != 0)
            ERR("libxl.length", 0, "length %u, expected 0", r->length);
        break;
    case XS_LREC_EMULATOR_XENSTORE_DATA:
    case XS_LREC_EMULATOR_CONTEXT:
        /* libxl_stream_read.c process_record(), write_emulator_blob() */
        if (r->length < 8) {
            ERR("libxl.emulator.short", 0,
                "length %u is too short for the 8-byte emulator header",
                r->length);
            break;
        }
        if (!xs_libxl_emulator_name(xs_le32(r->body))) {
            ERR("libxl.emulator.id", 8, "unknown emulator id 0x%x",
                xs_le32(r->body));
            break;
        }
        if (r->type == XS_LREC_EMULATOR_XENSTORE_DATA)
            check_xenstore(r, rep, name);
        break;
    case XS_LREC_CHECKPOINT_STATE:
        /* only ever on COLO's back channel (the checker wants a body) */
        if (r->length == 0)
            ERR("libxl.length", 0, "CHECKPOINT_STATE with no body");
        break;
    default:
        /* libxl_stream_read.c process_record(): "Unrecognised record",
         * whatever bit 31 says */
        ERR("libxl.unknown", 0,
            "unknown libxl record type: libxl refuses it (even optional "
            "ones)");
        break;
    }
}

/* ---- the layer: its records are read by core/containers.c ---- */

const struct xs_layer xs_layer_libxl = {
    .name = "libxl", .kind = XS_LK_LIBXL, .magic = "LibxlFmt",
    .magic_len = 8, .digest = 2,
    .restore = XS_LR_LIBXL,
};
