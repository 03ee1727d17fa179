/* The libxl stream: header codec, and the record type table (name, body
 * rule, what to hold, field describer: one row a type).
 * Facts from docs/specs/libxl-migration-stream.pandoc, libxl_stream_read.c,
 * libxl_dom_save.c and the reference checker
 * tools/python/xen/migration/libxl.py. */
#include "libxl.h"

#include <string.h>

#include "endian.h"
#include "field.h"
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

const char *xs_libxl_emulator_name(uint32_t id)
{
    switch (id) {
    case XS_EMU_UNKNOWN: return "unknown";
    case XS_EMU_QEMU_TRADITIONAL: return "qemu-traditional";
    case XS_EMU_QEMU_UPSTREAM: return "qemu-upstream";
    default: return NULL;
    }
}

/* what to hold: by the record type table below */
static uint32_t libxl_hold(uint32_t type, uint32_t length,
                           const uint8_t *head);

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

/* The records that have no body (the reference checker). */
static void check_empty(const struct xs_record *r, struct xs_report *rep,
                        const char *name)
{
    if (r->length != 0)
        ERR("libxl.length", 0, "length %u, expected 0", r->length);
}

/* libxl_stream_read.c process_record(), write_emulator_blob(): false when
 * the emulator header is wrong (reported). */
static bool emulator_hdr(const struct xs_record *r, struct xs_report *rep,
                         const char *name)
{
    if (r->length < 8) {
        ERR("libxl.emulator.short", 0,
            "length %u is too short for the 8-byte emulator header",
            r->length);
        return false;
    }
    if (!xs_libxl_emulator_name(xs_le32(r->body))) {
        ERR("libxl.emulator.id", 8, "unknown emulator id 0x%x",
            xs_le32(r->body));
        return false;
    }
    return true;
}

static void check_emulator_xenstore(const struct xs_record *r,
                                    struct xs_report *rep, const char *name)
{
    if (emulator_hdr(r, rep, name))
        check_xenstore(r, rep, name);
}

static void check_emulator_context(const struct xs_record *r,
                                   struct xs_report *rep, const char *name)
{
    emulator_hdr(r, rep, name);
}

static void check_checkpoint_state(const struct xs_record *r,
                                   struct xs_report *rep, const char *name)
{
    /* only ever on COLO's back channel (the checker wants a body) */
    if (r->length == 0)
        ERR("libxl.length", 0, "CHECKPOINT_STATE with no body");
}

/* The emulator context is an opaque blob: only its sub-header. */
static uint32_t hold_emulator_context(uint32_t length)
{
    (void)length;
    return 8;
}

static void desc_emulator_hdr(const struct xs_record *r, xs_field_fn fn,
                              void *ctx)
{
    if (r->held < 8)
        return;
    const char *e = xs_libxl_emulator_name(xs_le32(r->body));
    if (e)
        xs_field_text(fn, ctx, "emulator", e);
    else
        xs_field_textf(fn, ctx, "emulator", "0x%x", xs_le32(r->body));
    xs_field_int(fn, ctx, "index", xs_le32(r->body + 4));
}

/* The emulator header, then the keys (not the values) as they are. */
static void desc_emulator_xenstore(const struct xs_record *r, xs_field_fn fn,
                                   void *ctx)
{
    desc_emulator_hdr(r, fn, ctx);
    xs_field_open(fn, ctx, XS_FIELD_LIST, "keys");
    const uint8_t *p = r->body + 8, *end = r->body + r->held;
    for (bool key = true; r->held > 8 && p < end; key = !key) {
        const uint8_t *nul = memchr(p, 0, (size_t)(end - p));
        if (!nul)
            break;
        if (key)
            xs_field_bytes(fn, ctx, NULL, p, (size_t)(nul - p));
        p = nul + 1;
    }
    xs_field_end(fn, ctx);
}

static void desc_checkpoint_state(const struct xs_record *r, xs_field_fn fn,
                                  void *ctx)
{
    if (r->held >= 4)
        xs_field_int(fn, ctx, "control_id", xs_le32(r->body));
}

/* ------------------------------------------------------------------ */
/* the record type table: the one place a libxl record type is listed  */

struct libxl_row {
    const char *name;
    /* stateless body rule */
    void (*check)(const struct xs_record *r, struct xs_report *rep,
                  const char *name);
    /* bytes of the body to hold; NULL: all of it up to XS_LIBXL_HOLD_MAX */
    uint32_t (*hold)(uint32_t length);
    /* its fields for dump; NULL: none */
    void (*describe)(const struct xs_record *r, xs_field_fn fn, void *ctx);
};

static const struct libxl_row rec_table[] = {
    [XS_LREC_END] = {.name = "libxl END", .check = check_empty},
    [XS_LREC_LIBXC_CONTEXT] = {.name = "LIBXC_CONTEXT", .check = check_empty},
    [XS_LREC_EMULATOR_XENSTORE_DATA] = {.name = "EMULATOR_XENSTORE_DATA",
        .check = check_emulator_xenstore,
        .describe = desc_emulator_xenstore},
    [XS_LREC_EMULATOR_CONTEXT] = {.name = "EMULATOR_CONTEXT",
        .check = check_emulator_context, .hold = hold_emulator_context,
        .describe = desc_emulator_hdr},
    [XS_LREC_CHECKPOINT_END] = {.name = "CHECKPOINT_END",
        .check = check_empty},
    [XS_LREC_CHECKPOINT_STATE] = {.name = "CHECKPOINT_STATE",
        .check = check_checkpoint_state, .describe = desc_checkpoint_state},
};
_Static_assert(sizeof(rec_table) / sizeof(rec_table[0]) == XS_LREC_NR_KNOWN,
               "one rec_table row per libxl record type");
_Static_assert(XS_SUM_LIBXL_TYPES == XS_LREC_NR_KNOWN + 1,
               "XS_SUM_LIBXL_TYPES (xenstream.h) is the known libxl types "
               "plus one");

/* ------------------------------------------------------------------ */
/* lookups in the table                                                */

const char *xs_libxl_rec_name(uint32_t type, char buf[32])
{
    if (type < XS_LREC_NR_KNOWN)
        return rec_table[type].name;
    snprintf(buf, 32, "libxl_0x%08x", type);
    return buf;
}

void xs_libxl_check_body(const struct xs_record *r, struct xs_report *rep)
{
    char nb[32];
    const char *name = xs_libxl_rec_name(r->type, nb);
    if (r->type < XS_LREC_NR_KNOWN)
        rec_table[r->type].check(r, rep, name);
    else
        /* libxl_stream_read.c process_record(): "Unrecognised record",
         * whatever bit 31 says */
        ERR("libxl.unknown", 0,
            "unknown libxl record type: libxl refuses it (even optional "
            "ones)");
}

void xs_libxl_describe(const struct xs_record *r, xs_field_fn fn, void *ctx)
{
    if (r->type < XS_LREC_NR_KNOWN && rec_table[r->type].describe)
        rec_table[r->type].describe(r, fn, ctx);
}

static uint32_t libxl_hold(uint32_t type, uint32_t length, const uint8_t *head)
{
    (void)head;
    if (type >= XS_LREC_NR_KNOWN)
        return 0;
    if (rec_table[type].hold)
        return rec_table[type].hold(length);
    return length < XS_LIBXL_HOLD_MAX ? length : XS_LIBXL_HOLD_MAX;
}

/* The 16 header bytes xs_walk() passes. */
void xs_libxl_describe_hdr(const uint8_t *p, uint64_t n, xs_field_fn fn,
                           void *ctx)
{
    struct xs_libxl_hdr h;
    if (n != XS_LIBXL_HDR_SIZE)
        return;
    xs_libxl_hdr_decode(p, &h);
    xs_field_int(fn, ctx, "version", h.version);
    xs_field_hex(fn, ctx, "options", h.options);
    if (h.options & XS_LIBXL_OPT_LEGACY)
        xs_field_true(fn, ctx, "legacy");
}

/* ---- the layer: its records are read by core/containers.c ---- */

const struct xs_layer xs_layer_libxl = {
    .name = "libxl", .kind = XS_LK_LIBXL, .magic = "LibxlFmt",
    .magic_len = 8, .own_digest = true,
    .restore = XS_LR_LIBXL,
    .headers = (const struct xs_layer_header[]){
        {.what = "libxl", .type = "header", .fields = xs_libxl_describe_hdr},
        {0}},
    .record_name = xs_libxl_rec_name, .record_fields = xs_libxl_describe,
};
