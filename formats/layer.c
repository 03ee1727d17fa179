/* The layer table and detection (each layer's magic is in its own file),
 * and what an input that is no image looks like. */
#include "layer.h"

#include <stdbool.h>
#include <string.h>

#include "xenserver.h"

/* Each defined in its own file. */
extern const struct xs_layer xs_layer_xl, xs_layer_libvirt,
    xs_layer_xenserver, xs_layer_legacy;

/* Detection order (the magics do not overlap, but legacy's bid is a
 * guess that an all-ones libxc marker would also pass: it goes last);
 * the order is also digest's slots'. */
const struct xs_layer *const xs_layers[] = {
    &xs_layer_gzip,
    &xs_layer_zstd,
    &xs_layer_xl,
    &xs_layer_libxl,
    &xs_layer_libvirt,
    &xs_layer_xenserver,
    &xs_layer_libxc,
    &xs_layer_legacy,
    NULL,
};

static bool has(const uint8_t *p, size_t n, const void *magic, size_t m)
{
    return n >= m && memcmp(p, magic, m) == 0;
}

const struct xs_layer *xs_detect(const uint8_t *p, size_t n)
{
    for (const struct xs_layer *const *l = xs_layers; *l; l++)
        if ((*l)->bid ? (*l)->bid(p, n)
                      : has(p, n, (*l)->magic, (*l)->magic_len))
            return *l;
    return NULL;
}

const struct xs_layer *xs_layer_named(const char *name)
{
    for (const struct xs_layer *const *l = xs_layers; *l; l++)
        if (strcmp((*l)->name, name) == 0)
            return *l;
    return NULL;
}

const struct xs_layer_header *xs_layer_header_named(const char *what,
                                                    const struct xs_layer **l)
{
    for (const struct xs_layer *const *t = xs_layers; *t; t++)
        for (const struct xs_layer_header *h = (*t)->headers; h && h->what;
             h++)
            if (strcmp(h->what, what) == 0) {
                if (l)
                    *l = *t;
                return h;
            }
    return NULL;
}

unsigned xs_layer_digest_slot(const struct xs_layer *l)
{
    unsigned slot = 0;
    for (const struct xs_layer *const *t = xs_layers; *t; t++) {
        slot += (*t)->own_digest;
        if (*t == l)
            return l->own_digest ? slot : 0;
    }
    return 0;
}

unsigned xs_digest_slots(void)
{
    unsigned n = 1; /* after END */
    for (const struct xs_layer *const *t = xs_layers; *t; t++)
        n += (*t)->own_digest;
    return n;
}

const char *xs_digest_slot_name(unsigned slot)
{
    for (const struct xs_layer *const *t = xs_layers; *t; t++)
        if (xs_layer_digest_slot(*t) == slot)
            return (*t)->name;
    return "after END";
}

/* gzip is a transport: core/fileio.c decodes it (RFC 1952's ID1 ID2) */
const struct xs_layer xs_layer_gzip = {
    .name = "gzip", .kind = XS_LK_TRANSPORT, .magic = "\x1f\x8b",
    .magic_len = 2, .codec = XS_CODEC_GZIP,
};

/* zstd too (RFC 8878's frame magic 0xFD2FB528, little-endian).  An input
 * that starts with a skippable frame is not taken for zstd: nothing that
 * writes a save image puts one first (docs/behaviour.md §1); between and
 * after frames they are skipped, as zstd -dc does. */
const struct xs_layer xs_layer_zstd = {
    .name = "zstd", .kind = XS_LK_TRANSPORT, .magic = "\x28\xb5\x2f\xfd",
    .magic_len = 4, .codec = XS_CODEC_ZSTD,
};

/* What a file that is no image looks like, from its first bytes: the
 * usual mistakes (another compressor, a binary, a text file, a disk of
 * zeros) named, so that the one-line error says what to do. */
static const char *not_an_image(const uint8_t *p, size_t n)
{
    static const struct {
        const char *magic;
        size_t len;
        const char *says;
    } known[] = {
        {"\xfd" "7zXZ\0", 6, "not a Xen save image: xz-compressed data; "
                              "decompress it first (xz -dc)"},
        {"BZh", 3, "not a Xen save image: bzip2-compressed data; decompress "
                   "it first (bzip2 -dc)"},
        {"\x7f" "ELF", 4, "not a Xen save image: an ELF file (a program, a "
                         "library or a core dump)"},
    };
    for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++)
        if (has(p, n, known[i].magic, known[i].len))
            return known[i].says;
    size_t zeros = 0, text = 0;
    for (size_t i = 0; i < n; i++) {
        zeros += p[i] == 0;
        text += (p[i] >= 0x20 && p[i] < 0x7f) || p[i] == '\n' ||
                p[i] == '\t' || p[i] == '\r';
    }
    if (zeros == n)
        return "not a Xen save image: it starts with zero bytes";
    if (text == n)
        return "not a Xen save image: it looks like text";
    return "not a Xen save image: no gzip, zstd, xl, libvirt, XenServer, "
           "libxl or libxc magic at the start";
}

const char *xs_detect_describe(const uint8_t *p, size_t n)
{
    const struct xs_layer *l = xs_detect(p, n);
    if (l && l->refuse)
        return l->refuse;
    if (l)
        return l->name;
    if (has(p, n, XS_XENSERVER_LEGACY_SIG, XS_XENSERVER_SIG_SIZE))
        return "this is a legacy XenServer suspend image (pre-Xen 4.6 "
               "stream): xenopsd converts it with convert-legacy-stream";
    if (n == 0)
        return "the input is empty";
    if (n < 8)
        return "the input is too short to be a Xen save image";
    return not_an_image(p, n);
}
