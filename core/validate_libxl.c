/* Stream-state rules of a libxl stream (validate.h): where LIBXC_CONTEXT,
 * emulator and checkpoint records may stand, as libxl_stream_read.c
 * process_record() allows them. */
#include "validate.h"

#include <string.h>

#include "libxl.h"

void xs_validate_libxl_init(struct xs_validate_libxl *v, struct xs_report *rep,
                            struct xs_summary *sum)
{
    *v = (struct xs_validate_libxl){.rep = rep, .sum = sum};
}

#define LERR(rule, ...)                                                      \
    xs_report_add(v->rep, XS_SEV_ERROR, rule, r->offset, r->index, name,     \
                  __VA_ARGS__)

void xs_validate_libxl_record(struct xs_validate_libxl *v,
                              const struct xs_record *r)
{
    char nb[32];
    const char *name = xs_libxl_rec_name(r->type, nb);
    struct xs_summary *s = v->sum;

    s->libxl_count[r->type < XS_LREC_NR_KNOWN ? r->type : XS_LREC_NR_KNOWN]++;
    xs_libxl_check_body(r, v->rep);
    switch (r->type) {
    case XS_LREC_LIBXC_CONTEXT:
        if (v->in_checkpoint)
            LERR("libxl.libxc_context.in_checkpoint",
                 "LIBXC_CONTEXT inside a checkpoint: libxl refuses it");
        else if (v->libxc_seen)
            LERR("libxl.libxc_context.duplicate",
                 "second LIBXC_CONTEXT: libxl would start a second libxc "
                 "restore into the same domain");
        v->libxc_seen = true;
        break;
    case XS_LREC_EMULATOR_XENSTORE_DATA:
    case XS_LREC_EMULATOR_CONTEXT: {
        /* "Received a xenstore emulator record when none was expected":
         * only an HVM domain (not PV, not PVH) has an emulator. */
        bool pv = v->libxc_seen && s->guest == XS_GUEST_X86_PV;
        bool cfg = s->have_config && s->cfg_type[0] &&
                   strcmp(s->cfg_type, "hvm") != 0;
        if (pv || cfg)
            LERR("libxl.emulator.guest",
                 "emulator record in a %s guest's stream: libxl refuses it "
                 "(only HVM guests have an emulator)",
                 cfg ? s->cfg_type : "PV");
        break;
    }
    case XS_LREC_CHECKPOINT_END:
        if (!v->in_checkpoint)
            LERR("libxl.checkpoint_end.unexpected",
                 "CHECKPOINT_END outside a checkpoint: libxl refuses it");
        v->in_checkpoint = false;
        break;
    case XS_LREC_CHECKPOINT_STATE:
        LERR("libxl.checkpoint_state",
             "CHECKPOINT_STATE belongs to COLO's back channel: libxl "
             "refuses it in a restore stream");
        break;
    case XS_LREC_END:
        if (v->in_checkpoint)
            LERR("libxl.end.in_checkpoint",
                 "libxl END inside a checkpoint, before CHECKPOINT_END");
        else if (!v->libxc_seen)
            LERR("libxl.end.no_libxc",
                 "libxl stream ends without a LIBXC_CONTEXT: it holds no "
                 "domain state");
        break;
    default:
        break;
    }
}
