/* search --hex's floor: only what a byte search must do.  Read every byte
 * of FILE (pread() into one 1 MiB buffer on a 2 MiB page, from search's
 * own allocator, floor/bigmem.h: on small pages this was 13% slower) and
 * find every match of the needle with search's own code (core/find.h),
 * counted, not reported; no walk of the records, no map of the pages, and
 * no match across two reads.  bench.sh measures it against cat of the
 * same file, beside search.
 *
 *   cc -O2 -I core -I floor -I include -o read_scan bench/read_scan.c \
 *       floor/buf.c
 *   read_scan FILE HEX */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "bigmem.h"
#include "find.h"

int main(int argc, char **argv)
{
    static uint8_t needle[256];
    size_t len = 0;
    const char *hex = argc == 3 ? argv[2] : "";
    for (; hex[0] && hex[1] && len < sizeof(needle); hex += 2) {
        char b[3] = {hex[0], hex[1], 0};
        needle[len++] = (uint8_t)strtoul(b, NULL, 16);
    }
    if (argc != 3 || len == 0 || *hex) {
        fprintf(stderr, "usage: read_scan FILE HEX (1 to %zu bytes)\n",
                sizeof(needle));
        return 2;
    }
    const size_t cap = (size_t)1 << 20;
    struct xs_bigmem mem;
    uint8_t *buf = xs_bigmem_alloc(&mem, cap, cap);
    if (!buf) {
        fprintf(stderr, "read_scan: out of memory\n");
        return 1;
    }
    int fd = open(argv[1], O_RDONLY);
    if (fd < 0) {
        perror(argv[1]);
        return 1;
    }
    unsigned long long matches = 0;
    for (off_t at = 0;;) {
        ssize_t r = pread(fd, buf, cap, at);
        if (r < 0) {
            perror("pread");
            return 1;
        }
        if (r == 0)
            break;
        for (const uint8_t *p = buf, *end = buf + r;;) {
            const uint8_t *hit = xs_find(p, (size_t)(end - p), needle, len);
            if (!hit)
                break;
            matches++;
            p = hit + 1;
        }
        at += r;
    }
    printf("%llu matches\n", matches);
    return 0;
}
