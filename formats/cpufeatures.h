/* CPU policies by Xen's feature names: the table (cpufeatures.c,
 * generated from Xen's cpufeatureset.h by tools/gen-cpufeatures.py) and
 * the decoding of X86_CPUID_POLICY / X86_MSR_POLICY entries
 * (cpupolicy.c). */
#ifndef XS_FORMATS_CPUFEATURES_H
#define XS_FORMATS_CPUFEATURES_H

#include <stddef.h>
#include <stdint.h>

#define XS_NO_SUBLEAF 0xffffffffu /* XEN_CPUID_NO_SUBLEAF */

enum xs_cpu_word_kind { XS_CPU_WORD_CPUID, XS_CPU_WORD_MSR };

/* A featureset word: 32 bits of one CPUID leaf's register, or of one
 * half of an MSR ('a': bits 0-31, 'd': bits 32-63). */
struct xs_cpu_word {
    unsigned word;
    enum xs_cpu_word_kind kind;
    uint32_t leaf;     /* or the MSR's index */
    uint32_t subleaf;  /* XS_NO_SUBLEAF for a leaf without subleaves */
    char reg;          /* 'a', 'b', 'c', 'd' */
};
struct xs_cpu_feature {
    unsigned value;    /* word * 32 + bit */
    const char *name;  /* as xen-cpuid prints it */
    const char *attr;  /* Xen's attribute characters ("A", "!S|", ...) */
};
/* Xen's featureset words (FEATURESET_NR_ENTRIES at xs_cpu_features_tag) */
#define XS_CPU_FS_WORDS 19
/* A feature with deep dependencies: what else sanitise_featureset()
 * (xen/arch/x86/cpuid.c) clears when it is clear, as featureset words. */
struct xs_cpu_deep_dep {
    unsigned value;
    uint32_t words[XS_CPU_FS_WORDS];
};
extern const char xs_cpu_features_tag[];
extern const struct xs_cpu_word xs_cpu_words[];
extern const unsigned xs_cpu_nwords;
extern const struct xs_cpu_feature xs_cpu_features[];
extern const unsigned xs_cpu_nfeatures;
extern const struct xs_cpu_deep_dep xs_cpu_deep_deps[];
extern const unsigned xs_cpu_ndeep_deps;
/* Xen's CPUID_COMMON_1D_FEATURES: the bits of leaf 1 edx that AMD CPUs
 * repeat in leaf 0x80000001 edx (featureset word 2); Xen derives those of
 * word 2 from leaf 1 (recalculate_misc()), they are no features of their
 * own there. */
extern const uint32_t xs_cpu_common_1d;

/* The word held in a CPUID leaf's register (reg 'a'..'d'), or NULL. */
const struct xs_cpu_word *xs_cpu_word_cpuid(uint32_t leaf, uint32_t subleaf,
                                            char reg);
/* The word held in half ('a' low, 'd' high) of an MSR, or NULL. */
const struct xs_cpu_word *xs_cpu_word_msr(uint32_t msr, char half);
/* Xen's name of a feature bit, or NULL for a bit Xen does not name. */
const char *xs_cpu_feature_name(unsigned word, unsigned bit);
/* Its name, or "<WORD:BIT>" (made in buf) for a bit Xen does not name. */
const char *xs_cpu_feature_label(unsigned word, unsigned bit, char buf[16]);
/* The names of the bits set in `bits` of word w, space-separated (a bit
 * Xen does not name as "<W:B>"), into out (cut at outsz); its length. */
size_t xs_cpu_features_text(const struct xs_cpu_word *w, uint32_t bits,
                            char *out, size_t outsz);
/* One register of a policy entry: "ebx" for 'b'. */
const char *xs_cpu_reg_name(char reg);

#endif
