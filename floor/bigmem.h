/* Fresh memory for large buffers that are filled in full (read windows,
 * a ring's slots, compression blocks): one anonymous mapping on 2 MiB
 * pages where the kernel gives them (MADV_HUGEPAGE).  In a VM the first
 * touch of each 4 KiB page of fresh memory costs 13-16 us (a host fault),
 * a 2 MiB page about 0.3-1.7 us per 4 KiB of it: malloc'd, the 3 MiB of
 * search's windows took 10 ms to touch, a tenth of a 1 GiB search. */
#ifndef XS_BIGMEM_H
#define XS_BIGMEM_H

#include <stddef.h>
#include <stdint.h>

struct xs_bigmem {
    void *map;  /* the mapping (NULL: none) */
    size_t len; /* its length */
};

/* n bytes, 2 MiB-aligned, the first huge of them, rounded up to whole
 * 2 MiB pages, on 2 MiB pages (the rest, touched only in part, on small
 * ones); NULL: no memory.  A buffer of less than 2 MiB takes a whole one
 * once touched: one fault, not one per 4 KiB. */
uint8_t *xs_bigmem_alloc(struct xs_bigmem *b, size_t n, size_t huge);
void xs_bigmem_free(struct xs_bigmem *b);

#endif
