/* Which layer an input starts with (formats/layer.h's table), with a
 * transport decoded on the way: the one detection the driver, upgrade's
 * precheck and the live backend share. */
#ifndef XS_CORE_DETECT_H
#define XS_CORE_DETECT_H

#include "layer.h"

/* The first bytes of in are peeked (not consumed).  A transport (gzip)
 * is pushed, so that in reads decoded bytes from then on, and named in
 * *transport (else NULL); *l is the layer then found (gzip again for a
 * gzip inside gzip), or NULL for none.  XS_OK or XS_IO; on XS_IO too,
 * *transport names a transport found before the failure. */
int xs_in_detect(struct xs_in *in, const struct xs_layer **transport,
                 const struct xs_layer **l);

#endif
