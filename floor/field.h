/* Emitting a describer's fields (struct xs_field, include/xenstream.h):
 * one call a field, so that each layer's describer reads as a list. */
#ifndef XS_FLOOR_FIELD_H
#define XS_FLOOR_FIELD_H

#include "xenstream.h"

void xs_field_int(xs_field_fn fn, void *ctx, const char *name, uint64_t v);
void xs_field_hex(xs_field_fn fn, void *ctx, const char *name, uint64_t v);
void xs_field_true(xs_field_fn fn, void *ctx, const char *name);
/* s is NUL-terminated, made by xenstream */
void xs_field_text(xs_field_fn fn, void *ctx, const char *name,
                   const char *s);
void xs_field_textf(xs_field_fn fn, void *ctx, const char *name,
                    const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* n bytes of the image, as they are */
void xs_field_bytes(xs_field_fn fn, void *ctx, const char *name,
                    const void *p, size_t n);
/* XS_FIELD_LIST or XS_FIELD_MAP, closed by xs_field_end() */
void xs_field_open(xs_field_fn fn, void *ctx, enum xs_field_kind kind,
                   const char *name);
void xs_field_end(xs_field_fn fn, void *ctx);

#endif
