/* What each Xen release's restore path reads, from its own sources, and
 * the verify --xen rules and info's "restores on" built on it.
 *
 * Only three facts differ between 4.6 and today in what a restore accepts
 * from the bytes of a stream (read at the git tags RELEASE-4.x.0):
 *
 * - the image versions read: tools/libxc/xc_sr_restore.c read_headers()
 *   refuses "ihdr.version != IHDR_VERSION" (2) up to 4.13; from 4.14
 *   (tools/libxc/xc_sr_restore.c, later tools/libs/guest/xg_sr_restore.c)
 *   it reads "2 <= ver <= 3".  Before 4.6 only the legacy format existed.
 * - the record types known: xc_sr_stream_format.h of 4.6 ends at
 *   CHECKPOINT (0x0e); 4.7 adds CHECKPOINT_DIRTY_PFN_LIST (0x0f); 4.14 adds
 *   STATIC_DATA_END, X86_CPUID_POLICY, X86_MSR_POLICY (0x10-0x12).
 *   process_record() refuses an unknown type unless REC_TYPE_OPTIONAL is
 *   set ("Unrecognised mandatory record").
 * - spec erratum 1: xc_sr_restore_x86_pv.c handle_x86_pv_vcpu_blob() of
 *   4.6-4.8 refuses a vCPU record with no content ("rec->length <=
 *   sizeof(*vhdr)": "record truncated"); 4.9 skips it ("Tolerate empty
 *   records").  An empty HVM_PARAMS (count 0) passes everywhere.
 *
 * - HVM save records: hvm_load() hands each descriptor to its handler,
 *   which reads it with hvm_load_entry() (the length must equal the
 *   release's struct) or hvm_load_entry_zeroextend() (at most that long,
 *   zero-extended), xen/arch/x86/include/asm/hvm/save.h (earlier
 *   xen/include/asm-x86/hvm/support.h) and xen/arch/x86/hvm/save.c
 *   _hvm_check_entry().  The lengths, sizeof() of each struct of
 *   xen/include/public/arch-x86/hvm/save.h compiled at each tag, and the
 *   loader, grepped at each tag, are hvm_lens[] below: five structs grew
 *   between 4.6 and 4.22 (CPU, VIRIDIAN_VCPU, VMCE_VCPU, RTC, LAPIC), so
 *   an image saved by a newer Xen is refused by an older one ("HVM
 *   restore: failed to load entry"), unless convert --to-xen cuts the
 *   record, which it can when what is cut is zero (a zero-extending
 *   loader reads zeros there).  4.21's LAPIC record (b28b590d4a,
 *   pending_esr) is the newest of them.
 * - HVM parameters: HVMOP_set_param refuses "a.index >= HVM_NR_PARAMS"
 *   (xen/arch/x86/hvm/hvm.c at RELEASE-4.6.0; public/hvm/params.h: 36 on
 *   4.6, 37 on 4.7, 38 on 4.9, 39 from 4.10 to 4.22), and later savers
 *   send X87_FIP_WIDTH, VM86_TSS_SIZED and MCA_CAP when set
 *   (xg_sr_save_x86_hvm.c write_hvm_params() at RELEASE-4.17.0).
 * - the libxl JSON config (xl's save header): libxl 4.18 (5b80cecb74,
 *   tools/libs/light/libxl_cpuid.c libxl__cpuid_policy_list_parse_json()
 *   at RELEASE-4.18.0) writes b_info.cpuid as an object {"cpuid": [...],
 *   "msr": [...]} and reads both forms; 4.17 and older read only the
 *   array ("if (!libxl__json_object_is_array(o)) return ERROR_FAIL", at
 *   RELEASE-4.17.0), so xl cannot load the config.
 * - qemu-traditional: removed in 4.21 (19ab8356ab): xl_parse.c refuses
 *   device_model_version "qemu-xen-traditional" ("Unknown
 *   device_model_version"), libxl_create.c
 *   libxl__domain_build_info_setdefault() knows only QEMU_XEN, and no
 *   qemu-dm is there to load the EMULATOR_CONTEXT a qemu-traditional
 *   guest's stream carries (libxl_sr_stream_format.h at RELEASE-4.21.0:
 *   "EMULATOR_QEMU_TRADITIONAL ... Dropped in Xen 4.21").
 * - the policy derived for an image without CPU policy records
 *   (tools/libs/guest/xg_cpuid_x86.c xc_cpuid_apply_policy(), restore):
 *   from 4.16.0 it clamps leaf 7's max subleaf to 0 and the max extended
 *   leaf to 0x8000001c, which hides BHI_CTRL (leaf 7[2].edx), so a vCPU
 *   whose MSR_SPEC_CTRL has BHI_DIS_S set (a guest of a security-patched
 *   4.13) is refused ("HVM restore: failed to load entry 20/0"); 28301682f4
 *   clamps to subleaf 2 and 0x80000021 instead: in 4.20.0, backported to
 *   4.18.4 (60573721c5) and 4.19.2 (4306bf6a75); 4.16.x and 4.17.x never
 *   got it (RELEASE-4.16.7, 4.17.7).  4.14 and 4.15 do not clamp.
 * - the CPU policy records' entries: what x86_cpuid_copy_from_buffer()
 *   and x86_msr_copy_from_buffer() have room for, per release (see
 *   pol_limits[] below).
 * - the CPU vendor: from 4.22 (c520286a53, xen/arch/x86/lib/cpu-policy/
 *   policy.c x86_cpu_policies_are_compatible()) a policy whose vendor is
 *   not the host's is refused.  Which host is not in the image: with
 *   --xen alone it is a note naming the vendor (core/target.c checks it
 *   with --host-policy).
 *
 * Checked and found not to change what a restore accepts from the bytes:
 * the libxl records (libxl_sr_stream_format.h: CHECKPOINT_STATE from 4.7)
 * and xl's header flags (JSON, STREAMv2 since 4.6); libxl_stream_read.c
 * and xg_sr_restore*.c from 4.14 to 4.22 (superpage allocation in 4.21,
 * the page type helpers of 4.16 that only give invalid types a safer
 * default, renames); HVM_SAVE_CODE_MAX (20 throughout).  Not encoded: the
 * MSRs an HVM CPU_MSR record may carry grew (hvm.c msrs_to_send[]: 4.10
 * MISC_FEATURES_ENABLES, 4.11 SPEC_CTRL, 4.12 the AMD DR masks, 4.13
 * BNDCFGS and XSS, 4.17 VIRT_SPEC_CTRL, 4.18 PKRS), and whether an older
 * release refuses one depends on the vendor hooks as well. */
#include "release.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "endian.h"
#include "libxc.h"
#include "libxl.h"

/* One row per release where a fact changed; a release takes the newest
 * row at or below it. */
static const struct {
    unsigned minor, max_version;
    uint32_t libxc_types;
    bool empty_blobs, cpuid_object, qemu_trad, vendor;
} rows[] = {
    {0, 0, 0, false, false, true, false},             /* legacy only */
    {6, 2, XS_REC_CHECKPOINT + 1, false, false, true, false}, /* 4.6 */
    {7, 2, XS_REC_CHECKPOINT_DIRTY_PFN_LIST + 1, false, false, true,
     false},                                          /* 4.7 */
    {9, 2, XS_REC_CHECKPOINT_DIRTY_PFN_LIST + 1, true, false, true,
     false},                                          /* 4.9 */
    {14, 3, XS_REC_X86_MSR_POLICY + 1, true, false, true, false}, /* 4.14 */
    /* libxl_cpuid.c, RELEASE-4.18.0 (5b80cecb74) */
    {18, 3, XS_REC_X86_MSR_POLICY + 1, true, true, true, false},
    /* 19ab8356ab, RELEASE-4.21.0 */
    {21, 3, XS_REC_X86_MSR_POLICY + 1, true, true, false, false},
    /* cpu-policy/policy.c, RELEASE-4.22.0 (c520286a53) */
    {22, 3, XS_REC_X86_MSR_POLICY + 1, true, true, false, true},
};

/* What each release's HVM loaders read, per typecode: from the minor on,
 * the length of its struct, and whether the loader wants it exactly
 * (hvm_load_entry) or at most (hvm_load_entry_zeroextend).  Lengths are
 * sizeof() of public/arch-x86/hvm/save.h at RELEASE-4.x.0 (x86_64); the
 * loaders: hvm.c hvm_load_cpu_ctxt() (CPU), vlapic.c lapic_load_hidden()
 * (LAPIC), vrtc's rtc_load() (RTC), viridian.c viridian_load_vcpu_ctxt()
 * (VIRIDIAN_VCPU), vmce.c vmce_load_vcpu_ctxt() (VMCE_VCPU). */
static const struct hvm_len {
    unsigned minor;
    uint32_t len;
    uint16_t code;
    bool strict;
} hvm_lens[] = {
    /* CPU: strict at 4.6 */
    {.code = 2, .minor = 6, .len = 1024, .strict = true},
    /* + flags (a3b6844d3b), zero-extended */
    {.code = 2, .minor = 7, .len = 1032, .strict = false},
    /* LAPIC */
    {.code = 5, .minor = 6, .len = 24, .strict = false},
    /* + pending_esr (b28b590d4a) */
    {.code = 5, .minor = 21, .len = 32, .strict = false},
    /* RTC: strict to 4.13 */
    {.code = 11, .minor = 6, .len = 16, .strict = true},
    /* + rtc_offset (105b06fc7e), zero-extended */
    {.code = 11, .minor = 14, .len = 24, .strict = false},
    /* VIRIDIAN_VCPU: strict at 4.6 */
    {.code = 17, .minor = 6, .len = 8, .strict = true},
    /* + vp_assist vector (78c5f59ebd) */
    {.code = 17, .minor = 7, .len = 16, .strict = false},
    /* + synthetic timers and SINTs (26fba3c855, a85089d0ef) */
    {.code = 17, .minor = 13, .len = 216, .strict = false},
    /* VMCE_VCPU */
    {.code = 18, .minor = 6, .len = 24, .strict = false},
    /* + mcg_ext_ctl (e2fea563b9) */
    {.code = 18, .minor = 10, .len = 32, .strict = false},
};

static const struct hvm_len *hvm_len_of(uint16_t code, unsigned minor)
{
    const struct hvm_len *best = NULL;
    for (size_t i = 0; i < sizeof(hvm_lens) / sizeof(hvm_lens[0]); i++)
        if (hvm_lens[i].code == code && hvm_lens[i].minor <= minor)
            best = &hvm_lens[i];
    return best;
}

static bool hvm_accepts(const struct hvm_len *h, uint32_t len)
{
    return !h || (h->strict ? len == h->len : len <= h->len);
}

bool xs_release_hvm_fit(const struct xs_release *rel, uint16_t code,
                        uint32_t len, uint32_t *want)
{
    const struct hvm_len *h = hvm_len_of(code, rel->rules_minor);
    *want = h ? h->len : len;
    return hvm_accepts(h, len);
}

/* struct hvm_hw_cpu's flags (4.7, a3b6844d3b) at 1024: 4.6's
 * hvm_load_cpu_ctxt() sets fpu_initialised for every vCPU it loads, so
 * XEN_X86_FPU_INITIALISED is what 4.6 assumes, not state lost by the cut
 * (RELEASE-4.6.0 xen/arch/x86/hvm/hvm.c). */
#define HVM_CPU_FLAGS_AT 1024u
#define XEN_X86_FPU_INITIALISED 1u

uint32_t xs_hvm_used_len(uint16_t code, const uint8_t *p, uint32_t len)
{
    while (len && (p[len - 1] &
                   (code == 2 && len - 1 == HVM_CPU_FLAGS_AT
                        ? (uint8_t)~XEN_X86_FPU_INITIALISED
                        : 0xff)) == 0)
        len--;
    return len;
}

/* HVM_NR_PARAMS of public/hvm/params.h at each tag: HVMOP_set_param
 * refuses an index at or above it, and the saver (xg_sr_save_x86_hvm.c
 * write_hvm_params()) sends X87_FIP_WIDTH (36, 4.7), VM86_TSS_SIZED
 * (37, 4.9) and MCA_CAP (38, 4.10) when they are not zero. */
static unsigned hvm_nr_params(unsigned minor)
{
    return minor >= 10 ? 39 : minor >= 9 ? 38 : minor >= 7 ? 37 : 36;
}

/* 4.16.0 up to the fix (4.18.4, 4.19.2, 4.20.0): the derived policy hides
 * BHI_CTRL. */
bool xs_release_bhi_refused(const struct xs_release *rel)
{
    unsigned m = rel->rules_minor;
    return m >= 16 && (m <= 17 || (m == 18 && rel->patch < 4) ||
                       (m == 19 && rel->patch < 2));
}

void xs_release_get(unsigned minor, struct xs_release *rel)
{
    size_t k = 0;
    while (k + 1 < sizeof(rows) / sizeof(rows[0]) && rows[k + 1].minor <= minor)
        k++;
    *rel = (struct xs_release){
        .major = 4,
        .minor = minor,
        .rules_minor = minor > XS_RELEASE_LAST ? XS_RELEASE_LAST : minor,
        .max_version = rows[k].max_version,
        .libxc_types = rows[k].libxc_types,
        .empty_blobs = rows[k].empty_blobs,
        .cpuid_object = rows[k].cpuid_object,
        .qemu_trad = rows[k].qemu_trad,
        .vendor_checked = rows[k].vendor,
    };
}

int xs_release_parse(const char *s, struct xs_release *rel)
{
    char *end;
    if (strncmp(s, "4.", 2) != 0 || s[2] < '0' || s[2] > '9')
        return XS_USAGE;
    unsigned long minor = strtoul(s + 2, &end, 10), patch = 0;
    /* "4.19.2": a point release restores as its 4.x.0 does, but for the
     * backports named in the rules (xs_release_bhi_refused()) */
    if (*end == '.' && end[1] >= '0' && end[1] <= '9')
        patch = strtoul(end + 1, &end, 10);
    if (*end || minor > 99 || patch > 999)
        return XS_USAGE;
    xs_release_get((unsigned)minor, rel);
    rel->patch = (unsigned)patch;
    return XS_OK;
}

/* The types a v2 conversion leaves out. */
static bool v3_only(uint32_t type)
{
    return type == XS_REC_STATIC_DATA_END ||
           type == XS_REC_X86_CPUID_POLICY || type == XS_REC_X86_MSR_POLICY;
}

static bool has_policy(const struct xs_summary *s)
{
    return s->rec_count[XS_REC_X86_CPUID_POLICY] ||
           s->rec_count[XS_REC_X86_MSR_POLICY];
}

/* libxl creates the domain its config's c_info.type says (PVH is an HVM
 * domain), and libxc's restore refuses a stream of the other kind:
 * xg_sr_restore_x86_pv.c x86_pv_setup() "Unable to restore %s domain
 * into an x86_pv domain", xg_sr_restore_x86_hvm.c x86_hvm_setup() "...
 * into an x86 HVM domain" (RELEASE-4.17.0).  xl 4.6 to 4.9 read no type=
 * (c7dfe4ac58 is 4.10's), only builder= (formats/xl.c). */
const char *xs_release_cfg_type_refused(const struct xs_release *rel,
                                        const struct xs_summary *s,
                                        uint32_t guest, bool *old)
{
    *old = rel && rel->rules_minor < 10;
    const char *type = *old ? s->cfg_type_old : s->cfg_type;
    if (!s->have_config || !type[0] ||
        (guest != XS_GUEST_X86_PV && guest != XS_GUEST_X86_HVM))
        return NULL;
    bool pv = strcmp(type, "pv") == 0;
    bool hvm = strcmp(type, "hvm") == 0 || strcmp(type, "pvh") == 0;
    return (guest == XS_GUEST_X86_PV ? pv : hvm) ? NULL : type;
}

/* The patch level whose limits rel takes: a point release's own; 4.x
 * is 4.x.0, and so is a release past the last read (ruled as it). */
static unsigned pol_patch(const struct xs_release *rel)
{
    return rel && rel->minor == rel->rules_minor ? rel->patch : 0;
}

bool xs_release_restores(const struct xs_release *rel,
                         const struct xs_summary *s, enum xs_restore_as as)
{
    /* as convert --to-xen writes it: v2 below 4.14, which has no policy
     * records; from 4.14 without them only with --drop-cpu-policy */
    bool conv = as != XS_AS_IS, to_v2 = conv && rel->max_version < 3;
    bool no_policy = to_v2 || as == XS_AS_CONVERTED_NO_POLICY;
    unsigned version = to_v2 ? 2 : s->version;
    if (rel->max_version < 2 || version > rel->max_version)
        return false;
    for (uint32_t t = rel->libxc_types; t < XS_REC_NR_KNOWN; t++)
        if (s->rec_count[t] && !(to_v2 && v3_only(t)))
            return false;
    if (!rel->empty_blobs && !conv && s->empty_vcpu_blobs)
        return false;
    for (uint16_t c = 1; c < XS_SUM_HVM_CODES; c++) {
        const struct hvm_len *h = hvm_len_of(c, rel->rules_minor);
        if (!s->hvm_len_max[c] || !h)
            continue;
        if (conv ? s->hvm_len_used[c] > h->len
                 : !hvm_accepts(h, s->hvm_len_max[c]) ||
                       !hvm_accepts(h, s->hvm_len_min[c]))
            return false;
    }
    if (!rel->cpuid_object && s->cfg_cpuid_object &&
        (!conv || s->cfg_cpuid_msr))
        return false;
    if (!rel->qemu_trad && (s->qemu_trad || s->cfg_qemu_trad))
        return false;
    bool old;
    if (xs_release_cfg_type_refused(rel, s, s->guest, &old))
        return false;
    /* xl's grammar and parse_config_data() at that tag (formats/xl.c):
     * no conversion changes the text */
    if (rel->rules_minor <= XS_RELEASE_LAST &&
        (s->cfg_refused >> rel->rules_minor & 1))
        return false;
    if (s->hvm_params_end > hvm_nr_params(rel->rules_minor))
        return false;
    /* kept as they are from 4.14 on (x86_cpuid/msr_copy_from_buffer()) */
    if (rel->rules_minor >= 14 && !no_policy &&
        pol_patch(rel) < (conv ? s->policy_patch_conv
                               : s->policy_patch)[rel->rules_minor])
        return false;
    /* no policy record reaches the target: it derives one */
    if (s->bhi_dis_s && xs_release_bhi_refused(rel) &&
        (no_policy || !s->rec_count[XS_REC_X86_CPUID_POLICY]))
        return false;
    return true;
}

/* ---- what Xen copies of a CPU policy record ----
 * The restore hands the X86_CPUID_POLICY and X86_MSR_POLICY records
 * unchanged (xg_sr_common_x86.c x86_static_data_complete()) to
 * XEN_DOMCTL_set_cpu_policy, whose update_domain_cpu_policy() copies them
 * with x86_cpuid_copy_from_buffer() and x86_msr_copy_from_buffer()
 * (xen/lib/x86/cpuid.c and msr.c at RELEASE-4.14.0 to 4.21.0;
 * xen/arch/x86/lib/cpu-policy/copy-from-buffer.c at RELEASE-4.22.0, the
 * same code).  They refuse more entries than CPUID_MAX_SERIALISED_LEAVES
 * or MSR_MAX_SERIALISED_ENTRIES (-E2BIG), and the first leaf/subleaf
 * without a slot in struct cpuid_policy (cpu_policy from 4.18), or MSR
 * other than the ones they copy (-ERANGE), or an MSR value wider than its
 * field (-EOVERFLOW); xc reports "Failed to set CPUID policy: leaf %08x,
 * subleaf %08x, msr %08x".  The slots: basic leaves 0 to
 * CPUID_GUEST_NR_BASIC - 1 (0xd throughout) with no subleaf, but for
 * leaves 4 (CPUID_GUEST_NR_CACHE 6 subleaves), 7 (CPUID_GUEST_NR_FEAT),
 * 0xb (CPUID_GUEST_NR_TOPO 2) and 0xd (CPUID_GUEST_NR_XSTATE 63);
 * 0x40000000 and 0x40000100 with no subleaf; extended leaves 0x80000000
 * to 0x80000000 + CPUID_GUEST_NR_EXTD - 1 with no subleaf.  The sizes
 * that changed, xen/include/xen/lib/x86/cpuid.h and msr.h (4.14-4.17),
 * cpu-policy.h (4.18-4.22, and the stable releases the cpu_policy rework
 * was backported to) at each tag.  Stable releases raised them too: a
 * row with a patch level holds for that branch from that release on
 * (4.14.5 raises 4.14's limits, not 4.15.0's), found by reading the same
 * headers at every RELEASE-4.1x.y tag; the Xen testbed restored a 4.17
 * save with 2 MSRs and leaf 0x8000001d on Debian 11's 4.14.6, which
 * 4.14.0's limits refuse. */
#define POL_NA 0xffffffffu /* XEN_CPUID_NO_SUBLEAF */
static const struct policy_limits {
    unsigned minor, patch;
    uint32_t nr_feat, nr_extd, max_leaves, max_msrs;
    bool arch_caps, arch_caps64;
} pol_limits[] = {
    /* 4.14: CPUID_GUEST_NR_FEAT 1u + 1, NR_EXTD MAX(0x8u + 1, 0x1cu + 1);
     * MSR_MAX_SERIALISED_ENTRIES 1: MSR_INTEL_PLATFORM_INFO (uint32_t) */
    {14, 0, 2, 0x1d, 114, 1, false, false},
    /* 4.14.1: MSR_MAX_SERIALISED_ENTRIES 2, + MSR_ARCH_CAPABILITIES */
    {14, 1, 2, 0x1d, 114, 2, true, false},
    /* 4.14.5: CPUID_GUEST_NR_FEAT 2u + 1, NR_EXTD_AMD 0x21u + 1 */
    {14, 5, 3, 0x22, 120, 2, true, false},
    /* 4.14.6: cpu-policy.h, arch_caps.raw uint64_t */
    {14, 6, 3, 0x22, 120, 2, true, true},
    /* 4.15: MSR_MAX_SERIALISED_ENTRIES 2, + MSR_ARCH_CAPABILITIES
     * (arch_caps.raw uint32_t) */
    {15, 0, 2, 0x1d, 114, 2, true, false},
    /* 4.15.3: NR_FEAT 2u + 1, NR_EXTD_AMD 0x21u + 1; 4.15.5: uint64_t */
    {15, 3, 3, 0x22, 120, 2, true, false},
    {15, 5, 3, 0x22, 120, 2, true, true},
    /* 4.16: CPUID_GUEST_NR_EXTD_AMD 0x21u + 1 */
    {16, 0, 2, 0x22, 119, 2, true, false},
    /* 4.16.1: NR_FEAT 2u + 1; 4.16.5: uint64_t */
    {16, 1, 3, 0x22, 120, 2, true, false},
    {16, 5, 3, 0x22, 120, 2, true, true},
    /* 4.17: CPUID_GUEST_NR_FEAT 2u + 1; 4.17.2: uint64_t */
    {17, 0, 3, 0x22, 120, 2, true, false},
    {17, 2, 3, 0x22, 120, 2, true, true},
    /* 4.18: arch_caps.raw uint64_t (cpu-policy.h) */
    {18, 0, 3, 0x22, 120, 2, true, true},
};
#define POL_NR_BASIC 0xeu
#define MSR_INTEL_PLATFORM_INFO 0xceu
#define MSR_ARCH_CAPABILITIES 0x10au

#define POL_ROWS (sizeof(pol_limits) / sizeof(pol_limits[0]))

/* Release 4.minor.patch's limits: the last .0 row at or below it, then
 * its own branch's point releases up to patch (none of another's). */
static const struct policy_limits *pol_limits_of(unsigned minor,
                                                 unsigned patch)
{
    const struct policy_limits *l = NULL;
    for (size_t i = 0; i < POL_ROWS; i++)
        if ((pol_limits[i].patch == 0 && pol_limits[i].minor <= minor) ||
            (pol_limits[i].minor == minor && pol_limits[i].patch <= patch))
            l = &pol_limits[i];
    return l;
}

static const char *pol_file(unsigned minor, bool msr)
{
    return minor >= 22 ? "xen/arch/x86/lib/cpu-policy/copy-from-buffer.c"
           : msr       ? "xen/lib/x86/msr.c"
                       : "xen/lib/x86/cpuid.c";
}

/* Does the copy take leaf/subleaf (x86_cpuid_copy_from_buffer()'s
 * switch)?  *size: the array it overflows, for the message. */
static bool cpuid_slot(const struct policy_limits *l, uint32_t leaf,
                       uint32_t sub, const char **what)
{
    *what = NULL;
    if (leaf < POL_NR_BASIC) {
        uint32_t n = leaf == 4 ? 6 : leaf == 7 ? l->nr_feat
                   : leaf == 0xb ? 2 : leaf == 0xd ? 63 : 0;
        *what = leaf == 4 ? "CPUID_GUEST_NR_CACHE" : leaf == 7
                ? "CPUID_GUEST_NR_FEAT" : leaf == 0xb ? "CPUID_GUEST_NR_TOPO"
                : leaf == 0xd ? "CPUID_GUEST_NR_XSTATE" : NULL;
        return n ? sub < n : sub == POL_NA;
    }
    if (leaf == 0x40000000u || leaf == 0x40000100u)
        return sub == POL_NA;
    if (leaf >= 0x80000000u && leaf - 0x80000000u < l->nr_extd)
        return sub == POL_NA;
    *what = leaf >= 0x80000000u ? "CPUID_GUEST_NR_EXTD" : NULL;
    return false;
}

/* What of r l's copy refuses: 0, or -E2BIG (count), -ERANGE (entry *i),
 * -EOVERFLOW (MSR *i's value), -EINVAL (MSR *i's flags: "if ( data.flags )
 * /\* .flags MBZ *\/", checked before the index, in x86_msr_copy_from_
 * buffer() at every tag RELEASE-4.14.0 to 4.22.0; libxenguest's
 * handle_x86_msr_policy() (xc_sr_common_x86.c at 4.14, xg_sr_common_x86.c
 * from 4.15) checks the length only and hands the entries over as they
 * are).  written: r as upgrade and convert write it, its reserved flags
 * cleared (xs_libxc_canonicalise()). */
#define POL_E2BIG 1
#define POL_ERANGE 2
#define POL_EOVERFLOW 3
#define POL_EINVAL 4
static int policy_refusal(const struct policy_limits *l,
                          const struct xs_record *r, uint64_t *i, bool written)
{
    const uint8_t *b = r->body;
    *i = 0;
    if (r->held != r->length)
        return 0; /* not all of it here: the length rule speaks */
    if (r->type == XS_REC_X86_CPUID_POLICY) {
        uint64_t n = r->held / XS_CPUID_LEAF_SIZE;
        if (n > l->max_leaves)
            return POL_E2BIG;
        const char *what;
        for (*i = 0; *i < n; ++*i)
            if (!cpuid_slot(l, xs_le32(b + *i * XS_CPUID_LEAF_SIZE),
                            xs_le32(b + *i * XS_CPUID_LEAF_SIZE + 4), &what))
                return POL_ERANGE;
        return 0;
    }
    if (r->type != XS_REC_X86_MSR_POLICY)
        return 0;
    uint64_t n = r->held / XS_MSR_ENTRY_SIZE;
    if (n > l->max_msrs)
        return POL_E2BIG;
    for (*i = 0; *i < n; ++*i) {
        /* xen_msr_entry_t: idx, flags (the reserved rule), val */
        uint32_t idx = xs_le32(b + *i * XS_MSR_ENTRY_SIZE);
        uint64_t val = xs_le64(b + *i * XS_MSR_ENTRY_SIZE + 8);
        if (!written && xs_le32(b + *i * XS_MSR_ENTRY_SIZE + 4))
            return POL_EINVAL;
        bool wide = idx == MSR_ARCH_CAPABILITIES && l->arch_caps64;
        if (idx != MSR_INTEL_PLATFORM_INFO &&
            !(idx == MSR_ARCH_CAPABILITIES && l->arch_caps))
            return POL_ERANGE;
        if (!wide && val > UINT32_MAX)
            return POL_EOVERFLOW; /* ASSIGN() */
    }
    return 0;
}

bool xs_release_msr_left_out(const struct xs_release *rel, uint32_t idx,
                             uint64_t val)
{
    const struct policy_limits *l = pol_limits_of(rel->rules_minor,
                                                  pol_patch(rel));
    return l && val == 0 && idx != MSR_INTEL_PLATFORM_INFO &&
           !(idx == MSR_ARCH_CAPABILITIES && l->arch_caps);
}

uint32_t xs_release_msr_kept(const struct xs_release *rel,
                             const struct xs_record *r, uint8_t *out,
                             unsigned *left, struct xs_report *rep)
{
    uint32_t n = 0, at = 0;
    *left = 0;
    for (; at + XS_MSR_ENTRY_SIZE <= r->held; at += XS_MSR_ENTRY_SIZE) {
        uint32_t idx = xs_le32(r->body + at);
        if (!xs_release_msr_left_out(rel, idx, xs_le64(r->body + at + 8))) {
            memcpy(out + n, r->body + at, XS_MSR_ENTRY_SIZE);
            n += XS_MSR_ENTRY_SIZE;
            continue;
        }
        ++*left;
        if (rep)
            xs_report_add(rep, XS_SEV_NOTE, "convert.msr_left_out",
                          r->offset + XS_REC_HDR_SIZE + at, r->index,
                          "X86_MSR_POLICY",
                          "MSR 0x%08x (value 0) left out: Xen %u.%u has no "
                          "field for it (x86_msr_copy_from_buffer(), %s at "
                          "RELEASE-4.%u.0), and 0 is what the guest sees "
                          "without it",
                          idx, rel->major, rel->minor,
                          pol_file(rel->rules_minor, true), rel->rules_minor);
    }
    if (r->held > at) /* a partial tail, as it is */
        memcpy(out + n, r->body + at, r->held - at);
    return n + (r->held - at);
}

/* Whether 4.m.p's limits take r; with kept (room for r->held bytes), r
 * as convert --to-xen 4.m.p writes an MSR policy record (the entries it
 * has no field for, 0, left out). */
static bool pol_takes(unsigned m, unsigned p, const struct xs_record *r,
                      bool written, uint8_t *kept)
{
    struct xs_record w = *r;
    uint64_t i;
    if (kept) {
        struct xs_release x;
        unsigned left;
        xs_release_get(m, &x);
        x.patch = p;
        w.body = kept;
        w.length = w.held = xs_release_msr_kept(&x, r, kept, &left, NULL);
    }
    return !policy_refusal(pol_limits_of(m, p), &w, &i, written);
}

/* The first 4.m.y (0: 4.m.0) that takes r (pol_takes()), XS_PATCH_NONE
 * if none known: a branch's limits only rise, so the first row that
 * takes it. */
static unsigned pol_first_patch(unsigned m, const struct xs_record *r,
                                bool written, uint8_t *kept)
{
    if (pol_takes(m, 0, r, written, kept))
        return 0;
    for (size_t k = 0; k < POL_ROWS; k++)
        if (pol_limits[k].minor == m && pol_limits[k].patch &&
            pol_takes(m, pol_limits[k].patch, r, written, kept))
            return pol_limits[k].patch;
    return XS_PATCH_NONE;
}

static void policy_observe(const struct xs_record *r, struct xs_summary *s)
{
    if (r->type != XS_REC_X86_CPUID_POLICY && r->type != XS_REC_X86_MSR_POLICY)
        return;
    uint8_t *kept = r->type == XS_REC_X86_MSR_POLICY && r->held == r->length
                        ? malloc(r->held ? r->held : 1)
                        : NULL;
    for (unsigned m = 14; m <= XS_RELEASE_LAST; m++) {
        /* the later of the two records' */
        unsigned p = pol_first_patch(m, r, false, NULL);
        if (p > s->policy_patch[m])
            s->policy_patch[m] = (uint8_t)p;
        p = pol_first_patch(m, r, true, kept);
        if (p > s->policy_patch_conv[m])
            s->policy_patch_conv[m] = (uint8_t)p;
    }
    free(kept);
}

void xs_release_check_policy(const struct xs_release *rel,
                             const struct xs_record *r, bool written,
                             struct xs_report *rep, struct xs_summary *sum)
{
    if (rel && rel->rules_minor < 14)
        return; /* xen.record_unknown, or dropped by a conversion */
    unsigned m = rel ? rel->rules_minor : XS_RELEASE_LAST;
    unsigned patch = pol_patch(rel);
    const struct policy_limits *l = pol_limits_of(m, patch);
    for (uint32_t at = 0; written && r->type == XS_REC_X86_MSR_POLICY &&
                          at + XS_MSR_ENTRY_SIZE <= r->held;
         at += XS_MSR_ENTRY_SIZE)
        if (xs_le32(r->body + at + 4)) {
            /* what every release reading the record refuses as it is
             * (policy.msr.flags), cleared on the way */
            xs_report_add(rep, XS_SEV_WARNING, "libxc.reserved",
                          r->offset + XS_REC_HDR_SIZE + at + 4, r->index,
                          "X86_MSR_POLICY",
                          "MSR 0x%08x entry has reserved flags 0x%08x "
                          "(must be zero): cleared in the output, as Xen "
                          "4.14 to 4.%u refuse them (x86_msr_copy_from_"
                          "buffer(): -EINVAL)",
                          xs_le32(r->body + at), xs_le32(r->body + at + 4),
                          XS_RELEASE_LAST);
            break;
        }
    uint64_t i;
    int why = policy_refusal(l, r, &i, written);
    if (!why)
        return;
    bool cpuid = r->type == XS_REC_X86_CPUID_POLICY;
    char who[48];
    if (rel && rel->patch)
        snprintf(who, sizeof(who), "Xen %u.%u.%u", rel->major, rel->minor,
                 rel->patch);
    else if (rel)
        snprintf(who, sizeof(who), "Xen %u.%u", rel->major, rel->minor);
    else
        snprintf(who, sizeof(who), "Xen 4.14 to 4.%u", XS_RELEASE_LAST);
    char cite[128], hint[192] = "";
    snprintf(cite, sizeof(cite), "%s at RELEASE-4.%u.%u", pol_file(m, !cpuid),
             m, patch);
    /* 4.x (its .0) refuses it; a later 4.x.y of the branch may not */
    unsigned later = rel && !rel->patch && rel->minor == m
                         ? pol_first_patch(m, r, written, NULL)
                         : XS_PATCH_NONE;
    if (later != XS_PATCH_NONE)
        snprintf(hint, sizeof(hint), "; Xen 4.%u.%u and later 4.%u releases "
                 "take it (--%s 4.%u.%u)", m, later, m,
                 written ? "to-xen" : "xen", m, later);
    /* convert's refusal names its way out: the records dropped */
    size_t hl = strlen(hint);
    if (written && hl < sizeof(hint))
        snprintf(hint + hl, sizeof(hint) - hl, "; --drop-cpu-policy "
                 "drops the policy records and the target derives one");
    const char *name = cpuid ? "X86_CPUID_POLICY" : "X86_MSR_POLICY";
    uint64_t at = r->offset + XS_REC_HDR_SIZE;
    if (why == POL_E2BIG) {
        uint64_t n = r->held / (cpuid ? XS_CPUID_LEAF_SIZE : XS_MSR_ENTRY_SIZE);
        xs_report_add(rep, XS_SEV_ERROR,
                      cpuid ? "policy.cpuid.count" : "policy.msr.count",
                      r->offset, r->index, name,
                      "%llu %s: %s copies at most %u (%s, %s: -E2BIG), so "
                      "the restore fails (\"Failed to set CPUID policy\")%s",
                      (unsigned long long)n, cpuid ? "CPUID leaves" : "MSRs",
                      who, cpuid ? l->max_leaves : l->max_msrs,
                      cpuid ? "CPUID_MAX_SERIALISED_LEAVES"
                            : "MSR_MAX_SERIALISED_ENTRIES",
                      cite, hint);
    } else if (cpuid) {
        const uint8_t *e = r->body + i * XS_CPUID_LEAF_SIZE;
        uint32_t leaf = xs_le32(e), sub = xs_le32(e + 4);
        const char *what;
        cpuid_slot(l, leaf, sub, &what);
        char subs[24];
        if (sub == POL_NA)
            snprintf(subs, sizeof(subs), "no subleaf");
        else
            snprintf(subs, sizeof(subs), "subleaf 0x%x", sub);
        xs_report_add(rep, XS_SEV_ERROR, "policy.cpuid.leaf",
                      at + i * XS_CPUID_LEAF_SIZE, r->index, name,
                      "CPUID leaf 0x%x %s (entry %llu): %s has no slot for it "
                      "(x86_cpuid_copy_from_buffer(), %s%s%s: -ERANGE), so "
                      "the restore fails (\"Failed to set CPUID policy: leaf "
                      "%08x, subleaf %08x\")%s",
                      leaf, subs, (unsigned long long)i, who, cite,
                      what ? ", " : "", what ? what : "", leaf, sub, hint);
    } else {
        const uint8_t *e = r->body + i * XS_MSR_ENTRY_SIZE;
        uint32_t idx = xs_le32(e);
        if (why == POL_EINVAL)
            xs_report_add(rep, XS_SEV_ERROR, "policy.msr.flags",
                          at + i * XS_MSR_ENTRY_SIZE + 4, r->index, name,
                          "MSR 0x%08x (entry %llu) has flags 0x%x: %s "
                          "refuses an entry whose flags are not zero "
                          "(x86_msr_copy_from_buffer(), %s: \".flags MBZ\", "
                          "-EINVAL), so the restore fails (\"Failed to set "
                          "CPUID policy: ... msr %08x\"); upgrade clears them",
                          idx, (unsigned long long)i, xs_le32(e + 4), who,
                          cite, idx);
        else if (why == POL_ERANGE)
            xs_report_add(rep, XS_SEV_ERROR, "policy.msr.index",
                          at + i * XS_MSR_ENTRY_SIZE, r->index, name,
                          "MSR 0x%08x (entry %llu): %s copies only %s "
                          "(x86_msr_copy_from_buffer(), %s: -ERANGE), so "
                          "the restore fails (\"Failed to set CPUID policy: "
                          "... msr %08x\")%s",
                          idx, (unsigned long long)i, who,
                          l->arch_caps ? "MSR_INTEL_PLATFORM_INFO (0xce) "
                                         "and MSR_ARCH_CAPABILITIES (0x10a)"
                                       : "MSR_INTEL_PLATFORM_INFO (0xce)",
                          cite, idx, hint);
        else
            xs_report_add(rep, XS_SEV_ERROR, "policy.msr.overflow",
                          at + i * XS_MSR_ENTRY_SIZE + 8, r->index, name,
                          "MSR 0x%08x (entry %llu) is 0x%llx: %s keeps it in "
                          "32 bits (x86_msr_copy_from_buffer(), %s: "
                          "-EOVERFLOW), so the restore fails (\"Failed to "
                          "set CPUID policy: ... msr %08x\")%s",
                          idx, (unsigned long long)i,
                          (unsigned long long)xs_le64(e + 8), who, cite, idx,
                          hint);
    }
    if (rel && sum)
        sum->release_errors++;
}

/* "xenstream convert --to-xen 4.N" for each N (literals: the callers keep
 * the pointer), and with --drop-cpu-policy. */
#define TO_XEN(n) "xenstream convert --to-xen 4." #n
static const char *const to_xen_cmd[][2] = {
    [6] = {TO_XEN(6), TO_XEN(6) " --drop-cpu-policy"},
    [7] = {TO_XEN(7), TO_XEN(7) " --drop-cpu-policy"},
    [8] = {TO_XEN(8), TO_XEN(8) " --drop-cpu-policy"},
    [9] = {TO_XEN(9), TO_XEN(9) " --drop-cpu-policy"},
    [10] = {TO_XEN(10), TO_XEN(10) " --drop-cpu-policy"},
    [11] = {TO_XEN(11), TO_XEN(11) " --drop-cpu-policy"},
    [12] = {TO_XEN(12), TO_XEN(12) " --drop-cpu-policy"},
    [13] = {TO_XEN(13), TO_XEN(13) " --drop-cpu-policy"},
    [14] = {TO_XEN(14), TO_XEN(14) " --drop-cpu-policy"},
    [15] = {TO_XEN(15), TO_XEN(15) " --drop-cpu-policy"},
    [16] = {TO_XEN(16), TO_XEN(16) " --drop-cpu-policy"},
    [17] = {TO_XEN(17), TO_XEN(17) " --drop-cpu-policy"},
    [18] = {TO_XEN(18), TO_XEN(18) " --drop-cpu-policy"},
    [19] = {TO_XEN(19), TO_XEN(19) " --drop-cpu-policy"},
    [20] = {TO_XEN(20), TO_XEN(20) " --drop-cpu-policy"},
    [21] = {TO_XEN(21), TO_XEN(21) " --drop-cpu-policy"},
    [22] = {TO_XEN(22), TO_XEN(22) " --drop-cpu-policy"},
};
_Static_assert(sizeof(to_xen_cmd) / sizeof(to_xen_cmd[0]) ==
                   XS_RELEASE_LAST + 1,
               "a command per release read");

const char *xs_release_remedy(const struct xs_release *rel,
                              const struct xs_summary *s)
{
    if (xs_release_restores(rel, s, XS_AS_IS))
        return "";
    if (rel->rules_minor < 6)
        return NULL;
    /* the policy kept where it can be: a v2 has none, and from 4.14 it
     * goes only when that release refuses it */
    if (xs_release_restores(rel, s, XS_AS_CONVERTED))
        return to_xen_cmd[rel->rules_minor]
                         [rel->max_version < 3 && has_policy(s)];
    if (has_policy(s) && xs_release_restores(rel, s, XS_AS_CONVERTED_NO_POLICY))
        return to_xen_cmd[rel->rules_minor][1];
    return NULL;
}

/* ---- what the stream says that releases differ on ---- */

#define MSR_SPEC_CTRL 0x48u
#define SPEC_CTRL_BHI_DIS_S (1ull << 10) /* msr-index.h */

static bool msrs_bhi(const uint8_t *p, uint64_t n)
{
    /* index u32, reserved u32, value u64 (xen_domctl_vcpu_msr and
     * hvm_one_msr alike) */
    for (uint64_t at = 0; at <= n && n - at >= 16; at += 16)
        if (xs_le32(p + at) == MSR_SPEC_CTRL &&
            (xs_le64(p + at + 8) & SPEC_CTRL_BHI_DIS_S))
            return true;
    return false;
}

/* A vCPU's MSR_SPEC_CTRL in r has BHI_DIS_S set. */
static bool record_bhi(const struct xs_record *r)
{
    if (r->type == XS_REC_X86_PV_VCPU_MSRS)
        /* the vCPU header (id, reserved), then xen_domctl_vcpu_msr */
        return r->held >= 8 && msrs_bhi(r->body + 8, r->held - 8);
    if (r->type != XS_REC_HVM_CONTEXT)
        return false;
    struct xs_hvm_desc d;
    uint64_t at = 0;
    while (xs_hvm_desc_next(r->body, r->held, &at, &d))
        /* struct hvm_msr: count u32, then hvm_one_msr at 8 */
        if (d.code == XS_HVM_CODE_CPU_MSR && d.length >= 8 &&
            msrs_bhi(d.data + 8, d.length - 8))
            return true;
    return false;
}

void xs_release_observe(const struct xs_record *r, struct xs_summary *s)
{
    const uint8_t *b = r->body;
    policy_observe(r, s);
    if (r->type == XS_REC_HVM_CONTEXT) {
        struct xs_hvm_desc d;
        uint64_t at = 0;
        while (xs_hvm_desc_next(b, r->held, &at, &d)) {
            if (d.code >= XS_SUM_HVM_CODES)
                continue;
            uint32_t used = xs_hvm_used_len(d.code, d.data, d.length);
            if (!s->hvm_len_max[d.code] || d.length < s->hvm_len_min[d.code])
                s->hvm_len_min[d.code] = d.length;
            if (d.length > s->hvm_len_max[d.code])
                s->hvm_len_max[d.code] = d.length;
            if (used > s->hvm_len_used[d.code])
                s->hvm_len_used[d.code] = used;
        }
        s->bhi_dis_s |= record_bhi(r);
    } else if (r->type == XS_REC_X86_PV_VCPU_MSRS) {
        s->bhi_dis_s |= record_bhi(r);
    } else if (r->type == XS_REC_HVM_PARAMS) {
        for (uint64_t at = 8; at <= r->held && r->held - at >= 16; at += 16) {
            uint64_t i = xs_le64(b + at);
            if (i < UINT32_MAX && i + 1 > s->hvm_params_end)
                s->hvm_params_end = (uint32_t)i + 1;
        }
    } else if (r->type == XS_REC_X86_CPUID_POLICY && !s->cpu_vendor[0]) {
        /* xen_cpuid_leaf_t: leaf, subleaf, a, b, c, d; leaf 0's b d c */
        for (uint64_t at = 0; r->held - at >= 24 && at <= r->held; at += 24)
            if (xs_le32(b + at) == 0) {
                memcpy(s->cpu_vendor, b + at + 12, 4);
                memcpy(s->cpu_vendor + 4, b + at + 20, 4);
                memcpy(s->cpu_vendor + 8, b + at + 16, 4);
                for (int i = 0; i < 12; i++)
                    if (s->cpu_vendor[i] < 0x20 || s->cpu_vendor[i] > 0x7e)
                        s->cpu_vendor[i] = '?';
                s->cpu_vendor[12] = '\0';
                break;
            }
    }
}

void xs_release_note(const struct xs_release *rel, struct xs_report *rep)
{
    if (rel && rel->minor > XS_RELEASE_LAST)
        /* a warning, not a note: what that release refuses is unknown */
        xs_report_add(rep, XS_SEV_WARNING, "xen.newer", 0, -1, "input",
                      "Xen %u.%u is newer than the releases xenstream knows "
                      "(4.%u-4.%u): checked with the rules of 4.%u, which "
                      "may miss what it refuses",
                      rel->major, rel->minor, XS_RELEASE_FIRST,
                      XS_RELEASE_LAST, XS_RELEASE_LAST);
}

void xs_release_check_header(const struct xs_release *rel, unsigned version,
                             uint64_t at, struct xs_report *rep,
                             struct xs_summary *sum)
{
    if (!rel)
        return;
    if (rel->max_version < 2) {
        /* before 4.6: xc_domain_restore() read only the legacy format */
        xs_report_add(rep, XS_SEV_ERROR, "xen.version", at + 12, -1,
                      "libxc image header",
                      "Xen %u.%u restores only the legacy (pre-4.6) format: "
                      "no conversion makes a v%u image restorable there",
                      rel->major, rel->minor, version);
        sum->release_errors++;
    } else if (version > rel->max_version) {
        /* xc_sr_restore.c read_headers(), 4.6-4.13 */
        xs_report_add(rep, XS_SEV_ERROR, "xen.version", at + 12, -1,
                      "libxc image header",
                      "Xen %u.%u restores only v%u images (\"Invalid "
                      "Version\"); this one is v%u",
                      rel->major, rel->minor, rel->max_version, version);
        sum->release_errors++;
    }
}

/* struct hvm_hw_lapic of RELEASE-4.21.0 public/arch-x86/hvm/save.h
 * (b28b590d4a): 4.20's 24 bytes, then uint32_t pending_esr at 24 and the
 * struct's 4 bytes of tail padding to 32; a record's bytes past 24 are
 * "pending_esr" only when they are that field and nothing else. */
#define LAPIC_ESR_AT 24u
#define LAPIC_LEN_421 32u

static bool lapic_esr_only(const struct xs_hvm_desc *d)
{
    return d->length >= LAPIC_ESR_AT + 4 && d->length <= LAPIC_LEN_421 &&
           xs_hvm_used_len(d->code, d->data, d->length) <= LAPIC_ESR_AT + 4;
}

/* Each HVM save descriptor against the length the release's loader
 * reads (hvm_lens[]). */
static void hvm_lengths(const struct xs_release *rel,
                        const struct xs_record *r, struct xs_report *rep,
                        struct xs_summary *sum)
{
    struct xs_hvm_desc d;
    uint64_t at = 0;
    while (xs_hvm_desc_next(r->body, r->held, &at, &d)) {
        const struct hvm_len *h = hvm_len_of(d.code, rel->rules_minor);
        if (hvm_accepts(h, d.length))
            continue;
        const char *nm = xs_hvm_save_name(d.code);
        uint64_t off = r->offset + XS_REC_HDR_SIZE + d.at + 4;
        if (d.code == XS_HVM_CODE_LAPIC && d.length == LAPIC_LEN_421)
            xs_report_add(rep, XS_SEV_ERROR, "xen.hvm_length", off, r->index,
                          "HVM_CONTEXT",
                          "LAPIC of vCPU %u is %u bytes (with 4.21's "
                          "pending_esr, b28b590d4a): Xen %u.%u reads at most "
                          "%u (lapic_load_hidden(), "
                          "hvm_load_entry_zeroextend) and refuses it",
                          d.instance, d.length, rel->major, rel->minor,
                          h->len);
        else
            xs_report_add(rep, XS_SEV_ERROR, "xen.hvm_length", off, r->index,
                          "HVM_CONTEXT",
                          "%s instance %u is %u bytes: Xen %u.%u reads %s%u "
                          "(%s) and refuses it (\"HVM restore: failed to "
                          "load entry\")",
                          nm ? nm : "?", d.instance, d.length, rel->major,
                          rel->minor, h->strict ? "exactly " : "at most ",
                          h->len,
                          h->strict ? "hvm_load_entry"
                                    : "hvm_load_entry_zeroextend");
        sum->release_errors++;
    }
}

/* Each HVM parameter against the release's HVM_NR_PARAMS (a refusal for
 * convert too: the saver sends only parameters that are set, so none can
 * be left out without changing the guest). */
static void hvm_params(const struct xs_release *rel, const struct xs_record *r,
                       const char *rule, struct xs_report *rep,
                       struct xs_summary *sum)
{
    unsigned nr = hvm_nr_params(rel->rules_minor);
    for (uint64_t at = 8; at <= r->held && r->held - at >= 16; at += 16) {
        uint64_t i = xs_le64(r->body + at);
        if (i < nr || i >= XS_HVM_NR_PARAMS)
            continue; /* the body rule reports the others */
        const char *nm = xs_hvm_param_name(i);
        xs_report_add(rep, XS_SEV_ERROR, rule, r->offset + XS_REC_HDR_SIZE + at,
                      r->index, "HVM_PARAMS",
                      "HVM parameter %s (%llu) is set: Xen %u.%u knows %u "
                      "parameters and refuses it (HVMOP_set_param: index >= "
                      "HVM_NR_PARAMS)%s",
                      nm ? nm : "?", (unsigned long long)i, rel->major,
                      rel->minor, nr,
                      sum ? "" : "; no conversion can leave it out without "
                                 "changing the guest");
        if (sum)
            sum->release_errors++;
    }
}

void xs_release_check_record(const struct xs_release *rel,
                             const struct xs_record *r, struct xs_report *rep,
                             struct xs_summary *sum)
{
    if (!rel || rel->max_version < 2)
        return;
    char nb[32];
    const char *name = xs_libxc_rec_name(r->type, nb);
    if (!(r->type & XS_REC_OPTIONAL) && r->type >= rel->libxc_types &&
        r->type < XS_REC_NR_KNOWN) {
        /* process_record(): "Unrecognised mandatory record" */
        xs_report_add(rep, XS_SEV_ERROR, "xen.record_unknown", r->offset,
                      r->index, name,
                      "Xen %u.%u does not know %s records (type 0x%x): its "
                      "restore refuses them",
                      rel->major, rel->minor, name, r->type);
        sum->release_errors++;
    } else if (!rel->empty_blobs && xs_libxc_is_empty_vcpu_blob(r)) {
        /* xc_sr_restore_x86_pv.c handle_x86_pv_vcpu_blob(), 4.6-4.8 */
        xs_report_add(rep, XS_SEV_ERROR, "xen.erratum_empty", r->offset,
                      r->index, name,
                      "Xen %u.%u refuses a %s record with no content (spec "
                      "erratum 1, tolerated from 4.9)",
                      rel->major, rel->minor, name);
        sum->release_errors++;
    }
    if (r->type == XS_REC_HVM_CONTEXT)
        hvm_lengths(rel, r, rep, sum);
    if (r->type == XS_REC_HVM_PARAMS)
        hvm_params(rel, r, "xen.hvm_param", rep, sum);
    if ((r->type == XS_REC_HVM_CONTEXT || r->type == XS_REC_X86_PV_VCPU_MSRS)
        && xs_release_bhi_refused(rel) && record_bhi(r) &&
        !sum->rec_count[XS_REC_X86_CPUID_POLICY]) {
        xs_report_add(rep, XS_SEV_ERROR, "xen.derived_policy", r->offset,
                      r->index, name,
                      "a vCPU's MSR_SPEC_CTRL has BHI_DIS_S set and the "
                      "image has no CPU policy: the policy Xen %u.%u.%u "
                      "derives hides BHI_CTRL (xc_cpuid_apply_policy(), "
                      "leaf 7 max subleaf 0), so the MSR is refused (\"HVM "
                      "restore: failed to load entry 20/0\"); fixed in "
                      "4.18.4, 4.19.2 and 4.20 (28301682f4)",
                      rel->major, rel->minor, rel->patch);
        sum->release_errors++;
    }
}


/* qemu-traditional, which Xen 4.21 removed (19ab8356ab): verify --xen
 * 4.21+ refuses it, convert --to-xen 4.21+ cannot help. */
static void qemu_trad_refused(const struct xs_release *rel,
                              const struct xs_release *to_xen, const char *what,
                              uint64_t at, int64_t index, const char *where,
                              struct xs_report *rep, struct xs_summary *sum)
{
    if (rel && rel->max_version >= 2 && !rel->qemu_trad) {
        xs_report_add(rep, XS_SEV_ERROR, "xen.qemu_traditional", at, index,
                      where, "%s, which Xen 4.21 removed (19ab8356ab): Xen "
                      "%u.%u cannot restore this guest, and no conversion "
                      "helps", what, rel->major, rel->minor);
        sum->release_errors++;
    }
    if (to_xen && !to_xen->qemu_trad)
        xs_report_add(rep, XS_SEV_ERROR, "convert.qemu_traditional", at,
                      index, where, "%s, which Xen 4.21 removed (19ab8356ab): "
                      "no conversion makes this guest restorable on Xen %u.%u",
                      what, to_xen->major, to_xen->minor);
}

void xs_release_check_config(const struct xs_release *rel,
                             const struct xs_release *to_xen,
                             struct xs_summary *sum, struct xs_report *rep)
{
    const char *w = "xl optional data";
    if (rel && rel->max_version >= 2 && !rel->cpuid_object &&
        sum->cfg_cpuid_object) {
        /* libxl_cpuid.c libxl__cpuid_policy_list_parse_json(), 4.17 */
        xs_report_add(rep, XS_SEV_ERROR, "xen.config_cpuid", sum->cfg_offset,
                      -1, w,
                      "the libxl config's b_info.cpuid is in libxl 4.18's "
                      "object form (5b80cecb74): libxl %u.%u reads only the "
                      "array form and cannot load the config%s",
                      rel->major, rel->minor,
                      sum->cfg_cpuid_msr ? "; it holds MSR entries, which "
                                           "that form cannot carry"
                                         : "");
        sum->release_errors++;
    }
    /* xl_parse.c, libxl_create.c at RELEASE-4.21.0 (19ab8356ab) */
    if (sum->cfg_qemu_trad)
        qemu_trad_refused(rel, to_xen, "the config's device model is "
                          "qemu-xen-traditional", sum->cfg_offset, -1, w, rep,
                          sum);
}

void xs_release_libxl_record(const struct xs_release *rel,
                             const struct xs_release *to_xen,
                             const struct xs_record *r,
                             struct xs_report *rep, struct xs_summary *sum)
{
    /* libxl_sr_stream_format.h: libxl__sr_emulator_hdr's id first */
    if ((r->type != XS_LREC_EMULATOR_XENSTORE_DATA &&
         r->type != XS_LREC_EMULATOR_CONTEXT) || r->held < 4 ||
        xs_le32(r->body) != XS_EMU_QEMU_TRADITIONAL)
        return;
    sum->qemu_trad = true;
    char nb[32];
    qemu_trad_refused(rel, to_xen, "the emulator is qemu-traditional",
                      r->offset, r->index, xs_libxl_rec_name(r->type, nb),
                      rep, sum);
}

void xs_release_note_vendor(const struct xs_release *rel,
                            const struct xs_summary *sum,
                            struct xs_report *rep)
{
    if (!rel || !rel->vendor_checked || !sum->cpu_vendor[0])
        return;
    xs_report_add(rep, XS_SEV_NOTE, "xen.cpu_vendor", 0, -1, "input",
                  "Xen %u.%u refuses this image on a host whose CPU vendor "
                  "is not the guest's, %s (c520286a53); --host-policy "
                  "checks the host",
                  rel->major, rel->minor, sum->cpu_vendor);
}

void xs_release_convert_record(const struct xs_release *to_xen,
                               bool drop_policy, const struct xs_record *r,
                               const struct xs_summary *sum,
                               struct xs_report *rep)
{
    if (!to_xen)
        return;
    if ((r->type == XS_REC_HVM_CONTEXT ||
         r->type == XS_REC_X86_PV_VCPU_MSRS) &&
        xs_release_bhi_refused(to_xen) && record_bhi(r) &&
        (drop_policy || !sum->rec_count[XS_REC_X86_CPUID_POLICY])) {
        char nb[32];
        xs_report_add(rep, XS_SEV_ERROR, "convert.derived_policy", r->offset,
                      r->index, xs_libxc_rec_name(r->type, nb),
                      "a vCPU's MSR_SPEC_CTRL has BHI_DIS_S set and the "
                      "image %s: Xen %u.%u.%u derives a policy without "
                      "BHI_CTRL and refuses the MSR; %s (4.18.4, 4.19.2 "
                      "and 4.20 restore it)",
                      sum->rec_count[XS_REC_X86_CPUID_POLICY]
                          ? "goes without its CPU policy (--drop-cpu-policy)"
                          : "has no CPU policy",
                      to_xen->major, to_xen->minor, to_xen->patch,
                      sum->rec_count[XS_REC_X86_CPUID_POLICY]
                          ? "keep the policy"
                          : "no conversion helps");
    }
    if (r->type == XS_REC_HVM_PARAMS)
        hvm_params(to_xen, r, "convert.hvm_param", rep, NULL);
    /* dropped records: what Xen would make of them is moot */
    if (!drop_policy && r->type == XS_REC_X86_CPUID_POLICY)
        xs_release_check_policy(to_xen, r, true, rep, NULL);
    if (!drop_policy && r->type == XS_REC_X86_MSR_POLICY &&
        to_xen->rules_minor >= 14 && r->held == r->length) {
        /* the record as compat.c writes it: the entries left out gone */
        uint8_t *kept = malloc(r->held ? r->held : 1);
        unsigned left;
        if (!kept)
            return; /* the writer's own allocation reports it */
        struct xs_record w = *r;
        w.body = kept;
        w.length = w.held = xs_release_msr_kept(to_xen, r, kept, &left, rep);
        xs_release_check_policy(to_xen, &w, true, rep, NULL);
        free(kept);
    }
    if (r->type != XS_REC_HVM_CONTEXT)
        return;
    struct xs_hvm_desc d;
    uint64_t at = 0;
    while (xs_hvm_desc_next(r->body, r->held, &at, &d)) {
        uint32_t want;
        if (xs_release_hvm_fit(to_xen, d.code, d.length, &want) ||
            xs_hvm_used_len(d.code, d.data, d.length) <= want)
            continue;
        uint64_t off = r->offset + XS_REC_HDR_SIZE + d.at;
        const char *nm = xs_hvm_save_name(d.code);
        if (d.code == XS_HVM_CODE_LAPIC && lapic_esr_only(&d))
            xs_report_add(rep, XS_SEV_ERROR, "convert.hvm_length",
                          off + XS_HVM_DESC_SIZE + LAPIC_ESR_AT, r->index,
                          "HVM_CONTEXT",
                          "LAPIC of vCPU %u has pending_esr 0x%x: Xen %u.%u "
                          "has no field for it (its LAPIC record is %u "
                          "bytes), so cutting it would lose the guest's "
                          "pending APIC errors",
                          d.instance, xs_le32(d.data + LAPIC_ESR_AT),
                          to_xen->major,
                          to_xen->minor, want);
        else {
            uint32_t nz = want;
            while (nz < d.length && !d.data[nz])
                nz++;
            xs_report_add(rep, XS_SEV_ERROR, "convert.hvm_length",
                          off + XS_HVM_DESC_SIZE + nz, r->index,
                          "HVM_CONTEXT",
                          "%s instance %u is %u bytes and those past %u are "
                          "not zero (the first at %u): Xen %u.%u reads %u, "
                          "and cutting them would lose the guest's state",
                          nm ? nm : "?", d.instance, d.length, want, nz,
                          to_xen->major, to_xen->minor, want);
        }
    }
}
