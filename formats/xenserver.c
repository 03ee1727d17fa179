/* XenServer's suspend image records. */
#include "xenserver.h"

#include "endian.h"

void xs_xenserver_hdr_decode(const uint8_t b[XS_XENSERVER_HDR_SIZE],
                             uint64_t *type, uint64_t *length)
{
    *type = xs_le64(b);
    *length = xs_le64(b + 8);
}

void xs_xenserver_hdr_encode(uint64_t type, uint64_t length,
                             uint8_t b[XS_XENSERVER_HDR_SIZE])
{
    xs_put_le64(b, type);
    xs_put_le64(b + 8, length);
}

const char *xs_xenserver_rec_name(uint64_t type)
{
    /* suspend_image.ml header_type_of_int64 */
    switch (type) {
    case XS_XSR_XENOPS: return "Xenops";
    case XS_XSR_LIBXC: return "Libxc";
    case XS_XSR_LIBXL: return "Libxl";
    case XS_XSR_LIBXC_LEGACY: return "Libxc_legacy";
    case XS_XSR_QEMU_TRAD: return "Qemu_trad";
    case XS_XSR_QEMU_XEN: return "Qemu_xen";
    case XS_XSR_DEMU: return "Demu";
    case XS_XSR_VARSTORED: return "Varstored";
    case XS_XSR_SWTPM0: return "Swtpm0";
    case XS_XSR_SWTPM: return "Swtpm";
    case XS_XSR_END: return "End_of_image";
    default: return NULL;
    }
}
