/* The record framing that the libxc and libxl layers share: a 4-byte type
 * and a 4-byte length (little-endian), the body, then zero padding to a
 * multiple of 8 octets (both specs, "Record Overview").
 *
 * A layer describes its records here (struct xs_rec_layer); the reader
 * that pulls them from an input is core/reader.c. */
#ifndef XS_FORMAT_RECORDS_H
#define XS_FORMAT_RECORDS_H

#include "xenstream.h"

#define XS_REC_HDR_SIZE 8
#define XS_REC_ALIGN 8

static inline uint32_t xs_rec_padding(uint32_t length)
{
    return (XS_REC_ALIGN - (length & (XS_REC_ALIGN - 1))) & (XS_REC_ALIGN - 1);
}

void xs_rec_hdr_encode(uint32_t type, uint32_t length,
                       uint8_t b[XS_REC_HDR_SIZE]);

/* What a layer tells the shared reader. */
struct xs_rec_layer {
    const char *rule_truncated;   /* e.g. "libxc.truncated" */
    const char *rule_too_long;
    const char *rule_padding;
    const char *padding_msg;      /* warning text for non-zero padding */
    uint32_t max_length;          /* longer records are refused; 0: none */
    const char *(*name)(uint32_t type, char buf[32]);
    /* Bytes of the body to hold.  head holds the first min(8, length)
     * bytes of the body (PAGE_DATA's count is there). */
    uint32_t (*hold)(uint32_t type, uint32_t length, const uint8_t *head);
};

#endif
