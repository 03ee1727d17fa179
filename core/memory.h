/* The guest's memory as an image leaves it (core/memory.c): for each run
 * of consecutive pfns whose final pages lie side by side in the input,
 * where they are.  export.c writes it out; search.c reads it. */
#ifndef XS_CORE_MEMORY_H
#define XS_CORE_MEMORY_H

#include "xenstream.h"
#include "elfcore.h"
#include "reader.h"

struct xs_mem_run {
    uint64_t pfn, n;   /* pfns [pfn, pfn + n) */
    uint64_t off;      /* input offset of pfn's page; the others follow */
};

struct xs_mem_vcpu {
    uint32_t id;
    uint8_t *vgc;      /* XS_VGC_SIZE bytes: vcpu_guest_context_any_t */
};

struct xs_memory {
    struct xs_in *src;     /* the input as given (not owned) */
    struct xs_in *in;      /* read by offset (a regular file, or the spool) */
    struct xs_in *spool;   /* owned: the decoded copy of a one-pass input */
    struct xs_mem_run *runs; /* by pfn, disjoint, none empty */
    size_t nruns;
    uint64_t pfns;         /* pages in the runs */
    uint64_t sent;         /* pages with data the stream sent */
    uint64_t missing, stale; /* --partial: cut off; of them, exported from
                                an earlier copy */
    struct xs_mem_run *cut;  /* the cut-off ranges (off unused) */
    size_t ncut;
    uint32_t guest;
    unsigned width;        /* PV guest width (4 or 8); HVM 8 */
    uint32_t xen_major, xen_minor;
    struct xs_mem_vcpu *vcpus; /* by id */
    size_t nvcpus;
    uint8_t *shared_info;  /* PV: the last SHARED_INFO body, or NULL */
    uint64_t image_end;    /* bytes of (decoded) input there are */
};

/* The run holding pfn, or NULL. */
const struct xs_mem_run *xs_mem_find(const struct xs_memory *m, uint64_t pfn);
/* The pages an xc-core export holds: an HVM dump leaves out the VGA and
 * MMIO holes (export.c). */
uint64_t xs_mem_xc_core_pages(const struct xs_memory *m);
/* n bytes of the input at off (through the spool when there is one). */
int xs_mem_pread(struct xs_memory *m, uint64_t off, void *dst, size_t n);
/* XS_OK, or XS_INVALID (rule input.changed) when the input as given was
 * written since it was opened: the pages read are not one image's
 * (docs/behaviour.md §5).  Called once every page has been read. */
int xs_mem_unchanged(struct xs_memory *m);
/* xs_walk(), and cut sees the libxc record the input ends in, when it
 * ends inside the record's held part (core/pipeline.c): a PAGE_DATA
 * record's pfns read before the end are cut off, not unknown. */
int xs_walk_cut(struct xs_in *in, struct xs_report *rep,
                struct xs_summary *sum, const struct xs_visitor *v,
                xs_cut_fn cut);

#endif
