/* What the fuzz targets share: their input as a file. */
#ifndef XS_FUZZ_MEM_H
#define XS_FUZZ_MEM_H

#include <stdint.h>
#include <sys/mman.h>
#include <unistd.h>

/* A memory file holding a, then b, read from its start; -1 on failure. */
static inline int mem_fd(const uint8_t *a, size_t na, const uint8_t *b,
                         size_t nb)
{
    int fd = memfd_create("fuzz", MFD_CLOEXEC);
    if (fd < 0)
        return -1;
    if ((na && write(fd, a, na) != (ssize_t)na) ||
        (nb && write(fd, b, nb) != (ssize_t)nb) ||
        lseek(fd, 0, SEEK_SET) != 0) {
        close(fd);
        return -1;
    }
    return fd;
}

#endif
