/* search: bytes or a regex in the guest's final memory (memory.c), run
 * by run of consecutive present pfns, read in windows (bytes: 128 KiB, a
 * regex: 1 MiB) at about the speed of reading the file.  Bytes by find()
 * (memmem past its filter), with
 * the last needle_len - 1 bytes of a window carried into the next, so
 * that a match across any page or window boundary of consecutive pfns is
 * found once (find() filters candidates with AVX2 or SSE2 first).  A
 * regex by PCRE2 (its JIT; NUL bytes are data) on windows that overlap by
 * XS_SEARCH_REGEX_OVERLAP bytes: a match is reported from the window it
 * starts in, before the overlap (include/xenstream.h says what that
 * limits). */
#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#include <stdlib.h>
#include <string.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif
#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#define XS_SEARCH_AVX2 1
#else
#define XS_SEARCH_AVX2 0
#endif

#include "fileio.h"
#include "libxc.h"
#include "memory.h"

/* bytes are looked for in windows of 128 KiB (or twice the needle): still
 * in the cache from the read when they are scanned */
#define XS_SEARCH_BYTES_WINDOW(len) \
    ((len) * 2 > (128u << 10) ? (size_t)(len) * 2 : (size_t)(128u << 10))

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

/* The first occurrence of needle (len >= 2) in h[0..n), or NULL: 16
 * candidate positions a step are filtered by the needle's first and last
 * bytes together (W. Mula's "SIMD-friendly" substring search) and only
 * those that pass are compared: about twice glibc's memmem on a guest's
 * pages, where the first byte alone passes too often. */
static const uint8_t *find_sse2(const uint8_t *h, size_t n,
                                const uint8_t *needle, size_t len)
{
#ifdef __SSE2__
    if (n < len)
        return NULL;
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

#if XS_SEARCH_AVX2
/* The same filter, 64 positions a step with AVX2 (chosen at run time):
 * the scan then keeps up with the read that fills the window (1 GiB
 * image: 0.21 s with SSE2, cat 0.12 s). */
__attribute__((target("avx2"))) static const uint8_t *
find_avx2(const uint8_t *h, size_t n, const uint8_t *needle, size_t len)
{
    if (n < len)
        return NULL;
    const __m256i first = _mm256_set1_epi8((char)needle[0]);
    const __m256i last = _mm256_set1_epi8((char)needle[len - 1]);
    size_t i = 0;
    for (; i + 64 + len - 1 <= n; i += 64) {
        const uint8_t *p = h + i, *q = h + i + len - 1;
        __m256i e0 = _mm256_and_si256(
            _mm256_cmpeq_epi8(_mm256_loadu_si256((const __m256i *)p), first),
            _mm256_cmpeq_epi8(_mm256_loadu_si256((const __m256i *)q), last));
        __m256i e1 = _mm256_and_si256(
            _mm256_cmpeq_epi8(_mm256_loadu_si256((const __m256i *)(p + 32)),
                              first),
            _mm256_cmpeq_epi8(_mm256_loadu_si256((const __m256i *)(q + 32)),
                              last));
        if (_mm256_testz_si256(_mm256_or_si256(e0, e1),
                               _mm256_or_si256(e0, e1)))
            continue;
        uint64_t mask = (uint32_t)_mm256_movemask_epi8(e0) |
                        (uint64_t)(uint32_t)_mm256_movemask_epi8(e1) << 32;
        while (mask) {
            unsigned bit = (unsigned)__builtin_ctzll(mask);
            if (memcmp(p + bit + 1, needle + 1, len - 2) == 0)
                return p + bit;
            mask &= mask - 1;
        }
    }
    return find_sse2(h + i, n - i, needle, len);
}
#endif

static const uint8_t *find(const uint8_t *h, size_t n, const uint8_t *needle,
                           size_t len)
{
    if (len == 1)
        return memchr(h, needle[0], n);
#if XS_SEARCH_AVX2
    /* libgcc reads the CPU's features in a constructor: no static of our
     * own, which two threads searching at once would race on */
    if (__builtin_cpu_supports("avx2"))
        return find_avx2(h, n, needle, len);
#endif
    return find_sse2(h, n, needle, len);
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

static int search_regex(struct srch *s, pcre2_code *re, uint8_t *buf,
                        size_t cap, struct xs_report *rep)
{
    struct xs_memory *m = s->m;
    const size_t step = cap - XS_SEARCH_REGEX_OVERLAP;
    pcre2_match_data *md = pcre2_match_data_create(1, NULL);
    int rc = XS_OK;
    if (!md) {
        xs_report_add(rep, XS_SEV_ERROR, "io", 0, -1, "search",
                      "out of memory");
        return XS_IO;
    }
    PCRE2_SIZE *ov = pcre2_get_ovector_pointer(md);
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
            /* ^ only at the start of a run of pfns, $ only at its end */
            uint32_t fl = (w > seg ? PCRE2_NOTBOL : 0) |
                          (last ? 0 : PCRE2_NOTEOL);
            for (size_t at = 0; rc == XS_OK && at < report_below;) {
                int r = pcre2_match(re, buf, have, at, fl, md, NULL);
                if (r == PCRE2_ERROR_NOMATCH)
                    break;
                if (r < 0) {
                    /* a match or depth limit: a pattern that backtracks
                     * without end on these bytes */
                    PCRE2_UCHAR why[256];
                    uint64_t where = w + at;
                    pcre2_get_error_message(r, why, sizeof(why));
                    xs_report_add(rep, XS_SEV_ERROR, "search.regex", 0, -1,
                                  "search", "the regex failed at 0x%llx: %s",
                                  (unsigned long long)where,
                                  (const char *)why);
                    rc = XS_USAGE;
                    break;
                }
                size_t so = ov[0], eo = ov[1];
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
    pcre2_match_data_free(md);
    return rc;
}

int xs_search(struct xs_memory *m, struct xs_report *rep,
              const struct xs_search_opts *o, xs_match_fn fn, void *ctx,
              uint64_t *count)
{
    struct srch s = {.m = m, .fn = fn, .ctx = ctx};
    pcre2_code *re = NULL;
    int rc = XS_OK;
    if (count)
        *count = 0;
    if (o->regex) {
        /* bytes, not UTF-8; . matches every byte and $ only at the end,
         * as in the POSIX ERE this replaced */
        int e;
        PCRE2_SIZE eoff;
        re = pcre2_compile((PCRE2_SPTR)o->regex, PCRE2_ZERO_TERMINATED,
                           PCRE2_DOTALL | PCRE2_DOLLAR_ENDONLY |
                               PCRE2_NEVER_UTF | PCRE2_NEVER_UCP,
                           &e, &eoff, NULL);
        if (!re) {
            PCRE2_UCHAR why[256];
            pcre2_get_error_message(e, why, sizeof(why));
            xs_report_add(rep, XS_SEV_ERROR, "search.regex", 0, -1, "search",
                          "the regex does not compile: %s (at character "
                          "%zu)", (const char *)why, (size_t)eoff);
            return XS_USAGE;
        }
        /* without a JIT for this machine, pcre2_match() interprets */
        (void)pcre2_jit_compile(re, PCRE2_JIT_COMPLETE);
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
        rc = search_regex(&s, re, buf, XS_SEARCH_REGEX_WINDOW, rep);
    } else {
        rc = search_bytes(&s, o->needle, o->needle_len, buf,
                          XS_SEARCH_BYTES_WINDOW(o->needle_len));
    }
    pcre2_code_free(re);
    free(buf);
    if (count)
        *count = s.count;
    return rc;
}
