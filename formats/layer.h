/* The layers an image may have, one descriptor each, registered in one
 * table (formats/layer.c) in the order detection tries them.  Detection,
 * the layer loop, digest's sinks, the backend and the fuzz targets all
 * derive from the table; adding a layer is a descriptor in its own file
 * here and one line in the table (HACKING.md, "A container layer").
 *
 * A container's walker sees the input only through struct xs_layer_io,
 * which core/containers.c implements over a run: it is handed the bytes
 * it asks for, says which of them upgrade keeps, and hands over to the
 * stream inside.  Which layer an input starts with is told from its
 * first bytes, never from its name (docs/behaviour.md §1). */
#ifndef XS_FORMAT_LAYER_H
#define XS_FORMAT_LAYER_H

#include <stddef.h>
#include <stdint.h>

#include "xenstream.h"
#include "xl.h"

#define XS_DETECT_BYTES 32 /* enough for every magic */

/* What a container's header says that info shows: the run copies it
 * into the summary before the stream inside is read. */
struct xs_layer_facts {
    bool xl;
    uint32_t xl_mandatory, xl_optional;
    struct xs_xl_config config;
};

/* core's side of a container walk; run is core's, opaque here. */
struct xs_layer_io {
    void *run;
    struct xs_report *rep;
    struct xs_layer_facts *facts;
    uint64_t (*offset)(void *run);
    /* Exactly n bytes, or the truncation of `where` reported under rule. */
    int (*read)(void *run, void *p, size_t n, const char *rule,
                const char *where);
    /* Up to n bytes appended to b, grown only as they arrive; *got. */
    int (*read_buf)(void *run, struct xs_buf *b, size_t n, size_t *got);
    /* Bytes of the layer that upgrade keeps as they are. */
    int (*keep)(void *run, const void *p, size_t n);
    /* n bytes of the input kept as they are without being looked at. */
    int (*keep_input)(void *run, uint64_t n, const char *rule,
                      const char *where, const char *what);
    /* A header (or a part of one) as read, for dump and diff. */
    void (*header)(void *run, const char *what, uint64_t at, const void *p,
                   uint64_t n);
    /* XS_INVALID once a fault must end the run (upgrade). */
    int (*fault)(void *run);
    /* The libxl stream that must follow the container's header. */
    int (*libxl)(void *run, const char *container);
    /* A libxc stream inline, up to its END. */
    int (*libxc)(void *run);
    /* The bytes after the outermost END. */
    int (*trailing)(void *run);
    /* convert --to-xen 4.17 and older: the xl config's libxl cpuid
     * written in the array form those read (xs_xl_config_cpuid_array()) */
    bool cpuid_array;
    /* upgrade/convert --config: the config written instead of the
     * image's, checked as it is (xs_xl_check_optdata()) */
    const uint8_t *config;
    size_t config_len;
    /* the Xen 4.x whose xl reads the config (verify --xen, convert
     * --to-xen), 0 for the newest (xs_xl_check_optdata()) */
    unsigned xl_minor;
};

enum xs_layer_kind {
    XS_LK_TRANSPORT, /* decoded by core/fileio.c (gzip, zstd): .codec */
    XS_LK_CONTAINER, /* a header around a libxl stream: walk() */
    XS_LK_LIBXL,     /* the libxl record stream (core/containers.c) */
    XS_LK_LIBXC,     /* the libxc record stream (core/stream.c) */
    XS_LK_REFUSED,   /* recognised, never read: refuse says why */
};

/* A transport's codec, by which core/fileio.c decodes (and encodes) it:
 * the row says which, fileio.c holds the code (formats/ reads no input). */
enum xs_codec {
    XS_CODEC_NONE,
    XS_CODEC_GZIP,
    XS_CODEC_ZSTD,
};

/* What `xenstream restore` makes of an image with this outermost layer
 * (inside any transport). */
enum xs_layer_restore {
    XS_LR_NONE,     /* not an image libxenlight restores: verify says why */
    XS_LR_XL,       /* carries the domain configuration */
    XS_LR_LIBXL,    /* restorable with a configuration given */
    XS_LR_REFUSED,  /* another toolstack's: restore_why says whose */
};

/* A header (or a part of one, or a record of the container's own) as the
 * walk shows it to xs_walk()'s visitor, and as a listing shows it. */
struct xs_layer_header {
    const char *what;   /* the name the visitor gets it by */
    const char *type;   /* the type a listing shows */
    void (*fields)(const uint8_t *p, uint64_t n, xs_field_fn fn, void *ctx);
    /* A record of the container (XenServer's): its type and the length to
     * show (NULL: not one; shown under `what` as a "header"). */
    const char *(*record)(const uint8_t *p, uint64_t n, uint64_t *length);
    /* It is the domain's configuration (diff compares it; the other
     * headers say how the state is packed, not what it is). */
    bool config;
};

struct xs_layer {
    const char *name;   /* "xl": the summary's layers, digest, dump */
    enum xs_layer_kind kind;
    /* How it is told: its magic bytes at the start, or, for a layer
     * without one, bid() on the first bytes (n may be short). */
    const char *magic;
    size_t magic_len;
    bool (*bid)(const uint8_t *p, size_t n);
    /* XS_LK_TRANSPORT: its decoder (and encoder) in core/fileio.c */
    enum xs_codec codec;
    /* XS_LK_CONTAINER: the header, its checks, the hand-over. */
    int (*walk)(const struct xs_layer_io *io);
    /* digest hashes the layer's own bytes apart (a slot each, in table
     * order: xs_layer_digest_slot()) */
    bool own_digest;
    enum xs_layer_restore restore;
    const char *restore_why;
    const char *refuse; /* XS_LK_REFUSED: the one-line error */
    /* What dump shows of it: its headers (ended by one without `what`);
     * a record stream's record names and fields. */
    const struct xs_layer_header *headers;
    const char *(*record_name)(uint32_t type, char buf[32]);
    void (*record_fields)(const struct xs_record *r, xs_field_fn fn,
                          void *ctx);
};

/* The table, in detection order, NULL-terminated. */
extern const struct xs_layer *const xs_layers[];
/* digest's slots: 1.. for the layers with bytes of their own, in table
 * order, then one for the bytes after the outermost END (the last,
 * xs_digest_slots()); 0 for a layer without.  The public XS_DIGEST_LAYERS
 * must count them all (check_containers asserts it). */
unsigned xs_layer_digest_slot(const struct xs_layer *l);
unsigned xs_digest_slots(void);
/* The name a slot's bytes go by: its layer's, or "after END". */
const char *xs_digest_slot_name(unsigned slot);

/* The layer p starts with, or NULL. */
const struct xs_layer *xs_detect(const uint8_t *p, size_t n);
const struct xs_layer *xs_layer_named(const char *name);
/* The header the visitor gets by the name what, and its layer (or NULL). */
const struct xs_layer_header *xs_layer_header_named(const char *what,
                                                    const struct xs_layer **l);
/* What a rejected input looks like, for the one-line error. */
const char *xs_detect_describe(const uint8_t *p, size_t n);

/* The descriptors core reads by name (the others are known only to the
 * table). */
extern const struct xs_layer xs_layer_gzip, xs_layer_zstd, xs_layer_libxl,
    xs_layer_libxc;

#endif
