/* One run over one input (private to core/): the driver (pipeline.c),
 * the containers (containers.c), the libxc stream (stream.c) and its
 * PAGE_DATA walk (pages.c) share it; job.c has the helpers. */
#ifndef XS_JOB_H
#define XS_JOB_H

#include "layer.h"
#include "libxc.h"
#include "reader.h"
#include "target.h"
#include "validate.h"
#include "writer.h"

#define XS_START_INFO_HEAD 80 /* struct start_info up to console.domU */
/* What of a start info page the check at END reads besides the magic:
 * store_mfn and console.domU.mfn of either width (bytes 44..79) */
#define XS_START_INFO_TAIL_AT 44
/* pfns whose pages looked like a start info page that a one-pass input
 * keeps (64 bytes each, 4 MiB at most, and a slot index of 512 KiB) */
#define XS_START_INFO_KEEP 65536

struct job {
    struct xs_in *in;
    struct xs_out *out;        /* the current layer's bytes; NULL: verify */
    struct xs_out *xc_out;     /* the libxc writer's output (upgrade: out) */
    struct xs_out **sinks;     /* digest: one hash sink per digest slot
                                  (struct xs_layer), and out follows the
                                  layer being read */
    unsigned sinks_used;       /* digest: bit per slot entered */
    struct xs_report *rep;
    struct xs_summary *sum;
    const struct xs_convert_opts *conv; /* convert (also its precheck) */
    const struct xs_release *xen;       /* verify --xen: its rules too */
    const struct xs_target *target;     /* verify --host-policy */
    struct xs_guest_policy gpol;        /* its policy records, for it */
    bool stop_at_error;        /* upgrade: the first fault ends the run */
    bool passthrough;          /* records are copied as they stand (see
                                  job_libxc()) */
    bool ended;                /* the input ended early, validly (Remus) */
    const struct xs_visitor *visit; /* dump: sees every header and record */
    xs_cut_fn cut;             /* export: with visit, sees a libxc record
                                  the input ends in, as far as it goes */
    /* the libxc stream */
    struct xs_rec_reader xc;
    struct xs_validate v;
    struct xs_compat cp;
    struct xs_writer w;
    uint8_t page[XS_PAGE_SIZE];  /* a PV page-table page being checked */
    /* PV, an input that cannot look back: every pfn one of whose pages
     * looked like a start info page ("xen-" magic), with its last page's
     * verdict-relevant bytes, for the check at END (start_info_*() in
     * pipeline.c): an open-addressing table of si_slots slots, each 0 or
     * 1 + an index into si */
    struct job_start_info {
        uint64_t pfn, at;    /* at: offset of the last page of pfn */
        int64_t index;       /* record index of that page */
        bool looks;          /* the last page has the magic */
        uint8_t tail[XS_START_INFO_HEAD - XS_START_INFO_TAIL_AT];
    } *si;
    uint32_t *si_slot;
    uint32_t nsi, si_cap, si_slots;
    uint64_t si_key;             /* the slots' hash seed, random per run */
    bool si_overflow;          /* a candidate beyond XS_START_INFO_KEEP */
    uint64_t si_drop_min, si_drop_max; /* the pfns of those not kept */
    /* the libxl stream around it, when there is one */
    struct xs_rec_reader xl;
    struct xs_validate_libxl vl;
    bool in_libxl;
};

/* The release whose xl reads the domain config: verify --xen's, else
 * convert --to-xen's; NULL for the newest. */
static inline const struct xs_release *job_config_release(const struct job *j)
{
    return j->xen ? j->xen : j->conv ? j->conv->to_xen : NULL;
}

/* XS_INVALID once a fault must end the run (upgrade), else XS_OK. */
static inline int job_fault(const struct job *j)
{
    return j->stop_at_error && j->rep->errors ? XS_INVALID : XS_OK;
}

/* Entering a layer: named in the summary; digest hashes its bytes apart. */
void job_layer(struct job *j, const struct xs_layer *l);
/* Digest: the bytes from here on go to slot's sink (1..XS_DIGEST_LAYERS). */
static inline void job_sink(struct job *j, unsigned slot)
{
    if (j->sinks) {
        j->out = j->sinks[slot - 1];
        j->sinks_used |= 1u << (slot - 1);
    }
}

static inline void job_header(struct job *j, const char *layer, uint64_t at,
                              const void *p, uint64_t n)
{
    if (j->visit && j->visit->header)
        j->visit->header(j->visit->ctx, layer, at, p, n);
}

static inline void job_record(struct job *j, const char *layer,
                              const struct xs_record *r)
{
    if (j->visit && j->visit->record)
        j->visit->record(j->visit->ctx, layer, r);
}
/* The rest of r's body (a payload the walk would skip): hashed for the
 * visitor's payload(), when it has one; else XS_OK with nothing read. */
int job_payload_hash(struct job *j, struct xs_rec_reader *rr,
                     const char *layer, const struct xs_record *r);
/* Bytes of a container that upgrade keeps as they are. */
int job_pass(struct job *j, const void *p, size_t n);
/* n bytes of the input: copied to the output, or skipped.  A short input
 * is a truncation of `what` in layer `where` (rule). */
int job_pass_input(struct job *j, uint64_t n, const char *rule,
                   const char *where, const char *what);
/* Read exactly n header bytes, or report the truncation. */
int job_read(struct job *j, void *p, size_t n, const char *rule,
             const char *where);
/* The bytes after the outermost END. */
int job_trailing(struct job *j);

/* containers.c: a container layer (walked by its descriptor's walk())
 * and the libxl stream, with the libxc stream inside; the libxl records
 * of a checkpoint. */
int job_container(struct job *j, const struct xs_layer *l);
int job_libxl(struct job *j);
int job_libxl_checkpoint(struct job *j);
/* stream.c: a libxc stream at the current offset, up to its END (or,
 * inside a checkpointed libxl stream, the end of input after a
 * checkpoint). */
int job_libxc(struct job *j);
/* pages.c: the current libxc record's payload, copied to out (skipped
 * when out is NULL), its pages looked at as the run needs (page-table
 * pages checked, diff's visitor, the start info candidates). */
int job_payload(struct job *j, struct xs_out *out);
/* pages.c: at END, the start info page's one decision; and the
 * candidates freed. */
int job_start_info(struct job *j);
void job_start_info_free(struct job *j);

#endif
