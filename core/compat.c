/* The compat pass (docs/behaviour.md §2.3a-b), both ways.
 *
 * v2 -> v3: Xen's restore (the seed patch, now xg_sr_restore.c
 * handle_page_data() and xg_sr_restore_x86_pv.c handle_x86_pv_p2m_frames())
 * behaves as if STATIC_DATA_END arrived immediately before the first
 * PAGE_DATA, or for a PV guest the first X86_PV_P2M_FRAMES, whichever comes
 * first.  The pass inserts the record exactly there.  A stream with neither
 * before its first CHECKPOINT or END gets it immediately before that record
 * (validate.c warns about it).
 *
 * v3 -> v2 (convert --to-version 2): STATIC_DATA_END goes, as a v2
 * restore (Xen 4.6-4.13) does not know it and a v3 restore infers it again
 * at the same place; the CPU policy records go only when asked, because
 * the receiving host then derives the guest's CPU policy itself.
 *
 * Any version: the erratum's zero-content records are dropped, as a current
 * saver never writes them (and Xen 4.6-4.8 refuse the vCPU ones). */
#include "libxc.h"

void xs_compat_init(struct xs_compat *c, unsigned version, uint32_t guest)
{
    *c = (struct xs_compat){.version = version, .guest = guest,
                            .to_version = 3, .sde_done = version >= 3};
}

void xs_compat_to_v2(struct xs_compat *c, bool drop_policy)
{
    c->to_version = 2;
    c->drop_policy = drop_policy;
    c->sde_done = true; /* nothing to insert */
}

static bool is_policy(uint32_t type)
{
    return type == XS_REC_X86_CPUID_POLICY || type == XS_REC_X86_MSR_POLICY;
}

bool xs_compat_refuse(const struct xs_compat *c, const struct xs_record *r,
                      struct xs_report *rep)
{
    if (c->to_version >= 3 || c->drop_policy || !is_policy(r->type))
        return false;
    char nb[32];
    const char *name = xs_libxc_rec_name(r->type, nb);
    xs_report_add(rep, XS_SEV_ERROR, "convert.cpu_policy", r->offset,
                  r->index, name,
                  "%s cannot go into a v2 stream (Xen 4.6-4.13 do not know "
                  "it); --drop-cpu-policy drops it, and the receiving host "
                  "then derives the guest's CPU policy itself, so the guest "
                  "may see other CPU features",
                  name);
    return true;
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
    if (c->to_version < 3) {
        if (r->type == XS_REC_STATIC_DATA_END) {
            c->sde_dropped++;
            return XS_OK;
        }
        if (is_policy(r->type)) {
            if (!c->drop_policy)
                return XS_INVALID; /* xs_compat_refuse() said why */
            c->policy_dropped++;
            return XS_OK;
        }
        return emit(r, ctx);
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
