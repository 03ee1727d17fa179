/* Stream-state rules for a libxc stream: what Xen's restore enforces across
 * records (order, STATIC_DATA_END, guest type, completeness), on top of the
 * stateless body rules of formats/libxc.c. */
#ifndef XS_VALIDATE_H
#define XS_VALIDATE_H

#include "libxc.h"

struct xs_validate {
    struct xs_report *rep;
    struct xs_summary *sum;  /* facts for info, counted as records pass */
    unsigned version;
    uint32_t guest;
    bool sde;            /* STATIC_DATA_END seen (v3) or inferred (v2) */
    bool sde_missing_reported;
    bool pv_info;
    unsigned width;      /* guest width in bytes, once X86_PV_INFO is seen */
    bool p2m;
    bool shared_info;
    bool vcpu0_basic;
    bool hvm_context;
    uint64_t pages;      /* pfn entries carrying page data */
    uint64_t records;
};

void xs_validate_init(struct xs_validate *v, struct xs_report *rep,
                      struct xs_summary *sum, unsigned version,
                      uint32_t guest);
/* Check one record read from the input (body rules + stream rules). */
void xs_validate_record(struct xs_validate *v, const struct xs_record *r);

/* Stream-state rules of a libxl stream (libxl_stream_read.c): where
 * LIBXC_CONTEXT, emulator and checkpoint records may stand. */
struct xs_validate_libxl {
    struct xs_report *rep;
    struct xs_summary *sum;
    bool libxc_seen;         /* LIBXC_CONTEXT read */
    bool in_checkpoint;      /* between a libxc CHECKPOINT and CHECKPOINT_END */
};

void xs_validate_libxl_init(struct xs_validate_libxl *v, struct xs_report *rep,
                            struct xs_summary *sum);
void xs_validate_libxl_record(struct xs_validate_libxl *v,
                              const struct xs_record *r);

#endif
