/* The record reader (see reader.h): the only code that pulls records and
 * record headers from an input. */
#include "reader.h"

#include <string.h>

#include "endian.h"
#include "fileio.h"

void xs_rec_reader_init(struct xs_rec_reader *r, const struct xs_rec_layer *l,
                        struct xs_in *in, struct xs_report *rep)
{
    memset(r, 0, sizeof(*r));
    r->layer = l;
    r->in = in;
    r->rep = rep;
}

void xs_rec_reader_free(struct xs_rec_reader *r) { xs_buf_free(&r->body); }

int xs_rec_truncated(struct xs_rec_reader *r, const char *what, uint64_t size,
                     uint64_t got)
{
    char nb[32];
    const struct xs_record *c = &r->cur;
    xs_report_add(r->rep, XS_SEV_ERROR, r->layer->rule_truncated,
                  xs_in_offset(r->in), c->index, r->layer->name(c->type, nb),
                  "truncated: the %llu-byte %s ends after %llu byte%s",
                  (unsigned long long)size, what, (unsigned long long)got,
                  got == 1 ? "" : "s");
    return XS_INVALID;
}

/* The input ends inside the current record's held part, after got of its
 * bytes: reported, and what there was left in cur (r->cut). */
static int held_cut(struct xs_rec_reader *r, size_t got)
{
    r->cur.held = (uint32_t)r->body.len;
    r->cur.body = r->body.p;
    r->cut = true;
    return xs_rec_truncated(r, "record body", r->cur.length, got);
}

static int skip_rest(struct xs_rec_reader *r)
{
    int rc = xs_rec_payload_skip(r);
    return rc != XS_OK ? rc : xs_rec_finish(r);
}

int xs_rec_next(struct xs_rec_reader *r, const struct xs_record **rec)
{
    const struct xs_rec_layer *l = r->layer;
    if (r->in_record) {
        int rc = skip_rest(r);
        if (rc != XS_OK)
            return rc;
    }
    struct xs_record *c = &r->cur;
    memset(c, 0, sizeof(*c));
    c->offset = xs_in_offset(r->in);
    c->index = r->next_index;
    r->pad_len = 0;
    r->cut = false;

    uint8_t h[XS_REC_HDR_SIZE];
    size_t got;
    if (xs_in_read(r->in, h, sizeof(h), &got) != XS_OK)
        return XS_IO;
    if (got == 0 && r->eof_ok) {
        *rec = NULL;
        return XS_OK;
    }
    if (got == 0) {
        /* no record begins here: the place is the end of the input */
        xs_report_add(r->rep, XS_SEV_ERROR, l->rule_truncated, c->offset,
                      c->index, "end of input",
                      "truncated: the stream ends without an END record");
        return XS_INVALID;
    }
    if (got < sizeof(h)) {
        /* the type is the header's first 4 bytes: named once read */
        char nb[32];
        xs_report_add(r->rep, XS_SEV_ERROR, l->rule_truncated, c->offset,
                      c->index,
                      got >= 4 ? l->name(xs_le32(h), nb) : "record header",
                      "truncated: the 8-byte record header ends after %zu "
                      "byte%s",
                      got, got == 1 ? "" : "s");
        return XS_INVALID;
    }
    r->next_index++;
    c->type = xs_le32(h);
    c->length = xs_le32(h + 4);
    if (l->max_length && c->length > l->max_length) {
        char nb[32];
        xs_report_add(r->rep, XS_SEV_ERROR, l->rule_too_long, c->offset + 4,
                      c->index, l->name(c->type, nb),
                      "length %u exceeds the %u bytes Xen's reader accepts",
                      c->length, l->max_length);
        return XS_INVALID;
    }

    /* The first bytes of the body tell some layers how much to hold. */
    r->body.len = 0;
    uint32_t head = c->length < 8 ? c->length : 8;
    if (xs_in_read_buf(r->in, &r->body, head, &got) != XS_OK)
        return XS_IO;
    /* cppcheck-suppress knownConditionTrueFalse */
    if (got < head)
        return held_cut(r, got);
    uint32_t held = l->hold(c->type, c->length, r->body.p);
    if (held > c->length)
        held = c->length;
    if (held > r->body.len) {
        size_t before = r->body.len;
        if (xs_in_read_buf(r->in, &r->body, held - before, &got) != XS_OK)
            return XS_IO;
        if (got < held - before)
            return held_cut(r, before + got);
    }
    /* What was read ahead of a smaller hold goes back to the payload. */
    c->held = held < r->body.len ? (uint32_t)r->body.len : held;
    c->body = r->body.p;
    r->payload_left = c->length - c->held;
    r->pad_left = xs_rec_padding(c->length);
    r->in_record = true;
    *rec = c;
    return XS_OK;
}

/* done of the n payload bytes asked for have moved: short is truncation. */
static int payload_moved(struct xs_rec_reader *r, uint64_t n, uint64_t done)
{
    uint64_t before = r->cur.length - r->payload_left;
    r->payload_left -= done;
    if (done < n)
        return xs_rec_truncated(r, "record body", r->cur.length,
                                before + done);
    return XS_OK;
}

int xs_rec_payload_take(struct xs_rec_reader *r, struct xs_out *out,
                        uint64_t n)
{
    uint64_t done;
    if (n > r->payload_left)
        n = r->payload_left;
    if (n == 0)
        return XS_OK;
    if ((out ? xs_in_copy(r->in, out, n, &done)
             : xs_in_skip(r->in, n, &done)) != XS_OK)
        return XS_IO;
    return payload_moved(r, n, done);
}

int xs_rec_payload_read(struct xs_rec_reader *r, void *dst, size_t n)
{
    size_t got;
    if (n > r->payload_left) { /* callers ask only for what the body holds */
        char nb[32];
        xs_report_add(r->rep, XS_SEV_ERROR, r->layer->rule_truncated,
                      xs_in_offset(r->in), r->cur.index,
                      r->layer->name(r->cur.type, nb),
                      "truncated: the record body has %llu bytes left where "
                      "%zu are read",
                      (unsigned long long)r->payload_left, n);
        return XS_INVALID;
    }
    if (xs_in_read(r->in, dst, n, &got) != XS_OK)
        return XS_IO;
    return payload_moved(r, n, got);
}

int xs_rec_payload_peek(struct xs_rec_reader *r, size_t n, const uint8_t **p)
{
    *p = NULL;
    if (n > r->payload_left)
        return XS_OK;
    long have = xs_in_need(r->in, n);
    if (have < 0)
        return XS_IO;
    if ((size_t)have >= n)
        *p = xs_in_peek(r->in);
    return XS_OK;
}

int xs_rec_payload_skip(struct xs_rec_reader *r)
{
    return xs_rec_payload_take(r, NULL, r->payload_left);
}

int xs_rec_finish(struct xs_rec_reader *r)
{
    if (!r->in_record)
        return XS_OK;
    r->in_record = false;
    if (r->pad_left == 0)
        return XS_OK;
    size_t got;
    uint64_t at = xs_in_offset(r->in);
    if (xs_in_read(r->in, r->pad, r->pad_left, &got) != XS_OK)
        return XS_IO;
    r->pad_len = (uint32_t)got;
    if (got < r->pad_left)
        return xs_rec_truncated(r, "record padding", r->pad_left, got);
    for (size_t i = 0; i < got; i++) {
        if (r->pad[i]) {
            char nb[32];
            xs_report_add(r->rep, XS_SEV_WARNING, r->layer->rule_padding,
                          at + i, r->cur.index,
                          r->layer->name(r->cur.type, nb), "%s",
                          r->layer->padding_msg);
            break;
        }
    }
    r->pad_left = 0;
    return XS_OK;
}

int xs_read_exact(struct xs_in *in, struct xs_report *rep, void *p, size_t n,
                  const char *rule, const char *where, const char *what)
{
    size_t got;
    uint64_t at = xs_in_offset(in);
    if (xs_in_read(in, p, n, &got) != XS_OK)
        return XS_IO;
    if (got < n) {
        xs_report_add(rep, XS_SEV_ERROR, rule, at + got, -1, where,
                      "truncated: the %zu-byte %s ends after %zu byte%s", n,
                      what, got, got == 1 ? "" : "s");
        return XS_INVALID;
    }
    return XS_OK;
}

int xs_libxc_read_headers(struct xs_rec_reader *r, struct xs_libxc_ihdr *ih,
                          struct xs_libxc_dhdr *dh, unsigned *version)
{
    uint8_t b[XS_LIBXC_IHDR_SIZE], d[XS_LIBXC_DHDR_SIZE];
    uint64_t at = xs_in_offset(r->in);
    int rc = xs_read_exact(r->in, r->rep, b, sizeof(b), "libxc.truncated",
                           "libxc image header", "image header");
    if (rc == XS_OK)
        rc = xs_libxc_check_ihdr(b, at, r->rep, ih);
    if (rc != XS_OK)
        return rc;
    *version = ih->version;
    at = xs_in_offset(r->in);
    rc = xs_read_exact(r->in, r->rep, d, sizeof(d), "libxc.truncated",
                       "libxc domain header", "domain header");
    return rc != XS_OK ? rc : xs_libxc_check_dhdr(d, at, r->rep, dh);
}
