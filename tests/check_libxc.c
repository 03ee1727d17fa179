/* Unit tests of the libxc layer: codecs, one case per body rule and per
 * stream rule, each asserting the rule and the offset of the finding. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "endian.h"
#include "libxc.h"
#include "cpufeatures.h"
#include "testutil.h"
#include "validate.h"

#define AT 0x1000 /* where the test record claims to sit */

static struct xs_report rep;
static uint8_t body[16384];
static struct xs_validate v; /* the stream-state rules' state */
static struct xs_summary vsum;

static void setup(void)
{
    xs_report_init(&rep, "test");
    memset(body, 0, sizeof(body));
}

static void teardown(void)
{
    xs_report_free(&rep);
    xs_validate_free(&v);
}

static struct xs_record mk(uint32_t type, uint32_t len)
{
    struct xs_record r = {.type = type, .length = len, .offset = AT,
                          .index = 7, .body = body, .held = len};
    if (!xs_libxc_rec_known(type))
        r.held = 0;
    return r;
}

/* Run the body rules; the finding of `rule` must exist, with `sev`, at
 * `off`, and be the only error. */
static void expect_body(uint32_t type, uint32_t len, const char *rule,
                        enum xs_severity sev, uint64_t off)
{
    struct xs_record r = mk(type, len);
    xs_libxc_check_body(&r, &rep);
    const struct xs_finding *f = xs_report_find(&rep, rule);
    ck_assert_msg(f != NULL, "rule %s not reported", rule);
    ck_assert_int_eq(f->sev, sev);
    ck_assert_uint_eq(f->offset, off);
    ck_assert_int_eq(f->index, 7);
    if (sev == XS_SEV_ERROR)
        ck_assert_uint_eq(rep.errors, 1);
    else
        ck_assert_uint_eq(rep.errors, 0);
}

static void expect_clean(uint32_t type, uint32_t len)
{
    struct xs_record r = mk(type, len);
    xs_libxc_check_body(&r, &rep);
    ck_assert_uint_eq(rep.errors, 0);
    ck_assert_uint_eq(rep.warnings, 0);
}

START_TEST(endian_roundtrip)
{
    uint8_t b[8];
    xs_put_le64(b, 0x0102030405060708ULL);
    ck_assert_uint_eq(b[0], 0x08);
    ck_assert_uint_eq(xs_le64(b), 0x0102030405060708ULL);
    xs_put_be64(b, 0x0102030405060708ULL);
    ck_assert_uint_eq(b[0], 0x01);
    ck_assert_uint_eq(xs_be64(b), 0x0102030405060708ULL);
    xs_put_le16(b, 0xbeef);
    ck_assert_uint_eq(xs_le16(b), 0xbeef);
    xs_put_be16(b, 0xbeef);
    ck_assert_uint_eq(b[0], 0xbe);
    ck_assert_uint_eq(xs_be32(b), 0xbeef0304u);
}
END_TEST

START_TEST(header_codecs)
{
    uint8_t b[24];
    struct xs_libxc_ihdr i = {XS_LIBXC_MARKER, XS_LIBXC_ID, 3, 1, 2, 3}, j;
    xs_libxc_ihdr_encode(&i, b);
    ck_assert_uint_eq(b[8], 'X');
    ck_assert_uint_eq(b[15], 3); /* big-endian version */
    xs_libxc_ihdr_decode(b, &j);
    ck_assert_int_eq(memcmp(&i, &j, sizeof(i)), 0);
    struct xs_libxc_dhdr d = {1, 12, 0, 4, 17}, e;
    xs_libxc_dhdr_encode(&d, b);
    ck_assert_uint_eq(b[0], 1); /* little-endian type */
    xs_libxc_dhdr_decode(b, &e);
    ck_assert_int_eq(memcmp(&d, &e, sizeof(d)), 0);
    ck_assert_uint_eq(xs_libxc_padding(0), 0);
    ck_assert_uint_eq(xs_libxc_padding(1), 7);
    ck_assert_uint_eq(xs_libxc_padding(26), 6);
}
END_TEST

START_TEST(type_table)
{
    char nb[32];
    ck_assert_str_eq(xs_libxc_rec_name(XS_REC_STATIC_DATA_END, nb),
                     "STATIC_DATA_END");
    ck_assert_str_eq(xs_libxc_rec_name(0x80000123u, nb),
                     "OPTIONAL_0x80000123");
    char want[32]; /* the first type past the table */
    snprintf(want, sizeof(want), "UNKNOWN_0x%08x", XS_REC_NR_KNOWN);
    ck_assert_str_eq(xs_libxc_rec_name(XS_REC_NR_KNOWN, nb), want);
    ck_assert(xs_libxc_guest_handles(XS_GUEST_X86_PV, XS_REC_SHARED_INFO));
    ck_assert(!xs_libxc_guest_handles(XS_GUEST_X86_HVM, XS_REC_SHARED_INFO));
    ck_assert(xs_libxc_guest_handles(XS_GUEST_X86_HVM, XS_REC_HVM_PARAMS));
    ck_assert(!xs_libxc_guest_handles(XS_GUEST_X86_PV, XS_REC_HVM_CONTEXT));
    ck_assert(xs_libxc_triggers_sde(XS_GUEST_X86_PV, XS_REC_PAGE_DATA));
    ck_assert(xs_libxc_triggers_sde(XS_GUEST_X86_PV,
                                    XS_REC_X86_PV_P2M_FRAMES));
    ck_assert(xs_libxc_triggers_sde(XS_GUEST_X86_HVM, XS_REC_PAGE_DATA));
    ck_assert(!xs_libxc_triggers_sde(XS_GUEST_X86_HVM,
                                     XS_REC_X86_PV_P2M_FRAMES));
    for (unsigned t = 0; t < 16; t++)
        ck_assert_int_eq(xs_pfinfo_has_data(t), t <= 4 || (t >= 9 && t <= 12));
    /* every type of the enum has its row (a hole would be a NULL name
     * and body rule): its name, and its rule runs */
    for (uint32_t t = 0; t < XS_REC_NR_KNOWN; t++) {
        struct xs_record r = mk(t, 0);
        ck_assert_ptr_nonnull(xs_libxc_rec_name(t, nb));
        xs_libxc_check_body(&r, &rep);
    }
}
END_TEST

/* ---- body rules ---- */

START_TEST(rule_zero_length_records)
{
    expect_body(XS_REC_END, 8, "libxc.length", XS_SEV_ERROR, AT);
}
END_TEST

START_TEST(rule_page_data)
{
    expect_body(XS_REC_PAGE_DATA, 4, "libxc.page_data.short", XS_SEV_ERROR,
                AT);
    teardown(); setup();
    expect_body(XS_REC_PAGE_DATA, 16, "libxc.page_data.count", XS_SEV_ERROR,
                AT + 8);
    teardown(); setup();
    xs_put_le32(body, 3);
    expect_body(XS_REC_PAGE_DATA, 24, "libxc.page_data.pfns", XS_SEV_ERROR,
                AT);
    teardown(); setup();
    xs_put_le32(body, 2);
    xs_put_le64(body + 8, 0x11);
    xs_put_le64(body + 16, 0x6ULL << 60 | 0x12);
    expect_body(XS_REC_PAGE_DATA, 24 + 4096, "libxc.page_data.type",
                XS_SEV_ERROR, AT + 8 + 16);
    teardown(); setup();
    xs_put_le32(body, 2);
    xs_put_le64(body + 8, 0x11);               /* NOTAB: data */
    xs_put_le64(body + 16, 0xfULL << 60 | 2);  /* XTAB: none */
    expect_body(XS_REC_PAGE_DATA, 24 + 8192, "libxc.page_data.length",
                XS_SEV_ERROR, AT);
    teardown(); setup();
    xs_put_le32(body, 2);
    xs_put_le64(body + 8, 0x11);
    xs_put_le64(body + 16, 0xfULL << 60 | 0x0010000000000002ULL);
    expect_body(XS_REC_PAGE_DATA, 24 + 4096, "libxc.page_data.pfn_reserved",
                XS_SEV_WARNING, AT + 8 + 16);
    teardown(); setup();
    xs_put_le32(body, 1);
    xs_put_le32(body + 4, 9);
    expect_body(XS_REC_PAGE_DATA, 16 + 4096, "libxc.reserved",
                XS_SEV_WARNING, AT + 8 + 4);
    teardown(); setup();
    xs_put_le32(body, 1);
    xs_put_le64(body + 8, 0xcULL << 60 | 5); /* pinned L4: data */
    expect_clean(XS_REC_PAGE_DATA, 16 + 4096);
}
END_TEST

START_TEST(rule_pv_info)
{
    body[0] = 8;
    body[1] = 4;
    expect_body(XS_REC_X86_PV_INFO, 16, "libxc.pv_info.length", XS_SEV_ERROR,
                AT);
    teardown(); setup();
    body[0] = 8;
    body[1] = 3;
    expect_body(XS_REC_X86_PV_INFO, 8, "libxc.pv_info.combination",
                XS_SEV_ERROR, AT + 8);
    teardown(); setup();
    body[0] = 4;
    body[1] = 3;
    body[7] = 1;
    expect_body(XS_REC_X86_PV_INFO, 8, "libxc.reserved", XS_SEV_WARNING,
                AT + 10);
    teardown(); setup();
    body[0] = 4;
    body[1] = 3;
    expect_clean(XS_REC_X86_PV_INFO, 8);
}
END_TEST

START_TEST(rule_p2m_frames)
{
    expect_body(XS_REC_X86_PV_P2M_FRAMES, 12, "libxc.p2m_frames.length",
                XS_SEV_ERROR, AT);
    teardown(); setup();
    xs_put_le32(body, 0x200);
    xs_put_le32(body + 4, 0x100);
    expect_body(XS_REC_X86_PV_P2M_FRAMES, 16, "libxc.p2m_frames.range",
                XS_SEV_ERROR, AT + 8);
}
END_TEST

START_TEST(rule_vcpu)
{
    expect_body(XS_REC_X86_PV_VCPU_BASIC, 4, "libxc.vcpu.short", XS_SEV_ERROR,
                AT);
    teardown(); setup();
    expect_body(XS_REC_X86_PV_VCPU_EXTENDED, 8 + 136,
                "libxc.vcpu.extended_size", XS_SEV_ERROR, AT);
    teardown(); setup();
    expect_body(XS_REC_X86_PV_VCPU_XSAVE, 8 + 8, "libxc.vcpu.xsave_size",
                XS_SEV_ERROR, AT);
    teardown(); setup();
    expect_body(XS_REC_X86_PV_VCPU_MSRS, 8 + 20, "libxc.vcpu.msrs_size",
                XS_SEV_ERROR, AT);
    teardown(); setup();
    expect_body(XS_REC_X86_PV_VCPU_MSRS, 8, "libxc.erratum.empty",
                XS_SEV_WARNING, AT);
    teardown(); setup();
    expect_body(XS_REC_X86_PV_VCPU_BASIC, 8, "libxc.vcpu.basic_size",
                XS_SEV_ERROR, AT);
    teardown(); setup();
    xs_put_le32(body + 4, 1);
    expect_body(XS_REC_X86_PV_VCPU_EXTENDED, 8 + 16, "libxc.reserved",
                XS_SEV_WARNING, AT + 12);
    teardown(); setup();
    expect_clean(XS_REC_X86_PV_VCPU_XSAVE, 8 + 592);
}
END_TEST

START_TEST(rule_fixed_sizes)
{
    expect_body(XS_REC_SHARED_INFO, 4095, "libxc.shared_info.length",
                XS_SEV_ERROR, AT);
    teardown(); setup();
    expect_body(XS_REC_X86_TSC_INFO, 16, "libxc.tsc_info.length",
                XS_SEV_ERROR, AT);
    teardown(); setup();
    xs_put_le32(body + 20, 1);
    expect_body(XS_REC_X86_TSC_INFO, 24, "libxc.reserved", XS_SEV_WARNING,
                AT + 28);
    teardown(); setup();
    expect_body(XS_REC_HVM_CONTEXT, 0, "libxc.hvm_context.empty",
                XS_SEV_ERROR, AT);
}
END_TEST

/* HEADER(24: magic, version), then END */
static void hvm_context_ok(uint8_t *b)
{
    memset(b, 0, 40);
    xs_put_le16(b, 1);
    xs_put_le32(b + 4, 24);
    xs_put_le32(b + 8, 0x54381286);
    xs_put_le32(b + 12, 1);
}

START_TEST(rule_hvm_context)
{
    hvm_context_ok(body);
    expect_clean(XS_REC_HVM_CONTEXT, 40);
    teardown(); setup();
    hvm_context_ok(body);
    xs_put_le16(body, 2); /* CPU first */
    expect_body(XS_REC_HVM_CONTEXT, 40, "libxc.hvm_context.header",
                XS_SEV_ERROR, AT + 8);
    teardown(); setup();
    hvm_context_ok(body);
    xs_put_le32(body + 8, 0x12345678);
    expect_body(XS_REC_HVM_CONTEXT, 40, "libxc.hvm_context.magic",
                XS_SEV_ERROR, AT + 16);
    teardown(); setup();
    hvm_context_ok(body);
    expect_body(XS_REC_HVM_CONTEXT, 36, "libxc.hvm_context.no_end",
                XS_SEV_ERROR, AT + 8 + 32);
    teardown(); setup();
    hvm_context_ok(body);
    xs_put_le16(body + 32, 77);
    expect_body(XS_REC_HVM_CONTEXT, 40, "libxc.hvm_context.typecode",
                XS_SEV_ERROR, AT + 8 + 32);
    teardown(); setup();
    hvm_context_ok(body);
    xs_put_le16(body + 32, 2);
    xs_put_le32(body + 36, 1000);
    expect_body(XS_REC_HVM_CONTEXT, 40, "libxc.hvm_context.length",
                XS_SEV_ERROR, AT + 8 + 36);
}
END_TEST

START_TEST(rule_hvm_params)
{
    expect_body(XS_REC_HVM_PARAMS, 4, "libxc.hvm_params.length", XS_SEV_ERROR,
                AT);
    teardown(); setup();
    xs_put_le32(body, 2);
    expect_body(XS_REC_HVM_PARAMS, 24, "libxc.hvm_params.length",
                XS_SEV_ERROR, AT);
    teardown(); setup();
    expect_body(XS_REC_HVM_PARAMS, 8, "libxc.erratum.empty", XS_SEV_WARNING,
                AT);
    teardown(); setup();
    xs_put_le32(body, 1);
    xs_put_le32(body + 4, 1);
    expect_body(XS_REC_HVM_PARAMS, 24, "libxc.reserved", XS_SEV_WARNING,
                AT + 12);
}
END_TEST

START_TEST(rule_refused_types)
{
    expect_body(XS_REC_TOOLSTACK, 16, "libxc.toolstack", XS_SEV_ERROR, AT);
    teardown(); setup();
    expect_body(XS_REC_CHECKPOINT_DIRTY_PFN_LIST, 16, "libxc.dirty_pfn_list",
                XS_SEV_ERROR, AT);
    teardown(); setup();
    expect_body(XS_REC_NR_KNOWN, 16, "libxc.unknown", XS_SEV_ERROR, AT);
    teardown(); setup();
    expect_body(0x80000013u, 16, "libxc.optional", XS_SEV_WARNING, AT);
}
END_TEST

START_TEST(rule_policy)
{
    expect_body(XS_REC_X86_CPUID_POLICY, 25, "libxc.policy.length",
                XS_SEV_ERROR, AT);
    teardown(); setup();
    expect_body(XS_REC_X86_MSR_POLICY, 0, "libxc.policy.length", XS_SEV_ERROR,
                AT);
    teardown(); setup();
    /* an entry's flags: core/release.c (policy.msr.flags) */
    xs_put_le32(body + 16 + 4, 2);
    expect_clean(XS_REC_X86_MSR_POLICY, 32);
    teardown(); setup();
    expect_clean(XS_REC_X86_CPUID_POLICY, 48);
}
END_TEST

START_TEST(canonicalise_clears_reserved)
{
    uint8_t b[32];
    memset(b, 0xff, sizeof(b));
    xs_libxc_canonicalise(XS_REC_PAGE_DATA, b, 24);
    ck_assert_uint_eq(xs_le32(b + 4), 0);
    ck_assert_uint_eq(xs_le64(b + 8), 0xf00fffffffffffffULL);
    memset(b, 0xff, sizeof(b));
    xs_libxc_canonicalise(XS_REC_X86_TSC_INFO, b, 24);
    ck_assert_uint_eq(xs_le32(b + 16), 0xffffffffu);
    ck_assert_uint_eq(xs_le32(b + 20), 0);
    memset(b, 0xff, sizeof(b));
    xs_libxc_canonicalise(XS_REC_X86_MSR_POLICY, b, 32);
    ck_assert_uint_eq(xs_le32(b + 4), 0);
    ck_assert_uint_eq(xs_le32(b + 20), 0);
    ck_assert_uint_eq(xs_le32(b + 16), 0xffffffffu);
    memset(b, 0xff, sizeof(b));
    xs_libxc_canonicalise(XS_REC_HVM_CONTEXT, b, 32);
    ck_assert_uint_eq(xs_le64(b), ~0ULL); /* opaque: untouched */
}
END_TEST

/* ---- stream-state rules ---- */

static void vstart(unsigned version, uint32_t guest)
{
    memset(&vsum, 0, sizeof(vsum));
    xs_validate_free(&v);
    xs_validate_init(&v, &rep, &vsum, version, guest);
}

/* Feed a record with the given body bytes (copied to a private buffer). */
static void feed(uint32_t type, const void *b, uint32_t len, int64_t idx)
{
    static uint8_t keep[8192];
    memcpy(keep, b, len);
    struct xs_record r = {.type = type, .length = len, .held = len,
                          .body = keep, .offset = 0x100 * (uint64_t)idx,
                          .index = idx};
    xs_validate_record(&v, &r);
}

static void feed0(uint32_t type, int64_t idx) { feed(type, "", 0, idx); }

static void pv_info(unsigned w, int64_t idx)
{
    uint8_t b[8] = {(uint8_t)w, w == 8 ? 4 : 3};
    feed(XS_REC_X86_PV_INFO, b, 8, idx);
}

static void page1(int64_t idx)
{
    uint8_t b[16] = {1};
    feed(XS_REC_PAGE_DATA, b, 16, idx); /* held only: length rule aside */
}

/* A valid PAGE_DATA: one pfn of type XTAB (no data) */
static void page_xtab(uint64_t pfn, int64_t idx)
{
    uint8_t b[16] = {1};
    xs_put_le64(b + 8, (uint64_t)XS_PF_XTAB << 60 | pfn);
    feed(XS_REC_PAGE_DATA, b, 16, idx);
}

static void expect_rule(const char *rule, enum xs_severity sev, int64_t idx)
{
    const struct xs_finding *f = xs_report_find(&rep, rule);
    ck_assert_msg(f != NULL, "rule %s not reported", rule);
    ck_assert_int_eq(f->sev, sev);
    ck_assert_int_eq(f->index, idx);
    ck_assert_uint_eq(f->offset, 0x100 * (uint64_t)idx);
}

START_TEST(state_sde_missing_v3)
{
    vstart(3, XS_GUEST_X86_HVM);
    page1(0);
    expect_rule("libxc.sde.missing", XS_SEV_ERROR, 0);
}
END_TEST

START_TEST(state_sde_missing_v3_p2m)
{
    vstart(3, XS_GUEST_X86_PV);
    pv_info(8, 0);
    uint8_t p[16] = {0};
    feed(XS_REC_X86_PV_P2M_FRAMES, p, 16, 1);
    expect_rule("libxc.sde.missing", XS_SEV_ERROR, 1);
}
END_TEST

START_TEST(state_sde_duplicate)
{
    vstart(3, XS_GUEST_X86_HVM);
    feed0(XS_REC_STATIC_DATA_END, 0);
    feed0(XS_REC_STATIC_DATA_END, 1);
    expect_rule("libxc.sde.duplicate", XS_SEV_ERROR, 1);
}
END_TEST

START_TEST(state_v3_records_in_v2)
{
    vstart(2, XS_GUEST_X86_HVM);
    feed0(XS_REC_STATIC_DATA_END, 3);
    expect_rule("libxc.v2.v3_record", XS_SEV_ERROR, 3);
    teardown(); setup();
    vstart(2, XS_GUEST_X86_PV);
    uint8_t leaf[24] = {0};
    feed(XS_REC_X86_CPUID_POLICY, leaf, 24, 2);
    expect_rule("libxc.v2.v3_record", XS_SEV_ERROR, 2);
}
END_TEST

START_TEST(state_policy_after_sde)
{
    vstart(3, XS_GUEST_X86_HVM);
    feed0(XS_REC_STATIC_DATA_END, 0);
    uint8_t msr[16] = {0};
    feed(XS_REC_X86_MSR_POLICY, msr, 16, 1);
    expect_rule("libxc.policy.after_sde", XS_SEV_ERROR, 1);
}
END_TEST

START_TEST(state_guest_unhandled)
{
    vstart(3, XS_GUEST_X86_PV);
    uint8_t ctx[16] = {1};
    feed(XS_REC_HVM_CONTEXT, ctx, 16, 4);
    expect_rule("libxc.guest.unhandled", XS_SEV_ERROR, 4);
    teardown(); setup();
    vstart(2, XS_GUEST_X86_HVM);
    pv_info(8, 2);
    expect_rule("libxc.guest.unhandled", XS_SEV_ERROR, 2);
}
END_TEST

START_TEST(state_pv_info_order)
{
    vstart(2, XS_GUEST_X86_PV);
    pv_info(8, 0);
    pv_info(8, 1);
    expect_rule("libxc.pv_info.duplicate", XS_SEV_ERROR, 1);
    teardown(); setup();
    vstart(2, XS_GUEST_X86_PV);
    uint8_t p[16] = {0};
    feed(XS_REC_X86_PV_P2M_FRAMES, p, 16, 0);
    expect_rule("libxc.p2m_frames.before_pv_info", XS_SEV_ERROR, 0);
    pv_info(8, 1);
    expect_rule("libxc.pv_info.after_p2m", XS_SEV_ERROR, 1);
}
END_TEST

START_TEST(state_p2m_length_for_width)
{
    /* pfns 0..1023 of a 32-bit guest: 1024 per frame -> 1 frame (16 bytes);
     * of a 64-bit guest: 512 per frame -> 2 frames (24 bytes). */
    uint8_t p[24] = {0};
    xs_put_le32(p + 4, 1023);
    vstart(2, XS_GUEST_X86_PV);
    pv_info(4, 0);
    feed(XS_REC_X86_PV_P2M_FRAMES, p, 16, 1);
    ck_assert_uint_eq(rep.errors, 0);
    teardown(); setup();
    vstart(2, XS_GUEST_X86_PV);
    pv_info(8, 0);
    feed(XS_REC_X86_PV_P2M_FRAMES, p, 16, 1);
    expect_rule("libxc.p2m_frames.length", XS_SEV_ERROR, 1);
}
END_TEST

/* X86_PV_P2M_FRAMES for pfns 0..end of a 64-bit guest, frames from first */
static void p2m(uint32_t end, uint64_t first, int64_t idx)
{
    uint8_t b[8 + 8 * 4] = {0};
    uint32_t n = end / 512 + 1;
    xs_put_le32(b + 4, end);
    for (uint32_t i = 0; i < n; i++)
        xs_put_le64(b + 8 + 8 * i, first + i);
    feed(XS_REC_X86_PV_P2M_FRAMES, b, 8 + 8 * n, idx);
}

START_TEST(state_pv_order_and_p2m)
{
    /* spec order: X86_PV_INFO, X86_PV_P2M_FRAMES, PAGE_DATA, vcpus */
    vstart(2, XS_GUEST_X86_PV);
    pv_info(8, 0);
    page_xtab(0, 1);
    p2m(1023, 1000, 2);
    expect_rule("libxc.order.p2m_after_page_data", XS_SEV_ERROR, 2);
    teardown(); setup();
    static uint8_t b[8 + XS_VCPU_CTX_X86_64];
    vstart(2, XS_GUEST_X86_PV);
    pv_info(8, 0);
    p2m(1023, 1000, 1);
    feed(XS_REC_X86_PV_VCPU_BASIC, b, sizeof(b), 2);
    expect_rule("libxc.order.vcpu_before_page_data", XS_SEV_ERROR, 2);
    /* a pfn beyond the p2m */
    teardown(); setup();
    vstart(2, XS_GUEST_X86_PV);
    pv_info(8, 0);
    p2m(1023, 1000, 1);
    page_xtab(1023, 2);
    ck_assert_uint_eq(rep.errors, 0);
    page_xtab(1024, 3);
    const struct xs_finding *f =
        xs_report_find(&rep, "libxc.page_data.pfn_range");
    ck_assert_ptr_nonnull(f);
    ck_assert_int_eq(f->index, 3);
    ck_assert_uint_eq(f->offset, 0x300 + 16); /* the pfn entry itself */
}
END_TEST

START_TEST(state_vcpu_pages_missing)
{
    /* vcpu 0 names pages that never arrive: its start info page, then a
     * GDT frame (process_start_info(), process_vcpu_basic(): bad mfn) */
    static uint8_t v0[8 + XS_VCPU_CTX_X86_64];
    uint8_t pd[8 + 16] = {2};
    xs_put_le64(pd + 8, 1000);                                /* NOTAB */
    xs_put_le64(pd + 16, (uint64_t)XS_PF_L4TAB_PIN << 60 | 1001);
    xs_put_le64(v0 + 8 + 616, 1005);        /* edx: start info pfn */
    xs_put_le64(v0 + 8 + 4984 + 24, 1001ULL << 12);          /* cr3 */
    for (int round = 0; round < 2; round++) {
        teardown(); setup();
        vstart(3, XS_GUEST_X86_PV);
        pv_info(8, 0);
        feed0(XS_REC_STATIC_DATA_END, 1);
        p2m(1023, 1000, 2);
        feed(XS_REC_PAGE_DATA, pd, sizeof(pd), 3);
        feed(XS_REC_X86_PV_VCPU_BASIC, v0, sizeof(v0), 4);
        const struct xs_finding *f =
            xs_report_find(&rep, round ? "libxc.vcpu.pfn_type"
                                       : "libxc.start_info.missing");
        ck_assert_ptr_nonnull(f);
        ck_assert_uint_eq(f->offset, 0x400 + 16 + (round ? 4832 : 616));
        /* (the held-only PAGE_DATA also breaks its length rule) */
        ck_assert_uint_eq(rep.errors, 2);
        if (round)
            ck_assert_ptr_null(xs_report_find(&rep, "libxc.start_info.missing"));
        /* next round: the start info page arrived, a GDT frame did not */
        xs_put_le64(v0 + 8 + 616, 1000);
        xs_put_le64(v0 + 8 + 4960, 1);                    /* GDT entries */
        xs_put_le64(v0 + 8 + 4832, 1007);                 /* GDT frame 0 */
    }
    ck_assert_ptr_nonnull(strstr(xs_report_find(&rep, "libxc.vcpu.pfn_type")->msg,
                                 "never arrives"));
}
END_TEST

START_TEST(state_start_info_decision)
{
    /* the one decision a file's pread and a pipe's kept head both reach:
     * no magic (or no page with it) is libxc.start_info.magic at vcpu 0's
     * edx; with it, the xenstore pfn is checked at its own offset */
    static uint8_t v0[8 + XS_VCPU_CTX_X86_64];
    uint8_t pd[8 + 16] = {2}, head[80] = {0};
    xs_put_le64(pd + 8, 1000);                                /* NOTAB */
    xs_put_le64(pd + 16, (uint64_t)XS_PF_L4TAB_PIN << 60 | 1001);
    xs_put_le64(v0 + 8 + 616, 1000);        /* edx: start info pfn */
    xs_put_le64(v0 + 8 + 4984 + 24, 1001ULL << 12);          /* cr3 */
    for (int round = 0; round < 4; round++) {
        teardown(); setup();
        vstart(3, XS_GUEST_X86_PV);
        pv_info(8, 0);
        feed0(XS_REC_STATIC_DATA_END, 1);
        p2m(1023, 1000, 2);
        feed(XS_REC_PAGE_DATA, pd, sizeof(pd), 3);
        feed(XS_REC_X86_PV_VCPU_BASIC, v0, sizeof(v0), 4);
        unsigned before = rep.errors; /* the held-only PAGE_DATA's length */
        ck_assert(xs_validate_start_info_wanted(&v));
        if (round == 2)
            memcpy(head, "xen-3.0-x86_64", 14);
        if (round == 3)
            xs_put_le64(head + 56, 1024); /* xenstore beyond the p2m */
        xs_validate_start_info(&v, round ? head : NULL, 0x5000, 3);
        const struct xs_finding *f =
            xs_report_find(&rep, round < 2 ? "libxc.start_info.magic"
                                           : "libxc.start_info.range");
        if (round == 2) {
            ck_assert_ptr_null(f);
            ck_assert_uint_eq(rep.errors, before);
            continue;
        }
        ck_assert_ptr_nonnull(f);
        ck_assert_uint_eq(rep.errors, before + 1);
        ck_assert_int_eq(f->index, round < 2 ? 4 : 3);
        ck_assert_uint_eq(f->offset, round < 2 ? 0x400 + 16 + 616
                                               : 0x5000 + 56);
    }
    /* the start info pfn sent again as a page table: the restore refuses
     * it by its type, without reading it */
    uint8_t pt[8 + 8] = {1};
    xs_put_le64(pt + 8, (uint64_t)XS_PF_L1TAB << 60 | 1000);
    feed(XS_REC_PAGE_DATA, pt, sizeof(pt), 5);
    ck_assert(!xs_validate_start_info_wanted(&v));
}
END_TEST

START_TEST(state_p2m_frames_arrive)
{
    /* the p2m frames (pfns 1000, 1001) must arrive as NOTAB pages */
    static uint8_t v0[8 + XS_VCPU_CTX_X86_64], si[4096];
    uint8_t pd[8 + 16] = {2};
    xs_put_le64(pd + 8, 1000);                          /* NOTAB */
    xs_put_le64(pd + 16, (uint64_t)XS_PF_L1TAB << 60 | 1001);
    vstart(3, XS_GUEST_X86_PV);
    pv_info(8, 0);
    feed0(XS_REC_STATIC_DATA_END, 1);
    p2m(1023, 1000, 2);
    feed(XS_REC_PAGE_DATA, pd, sizeof(pd), 3); /* held: pages aside */
    feed(XS_REC_SHARED_INFO, si, sizeof(si), 4);
    feed(XS_REC_X86_PV_VCPU_BASIC, v0, sizeof(v0), 5);
    feed0(XS_REC_END, 6);
    const struct xs_finding *f = xs_report_find(&rep, "libxc.p2m_frames.missing");
    ck_assert_ptr_nonnull(f);
    ck_assert_int_eq(f->index, 2);
    ck_assert_ptr_nonnull(strstr(f->msg, "0x3e9"));
    /* both arrive; the p2m sent again (the domain grew) keeps them */
    teardown(); setup();
    xs_put_le64(pd + 16, 1001);
    vstart(3, XS_GUEST_X86_PV);
    pv_info(8, 0);
    feed0(XS_REC_STATIC_DATA_END, 1);
    p2m(1023, 1000, 2);
    feed(XS_REC_PAGE_DATA, pd, sizeof(pd), 3);
    p2m(1023, 1000, 4);
    feed(XS_REC_SHARED_INFO, si, sizeof(si), 5);
    feed(XS_REC_X86_PV_VCPU_BASIC, v0, sizeof(v0), 6);
    feed0(XS_REC_END, 7);
    ck_assert_ptr_null(xs_report_find(&rep, "libxc.p2m_frames.missing"));
}
END_TEST

START_TEST(state_pfn_type_runs)
{
    /* the run-length type map against a plain array, pfns in random
     * order with few types (runs merge and split) */
    enum { N = 5000 };
    static int ref[N];
    uint64_t seed = 12345;
    vstart(3, XS_GUEST_X86_PV);
    for (unsigned i = 0; i < N; i++)
        ref[i] = -1;
    for (unsigned k = 0; k < 40000; k++) {
        seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
        unsigned pfn = (unsigned)(seed >> 33) % N;
        unsigned t = (seed >> 20) % 7 == 0 ? XS_PF_L1TAB : XS_PF_NOTAB;
        if (k < N) /* first an ascending sweep, as a saver sends */
            pfn = k, t = k % 97 == 3 ? XS_PF_L2TAB : XS_PF_NOTAB;
        xs_validate_type_set(&v, pfn, t);
        ref[pfn] = (int)t;
        if (k % 4999 == 0)
            for (unsigned i = 0; i < N; i++)
                ck_assert_int_eq(xs_validate_type_get(&v, i), ref[i]);
    }
    for (unsigned i = 0; i < N; i++)
        ck_assert_int_eq(xs_validate_type_get(&v, i), ref[i]);
    ck_assert_int_eq(xs_validate_type_get(&v, N + 7), -1);
    ck_assert(!v.types.full);
}
END_TEST

START_TEST(pfn_runs)
{
    /* xs_pfn_run: consecutive pfns of one type and reserved bits */
    uint8_t b[8 * 8];
    uint64_t e[8] = {5, 6, 7, 9, 10, (uint64_t)XS_PF_L1TAB << 60 | 11, 0, 0};
    for (int i = 0; i < 8; i++)
        xs_put_le64(b + 8 * i, e[i]);
    ck_assert_uint_eq(xs_pfn_run(b, 0, 6), 3);
    ck_assert_uint_eq(xs_pfn_run(b, 1, 6), 2);
    ck_assert_uint_eq(xs_pfn_run(b, 3, 6), 2);  /* the type ends it */
    ck_assert_uint_eq(xs_pfn_run(b, 5, 6), 1);
    ck_assert_uint_eq(xs_pfn_run(b, 0, 2), 2);  /* count ends it */
    /* the last pfn: the next "pfn" carries into the reserved bits */
    xs_put_le64(b, XS_PFN_MASK - 1);
    xs_put_le64(b + 8, XS_PFN_MASK);
    xs_put_le64(b + 16, XS_PFN_MASK + 1);
    ck_assert_uint_eq(xs_pfn_run(b, 0, 3), 2);
    /* reserved bits ride along when they are the same */
    for (int i = 0; i < 8; i++)
        xs_put_le64(b + 8 * i, 0x0030000000000100ULL + (uint64_t)i);
    ck_assert_uint_eq(xs_pfn_run(b, 0, 8), 8);
    ck_assert_uint_eq(xs_pfn_run(b, 2, 8), 6);
    xs_put_le64(b + 48, 0x0020000000000106ULL);
    ck_assert_uint_eq(xs_pfn_run(b, 0, 8), 6);
}
END_TEST

START_TEST(state_page_runs_match_per_pfn)
{
    /* PAGE_DATA records built of random runs (ascending batches, then
     * runs that overwrite, a few pfns beyond the p2m), taken a run at a
     * time by the validator, against a model that takes one pfn at a
     * time: the type of every pfn, the p2m frames' arrival, the counts
     * info shows, and each record's first out-of-range entry. */
    enum { MAXPFN = 2047, SPAN = 2200, FIRST_FRAME = 100 };
    static const unsigned types[] = {XS_PF_NOTAB, XS_PF_NOTAB, XS_PF_L1TAB,
                                     XS_PF_L2TAB_PIN, XS_PF_XTAB,
                                     XS_PF_BROKEN};
    static int ref[SPAN];
    uint64_t ref_types[16] = {0}, ref_pages = 0, ref_max = 0;
    uint64_t seed = 99;
    uint8_t pd[8 + 8 * 1000];
    vstart(3, XS_GUEST_X86_PV);
    pv_info(8, 0);
    feed0(XS_REC_STATIC_DATA_END, 1);
    p2m(MAXPFN, FIRST_FRAME, 2);
    for (unsigned i = 0; i < SPAN; i++)
        ref[i] = -1;
    unsigned next = 0, nrange = 0;
    for (int64_t rec = 3; rec < 60; rec++) {
        uint32_t count = 0;
        int64_t bad = -1; /* the first entry beyond the p2m */
        while (count < 1000) {
            seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
            unsigned len = 1 + (unsigned)(seed >> 40) % 40;
            unsigned t = types[(seed >> 20) % 6];
            unsigned start = rec < 20 ? next : (unsigned)(seed >> 50) % SPAN;
            if (len > 1000 - count)
                len = 1000 - count;
            if (start + len > SPAN)
                start = SPAN - len;
            for (unsigned k = 0; k < len; k++, count++) {
                unsigned pfn = start + k;
                xs_put_le64(pd + 8 + 8 * count, (uint64_t)t << 60 | pfn);
                ref[pfn] = (int)t;
                ref_types[t]++;
                ref_pages += xs_pfinfo_has_data(t);
                if (pfn > ref_max)
                    ref_max = pfn;
                if (pfn > MAXPFN && bad < 0)
                    bad = count;
            }
            next = (start + len) % SPAN;
        }
        xs_put_le32(pd, count);
        struct xs_record r = {.type = XS_REC_PAGE_DATA, .length = sizeof(pd),
                              .held = sizeof(pd), .body = pd,
                              .offset = 0x100000 * (uint64_t)rec,
                              .index = rec};
        xs_validate_record(&v, &r);
        unsigned seen = 0;
        for (size_t k = 0; k < rep.nkept; k++) {
            const struct xs_finding *f = &rep.kept[k];
            if (strcmp(f->rule, "libxc.page_data.pfn_range") || f->index != rec)
                continue;
            seen++;
            ck_assert_int_ge(bad, 0);
            ck_assert_uint_eq(f->offset, r.offset + 16 + 8 * (uint64_t)bad);
        }
        ck_assert_uint_eq(seen, bad >= 0);
        nrange += seen;
        /* the frames (pfns 100-103): arrived while last sent as NOTAB */
        ck_assert_uint_eq(v.frames.len, 4 * 8);
        for (unsigned i = 0; i < 4; i++) {
            uint64_t f;
            memcpy(&f, v.frames.p + 8 * i, 8);
            ck_assert_uint_eq(f >> 1, FIRST_FRAME + i);
            ck_assert_uint_eq(f & 1, ref[FIRST_FRAME + i] == XS_PF_NOTAB);
        }
    }
    ck_assert_uint_gt(nrange, 0); /* the model did go beyond the p2m */
    for (unsigned i = 0; i < SPAN; i++)
        ck_assert_int_eq(xs_validate_type_get(&v, i), ref[i]);
    for (unsigned t = 0; t < 16; t++)
        ck_assert_uint_eq(vsum.page_types[t], ref_types[t]);
    ck_assert_uint_eq(vsum.pages, ref_pages);
    ck_assert_uint_eq(vsum.max_pfn, ref_max);
}
END_TEST

START_TEST(state_vcpu_basic_size)
{
    static uint8_t b[8 + XS_VCPU_CTX_X86_64];
    memset(b, 0, sizeof(b));
    vstart(2, XS_GUEST_X86_PV);
    pv_info(4, 0);
    page_xtab(0, 1);
    feed(XS_REC_X86_PV_VCPU_BASIC, b, 8 + XS_VCPU_CTX_X86_32, 1);
    ck_assert_uint_eq(rep.errors, 0);
    feed(XS_REC_X86_PV_VCPU_BASIC, b, 8 + XS_VCPU_CTX_X86_64, 2);
    expect_rule("libxc.vcpu.basic_size", XS_SEV_ERROR, 2);
    teardown(); setup();
    vstart(2, XS_GUEST_X86_PV);
    feed(XS_REC_X86_PV_VCPU_BASIC, b, 8 + XS_VCPU_CTX_X86_64, 0);
    expect_rule("libxc.vcpu.before_pv_info", XS_SEV_ERROR, 0);
}
END_TEST

START_TEST(state_shared_info_before_pv_info)
{
    static uint8_t b[4096];
    vstart(2, XS_GUEST_X86_PV);
    feed(XS_REC_SHARED_INFO, b, 4096, 0);
    expect_rule("libxc.shared_info.before_pv_info", XS_SEV_ERROR, 0);
}
END_TEST

START_TEST(state_sde_late_warning)
{
    vstart(2, XS_GUEST_X86_HVM);
    uint8_t ctx[40];
    hvm_context_ok(ctx);
    feed(XS_REC_HVM_CONTEXT, ctx, 40, 0);
    feed0(XS_REC_END, 1);
    expect_rule("libxc.sde.late", XS_SEV_WARNING, 1);
    ck_assert_uint_eq(rep.errors, 0);
}
END_TEST

START_TEST(state_checkpoint_warning)
{
    vstart(3, XS_GUEST_X86_HVM);
    feed0(XS_REC_STATIC_DATA_END, 0);
    feed0(XS_REC_CHECKPOINT, 1);
    expect_rule("libxc.checkpoint", XS_SEV_WARNING, 1);
}
END_TEST

START_TEST(state_incomplete_at_end)
{
    vstart(3, XS_GUEST_X86_HVM);
    feed0(XS_REC_STATIC_DATA_END, 0);
    feed0(XS_REC_END, 1);
    expect_rule("libxc.incomplete", XS_SEV_ERROR, 1);
    teardown(); setup();
    vstart(3, XS_GUEST_X86_PV);
    pv_info(8, 0);
    feed0(XS_REC_STATIC_DATA_END, 1);
    feed0(XS_REC_END, 2);
    expect_rule("libxc.incomplete", XS_SEV_ERROR, 2);
    ck_assert_uint_eq(rep.errors, 3); /* p2m, shared info, vcpu0 */
}
END_TEST

/* Xen's feature names (formats/cpufeatures.c, generated from
 * cpufeatureset.h at RELEASE-4.22.0): words by leaf, subleaf and
 * register, bits by name, unnamed bits as <W:B>. */
START_TEST(cpu_feature_names)
{
    const struct xs_cpu_word *w = xs_cpu_word_cpuid(7, 0, 'b');
    ck_assert_ptr_nonnull(w);
    ck_assert_uint_eq(w->word, 5);
    ck_assert_str_eq(xs_cpu_feature_name(5, 5), "avx2");
    ck_assert_str_eq(xs_cpu_feature_name(5, 16), "avx512f");
    ck_assert_str_eq(xs_cpu_feature_name(1, 19), "sse4-1");
    ck_assert_ptr_null(xs_cpu_feature_name(0, 10)); /* reserved */
    ck_assert_ptr_null(xs_cpu_word_cpuid(7, XS_NO_SUBLEAF, 'b'));
    ck_assert_ptr_null(xs_cpu_word_cpuid(1, 0, 'd')); /* leaf 1: no subleaf */
    ck_assert_uint_eq(xs_cpu_word_cpuid(1, XS_NO_SUBLEAF, 'd')->word, 0);
    ck_assert_uint_eq(xs_cpu_word_cpuid(0xd, 1, 'a')->word, 4);
    ck_assert_uint_eq(xs_cpu_word_msr(0x10a, 'a')->word, 16);
    ck_assert_uint_eq(xs_cpu_word_msr(0x10a, 'd')->word, 17);
    ck_assert_ptr_null(xs_cpu_word_msr(0xce, 'a'));
    char text[64];
    ck_assert_uint_eq(xs_cpu_features_text(xs_cpu_word_cpuid(1, XS_NO_SUBLEAF,
                                                             'd'),
                                           1u | 1u << 10 | 1u << 26, text,
                                           sizeof(text)),
                      strlen("fpu <0:10> sse2"));
    ck_assert_str_eq(text, "fpu <0:10> sse2");
    /* cut, never past the buffer */
    ck_assert_uint_eq(xs_cpu_features_text(w, 0xffffffffu, text, 8), 7);
    /* sorted by value, each name once: the binary search finds all */
    for (unsigned i = 0; i < xs_cpu_nfeatures; i++) {
        const struct xs_cpu_feature *f = &xs_cpu_features[i];
        ck_assert(i == 0 || xs_cpu_features[i - 1].value < f->value);
        ck_assert_str_eq(xs_cpu_feature_name(f->value / 32, f->value % 32),
                         f->name);
    }
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("libxc");
    TCase *t = tcase_create("codecs");
    tcase_add_test(t, cpu_feature_names);
    tcase_add_checked_fixture(t, setup, teardown);
    tcase_add_test(t, endian_roundtrip);
    tcase_add_test(t, header_codecs);
    tcase_add_test(t, type_table);
    tcase_add_test(t, canonicalise_clears_reserved);
    tcase_add_test(t, pfn_runs);
    suite_add_tcase(s, t);

    t = tcase_create("body rules");
    tcase_add_checked_fixture(t, setup, teardown);
    tcase_add_test(t, rule_zero_length_records);
    tcase_add_test(t, rule_page_data);
    tcase_add_test(t, rule_pv_info);
    tcase_add_test(t, rule_p2m_frames);
    tcase_add_test(t, rule_vcpu);
    tcase_add_test(t, rule_fixed_sizes);
    tcase_add_test(t, rule_hvm_context);
    tcase_add_test(t, rule_hvm_params);
    tcase_add_test(t, rule_refused_types);
    tcase_add_test(t, rule_policy);
    suite_add_tcase(s, t);

    t = tcase_create("stream rules");
    tcase_add_checked_fixture(t, setup, teardown);
    tcase_add_test(t, state_sde_missing_v3);
    tcase_add_test(t, state_page_runs_match_per_pfn);
    tcase_add_test(t, state_sde_missing_v3_p2m);
    tcase_add_test(t, state_sde_duplicate);
    tcase_add_test(t, state_v3_records_in_v2);
    tcase_add_test(t, state_policy_after_sde);
    tcase_add_test(t, state_guest_unhandled);
    tcase_add_test(t, state_pv_info_order);
    tcase_add_test(t, state_p2m_length_for_width);
    tcase_add_test(t, state_vcpu_basic_size);
    tcase_add_test(t, state_pfn_type_runs);
    tcase_add_test(t, state_vcpu_pages_missing);
    tcase_add_test(t, state_pv_order_and_p2m);
    tcase_add_test(t, state_start_info_decision);
    tcase_add_test(t, state_p2m_frames_arrive);
    tcase_add_test(t, state_shared_info_before_pv_info);
    tcase_add_test(t, state_sde_late_warning);
    tcase_add_test(t, state_checkpoint_warning);
    tcase_add_test(t, state_incomplete_at_end);
    suite_add_tcase(s, t);
    return s;
}

int main(void) { return tu_run(suite()); }
