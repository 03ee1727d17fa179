/* The libxl stream (libxl migration stream v2).
 * Source: docs/specs/libxl-migration-stream.pandoc,
 * tools/libs/light/libxl_sr_stream_format.h and libxl_stream_read.c in
 * xen-project/xen. */
#ifndef XS_FORMAT_LIBXL_H
#define XS_FORMAT_LIBXL_H

#include "records.h"
#include "xenstream.h"

#define XS_LIBXL_HDR_SIZE 16
#define XS_LIBXL_IDENT 0x4c6962786c466d74ULL /* "LibxlFmt" */
#define XS_LIBXL_VERSION 2
#define XS_LIBXL_OPT_BIG_ENDIAN 0x1u
#define XS_LIBXL_OPT_LEGACY 0x2u
/* Bodies held in memory at most (xenstore data is a few hundred bytes;
 * the emulator context stays in the input as payload). */
#define XS_LIBXL_HOLD_MAX (1u << 20)

enum xs_libxl_rec {
    XS_LREC_END = 0,
    XS_LREC_LIBXC_CONTEXT = 1,
    XS_LREC_EMULATOR_XENSTORE_DATA = 2,
    XS_LREC_EMULATOR_CONTEXT = 3,
    XS_LREC_CHECKPOINT_END = 4,
    XS_LREC_CHECKPOINT_STATE = 5,
    XS_LREC_NR_KNOWN = 6,
};

enum xs_libxl_emulator {
    XS_EMU_UNKNOWN = 0,
    XS_EMU_QEMU_TRADITIONAL = 1,
    XS_EMU_QEMU_UPSTREAM = 2,
};

struct xs_libxl_hdr {
    uint64_t ident;
    uint32_t version;
    uint32_t options;
};

void xs_libxl_hdr_decode(const uint8_t b[XS_LIBXL_HDR_SIZE],
                         struct xs_libxl_hdr *h);
void xs_libxl_hdr_encode(const struct xs_libxl_hdr *h,
                         uint8_t b[XS_LIBXL_HDR_SIZE]);
/* Header rules; at is the header's offset.  XS_INVALID when the stream
 * cannot be read as a libxl v2 stream. */
int xs_libxl_check_hdr(const struct xs_libxl_hdr *h, uint64_t at,
                       struct xs_report *rep);

const char *xs_libxl_rec_name(uint32_t type, char buf[32]);
const char *xs_libxl_emulator_name(uint32_t id);
extern const struct xs_rec_layer xs_libxl_layer;
/* Stateless body rules (the reference checker, libxl_stream_read.c and
 * libxl_dom_save.c libxl__restore_emulator_xenstore_data()). */
void xs_libxl_check_body(const struct xs_record *r, struct xs_report *rep);
/* A record's fields (xs_describe_record()); the header's, n bytes at p
 * as xs_walk() passes them (xs_describe_header()). */
void xs_libxl_describe(const struct xs_record *r, xs_field_fn fn, void *ctx);
void xs_libxl_describe_hdr(const uint8_t *p, uint64_t n, xs_field_fn fn,
                           void *ctx);

#endif
