/* Bytes in a buffer, as search --hex and --string find them: the
 * first occurrence of a needle by a SIMD filter on its first and last
 * bytes.  A header of its own so that bench/read_scan.c, search's floor,
 * runs the same code (static inline: no symbols of their own). */
#ifndef XS_FIND_H
#define XS_FIND_H

#include <stddef.h>
#include <stdint.h>
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

/* The first occurrence of needle (len >= 2) in h[0..n), or NULL: 16
 * candidate positions a step are filtered by the needle's first and last
 * bytes together (W. Mula's "SIMD-friendly" substring search) and only
 * those that pass are compared: about twice glibc's memmem on a guest's
 * pages, where the first byte alone passes too often. */
static inline const uint8_t *xs_find_sse2(const uint8_t *h, size_t n,
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
__attribute__((target("avx2"))) static inline const uint8_t *
xs_find_avx2(const uint8_t *h, size_t n, const uint8_t *needle, size_t len)
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
    return xs_find_sse2(h + i, n - i, needle, len);
}
#endif

static inline const uint8_t *xs_find(const uint8_t *h, size_t n,
                                     const uint8_t *needle, size_t len)
{
    if (len == 1)
        return memchr(h, needle[0], n);
#if XS_SEARCH_AVX2
    /* libgcc reads the CPU's features in a constructor: no static of our
     * own, which two threads searching at once would race on */
    if (__builtin_cpu_supports("avx2"))
        return xs_find_avx2(h, n, needle, len);
#endif
    return xs_find_sse2(h, n, needle, len);
}

#endif
