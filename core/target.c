/* Will it restore on THAT host?  The rules by which Xen's restore takes
 * a guest's CPU policy, each from Xen's own sources:
 *
 * - XEN_DOMCTL_set_cpu_policy, update_domain_cpu_policy()
 *   (xen/arch/x86/domctl.c, RELEASE-4.14.0 to -4.22.0): the policy is
 *   refused when x86_cpu_policies_are_compatible() fails against the PV
 *   Max or HVM Max policy, by guest type;
 * - x86_cpu_policies_are_compatible() (xen/lib/x86/policy.c,
 *   RELEASE-4.14.0 to -4.21.0; xen/arch/x86/lib/cpu-policy/policy.c at
 *   -4.22.0): the max basic leaf, leaf 7's max subleaf and the max
 *   extended leaf above the host's, and bits of MSR_INTEL_PLATFORM_INFO
 *   the host lacks; from 4.22 (c520286a53) also another vendor;
 * - recalculate_cpuid_policy() (xen/arch/x86/cpuid.c, RELEASE-4.17.0):
 *   every other feature the max policy lacks is cleared silently (fs &=
 *   max_fs), but for HTT, X2APIC and CMP_LEGACY, which the toolstack may
 *   set, and XSAVE goes when the max basic leaf ends below leaf 0xd.
 *   The restore succeeds and the guest runs without them.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cpufeatures.h"
#include "endian.h"
#include "fileio.h"
#include "libxc.h"
#include "target.h"

#define NA XS_NO_SUBLEAF
#define MSR_INTEL_PLATFORM_INFO 0xceu
/* a bound for any input: Xen's own serialised policies have a few
 * hundred leaves (CPUID_MAX_SERIALISED_LEAVES) */
#define GUEST_ENTRIES_MAX 4096u
#define HOST_POLICY_MAX (4u << 20)

struct xs_host_policy *xs_host_policy_read(const char *path,
                                           struct xs_report *rep)
{
    struct xs_in *in = xs_in_open(path, rep);
    if (!in)
        return NULL;
    struct xs_buf b = {0};
    size_t got = 0;
    int rc = xs_in_read_buf(in, &b, HOST_POLICY_MAX + 1, &got);
    xs_in_close(in);
    struct xs_host_policy *hp = NULL;
    if (rc != XS_OK) {
        /* reported by the read */
    } else if (got > HOST_POLICY_MAX) {
        xs_report_add(rep, XS_SEV_ERROR, "host_policy.size", 0, -1,
                      "host policy", "%s is larger than xen-cpuid -p's "
                      "output can be (4 MiB)", path);
    } else if (!(hp = calloc(1, sizeof(*hp)))) {
        xs_report_add(rep, XS_SEV_ERROR, "io", 0, -2, "", "out of memory");
    } else {
        char err[256];
        uint64_t at;
        if (xs_host_policy_parse((const char *)b.p, got, hp, err, sizeof(err),
                                 &at) != XS_OK) {
            xs_report_add(rep, XS_SEV_ERROR, "host_policy.syntax", at, -1,
                          "host policy", "%s", err);
            free(hp);
            hp = NULL;
        }
    }
    xs_buf_free(&b);
    return hp;
}

void xs_host_policy_free(struct xs_host_policy *hp)
{
    if (hp)
        xs_host_policy_clear(hp);
    free(hp);
}

void xs_target_record(struct xs_guest_policy *g, const struct xs_record *r,
                      struct xs_report *rep)
{
    struct xs_policy *p = &g->p;
    (void)rep;
    if (r->type == XS_REC_X86_CPUID_POLICY) {
        g->seen = true;
        g->at = r->offset;
        g->index = r->index;
        for (uint32_t at = 0; r->held - at >= XS_CPUID_LEAF_SIZE &&
                              p->nleaves < GUEST_ENTRIES_MAX;
             at += XS_CPUID_LEAF_SIZE) {
            struct xs_cpuid_entry e = {.leaf = xs_le32(r->body + at),
                                       .subleaf = xs_le32(r->body + at + 4)};
            for (unsigned k = 0; k < 4; k++)
                e.reg[k] = xs_le32(r->body + at + 8 + 4 * (size_t)k);
            if (!xs_policy_add_leaf(p, &e))
                return;
        }
    } else if (r->type == XS_REC_X86_MSR_POLICY) {
        g->seen = true;
        for (uint32_t at = 0; r->held - at >= XS_MSR_ENTRY_SIZE &&
                              p->nmsrs < GUEST_ENTRIES_MAX;
             at += XS_MSR_ENTRY_SIZE) {
            const struct xs_msr_entry e = {.idx = xs_le32(r->body + at),
                                           .val = xs_le64(r->body + at + 8)};
            if (!xs_policy_add_msr(p, &e))
                return;
        }
    }
}

void xs_guest_policy_free(struct xs_guest_policy *g)
{
    free(g->p.leaves);
    free(g->p.msrs);
    memset(g, 0, sizeof(*g));
}

static bool has_leaf(const struct xs_policy *p, uint32_t leaf, uint32_t sub)
{
    for (size_t i = 0; i < p->nleaves; i++)
        if (p->leaves[i].leaf == leaf && p->leaves[i].subleaf == sub)
            return true;
    return false;
}

/* "GenuineIntel" from leaf 0's ebx, edx, ecx (printable or '?'). */
static void vendor_of(const struct xs_policy *p, char out[13])
{
    const uint32_t r[3] = {xs_policy_reg(p, 0, NA, 1), xs_policy_reg(p, 0, NA, 3),
                     xs_policy_reg(p, 0, NA, 2)};
    for (unsigned i = 0; i < 12; i++) {
        char c = (char)(r[i / 4] >> (8 * (i % 4)));
        out[i] = c >= 0x20 && c < 0x7f ? c : '?';
    }
    out[12] = '\0';
}

/* One of x86_cpu_policies_are_compatible()'s limits: a leaf's eax. */
static void limit(const struct xs_policy *g, const struct xs_policy *m,
                  uint32_t leaf, uint32_t sub, const char *what,
                  const char *rule, const struct xs_guest_policy *gp,
                  const char *host, struct xs_report *rep)
{
    if (!has_leaf(g, leaf, sub))
        return; /* the restore keeps the default's */
    uint32_t gv = xs_policy_reg(g, leaf, sub, 0);
    uint32_t hv = xs_policy_reg(m, leaf, sub, 0);
    if (gv > hv)
        xs_report_add(rep, XS_SEV_ERROR, rule, gp->at, gp->index,
                      "X86_CPUID_POLICY",
                      "Xen would refuse it: leaf 0x%x subleaf 0x%x eax, the "
                      "%s, is 0x%x, above the host's %s 0x%x",
                      leaf, sub, what, gv, host, hv);
}

static bool named(unsigned value, const char *name)
{
    const char *n = xs_cpu_feature_name(value / 32, value % 32);
    return n && strcmp(n, name) == 0;
}

void xs_target_check(const struct xs_target *t, const struct xs_guest_policy *gp,
                     const struct xs_summary *sum, struct xs_report *rep)
{
    if (!t || !t->host)
        return;
    const struct xs_host_policy *hp = t->host;
    bool pv = sum->guest == XS_GUEST_X86_PV;
    enum xs_policy_kind mk = pv ? XS_POLICY_PV_MAX : XS_POLICY_HVM_MAX;
    enum xs_policy_kind dk = pv ? XS_POLICY_PV_DEFAULT : XS_POLICY_HVM_DEFAULT;
    const struct xs_policy *m = &hp->p[mk];
    const char *host = xs_host_policy_name(mk);
    if (sum->guest != XS_GUEST_X86_PV && sum->guest != XS_GUEST_X86_HVM)
        return;
    if (!m->present) {
        xs_report_add(rep, XS_SEV_ERROR, "host.no_max_policy", 0, -1,
                      "input", "the host policy has no %s policy: that host "
                      "runs no %s guests", host, pv ? "PV" : "HVM");
        return;
    }
    const struct xs_policy *g = &gp->p;
    if (!gp->seen || !g->nleaves) {
        xs_report_add(rep, XS_SEV_NOTE, "host.no_guest_policy", 0, -1, "input",
                      "the image has no CPU policy: the host derives one "
                      "from its %s policy; the policy the guest was saved "
                      "with is not known, so what it may lose is not either",
                      xs_host_policy_name(dk));
        return;
    }
    /* x86_cpu_policies_are_compatible(): refused */
    char gv[13], hv[13];
    vendor_of(g, gv);
    vendor_of(m, hv);
    if (has_leaf(g, 0, NA) && strcmp(gv, hv) != 0) {
        bool refused = t->xen && t->xen->minor >= 22;
        xs_report_add(rep, refused ? XS_SEV_ERROR : XS_SEV_WARNING,
                      "host.cpu_vendor", gp->at, gp->index, "X86_CPUID_POLICY",
                      "the guest's CPU vendor is %s, the host's %s: %s", gv,
                      hv, refused ? "Xen 4.22 and later refuse it"
                                  : "Xen 4.22 and later refuse it; older "
                                    "releases restore it, and the guest "
                                    "may not run well");
    }
    limit(g, m, 0, NA, "max basic leaf", "host.cpuid.max_leaf", gp, host, rep);
    limit(g, m, 7, 0, "max subleaf of leaf 7", "host.cpuid.max_subleaf", gp,
          host, rep);
    limit(g, m, 0x80000000u, NA, "max extended leaf", "host.cpuid.max_ext_leaf",
          gp, host, rep);
    uint64_t gpi = xs_policy_msr(g, MSR_INTEL_PLATFORM_INFO);
    uint64_t hpi = xs_policy_msr(m, MSR_INTEL_PLATFORM_INFO);
    if (gpi & ~hpi)
        xs_report_add(rep, XS_SEV_ERROR, "host.msr.platform_info", gp->at,
                      gp->index, "X86_MSR_POLICY",
                      "Xen would refuse it: MSR 0x%x (MSR_INTEL_PLATFORM_INFO) "
                      "has bits 0x%llx that the host's %s policy lacks",
                      MSR_INTEL_PLATFORM_INFO,
                      (unsigned long long)(gpi & ~hpi), host);

    /* recalculate_cpuid_policy(): cleared without a word */
    uint32_t gmax = xs_policy_reg(g, 0, NA, 0), mmax = xs_policy_reg(m, 0, NA, 0);
    uint32_t max_leaf = gmax < mmax ? gmax : mmax;
    char lost[1024];
    size_t len = 0;
    unsigned nlost = 0;
    lost[0] = '\0';
    for (unsigned i = 0; i < xs_cpu_nwords; i++) {
        const struct xs_cpu_word *w = &xs_cpu_words[i];
        uint32_t only = xs_policy_word(g, w) & ~xs_policy_word(m, w);
        for (unsigned b = 0; b < 32; b++) {
            unsigned v = w->word * 32 + b;
            bool gone = only & (1u << b);
            if (named(v, "htt") || named(v, "x2apic") || named(v, "cmp-legacy"))
                gone = false; /* the toolstack may set them */
            if (!pv && (named(v, "vmx") || named(v, "svm")))
                gone = false; /* nested virtualisation: the config's */
            if (named(v, "xsave") && max_leaf < 0xd &&
                (xs_policy_word(g, w) & (1u << b)))
                gone = true;
            if (!gone)
                continue;
            char buf[16];
            const char *n = xs_cpu_feature_label(w->word, b, buf);
            nlost++;
            if (len + strlen(n) + 8 < sizeof(lost))
                len += (size_t)snprintf(lost + len, sizeof(lost) - len,
                                        "%s%s", len ? ", " : "", n);
            else if (len + 5 < sizeof(lost) && strcmp(lost + len - 3, "...") != 0)
                len += (size_t)snprintf(lost + len, sizeof(lost) - len, ", ...");
        }
    }
    if (nlost)
        xs_report_add(rep, t->allow_feature_loss ? XS_SEV_WARNING
                                                 : XS_SEV_ERROR,
                      "host.feature_loss", gp->at, gp->index,
                      "X86_CPUID_POLICY",
                      "Xen would restore it, but the guest loses %u feature%s "
                      "the host's %s policy lacks: %s; a guest already using "
                      "them may crash%s", nlost, nlost == 1 ? "" : "s", host,
                      lost, t->allow_feature_loss ? ""
                                                  : " (--allow-feature-loss "
                                                    "accepts it)");
}

void xs_target_convert_vendor(const struct xs_release *rel,
                              const struct xs_host_policy *host,
                              const struct xs_summary *sum,
                              const struct xs_record *r,
                              struct xs_report *rep)
{
    if (!rel || !rel->vendor_checked || r->type != XS_REC_X86_CPUID_POLICY ||
        !sum->cpu_vendor[0])
        return;
    if (!host) {
        xs_report_add(rep, XS_SEV_NOTE, "convert.cpu_vendor", r->offset,
                      r->index, "X86_CPUID_POLICY",
                      "Xen %u.%u refuses this image on a host whose CPU "
                      "vendor is not %s (c520286a53): --host-policy FILE "
                      "checks the host",
                      rel->major, rel->minor, sum->cpu_vendor);
        return;
    }
    bool pv = sum->guest == XS_GUEST_X86_PV;
    const struct xs_policy *m =
        &host->p[pv ? XS_POLICY_PV_MAX : XS_POLICY_HVM_MAX];
    if (!m->present || !has_leaf(m, 0, NA))
        return; /* verify --host-policy says what is missing */
    char hv[13];
    vendor_of(m, hv);
    if (strcmp(hv, sum->cpu_vendor) != 0)
        /* x86_cpu_policies_are_compatible(), RELEASE-4.22.0 */
        xs_report_add(rep, XS_SEV_ERROR, "convert.cpu_vendor", r->offset,
                      r->index, "X86_CPUID_POLICY",
                      "the guest's CPU vendor is %s, the host's %s: Xen %u.%u "
                      "refuses it (c520286a53), and no conversion changes "
                      "the guest's vendor",
                      sum->cpu_vendor, hv, rel->major, rel->minor);
}
