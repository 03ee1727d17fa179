/* A map from pfns to a small value (floor/pfnmap.c): the page type each
 * pfn of a PV guest last arrived with (validate.c), the pfns that carried
 * data (info's memory).  O(log n) per pfn in any order, memory bounded by
 * max_runs. */
#ifndef XS_FLOOR_PFNMAP_H
#define XS_FLOOR_PFNMAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct xs_pfn_run {
    uint64_t start, end; /* inclusive */
    unsigned type;
};

struct xs_pfn_map {
    void *root;               /* the runs, in a tsearch() tree */
    struct xs_pfn_run *first; /* the run with the lowest pfns */
    struct xs_pfn_run *last;  /* and with the highest */
    size_t nruns, max_runs;
    /* Past max_runs runs (or out of memory) the map stops growing: what
     * it says is then incomplete, and its users say so. */
    bool full;
    uint64_t pfns;            /* pfns in the map (while not full) */
};

void xs_pfn_map_init(struct xs_pfn_map *m, size_t max_runs);
void xs_pfn_map_free(struct xs_pfn_map *m);
void xs_pfn_map_set(struct xs_pfn_map *m, uint64_t pfn, unsigned value);
/* The same for pfns first..last: in one step where they extend the last
 * run or start a new one below the first, else a pfn at a time. */
void xs_pfn_map_set_range(struct xs_pfn_map *m, uint64_t first,
                          uint64_t last, unsigned value);
/* The value pfn last got, or -1 if it never got one. */
int xs_pfn_map_get(const struct xs_pfn_map *m, uint64_t pfn);

#endif
