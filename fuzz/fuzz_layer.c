/* libFuzzer targets, one per layer reader, from this one source: each is
 * built with FUZZ_LAYER naming the layer whose reader it aims at.  The
 * input's first byte picks what is run; the rest is that layer's content,
 * after a fixed valid prefix (the layer's magic or headers, from its
 * descriptor in formats/layer.c's table), so that the
 * fuzzer spends its effort inside the layer instead of on its magic.
 *
 *   stream     no prefix: detection and every layer (the whole paths)
 *   libxc      image + domain header (version and guest from the mode)
 *   libxl      the libxl stream header
 *   xl         xl's magic
 *   libvirt    libvirt's magic
 *   xenserver  XenServer's signature
 *   gzip       the rest compressed with zlib (mode bit 7), or raw bytes
 *              after the gzip magic
 *   zstd       the rest compressed with libzstd (mode bit 7), or raw
 *              bytes after the zstd magic
 *
 * Mode byte: bit 0 convert to v2 (else upgrade to v3), bit 1
 * --drop-cpu-policy, bit 2 verify --xen (release from bits 3-6), bit 7
 * (gzip, zstd) compress.  Every input also goes through digest and diff's
 * model.  Nothing may crash, leak, hang or read out of bounds. */
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include <zlib.h>
#include <zstd.h>

#include "layer.h"
#include "libxc.h"
#include "libxl.h"
#include "fuzz_mem.h"

/* FUZZ_LAYER names a layer of the table (formats/layer.c), or "stream" */
#ifndef FUZZ_LAYER
#define FUZZ_LAYER "stream"
#endif

/* The layer's fixed prefix for this mode, into p (64 bytes); its length:
 * a record stream's headers, a container's magic from its descriptor. */
static size_t prefix(const struct xs_layer *l, uint8_t mode, uint8_t *p)
{
    if (!l)
        return 0;
    switch (l->kind) {
    case XS_LK_LIBXC: {
        struct xs_libxc_ihdr ih = {.marker = XS_LIBXC_MARKER,
                                   .id = XS_LIBXC_ID,
                                   .version = mode & 8 ? 3 : 2};
        struct xs_libxc_dhdr dh = {
            .type = mode & 16 ? XS_GUEST_X86_HVM : XS_GUEST_X86_PV,
            .page_shift = 12, .xen_major = 4, .xen_minor = 17};
        xs_libxc_ihdr_encode(&ih, p);
        xs_libxc_dhdr_encode(&dh, p + XS_LIBXC_IHDR_SIZE);
        return XS_LIBXC_IHDR_SIZE + XS_LIBXC_DHDR_SIZE;
    }
    case XS_LK_LIBXL: {
        struct xs_libxl_hdr h = {.ident = XS_LIBXL_IDENT, .version = 2};
        xs_libxl_hdr_encode(&h, p);
        return XS_LIBXL_HDR_SIZE;
    }
    case XS_LK_TRANSPORT:
        if (mode & 128)
            return 0; /* compressed below */
        if (l->codec == XS_CODEC_ZSTD) {
            memcpy(p, l->magic, l->magic_len);
            return l->magic_len;
        }
        /* a gzip member's header: magic, deflate, no flags, OS unix */
        memcpy(p, "\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03", 10);
        return 10;
    default:
        memcpy(p, l->magic, l->magic_len);
        return l->magic_len;
    }
}

/* zlib-compress the body as a gzip member (the gzip target, mode bit 7). */
static uint8_t *gzip_of(const uint8_t *p, size_t n, size_t *out)
{
    z_stream z;
    memset(&z, 0, sizeof(z));
    if (deflateInit2(&z, 1, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) !=
        Z_OK)
        return NULL;
    size_t cap = deflateBound(&z, n) + 32;
    uint8_t *b = malloc(cap);
    if (b) {
        z.next_in = (Bytef *)(uintptr_t)p;
        z.avail_in = (uInt)n;
        z.next_out = b;
        z.avail_out = (uInt)cap;
        if (deflate(&z, Z_FINISH) != Z_STREAM_END) {
            free(b);
            b = NULL;
        }
        *out = z.total_out;
    }
    deflateEnd(&z);
    return b;
}

/* zstd-compress the body as one frame with a checksum (the zstd target,
 * mode bit 7). */
static uint8_t *zstd_of(const uint8_t *p, size_t n, size_t *out)
{
    size_t cap = ZSTD_compressBound(n);
    uint8_t *b = malloc(cap);
    ZSTD_CCtx *c = ZSTD_createCCtx();
    if (b && c && !ZSTD_isError(ZSTD_CCtx_setParameter(c, ZSTD_c_checksumFlag, 1))) {
        *out = ZSTD_compress2(c, b, cap, p, n);
        if (ZSTD_isError(*out)) {
            free(b);
            b = NULL;
        }
    } else {
        free(b);
        b = NULL;
    }
    ZSTD_freeCCtx(c);
    return b;
}

static struct xs_in *input(const uint8_t *pre, size_t npre, const uint8_t *p,
                           size_t n, struct xs_report *rep)
{
    int fd = mem_fd(pre, npre, p, n);
    return fd < 0 ? NULL : xs_in_from_fd(fd, "fuzz", true, rep);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    const struct xs_layer *l = xs_layer_named(FUZZ_LAYER);
    uint8_t mode = data[0], pre[64];
    const uint8_t *body = data + 1;
    size_t n = size - 1, npre = prefix(l, mode, pre);
    uint8_t *packed = NULL;
    if (l && l->kind == XS_LK_TRANSPORT && (mode & 128)) {
        if (!(packed = l->codec == XS_CODEC_ZSTD ? zstd_of(body, n, &n)
                                                 : gzip_of(body, n, &n)))
            return 0;
        body = packed;
    }

    struct xs_report rep;
    xs_report_init(&rep, "fuzz");
    struct xs_in *in = input(pre, npre, body, n, &rep);
    if (in) {
        struct xs_release rel;
        xs_release_get((unsigned)(mode >> 3) & 15u, &rel);
        xs_verify_for(in, &rep, NULL, mode & 4 ? &rel : NULL);
        xs_in_close(in);
    }

    in = input(pre, npre, body, n, &rep);
    int ofd = memfd_create("fuzz-out", MFD_CLOEXEC);
    struct xs_out *out = ofd >= 0 ? xs_out_from_fd(ofd, "out", true, &rep)
                                  : NULL;
    if (!out && ofd >= 0)
        close(ofd);
    if (in && out) {
        struct xs_convert_opts co = {.to_version = mode & 1 ? 2 : 3,
                                     .drop_cpu_policy = (mode & 2) != 0};
        /* convert --to-xen 4.6-4.21 (its passes: HVM records cut, the
         * xl config's cpuid rewritten) when verify had a release */
        struct xs_release tx;
        xs_release_get(6 + ((unsigned)(mode >> 3) & 15u), &tx);
        if (mode & 4) {
            co.to_xen = &tx;
            co.to_version = tx.max_version;
        }
        if (xs_convert_precheck(in, &rep, NULL, &co) == XS_OK &&
            xs_convert(in, out, &rep, NULL, &co) == XS_OK)
            xs_out_commit(out);
        else
            xs_out_abort(out);
    } else {
        xs_out_abort(out);
    }
    xs_in_close(in);

    struct xs_digest d;
    if ((in = input(pre, npre, body, n, &rep))) {
        xs_digest(in, &rep, NULL, &d);
        xs_in_close(in);
    }
    struct xs_image *img = NULL;
    if ((in = input(pre, npre, body, n, &rep))) {
        if (xs_image_read(in, &rep, NULL, &img) == XS_OK) {
            uint64_t counts[XS_DK_NR];
            xs_image_diff(img, img, NULL, NULL, counts);
        }
        xs_image_free(img);
        xs_in_close(in);
    }
    xs_report_free(&rep);
    free(packed);
    return 0;
}
