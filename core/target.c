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
 *   set; a 32-bit PV guest loses LM (and SYSCALL but on AMD); XSAVE goes
 *   when the max basic leaf ends below leaf 0xd; then
 *   sanitise_featureset() clears what Xen does not know and every
 *   feature whose dependency is gone (gen-cpuid.py's deep dependencies,
 *   formats/cpufeatures.c); recalculate_misc() makes the leaf 1 edx bits
 *   that AMD repeats in 0x80000001 edx follow leaf 1's.  The restore succeeds and the guest runs
 *   without them.
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

/* The featureset value (word * 32 + bit) of a feature Xen names. */
static unsigned feature(const char *name)
{
    for (unsigned f = 0; f < xs_cpu_nfeatures; f++)
        if (strcmp(xs_cpu_features[f].name, name) == 0)
            return xs_cpu_features[f].value;
    return UINT32_MAX; /* not in this table: never a bit */
}

static void fs_set(uint32_t *fs, unsigned v, bool on)
{
    if (v / 32 >= XS_CPU_FS_WORDS)
        return;
    if (on)
        fs[v / 32] |= 1u << (v % 32);
    else
        fs[v / 32] &= ~(1u << (v % 32));
}

static bool fs_has(const uint32_t *fs, unsigned v)
{
    return v / 32 < XS_CPU_FS_WORDS && (fs[v / 32] >> (v % 32) & 1);
}

/* A policy as Xen's featureset (cpuid_policy_to_featureset()). */
static void featureset(const struct xs_policy *p, uint32_t *fs)
{
    memset(fs, 0, XS_CPU_FS_WORDS * sizeof(*fs));
    for (unsigned i = 0; i < xs_cpu_nwords; i++)
        if (xs_cpu_words[i].word < XS_CPU_FS_WORDS)
            fs[xs_cpu_words[i].word] = xs_policy_word(p, &xs_cpu_words[i]);
}

/* sanitise_featureset() (xen/arch/x86/cpuid.c, RELEASE-4.17.0): bits Xen
 * does not know are cleared, and with each feature that is clear, every
 * feature that depends on it (gen-cpuid.py's deep dependencies). */
static void sanitise(uint32_t *fs)
{
    uint32_t known[XS_CPU_FS_WORDS] = {0};
    for (unsigned f = 0; f < xs_cpu_nfeatures; f++)
        fs_set(known, xs_cpu_features[f].value, true);
    for (unsigned i = 0; i < XS_CPU_FS_WORDS; i++)
        fs[i] &= known[i];
    /* Xen takes the dependencies of each deep feature clear at the
     * start; taking those of one cleared on the way too changes nothing,
     * as its own are in the (transitive) list that cleared it */
    for (unsigned d = 0; d < xs_cpu_ndeep_deps; d++)
        if (!fs_has(fs, xs_cpu_deep_deps[d].value))
            for (unsigned i = 0; i < XS_CPU_FS_WORDS; i++)
                fs[i] &= ~xs_cpu_deep_deps[d].words[i];
}

/* recalculate_cpuid_policy() (xen/arch/x86/cpuid.c, RELEASE-4.17.0) on
 * the guest's featureset: what it keeps on this host. */
static void kept_features(const struct xs_policy *g, const struct xs_host_policy *hp,
                          enum xs_policy_kind mk, const struct xs_summary *sum,
                          uint32_t *fs)
{
    const struct xs_policy *m = &hp->p[mk];
    uint32_t max_fs[XS_CPU_FS_WORDS];
    featureset(g, fs);
    featureset(m, max_fs);
    if (sum->guest == XS_GUEST_X86_HVM) {
        /* "Hide nested-virt if it hasn't been explicitly configured":
         * that is the domain config's (nestedhvm), not the host's; a
         * guest that had them is taken to have been configured so */
        fs_set(max_fs, feature("vmx"), fs_has(fs, feature("vmx")));
        fs_set(max_fs, feature("svm"), fs_has(fs, feature("svm")));
    }
    /* "Allow the toolstack to set HTT, X2APIC and CMP_LEGACY" */
    fs_set(max_fs, feature("htt"), true);
    fs_set(max_fs, feature("x2apic"), true);
    fs_set(max_fs, feature("cmp-legacy"), true);
    /* "32bit PV domains can't use any Long Mode features, and cannot use
     * SYSCALL on non-AMD hardware" (the host's vendor) */
    if (sum->guest == XS_GUEST_X86_PV && sum->pv_width == 4) {
        char v[13];
        vendor_of(&hp->p[hp->p[XS_POLICY_HOST].present ? XS_POLICY_HOST : mk], v);
        fs_set(max_fs, feature("lm"), false);
        if (strcmp(v, "AuthenticAMD") != 0 && strcmp(v, "HygonGenuine") != 0)
            fs_set(max_fs, feature("syscall"), false);
    }
    for (unsigned i = 0; i < XS_CPU_FS_WORDS; i++)
        fs[i] &= max_fs[i];
    uint32_t gmax = xs_policy_reg(g, 0, NA, 0), mmax = xs_policy_reg(m, 0, NA, 0);
    if ((gmax < mmax ? gmax : mmax) < 0xd) /* XSTATE_CPUID */
        fs_set(fs, feature("xsave"), false);
    sanitise(fs);
    /* "Fold host's FDP_EXCP_ONLY and NO_FPU_SEL into guest's view" */
    if (hp->p[XS_POLICY_HOST].present) {
        uint32_t host_fs[XS_CPU_FS_WORDS];
        featureset(&hp->p[XS_POLICY_HOST], host_fs);
        fs_set(fs, feature("fdp-excp-only"), fs_has(host_fs, feature("fdp-excp-only")));
        fs_set(fs, feature("no-fpu-sel"), fs_has(host_fs, feature("no-fpu-sel")));
    }
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
    uint32_t had[XS_CPU_FS_WORDS], kept[XS_CPU_FS_WORDS];
    featureset(g, had);
    kept_features(g, hp, mk, sum, kept);
    /* leaf 1 edx's bits repeated in 0x80000001 edx are no features of
     * their own there: recalculate_misc() derives them from leaf 1 (an
     * AMD guest) or clears them, so they come and go with leaf 1's */
    const struct xs_cpu_word *e1d = xs_cpu_word_cpuid(0x80000001u, NA, 'd');
    if (e1d && e1d->word < XS_CPU_FS_WORDS) {
        had[e1d->word] &= ~xs_cpu_common_1d;
        kept[e1d->word] &= ~xs_cpu_common_1d;
    }
    char lost[1024];
    size_t len = 0;
    unsigned nlost = 0;
    lost[0] = '\0';
    for (unsigned w = 0; w < XS_CPU_FS_WORDS; w++) {
        uint32_t gone = had[w] & ~kept[w];
        for (unsigned b = 0; b < 32; b++) {
            if (!(gone >> b & 1))
                continue;
            char buf[16];
            const char *n = xs_cpu_feature_label(w, b, buf);
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
