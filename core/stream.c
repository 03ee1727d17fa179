/* The libxc stream: headers, then reader -> validate -> compat -> writer
 * one record at a time, up to END (or, in a checkpointed libxl stream,
 * back to libxl's records at each CHECKPOINT). */
#include <string.h>

#include "fileio.h"
#include "job.h"
#include "release.h"

static int emit(const struct xs_record *r, void *ctx)
{
    struct job *j = ctx;
    if (j->passthrough && !r->synthetic &&
        xs_libxc_padding(r->length) == 0 &&
        xs_libxc_is_canonical(r->type, r->body, r->held)) {
        /* the record as it stands in the input is its canonical form (no
         * reserved bit set, no padding to clear): copied from there, its
         * payload skipped in the stream */
        uint64_t n = XS_REC_HDR_SIZE + (uint64_t)r->length +
                     xs_libxc_padding(r->length);
        int rc = xs_out_copy_range(j->xc_out, j->in, r->offset, n);
        if (rc == XS_OK)
            rc = job_payload(j, NULL);
        if (rc == XS_OK)
            j->w.records++;
        return rc;
    }
    /* the writer writes the record around its payload, which the page
     * walk moves (it may look at pages on the way) */
    int rc = xs_writer_record_head(&j->w, r);
    if (rc == XS_OK && xs_record_payload(r))
        rc = job_payload(j, j->w.out);
    return rc != XS_OK ? rc : xs_writer_record_tail(&j->w, r);
}

static int libxc_records(struct job *j)
{
    for (;;) {
        const struct xs_record *r;
        int rc = xs_rec_next(&j->xc, &r);
        if (rc == XS_INVALID && j->xc.cut && j->cut && j->visit)
            j->cut(j->visit->ctx, &j->xc.cur);
        if (rc != XS_OK)
            return rc;
        if (!r) {
            /* end of input right after a checkpoint (eof_ok) */
            xs_report_add(j->rep, XS_SEV_WARNING, "libxl.unterminated",
                          xs_in_offset(j->in), -1, "end of input",
                          "the checkpointed stream stops after a complete "
                          "CHECKPOINT_END without END records, as a Remus/"
                          "COLO capture does (kept as is)");
            j->sum->unterminated = true;
            j->ended = true;
            return XS_OK;
        }
        j->xc.eof_ok = false;
        xs_validate_record(&j->v, r);
        xs_release_observe(r, j->sum);
        xs_release_check_record(j->xen, r, j->rep, j->sum);
        if ((r->type == XS_REC_X86_CPUID_POLICY ||
             r->type == XS_REC_X86_MSR_POLICY) &&
            !(j->conv && (j->conv->to_xen || j->conv->drop_cpu_policy)))
            /* verify --xen's release, else every release from 4.14
             * (convert --to-xen's: xs_release_convert_record(); dropped
             * ones: none) */
            xs_release_check_policy(j->xen, r, j->conv != NULL, j->rep,
                                    j->sum);
        if (j->xen && !j->target && r->type == XS_REC_END)
            xs_release_note_vendor(j->xen, j->sum, j->rep);
        if (j->target)
            xs_target_record(&j->gpol, r, j->rep);
        if (j->target && r->type == XS_REC_END)
            xs_target_check(j->target, &j->gpol, j->sum, j->rep);
        if (j->conv) {
            xs_compat_refuse(&j->cp, r, j->rep);
            xs_release_convert_record(j->conv->to_xen,
                                      j->conv->drop_cpu_policy, r, j->sum,
                                      j->rep);
            xs_target_convert_vendor(j->conv->to_xen,
                                     j->conv->target ? j->conv->target->host
                                                     : NULL,
                                     j->sum, r, j->rep);
        }
        if (r->type == XS_REC_END && (rc = job_start_info(j)) != XS_OK)
            return rc;
        job_record(j, "libxc", r);
        if ((rc = job_fault(j)) != XS_OK)
            return rc;
        uint32_t type = r->type;
        if (j->xc_out)
            rc = xs_compat_push(&j->cp, r, emit, j);
        else
            rc = job_payload(j, NULL);
        /* a fault in a page-table page ends an upgrade here */
        if (rc == XS_OK)
            rc = job_fault(j);
        if (rc == XS_OK)
            rc = xs_rec_finish(&j->xc);
        if (rc != XS_OK)
            return rc;
        if (type == XS_REC_END)
            return XS_OK;
        if (type == XS_REC_CHECKPOINT && j->in_libxl) {
            /* libxc's checkpoint callback: libxl records follow up to
             * CHECKPOINT_END, then libxc records resume (or a Remus
             * capture ends here). */
            if ((rc = job_libxl_checkpoint(j)) != XS_OK)
                return rc;
            j->xc.eof_ok = true;
        }
    }
}

/* libxl creates the domain its config's c_info.type says (PVH is an HVM
 * domain), and libxc's restore refuses a stream of the other kind:
 * xg_sr_restore_x86_pv.c x86_pv_setup() "Unable to restore %s domain
 * into an x86_pv domain", xg_sr_restore_x86_hvm.c x86_hvm_setup() "...
 * into an x86 HVM domain" (RELEASE-4.17.0). */
static void config_guest(struct job *j, uint32_t guest, uint64_t at)
{
    bool old;
    const char *type = xs_release_cfg_type_refused(job_config_release(j),
                                                   j->sum, guest, &old);
    if (type)
        xs_report_add(j->rep, XS_SEV_ERROR, "config.guest_type",
                      at + XS_LIBXC_IHDR_SIZE, -1,
                      "libxc domain header",
                      "the domain config's type is \"%s\"%s, the stream's "
                      "an %s guest: libxl creates the domain by the config "
                      "and libxc refuses the stream (\"Unable to restore %s "
                      "domain into an %s domain\")",
                      type, old ? " as xl 4.6 to 4.9 read it (builder= "
                                  "alone: type= is read from 4.10)"
                                : "",
                      xs_guest_name(guest), xs_guest_name(guest),
                      guest == XS_GUEST_X86_PV ? "x86 HVM" : "x86_pv");
}

int job_libxc(struct job *j)
{
    struct xs_libxc_ihdr ih;
    struct xs_libxc_dhdr dh;
    unsigned version;
    int rc;

    job_layer(j, &xs_layer_libxc);
    xs_rec_reader_init(&j->xc, &xs_libxc_layer, j->in, j->rep);
    uint64_t at = xs_in_offset(j->in);
    rc = xs_libxc_read_headers(&j->xc, &ih, &dh, &version);
    if (rc != XS_OK)
        goto out;
    if (j->visit) {
        uint8_t h[XS_LIBXC_IHDR_SIZE + XS_LIBXC_DHDR_SIZE];
        xs_libxc_ihdr_encode(&ih, h);
        xs_libxc_dhdr_encode(&dh, h + XS_LIBXC_IHDR_SIZE);
        job_header(j, "libxc", at, h, sizeof(h));
    }
    j->sum->version = version;
    j->sum->guest = dh.type;
    j->sum->page_shift = dh.page_shift;
    j->sum->xen_major = dh.xen_major;
    j->sum->xen_minor = dh.xen_minor;
    xs_release_check_header(j->xen, version, at, j->rep, j->sum);
    config_guest(j, dh.type, at);
    xs_validate_init(&j->v, j->rep, j->sum, version, dh.type);
    xs_compat_init(&j->cp, version, dh.type);
    if (j->conv && j->conv->to_version < 3)
        xs_compat_to_v2(&j->cp, j->conv->drop_cpu_policy);
    else if (j->conv && j->conv->drop_cpu_policy)
        xs_compat_drop_policy(&j->cp);
    if (j->conv && j->conv->to_xen)
        xs_compat_to_xen(&j->cp, j->conv->to_xen);
    /* From a regular file to a regular file, a record already in canonical
     * form is copied as it stands, adjacent ones in one kernel copy; only
     * the headers, inserted records and records with something to clear
     * are written (see emit()). */
    j->passthrough = j->xc_out && !j->sinks &&
                     xs_out_can_copy_range(j->xc_out, j->in);
    if (j->xc_out) {
        xs_writer_init(&j->w, j->xc_out, j->cp.to_version);
        rc = xs_writer_headers(&j->w, &ih, &dh);
    }
    if (rc == XS_OK)
        rc = libxc_records(j);
    if (j->xc_out)
        xs_writer_free(&j->w);
    xs_validate_free(&j->v);
    job_start_info_free(j);
out:
    j->sum->records = j->v.records;
    j->sum->sde_inserted = j->cp.inserted;
    j->sum->sde_dropped = j->cp.sde_dropped;
    j->sum->policy_dropped = j->cp.policy_dropped;
    j->sum->dropped = j->cp.dropped;
    j->sum->hvm_rewritten = j->cp.hvm_rewritten;
    xs_compat_free(&j->cp);
    xs_rec_reader_free(&j->xc);
    return rc;
}
