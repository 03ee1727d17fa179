/* XenServer's (xenopsd's) suspend image: a signature, then 16-byte typed
 * records; the Libxc record is followed inline by a libxc stream, the
 * others carry `length` bytes of their own data.  Source:
 * ocaml/xenopsd/lib/suspend_image.ml in xapi-project/xen-api. */
#ifndef XS_FORMAT_XENSERVER_H
#define XS_FORMAT_XENSERVER_H

#include "xenstream.h"

#define XS_XENSERVER_SIG "XenSavedDomv2-\n"
#define XS_XENSERVER_SIG_SIZE 15
#define XS_XENSERVER_LEGACY_SIG "XenSavedDomain\n"
#define XS_XENSERVER_HDR_SIZE 16

enum xs_xenserver_rec {
    XS_XSR_XENOPS = 0x000f,
    XS_XSR_LIBXC = 0x00f0,
    XS_XSR_LIBXL = 0x00f1,
    XS_XSR_LIBXC_LEGACY = 0x00f2,
    XS_XSR_QEMU_TRAD = 0x0f00,
    XS_XSR_QEMU_XEN = 0x0f01,
    XS_XSR_DEMU = 0x0f10,
    XS_XSR_VARSTORED = 0x0f11,
    XS_XSR_SWTPM0 = 0x0f12,
    XS_XSR_SWTPM = 0x0f13,
    XS_XSR_END = 0xffff,
};

/* Both fields little-endian (read_int64 ~endianness:`little). */
void xs_xenserver_hdr_decode(const uint8_t b[XS_XENSERVER_HDR_SIZE],
                             uint64_t *type, uint64_t *length);
void xs_xenserver_hdr_encode(uint64_t type, uint64_t length,
                             uint8_t b[XS_XENSERVER_HDR_SIZE]);
/* "Libxc", "Qemu_xen", ... or NULL for a type xenopsd refuses. */
const char *xs_xenserver_rec_name(uint64_t type);
/* A record header as xs_walk() passes it (xs_describe_header()): its
 * type's name ("?" for one xenopsd refuses) and *length its own; NULL
 * for another size. */
const char *xs_xenserver_describe_rec(const uint8_t *p, uint64_t n,
                                      uint64_t *length);

#endif
