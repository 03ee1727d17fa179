/* A host's CPU policies as `xen-cpuid -p` prints them (Xen 4.14-4.22,
 * tools/misc/xen-cpuid.c print_policy(), the same text at every one of
 * those tags): a section per system policy, each with its CPUID leaves
 * and its MSRs. */
#ifndef XS_FORMATS_HOSTPOLICY_H
#define XS_FORMATS_HOSTPOLICY_H

#include <stddef.h>
#include <stdint.h>

#include "xenstream.h"

struct xs_cpuid_entry {
    uint32_t leaf, subleaf;
    uint32_t reg[4]; /* eax, ebx, ecx, edx */
};
struct xs_msr_entry {
    uint32_t idx;
    uint64_t val;
};
/* A policy: its entries (a leaf xen-cpuid left out, because it is all
 * zero, reads as zero). */
struct xs_policy {
    bool present;
    struct xs_cpuid_entry *leaves;
    size_t nleaves;
    struct xs_msr_entry *msrs;
    size_t nmsrs;
};

enum xs_policy_kind {
    XS_POLICY_RAW, XS_POLICY_HOST, XS_POLICY_PV_MAX, XS_POLICY_HVM_MAX,
    XS_POLICY_PV_DEFAULT, XS_POLICY_HVM_DEFAULT, XS_POLICY_NR
};
struct xs_host_policy {
    struct xs_policy p[XS_POLICY_NR];
    bool seen[XS_POLICY_NR]; /* its section was there ("not supported") */
};

/* Parse the text strictly: XS_OK, or XS_INVALID with the line and what
 * was expected in err (*err_at: the offset of that line).  The
 * policies' memory is freed by xs_host_policy_clear(). */
int xs_host_policy_parse(const char *text, size_t n, struct xs_host_policy *hp,
                         char *err, size_t errsz, uint64_t *err_at);
void xs_host_policy_clear(struct xs_host_policy *hp);
/* The name xen-cpuid gives a section ("PV Max"). */
const char *xs_host_policy_name(enum xs_policy_kind k);

/* Append an entry (the arrays doubled as they fill); false when memory
 * ran out. */
bool xs_policy_add_leaf(struct xs_policy *p, const struct xs_cpuid_entry *e);
bool xs_policy_add_msr(struct xs_policy *p, const struct xs_msr_entry *e);
/* One register of a policy's leaf (0 when absent); one MSR (0). */
uint32_t xs_policy_reg(const struct xs_policy *p, uint32_t leaf,
                       uint32_t subleaf, unsigned reg);
uint64_t xs_policy_msr(const struct xs_policy *p, uint32_t idx);
/* A featureset word of the policy (formats/cpufeatures.h). */
struct xs_cpu_word;
uint32_t xs_policy_word(const struct xs_policy *p, const struct xs_cpu_word *w);

#endif
