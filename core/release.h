/* The rules of one Xen release's restore path (verify --xen), applied as
 * the stream goes by.  Private to core/; each does nothing when rel is
 * NULL. */
#ifndef XS_RELEASE_H
#define XS_RELEASE_H

#include "xenstream.h"

/* A note when rel is newer than the releases whose sources were read. */
void xs_release_note(const struct xs_release *rel, struct xs_report *rep);
/* The libxc image header read at offset at. */
void xs_release_check_header(const struct xs_release *rel, unsigned version,
                             uint64_t at, struct xs_report *rep,
                             struct xs_summary *sum);
void xs_release_check_record(const struct xs_release *rel,
                             const struct xs_record *r, struct xs_report *rep,
                             struct xs_summary *sum);

/* What releases differ on, into the summary (every run, for info). */
void xs_release_observe(const struct xs_record *r, struct xs_summary *s);
/* The xl config's facts in sum: against rel (verify --xen: xen.*) and
 * what no conversion for to_xen helps (convert --to-xen: convert.*). */
void xs_release_check_config(const struct xs_release *rel,
                             const struct xs_release *to_xen,
                             struct xs_summary *sum, struct xs_report *rep);
/* A libxl record, the same two ways (the emulator). */
void xs_release_libxl_record(const struct xs_release *rel,
                             const struct xs_release *to_xen,
                             const struct xs_record *r,
                             struct xs_report *rep, struct xs_summary *sum);
/* At END, without a host policy: what 4.22 refuses that only the host
 * tells (a note). */
void xs_release_note_vendor(const struct xs_release *rel,
                            const struct xs_summary *sum,
                            struct xs_report *rep);
/* An HVM save descriptor of typecode code and length len: true when rel
 * reads it as it is; *want the length rel reads. */
bool xs_release_hvm_fit(const struct xs_release *rel, uint16_t code,
                        uint32_t len, uint32_t *want);
/* convert --to-xen: what of r no conversion for to_xen helps (rules
 * convert.hvm_length, convert.derived_policy). */
void xs_release_convert_record(const struct xs_release *to_xen,
                               bool drop_policy, const struct xs_record *r,
                               const struct xs_summary *sum,
                               struct xs_report *rep);
/* The length of an HVM save descriptor's data without its trailing zero
 * bytes (and, of CPU, without the flag 4.6 assumes set). */
uint32_t xs_hvm_used_len(uint16_t code, const uint8_t *p, uint32_t len);
/* rel derives, for an image without CPU policy records, a policy that
 * refuses BHI_DIS_S (4.16.0 to 4.18.3 and 4.19.1). */
bool xs_release_bhi_refused(const struct xs_release *rel);
/* convert --to-xen: an MSR policy entry rel has no field for, whose value
 * is 0 (what the guest sees there without it), is left out (4.14 copies
 * only MSR_INTEL_PLATFORM_INFO, 4.15+ savers send MSR_ARCH_CAPABILITIES
 * too). */
bool xs_release_msr_left_out(const struct xs_release *rel, uint32_t idx,
                             uint64_t val);
/* The whole X86_MSR_POLICY record r as convert --to-xen rel writes it:
 * its entries but those xs_release_msr_left_out() names, and a partial
 * tail as it is, into out (room for r->held bytes); their length.  How
 * many were left out in *left, each a convert.msr_left_out note in rep
 * when rep is not NULL. */
uint32_t xs_release_msr_kept(const struct xs_release *rel,
                             const struct xs_record *r, uint8_t *out,
                             unsigned *left, struct xs_report *rep);
/* The config's guest type against the stream's guest (the summary's
 * config, guest: the libxc domain header's type), as rel's xl reads it
 * (NULL: the newest): NULL when libxl creates a domain that libxc
 * restores it into, else the type (*old: as 4.6 to 4.9 read it). */
const char *xs_release_cfg_type_refused(const struct xs_release *rel,
                                        const struct xs_summary *s,
                                        uint32_t guest, bool *old);
/* A CPU policy record against what x86_cpuid_copy_from_buffer() and
 * x86_msr_copy_from_buffer() of rel (NULL: every release from 4.14, by
 * the newest one's limits, which every older one's are within) have
 * room for: the errors Xen's restore stops with (policy.*).
 * written: r as upgrade and convert write it (an MSR entry's reserved
 * flags cleared: a warning, libxc.reserved); else as it is (flags not
 * zero: policy.msr.flags, refused by every release from 4.14). */
void xs_release_check_policy(const struct xs_release *rel,
                             const struct xs_record *r, bool written,
                             struct xs_report *rep,
                             struct xs_summary *sum /* NULL: convert's */);

#endif
