/* The compat pass (CONTRACT 2.3a-b).
 *
 * v2 -> v3: Xen's restore (the seed patch, now xg_sr_restore.c
 * handle_page_data() and xg_sr_restore_x86_pv.c handle_x86_pv_p2m_frames())
 * behaves as if STATIC_DATA_END arrived immediately before the first
 * PAGE_DATA, or for a PV guest the first X86_PV_P2M_FRAMES, whichever comes
 * first.  The pass inserts the record exactly there.  A stream with neither
 * before its first CHECKPOINT or END gets it immediately before that record
 * (validate.c warns about it).
 *
 * Any version: the erratum's zero-content records are dropped, as a current
 * saver never writes them. */
#include "libxc.h"

void xs_compat_init(struct xs_compat *c, unsigned version, uint32_t guest)
{
    c->version = version;
    c->guest = guest;
    c->sde_done = version >= 3;
    c->inserted = 0;
    c->dropped = 0;
}

static bool sde_goes_before(const struct xs_compat *c, uint32_t type)
{
    return xs_libxc_triggers_sde(c->guest, type) ||
           type == XS_REC_CHECKPOINT || type == XS_REC_END;
}

int xs_compat_push(struct xs_compat *c, const struct xs_record *r,
                   xs_emit_fn emit, void *ctx)
{
    if (xs_libxc_is_erratum_empty(r)) {
        c->dropped++;
        return XS_OK;
    }
    if (r->type == XS_REC_STATIC_DATA_END) {
        c->sde_done = true;
    } else if (!c->sde_done && sde_goes_before(c, r->type)) {
        struct xs_record sde = {
            .type = XS_REC_STATIC_DATA_END,
            .offset = r->offset,
            .index = r->index,
            .synthetic = true,
        };
        int rc = emit(&sde, ctx);
        if (rc != XS_OK)
            return rc;
        c->sde_done = true;
        c->inserted++;
    }
    return emit(r, ctx);
}

static int emit_to_list(const struct xs_record *r, void *ctx)
{
    return xs_record_list_push(ctx, r);
}

int xs_compat_apply(struct xs_compat *c, const struct xs_record_list *in,
                    struct xs_record_list *out)
{
    for (size_t i = 0; i < in->n; i++) {
        int rc = xs_compat_push(c, &in->v[i], emit_to_list, out);
        if (rc != XS_OK)
            return rc;
    }
    return XS_OK;
}
