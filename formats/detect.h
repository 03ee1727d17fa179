/* Which layer an input starts with, told from its first bytes (never from
 * its name).  docs/behaviour.md §1. */
#ifndef XS_DETECT_H
#define XS_DETECT_H

#include <stddef.h>
#include <stdint.h>

enum xs_layer {
    XS_LAYER_UNKNOWN,
    XS_LAYER_GZIP,
    XS_LAYER_XL,
    XS_LAYER_LIBVIRT,
    XS_LAYER_XENSERVER,
    XS_LAYER_LIBXL,
    XS_LAYER_LIBXC,
    XS_LAYER_LEGACY,
};

#define XS_DETECT_BYTES 32 /* enough for every magic */

/* n may be short (a tiny input): only what is present is compared. */
enum xs_layer xs_detect(const uint8_t *p, size_t n);
const char *xs_layer_name(enum xs_layer l);
/* What a rejected input looks like, for the one-line error. */
const char *xs_detect_describe(const uint8_t *p, size_t n);

#endif
