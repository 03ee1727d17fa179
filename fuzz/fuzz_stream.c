/* libFuzzer target: any bytes through verify, and through upgrade into a
 * scratch output.  Neither may crash, hang, leak or read out of bounds. */
#include <stdint.h>
#include <sys/mman.h>
#include <unistd.h>

#include "xenstream.h"

static int mem_fd(const uint8_t *p, size_t n)
{
    int fd = memfd_create("fuzz", MFD_CLOEXEC);
    if (fd < 0)
        return -1;
    if (n && write(fd, p, n) != (ssize_t)n) {
        close(fd);
        return -1;
    }
    lseek(fd, 0, SEEK_SET);
    return fd;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct xs_report rep;
    xs_report_init(&rep, "fuzz");

    int fd = mem_fd(data, size);
    if (fd < 0)
        return 0;
    struct xs_in *in = xs_in_from_fd(fd, "fuzz", true, &rep);
    if (in) {
        /* the input's length picks the variant: plain, or a release's rules */
        struct xs_release rel;
        xs_release_get((unsigned)(size % 24), &rel);
        xs_verify_for(in, &rep, NULL, size & 32 ? &rel : NULL);
        xs_in_close(in);
    }

    fd = mem_fd(data, size);
    int ofd = memfd_create("fuzz-out", MFD_CLOEXEC);
    if (fd >= 0 && ofd >= 0) {
        in = xs_in_from_fd(fd, "fuzz", true, &rep);
        struct xs_out *out = xs_out_from_fd(ofd, "out", true, &rep);
        /* to v3, to v2 (refusing or dropping the CPU policy) */
        struct xs_convert_opts co = {.to_version = 3 - (size & 1),
                                     .drop_cpu_policy = size & 2};
        if (in && out && xs_convert_precheck(in, &rep, NULL, &co) == XS_OK &&
            xs_convert(in, out, &rep, NULL, &co) == XS_OK)
            xs_out_commit(out);
        else
            xs_out_abort(out);
        xs_in_close(in);
    } else {
        if (fd >= 0)
            close(fd);
        if (ofd >= 0)
            close(ofd);
    }
    xs_report_free(&rep);
    return 0;
}
