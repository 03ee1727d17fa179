/* The canonical writer (docs/behaviour.md §2): headers rewritten as v3 (or, for
 * convert --to-version 2, v2) little-endian with reserved fields zero,
 * records byte for byte but for zeroed reserved fields and padding. */
#ifndef XS_WRITER_H
#define XS_WRITER_H

#include "libxc.h"

struct xs_writer {
    struct xs_out *out;
    unsigned version;       /* image version written: 3, or 2 */
    struct xs_buf scratch;
    uint64_t records;
};

void xs_writer_init(struct xs_writer *w, struct xs_out *out,
                    unsigned version);
void xs_writer_free(struct xs_writer *w);
int xs_writer_headers(struct xs_writer *w, const struct xs_libxc_ihdr *ih,
                      const struct xs_libxc_dhdr *dh);
/* A record: its header and canonicalised held body (head), then its
 * payload (the part of the body not held) written to w->out by the
 * caller as it moves it from the input, then its zero padding (tail). */
int xs_writer_record_head(struct xs_writer *w, const struct xs_record *r);
int xs_writer_record_tail(struct xs_writer *w, const struct xs_record *r);

#endif
