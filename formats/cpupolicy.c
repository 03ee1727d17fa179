/* CPU policy entries by Xen's feature names (the table is generated:
 * cpufeatures.c). */
#include <stdio.h>
#include <string.h>

#include "cpufeatures.h"

const struct xs_cpu_word *xs_cpu_word_cpuid(uint32_t leaf, uint32_t subleaf,
                                            char reg)
{
    for (unsigned i = 0; i < xs_cpu_nwords; i++) {
        const struct xs_cpu_word *w = &xs_cpu_words[i];
        if (w->kind == XS_CPU_WORD_CPUID && w->leaf == leaf &&
            w->subleaf == subleaf && w->reg == reg)
            return w;
    }
    return NULL;
}

const struct xs_cpu_word *xs_cpu_word_msr(uint32_t msr, char half)
{
    for (unsigned i = 0; i < xs_cpu_nwords; i++) {
        const struct xs_cpu_word *w = &xs_cpu_words[i];
        if (w->kind == XS_CPU_WORD_MSR && w->leaf == msr && w->reg == half)
            return w;
    }
    return NULL;
}

const char *xs_cpu_feature_name(unsigned word, unsigned bit)
{
    unsigned v = word * 32 + bit, lo = 0, hi = xs_cpu_nfeatures;
    while (lo < hi) { /* the table is sorted by value */
        unsigned mid = lo + (hi - lo) / 2;
        if (xs_cpu_features[mid].value == v)
            return xs_cpu_features[mid].name;
        if (xs_cpu_features[mid].value < v)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

const char *xs_cpu_feature_label(unsigned word, unsigned bit, char buf[16])
{
    const char *name = xs_cpu_feature_name(word, bit);
    if (name)
        return name;
    snprintf(buf, 16, "<%u:%u>", word % 1000, bit % 32);
    return buf;
}

size_t xs_cpu_features_text(const struct xs_cpu_word *w, uint32_t bits,
                            char *out, size_t outsz)
{
    size_t len = 0;
    if (outsz)
        out[0] = '\0';
    for (unsigned b = 0; b < 32; b++) {
        if (!(bits & (1u << b)))
            continue;
        char buf[16];
        const char *name = xs_cpu_feature_label(w->word, b, buf);
        if (len + 1 >= outsz)
            break;
        int n = snprintf(out + len, outsz - len, "%s%s", len ? " " : "",
                         name);
        if (n < 0)
            break;
        len = len + (size_t)n < outsz ? len + (size_t)n : outsz - 1;
    }
    return len;
}

const char *xs_cpu_reg_name(char reg)
{
    switch (reg) {
    case 'a': return "eax";
    case 'b': return "ebx";
    case 'c': return "ecx";
    default: return "edx";
    }
}
