/* The growable byte buffer: the one allocator every layer uses for bytes
 * whose size comes from the input (grown as data arrives, never to an
 * announced length). */
#include "xenstream.h"

#include <stdint.h>
#include <stdlib.h>

int xs_buf_reserve(struct xs_buf *b, size_t cap)
{
    if (cap <= b->cap)
        return XS_OK;
    size_t ncap = b->cap ? b->cap : 4096;
    while (ncap < cap)
        ncap = ncap > SIZE_MAX / 2 ? cap : ncap * 2;
    uint8_t *p = realloc(b->p, ncap);
    if (!p)
        return XS_IO;
    b->p = p;
    b->cap = ncap;
    return XS_OK;
}

void xs_buf_free(struct xs_buf *b)
{
    free(b->p);
    b->p = NULL;
    b->len = b->cap = 0;
}
