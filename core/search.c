/* search: bytes or a regex in the guest's final memory (memory.c), run
 * by run of consecutive present pfns, read in 1 MiB windows at the speed
 * of reading the file.  Bytes by find() (memmem past its filter), with
 * the last needle_len - 1 bytes of a window carried into the next, so
 * that a match across any page or window boundary of consecutive pfns is
 * found once (find() filters candidates with SSE2 first).  A regex by POSIX regexec() with glibc's REG_STARTEND (NUL
 * bytes are data) on windows that overlap by XS_SEARCH_REGEX_OVERLAP
 * bytes: a match is reported from the window it starts in, before the
 * overlap (include/xenstream.h says what that limits). */
#include <regex.h>
#include <stdlib.h>
#include <string.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "fileio.h"
#include "libxc.h"
#include "memory.h"

struct srch {
    struct xs_memory *m;
    xs_match_fn fn;
    void *ctx;
    uint64_t count;
};

static int report(struct srch *s, uint64_t addr, uint64_t len)
{
    struct xs_match mt = {.addr = addr, .pfn = addr / XS_PAGE_SIZE,
                          .len = len};
    uint64_t off = 0;
    xs_memory_locate(s->m, mt.pfn, &off);
    mt.offset = off + addr % XS_PAGE_SIZE;
    s->count++;
    return s->fn ? s->fn(s->ctx, &mt) : XS_OK;
}

/* Consecutive pfns [*pfn, *pfn + *n) from run i on (runs that follow
 * each other in pfn, wherever their pages lie); the next run's index. */
static size_t segment(const struct xs_memory *m, size_t i, uint64_t *pfn,
                      uint64_t *n)
{
    *pfn = m->runs[i].pfn;
    *n = m->runs[i].n;
    while (++i < m->nruns && m->runs[i].pfn == *pfn + *n)
        *n += m->runs[i].n;
    return i;
}

/* The first occurrence of needle (len >= 1) in h[0..n), or NULL.  With
 * SSE2, 16 candidate positions a step are filtered by the needle's first
 * and last bytes together (W. Muła's "SIMD-friendly" substring search)
 * and only those that pass are compared: about twice glibc's memmem on a
 * guest's pages, where the first byte alone passes too often. */
static const uint8_t *find(const uint8_t *h, size_t n, const uint8_t *needle,
                           size_t len)
{
    if (len == 1)
        return memchr(h, needle[0], n);
    if (n < len)
        return NULL;
#ifdef __SSE2__
    const __m128i first = _mm_set1_epi8((char)needle[0]);
    const __m128i last = _mm_set1_epi8((char)needle[len - 1]);
    size_t i = 0;
    for (; i + 16 + len - 1 <= n; i += 16) {
        __m128i a = _mm_loadu_si128((const __m128i *)(h + i));
        __m128i b = _mm_loadu_si128((const __m128i *)(h + i + len - 1));
        unsigned mask = (unsigned)_mm_movemask_epi8(
            _mm_and_si128(_mm_cmpeq_epi8(a, first), _mm_cmpeq_epi8(b, last)));
        while (mask) {
            unsigned bit = (unsigned)__builtin_ctz(mask);
            if (memcmp(h + i + bit + 1, needle + 1, len - 2) == 0)
                return h + i + bit;
            mask &= mask - 1;
        }
    }
    return memmem(h + i, n - i, needle, len);
#else
    return memmem(h, n, needle, len);
#endif
}

static int search_bytes(struct srch *s, const uint8_t *needle, size_t len,
                        uint8_t *buf, size_t cap)
{
    struct xs_memory *m = s->m;
    int rc = XS_OK;
    for (size_t i = 0; rc == XS_OK && i < m->nruns;) {
        uint64_t pfn, n;
        i = segment(m, i, &pfn, &n);
        uint64_t addr = pfn * XS_PAGE_SIZE, end = addr + n * XS_PAGE_SIZE;
        size_t keep = 0;        /* bytes carried from the last window */
        uint64_t base = addr;   /* address of buf[0] */
        while (rc == XS_OK && addr < end) {
            size_t t = cap - keep;
            if (t > end - addr)
                t = (size_t)(end - addr);
            rc = xs_memory_read_at(m, addr, buf + keep, t);
            size_t have = keep + t;
            for (size_t at = 0; rc == XS_OK && have - at >= len;) {
                const uint8_t *hit = find(buf + at, have - at, needle, len);
                if (!hit)
                    break;
                size_t pos = (size_t)(hit - buf);
                rc = report(s, base + pos, len);
                at = pos + 1;
            }
            addr += t;
            /* the tail that could start a match ending in the next window */
            keep = have < len - 1 ? have : len - 1;
            memmove(buf, buf + have - keep, keep);
            base = addr - keep;
        }
    }
    return rc;
}

static int search_regex(struct srch *s, const regex_t *re, uint8_t *buf,
                        size_t cap)
{
    struct xs_memory *m = s->m;
    const size_t step = cap - XS_SEARCH_REGEX_OVERLAP;
    int rc = XS_OK;
    for (size_t i = 0; rc == XS_OK && i < m->nruns;) {
        uint64_t pfn, n;
        i = segment(m, i, &pfn, &n);
        uint64_t seg = pfn * XS_PAGE_SIZE, end = seg + n * XS_PAGE_SIZE;
        for (uint64_t w = seg; rc == XS_OK && w < end; w += step) {
            size_t have = end - w < cap ? (size_t)(end - w) : cap;
            bool last = w + have >= end;
            /* matches that start in the overlap come from the next window */
            size_t report_below = last ? have : step;
            rc = xs_memory_read_at(m, w, buf, have);
            for (size_t at = 0; rc == XS_OK && at < report_below;) {
                regmatch_t pm = {.rm_so = (regoff_t)at,
                                 .rm_eo = (regoff_t)have};
                int fl = REG_STARTEND | (w > seg || at > 0 ? REG_NOTBOL : 0);
                if (regexec(re, (const char *)buf, 1, &pm, fl) != 0)
                    break;
                size_t so = (size_t)pm.rm_so, eo = (size_t)pm.rm_eo;
                if (so >= report_below)
                    break;
                if (eo > so)
                    rc = report(s, w + so, eo - so);
                at = eo > so ? eo : so + 1;
            }
            if (last)
                break;
        }
    }
    return rc;
}

int xs_search(struct xs_memory *m, struct xs_report *rep,
              const struct xs_search_opts *o, xs_match_fn fn, void *ctx,
              uint64_t *count)
{
    struct srch s = {.m = m, .fn = fn, .ctx = ctx};
    regex_t re;
    int rc = XS_OK;
    if (count)
        *count = 0;
    if (o->regex) {
        int e = regcomp(&re, o->regex, REG_EXTENDED);
        if (e != 0) {
            char why[256];
            regerror(e, &re, why, sizeof(why));
            xs_report_add(rep, XS_SEV_ERROR, "search.regex", 0, -1, "search",
                          "the regex does not compile: %s", why);
            return XS_USAGE;
        }
    } else if (!o->needle || o->needle_len == 0 ||
               o->needle_len > XS_SEARCH_REGEX_WINDOW / 2) {
        xs_report_add(rep, XS_SEV_ERROR, "search.pattern", 0, -1, "search",
                      "the bytes to find must be 1 to %u long",
                      XS_SEARCH_REGEX_WINDOW / 2);
        return XS_USAGE;
    }
    uint8_t *buf = malloc(XS_SEARCH_REGEX_WINDOW);
    if (!buf) {
        xs_report_add(rep, XS_SEV_ERROR, "io", 0, -1, "search",
                      "out of memory");
        rc = XS_IO;
    } else if (o->regex) {
        rc = search_regex(&s, &re, buf, XS_SEARCH_REGEX_WINDOW);
    } else {
        rc = search_bytes(&s, o->needle, o->needle_len, buf,
                          XS_SEARCH_REGEX_WINDOW);
    }
    if (o->regex)
        regfree(&re);
    free(buf);
    if (count)
        *count = s.count;
    return rc;
}
