/* Whole-stream tests through the library: golden upgrades (the v3 form of
 * a generated stream is the upgrade of its v2 form), idempotence, pipe
 * equals file, header faults, and truncation at every byte offset. */
#include <inttypes.h>
#include <check.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "endian.h"
#include "libxc.h"
#include "testutil.h"
#include "validate.h"

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

static void small(struct xs_gen_opts *o, uint32_t guest, unsigned width,
                  unsigned version)
{
    xs_gen_defaults(o);
    o->guest = guest;
    o->width = width;
    o->version = version;
    o->pages = 600;
    o->batch = 128;
}

static const struct {
    uint32_t guest;
    unsigned width;
} guests[] = {
    {XS_GUEST_X86_PV, 8},
    {XS_GUEST_X86_PV, 4},
    {XS_GUEST_X86_HVM, 8},
};

enum feature { F_PLAIN, F_OPTIONAL, F_ERRATUM, F_DIRTY, F_VERIFY,
               F_CHECKPOINT, F_ALL, F_NR };

static void apply(struct xs_gen_opts *o, int f, bool input)
{
    o->optional = f == F_OPTIONAL || f == F_ALL;
    o->verify_rec = f == F_VERIFY || f == F_ALL;
    o->checkpoint = f == F_CHECKPOINT || f == F_ALL;
    /* what upgrade removes exists only in the input */
    o->erratum = input && (f == F_ERRATUM || f == F_ALL);
    o->dirty = input && (f == F_DIRTY || f == F_ALL);
}

/* _i: guest index * F_NR + feature */
START_TEST(golden_v2_to_v3)
{
    TU_SAMPLED(_i);
    int g = _i / F_NR, f = _i % F_NR;
    struct xs_gen_opts o;
    small(&o, guests[g].guest, guests[g].width, 2);
    apply(&o, f, true);
    tu_gen(&o, &a);
    small(&o, guests[g].guest, guests[g].width, 3);
    o.policy = 0; /* a v2 saver had no policy records to send */
    apply(&o, f, false);
    tu_gen(&o, &c);
    ck_assert_int_eq(tu_upgrade(&a, &b, &rep, false), XS_OK);
    ck_assert_uint_eq(rep.errors, 0);
    tu_assert_same(&b, &c, "upgrade against golden");
}
END_TEST

START_TEST(idempotent_v3)
{
    TU_SAMPLED(_i);
    int g = _i / F_NR, f = _i % F_NR;
    struct xs_gen_opts o;
    small(&o, guests[g].guest, guests[g].width, 3);
    apply(&o, f, false);
    tu_gen(&o, &a);
    ck_assert_int_eq(tu_upgrade(&a, &b, &rep, false), XS_OK);
    tu_assert_same(&b, &a, "upgrade of canonical v3");
}
END_TEST

START_TEST(upgrade_twice_same)
{
    TU_SAMPLED(_i);
    int g = _i / F_NR, f = _i % F_NR;
    struct xs_gen_opts o;
    small(&o, guests[g].guest, guests[g].width, 2);
    apply(&o, f, true);
    tu_gen(&o, &a);
    ck_assert_int_eq(tu_upgrade(&a, &b, &rep, false), XS_OK);
    ck_assert_int_eq(tu_upgrade(&b, &c, &rep, false), XS_OK);
    tu_assert_same(&c, &b, "second upgrade");
}
END_TEST

START_TEST(pipe_equals_file)
{
    TU_SAMPLED(_i);
    int g = _i / F_NR, f = _i % F_NR;
    struct xs_gen_opts o;
    small(&o, guests[g].guest, guests[g].width, 2);
    o.pages = 4000; /* several kernel-copy sized payloads */
    o.batch = 1024;
    apply(&o, f, true);
    tu_gen(&o, &a);
    ck_assert_int_eq(tu_upgrade(&a, &b, &rep, false), XS_OK);
    ck_assert_int_eq(tu_upgrade(&a, &c, &rep, true), XS_OK);
    tu_assert_same(&c, &b, "pipe against file");
}
END_TEST

START_TEST(pipes_grow)
{
    /* both ends of a pipeline get a 1 MiB pipe (fewer switches between
     * the processes), where the system's limit allows it */
    long max = 0;
    FILE *f = fopen("/proc/sys/fs/pipe-max-size", "r");
    if (f) {
        if (fscanf(f, "%ld", &max) != 1)
            max = 0;
        fclose(f);
    }
    int p[2];
    ck_assert_int_eq(pipe(p), 0);
    struct xs_in *in = xs_in_from_fd(p[0], "in", false, &rep);
    ck_assert_ptr_nonnull(in);
    if (max >= (1 << 20))
        ck_assert_int_eq(fcntl(p[0], F_GETPIPE_SZ), 1 << 20);
    xs_in_close(in);
    struct xs_out *out = xs_out_from_fd(p[1], "out", false, &rep);
    ck_assert_ptr_nonnull(out);
    if (max >= (1 << 20))
        ck_assert_int_eq(fcntl(p[1], F_GETPIPE_SZ), 1 << 20);
    ck_assert_int_eq(xs_out_commit(out), XS_OK);
    close(p[0]);
    close(p[1]);
    ck_assert_uint_eq(rep.errors, 0);
}
END_TEST

START_TEST(verify_reports_counts)
{
    struct xs_gen_opts o;
    struct xs_summary s;
    small(&o, XS_GUEST_X86_PV, 8, 2);
    tu_gen(&o, &a);
    struct xs_in *in = tu_in_mem(a.p, a.len, &rep);
    ck_assert_int_eq(xs_verify(in, &rep, &s), XS_OK);
    xs_in_close(in);
    ck_assert_uint_eq(s.version, 2);
    ck_assert_uint_eq(s.guest, XS_GUEST_X86_PV);
    ck_assert_uint_eq(s.bytes_in, a.len);
    /* pages are sought over, not read */
    ck_assert_uint_lt(s.bytes_read, a.len / 2);
    ck_assert_uint_gt(s.pages, 500);
}
END_TEST

/* ---- faults in whole streams ---- */

static void pv3(void)
{
    struct xs_gen_opts o;
    small(&o, XS_GUEST_X86_PV, 8, 3);
    tu_gen(&o, &a);
}

static void expect_fault(const char *rule, enum xs_severity sev, uint64_t off)
{
    tu_expect_fault(&a, &rep, rule, sev, off);
}

START_TEST(header_faults)
{
    pv3(); a.p[3] = 0x7f;
    expect_fault("detect.unknown", XS_SEV_ERROR, 0);
    pv3(); a.p[8] = 'Y';
    expect_fault("libxc.ihdr.id", XS_SEV_ERROR, 8);
    pv3(); a.p[15] = 4;
    expect_fault("libxc.ihdr.version", XS_SEV_ERROR, 12);
    pv3(); a.p[17] = 1;
    expect_fault("libxc.ihdr.big_endian", XS_SEV_ERROR, 16);
    pv3(); a.p[16] = 0x80;
    expect_fault("libxc.reserved", XS_SEV_WARNING, 16);
    pv3(); a.p[24] = 3;
    expect_fault("libxc.dhdr.type", XS_SEV_ERROR, 24);
    pv3(); a.p[28] = 13;
    expect_fault("libxc.dhdr.page_shift", XS_SEV_ERROR, 28);
    pv3(); a.p[30] = 1;
    expect_fault("libxc.reserved", XS_SEV_WARNING, 30);
}
END_TEST

START_TEST(record_faults)
{
    /* first record: X86_PV_INFO at 40 */
    pv3(); xs_put_le32(a.p + 44, XS_LIBXC_REC_LENGTH_MAX + 1);
    expect_fault("libxc.record.too_long", XS_SEV_ERROR, 44);
    pv3(); a.p[40] = XS_REC_NR_KNOWN; /* the first unknown type */
    expect_fault("libxc.unknown", XS_SEV_ERROR, 40);
    pv3(); a.p[49] = 3; /* 64-bit with 3 levels */
    expect_fault("libxc.pv_info.combination", XS_SEV_ERROR, 48);
}
END_TEST

/* Offset of the first record of this type in a bare libxc stream. */
static size_t first_record(const struct xs_buf *x, uint32_t type)
{
    size_t at = 40;
    while (at + 8 <= x->len && xs_le32(x->p + at) != type)
        at += 8 + xs_le32(x->p + at + 4) +
              xs_libxc_padding(xs_le32(x->p + at + 4));
    ck_assert_uint_le(at + 8, x->len);
    return at;
}

START_TEST(page_table_entries)
{
    /* xg_sr_restore_x86_pv.c x86_pv_localise_page(): a present entry of a
     * page-table page must name a pfn within the p2m */
    pv3();
    size_t pd = first_record(&a, XS_REC_PAGE_DATA);
    uint32_t count = xs_le32(a.p + pd + 8);
    ck_assert_uint_eq(xs_pfn_type(xs_le64(a.p + pd + 24)), XS_PF_L1TAB_PIN);
    size_t pte = pd + 16 + 8 * (size_t)count + 4096 + 8 * 5; /* pfn 1, [5] */
    xs_put_le64(a.p + pte, 0x100000ULL << 12 | 0x67);
    expect_fault("libxc.pte.range", XS_SEV_ERROR, pte);
    ck_assert_ptr_nonnull(strstr(rep.kept[0].msg, "entry 5"));
    /* not present: not checked */
    xs_put_le64(a.p + pte, 0x100000ULL << 12 | 0x66);
    xs_report_free(&rep);
    xs_report_init(&rep, "t");
    ck_assert_int_eq(tu_verify(&a, &rep), XS_OK);
    /* the same fault found through a pipe (no seeking) */
    xs_put_le64(a.p + pte, 0x100000ULL << 12 | 0x67);
    xs_report_free(&rep);
    xs_report_init(&rep, "t");
    ck_assert_int_eq(tu_upgrade(&a, &b, &rep, true), XS_INVALID);
    ck_assert_ptr_nonnull(xs_report_find(&rep, "libxc.pte.range"));
}
END_TEST

START_TEST(trailing_and_padding)
{
    struct xs_gen_opts o;
    small(&o, XS_GUEST_X86_HVM, 8, 3);
    o.trailing = 100;
    tu_gen(&o, &a);
    expect_fault("trailing", XS_SEV_WARNING, a.len - 100);
    /* upgrade keeps the trailing bytes */
    ck_assert_int_eq(tu_upgrade(&a, &b, &rep, false), XS_OK);
    ck_assert_uint_eq(b.len, a.len);
    ck_assert(memcmp(b.p + b.len - 100, a.p + a.len - 100, 100) == 0);

    small(&o, XS_GUEST_X86_HVM, 8, 3);
    o.optional = true; /* 26-byte body, 6 bytes of padding */
    tu_gen(&o, &a);
    /* the optional record follows the policy records */
    size_t at = 40;
    while (xs_le32(a.p + at) != (XS_REC_OPTIONAL | 0x123))
        at += 8 + xs_le32(a.p + at + 4) + xs_libxc_padding(xs_le32(a.p + at + 4));
    a.p[at + 8 + 26 + 2] = 1;
    expect_fault("libxc.padding", XS_SEV_WARNING, at + 8 + 26 + 2);
}
END_TEST

START_TEST(not_a_stream)
{
    a.len = 0;
    xs_buf_reserve(&a, 64);
    expect_fault("detect.unknown", XS_SEV_ERROR, 0);
    ck_assert_ptr_nonnull(strstr(rep.kept[0].msg, "empty"));
    /* a legacy 64-bit image: p2m_size, then zero octets 4-7 */
    memset(a.p, 0, 64);
    a.len = 64;
    xs_put_le32(a.p, 0x40000);
    expect_fault("detect.unknown", XS_SEV_ERROR, 0);
    ck_assert_ptr_nonnull(strstr(rep.kept[0].msg, "legacy"));
    /* an xl header of a legacy stream (STREAMv2 clear) */
    memcpy(a.p, "Xen saved domain, xl format\n \0 \r", 32);
    xs_put_le32(a.p + 32, 0x01020304);
    expect_fault("xl.hdr.legacy", XS_SEV_ERROR, 36);
    ck_assert_ptr_nonnull(strstr(rep.kept[0].msg, "legacy"));
}
END_TEST

START_TEST(pipe_withholds_end_on_late_fault)
{
    /* a fault only visible at END (no vcpu0 context): on a pipe the
     * output stops before END, so downstream never sees a whole stream */
    struct xs_gen_opts o;
    small(&o, XS_GUEST_X86_PV, 8, 2);
    o.vcpus = 0;
    tu_gen(&o, &a);
    ck_assert_int_eq(tu_upgrade(&a, &b, &rep, true), XS_INVALID);
    ck_assert(xs_report_find(&rep, "libxc.incomplete") != NULL);
    ck_assert_uint_gt(b.len, 0);
    struct xs_report r2;
    xs_report_init(&r2, "out");
    ck_assert_int_eq(tu_verify(&b, &r2), XS_INVALID);
    const struct xs_finding *f = xs_report_find(&r2, "libxc.truncated");
    ck_assert_ptr_nonnull(f);
    ck_assert_uint_eq(f->offset, b.len);
    xs_report_free(&r2);
}
END_TEST

/* A small whole stream with every record kind, cut at every byte offset:
 * the memfd is shortened step by step, so each cut costs no copy. */
static void truncations(uint32_t guest, unsigned width, bool upgrade)
{
    struct xs_gen_opts o;
    small(&o, guest, width, 2);
    o.pages = 16; /* xs-gen's least; each cut reads its prefix: n^2 */
    o.batch = 6;
    o.vcpus = 1;
    o.optional = true;
    o.zero_pages = true;
    tu_gen(&o, &a);
    int fd = tu_mem_fd(a.p, a.len);
    for (size_t n = a.len, step = tu_stride(); n > 0;) {
        n = n > step ? n - step : 0;
        struct xs_report r;
        xs_report_init(&r, "t");
        TU_ASSERT(ftruncate(fd, (off_t)n) == 0 && lseek(fd, 0, SEEK_SET) == 0,
                  "cut at %zu", n);
        struct xs_in *in = xs_in_from_fd(dup(fd), "cut", true, &r);
        int rc;
        if (!upgrade) {
            rc = xs_verify(in, &r, NULL);
        } else {
            int ofd;
            struct xs_out *out = tu_out_mem(&r, &ofd);
            rc = xs_upgrade_precheck(in, &r, NULL);
            if (rc == XS_OK)
                rc = xs_upgrade(in, out, &r, NULL);
            xs_out_abort(out);
            /* a file input is refused before anything is written */
            TU_ASSERT(lseek(ofd, 0, SEEK_END) == 0, "cut at %zu: written", n);
            close(ofd);
        }
        xs_in_close(in);
        TU_ASSERT(rc == XS_INVALID, "truncated at %zu: rc %d", n, rc);
        TU_ASSERT(r.errors == 1, "truncated at %zu: %u errors", n, r.errors);
        TU_ASSERT(r.kept[r.nkept - 1].offset <= n,
                  "truncated at %zu: error at %" PRIu64, n,
                  r.kept[r.nkept - 1].offset);
        xs_report_free(&r);
    }
    close(fd);
}

START_TEST(truncated_everywhere)
{
    truncations(_i == 2 ? XS_GUEST_X86_HVM : XS_GUEST_X86_PV,
                _i == 1 ? 4 : 8, false);
}
END_TEST

START_TEST(truncated_upgrade_everywhere)
{
    truncations(_i == 2 ? XS_GUEST_X86_HVM : XS_GUEST_X86_PV,
                _i == 1 ? 4 : 8, true);
}
END_TEST

START_TEST(truncated_pipe_upgrade)
{
    /* the same through a pipe, at a stride (a process per cut) */
    struct xs_gen_opts o;
    small(&o, XS_GUEST_X86_PV, 8, 2);
    o.pages = 24;
    o.batch = 8;
    o.vcpus = 1;
    tu_gen(&o, &a);
    size_t full = a.len;
    for (size_t n = 0; n < full; n += 211) {
        struct xs_report r;
        xs_report_init(&r, "t");
        a.len = n;
        ck_assert_int_eq(tu_upgrade(&a, &b, &r, true), XS_INVALID);
        ck_assert_uint_eq(r.errors, 1);
        xs_report_free(&r);
    }
    a.len = full;
}
END_TEST

/* ---- the pfn type runs (validate.c) against a plain array ---------- */

enum { MODEL_N = 4096 };
static int model[MODEL_N];

static uint64_t model_rand(uint64_t *s)
{
    *s = *s * 6364136223846793005ULL + 1442695040888963407ULL;
    return *s >> 33;
}

/* Every pfn's type, and the number of runs: as many as the model has
 * maximal runs of one type (a run left unmerged, or merged too far, is a
 * fault even where the types still read right: the cap counts runs). */
static void model_check(const struct xs_validate *v)
{
    size_t runs = 0;
    for (unsigned i = 0; i < MODEL_N; i++) {
        TU_ASSERT(xs_validate_type_get(v, i) == model[i],
                  "pfn %u: type %d, model %d", i,
                  xs_validate_type_get(v, i), model[i]);
        runs += model[i] >= 0 && (i == 0 || model[i - 1] != model[i]);
    }
    ck_assert_int_eq(xs_validate_type_get(v, MODEL_N), -1);
    ck_assert_int_eq(xs_validate_type_get(v, UINT64_C(1) << 40), -1);
    ck_assert_uint_eq(v->types.nruns, runs);
    ck_assert(!v->types.full);
    /* and the map's count of pfns: every pfn that ever arrived */
    uint64_t pfns = 0;
    for (size_t i = 0; i < MODEL_N; i++)
        pfns += model[i] >= 0;
    ck_assert_uint_eq(v->types.pfns, pfns);
}

static void model_set(struct xs_validate *v, unsigned pfn, unsigned t)
{
    xs_validate_type_set(v, pfn, t);
    model[pfn] = (int)t;
}

/* A PAGE_DATA of no-data entries (count entries from e[]) through the
 * validator: its runs go through type_range_set(). */
static void model_page_data(struct xs_validate *v, const uint64_t *e,
                            uint32_t count, int64_t index)
{
    static uint8_t pd[8 + 8 * 1024];
    xs_put_le32(pd, count);
    xs_put_le32(pd + 4, 0);
    for (uint32_t i = 0; i < count; i++) {
        xs_put_le64(pd + 8 + 8 * (size_t)i, e[i]);
        model[e[i] & XS_PFN_MASK] = (int)xs_pfn_type(e[i]);
    }
    struct xs_record r = {.type = XS_REC_PAGE_DATA, .length = 8 + 8 * count,
                          .held = 8 + 8 * count, .body = pd,
                          .offset = 0x1000, .index = index};
    xs_validate_record(v, &r);
}

START_TEST(type_runs_match_model)
{
    /* Random sequences in every order a stream can take: descending
     * sweeps with alternating types, random pfns and types overwriting
     * each other, ascending sweeps (the fast path), and PAGE_DATA runs of
     * random lengths in random and descending order. */
    static const unsigned types[] = {XS_PF_NOTAB, XS_PF_L1TAB, XS_PF_L2TAB,
                                     XS_PF_L4TAB_PIN, XS_PF_XTAB,
                                     XS_PF_XALLOC, XS_PF_BROKEN};
    enum { NT = sizeof(types) / sizeof(types[0]) };
    struct xs_report r;
    struct xs_summary sum;
    struct xs_validate v;
    uint64_t seed = 0x5eed + (uint64_t)_i;
    static uint64_t e[1024];
    xs_report_init(&r, "model");
    memset(&sum, 0, sizeof(sum));
    xs_validate_init(&v, &r, &sum, 3, XS_GUEST_X86_PV);
    for (unsigned i = 0; i < MODEL_N; i++)
        model[i] = -1;
    unsigned ntypes = 2 + (unsigned)_i % (NT - 1); /* few types merge more */
    for (int round = 0; round < 6; round++) {
        switch ((round + _i) % 4) {
        case 0: /* top down, alternating (or random) types */
            for (unsigned p = MODEL_N; p-- > 0;)
                model_set(&v, p, types[_i % 2 ? p % 2 + 4
                                              : model_rand(&seed) % ntypes]);
            break;
        case 1: /* random pfns and types */
            for (unsigned k = 0; k < 3 * MODEL_N; k++)
                model_set(&v, (unsigned)(model_rand(&seed) % MODEL_N),
                          types[model_rand(&seed) % ntypes]);
            break;
        case 2: /* ascending stretches of one type */
            for (unsigned p = 0; p < MODEL_N;) {
                unsigned len = 1 + (unsigned)(model_rand(&seed) % 300);
                unsigned t = types[model_rand(&seed) % ntypes];
                for (unsigned k = 0; k < len && p < MODEL_N; k++)
                    model_set(&v, p++, t);
            }
            break;
        default: { /* PAGE_DATA runs, random or top down */
            bool down = model_rand(&seed) % 2;
            for (int rec = 0; rec < 8; rec++) {
                uint32_t count = 0;
                unsigned top = MODEL_N;
                while (count < 1024) {
                    unsigned len = 1 + (unsigned)(model_rand(&seed) % 40);
                    unsigned t = types[4 + model_rand(&seed) % 3];
                    if (len > 1024 - count)
                        len = 1024 - count;
                    unsigned start =
                        down ? (top > len ? top - len : 0)
                             : (unsigned)(model_rand(&seed) %
                                          (MODEL_N - len));
                    top = start ? start : MODEL_N;
                    for (unsigned k = 0; k < len; k++)
                        e[count++] = (uint64_t)t << XS_PFN_TYPE_SHIFT |
                                     (start + k);
                }
                model_page_data(&v, e, count, rec);
            }
            break;
        }
        }
        model_check(&v);
    }
    /* and one pfn at a time, checked after each: every split and merge */
    for (unsigned k = 0; k < 600; k++) {
        unsigned p = (unsigned)(model_rand(&seed) % 64) + 1000;
        model_set(&v, p, types[model_rand(&seed) % 3]);
        for (unsigned q = 990; q < 1074; q++)
            TU_ASSERT(xs_validate_type_get(&v, q) == model[q],
                      "pfn %u: type %d, model %d", q,
                      xs_validate_type_get(&v, q), model[q]);
    }
    model_check(&v);
    xs_validate_free(&v);
    ck_assert_uint_eq(v.types.nruns, 0);
    xs_report_free(&r);
}
END_TEST

START_TEST(p2m_frames_levels_match_model)
{
    /* Many X86_PV_P2M_FRAMES records (the frames kept in merged levels)
     * between PAGE_DATA records, against a per-pfn model of what the
     * validator has always said: a listed frame has arrived while the
     * last page data for it was NOTAB (a frame listed again keeps its
     * state); at END the lowest frame not arrived is reported. */
    enum { SPAN = 160 };
    static bool listed[SPAN], arrived[SPAN];
    static uint8_t body[8 + 8 * 64];
    struct xs_report r;
    struct xs_summary sum;
    struct xs_validate v;
    uint64_t seed = 0xf4a3e5 + (uint64_t)_i;
    xs_report_init(&r, "frames");
    memset(&sum, 0, sizeof(sum));
    memset(listed, 0, sizeof(listed));
    memset(arrived, 0, sizeof(arrived));
    xs_validate_init(&v, &r, &sum, 3, XS_GUEST_X86_PV);
    uint8_t info[8] = {8, 4};
    struct xs_record rec = {.type = XS_REC_X86_PV_INFO, .length = 8,
                            .held = 8, .body = info};
    xs_validate_record(&v, &rec);
    rec = (struct xs_record){.type = XS_REC_STATIC_DATA_END, .index = 1};
    xs_validate_record(&v, &rec);
    unsigned nrec = 20 + (unsigned)(model_rand(&seed) % 300);
    for (unsigned k = 0; k < nrec; k++) {
        if (model_rand(&seed) % 3 == 0 || k < 2) {
            /* frames 0..n-1 of the p2m: n pfns from the span */
            unsigned n = 1 + (unsigned)(model_rand(&seed) %
                                        (_i % 2 ? 4 : 40));
            xs_put_le32(body, 0);
            xs_put_le32(body + 4, (n - 1) * 512 + 511);
            for (unsigned i = 0; i < n; i++) {
                unsigned pfn = (unsigned)(model_rand(&seed) % SPAN);
                xs_put_le64(body + 8 + 8 * i, pfn);
                listed[pfn] = true; /* arrived stays as it was */
            }
            rec = (struct xs_record){.type = XS_REC_X86_PV_P2M_FRAMES,
                                     .length = 8 + 8 * n, .held = 8 + 8 * n,
                                     .body = body, .index = 2 + k};
            xs_validate_record(&v, &rec);
        } else {
            /* PAGE_DATA of runs without data, or NOTAB / L1TAB entries
             * whose pages the validator does not read */
            uint32_t count = 0;
            while (count < 64) {
                unsigned len = 1 + (unsigned)(model_rand(&seed) % 8);
                unsigned start = (unsigned)(model_rand(&seed) % SPAN);
                static const unsigned ts[] = {XS_PF_NOTAB, XS_PF_NOTAB,
                                              XS_PF_L1TAB, XS_PF_XTAB};
                unsigned t = ts[model_rand(&seed) % 4];
                bool down = model_rand(&seed) % 2;
                for (unsigned i = 0; i < len && count < 64; i++) {
                    unsigned pfn = (down ? start + SPAN - i : start + i) %
                                   SPAN;
                    xs_put_le64(body + 8 + 8 * count++,
                                (uint64_t)t << XS_PFN_TYPE_SHIFT | pfn);
                    if (listed[pfn])
                        arrived[pfn] = t == XS_PF_NOTAB;
                }
            }
            xs_put_le32(body, count);
            xs_put_le32(body + 4, 0);
            rec = (struct xs_record){.type = XS_REC_PAGE_DATA,
                                     .length = 8 + 8 * count,
                                     .held = 8 + 8 * count, .body = body,
                                     .index = 2 + k};
            xs_validate_record(&v, &rec);
        }
    }
    ck_assert_uint_le(v.frame_levels, XS_FRAME_LEVELS + 1);
    rec = (struct xs_record){.type = XS_REC_END, .index = 2 + nrec};
    xs_validate_record(&v, &rec);
    ck_assert_uint_le(v.frame_levels, 1);
    int want = -1;
    for (unsigned p = 0; p < SPAN && want < 0; p++)
        if (listed[p] && !arrived[p])
            want = (int)p;
    const struct xs_finding *f = xs_report_find(&r, "libxc.p2m_frames.missing");
    if (want < 0) {
        ck_assert_ptr_null(f);
    } else {
        char msg[64];
        ck_assert_ptr_nonnull(f);
        snprintf(msg, sizeof(msg), "p2m frame pfn 0x%x never", (unsigned)want);
        ck_assert_msg(strstr(f->msg, msg), "%s, want pfn 0x%x", f->msg,
                      (unsigned)want);
    }
    xs_validate_free(&v);
    xs_report_free(&r);
}
END_TEST

START_TEST(type_runs_cap)
{
    /* 2^18 runs are kept (pfns top down, alternating types); the next run
     * stops the checks that need them, exactly there */
    struct xs_report r;
    struct xs_summary sum;
    struct xs_validate v;
    const unsigned max = 1u << 18;
    xs_report_init(&r, "cap");
    memset(&sum, 0, sizeof(sum));
    xs_validate_init(&v, &r, &sum, 3, XS_GUEST_X86_PV);
    for (unsigned p = max; p-- > 0;)
        xs_validate_type_set(&v, 10 + p, p % 2 ? XS_PF_XTAB : XS_PF_NOTAB);
    ck_assert_uint_eq(v.types.nruns, max);
    ck_assert(!v.types.full);
    for (unsigned p = 0; p < max; p += 4099)
        ck_assert_int_eq(xs_validate_type_get(&v, 10 + p),
                         p % 2 ? XS_PF_XTAB : XS_PF_NOTAB);
    /* retyping a pfn to its neighbours' type merges three runs into one */
    xs_validate_type_set(&v, 10 + 1, XS_PF_NOTAB);
    ck_assert_uint_eq(v.types.nruns, max - 2);
    /* a split into three needs two more: one is still there, the next
     * run is not */
    xs_validate_type_set(&v, 10 + 1, XS_PF_XTAB);
    ck_assert_uint_eq(v.types.nruns, max);
    ck_assert(!v.types.full);
    /* merged again, one run elsewhere: a split into three is one too many */
    xs_validate_type_set(&v, 10 + 1, XS_PF_NOTAB);
    xs_validate_type_set(&v, 5, XS_PF_XTAB);
    ck_assert_uint_eq(v.types.nruns, max - 1);
    ck_assert(!v.types.full);
    xs_validate_type_set(&v, 10 + 1, XS_PF_XTAB);
    ck_assert(v.types.full);
    /* and at 2^18 runs a new one, not next to any */
    xs_validate_free(&v);
    xs_validate_init(&v, &r, &sum, 3, XS_GUEST_X86_PV);
    for (unsigned p = 0; p < max; p++)
        xs_validate_type_set(&v, 10 + p, p % 2 ? XS_PF_XTAB : XS_PF_NOTAB);
    ck_assert(!v.types.full);
    xs_validate_type_set(&v, 5, XS_PF_NOTAB);
    ck_assert(v.types.full);
    /* a PAGE_DATA run of two pfns just below 2^18 - 1 runs top down, of
     * the lowest run's type: a pfn at a time it held one run too many on
     * the way, so the checks stop there too */
    xs_validate_free(&v);
    xs_validate_init(&v, &r, &sum, 3, XS_GUEST_X86_PV);
    for (unsigned p = max - 1; p-- > 0;)
        xs_validate_type_set(&v, 100 + p, p % 2 ? XS_PF_XTAB : XS_PF_NOTAB);
    ck_assert_uint_eq(v.types.nruns, max - 1);
    uint8_t pd[8 + 16];
    xs_put_le32(pd, 2);
    xs_put_le32(pd + 4, 0);
    xs_put_le64(pd + 8, 98);
    xs_put_le64(pd + 16, 99);
    struct xs_record rec = {.type = XS_REC_PAGE_DATA, .length = sizeof(pd),
                            .held = sizeof(pd), .body = pd, .index = 1};
    xs_validate_record(&v, &rec);
    ck_assert(v.types.full);
    /* with one run fewer it fits, in one run with the lowest */
    xs_validate_free(&v);
    xs_validate_init(&v, &r, &sum, 3, XS_GUEST_X86_PV);
    for (unsigned p = max - 2; p-- > 0;)
        xs_validate_type_set(&v, 100 + p, p % 2 ? XS_PF_XTAB : XS_PF_NOTAB);
    xs_validate_record(&v, &rec);
    ck_assert(!v.types.full);
    ck_assert_uint_eq(v.types.nruns, max - 2);
    ck_assert_int_eq(xs_validate_type_get(&v, 98), XS_PF_NOTAB);
    ck_assert_int_eq(xs_validate_type_get(&v, 97), -1);
    xs_validate_free(&v);
    xs_report_free(&r);
}
END_TEST

START_TEST(pfn_set_model)
{
    /* random ranges (ascending sweeps, as a save sends them, and
     * re-sends anywhere) against a bitmap: the count is exact */
    enum { N = 2048 };
    static bool in[N];
    uint64_t seed = 99 + (uint64_t)_i;
    memset(in, 0, sizeof(in));
    struct xs_pfn_set *s = xs_pfn_set_new(1u << 16);
    ck_assert_ptr_nonnull(s);
    uint64_t at = 0;
    for (int k = 0; k < 3000; k++) {
        uint64_t lo, len = 1 + model_rand(&seed) % 40;
        if (model_rand(&seed) % 3) { /* ascending, touching or not */
            lo = at + model_rand(&seed) % 3;
            at = lo + len;
        } else {
            lo = model_rand(&seed) % N;
        }
        if (lo >= N)
            lo %= N, at = 0;
        uint64_t hi = lo + len - 1 < N ? lo + len - 1 : N - 1;
        xs_pfn_set_add(s, lo, hi);
        for (uint64_t p = lo; p <= hi; p++)
            in[p] = true;
        uint64_t want = 0, n;
        for (size_t p = 0; p < N; p++)
            want += in[p];
        ck_assert(xs_pfn_set_count(s, &n));
        ck_assert_uint_eq(n, want);
    }
    xs_pfn_set_free(s);
}
END_TEST

START_TEST(pfn_set_cap)
{
    /* info's distinct pfns: at the cap, a range that joins or bridges runs
     * needs no room (it is counted); one that touches none does not fit */
    const unsigned max = 1u << 16;
    uint64_t n;
    for (int k = 0; k < 4; k++) {
        struct xs_pfn_set *s = xs_pfn_set_new(max);
        ck_assert_ptr_nonnull(s);
        for (uint64_t i = 1; i <= max; i++)
            xs_pfn_set_add(s, 4 * i, 4 * i);
        ck_assert(xs_pfn_set_count(s, &n));
        ck_assert_uint_eq(n, max);
        switch (k) {
        case 0: /* joins the lowest run from below */
            xs_pfn_set_add(s, 3, 3);
            ck_assert(xs_pfn_set_count(s, &n));
            ck_assert_uint_eq(n, max + 1);
            break;
        case 1: /* fills a gap between two runs, overlapping both */
            xs_pfn_set_add(s, 4, 8);
            ck_assert(xs_pfn_set_count(s, &n));
            ck_assert_uint_eq(n, max + 3);
            break;
        case 2: /* a range inside a gap, touching one run */
            xs_pfn_set_add(s, 9, 10);
            ck_assert(xs_pfn_set_count(s, &n));
            ck_assert_uint_eq(n, max + 2);
            break;
        default: /* touches none: one run too many */
            xs_pfn_set_add(s, 10, 10);
            ck_assert(!xs_pfn_set_count(s, &n));
            break;
        }
        xs_pfn_set_free(s);
    }
    /* overlaps and re-sends count each pfn once */
    struct xs_pfn_set *s = xs_pfn_set_new(max);
    xs_pfn_set_add(s, 10, 20);
    xs_pfn_set_add(s, 5, 25);
    xs_pfn_set_add(s, 0, 3);
    xs_pfn_set_add(s, 40, 40);
    xs_pfn_set_add(s, 2, 30);
    xs_pfn_set_add(s, 12, 12);
    ck_assert(xs_pfn_set_count(s, &n));
    ck_assert_uint_eq(n, 32);
    xs_pfn_set_free(s);
}
END_TEST

START_TEST(descending_holes_verdicts)
{
    /* The same guest with pfns without data sent bottom up and top down:
     * the same verdict and counts; and the top-down one upgrades to
     * bytes that verify. */
    struct xs_gen_opts o;
    struct xs_summary s1, s2;
    small(&o, XS_GUEST_X86_PV, _i ? 4 : 8, 3);
    o.pages = 600;
    o.holes = 20000;
    o.batch = 333;
    tu_gen(&o, &a);
    o.descending = true;
    tu_gen(&o, &b);
    struct xs_in *in = tu_in_mem(a.p, a.len, &rep);
    ck_assert_int_eq(xs_verify(in, &rep, &s1), XS_OK);
    xs_in_close(in);
    in = tu_in_mem(b.p, b.len, &rep);
    ck_assert_int_eq(xs_verify(in, &rep, &s2), XS_OK);
    xs_in_close(in);
    ck_assert_uint_eq(rep.errors, 0);
    ck_assert_uint_eq(s1.pages, s2.pages);
    ck_assert_uint_ge(s1.page_types[XS_PF_XTAB], 10000);
    for (unsigned t = 0; t < 16; t++)
        ck_assert_uint_eq(s2.page_types[t], s1.page_types[t]);
    ck_assert_int_eq(tu_upgrade(&b, &c, &rep, false), XS_OK);
    ck_assert_int_eq(tu_verify(&c, &rep), XS_OK);
}
END_TEST

static Suite *suite(void)
{
    int combos = 3 * F_NR;
    Suite *s = suite_create("pipeline");
    TCase *t = tcase_create("golden");
    tcase_set_timeout(t, 120);
    tcase_add_checked_fixture(t, setup, teardown);
    tcase_add_loop_test(t, golden_v2_to_v3, 0, combos);
    tcase_add_loop_test(t, idempotent_v3, 0, combos);
    tcase_add_loop_test(t, upgrade_twice_same, 0, combos);
    tcase_add_test(t, pipes_grow);
    tcase_add_loop_test(t, pipe_equals_file, 0, combos);
    tcase_add_test(t, verify_reports_counts);
    suite_add_tcase(s, t);

    t = tcase_create("faults");
    tcase_set_timeout(t, 600);
    tcase_add_checked_fixture(t, setup, teardown);
    tcase_add_test(t, header_faults);
    tcase_add_test(t, record_faults);
    tcase_add_test(t, page_table_entries);
    tcase_add_test(t, trailing_and_padding);
    tcase_add_test(t, not_a_stream);
    tcase_add_test(t, pipe_withholds_end_on_late_fault);
    tcase_add_loop_test(t, truncated_everywhere, 0, 3);
    tcase_add_loop_test(t, truncated_upgrade_everywhere, 0, 3);
    tcase_add_test(t, truncated_pipe_upgrade);
    suite_add_tcase(s, t);

    t = tcase_create("type runs");
    tcase_set_timeout(t, 120);
    tcase_add_checked_fixture(t, setup, teardown);
    tcase_add_loop_test(t, type_runs_match_model, 0, 8);
    tcase_add_test(t, type_runs_cap);
    tcase_add_test(t, pfn_set_cap);
    tcase_add_loop_test(t, pfn_set_model, 0, 4);
    tcase_add_loop_test(t, p2m_frames_levels_match_model, 0, 64);
    tcase_add_loop_test(t, descending_holes_verdicts, 0, 2);
    suite_add_tcase(s, t);
    return s;
}

int main(void) { return tu_run(suite()); }
