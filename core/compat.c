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
 * --drop-cpu-policy drops them from a v3 output as well: a 4.14+ restore
 * that meets STATIC_DATA_END without them derives the policy the same way
 * (libxl_create.c libxl__srm_callout_callback_static_data_done(),
 * RELEASE-4.14.0), which is what a policy too new for the target needs.
 *
 * Any version: the erratum's zero-content records are dropped, as a current
 * saver never writes them (and Xen 4.6-4.8 refuse the vCPU ones). */
#include <string.h>

#include "endian.h"
#include "libxc.h"
#include "release.h"

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

void xs_compat_drop_policy(struct xs_compat *c)
{
    c->drop_policy = true;
}

void xs_compat_to_xen(struct xs_compat *c, const struct xs_release *rel)
{
    c->to_xen = rel;
}

void xs_compat_free(struct xs_compat *c)
{
    xs_buf_free(&c->hvm_body);
}

/* convert --to-xen: r's HVM save descriptors each of the length the
 * release reads, cut (what is cut is zero: xs_release_convert_record()
 * refused the rest) or zero-extended; the END descriptor and what
 * follows as they are.  r itself when nothing changes. */
static int hvm_to_xen(struct xs_compat *c, const struct xs_record *r,
                      struct xs_record *out)
{
    *out = *r;
    if (!c->to_xen || r->type != XS_REC_HVM_CONTEXT || r->held != r->length)
        return XS_OK;
    struct xs_hvm_desc d;
    uint64_t at = 0, from = 0;
    unsigned changed = 0;
    struct xs_buf *b = &c->hvm_body;
    b->len = 0;
    while (xs_hvm_desc_next(r->body, r->held, &at, &d)) {
        uint32_t want;
        if (xs_release_hvm_fit(c->to_xen, d.code, d.length, &want))
            continue;
        /* what came before this descriptor, as it is */
        size_t keep = (size_t)(d.at - from);
        if (xs_buf_reserve(b, b->len + keep + XS_HVM_DESC_SIZE + want) !=
            XS_OK)
            return XS_IO;
        memcpy(b->p + b->len, r->body + from, keep);
        b->len += keep;
        memcpy(b->p + b->len, r->body + d.at, 4); /* typecode, instance */
        xs_put_le32(b->p + b->len + 4, want);
        b->len += XS_HVM_DESC_SIZE;
        uint32_t n = d.length < want ? d.length : want;
        memcpy(b->p + b->len, d.data, n);
        memset(b->p + b->len + n, 0, want - n);
        b->len += want;
        from = at;
        changed++;
    }
    if (!changed)
        return XS_OK;
    size_t rest = (size_t)(r->held - from);
    if (b->len + rest > UINT32_MAX || xs_buf_reserve(b, b->len + rest) != XS_OK)
        return XS_IO;
    memcpy(b->p + b->len, r->body + from, rest);
    b->len += rest;
    out->body = b->p;
    out->length = out->held = (uint32_t)b->len;
    out->synthetic = true;
    c->hvm_rewritten += changed;
    return XS_OK;
}

/* convert --to-xen: the MSR policy entries the release has no field for,
 * whose value is 0, left out (xs_release_msr_left_out()); r itself when
 * none is. */
static int msr_to_xen(struct xs_compat *c, const struct xs_record *r,
                      struct xs_record *out)
{
    *out = *r;
    if (!c->to_xen || r->type != XS_REC_X86_MSR_POLICY ||
        r->held != r->length || c->to_xen->rules_minor < 14)
        return XS_OK;
    struct xs_buf *b = &c->hvm_body;
    unsigned left;
    if (xs_buf_reserve(b, r->held ? r->held : 1) != XS_OK)
        return XS_IO;
    b->len = xs_release_msr_kept(c->to_xen, r, b->p, &left, NULL);
    if (!left)
        return XS_OK;
    out->body = b->p;
    out->length = out->held = (uint32_t)b->len;
    out->synthetic = true;
    c->msrs_left_out += left;
    return XS_OK;
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
    if (is_policy(r->type) && c->drop_policy) {
        c->policy_dropped++;
        return XS_OK;
    }
    struct xs_record conv;
    int rc = r->type == XS_REC_X86_MSR_POLICY ? msr_to_xen(c, r, &conv)
                                             : hvm_to_xen(c, r, &conv);
    if (rc != XS_OK)
        return rc;
    r = &conv;
    if (c->to_version < 3) {
        if (r->type == XS_REC_STATIC_DATA_END) {
            c->sde_dropped++;
            return XS_OK;
        }
        if (is_policy(r->type))
            return XS_INVALID; /* xs_compat_refuse() said why */
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
        rc = emit(&sde, ctx);
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
