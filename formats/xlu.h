/* The items of xl's device lists that make xl exit before the restore
 * reads a page: a disk specification as libxlutil's scanner reads it
 * (tools/libs/util/libxlu_disk_l.l and libxlu_disk.c), a channel as xl
 * reads it (xl_parse.c), a vif's rate and a pci item as libxlutil reads
 * them (libxlu_vif.c, libxlu_pci.c). */
#ifndef XS_FORMATS_XLU_H
#define XS_FORMATS_XLU_H

#include <stddef.h>

/* The longest spec judged (its indexes are 16 bits). */
#define XS_XLU_DISK_MAX 4096u

/* One list item, item[len], as xl 4.minor (4.6-4.22) reads it: NULL
 * when it takes it, else what xl prints first, in why[whysz].  (Where
 * xl's own reading is undefined, NULL too: nothing is claimed.) */
typedef const char *xs_xlu_item_fn(const char *item, size_t len,
                                   unsigned minor, char *why, size_t whysz);

/* A disk item: xlu_disk_parse() ("unknown value for format: near
 * `qcow3'"); not judged when len > XS_XLU_DISK_MAX.  Linear in len. */
xs_xlu_item_fn xs_xlu_disk_refusal;
/* A channel item ("channel has unknown 'connection'"). */
xs_xlu_item_fn xs_xlu_channel_refusal;
/* A vif item: its `rate=` parts, by xs_xlu_vif_rate_refusal(). */
xs_xlu_item_fn xs_xlu_vif_refusal;
/* A pci item: xlu_pci_parse_bdf() to 4.14, xlu_pci_parse_spec_string()
 * from 4.15 ("Unknown PCI_SPEC_STRING option: foo").  Not judged when
 * len >= 4096.  An item whose reading is undefined (a BDF without ".FUNC"
 * from 4.15) is not refused, and why then starts with "undefined". */
xs_xlu_item_fn xs_xlu_pci_refusal;

/* xlu_vif_parse_rate() of a vif's `rate=` value (4.6-4.22 alike):
 * NULL when it takes it, else what it prints ("invalid rate in
 * `10Mbit/s'"), in why[whysz]. */
const char *xs_xlu_vif_rate_refusal(const char *rate, char *why,
                                    size_t whysz);

#endif
