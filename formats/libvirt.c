/* libvirt's libxl save image header. */
#include "libvirt.h"

#include <string.h>

#include "endian.h"

const char xs_libvirt_magic[XS_LIBVIRT_MAGIC_SIZE] = "libvirt-xml\n \0 \r";

void xs_libvirt_hdr_decode(const uint8_t b[XS_LIBVIRT_HDR_SIZE],
                           struct xs_libvirt_hdr *h)
{
    h->version = xs_le32(b + 16);
    h->xml_len = xs_le32(b + 20);
    for (unsigned i = 0; i < 10; i++)
        h->unused[i] = xs_le32(b + 24 + 4 * (size_t)i);
}

void xs_libvirt_hdr_encode(const struct xs_libvirt_hdr *h,
                           uint8_t b[XS_LIBVIRT_HDR_SIZE])
{
    /* a fixed-size magic, not a string */
    memcpy(b, xs_libvirt_magic, XS_LIBVIRT_MAGIC_SIZE); // NOLINT(bugprone-not-null-terminated-result)
    xs_put_le32(b + 16, h->version);
    xs_put_le32(b + 20, h->xml_len);
    for (unsigned i = 0; i < 10; i++)
        xs_put_le32(b + 24 + 4 * (size_t)i, h->unused[i]);
}

int xs_libvirt_check_hdr(const struct xs_libvirt_hdr *h, uint64_t at,
                         struct xs_report *rep)
{
    const char *w = "libvirt header";
    if (h->version == 1) {
        xs_report_add(rep, XS_SEV_ERROR, "libvirt.hdr.legacy", at + 16, -1, w,
                      "libvirt save image version 1 holds a legacy (pre-Xen "
                      "4.6) stream; convert it with Xen's "
                      "convert-legacy-stream first");
        return XS_INVALID;
    }
    if (h->version != XS_LIBVIRT_VERSION) {
        xs_report_add(rep, XS_SEV_ERROR, "libvirt.hdr.version", at + 16, -1, w,
                      "libvirt save image version %u is not supported (2)",
                      h->version);
        return XS_INVALID;
    }
    if (h->xml_len == 0) {
        xs_report_add(rep, XS_SEV_ERROR, "libvirt.hdr.xml_len", at + 20, -1, w,
                      "XML length is 0: libvirt refuses it");
        return XS_INVALID;
    }
    for (unsigned i = 0; i < 10; i++) {
        if (h->unused[i]) {
            xs_report_add(rep, XS_SEV_WARNING, "libvirt.reserved",
                          at + 24 + 4 * (uint64_t)i, -1, w,
                          "unused header word %u is 0x%08x, not zero (kept)",
                          i, h->unused[i]);
            break;
        }
    }
    return XS_OK;
}
