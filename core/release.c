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
 * The libxl records (libxl_sr_stream_format.h: CHECKPOINT_STATE from 4.7)
 * and xl's header flags (JSON, STREAMv2 since 4.6) do not differ in what a
 * restore accepts, and the formats' own rules hold for every release. */
#include "release.h"

#include <stdlib.h>
#include <string.h>

#include "libxc.h"

/* One row per release where a fact changed; a release takes the newest
 * row at or below it. */
static const struct {
    unsigned minor, max_version;
    uint32_t libxc_types;
    bool empty_blobs;
} rows[] = {
    {0, 0, 0, false},                                 /* legacy only */
    {6, 2, XS_REC_CHECKPOINT + 1, false},             /* 4.6 */
    {7, 2, XS_REC_CHECKPOINT_DIRTY_PFN_LIST + 1, false}, /* 4.7 */
    {9, 2, XS_REC_CHECKPOINT_DIRTY_PFN_LIST + 1, true},  /* 4.9 */
    {14, 3, XS_REC_X86_MSR_POLICY + 1, true},         /* 4.14 */
};

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
    };
}

int xs_release_parse(const char *s, struct xs_release *rel)
{
    char *end;
    if (strncmp(s, "4.", 2) != 0 || s[2] < '0' || s[2] > '9')
        return XS_USAGE;
    unsigned long minor = strtoul(s + 2, &end, 10);
    /* "4.17.3": a point release restores as its 4.x.0 does here */
    if (*end == '.' && end[1] >= '0' && end[1] <= '9')
        (void)strtoul(end + 1, &end, 10);
    if (*end || minor > 99)
        return XS_USAGE;
    xs_release_get((unsigned)minor, rel);
    return XS_OK;
}

/* The types a v2 conversion leaves out. */
static bool v3_only(uint32_t type)
{
    return type == XS_REC_STATIC_DATA_END ||
           type == XS_REC_X86_CPUID_POLICY || type == XS_REC_X86_MSR_POLICY;
}

bool xs_release_restores(const struct xs_release *rel,
                         const struct xs_summary *s, bool as_v2)
{
    unsigned version = as_v2 ? 2 : s->version;
    if (rel->max_version < 2 || version > rel->max_version)
        return false;
    for (uint32_t t = rel->libxc_types; t < XS_REC_NR_KNOWN; t++)
        if (s->rec_count[t] && !(as_v2 && v3_only(t)))
            return false;
    return rel->empty_blobs || as_v2 || !s->empty_vcpu_blobs;
}

const char *xs_release_remedy(const struct xs_release *rel,
                              const struct xs_summary *s)
{
    if (xs_release_restores(rel, s, false))
        return "";
    if (!xs_release_restores(rel, s, true))
        return NULL;
    return s->rec_count[XS_REC_X86_CPUID_POLICY] ||
                   s->rec_count[XS_REC_X86_MSR_POLICY]
               ? "xenstream convert --to-version 2 --drop-cpu-policy"
               : "xenstream convert --to-version 2";
}

void xs_release_note(const struct xs_release *rel, struct xs_report *rep)
{
    if (rel && rel->minor > XS_RELEASE_LAST)
        xs_report_add(rep, XS_SEV_NOTE, "xen.newer", 0, -1, "input",
                      "Xen %u.%u is newer than the releases xenstream knows "
                      "(4.%u-4.%u): checked with the rules of 4.%u",
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
}
