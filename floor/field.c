/* Emitting a describer's fields. */
#include "field.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static void put(xs_field_fn fn, void *ctx, enum xs_field_kind kind,
                const char *name, uint64_t u, const char *s, size_t n)
{
    struct xs_field f = {.kind = kind, .name = name, .u = u, .s = s, .n = n};
    fn(ctx, &f);
}

void xs_field_int(xs_field_fn fn, void *ctx, const char *name, uint64_t v)
{
    put(fn, ctx, XS_FIELD_INT, name, v, NULL, 0);
}

void xs_field_hex(xs_field_fn fn, void *ctx, const char *name, uint64_t v)
{
    put(fn, ctx, XS_FIELD_HEX, name, v, NULL, 0);
}

void xs_field_true(xs_field_fn fn, void *ctx, const char *name)
{
    put(fn, ctx, XS_FIELD_TRUE, name, 1, NULL, 0);
}

void xs_field_text(xs_field_fn fn, void *ctx, const char *name,
                   const char *s)
{
    put(fn, ctx, XS_FIELD_TEXT, name, 0, s, strlen(s));
}

void xs_field_textf(xs_field_fn fn, void *ctx, const char *name,
                    const char *fmt, ...)
{
    /* every formatted field is a short number or name ("CPU#0(1024)") */
    char b[96];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(b, sizeof(b), fmt, ap);
    va_end(ap);
    if (n < 0)
        n = 0;
    put(fn, ctx, XS_FIELD_TEXT, name, 0, b,
        (size_t)n < sizeof(b) ? (size_t)n : sizeof(b) - 1);
}

void xs_field_bytes(xs_field_fn fn, void *ctx, const char *name,
                    const void *p, size_t n)
{
    put(fn, ctx, XS_FIELD_BYTES, name, 0, p, n);
}

void xs_field_open(xs_field_fn fn, void *ctx, enum xs_field_kind kind,
                   const char *name)
{
    put(fn, ctx, kind, name, 0, NULL, 0);
}

void xs_field_end(xs_field_fn fn, void *ctx)
{
    put(fn, ctx, XS_FIELD_END, NULL, 0, NULL, 0);
}
