/* Canonical output, v3 or v2. */
#include "writer.h"

#include <string.h>

#include "fileio.h"

void xs_writer_init(struct xs_writer *w, struct xs_out *out,
                    unsigned version)
{
    memset(w, 0, sizeof(*w));
    w->out = out;
    w->version = version;
}

void xs_writer_free(struct xs_writer *w) { xs_buf_free(&w->scratch); }

int xs_writer_headers(struct xs_writer *w, const struct xs_libxc_ihdr *ih,
                      const struct xs_libxc_dhdr *dh)
{
    uint8_t b[XS_LIBXC_IHDR_SIZE + XS_LIBXC_DHDR_SIZE];
    struct xs_libxc_ihdr i = {
        .marker = XS_LIBXC_MARKER, .id = XS_LIBXC_ID, .version = w->version,
    };
    struct xs_libxc_dhdr d = {
        .type = dh->type,
        .page_shift = dh->page_shift,
        .xen_major = dh->xen_major,
        .xen_minor = dh->xen_minor,
    };
    (void)ih; /* only the version and options could differ: both set */
    xs_libxc_ihdr_encode(&i, b);
    xs_libxc_dhdr_encode(&d, b + XS_LIBXC_IHDR_SIZE);
    return xs_out_write(w->out, b, sizeof(b));
}

int xs_writer_record_head(struct xs_writer *w, const struct xs_record *r)
{
    uint8_t h[XS_LIBXC_RHDR_SIZE];
    int rc;

    xs_rec_hdr_encode(r->type, r->length, h);
    if ((rc = xs_out_write(w->out, h, sizeof(h))) != XS_OK || !r->held)
        return rc;
    if (xs_buf_reserve(&w->scratch, r->held) != XS_OK)
        return XS_IO;
    memcpy(w->scratch.p, r->body, r->held);
    xs_libxc_canonicalise(r->type, w->scratch.p, r->held);
    return xs_out_write(w->out, w->scratch.p, r->held);
}

int xs_writer_record_tail(struct xs_writer *w, const struct xs_record *r)
{
    w->records++;
    return xs_out_zeros(w->out, xs_libxc_padding(r->length));
}
