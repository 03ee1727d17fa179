/* Test-stream generator.  Layout follows Xen's saver:
 *   PV:  X86_PV_INFO, [CPUID, MSR policy, STATIC_DATA_END]v3,
 *        X86_PV_P2M_FRAMES, PAGE_DATA..., X86_TSC_INFO, SHARED_INFO,
 *        per vcpu BASIC/EXTENDED/XSAVE/MSRS, END
 *   HVM: [CPUID, MSR policy, STATIC_DATA_END]v3, PAGE_DATA...,
 *        X86_TSC_INFO, HVM_CONTEXT, HVM_PARAMS, END
 * STATIC_DATA_END goes immediately before the first PAGE_DATA /
 * X86_PV_P2M_FRAMES, which is where an upgrade of the v2 form puts it: the
 * v3 form of a seed is therefore the golden upgrade of its v2 form. */
#include "cpufeatures.h"
#include "gen.h"

#include <stdlib.h>
#include <string.h>

#include "endian.h"
#include "libxc.h"

struct gen {
    const struct xs_gen_opts *o;
    xs_gen_write_fn w;
    void *ctx;
    int rc;
    uint64_t rng;
    uint64_t p2m_frames;   /* PV: number of p2m frame pfns */
    uint64_t p2m_first;    /* PV: first pfn used as a p2m frame */
    uint64_t top_pfn;      /* PV: page-table root (L4, or L3 for PAE) */
    bool sde_written;
    uint8_t page[XS_PAGE_SIZE];
};

static void put(struct gen *g, const void *p, size_t n);

void xs_gen_defaults(struct xs_gen_opts *o)
{
    memset(o, 0, sizeof(*o));
    o->guest = XS_GUEST_X86_PV;
    o->width = 8;
    o->version = 3;
    o->pages = 4096;
    o->batch = 1024;
    o->vcpus = 2;
    o->seed = 1;
    o->xen_major = 4;
    o->xen_minor = 17;
    o->policy = -1;
}

static uint64_t next_rand(uint64_t *s)
{
    /* xorshift64*: deterministic content from the seed */
    uint64_t x = *s ? *s : 0x9e3779b97f4a7c15ULL;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    *s = x;
    return x * 0x2545f4914f6cdd1dULL;
}

static void put(struct gen *g, const void *p, size_t n)
{
    if (g->rc == 0 && n)
        g->rc = g->w(g->ctx, p, n);
}

static void rec(struct gen *g, uint32_t type, const void *body, uint32_t len)
{
    uint8_t h[8];
    static const uint8_t zero[8];
    static const uint8_t junk[8] = {0xaa, 0xaa, 0xaa, 0xaa,
                                    0xaa, 0xaa, 0xaa, 0xaa};
    xs_put_le32(h, type);
    xs_put_le32(h + 4, len);
    put(g, h, 8);
    put(g, body, len);
    put(g, g->o->dirty ? junk : zero, xs_libxc_padding(len));
}

static bool is_pv(const struct gen *g)
{
    return g->o->guest == XS_GUEST_X86_PV;
}

static void sde_before_trigger(struct gen *g)
{
    if (g->o->version >= 3 && !g->sde_written) {
        rec(g, XS_REC_STATIC_DATA_END, NULL, 0);
        g->sde_written = true;
    }
}

/* pfn type, as Xen's saver would report it for this made-up guest */
static unsigned pfn_type(const struct gen *g, uint64_t pfn)
{
    if (pfn >= g->o->pages) /* --holes: types alternate, no run merges */
        return (pfn - g->o->pages) % 2 ? XS_PF_XALLOC : XS_PF_XTAB;
    if (is_pv(g)) {
        if (pfn >= g->p2m_first)
            return XS_PF_NOTAB; /* p2m frames are ordinary pages */
        if (pfn == g->top_pfn)
            return g->o->width == 8 ? XS_PF_L4TAB_PIN : XS_PF_L3TAB_PIN;
        if (pfn % 512 == 1)
            return pfn % 1024 == 1 ? XS_PF_L1TAB_PIN : XS_PF_L1TAB;
        if (pfn % 4096 == 2)
            return XS_PF_L2TAB;
        if (g->o->width == 8 && pfn % 65536 == 3)
            return XS_PF_L3TAB;
        if (pfn % 997 == 500)
            return XS_PF_XTAB;
        if (pfn % 7919 == 100)
            return XS_PF_XALLOC;
        return XS_PF_NOTAB;
    }
    if (g->o->every_other && pfn % 2)
        return XS_PF_XTAB; /* --every-other: a run per present pfn */
    if (pfn >= 0xa0 && pfn < 0xc0)
        return XS_PF_XTAB; /* the VGA hole */
    if (pfn % 1009 == 7)
        return XS_PF_XALLOC;
    return XS_PF_NOTAB;
}

static void fill_page(struct gen *g, uint64_t pfn, unsigned type)
{
    memset(g->page, 0, sizeof(g->page));
    if (is_pv(g) && pfn == 5) {
        /* the start info page (vcpu 0's edx names it): xenstore and
         * console pages as process_start_info() expects them, within the
         * p2m (struct start_info, public/xen.h); written with
         * --zero-pages too, as a real guest's always is */
        memcpy(g->page, "xen-3.0-x86_64", 14);
        if (g->o->width == 8) {
            xs_put_le64(g->page + 56, 6);
            xs_put_le64(g->page + 72, 7);
        } else {
            xs_put_le32(g->page + 44, 6);
            xs_put_le32(g->page + 52, 7);
        }
        return;
    }
    if (g->o->zero_pages)
        return;
    unsigned lvl = type & 7u;
    if (is_pv(g) && lvl >= 1 && lvl <= 4) {
        /* page-table page: some present entries, each naming a pfn the
         * stream populates (flags: present, rw, user, accessed, dirty) */
        for (unsigned i = 0; i < 64; i++) {
            uint64_t target = (pfn + 1 + i * 37) % g->o->pages;
            xs_put_le64(g->page + 8 * i, target << 12 | 0x67);
        }
        return;
    }
    uint64_t s = g->o->seed ^ (pfn * 0x9e3779b97f4a7c15ULL);
    if (pfn % 4 == 0)
        return; /* a quarter of a real guest's pages are zero */
    for (size_t i = 0; i < sizeof(g->page); i += 8)
        xs_put_le64(g->page + i, next_rand(&s));
    xs_put_le64(g->page, pfn); /* tests can tell pages apart */
}

static void page_batch(struct gen *g, uint64_t first, uint64_t n)
{
    size_t hdr = 8 + 8 * (size_t)n;
    uint8_t *b = calloc(1, hdr);
    uint64_t with_data = 0;
    if (!b) {
        g->rc = -1;
        return;
    }
    xs_put_le32(b, (uint32_t)n);
    if (g->o->dirty)
        xs_put_le32(b + 4, 0xdeadbeef);
    for (uint64_t i = 0; i < n; i++) {
        uint64_t pfn = g->o->descending ? first + n - 1 - i : first + i;
        unsigned t = pfn_type(g, pfn);
        uint64_t e = (uint64_t)t << XS_PFN_TYPE_SHIFT | pfn;
        if (g->o->dirty && i % 3 == 0)
            e |= 0x0150000000000000ULL; /* reserved bits 52-59 */
        xs_put_le64(b + 8 + 8 * i, e);
        if (xs_pfinfo_has_data(t))
            with_data++;
    }
    uint32_t len = (uint32_t)(hdr + with_data * XS_PAGE_SIZE);
    uint8_t h[8];
    xs_put_le32(h, XS_REC_PAGE_DATA);
    xs_put_le32(h + 4, len);
    put(g, h, 8);
    put(g, b, hdr);
    for (uint64_t i = 0; i < n; i++) {
        uint64_t pfn = g->o->descending ? first + n - 1 - i : first + i;
        unsigned t = pfn_type(g, pfn);
        if (!xs_pfinfo_has_data(t))
            continue;
        fill_page(g, pfn, t);
        put(g, g->page, XS_PAGE_SIZE);
    }
    free(b);
}

static void memory(struct gen *g, uint64_t first, uint64_t end)
{
    sde_before_trigger(g);
    for (uint64_t p = first; p < end && g->rc == 0; p += g->o->batch) {
        uint64_t n = end - p < g->o->batch ? end - p : g->o->batch;
        /* top down: the batch that ends where this one would start */
        page_batch(g, g->o->descending ? first + (end - p) - n : p, n);
    }
}

/* A host-like policy: leaf 0 (max leaf, vendor), 1, 7/0 (max subleaf
 * 0), 0xd/1, 0x80000000 (max 0x80000008), 0x80000001, 0x80000007,
 * 0x80000008, 0x80000021; MSR_INTEL_PLATFORM_INFO 0 and MSR_ARCH_CAPS,
 * every feature named in o->cpu_features in its word, with what each
 * depends on (a policy Xen made is closed so). */
static void real_policy(struct gen *g)
{
    static const uint32_t at[][2] = {
        {0, XS_NO_SUBLEAF}, {1, XS_NO_SUBLEAF}, {7, 0}, {7, 1}, {7, 2},
        {0xd, 1}, {0x80000000u, XS_NO_SUBLEAF}, {0x80000001u, XS_NO_SUBLEAF},
        {0x80000007u, XS_NO_SUBLEAF}, {0x80000008u, XS_NO_SUBLEAF},
        {0x80000021u, XS_NO_SUBLEAF},
    };
    enum { N = sizeof(at) / sizeof(at[0]) };
    uint32_t reg[N][4] = {{0}};
    uint64_t arch_caps = 0;
    const char *v = g->o->cpu_vendor ? g->o->cpu_vendor : "GenuineIntel";
    char vendor[12] = {0};
    memcpy(vendor, v, strlen(v) < 12 ? strlen(v) : 12);
    reg[0][0] = g->o->cpu_max_leaf ? g->o->cpu_max_leaf : 0xd;
    reg[0][1] = xs_le32((const uint8_t *)vendor); /* ebx, edx, ecx */
    reg[0][3] = xs_le32((const uint8_t *)vendor + 4);
    reg[0][2] = xs_le32((const uint8_t *)vendor + 8);
    reg[6][0] = 0x80000008u;
    uint32_t fs[XS_CPU_FS_WORDS] = {0};
    char names[1024];
    snprintf(names, sizeof(names), "%s", g->o->cpu_features);
    for (char *save = NULL, *n = strtok_r(names, " ,", &save); n;
         n = strtok_r(NULL, " ,", &save)) {
        unsigned bit;
        bool found;
        const struct xs_cpu_word *w = xs_gen_feature(n, &bit, &found);
        if (!found) {
            fprintf(stderr, "xs-gen: no CPU feature named '%s'\n", n);
            g->rc = -1;
            return;
        }
        if (w && w->word < XS_CPU_FS_WORDS)
            fs[w->word] |= 1u << bit;
    }
    xs_gen_close_features(fs);
    for (unsigned k = 0; k < xs_cpu_nwords; k++) {
        const struct xs_cpu_word *w = &xs_cpu_words[k];
        uint32_t bits = w->word < XS_CPU_FS_WORDS ? fs[w->word] : 0;
        if (w->kind == XS_CPU_WORD_MSR)
            arch_caps |= (uint64_t)bits << (w->reg == 'd' ? 32 : 0);
        for (unsigned i = 0; w->kind == XS_CPU_WORD_CPUID && i < N; i++)
            if (at[i][0] == w->leaf && at[i][1] == w->subleaf)
                reg[i][w->reg - 'a'] |= bits;
    }
    uint8_t cpuid[N * XS_CPUID_LEAF_SIZE];
    for (unsigned i = 0; i < N; i++) {
        uint8_t *l = cpuid + i * XS_CPUID_LEAF_SIZE;
        xs_put_le32(l, at[i][0]);
        xs_put_le32(l + 4, at[i][1]);
        for (unsigned r = 0; r < 4; r++)
            xs_put_le32(l + 8 + 4 * r, reg[i][r]);
    }
    rec(g, XS_REC_X86_CPUID_POLICY, cpuid, sizeof(cpuid));
    uint8_t msr[2 * XS_MSR_ENTRY_SIZE] = {0};
    xs_put_le32(msr, 0xce);
    xs_put_le32(msr + 16, 0x10a);
    xs_put_le64(msr + 24, arch_caps);
    rec(g, XS_REC_X86_MSR_POLICY, msr, sizeof(msr));
}

void xs_gen_close_features(uint32_t *fs)
{
    for (bool more = true; more;) {
        more = false;
        for (unsigned d = 0; d < xs_cpu_ndeep_deps; d++) {
            const struct xs_cpu_deep_dep *dd = &xs_cpu_deep_deps[d];
            bool needed = false;
            for (unsigned i = 0; i < XS_CPU_FS_WORDS; i++)
                needed |= (fs[i] & dd->words[i]) != 0;
            uint32_t bit = 1u << (dd->value % 32);
            if (needed && dd->value / 32 < XS_CPU_FS_WORDS &&
                !(fs[dd->value / 32] & bit)) {
                fs[dd->value / 32] |= bit;
                more = true;
            }
        }
    }
}

const struct xs_cpu_word *xs_gen_feature(const char *name, unsigned *bit,
                                         bool *found)
{
    *found = false;
    for (unsigned f = 0; f < xs_cpu_nfeatures; f++) {
        const struct xs_cpu_feature *x = &xs_cpu_features[f];
        if (strcmp(x->name, name) != 0)
            continue;
        *found = true;
        *bit = x->value % 32;
        for (unsigned k = 0; k < xs_cpu_nwords; k++)
            if (xs_cpu_words[k].word == x->value / 32)
                return &xs_cpu_words[k];
        return NULL; /* a word the table has no place for */
    }
    return NULL;
}

static void policy(struct gen *g)
{
    int want = g->o->policy < 0 ? g->o->version >= 3 : g->o->policy;
    if (!want)
        return;
    if (g->o->cpu_features) {
        real_policy(g);
        return;
    }
    uint8_t cpuid[6 * XS_CPUID_LEAF_SIZE];
    for (unsigned i = 0; i < 6; i++) {
        uint8_t *l = cpuid + i * XS_CPUID_LEAF_SIZE;
        xs_put_le32(l, i < 4 ? i : 0x80000000u + i);
        xs_put_le32(l + 4, 0xffffffffu); /* XEN_CPUID_NO_SUBLEAF */
        for (unsigned r = 0; r < 4; r++)
            xs_put_le32(l + 8 + 4 * r, (uint32_t)next_rand(&g->rng));
    }
    rec(g, XS_REC_X86_CPUID_POLICY, cpuid, sizeof(cpuid));
    uint8_t msr[2 * XS_MSR_ENTRY_SIZE] = {0};
    xs_put_le32(msr, 0xce);        /* MSR_INTEL_PLATFORM_INFO */
    xs_put_le64(msr + 8, 0x80000000ULL);
    xs_put_le32(msr + 16, 0x10a);  /* MSR_ARCH_CAPABILITIES */
    xs_put_le64(msr + 24, 0x1ULL);
    /* not --dirty's: an entry's flags are refused, not ignored
     * (x86_msr_copy_from_buffer(): policy.msr.flags) */
    rec(g, XS_REC_X86_MSR_POLICY, msr, sizeof(msr));
}

static void optional_rec(struct gen *g)
{
    static const char body[] = "xenstream optional record"; /* 26 bytes */
    if (g->o->optional)
        rec(g, XS_REC_OPTIONAL | 0x123, body, sizeof(body));
}

static void vcpu_hdr(struct gen *g, uint8_t *b, unsigned vcpu)
{
    xs_put_le32(b, vcpu);
    xs_put_le32(b + 4, g->o->dirty ? 0x5a5a : 0);
}

static void pv_vcpus(struct gen *g)
{
    bool w64 = g->o->width == 8;
    uint32_t ctx = w64 ? XS_VCPU_CTX_X86_64 : XS_VCPU_CTX_X86_32;
    uint8_t *b = calloc(1, 8 + ctx);
    if (!b) {
        g->rc = -1;
        return;
    }
    for (unsigned v = 0; v < g->o->vcpus; v++) {
        memset(b, 0, 8 + ctx);
        vcpu_hdr(g, b, v);
        /* vcpu_guest_context: cr3 names the page-table root, edx the start
         * info pfn (xg_sr_restore_x86_pv.c process_vcpu_basic()) */
        if (w64) {
            xs_put_le64(b + 8 + 5008, g->top_pfn << 12);
            xs_put_le64(b + 8 + 616, 5);
            /* user_regs.rip: each vCPU its own, for the exports' notes */
            xs_put_le64(b + 8 + 520 + 128, 0xffffffff81000000u + 0x40u * v);
        } else {
            xs_put_le32(b + 8 + 2728, (uint32_t)(g->top_pfn << 12));
            xs_put_le32(b + 8 + 524, 5);
            xs_put_le32(b + 8 + 516 + 32, 0xc1000000u + 0x40u * v); /* eip */
        }
        rec(g, XS_REC_X86_PV_VCPU_BASIC, b, 8 + ctx);

        memset(b, 0, 8 + 128);
        vcpu_hdr(g, b, v);
        rec(g, XS_REC_X86_PV_VCPU_EXTENDED, b, 8 + 40);
        if (g->o->erratum)
            rec(g, XS_REC_X86_PV_VCPU_EXTENDED, b, 8);

        memset(b, 0, 8 + 592);
        vcpu_hdr(g, b, v);
        xs_put_le64(b + 8, 0x7);     /* xfeature_mask: x87 | SSE | AVX */
        xs_put_le64(b + 16, 576);
        rec(g, XS_REC_X86_PV_VCPU_XSAVE, b, 8 + 592);
        if (g->o->erratum)
            rec(g, XS_REC_X86_PV_VCPU_XSAVE, b, 8);

        memset(b, 0, 8 + 32);
        vcpu_hdr(g, b, v);
        xs_put_le32(b + 8, 0xc0000103); /* MSR_TSC_AUX */
        xs_put_le64(b + 16, v);
        xs_put_le32(b + 24, 0x48);      /* MSR_SPEC_CTRL: IBRS|BHI_DIS_S */
        xs_put_le64(b + 32, 0x401);
        rec(g, XS_REC_X86_PV_VCPU_MSRS, b, 8 + (g->o->bhi ? 32 : 16));
        if (g->o->erratum)
            rec(g, XS_REC_X86_PV_VCPU_MSRS, b, 8);
    }
    free(b);
}

static void tsc_info(struct gen *g)
{
    uint8_t t[24] = {0};
    xs_put_le32(t, 0);             /* TSC_MODE_DEFAULT */
    xs_put_le32(t + 4, 2400000);   /* kHz */
    xs_put_le64(t + 8, 123456789012ULL);
    xs_put_le32(t + 16, 1);
    if (g->o->dirty)
        xs_put_le32(t + 20, 0x77);
    rec(g, XS_REC_X86_TSC_INFO, t, sizeof(t));
}

static void pv_tail(struct gen *g)
{
    tsc_info(g);
    memset(g->page, 0, sizeof(g->page));
    xs_put_le64(g->page, g->o->seed);
    rec(g, XS_REC_SHARED_INFO, g->page, XS_PAGE_SIZE);
    pv_vcpus(g);
}

/* HVM save descriptors (xen/include/public/arch-x86/hvm/save.h):
 * typecode u16, instance u16, length u32, then data. */
static size_t hvm_desc(uint8_t *p, uint16_t code, uint16_t inst, uint32_t len)
{
    xs_put_le16(p, code);
    xs_put_le16(p + 2, inst);
    xs_put_le32(p + 4, len);
    return 8 + len;
}

static void hvm_tail(struct gen *g)
{
    tsc_info(g);
    size_t sz = 8 + 24 + g->o->vcpus * (8 + 1024 + 8 + 32 + 8 + 24) +
                8 + 24 + 8;
    uint8_t *c = calloc(1, sz), *p = c;
    if (!c) {
        g->rc = -1;
        return;
    }
    size_t n = hvm_desc(p, 1, 0, 24); /* HVM_SAVE_CODE(HEADER) */
    xs_put_le32(p + 8, 0x54381286);   /* HVM_FILE_MAGIC */
    xs_put_le32(p + 12, 1);           /* HVM_FILE_VERSION */
    p += n;
    for (unsigned v = 0; v < g->o->vcpus; v++) {
        /* struct hvm_hw_cpu: rip after fpu_regs and 16 GPRs, each vCPU
         * its own */
        xs_put_le64(p + 8 + 640, 0xfff0u + 0x40u * v);
        p += hvm_desc(p, 2, (uint16_t)v, 1024); /* HVM_SAVE_CODE(CPU) */
    }
    for (unsigned v = 0; g->o->lapic && v < g->o->vcpus; v++) {
        /* struct hvm_hw_lapic: apic_base_msr, disabled, timer_divisor,
         * tdt_msr, and from 4.21 pending_esr */
        unsigned len = g->o->lapic > 32 ? 32 : g->o->lapic;
        xs_put_le64(p + 8, 0xfee00900);
        if (g->o->lapic >= 28)
            xs_put_le32(p + 8 + 24, g->o->pending_esr);
        p += hvm_desc(p, 5, (uint16_t)v, len);
    }
    for (unsigned v = 0; g->o->bhi && v < g->o->vcpus; v++) {
        /* HVM_SAVE_CODE(CPU_MSR): struct hvm_msr, one MSR_SPEC_CTRL */
        xs_put_le32(p + 8, 1);
        xs_put_le32(p + 16, 0x48);
        xs_put_le64(p + 24, 0x401);
        p += hvm_desc(p, 20, (uint16_t)v, 24);
    }
    if (g->o->rtc) {
        unsigned len = g->o->rtc > 24 ? 24 : g->o->rtc;
        p[8] = 0x26; /* a CMOS byte */
        p += hvm_desc(p, 11, 0, len); /* HVM_SAVE_CODE(RTC) */
    }
    p += hvm_desc(p, 0, 0, 0);                 /* HVM_SAVE_CODE(END) */
    rec(g, XS_REC_HVM_CONTEXT, c, (uint32_t)(p - c));
    free(c);

    static const uint64_t idx[] = {1, 5, 6, 12, 15, 17}; /* STORE_PFN,
        IOREQ_PFN, BUFIOREQ_PFN, IDENT_PT, VM86_TSS, CONSOLE_PFN */
    uint8_t pr[8 + 6 * 16] = {0};
    xs_put_le32(pr, 6);
    if (g->o->dirty)
        xs_put_le32(pr + 4, 3);
    for (unsigned i = 0; i < 6; i++) {
        xs_put_le64(pr + 8 + 16 * i, idx[i]);
        xs_put_le64(pr + 16 + 16 * i, g->o->pages - 1 - i);
    }
    rec(g, XS_REC_HVM_PARAMS, pr, sizeof(pr));
    if (g->o->erratum) {
        uint8_t empty[8] = {0};
        rec(g, XS_REC_HVM_PARAMS, empty, 8);
    }
}

static void pv_head(struct gen *g)
{
    uint8_t info[8] = {(uint8_t)g->o->width, g->o->width == 8 ? 4 : 3};
    if (g->o->dirty)
        info[5] = 0x11;
    rec(g, XS_REC_X86_PV_INFO, info, 8);
}

static void p2m_frames(struct gen *g)
{
    sde_before_trigger(g);
    uint64_t n = g->p2m_frames;
    size_t len = 8 + 8 * (size_t)n;
    uint8_t *b = calloc(1, len);
    if (!b) {
        g->rc = -1;
        return;
    }
    xs_put_le32(b, 0);
    xs_put_le32(b + 4, (uint32_t)(g->o->pages + g->o->holes - 1));
    for (uint64_t i = 0; i < n; i++)
        xs_put_le64(b + 8 + 8 * i, g->p2m_first + i);
    rec(g, XS_REC_X86_PV_P2M_FRAMES, b, (uint32_t)len);
    free(b);
}

/* ---- containers ---------------------------------------------------- */

static void libxl_rec(struct gen *g, uint32_t type, const void *b,
                      uint32_t len)
{
    static const uint8_t zero[8];
    uint8_t h[8];
    xs_put_le32(h, type);
    xs_put_le32(h + 4, len);
    put(g, h, 8);
    put(g, b, len);
    put(g, zero, xs_rec_padding(len));
}

/* What libxl writes for an HVM guest's device model (qemu upstream):
 * its xenstore keys, then its saved state. */
static void libxl_emulator(struct gen *g)
{
    if (g->o->guest != XS_GUEST_X86_HVM)
        return;
    static const char keys[] = "physmap/f0000000/start_addr\0f0000000\0"
                               "physmap/f0000000/size\0800000\0"
                               "physmap/f0000000/name\0vga.vram";
    uint8_t b[8 + sizeof(keys)];
    /* EMULATOR_QEMU_UPSTREAM, or EMULATOR_QEMU_TRADITIONAL */
    uint32_t id = g->o->qemu_trad ? 1 : 2;
    xs_put_le32(b, id);
    xs_put_le32(b + 4, 0);
    memcpy(b + 8, keys, sizeof(keys));
    libxl_rec(g, 2, b, sizeof(b));
    /* odd sizes: padded; large images get a context over the 64 KiB at
     * which payloads go through the kernel's copy */
    uint32_t n = 8 + (g->o->pages >= 512 ? 70001 : 1001);
    uint8_t *c = calloc(1, n);
    if (!c) {
        g->rc = -1;
        return;
    }
    xs_put_le32(c, id);
    memcpy(c + 8, "QEVM", 4);
    for (uint32_t k = 12; k < n; k++)
        c[k] = (uint8_t)(k * 7 + g->o->seed);
    libxl_rec(g, 3, c, n);
    free(c);
}

static void libxl_head(struct gen *g)
{
    uint8_t h[16];
    memcpy(h, "LibxlFmt", 8);
    xs_put_be32(h + 8, 2);
    xs_put_be32(h + 12, 0);
    put(g, h, 16);
    libxl_rec(g, 1, NULL, 0); /* LIBXC_CONTEXT: the libxc stream follows */
}

static size_t config(struct gen *g, char *buf, size_t sz)
{
    const struct xs_gen_opts *o = g->o;
    const char *type = o->guest == XS_GUEST_X86_HVM ? "hvm" : "pv";
    unsigned long long mib = (unsigned long long)(o->pages / 256);
    int n;
    /* libxl_cpuid.c's JSON forms: 4.17's array, 4.18's object */
    static const char *const cpuid[] = {
        "",
        "        \"cpuid\": [{\"leaf\": 1, \"ecx\": "
        "\"xxxxxxxxxxxxxxxxxxxxxxxxxxxx0xxx\"}],\n",
        "        \"cpuid\": {\"cpuid\": [{\"leaf\": 1, \"ecx\": "
        "\"xxxxxxxxxxxxxxxxxxxxxxxxxxxx0xxx\"}], \"msr\": []},\n",
        "        \"cpuid\": {\"cpuid\": [], \"msr\": [{\"index\": 266, "
        "\"policy\": \"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx0x\"}]},\n",
    };
    const char *cp = cpuid[o->cpuid_config < 4 ? o->cpuid_config : 0];
    if (o->text_config)
        n = snprintf(buf, sz,
                     "name = \"guest-%llu\"\ntype = \"%s\"\nmemory = %llu\n"
                     "vcpus = %u\n%s%s",
                     (unsigned long long)o->seed, type, mib, o->vcpus,
                     /* a PV or PVH guest boots a kernel (xl refuses one
                      * with none: "Neither kernel nor bootloader") */
                     strcmp(type, "hvm") ? "kernel = \"/boot/vmlinuz\"\n"
                                         : "",
                     o->qemu_trad ? "device_model_version = "
                                    "\"qemu-xen-traditional\"\n" : "");
    else
        n = snprintf(buf, sz,
                     "{\n    \"c_info\": {\n        \"type\": \"%s\",\n"
                     "        \"name\": \"guest-%llu\"\n    },\n"
                     "    \"b_info\": {\n        \"max_vcpus\": %u,\n%s%s"
                     "        \"max_memkb\": %llu,\n"
                     "        \"target_memkb\": %llu\n    }\n}\n",
                     type, (unsigned long long)o->seed, o->vcpus, cp,
                     o->qemu_trad ? "        \"device_model_version\": "
                                    "\"qemu_xen_traditional\",\n" : "",
                     mib * 1024, mib * 1024);
    return (size_t)n + (o->text_config ? 0 : 1); /* JSON: with its NUL */
}

static void container_head(struct gen *g)
{
    switch (g->o->container) {
    case XS_GEN_XL: {
        /* xl_saverestore.c save_domain_core_writeconfig() */
        char cfg[1024];
        uint32_t n = (uint32_t)config(g, cfg, sizeof(cfg));
        uint8_t h[48];
        memcpy(h, "Xen saved domain, xl format\n \0 \r", 32);
        xs_put_le32(h + 32, 0x01020304);
        xs_put_le32(h + 36, g->o->text_config ? 2 : 3);
        xs_put_le32(h + 40, 0);
        xs_put_le32(h + 44, 4 + n);
        put(g, h, 48);
        uint8_t l[4];
        xs_put_le32(l, n);
        put(g, l, 4);
        put(g, cfg, n);
        libxl_head(g);
        break;
    }
    case XS_GEN_LIBVIRT: {
        char xml[256];
        int n = snprintf(xml, sizeof(xml),
                         "<domain type='xen'>\n  <name>guest-%llu</name>\n"
                         "</domain>\n",
                         (unsigned long long)g->o->seed) + 1;
        uint8_t h[64] = {0};
        memcpy(h, "libvirt-xml\n \0 \r", 16);
        xs_put_le32(h + 16, 2);
        xs_put_le32(h + 20, (uint32_t)n);
        put(g, h, 64);
        put(g, xml, (size_t)n);
        libxl_head(g);
        break;
    }
    case XS_GEN_LIBXL:
        libxl_head(g);
        break;
    case XS_GEN_XENSERVER: {
        static const char sexp[] =
            "((time 20261125T21:00:00Z)(word_size 64))";
        uint8_t h[16];
        put(g, "XenSavedDomv2-\n", 15);
        xs_put_le64(h, 0x000f);
        xs_put_le64(h + 8, sizeof(sexp) - 1);
        put(g, h, 16);
        put(g, sexp, sizeof(sexp) - 1);
        xs_put_le64(h, 0x00f0);
        xs_put_le64(h + 8, 0);
        put(g, h, 16);
        break;
    }
    default:
        break;
    }
}

static void container_tail(struct gen *g)
{
    switch (g->o->container) {
    case XS_GEN_XL:
    case XS_GEN_LIBVIRT:
    case XS_GEN_LIBXL:
        libxl_emulator(g);
        libxl_rec(g, 0, NULL, 0);
        if (g->o->migrate)
            put(g, "domain is yours, you are cleared to unpause", 44);
        break;
    case XS_GEN_XENSERVER: {
        uint8_t h[16];
        if (g->o->guest == XS_GUEST_X86_HVM) {
            uint8_t blob[3000];
            for (size_t k = 0; k < sizeof(blob); k++)
                blob[k] = (uint8_t)(k ^ g->o->seed);
            xs_put_le64(h, 0x0f01); /* Qemu_xen */
            xs_put_le64(h + 8, sizeof(blob));
            put(g, h, 16);
            put(g, blob, sizeof(blob));
        }
        xs_put_le64(h, 0xffff);
        xs_put_le64(h + 8, 0);
        put(g, h, 16);
        break;
    }
    default:
        break;
    }
}

int xs_gen(const struct xs_gen_opts *o, xs_gen_write_fn w, void *ctx)
{
    struct gen *g = calloc(1, sizeof(*g));
    if (!g)
        return -1;
    g->o = o;
    g->w = w;
    g->ctx = ctx;
    g->rng = o->seed;
    if (o->pages < 16 || o->batch == 0 || (o->width != 4 && o->width != 8) ||
        o->holes > UINT32_MAX - o->pages) { /* the p2m's end is 32 bits */
        free(g);
        return -1;
    }
    if (is_pv(g)) {
        /* the p2m frames are the top data pages; with --holes they must
         * still leave the low pages (start info, page-table root) alone */
        uint64_t fpp = XS_PAGE_SIZE / o->width;
        g->p2m_frames = (o->pages + o->holes - 1) / fpp + 1;
        if (o->holes && g->p2m_frames + 16 > o->pages) {
            free(g);
            return -1;
        }
        g->p2m_first = o->pages - g->p2m_frames;
        g->top_pfn = 8;
    }

    container_head(g);
    uint8_t ih[XS_LIBXC_IHDR_SIZE], dh[XS_LIBXC_DHDR_SIZE];
    struct xs_libxc_ihdr i = {.marker = XS_LIBXC_MARKER, .id = XS_LIBXC_ID,
                              .version = o->version};
    struct xs_libxc_dhdr d = {.type = o->guest, .page_shift = XS_PAGE_SHIFT,
                              .xen_major = o->xen_major,
                              .xen_minor = o->xen_minor};
    if (o->dirty) {
        i.options = 0x0100;
        i.res2 = 7;
        d.res1 = 0x42;
    }
    xs_libxc_ihdr_encode(&i, ih);
    xs_libxc_dhdr_encode(&d, dh);
    put(g, ih, sizeof(ih));
    put(g, dh, sizeof(dh));

    if (is_pv(g))
        pv_head(g);
    policy(g);
    optional_rec(g);
    if (is_pv(g))
        p2m_frames(g);
    memory(g, 0, o->pages + o->holes);
    if (o->verify_rec) {
        rec(g, XS_REC_VERIFY, NULL, 0);
        memory(g, 0, o->pages < 64 ? o->pages : 64);
    }
    if (is_pv(g))
        pv_tail(g);
    else
        hvm_tail(g);
    if (o->checkpoint) {
        rec(g, XS_REC_CHECKPOINT, NULL, 0);
        if (o->container != XS_GEN_LIBXC && o->container != XS_GEN_XENSERVER) {
            /* libxl takes over until CHECKPOINT_END (libxl_stream_write.c
             * checkpoint): the emulator's state, then CHECKPOINT_END */
            libxl_emulator(g);
            libxl_rec(g, 4, NULL, 0);
            if (o->unterminated)
                goto out; /* a Remus capture stops here */
        }
        memory(g, 16, o->pages < 48 ? o->pages : 48); /* dirtied pages */
        if (is_pv(g))
            pv_tail(g);
        else
            hvm_tail(g);
    }
    rec(g, XS_REC_END, NULL, 0);
    container_tail(g);
    for (size_t k = 0; k < o->trailing && g->rc == 0; k++) {
        uint8_t c = (uint8_t)('a' + k % 26);
        put(g, &c, 1);
    }
out:;
    int rc = g->rc;
    free(g);
    return rc;
}

static int to_buf(void *ctx, const void *p, size_t n)
{
    struct xs_buf *b = ctx;
    if (xs_buf_reserve(b, b->len + n) != XS_OK)
        return -1;
    memcpy(b->p + b->len, p, n);
    b->len += n;
    return 0;
}

int xs_gen_to_buf(const struct xs_gen_opts *o, struct xs_buf *b)
{
    return xs_gen(o, to_buf, b);
}

static int to_file(void *ctx, const void *p, size_t n)
{
    return fwrite(p, 1, n, ctx) == n ? 0 : -1;
}

int xs_gen_to_file(const struct xs_gen_opts *o, FILE *fp)
{
    int rc = xs_gen(o, to_file, fp);
    if (fflush(fp) != 0)
        rc = -1;
    return rc;
}
