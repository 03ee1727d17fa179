/* search --hex's floor: only what a byte search must do, read every byte
 * of FILE (pread() into one 1 MiB buffer on a 2 MiB page, as search's
 * windows are: a buffer on small pages made this 13% slower) and pass
 * it through the same first-and-last-byte AVX2 filter (core/search.c's
 * find_avx2(), without the compare of the rare candidates); no walk of
 * the records, no map of the pages.  bench.sh measures it against cat of
 * the same file, beside search.
 *
 *   read_scan FILE NEEDLE_FIRST_BYTE NEEDLE_LAST_BYTE NEEDLE_LEN */
#define _GNU_SOURCE
#include <fcntl.h>
#include <immintrin.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

__attribute__((target("avx2"))) static uint64_t
candidates(const uint8_t *h, size_t n, uint8_t f, uint8_t l, size_t len)
{
    const __m256i first = _mm256_set1_epi8((char)f);
    const __m256i last = _mm256_set1_epi8((char)l);
    uint64_t c = 0;
    for (size_t i = 0; i + 64 + len - 1 <= n; i += 64) {
        const uint8_t *p = h + i, *q = h + i + len - 1;
        __m256i e0 = _mm256_and_si256(
            _mm256_cmpeq_epi8(_mm256_loadu_si256((const __m256i *)p), first),
            _mm256_cmpeq_epi8(_mm256_loadu_si256((const __m256i *)q), last));
        __m256i e1 = _mm256_and_si256(
            _mm256_cmpeq_epi8(_mm256_loadu_si256((const __m256i *)(p + 32)),
                              first),
            _mm256_cmpeq_epi8(_mm256_loadu_si256((const __m256i *)(q + 32)),
                              last));
        if (!_mm256_testz_si256(_mm256_or_si256(e0, e1),
                                _mm256_or_si256(e0, e1)))
            c += (uint64_t)__builtin_popcount(
                     (unsigned)_mm256_movemask_epi8(e0)) +
                 (uint64_t)__builtin_popcount(
                     (unsigned)_mm256_movemask_epi8(e1));
    }
    return c;
}

int main(int argc, char **argv)
{
    if (argc != 5) {
        fprintf(stderr, "usage: read_scan FILE FIRST LAST LEN\n");
        return 2;
    }
    uint8_t f = (uint8_t)strtoul(argv[2], NULL, 0);
    uint8_t l = (uint8_t)strtoul(argv[3], NULL, 0);
    size_t len = strtoull(argv[4], NULL, 0);
    const size_t cap = (size_t)1 << 20, huge = (size_t)2 << 20;
    if (len < 2 || len > cap / 2) {
        fprintf(stderr, "read_scan: LEN must be 2 to %zu\n", cap / 2);
        return 2;
    }
    uint8_t *m = mmap(NULL, 2 * huge, PROT_READ | PROT_WRITE,
                      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (m == MAP_FAILED) {
        perror("mmap");
        return 1;
    }
    uint8_t *buf = m + (huge - (uintptr_t)m % huge) % huge;
    (void)madvise(buf, huge, MADV_HUGEPAGE);
    int fd = open(argv[1], O_RDONLY);
    if (fd < 0) {
        perror(argv[1]);
        return 1;
    }
    uint64_t c = 0;
    for (off_t at = 0;;) {
        ssize_t r = pread(fd, buf, cap, at);
        if (r < 0) {
            perror("pread");
            return 1;
        }
        if (r == 0)
            break;
        c += candidates(buf, (size_t)r, f, l, len);
        at += r;
    }
    printf("%llu candidates\n", (unsigned long long)c);
    return 0;
}
