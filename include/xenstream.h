/* xenstream: read, check, upgrade and write Xen domain save images.
 *
 * The one public header of libxenstream (pkg-config: xenstream).  Every
 * function declared here is exported by libxenstream.so, and nothing else
 * is; the xenstream command itself is built on this header alone.  The
 * layouts of the structs declared here may change with the SONAME
 * (libxenstream.so.0) while the version is 0.x; xs_in, xs_out, xs_image
 * and xs_pfn_set are opaque.  What the tool promises is
 * docs/behaviour.md; how the library is built, HACKING.md.
 *
 * Data flow (see HACKING.md):
 *
 *   xs_in ─► reader ─► xs_record ─► validate ─► compat ─► writer ─► xs_out
 *   (fileio)           (model)      (rules)   (passes)  (canonical)
 *   with each layer's bytes (formats/) decoded and checked on the way
 *
 * Records flow one at a time.  A record's small body is held in memory; its
 * bulk (the pages of PAGE_DATA, the body of an unknown optional record) stays
 * in the input as a "payload" that the consumer copies to the output or skips.
 * Memory therefore does not grow with the image.
 */
#ifndef XENSTREAM_H
#define XENSTREAM_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* ---- status codes: identical to the CLI exit statuses (docs/behaviour.md §4) ---- */
enum xs_status {
    XS_OK = 0,      /* success; for verify: valid */
    XS_INVALID = 1, /* stream invalid, truncated or unsupported */
    XS_USAGE = 2,   /* bad option or argument */
    XS_IO = 3,      /* I/O or system error */
};

const char *xs_version_string(void);

/* ---- growable byte buffer ---- */
struct xs_buf {
    uint8_t *p;
    size_t len;
    size_t cap;
};
int xs_buf_reserve(struct xs_buf *b, size_t cap); /* XS_OK or XS_IO */
void xs_buf_free(struct xs_buf *b);

/* ---- findings ---- */
/* A note is a fact worth saying that is not a fault (xl's migration
 * handshake after END); it never fails a run, even with --strict. */
enum xs_severity { XS_SEV_ERROR, XS_SEV_WARNING, XS_SEV_NOTE };

struct xs_finding {
    enum xs_severity sev;
    const char *rule;  /* stable identifier, e.g. "libxc.sde.missing" */
    uint64_t offset;   /* byte offset in the (decoded) input */
    int64_t index;     /* record index in its layer, -1 for a header */
    char where[48];    /* record type name, or "libxc image header" ... */
    /* Allocated to fit (a message can carry a path of any length), at
     * most XS_FINDING_MSG_MAX bytes: longer ones lose their middle, so
     * that the reason at the end survives.  Owned by the report. */
    char *msg;
};
#define XS_FINDING_MSG_MAX 16384

struct xs_report;
typedef void (*xs_finding_fn)(const struct xs_report *rep,
                              const struct xs_finding *f, void *ctx);

struct xs_report {
    const char *file;          /* the name shown in messages */
    unsigned errors;
    unsigned warnings;
    unsigned notes;
    xs_finding_fn sink;        /* called for each finding as it is made */
    void *sink_ctx;
    struct xs_finding *kept;   /* the first XS_REPORT_KEEP findings */
    size_t nkept;
    bool quiet;                /* drop warnings (a repeated pass) */
};
#define XS_REPORT_KEEP 4096

void xs_report_init(struct xs_report *rep, const char *file);
void xs_report_free(struct xs_report *rep);
void xs_report_add(struct xs_report *rep, enum xs_severity sev,
                   const char *rule, uint64_t offset, int64_t index,
                   const char *where, const char *fmt, ...)
    __attribute__((format(printf, 7, 8)));
/* "FILE: offset 0xOFF record #N TYPE: message" (cut to outsz; the print
 * sink prints the whole line) */
void xs_finding_format(const struct xs_report *rep, const struct xs_finding *f,
                       char *out, size_t outsz);
void xs_report_print_sink(const struct xs_report *rep,
                          const struct xs_finding *f, void *ctx);
/* ---- text for a person ----
 * Every human-readable line (the findings, the text output of verify,
 * info, dump, digest and diff, restore's messages) goes through
 * xs_text_write(): what it prints comes in part from the image or its
 * name, and raw control bytes there would drive the reader's terminal
 * (ESC sequences that set its title, clear it or move the cursor, a \r or
 * \b that writes over "INVALID" a forged "OK", a \n that forges a line).
 * Valid UTF-8 (xs_utf8_seq()) is written as it is, except:
 *   - C0 controls U+0000-U+001F and DEL U+007F: \b \t \n \r by name,
 *     the others \xNN (ESC is \x1b);
 *   - the backslash itself: \\ (so that every escape reads one way);
 *   - C1 controls U+0080-U+009F (0xc2 0x80-0x9f; CSI is U+009B), the
 *     line and paragraph separators U+2028-U+2029 and the bidirectional
 *     embeddings, overrides and isolates U+202A-U+202E, U+2066-U+2069
 *     (which can show text in another order than it is): \uNNNN;
 * and each byte that is not part of a valid UTF-8 sequence (a lone 0x9b
 * is CSI to a terminal in an 8-bit locale) is \xNN.  Printable text,
 * non-ASCII letters included, is unchanged. */
/* Length of the valid UTF-8 sequence at p (at most n bytes; RFC 3629: no
 * overlong forms, no surrogates, nothing above U+10FFFF), 0 if none. */
size_t xs_utf8_seq(const unsigned char *p, size_t n);
void xs_text_write(FILE *fp, const char *s, size_t n);
/* printf through xs_text_write(), but for a '\n' that ends the output,
 * which is written as it is (each format prints at most one line). */
void xs_text_printf(FILE *fp, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void xs_text_vprintf(FILE *fp, const char *fmt, va_list ap)
    __attribute__((format(printf, 2, 0)));
/* A message allocated to fit, at most XS_FINDING_MSG_MAX bytes: a longer
 * one keeps its start and its end with "[...]" between them, as the
 * findings keep theirs.  NULL only when memory ran out. */
char *xs_msg_vformat(const char *fmt, va_list ap)
    __attribute__((format(printf, 1, 0)));
char *xs_msg_format(const char *fmt, ...)
    __attribute__((format(printf, 1, 2)));

/* The first kept finding of this rule, or NULL (tests use it). */
const struct xs_finding *xs_report_find(const struct xs_report *rep,
                                        const char *rule);

/* ---- input and output (core/fileio.c: all file and pipe handling) ---- */
struct xs_in;
struct xs_out;

/* "-" means standard input / standard output.  Errors are reported to rep
 * (as I/O errors, with strerror) and NULL is returned. */
struct xs_in *xs_in_open(const char *path, struct xs_report *rep);
/* own: close fd with the stream. */
struct xs_in *xs_in_from_fd(int fd, const char *name, bool own,
                            struct xs_report *rep);
void xs_in_close(struct xs_in *in);
/* The rest of in (decoded, if a transport was pushed), copied into an unlinked
 * temporary file in dir, as a new regular-file input under in's name: a
 * pipe made seekable, so that it can be checked whole before it is used.
 * NULL on failure (reported). */
struct xs_in *xs_in_spool(struct xs_in *in, const char *dir,
                          struct xs_report *rep);
bool xs_in_seekable(const struct xs_in *in);
uint64_t xs_in_offset(const struct xs_in *in);   /* logical position */
uint64_t xs_in_bytes_read(const struct xs_in *in); /* actually read */
int xs_in_rewind(struct xs_in *in);
/* What in holds, by its first bytes (through a transport such as gzip,
 * which is then decoded from here on): the name of the layer found
 * ("xl", "libxl", "libvirt", "xenserver", "libxc", or "legacy" for
 * Xen's pre-4.6 format, which is refused), or NULL when it is no Xen
 * image.  Reads no further than detection does, and
 * the input can still be verified or walked after it.  XS_OK, XS_INVALID
 * (compressed data that is damaged from its start) or XS_IO (reported). */
int xs_in_identify(struct xs_in *in, const char **layer);
/* A regular file must keep the size, mtime and ctime it had when opened
 * (docs/behaviour.md §5): XS_OK, XS_INVALID (rule input.changed, reported) or
 * XS_IO.  Every run checks it at its end. */
int xs_in_unchanged(struct xs_in *in);

/* A store of images: a directory walk for verify -r.  Each entry below
 * root, in byte order of names, depth first (a subdirectory's entries at
 * its place); directories are entered, not reported.  A symbolic link is
 * reported as such (XS_ENTRY_LINK) unless XS_TREE_FOLLOW, which follows
 * it; a directory is walked once however many links lead to it (a
 * second one, or a loop, is an XS_ENTRY_LINK with what says so), and no
 * deeper than 256 levels.  The root itself is followed if it is a link
 * and held open: *root_fd is its descriptor (or -1), every entry's
 * root_fd, which the caller keeps open while it opens entries and then
 * closes.  fn returns 0 to go on; anything else stops the walk and is
 * returned. */
enum xs_entry_type {
    XS_ENTRY_FILE,     /* a regular file */
    XS_ENTRY_LINK,     /* not followed (what says why) */
    XS_ENTRY_SPECIAL,  /* a FIFO, socket or device: what says which */
    XS_ENTRY_ERROR,    /* what failed (what), and errno (err, or 0) */
};
struct xs_entry {
    const char *root;  /* as given */
    int root_fd;       /* the root, held open (AT_FDCWD: rel is a path) */
    const char *rel;   /* below root */
    const char *path;  /* root/rel, the name shown */
    enum xs_entry_type type;
    const char *what;
    int err;
};
#define XS_TREE_FOLLOW 1u
typedef int (*xs_tree_fn)(void *ctx, const struct xs_entry *e);
int xs_tree_walk(const char *root, unsigned flags, xs_tree_fn fn, void *ctx,
                 int *root_fd);
/* The entry the walk would make of a path named by the caller (a file
 * list; root_fd AT_FDCWD), its links followed (open it with follow). */
void xs_entry_stat(const char *path, struct xs_entry *e);
/* Open a file the walk found, safely for a store others can write: below
 * the root's descriptor, never through a symbolic link in any component
 * unless follow (openat2's RESOLVE_NO_SYMLINKS, or O_NOFOLLOW on the last
 * component where the kernel lacks it); first with O_PATH, which opens
 * nothing, and for reading only when that is a regular file (through
 * /proc/self/fd: the same inode, no path again), so that no device or
 * FIFO is ever opened, whatever replaced the file since the walk.  An
 * XS_ENTRY_SPECIAL entry, or anything but a regular file found there, is
 * reported (rule input.not_regular: an invalid input).  NULL when nothing
 * was opened (reported). */
struct xs_in *xs_in_open_entry(const struct xs_entry *e, bool follow,
                               struct xs_report *rep);

/* Progress of a long run: fn is called as the input advances (every few
 * MiB), with the logical offset, the bytes actually read and the size of
 * a regular file (0 when unknown).  Rate-limiting is the caller's. */
struct xs_progress {
    uint64_t offset;    /* logical (decoded) bytes done */
    uint64_t read;      /* bytes read from the file (compressed, through
                           a transport) */
    uint64_t size;      /* file size, 0 for a pipe */
    bool gzip;          /* through a transport (gzip or zstd) */
};
typedef void (*xs_progress_fn)(void *ctx, const struct xs_progress *p);
void xs_in_set_progress(struct xs_in *in, xs_progress_fn fn, void *ctx);

/* OUT "-" is standard output.  A path is followed through symbolic links
 * to its final target: a regular file (or none yet) is written to a
 * temporary file beside the target and renamed onto it by
 * xs_out_commit(), keeping the replaced file's owner, group, mode and
 * extended attributes (ACLs) where the caller may set them, never a
 * setuid/setgid bit for another owner; xs_out_abort() removes it.  A
 * device, FIFO or socket is written directly, and a path that is this
 * process's standard output is written as standard output (docs/behaviour.md §5). */
struct xs_out *xs_out_open(const char *path, struct xs_report *rep);
struct xs_out *xs_out_from_fd(int fd, const char *name, bool own,
                              struct xs_report *rep);
int xs_out_commit(struct xs_out *out);
/* fsync the file and its directory before/after the rename (off by
 * default, as for cp, gzip and zstd: it forces the whole image to disk). */
void xs_out_set_fsync(struct xs_out *out, bool on);
void xs_out_abort(struct xs_out *out);
/* Compress everything written with gzip or zstd (call before the first
 * write; one of them).  gzip: level on gzip's scale 0-9 (ISA-L builds map
 * it onto ISA-L's levels 0-3: 0, 1-3, 4-6, 7-9), written as independent
 * 1 MiB members; zstd: levels 1-19, one frame with a checksum.  A
 * negative level is the default (the fastest useful one, 1), for both.
 * The bytes written depend on the level and the build's gzip codec
 * (xs_gzip_codec()), never on the number of threads. */
#define XS_GZIP_LEVEL_DEFAULT 1
#define XS_ZSTD_LEVEL_DEFAULT 1
int xs_out_set_gzip(struct xs_out *out, int level);
int xs_out_set_zstd(struct xs_out *out, int level);
/* Compression threads (0, the default: the cores this process may run
 * on); before the first write. */
void xs_out_set_threads(struct xs_out *out, unsigned n);
/* "ISA-L" or "zlib": the gzip codec this library was built with. */
const char *xs_gzip_codec(void);
uint64_t xs_out_written(const struct xs_out *out);
/* Why OUT may not be written for IN, or NULL when it may (docs/behaviour.md §5):
 * OUT is the input file itself (by any path, or as standard output,
 * also appended to), unless in_place; with in_place, OUT (= IN) must be
 * a regular file (through links); a terminal never gets a binary stream.
 * in may be NULL before the input is opened (then not compared). */
const char *xs_out_refusal(const struct xs_in *in, const char *out_path,
                           bool in_place);
/* Remove any pending temporary output on SIGINT/SIGTERM/SIGHUP. */
void xs_install_signal_cleanup(void);

/* ---- the record model ---- */
/* A libxc domain header's guest type. */
enum xs_guest { XS_GUEST_X86_PV = 1, XS_GUEST_X86_HVM = 2 };
/* END is type 0 in a libxc and in a libxl stream. */
#define XS_RECORD_END 0u

struct xs_record {
    uint32_t type;
    uint32_t length;    /* body length as in the stream */
    uint64_t offset;    /* offset of the record header in the input */
    int64_t index;      /* index within its libxc stream */
    const uint8_t *body;/* the held part of the body */
    uint32_t held;      /* bytes of body held; length - held is payload */
    bool synthetic;     /* made by a pass, not read from the input */
};

static inline uint64_t xs_record_payload(const struct xs_record *r)
{
    return (uint64_t)r->length - r->held;
}

/* An in-memory list of records (small bodies only: payloads are not held).
 * Used by tests and by tools that want the whole picture of a small stream;
 * the streaming pipeline never builds one. */
struct xs_record_list {
    struct xs_record *v;
    size_t n;
    size_t cap;
};
int xs_record_list_push(struct xs_record_list *l, const struct xs_record *r);
void xs_record_list_free(struct xs_record_list *l);

/* ---- pages ----
 * A PAGE_DATA record's held body is its pfn array; the pages follow as
 * payload.  A save writes pfns in batches of consecutive pfns of one type:
 * xs_page_data_runs() calls fn for each such run of entries (first pfn,
 * how many, their type 0-15) in record order, and returns the number of
 * entries walked (those the held body holds).  Types with a page of data:
 * xs_page_type_has_data(). */
typedef void (*xs_pfn_run_fn)(void *ctx, uint64_t pfn, uint32_t n,
                              unsigned type);
uint32_t xs_page_data_runs(const struct xs_record *r, xs_pfn_run_fn fn,
                           void *ctx);
bool xs_page_type_has_data(unsigned type);

/* A set of distinct pfns, kept as runs (a live migration's later rounds
 * re-send pfns inside the first round's runs, so a real image needs few):
 * O(log n) per run added in any order, at most max_runs runs, past which
 * its count is unknown.  NULL when memory ran out. */
struct xs_pfn_set;
struct xs_pfn_set *xs_pfn_set_new(size_t max_runs);
void xs_pfn_set_free(struct xs_pfn_set *s);
void xs_pfn_set_add(struct xs_pfn_set *s, uint64_t first, uint64_t last);
/* The number of pfns in the set; false (unknown) past max_runs. */
bool xs_pfn_set_count(const struct xs_pfn_set *s, uint64_t *n);

/* ---- the compat pass (core/compat.c) ----
 * For a v2 stream, inserts STATIC_DATA_END where Xen's restore infers it;
 * for any stream, drops the erratum's zero-content records.  Towards v2 it
 * drops STATIC_DATA_END (and, when asked, the CPU policy records) instead.
 * A streaming filter: each input record yields zero, one or two output
 * records. */
struct xs_compat {
    unsigned version;   /* input image version */
    uint32_t guest;     /* domain header type */
    unsigned to_version;/* 3 (upgrade) or 2 (downgrade) */
    bool drop_policy;   /* drop the CPU policy records (either way) */
    bool sde_done;      /* STATIC_DATA_END seen or inserted */
    unsigned inserted;  /* records inserted */
    unsigned dropped;   /* erratum records dropped */
    unsigned sde_dropped;    /* to v2 */
    unsigned policy_dropped; /* drop_policy */
    /* convert --to-xen: the release written for (NULL: none); HVM save
     * descriptors rewritten to its lengths (and the body that holds the
     * rewritten HVM_CONTEXT, freed by xs_compat_free()) */
    const struct xs_release *to_xen;
    unsigned hvm_rewritten;
    unsigned msrs_left_out; /* MSR policy entries it has no field for */
    struct xs_buf hvm_body;  /* (also the rewritten X86_MSR_POLICY's) */
};
typedef int (*xs_emit_fn)(const struct xs_record *r, void *ctx);
void xs_compat_init(struct xs_compat *c, unsigned version, uint32_t guest);
/* The pass towards v2 instead (call after xs_compat_init). */
void xs_compat_to_v2(struct xs_compat *c, bool drop_policy);
/* The CPU policy records dropped in a v3 output too: Xen 4.14+ restores
 * a v3 stream without them, deriving the policy as for a v2 one
 * (libxl_create.c libxl__srm_callout_callback_static_data_done(),
 * RELEASE-4.14.0). */
void xs_compat_drop_policy(struct xs_compat *c);
/* What release rel restores (convert --to-xen; after the two above):
 * HVM save descriptors rewritten to the lengths rel reads. */
void xs_compat_to_xen(struct xs_compat *c, const struct xs_release *rel);
void xs_compat_free(struct xs_compat *c);
/* A record the pass cannot carry to its target: reported, true. */
bool xs_compat_refuse(const struct xs_compat *c, const struct xs_record *r,
                      struct xs_report *rep);
int xs_compat_push(struct xs_compat *c, const struct xs_record *r,
                   xs_emit_fn emit, void *ctx);
/* The same pass over a whole list: out receives the resulting records. */
int xs_compat_apply(struct xs_compat *c, const struct xs_record_list *in,
                    struct xs_record_list *out);

/* ---- whole-stream operations (core/pipeline.c) ---- */
#define XS_SUM_LIBXC_TYPES 0x14 /* known libxc types, then "other" */
#define XS_SUM_LIBXL_TYPES 7    /* known libxl types, then "other" */
#define XS_SUM_HVM_CODES 21     /* HVM save typecodes 0..HVM_SAVE_CODE_MAX */
enum xs_trailer { XS_TRAILER_NONE, XS_TRAILER_XL_MIGRATE, XS_TRAILER_OTHER };

/* The Xen releases xenstream knows (core/release.c, below) */
#define XS_RELEASE_FIRST 6u /* 4.6: the first release with the v2 format */
#define XS_RELEASE_LAST 22u /* the newest release whose sources were read */
#define XS_PATCH_NONE 0xffu /* no point release of a branch (policy_patch) */

/* What a pass learnt about a stream: the facts `info` shows. */
struct xs_summary {
    char layers[64];        /* outermost first, e.g. "gzip+xl+libxl+libxc" */
    /* libxc */
    unsigned version;       /* libxc image version */
    uint32_t guest;         /* domain header type */
    unsigned page_shift;
    uint32_t xen_major, xen_minor; /* the Xen that saved it */
    unsigned pv_width;      /* PV guest width in bytes (X86_PV_INFO) */
    unsigned pv_levels;
    uint64_t p2m_end_pfn;   /* PV: last pfn of the p2m (X86_PV_P2M_FRAMES) */
    unsigned vcpus;         /* PV: highest vcpu id + 1; HVM: CPU records */
    uint64_t records;       /* libxc records read */
    uint64_t rec_count[XS_SUM_LIBXC_TYPES];
    uint64_t pages;         /* pfn entries with page data */
    uint64_t page_types[16];/* pfn entries by type */
    uint64_t max_pfn;       /* highest pfn in PAGE_DATA */
    unsigned checkpoints;   /* libxc CHECKPOINT records */
    /* libxl */
    bool libxl;             /* a libxl stream was entered */
    bool libxl_legacy;      /* made by convert-legacy-stream */
    uint64_t libxl_count[XS_SUM_LIBXL_TYPES];
    bool unterminated;      /* Remus/COLO capture ending after a checkpoint */
    /* xl header and config */
    bool xl;
    uint32_t xl_mandatory, xl_optional;
    uint32_t config_bytes;
    bool config_json;
    bool have_config;
    char cfg_name[64];
    char cfg_type[16];
    char cfg_type_old[16];  /* the type xl 4.6 to 4.9 create (they read
                               builder= alone, no type=) */
    int64_t cfg_memory_mib; /* -1 unknown */
    int64_t cfg_vcpus;      /* -1 unknown */
    uint64_t cfg_offset;    /* where the config starts in the input */
    bool cfg_cpuid_object;  /* libxl JSON b_info.cpuid in 4.18's object
                               form ({"cpuid": [...], "msr": [...]}) */
    bool cfg_cpuid_msr;     /* ... with MSR entries, or malformed: no
                               older form */
    bool cfg_qemu_trad;     /* device_model_version qemu-xen-traditional */
    uint32_t cfg_refused;   /* bit m: xl 4.m does not take the config
                               text (its grammar or parse_config_data()) */
    /* what releases differ on (core/release.c) */
    bool qemu_trad;         /* libxl emulator records of qemu-traditional */
    uint32_t hvm_len_min[XS_SUM_HVM_CODES]; /* HVM save descriptors by */
    uint32_t hvm_len_max[XS_SUM_HVM_CODES]; /* typecode: shortest, longest */
    uint32_t hvm_len_used[XS_SUM_HVM_CODES];/* longest but trailing zeros */
    bool bhi_dis_s;         /* a vCPU's MSR_SPEC_CTRL has BHI_DIS_S set */
    uint32_t hvm_params_end;/* highest HVM_PARAMS index + 1, 0: none */
    char cpu_vendor[13];    /* the CPUID policy's vendor, "" none */
    /* [m] (4.14+): the first 4.m.y whose x86_cpuid/msr_copy_from_buffer()
     * takes every policy record as it is: 0 for 4.m.0, XS_PATCH_NONE for
     * none xenstream knows (stable releases raised the limits) */
    uint8_t policy_patch[XS_RELEASE_LAST + 1];
    /* [m]: the same, the records as convert --to-xen 4.m.y writes them
     * (the MSRs it has no field for, 0, left out) */
    uint8_t policy_patch_conv[XS_RELEASE_LAST + 1];
    /* after the outermost END */
    enum xs_trailer trailer;
    uint64_t trailer_bytes;
    uint64_t empty_vcpu_blobs; /* erratum 1's empty PV vCPU records */
    /* convert */
    unsigned sde_inserted;  /* STATIC_DATA_END records inserted */
    unsigned sde_dropped;   /* STATIC_DATA_END records dropped (to v2) */
    unsigned policy_dropped;/* CPU policy records dropped (to v2) */
    unsigned dropped;       /* erratum records dropped */
    unsigned hvm_rewritten; /* HVM save records cut or extended (--to-xen) */
    unsigned release_errors;/* findings of verify --xen's release rules */
    uint64_t bytes_in;      /* logical (decoded) input size */
    uint64_t bytes_read;    /* bytes actually read (verify seeks over pages) */
    uint64_t bytes_out;
};

int xs_verify(struct xs_in *in, struct xs_report *rep, struct xs_summary *sum);

/* ---- Xen releases (core/release.c) ----
 * What one release's restore path reads, taken from that release's own
 * sources (git tags RELEASE-4.x.0 of xen-project/xen). */
struct xs_release {
    unsigned major, minor;  /* the release asked about */
    unsigned rules_minor;   /* the 4.x whose rules apply (newest <= minor) */
    unsigned max_version;   /* highest libxc image version read; 0: none */
    uint32_t libxc_types;   /* first libxc record type it does not know */
    bool empty_blobs;       /* tolerates erratum 1's empty vCPU records */
    unsigned patch;         /* the point release asked about (4.19.2: 2) */
    bool cpuid_object;      /* libxl reads 4.18's JSON cpuid object */
    bool qemu_trad;         /* libxl runs qemu-traditional (to 4.20) */
    bool vendor_checked;    /* refuses a CPU vendor not the host's (4.22) */
};
/* "4.13" -> rel; XS_USAGE for anything but 4.N. */
int xs_release_parse(const char *s, struct xs_release *rel);
void xs_release_get(unsigned minor, struct xs_release *rel);
/* Would this release restore the stream the summary describes?  As it
 * is, or as `convert --to-xen` for that release would write it (v2 below
 * 4.14; HVM save records cut to its lengths; the config's cpuid in its
 * form), or that without the CPU policy records (--drop-cpu-policy). */
enum xs_restore_as {
    XS_AS_IS,
    XS_AS_CONVERTED,
    XS_AS_CONVERTED_NO_POLICY,
};
bool xs_release_restores(const struct xs_release *rel,
                         const struct xs_summary *s, enum xs_restore_as as);
/* What makes the stream restorable there: "" nothing, a xenstream
 * command line (without IN/OUT; X.Y stands for the release), or NULL
 * when no conversion can. */
const char *xs_release_remedy(const struct xs_release *rel,
                              const struct xs_summary *s);
/* verify with the rules of one release's restore path on top. */
int xs_verify_for(struct xs_in *in, struct xs_report *rep,
                  struct xs_summary *sum, const struct xs_release *xen);

/* ---- the target host (core/target.c) ----
 * What `xen-cpuid -p` printed on the host an image is to be restored on
 * (Xen 4.14-4.22: its Raw, Host, PV/HVM Max and PV/HVM Default policies),
 * read strictly: NULL with the line that is wrong reported (rule
 * host_policy.syntax, offset of that line). */
struct xs_host_policy;
struct xs_host_policy *xs_host_policy_read(const char *path,
                                           struct xs_report *rep);
void xs_host_policy_free(struct xs_host_policy *hp);
/* What verify checks an image against: a release's rules (xen, may be
 * NULL), and a host's CPU policies (host, may be NULL): what that Xen
 * would refuse (rules host.cpuid.*, host.msr.platform_info, and from
 * 4.22 host.cpu_vendor) and the features the guest would lose there
 * (host.feature_loss: an error, a warning with allow_feature_loss). */
struct xs_target {
    const struct xs_release *xen;
    const struct xs_host_policy *host;
    bool allow_feature_loss;
    /* a conversion's target (xs_convert_opts): only the vendor rule */
    bool vendor_only;
};
int xs_verify_target(struct xs_in *in, struct xs_report *rep,
                     struct xs_summary *sum, const struct xs_target *t);

/* Every header and record of every layer, in input order, as verify reads
 * them (for dump).  header() gets a layer's header bytes as read ("xl",
 * "xl optional data", "libvirt", "xenserver", "xenserver record", "libxl",
 * "libxc"), or for "after END" p NULL and n the byte count.  record() gets
 * each libxl and libxc record with its held body. */
struct xs_visitor {
    void (*header)(void *ctx, const char *layer, uint64_t offset,
                   const uint8_t *p, uint64_t n);
    void (*record)(void *ctx, const char *layer, const struct xs_record *r);
    /* Optional, for diff (each makes the walk read what it would skip):
     * every page of a PAGE_DATA record with its contents, after record()
     * saw the record; and an XXH3-64 of each other record's payload (the
     * part of the body record() did not see). */
    void (*page)(void *ctx, uint64_t pfn, unsigned type, const uint8_t *data);
    void (*payload)(void *ctx, const char *layer, const struct xs_record *r,
                    uint64_t hash);
    void *ctx;
};
int xs_walk(struct xs_in *in, struct xs_report *rep, struct xs_summary *sum,
            const struct xs_visitor *v);
/* Upgrade to canonical v3.  Call xs_upgrade_precheck() first: on a seekable
 * input it runs the checks (seeking over pages) and rewinds, so that an
 * invalid input is refused before any output is opened; on a pipe it does
 * nothing and the single writing pass checks as it goes (withholding END
 * until every rule has passed). */
int xs_upgrade_precheck(struct xs_in *in, struct xs_report *rep,
                        struct xs_summary *sum);
int xs_upgrade(struct xs_in *in, struct xs_out *out, struct xs_report *rep,
               struct xs_summary *sum);

/* Content digests (XXH3-128, libxxhash).  content is over the libxc
 * stream in its canonical v3 form (exactly what upgrade writes for it), so
 * a v2 image and its upgrade have the same digest and any lost or changed
 * byte of a record changes it.  Each container layer present (xl, libxl,
 * libvirt, xenserver, and bytes after END) gets a digest of its own bytes.
 * Digests are in XXH128's canonical (big-endian) byte order.  An invalid
 * stream gets none (XS_INVALID, findings in rep). */
#define XS_DIGEST_LAYERS 5
struct xs_digest {
    uint8_t content[16];
    uint64_t content_bytes;
    unsigned n;
    struct {
        const char *layer;
        uint8_t hash[16];
        uint64_t bytes;
    } layer[XS_DIGEST_LAYERS];
};
int xs_digest(struct xs_in *in, struct xs_report *rep, struct xs_summary *sum,
              struct xs_digest *d);

/* ---- diff (core/diff.c) ----
 * Two images compared by content, whatever their container and version:
 * headers (guest type, page size, the Xen that saved it), the xl config
 * (when both are xl files), the final state of every page by pfn (later
 * records overwrite earlier ones, as a restore would), vCPU contexts, HVM
 * context descriptors, HVM params, CPU policy entries, other records and
 * the emulator records.  Memory grows with the number of distinct pfns
 * (about 32 bytes each), never with page data. */
enum xs_diff_kind {
    XS_DK_HEADER, XS_DK_CONFIG, XS_DK_PAGES, XS_DK_VCPU, XS_DK_HVM_CONTEXT,
    XS_DK_HVM_PARAMS, XS_DK_CPU_POLICY, XS_DK_RECORDS, XS_DK_EMULATOR,
    XS_DK_NR
};
const char *xs_diff_kind_name(enum xs_diff_kind k);
struct xs_difference {
    enum xs_diff_kind kind;
    char what[96];     /* "pfn 0x1a2", "vcpu 0 X86_PV_VCPU_BASIC", ... */
    char a[48], b[48]; /* each side's value, "absent"; a "differs" with b
                          empty when only a hash tells them apart */
    char detail[256];  /* what it means, or "": for a CPU policy register,
                          the features by Xen's names ("avx2 set in A,
                          clear in B") */
};
typedef void (*xs_difference_fn)(void *ctx, const struct xs_difference *d);
struct xs_image;
/* Read (and verify) one image into its model; XS_INVALID for an invalid
 * stream (reported), XS_IO. */
int xs_image_read(struct xs_in *in, struct xs_report *rep,
                  struct xs_summary *sum, struct xs_image **img);
void xs_image_free(struct xs_image *img);
uint64_t xs_image_pages(const struct xs_image *img);
/* Calls fn (when not NULL) for each difference, by kind in enum order and
 * key order within a kind; counts gets each kind's number.  The total, or
 * UINT64_MAX when memory ran out. */
uint64_t xs_image_diff(const struct xs_image *a, const struct xs_image *b,
                       xs_difference_fn fn, void *ctx,
                       uint64_t counts[XS_DK_NR]);

/* ---- guest memory (core/memory.c, core/export.c, core/search.c) ----
 * The guest's memory as the image leaves it: the final state of every
 * pfn, a later transmission of a pfn replacing an earlier one as a
 * restore does (core/diff.c has Xen's rules), entries without data
 * (XTAB, BROKEN, XALLOC) leaving a page as it was.  Held as runs of
 * consecutive pfns -> the input offset of their final pages, never as
 * page data: memory grows with the runs (about 24 bytes each; a save
 * writes pfns in runs of up to 1024), the vCPU contexts (5 KiB each) and
 * one shared info page.
 *
 * The pages are read by offset afterwards, so the input must be a
 * regular file: an input that cannot be read twice (a pipe, gzip, zstd)
 * is first decoded into an unlinked file in spool_dir (refused, XS_USAGE,
 * without one).  An invalid image is refused (XS_INVALID, findings in
 * rep); with partial, a truncated one (only *.truncated errors) gives the
 * pages it holds, and its cut-off pfns are reported (rule
 * export.partial, a warning). */
struct xs_memory;
struct xs_memory_opts {
    bool partial;
    const char *spool_dir;
};
int xs_memory_read(struct xs_in *in, struct xs_report *rep,
                   struct xs_summary *sum, const struct xs_memory_opts *o,
                   struct xs_memory **m);
void xs_memory_free(struct xs_memory *m);
struct xs_memory_info {
    uint64_t pfns;        /* distinct pfns with data, final */
    uint64_t xc_core_pages; /* of them, in an xc-core export (an HVM dump
                               leaves out the VGA and MMIO holes) */
    uint64_t runs;        /* runs of consecutive pfns (PT_LOAD segments) */
    uint64_t max_pfn;     /* highest of them (0 when none) */
    uint64_t sent;        /* pages with data the stream carries */
    uint64_t missing;     /* partial: pfns cut off with no earlier copy */
    uint64_t stale;       /* partial: cut off, an earlier copy exported */
    unsigned vcpus;       /* vCPU contexts found */
    bool shared_info;
    bool spooled;         /* decoded into spool_dir first */
    uint32_t guest;
    unsigned width;       /* guest width in bytes */
};
void xs_memory_get_info(const struct xs_memory *m, struct xs_memory_info *i);
/* Where pfn's final page is in the (decoded) image: true and *offset, or
 * false for a pfn without data. */
bool xs_memory_locate(const struct xs_memory *m, uint64_t pfn,
                      uint64_t *offset);
/* n bytes of guest-physical memory at addr; absent pages read as zeros.
 * XS_OK, XS_IO; XS_USAGE for bytes past the top of the address space. */
int xs_memory_read_at(struct xs_memory *m, uint64_t addr, void *dst,
                      size_t n);

/* The final pages that are all zero (the holes of a sparse raw export):
 * reads every page.  XS_OK, XS_IO, XS_INVALID (rule input.changed: the
 * input was written while it was read, as export and search check too). */
int xs_memory_zero_pages(struct xs_memory *m, uint64_t *zero);

/* export (docs/behaviour.md §8.2): Xen's dump-core ("xc-core", as
 * xl dump-core writes it), a plain ELF64 core (one PT_LOAD per run of
 * consecutive present pfns, NT_PRSTATUS per vCPU), or a raw file whose
 * offsets are guest-physical addresses (absent pages and all-zero pages
 * left as holes unless no_sparse). */
enum xs_export_format { XS_EXPORT_XC_CORE, XS_EXPORT_ELF, XS_EXPORT_RAW };
struct xs_export_opts {
    enum xs_export_format format;
    bool no_sparse;
};
struct xs_export_result {
    uint64_t pages;       /* pages written */
    uint64_t zero_pages;  /* raw: of them, all zero (holes when sparse) */
    uint64_t bytes;       /* the output's size */
};
int xs_export(struct xs_memory *m, struct xs_out *out, struct xs_report *rep,
              const struct xs_export_opts *o, struct xs_export_result *res);
/* A format's name ("xc-core", "elf", "raw") -> XS_OK, else XS_USAGE. */
int xs_export_format_parse(const char *s, enum xs_export_format *f);

/* search: every match in the final state of memory, in address order.
 * Bytes (needle) are found with memmem across the page boundaries of
 * consecutive present pfns; a regex (PCRE2's syntax, on bytes: no UTF,
 * DOTALL, DOLLAR_ENDONLY; NUL bytes are data) is run on each run of
 * consecutive pfns in windows of XS_SEARCH_REGEX_WINDOW bytes that
 * overlap by XS_SEARCH_REGEX_OVERLAP: a regex match is found whole only
 * up to that length (lookbehinds see across a window's edge, as in one
 * scan of the run).  Nothing matches across absent pfns. */
#define XS_SEARCH_REGEX_WINDOW (1u << 20)
#define XS_SEARCH_REGEX_OVERLAP 4096u
struct xs_search_opts {
    const uint8_t *needle; /* bytes, or NULL with regex */
    size_t needle_len;
    const char *regex;
};
struct xs_match {
    uint64_t addr;        /* guest-physical */
    uint64_t pfn;
    uint64_t offset;      /* of its first byte in the (decoded) image */
    uint64_t len;
};
/* fn returns XS_OK to go on; anything else stops the search and is
 * returned. */
typedef int (*xs_match_fn)(void *ctx, const struct xs_match *mt);
/* The pattern alone, before any input is opened: XS_OK, or XS_USAGE with
 * why (a regex that does not compile, bytes of a length outside 1 to
 * XS_SEARCH_REGEX_WINDOW / 2), as xs_search() would report it. */
int xs_search_check(const struct xs_search_opts *o, char *why, size_t n);
int xs_search(struct xs_memory *m, struct xs_report *rep,
              const struct xs_search_opts *o, xs_match_fn fn, void *ctx,
              uint64_t *count);

/* convert: upgrade generalised to either version.  To v2, STATIC_DATA_END
 * is dropped, and the CPU policy records are dropped with drop_cpu_policy
 * or else refused (rule convert.cpu_policy): a v2 restore cannot apply
 * them, and the receiving host derives the policy itself. */
struct xs_convert_opts {
    unsigned to_version;    /* 2 or 3 */
    bool drop_cpu_policy;
    /* convert --to-xen: what that release restores (to_version 2 below
     * 4.14, else 3): HVM save records cut to its lengths when what is cut
     * is zero (LAPIC's pending_esr for 4.20 and older), the xl config's
     * libxl cpuid in the array form of 4.17 and older; refused (rules
     * convert.*) where nothing helps. */
    const struct xs_release *to_xen;
    /* upgrade/convert --config: the domain config written into the xl
     * header instead of the image's (config_len bytes: libxl JSON when it
     * starts with '{', after blanks, else xl config text), checked as the
     * image's own is, and its guest type against the libxc domain
     * header; refused for an image without an xl header. */
    const uint8_t *config;
    size_t config_len;
    /* the host the output is for, the one way to name it (NULL: none):
     * with vendor_only (convert --to-xen --host-policy), what no
     * conversion changes: from 4.22 (to_xen) a CPU vendor other than the
     * host's is refused (convert.cpu_vendor; without a host, a note names
     * the guest's vendor); else every rule of xs_verify_target() (the live
     * backend's running host), a fault like any other. */
    const struct xs_target *target;
};

/* The domain config an xl save file carries, as stored: into cfg, without
 * the NUL a JSON config ends in; *json when it is libxl JSON (the xl
 * header's flag), else xl config text.  The image is verified on the
 * way: the status is verify's (findings in rep), and cfg holds the config
 * whenever it was read.  XS_INVALID with cfg empty when the image has
 * none (rule config.none) or it is beyond what is held (config.too_large). */
int xs_config_read(struct xs_in *in, struct xs_report *rep,
                   struct xs_buf *cfg, bool *json);
int xs_convert_precheck(struct xs_in *in, struct xs_report *rep,
                        struct xs_summary *sum,
                        const struct xs_convert_opts *o);
int xs_convert(struct xs_in *in, struct xs_out *out, struct xs_report *rep,
               struct xs_summary *sum, const struct xs_convert_opts *o);

/* ---- describing headers and records ----
 * The decoded fields of every header and record xs_walk()'s visitor sees
 * (dump prints them; diff and JSON can use them), by the layer names the
 * visitor passes.  Each layer's file in formats/ describes its own; a new
 * record type adds its row there and nothing here.
 *
 * The fields come to fn one at a time, in order.  XS_FIELD_LIST and
 * XS_FIELD_MAP open a container that holds the fields up to the matching
 * XS_FIELD_END; fields inside a list have no name.  Strings (and a
 * name inside a map) live only during the call. */
enum xs_field_kind {
    XS_FIELD_INT,   /* u */
    XS_FIELD_HEX,   /* u, shown as 0x... */
    XS_FIELD_TEXT,  /* s, n: printable ASCII made by xenstream */
    XS_FIELD_BYTES, /* s, n: bytes from the image, any bytes */
    XS_FIELD_TRUE,  /* a flag that is set */
    XS_FIELD_LIST,
    XS_FIELD_MAP,
    XS_FIELD_END,   /* closes the innermost LIST or MAP */
};
struct xs_field {
    enum xs_field_kind kind;
    const char *name; /* NULL inside a list and for END */
    uint64_t u;
    const char *s;
    size_t n;
};
typedef void (*xs_field_fn)(void *ctx, const struct xs_field *f);

/* The fields of a record of layer "libxc" or "libxl" (none for a type
 * the layer does not know), read from its held body only. */
void xs_describe_record(const char *layer, const struct xs_record *r,
                        xs_field_fn fn, void *ctx);
/* The fields of a header as the visitor passes it (layer, p, n); the
 * type to show ("header", "optional data", "signature", a XenServer
 * record's type, "bytes after END") is returned, and *shown gets the
 * layer to show ("xl" for "xl optional data", "trailer" for "after END")
 * and *length the length to show (a XenServer record's own length). */
const char *xs_describe_header(const char *layer, const uint8_t *p,
                               uint64_t n, xs_field_fn fn, void *ctx,
                               const char **shown, uint64_t *length);
/* "PAGE_DATA", "EMULATOR_CONTEXT", or for a type the layer does not know
 * "OPTIONAL_0x80000001", "UNKNOWN_0x00000013", "libxl_0x00000009" in buf. */
const char *xs_record_type_name(const char *layer, uint32_t type,
                                char buf[32]);
/* A PAGE_DATA pfn entry's type (0-15): "NOTAB", "L1TAB_PIN", ... or NULL
 * for a type Xen does not define. */
const char *xs_page_type_name(unsigned type);
/* A libxc domain header's guest type: "x86 PV", "x86 HVM", "unknown". */
const char *xs_guest_name(uint32_t guest);
/* What the held pfn array of a PAGE_DATA record says, for a listing
 * that folds runs of them. */
struct xs_page_counts {
    uint64_t pfns;      /* pfn entries held */
    uint64_t pages;     /* of them, entries with a page of data */
    uint64_t lo, hi;    /* lowest and highest pfn; lo UINT64_MAX: none */
    uint64_t types[16]; /* entries by type */
};
/* False (and c untouched) unless r is a libxc PAGE_DATA record. */
bool xs_page_data_counts(const char *layer, const struct xs_record *r,
                         struct xs_page_counts *c);

#endif
