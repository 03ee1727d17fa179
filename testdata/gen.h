/* Test-stream generator: writes realistic libxc streams the way Xen's
 * saver lays them out (xg_sr_save.c, xg_sr_save_x86_{pv,hvm}.c), with
 * switches for every feature and defect the tests need. */
#ifndef XS_GEN_H
#define XS_GEN_H

#include <stdio.h>

#include "xenstream.h"

struct xs_gen_opts {
    uint32_t guest;     /* XS_GUEST_X86_PV or XS_GUEST_X86_HVM */
    unsigned width;     /* PV guest width: 8 (64-bit) or 4 (32-bit PAE) */
    unsigned version;   /* 2 or 3 */
    uint64_t pages;     /* guest pfns */
    unsigned batch;     /* pfns per PAGE_DATA, Xen's saver uses 1024 */
    unsigned vcpus;
    uint64_t seed;
    uint32_t xen_major, xen_minor; /* domain header */
    int policy;         /* v3 CPUID/MSR policy records: -1 = when v3 */
    /* a policy as a real host gives it (else random registers): vendor,
     * max basic leaf, and the features set, by Xen's names, space- or
     * comma-separated */
    const char *cpu_features;
    const char *cpu_vendor; /* "GenuineIntel" when NULL */
    uint32_t cpu_max_leaf;  /* 0xd when 0 */
    bool optional;      /* an unknown optional record */
    bool erratum;       /* zero-content records of the spec's erratum */
    bool verify_rec;    /* VERIFY, then some memory sent again */
    bool checkpoint;    /* CHECKPOINT and a second round before END */
    bool dirty;         /* non-zero reserved fields, pfn bits and padding */
    bool zero_pages;    /* every page is zero (compressible, fast) */
    size_t trailing;    /* bytes of junk after END */
    uint64_t holes;     /* pfns without data above the guest's pages
                           (XTAB and XALLOC alternating pfn by pfn: each
                           entry a run of its own); the p2m covers them */
    bool descending;    /* PAGE_DATA records and their pfns top down */
    bool every_other;   /* HVM: odd pfns without data (XTAB), so that every
                           present pfn is a run of its own (ELF PN_XNUM) */
    /* containers around the libxc stream (docs/behaviour.md §1) */
    enum xs_gen_container {
        XS_GEN_LIBXC, XS_GEN_LIBXL, XS_GEN_XL, XS_GEN_LIBVIRT,
        XS_GEN_XENSERVER,
    } container;
    bool unterminated;  /* checkpointed libxl: stop after CHECKPOINT_END */
    bool migrate;       /* xl: xl migrate's handshake after the libxl END */
    bool text_config;   /* xl: config as xl.cfg text, not JSON */
    /* what Xen releases differ on (core/release.c) */
    unsigned lapic;     /* HVM: a LAPIC record per vCPU of this length (24
                           to 4.20, 32 with 4.21's pending_esr); 0: none */
    uint32_t pending_esr; /* its pending_esr (lapic 32) */
    unsigned rtc;       /* HVM: an RTC record of this length (16, 24) */
    bool bhi;           /* each vCPU's MSR_SPEC_CTRL = IBRS | BHI_DIS_S */
    unsigned cpuid_config; /* xl JSON b_info.cpuid: 0 none, 1 the array
                           (4.17), 2 4.18's object, 3 the object with an
                           MSR entry */
    bool qemu_trad;     /* HVM: qemu-traditional (emulator records, the
                           config's device_model_version) */
};

typedef int (*xs_gen_write_fn)(void *ctx, const void *p, size_t n);

void xs_gen_defaults(struct xs_gen_opts *o);
/* The featureset word (formats/cpufeatures.h) and bit of the CPU feature
 * Xen names `name`: NULL, *found false when Xen names none; NULL, *found
 * true for a word the table has no leaf or MSR for. */
struct xs_cpu_word;
const struct xs_cpu_word *xs_gen_feature(const char *name, unsigned *bit,
                                         bool *found);
/* Add to a featureset (XS_CPU_FS_WORDS words) every feature one of its
 * features depends on (Xen's deep dependencies, formats/cpufeatures.c):
 * what a policy Xen made holds. */
void xs_gen_close_features(uint32_t *fs);
int xs_gen(const struct xs_gen_opts *o, xs_gen_write_fn w, void *ctx);
int xs_gen_to_buf(const struct xs_gen_opts *o, struct xs_buf *b);
int xs_gen_to_file(const struct xs_gen_opts *o, FILE *fp);

#endif
