/* The compat pass over in-memory record lists: where STATIC_DATA_END goes
 * for each guest type and edge case, and which records are dropped. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "endian.h"
#include "libxc.h"
#include "testutil.h"

static struct xs_record_list in, out;

static void setup(void)
{
    memset(&in, 0, sizeof(in));
    memset(&out, 0, sizeof(out));
}

static void teardown(void)
{
    xs_record_list_free(&in);
    xs_record_list_free(&out);
}

static void add(uint32_t type, uint32_t len, uint32_t first_word)
{
    uint8_t b[16] = {0};
    xs_put_le32(b, first_word);
    struct xs_record r = {.type = type, .length = len,
                          .held = len < 16 ? len : 16, .body = b,
                          .index = (int64_t)in.n, .offset = 0x40 + 8 * in.n};
    ck_assert_int_eq(xs_record_list_push(&in, &r), XS_OK);
}

/* Run the pass; the output types must be exactly `want` (ended by ~0u). */
static void expect(unsigned version, uint32_t guest, const uint32_t *want)
{
    struct xs_compat c;
    xs_compat_init(&c, version, guest);
    ck_assert_int_eq(xs_compat_apply(&c, &in, &out), XS_OK);
    size_t n = 0;
    while (want[n] != ~0u)
        n++;
    ck_assert_uint_eq(out.n, n);
    for (size_t i = 0; i < n; i++)
        ck_assert_msg(out.v[i].type == want[i], "record %zu: type %u, want %u",
                      i, out.v[i].type, want[i]);
}

#define END_LIST (~0u)
enum {
    PI = XS_REC_X86_PV_INFO, P2M = XS_REC_X86_PV_P2M_FRAMES,
    PG = XS_REC_PAGE_DATA, SDE = XS_REC_STATIC_DATA_END, END = XS_REC_END,
    TSC = XS_REC_X86_TSC_INFO, CK = XS_REC_CHECKPOINT,
    CTX = XS_REC_HVM_CONTEXT, PAR = XS_REC_HVM_PARAMS,
    EXT = XS_REC_X86_PV_VCPU_EXTENDED, OPT = 0x80000001u,
};

START_TEST(pv_before_p2m_frames)
{
    add(PI, 8, 0); add(OPT, 5, 0); add(P2M, 16, 0); add(PG, 16, 1);
    add(PG, 16, 1); add(END, 0, 0);
    uint32_t want[] = {PI, OPT, SDE, P2M, PG, PG, END, END_LIST};
    expect(2, XS_GUEST_X86_PV, want);
    ck_assert(out.v[2].synthetic);
    ck_assert_int_eq(out.v[2].index, 2); /* placed before input record 2 */
}
END_TEST

START_TEST(pv_page_data_first)
{
    add(PI, 8, 0); add(PG, 16, 1); add(P2M, 16, 0); add(END, 0, 0);
    uint32_t want[] = {PI, SDE, PG, P2M, END, END_LIST};
    expect(2, XS_GUEST_X86_PV, want);
}
END_TEST

START_TEST(hvm_before_page_data_only)
{
    /* X86_PV_P2M_FRAMES is no trigger for HVM (and is refused anyway) */
    add(TSC, 24, 0); add(P2M, 16, 0); add(PG, 16, 1); add(PG, 16, 1);
    add(CTX, 16, 0); add(PAR, 8, 0); add(END, 0, 0);
    uint32_t want[] = {TSC, P2M, SDE, PG, PG, CTX, END, END_LIST};
    expect(2, XS_GUEST_X86_HVM, want);
}
END_TEST

START_TEST(no_trigger_before_end)
{
    add(TSC, 24, 0); add(CTX, 16, 0); add(END, 0, 0);
    uint32_t want[] = {TSC, CTX, SDE, END, END_LIST};
    expect(2, XS_GUEST_X86_HVM, want);
}
END_TEST

START_TEST(no_trigger_before_checkpoint)
{
    add(PI, 8, 0); add(CK, 0, 0); add(P2M, 16, 0); add(PG, 16, 1);
    add(END, 0, 0);
    uint32_t want[] = {PI, SDE, CK, P2M, PG, END, END_LIST};
    expect(2, XS_GUEST_X86_PV, want);
}
END_TEST

START_TEST(v3_untouched)
{
    add(PI, 8, 0); add(SDE, 0, 0); add(P2M, 16, 0); add(PG, 16, 1);
    add(END, 0, 0);
    uint32_t want[] = {PI, SDE, P2M, PG, END, END_LIST};
    expect(3, XS_GUEST_X86_PV, want);
}
END_TEST

START_TEST(erratum_dropped)
{
    add(PG, 16, 1); add(EXT, 8, 0); add(EXT, 24, 0); add(PAR, 8, 0);
    add(PAR, 24, 1); add(END, 0, 0);
    uint32_t want[] = {SDE, PG, EXT, PAR, END, END_LIST};
    struct xs_compat c;
    xs_compat_init(&c, 2, XS_GUEST_X86_PV);
    ck_assert_int_eq(xs_compat_apply(&c, &in, &out), XS_OK);
    ck_assert_uint_eq(c.dropped, 2);
    ck_assert_uint_eq(c.inserted, 1);
    xs_record_list_free(&out);
    expect(2, XS_GUEST_X86_PV, want);
}
END_TEST

START_TEST(erratum_dropped_in_v3)
{
    add(SDE, 0, 0); add(PAR, 8, 0); add(END, 0, 0);
    uint32_t want[] = {SDE, END, END_LIST};
    expect(3, XS_GUEST_X86_HVM, want);
}
END_TEST

/* towards v2: STATIC_DATA_END and erratum records go, nothing is inserted,
 * and the CPU policy records go only when asked */
static void run_to_v2(bool drop_policy, struct xs_compat *c)
{
    xs_compat_init(c, 3, XS_GUEST_X86_PV);
    xs_compat_to_v2(c, drop_policy);
    ck_assert_int_eq(xs_compat_apply(c, &in, &out), XS_OK);
}

START_TEST(to_v2_drops_sde)
{
    add(PI, 8, 0); add(SDE, 0, 0); add(P2M, 16, 0); add(PG, 16, 1);
    add(EXT, 8, 0); add(END, 0, 0);
    struct xs_compat c;
    run_to_v2(false, &c);
    uint32_t want[] = {PI, P2M, PG, END};
    ck_assert_uint_eq(out.n, 4);
    for (size_t i = 0; i < 4; i++)
        ck_assert_uint_eq(out.v[i].type, want[i]);
    ck_assert_uint_eq(c.sde_dropped, 1);
    ck_assert_uint_eq(c.inserted, 0);
    ck_assert_uint_eq(c.dropped, 1);
}
END_TEST

START_TEST(to_v2_cpu_policy)
{
    add(PI, 8, 0); add(XS_REC_X86_CPUID_POLICY, 8, 0);
    add(XS_REC_X86_MSR_POLICY, 8, 0); add(SDE, 0, 0); add(P2M, 16, 0);
    add(END, 0, 0);
    struct xs_compat c;
    run_to_v2(true, &c);
    ck_assert_uint_eq(out.n, 3);
    ck_assert_uint_eq(c.policy_dropped, 2);
    /* without --drop-cpu-policy the record is refused, with its place */
    struct xs_report rep;
    xs_report_init(&rep, "test");
    ck_assert(!xs_compat_refuse(&c, &in.v[1], &rep));
    xs_compat_init(&c, 3, XS_GUEST_X86_PV);
    xs_compat_to_v2(&c, false);
    ck_assert(!xs_compat_refuse(&c, &in.v[0], &rep));
    ck_assert(xs_compat_refuse(&c, &in.v[1], &rep));
    const struct xs_finding *f = xs_report_find(&rep, "convert.cpu_policy");
    ck_assert_ptr_nonnull(f);
    ck_assert_uint_eq(f->offset, in.v[1].offset);
    ck_assert_int_eq(f->index, 1);
    ck_assert_uint_eq(rep.errors, 1);
    xs_report_free(&rep);
    xs_record_list_free(&out);
    ck_assert_int_eq(xs_compat_apply(&c, &in, &out), XS_INVALID);
}
END_TEST

START_TEST(to_v3_keeps_policy)
{
    add(XS_REC_X86_CPUID_POLICY, 8, 0); add(PG, 16, 1); add(END, 0, 0);
    struct xs_compat c;
    struct xs_report rep;
    xs_report_init(&rep, "test");
    xs_compat_init(&c, 3, XS_GUEST_X86_HVM);
    ck_assert(!xs_compat_refuse(&c, &in.v[0], &rep));
    xs_report_free(&rep);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("compat");
    TCase *t = tcase_create("static data end");
    tcase_add_checked_fixture(t, setup, teardown);
    tcase_add_test(t, pv_before_p2m_frames);
    tcase_add_test(t, pv_page_data_first);
    tcase_add_test(t, hvm_before_page_data_only);
    tcase_add_test(t, no_trigger_before_end);
    tcase_add_test(t, no_trigger_before_checkpoint);
    tcase_add_test(t, v3_untouched);
    tcase_add_test(t, erratum_dropped);
    tcase_add_test(t, erratum_dropped_in_v3);
    suite_add_tcase(s, t);
    t = tcase_create("to v2");
    tcase_add_checked_fixture(t, setup, teardown);
    tcase_add_test(t, to_v2_drops_sde);
    tcase_add_test(t, to_v2_cpu_policy);
    tcase_add_test(t, to_v3_keeps_policy);
    suite_add_tcase(s, t);
    return s;
}

int main(void) { return tu_run(suite()); }
