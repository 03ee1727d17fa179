/* The record framing that the libxc and libxl layers share: a 4-byte type
 * and a 4-byte length (little-endian), the body, then zero padding to a
 * multiple of 8 octets (both specs, "Record Overview").
 *
 * The reader holds a record's small body in memory and leaves its bulk in
 * the input as a "payload" that the consumer copies to the output or skips,
 * so memory does not grow with the image.  How much is held is the layer's
 * choice (struct xs_rec_layer). */
#ifndef XS_FORMAT_RECORDS_H
#define XS_FORMAT_RECORDS_H

#include "xenstream.h"

#define XS_REC_HDR_SIZE 8
#define XS_REC_ALIGN 8

static inline uint32_t xs_rec_padding(uint32_t length)
{
    return (XS_REC_ALIGN - (length & (XS_REC_ALIGN - 1))) & (XS_REC_ALIGN - 1);
}

void xs_rec_hdr_encode(uint32_t type, uint32_t length,
                       uint8_t b[XS_REC_HDR_SIZE]);

/* What a layer tells the shared reader. */
struct xs_rec_layer {
    const char *rule_truncated;   /* e.g. "libxc.truncated" */
    const char *rule_too_long;
    const char *rule_padding;
    const char *padding_msg;      /* warning text for non-zero padding */
    uint32_t max_length;          /* longer records are refused; 0: none */
    const char *(*name)(uint32_t type, char buf[32]);
    /* Bytes of the body to hold.  head holds the first min(8, length)
     * bytes of the body (PAGE_DATA's count is there). */
    uint32_t (*hold)(uint32_t type, uint32_t length, const uint8_t *head);
};

struct xs_rec_reader {
    const struct xs_rec_layer *layer;
    struct xs_in *in;
    struct xs_report *rep;
    struct xs_buf body;       /* held part of the current record */
    struct xs_record cur;
    uint64_t payload_left;    /* body bytes of cur still in the input */
    uint32_t pad_left;        /* padding bytes of cur still in the input */
    uint8_t pad[XS_REC_ALIGN];/* the padding as read (kept by libxl) */
    uint32_t pad_len;
    int64_t next_index;
    bool in_record;
    bool eof_ok;              /* a clean end of input before a record
                                 header is not an error (Remus capture) */
};

void xs_rec_reader_init(struct xs_rec_reader *r, const struct xs_rec_layer *l,
                        struct xs_in *in, struct xs_report *rep);
void xs_rec_reader_free(struct xs_rec_reader *r);
/* Finish the current record (skipping what is left of it) and read the
 * next record header and held body.  *rec stays valid until the next call;
 * it is NULL at a clean end of input when eof_ok is set. */
int xs_rec_next(struct xs_rec_reader *r, const struct xs_record **rec);
/* Skip the current record's payload. */
int xs_rec_payload_skip(struct xs_rec_reader *r);
/* The next n bytes of the payload: copied to out (skipped when out is
 * NULL), or read into dst. */
int xs_rec_payload_take(struct xs_rec_reader *r, struct xs_out *out,
                        uint64_t n);
int xs_rec_payload_read(struct xs_rec_reader *r, void *dst, size_t n);
/* The next n (<= 64 KiB) payload bytes without consuming them; *p NULL
 * when fewer are left (the take that follows reports the truncation). */
int xs_rec_payload_peek(struct xs_rec_reader *r, size_t n, const uint8_t **p);
/* Consume the current record's padding (warning when non-zero); it stays
 * in r->pad / r->pad_len. */
int xs_rec_finish(struct xs_rec_reader *r);
/* Report a truncation inside the current record. */
int xs_rec_truncated(struct xs_rec_reader *r, const char *what,
                     uint64_t need, uint64_t got);

#endif
