/* xs-core-compare: two Xen dump-core files (docs/misc/dump-core-format.txt
 * at RELEASE-4.17.0) side by side, for the Xen testbed: `xl dump-core` of
 * a running guest against `xenstream export --format xc-core` of its
 * save.  Prints each file's sections and .note.Xen note types in order,
 * the pfns only one of them holds, and the fraction of the common pfns
 * whose pages are identical.  Exit 0 when the sections and note types
 * agree, the pfn sets are equal and at least MIN_PERCENT (95) of the
 * pages are identical; 1 otherwise; 2 on a file it cannot read.
 *
 *   xs-core-compare A B [MIN_PERCENT] */
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "endian.h"

#define PAGE 4096u

struct core {
    const char *path;
    const uint8_t *p;
    size_t n;
    const uint8_t *shdr;
    unsigned shnum;
    const uint8_t *strtab;
    size_t strsz;
    uint64_t *pfn;      /* per page of .xen_pages, in file order */
    size_t npages;
    const uint8_t *pages;
};

static int fail(const char *path, const char *why)
{
    fprintf(stderr, "xs-core-compare: %s: %s\n", path, why);
    return 2;
}

static const char *sec_name(const struct core *c, unsigned i)
{
    uint32_t off = xs_le32(c->shdr + (size_t)i * 64);
    if (!c->strtab || off >= c->strsz ||
        !memchr(c->strtab + off, 0, c->strsz - off))
        return "?";
    return (const char *)c->strtab + off;
}

/* A section's bytes, or NULL when it lies outside the file. */
static const uint8_t *sec_data(const struct core *c, unsigned i, size_t *size)
{
    const uint8_t *s = c->shdr + (size_t)i * 64;
    uint64_t off = xs_le64(s + 24), sz = xs_le64(s + 32);
    if (off > c->n || sz > c->n - off)
        return NULL;
    *size = (size_t)sz;
    return c->p + off;
}

static int load(struct core *c, const char *path)
{
    c->path = path;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) != 0 || st.st_size < 64)
        return fail(path, "cannot open, or too short");
    c->n = (size_t)st.st_size;
    void *m = mmap(NULL, c->n, PROT_READ, MAP_PRIVATE, fd, 0);
    close(fd);
    if (m == MAP_FAILED)
        return fail(path, "cannot map");
    c->p = m;
    if (memcmp(c->p, "\177ELF\002\001", 6) != 0)
        return fail(path, "not a little-endian ELF64 file");
    uint64_t shoff = xs_le64(c->p + 40);
    c->shnum = xs_le16(c->p + 60);
    unsigned shstrndx = xs_le16(c->p + 62);
    if (shoff > c->n || (uint64_t)c->shnum * 64 > c->n - shoff ||
        shstrndx >= c->shnum)
        return fail(path, "section headers outside the file");
    c->shdr = c->p + shoff;
    c->strtab = sec_data(c, shstrndx, &c->strsz);
    const uint8_t *map = NULL;
    size_t mapsz = 0, entsz = 8;
    for (unsigned i = 0; i < c->shnum; i++) {
        const char *nm = sec_name(c, i);
        size_t sz;
        const uint8_t *d = sec_data(c, i, &sz);
        if (!d)
            continue;
        if (strcmp(nm, ".xen_pages") == 0) {
            c->pages = d;
            c->npages = sz / PAGE;
        } else if (strcmp(nm, ".xen_p2m") == 0) {
            map = d, mapsz = sz, entsz = 16; /* {pfn, gmfn} */
        } else if (strcmp(nm, ".xen_pfn") == 0) {
            map = d, mapsz = sz, entsz = 8;
        }
    }
    if (!c->pages || !map || mapsz / entsz < c->npages)
        return fail(path, "no .xen_pages with its .xen_p2m or .xen_pfn");
    c->pfn = calloc(c->npages ? c->npages : 1, sizeof(*c->pfn));
    if (!c->pfn)
        return fail(path, "out of memory");
    for (size_t i = 0; i < c->npages; i++)
        c->pfn[i] = xs_le64(map + i * entsz);
    return 0;
}

static void show(const struct core *c, char *names, size_t namesz,
                 char *notes, size_t notesz)
{
    size_t k = 0, m = 0;
    names[0] = notes[0] = '\0';
    for (unsigned i = 0; i < c->shnum; i++) {
        const char *nm = sec_name(c, i);
        k += (size_t)snprintf(names + k, k < namesz ? namesz - k : 0, "%s%s",
                              i ? " " : "", *nm ? nm : "(null)");
        if (strcmp(nm, ".note.Xen") != 0)
            continue;
        size_t sz;
        const uint8_t *d = sec_data(c, i, &sz);
        for (size_t at = 0; d && sz - at >= 12;) {
            uint32_t nn = xs_le32(d + at), dn = xs_le32(d + at + 4);
            uint32_t ty = xs_le32(d + at + 8);
            m += (size_t)snprintf(notes + m, m < notesz ? notesz - m : 0,
                                  "%s0x%x", m ? " " : "", ty);
            uint64_t next = at + 12 + ((nn + 3ull) & ~3ull) + ((dn + 3ull) & ~3ull);
            if (next > sz)
                break;
            at = (size_t)next;
        }
    }
    printf("%s: sections: %s\n%s: .note.Xen types: %s\n", c->path, names,
           c->path, notes);
}

static int by_pfn(const void *a, const void *b, void *ctx)
{
    const uint64_t *pfn = ctx;
    uint64_t x = pfn[*(const size_t *)a], y = pfn[*(const size_t *)b];
    return x < y ? -1 : x > y;
}

/* The page indexes of c in pfn order. */
static size_t *sorted(const struct core *c)
{
    size_t *ix = calloc(c->npages ? c->npages : 1, sizeof(*ix));
    for (size_t i = 0; ix && i < c->npages; i++)
        ix[i] = i;
    if (ix)
        qsort_r(ix, c->npages, sizeof(*ix), by_pfn, c->pfn);
    return ix;
}

int main(int argc, char **argv)
{
    if (argc < 3 || argc > 4) {
        fprintf(stderr, "usage: xs-core-compare A B [MIN_PERCENT]\n");
        return 2;
    }
    double min = argc == 4 ? atof(argv[3]) : 95.0;
    struct core a = {0}, b = {0};
    int rc = load(&a, argv[1]);
    if (!rc)
        rc = load(&b, argv[2]);
    if (rc)
        return rc;
    static char na[4096], nb[4096], ta[512], tb[512];
    show(&a, na, sizeof(na), ta, sizeof(ta));
    show(&b, nb, sizeof(nb), tb, sizeof(tb));
    bool same_layout = strcmp(na, nb) == 0 && strcmp(ta, tb) == 0;
    printf("sections and note types: %s\n", same_layout ? "the same" : "DIFFER");

    size_t *ia = sorted(&a), *ib = sorted(&b);
    if (!ia || !ib)
        return fail("memory", "out of memory");
    size_t i = 0, j = 0, common = 0, same = 0, only_a = 0, only_b = 0;
    while (i < a.npages || j < b.npages) {
        uint64_t pa = i < a.npages ? a.pfn[ia[i]] : UINT64_MAX;
        uint64_t pb = j < b.npages ? b.pfn[ib[j]] : UINT64_MAX;
        if (pa < pb) {
            if (only_a++ < 5)
                printf("pfn 0x%llx only in %s\n", (unsigned long long)pa, a.path);
            i++;
        } else if (pb < pa) {
            if (only_b++ < 5)
                printf("pfn 0x%llx only in %s\n", (unsigned long long)pb, b.path);
            j++;
        } else {
            common++;
            same += memcmp(a.pages + ia[i] * (size_t)PAGE,
                           b.pages + ib[j] * (size_t)PAGE, PAGE) == 0;
            i++, j++;
        }
    }
    double pct = common ? 100.0 * (double)same / (double)common : 0.0;
    printf("pfns: %zu in %s, %zu in %s, %zu in both, %zu only in A, %zu "
           "only in B\npages identical: %zu of %zu (%.2f%%, at least %g%% "
           "wanted)\n", a.npages, a.path, b.npages, b.path, common, only_a,
           only_b, same, common, pct, min);
    free(ia);
    free(ib);
    return same_layout && !only_a && !only_b && pct >= min ? 0 : 1;
}
