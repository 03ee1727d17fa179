/* xen-cpuid -p's text, read strictly (formats/hostpolicy.h says whose). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cpufeatures.h"
#include "hostpolicy.h"

/* tools/misc/xen-cpuid.c sys_policies[], RELEASE-4.14.0 to -4.22.0 */
static const char *const names[XS_POLICY_NR] = {
    [XS_POLICY_RAW] = "Raw",         [XS_POLICY_HOST] = "Host",
    [XS_POLICY_PV_MAX] = "PV Max",   [XS_POLICY_HVM_MAX] = "HVM Max",
    [XS_POLICY_PV_DEFAULT] = "PV Default",
    [XS_POLICY_HVM_DEFAULT] = "HVM Default",
};

const char *xs_host_policy_name(enum xs_policy_kind k)
{
    return (unsigned)k < XS_POLICY_NR ? names[k] : "?";
}

/* Exactly n lowercase hex digits at s (as %08x / %016"PRIx64" print). */
static bool hex_n(const char *s, unsigned n, uint64_t *v)
{
    *v = 0;
    for (unsigned i = 0; i < n; i++) {
        char c = s[i];
        unsigned d = c >= '0' && c <= '9' ? (unsigned)(c - '0')
                     : c >= 'a' && c <= 'f' ? (unsigned)(c - 'a' + 10)
                                            : 16;
        if (d == 16)
            return false;
        *v = *v << 4 | d;
    }
    return true;
}

/* "%u" as printed: digits only, no sign, no leading zero but for 0. */
static const char *uint_at(const char *s, unsigned long *v)
{
    if (s[0] < '0' || s[0] > '9' || (s[0] == '0' && s[1] >= '0' && s[1] <= '9'))
        return NULL;
    *v = 0;
    for (; *s >= '0' && *s <= '9'; s++) {
        if (*v > 100000000ul)
            return NULL;
        *v = *v * 10 + (unsigned long)(*s - '0');
    }
    return s;
}

static int cpuid_line(const char *l, struct xs_cpuid_entry *e)
{
    /* "  %08x:%08x -> %08x:%08x:%08x:%08x" */
    uint64_t v[6];
    static const unsigned at[6] = {2, 11, 23, 32, 41, 50};
    if (strlen(l) != 58 || strncmp(l, "  ", 2) != 0 || l[10] != ':' ||
        strncmp(l + 19, " -> ", 4) != 0 || l[31] != ':' || l[40] != ':' ||
        l[49] != ':')
        return -1;
    for (unsigned i = 0; i < 6; i++)
        if (!hex_n(l + at[i], 8, &v[i]))
            return -1;
    e->leaf = (uint32_t)v[0];
    e->subleaf = (uint32_t)v[1];
    for (unsigned i = 0; i < 4; i++)
        e->reg[i] = (uint32_t)v[2 + i];
    return 0;
}

static int msr_line(const char *l, struct xs_msr_entry *e)
{
    /* "  %08x -> %016llx" */
    uint64_t idx;
    if (strlen(l) != 30 || strncmp(l, "  ", 2) != 0 ||
        strncmp(l + 10, " -> ", 4) != 0 || !hex_n(l + 2, 8, &idx) ||
        !hex_n(l + 14, 16, &e->val))
        return -1;
    e->idx = (uint32_t)idx;
    return 0;
}

static bool grow(void **v, size_t n, size_t size)
{
    if (n & (n - 1) && n) /* 1, 2, 4, ...: grown at each power of two */
        return true;
    void *m = realloc(*v, (n ? 2 * n : 1) * size);
    if (m)
        *v = m;
    return m != NULL;
}

bool xs_policy_add_leaf(struct xs_policy *p, const struct xs_cpuid_entry *e)
{
    if (!grow((void **)&p->leaves, p->nleaves, sizeof(*e)))
        return false;
    p->leaves[p->nleaves++] = *e;
    return true;
}

bool xs_policy_add_msr(struct xs_policy *p, const struct xs_msr_entry *e)
{
    if (!grow((void **)&p->msrs, p->nmsrs, sizeof(*e)))
        return false;
    p->msrs[p->nmsrs++] = *e;
    return true;
}

void xs_host_policy_clear(struct xs_host_policy *hp)
{
    for (int k = 0; k < XS_POLICY_NR; k++) {
        free(hp->p[k].leaves);
        free(hp->p[k].msrs);
    }
    memset(hp, 0, sizeof(*hp));
}

int xs_host_policy_parse(const char *text, size_t n, struct xs_host_policy *hp,
                         char *err, size_t errsz, uint64_t *err_at)
{
    enum { TOP, CPUID_TITLE, CPUID_HEAD, CPUID, MSR_HEAD, MSR } state = TOP;
    static const char cpuid_head[] =
        "  leaf     subleaf  -> eax      ebx      ecx      edx";
    static const char msr_head[] = "  index    -> value";
    struct xs_policy *cur = NULL;
    unsigned long want_leaves = 0, want_msrs = 0;
    unsigned line = 0;
    bool any = false;
    char l[128];
    memset(hp, 0, sizeof(*hp));
    *err_at = 0;
    for (size_t at = 0; at < n;) {
        const char *nl = memchr(text + at, '\n', n - at);
        size_t len = nl ? (size_t)(nl - (text + at)) : n - at;
        size_t start = at;
        at += len + (nl != NULL);
        line++;
        *err_at = start;
        /* trailing blanks (and a \r) are what copying text adds */
        while (len && (text[start + len - 1] == ' ' ||
                       text[start + len - 1] == '\r' ||
                       text[start + len - 1] == '\t'))
            len--;
        if (len >= sizeof(l) || memchr(text + start, '\0', len)) {
            snprintf(err, errsz, "line %u: not a line of xen-cpuid -p", line);
            goto bad;
        }
        memcpy(l, text + start, len);
        l[len] = '\0';
        if (len == 0) { /* blank lines end it: nothing may follow */
            for (size_t k = at; k < n; k++)
                if (text[k] != '\n' && text[k] != ' ' && text[k] != '\r' &&
                    text[k] != '\t') {
                    snprintf(err, errsz, "line %u: an empty line within "
                             "xen-cpuid -p's output", line);
                    goto bad;
                }
            break;
        }
        switch (state) {
        case CPUID_TITLE:
            if (strcmp(l, " CPUID:") != 0) {
                snprintf(err, errsz, "line %u: expected ' CPUID:'", line);
                goto bad;
            }
            state = CPUID_HEAD;
            continue;
        case CPUID_HEAD:
        case MSR_HEAD: {
            const char *want = state == CPUID_HEAD ? cpuid_head : msr_head;
            if (strcmp(l, want) != 0) {
                snprintf(err, errsz, "line %u: expected '%s'", line, want);
                goto bad;
            }
            state = state == CPUID_HEAD ? CPUID : MSR;
            continue;
        }
        case CPUID: {
            struct xs_cpuid_entry e;
            if (strcmp(l, " MSRs:") == 0) {
                state = MSR_HEAD;
                continue;
            }
            if (cpuid_line(l, &e) != 0) {
                snprintf(err, errsz, "line %u: expected a CPUID leaf "
                         "'  LLLLLLLL:SSSSSSSS -> AAAAAAAA:BBBBBBBB:CCCCCCCC:"
                         "DDDDDDDD' or ' MSRs:'", line);
                goto bad;
            }
            if (cur->nleaves == want_leaves) {
                snprintf(err, errsz, "line %u: more leaves than the %lu the "
                         "policy announced", line, want_leaves);
                goto bad;
            }
            if (!xs_policy_add_leaf(cur, &e))
                goto nomem;
            continue;
        }
        case MSR: {
            struct xs_msr_entry e;
            if (msr_line(l, &e) == 0) {
                if (cur->nmsrs == want_msrs) {
                    snprintf(err, errsz, "line %u: more MSRs than the %lu "
                             "the policy announced", line, want_msrs);
                    goto bad;
                }
                if (!xs_policy_add_msr(cur, &e))
                    goto nomem;
                continue;
            }
            if (cur->nmsrs != want_msrs) {
                snprintf(err, errsz, "line %u: %zu MSRs where the policy "
                         "announced %lu", line, cur->nmsrs, want_msrs);
                goto bad;
            }
            break; /* the next policy */
        }
        case TOP:
            break;
        }
        /* a policy, or its absence, or the line before them */
        unsigned long a, b;
        const char *p;
        if (line == 1 &&
            strncmp(l, "Xen reports there are maximum ", 30) == 0 &&
            (p = uint_at(l + 30, &a)) && strncmp(p, " leaves and ", 12) == 0 &&
            (p = uint_at(p + 12, &b)) && strcmp(p, " MSRs") == 0)
            continue;
        int k;
        size_t nk = 0;
        for (k = 0; k < XS_POLICY_NR; k++) {
            nk = strlen(names[k]);
            if (strncmp(l, names[k], nk) == 0 &&
                strncmp(l + nk, " policy", 7) == 0)
                break;
        }
        if (k == XS_POLICY_NR) {
            snprintf(err, errsz, "line %u: expected a policy as xen-cpuid -p "
                     "prints it ('Host policy: N leaves, M MSRs', ...)", line);
            goto bad;
        }
        if (hp->seen[k]) {
            snprintf(err, errsz, "line %u: the %s policy a second time", line,
                     names[k]);
            goto bad;
        }
        hp->seen[k] = true;
        any = true;
        state = TOP;
        p = l + nk + 7;
        if (strcmp(p, " not supported by Xen") == 0)
            continue;
        if (strncmp(p, ": ", 2) != 0 || !(p = uint_at(p + 2, &want_leaves)) ||
            strncmp(p, " leaves, ", 9) != 0 ||
            !(p = uint_at(p + 9, &want_msrs)) || strcmp(p, " MSRs") != 0) {
            snprintf(err, errsz, "line %u: expected '%s policy: N leaves, M "
                     "MSRs'", line, names[k]);
            goto bad;
        }
        cur = &hp->p[k];
        cur->present = true;
        state = CPUID_TITLE;
    }
    if (state == MSR && cur->nmsrs != want_msrs) {
        snprintf(err, errsz, "line %u: %zu MSRs where the policy announced "
                 "%lu", line, cur->nmsrs, want_msrs);
        goto bad;
    }
    if (state != TOP && state != MSR) {
        snprintf(err, errsz, "line %u: the output ends within a policy", line);
        goto bad;
    }
    if (!any) {
        snprintf(err, errsz, "no policy in it: expected what xen-cpuid -p "
                 "prints");
        *err_at = 0;
        goto bad;
    }
    return XS_OK;
nomem:
    snprintf(err, errsz, "line %u: out of memory", line);
bad:
    xs_host_policy_clear(hp);
    return XS_INVALID;
}

/* A repeated entry: the last one counts, as Xen's restore reads a
 * policy (x86_cpuid_copy_from_buffer(), x86_msr_copy_from_buffer(),
 * xen/lib/x86/cpuid.c and msr.c at RELEASE-4.17.0: "Detecting repeated
 * entries is prohibitively complicated, so we don't bother": each entry
 * overwrites its slot in turn). */
uint32_t xs_policy_reg(const struct xs_policy *p, uint32_t leaf,
                       uint32_t subleaf, unsigned reg)
{
    for (size_t i = p->nleaves; i-- > 0;)
        if (p->leaves[i].leaf == leaf && p->leaves[i].subleaf == subleaf)
            return p->leaves[i].reg[reg & 3];
    return 0;
}

uint64_t xs_policy_msr(const struct xs_policy *p, uint32_t idx)
{
    for (size_t i = p->nmsrs; i-- > 0;)
        if (p->msrs[i].idx == idx)
            return p->msrs[i].val;
    return 0;
}

uint32_t xs_policy_word(const struct xs_policy *p, const struct xs_cpu_word *w)
{
    unsigned reg = (unsigned)(w->reg - 'a');
    if (w->kind == XS_CPU_WORD_MSR) {
        uint64_t v = xs_policy_msr(p, w->leaf);
        return (uint32_t)(w->reg == 'd' ? v >> 32 : v);
    }
    return xs_policy_reg(p, w->leaf, w->subleaf, reg);
}
