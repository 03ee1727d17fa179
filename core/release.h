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

#endif
