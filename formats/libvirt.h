/* libvirt's libxl save image: a 64-byte header, the domain XML, then the
 * libxl stream.  Source: src/libxl/libxl_conf.h (libxlSavefileHeader) and
 * src/libxl/libxl_domain.c in libvirt/libvirt. */
#ifndef XS_FORMAT_LIBVIRT_H
#define XS_FORMAT_LIBVIRT_H

#include "xenstream.h"

#define XS_LIBVIRT_MAGIC_SIZE 16
#define XS_LIBVIRT_HDR_SIZE 64
/* Version 2: a libxl v2 stream follows (LIBXL_HAVE_SRM_V2); version 1: a
 * legacy stream. */
#define XS_LIBVIRT_VERSION 2
#define XS_LIBVIRT_XML_HOLD (4u << 20)

extern const char xs_libvirt_magic[XS_LIBVIRT_MAGIC_SIZE];

struct xs_libvirt_hdr {
    uint32_t version;
    uint32_t xml_len;    /* including the NUL */
    uint32_t unused[10];
};

/* Fields are in the host's byte order: little-endian on x86. */
void xs_libvirt_hdr_decode(const uint8_t b[XS_LIBVIRT_HDR_SIZE],
                           struct xs_libvirt_hdr *h);
void xs_libvirt_hdr_encode(const struct xs_libvirt_hdr *h,
                           uint8_t b[XS_LIBVIRT_HDR_SIZE]);
/* libxlDomainSaveImageOpen(): XS_INVALID when libvirt would refuse it. */
int xs_libvirt_check_hdr(const struct xs_libvirt_hdr *h, uint64_t at,
                         struct xs_report *rep);
/* The header's fields, n bytes at p as xs_walk() passes them
 * (xs_describe_header()). */
void xs_libvirt_describe_hdr(const uint8_t *p, uint64_t n, xs_field_fn fn,
                             void *ctx);

#endif
