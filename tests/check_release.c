/* Cross-release rules (verify --xen, info's "restores on", the remedy):
 * for each rule a case that breaks it for one release and not for the
 * next, asserting rule and offset; and whole streams through
 * xs_verify_for(). */
#include <check.h>
#include <string.h>

#include "endian.h"
#include "libxc.h"
#include "release.h"
#include "testutil.h"

#define AT 0x1000

static struct xs_report rep;
static struct xs_summary sum;
static struct xs_buf a, b;
static uint8_t body[64];

static void setup(void)
{
    xs_report_init(&rep, "test");
    memset(&sum, 0, sizeof(sum));
    memset(&a, 0, sizeof(a));
    memset(&b, 0, sizeof(b));
}

static void teardown(void)
{
    xs_report_free(&rep);
    xs_buf_free(&a);
    xs_buf_free(&b);
}

static struct xs_release rel(unsigned minor)
{
    struct xs_release r;
    xs_release_get(minor, &r);
    return r;
}

/* The record breaks `rule` on 4.bad (at AT, index 3) and not on 4.good. */
static void record_rule(uint32_t type, uint32_t len, const char *rule,
                        unsigned bad, unsigned good)
{
    struct xs_record r = {.type = type, .length = len, .offset = AT,
                          .index = 3, .body = body, .held = len};
    struct xs_release x = rel(bad);
    xs_release_check_record(&x, &r, &rep, &sum);
    const struct xs_finding *f = xs_report_find(&rep, rule);
    ck_assert_msg(f != NULL, "%s not reported for 4.%u", rule, bad);
    ck_assert_uint_eq(f->offset, AT);
    ck_assert_int_eq(f->index, 3);
    ck_assert_uint_eq(rep.errors, 1);
    ck_assert_uint_eq(sum.release_errors, 1);
    xs_report_free(&rep);
    xs_report_init(&rep, "test");
    x = rel(good);
    xs_release_check_record(&x, &r, &rep, &sum);
    ck_assert_msg(rep.errors == 0, "%s reported for 4.%u", rule, good);
    sum.release_errors = 0;
}

START_TEST(parse)
{
    struct xs_release r;
    ck_assert_int_eq(xs_release_parse("4.13", &r), XS_OK);
    ck_assert_uint_eq(r.minor, 13);
    ck_assert_uint_eq(r.max_version, 2);
    ck_assert_int_eq(xs_release_parse("4.17.3", &r), XS_OK);
    ck_assert_uint_eq(r.minor, 17);
    ck_assert_uint_eq(r.max_version, 3);
    ck_assert_int_eq(xs_release_parse("4.40", &r), XS_OK);
    ck_assert_uint_eq(r.rules_minor, XS_RELEASE_LAST);
    static const char *bad[] = {"4", "4.", "5.0", "4.x", "4.100", "4.13x",
                                "4.13.", "", "v4.13", "4.-1"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        ck_assert_msg(xs_release_parse(bad[i], &r) == XS_USAGE, "'%s'",
                      bad[i]);
}
END_TEST

START_TEST(rule_version)
{
    /* read_headers(): 4.13 reads v2 only, 4.14 v2 and v3 */
    struct xs_release x = rel(13);
    xs_release_check_header(&x, 3, AT, &rep, &sum);
    const struct xs_finding *f = xs_report_find(&rep, "xen.version");
    ck_assert_ptr_nonnull(f);
    ck_assert_uint_eq(f->offset, AT + 12); /* the version field */
    xs_release_check_header(&x, 2, AT, &rep, &sum);
    ck_assert_uint_eq(rep.errors, 1);
    x = rel(14);
    xs_release_check_header(&x, 3, AT, &rep, &sum);
    ck_assert_uint_eq(rep.errors, 1);
    /* before 4.6 only the legacy format */
    x = rel(5);
    xs_release_check_header(&x, 2, AT, &rep, &sum);
    ck_assert_uint_eq(rep.errors, 2);
    x = rel(6);
    xs_release_check_header(&x, 2, AT, &rep, &sum);
    ck_assert_uint_eq(rep.errors, 2);
    ck_assert_uint_eq(sum.release_errors, 2);
}
END_TEST

START_TEST(rule_record_types)
{
    /* xc_sr_stream_format.h of each release */
    record_rule(XS_REC_CHECKPOINT_DIRTY_PFN_LIST, 8, "xen.record_unknown", 6,
                7);
    record_rule(XS_REC_STATIC_DATA_END, 0, "xen.record_unknown", 13, 14);
    record_rule(XS_REC_X86_CPUID_POLICY, 8, "xen.record_unknown", 13, 14);
    record_rule(XS_REC_X86_MSR_POLICY, 8, "xen.record_unknown", 13, 14);
    /* an optional record is skipped by every release */
    struct xs_record r = {.type = XS_REC_OPTIONAL | XS_REC_STATIC_DATA_END,
                          .offset = AT};
    struct xs_release x = rel(6);
    xs_release_check_record(&x, &r, &rep, &sum);
    ck_assert_uint_eq(rep.errors, 0);
}
END_TEST

START_TEST(rule_erratum)
{
    /* handle_x86_pv_vcpu_blob(): 4.8 refuses empty blobs, 4.9 skips them */
    record_rule(XS_REC_X86_PV_VCPU_EXTENDED, 8, "xen.erratum_empty", 8, 9);
    record_rule(XS_REC_X86_PV_VCPU_XSAVE, 8, "xen.erratum_empty", 6, 9);
    record_rule(XS_REC_X86_PV_VCPU_MSRS, 8, "xen.erratum_empty", 7, 9);
    /* an empty HVM_PARAMS passes everywhere (its loop runs zero times) */
    struct xs_record r = {.type = XS_REC_HVM_PARAMS, .length = 8,
                          .offset = AT, .body = body, .held = 8};
    struct xs_release x = rel(6);
    xs_release_check_record(&x, &r, &rep, &sum);
    ck_assert_uint_eq(rep.errors, 0);
}
END_TEST

START_TEST(restores_and_remedy)
{
    struct xs_release x13 = rel(13), x14 = rel(14), x8 = rel(8), x5 = rel(5);
    sum.version = 3;
    sum.rec_count[XS_REC_STATIC_DATA_END] = 1;
    ck_assert(xs_release_restores(&x14, &sum, false));
    ck_assert(!xs_release_restores(&x13, &sum, false));
    ck_assert(xs_release_restores(&x13, &sum, true));
    ck_assert_str_eq(xs_release_remedy(&x14, &sum), "");
    ck_assert_str_eq(xs_release_remedy(&x13, &sum),
                     "xenstream convert --to-version 2");
    sum.rec_count[XS_REC_X86_CPUID_POLICY] = 1;
    ck_assert_str_eq(xs_release_remedy(&x13, &sum),
                     "xenstream convert --to-version 2 --drop-cpu-policy");
    ck_assert_ptr_null(xs_release_remedy(&x5, &sum));
    memset(&sum, 0, sizeof(sum));
    sum.version = 2;
    sum.empty_vcpu_blobs = 3;
    ck_assert(!xs_release_restores(&x8, &sum, false));
    ck_assert_str_eq(xs_release_remedy(&x8, &sum),
                     "xenstream convert --to-version 2");
    sum.rec_count[XS_REC_CHECKPOINT_DIRTY_PFN_LIST] = 1;
    struct xs_release x6 = rel(6);
    ck_assert_ptr_null(xs_release_remedy(&x6, &sum));
}
END_TEST

/* Whole streams: a v3 xl image as 4.14+ saves it fails --xen 4.13 with
 * the version and each v3 record named, and passes once converted. */
START_TEST(streams)
{
    struct xs_gen_opts o;
    xs_gen_defaults(&o);
    o.container = XS_GEN_XL;
    o.guest = _i ? XS_GUEST_X86_HVM : XS_GUEST_X86_PV;
    o.pages = 300;
    o.batch = 64;
    tu_gen(&o, &a);
    struct xs_release x13 = rel(13), x14 = rel(14);
    struct xs_in *in = tu_in_mem(a.p, a.len, &rep);
    ck_assert_int_eq(xs_verify_for(in, &rep, &sum, &x13), XS_INVALID);
    xs_in_close(in);
    ck_assert_uint_eq(rep.errors, 4); /* version, 2 policies, SDE */
    ck_assert_uint_eq(sum.release_errors, 4);
    static const uint8_t ihdr[12] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
                                     0xff, 0xff, 'X', 'E', 'N', 'F'};
    const uint8_t *h = memmem(a.p, a.len, ihdr, sizeof(ihdr));
    ck_assert_ptr_nonnull(h);
    const struct xs_finding *f = xs_report_find(&rep, "xen.version");
    ck_assert_ptr_nonnull(f);
    ck_assert_uint_eq(f->offset, (uint64_t)(h - a.p) + 12);
    f = xs_report_find(&rep, "xen.record_unknown");
    ck_assert_ptr_nonnull(f);
    ck_assert_uint_eq(xs_le32(a.p + f->offset), XS_REC_X86_CPUID_POLICY);
    ck_assert_str_eq(xs_release_remedy(&x13, &sum),
                     "xenstream convert --to-version 2 --drop-cpu-policy");

    xs_report_free(&rep);
    xs_report_init(&rep, "test");
    in = tu_in_mem(a.p, a.len, &rep);
    ck_assert_int_eq(xs_verify_for(in, &rep, &sum, &x14), XS_OK);
    xs_in_close(in);

    static const struct xs_convert_opts to2 = {.to_version = 2,
                                               .drop_cpu_policy = true};
    ck_assert_int_eq(tu_convert(&a, &b, &rep, false, &to2), XS_OK);
    in = tu_in_mem(b.p, b.len, &rep);
    ck_assert_int_eq(xs_verify_for(in, &rep, &sum, &x13), XS_OK);
    xs_in_close(in);
    ck_assert_uint_eq(sum.version, 2);
    for (unsigned m = XS_RELEASE_FIRST; m <= XS_RELEASE_LAST; m++) {
        struct xs_release x = rel(m);
        ck_assert(xs_release_restores(&x, &sum, false));
    }
}
END_TEST

int main(void)
{
    Suite *s = suite_create("release");
    TCase *t = tcase_create("rules");
    tcase_add_checked_fixture(t, setup, teardown);
    tcase_add_test(t, parse);
    tcase_add_test(t, rule_version);
    tcase_add_test(t, rule_record_types);
    tcase_add_test(t, rule_erratum);
    tcase_add_test(t, restores_and_remedy);
    tcase_add_loop_test(t, streams, 0, 2);
    suite_add_tcase(s, t);
    return tu_run(s);
}
