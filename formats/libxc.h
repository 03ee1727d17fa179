/* The libxc Domain Image Format, v2 and v3.
 * Source: docs/specs/libxc-migration-stream.pandoc and
 * tools/libs/guest/xg_sr_stream_format.h in xen-project/xen. */
#ifndef XS_FORMAT_LIBXC_H
#define XS_FORMAT_LIBXC_H

#include "endian.h"
#include "records.h"
#include "xenstream.h"

#define XS_LIBXC_IHDR_SIZE 24
#define XS_LIBXC_DHDR_SIZE 16
#define XS_LIBXC_RHDR_SIZE XS_REC_HDR_SIZE
#define XS_LIBXC_MARKER 0xffffffffffffffffULL
#define XS_LIBXC_ID 0x58454E46u          /* "XENF" */
#define XS_LIBXC_OPT_BIG_ENDIAN 0x0001u
#define XS_LIBXC_REC_ALIGN XS_REC_ALIGN
#define XS_LIBXC_REC_LENGTH_MAX (128u << 20) /* xg_sr_common.c read_record() */
#define XS_PAGE_SIZE 4096u
#define XS_PAGE_SHIFT 12u

enum xs_libxc_rec {
    XS_REC_END = 0x00,
    XS_REC_PAGE_DATA = 0x01,
    XS_REC_X86_PV_INFO = 0x02,
    XS_REC_X86_PV_P2M_FRAMES = 0x03,
    XS_REC_X86_PV_VCPU_BASIC = 0x04,
    XS_REC_X86_PV_VCPU_EXTENDED = 0x05,
    XS_REC_X86_PV_VCPU_XSAVE = 0x06,
    XS_REC_SHARED_INFO = 0x07,
    XS_REC_X86_TSC_INFO = 0x08,
    XS_REC_HVM_CONTEXT = 0x09,
    XS_REC_HVM_PARAMS = 0x0a,
    XS_REC_TOOLSTACK = 0x0b,
    XS_REC_X86_PV_VCPU_MSRS = 0x0c,
    XS_REC_VERIFY = 0x0d,
    XS_REC_CHECKPOINT = 0x0e,
    XS_REC_CHECKPOINT_DIRTY_PFN_LIST = 0x0f,
    XS_REC_STATIC_DATA_END = 0x10,
    XS_REC_X86_CPUID_POLICY = 0x11,
    XS_REC_X86_MSR_POLICY = 0x12,
    XS_REC_NR_KNOWN = 0x13,
};
#define XS_REC_OPTIONAL 0x80000000u

/* PAGE_DATA pfn entries: bits 63-60 type, 59-52 reserved, 51-0 pfn. */
#define XS_PFN_MASK 0x000fffffffffffffULL
#define XS_PFN_RESERVED_MASK 0x0ff0000000000000ULL
#define XS_PFN_TYPE_SHIFT 60
enum xs_pfinfo {
    XS_PF_NOTAB = 0x0, XS_PF_L1TAB = 0x1, XS_PF_L2TAB = 0x2,
    XS_PF_L3TAB = 0x3, XS_PF_L4TAB = 0x4,
    XS_PF_L1TAB_PIN = 0x9, XS_PF_L2TAB_PIN = 0xa, XS_PF_L3TAB_PIN = 0xb,
    XS_PF_L4TAB_PIN = 0xc, XS_PF_BROKEN = 0xd, XS_PF_XALLOC = 0xe,
    XS_PF_XTAB = 0xf,
};

/* Context sizes of vcpu_guest_context_x86_{32,64}_t
 * (tools/include/xen-foreign/reference.size). */
#define XS_VCPU_CTX_X86_32 2800u
#define XS_VCPU_CTX_X86_64 5168u
#define XS_CPUID_LEAF_SIZE 24u  /* xen_cpuid_leaf_t */
#define XS_MSR_ENTRY_SIZE 16u   /* xen_msr_entry_t */

struct xs_libxc_ihdr {
    uint64_t marker;
    uint32_t id;
    uint32_t version;
    uint16_t options;
    uint16_t res1;
    uint32_t res2;
};

struct xs_libxc_dhdr {
    uint32_t type;
    uint16_t page_shift;
    uint16_t res1;
    uint32_t xen_major;
    uint32_t xen_minor;
};

/* ---- codecs ---- */
void xs_libxc_ihdr_decode(const uint8_t b[XS_LIBXC_IHDR_SIZE],
                          struct xs_libxc_ihdr *h);
void xs_libxc_ihdr_encode(const struct xs_libxc_ihdr *h,
                          uint8_t b[XS_LIBXC_IHDR_SIZE]);
void xs_libxc_dhdr_decode(const uint8_t b[XS_LIBXC_DHDR_SIZE],
                          struct xs_libxc_dhdr *h);
void xs_libxc_dhdr_encode(const struct xs_libxc_dhdr *h,
                          uint8_t b[XS_LIBXC_DHDR_SIZE]);
static inline uint32_t xs_libxc_padding(uint32_t length)
{
    return xs_rec_padding(length);
}

/* ---- the record type table (rec_table in libxc.c: one row a type) ---- */
/* "PAGE_DATA", or "OPTIONAL_0x80000001" / "UNKNOWN_0x00000013". */
const char *xs_libxc_rec_name(uint32_t type, char buf[32]);
bool xs_libxc_rec_known(uint32_t type);
const char *xs_libxc_guest_name(uint32_t guest);
/* Does a guest of this type's restore handle this mandatory record?
 * (xg_sr_restore.c process_record() and the per-guest process_record ops) */
bool xs_libxc_guest_handles(uint32_t guest, uint32_t type);
/* Is this record where Xen's restore infers STATIC_DATA_END in a v2 stream?
 * (xg_sr_restore.c handle_page_data(), xg_sr_restore_x86_pv.c
 * handle_x86_pv_p2m_frames(); the seed patch) */
bool xs_libxc_triggers_sde(uint32_t guest, uint32_t type);
/* A record with zero content that the spec's erratum allows (and the
 * restore skips): HVM_PARAMS count 0, X86_PV_VCPU_{EXTENDED,XSAVE,MSRS}
 * with nothing after the vcpu header. */
bool xs_libxc_is_erratum_empty(const struct xs_record *r);
/* The erratum's PV vCPU records (EXTENDED, XSAVE, MSRS) with no content:
 * Xen 4.6-4.8 refuse them. */
bool xs_libxc_is_empty_vcpu_blob(const struct xs_record *r);

/* HVM_PARAM_* by index (public/hvm/params.h), HVM save descriptor types
 * by typecode (public/hvm/save.h, arch-x86/hvm/save.h); NULL: unknown. */
const char *xs_hvm_param_name(uint64_t index);
const char *xs_hvm_save_name(uint16_t code);
/* One save descriptor of an HVM context (public/arch-x86/hvm/save.h:
 * typecode u16, instance u16, length u32, then the data). */
struct xs_hvm_desc {
    uint16_t code, instance;
    uint32_t length;
    uint64_t at;          /* the descriptor's offset in the body */
    const uint8_t *data;  /* its length bytes */
};
#define XS_HVM_DESC_SIZE 8u
#define XS_HVM_NR_PARAMS 39u /* public/hvm/params.h, 4.10-4.22 */
#define XS_HVM_CODE_LAPIC 5u
#define XS_HVM_CODE_CPU_MSR 20u
/* The descriptor at *at of an HVM context body of n bytes, and *at moved
 * past it: false at END or where a descriptor does not fit (the body
 * rule says so). */
bool xs_hvm_desc_next(const uint8_t *b, uint64_t n, uint64_t *at,
                      struct xs_hvm_desc *d);

/* "NOTAB", "L1TAB_PIN", ... or NULL for an unknown type. */
const char *xs_pfinfo_name(unsigned t);

static inline unsigned xs_pfn_type(uint64_t e)
{
    return (unsigned)(e >> XS_PFN_TYPE_SHIFT);
}
static inline bool xs_pfinfo_known(unsigned t) { return t <= 4 || t >= 9; }
/* NOTAB and L1-L4 (pinned or not) carry a page of data: types 0-4 and
 * 9-0xc, as a bit mask (this runs once a pfn in every pass). */
#define XS_PFINFO_DATA_MASK 0x1e1fu
static inline bool xs_pfinfo_has_data(unsigned t)
{
    return t < 16 && ((XS_PFINFO_DATA_MASK >> t) & 1u);
}

/* A save writes ordinary memory in batches of consecutive pfns of one
 * type, so PAGE_DATA entries come in runs: entry i, then i + 1 equal to it
 * plus one, and so on.  Every per-pfn walk takes a run at a time: the
 * number of entries from i on (at least 1, at most count - i) that
 * continue the run entry i starts.  A run never carries out of the pfn
 * field into the reserved bits. */
static inline uint32_t xs_pfn_run(const uint8_t *pfns, uint32_t i,
                                  uint32_t count)
{
    uint64_t e = xs_le64(pfns + 8 * (size_t)i);
    uint64_t room = XS_PFN_MASK - (e & XS_PFN_MASK);
    uint32_t lim = count - i;
    if (room < lim - 1)
        lim = (uint32_t)room + 1;
    uint32_t n = 1;
    /* four entries a step while they continue it: one test for four */
    for (const uint8_t *p = pfns + 8 * (size_t)(i + 1); n + 4 <= lim;
         n += 4, p += 32)
        if ((xs_le64(p) ^ (e + n)) | (xs_le64(p + 8) ^ (e + n + 1)) |
            (xs_le64(p + 16) ^ (e + n + 2)) | (xs_le64(p + 24) ^ (e + n + 3)))
            break;
    while (n < lim && xs_le64(pfns + 8 * (size_t)(i + n)) == e + n)
        n++;
    return n;
}

/* ---- per-record body rules (stateless; xg_sr_restore*.c and the
 * reference checker tools/python/xen/migration/libxc.py) ---- */
void xs_libxc_check_body(const struct xs_record *r, struct xs_report *rep);
/* Zero the reserved fields of a held body (docs/behaviour.md §2.3c). */
void xs_libxc_canonicalise(uint32_t type, uint8_t *body, uint32_t held);
/* True when canonicalise would change nothing (the body can be copied as
 * it stands). */
bool xs_libxc_is_canonical(uint32_t type, const uint8_t *body, uint32_t held);

/* ---- the reader's description of libxc records (records.h) ---- */
extern const struct xs_rec_layer xs_libxc_layer;
/* The image header (24 bytes) and the domain header (16 bytes) at offset
 * at, decoded and checked as xg_sr_restore.c read_headers() and the
 * guest's setup do: XS_INVALID (reported) when restore refuses them. */
int xs_libxc_check_ihdr(const uint8_t b[XS_LIBXC_IHDR_SIZE], uint64_t at,
                        struct xs_report *rep, struct xs_libxc_ihdr *ih);
int xs_libxc_check_dhdr(const uint8_t b[XS_LIBXC_DHDR_SIZE], uint64_t at,
                        struct xs_report *rep, struct xs_libxc_dhdr *dh);

/* ---- describing (xs_describe_record(), xs_describe_header()) ---- */
void xs_libxc_describe(const struct xs_record *r, xs_field_fn fn, void *ctx);
/* PAGE_DATA's held pfn array, counted. */
void xs_libxc_page_counts(const struct xs_record *r, struct xs_page_counts *c);
/* The image and domain headers' fields, n bytes at p as xs_walk()
 * passes them (xs_describe_header()). */
void xs_libxc_describe_hdr(const uint8_t *p, uint64_t n, xs_field_fn fn,
                           void *ctx);

#endif
