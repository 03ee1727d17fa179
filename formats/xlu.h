/* The items of xl's device lists that make xl exit before the restore
 * reads a page: a disk specification as libxlutil's scanner reads it
 * (tools/libs/util/libxlu_disk_l.l and libxlu_disk.c), a channel as xl
 * reads it (xl_parse.c), a vif's rate and a pci item as libxlutil reads
 * them (libxlu_vif.c, libxlu_pci.c), and the vtpm, pvcalls, usbctrl,
 * usbdev, vkb, p9, vdispl, vsnd, ioports, irqs, iomem, virtio,
 * xenstore_quota, llc_colors and vnuma items xl reads itself
 * (xl_parse.c). */
#ifndef XS_FORMATS_XLU_H
#define XS_FORMATS_XLU_H

#include <stdbool.h>
#include <stddef.h>

/* The longest spec judged (its indexes are 16 bits). */
#define XS_XLU_DISK_MAX 4096u

/* One list item, item[len], as xl 4.minor (4.6-4.22) reads it: NULL
 * when it takes it, else what xl prints first, in why[whysz].  (Where
 * xl's own reading is undefined, NULL too: nothing is claimed.)  *carry
 * is what xl keeps from one item of a list to the next, 0 before the
 * first: only p9 to 4.17 keeps anything. */
typedef const char *xs_xlu_item_fn(const char *item, size_t len,
                                   unsigned minor, unsigned *carry,
                                   char *why, size_t whysz);

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
/* Items of the lists xl reads token by token (strtok(","): "Unknown
 * string `foo' in vtpm spec"); each list's key is ignored before the
 * release that added it; not judged when len >= 4096. */
xs_xlu_item_fn xs_xlu_vtpm_refusal;    /* backend= needed, uuid= a UUID */
xs_xlu_item_fn xs_xlu_pvcalls_refusal; /* 4.11: backend= only */
xs_xlu_item_fn xs_xlu_usbctrl_refusal; /* 4.7: type= version= ports= */
xs_xlu_item_fn xs_xlu_usbdev_refusal;  /* 4.7: type=hostdev, ... */
xs_xlu_item_fn xs_xlu_vkb_refusal;     /* 4.12: backend-type= needed */
/* p9 (4.9): to 4.17 tokens up to the first without '=', path,
 * security_model and tag needed by the items so far (*carry); 4.18 every
 * piece KEY=VALUE, the three needed per item; from 4.19 type= and the
 * max-* numbers, none needed. */
xs_xlu_item_fn xs_xlu_p9_refusal;
/* vdispl (4.10): connectors=ID:WxH;... needed. */
xs_xlu_item_fn xs_xlu_vdispl_refusal;
/* One string of a vsnd card's list (4.12): "card|pcm|stream, KEY=..." */
xs_xlu_item_fn xs_xlu_vsnd_refusal;
/* ioports, irqs, iomem: one element ("xl: Invalid argument parsing irq:
 * 5x"); the caller refuses an element that is not a string. */
xs_xlu_item_fn xs_xlu_ioport_refusal;  /* START[-END], hex */
xs_xlu_item_fn xs_xlu_irq_refusal;     /* decimal, all of it from 4.7 */
xs_xlu_item_fn xs_xlu_iomem_refusal;   /* START,NUMBER[@GFN], hex */
/* virtio (4.18): backend= type= transport= grant_usage= */
xs_xlu_item_fn xs_xlu_virtio_refusal;
/* xenstore_quota (4.22) and llc_colors (4.20), elements as ioports' */
xs_xlu_item_fn xs_xlu_xsquota_refusal;   /* NAME=VALUE, 32 bits */
xs_xlu_item_fn xs_xlu_llc_color_refusal; /* START[-END], decimal */
/* an HVM guest's viridian and mca_caps elements */
xs_xlu_item_fn xs_xlu_viridian_refusal;  /* [!]NAME, all, defaults */
xs_xlu_item_fn xs_xlu_mca_cap_refusal;   /* lmce (4.10) */

/* What a vnuma list's options add up to, for the checks after it: its
 * nodes (set by the caller), the vCPUs and KiB its options give. */
struct xs_xlu_vnuma {
    unsigned nodes;
    unsigned long vcpus, memkb;
};
/* One string of a vnuma node's list, OPTION=VALUE (pnode, size, vcpus,
 * vdistances; others ignored): NULL when xl takes it (its vcpus and size
 * added to *v), else xl's message in why[whysz]. */
const char *xs_xlu_vnuma_option_refusal(const char *opt, size_t len,
                                        unsigned minor,
                                        struct xs_xlu_vnuma *v, char *why,
                                        size_t whysz);

/* libxl__enum_from_string() (libxl_utils.c, every tag): v[vn], all of
 * it, is one of names (NULL-ended), in any case. */
bool xs_xlu_enum(const char *v, size_t vn, const char *const *names);

/* libxl_uuid_from_string() (uuid_parse()): 36 characters, '-' at 8, 13,
 * 18 and 23, hex digits elsewhere. */
bool xs_xlu_uuid_ok(const char *u, size_t n);

/* xlu_vif_parse_rate() of a vif's `rate=` value (4.6-4.22 alike):
 * NULL when it takes it, else what it prints ("invalid rate in
 * `10Mbit/s'"), in why[whysz]. */
const char *xs_xlu_vif_rate_refusal(const char *rate, char *why,
                                    size_t whysz);

#endif
