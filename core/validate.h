/* Stream-state rules for a libxc stream: what Xen's restore enforces across
 * records (order, STATIC_DATA_END, guest type, completeness), on top of the
 * stateless body rules of formats/libxc.c. */
#ifndef XS_VALIDATE_H
#define XS_VALIDATE_H

#include "libxc.h"

struct xs_validate {
    struct xs_report *rep;
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
                      unsigned version, uint32_t guest);
/* Check one record read from the input (body rules + stream rules). */
void xs_validate_record(struct xs_validate *v, const struct xs_record *r);

#endif
