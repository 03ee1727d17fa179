/* Explicit byte-order helpers.  Every multi-byte field of every layer is read
 * and written through these: no struct is ever cast over an input buffer. */
#ifndef XS_ENDIAN_H
#define XS_ENDIAN_H

#include <stdint.h>
#include <string.h>

static inline uint16_t xs_le16(const uint8_t *p)
{
    return (uint16_t)(p[0] | (uint16_t)p[1] << 8);
}

static inline uint32_t xs_le32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
           (uint32_t)p[3] << 24;
}

/* The one reader of the hot loops (pfn arrays, page-table pages): one
 * unaligned 8-byte load, which the compiler can also vectorize, swapped
 * only on a big-endian host. */
static inline uint64_t xs_le64(const uint8_t *p)
{
    uint64_t v;
    memcpy(&v, p, sizeof(v));
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
    v = __builtin_bswap64(v);
#elif !defined(__BYTE_ORDER__)
    v = (uint64_t)xs_le32(p) | (uint64_t)xs_le32(p + 4) << 32;
#endif
    return v;
}

static inline uint16_t xs_be16(const uint8_t *p)
{
    return (uint16_t)((uint16_t)p[0] << 8 | p[1]);
}

static inline uint32_t xs_be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 |
           (uint32_t)p[3];
}

static inline uint64_t xs_be64(const uint8_t *p)
{
    return (uint64_t)xs_be32(p) << 32 | xs_be32(p + 4);
}

static inline void xs_put_le16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
}

static inline void xs_put_le32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
    p[2] = (uint8_t)(v >> 16);
    p[3] = (uint8_t)(v >> 24);
}

static inline void xs_put_le64(uint8_t *p, uint64_t v)
{
    xs_put_le32(p, (uint32_t)v);
    xs_put_le32(p + 4, (uint32_t)(v >> 32));
}

static inline void xs_put_be16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

static inline void xs_put_be32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

static inline void xs_put_be64(uint8_t *p, uint64_t v)
{
    xs_put_be32(p, (uint32_t)(v >> 32));
    xs_put_be32(p + 4, (uint32_t)v);
}

#endif
