/* XenServer's suspend image records. */
#include "xenserver.h"

#include <string.h>

#include "endian.h"
#include "field.h"
#include "layer.h"

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

/* ---- the layer: signature, then records, one of them the libxc
 * stream (suspend_image.ml) ---- */

static int xenserver_walk(const struct xs_layer_io *io)
{
    uint8_t sig[XS_XENSERVER_SIG_SIZE], h[XS_XENSERVER_HDR_SIZE];
    int rc;
    unsigned libxc = 0;

    if ((rc = io->read(io->run, sig, sizeof(sig), "xenserver.truncated",
                       "XenServer signature")) != XS_OK ||
        (rc = io->keep(io->run, sig, sizeof(sig))) != XS_OK)
        return rc;
    io->header(io->run, "xenserver", 0, sig, sizeof(sig));
    for (int64_t index = 0;; index++) {
        uint64_t type, len, at = io->offset(io->run);
        if ((rc = io->read(io->run, h, sizeof(h), "xenserver.truncated",
                           "XenServer record header")) != XS_OK)
            return rc;
        xs_xenserver_hdr_decode(h, &type, &len);
        io->header(io->run, "xenserver record", at, h, sizeof(h));
        const char *name = xs_xenserver_rec_name(type);
        if (!name) {
            /* suspend_image.ml: Invalid_header_type */
            xs_report_add(io->rep, XS_SEV_ERROR, "xenserver.type", at, index,
                          "XenServer record",
                          "unknown record type 0x%llx: xenopsd refuses it",
                          (unsigned long long)type);
            return XS_INVALID;
        }
        if (type == XS_XSR_LIBXC_LEGACY) {
            xs_report_add(io->rep, XS_SEV_ERROR, "xenserver.legacy", at,
                          index, name,
                          "a legacy (pre-Xen 4.6) libxc stream; convert it "
                          "with Xen's convert-legacy-stream first");
            return XS_INVALID;
        }
        if ((rc = io->keep(io->run, h, sizeof(h))) != XS_OK)
            return rc;
        if (type == XS_XSR_END)
            break;
        if (type == XS_XSR_LIBXC) {
            /* the libxc stream follows inline (its length field is 0) */
            libxc++;
            if ((rc = io->libxc(io->run)) != XS_OK)
                return rc;
            continue;
        }
        if ((rc = io->keep_input(io->run, len, "xenserver.truncated", name,
                                 "the record's data")) != XS_OK)
            return rc;
    }
    if (libxc != 1) {
        xs_report_add(io->rep, XS_SEV_ERROR, "xenserver.libxc",
                      io->offset(io->run), -1, "End_of_image",
                      "the image holds %u libxc streams, not 1", libxc);
        return XS_INVALID;
    }
    return io->trailing(io->run);
}

const struct xs_layer xs_layer_xenserver = {
    .name = "xenserver", .kind = XS_LK_CONTAINER, .magic = XS_XENSERVER_SIG,
    .magic_len = XS_XENSERVER_SIG_SIZE,
    .walk = xenserver_walk, .own_digest = true, .restore = XS_LR_REFUSED,
    .restore_why = "a XenServer suspend image: XenServer's toolstack resumes "
                   "it (xe vm-resume); it has no libxl stream",
    .headers = (const struct xs_layer_header[]){
        {.what = "xenserver", .type = "signature"},
        {.what = "xenserver record", .type = "header",
         .record = xs_xenserver_describe_rec},
        {0}},
};

/* A record's 16-byte header: its type's name ("?" for one xenopsd
 * refuses), and *length its own; NULL for another size. */
const char *xs_xenserver_describe_rec(const uint8_t *p, uint64_t n,
                                      uint64_t *length)
{
    uint64_t t;
    if (n != XS_XENSERVER_HDR_SIZE)
        return NULL;
    xs_xenserver_hdr_decode(p, &t, length);
    return xs_xenserver_rec_name(t) ? xs_xenserver_rec_name(t) : "?";
}
