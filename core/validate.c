/* Stream-state rules of a libxc stream.  Each rule names the Xen source it
 * comes from; "spec" is docs/specs/libxc-migration-stream.pandoc. */
#include "validate.h"

#include <stdlib.h>
#include <string.h>

#include "endian.h"

void xs_validate_init(struct xs_validate *v, struct xs_report *rep,
                      struct xs_summary *sum, unsigned version,
                      uint32_t guest)
{
    *v = (struct xs_validate){.rep = rep, .sum = sum, .version = version,
                              .guest = guest, .pte_reported = -1};
    xs_pfn_map_init(&v->types, XS_PFN_RUNS_MAX);
}

void xs_validate_free(struct xs_validate *v)
{
    xs_buf_free(&v->frames);
    for (unsigned l = 0; l < XS_FRAME_LEVELS; l++)
        xs_buf_free(&v->frames_up[l]);
    v->frame_levels = 0;
    xs_pfn_map_free(&v->types);
    xs_buf_free(&v->page_records);
}

/* The p2m frame pfns are kept sorted, each as pfn << 1 | arrived, where
 * arrived says its last page data was an ordinary (NOTAB) page. */
static int cmp_u64(const void *a, const void *b)
{
    uint64_t x, y;
    memcpy(&x, a, 8);
    memcpy(&y, b, 8);
    return x < y ? -1 : x > y;
}

/* The pfn entries of a PAGE_DATA record (held >= 8) that are held. */
static uint32_t held_pfns(const struct xs_record *r)
{
    uint32_t count = xs_le32(r->body);
    uint64_t held = (r->held - 8) / 8;
    return count < held ? count : (uint32_t)held;
}

/* The frame pfns are kept in levels: v->frames, then v->frames_up[0..]
 * (later X86_PV_P2M_FRAMES records), each sorted without repeats, each
 * more than twice the size of the one after it.  A record's frames become
 * a new last level, merged first with every last level at most twice its
 * size (as a binary counter carries): each frame takes part in O(log n)
 * merges, so many records cost O(n log n) in all, where sorting all the
 * frames again at each record was quadratic (87000 one-frame records of a
 * 2 MB stream: minutes).  One record, as a save writes it, is one level. */
static struct xs_buf *frame_level(struct xs_validate *v, unsigned i)
{
    return i == 0 ? &v->frames : &v->frames_up[i - 1];
}

static size_t nframes(const struct xs_buf *b) { return b->len / 8; }

static uint64_t frame_at(const struct xs_buf *b, size_t i)
{
    uint64_t x;
    memcpy(&x, b->p + 8 * i, 8);
    return x;
}

static void frame_set(struct xs_buf *b, size_t i, uint64_t x)
{
    memcpy(b->p + 8 * i, &x, 8);
}

/* Index of the first p2m frame pfn at or above pfn, searched from from
 * on: a record's runs ascend, so each search starts where the last one
 * ended, and the common answer (that very place) costs one comparison. */
static size_t frame_lower(const struct xs_buf *b, uint64_t pfn, size_t from)
{
    size_t lo = from, hi = nframes(b);
    if (lo > hi || (lo > 0 && frame_at(b, lo - 1) >> 1 >= pfn))
        lo = 0; /* the pfns went back: search them all */
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (frame_at(b, mid) >> 1 < pfn)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

/* x and y merged into out, one entry per pfn; a frame that already
 * arrived stays arrived (a pfn listed again keeps what its page data
 * said).  XS_IO when out of memory. */
static int frames_merge(const struct xs_buf *x, const struct xs_buf *y,
                        struct xs_buf *out)
{
    size_t i = 0, j = 0, k = 0, nx = nframes(x), ny = nframes(y);
    if (xs_buf_reserve(out, 8 * (nx + ny)) != XS_OK)
        return XS_IO;
    while (i < nx || j < ny) {
        uint64_t f;
        if (j == ny || (i < nx && frame_at(x, i) >> 1 < frame_at(y, j) >> 1))
            f = frame_at(x, i++);
        else if (i == nx || frame_at(y, j) >> 1 < frame_at(x, i) >> 1)
            f = frame_at(y, j++);
        else
            f = frame_at(x, i++) | frame_at(y, j++);
        if (k && frame_at(out, k - 1) >> 1 == f >> 1)
            frame_set(out, k - 1, frame_at(out, k - 1) | (f & 1));
        else
            frame_set(out, k++, f);
    }
    out->len = 8 * k;
    return XS_OK;
}

/* The sorted frames in add become the last level, merged with the levels
 * it outgrows; add is taken (emptied).  Out of memory: the frames are
 * dropped and the check is weaker, not wrong. */
static void frames_push(struct xs_validate *v, struct xs_buf *add)
{
    while (v->frame_levels > 0 &&
           nframes(frame_level(v, v->frame_levels - 1)) <= 2 * nframes(add)) {
        struct xs_buf *top = frame_level(v, v->frame_levels - 1), m = {0};
        if (frames_merge(top, add, &m) != XS_OK) {
            xs_buf_free(&m);
            xs_buf_free(add);
            return;
        }
        xs_buf_free(top);
        xs_buf_free(add);
        *add = m;
        v->frame_levels--;
    }
    if (v->frame_levels > XS_FRAME_LEVELS) { /* cannot be: sizes double */
        xs_buf_free(add);
        return;
    }
    *frame_level(v, v->frame_levels++) = *add;
    *add = (struct xs_buf){0};
}

/* X86_PV_P2M_FRAMES: remember the frame pfns (handle_x86_pv_p2m_frames()
 * stores them; update_guest_p2m() checks them at the end). */
static void note_p2m_frames(struct xs_validate *v, const struct xs_record *r)
{
    uint64_t end = xs_le32(r->body + 4);
    if (end > v->max_pfn)
        v->max_pfn = end;
    v->p2m_known = true;
    v->frames_at = r->offset;
    v->frames_index = r->index;
    size_t add = (r->held - 8) / 8;
    struct xs_buf b = {0};
    if (!add || xs_buf_reserve(&b, 8 * add) != XS_OK)
        return; /* out of memory: the check is skipped, not wrong */
    for (size_t i = 0; i < add; i++)
        frame_set(&b, i, (xs_le64(r->body + 8 + 8 * i) & XS_PFN_MASK) << 1);
    qsort(b.p, add, 8, cmp_u64);
    size_t k = 0; /* one entry per pfn */
    for (size_t i = 0; i < add; i++)
        if (!k || frame_at(&b, k - 1) != frame_at(&b, i))
            frame_set(&b, k++, frame_at(&b, i));
    b.len = 8 * k;
    frames_push(v, &b);
}

/* All levels merged into v->frames (at the end of the stream). */
static void frames_collapse(struct xs_validate *v)
{
    while (v->frame_levels > 1) {
        struct xs_buf *top = frame_level(v, v->frame_levels - 1);
        struct xs_buf *below = frame_level(v, v->frame_levels - 2), m = {0};
        if (frames_merge(below, top, &m) != XS_OK) {
            xs_buf_free(&m);
            return; /* the lowest frame not arrived is looked for in all */
        }
        xs_buf_free(below);
        xs_buf_free(top);
        *below = m;
        v->frame_levels--;
    }
}

static void check_frames_arrived(struct xs_validate *v, const char *name)
{
    /* update_guest_p2m(): each p2m frame pfn must be in range and have
     * arrived as an ordinary page */
    frames_collapse(v);
    if (v->frame_levels != 1)
        return; /* no frames, or out of memory merging them */
    for (size_t i = 0; i < nframes(&v->frames); i++) {
        if (frame_at(&v->frames, i) & 1)
            continue;
        xs_report_add(v->rep, XS_SEV_ERROR, "libxc.p2m_frames.missing",
                      v->frames_at, v->frames_index, "X86_PV_P2M_FRAMES",
                      "p2m frame pfn 0x%llx never arrives as an ordinary "
                      "page (PAGE_DATA type NOTAB): the restore fails at %s "
                      "(update_guest_p2m)",
                      (unsigned long long)(frame_at(&v->frames, i) >> 1),
                      name);
        return;
    }
}

void xs_validate_type_set(struct xs_validate *v, uint64_t pfn, unsigned type)
{
    xs_pfn_map_set(&v->types, pfn, type);
}

int xs_validate_type_get(const struct xs_validate *v, uint64_t pfn)
{
    return xs_pfn_map_get(&v->types, pfn);
}

/* PAGE_DATA of a PV guest: pfns within the p2m (handle_page_data():
 * "outside domain maximum"), and which p2m frames arrived; a run of
 * entries (xs_pfn_run) at a time. */
static void check_pv_pfns(struct xs_validate *v, const struct xs_record *r,
                          const char *name)
{
    uint32_t count = held_pfns(r);
    const uint8_t *pfns = r->body + 8;
    bool reported = false;
    size_t cursor[XS_FRAME_LEVELS + 1] = {0};
    v->pt_pages = 0;
    v->rec_min_pfn = UINT64_MAX;
    v->rec_max_pfn = 0;
    for (uint32_t i = 0, n; i < count; i += n) {
        n = xs_pfn_run(pfns, i, count);
        uint64_t e = xs_le64(pfns + 8 * (size_t)i);
        uint64_t pfn = e & XS_PFN_MASK, last = pfn + n - 1;
        unsigned t = xs_pfn_type(e);
        if (v->p2m_known && last > v->max_pfn && !reported) {
            /* the run's first entry beyond the p2m */
            uint64_t k = pfn > v->max_pfn ? 0 : v->max_pfn + 1 - pfn;
            uint64_t entry = i + k, bad = pfn + k;
            xs_report_add(v->rep, XS_SEV_ERROR, "libxc.page_data.pfn_range",
                          r->offset + 16 + 8 * entry, r->index, name,
                          "pfn[%llu] = 0x%llx is beyond the p2m's last pfn "
                          "0x%llx: the restore refuses it (outside domain "
                          "maximum)",
                          (unsigned long long)entry, (unsigned long long)bad,
                          (unsigned long long)v->max_pfn);
            reported = true;
        }
        if (xs_pfinfo_has_data(t)) {
            if ((t & 7u) >= 1)
                v->pt_pages += n;
            if (pfn < v->rec_min_pfn)
                v->rec_min_pfn = pfn;
            if (last > v->rec_max_pfn)
                v->rec_max_pfn = last;
        }
        /* the p2m frames among pfn..last: arrived as ordinary pages, or
         * overwritten by something else */
        for (unsigned l = 0; l < v->frame_levels; l++) {
            struct xs_buf *b = frame_level(v, l);
            size_t f = frame_lower(b, pfn, cursor[l]);
            for (; f < nframes(b) && frame_at(b, f) >> 1 <= last; f++)
                frame_set(b, f, (frame_at(b, f) >> 1) << 1 |
                                    (t == XS_PF_NOTAB));
            cursor[l] = f;
        }
        xs_pfn_map_set_range(&v->types, pfn, last, t);
    }
}

/* A PV vCPU's basic context as process_vcpu_basic() and
 * process_start_info() (xg_sr_restore_x86_pv.c) convert it at the end of
 * the stream: the start info pfn (vcpu 0's edx), the GDT frames and cr3
 * (and a 64-bit guest's user cr1) must lie within the p2m, and the GDT
 * may not reach Xen's reserved entries.  Field offsets are those of
 * vcpu_guest_context_x86_{32,64}_t (public/arch-x86/xen-x86_{32,64}.h). */
#define XS_FIRST_RESERVED_GDT_ENTRY (14u * 4096u / 8u)

static uint64_t ctx_field(const uint8_t *c, unsigned width, uint32_t off)
{
    return width == 8 ? xs_le64(c + off) : xs_le32(c + off);
}

/* What no domain can have, config or not: arch_sanitise_domain_config()
 * (xen/arch/x86/domain.c, RELEASE-4.17.0 to RELEASE-4.22.0) refuses
 * max_vcpus over HVM_MAX_VCPUS (128, public/hvm/hvm_info_table.h) for an
 * HVM domain and MAX_VIRT_CPUS (8192: GDT_LDT_MBYTES << (20 -
 * GDT_LDT_VCPU_VA_SHIFT), asm/config.h) for a PV one. */
#define XS_PV_MAX_VCPUS 8192u
#define XS_HVM_MAX_VCPUS 128u

/* The domain a restore fills is made from the image's xl config: a vCPU
 * the config does not give it is refused (xg_sr_restore_x86_pv.c
 * handle_x86_pv_vcpu_blob(): "vcpu_id exceeds domain max"; for an HVM CPU
 * descriptor, Xen's hvm_load(): "has no vcpu").  Without a config the
 * domain's size is the toolstack's, not in the bytes: only Xen's own
 * limits (above) apply. */
static void check_vcpu_id(struct xs_validate *v, const struct xs_record *r,
                          const char *name, uint64_t id, uint64_t at,
                          bool hvm)
{
    const struct xs_summary *s = v->sum;
    unsigned cap = hvm ? XS_HVM_MAX_VCPUS : XS_PV_MAX_VCPUS;
    if (!v->vcpu_id_reported && id >= cap) {
        v->vcpu_id_reported = true;
        xs_report_add(v->rep, XS_SEV_ERROR, "libxc.vcpu.id_range", at,
                      r->index, name,
                      "vcpu %llu, but Xen gives %s domain at most %u "
                      "vCPUs: no restore can take it",
                      (unsigned long long)id, hvm ? "an HVM" : "a PV", cap);
        return;
    }
    /* libxl_create.c libxl__domain_build_info_setdefault(): "if
     * (!b_info->max_vcpus) b_info->max_vcpus = 1;" */
    int64_t max = s->cfg_vcpus == 0 ? 1 : s->cfg_vcpus;
    if (v->vcpu_id_reported || !s->have_config || s->cfg_vcpus < 0 ||
        id < (uint64_t)max)
        return;
    v->vcpu_id_reported = true;
    if (s->cfg_vcpus == 0)
        xs_report_add(v->rep, XS_SEV_ERROR, "libxc.vcpu.id_range", at,
                      r->index, name,
                      "vcpu %llu, but the xl config's vCPU count is 0, "
                      "which libxl makes 1: the restore refuses it",
                      (unsigned long long)id);
    else
        xs_report_add(v->rep, XS_SEV_ERROR, "libxc.vcpu.id_range", at,
                      r->index, name,
                      "vcpu %llu, but the xl config gives the domain %lld "
                      "vCPUs (max): the restore refuses it",
                      (unsigned long long)id, (long long)s->cfg_vcpus);
}

static void check_vcpu_basic(struct xs_validate *v, const struct xs_record *r,
                             const char *name)
{
    const unsigned w = v->width;
    const uint8_t *c = r->body + 8;
    const uint32_t edx = w == 8 ? 616 : 524, gdt_frames = w == 8 ? 4832 : 2640,
                   gdt_ents = w == 8 ? 4960 : 2704, cr = w == 8 ? 4984 : 2716;
    const uint64_t at = r->offset + 16;
    uint32_t vcpu = xs_le32(r->body);

    /* An ordinary page (start info, GDT frames) must not have arrived as
     * another type; a page-table root must have arrived as a page table of
     * the guest's levels ("has bad type"). */
    const char *bad = NULL;
    uint64_t bad_pfn = 0;
    uint32_t bad_at = 0;
    unsigned levels = w == 8 ? 4 : 3;
    if (!v->types.full && vcpu == 0 && ctx_field(c, w, edx) <= v->max_pfn) {
        int t = xs_validate_type_get(v, ctx_field(c, w, edx));
        if (t > 0)
            bad = "start info page", bad_pfn = ctx_field(c, w, edx),
            bad_at = edx;
        /* process_start_info(): a pfn no page data populated has no mfn
         * ("Start Info has bad mfn"), or, if a page table's entry made
         * the restore populate it, is a page of zeroes whose xenstore and
         * console pfns the guest then gets as 0: wrong either way */
        if (t < 0)
            xs_report_add(v->rep, XS_SEV_ERROR, "libxc.start_info.missing",
                          at + edx, r->index, name,
                          "vcpu 0's start info pfn 0x%llx never arrives as "
                          "page data: the restore finds no page there "
                          "(\"Start Info has bad mfn\") or a page of zeroes",
                          (unsigned long long)ctx_field(c, w, edx));
    }
    if (vcpu == 0) {
        v->start_info_known = ctx_field(c, w, edx) <= v->max_pfn;
        v->start_info_pfn = ctx_field(c, w, edx);
        v->start_info_at = at + edx;
        v->start_info_index = r->index;
    }
    if (vcpu == 0 && ctx_field(c, w, edx) > v->max_pfn) {
        xs_report_add(v->rep, XS_SEV_ERROR, "libxc.vcpu.start_info",
                      at + edx, r->index, name,
                      "vcpu 0's start info pfn 0x%llx is beyond the p2m's "
                      "last pfn 0x%llx: the restore refuses it",
                      (unsigned long long)ctx_field(c, w, edx),
                      (unsigned long long)v->max_pfn);
        return;
    }
    uint64_t ents = ctx_field(c, w, gdt_ents);
    if (ents > XS_FIRST_RESERVED_GDT_ENTRY) {
        xs_report_add(v->rep, XS_SEV_ERROR, "libxc.vcpu.gdt",
                      at + gdt_ents, r->index, name,
                      "vcpu %u has %llu GDT entries, more than the %u below "
                      "Xen's reserved ones: the restore refuses it",
                      vcpu, (unsigned long long)ents,
                      XS_FIRST_RESERVED_GDT_ENTRY);
        return;
    }
    for (uint64_t f = 0; f < (ents + 511) / 512; f++) {
        uint64_t pfn = ctx_field(c, w, gdt_frames + (uint32_t)(f * w));
        int t = v->types.full ? 0 : xs_validate_type_get(v, pfn);
        /* a frame of another type, or one no page data populated */
        if (!bad && pfn <= v->max_pfn && t != 0)
            bad = "GDT frame", bad_pfn = pfn,
            bad_at = gdt_frames + (uint32_t)(f * w);
        if (pfn > v->max_pfn) {
            xs_report_add(v->rep, XS_SEV_ERROR, "libxc.vcpu.gdt",
                          at + gdt_frames + f * w, r->index, name,
                          "vcpu %u's GDT frame %llu (pfn 0x%llx) is beyond "
                          "the p2m's last pfn 0x%llx: the restore refuses it",
                          vcpu, (unsigned long long)f,
                          (unsigned long long)pfn,
                          (unsigned long long)v->max_pfn);
            return;
        }
    }
    /* cr3_to_mfn(): a PAE guest's cr3 packs a wider frame number */
    uint64_t cr3 = ctx_field(c, w, cr + 3 * w);
    uint64_t pfn = w == 8 ? cr3 >> 12
                          : (uint32_t)((cr3 >> 12) | (cr3 << 20));
    if (pfn > v->max_pfn) {
        xs_report_add(v->rep, XS_SEV_ERROR, "libxc.vcpu.cr3", at + cr + 3 * (uint64_t)w,
                      r->index, name,
                      "vcpu %u's cr3 (pfn 0x%llx) is beyond the p2m's last "
                      "pfn 0x%llx: the restore refuses it",
                      vcpu, (unsigned long long)pfn,
                      (unsigned long long)v->max_pfn);
        return;
    }
    int t = v->types.full ? (int)levels : xs_validate_type_get(v, pfn);
    if (!bad && (t < 0 ? 0u : (unsigned)t & 7u) != levels)
        bad = "page-table root (cr3)", bad_pfn = pfn, bad_at = cr + 3 * w;
    uint64_t cr1 = ctx_field(c, w, cr + w);
    if (w == 8 && (cr1 & 1) && cr1 >> 12 > v->max_pfn) {
        xs_report_add(v->rep, XS_SEV_ERROR, "libxc.vcpu.cr1", at + cr + w,
                      r->index, name,
                      "vcpu %u's user page table (cr1 pfn 0x%llx) is beyond "
                      "the p2m's last pfn 0x%llx: the restore refuses it",
                      vcpu, (unsigned long long)(cr1 >> 12),
                      (unsigned long long)v->max_pfn);
        return;
    }
    if (w == 8 && (cr1 & 1) && !bad && !v->types.full) {
        t = xs_validate_type_get(v, cr1 >> 12);
        if ((t < 0 ? 0u : (unsigned)t & 7u) != levels)
            bad = "user page-table root (cr1)", bad_pfn = cr1 >> 12,
            bad_at = cr + w;
    }
    if (bad) {
        int bt = v->types.full ? -1 : xs_validate_type_get(v, bad_pfn);
        xs_report_add(v->rep, XS_SEV_ERROR, "libxc.vcpu.pfn_type",
                      at + bad_at, r->index, name,
                      "vcpu %u's %s, pfn 0x%llx, %s%s: the restore refuses "
                      "it (%s)",
                      vcpu, bad, (unsigned long long)bad_pfn,
                      bt < 0 ? "never arrives as a page"
                             : "arrives as a page of type ",
                      bt < 0 ? "" : xs_pfinfo_name((unsigned)bt)
                                        ? xs_pfinfo_name((unsigned)bt)
                                        : "?",
                      bt < 0 ? "\"has bad mfn\", or a page of zeroes"
                             : "\"has bad type\"");
    }
}

bool xs_validate_start_info_wanted(const struct xs_validate *v)
{
    /* process_start_info() (xg_sr_restore_x86_pv.c, RELEASE-4.17.0) maps
     * the page only when its pfn's type is NOTAB and it has an mfn; a pfn
     * last sent as another type, or never, was refused at vcpu 0's
     * context (libxc.vcpu.pfn_type, libxc.start_info.missing) */
    return v->guest == XS_GUEST_X86_PV && v->start_info_known &&
           (v->types.full ||
            xs_validate_type_get(v, v->start_info_pfn) == XS_PF_NOTAB);
}

void xs_validate_start_info(struct xs_validate *v, const uint8_t *page,
                            uint64_t at, int64_t index)
{
    /* The domain builder writes the guest type, "xen-3.0-x86_64" or
     * "xen-3.0-x86_32p", into start_info.magic (xg_dom_x86.c
     * start_info_x86_{32,64}(), RELEASE-4.17.0) and nothing clears it: a
     * page without it is not the page Xen built.  A pipe keeps only pages
     * with the magic, so that is all any input is judged by here. */
    if (!page || memcmp(page, "xen-", 4) != 0) {
        xs_report_add(v->rep, XS_SEV_ERROR, "libxc.start_info.magic",
                      v->start_info_at, v->start_info_index,
                      "X86_PV_VCPU_BASIC",
                      "vcpu 0's start info page, pfn 0x%llx, as last sent "
                      "lacks start_info's magic \"xen-\": not the page Xen "
                      "built, yet the restore takes the guest's xenstore and "
                      "console pfns from it",
                      (unsigned long long)v->start_info_pfn);
        return;
    }
    /* struct start_info (public/xen.h): store_mfn and console.domU.mfn,
     * pfns in a saved image */
    static const struct {
        const char *what;
        uint32_t off64, off32;
    } f[] = {{"xenstore", 56, 44}, {"console", 72, 52}};
    for (unsigned i = 0; i < 2; i++) {
        uint32_t off = v->width == 8 ? f[i].off64 : f[i].off32;
        uint64_t pfn = ctx_field(page, v->width, off);
        if (pfn <= v->max_pfn)
            continue;
        xs_report_add(v->rep, XS_SEV_ERROR, "libxc.start_info.range",
                      at + off, index, "PAGE_DATA",
                      "the start info page (pfn 0x%llx) names %s pfn 0x%llx, "
                      "beyond the p2m's last pfn 0x%llx: the restore refuses "
                      "it",
                      (unsigned long long)v->start_info_pfn, f[i].what,
                      (unsigned long long)pfn,
                      (unsigned long long)v->max_pfn);
        return;
    }
}

void xs_validate_pt_page(struct xs_validate *v, const struct xs_record *r,
                         uint32_t entry, const uint8_t *page, uint64_t at)
{
    uint64_t e = xs_le64(r->body + 8 + 8 * (size_t)entry);
    unsigned level = xs_pfn_type(e) & 7u;
    char nb[32];
    if (v->pte_reported == r->index || !v->p2m_known)
        return;
    /* First whether any present entry (_PAGE_PRESENT) names a frame
     * (pte_to_frame(): bits 12-51) beyond the p2m, in one pass without
     * branches or compares, so that it vectorizes (frame and limit are
     * below 2^63: frame - limit has bit 63 set exactly when frame <
     * limit); the entry itself is looked for only then. */
    const uint64_t frame_bits = 0x000ffffffffff000ULL;
    uint64_t limit = (v->max_pfn + 1) << 12, beyond = 0;
    for (unsigned i = 0; i < XS_PAGE_SIZE / 8; i++) {
        uint64_t pte = xs_le64(page + 8 * (size_t)i);
        beyond |= pte & ~(((pte & frame_bits) - limit) >> 63);
    }
    beyond &= 1;
    if (!beyond)
        return;
    for (unsigned i = 0; i < XS_PAGE_SIZE / 8; i++) {
        uint64_t pte = xs_le64(page + 8 * (size_t)i);
        if (!(pte & 1))
            continue;
        uint64_t pfn = (pte & frame_bits) >> 12;
        if (pfn <= v->max_pfn)
            continue;
        xs_report_add(v->rep, XS_SEV_ERROR, "libxc.pte.range", at + 8 * (uint64_t)i,
                      r->index, xs_libxc_rec_name(r->type, nb),
                      "L%u page-table page pfn 0x%llx: entry %u = 0x%016llx "
                      "points at pfn 0x%llx, beyond the p2m's last pfn "
                      "0x%llx: the restore cannot localise it",
                      level, (unsigned long long)(e & XS_PFN_MASK), i,
                      (unsigned long long)pte, (unsigned long long)pfn,
                      (unsigned long long)v->max_pfn);
        v->pte_reported = r->index;
        return;
    }
}

/* The facts info shows, counted as records pass (no extra reads). */
static void count_facts(struct xs_validate *v, const struct xs_record *r)
{
    struct xs_summary *s = v->sum;
    s->rec_count[r->type < XS_REC_NR_KNOWN ? r->type : XS_REC_NR_KNOWN]++;
    if (xs_libxc_is_empty_vcpu_blob(r))
        s->empty_vcpu_blobs++;
    switch (r->type) {
    case XS_REC_PAGE_DATA:
        if (r->held >= 8) {
            uint32_t count = held_pfns(r);
            for (uint32_t i = 0, n; i < count; i += n) {
                n = xs_pfn_run(r->body + 8, i, count);
                uint64_t e = xs_le64(r->body + 8 + 8 * (size_t)i);
                uint64_t last = (e & XS_PFN_MASK) + n - 1;
                uint64_t data = xs_pfinfo_has_data(xs_pfn_type(e)) ? n : 0;
                s->page_types[xs_pfn_type(e)] += n;
                s->pages += data;
                v->data_pages += data;
                if (last > s->max_pfn)
                    s->max_pfn = last;
            }
        }
        break;
    case XS_REC_X86_PV_INFO:
        if (r->held >= 2 && !s->pv_width) {
            s->pv_width = r->body[0];
            s->pv_levels = r->body[1];
        }
        break;
    case XS_REC_X86_PV_P2M_FRAMES:
        if (r->held >= 8 && xs_le32(r->body + 4) > s->p2m_end_pfn)
            s->p2m_end_pfn = xs_le32(r->body + 4);
        break;
    case XS_REC_X86_PV_VCPU_BASIC:
        /* an id of 2^32 - 1 (refused: check_vcpu_id()) must not wrap */
        if (r->held >= 4 && xs_le32(r->body) >= s->vcpus &&
            xs_le32(r->body) < UINT32_MAX)
            s->vcpus = xs_le32(r->body) + 1;
        break;
    case XS_REC_HVM_CONTEXT:
        /* HVM save descriptors: typecode u16, instance u16, length u32
         * (public/arch-x86/hvm/save.h); CPU is typecode 2. */
        for (uint64_t at = 0; at + 8 <= r->held;) {
            uint16_t code = xs_le16(r->body + at);
            uint16_t inst = xs_le16(r->body + at + 2);
            if (code == 2 && inst >= s->vcpus)
                s->vcpus = inst + 1u;
            if (code == 0)
                break;
            at += 8 + (uint64_t)xs_le32(r->body + at + 4);
        }
        break;
    case XS_REC_CHECKPOINT:
        s->checkpoints++;
        break;
    default:
        break;
    }
}

#define ERR(v, r, rule, ...)                                                 \
    xs_report_add((v)->rep, XS_SEV_ERROR, rule, (r)->offset, (r)->index,     \
                  name, __VA_ARGS__)
#define WARN(v, r, rule, ...)                                                \
    xs_report_add((v)->rep, XS_SEV_WARNING, rule, (r)->offset, (r)->index,   \
                  name, __VA_ARGS__)

static void check_complete(struct xs_validate *v, const struct xs_record *r,
                           const char *name)
{
    /* x86_pv_stream_complete(): update_vcpu_context() refuses a stream
     * without vcpu0's basic state; the spec requires X86_PV_INFO,
     * X86_PV_P2M_FRAMES and SHARED_INFO for the guest to come back.
     * x86_hvm_stream_complete() needs the HVM context. */
    if (v->guest == XS_GUEST_X86_PV) {
        if (!v->pv_info)
            ERR(v, r, "libxc.incomplete", "PV stream ends without X86_PV_INFO");
        if (!v->p2m)
            ERR(v, r, "libxc.incomplete",
                "PV stream ends without X86_PV_P2M_FRAMES");
        if (!v->shared_info)
            ERR(v, r, "libxc.incomplete", "PV stream ends without SHARED_INFO");
        if (!v->vcpu0_basic)
            ERR(v, r, "libxc.incomplete",
                "PV stream ends without vcpu 0's X86_PV_VCPU_BASIC");
    } else if (!v->hvm_context) {
        ERR(v, r, "libxc.incomplete", "HVM stream ends without HVM_CONTEXT");
    }
}

void xs_validate_record(struct xs_validate *v, const struct xs_record *r)
{
    char nb[32];
    const char *name = xs_libxc_rec_name(r->type, nb);
    uint32_t t = r->type;

    v->records++;
    v->pt_pages = 0;
    v->data_pages = 0;
    count_facts(v, r);
    xs_libxc_check_body(r, v->rep);

    if (!xs_libxc_rec_known(t))
        return;

    /* xg_sr_restore.c restore(): a mandatory record that the guest type's
     * process_record() does not handle fails the restore. */
    if (!xs_libxc_guest_handles(v->guest, t) && t != XS_REC_TOOLSTACK &&
        t != XS_REC_CHECKPOINT_DIRTY_PFN_LIST)
        ERR(v, r, "libxc.guest.unhandled",
            "%s records are not handled for %s guests: the restore refuses "
            "them",
            name, xs_libxc_guest_name(v->guest));

    /* spec "v3 compat with v2": STATIC_DATA_END and the CPU policy records
     * exist only from v3; a v2 stream carrying them means something else
     * than the same bytes in v3. */
    if (v->version < 3 && (t == XS_REC_STATIC_DATA_END ||
                           t == XS_REC_X86_CPUID_POLICY ||
                           t == XS_REC_X86_MSR_POLICY)) {
        ERR(v, r, "libxc.v2.v3_record",
            "%s in a v2 stream: it exists only from v3 (upgrade inserts "
            "STATIC_DATA_END itself)",
            name);
        return;
    }

    switch (t) {
    case XS_REC_STATIC_DATA_END:
        /* xg_sr_restore.c handle_static_data_end() */
        if (v->sde)
            ERR(v, r, "libxc.sde.duplicate",
                "second STATIC_DATA_END: the restore refuses it");
        v->sde = true;
        return;
    case XS_REC_X86_CPUID_POLICY:
    case XS_REC_X86_MSR_POLICY:
        /* xg_sr_common_x86.c x86_static_data_complete() applies the policy
         * once, at STATIC_DATA_END; a later record is silently dropped. */
        if (v->sde)
            ERR(v, r, "libxc.policy.after_sde",
                "%s after STATIC_DATA_END: Xen silently ignores it, so the "
                "guest would come back with another CPU policy",
                name);
        return;
    default:
        break;
    }

    if (xs_libxc_triggers_sde(v->guest, t) && !v->sde) {
        if (v->version >= 3) {
            /* handle_page_data(), handle_x86_pv_p2m_frames() */
            if (!v->sde_missing_reported)
                ERR(v, r, "libxc.sde.missing",
                    "%s before STATIC_DATA_END: a v3 restore refuses it", name);
            v->sde_missing_reported = true;
        } else {
            v->sde = true; /* inferred here, as Xen's restore does */
        }
    }

    switch (t) {
    case XS_REC_END:
    case XS_REC_CHECKPOINT:
        if (!v->sde && v->version < 3) {
            WARN(v, r, "libxc.sde.late",
                 "no PAGE_DATA%s before this %s: STATIC_DATA_END is inferred "
                 "here",
                 v->guest == XS_GUEST_X86_PV ? " or X86_PV_P2M_FRAMES" : "",
                 name);
            v->sde = true;
        } else if (!v->sde && !v->sde_missing_reported) {
            ERR(v, r, "libxc.sde.missing",
                "v3 stream reaches %s without STATIC_DATA_END", name);
            v->sde_missing_reported = true;
        }
        if (t == XS_REC_CHECKPOINT) {
            /* handle_checkpoint(): refused in a plain stream */
            WARN(v, r, "libxc.checkpoint",
                 "checkpointed stream: a plain restore (xl restore) refuses "
                 "it; only a Remus/COLO receiver accepts it");
        } else {
            check_complete(v, r, name);
            if (v->guest == XS_GUEST_X86_PV)
                check_frames_arrived(v, name);
        }
        break;
    case XS_REC_X86_PV_INFO:
        /* handle_x86_pv_info(): once, and before the p2m. */
        if (v->pv_info)
            ERR(v, r, "libxc.pv_info.duplicate",
                "second X86_PV_INFO: the restore refuses it");
        if (v->p2m)
            ERR(v, r, "libxc.pv_info.after_p2m",
                "X86_PV_INFO after X86_PV_P2M_FRAMES: the p2m was read with "
                "the wrong guest width");
        if (r->held >= 2 && !v->pv_info &&
            ((r->body[0] == 4 && r->body[1] == 3) ||
             (r->body[0] == 8 && r->body[1] == 4)))
            v->width = r->body[0];
        v->pv_info = true;
        break;
    case XS_REC_X86_PV_P2M_FRAMES:
        /* handle_x86_pv_p2m_frames() */
        if (!v->pv_info) {
            ERR(v, r, "libxc.p2m_frames.before_pv_info",
                "X86_PV_P2M_FRAMES before X86_PV_INFO: the restore refuses it");
        } else if (v->width && r->held >= 8 && r->length % 8 == 0) {
            uint32_t fpp = XS_PAGE_SIZE / v->width;
            uint32_t s = xs_le32(r->body), e = xs_le32(r->body + 4);
            if (s <= e) {
                uint64_t frames = (uint64_t)(e / fpp) - s / fpp + 1;
                if (r->length != 8 + frames * 8)
                    ERR(v, r, "libxc.p2m_frames.length",
                        "length %u, expected %llu for pfns 0x%x-0x%x of a "
                        "%u-bit guest",
                        r->length, 8 + (unsigned long long)frames * 8, s, e,
                        v->width * 8);
                else
                    note_p2m_frames(v, r);
            }
        }
        /* spec "x86 PV Guest": X86_PV_INFO, X86_PV_P2M_FRAMES, PAGE_DATA,
         * vCPU records, in this order */
        if (v->page_data && !v->p2m)
            ERR(v, r, "libxc.order.p2m_after_page_data",
                "X86_PV_P2M_FRAMES after PAGE_DATA: the pages were checked "
                "against an empty p2m");
        v->p2m = true;
        break;
    case XS_REC_X86_PV_VCPU_EXTENDED:
    case XS_REC_X86_PV_VCPU_XSAVE:
    case XS_REC_X86_PV_VCPU_MSRS:
        if (r->held >= 4)
            check_vcpu_id(v, r, name, xs_le32(r->body), r->offset + 8,
                          false);
        break;
    case XS_REC_X86_PV_VCPU_BASIC:
        if (r->held >= 4)
            check_vcpu_id(v, r, name, xs_le32(r->body), r->offset + 8,
                          false);
        if (v->pv_info && !v->page_data)
            ERR(v, r, "libxc.order.vcpu_before_page_data",
                "vcpu context before any PAGE_DATA: the spec requires the "
                "memory first");
        /* handle_x86_pv_vcpu_blob(): exactly one guest-width context */
        if (!v->pv_info) {
            ERR(v, r, "libxc.vcpu.before_pv_info",
                "vcpu context before X86_PV_INFO: its size cannot be known");
        } else if (v->width && r->length > 8) {
            uint32_t want =
                v->width == 8 ? XS_VCPU_CTX_X86_64 : XS_VCPU_CTX_X86_32;
            if (r->length - 8 != want)
                ERR(v, r, "libxc.vcpu.basic_size",
                    "basic context is %u bytes, a %u-bit guest's is %u",
                    r->length - 8, v->width * 8, want);
            else if (v->p2m_known && r->held == r->length)
                check_vcpu_basic(v, r, name);
        }
        if (r->held >= 8 && xs_le32(r->body) == 0)
            v->vcpu0_basic = true;
        break;
    case XS_REC_SHARED_INFO:
        /* handle_shared_info() */
        if (!v->pv_info)
            ERR(v, r, "libxc.shared_info.before_pv_info",
                "SHARED_INFO before X86_PV_INFO: the restore refuses it");
        v->shared_info = true;
        break;
    case XS_REC_HVM_CONTEXT:
        v->hvm_context = true;
        /* HVM_SAVE_CODE(CPU) descriptors, one per vCPU by instance */
        for (uint64_t a = 0; r->held >= 8 && a <= r->held - 8;) {
            uint16_t code = xs_le16(r->body + a), inst = xs_le16(r->body + a + 2);
            uint32_t len = xs_le32(r->body + a + 4);
            if (code == 0 || len > r->held - a - 8)
                break;
            if (code == 2)
                check_vcpu_id(v, r, name, inst, r->offset + 8 + a + 2,
                              true);
            a += 8 + (uint64_t)len;
        }
        break;
    case XS_REC_PAGE_DATA:
        if (v->guest == XS_GUEST_X86_PV && r->held >= 8 &&
            r->held >= 8 + 8 * (uint64_t)xs_le32(r->body)) {
            check_pv_pfns(v, r, name);
            /* where to look for the start info page at the end (bounded:
             * past 2^20 records that check is skipped) */
            struct xs_page_record pr = {.offset = r->offset,
                                        .index = r->index,
                                        .min_pfn = v->rec_min_pfn,
                                        .max_pfn = v->rec_max_pfn};
            if (v->data_pages && v->page_records.len < (16u << 20) &&
                xs_buf_reserve(&v->page_records,
                               v->page_records.len + sizeof(pr)) == XS_OK) {
                memcpy(v->page_records.p + v->page_records.len, &pr,
                       sizeof(pr));
                v->page_records.len += sizeof(pr);
            }
        }
        v->page_data = true;
        break;
    default:
        break;
    }
}
