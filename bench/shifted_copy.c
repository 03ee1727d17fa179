/* bench/: the least work a file->file v2->v3 upgrade can ask of the
 * kernel.  STATIC_DATA_END (8 bytes) goes in before the pages, so the rest
 * of the output stands 8 bytes later than in the input, and no copy can
 * move whole page-cache pages (cp's own copy_file_range can).  This copies
 * IN to OUT at that shift, by copy_file_range in one call as cp does: the
 * floor bench.sh measures upgrade against, beside cp.
 *
 *   xs-shifted-copy IN OUT [SHIFT]     (SHIFT bytes of zeros first; 8) */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: xs-shifted-copy IN OUT [SHIFT]\n");
        return 2;
    }
    long shift = argc > 3 ? strtol(argv[3], NULL, 10) : 8;
    int in = open(argv[1], O_RDONLY);
    int out = open(argv[2], O_WRONLY | O_CREAT | O_TRUNC, 0644);
    struct stat st;
    if (in < 0 || out < 0 || fstat(in, &st) < 0 || shift < 0 || shift > 4096) {
        perror("xs-shifted-copy");
        return 1;
    }
    static const char zeros[4096];
    if (write(out, zeros, (size_t)shift) != shift) {
        perror("xs-shifted-copy: write");
        return 1;
    }
    for (off_t left = st.st_size; left > 0;) {
        ssize_t r = copy_file_range(in, NULL, out, NULL, (size_t)left, 0);
        if (r <= 0) {
            perror("xs-shifted-copy: copy_file_range");
            return 1;
        }
        left -= r;
    }
    return close(out) < 0;
}
