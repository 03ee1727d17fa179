/* Layer detection from magic bytes.  Sources: tools/xl/xl_saverestore.c
 * (xl), docs/specs/libxl-migration-stream.pandoc (libxl),
 * docs/specs/libxc-migration-stream.pandoc (libxc and legacy images),
 * libvirt src/libxl/libxl_conf.h, xen-api ocaml/xenopsd/lib/suspend_image.ml. */
#include "detect.h"

#include <stdbool.h>
#include <string.h>

#include "endian.h"
#include "libvirt.h"
#include "xenserver.h"
#include "xl.h"

static const char libxl_magic[8] = "LibxlFmt";

static bool has(const uint8_t *p, size_t n, const void *magic, size_t m)
{
    return n >= m && memcmp(p, magic, m) == 0;
}

enum xs_layer xs_detect(const uint8_t *p, size_t n)
{
    static const uint8_t ff[8] = {0xff, 0xff, 0xff, 0xff,
                                  0xff, 0xff, 0xff, 0xff};
    if (n >= 2 && p[0] == 0x1f && p[1] == 0x8b)
        return XS_LAYER_GZIP;
    if (has(p, n, xs_xl_magic, sizeof(xs_xl_magic)))
        return XS_LAYER_XL;
    if (has(p, n, xs_libvirt_magic, sizeof(xs_libvirt_magic)))
        return XS_LAYER_LIBVIRT;
    if (has(p, n, XS_XENSERVER_SIG, XS_XENSERVER_SIG_SIZE))
        return XS_LAYER_XENSERVER;
    if (has(p, n, libxl_magic, sizeof(libxl_magic)))
        return XS_LAYER_LIBXL;
    if (has(p, n, ff, sizeof(ff)))
        return XS_LAYER_LIBXC;
    /* spec "Legacy Images": octets 4-7 are 0 for a 64-bit toolstack's
     * image (p2m_size < 2^32), 0xffffffff for a 32-bit PV one. */
    if (n >= 8 && xs_le32(p) != 0 &&
        (xs_le32(p + 4) == 0 || xs_le32(p + 4) == 0xffffffffu))
        return XS_LAYER_LEGACY;
    return XS_LAYER_UNKNOWN;
}

const char *xs_layer_name(enum xs_layer l)
{
    switch (l) {
    case XS_LAYER_GZIP: return "gzip";
    case XS_LAYER_XL: return "xl";
    case XS_LAYER_LIBVIRT: return "libvirt";
    case XS_LAYER_XENSERVER: return "xenserver";
    case XS_LAYER_LIBXL: return "libxl";
    case XS_LAYER_LIBXC: return "libxc";
    case XS_LAYER_LEGACY: return "legacy";
    default: return "unknown";
    }
}

/* What a file that is no image looks like, from its first bytes: the
 * usual mistakes (another compressor, a binary, a text file, a disk of
 * zeros) named, so that the one-line error says what to do. */
static const char *not_an_image(const uint8_t *p, size_t n)
{
    static const struct {
        const char *magic;
        size_t len;
        const char *says;
    } known[] = {
        {"\x28\xb5\x2f\xfd", 4, "not a Xen save image: zstd-compressed data; "
                                "decompress it first (zstd -dc)"},
        {"\xfd" "7zXZ\0", 6, "not a Xen save image: xz-compressed data; "
                              "decompress it first (xz -dc)"},
        {"BZh", 3, "not a Xen save image: bzip2-compressed data; decompress "
                   "it first (bzip2 -dc)"},
        {"\x7f" "ELF", 4, "not a Xen save image: an ELF file (a program, a "
                         "library or a core dump)"},
    };
    for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++)
        if (has(p, n, known[i].magic, known[i].len))
            return known[i].says;
    size_t zeros = 0, text = 0;
    for (size_t i = 0; i < n; i++) {
        zeros += p[i] == 0;
        text += (p[i] >= 0x20 && p[i] < 0x7f) || p[i] == '\n' ||
                p[i] == '\t' || p[i] == '\r';
    }
    if (zeros == n)
        return "not a Xen save image: it starts with zero bytes";
    if (text == n)
        return "not a Xen save image: it looks like text";
    return "not a Xen save image: no gzip, xl, libvirt, XenServer, libxl or "
           "libxc magic at the start";
}

const char *xs_detect_describe(const uint8_t *p, size_t n)
{
    switch (xs_detect(p, n)) {
    case XS_LAYER_LEGACY:
        return "this looks like a legacy (pre-Xen 4.6) save image; convert "
               "it with Xen's convert-legacy-stream first";
    case XS_LAYER_UNKNOWN:
        if (has(p, n, XS_XENSERVER_LEGACY_SIG, XS_XENSERVER_SIG_SIZE))
            return "this is a legacy XenServer suspend image (pre-Xen 4.6 "
                   "stream): xenopsd converts it with convert-legacy-stream";
        if (n == 0)
            return "the input is empty";
        if (n < 8)
            return "the input is too short to be a Xen save image";
        return not_an_image(p, n);
    default:
        return xs_layer_name(xs_detect(p, n));
    }
}
