/* libFuzzer target for xl config text: the grammar, what
 * parse_config_data() refuses (formats/xl.c), an item of each device list
 * (formats/xlu.c), for the release in the first byte (4.6-4.22, and
 * the rest as the newest).
 * Nothing may crash, leak, read out of bounds or take more than linear
 * time a disk item. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "xl.h"
#include "xlu.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t n);

/* the text as one item of each list, and as a vif's rate, too */
static xs_xlu_item_fn *const items[] = {
    xs_xlu_disk_refusal,    xs_xlu_channel_refusal, xs_xlu_vif_refusal,
    xs_xlu_pci_refusal,     xs_xlu_vtpm_refusal,    xs_xlu_pvcalls_refusal,
    xs_xlu_usbctrl_refusal, xs_xlu_usbdev_refusal,  xs_xlu_vkb_refusal,
    xs_xlu_p9_refusal,      xs_xlu_vdispl_refusal,  xs_xlu_vsnd_refusal,
    xs_xlu_ioport_refusal,  xs_xlu_irq_refusal,     xs_xlu_iomem_refusal,
    xs_xlu_virtio_refusal,  xs_xlu_xsquota_refusal,
    xs_xlu_llc_color_refusal};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t n)
{
    if (!n)
        return 0;
    unsigned minor = data[0] % 24u;
    const char *cfg = (const char *)data + 1;
    size_t len = n - 1;
    char why[256];
    unsigned carry = 0; /* kept from one call to the next, as in a list */
    for (size_t i = 0; i < sizeof(items) / sizeof(items[0]); i++)
        items[i](cfg, len, minor, &carry, why, sizeof(why));
    unsigned line;
    size_t at;
    const char *rule;
    if (!xs_xl_config_text_error(cfg, len, minor, &line, &at))
        xs_xl_config_refusal(cfg, len, minor, why, sizeof(why), &rule, &line,
                             &at);
    xs_xl_config_refused(cfg, len);
    struct xs_xlu_vnuma vn = {.nodes = 2};
    xs_xlu_vnuma_option_refusal(cfg, len, minor, &vn, why, sizeof(why));
    char *rate = malloc(len + 1);
    if (rate) {
        memcpy(rate, cfg, len);
        rate[len] = '\0';
        xs_xlu_vif_rate_refusal(rate, why, sizeof(why));
        free(rate);
    }
    return 0;
}
