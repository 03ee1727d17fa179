/* libvirt's libxl save image header. */
#include "libvirt.h"

#include <string.h>

#include "endian.h"
#include "field.h"
#include "layer.h"

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

/* ---- the layer: header, domain XML, then the libxl stream ---- */

static int libvirt_walk(const struct xs_layer_io *io)
{
    uint8_t h[XS_LIBVIRT_HDR_SIZE];
    struct xs_libvirt_hdr hdr;
    uint64_t at = io->offset(io->run);
    int rc;

    if ((rc = io->read(io->run, h, sizeof(h), "libvirt.truncated",
                       "libvirt header")))
        return rc;
    xs_libvirt_hdr_decode(h, &hdr);
    io->header(io->run, "libvirt", at, h, sizeof(h));
    if ((rc = xs_libvirt_check_hdr(&hdr, at, io->rep)) != XS_OK ||
        (rc = io->keep(io->run, h, sizeof(h))) != XS_OK)
        return rc;
    /* the domain XML is libvirt's business: kept, not read */
    if ((rc = io->keep_input(io->run, hdr.xml_len, "libvirt.truncated",
                             "libvirt domain XML", "the domain XML")))
        return rc;
    return io->libxl(io->run, "libvirt");
}

const struct xs_layer xs_layer_libvirt = {
    .name = "libvirt", .kind = XS_LK_CONTAINER, .magic = xs_libvirt_magic,
    .magic_len = XS_LIBVIRT_MAGIC_SIZE,
    .walk = libvirt_walk, .own_digest = true, .restore = XS_LR_REFUSED,
    .restore_why = "a libvirt save image: its domain configuration is "
                   "libvirt's XML; restore it with virsh restore",
    .headers = (const struct xs_layer_header[]){
        {.what = "libvirt", .type = "header",
         .fields = xs_libvirt_describe_hdr},
        {0}},
};

/* The 64 header bytes xs_walk() passes. */
void xs_libvirt_describe_hdr(const uint8_t *p, uint64_t n, xs_field_fn fn,
                             void *ctx)
{
    struct xs_libvirt_hdr h;
    if (n != XS_LIBVIRT_HDR_SIZE)
        return;
    xs_libvirt_hdr_decode(p, &h);
    xs_field_int(fn, ctx, "version", h.version);
    xs_field_int(fn, ctx, "xml_bytes", h.xml_len);
}
