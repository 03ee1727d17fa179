/* Stream-state rules for a libxc stream: what Xen's restore enforces across
 * records (order, STATIC_DATA_END, guest type, completeness), on top of the
 * stateless body rules of formats/libxc.c. */
#ifndef XS_VALIDATE_H
#define XS_VALIDATE_H

#include "libxc.h"
#include "pfnmap.h"

/* levels of p2m frames after v->frames: each more than twice the size
 * of the next, so at most 63 for 2^64 frames */
#define XS_FRAME_LEVELS 63

struct xs_validate {
    struct xs_report *rep;
    struct xs_summary *sum;  /* facts for info, counted as records pass */
    unsigned version;
    uint32_t guest;
    bool sde;            /* STATIC_DATA_END seen (v3) or inferred (v2) */
    bool sde_missing_reported;
    bool pv_info;
    unsigned width;      /* guest width in bytes, once X86_PV_INFO is seen */
    bool p2m;
    bool shared_info;
    bool vcpu0_basic;
    bool hvm_context;
    uint64_t records;
    bool page_data;      /* a PAGE_DATA record seen */
    /* PV: the p2m as the restore will know it */
    bool p2m_known;      /* a well-formed X86_PV_P2M_FRAMES was read */
    unsigned frame_levels; /* frames and frames_up[] in use */
    uint64_t max_pfn;    /* highest pfn of X86_PV_P2M_FRAMES */
    struct xs_buf frames;/* p2m frame pfns: uint64_t pfn << 1 | arrived,
                            sorted; those of later records in frames_up
                            until they are merged (validate.c) */
    struct xs_buf frames_up[XS_FRAME_LEVELS];
    uint64_t frames_at;  /* offset and index of the last P2M_FRAMES */
    int64_t frames_index;
    /* PV: the last type of every pfn that arrived, as runs; when full
     * (too fragmented to keep) the type checks are skipped */
    struct xs_pfn_map types;
    unsigned pt_pages;   /* PV: page-table pages with data in this record */
    uint64_t data_pages; /* pages with data in this PAGE_DATA record */
    struct xs_buf page_records; /* PV: struct xs_page_record per
                                   PAGE_DATA record */
    uint64_t rec_min_pfn, rec_max_pfn; /* PV: pfns with data in the
                                          current PAGE_DATA record */
    bool start_info_known;      /* PV: vcpu 0 named its start info pfn */
    uint64_t start_info_pfn;
    uint64_t start_info_at;     /* where vcpu 0's edx names it */
    int64_t start_info_index;
    int64_t pte_reported;/* record index of the last PTE finding */
    bool vcpu_id_reported;
};

/* Where a PV PAGE_DATA record stands and which pfns with data it carries
 * (their range): the start info check finds its page again with these. */
struct xs_page_record {
    uint64_t offset;
    int64_t index;
    uint64_t min_pfn, max_pfn;
};

void xs_validate_init(struct xs_validate *v, struct xs_report *rep,
                      struct xs_summary *sum, unsigned version,
                      uint32_t guest);
/* Check one record read from the input (body rules + stream rules). */
void xs_validate_record(struct xs_validate *v, const struct xs_record *r);
void xs_validate_free(struct xs_validate *v);
/* At END, whether the start info page's contents are to be checked: a PV
 * guest's vcpu 0 named a pfn whose last page arrived as an ordinary page
 * (else the restore refuses it without reading it). */
bool xs_validate_start_info_wanted(const struct xs_validate *v);
/* The one decision on the start info page, for every way the bytes come:
 * head is the first XS_START_INFO_HEAD (80) bytes of the page vcpu 0 names
 * as it was last sent (at: its offset, index: its record), or NULL when no
 * page of that pfn looked like a start info page (a one-pass input keeps
 * only those).  A page without start_info's magic is one finding, whatever
 * else it holds; else its xenstore and console pfns must lie within the
 * p2m (process_start_info()). */
void xs_validate_start_info(struct xs_validate *v, const uint8_t *head,
                            uint64_t at, int64_t index);
/* The type a PV pfn last arrived with (-1: never), kept as runs (at most
 * XS_PFN_RUNS_MAX). */
#define XS_PFN_RUNS_MAX (1u << 18)
void xs_validate_type_set(struct xs_validate *v, uint64_t pfn, unsigned type);
int xs_validate_type_get(const struct xs_validate *v, uint64_t pfn);
/* A PV page-table page's contents (xg_sr_restore_x86_pv.c
 * x86_pv_localise_page()): entry is its index in r's pfn array, at its
 * offset in the input. */
void xs_validate_pt_page(struct xs_validate *v, const struct xs_record *r,
                         uint32_t entry, const uint8_t *page, uint64_t at);

/* Stream-state rules of a libxl stream (libxl_stream_read.c): where
 * LIBXC_CONTEXT, emulator and checkpoint records may stand. */
struct xs_validate_libxl {
    struct xs_report *rep;
    struct xs_summary *sum;
    bool libxc_seen;         /* LIBXC_CONTEXT read */
    bool in_checkpoint;      /* between a libxc CHECKPOINT and CHECKPOINT_END */
};

void xs_validate_libxl_init(struct xs_validate_libxl *v, struct xs_report *rep,
                            struct xs_summary *sum);
void xs_validate_libxl_record(struct xs_validate_libxl *v,
                              const struct xs_record *r);

#endif
