/* The xl save-file header (what `xl save` and `xl migrate` write before
 * the libxl stream).  Source: tools/xl/xl.h, xl_saverestore.c and
 * xl_vmcontrol.c in xen-project/xen. */
#ifndef XS_FORMAT_XL_H
#define XS_FORMAT_XL_H

#include "xenstream.h"

#define XS_XL_MAGIC_SIZE 32
#define XS_XL_HDR_SIZE 48
#define XS_XL_BYTEORDER 0x01020304u
#define XS_XL_FLAG_JSON 0x1u      /* config data is in JSON format */
#define XS_XL_FLAG_STREAMV2 0x2u  /* a libxl stream follows */
#define XS_XL_FLAGS_KNOWN (XS_XL_FLAG_JSON | XS_XL_FLAG_STREAMV2)
/* Optional data held for parsing the config; more is passed through. */
#define XS_XL_OPTDATA_HOLD (4u << 20)
/* What `xl migrate` sends after the stream: migrate_permission_to_go,
 * sizeof() with its NUL (xl.h, xl_migrate.c). */
#define XS_XL_MIGRATE_GO "domain is yours, you are cleared to unpause"
#define XS_XL_MIGRATE_GO_SIZE (sizeof(XS_XL_MIGRATE_GO))

extern const char xs_xl_magic[XS_XL_MAGIC_SIZE];

struct xs_xl_hdr {
    uint32_t byteorder;
    uint32_t mandatory_flags;
    uint32_t optional_flags;
    uint32_t optional_data_len;
};

/* Fields are "in domain's byte order": little-endian on x86. */
void xs_xl_hdr_decode(const uint8_t b[XS_XL_HDR_SIZE], struct xs_xl_hdr *h);
void xs_xl_hdr_encode(const struct xs_xl_hdr *h, uint8_t b[XS_XL_HDR_SIZE]);
/* xl_vmcontrol.c create_domain(): XS_INVALID when xl would refuse it. */
int xs_xl_check_hdr(const struct xs_xl_hdr *h, uint64_t at,
                    struct xs_report *rep);
/* What the optional data says of the domain's configuration. */
struct xs_xl_config {
    bool sized;         /* the config length fits the optional data */
    uint32_t bytes;     /* the config's length */
    bool json;          /* libxl JSON (else xl config text) */
    bool parsed;        /* the config was read: the facts below */
    char name[64];      /* printable, '?' for anything else */
    char type[16];
    char type_old[16];  /* the type xl 4.6 to 4.9 create (text: builder
                           alone, type= not read; JSON: type) */
    int64_t memory_mib; /* -1 unknown */
    int64_t vcpus;      /* -1 unknown */
    uint64_t at;        /* the config's offset (sized) */
    /* what Xen releases differ on (core/release.c) */
    bool cpuid_object;  /* JSON b_info.cpuid in libxl 4.18's object form */
    bool cpuid_msr;     /* ... holding MSR entries (or else not what the
                           array form can be written from) */
    bool qemu_trad;     /* device_model_version qemu-xen-traditional */
    /* JSON: a number libxl keeps as text where the field's reader wants
     * an integer it fits ("b_info.max_vcpus is 1e400: why"); "" none */
    char json_refused[160];
    /* xl text: bit m when xl 4.m would not take it (its grammar, or
     * parse_config_data(): xs_xl_config_refused()) */
    uint32_t refused;
};
/* The optional data: a 4-byte config length, then the config.  held bytes
 * of len are in p. */
/* minor: the Xen 4.x whose xl reads the config (verify --xen, convert
 * --to-xen), 0 for the newest read (XS_RELEASE_LAST); below 4.6, 4.6's. */
void xs_xl_check_optdata(const struct xs_xl_hdr *h, const uint8_t *p,
                         size_t held, uint64_t at, unsigned minor,
                         struct xs_report *rep, struct xs_xl_config *cfg);
/* Would xl 4.minor restore read this config text (libxlutil's lexer and
 * grammar)?  NULL, or what is wrong with the line and the offset of the
 * token where it went wrong. */
const char *xs_xl_config_text_error(const char *cfg, size_t n, unsigned minor,
                                    unsigned *line, size_t *at);
/* What xl 4.minor's parse_config_data() refuses in config text that the
 * grammar reads (the caller checked): NULL, or what is wrong (written
 * into why, whysz bytes), its rule (xl.config.type, .name, .uuid, .vcpus,
 * .cpus, .grant, .action, .kernel, .hvm, ... and one per device list),
 * and the line and offset of the key (line 1, offset 0 for a key that is
 * missing). */
const char *xs_xl_config_refusal(const char *cfg, size_t n, unsigned minor,
                                 char *why, size_t whysz, const char **rule,
                                 unsigned *line, size_t *at);
/* Bit m for each release 4.m (XS_RELEASE_FIRST to XS_RELEASE_LAST) whose
 * xl would not take this config text (either of the two above). */
uint32_t xs_xl_config_refused(const char *cfg, size_t n);
/* Domain name, memory, vcpus and type from a config (libxl JSON, or xl
 * config text). */
void xs_xl_parse_config(const char *cfg, size_t n, bool json,
                        struct xs_xl_config *out);
/* A JSON config (n bytes, its NUL counted) with b_info.cpuid in the
 * array form libxl 4.17 and older read (libxl_cpuid.c
 * libxl__cpuid_policy_list_parse_json() at RELEASE-4.17.0): 4.18's
 * {"cpuid": [...], "msr": [...]} becomes its cpuid array.  XS_OK with
 * out holding the new config and its NUL; XS_INVALID with *why when it
 * has no such form (MSR entries), XS_IO. */
int xs_xl_config_cpuid_array(const char *cfg, size_t n, struct xs_buf *out,
                             const char **why);
/* The fields of the header and of the optional data, n bytes at p as
 * xs_walk() passes them (xs_describe_header()). */
void xs_xl_describe_hdr(const uint8_t *p, uint64_t n, xs_field_fn fn,
                        void *ctx);
void xs_xl_describe_optdata(const uint8_t *p, uint64_t n, xs_field_fn fn,
                            void *ctx);

#endif
