/* The growable byte buffer: the one allocator every layer uses for bytes
 * whose size comes from the input (grown as data arrives, never to an
 * announced length); and large fixed buffers on huge pages (bigmem.h). */
#include "xenstream.h"

#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>

#include "bigmem.h"

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

#define XS_HUGE_PAGE ((size_t)2 << 20)

uint8_t *xs_bigmem_alloc(struct xs_bigmem *b, size_t n, size_t huge)
{
    b->map = NULL;
    /* the huge part in whole 2 MiB pages: the kernel maps a huge page
     * only where its whole aligned range is advised (a 1 MiB buffer
     * advised alone got 256 small pages) */
    size_t h = huge < n ? huge : n;
    if (h > SIZE_MAX - 2 * XS_HUGE_PAGE || n > SIZE_MAX - XS_HUGE_PAGE)
        return NULL;
    h = (h + XS_HUGE_PAGE - 1) / XS_HUGE_PAGE * XS_HUGE_PAGE;
    /* a huge page's worth more, so that the buffer starts on one */
    b->len = (n > h ? n : h) + XS_HUGE_PAGE;
    void *m = mmap(NULL, b->len, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (m == MAP_FAILED)
        return NULL;
    b->map = m;
    uint8_t *p = (uint8_t *)m +
                 (XS_HUGE_PAGE - (uintptr_t)m % XS_HUGE_PAGE) % XS_HUGE_PAGE;
#ifdef MADV_HUGEPAGE
    /* refused: small pages, as malloc's */
    (void)madvise(p, h, MADV_HUGEPAGE);
#endif
    return p;
}

void xs_bigmem_free(struct xs_bigmem *b)
{
    if (b->map)
        munmap(b->map, b->len);
    b->map = NULL;
}
