/* Cross-release rules (verify --xen, info's "restores on", the remedy):
 * for each rule a case that breaks it for one release and not for the
 * next, asserting rule and offset; and whole streams through
 * xs_verify_for(). */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
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
                     "xenstream convert --to-xen 4.13");
    sum.rec_count[XS_REC_X86_CPUID_POLICY] = 1;
    ck_assert_str_eq(xs_release_remedy(&x13, &sum),
                     "xenstream convert --to-xen 4.13 --drop-cpu-policy");
    ck_assert_ptr_null(xs_release_remedy(&x5, &sum));
    memset(&sum, 0, sizeof(sum));
    sum.version = 2;
    sum.empty_vcpu_blobs = 3;
    ck_assert(!xs_release_restores(&x8, &sum, false));
    ck_assert_str_eq(xs_release_remedy(&x8, &sum),
                     "xenstream convert --to-xen 4.8");
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
                     "xenstream convert --to-xen 4.13 --drop-cpu-policy");

    xs_report_free(&rep);
    xs_report_init(&rep, "test");
    in = tu_in_mem(a.p, a.len, &rep);
    /* its two MSRs (4.15+ savers send MSR_ARCH_CAPABILITIES, here not 0):
     * 4.14 copies one (msr.c, MSR_MAX_SERIALISED_ENTRIES 1) */
    ck_assert_int_eq(xs_verify_for(in, &rep, &sum, &x14), XS_INVALID);
    xs_in_close(in);
    ck_assert_ptr_nonnull(xs_report_find(&rep, "policy.msr.count"));
    ck_assert_str_eq(xs_release_remedy(&x14, &sum),
                     "xenstream convert --to-xen 4.14 --drop-cpu-policy");
    struct xs_release x15 = rel(15);
    xs_report_free(&rep);
    xs_report_init(&rep, "test");
    in = tu_in_mem(a.p, a.len, &rep);
    ck_assert_int_eq(xs_verify_for(in, &rep, &sum, &x15), XS_OK);
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

/* An HVM context body: HEADER, one descriptor (code, len, with the byte
 * at `mark` of its data set to 1 unless mark is 0), END.  The
 * descriptor's offset in the body is 32. */
static uint32_t hvm_body(uint8_t *p, uint16_t code, uint32_t len,
                         uint32_t mark)
{
    memset(p, 0, 32 + 8 + len + 8);
    xs_put_le16(p, 1);
    xs_put_le32(p + 4, 24);
    xs_put_le32(p + 8, 0x54381286);
    xs_put_le32(p + 12, 1);
    xs_put_le16(p + 32, code);
    xs_put_le32(p + 36, len);
    if (mark)
        p[40 + mark - 1] = 1;
    return 32 + 8 + len + 8;
}

static uint8_t big[2048];

/* The HVM descriptor breaks xen.hvm_length on 4.bad and not on 4.good. */
static void hvm_rule(uint16_t code, uint32_t len, unsigned bad, unsigned good)
{
    uint32_t n = hvm_body(big, code, len, 0);
    struct xs_record r = {.type = XS_REC_HVM_CONTEXT, .length = n,
                          .offset = AT, .index = 3, .body = big, .held = n};
    struct xs_release x = rel(bad);
    xs_release_check_record(&x, &r, &rep, &sum);
    const struct xs_finding *f = xs_report_find(&rep, "xen.hvm_length");
    ck_assert_msg(f != NULL, "code %u len %u not refused on 4.%u", code, len,
                  bad);
    ck_assert_uint_eq(f->offset, AT + 8 + 32 + 4); /* its length field */
    ck_assert_uint_eq(rep.errors, 1);
    xs_report_free(&rep);
    xs_report_init(&rep, "test");
    x = rel(good);
    xs_release_check_record(&x, &r, &rep, &sum);
    ck_assert_msg(rep.errors == 0, "code %u len %u refused on 4.%u", code,
                  len, good);
    /* in the summary: as it is on good only; converted on both when
     * what is cut is zero */
    memset(&sum, 0, sizeof(sum));
    sum.version = good >= 14 ? 3 : 2;
    xs_release_observe(&r, &sum);
    x = rel(bad);
    struct xs_release y = rel(good);
    ck_assert(!xs_release_restores(&x, &sum, false));
    ck_assert_msg(xs_release_restores(&y, &sum, false), "code %u on 4.%u",
                  code, good);
    if (bad >= 14)
        ck_assert(xs_release_restores(&x, &sum, true));
    /* not when it is not zero: nothing helps */
    n = hvm_body(big, code, len, len);
    r.length = r.held = n;
    memset(&sum, 0, sizeof(sum));
    sum.version = good >= 14 ? 3 : 2;
    xs_release_observe(&r, &sum);
    ck_assert(!xs_release_restores(&x, &sum, true));
    memset(&sum, 0, sizeof(sum));
}

START_TEST(rule_hvm_lengths)
{
    /* sizeof() of public/arch-x86/hvm/save.h at each tag, and its loader */
    hvm_rule(5, 32, 20, 21);   /* LAPIC + pending_esr (b28b590d4a) */
    hvm_rule(11, 24, 13, 14);  /* RTC, strict to 4.13 */
    hvm_rule(11, 20, 13, 14);  /* strict: neither 16 nor shorter... */
    hvm_rule(18, 32, 9, 10);   /* VMCE_VCPU + mcg_ext_ctl */
    hvm_rule(17, 216, 12, 13); /* VIRIDIAN_VCPU + synthetic timers */
    hvm_rule(17, 16, 6, 7);    /* + vp_assist */
    hvm_rule(2, 1032, 6, 7);   /* CPU + flags */
    /* XEN_X86_FPU_INITIALISED, which 4.6 assumes: cut for 4.6 too */
    uint32_t k = hvm_body(big, 2, 1032, 1025);
    struct xs_record c = {.type = XS_REC_HVM_CONTEXT, .length = k,
                          .offset = AT, .body = big, .held = k};
    xs_release_observe(&c, &sum);
    struct xs_release x6 = rel(6);
    sum.version = 2;
    ck_assert(xs_release_restores(&x6, &sum, true));
    big[40 + 1024] = 2; /* another flag: 4.7 refuses it anyway */
    memset(&sum, 0, sizeof(sum));
    sum.version = 2;
    xs_release_observe(&c, &sum);
    ck_assert(!xs_release_restores(&x6, &sum, true));
    memset(&sum, 0, sizeof(sum));
    /* the lengths every release reads pass everywhere */
    uint32_t n = hvm_body(big, 5, 24, 0);
    struct xs_record r = {.type = XS_REC_HVM_CONTEXT, .length = n,
                          .offset = AT, .body = big, .held = n};
    for (unsigned m = 6; m <= XS_RELEASE_LAST; m++) {
        struct xs_release x = rel(m);
        xs_release_check_record(&x, &r, &rep, &sum);
    }
    ck_assert_uint_eq(rep.errors, 0);
}
END_TEST

/* HVMOP_set_param refuses an index >= HVM_NR_PARAMS: 36 on 4.6, 37 on
 * 4.7-4.8, 38 on 4.9, 39 from 4.10 (public/hvm/params.h). */
START_TEST(rule_hvm_params)
{
    static const struct { uint64_t index; unsigned bad, good; } c[] = {
        {36, 6, 7}, {37, 8, 9}, {38, 9, 10},
    };
    for (size_t k = 0; k < 3; k++) {
        memset(body, 0, sizeof(body));
        xs_put_le32(body, 2);
        xs_put_le64(body + 8, 1);          /* STORE_PFN */
        xs_put_le64(body + 16, 0x100);
        xs_put_le64(body + 24, c[k].index);
        xs_put_le64(body + 32, 1);
        struct xs_record r = {.type = XS_REC_HVM_PARAMS, .length = 40,
                              .offset = AT, .index = 3, .body = body,
                              .held = 40};
        struct xs_release xb = rel(c[k].bad), xg = rel(c[k].good);
        xs_release_check_record(&xb, &r, &rep, &sum);
        const struct xs_finding *f = xs_report_find(&rep, "xen.hvm_param");
        ck_assert_msg(f != NULL, "index %llu on 4.%u",
                      (unsigned long long)c[k].index, c[k].bad);
        ck_assert_uint_eq(f->offset, AT + 8 + 24); /* the parameter */
        ck_assert_uint_eq(rep.errors, 1);
        xs_release_check_record(&xg, &r, &rep, &sum);
        ck_assert_uint_eq(rep.errors, 1);
        memset(&sum, 0, sizeof(sum));
        sum.version = 2;
        xs_release_observe(&r, &sum);
        struct xs_release x = rel(c[k].bad), y = rel(c[k].good);
        ck_assert(!xs_release_restores(&x, &sum, true));
        ck_assert(xs_release_restores(&y, &sum, false));
        xs_release_convert_record(&x, false, &r, &sum, &rep);
        ck_assert_ptr_nonnull(xs_report_find(&rep, "convert.hvm_param"));
        xs_report_free(&rep);
        xs_report_init(&rep, "test");
    }
    /* at or above 39: no release sets it (the body rule) */
    xs_put_le64(body + 24, 39);
    struct xs_record r = {.type = XS_REC_HVM_PARAMS, .length = 40,
                          .offset = AT, .body = body, .held = 40};
    xs_libxc_check_body(&r, &rep);
    const struct xs_finding *f = xs_report_find(&rep, "libxc.hvm_params.index");
    ck_assert_ptr_nonnull(f);
    ck_assert_uint_eq(f->offset, AT + 8 + 24);
    memset(&sum, 0, sizeof(sum));
}
END_TEST

START_TEST(rule_config)
{
    /* libxl_cpuid.c: 4.17 reads only the array, 4.18 both */
    struct xs_release x17 = rel(17), x18 = rel(18), x20 = rel(20),
                      x21 = rel(21);
    sum.version = 3;
    sum.cfg_offset = 0x34;
    sum.cfg_cpuid_object = true;
    xs_release_check_config(&x17, NULL, &sum, &rep);
    const struct xs_finding *f = xs_report_find(&rep, "xen.config_cpuid");
    ck_assert_ptr_nonnull(f);
    ck_assert_uint_eq(f->offset, 0x34);
    xs_release_check_config(&x18, NULL, &sum, &rep);
    ck_assert_uint_eq(rep.errors, 1);
    ck_assert(!xs_release_restores(&x17, &sum, false));
    ck_assert(xs_release_restores(&x17, &sum, true));
    ck_assert(xs_release_restores(&x18, &sum, false));
    ck_assert_str_eq(xs_release_remedy(&x17, &sum),
                     "xenstream convert --to-xen 4.17");
    sum.cfg_cpuid_msr = true; /* no array form holds it */
    ck_assert_ptr_null(xs_release_remedy(&x17, &sum));
    sum.cfg_cpuid_msr = sum.cfg_cpuid_object = false;
    /* qemu-traditional in the config: 4.20 runs it, 4.21 not */
    sum.cfg_qemu_trad = true;
    xs_release_check_config(&x20, NULL, &sum, &rep);
    ck_assert_uint_eq(rep.errors, 1);
    xs_release_check_config(&x21, NULL, &sum, &rep);
    ck_assert_ptr_nonnull(xs_report_find(&rep, "xen.qemu_traditional"));
    ck_assert_uint_eq(rep.errors, 2);
    xs_release_check_config(NULL, &x21, &sum, &rep);
    ck_assert_ptr_nonnull(xs_report_find(&rep, "convert.qemu_traditional"));
    ck_assert(xs_release_restores(&x20, &sum, false));
    ck_assert_ptr_null(xs_release_remedy(&x21, &sum));
    sum.cfg_qemu_trad = false;
    /* xl text that 4.12's xl takes and 4.13's refuses (formats/xl.c):
     * no conversion changes it */
    struct xs_release x12 = rel(12), x13 = rel(13);
    sum.cfg_refused = (2u << 22) - (1u << 13);
    ck_assert(xs_release_restores(&x12, &sum, true));
    ck_assert(!xs_release_restores(&x13, &sum, true));
    ck_assert_ptr_null(xs_release_remedy(&x13, &sum));
}
END_TEST

START_TEST(rule_emulator)
{
    /* libxl_sr_stream_format.h: EMULATOR_QEMU_TRADITIONAL, dropped in
     * 4.21 */
    uint8_t e[16] = {1};
    struct xs_record r = {.type = 3, .length = 16, .offset = AT, .index = 5,
                          .body = e, .held = 16};
    struct xs_release x20 = rel(20), x21 = rel(21);
    xs_release_libxl_record(&x20, NULL, &r, &rep, &sum);
    ck_assert_uint_eq(rep.errors, 0);
    ck_assert(sum.qemu_trad);
    xs_release_libxl_record(&x21, NULL, &r, &rep, &sum);
    const struct xs_finding *f = xs_report_find(&rep, "xen.qemu_traditional");
    ck_assert_ptr_nonnull(f);
    ck_assert_uint_eq(f->offset, AT);
    ck_assert_int_eq(f->index, 5);
    ck_assert(!xs_release_restores(&x21, &sum, true));
    e[0] = 2; /* qemu-upstream */
    memset(&sum, 0, sizeof(sum));
    xs_release_libxl_record(&x21, NULL, &r, &rep, &sum);
    ck_assert_uint_eq(rep.errors, 1);
    ck_assert(!sum.qemu_trad);
}
END_TEST

/* The derived policy of an image without policy records: BHI_DIS_S in a
 * vCPU's MSR_SPEC_CTRL, refused from 4.16.0 until 28301682f4 (4.18.4,
 * 4.19.2, 4.20.0). */
START_TEST(rule_derived_policy)
{
    uint8_t m[8 + 32] = {0};
    xs_put_le32(m + 8, 0xc0000103);
    xs_put_le32(m + 24, 0x48);
    xs_put_le64(m + 32, 0x401);
    struct xs_record r = {.type = XS_REC_X86_PV_VCPU_MSRS, .length = 40,
                          .offset = AT, .index = 7, .body = m, .held = 40};
    static const char *const bad[] = {"4.16", "4.17.7", "4.18.3", "4.19.1"};
    static const char *const good[] = {"4.15", "4.18.4", "4.19.2", "4.20",
                                       "4.13"};
    sum.version = 2;
    xs_release_observe(&r, &sum);
    ck_assert(sum.bhi_dis_s);
    for (size_t i = 0; i < 4; i++) {
        struct xs_release x;
        ck_assert_int_eq(xs_release_parse(bad[i], &x), XS_OK);
        xs_release_check_record(&x, &r, &rep, &sum);
        ck_assert_msg(rep.errors == i + 1, "%s", bad[i]);
        ck_assert(!xs_release_restores(&x, &sum, true));
    }
    const struct xs_finding *f = xs_report_find(&rep, "xen.derived_policy");
    ck_assert_ptr_nonnull(f);
    ck_assert_uint_eq(f->offset, AT);
    for (size_t i = 0; i < 5; i++) {
        struct xs_release x;
        ck_assert_int_eq(xs_release_parse(good[i], &x), XS_OK);
        xs_release_check_record(&x, &r, &rep, &sum);
        ck_assert_msg(rep.errors == 4, "%s", good[i]);
    }
    /* a policy record in the image: nothing is derived */
    struct xs_release x;
    xs_release_parse("4.16", &x);
    sum.rec_count[XS_REC_X86_CPUID_POLICY] = 1;
    xs_release_check_record(&x, &r, &rep, &sum);
    ck_assert_uint_eq(rep.errors, 4);
    /* the bit clear: nothing either */
    xs_put_le64(m + 32, 0x1);
    memset(&sum, 0, sizeof(sum));
    xs_release_observe(&r, &sum);
    ck_assert(!sum.bhi_dis_s);
}
END_TEST

START_TEST(rule_vendor)
{
    struct xs_release x21 = rel(21), x22 = rel(22);
    memcpy(sum.cpu_vendor, "AuthenticAMD", 13);
    xs_release_note_vendor(&x21, &sum, &rep);
    ck_assert_uint_eq(rep.notes, 0);
    xs_release_note_vendor(&x22, &sum, &rep);
    ck_assert_ptr_nonnull(xs_report_find(&rep, "xen.cpu_vendor"));
    ck_assert_uint_eq(rep.errors, 0);
}
END_TEST

static int verify_on(const struct xs_buf *img, const char *xen)
{
    struct xs_release x;
    ck_assert_int_eq(xs_release_parse(xen, &x), XS_OK);
    xs_report_free(&rep);
    xs_report_init(&rep, "test");
    struct xs_in *in = tu_in_mem(img->p, img->len, &rep);
    int rc = xs_verify_for(in, &rep, &sum, &x);
    xs_in_close(in);
    return rc;
}

static int convert_to(const struct xs_buf *img, struct xs_buf *out,
                      const char *xen, bool drop, bool pipe)
{
    struct xs_release x;
    ck_assert_int_eq(xs_release_parse(xen, &x), XS_OK);
    struct xs_convert_opts o = {.to_version = x.max_version,
                                .drop_cpu_policy = drop, .to_xen = &x};
    xs_report_free(&rep);
    xs_report_init(&rep, "test");
    xs_buf_free(out);
    return tu_convert(img, out, &rep, pipe, &o);
}

/* Golden: an HVM xl image of 4.21 (LAPIC with pending_esr 0, RTC of
 * 4.14, the config's cpuid in 4.18's form) fails --xen for every release
 * before 4.21 and passes once converted for it; the same for a PV one
 * (the config alone).  From a file and from a pipe. */
START_TEST(convert_golden)
{
    struct xs_gen_opts o;
    xs_gen_defaults(&o);
    o.container = XS_GEN_XL;
    o.guest = _i ? XS_GUEST_X86_HVM : XS_GUEST_X86_PV;
    o.pages = 300;
    o.batch = 64;
    o.lapic = 32;
    o.rtc = 24;
    o.cpuid_config = 2;
    tu_gen(&o, &a);
    for (unsigned m = XS_RELEASE_FIRST; m <= XS_RELEASE_LAST; m++) {
        char xen[8];
        snprintf(xen, sizeof(xen), "4.%u", m);
        int rc = verify_on(&a, xen);
        ck_assert_msg(rc == (m >= (_i ? 21u : 18u) ? XS_OK : XS_INVALID),
                      "%s as it is", xen);
        if (m == 14) { /* MSR_ARCH_CAPABILITIES, not 0: see streams */
            ck_assert_int_eq(convert_to(&a, &b, xen, false, m & 1),
                             XS_INVALID);
            ck_assert_ptr_nonnull(xs_report_find(&rep, "policy.msr.count"));
            continue;
        }
        ck_assert_int_eq(convert_to(&a, &b, xen, m < 14, m & 1), XS_OK);
        ck_assert_msg(verify_on(&b, xen) == XS_OK, "%s converted: %s", xen,
                      rep.nkept ? rep.kept[0].msg : "");
        struct xs_release x = rel(m);
        ck_assert(xs_release_restores(&x, &sum, false));
        ck_assert_uint_eq(sum.version, m < 14 ? 2 : 3);
        if (_i)
            ck_assert_uint_eq(sum.hvm_len_max[5], m < 21 ? 24 : 32);
        ck_assert(sum.cfg_cpuid_object == (m >= 18));
    }
}
END_TEST

/* x86_cpuid_copy_from_buffer() / x86_msr_copy_from_buffer(): each limit
 * broken for the release before it changed, fine from it on; without a
 * release, what every release from 4.14 refuses. */
static uint8_t pol[130 * XS_CPUID_LEAF_SIZE];

static const char *policy_rule(uint32_t type, uint32_t n, const char *xen)
{
    struct xs_record r = {.type = type, .body = pol, .index = 1,
                          .offset = 0x100, .length = n, .held = n};
    struct xs_release x;
    if (xen)
        ck_assert_int_eq(xs_release_parse(xen, &x), XS_OK);
    xs_report_free(&rep);
    xs_report_init(&rep, "test");
    memset(&sum, 0, sizeof(sum));
    xs_release_check_policy(xen ? &x : NULL, &r, false, &rep, &sum);
    xs_release_observe(&r, &sum);
    if (xen) /* the summary's first point release that takes it agrees */
        ck_assert((sum.policy_patch[x.rules_minor] >
                   (x.minor == x.rules_minor ? x.patch : 0)) ==
                  (rep.errors > 0));
    return rep.nkept ? rep.kept[0].rule : NULL;
}

static uint32_t leaves(const uint32_t (*l)[2], unsigned n)
{
    memset(pol, 0, sizeof(pol));
    for (unsigned i = 0; i < n; i++) {
        xs_put_le32(pol + i * XS_CPUID_LEAF_SIZE, l[i][0]);
        xs_put_le32(pol + i * XS_CPUID_LEAF_SIZE + 4, l[i][1]);
    }
    return n * XS_CPUID_LEAF_SIZE;
}

static uint32_t msrs(const uint64_t (*m)[2], unsigned n)
{
    memset(pol, 0, sizeof(pol));
    for (unsigned i = 0; i < n; i++) {
        xs_put_le32(pol + i * XS_MSR_ENTRY_SIZE, (uint32_t)m[i][0]);
        xs_put_le64(pol + i * XS_MSR_ENTRY_SIZE + 8, m[i][1]);
    }
    return n * XS_MSR_ENTRY_SIZE;
}

#define NA 0xffffffffu
START_TEST(policy_copy)
{
    const uint32_t C = XS_REC_X86_CPUID_POLICY, M = XS_REC_X86_MSR_POLICY;
    /* leaf 7 subleaf 2: CPUID_GUEST_NR_FEAT 2 -> 3 in 4.17 */
    static const uint32_t f72[][2] = {{0, NA}, {7, 0}, {7, 2}};
    uint32_t n = leaves(f72, 3);
    ck_assert_str_eq(policy_rule(C, n, "4.16"), "policy.cpuid.leaf");
    ck_assert_uint_eq(rep.kept[0].offset, 0x100 + 8 + 2 * 24);
    ck_assert_ptr_nonnull(strstr(rep.kept[0].msg, "CPUID leaf 0x7 subleaf 0x2"));
    ck_assert_ptr_nonnull(strstr(rep.kept[0].msg, "RELEASE-4.16.0"));
    ck_assert_uint_eq(sum.release_errors, 1);
    ck_assert_ptr_null(policy_rule(C, n, "4.17"));
    ck_assert_ptr_null(policy_rule(C, n, NULL));
    /* 0x80000021: CPUID_GUEST_NR_EXTD_AMD 0x1c + 1 -> 0x21 + 1 in 4.16 */
    static const uint32_t e21[][2] = {{0x80000021u, NA}};
    n = leaves(e21, 1);
    ck_assert_str_eq(policy_rule(C, n, "4.15"), "policy.cpuid.leaf");
    ck_assert_ptr_null(policy_rule(C, n, "4.16"));
    /* no release has these */
    static const uint32_t none[][4][2] = {
        {{0x80000022u, NA}}, {{1, 0}}, {{0xd, 63}}, {{0xe, NA}},
        {{0x40000001u, NA}}, {{4, 6}}, {{0xb, 2}},
    };
    for (unsigned i = 0; i < sizeof(none) / sizeof(none[0]); i++) {
        n = leaves(none[i], 1);
        const char *rule = policy_rule(C, n, NULL);
        ck_assert_msg(rule && !strcmp(rule, "policy.cpuid.leaf"), "case %u", i);
        ck_assert_ptr_nonnull(strstr(rep.kept[0].msg, "Xen 4.14 to 4.22"));
        ck_assert_uint_eq(sum.release_errors, 0);
    }
    static const uint32_t fine[][2] = {{0xd, 62}, {4, 5}, {0xb, 1},
                                       {0x40000000u, NA}, {0x40000100u, NA},
                                       {0xc, NA}, {0x80000008u, NA}};
    ck_assert_ptr_null(policy_rule(C, leaves(fine, 7), "4.14"));
    /* CPUID_MAX_SERIALISED_LEAVES: 114 (4.14, 4.15), 119 (4.16), 120 */
    static uint32_t many[121][2];
    for (unsigned i = 0; i < 121; i++)
        many[i][0] = 0, many[i][1] = NA;
    ck_assert_str_eq(policy_rule(C, leaves(many, 115), "4.15"),
                     "policy.cpuid.count");
    ck_assert_ptr_null(policy_rule(C, leaves(many, 115), "4.16"));
    ck_assert_str_eq(policy_rule(C, leaves(many, 120), "4.16"),
                     "policy.cpuid.count");
    ck_assert_ptr_null(policy_rule(C, leaves(many, 120), "4.17"));
    ck_assert_str_eq(policy_rule(C, leaves(many, 121), NULL),
                     "policy.cpuid.count");

    /* MSRs: 4.14 copies MSR_INTEL_PLATFORM_INFO alone (at most 1) */
    static const uint64_t pi_ac[][2] = {{0xce, 0}, {0x10a, 0}};
    ck_assert_str_eq(policy_rule(M, msrs(pi_ac, 2), "4.14"),
                     "policy.msr.count");
    ck_assert_str_eq(policy_rule(M, msrs(pi_ac + 1, 1), "4.14"),
                     "policy.msr.index");
    ck_assert_ptr_nonnull(strstr(rep.kept[0].msg, "MSR 0x0000010a"));
    ck_assert_ptr_null(policy_rule(M, msrs(pi_ac, 2), "4.15"));
    /* arch_caps.raw: uint32_t to 4.17, uint64_t from 4.18 */
    static const uint64_t wide[][2] = {{0x10a, 1ull << 40}};
    ck_assert_str_eq(policy_rule(M, msrs(wide, 1), "4.17"),
                     "policy.msr.overflow");
    ck_assert_ptr_null(policy_rule(M, msrs(wide, 1), "4.18"));
    static const uint64_t pi_wide[][2] = {{0xce, 1ull << 32}};
    ck_assert_str_eq(policy_rule(M, msrs(pi_wide, 1), NULL),
                     "policy.msr.overflow");
    static const uint64_t other[][2] = {{0xce, 0}, {0x48, 0}};
    ck_assert_str_eq(policy_rule(M, msrs(other, 2), NULL),
                     "policy.msr.index");
    ck_assert_uint_eq(rep.kept[0].offset, 0x100 + 8 + 16);
    static const uint64_t three[][2] = {{0xce, 0}, {0x10a, 0}, {0xce, 0}};
    ck_assert_str_eq(policy_rule(M, msrs(three, 3), NULL), "policy.msr.count");

    /* flags: ".flags MBZ", -EINVAL, at every release from 4.14, before
     * the index is looked at */
    n = msrs(pi_ac, 2);
    xs_put_le32(pol + XS_MSR_ENTRY_SIZE + 4, 0x80);
    ck_assert_str_eq(policy_rule(M, n, NULL), "policy.msr.flags");
    ck_assert_uint_eq(rep.kept[0].offset, 0x100 + 8 + 16 + 4);
    ck_assert_msg(strstr(rep.kept[0].msg, "MSR 0x0000010a (entry 1) has "
                         "flags 0x80: Xen 4.14 to 4.22 refuses") &&
                      strstr(rep.kept[0].msg, "xen/arch/x86/lib/cpu-policy/"
                             "copy-from-buffer.c at RELEASE-4.22.0"),
                  "%s", rep.kept[0].msg);
    for (unsigned m = 14; m <= XS_RELEASE_LAST; m++)
        ck_assert_uint_eq(sum.policy_patch[m], XS_PATCH_NONE);
    /* as convert writes it: cleared (and for 4.14 the 0 it has no field
     * for left out) */
    for (unsigned m = 14; m <= XS_RELEASE_LAST; m++)
        ck_assert_uint_eq(sum.policy_patch_conv[m], 0);
    /* a point release's convert: 4.14.0 has no field for
     * MSR_ARCH_CAPABILITIES, not 0 here, so it stays and 4.14.0 refuses
     * it; 4.14.1 takes 32 bits of it, 4.14.6 (4.15.5, 4.16.5, 4.17.2)
     * all 64 */
    static const uint64_t ac32[][2] = {{0xce, 0}, {0x10a, 1}};
    static const uint64_t ac64[][2] = {{0xce, 0}, {0x10a, 1ull << 40}};
    policy_rule(M, msrs(ac32, 2), NULL);
    ck_assert_uint_eq(sum.policy_patch_conv[14], 1);
    ck_assert_uint_eq(sum.policy_patch_conv[15], 0);
    policy_rule(M, msrs(ac64, 2), NULL);
    static const uint8_t first64[] = {6, 5, 5, 2, 0, 0};
    for (unsigned m = 14; m <= 19; m++)
        ck_assert_msg(sum.policy_patch_conv[m] == first64[m - 14],
                      "4.%u: %u", m, sum.policy_patch_conv[m]);
    n = msrs(pi_ac, 2);
    xs_put_le32(pol + XS_MSR_ENTRY_SIZE + 4, 0x80);
    ck_assert_str_eq(policy_rule(M, n, "4.15"), "policy.msr.flags");
    ck_assert_ptr_nonnull(strstr(rep.kept[0].msg, "Xen 4.15 refuses"));
    ck_assert_ptr_nonnull(strstr(rep.kept[0].msg, "xen/lib/x86/msr.c at "
                                 "RELEASE-4.15.0"));
    ck_assert_uint_eq(sum.release_errors, 1);
    /* 4.14: the count first */
    ck_assert_str_eq(policy_rule(M, n, "4.14"), "policy.msr.count");
    /* an MSR 4.21 has no field for, flags set: the flags first */
    xs_put_le32(pol + 4, 1);
    xs_put_le32(pol, 0x48);
    ck_assert_str_eq(policy_rule(M, n, "4.21"), "policy.msr.flags");
    ck_assert_uint_eq(rep.kept[0].offset, 0x100 + 8 + 4);
    /* as upgrade writes it: cleared, a warning */
    n = msrs(pi_ac, 2);
    xs_put_le32(pol + 4, 1);
    struct xs_record r = {.type = M, .body = pol, .index = 1, .offset = 0x100,
                          .length = n, .held = n};
    xs_report_free(&rep);
    xs_report_init(&rep, "test");
    xs_release_check_policy(NULL, &r, true, &rep, NULL);
    ck_assert_uint_eq(rep.errors, 0);
    ck_assert_uint_eq(rep.nkept, 1);
    ck_assert_str_eq(rep.kept[0].rule, "libxc.reserved");
    ck_assert_int_eq(rep.kept[0].sev, XS_SEV_WARNING);
    ck_assert_uint_eq(rep.kept[0].offset, 0x100 + 8 + 4);
}
END_TEST

/* The stable releases that raised the copy's limits (RELEASE-4.1x.y's
 * cpuid.h, msr.h, cpu-policy.h): each limit broken for the release
 * before and fine from it, for its own branch only; 4.x alone is 4.x.0,
 * whose refusal names the point release that takes it. */
START_TEST(point_releases)
{
    const uint32_t C = XS_REC_X86_CPUID_POLICY, M = XS_REC_X86_MSR_POLICY;
    /* two MSRs with MSR_ARCH_CAPABILITIES: 4.14.1 */
    static const uint64_t pi_ac[][2] = {{0xce, 0}, {0x10a, 0}};
    uint32_t n = msrs(pi_ac, 2);
    ck_assert_str_eq(policy_rule(M, n, "4.14.0"), "policy.msr.count");
    ck_assert_ptr_null(policy_rule(M, n, "4.14.1"));
    ck_assert_ptr_null(policy_rule(M, n, "4.14.6"));
    ck_assert_str_eq(policy_rule(M, n, "4.14"), "policy.msr.count");
    ck_assert_msg(strstr(rep.kept[0].msg, "Xen 4.14.1 and later 4.14 "
                         "releases take it (--xen 4.14.1)"),
                  "%s", rep.kept[0].msg);
    /* leaf 7 subleaf 2 and leaf 0x80000021: 4.14.5, 4.15.3; 7:2 alone
     * 4.16.1 (4.16.0 had the extended leaves) */
    static const uint32_t f72[][2] = {{0, NA}, {7, 2}};
    static const uint32_t e21[][2] = {{0x80000021u, NA}};
    n = leaves(f72, 2);
    ck_assert_str_eq(policy_rule(C, n, "4.14.4"), "policy.cpuid.leaf");
    ck_assert_ptr_nonnull(strstr(rep.kept[0].msg, "Xen 4.14.4 has no slot"));
    ck_assert_ptr_nonnull(strstr(rep.kept[0].msg, "RELEASE-4.14.4"));
    ck_assert_ptr_null(policy_rule(C, n, "4.14.5"));
    ck_assert_str_eq(policy_rule(C, n, "4.15.2"), "policy.cpuid.leaf");
    ck_assert_ptr_null(policy_rule(C, n, "4.15.3"));
    ck_assert_str_eq(policy_rule(C, n, "4.16"), "policy.cpuid.leaf");
    ck_assert_ptr_nonnull(strstr(rep.kept[0].msg, "(--xen 4.16.1)"));
    ck_assert_ptr_null(policy_rule(C, n, "4.16.1"));
    n = leaves(e21, 1);
    ck_assert_str_eq(policy_rule(C, n, "4.15.2"), "policy.cpuid.leaf");
    ck_assert_ptr_null(policy_rule(C, n, "4.15.3"));
    /* a branch's backport is its own: 4.14.5's limits are not 4.15.0's */
    ck_assert_ptr_null(policy_rule(C, n, "4.14.5"));
    ck_assert_str_eq(policy_rule(C, n, "4.15.0"), "policy.cpuid.leaf");
    /* MSR_ARCH_CAPABILITIES in 64 bits: 4.14.6, 4.15.5, 4.16.5, 4.17.2 */
    static const uint64_t wide[][2] = {{0x10a, 1ull << 40}};
    n = msrs(wide, 1);
    static const char *const narrow[] = {"4.14.5", "4.15.4", "4.16.4",
                                         "4.17.1"};
    static const char *const wide_ok[] = {"4.14.6", "4.15.5", "4.16.5",
                                          "4.17.2"};
    for (unsigned i = 0; i < 4; i++) {
        ck_assert_msg(policy_rule(M, n, narrow[i]) &&
                          !strcmp(rep.kept[0].rule, "policy.msr.overflow"),
                      "%s", narrow[i]);
        ck_assert_msg(!policy_rule(M, n, wide_ok[i]), "%s", wide_ok[i]);
    }
    /* no point release takes what its branch's last one refuses: no
     * hint (three MSRs) */
    static const uint64_t three[][2] = {{0xce, 0}, {0x10a, 0}, {0xce, 0}};
    ck_assert_str_eq(policy_rule(M, msrs(three, 3), "4.14"),
                     "policy.msr.count");
    ck_assert_ptr_null(strstr(rep.kept[0].msg, "take it"));
}
END_TEST

/* A generated image in a: its MSR_ARCH_CAPABILITIES entry (0x10a,
 * flags, value) */
static uint8_t *gen_arch_caps(void)
{
    struct xs_gen_opts o;
    xs_gen_defaults(&o);
    o.pages = 64;
    tu_gen(&o, &a);
    static const uint8_t ac[8] = {0x0a, 0x01, 0, 0, 0, 0, 0, 0};
    uint8_t *e = memmem(a.p, a.len, ac, sizeof(ac));
    ck_assert_ptr_nonnull(e);
    return e;
}

/* An MSR policy entry with flags set: verify refuses it for every
 * release, upgrade and convert --to-xen clear them, and the result
 * passes. */
START_TEST(msr_flags)
{
    uint8_t *e = gen_arch_caps();
    xs_put_le32(e + 4, 2);
    uint64_t at = (uint64_t)(e - a.p) + 4;
    ck_assert_int_eq(verify_on(&a, "4.22"), XS_INVALID);
    const struct xs_finding *f = xs_report_find(&rep, "policy.msr.flags");
    ck_assert_ptr_nonnull(f);
    ck_assert_uint_eq(f->offset, at);
    struct xs_release x18 = rel(18);
    ck_assert(!xs_release_restores(&x18, &sum, false));
    ck_assert_str_eq(xs_release_remedy(&x18, &sum),
                     "xenstream convert --to-xen 4.18");
    /* upgrade and convert --to-xen: cleared, with the warning */
    struct xs_report r2;
    xs_report_init(&r2, "test");
    ck_assert_int_eq(tu_upgrade(&a, &b, &r2, false), XS_OK);
    ck_assert_ptr_nonnull(xs_report_find(&r2, "libxc.reserved"));
    ck_assert_ptr_null(xs_report_find(&r2, "policy.msr.flags"));
    xs_report_free(&r2);
    ck_assert_int_eq(verify_on(&b, "4.22"), XS_OK);
    ck_assert_int_eq(convert_to(&a, &b, "4.18", false, false), XS_OK);
    ck_assert_ptr_nonnull(xs_report_find(&rep, "libxc.reserved"));
    ck_assert_int_eq(verify_on(&b, "4.18"), XS_OK);
}
END_TEST

/* convert --to-xen 4.14: MSR_ARCH_CAPABILITIES left out when it is 0
 * (4.14 has no field for it), and the result passes --xen 4.14. */
START_TEST(convert_msr_left_out)
{
    static const uint8_t ac[8] = {0x0a, 0x01, 0, 0, 0, 0, 0, 0};
    uint8_t *e = gen_arch_caps();
    xs_put_le64(e + 8, 0);
    ck_assert_int_eq(verify_on(&a, "4.14"), XS_INVALID);
    ck_assert_ptr_nonnull(xs_report_find(&rep, "policy.msr.count"));
    struct xs_release x14 = rel(14);
    ck_assert_str_eq(xs_release_remedy(&x14, &sum),
                     "xenstream convert --to-xen 4.14");
    ck_assert_int_eq(convert_to(&a, &b, "4.14", false, false), XS_OK);
    const struct xs_finding *f = xs_report_find(&rep, "convert.msr_left_out");
    ck_assert_ptr_nonnull(f);
    ck_assert_uint_eq(f->offset, (uint64_t)(e - a.p));
    ck_assert_int_eq(verify_on(&b, "4.14"), XS_OK);
    ck_assert_ptr_null(memmem(b.p, b.len, ac, sizeof(ac)));
    ck_assert_uint_eq(b.len, a.len - 16);
    /* for 4.15 it stays */
    ck_assert_int_eq(convert_to(&a, &b, "4.15", false, false), XS_OK);
    ck_assert_ptr_nonnull(memmem(b.p, b.len, ac, sizeof(ac)));
    /* not 0: refused, as verify says */
    xs_put_le64(e + 8, 2);
    ck_assert_int_eq(convert_to(&a, &b, "4.14", false, false), XS_INVALID);
    ck_assert_ptr_nonnull(xs_report_find(&rep, "policy.msr.count"));
    /* the way out: v3 without the policy records, which 4.14 restores
     * (the host derives the policy); verify names it */
    ck_assert_int_eq(verify_on(&a, "4.14"), XS_INVALID);
    struct xs_release x13 = rel(13);
    ck_assert(!xs_release_restores(&x14, &sum, XS_AS_CONVERTED));
    ck_assert(xs_release_restores(&x14, &sum, XS_AS_CONVERTED_NO_POLICY));
    ck_assert_str_eq(xs_release_remedy(&x14, &sum),
                     "xenstream convert --to-xen 4.14 --drop-cpu-policy");
    ck_assert_str_eq(xs_release_remedy(&x13, &sum),
                     "xenstream convert --to-xen 4.13 --drop-cpu-policy");
    for (int pipe = 0; pipe < 2; pipe++) {
        ck_assert_int_eq(convert_to(&a, &b, "4.14", true, pipe), XS_OK);
        ck_assert_ptr_null(memmem(b.p, b.len, ac, sizeof(ac)));
        ck_assert_int_eq(verify_on(&b, "4.14"), XS_OK);
        ck_assert_uint_eq(sum.version, 3);
        ck_assert_uint_eq(sum.rec_count[XS_REC_X86_CPUID_POLICY], 0);
        ck_assert_uint_eq(sum.rec_count[XS_REC_X86_MSR_POLICY], 0);
        ck_assert_uint_eq(sum.rec_count[XS_REC_STATIC_DATA_END], 1);
    }
}
END_TEST

/* A host as xen-cpuid -p prints it (tests/hostpolicy.py's form): every
 * system policy with the vendor and leaf 7[0].ebx given. */
static struct xs_host_policy *host_file(const char *vendor, uint32_t l7b)
{
    char path[] = "/tmp/xs-host-XXXXXX";
    int fd = mkstemp(path);
    ck_assert_int_ge(fd, 0);
    FILE *f = fdopen(fd, "w");
    ck_assert_ptr_nonnull(f);
    uint32_t v[3];
    memcpy(v, vendor, 12);
    fprintf(f, "Xen reports there are maximum 117 leaves and 2 MSRs\n");
    static const char *const names[] = {"Raw", "Host", "PV Max", "HVM Max",
                                        "PV Default", "HVM Default"};
    for (int i = 0; i < 6; i++) {
        fprintf(f, "%s policy: 4 leaves, 2 MSRs\n CPUID:\n"
                "  leaf     subleaf  -> eax      ebx      ecx      edx     \n"
                "  00000000:ffffffff -> 0000000d:%08x:%08x:%08x\n"
                "  00000001:ffffffff -> 00000000:00000000:14000000:00000001\n"
                "  00000007:00000000 -> 00000000:%08x:00000000:00000000\n"
                "  80000000:ffffffff -> 80000008:00000000:00000000:00000000\n"
                " MSRs:\n  index    -> value           \n"
                "  000000ce -> 0000000000000000\n"
                "  0000010a -> 0000000000000000\n",
                names[i], xs_le32((uint8_t *)&v[0]), xs_le32((uint8_t *)&v[2]),
                xs_le32((uint8_t *)&v[1]), l7b);
    }
    fclose(f);
    struct xs_report hr;
    xs_report_init(&hr, path);
    struct xs_host_policy *hp = xs_host_policy_read(path, &hr);
    ck_assert_msg(hp, "%s", hr.nkept ? hr.kept[0].msg : "");
    xs_report_free(&hr);
    unlink(path);
    return hp;
}

static int convert_for(const struct xs_target *t, const char *xen)
{
    struct xs_release x;
    struct xs_convert_opts o = {.to_version = 3, .target = t};
    if (xen) {
        ck_assert_int_eq(xs_release_parse(xen, &x), XS_OK);
        o.to_xen = &x;
        o.to_version = x.max_version;
    }
    xs_report_free(&rep);
    xs_report_init(&rep, "test");
    xs_buf_free(&b);
    return tu_convert(&a, &b, &rep, false, &o);
}

/* xs_convert_opts names a host one way, .target: convert --to-xen
 * --host-policy's (vendor_only: the vendor rule of 4.22 alone) and the
 * live backend's (every host rule), the same facts as before they were
 * one. */
START_TEST(convert_target)
{
    struct xs_gen_opts o;
    xs_gen_defaults(&o);
    o.pages = 64;
    o.cpu_features = "fpu,avx2"; /* leaf 7[0].ebx bit 5 */
    tu_gen(&o, &a);
    struct xs_host_policy *amd = host_file("AuthenticAMD", 0x20);
    struct xs_host_policy *older = host_file("GenuineIntel", 0);
    struct xs_release r417 = rel(17), r422 = rel(22);

    /* vendor_only: another vendor refused from 4.22 on, not before */
    struct xs_target t = {.xen = &r422, .host = amd, .vendor_only = true};
    ck_assert_int_eq(convert_for(&t, "4.22"), XS_INVALID);
    ck_assert_ptr_nonnull(xs_report_find(&rep, "convert.cpu_vendor"));
    ck_assert_ptr_null(xs_report_find(&rep, "host.cpu_vendor"));
    ck_assert_int_eq(convert_for(&t, "4.21"), XS_OK);
    /* ... and nothing else of the host: the guest loses avx2 there */
    t.host = older;
    ck_assert_int_eq(convert_for(&t, "4.22"), XS_OK);
    ck_assert_ptr_null(xs_report_find(&rep, "host.feature_loss"));
    /* no host: the note naming the guest's vendor */
    ck_assert_int_eq(convert_for(NULL, "4.22"), XS_OK);
    const struct xs_finding *f = xs_report_find(&rep, "convert.cpu_vendor");
    ck_assert_ptr_nonnull(f);
    ck_assert_int_eq(f->sev, XS_SEV_NOTE);

    /* the backend's: every host rule, feature loss allowed or not */
    t = (struct xs_target){.xen = &r417, .host = older};
    ck_assert_int_eq(convert_for(&t, NULL), XS_INVALID);
    ck_assert_ptr_nonnull(xs_report_find(&rep, "host.feature_loss"));
    t.allow_feature_loss = true;
    ck_assert_int_eq(convert_for(&t, NULL), XS_OK);
    f = xs_report_find(&rep, "host.feature_loss");
    ck_assert_ptr_nonnull(f);
    ck_assert_int_eq(f->sev, XS_SEV_WARNING);
    t = (struct xs_target){.xen = &r422, .host = amd};
    ck_assert_int_eq(convert_for(&t, NULL), XS_INVALID);
    ck_assert_ptr_nonnull(xs_report_find(&rep, "host.cpu_vendor"));
    xs_host_policy_free(amd);
    xs_host_policy_free(older);
}
END_TEST

/* Where nothing helps: refused with the reason, no output. */
START_TEST(convert_refused)
{
    struct xs_gen_opts o;
    xs_gen_defaults(&o);
    o.container = XS_GEN_XL;
    o.guest = XS_GUEST_X86_HVM;
    o.pages = 300;
    o.batch = 64;
    o.lapic = 32;
    o.pending_esr = 0x40;
    tu_gen(&o, &a);
    ck_assert_int_eq(convert_to(&a, &b, "4.20", false, false), XS_INVALID);
    const struct xs_finding *f = xs_report_find(&rep, "convert.hvm_length");
    ck_assert_ptr_nonnull(f);
    ck_assert_uint_eq(xs_le32(a.p + f->offset), 0x40); /* pending_esr */
    ck_assert_ptr_nonnull(strstr(f->msg, "pending_esr 0x40"));
    uint64_t esr = f->offset;
    ck_assert_int_eq(convert_to(&a, &b, "4.21", false, true), XS_OK);
    /* the non-zero byte in hvm_hw_lapic's tail padding (28-31), not in
     * pending_esr: described as bytes, pending_esr not named */
    o.pending_esr = 0;
    tu_gen(&o, &a);
    a.p[esr + 5] = 0x7;
    ck_assert_int_eq(convert_to(&a, &b, "4.20", false, false), XS_INVALID);
    f = xs_report_find(&rep, "convert.hvm_length");
    ck_assert_ptr_nonnull(f);
    ck_assert_uint_eq(f->offset, esr + 5);
    ck_assert_ptr_null(strstr(f->msg, "pending_esr"));
    ck_assert_ptr_nonnull(strstr(f->msg, "past 24 are not zero (the first "
                                         "at 29)"));
    /* both: still not only pending_esr */
    o.pending_esr = 0x40;
    tu_gen(&o, &a);
    a.p[esr + 5] = 0x7;
    ck_assert_int_eq(convert_to(&a, &b, "4.20", false, false), XS_INVALID);
    f = xs_report_find(&rep, "convert.hvm_length");
    ck_assert_ptr_null(strstr(f->msg, "pending_esr"));
    ck_assert_uint_eq(f->offset, esr);

    o.pending_esr = 0;
    o.cpuid_config = 3; /* an MSR entry */
    tu_gen(&o, &a);
    ck_assert_int_eq(convert_to(&a, &b, "4.17", false, false), XS_INVALID);
    ck_assert_ptr_nonnull(xs_report_find(&rep, "convert.config_cpuid"));
    ck_assert_int_eq(convert_to(&a, &b, "4.18", false, false), XS_OK);

    o.cpuid_config = 0;
    o.qemu_trad = true;
    tu_gen(&o, &a);
    ck_assert_int_eq(convert_to(&a, &b, "4.21", false, false), XS_INVALID);
    ck_assert_ptr_nonnull(xs_report_find(&rep, "convert.qemu_traditional"));
    ck_assert_int_eq(verify_on(&a, "4.21"), XS_INVALID);
    ck_assert_ptr_nonnull(xs_report_find(&rep, "xen.qemu_traditional"));
    ck_assert_int_eq(convert_to(&a, &b, "4.20", false, true), XS_OK);
    ck_assert_int_eq(verify_on(&b, "4.20"), XS_OK); /* the LAPIC cut */
    o.text_config = true; /* the config alone says it */
    tu_gen(&o, &a);
    ck_assert_int_eq(verify_on(&a, "4.22"), XS_INVALID);
    ck_assert(sum.cfg_qemu_trad);

    /* a v2 image of a patched 4.13 with BHI_DIS_S */
    xs_gen_defaults(&o);
    o.version = 2;
    o.xen_minor = 13;
    o.pages = 300;
    o.batch = 64;
    o.bhi = true;
    o.guest = XS_GUEST_X86_HVM;
    tu_gen(&o, &a);
    ck_assert_int_eq(verify_on(&a, "4.19.1"), XS_INVALID);
    ck_assert_ptr_nonnull(xs_report_find(&rep, "xen.derived_policy"));
    ck_assert_int_eq(verify_on(&a, "4.19.2"), XS_OK);
    ck_assert_int_eq(convert_to(&a, &b, "4.18", false, false), XS_INVALID);
    ck_assert_ptr_nonnull(xs_report_find(&rep, "convert.derived_policy"));
    ck_assert_int_eq(convert_to(&a, &b, "4.18.4", false, false), XS_OK);
}
END_TEST

/* An HVM xl image in a (o: how it was made). */
static void gen_xl_hvm(struct xs_gen_opts *o)
{
    xs_gen_defaults(o);
    o->container = XS_GEN_XL;
    o->guest = XS_GUEST_X86_HVM;
    o->pages = 300;
    o->batch = 64;
    tu_gen(o, &a);
}

/* The config as stored, replaced (file and pipe), read back; refused
 * for a guest of the other type and for an image without an xl header. */
START_TEST(config_replace)
{
    struct xs_gen_opts o;
    gen_xl_hvm(&o);
    struct xs_buf cfg = {0}, back = {0};
    bool json;
    struct xs_in *in = tu_in_mem(a.p, a.len, &rep);
    ck_assert_int_eq(xs_config_read(in, &rep, &cfg, &json), XS_OK);
    xs_in_close(in);
    ck_assert(json);
    ck_assert(cfg.len > 2 && cfg.p[0] == '{' && cfg.p[cfg.len - 1] != 0);
    static const char text[] = "name = \"moved\"\ntype = \"hvm\"\nvcpus = 2\n";
    struct xs_convert_opts c = {.to_version = 3,
                                .config = (const uint8_t *)text,
                                .config_len = sizeof(text) - 1};
    for (int pipe = 0; pipe < 2; pipe++) {
        xs_buf_free(&b);
        ck_assert_int_eq(tu_convert(&a, &b, &rep, pipe, &c), XS_OK);
        in = tu_in_mem(b.p, b.len, &rep);
        ck_assert_int_eq(xs_config_read(in, &rep, &back, &json), XS_OK);
        xs_in_close(in);
        ck_assert(!json);
        ck_assert_uint_eq(back.len, sizeof(text) - 1);
        ck_assert(memcmp(back.p, text, back.len) == 0);
        ck_assert_int_eq(tu_verify(&b, &rep), XS_OK);
    }
    /* the original back: the original bytes */
    struct xs_buf orig = {0};
    c.config = cfg.p;
    c.config_len = cfg.len;
    ck_assert_int_eq(tu_convert(&b, &orig, &rep, false, &c), XS_OK);
    tu_assert_same(&orig, &a, "config back");
    xs_buf_free(&orig);
    /* the guest type against the stream */
    static const char pv[] = "{\"c_info\": {\"type\": \"pv\"}}";
    c.config = (const uint8_t *)pv;
    c.config_len = sizeof(pv) - 1;
    xs_report_free(&rep);
    xs_report_init(&rep, "test");
    ck_assert_int_eq(tu_convert(&a, &b, &rep, true, &c), XS_INVALID);
    ck_assert_ptr_nonnull(xs_report_find(&rep, "config.guest_type"));
    /* no xl header: nothing to replace, and no config to read */
    o.container = XS_GEN_LIBXL;
    tu_gen(&o, &a);
    xs_report_free(&rep);
    xs_report_init(&rep, "test");
    ck_assert_int_eq(tu_convert(&a, &b, &rep, false, &c), XS_INVALID);
    ck_assert_ptr_nonnull(xs_report_find(&rep, "convert.config"));
    in = tu_in_mem(a.p, a.len, &rep);
    ck_assert_int_eq(xs_config_read(in, &rep, &back, &json), XS_INVALID);
    xs_in_close(in);
    ck_assert_ptr_nonnull(xs_report_find(&rep, "config.none"));
    xs_buf_free(&cfg);
    xs_buf_free(&back);
}
END_TEST

/* The xl config text as the release's xl reads it: verify --xen and
 * convert --to-xen (with --config) apply that release's rules, verify
 * alone the newest's (formats/xl.c, xl_parse.c at each tag). */
START_TEST(config_per_release)
{
    struct xs_gen_opts o;
    gen_xl_hvm(&o);
    /* 4.12 reads max_grant_frames with xlu_cfg_get_long() (a warning),
     * 4.13 with xlu_cfg_get_bounded_long() (exit(1)) */
    static const char text[] = "name = \"g\"\ntype = \"hvm\"\n"
                               "max_grant_frames = \"lots\"\n";
    struct xs_release x12;
    ck_assert_int_eq(xs_release_parse("4.12", &x12), XS_OK);
    struct xs_convert_opts c = {.to_version = 3,
                                .config = (const uint8_t *)text,
                                .config_len = sizeof(text) - 1};
    xs_report_free(&rep);
    xs_report_init(&rep, "test");
    ck_assert_int_eq(tu_convert(&a, &b, &rep, false, &c), XS_INVALID);
    ck_assert_ptr_nonnull(xs_report_find(&rep, "xl.config.grant"));
    c.to_version = 2;
    c.to_xen = &x12;
    c.drop_cpu_policy = true;
    struct xs_buf out = {0};
    xs_report_free(&rep);
    xs_report_init(&rep, "test");
    int rc = tu_convert(&a, &out, &rep, false, &c);
    ck_assert_msg(rc == XS_OK, "%s: %s", rep.nkept ? rep.kept[0].rule : "-",
                  rep.nkept ? rep.kept[0].msg : "-");
    ck_assert_int_eq(verify_on(&out, "4.12"), XS_OK);
    ck_assert_int_eq(verify_on(&out, "4.13"), XS_INVALID);
    const struct xs_finding *f = xs_report_find(&rep, "xl.config.grant");
    ck_assert_ptr_nonnull(f);
    ck_assert_ptr_nonnull(strstr(f->msg, "xl 4.13 refuses"));
    ck_assert_ptr_nonnull(strstr(f->msg, "at RELEASE-4.13.0"));
    xs_report_free(&rep);
    xs_report_init(&rep, "test");
    ck_assert_int_eq(tu_verify(&out, &rep), XS_INVALID);
    f = xs_report_find(&rep, "xl.config.grant");
    ck_assert_ptr_nonnull(f);
    ck_assert_ptr_nonnull(strstr(f->msg, "xl 4.13 to 4.22 refuses"));
    ck_assert_int_eq(verify_on(&out, "4.12"), XS_OK);
    /* and 4.6 to 4.9, which read a PV guest there (builder= alone),
     * with no kernel: "Neither kernel nor bootloader specified" */
    ck_assert_uint_eq(sum.cfg_refused,
                      ((2u << 22) - (1u << 13)) | ((1u << 10) - (1u << 6)));
    struct xs_release x13;
    ck_assert_int_eq(xs_release_parse("4.13", &x13), XS_OK);
    ck_assert(xs_release_restores(&x12, &sum, false));
    ck_assert(!xs_release_restores(&x13, &sum, true));
    xs_buf_free(&out);

    /* the guest type: xl 4.6 to 4.9 read builder= alone, so a config
     * that says type = "hvm" makes a PV domain there, which libxc
     * refuses an HVM stream for */
    o.text_config = true;
    tu_gen(&o, &a);
    ck_assert_int_eq(verify_on(&a, "4.10"), XS_INVALID);
    for (size_t k = 0; k < rep.nkept; k++)
        ck_assert_msg(rep.kept[k].sev != XS_SEV_ERROR ||
                          strncmp(rep.kept[k].rule, "config.", 7) != 0,
                      "%s: %s", rep.kept[k].rule, rep.kept[k].msg);
    ck_assert_int_eq(verify_on(&a, "4.9"), XS_INVALID);
    f = xs_report_find(&rep, "config.guest_type");
    ck_assert_ptr_nonnull(f);
    ck_assert_ptr_nonnull(strstr(f->msg, "\"pv\" as xl 4.6 to 4.9 read it"));
    struct xs_release x9;
    ck_assert_int_eq(xs_release_parse("4.9", &x9), XS_OK);
    ck_assert(!xs_release_restores(&x9, &sum, true));
    ck_assert_ptr_null(xs_release_remedy(&x9, &sum));
    static const char both[] = "name = \"g\"\ntype = \"hvm\"\n"
                               "builder = \"hvm\"\n";
    c = (struct xs_convert_opts){.to_version = 2, .to_xen = &x9,
                                 .drop_cpu_policy = true,
                                 .config = (const uint8_t *)both,
                                 .config_len = sizeof(both) - 1};
    xs_report_free(&rep);
    xs_report_init(&rep, "test");
    rc = tu_convert(&a, &out, &rep, false, &c);
    ck_assert_msg(rc == XS_OK, "%s: %s", rep.nkept ? rep.kept[0].rule : "-",
                  rep.nkept ? rep.kept[0].msg : "-");
    ck_assert_int_eq(verify_on(&out, "4.9"), XS_OK);
    ck_assert_int_eq(verify_on(&out, "4.22"), XS_OK);
    c.config = (const uint8_t *)text;
    c.config_len = sizeof(text) - 1;
    xs_report_free(&rep);
    xs_report_init(&rep, "test");
    /* a PV guest's config to 4.9's xl, with no kernel: refused before
     * the stream is read (the guest type would be next) */
    ck_assert_int_eq(tu_convert(&a, &out, &rep, false, &c), XS_INVALID);
    ck_assert_ptr_nonnull(xs_report_find(&rep, "xl.config.kernel"));
    xs_buf_free(&out);
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
    tcase_add_test(t, rule_hvm_lengths);
    tcase_add_test(t, rule_config);
    tcase_add_test(t, rule_hvm_params);
    tcase_add_test(t, rule_emulator);
    tcase_add_test(t, rule_derived_policy);
    tcase_add_test(t, rule_vendor);
    tcase_add_loop_test(t, convert_golden, 0, 2);
    tcase_add_test(t, convert_refused);
    tcase_add_test(t, convert_target);
    tcase_add_test(t, policy_copy);
    tcase_add_test(t, point_releases);
    tcase_add_test(t, convert_msr_left_out);
    tcase_add_test(t, config_replace);
    tcase_add_test(t, config_per_release);
    tcase_add_test(t, msr_flags);
    suite_add_tcase(s, t);
    return tu_run(s);
}
