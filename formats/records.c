/* The record framing (see records.h). */
#include "records.h"

#include "endian.h"

void xs_rec_hdr_encode(uint32_t type, uint32_t length,
                       uint8_t b[XS_REC_HDR_SIZE])
{
    xs_put_le32(b, type);
    xs_put_le32(b + 4, length);
}
