/* libFuzzer target for export and search (core/memory.c, export.c,
 * search.c, formats/elfcore.c): the input's first byte picks what is run,
 * the rest is a libxc stream's records after valid image and domain
 * headers (or, with bit 5, any bytes: every container and transport).
 *
 * Mode byte: bits 0-1 the format (xc-core, elf, raw) or 3: search (bytes,
 * the input's last 3, and a regex); bit 2 --partial; bit 3 v3 (else v2);
 * bit 4 an HVM guest (else PV); bit 5 no prefix; bit 6 raw --no-sparse.
 * Outputs go to a memory file.  Nothing may crash, leak, hang or read out
 * of bounds. */
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "libxc.h"
#include "fuzz_mem.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t n);

static int count_match(void *ctx, const struct xs_match *mt)
{
    (void)mt;
    ++*(uint64_t *)ctx;
    return XS_OK;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t n)
{
    if (n < 1)
        return 0;
    uint8_t mode = data[0];
    uint8_t pre[XS_LIBXC_IHDR_SIZE + XS_LIBXC_DHDR_SIZE];
    size_t npre = 0;
    if (!(mode & 32)) {
        struct xs_libxc_ihdr ih = {.marker = XS_LIBXC_MARKER,
                                   .id = XS_LIBXC_ID,
                                   .version = mode & 8 ? 3 : 2};
        struct xs_libxc_dhdr dh = {
            .type = mode & 16 ? XS_GUEST_X86_HVM : XS_GUEST_X86_PV,
            .page_shift = 12, .xen_major = 4, .xen_minor = 17};
        xs_libxc_ihdr_encode(&ih, pre);
        xs_libxc_dhdr_encode(&dh, pre + XS_LIBXC_IHDR_SIZE);
        npre = sizeof(pre);
    }
    int fd = mem_fd(pre, npre, data + 1, n - 1);
    if (fd < 0)
        return 0;
    struct xs_report rep;
    xs_report_init(&rep, "fuzz");
    struct xs_in *in = xs_in_from_fd(fd, "fuzz", true, &rep);
    struct xs_memory_opts mo = {.partial = mode & 4, .spool_dir = "/tmp"};
    struct xs_memory *m = NULL;
    if (in && xs_memory_read(in, &rep, NULL, &mo, &m) == XS_OK) {
        unsigned what = mode & 3;
        struct xs_memory_info mi;
        xs_memory_get_info(m, &mi);
        /* a raw file reaches the highest pfn: zeros written up to a pfn
         * near 2^52 are a hang here, not a finding (a real run fails
         * with EFBIG or fills the disk, as asked) */
        if (what == 2 && mi.max_pfn > (1u << 20))
            what = 1;
        if (what == 3) {
            uint64_t count = 0;
            struct xs_search_opts so = {.needle = data + (n > 3 ? n - 3 : 0),
                                        .needle_len = n > 3 ? 3 : 0};
            if (so.needle_len)
                xs_search(m, &rep, &so, count_match, &count, NULL);
            struct xs_search_opts re = {.regex = "x[e-n]+-[0-9]"};
            xs_search(m, &rep, &re, count_match, &count, NULL);
            uint8_t b[64];
            xs_memory_read_at(m, 0xfff0, b, sizeof(b));
        } else {
            int ofd = memfd_create("out", MFD_CLOEXEC);
            struct xs_out *out = ofd >= 0 ? xs_out_from_fd(ofd, "out", true,
                                                           &rep) : NULL;
            struct xs_export_opts eo = {
                .format = what == 0 ? XS_EXPORT_XC_CORE
                          : what == 1 ? XS_EXPORT_ELF : XS_EXPORT_RAW,
                .no_sparse = mode & 64};
            if (out) {
                xs_export(m, out, &rep, &eo, NULL);
                xs_out_abort(out);
            } else if (ofd >= 0) {
                close(ofd);
            }
        }
    }
    xs_memory_free(m);
    xs_in_close(in);
    xs_report_free(&rep);
    return 0;
}
