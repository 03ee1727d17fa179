/* diff: what two images hold, compared by content, whatever their
 * container and version.
 *
 * Each image is walked once (xs_walk() with a visitor that sees every
 * page) into a model of its final state, as a restore would leave it:
 * later records overwrite earlier ones.  Pages are kept as one 64-bit
 * hash per pfn that carries data (XXH3 of the page, its type in the low 4
 * bits) in an open hash table, never as data; everything else as small
 * items (kind, key, hash or value), the last of each key winning.
 *
 * Entries without data (XTAB, BROKEN, XALLOC) take no memory: a pfn that
 * only ever arrives without data has no contents to compare and is not
 * kept (a guest may declare millions of them in a few MB of pfn arrays).
 * One that carried data keeps it: Xen's restore (RELEASE-4.17.0:
 * tools/libs/guest/xg_sr_restore.c process_page_data(), populate_pfns())
 * never writes or depopulates a page for an entry without data; it only
 * records the new type, which a PV restore uses at the end (pfn_types[],
 * xg_sr_restore_x86_pv.c x86_pv_set_page_type()) and an HVM one ignores
 * (x86_hvm_set_page_type() is a no-op).  So such an entry gives a PV
 * guest's page its type and keeps its hash, and changes nothing for HVM.
 *
 * The model costs at most 64 bytes per distinct pfn with data (16-byte
 * slots, the table doubled when 3/4 full: 21-43 bytes each, and while it
 * doubles the old and the new table are both held) plus at most 80 bytes
 * per distinct item key (48 for the item, 16-32 in its index), at most
 * XS_DIFF_ITEMS of them: a 4 GiB guest at most 64 MiB, and 20 MiB more
 * at the item limit. */
#define XS_DIFF_ITEMS (1u << 18)
#include <stdlib.h>
#include <string.h>
#include <xxhash.h>

#include "cpufeatures.h"
#include "endian.h"
#include "fileio.h"
#include "layer.h"
#include "libxc.h"
#include "libxl.h"

/* An item: everything but pages.  Which fields make the key depends on
 * the kind; `value` is a hash, or the value itself where it means
 * something to a person (HVM params, MSRs, header fields). */
struct item {
    uint8_t kind;
    bool exact;      /* value is shown, not only "differs" */
    uint32_t type;   /* record type, or a header field */
    uint64_t a, b;   /* vcpu id; param index; leaf, subleaf; typecode,
                        instance; emulator id; ordinal of a header */
    uint64_t value;
    uint64_t seq;    /* arrival order: the last of a key wins */
};

struct xs_image {
    uint64_t *slots; /* pairs: pfn + 1 (0 = empty), page hash | type */
    size_t nslots, used;
    struct item *items;
    size_t nitems, capitems;
    size_t *index;   /* open hash of items by key: position + 1, 0 empty */
    size_t nindex;
    bool too_many;   /* more than XS_DIFF_ITEMS distinct keys */
    size_t made, last_made; /* items the current record made, the last */
    uint64_t seq;
    bool failed;     /* out of memory */
    size_t fold;     /* the item the current record made, or SIZE_MAX:
                        its payload's hash is folded into it */
    uint8_t scratch[XS_PAGE_SIZE];
    uint64_t configs;  /* xl optional data blocks seen */
    bool pv;           /* an x86 PV guest (its page types count) */
    bool verify;       /* past a VERIFY record */
    uint64_t key;      /* the slot hash's seed */
    uint64_t lo, hi;   /* the lowest and highest pfn with data (none yet:
                          UINT64_MAX and 0, a range nothing meets) */
};

/* ------------------------------------------------------------------ */
/* the model                                                           */

/* Where a pfn's probe starts: a hash seeded at random for each image.
 * A fixed mix can be inverted: pfns chosen to share its low bits would
 * make every probe walk one cluster, quadratic in the pages. */
static uint64_t mix(const struct xs_image *m, uint64_t pfn)
{
    return XXH3_64bits_withSeed(&pfn, sizeof(pfn), m->key);
}

static uint64_t *slot_of(const struct xs_image *m, uint64_t *slots, size_t n,
                         uint64_t pfn)
{
    for (size_t i = mix(m, pfn) & (n - 1);; i = (i + 1) & (n - 1))
        if (slots[2 * i] == 0 || slots[2 * i] == pfn + 1)
            return &slots[2 * i];
}

static void page_set(struct xs_image *m, uint64_t pfn, uint64_t v)
{
    if (m->failed)
        return;
    /* open addressing stays short at 3/4 full (mix() spreads the pfns) */
    if (4 * (m->used + 1) > 3 * m->nslots) {
        size_t n = m->nslots ? 2 * m->nslots : 1024;
        uint64_t *s = calloc(n, 2 * sizeof(uint64_t));
        if (!s) {
            m->failed = true;
            return;
        }
        for (size_t i = 0; i < m->nslots; i++)
            if (m->slots[2 * i]) {
                uint64_t *d = slot_of(m, s, n, m->slots[2 * i] - 1);
                d[0] = m->slots[2 * i];
                d[1] = m->slots[2 * i + 1];
            }
        free(m->slots);
        m->slots = s;
        m->nslots = n;
    }
    uint64_t *e = slot_of(m, m->slots, m->nslots, pfn);
    if (!e[0])
        m->used++;
    e[0] = pfn + 1;
    e[1] = v;
}

/* A PV page that carried data arrives without data: its type changes,
 * its contents stay (see the top); any other pfn is not kept. */
static void page_retype(struct xs_image *m, uint64_t pfn, unsigned type)
{
    if (m->failed || !m->nslots)
        return;
    uint64_t *e = slot_of(m, m->slots, m->nslots, pfn);
    if (e[0])
        e[1] = (e[1] & ~(uint64_t)0xf) | type;
}

static const uint64_t *page_get(const struct xs_image *m, uint64_t pfn)
{
    if (!m->nslots)
        return NULL;
    const uint64_t *e = slot_of(m, m->slots, m->nslots, pfn);
    return e[0] ? e : NULL;
}

/* Where an item's key probes first (seeded like mix()). */
static uint64_t key_mix(const struct xs_image *m, uint8_t kind, uint32_t type,
                        uint64_t a, uint64_t b)
{
    uint64_t k[3] = {(uint64_t)kind << 32 | type, a, b};
    return XXH3_64bits_withSeed(k, sizeof(k), m->key);
}

static size_t *index_of(const struct xs_image *m, uint8_t kind, uint32_t type,
                        uint64_t a, uint64_t b)
{
    for (size_t i = key_mix(m, kind, type, a, b) & (m->nindex - 1);;
         i = (i + 1) & (m->nindex - 1)) {
        size_t at = m->index[i];
        if (!at)
            return &m->index[i];
        const struct item *it = &m->items[at - 1];
        if (it->kind == kind && it->type == type && it->a == a && it->b == b)
            return &m->index[i];
    }
}

/* The index doubled when half full: probes stay short. */
static bool index_room(struct xs_image *m)
{
    if (2 * (m->nitems + 1) <= m->nindex)
        return true;
    size_t n = m->nindex ? 2 * m->nindex : 256;
    size_t *old = m->index, nold = m->nindex;
    if (!(m->index = calloc(n, sizeof(*m->index)))) {
        m->index = old;
        return false;
    }
    m->nindex = n;
    for (size_t i = 0; i < nold; i++)
        if (old[i]) {
            const struct item *it = &m->items[old[i] - 1];
            *index_of(m, it->kind, it->type, it->a, it->b) = old[i];
        }
    free(old);
    return true;
}

/* An item: a key seen before is replaced where it stands (the last of a
 * key wins), so memory grows with distinct keys, not with records; past
 * XS_DIFF_ITEMS of them the image is not compared (a bound for any
 * input: a real guest has a few per vCPU, CPUID leaf and MSR). */
static void item(struct xs_image *m, enum xs_diff_kind kind, uint32_t type,
                 uint64_t a, uint64_t b, uint64_t value, bool exact)
{
    if (m->failed)
        return;
    if (!index_room(m)) {
        m->failed = true;
        return;
    }
    size_t *at = index_of(m, (uint8_t)kind, type, a, b);
    if (*at) {
        struct item *it = &m->items[*at - 1];
        it->value = value;
        it->exact = exact;
        it->seq = m->seq++;
        m->made++;
        m->last_made = *at - 1;
        return;
    }
    if (m->nitems == XS_DIFF_ITEMS) {
        m->failed = m->too_many = true;
        return;
    }
    if (m->nitems == m->capitems) {
        size_t n = m->capitems ? 2 * m->capitems : 64;
        struct item *v = realloc(m->items, n * sizeof(*v));
        if (!v) {
            m->failed = true;
            return;
        }
        m->items = v;
        m->capitems = n;
    }
    m->items[m->nitems] = (struct item){
        .kind = (uint8_t)kind, .exact = exact, .type = type, .a = a, .b = b,
        .value = value, .seq = m->seq++};
    *at = m->nitems + 1;
    m->made++;
    m->last_made = m->nitems++;
}

static uint64_t hash(const void *p, size_t n)
{
    return n ? XXH3_64bits(p, n) : 0;
}

/* ------------------------------------------------------------------ */
/* the visitor                                                         */

enum { H_GUEST, H_PAGE_SHIFT, H_SAVED_BY };


static void on_header(void *ctx, const char *layer, uint64_t offset,
                      const uint8_t *p, uint64_t n)
{
    struct xs_image *m = ctx;
    (void)offset;
    if (strcmp(layer, xs_layer_libxc.name) == 0) {
        struct xs_libxc_dhdr dh;
        if (n < XS_LIBXC_IHDR_SIZE + XS_LIBXC_DHDR_SIZE)
            return;
        /* the image version is the form, not the content: not compared */
        xs_libxc_dhdr_decode(p + XS_LIBXC_IHDR_SIZE, &dh);
        m->pv = dh.type == XS_GUEST_X86_PV;
        item(m, XS_DK_HEADER, H_GUEST, 0, 0, dh.type, true);
        item(m, XS_DK_HEADER, H_PAGE_SHIFT, 0, 0, dh.page_shift, true);
        item(m, XS_DK_HEADER, H_SAVED_BY, 0, 0,
             (uint64_t)dh.xen_major << 32 | dh.xen_minor, true);
    } else if (p) {
        /* the domain config (its layer's descriptor says which header) */
        const struct xs_layer_header *h = xs_layer_header_named(layer, NULL);
        if (h && h->config)
            item(m, XS_DK_CONFIG, 0, m->configs++, 0, hash(p, n), false);
    }
}

/* A run of PAGE_DATA entries (xs_page_data_runs): entries without data
 * retype a PV page that had data; a run clear of every pfn with data
 * (holes above or below the guest's memory) costs no lookup. */
static void retype_run(void *ctx, uint64_t pfn, uint32_t k, unsigned t)
{
    struct xs_image *m = ctx;
    if (xs_pfinfo_has_data(t) || pfn > m->hi || pfn + k - 1 < m->lo)
        return;
    for (uint32_t j = 0; j < k; j++)
        page_retype(m, pfn + j, t);
}

static void libxc_record(struct xs_image *m, const struct xs_record *r)
{
    const uint8_t *b = r->body;
    uint32_t n = r->held;
    switch (r->type) {
    case XS_REC_PAGE_DATA: {
        /* pages with data arrive through on_page(); entries without data
         * (XTAB, BROKEN, XALLOC) retype a PV page that had data, a run
         * of entries at a time */
        if (m->pv)
            xs_page_data_runs(r, retype_run, m);
        return;
    }
    case XS_REC_X86_PV_VCPU_BASIC:
    case XS_REC_X86_PV_VCPU_EXTENDED:
    case XS_REC_X86_PV_VCPU_XSAVE:
    case XS_REC_X86_PV_VCPU_MSRS:
        if (n >= 8 && !xs_libxc_is_erratum_empty(r))
            item(m, XS_DK_VCPU, r->type, xs_le32(b), 0, hash(b + 8, n - 8),
                 false);
        return;
    case XS_REC_HVM_CONTEXT: {
        struct xs_hvm_desc d;
        for (uint64_t at = 0; xs_hvm_desc_next(b, n, &at, &d);)
            item(m, XS_DK_HVM_CONTEXT, d.code, d.code, d.instance,
                 hash(d.data, d.length), false);
        return;
    }
    case XS_REC_HVM_PARAMS: {
        uint32_t count = n >= 8 ? xs_le32(b) : 0;
        for (uint32_t i = 0; i < count && 24 + 16 * (uint64_t)i <= n; i++)
            item(m, XS_DK_HVM_PARAMS, 0, xs_le64(b + 8 + 16 * (size_t)i), 0,
                 xs_le64(b + 16 + 16 * (size_t)i), true);
        return;
    }
    case XS_REC_X86_CPUID_POLICY: /* xen_cpuid_leaf_t: leaf, subleaf, a-d */
        /* a register each, by value: a feature that differs is named */
        for (uint32_t at = 0; n - at >= 24; at += 24)
            for (uint64_t k = 0; k < 4; k++)
                item(m, XS_DK_CPU_POLICY, r->type, xs_le32(b + at),
                     k << 32 | xs_le32(b + at + 4),
                     xs_le32(b + at + 8 + 4 * k), true);
        return;
    case XS_REC_X86_MSR_POLICY: /* xen_msr_entry_t: idx, flags, val */
        for (uint32_t at = 0; n - at >= 16; at += 16)
            item(m, XS_DK_CPU_POLICY, r->type, xs_le32(b + at), 0,
                 xs_le64(b + at + 8), true);
        return;
    case XS_REC_VERIFY:
        m->verify = true; /* later pages are compared, not copied */
        return;
    case XS_REC_END:
    case XS_REC_STATIC_DATA_END:
    case XS_REC_CHECKPOINT:
        return; /* the stream's structure, not the guest's state */
    default:
        if (xs_libxc_is_erratum_empty(r))
            return; /* as upgrade drops it: no content */
        /* X86_PV_INFO, P2M_FRAMES, SHARED_INFO, TSC_INFO, other records:
         * the held part canonicalised (reserved fields zero) */
        if (n > sizeof(m->scratch)) {
            item(m, XS_DK_RECORDS, r->type, 0, 0, hash(b, n), false);
        } else {
            if (n) /* an empty body may have no buffer at all */
                memcpy(m->scratch, b, n);
            xs_libxc_canonicalise(r->type, m->scratch, n);
            item(m, XS_DK_RECORDS, r->type, 0, 0, hash(m->scratch, n),
                 false);
        }
        return;
    }
}

static void on_record(void *ctx, const char *layer, const struct xs_record *r)
{
    struct xs_image *m = ctx;
    m->made = 0;
    if (strcmp(layer, xs_layer_libxc.name) == 0)
        libxc_record(m, r);
    else if (r->type == XS_LREC_EMULATOR_XENSTORE_DATA ||
        r->type == XS_LREC_EMULATOR_CONTEXT) {
        /* emulator id; the body after the sub-header, and the payload */
        uint32_t id = r->held >= 4 ? xs_le32(r->body) : 0;
        item(m, XS_DK_EMULATOR, r->type, id, 0,
             r->held > 8 ? hash(r->body + 8, r->held - 8) : 0, false);
    }
    m->fold = m->made == 1 ? m->last_made : SIZE_MAX;
}

/* The payload of a record whose held part made an item: folded into that
 * item's hash. */
static void on_payload(void *ctx, const char *layer, const struct xs_record *r,
                       uint64_t h)
{
    struct xs_image *m = ctx;
    (void)layer;
    (void)r;
    if (m->fold < m->nitems) {
        struct item *it = &m->items[m->fold];
        uint64_t two[2] = {it->value, h};
        it->value = hash(two, sizeof(two));
    }
}

static void on_page(void *ctx, uint64_t pfn, unsigned type,
                    const uint8_t *data)
{
    struct xs_image *m = ctx;
    if (m->verify) {
        /* after VERIFY the restore compares the page and copies nothing;
         * the type is still set (process_page_data()) */
        if (m->pv)
            page_retype(m, pfn, type);
        return;
    }
    page_set(m, pfn, (hash(data, XS_PAGE_SIZE) & ~(uint64_t)0xf) | type);
    if (pfn < m->lo)
        m->lo = pfn;
    if (pfn > m->hi)
        m->hi = pfn;
}

int xs_image_read(struct xs_in *in, struct xs_report *rep,
                  struct xs_summary *sum, struct xs_image **img)
{
    struct xs_image *m = calloc(1, sizeof(*m));
    *img = NULL;
    if (m) {
        m->fold = SIZE_MAX;
        m->lo = UINT64_MAX;
        m->key = xs_random_u64();
    }
    if (!m) {
        xs_report_add(rep, XS_SEV_ERROR, "io", 0, -1, "input",
                      "cannot compare: out of memory");
        return XS_IO;
    }
    struct xs_visitor v = {.header = on_header, .record = on_record,
                           .page = on_page, .payload = on_payload, .ctx = m};
    int rc = xs_walk(in, rep, sum, &v);
    if (rc == XS_OK && m->too_many) {
        xs_report_add(rep, XS_SEV_ERROR, "io", xs_in_offset(in), -1, "input",
                      "cannot compare: more than %u distinct records, vCPU "
                      "contexts, params and policy entries (diff's limit; no "
                      "guest Xen saves has as many)",
                      (unsigned)XS_DIFF_ITEMS);
        rc = XS_IO;
    } else if (rc == XS_OK && m->failed) {
        xs_report_add(rep, XS_SEV_ERROR, "io", xs_in_offset(in), -1, "input",
                      "cannot compare: out of memory after %zu pages",
                      m->used);
        rc = XS_IO;
    }
    if (rc != XS_OK) {
        xs_image_free(m);
        return rc;
    }
    *img = m;
    return XS_OK;
}

void xs_image_free(struct xs_image *img)
{
    if (!img)
        return;
    free(img->slots);
    free(img->items);
    free(img->index);
    free(img);
}

uint64_t xs_image_pages(const struct xs_image *img) { return img->used; }

/* ------------------------------------------------------------------ */
/* the comparison                                                      */

#define CMP(f)                                                                \
    if (p->f != q->f)                                                        \
        return p->f < q->f ? -1 : 1;

/* Items by key: kind, type, a, b. */
static int key_cmp(const struct item *p, const struct item *q)
{
    CMP(kind) CMP(type) CMP(a) CMP(b)
    return 0;
}

/* ... and of one key, in arrival order (qsort). */
static int item_cmp(const void *x, const void *y)
{
    const struct item *p = x, *q = y;
    int c = key_cmp(p, q);
    if (c)
        return c;
    CMP(seq)
    return 0;
}
#undef CMP

/* Sorted by key, the last of each key kept: the final state. */
static struct item *final_items(const struct xs_image *m, size_t *n)
{
    struct item *v = malloc((m->nitems ? m->nitems : 1) * sizeof(*v));
    if (!v)
        return NULL;
    memcpy(v, m->items, m->nitems * sizeof(*v));
    qsort(v, m->nitems, sizeof(*v), item_cmp);
    size_t k = 0;
    for (size_t i = 0; i < m->nitems; i++) {
        if (k && key_cmp(&v[k - 1], &v[i]) == 0)
            k--;
        v[k++] = v[i];
    }
    *n = k;
    return v;
}

static void describe(const struct item *it, char *out, size_t sz)
{
    char nb[32];
    const char *s;
    switch (it->kind) {
    case XS_DK_HEADER:
        snprintf(out, sz, "%s",
                 it->type == H_GUEST        ? "guest type"
                 : it->type == H_PAGE_SHIFT ? "page shift"
                                            : "saved by Xen");
        return;
    case XS_DK_CONFIG:
        snprintf(out, sz, "xl config (optional data)");
        if (it->a)
            snprintf(out + strlen(out), sz - strlen(out), " #%llu",
                     (unsigned long long)it->a);
        return;
    case XS_DK_VCPU:
        snprintf(out, sz, "vcpu %llu %s", (unsigned long long)it->a,
                 xs_libxc_rec_name(it->type, nb));
        return;
    case XS_DK_HVM_CONTEXT:
        s = xs_hvm_save_name((uint16_t)it->a);
        snprintf(out, sz, "%s (typecode %llu) instance %llu", s ? s : "?",
                 (unsigned long long)it->a, (unsigned long long)it->b);
        return;
    case XS_DK_HVM_PARAMS:
        s = xs_hvm_param_name(it->a);
        snprintf(out, sz, "HVM param %llu (%s)", (unsigned long long)it->a,
                 s ? s : "?");
        return;
    case XS_DK_CPU_POLICY:
        if (it->type != XS_REC_X86_CPUID_POLICY)
            snprintf(out, sz, "MSR 0x%llx", (unsigned long long)it->a);
        else if ((uint32_t)it->b == XS_NO_SUBLEAF)
            snprintf(out, sz, "CPUID leaf 0x%llx %s",
                     (unsigned long long)it->a,
                     xs_cpu_reg_name("abcd"[it->b >> 32 & 3]));
        else
            snprintf(out, sz, "CPUID leaf 0x%llx subleaf %u %s",
                     (unsigned long long)it->a, (unsigned)it->b,
                     xs_cpu_reg_name("abcd"[it->b >> 32 & 3]));
        return;
    case XS_DK_EMULATOR:
        s = xs_libxl_emulator_name((uint32_t)it->a);
        snprintf(out, sz, "%s of emulator %llu (%s)",
                 xs_libxl_rec_name(it->type, nb), (unsigned long long)it->a,
                 s ? s : "?");
        return;
    default:
        snprintf(out, sz, "%s", xs_libxc_rec_name(it->type, nb));
        return;
    }
}

static void value_text(const struct item *it, char *out, size_t sz)
{
    if (!it) {
        snprintf(out, sz, "absent");
    } else if (!it->exact) {
        snprintf(out, sz, "present");
    } else if (it->kind == XS_DK_HEADER && it->type == H_GUEST) {
        snprintf(out, sz, "%s", xs_libxc_guest_name((uint32_t)it->value));
    } else if (it->kind == XS_DK_HEADER && it->type == H_SAVED_BY) {
        snprintf(out, sz, "%llu.%llu", (unsigned long long)(it->value >> 32),
                 (unsigned long long)(it->value & 0xffffffffu));
    } else {
        snprintf(out, sz, "0x%llx", (unsigned long long)it->value);
    }
}

/* Features in one word set on one side and clear on the other. */
static size_t feature_changes(const struct xs_cpu_word *w, uint32_t a,
                              uint32_t b, char *out, size_t sz, size_t len)
{
    static const char *const side[2] = {"set in A, clear in B",
                                        "set in B, clear in A"};
    for (int s = 0; w && s < 2; s++) {
        uint32_t only = s ? b & ~a : a & ~b;
        if (!only || len + 1 >= sz)
            continue;
        char names[512];
        xs_cpu_features_text(w, only, names, sizeof(names));
        int n = snprintf(out + len, sz - len, "%s%s %s", len ? "; " : "",
                         names, side[s]);
        len = n < 0 ? len : len + (size_t)n < sz ? len + (size_t)n : sz - 1;
    }
    return len;
}

/* What a CPU policy difference means by Xen's feature names ("avx2 set
 * in A, clear in B"); "" for a register or MSR without features. */
static void policy_detail(const struct item *x, const struct item *y,
                          char *out, size_t sz)
{
    const struct item *it = x ? x : y;
    uint64_t a = x ? x->value : 0, b = y ? y->value : 0;
    out[0] = '\0';
    if (it->type == XS_REC_X86_CPUID_POLICY) {
        char reg = "abcd"[it->b >> 32 & 3];
        feature_changes(xs_cpu_word_cpuid((uint32_t)it->a, (uint32_t)it->b,
                                          reg),
                        (uint32_t)a, (uint32_t)b, out, sz, 0);
    } else {
        size_t len = feature_changes(xs_cpu_word_msr((uint32_t)it->a, 'a'),
                                     (uint32_t)a, (uint32_t)b, out, sz, 0);
        feature_changes(xs_cpu_word_msr((uint32_t)it->a, 'd'),
                        (uint32_t)(a >> 32), (uint32_t)(b >> 32), out, sz,
                        len);
    }
}

static void report_item(const struct item *x, const struct item *y,
                        xs_difference_fn fn, void *ctx, uint64_t *counts)
{
    const struct item *it = x ? x : y;
    if (!it)
        return;
    counts[it->kind]++;
    if (!fn)
        return;
    struct xs_difference d = {.kind = (enum xs_diff_kind)it->kind};
    describe(it, d.what, sizeof(d.what));
    value_text(x, d.a, sizeof(d.a));
    value_text(y, d.b, sizeof(d.b));
    if (x && y && !x->exact)
        snprintf(d.a, sizeof(d.a), "differs"), d.b[0] = '\0';
    if (it->kind == XS_DK_CPU_POLICY)
        policy_detail(x, y, d.detail, sizeof(d.detail));
    fn(ctx, &d);
}

struct page_diff {
    uint64_t pfn, a, b; /* each side's hash | type */
    uint8_t has;        /* bit 0: in A, bit 1: in B */
};

static int page_cmp(const void *x, const void *y)
{
    const struct page_diff *p = x, *q = y;
    return p->pfn < q->pfn ? -1 : p->pfn > q->pfn;
}

static void page_text(uint8_t has, uint8_t bit, uint64_t v, char *out,
                      size_t sz)
{
    const char *t = xs_pfinfo_name((unsigned)(v & 0xf));
    if (!(has & bit))
        snprintf(out, sz, "absent");
    else if (xs_pfinfo_has_data((unsigned)(v & 0xf)))
        snprintf(out, sz, "%s", t ? t : "?");
    else
        snprintf(out, sz, "%s (no data)", t ? t : "?");
}

/* Differing pfns of the two tables, sorted; NULL (with *n = SIZE_MAX) when
 * memory runs out. */
static struct page_diff *page_diffs(const struct xs_image *a,
                                    const struct xs_image *b, size_t *n)
{
    struct page_diff *v = NULL;
    size_t k = 0, cap = 0;
    for (int side = 0; side < 2; side++) {
        const struct xs_image *x = side ? b : a, *y = side ? a : b;
        for (size_t i = 0; i < x->nslots; i++) {
            if (!x->slots[2 * i])
                continue;
            uint64_t pfn = x->slots[2 * i] - 1, xv = x->slots[2 * i + 1];
            const uint64_t *e = page_get(y, pfn);
            if (side && e)
                continue; /* both: seen from A */
            if (e && e[1] == xv)
                continue;
            if (k == cap) {
                cap = cap ? 2 * cap : 256;
                struct page_diff *w = realloc(v, cap * sizeof(*v));
                if (!w) {
                    free(v);
                    *n = SIZE_MAX;
                    return NULL;
                }
                v = w;
            }
            v[k++] = (struct page_diff){
                .pfn = pfn,
                .a = side ? 0 : xv,
                .b = side ? xv : (e ? e[1] : 0),
                .has = (uint8_t)(side ? 2 : (e ? 3 : 1)),
            };
        }
    }
    if (k)
        qsort(v, k, sizeof(*v), page_cmp);
    *n = k;
    return v;
}

static bool has_kind(const struct item *v, size_t n, int kind)
{
    for (size_t i = 0; i < n; i++)
        if (v[i].kind == kind)
            return true;
    return false;
}

uint64_t xs_image_diff(const struct xs_image *a, const struct xs_image *b,
                       xs_difference_fn fn, void *ctx,
                       uint64_t counts[XS_DK_NR])
{
    memset(counts, 0, XS_DK_NR * sizeof(counts[0]));
    size_t na, nb, np;
    struct item *ia = final_items(a, &na), *ib = final_items(b, &nb);
    struct page_diff *pd = page_diffs(a, b, &np);
    uint64_t total = 0;
    if (!ia || !ib || np == SIZE_MAX) {
        free(ia);
        free(ib);
        free(pd);
        return UINT64_MAX;
    }
    /* items in kind order, pages in their place among them */
    size_t i = 0, j = 0;
    for (int kind = 0; kind < XS_DK_NR; kind++) {
        if (kind == XS_DK_PAGES) {
            for (size_t k = 0; k < np; k++) {
                counts[XS_DK_PAGES]++;
                if (!fn)
                    continue;
                struct xs_difference d = {.kind = XS_DK_PAGES};
                snprintf(d.what, sizeof(d.what), "pfn 0x%llx",
                         (unsigned long long)pd[k].pfn);
                if (pd[k].has == 3 && (pd[k].a & 0xf) == (pd[k].b & 0xf)) {
                    const char *t = xs_pfinfo_name((unsigned)(pd[k].a & 0xf));
                    snprintf(d.a, sizeof(d.a), "%s, contents differ",
                             t ? t : "?");
                } else {
                    page_text(pd[k].has, 1, pd[k].a, d.a, sizeof(d.a));
                    page_text(pd[k].has, 2, pd[k].b, d.b, sizeof(d.b));
                }
                fn(ctx, &d);
            }
            continue;
        }
        if (kind == XS_DK_CONFIG && !(has_kind(ia, na, kind) &&
                                      has_kind(ib, nb, kind))) {
            /* the config is compared when both images carry one */
            while (i < na && ia[i].kind == kind)
                i++;
            while (j < nb && ib[j].kind == kind)
                j++;
            continue;
        }
        if (kind == XS_DK_CPU_POLICY &&
            has_kind(ia, na, kind) != has_kind(ib, nb, kind)) {
            /* one side has no CPU policy at all: one difference, not one
             * a register (a v2 image, or one converted with
             * --drop-cpu-policy: its host derives the policy) */
            bool in_a = has_kind(ia, na, kind);
            while (i < na && ia[i].kind == kind)
                i++;
            while (j < nb && ib[j].kind == kind)
                j++;
            counts[kind]++;
            if (fn) {
                struct xs_difference d = {.kind = XS_DK_CPU_POLICY};
                snprintf(d.what, sizeof(d.what), "CPU policy records");
                snprintf(d.a, sizeof(d.a), in_a ? "present" : "absent");
                snprintf(d.b, sizeof(d.b), in_a ? "absent" : "present");
                snprintf(d.detail, sizeof(d.detail),
                         "%s has no CPU policy: the host it is restored on "
                         "derives one", in_a ? "B" : "A");
                fn(ctx, &d);
            }
            continue;
        }
        while ((i < na && ia[i].kind == kind) ||
               (j < nb && ib[j].kind == kind)) {
            bool ha = i < na && ia[i].kind == kind;
            bool hb = j < nb && ib[j].kind == kind;
            int c = ha && hb ? key_cmp(&ia[i], &ib[j]) : ha ? -1 : 1;
            if (c < 0) {
                report_item(&ia[i++], NULL, fn, ctx, counts);
            } else if (c > 0) {
                report_item(NULL, &ib[j++], fn, ctx, counts);
            } else {
                if (ia[i].value != ib[j].value)
                    report_item(&ia[i], &ib[j], fn, ctx, counts);
                i++;
                j++;
            }
        }
    }
    for (int k = 0; k < XS_DK_NR; k++)
        total += counts[k];
    free(ia);
    free(ib);
    free(pd);
    return total;
}

const char *xs_diff_kind_name(enum xs_diff_kind k)
{
    static const char *const names[XS_DK_NR] = {
        [XS_DK_HEADER] = "headers",
        [XS_DK_CONFIG] = "xl config",
        [XS_DK_PAGES] = "pages",
        [XS_DK_VCPU] = "vcpu contexts",
        [XS_DK_HVM_CONTEXT] = "HVM context",
        [XS_DK_HVM_PARAMS] = "HVM params",
        [XS_DK_CPU_POLICY] = "CPU policy",
        [XS_DK_RECORDS] = "other records",
        [XS_DK_EMULATOR] = "emulator",
    };
    return k < XS_DK_NR ? names[k] : "?";
}
