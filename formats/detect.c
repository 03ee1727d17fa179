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
        return "not a Xen save image: no gzip, xl, libvirt, XenServer, libxl "
               "or libxc magic at the start";
    default:
        return xs_layer_name(xs_detect(p, n));
    }
}
