/* What libxlutil's device parsers refuse, by which xl exits: an xl disk
 * specification as libxlu's scanner reads it (xl's `disk` list items;
 * tools/libs/util/libxlu_disk_l.l and libxlu_disk.c), and a vif's rate
 * (libxlu_vif.c). */
#ifndef XS_FORMATS_XLU_H
#define XS_FORMATS_XLU_H

#include <stddef.h>

/* The longest spec judged (its indexes are 16 bits). */
#define XS_XLU_DISK_MAX 4096u

/* xlu_disk_parse() of spec[len] by xl 4.minor (4.6-4.22): NULL when it
 * takes it (or when len > XS_XLU_DISK_MAX: not judged), else what it
 * prints first ("unknown value for format: near `qcow3'"), in
 * why[whysz].  Linear in len. */
const char *xs_xlu_disk_refusal(const char *spec, size_t len, unsigned minor,
                               char *why, size_t whysz);

/* xlu_vif_parse_rate() of a vif's `rate=` value (4.6-4.22 alike):
 * NULL when it takes it, else what it prints ("invalid rate in
 * `10Mbit/s'"), in why[whysz]. */
const char *xs_xlu_vif_rate_refusal(const char *rate, char *why,
                                    size_t whysz);

#endif
