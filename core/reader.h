/* The record reader: pulls type/length/padding records (formats/records.h)
 * from an input.  It holds a record's small body in memory and leaves its
 * bulk in the input as a "payload" that the consumer copies to the output
 * or skips, so memory does not grow with the image.  How much is held is
 * the layer's choice (struct xs_rec_layer). */
#ifndef XS_CORE_READER_H
#define XS_CORE_READER_H

#include "libxc.h"
#include "records.h"

/* Sees a record the input ends in, its held part as far as it goes
 * (r->held bytes of it). */
typedef void (*xs_cut_fn)(void *ctx, const struct xs_record *r);

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
    bool cut;                 /* the last xs_rec_next() found the input
                                 ending inside cur's held part: cur holds
                                 what there was (held), for export's
                                 --partial */
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
/* Report that the input ends after got of the size bytes of `what` (the
 * current record's body or padding). */
int xs_rec_truncated(struct xs_rec_reader *r, const char *what,
                     uint64_t size, uint64_t got);

/* Exactly n header bytes at the current offset, or the truncation of the
 * n-byte `what` reported under rule, in `where`: XS_OK, XS_INVALID,
 * XS_IO.  (Every fixed-size header of every layer is read so.) */
int xs_read_exact(struct xs_in *in, struct xs_report *rep, void *p, size_t n,
                  const char *rule, const char *where, const char *what);
/* The libxc image and domain headers, read and checked
 * (xs_libxc_check_ihdr/dhdr).  XS_INVALID when the stream cannot be read
 * further (reported), XS_IO on an I/O error. */
int xs_libxc_read_headers(struct xs_rec_reader *r, struct xs_libxc_ihdr *ih,
                          struct xs_libxc_dhdr *dh, unsigned *version);

#endif
