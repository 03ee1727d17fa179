/* digest and diff through the library: the content digest survives
 * upgrade and every container, equals an independent XXH3-128 of the
 * upgraded bytes, changes with any byte of a record; diff finds exactly
 * what was changed, by kind and key, and takes the final state of a page
 * as a restore would. */
#include <check.h>
#include <stdlib.h>
#include <string.h>
#include <xxhash.h>

#include "endian.h"
#include "libxc.h"
#include "testutil.h"

static struct xs_report rep;
static struct xs_buf a, b, c;

static void setup(void)
{
    xs_report_init(&rep, "test");
    memset(&a, 0, sizeof(a));
    memset(&b, 0, sizeof(b));
    memset(&c, 0, sizeof(c));
}

static void teardown(void)
{
    xs_report_free(&rep);
    xs_buf_free(&a);
    xs_buf_free(&b);
    xs_buf_free(&c);
}

static int digest(const struct xs_buf *x, bool pipe, struct xs_digest *d)
{
    struct xs_in *in = pipe ? tu_in_pipe(x->p, x->len, &rep)
                            : tu_in_mem(x->p, x->len, &rep);
    int rc = xs_digest(in, &rep, NULL, d);
    xs_in_close(in);
    if (pipe)
        tu_pipes_join();
    return rc;
}

static const struct xs_digest *layer_of(const struct xs_digest *d,
                                        const char *name, size_t *k)
{
    for (*k = 0; *k < d->n; (*k)++)
        if (strcmp(d->layer[*k].layer, name) == 0)
            return d;
    return NULL;
}

static const enum xs_gen_container conts[] = {
    XS_GEN_LIBXC, XS_GEN_LIBXL, XS_GEN_XL, XS_GEN_LIBVIRT, XS_GEN_XENSERVER,
};
#define NCONT 5

static void gen(struct xs_buf *x, int i, unsigned version, int policy)
{
    struct xs_gen_opts o;
    xs_gen_defaults(&o);
    o.container = conts[i / 3];
    o.guest = i % 3 == 2 ? XS_GUEST_X86_HVM : XS_GUEST_X86_PV;
    o.width = i % 3 == 1 ? 4 : 8;
    o.version = version;
    o.policy = policy;
    o.pages = 700; /* > 1 MiB of pages: the hashing thread runs */
    o.batch = 128;
    o.checkpoint = i % 2;
    tu_gen(&o, x);
}

/* _i: container x guest */
START_TEST(digest_survives_upgrade)
{
    TU_SAMPLED(_i);
    struct xs_digest d2, d3, dp, du;
    gen(&a, _i, 2, 0);
    gen(&c, _i, 3, 0);
    ck_assert_int_eq(digest(&a, false, &d2), XS_OK);
    ck_assert_int_eq(digest(&c, false, &d3), XS_OK);
    ck_assert_int_eq(digest(&a, true, &dp), XS_OK);
    ck_assert_int_eq(tu_upgrade(&a, &b, &rep, false), XS_OK);
    ck_assert_int_eq(digest(&b, false, &du), XS_OK);
    ck_assert_mem_eq(d2.content, d3.content, 16);
    ck_assert_mem_eq(d2.content, dp.content, 16);
    ck_assert_mem_eq(d2.content, du.content, 16);
    ck_assert_uint_eq(d2.n, d3.n);
    for (unsigned k = 0; k < d2.n; k++) {
        ck_assert_str_eq(d2.layer[k].layer, d3.layer[k].layer);
        ck_assert_mem_eq(d2.layer[k].hash, d3.layer[k].hash, 16);
        ck_assert_uint_eq(d2.layer[k].bytes, d3.layer[k].bytes);
    }
    if (conts[_i / 3] == XS_GEN_LIBXC) {
        /* a bare stream's content digest is XXH3-128 of its upgrade */
        XXH128_canonical_t cn;
        XXH128_canonicalFromHash(&cn, XXH3_128bits(b.p, b.len));
        ck_assert_mem_eq(d2.content, cn.digest, 16);
        ck_assert_uint_eq(d2.content_bytes, b.len);
        ck_assert_uint_eq(d2.n, 0);
    } else {
        size_t k;
        ck_assert_ptr_nonnull(layer_of(&d2, conts[_i / 3] == XS_GEN_XENSERVER
                                                ? "xenserver"
                                                : "libxl", &k));
    }
}
END_TEST

/* A changed byte in a page changes the content digest and nothing else;
 * a changed byte of the xl config changes the xl layer's digest only. */
START_TEST(digest_changes)
{
    struct xs_digest d, e;
    gen(&a, 2 * 3, 2, 0); /* xl, PV */
    ck_assert_int_eq(digest(&a, false, &d), XS_OK);
    tu_copy(&b, &a);
    b.p[b.len - 20000] ^= 1; /* inside the last PAGE_DATA's pages */
    ck_assert_int_eq(digest(&b, false, &e), XS_OK);
    ck_assert(memcmp(d.content, e.content, 16) != 0);
    size_t kx;
    ck_assert_ptr_nonnull(layer_of(&d, "xl", &kx));
    ck_assert_mem_eq(d.layer[kx].hash, e.layer[kx].hash, 16);
    /* the config's JSON: its "name" value */
    tu_copy(&b, &a);
    uint8_t *name = memmem(b.p, 4096, "guest-1", 7);
    ck_assert_ptr_nonnull(name);
    name[6] = '2';
    ck_assert_int_eq(digest(&b, false, &e), XS_OK);
    ck_assert_mem_eq(d.content, e.content, 16);
    ck_assert(memcmp(d.layer[kx].hash, e.layer[kx].hash, 16) != 0);
    /* an invalid stream has no digest */
    b.len = a.len - 9;
    ck_assert_int_eq(digest(&b, false, &e), XS_INVALID);
}
END_TEST

/* ---- diff ---- */
static struct xs_image *image(const struct xs_buf *x)
{
    struct xs_image *m;
    struct xs_in *in = tu_in_mem(x->p, x->len, &rep);
    ck_assert_int_eq(xs_image_read(in, &rep, NULL, &m), XS_OK);
    xs_in_close(in);
    return m;
}

struct seen {
    unsigned n;
    struct xs_difference first;
};

static void keep(void *ctx, const struct xs_difference *d)
{
    struct seen *s = ctx;
    if (s->n++ == 0)
        s->first = *d;
}

static uint64_t compare(const struct xs_buf *x, const struct xs_buf *y,
                        struct seen *s, uint64_t counts[XS_DK_NR])
{
    struct xs_image *p = image(x), *q = image(y);
    memset(s, 0, sizeof(*s));
    uint64_t n = xs_image_diff(p, q, keep, s, counts);
    xs_image_free(p);
    xs_image_free(q);
    return n;
}

START_TEST(diff_equivalent_forms)
{
    TU_SAMPLED(_i);
    struct seen s;
    uint64_t counts[XS_DK_NR];
    gen(&a, _i, 2, 0);
    gen(&c, _i, 3, 0);
    ck_assert_uint_eq(compare(&a, &c, &s, counts), 0);
    /* the same guest in a libxl stream (an HVM guest's emulator records
     * are libxl's: a bare libxc or XenServer image has none) */
    enum xs_gen_container ct = conts[_i / 3];
    if (_i % 3 == 2 && (ct == XS_GEN_LIBXC || ct == XS_GEN_XENSERVER))
        return;
    gen(&b, 3 + _i % 3, 3, 0); /* libxl, same guest */
    /* a checkpointed capture resends pages and contexts unchanged: the
     * final state is the same whether or not either one is checkpointed */
    ck_assert_uint_eq(compare(&a, &b, &s, counts), 0);
}
END_TEST

/* Page data at the k-th data page of the r-th PAGE_DATA record carrying
 * pfn: found by a walk. */
struct finder {
    uint64_t pfn;
    unsigned want;   /* which transmission of the pfn (0 = first) */
    unsigned seen;
    uint64_t at;     /* offset of its data, 0 until found */
};

static void find_rec(void *ctx, const char *layer, const struct xs_record *r)
{
    struct finder *f = ctx;
    if (strcmp(layer, "libxc") != 0 || r->type != XS_REC_PAGE_DATA)
        return;
    uint32_t count = xs_le32(r->body), data = 0;
    for (uint32_t i = 0; i < count; i++) {
        uint64_t e = xs_le64(r->body + 8 + 8 * (size_t)i);
        if (!xs_pfinfo_has_data(xs_pfn_type(e)))
            continue;
        if ((e & XS_PFN_MASK) == f->pfn && f->seen++ == f->want)
            f->at = r->offset + 8 + r->held + (uint64_t)data * XS_PAGE_SIZE;
        data++;
    }
}

static uint64_t page_offset(const struct xs_buf *x, uint64_t pfn,
                            unsigned want)
{
    struct finder f = {.pfn = pfn, .want = want};
    struct xs_visitor v = {.record = find_rec, .ctx = &f};
    struct xs_in *in = tu_in_mem(x->p, x->len, &rep);
    ck_assert_int_eq(xs_walk(in, &rep, NULL, &v), XS_OK);
    xs_in_close(in);
    ck_assert_uint_ne(f.at, 0);
    return f.at;
}

START_TEST(diff_finds_the_change)
{
    struct seen s;
    uint64_t counts[XS_DK_NR];
    struct xs_gen_opts o;
    xs_gen_defaults(&o);
    o.container = XS_GEN_XL;
    o.pages = 300;
    o.batch = 64;
    o.checkpoint = true; /* pfns 16..47 are sent twice */
    tu_gen(&o, &a);
    tu_copy(&b, &a);

    /* the last transmission of pfn 0x20 is what a restore keeps */
    b.p[page_offset(&a, 0x20, 1) + 100] ^= 0x40;
    ck_assert_uint_eq(compare(&a, &b, &s, counts), 1);
    ck_assert_uint_eq(counts[XS_DK_PAGES], 1);
    ck_assert_str_eq(s.first.what, "pfn 0x20");
    ck_assert_str_eq(s.first.a, "NOTAB, contents differ");
    /* its first transmission is overwritten: no difference */
    tu_copy(&b, &a);
    b.p[page_offset(&a, 0x20, 0) + 100] ^= 0x40;
    ck_assert_uint_eq(compare(&a, &b, &s, counts), 0);
    /* a page sent once */
    tu_copy(&b, &a);
    b.p[page_offset(&a, 0x100, 0)] ^= 1;
    ck_assert_uint_eq(compare(&a, &b, &s, counts), 1);
    ck_assert_str_eq(s.first.what, "pfn 0x100");

    /* the CPU policy: one difference per CPUID leaf and MSR */
    o.checkpoint = false;
    o.policy = 1;
    tu_gen(&o, &a);
    o.policy = 0;
    tu_gen(&o, &b);
    ck_assert_uint_gt(compare(&a, &b, &s, counts), 0);
    ck_assert_uint_eq(counts[XS_DK_CPU_POLICY],
                      compare(&a, &b, &s, counts));
    ck_assert_str_eq(s.first.b, "absent");

    /* one difference with a missing policy, said once */
    ck_assert_uint_eq(counts[XS_DK_CPU_POLICY], 1);
    ck_assert_str_eq(s.first.detail, "B has no CPU policy: the host it is "
                                     "restored on derives one");

    /* a feature set in one and clear in the other, by Xen's name: leaf 2
     * (no subleaf) made leaf 7 subleaf 0, ebx bit 5 (avx2, word 5) */
    tu_gen(&o, &b);
    o.policy = 1;
    tu_gen(&o, &a);
    static const uint8_t leaf2[8] = {2, 0, 0, 0, 0xff, 0xff, 0xff, 0xff};
    uint8_t *at = memmem(a.p, a.len, leaf2, sizeof(leaf2));
    ck_assert_ptr_nonnull(at);
    memset(at, 0, 24);
    at[0] = 7;
    tu_copy(&b, &a);
    at[12] = 1u << 5;                      /* A: avx2 */
    b.p[at - a.p + 12] = 1u << 3;          /* B: bmi1 (bit 3) */
    b.p[at - a.p + 13] = 1u;               /* and bmi2 (bit 8) */
    ck_assert_uint_eq(compare(&a, &b, &s, counts), 1);
    ck_assert_str_eq(s.first.what, "CPUID leaf 0x7 subleaf 0 ebx");
    ck_assert_str_eq(s.first.detail, "avx2 set in A, clear in B; bmi1 bmi2 "
                                     "set in B, clear in A");

    /* another seed: pages, vcpus, config all differ */
    o.policy = 0;
    o.seed = 2;
    tu_gen(&o, &c);
    ck_assert_uint_gt(compare(&b, &c, &s, counts), 0);
    ck_assert_uint_gt(counts[XS_DK_PAGES], 100);
    ck_assert_uint_eq(counts[XS_DK_CONFIG], 1);
}
END_TEST

START_TEST(diff_hvm_params)
{
    struct seen s;
    uint64_t counts[XS_DK_NR];
    struct xs_gen_opts o;
    xs_gen_defaults(&o);
    o.guest = XS_GUEST_X86_HVM;
    o.pages = 200;
    tu_gen(&o, &a);
    tu_copy(&b, &a);
    /* the HVM_PARAMS record: type 0x0a, then count, pad, index, value */
    uint8_t pat[4] = {0x0a, 0, 0, 0};
    uint8_t *r = NULL;
    for (size_t at = 24 + 16; at + 8 <= b.len;) {
        uint32_t len = xs_le32(b.p + at + 4);
        if (memcmp(b.p + at, pat, 4) == 0) {
            r = b.p + at;
            break;
        }
        at += 8 + len + xs_libxc_padding(len);
    }
    ck_assert_ptr_nonnull(r);
    uint64_t index = xs_le64(r + 16), value = xs_le64(r + 24);
    xs_put_le64(r + 24, value + 1);
    ck_assert_uint_eq(compare(&a, &b, &s, counts), 1);
    ck_assert_uint_eq(counts[XS_DK_HVM_PARAMS], 1);
    char want[64];
    snprintf(want, sizeof(want), "0x%llx", (unsigned long long)value);
    ck_assert_str_eq(s.first.a, want);
    snprintf(want, sizeof(want), "HVM param %llu (",
             (unsigned long long)index);
    ck_assert(strncmp(s.first.what, want, strlen(want)) == 0);
}
END_TEST

/* A PAGE_DATA of one entry without data (pfn, type) inserted before the
 * first X86_TSC_INFO of a bare libxc stream. */
static void add_no_data(struct xs_buf *x, uint64_t pfn, unsigned type)
{
    size_t at = 24 + 16;
    while (at + 8 <= x->len && xs_le32(x->p + at) != XS_REC_X86_TSC_INFO) {
        uint32_t len = xs_le32(x->p + at + 4);
        at += 8 + len + xs_libxc_padding(len);
    }
    ck_assert_uint_lt(at + 8, x->len);
    uint8_t r[24];
    xs_put_le32(r, XS_REC_PAGE_DATA);
    xs_put_le32(r + 4, 16);
    xs_put_le32(r + 8, 1);
    xs_put_le32(r + 12, 0);
    xs_put_le64(r + 16, (uint64_t)type << XS_PFN_TYPE_SHIFT | pfn);
    ck_assert_int_eq(xs_buf_reserve(x, x->len + sizeof(r)), XS_OK);
    memmove(x->p + at + sizeof(r), x->p + at, x->len - at);
    memcpy(x->p + at, r, sizeof(r));
    x->len += sizeof(r);
}

START_TEST(diff_no_data_entries)
{
    struct seen s;
    uint64_t counts[XS_DK_NR];
    struct xs_gen_opts o;
    xs_gen_defaults(&o);
    o.pages = 300;
    o.guest = _i ? XS_GUEST_X86_HVM : XS_GUEST_X86_PV;
    tu_gen(&o, &a);
    struct xs_image *m = image(&a);
    uint64_t pages = xs_image_pages(m);
    xs_image_free(m);
    /* pfns that only ever arrive without data take no slot and are not
     * counted: the same guest with 20000 of them has as many pages */
    o.holes = 20000;
    tu_gen(&o, &b);
    m = image(&b);
    ck_assert_uint_eq(xs_image_pages(m), pages);
    xs_image_free(m);
    o.holes = 0;

    /* a page with data, later XTAB: the restore leaves its contents
     * (process_page_data() writes pages with data only) and a PV restore
     * takes the new type; an HVM restore ignores the type */
    tu_copy(&b, &a);
    add_no_data(&b, 0x20, XS_PF_XTAB);
    uint64_t n = compare(&a, &b, &s, counts);
    if (_i) {
        ck_assert_uint_eq(n, 0);
    } else {
        ck_assert_uint_eq(n, 1);
        ck_assert_str_eq(s.first.what, "pfn 0x20");
        ck_assert_str_eq(s.first.a, "NOTAB");
        ck_assert_str_eq(s.first.b, "XTAB (no data)");
    }
    /* the contents it kept still count: another seed's page 0x20 under
     * the same XTAB differs */
    tu_copy(&c, &b);
    c.p[page_offset(&b, 0x20, 0) + 8] ^= 1;
    ck_assert_uint_eq(compare(&b, &c, &s, counts), 1);
    ck_assert_str_eq(s.first.what, "pfn 0x20");
    ck_assert_str_eq(s.first.a, _i ? "NOTAB, contents differ"
                                   : "XTAB, contents differ");
    /* a pfn that never had data (xs-gen's XALLOC pfn 100 of a PV guest,
     * the VGA hole's XTAB 0xa0 of an HVM one) sent again as another type
     * without data: no contents, nothing to compare */
    tu_copy(&b, &a);
    add_no_data(&b, _i ? 0xa0 : 100, _i ? XS_PF_XALLOC : XS_PF_XTAB);
    ck_assert_uint_eq(compare(&a, &b, &s, counts), 0);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("digest");
    TCase *t = tcase_create("digest");
    tcase_set_timeout(t, 300);
    tcase_add_checked_fixture(t, setup, teardown);
    tcase_add_loop_test(t, digest_survives_upgrade, 0, NCONT * 3);
    tcase_add_test(t, digest_changes);
    suite_add_tcase(s, t);
    t = tcase_create("diff");
    tcase_set_timeout(t, 300);
    tcase_add_checked_fixture(t, setup, teardown);
    tcase_add_loop_test(t, diff_equivalent_forms, 0, NCONT * 3);
    tcase_add_test(t, diff_finds_the_change);
    tcase_add_test(t, diff_hvm_params);
    tcase_add_loop_test(t, diff_no_data_entries, 0, 2);
    suite_add_tcase(s, t);
    return tu_run(s);
}
