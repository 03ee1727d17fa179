/* raw export's floor on a file system: only the writes an export of the
 * bench's synthetic image makes (RUN bytes of data, then a HOLE-byte hole,
 * up to SIZE bytes), from one buffer, nothing read.  bench.sh measures it
 * against cp of the image, beside export raw.
 *
 *   sparse_writer OUT SIZE RUN HOLE */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int main(int argc, char **argv)
{
    if (argc != 5) {
        fprintf(stderr, "usage: sparse_writer OUT SIZE RUN HOLE\n");
        return 2;
    }
    unsigned long long size = strtoull(argv[2], NULL, 0);
    size_t run = strtoull(argv[3], NULL, 0), hole = strtoull(argv[4], NULL, 0);
    static char buf[1 << 20];
    if (run == 0 || run > sizeof(buf)) {
        fprintf(stderr, "sparse_writer: RUN must be 1 to %zu\n", sizeof(buf));
        return 2;
    }
    memset(buf, 0x5a, sizeof(buf));
    int fd = open(argv[1], O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd < 0) {
        perror(argv[1]);
        return 1;
    }
    for (unsigned long long at = 0; at < size; at += run + hole) {
        size_t n = size - at < run ? (size_t)(size - at) : run;
        if (pwrite(fd, buf, n, (off_t)at) != (ssize_t)n) {
            perror("pwrite");
            return 1;
        }
    }
    if (ftruncate(fd, (off_t)size) < 0 || close(fd) < 0) {
        perror(argv[1]);
        return 1;
    }
    return 0;
}
