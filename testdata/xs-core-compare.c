/* xs-core-compare: two Xen dump-core files (docs/misc/dump-core-format.txt
 * at RELEASE-4.17.0) side by side, for the Xen testbed: `xl dump-core` of
 * a running guest against `xenstream export --format xc-core` of its
 * save.  Prints each file's sections and .note.Xen note types in order,
 * the pfns only one of them holds, and the fraction of the common pfns
 * whose pages are identical.  Exit 0 when the sections and note types
 * agree, the pfn sets are equal and at least MIN_PERCENT (95) of the
 * pages are identical; 1 otherwise; 2 on a file it cannot read.
 *
 * Of two PV dumps, or two HVM (PVH) dumps, it also compares the vCPU
 * contexts (.xen_prstatus, the x86_64 layout) field by field, by what
 * arch_get_info_guest() fills in for that guest type: the fields a save
 * cannot change must be equal (the exit status says so), the others are
 * listed with why they may differ.
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
    uint64_t *gmfn;     /* its frame (.xen_p2m), or the pfn (.xen_pfn) */
    size_t *by_gmfn;    /* page indexes in gmfn order */
    const uint8_t *prstatus; /* .xen_prstatus */
    size_t prsz;
    const uint8_t *shinfo;   /* .xen_shared_info (PV, or xl's HVM dump) */
    size_t shsz;
    uint64_t magic, nr_vcpus; /* the header note's (0 when none) */
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
        } else if (strcmp(nm, ".xen_prstatus") == 0) {
            c->prstatus = d, c->prsz = sz;
        } else if (strcmp(nm, ".xen_shared_info") == 0) {
            c->shinfo = d, c->shsz = sz;
        } else if (strcmp(nm, ".note.Xen") == 0) {
            /* XEN_ELFNOTE_DUMPCORE_HEADER (public/elfnote.h): xch_magic,
             * xch_nr_vcpus, xch_nr_pages, xch_page_size, 8 bytes each */
            for (size_t at = 0; sz - at >= 12;) {
                uint32_t nn = xs_le32(d + at), dn = xs_le32(d + at + 4);
                uint64_t desc = at + 12 + ((nn + 3ull) & ~3ull);
                if (desc > sz || dn > sz - desc)
                    break;
                if (xs_le32(d + at + 8) == 0x2000001 && dn >= 16) {
                    c->magic = xs_le64(d + desc);
                    c->nr_vcpus = xs_le64(d + desc + 8);
                }
                at = (size_t)(desc + ((dn + 3ull) & ~3ull));
            }
        }
    }
    if (!c->pages || !map || mapsz / entsz < c->npages)
        return fail(path, "no .xen_pages with its .xen_p2m or .xen_pfn");
    c->pfn = calloc(c->npages ? c->npages : 1, sizeof(*c->pfn));
    c->gmfn = calloc(c->npages ? c->npages : 1, sizeof(*c->gmfn));
    if (!c->pfn || !c->gmfn)
        return fail(path, "out of memory");
    for (size_t i = 0; i < c->npages; i++) {
        c->pfn[i] = xs_le64(map + i * entsz);
        c->gmfn[i] = entsz == 16 ? xs_le64(map + i * entsz + 8) : c->pfn[i];
    }
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

/* ---- vCPU contexts ------------------------------------------------ */

/* struct vcpu_guest_context, x86_64 (public/arch-x86/xen.h and
 * xen-x86_64.h, RELEASE-4.17.0): sizeof(vcpu_guest_context_any_t), which
 * xc_domain_dumpcore_via_callback() (xg_core.c) writes per vCPU whose
 * xc_vcpu_getcontext() succeeds. */
#define VGC_SIZE 5168u
#define XC_CORE_MAGIC 0xF00FEBEDull     /* PV (xg_core.h) */
#define XC_CORE_MAGIC_HVM 0xF00FEBEEull /* HVM and PVH */
#define VGCF_ONLINE (1ull << 5)

enum kind {
    SAME,    /* must be equal */
    FRAMES,  /* gdt_frames: machine frames in xl's dump, pfns in a save
                (write_one_vcpu_basic(), xg_sr_save_x86_pv.c): equal as
                pfns, through each file's own .xen_p2m */
    MAY,     /* may differ: why */
    MAYCR,   /* a page table's frame (value >> 12), compared as pfns, and
                may differ: why */
    SAMEMASK, /* equal but for the bits in mask */
};

static const struct field {
    const char *name;
    uint32_t off, len;
    enum kind kind;
    const char *why;
    uint64_t mask; /* SAMEMASK: the bits that may differ */
} pv_fields[] = {
    {"fpu_ctxt", 0, 512, MAY, "the guest ran between the dump and the save", 0},
    {"flags (VGCF_online)", 512, 8, SAME, NULL, 0},
    {"flags (the others)", 512, 8, MAY,
     "VGCF_in_kernel: the mode the vCPU was stopped in; i387_valid", 0},
    {"user_regs", 520, 200, MAY,
     "the guest ran its suspend code in between: vCPU 0 of a save is in "
     "the suspend hypercall, its edx the start info pfn "
     "(write_one_vcpu_basic())", 0},
    {"trap_ctxt", 720, 4096, SAME, NULL, 0},
    {"ldt_base", 4816, 8, MAY, "the LDT of the task running", 0},
    {"ldt_ents", 4824, 8, MAY, "the LDT of the task running", 0},
    {"gdt_frames", 4832, 128, FRAMES, NULL, 0},
    {"gdt_ents", 4960, 8, SAME, NULL, 0},
    {"kernel_ss", 4968, 8, SAME, NULL, 0},
    {"kernel_sp", 4976, 8, MAY,
     "the kernel stack of the task running (stack_switch at each task "
     "switch; the suspend runs in another task)", 0},
    {"ctrlreg[0]", 4984, 8, SAME, NULL, 0},
    {"ctrlreg[1]", 4992, 8, MAYCR,
     "the user page table of the task running; an mfn in xl's dump, a "
     "pfn in a save", 0},
    {"ctrlreg[2]", 5000, 8, MAY, "the address of the last page fault", 0},
    {"ctrlreg[3]", 5008, 8, MAYCR,
     "the page table of the task running; an mfn in xl's dump, a pfn in "
     "a save", 0},
    {"ctrlreg[4-7]", 5016, 32, SAME, NULL, 0},
    {"debugreg", 5048, 64, SAME, NULL, 0},
    {"event_callback_eip", 5112, 8, SAME, NULL, 0},
    {"failsafe_callback_eip", 5120, 8, SAME, NULL, 0},
    {"syscall_callback_eip", 5128, 8, SAME, NULL, 0},
    {"vm_assist", 5136, 8, SAME, NULL, 0},
    {"fs_base", 5144, 8, MAY, "the TLS of the task running", 0},
    {"gs_base_kernel", 5152, 8, MAY,
     "Xen swaps the two GS bases on a guest mode switch: which one holds "
     "the kernel's depends on the mode the vCPU was stopped in", 0},
    {"gs_base_user", 5160, 8, MAY, "as gs_base_kernel", 0},
};

/* An HVM guest's context as arch_get_info_guest() (xen/arch/x86/domctl.c,
 * RELEASE-4.17.0) fills it in: FPU, registers, selectors, CR0/2/3/4,
 * debug registers, fs_base and the two GS bases from the VMCB/VMCS; the
 * PV-only fields are zero.  A save carries the same in its HVM CPU
 * record, from which xenstream's export derives them. */
static const struct field hvm_fields[] = {
    {"fpu_ctxt", 0, 512, MAY, "the guest ran between the dump and the save", 0},
    {"flags", 512, 8, SAMEMASK, "VGCF_i387_valid: the FPU used by then", 1},
    {"user_regs", 520, 200, MAY,
     "the guest ran its suspend code in between (the save is taken in "
     "its SCHEDOP_shutdown)", 0},
    {"trap_ctxt .. kernel_sp", 720, 4264, SAME, NULL, 0},
    {"ctrlreg[0]", 4984, 8, SAMEMASK, "CR0.TS: lazy FPU state", 1u << 3},
    {"ctrlreg[1]", 4992, 8, SAME, NULL, 0},
    {"ctrlreg[2]", 5000, 8, MAY, "the address of the last page fault", 0},
    {"ctrlreg[3]", 5008, 8, MAY,
     "the page table of the task running (a guest-physical address in "
     "both)", 0},
    {"ctrlreg[4-7]", 5016, 32, SAME, NULL, 0},
    {"debugreg", 5048, 64, SAME, NULL, 0},
    {"callbacks", 5112, 24, SAME, NULL, 0},
    {"vm_assist", 5136, 8, MAY,
     "d->vm_assist: not in a save; the export writes 0", 0},
    {"fs_base", 5144, 8, MAY, "the TLS of the task running", 0},
    {"gs_base_kernel", 5152, 8, SAME, NULL, 0},
    {"gs_base_user", 5160, 8, MAY, "the TLS of the task running", 0},
};

static int by_gmfn(const void *a, const void *b, void *ctx)
{
    const uint64_t *g = ctx;
    uint64_t x = g[*(const size_t *)a], y = g[*(const size_t *)b];
    return x < y ? -1 : x > y;
}

/* The pfn whose frame is mfn in c, or UINT64_MAX. */
static uint64_t to_pfn(const struct core *c, uint64_t mfn)
{
    size_t lo = 0, hi = c->by_gmfn ? c->npages : 0;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        uint64_t g = c->gmfn[c->by_gmfn[mid]];
        if (g == mfn)
            return c->pfn[c->by_gmfn[mid]];
        if (g < mfn)
            lo = mid + 1;
        else
            hi = mid;
    }
    return UINT64_MAX;
}

/* Fields of vCPU v that must be equal and are not: their count. */
static unsigned vcpu_fields(const struct core *a, const struct core *b,
                            size_t v, const struct field *fields, size_t nf)
{
    const uint8_t *x = a->prstatus + v * VGC_SIZE;
    const uint8_t *y = b->prstatus + v * VGC_SIZE;
    unsigned bad = 0;
    for (size_t f = 0; f < nf; f++) {
        const struct field *fd = &fields[f];
        bool eq;
        if (fd->kind == SAMEMASK) {
            eq = ((xs_le64(x + fd->off) ^ xs_le64(y + fd->off)) &
                  ~fd->mask) == 0;
        } else if (strcmp(fd->name, "flags (VGCF_online)") == 0) {
            eq = ((xs_le64(x + fd->off) ^ xs_le64(y + fd->off)) &
                  VGCF_ONLINE) == 0;
        } else if (strcmp(fd->name, "flags (the others)") == 0) {
            eq = ((xs_le64(x + fd->off) ^ xs_le64(y + fd->off)) &
                  ~VGCF_ONLINE) == 0;
        } else if (fd->kind == FRAMES) {
            /* the frames gdt_ents uses, 512 entries a frame */
            uint64_t ents = xs_le64(x + 4960);
            size_t n = ents > 16 * 512 ? 16 : (size_t)((ents + 511) / 512);
            eq = true;
            for (size_t i = 0; i < n; i++)
                eq &= to_pfn(a, xs_le64(x + fd->off + 8 * i)) ==
                      to_pfn(b, xs_le64(y + fd->off + 8 * i));
        } else if (fd->kind == MAYCR) {
            uint64_t p = xs_le64(x + fd->off), q = xs_le64(y + fd->off);
            eq = (p == 0 && q == 0) ||
                 (to_pfn(a, p >> 12) == to_pfn(b, q >> 12) &&
                  to_pfn(a, p >> 12) != UINT64_MAX);
        } else {
            eq = memcmp(x + fd->off, y + fd->off, fd->len) == 0;
        }
        bool must = fd->kind == SAME || fd->kind == FRAMES ||
                    fd->kind == SAMEMASK;
        /* SAMEMASK: the bits that may differ, named when they do */
        bool masked = fd->kind == SAMEMASK && eq &&
                      xs_le64(x + fd->off) != xs_le64(y + fd->off);
        printf("vcpu %zu %-22s %s%s%s\n", v, fd->name,
               masked ? "equal but for" : eq ? "equal"
                                             : must ? "DIFFER" : "differ",
               (!eq || masked) && fd->why ? masked ? " " : ": " : "",
               (!eq || masked) && fd->why ? fd->why : "");
        bad += must && !eq;
    }
    return bad;
}

/* The vCPU contexts of two PV or two HVM dumps; false when a field that
 * must be equal is not, the vCPU counts differ, or the guest types. */
static bool vcpus(struct core *a, struct core *b)
{
    if (a->magic != b->magic ||
        (a->magic != XC_CORE_MAGIC && a->magic != XC_CORE_MAGIC_HVM)) {
        printf("vcpus: header magic 0x%llx in A, 0x%llx in B: DIFFER\n",
               (unsigned long long)a->magic, (unsigned long long)b->magic);
        return false;
    }
    bool hvm = a->magic == XC_CORE_MAGIC_HVM;
    const struct field *fields = hvm ? hvm_fields : pv_fields;
    size_t nf = hvm ? sizeof(hvm_fields) / sizeof(hvm_fields[0])
                    : sizeof(pv_fields) / sizeof(pv_fields[0]);
    size_t na = a->prsz / VGC_SIZE, nb = b->prsz / VGC_SIZE;
    if (na != nb || na != a->nr_vcpus || nb != b->nr_vcpus) {
        printf("vcpus: %zu (header %llu) in A, %zu (header %llu) in B: "
               "DIFFER\n", na, (unsigned long long)a->nr_vcpus, nb,
               (unsigned long long)b->nr_vcpus);
        return false;
    }
    struct core *cs[2] = {a, b};
    for (int k = 0; k < 2; k++) {
        struct core *c = cs[k];
        c->by_gmfn = calloc(c->npages ? c->npages : 1, sizeof(size_t));
        if (!c->by_gmfn)
            return false;
        for (size_t i = 0; i < c->npages; i++)
            c->by_gmfn[i] = i;
        qsort_r(c->by_gmfn, c->npages, sizeof(size_t), by_gmfn, c->gmfn);
    }
    unsigned bad = 0;
    for (size_t v = 0; v < na; v++)
        bad += vcpu_fields(a, b, v, fields, nf);
    printf("vcpus: %zu, fields that must be equal and differ: %u\n", na, bad);
    return bad == 0;
}

/* What a page that only one dump holds looks like: the shared info
 * frame (the same bytes as .xen_shared_info, but for the time fields
 * that move between the two reads), a grant table v1 frame (8-byte
 * grant_entry_v1 {flags, domid, frame}, the used ones granting to dom0,
 * among them entry 1, the xenstore page xc_dom_gnttab_seed() grants),
 * all zero, or its first bytes.  The first two are frames of Xen's that
 * an HVM guest maps into its physmap (XENMAPSPACE_shared_info,
 * _grant_table): xl dump-core, which maps every gfn it can, has them;
 * a save has no copy (they are not the guest's RAM, and the restored
 * guest maps them again when it resumes).  true for those. */
static bool describe(const struct core *c, size_t page, bool say)
{
    const uint8_t *p = c->pages + page * (size_t)PAGE;
    if (c->shinfo && c->shsz >= PAGE) {
        /* of the bytes not zero in either, most the same */
        size_t eq = 0, nz = 0;
        for (size_t k = 0; k < PAGE; k++) {
            nz += p[k] || c->shinfo[k];
            eq += (p[k] || c->shinfo[k]) && p[k] == c->shinfo[k];
        }
        if (nz >= 16 && eq >= nz * 3 / 4) {
            if (say)
                printf("    the shared info frame: %zu of the %zu bytes "
                       "not zero equal to .xen_shared_info's\n", eq, nz);
            return true;
        }
    }
    size_t used = 0, dom0 = 0, zero = 0;
    for (size_t k = 0; k < PAGE; k += 8) {
        uint16_t flags = xs_le16(p + k), domid = xs_le16(p + k + 2);
        used += flags != 0;
        dom0 += flags != 0 && domid == 0 && (flags & 3) &&
                !(flags & 0xfc00); /* GTF_* bits only */
    }
    for (size_t k = 0; k < PAGE; k++)
        zero += !p[k];
    if (used && dom0 == used && xs_le16(p + 8)) {
        if (say)
            printf("    a grant table v1 frame: %zu entries in use, each "
                   "granting to dom0 (entry 1: flags 0x%x frame 0x%x)\n",
                   used, xs_le16(p + 8), xs_le32(p + 12));
        return true;
    }
    if (!say)
        return false;
    printf("    %zu of %u bytes zero; first bytes:", zero, PAGE);
    for (size_t k = 0; k < 32; k++)
        printf(" %02x", p[k]);
    printf("\n");
    return false;
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
    /* of two HVM dumps, xl's may have .xen_shared_info: xg_core.c maps
     * the domain's shared info frame where it can, and an HVM save has
     * no copy of that page (it is not guest RAM), so the export cannot
     * write it; the section is optional (dump-core-format.txt) */
    static const char shi[] = " .xen_shared_info";
    char *at = strstr(na, shi);
    if (!same_layout && a.magic == XC_CORE_MAGIC_HVM &&
        b.magic == XC_CORE_MAGIC_HVM && at && !strstr(nb, shi) &&
        strcmp(ta, tb) == 0) {
        memmove(at, at + strlen(shi), strlen(at + strlen(shi)) + 1);
        same_layout = strcmp(na, nb) == 0;
        if (same_layout)
            printf("sections: .xen_shared_info only in %s (an HVM "
                   "domain's shared info page is not in its save)\n",
                   a.path);
    }
    printf("sections and note types: %s\n", same_layout ? "the same" : "DIFFER");

    size_t *ia = sorted(&a), *ib = sorted(&b);
    if (!ia || !ib)
        return fail("memory", "out of memory");
    /* xg_core.c pads a dump whose guest gave fewer pages than nr_pages
     * with zero pages of pfn XC_CORE_INVALID_PFN (~0): not pfns, left
     * out (sorted last) */
    size_t pa_n = a.npages, pb_n = b.npages;
    while (pa_n && a.pfn[ia[pa_n - 1]] == UINT64_MAX)
        pa_n--;
    while (pb_n && b.pfn[ib[pb_n - 1]] == UINT64_MAX)
        pb_n--;
    if (pa_n < a.npages || pb_n < b.npages)
        printf("padding pages (pfn ~0): %zu in %s, %zu in %s\n",
               a.npages - pa_n, a.path, b.npages - pb_n, b.path);
    /* of two HVM dumps, Xen's frames in the guest's physmap are only in
     * the one xl wrote (describe()): named, and not counted */
    bool hvm = a.magic == XC_CORE_MAGIC_HVM && b.magic == XC_CORE_MAGIC_HVM;
    size_t i = 0, j = 0, common = 0, same = 0, only_a = 0, only_b = 0;
    size_t xen_frames = 0, shown = 0;
    while (i < pa_n || j < pb_n) {
        if (j >= pb_n || (i < pa_n && a.pfn[ia[i]] < b.pfn[ib[j]])) {
            bool say = shown++ < 8;
            if (say)
                printf("pfn 0x%llx only in %s\n",
                       (unsigned long long)a.pfn[ia[i]], a.path);
            if (describe(&a, ia[i], say) && hvm && a.shinfo)
                xen_frames++;
            else
                only_a++;
            i++;
        } else if (i >= pa_n || b.pfn[ib[j]] < a.pfn[ia[i]]) {
            if (shown++ < 8) {
                printf("pfn 0x%llx only in %s\n",
                       (unsigned long long)b.pfn[ib[j]], b.path);
                describe(&b, ib[j], true);
            }
            only_b++;
            j++;
        } else {
            common++;
            same += memcmp(a.pages + ia[i] * (size_t)PAGE,
                           b.pages + ib[j] * (size_t)PAGE, PAGE) == 0;
            i++, j++;
        }
    }
    double pct = common ? 100.0 * (double)same / (double)common : 0.0;
    if (xen_frames)
        printf("pfns of Xen's frames (shared info, grant table) only in %s: "
               "%zu (an HVM guest maps them into its physmap; a save has "
               "no copy)\n", a.path, xen_frames);
    printf("pfns: %zu in %s, %zu in %s, %zu in both, %zu only in A, %zu "
           "only in B\npages identical: %zu of %zu (%.2f%%, at least %g%% "
           "wanted)\n", pa_n - xen_frames, a.path, pb_n, b.path, common,
           only_a, only_b, same, common, pct, min);
    free(ia);
    free(ib);
    bool vcpus_ok = vcpus(&a, &b);
    return same_layout && vcpus_ok && !only_a && !only_b && pct >= min ? 0 : 1;
}
