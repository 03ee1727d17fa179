/* The domain config an xl save file carries (xenstream config): read by
 * a walk that sees the xl header's optional data as it is held
 * (formats/xl.c keeps up to XS_XL_OPTDATA_HOLD of it). */
#include <string.h>

#include "endian.h"
#include "xl.h"

struct grab {
    struct xs_buf *cfg;
    bool *json;
    uint32_t mandatory;
    bool found, too_big, nomem;
};

static void on_header(void *ctx, const char *layer, uint64_t at,
                      const uint8_t *p, uint64_t n)
{
    struct grab *g = ctx;
    (void)at;
    if (strcmp(layer, "xl") == 0 && n == XS_XL_HDR_SIZE) {
        struct xs_xl_hdr h;
        xs_xl_hdr_decode(p, &h);
        g->mandatory = h.mandatory_flags;
        return;
    }
    if (strcmp(layer, "xl optional data") != 0 || g->found || n < 4)
        return;
    /* a 4-byte length, then the config (xl_vmcontrol.c WITH_OPTDATA) */
    uint32_t len = xs_le32(p);
    if (len > n - 4) {
        g->too_big = true;
        return;
    }
    *g->json = (g->mandatory & XS_XL_FLAG_JSON) != 0;
    /* a JSON config is a C string: its NUL is the saver's, not text */
    uint32_t text = *g->json && len && p[4 + len - 1] == 0 ? len - 1 : len;
    g->cfg->len = 0;
    if (xs_buf_reserve(g->cfg, text ? text : 1) != XS_OK) {
        g->nomem = true;
        return;
    }
    memcpy(g->cfg->p, p + 4, text);
    g->cfg->len = text;
    g->found = true;
}

int xs_config_read(struct xs_in *in, struct xs_report *rep,
                   struct xs_buf *cfg, bool *json)
{
    struct grab g = {.cfg = cfg, .json = json};
    const struct xs_visitor v = {.header = on_header, .ctx = &g};
    struct xs_summary sum;
    *json = false;
    cfg->len = 0;
    int rc = xs_walk(in, rep, &sum, &v);
    if (g.nomem)
        return XS_IO;
    if (rc == XS_IO || g.found)
        return rc;
    if (g.too_big)
        xs_report_add(rep, XS_SEV_ERROR, "config.too_large", 0, -1,
                      "xl optional data",
                      "the config is larger than the %u bytes xenstream "
                      "reads of the optional data",
                      XS_XL_OPTDATA_HOLD);
    else
        xs_report_add(rep, XS_SEV_ERROR, "config.none", 0, -1, "input",
                      "the image has no domain config (%s; only an xl save "
                      "file carries one)",
                      sum.layers[0] ? sum.layers : "no layer read");
    return XS_INVALID;
}
