/* The libxc Domain Image Format: header codecs, the record type table, the
 * per-record body rules, canonicalisation and the record reader.
 *
 * Each record type is one row of rec_table (below): its name, the guests
 * whose restore handles it, its body rule, canonicaliser, what to hold and
 * its field describer; everything here looks a type up there.
 *
 * Facts come from docs/specs/libxc-migration-stream.pandoc,
 * tools/libs/guest/xg_sr_stream_format.h, xg_sr_restore*.c and the
 * reference checker tools/python/xen/migration/libxc.py. */
#include "cpufeatures.h"
#include "libxc.h"

#include <string.h>

#include "endian.h"
#include "field.h"
#include "layer.h"

/* ------------------------------------------------------------------ */
/* header codecs: image header big-endian, the rest little-endian      */

void xs_libxc_ihdr_decode(const uint8_t b[XS_LIBXC_IHDR_SIZE],
                          struct xs_libxc_ihdr *h)
{
    h->marker = xs_be64(b);
    h->id = xs_be32(b + 8);
    h->version = xs_be32(b + 12);
    h->options = xs_be16(b + 16);
    h->res1 = xs_be16(b + 18);
    h->res2 = xs_be32(b + 20);
}

void xs_libxc_ihdr_encode(const struct xs_libxc_ihdr *h,
                          uint8_t b[XS_LIBXC_IHDR_SIZE])
{
    xs_put_be64(b, h->marker);
    xs_put_be32(b + 8, h->id);
    xs_put_be32(b + 12, h->version);
    xs_put_be16(b + 16, h->options);
    xs_put_be16(b + 18, h->res1);
    xs_put_be32(b + 20, h->res2);
}

void xs_libxc_dhdr_decode(const uint8_t b[XS_LIBXC_DHDR_SIZE],
                          struct xs_libxc_dhdr *h)
{
    h->type = xs_le32(b);
    h->page_shift = xs_le16(b + 4);
    h->res1 = xs_le16(b + 6);
    h->xen_major = xs_le32(b + 8);
    h->xen_minor = xs_le32(b + 12);
}

void xs_libxc_dhdr_encode(const struct xs_libxc_dhdr *h,
                          uint8_t b[XS_LIBXC_DHDR_SIZE])
{
    xs_put_le32(b, h->type);
    xs_put_le16(b + 4, h->page_shift);
    xs_put_le16(b + 6, h->res1);
    xs_put_le32(b + 8, h->xen_major);
    xs_put_le32(b + 12, h->xen_minor);
}

/* ------------------------------------------------------------------ */
/* names                                                               */

const char *xs_libxc_guest_name(uint32_t guest)
{
    switch (guest) {
    case XS_GUEST_X86_PV:
        return "x86 PV";
    case XS_GUEST_X86_HVM:
        return "x86 HVM";
    default:
        return "unknown";
    }
}

const char *xs_hvm_param_name(uint64_t index)
{
    static const char *const names[] = {
        [0] = "CALLBACK_IRQ", [1] = "STORE_PFN", [2] = "STORE_EVTCHN",
        [4] = "PAE_ENABLED", [5] = "IOREQ_PFN", [6] = "BUFIOREQ_PFN",
        [9] = "VIRIDIAN", [10] = "TIMER_MODE", [11] = "HPET_ENABLED",
        [12] = "IDENT_PT", [13] = "DM_DOMAIN", [14] = "ACPI_S_STATE",
        [15] = "VM86_TSS", [16] = "VPT_ALIGN", [17] = "CONSOLE_PFN",
        [18] = "CONSOLE_EVTCHN", [19] = "ACPI_IOPORTS_LOCATION",
        [20] = "MEMORY_EVENT_CR0", [21] = "MEMORY_EVENT_CR3",
        [22] = "MEMORY_EVENT_CR4", [23] = "MEMORY_EVENT_INT3",
        [24] = "NESTEDHVM", [25] = "MEMORY_EVENT_SINGLE_STEP",
        [26] = "BUFIOREQ_EVTCHN", [27] = "PAGING_RING_PFN",
        [28] = "MONITOR_RING_PFN", [29] = "SHARING_RING_PFN",
        [30] = "MEMORY_EVENT_MSR", [31] = "TRIPLE_FAULT_REASON",
        [32] = "IOREQ_SERVER_PFN", [33] = "NR_IOREQ_SERVER_PAGES",
        [34] = "VM_GENERATION_ID_ADDR", [35] = "ALTP2M",
        [36] = "X87_FIP_WIDTH", [37] = "VM86_TSS_SIZED", [38] = "MCA_CAP",
    };
    return index < sizeof(names) / sizeof(names[0]) ? names[index] : NULL;
}

const char *xs_hvm_save_name(uint16_t code)
{
    static const char *const names[] = {
        "END", "HEADER", "CPU", "PIC", "IOAPIC", "LAPIC", "LAPIC_REGS",
        "PCI_IRQ", "ISA_IRQ", "PCI_LINK", "PIT", "RTC", "HPET", "PMTIMER",
        "MTRR", "VIRIDIAN_DOMAIN", "CPU_XSAVE", "VIRIDIAN_VCPU", "VMCE_VCPU",
        "TSC_ADJUST", "CPU_MSR",
    };
    return code < sizeof(names) / sizeof(names[0]) ? names[code] : NULL;
}

const char *xs_pfinfo_name(unsigned t)
{
    static const char *const names[16] = {
        [XS_PF_NOTAB] = "NOTAB",         [XS_PF_L1TAB] = "L1TAB",
        [XS_PF_L2TAB] = "L2TAB",         [XS_PF_L3TAB] = "L3TAB",
        [XS_PF_L4TAB] = "L4TAB",         [XS_PF_L1TAB_PIN] = "L1TAB_PIN",
        [XS_PF_L2TAB_PIN] = "L2TAB_PIN", [XS_PF_L3TAB_PIN] = "L3TAB_PIN",
        [XS_PF_L4TAB_PIN] = "L4TAB_PIN", [XS_PF_BROKEN] = "BROKEN",
        [XS_PF_XALLOC] = "XALLOC",       [XS_PF_XTAB] = "XTAB",
    };
    return t < 16 ? names[t] : NULL;
}

/* ------------------------------------------------------------------ */
/* per-record body rules                                               */

struct body_ctx {
    const struct xs_record *r;
    struct xs_report *rep;
    char nbuf[32];
    const char *name;
};

static void err_at(struct body_ctx *c, const char *rule, uint64_t field_off,
                   const char *msg)
{
    xs_report_add(c->rep, XS_SEV_ERROR, rule, c->r->offset + field_off,
                  c->r->index, c->name, "%s", msg);
}

#define BODY (XS_LIBXC_RHDR_SIZE) /* offset of the body in a record */

#define ERR(c, rule, field_off, ...)                                        \
    xs_report_add((c)->rep, XS_SEV_ERROR, rule, (c)->r->offset + (field_off), \
                  (c)->r->index, (c)->name, __VA_ARGS__)
#define WARN(c, rule, field_off, ...)                                         \
    xs_report_add((c)->rep, XS_SEV_WARNING, rule,                           \
                  (c)->r->offset + (field_off), (c)->r->index, (c)->name,     \
                  __VA_ARGS__)

static void reserved32(struct body_ctx *c, uint32_t at)
{
    if (c->r->held >= at + 4 && xs_le32(c->r->body + at) != 0)
        WARN(c, "libxc.reserved", BODY + at,
             "reserved field is 0x%08x, not zero (ignored by restore; "
             "upgrade clears it)",
             xs_le32(c->r->body + at));
}

static void exact_len(struct body_ctx *c, uint32_t want, const char *rule)
{
    if (c->r->length != want)
        ERR(c, rule, 0, "length %u, expected %u", c->r->length, want);
}

static void check_page_data(struct body_ctx *c)
{
    const struct xs_record *r = c->r;
    /* xg_sr_restore.c handle_page_data() */
    if (r->length < 8) {
        ERR(c, "libxc.page_data.short", 0,
            "length %u is too short for the 8-byte PAGE_DATA header",
            r->length);
        return;
    }
    uint32_t count = xs_le32(r->body);
    reserved32(c, 4);
    if (count == 0) {
        ERR(c, "libxc.page_data.count", BODY, "count is 0; at least 1 pfn "
            "is required");
        return;
    }
    if ((uint64_t)r->length < 8 + (uint64_t)count * 8) {
        ERR(c, "libxc.page_data.pfns", 0,
            "length %u is too short for %u pfn entries", r->length, count);
        return;
    }
    uint64_t with_data = 0;
    unsigned nres = 0, nbad = 0;
    uint32_t first_res = 0, first_bad = 0;
    const uint8_t *pfns = r->body + 8;
    for (uint32_t i = 0, n; i < count; i += n) {
        n = xs_pfn_run(pfns, i, count); /* one type, one set of reserved bits */
        uint64_t e = xs_le64(pfns + 8 * (size_t)i);
        unsigned t = xs_pfn_type(e);
        if (e & XS_PFN_RESERVED_MASK) {
            if (nres == 0)
                first_res = i;
            nres += n;
        }
        if (!xs_pfinfo_known(t)) {
            if (nbad == 0)
                first_bad = i;
            nbad += n;
        } else if (xs_pfinfo_has_data(t)) {
            with_data += n;
        }
    }
    if (nbad) {
        uint64_t e = xs_le64(r->body + 8 + 8 * (size_t)first_bad);
        ERR(c, "libxc.page_data.type", BODY + 8 + 8 * (uint64_t)first_bad,
            "pfn[%u] = 0x%016llx has unknown page type %u (%u such entries)",
            first_bad, (unsigned long long)e, xs_pfn_type(e), nbad);
        return;
    }
    if (nres) {
        uint64_t e = xs_le64(r->body + 8 + 8 * (size_t)first_res);
        WARN(c, "libxc.page_data.pfn_reserved",
             BODY + 8 + 8 * (uint64_t)first_res,
             "pfn[%u] = 0x%016llx has reserved bits 52-59 set (%u such "
             "entries; restore masks them, upgrade clears them)",
             first_res, (unsigned long long)e, nres);
    }
    uint64_t want = 8 + (uint64_t)count * 8 + with_data * XS_PAGE_SIZE;
    if (r->length != want)
        ERR(c, "libxc.page_data.length", 0,
            "length %u, expected %llu (8 + %u pfns * 8 + %llu pages * 4096)",
            r->length, (unsigned long long)want, count,
            (unsigned long long)with_data);
}

static void check_pv_info(struct body_ctx *c)
{
    const struct xs_record *r = c->r;
    /* xg_sr_restore_x86_pv.c handle_x86_pv_info(); the reference checker
     * wants exactly 8 bytes. */
    if (r->length != 8) {
        ERR(c, "libxc.pv_info.length", 0, "length %u, expected 8", r->length);
        if (r->length < 8)
            return;
    }
    unsigned w = r->body[0], l = r->body[1];
    if (!((w == 4 && l == 3) || (w == 8 && l == 4)))
        ERR(c, "libxc.pv_info.combination", BODY,
            "guest width %u with %u page-table levels; Xen accepts only "
            "4/3 (32-bit) and 8/4 (64-bit)",
            w, l);
    if (xs_le16(r->body + 2) != 0 || xs_le32(r->body + 4) != 0)
        WARN(c, "libxc.reserved", BODY + 2,
             "reserved bytes are not zero (ignored by restore; upgrade "
             "clears them)");
}

static void check_p2m_frames(struct body_ctx *c)
{
    const struct xs_record *r = c->r;
    /* handle_x86_pv_p2m_frames(); the width-dependent exact length is a
     * stream-state rule (core/validate.c). */
    if (r->length < 8 || r->length % 8) {
        ERR(c, "libxc.p2m_frames.length", 0,
            "length %u is not 8 plus a whole number of 8-byte frame pfns",
            r->length);
        return;
    }
    uint32_t start = xs_le32(r->body), end = xs_le32(r->body + 4);
    if (start > end)
        ERR(c, "libxc.p2m_frames.range", BODY,
            "start pfn 0x%x is after end pfn 0x%x", start, end);
}

/* The records that have no body. */
static void check_empty(struct body_ctx *c)
{
    exact_len(c, 0, "libxc.length");
}

/* The vcpu header every PV vCPU record starts with
 * (handle_x86_pv_vcpu_blob()): the size of the context after it, or 0
 * when there is none left to check. */
static uint32_t vcpu_blob(struct body_ctx *c)
{
    const struct xs_record *r = c->r;
    if (r->length < 8) {
        ERR(c, "libxc.vcpu.short", 0,
            "length %u is too short for the 8-byte vcpu header", r->length);
        return 0;
    }
    uint32_t blob = r->length - 8;
    if (blob != 0)
        reserved32(c, 4);
    if (blob == 0) {
        if (xs_libxc_is_erratum_empty(r))
            WARN(c, "libxc.erratum.empty", 0,
                 "vcpu %u record with no content (spec erratum 1: tolerated "
                 "and skipped by restore; upgrade drops it)",
                 xs_le32(r->body));
        else
            ERR(c, "libxc.vcpu.basic_size", 0,
                "vcpu %u basic context is empty", xs_le32(r->body));
    }
    return blob;
}

static void check_vcpu_basic(struct body_ctx *c)
{
    vcpu_blob(c);
}

static void check_vcpu_extended(struct body_ctx *c)
{
    uint32_t blob = vcpu_blob(c);
    if (blob > 128)
        ERR(c, "libxc.vcpu.extended_size", 0,
            "extended context is %u bytes, more than the 128 Xen accepts",
            blob);
}

static void check_vcpu_xsave(struct body_ctx *c)
{
    uint32_t blob = vcpu_blob(c);
    if (blob && blob < 16)
        ERR(c, "libxc.vcpu.xsave_size", 0,
            "xsave context is %u bytes, less than the 16 Xen requires",
            blob);
}

static void check_vcpu_msrs(struct body_ctx *c)
{
    uint32_t blob = vcpu_blob(c);
    if (blob % 16)
        ERR(c, "libxc.vcpu.msrs_size", 0,
            "MSR context is %u bytes, not a multiple of 16", blob);
}

static void check_shared_info(struct body_ctx *c)
{
    exact_len(c, XS_PAGE_SIZE, "libxc.shared_info.length");
}

static void check_tsc_info(struct body_ctx *c)
{
    exact_len(c, 24, "libxc.tsc_info.length");
    if (c->r->length == 24)
        reserved32(c, 20);
}

static void check_hvm_params(struct body_ctx *c)
{
    const struct xs_record *r = c->r;
    /* xg_sr_restore_x86_hvm.c handle_hvm_params() */
    if (r->length < 8) {
        ERR(c, "libxc.hvm_params.length", 0,
            "length %u is too short for the 8-byte header", r->length);
        return;
    }
    uint32_t count = xs_le32(r->body);
    reserved32(c, 4);
    if ((uint64_t)r->length != 8 + (uint64_t)count * 16) {
        ERR(c, "libxc.hvm_params.length", 0,
            "length %u, expected %llu for %u parameters", r->length,
            8 + (unsigned long long)count * 16, count);
        return;
    }
    if (count == 0)
        WARN(c, "libxc.erratum.empty", 0,
             "HVM_PARAMS with no parameters (spec erratum 1: tolerated and "
             "skipped by restore; upgrade drops it)");
    /* xc_hvm_param_set() for each: Xen's HVMOP_set_param refuses "if (
     * a.index >= HVM_NR_PARAMS )" (-EINVAL; public/hvm/params.h, 39 from
     * 4.10 to 4.22; older releases: core/release.c) */
    for (uint32_t i = 0; i < count && 8 + 16 * (uint64_t)i + 16 <= r->held;
         i++) {
        uint64_t index = xs_le64(r->body + 8 + 16 * (uint64_t)i);
        if (index >= XS_HVM_NR_PARAMS) {
            ERR(c, "libxc.hvm_params.index", BODY + 8 + 16 * (uint64_t)i,
                "parameter %u has index %llu, at or above HVM_NR_PARAMS "
                "(%u): Xen refuses to set it",
                i, (unsigned long long)index, XS_HVM_NR_PARAMS);
            return;
        }
    }
}

/* The HVM context blob is what Xen's hvm_load() reads
 * (xen/arch/x86/hvm/save.c): save descriptors (typecode u16, instance u16,
 * length u32, then data), the HEADER first (hvm_get_entry(HEADER), then
 * arch_hvm_check(): magic and version), every typecode one Xen has a
 * handler for, every length within the blob, and an END descriptor last
 * ("save did not end with a null entry"). */
#define XS_HVM_FILE_MAGIC 0x54381286u
#define XS_HVM_FILE_VERSION 1u
#define XS_HVM_HEADER_SIZE 24u
#define XS_HVM_SAVE_CODE_MAX 20u

static void check_hvm_context(struct body_ctx *c)
{
    const struct xs_record *r = c->r;
    const uint8_t *b = r->body;
    uint64_t at = 0, n = r->held;
    if (r->length == 0) {
        err_at(c, "libxc.hvm_context.empty", 0, "HVM context is empty");
        return;
    }
    for (unsigned i = 0;; i++) {
        if (n - at < 8) {
            ERR(c, "libxc.hvm_context.no_end", BODY + at,
                "HVM context ends without an END descriptor: Xen's "
                "hvm_load() refuses it");
            return;
        }
        uint16_t code = xs_le16(b + at);
        uint32_t len = xs_le32(b + at + 4);
        if (i == 0 && (code != 1 || len != XS_HVM_HEADER_SIZE)) {
            ERR(c, "libxc.hvm_context.header", BODY + at,
                "HVM context starts with typecode %u length %u, not the "
                "%u-byte HEADER: Xen refuses it",
                code, len, XS_HVM_HEADER_SIZE);
            return;
        }
        if (code == 0)
            return;
        if (code > XS_HVM_SAVE_CODE_MAX) {
            ERR(c, "libxc.hvm_context.typecode", BODY + at,
                "descriptor %u has unknown typecode %u: Xen refuses it", i,
                code);
            return;
        }
        if (len > n - at - 8) {
            ERR(c, "libxc.hvm_context.length", BODY + at + 4,
                "descriptor %u (%s) claims %u bytes, only %llu remain", i,
                xs_hvm_save_name(code), len,
                (unsigned long long)(n - at - 8));
            return;
        }
        if (i == 0) {
            uint32_t magic = xs_le32(b + at + 8), ver = xs_le32(b + at + 12);
            if (magic != XS_HVM_FILE_MAGIC || ver != XS_HVM_FILE_VERSION) {
                ERR(c, "libxc.hvm_context.magic", BODY + at + 8,
                    "HVM save header magic 0x%08x version %u, expected "
                    "0x%08x version %u: Xen refuses it",
                    magic, ver, XS_HVM_FILE_MAGIC, XS_HVM_FILE_VERSION);
                return;
            }
        }
        at += 8 + (uint64_t)len;
    }
}

static void check_toolstack(struct body_ctx *c)
{
    err_at(c, "libxc.toolstack", 0,
           "deprecated TOOLSTACK record: no Xen restore handles it");
}

static void check_dirty_pfn_list(struct body_ctx *c)
{
    err_at(c, "libxc.dirty_pfn_list", 0,
           "CHECKPOINT_DIRTY_PFN_LIST belongs to COLO's back channel, "
           "never to a saved stream");
}

/* xg_sr_common_x86.c handle_x86_{cpuid,msr}_policy(): false when the
 * length is wrong (reported). */
static bool policy_length(struct body_ctx *c, uint32_t unit)
{
    if (c->r->length == 0 || c->r->length % unit) {
        ERR(c, "libxc.policy.length", 0,
            "length %u is not a non-zero multiple of %u", c->r->length, unit);
        return false;
    }
    return true;
}

static void check_cpuid_policy(struct body_ctx *c)
{
    policy_length(c, XS_CPUID_LEAF_SIZE);
}

/* An entry's reserved flags: what Xen refuses as they are, and what
 * upgrade clears, core/release.c says (policy.msr.flags, libxc.reserved):
 * x86_msr_copy_from_buffer() refuses them at every release. */
static void check_msr_policy(struct body_ctx *c)
{
    policy_length(c, XS_MSR_ENTRY_SIZE);
}

/* ------------------------------------------------------------------ */
/* canonicalisation (docs/behaviour.md §2.3c): each type's reserved      */
/* fields and bits, the ones the spec says a saver zeroes.  True when    */
/* any is set, cleared when fix: one walk serves both the writer (fix)   */
/* and the copy-as-is test (look only).                                  */

/* The 4 reserved bytes at `at`, if held: true when any is set; zeroed
 * when fix. */
static bool reserved_word(uint8_t *body, uint32_t held, uint32_t at, bool fix)
{
    if (held < at + 4 || xs_le32(body + at) == 0)
        return false;
    if (fix)
        memset(body + at, 0, 4);
    return true;
}

static bool res_page_data(uint8_t *body, uint32_t held, bool fix)
{
    bool set = reserved_word(body, held, 4, fix);
    for (uint32_t at = 8; at + 8 <= held; at += 8) {
        uint64_t e = xs_le64(body + at);
        if (e & XS_PFN_RESERVED_MASK) {
            set = true;
            if (fix)
                xs_put_le64(body + at, e & ~XS_PFN_RESERVED_MASK);
        }
    }
    return set;
}

static bool res_pv_info(uint8_t *body, uint32_t held, bool fix)
{
    bool set = false;
    for (uint32_t at = 2; held >= 8 && at < 8; at++)
        if (body[at]) {
            set = true;
            if (fix)
                body[at] = 0;
        }
    return set;
}

/* the word after a vcpu id or an HVM_PARAMS count */
static bool res_word4(uint8_t *body, uint32_t held, bool fix)
{
    return reserved_word(body, held, 4, fix);
}

static bool res_tsc_info(uint8_t *body, uint32_t held, bool fix)
{
    return reserved_word(body, held, 20, fix);
}

static bool res_msr_policy(uint8_t *body, uint32_t held, bool fix)
{
    bool set = false;
    for (uint32_t at = 0; at + 16 <= held; at += 16)
        set |= reserved_word(body, held, at + 4, fix);
    return set;
}

/* ------------------------------------------------------------------ */
/* what the reader holds: known records whole, but for a bulky one      */

/* The header and pfn array of PAGE_DATA; its pages stay payload. */
static uint32_t hold_page_data(uint32_t length, const uint8_t *head)
{
    if (length < 8)
        return length;
    uint64_t pfns = 8 + (uint64_t)xs_le32(head) * 8;
    return pfns < length ? (uint32_t)pfns : length;
}

/* ------------------------------------------------------------------ */
/* field describers (xs_describe_record()): from the held body only     */

static void count_run(void *ctx, uint64_t pfn, uint32_t n, unsigned type)
{
    struct xs_page_counts *c = ctx;
    c->types[type] += n;
    c->pages += xs_pfinfo_has_data(type) ? n : 0;
    c->lo = pfn < c->lo ? pfn : c->lo;
    c->hi = pfn + n - 1 > c->hi ? pfn + n - 1 : c->hi;
    c->pfns += n;
}

/* A run at a time (xs_page_data_runs): consecutive pfns of one type. */
void xs_libxc_page_counts(const struct xs_record *r, struct xs_page_counts *c)
{
    memset(c, 0, sizeof(*c));
    c->lo = UINT64_MAX;
    xs_page_data_runs(r, count_run, c);
}

static void desc_page_data(const struct xs_record *r, xs_field_fn fn,
                           void *ctx)
{
    struct xs_page_counts pc;
    xs_libxc_page_counts(r, &pc);
    xs_field_int(fn, ctx, "pfns", pc.pfns);
    xs_field_int(fn, ctx, "pages", pc.pages);
    if (pc.pfns)
        xs_field_textf(fn, ctx, "range", "0x%llx-0x%llx",
                       (unsigned long long)pc.lo, (unsigned long long)pc.hi);
    xs_field_open(fn, ctx, XS_FIELD_MAP, "types");
    for (unsigned t = 0; t < 16; t++)
        if (pc.types[t])
            xs_field_int(fn, ctx,
                         xs_pfinfo_name(t) ? xs_pfinfo_name(t) : "unknown",
                         pc.types[t]);
    xs_field_end(fn, ctx);
}

static void desc_pv_info(const struct xs_record *r, xs_field_fn fn, void *ctx)
{
    if (r->held >= 2) {
        xs_field_int(fn, ctx, "guest_width", r->body[0]);
        xs_field_int(fn, ctx, "pt_levels", r->body[1]);
    }
}

static void desc_p2m_frames(const struct xs_record *r, xs_field_fn fn,
                            void *ctx)
{
    if (r->held >= 8) {
        xs_field_hex(fn, ctx, "start_pfn", xs_le32(r->body));
        xs_field_hex(fn, ctx, "end_pfn", xs_le32(r->body + 4));
        xs_field_int(fn, ctx, "frames", (r->held - 8) / 8);
    }
}

static void desc_vcpu(const struct xs_record *r, xs_field_fn fn, void *ctx)
{
    if (r->held >= 8) {
        xs_field_int(fn, ctx, "vcpu", xs_le32(r->body));
        xs_field_int(fn, ctx, "context_bytes", r->length - 8);
    }
}

static void desc_tsc_info(const struct xs_record *r, xs_field_fn fn,
                          void *ctx)
{
    if (r->held >= 24) {
        xs_field_int(fn, ctx, "mode", xs_le32(r->body));
        xs_field_int(fn, ctx, "khz", xs_le32(r->body + 4));
        xs_field_int(fn, ctx, "nsec", xs_le64(r->body + 8));
        xs_field_int(fn, ctx, "incarnation", xs_le32(r->body + 16));
    }
}

static void desc_hvm_context(const struct xs_record *r, xs_field_fn fn,
                             void *ctx)
{
    const uint8_t *b = r->body;
    xs_field_open(fn, ctx, XS_FIELD_LIST, "descriptors");
    for (uint64_t at = 0; at + 8 <= r->held;) {
        uint16_t code = xs_le16(b + at), inst = xs_le16(b + at + 2);
        uint32_t len = xs_le32(b + at + 4);
        const char *nm = xs_hvm_save_name(code);
        if (nm)
            xs_field_textf(fn, ctx, NULL, "%s#%u(%u)", nm, inst, len);
        else
            xs_field_textf(fn, ctx, NULL, "type_%u#%u(%u)", code, inst, len);
        if (code == 0)
            break;
        at += 8 + (uint64_t)len;
    }
    xs_field_end(fn, ctx);
}

static void desc_hvm_params(const struct xs_record *r, xs_field_fn fn,
                            void *ctx)
{
    xs_field_open(fn, ctx, XS_FIELD_MAP, "params");
    for (uint64_t at = 8; at + 16 <= r->held; at += 16) {
        uint64_t idx = xs_le64(r->body + at);
        const char *nm = xs_hvm_param_name(idx);
        char kb[32];
        if (!nm) {
            snprintf(kb, sizeof(kb), "param_%llu", (unsigned long long)idx);
            nm = kb;
        }
        xs_field_hex(fn, ctx, nm, xs_le64(r->body + at + 8));
    }
    xs_field_end(fn, ctx);
}

/* A policy register's features, each by Xen's name (a bit Xen names
 * nothing as "<W:B>"). */
static void field_features(xs_field_fn fn, void *ctx,
                           const struct xs_cpu_word *w, uint32_t bits)
{
    for (unsigned b = 0; w && b < 32; b++) {
        if (bits & (1u << b)) {
            char buf[16];
            xs_field_text(fn, ctx, NULL,
                          xs_cpu_feature_label(w->word, b, buf));
        }
    }
}

static void desc_cpuid_policy(const struct xs_record *r, xs_field_fn fn,
                              void *ctx)
{
    const uint8_t *vendor = NULL;
    xs_field_open(fn, ctx, XS_FIELD_LIST, "leaves");
    for (uint64_t at = 0; at + XS_CPUID_LEAF_SIZE <= r->held;
         at += XS_CPUID_LEAF_SIZE) {
        uint32_t leaf = xs_le32(r->body + at), sub = xs_le32(r->body + at + 4);
        if (sub == XS_NO_SUBLEAF)
            xs_field_textf(fn, ctx, NULL, "0x%x", leaf);
        else
            xs_field_textf(fn, ctx, NULL, "0x%x/%u", leaf, sub);
    }
    xs_field_end(fn, ctx);
    for (uint64_t at = 0; at + XS_CPUID_LEAF_SIZE <= r->held;
         at += XS_CPUID_LEAF_SIZE) {
        uint32_t leaf = xs_le32(r->body + at);
        const uint8_t *v = r->body + at + 8; /* eax, ebx, ecx, edx */
        if (leaf == 0 && !vendor) {
            vendor = v;
            xs_field_hex(fn, ctx, "max_leaf", xs_le32(v));
        } else if (leaf == 0x80000000u) {
            xs_field_hex(fn, ctx, "max_ext_leaf", xs_le32(v));
        }
    }
    if (vendor) { /* ebx, edx, ecx: "GenuineIntel", "AuthenticAMD" */
        uint8_t id[12];
        memcpy(id, vendor + 4, 4);
        memcpy(id + 4, vendor + 12, 4);
        memcpy(id + 8, vendor + 8, 4);
        xs_field_bytes(fn, ctx, "vendor", id, sizeof(id));
    }
    /* in featureset word order, as xen-cpuid lists them; a leaf sent
     * twice counts as the first */
    xs_field_open(fn, ctx, XS_FIELD_LIST, "features");
    for (unsigned i = 0; i < xs_cpu_nwords; i++) {
        const struct xs_cpu_word *w = &xs_cpu_words[i];
        for (uint64_t at = 0; w->kind == XS_CPU_WORD_CPUID &&
                              at + XS_CPUID_LEAF_SIZE <= r->held;
             at += XS_CPUID_LEAF_SIZE) {
            if (xs_le32(r->body + at) != w->leaf ||
                xs_le32(r->body + at + 4) != w->subleaf)
                continue;
            field_features(fn, ctx, w,
                           xs_le32(r->body + at + 8 +
                                   4 * (size_t)(w->reg - 'a')));
            break;
        }
    }
    xs_field_end(fn, ctx);
}

static void desc_msr_policy(const struct xs_record *r, xs_field_fn fn,
                            void *ctx)
{
    xs_field_open(fn, ctx, XS_FIELD_LIST, "msrs");
    for (uint64_t at = 0; at + XS_MSR_ENTRY_SIZE <= r->held;
         at += XS_MSR_ENTRY_SIZE)
        xs_field_textf(fn, ctx, NULL, "0x%x", xs_le32(r->body + at));
    xs_field_end(fn, ctx);
    xs_field_open(fn, ctx, XS_FIELD_LIST, "features");
    for (uint64_t at = 0; at + XS_MSR_ENTRY_SIZE <= r->held;
         at += XS_MSR_ENTRY_SIZE) {
        uint32_t idx = xs_le32(r->body + at);
        uint64_t val = xs_le64(r->body + at + 8);
        field_features(fn, ctx, xs_cpu_word_msr(idx, 'a'), (uint32_t)val);
        field_features(fn, ctx, xs_cpu_word_msr(idx, 'd'),
                       (uint32_t)(val >> 32));
    }
    xs_field_end(fn, ctx);
}

/* The erratum's zero-content forms (the restore skips them). */
static bool empty_hvm_params(const struct xs_record *r)
{
    return r->length == 8 && r->held >= 8 && xs_le32(r->body) == 0;
}

static bool empty_vcpu(const struct xs_record *r)
{
    return r->length == 8;
}

/* ------------------------------------------------------------------ */
/* the record type table: the one place a libxc record type is listed  */

#define PV (1u << XS_GUEST_X86_PV)
#define HVM (1u << XS_GUEST_X86_HVM)

struct libxc_row {
    const char *name;
    unsigned guests; /* guest types whose restore handles it */
    void (*check)(struct body_ctx *c); /* stateless body rule */
    /* reserved fields: set?  (cleared when fix); NULL: none */
    bool (*reserved)(uint8_t *body, uint32_t held, bool fix);
    /* bytes of the body to hold; NULL: all of it */
    uint32_t (*hold)(uint32_t length, const uint8_t *head);
    /* its fields for dump; NULL: none */
    void (*describe)(const struct xs_record *r, xs_field_fn fn, void *ctx);
    /* erratum 1's zero-content form (tolerated, dropped); NULL: none */
    bool (*erratum_empty)(const struct xs_record *r);
};

static const struct libxc_row rec_table[] = {
    [XS_REC_END] = {.name = "END", .guests = PV | HVM, .check = check_empty},
    [XS_REC_PAGE_DATA] = {.name = "PAGE_DATA", .guests = PV | HVM,
        .check = check_page_data, .reserved = res_page_data,
        .hold = hold_page_data, .describe = desc_page_data},
    [XS_REC_X86_PV_INFO] = {.name = "X86_PV_INFO", .guests = PV,
        .check = check_pv_info, .reserved = res_pv_info,
        .describe = desc_pv_info},
    [XS_REC_X86_PV_P2M_FRAMES] = {.name = "X86_PV_P2M_FRAMES", .guests = PV,
        .check = check_p2m_frames, .describe = desc_p2m_frames},
    [XS_REC_X86_PV_VCPU_BASIC] = {.name = "X86_PV_VCPU_BASIC", .guests = PV,
        .check = check_vcpu_basic, .reserved = res_word4,
        .describe = desc_vcpu},
    [XS_REC_X86_PV_VCPU_EXTENDED] = {.name = "X86_PV_VCPU_EXTENDED",
        .guests = PV, .check = check_vcpu_extended, .reserved = res_word4,
        .describe = desc_vcpu, .erratum_empty = empty_vcpu},
    [XS_REC_X86_PV_VCPU_XSAVE] = {.name = "X86_PV_VCPU_XSAVE", .guests = PV,
        .check = check_vcpu_xsave, .reserved = res_word4,
        .describe = desc_vcpu, .erratum_empty = empty_vcpu},
    [XS_REC_SHARED_INFO] = {.name = "SHARED_INFO", .guests = PV,
        .check = check_shared_info},
    [XS_REC_X86_TSC_INFO] = {.name = "X86_TSC_INFO", .guests = PV | HVM,
        .check = check_tsc_info, .reserved = res_tsc_info,
        .describe = desc_tsc_info},
    [XS_REC_HVM_CONTEXT] = {.name = "HVM_CONTEXT", .guests = HVM,
        .check = check_hvm_context, .describe = desc_hvm_context},
    [XS_REC_HVM_PARAMS] = {.name = "HVM_PARAMS", .guests = HVM,
        .check = check_hvm_params, .reserved = res_word4,
        .describe = desc_hvm_params, .erratum_empty = empty_hvm_params},
    /* No restore handles TOOLSTACK any more: it was only ever used while
     * the format was being developed. */
    [XS_REC_TOOLSTACK] = {.name = "TOOLSTACK", .guests = 0,
        .check = check_toolstack},
    [XS_REC_X86_PV_VCPU_MSRS] = {.name = "X86_PV_VCPU_MSRS", .guests = PV,
        .check = check_vcpu_msrs, .reserved = res_word4, .describe = desc_vcpu,
        .erratum_empty = empty_vcpu},
    [XS_REC_VERIFY] = {.name = "VERIFY", .guests = PV | HVM,
        .check = check_empty},
    [XS_REC_CHECKPOINT] = {.name = "CHECKPOINT", .guests = PV | HVM,
        .check = check_empty},
    /* Only ever sent on the COLO back channel, secondary to primary. */
    [XS_REC_CHECKPOINT_DIRTY_PFN_LIST] = {.name = "CHECKPOINT_DIRTY_PFN_LIST",
        .guests = 0, .check = check_dirty_pfn_list},
    [XS_REC_STATIC_DATA_END] = {.name = "STATIC_DATA_END", .guests = PV | HVM,
        .check = check_empty},
    [XS_REC_X86_CPUID_POLICY] = {.name = "X86_CPUID_POLICY",
        .guests = PV | HVM, .check = check_cpuid_policy,
        .describe = desc_cpuid_policy},
    [XS_REC_X86_MSR_POLICY] = {.name = "X86_MSR_POLICY", .guests = PV | HVM,
        .check = check_msr_policy, .reserved = res_msr_policy,
        .describe = desc_msr_policy},
};
/* A type added to the enum needs its row; the summary counts every known
 * type and then "other". */
_Static_assert(sizeof(rec_table) / sizeof(rec_table[0]) == XS_REC_NR_KNOWN,
               "one rec_table row per libxc record type");
_Static_assert(XS_SUM_LIBXC_TYPES == XS_REC_NR_KNOWN + 1,
               "XS_SUM_LIBXC_TYPES (xenstream.h) is the known libxc types "
               "plus one");

/* ------------------------------------------------------------------ */
/* lookups in the table                                                */

bool xs_libxc_rec_known(uint32_t type) { return type < XS_REC_NR_KNOWN; }

const char *xs_libxc_rec_name(uint32_t type, char buf[32])
{
    if (xs_libxc_rec_known(type))
        return rec_table[type].name;
    snprintf(buf, 32, "%s_0x%08x",
             (type & XS_REC_OPTIONAL) ? "OPTIONAL" : "UNKNOWN", type);
    return buf;
}

bool xs_libxc_guest_handles(uint32_t guest, uint32_t type)
{
    if (!xs_libxc_rec_known(type) || guest > 31)
        return false;
    return (rec_table[type].guests & (1u << guest)) != 0;
}

bool xs_libxc_triggers_sde(uint32_t guest, uint32_t type)
{
    return type == XS_REC_PAGE_DATA ||
           (guest == XS_GUEST_X86_PV && type == XS_REC_X86_PV_P2M_FRAMES);
}

bool xs_libxc_is_erratum_empty(const struct xs_record *r)
{
    return xs_libxc_rec_known(r->type) && rec_table[r->type].erratum_empty &&
           rec_table[r->type].erratum_empty(r);
}

bool xs_hvm_desc_next(const uint8_t *b, uint64_t n, uint64_t *at,
                      struct xs_hvm_desc *d)
{
    if (*at > n || n - *at < XS_HVM_DESC_SIZE)
        return false;
    d->at = *at;
    d->code = xs_le16(b + *at);
    d->instance = xs_le16(b + *at + 2);
    d->length = xs_le32(b + *at + 4);
    if (d->code == 0 || d->length > n - *at - XS_HVM_DESC_SIZE)
        return false;
    d->data = b + *at + XS_HVM_DESC_SIZE;
    *at += XS_HVM_DESC_SIZE + (uint64_t)d->length;
    return true;
}

bool xs_libxc_is_empty_vcpu_blob(const struct xs_record *r)
{
    return r->type != XS_REC_HVM_PARAMS && xs_libxc_is_erratum_empty(r);
}

void xs_libxc_check_body(const struct xs_record *r, struct xs_report *rep)
{
    struct body_ctx c = {.r = r, .rep = rep};
    c.name = xs_libxc_rec_name(r->type, c.nbuf);

    if (!xs_libxc_rec_known(r->type)) {
        if (r->type & XS_REC_OPTIONAL)
            WARN(&c, "libxc.optional", 0,
                 "optional record (length %u) unknown to Xen; restore "
                 "ignores it, upgrade keeps it",
                 r->length);
        else
            err_at(&c, "libxc.unknown", 0,
                   "unknown mandatory record type: Xen's restore refuses it");
        return;
    }
    rec_table[r->type].check(&c);
}

static bool reserved_fields(uint32_t type, uint8_t *body, uint32_t held,
                            bool fix)
{
    return xs_libxc_rec_known(type) && rec_table[type].reserved &&
           rec_table[type].reserved(body, held, fix);
}

void xs_libxc_canonicalise(uint32_t type, uint8_t *body, uint32_t held)
{
    reserved_fields(type, body, held, true);
}

bool xs_libxc_is_canonical(uint32_t type, const uint8_t *body, uint32_t held)
{
    /* fix is false: nothing is written through the cast */
    return !reserved_fields(type, (uint8_t *)body, held, false);
}

void xs_libxc_describe(const struct xs_record *r, xs_field_fn fn, void *ctx)
{
    if (xs_libxc_rec_known(r->type) && rec_table[r->type].describe)
        rec_table[r->type].describe(r, fn, ctx);
}

/* ------------------------------------------------------------------ */
/* the reader: the shared record framing (records.c) with libxc's       */
/* record names, the 128 MiB limit, and what to hold                    */

static uint32_t libxc_hold(uint32_t type, uint32_t length, const uint8_t *head)
{
    /* none of an unknown record */
    if (!xs_libxc_rec_known(type))
        return 0;
    return rec_table[type].hold ? rec_table[type].hold(length, head) : length;
}

const struct xs_rec_layer xs_libxc_layer = {
    .rule_truncated = "libxc.truncated",
    .rule_too_long = "libxc.record.too_long",
    .rule_padding = "libxc.padding",
    .padding_msg = "record padding is not zero (ignored by restore; upgrade "
                   "clears it)",
    .max_length = XS_LIBXC_REC_LENGTH_MAX, /* xg_sr_common.c read_record() */
    .name = xs_libxc_rec_name,
    .hold = libxc_hold,
};

int xs_libxc_check_ihdr(const uint8_t b[XS_LIBXC_IHDR_SIZE], uint64_t at,
                        struct xs_report *rep, struct xs_libxc_ihdr *ih)
{
    const char *w = "libxc image header";
    xs_libxc_ihdr_decode(b, ih);
    /* xg_sr_restore.c read_headers() */
    if (ih->marker != XS_LIBXC_MARKER) {
        xs_report_add(rep, XS_SEV_ERROR, "libxc.ihdr.marker", at, -1, w,
                      "marker is 0x%016llx, not all ones",
                      (unsigned long long)ih->marker);
        return XS_INVALID;
    }
    if (ih->id != XS_LIBXC_ID) {
        xs_report_add(rep, XS_SEV_ERROR, "libxc.ihdr.id", at + 8, -1, w,
                      "id is 0x%08x, not 0x%08x (\"XENF\")", ih->id,
                      XS_LIBXC_ID);
        return XS_INVALID;
    }
    if (ih->version < 2 || ih->version > 3) {
        xs_report_add(rep, XS_SEV_ERROR, "libxc.ihdr.version", at + 12, -1,
                      w, "version %u is not supported (2 or 3)", ih->version);
        return XS_INVALID;
    }
    if (ih->options & XS_LIBXC_OPT_BIG_ENDIAN) {
        xs_report_add(rep, XS_SEV_ERROR, "libxc.ihdr.big_endian", at + 16,
                      -1, w,
                      "big-endian stream: Xen's restore refuses it");
        return XS_INVALID;
    }
    if (ih->options & ~XS_LIBXC_OPT_BIG_ENDIAN)
        xs_report_add(rep, XS_SEV_WARNING, "libxc.reserved", at + 16, -1, w,
                      "reserved option bits 0x%04x set (ignored by restore; "
                      "upgrade clears them)",
                      ih->options & ~XS_LIBXC_OPT_BIG_ENDIAN);
    if (ih->res1 || ih->res2)
        xs_report_add(rep, XS_SEV_WARNING, "libxc.reserved", at + 18, -1, w,
                      "reserved fields are not zero (ignored by restore; "
                      "upgrade clears them)");
    return XS_OK;
}

int xs_libxc_check_dhdr(const uint8_t b[XS_LIBXC_DHDR_SIZE], uint64_t at,
                        struct xs_report *rep, struct xs_libxc_dhdr *dh)
{
    const char *w = "libxc domain header";
    xs_libxc_dhdr_decode(b, dh);
    /* x86_pv_setup() / x86_hvm_setup(): guest type and 4k pages */
    if (dh->type != XS_GUEST_X86_PV && dh->type != XS_GUEST_X86_HVM) {
        xs_report_add(rep, XS_SEV_ERROR, "libxc.dhdr.type", at, -1, w,
                      "domain type 0x%x is neither x86 PV (1) nor x86 HVM (2)",
                      dh->type);
        return XS_INVALID;
    }
    if (dh->page_shift != XS_PAGE_SHIFT) {
        xs_report_add(rep, XS_SEV_ERROR, "libxc.dhdr.page_shift", at + 4, -1,
                      w, "page shift %u; x86 guests use 12 (4 KiB pages)",
                      dh->page_shift);
        return XS_INVALID;
    }
    if (dh->res1)
        xs_report_add(rep, XS_SEV_WARNING, "libxc.reserved", at + 6, -1, w,
                      "reserved field is 0x%04x, not zero (ignored by "
                      "restore; upgrade clears it)",
                      dh->res1);
    return XS_OK;
}

/* ---- the layers: a libxc stream (read by core/stream.c), and the
 * legacy format before it, recognised only to be refused ---- */

const struct xs_layer xs_layer_libxc = {
    .name = "libxc", .kind = XS_LK_LIBXC,
    .magic = "\xff\xff\xff\xff\xff\xff\xff\xff",
    .magic_len = 8,
    .restore = XS_LR_REFUSED,
    .restore_why = "a bare libxc stream has no libxl stream around it for "
                   "libxenlight to restore",
    .headers = (const struct xs_layer_header[]){
        {.what = "libxc", .type = "header", .fields = xs_libxc_describe_hdr},
        {0}},
    .record_name = xs_libxc_rec_name, .record_fields = xs_libxc_describe,
};

/* spec "Legacy Images": octets 4-7 are 0 for a 64-bit toolstack's image
 * (p2m_size < 2^32), 0xffffffff for a 32-bit PV one. */
static bool legacy_bid(const uint8_t *p, size_t n)
{
    return n >= 8 && xs_le32(p) != 0 &&
           (xs_le32(p + 4) == 0 || xs_le32(p + 4) == 0xffffffffu);
}

const struct xs_layer xs_layer_legacy = {
    .name = "legacy", .kind = XS_LK_REFUSED, .bid = legacy_bid,
    .refuse = "this looks like a legacy (pre-Xen 4.6) save image; convert "
              "it with Xen's convert-legacy-stream first",
};

/* The image and domain headers as xs_walk() passes them (40 bytes). */
void xs_libxc_describe_hdr(const uint8_t *p, uint64_t n, xs_field_fn fn,
                           void *ctx)
{
    struct xs_libxc_ihdr ih;
    struct xs_libxc_dhdr dh;
    if (n != XS_LIBXC_IHDR_SIZE + XS_LIBXC_DHDR_SIZE)
        return;
    xs_libxc_ihdr_decode(p, &ih);
    xs_libxc_dhdr_decode(p + XS_LIBXC_IHDR_SIZE, &dh);
    xs_field_int(fn, ctx, "version", ih.version);
    xs_field_hex(fn, ctx, "options", ih.options);
    xs_field_text(fn, ctx, "guest", xs_libxc_guest_name(dh.type));
    xs_field_int(fn, ctx, "page_shift", dh.page_shift);
    xs_field_textf(fn, ctx, "xen", "%u.%u", dh.xen_major, dh.xen_minor);
}

/* ---- the public walk of a PAGE_DATA record's pfn array ---- */

uint32_t xs_page_data_runs(const struct xs_record *r, xs_pfn_run_fn fn,
                           void *ctx)
{
    if (r->type != XS_REC_PAGE_DATA || r->held < 8)
        return 0;
    uint32_t count = xs_le32(r->body);
    if (count > (r->held - 8) / 8)
        count = (r->held - 8) / 8;
    const uint8_t *e = r->body + 8;
    for (uint32_t i = 0, n; i < count; i += n) {
        n = xs_pfn_run(e, i, count);
        uint64_t v = xs_le64(e + 8 * (size_t)i);
        fn(ctx, v & XS_PFN_MASK, n, xs_pfn_type(v));
    }
    return count;
}

bool xs_page_type_has_data(unsigned type) { return xs_pfinfo_has_data(type); }
