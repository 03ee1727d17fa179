/* Will it restore on THAT host: the guest's CPU policy (its policy
 * records, gathered as the stream is read) against the host's policies
 * as xen-cpuid -p printed them (core/target.c). */
#ifndef XS_CORE_TARGET_H
#define XS_CORE_TARGET_H

#include "hostpolicy.h"

/* The guest's policy, as its records carried it. */
struct xs_guest_policy {
    struct xs_policy p;
    bool seen;            /* a policy record was read */
    uint64_t at;          /* the X86_CPUID_POLICY record: offset, index */
    int64_t index;
};

void xs_target_record(struct xs_guest_policy *g, const struct xs_record *r,
                      struct xs_report *rep);
/* At the libxc stream's END: the host's rules, reported. */
void xs_target_check(const struct xs_target *t, const struct xs_guest_policy *g,
                     const struct xs_summary *sum, struct xs_report *rep);
void xs_guest_policy_free(struct xs_guest_policy *g);
/* convert --to-xen for a release that checks the vendor (4.22): the
 * guest's vendor (sum, from its X86_CPUID_POLICY record r) against the
 * host's Max policy for the guest type, refused when they differ
 * (convert.cpu_vendor); a note when host is NULL. */
void xs_target_convert_vendor(const struct xs_release *rel,
                              const struct xs_host_policy *host,
                              const struct xs_summary *sum,
                              const struct xs_record *r,
                              struct xs_report *rep);

#endif
