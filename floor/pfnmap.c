/* A map from pfns to a small value (a page type), as disjoint runs of
 * equal value: memory grows with the number of value changes along the
 * pfns, not with the guest's size.  The runs are the nodes of a tsearch()
 * tree (glibc: red-black, O(log n) search, insert and delete) ordered by
 * pfn, where a run compares equal to every run it overlaps, so that a
 * lookup key {pfn, pfn} finds the run holding pfn.  Pfns in any order,
 * each a split and a merge at most, cost O(log n) each: a sorted array
 * with memmove made pfns sent top down with alternating types quadratic
 * (minutes for a few MB).  Past max_runs runs the map is full and stops
 * growing: each run is a 24-byte malloc chunk of 32 bytes and a 32-byte
 * tree node (2^18 runs: 16 MiB). */
#include "pfnmap.h"

#include "xenstream.h"

#include <search.h>
#include <stdlib.h>

static int run_cmp(const void *a, const void *b)
{
    const struct xs_pfn_run *x = a, *y = b;
    return x->end < y->start ? -1 : x->start > y->end;
}

/* The run holding pfn, or NULL. */
static struct xs_pfn_run *run_find(const struct xs_pfn_map *v, uint64_t pfn)
{
    struct xs_pfn_run key = {pfn, pfn, 0};
    void *const *n = tfind(&key, &v->root, run_cmp);
    return n ? *(struct xs_pfn_run *const *)n : NULL;
}

/* A new run [start, end] of type, in no other run's pfns; NULL when out
 * of memory (the map is full from then on). */
static struct xs_pfn_run *run_add(struct xs_pfn_map *v, uint64_t start,
                               uint64_t end, unsigned type)
{
    struct xs_pfn_run *r = malloc(sizeof(*r));
    if (r) {
        *r = (struct xs_pfn_run){start, end, type};
        if (!tsearch(r, &v->root, run_cmp)) {
            free(r);
            r = NULL;
        }
    }
    if (!r) {
        v->full = true;
        return NULL;
    }
    v->nruns++;
    if (!v->last || start > v->last->start)
        v->last = r;
    if (!v->first || start < v->first->start)
        v->first = r;
    return r;
}

/* Take run r out of the tree; `into` (the run that takes over its pfns)
 * becomes the first or last run if r was.  r is taken out before `into` grows
 * over its pfns: while two runs overlap the tree cannot tell them apart. */
static void run_drop(struct xs_pfn_map *v, struct xs_pfn_run *r,
                     struct xs_pfn_run *into)
{
    tdelete(r, &v->root, run_cmp);
    if (v->last == r)
        v->last = into;
    if (v->first == r)
        v->first = into;
    free(r);
    v->nruns--;
}

/* The common case: pfns arrive in ascending order and extend the last
 * run. */
static inline bool extends_last(struct xs_pfn_map *v, uint64_t first,
                                     uint64_t last, unsigned type)
{
    struct xs_pfn_run *l = v->last;
    if (l && l->end + 1 == first && l->type == type) {
        l->end = last;
        v->pfns += last - first + 1;
        return true;
    }
    return false;
}

void xs_pfn_map_set(struct xs_pfn_map *v, uint64_t pfn, unsigned type)
{
    if (v->full || extends_last(v, pfn, pfn, type))
        return;
    if (v->last && pfn > v->last->end) {
        /* above every run: nothing to split, nothing to merge with */
        if (v->nruns + 1 > v->max_runs)
            v->full = true;
        else if (run_add(v, pfn, pfn, type))
            v->pfns++;
        return;
    }
    struct xs_pfn_run *f = v->first;
    if (f && pfn < f->start) {
        /* below every run (pfns sent top down): a new run, or the first
         * one grown down; counted as an array counted it, before the
         * merge, so that the checks stop where they did */
        if (v->nruns + 1 > v->max_runs)
            v->full = true;
        else if (pfn + 1 == f->start && f->type == type)
            f->start = pfn, v->pfns++;
        else if (run_add(v, pfn, pfn, type))
            v->pfns++;
        return;
    }
    struct xs_pfn_run *old = run_find(v, pfn), *m;
    if (old) {
        if (old->type == type)
            return;
        /* the runs after the split, before any merge, as many as a sorted
         * array held (the point at which the checks stop is unchanged) */
        size_t k = 1 + (old->start < pfn) + (pfn < old->end);
        if (v->nruns - 1 + k > v->max_runs) {
            v->full = true;
            return;
        }
        if (old->start == pfn && old->end == pfn) {
            old->type = type; /* the run is the pfn: retyped in place */
            m = old;
        } else if (old->start == pfn) {
            old->start = pfn + 1; /* shrinking keeps the tree's order */
            m = run_add(v, pfn, pfn, type);
        } else {
            uint64_t end = old->end;
            old->end = pfn - 1;
            if (pfn < end && !run_add(v, pfn + 1, end, old->type))
                return;
            m = run_add(v, pfn, pfn, type);
        }
    } else {
        if (v->nruns + 1 > v->max_runs) {
            v->full = true;
            return;
        }
        if ((m = run_add(v, pfn, pfn, type)))
            v->pfns++;
    }
    if (!m)
        return;
    /* merge the new run with equal neighbours */
    struct xs_pfn_run *n = pfn < UINT64_MAX ? run_find(v, pfn + 1) : NULL;
    if (n && n->type == type) {
        uint64_t end = n->end;
        run_drop(v, n, m);
        m->end = end;
    }
    struct xs_pfn_run *p = pfn > 0 ? run_find(v, pfn - 1) : NULL;
    if (p && p->type == type) {
        uint64_t end = m->end;
        run_drop(v, m, p);
        p->end = end;
    }
}

/* The same for pfns first..last: in one step where they extend the last
 * run or start a new one after it (a save's ascending batches), else one
 * pfn at a time. */
void xs_pfn_map_set_range(struct xs_pfn_map *v, uint64_t first,
                           uint64_t last, unsigned type)
{
    if (extends_last(v, first, last, type))
        return;
    /* below every run, in one step where a pfn at a time could not have
     * reached the cap (it held at most two runs more on the way) */
    struct xs_pfn_run *f = v->first;
    if (f && last < f->start && first < last && !v->full &&
        v->nruns + 2 <= v->max_runs) {
        if (last + 1 == f->start && f->type == type)
            f->start = first;
        else if (!run_add(v, first, last, type))
            return;
        v->pfns += last - first + 1;
        return;
    }
    xs_pfn_map_set(v, first, type);
    if (first == last || extends_last(v, first + 1, last, type))
        return;
    for (uint64_t pfn = first + 1; pfn <= last && !v->full; pfn++)
        xs_pfn_map_set(v, pfn, type);
}

int xs_pfn_map_get(const struct xs_pfn_map *v, uint64_t pfn)
{
    const struct xs_pfn_run *r = run_find(v, pfn);
    return r ? (int)r->type : -1;
}


void xs_pfn_map_init(struct xs_pfn_map *v, size_t max_runs)
{
    *v = (struct xs_pfn_map){.max_runs = max_runs};
}

void xs_pfn_map_free(struct xs_pfn_map *v)
{
    tdestroy(v->root, free);
    xs_pfn_map_init(v, v->max_runs);
}

/* ---- the public set of distinct pfns: a map of one value ---- */

struct xs_pfn_set {
    struct xs_pfn_map map;
};

struct xs_pfn_set *xs_pfn_set_new(size_t max_runs)
{
    struct xs_pfn_set *s = malloc(sizeof(*s));
    if (s)
        xs_pfn_map_init(&s->map, max_runs);
    return s;
}

void xs_pfn_set_free(struct xs_pfn_set *s)
{
    if (s)
        xs_pfn_map_free(&s->map);
    free(s);
}

/* A range merged with every run it overlaps or touches, in one step: it
 * needs room for a run only when it touches none (what info's own set
 * did before it was this map).  The map's pfn-at-a-time path counts a
 * run before merging it, as validate's checks need, and so would give
 * up with room to spare (a pfn that joins the lowest run, or fills a
 * gap, at max_runs runs). */
void xs_pfn_set_add(struct xs_pfn_set *s, uint64_t first, uint64_t last)
{
    struct xs_pfn_map *m = &s->map;
    if (m->full || first > last)
        return;
    /* the common case: a save's ascending batches reach or extend the
     * highest run, in place */
    struct xs_pfn_run *l = m->last;
    if (l && first >= l->start && first <= l->end + 1) {
        if (last > l->end) {
            m->pfns += last - l->end;
            l->end = last;
        }
        return;
    }
    struct xs_pfn_run key = {first ? first - 1 : 0,
                             last < UINT64_MAX ? last + 1 : last, 0};
    uint64_t lo = first, hi = last, had = 0;
    bool merged = false;
    void *const *n;
    while ((n = tfind(&key, &m->root, run_cmp))) {
        struct xs_pfn_run *r = *(struct xs_pfn_run *const *)n;
        lo = r->start < lo ? r->start : lo;
        hi = r->end > hi ? r->end : hi;
        had += r->end - r->start + 1;
        run_drop(m, r, NULL);
        merged = true;
    }
    if (!merged && m->nruns + 1 > m->max_runs) {
        m->full = true;
        return;
    }
    if (run_add(m, lo, hi, 0))
        m->pfns += (hi - lo + 1) - had;
}

bool xs_pfn_set_count(const struct xs_pfn_set *s, uint64_t *n)
{
    *n = s->map.pfns;
    return !s->map.full;
}
