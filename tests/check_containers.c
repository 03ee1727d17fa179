/* The container layers through the library: golden upgrades for every
 * wrapper x guest type (so every byte outside the libxc stream is kept),
 * pipe equals file, checkpointed and Remus-capture streams, gzip in and
 * out, one case per container rule (rule and offset), what info learns,
 * and truncation at every byte offset of small wrapped images. */
#include <inttypes.h>
#include <check.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>
#include <zstd.h>

#include "layer.h"
#include "endian.h"
#include "libvirt.h"
#include "libxc.h"
#include "libxl.h"
#include "testutil.h"
#include "xenserver.h"
#include "xl.h"

static struct xs_report rep;
static struct xs_buf a, b, c;

static void setup(void)
{
    xs_report_init(&rep, "test");
    memset(&a, 0, sizeof(a));
    memset(&b, 0, sizeof(b));
    memset(&c, 0, sizeof(c));
}

static void teardown(void)
{
    xs_report_free(&rep);
    xs_buf_free(&a);
    xs_buf_free(&b);
    xs_buf_free(&c);
}

static const enum xs_gen_container containers[] = {
    XS_GEN_LIBXL, XS_GEN_XL, XS_GEN_LIBVIRT, XS_GEN_XENSERVER,
};
#define NCONT 4
static const struct {
    uint32_t guest;
    unsigned width;
} guests[] = {
    {XS_GUEST_X86_PV, 8},
    {XS_GUEST_X86_PV, 4},
    {XS_GUEST_X86_HVM, 8},
};
#define NGUEST 3
enum variant { V_PLAIN, V_CHECKPOINT, V_CAPTURE, V_MIGRATE, V_TEXT, V_NR };

static void opts(struct xs_gen_opts *o, int i, unsigned version)
{
    int cont = i / (NGUEST * V_NR), g = i / V_NR % NGUEST, v = i % V_NR;
    xs_gen_defaults(o);
    o->container = containers[cont];
    o->guest = guests[g].guest;
    o->width = guests[g].width;
    o->version = version;
    o->policy = 0;
    o->pages = 600;
    o->batch = 128;
    o->checkpoint = v == V_CHECKPOINT || v == V_CAPTURE;
    o->unterminated = v == V_CAPTURE && o->container != XS_GEN_XENSERVER;
    o->migrate = v == V_MIGRATE;
    o->text_config = v == V_TEXT;
}

/* _i: container, guest, variant */
START_TEST(golden_containers)
{
    TU_SAMPLED(_i);
    struct xs_gen_opts o;
    opts(&o, _i, 2);
    tu_gen(&o, &a);
    opts(&o, _i, 3);
    tu_gen(&o, &c);
    ck_assert_int_eq(tu_upgrade(&a, &b, &rep, false), XS_OK);
    ck_assert_uint_eq(rep.errors, 0);
    tu_assert_same(&b, &c, "upgrade against golden");
    /* idempotent, and the same through a pipe */
    ck_assert_int_eq(tu_upgrade(&c, &b, &rep, false), XS_OK);
    tu_assert_same(&b, &c, "upgrade of canonical v3");
    ck_assert_int_eq(tu_upgrade(&a, &b, &rep, true), XS_OK);
    tu_assert_same(&b, &c, "pipe against golden");
}
END_TEST

/* convert both ways: _i as for golden_containers, then bare libxc for
 * each guest type */
#define NCONVERT (NCONT * NGUEST * V_NR + NGUEST)
static void convert_opts(struct xs_gen_opts *o, int i, unsigned version,
                         int policy)
{
    if (i < NCONT * NGUEST * V_NR) {
        opts(o, i, version);
    } else {
        opts(o, (i - NCONT * NGUEST * V_NR) * V_NR, version);
        o->container = XS_GEN_LIBXC;
    }
    o->policy = policy;
}

START_TEST(convert_round_trips)
{
    TU_SAMPLED(_i);
    static const struct xs_convert_opts to2 = {.to_version = 2},
                                        to2_drop = {.to_version = 2,
                                                    .drop_cpu_policy = true},
                                        to3 = {.to_version = 3};
    struct xs_gen_opts o;
    struct xs_buf v3p = {0}, w = {0};
    convert_opts(&o, _i, 2, 0);
    tu_gen(&o, &a);           /* v2 */
    convert_opts(&o, _i, 3, 0);
    tu_gen(&o, &c);           /* v3 without CPU policy records */
    convert_opts(&o, _i, 3, 1);
    tu_gen(&o, &v3p);         /* v3 as Xen 4.14+ saves it */

    /* v3 -> v2 drops STATIC_DATA_END and (asked) the policy records: the
     * generator's v2 form, from a file and from a pipe */
    ck_assert_int_eq(tu_convert(&v3p, &b, &rep, false, &to2_drop), XS_OK);
    tu_assert_same(&b, &a, "v3 -> v2");
    ck_assert_int_eq(tu_convert(&v3p, &b, &rep, true, &to2_drop), XS_OK);
    tu_assert_same(&b, &a, "v3 -> v2 through a pipe");
    /* v3 -> v2 -> v3: the original minus the policy records */
    ck_assert_int_eq(tu_convert(&b, &w, &rep, false, &to3), XS_OK);
    tu_assert_same(&w, &c, "v3 -> v2 -> v3");
    /* v2 -> v3 -> v2: the original bytes; v2 -> v2 is idempotent */
    ck_assert_int_eq(tu_convert(&a, &w, &rep, false, &to3), XS_OK);
    ck_assert_int_eq(tu_convert(&w, &b, &rep, false, &to2), XS_OK);
    tu_assert_same(&b, &a, "v2 -> v3 -> v2");
    ck_assert_int_eq(tu_convert(&a, &b, &rep, true, &to2), XS_OK);
    tu_assert_same(&b, &a, "v2 -> v2");
    ck_assert_uint_eq(rep.errors, 0);

    /* without --drop-cpu-policy: refused at the first policy record, with
     * nothing of the stream written, from a file and from a pipe */
    for (int pipe = 0; pipe < 2; pipe++) {
        xs_report_free(&rep);
        xs_report_init(&rep, "test");
        ck_assert_int_eq(tu_convert(&v3p, &b, &rep, pipe, &to2), XS_INVALID);
        const struct xs_finding *f = xs_report_find(&rep, "convert.cpu_policy");
        ck_assert_ptr_nonnull(f);
        ck_assert_uint_eq(rep.errors, 1);
        ck_assert_uint_lt(f->offset + 8, v3p.len);
        ck_assert_uint_eq(xs_le32(v3p.p + f->offset), XS_REC_X86_CPUID_POLICY);
        ck_assert_int_eq(f->index, o.guest == XS_GUEST_X86_PV ? 1 : 0);
        /* a pipe may have passed the container headers before the fault */
        if (pipe)
            ck_assert_uint_le(b.len, f->offset);
        else
            ck_assert_uint_eq(b.len, 0);
    }
    xs_buf_free(&v3p);
    xs_buf_free(&w);
}
END_TEST

static void gzip_buf(const struct xs_buf *in, struct xs_buf *out)
{
    uLong bound = compressBound(in->len) + 64;
    z_stream z;
    memset(&z, 0, sizeof(z));
    ck_assert_int_eq(deflateInit2(&z, 6, Z_DEFLATED, 15 + 16, 8,
                                  Z_DEFAULT_STRATEGY), Z_OK);
    out->len = 0;
    ck_assert_int_eq(xs_buf_reserve(out, bound), XS_OK);
    z.next_in = in->p;
    z.avail_in = (uInt)in->len;
    z.next_out = out->p;
    z.avail_out = (uInt)bound;
    ck_assert_int_eq(deflate(&z, Z_FINISH), Z_STREAM_END);
    out->len = z.total_out;
    deflateEnd(&z);
}

/* Every member, as gzip -dc (the writer writes 1 MiB members). */
static void gunzip_buf(const struct xs_buf *in, struct xs_buf *out)
{
    z_stream z;
    memset(&z, 0, sizeof(z));
    ck_assert_int_eq(inflateInit2(&z, 15 + 16), Z_OK);
    out->len = 0;
    z.next_in = in->p;
    z.avail_in = (uInt)in->len;
    int zr;
    do {
        ck_assert_int_eq(xs_buf_reserve(out, out->len + 65536), XS_OK);
        z.next_out = out->p + out->len;
        z.avail_out = 65536;
        zr = inflate(&z, Z_NO_FLUSH);
        ck_assert(zr == Z_OK || zr == Z_STREAM_END);
        out->len += 65536 - z.avail_out;
        if (zr == Z_STREAM_END && z.avail_in) {
            ck_assert_int_eq(inflateReset(&z), Z_OK);
            zr = Z_OK;
        }
    } while (zr != Z_STREAM_END);
    inflateEnd(&z);
}

START_TEST(gzip_in_and_out)
{
    TU_SAMPLED(_i);
    struct xs_gen_opts o;
    struct xs_buf z = {0}, w = {0};
    opts(&o, _i, 2);
    tu_gen(&o, &a);
    opts(&o, _i, 3);
    tu_gen(&o, &c);
    gzip_buf(&a, &z);
    /* decoded on the fly, from a file and from a pipe */
    ck_assert_int_eq(tu_upgrade(&z, &b, &rep, false), XS_OK);
    tu_assert_same(&b, &c, "gzip input against golden");
    ck_assert_int_eq(tu_upgrade(&z, &b, &rep, true), XS_OK);
    tu_assert_same(&b, &c, "gzip pipe against golden");
    struct xs_summary s;
    struct xs_in *in = tu_in_mem(z.p, z.len, &rep);
    ck_assert_int_eq(xs_verify(in, &rep, &s), XS_OK);
    xs_in_close(in);
    ck_assert(strncmp(s.layers, "gzip+", 5) == 0);
    ck_assert_uint_eq(s.bytes_in, a.len);
    /* compressed output decodes to the golden bytes */
    int fd;
    in = tu_in_mem(a.p, a.len, &rep);
    struct xs_out *out = tu_out_mem(&rep, &fd);
    ck_assert_int_eq(xs_out_set_gzip(out, 6), XS_OK);
    ck_assert_int_eq(xs_upgrade_precheck(in, &rep, NULL), XS_OK);
    ck_assert_int_eq(xs_upgrade(in, out, &rep, NULL), XS_OK);
    ck_assert_int_eq(xs_out_commit(out), XS_OK);
    xs_in_close(in);
    tu_out_take(fd, &w);
    gunzip_buf(&w, &b);
    tu_assert_same(&b, &c, "gzip output against golden");
    xs_buf_free(&z);
    xs_buf_free(&w);
}
END_TEST

START_TEST(gzip_faults)
{
    struct xs_gen_opts o;
    struct xs_buf z = {0};
    opts(&o, V_NR * NGUEST + V_PLAIN, 2); /* xl, PV */
    tu_gen(&o, &a);
    gzip_buf(&a, &z);
    /* A gzip input is checked on its way through (no second pass): the
     * final END stays in the output buffer until the gzip trailer has
     * been checked, so a refused run never hands it on. */
    static const struct {
        size_t at;       /* from the end; 0: cut the 8-byte trailer off */
        const char *rule;
    } cases[] = {{0, "gzip.truncated"}, {6, "gzip.corrupt"}};
    for (unsigned k = 0; k < 3; k++) {
        struct xs_buf zz = {0};
        ck_assert_int_eq(xs_buf_reserve(&zz, z.len), XS_OK);
        memcpy(zz.p, z.p, zz.len = z.len);
        const char *rule = k < 2 ? cases[k].rule : "gzip.corrupt";
        if (k == 0)
            zz.len -= 8;
        else if (k == 1)
            zz.p[zz.len - cases[k].at] ^= 1; /* the CRC */
        else
            zz.p[zz.len / 2] ^= 0x55;        /* the deflate data */
        xs_report_free(&rep);
        xs_report_init(&rep, "t");
        ck_assert_int_eq(tu_verify(&zz, &rep), XS_INVALID);
        ck_assert_msg(xs_report_find(&rep, rule), "%s not reported", rule);
        ck_assert_uint_eq(rep.errors, 1);
        if (k == 0) /* a gzip finding names the compressed offset */
            ck_assert_uint_eq(xs_report_find(&rep, rule)->offset, zz.len);
        int fd;
        struct xs_in *in = tu_in_mem(zz.p, zz.len, &rep);
        struct xs_out *out = tu_out_mem(&rep, &fd);
        ck_assert_int_eq(xs_upgrade_precheck(in, &rep, NULL), XS_OK);
        ck_assert_int_eq(xs_upgrade(in, out, &rep, NULL), XS_INVALID);
        xs_out_abort(out); /* what the CLI does on failure */
        xs_in_close(in);
        tu_out_take(fd, &b);
        ck_assert_uint_lt(b.len, a.len); /* never the whole stream */
        xs_buf_free(&zz);
    }
    xs_buf_free(&z);
    /* damaged from its first block (nothing decodes): still a "gzip"
     * input in the summary, as verify --json and info report it */
    static const uint8_t bad[] = {0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3,
                                  0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
    struct xs_summary s;
    xs_report_free(&rep);
    xs_report_init(&rep, "t");
    struct xs_in *in = tu_in_mem(bad, sizeof(bad), &rep);
    ck_assert_int_eq(xs_verify(in, &rep, &s), XS_INVALID);
    xs_in_close(in);
    ck_assert(xs_report_find(&rep, "gzip.corrupt") != NULL);
    ck_assert_str_eq(s.layers, "gzip");
}
END_TEST

/* zstd as the zstd tool writes it: one frame, with its checksum. */
static void zstd_buf(const struct xs_buf *in, struct xs_buf *out, int level)
{
    ZSTD_CCtx *cc = ZSTD_createCCtx();
    ck_assert_ptr_nonnull(cc);
    ck_assert(!ZSTD_isError(ZSTD_CCtx_setParameter(cc, ZSTD_c_checksumFlag, 1)));
    ck_assert(!ZSTD_isError(ZSTD_CCtx_setParameter(cc, ZSTD_c_compressionLevel,
                                                   level)));
    size_t bound = ZSTD_compressBound(in->len);
    out->len = 0;
    ck_assert_int_eq(xs_buf_reserve(out, bound), XS_OK);
    out->len = ZSTD_compress2(cc, out->p, bound, in->p, in->len);
    ck_assert(!ZSTD_isError(out->len));
    ZSTD_freeCCtx(cc);
}

static void unzstd_buf(const struct xs_buf *in, struct xs_buf *out)
{
    ZSTD_DCtx *d = ZSTD_createDCtx();
    ZSTD_inBuffer ib = {in->p, in->len, 0};
    out->len = 0;
    while (ib.pos < ib.size) {
        ck_assert_int_eq(xs_buf_reserve(out, out->len + 65536), XS_OK);
        ZSTD_outBuffer ob = {out->p + out->len, 65536, 0};
        size_t r = ZSTD_decompressStream(d, &ob, &ib);
        ck_assert(!ZSTD_isError(r));
        out->len += ob.pos;
        if (ob.pos == 0 && r != 0 && ib.pos == ib.size)
            break;
    }
    ZSTD_freeDCtx(d);
}

START_TEST(zstd_in_and_out)
{
    TU_SAMPLED(_i);
    struct xs_gen_opts o;
    struct xs_buf z = {0}, w = {0};
    opts(&o, _i, 2);
    tu_gen(&o, &a);
    opts(&o, _i, 3);
    tu_gen(&o, &c);
    zstd_buf(&a, &z, 3);
    /* decoded on the fly, from a file and from a pipe */
    ck_assert_int_eq(tu_upgrade(&z, &b, &rep, false), XS_OK);
    tu_assert_same(&b, &c, "zstd input against golden");
    ck_assert_int_eq(tu_upgrade(&z, &b, &rep, true), XS_OK);
    tu_assert_same(&b, &c, "zstd pipe against golden");
    struct xs_summary s;
    struct xs_in *in = tu_in_mem(z.p, z.len, &rep);
    ck_assert_int_eq(xs_verify(in, &rep, &s), XS_OK);
    xs_in_close(in);
    ck_assert(strncmp(s.layers, "zstd+", 5) == 0);
    ck_assert_uint_eq(s.bytes_in, a.len);
    /* compressed output decodes to the golden bytes */
    int fd;
    in = tu_in_mem(a.p, a.len, &rep);
    struct xs_out *out = tu_out_mem(&rep, &fd);
    xs_out_set_threads(out, 2);
    ck_assert_int_eq(xs_out_set_zstd(out, -1), XS_OK);
    ck_assert_int_eq(xs_upgrade_precheck(in, &rep, NULL), XS_OK);
    ck_assert_int_eq(xs_upgrade(in, out, &rep, NULL), XS_OK);
    ck_assert_int_eq(xs_out_commit(out), XS_OK);
    xs_in_close(in);
    tu_out_take(fd, &w);
    unzstd_buf(&w, &b);
    tu_assert_same(&b, &c, "zstd output against golden");
    xs_buf_free(&z);
    xs_buf_free(&w);
}
END_TEST

/* As gzip_faults: truncated, a bad checksum, a damaged block; each named
 * with its compressed offset, and upgrade never hands on the whole
 * stream. */
START_TEST(zstd_faults)
{
    struct xs_gen_opts o;
    struct xs_buf z = {0};
    opts(&o, V_NR * NGUEST + V_PLAIN, 2); /* xl, PV */
    tu_gen(&o, &a);
    zstd_buf(&a, &z, 1);
    for (unsigned k = 0; k < 3; k++) {
        struct xs_buf zz = {0};
        ck_assert_int_eq(xs_buf_reserve(&zz, z.len), XS_OK);
        memcpy(zz.p, z.p, zz.len = z.len);
        const char *rule = k == 0 ? "zstd.truncated" : "zstd.corrupt";
        if (k == 0)
            zz.len -= 4;                 /* the checksum cut off */
        else if (k == 1)
            zz.p[zz.len - 1] ^= 1;       /* the checksum */
        else
            zz.p[zz.len / 2] ^= 0x55;    /* a block */
        xs_report_free(&rep);
        xs_report_init(&rep, "t");
        ck_assert_int_eq(tu_verify(&zz, &rep), XS_INVALID);
        ck_assert_msg(xs_report_find(&rep, rule), "%s not reported (%u)",
                      rule, k);
        ck_assert_uint_eq(rep.errors, 1);
        const struct xs_finding *f = xs_report_find(&rep, rule);
        if (k == 0) /* the compressed offset: the end */
            ck_assert_uint_eq(f->offset, zz.len);
        else if (k == 1) /* the checksum's own */
            ck_assert_uint_eq(f->offset, zz.len - 4);
        else
            ck_assert_uint_le(f->offset, zz.len);
        int fd;
        struct xs_in *in = tu_in_mem(zz.p, zz.len, &rep);
        struct xs_out *out = tu_out_mem(&rep, &fd);
        ck_assert_int_eq(xs_upgrade_precheck(in, &rep, NULL), XS_OK);
        ck_assert_int_eq(xs_upgrade(in, out, &rep, NULL), XS_INVALID);
        xs_out_abort(out);
        xs_in_close(in);
        tu_out_take(fd, &b);
        ck_assert_uint_lt(b.len, a.len); /* never the whole stream */
        xs_buf_free(&zz);
    }
    /* two frames with a skippable frame between them: one image, as
     * zstd -dc reads it; then bytes that are no frame: a warning */
    struct xs_buf h1 = {0}, h2 = {0}, z1 = {0}, z2 = {0}, cat = {0};
    size_t half = a.len / 2;
    ck_assert_int_eq(xs_buf_reserve(&h1, half), XS_OK);
    memcpy(h1.p, a.p, h1.len = half);
    ck_assert_int_eq(xs_buf_reserve(&h2, a.len - half), XS_OK);
    memcpy(h2.p, a.p + half, h2.len = a.len - half);
    zstd_buf(&h1, &z1, 1);
    zstd_buf(&h2, &z2, 1);
    static const uint8_t skip[] = {0x53, 0x2a, 0x4d, 0x18, 3, 0, 0, 0,
                                   'x', 'y', 'z'};
    ck_assert_int_eq(xs_buf_reserve(&cat, z1.len + z2.len + 32), XS_OK);
    memcpy(cat.p, z1.p, z1.len);
    memcpy(cat.p + z1.len, skip, sizeof(skip));
    memcpy(cat.p + z1.len + sizeof(skip), z2.p, z2.len);
    cat.len = z1.len + sizeof(skip) + z2.len;
    xs_report_free(&rep);
    xs_report_init(&rep, "t");
    ck_assert_int_eq(tu_verify(&cat, &rep), XS_OK);
    ck_assert_uint_eq(rep.warnings, 0);
    memcpy(cat.p + cat.len, "garbage!", 8);
    cat.len += 8;
    xs_report_free(&rep);
    xs_report_init(&rep, "t");
    ck_assert_int_eq(tu_verify(&cat, &rep), XS_OK);
    ck_assert_ptr_nonnull(xs_report_find(&rep, "zstd.trailing"));
    ck_assert_uint_eq(xs_report_find(&rep, "zstd.trailing")->offset,
                      cat.len - 8);
    xs_buf_free(&h1);
    xs_buf_free(&h2);
    xs_buf_free(&z1);
    xs_buf_free(&z2);
    xs_buf_free(&cat);
    xs_buf_free(&z);
    /* a skippable frame first is not taken for zstd (layer.c) */
    ck_assert_ptr_ne(xs_detect(skip, sizeof(skip)), &xs_layer_zstd);
}
END_TEST

/* One transport at most: zstd in gzip and gzip in zstd are refused as
 * gzip in gzip is. */
START_TEST(transport_twice)
{
    struct xs_gen_opts o;
    struct xs_buf z = {0}, zz = {0};
    opts(&o, 0, 3);
    tu_gen(&o, &a);
    for (unsigned k = 0; k < 4; k++) {
        if (k & 1)
            zstd_buf(&a, &z, 1);
        else
            gzip_buf(&a, &z);
        if (k & 2)
            zstd_buf(&z, &zz, 1);
        else
            gzip_buf(&z, &zz);
        xs_report_free(&rep);
        xs_report_init(&rep, "t");
        struct xs_summary s;
        struct xs_in *in = tu_in_mem(zz.p, zz.len, &rep);
        ck_assert_int_eq(xs_verify(in, &rep, &s), XS_INVALID);
        xs_in_close(in);
        ck_assert_uint_eq(rep.errors, 1);
        ck_assert_msg(xs_report_find(&rep, "detect.transport_twice"),
                      "case %u: %s", k, rep.nkept ? rep.kept[0].rule : "-");
        ck_assert_str_eq(s.layers, k & 2 ? "zstd" : "gzip");
    }
    xs_buf_free(&z);
    xs_buf_free(&zz);
}
END_TEST

/* ---- rules of the container layers ------------------------------- */

static size_t find(const struct xs_buf *x, const void *what, size_t n)
{
    for (size_t i = 0; i + n <= x->len; i++)
        if (memcmp(x->p + i, what, n) == 0)
            return i;
    ck_abort_msg("pattern not found");
    return 0;
}

static void gen_xl(uint32_t guest, unsigned version)
{
    struct xs_gen_opts o;
    xs_gen_defaults(&o);
    o.container = XS_GEN_XL;
    o.guest = guest;
    o.version = version;
    o.pages = 64;
    o.batch = 32;
    tu_gen(&o, &a);
}

/* Insert n bytes at offset at of a. */
static void insert(size_t at, const void *p, size_t n)
{
    ck_assert_int_eq(xs_buf_reserve(&a, a.len + n), XS_OK);
    memmove(a.p + at + n, a.p + at, a.len - at);
    memcpy(a.p + at, p, n);
    a.len += n;
}

static void insert_libxl(size_t at, uint32_t type, const void *body,
                         uint32_t len)
{
    uint8_t r[64] = {0};
    xs_put_le32(r, type);
    xs_put_le32(r + 4, len);
    if (len)
        memcpy(r + 8, body, len);
    insert(at, r, 8 + len + xs_rec_padding(len));
}

/* xl config text as libxlutil's lexer and grammar take it (formats/xl.c
 * cites them): what xl restore reads, and where it stops. */
/* A PV guest's config, as these tables write them, boots a kernel (an
 * HVM guest's ignores one): one is added at the end, so that lines and
 * offsets stay, unless the text says how the guest boots. */
static const char *booting(const char *text, char *buf, size_t sz)
{
    if (strstr(text, "kernel") || strstr(text, "bootloader") ||
        strstr(text, "firmware"))
        return text;
    snprintf(buf, sz, "%skernel = '/k'\n", text);
    return buf;
}

START_TEST(xl_config_text_syntax)
{
    static const struct {
        const char *text;
        unsigned line; /* 0: xl reads it */
        const char *why;
    } cases[] = {
        {"name = \"x\"\nmemory = 128\n", 0, NULL},
        {"name = 'x'; vcpus = 2", 0, NULL},
        {"a = [1, 2,]\n", 0, NULL},
        {"a = [ ]", 0, NULL},
        {"a += [ [1], [\"x\", 2] ]", 0, NULL},
        {"a = [\n 1,\n 2\n]\n", 0, NULL},
        {"# c\na = 1", 0, NULL},
        {"a.b_c9 = 0x1f\n;;\n", 0, NULL},
        {"a = \"\\101 \\t \\\" \\\\\"", 0, NULL},
        {"a = [,]", 1, "a value expected"},
        {"a = [1 2]", 1, "',' or ']' expected"},
        {"a = 1 b = 2", 1, "`key = value` expected"},
        {"a = 1\n# c", 2, "a comment on the last line without its newline"},
        {"a = 1\nName = 1\n", 2, "an upper-case letter"},
        {"a = 1\r\n", 1, "a carriage return"},
        {"a = \"\\x41\"", 1, "a backslash escape"},
        {"a = \"\\q\"", 1, "a backslash escape"},
        {"a = 1.5", 1, "a character xl's reader does not take"},
        {"a = -1", 1, "a character xl's reader does not take"},
        {"a =\n", 1, "a value expected"},
        {"\n\n= 1", 3, "`key = value` expected"},
        {"a = \"open\n\"", 1, "a string not closed on its line"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        unsigned line = 0;
        size_t at = 0;
        const char *why = xs_xl_config_text_error(
            cases[i].text, strlen(cases[i].text), 0, &line, &at);
        if (!cases[i].why) {
            ck_assert_msg(!why, "case %zu: %s", i, why);
            continue;
        }
        ck_assert_msg(why && strncmp(why, cases[i].why, strlen(cases[i].why)) == 0,
                      "case %zu: %s", i, why ? why : "accepted");
        ck_assert_uint_eq(line, cases[i].line);
    }
    /* past the grammar: what parse_config_data() (xl_parse.c,
     * RELEASE-4.17.0) exits on, the key's line and offset */
    static const struct {
        const char *text;
        const char *rule; /* NULL: xl takes it */
        unsigned line;
        const char *why;
    } refusals[] = {
        {"name = \"g\"\n", NULL, 0, NULL},
        {"name='g'\ntype = \"p\"\nbuilder = 'generic'\n", NULL, 0, NULL},
        {"name='g'\ntype = \"h\"\n", NULL, 0, NULL},
        {"name='g'\ntype = \"hvmx\"\n", "xl.config.type", 2,
         "type \"hvmx\" is not hvm, pv or pvh"},
        {"name='g'\nbuilder = \"linux\"\n", "xl.config.type", 2,
         "builder \"linux\" is not hvm or generic"},
        {"name='g'\ntype='pvh'\nbuilder = \"hvm\"\n", "xl.config.type", 3,
         "builder \"hvm\" and type \"pvh\" contradict"},
        {"type = 'pv'\nmemory = 512\n", "xl.config.name", 1, "no name"},
        {"name = ['g']\n", "xl.config.name", 1, "name is a list"},
        {"name='g'\nuuid='6c9a2d8b-3b1c-4f5e-9a7d-1e2f3a4b5c6d'\n", NULL, 0,
         NULL},
        {"name='g'\nuuid='6c9a2d8b3b1c4f5e9a7d1e2f3a4b5c6d'\n",
         "xl.config.uuid", 2, "uuid \"6c9a2d8b3b1c4f5e9a7d1e2f3a4b5c6d\""},
        {"name='g'\nuuid='6c9a2d8b-3b1c-4f5e-9a7d-1e2f3a4b5c6g'\n",
         "xl.config.uuid", 2, "uuid "},
        {"name='g'\nvcpus = 4\nmaxvcpus = 2\n", "xl.config.vcpus", 3,
         "maxvcpus 2 is below vcpus 4"},
        {"name='g'\nvcpus = 4\nmaxvcpus = 0\n", NULL, 0, NULL},
        {"name='g'\nmaxvcpus = 8\nvcpus = 4\n", NULL, 0, NULL},
        {"name='g'\nvcpus = 0x80000000\n", "xl.config.vcpus", 2,
         "vcpus is 2147483648: xl stops with \"Unable to allocate cpumap\""},
        /* an empty vnuma list sets nothing (parse_vnuma_config()) */
        {"name='g'\nvcpus = 4\nmaxvcpus = 2\nvnuma = [ ]\n",
         "xl.config.vcpus", 3, "maxvcpus 2 is below vcpus 4"},
        /* a number xl cannot read: default, with a warning (not refused) */
        {"name='g'\nvcpus = 4\nmaxvcpus = '2x'\n", NULL, 0, NULL},
        {"name='g'\nmemory = '1g'\nmaxmem = 08\n", NULL, 0, NULL},
        {"name='g'\nmemory = 2048\nmaxmem = 1024\n", NULL, 0, NULL},
        /* a vnuma list sets them instead: maxvcpus, when given, must be
         * the vCPUs its nodes name (parse_vnuma_config()) */
        {"name='g'\nvcpus = 4\nmaxvcpus = 2\nvnuma = [ [ 'pnode=0' ] ]\n",
         "xl.config.vnuma", 3, "xl: vnuma vcpus and maxvcpus= mismatch"},
        {"name='g'\nvcpus = 4\nmaxvcpus = 2\n"
         "vnuma = [ [ 'pnode=0', 'vcpus=0-1' ] ]\n",
         "xl.config.vcpus", 3, "maxvcpus 2 is below vcpus 4"},
        {"name='g'\nvcpus = 2\nmaxvcpus = 3\n"
         "vnuma = [ [ 'vcpus=0,1', 'size=1' ], [ 'vcpus=2-2', 'size=2' ] ]\n"
         "maxmem = 3\n", NULL, 0, NULL},
        {"name='g'\nmaxmem = 4\nvnuma = [ [ 'vcpus=0,1', 'size=1' ] ]\n",
         "xl.config.vnuma", 2, "maxmem and vnuma memory size mismatch"},
        {"name='g'\nvnuma = [ [ 'vcpus=0' ], 'pnode=0' ]\n",
         "xl.config.vnuma", 2, "cannot get vnode config option list"},
        {"name='g'\nvnuma = [ [ 'pnode' ] ]\n", "xl.config.vnuma", 2,
         "xl: failed to split \"pnode\" into pair"},
        {"name='g'\nvnuma = [ [ 'vdistances=10,x' ] ]\n", "xl.config.vnuma",
         2, "xl: failed to convert \"x\" to number"},
        {"name='g'\nvnuma = [ [ 'vcpus=,' ] ]\n", "xl.config.vnuma", 2,
         "a segmentation fault"},
        {"name='g'\nvnuma = [ [ 'vcpus=-1' ] ]\nmaxvcpus = 1\n", NULL, 0,
         NULL}, /* xl never ends: not judged */
        {"name='g'\nvnuma = [ [ 'pnode=0' ] ]\nmaxvcpus = '-1'\n",
         "xl.config.vnuma", 3, "libxl_node_bitmap_alloc failed."},
        {"name='g'\nmax_grant_frames = 64\nmax_grant_version = 0x2\n",
         NULL, 0, NULL},
        {"name='g'\nmax_grant_frames = 'lots'\n", "xl.config.grant", 2,
         "max_grant_frames is not a number from 0 to 2147483647"},
        {"name='g'\nmax_maptrack_frames = 0x80000000\n", "xl.config.grant",
         2, "max_maptrack_frames"},
        {"name='g'\nmax_grant_version += 1\n", "xl.config.grant", 2,
         "max_grant_version"},
        {"name='g'\non_crash = 'coredump-restart'\non_reboot='soft-reset'\n",
         NULL, 0, NULL},
        {"name='g'\non_crash = 'reboot'\n", "xl.config.action", 2,
         "on_crash \"reboot\" is not an action xl knows"},
        {"name='g'\non_crash = 'destroy'\non_crash = 'coredump'\n",
         "xl.config.action", 3, "on_crash \"coredump\""},
        /* cpus, cpus_soft: parse_vcpu_affinity(), parse_cpurange() */
        {"name='g'\ncpus = '0-3,^1'\ncpus_soft = 'nodes:0-1,^node:1'\n",
         NULL, 0, NULL},
        {"name='g'\ncpus = 'all'\ncpus_soft = ',,1,'\n", NULL, 0, NULL},
        {"name='g'\ncpus = '^all'\n", "xl.config.cpus", 2,
         "cpus has \"^all\": xl stops with \"Can't combine \"^\" and "
         "\"all\".\""},
        {"name='g'\ncpus = '3-1'\n", "xl.config.cpus", 2,
         "cpus has \"3-1\": xl stops with \"Invalid pcpu range: 3-1.\""},
        {"name='g'\ncpus = 0x3\n", "xl.config.cpus", 2, "\"0x3\""},
        {"name='g'\ncpus = '1-'\n", "xl.config.cpus", 2, "\"1-\""},
        {"name='g'\ncpus_soft = '1,x'\n", "xl.config.cpus", 2,
         "cpus_soft has \"x\""},
        {"name='g'\nvcpus = 2\ncpus = ['0', '1', 'x']\n", NULL, 0, NULL},
        {"name='g'\nvcpus = 3\ncpus = ['0', '1', 'x']\n", "xl.config.cpus",
         3, "cpus (item 2) has \"x\""},
        {"name='g'\nvcpus = 3\ncpus = ['0', ['1'], 'x']\n", NULL, 0, NULL},
        {"name='g'\nvcpus = 3\ncpus = ['x']\nvnuma = [ [ 'pnode=0' ] ]\n",
         NULL, 0, NULL},
        {"name='g'\ncpus = 'x'\nvnuma = [ [ 'pnode=0' ] ]\n",
         "xl.config.cpus", 2, "cpus has \"x\""},
        {"name='g'\ncpus = 'x'\nmax_grant_frames = 'y'\n", "xl.config.cpus",
         2, "cpus has"}, /* xl's order */
        {"name='g'\ncpus = \"0\"\ncpus += \"-x\"\n", NULL, 0, NULL},
        /* the last setting counts */
        {"name='g'\ntype='x'\ntype='hvm'\n", NULL, 0, NULL},
        /* xl's order: the type before the name */
        {"type='x'\n", "xl.config.type", 1, "type \"x\""},
    };
    for (size_t i = 0; i < sizeof(refusals) / sizeof(refusals[0]); i++) {
        char tb[512];
        const char *t = booting(refusals[i].text, tb, sizeof(tb));
        const char *rule = NULL;
        unsigned rl = 0;
        size_t ra = 0;
        ck_assert_msg(!xs_xl_config_text_error(t, strlen(t), 0, &rl, &ra),
                      "refusal %zu: syntax", i);
        char wb[256];
        const char *why = xs_xl_config_refusal(t, strlen(t), 0, wb,
                                               sizeof(wb), &rule, &rl, &ra);
        if (!refusals[i].rule) {
            ck_assert_msg(!why, "refusal %zu: %s", i, why);
            continue;
        }
        ck_assert_msg(why && strstr(why, refusals[i].why), "refusal %zu: %s",
                      i, why ? why : "accepted");
        ck_assert_str_eq(rule, refusals[i].rule);
        ck_assert_uint_eq(rl, refusals[i].line);
    }
    /* per release: each difference broken for one release and fine for
     * the next (or the other way round), at the tags formats/xl.c names */
    static const struct {
        const char *text;
        unsigned minor;
        const char *rule; /* NULL: xl 4.minor takes it; "syntax": its
                             grammar refuses it */
        unsigned line;
        const char *why;
    } per_release[] = {
        /* "+=" from 4.13 (a30910bfd7) */
        {"name='g'\nextra += 'x'\n", 12, "syntax", 2,
         "a character xl's reader does not take"},
        {"name='g'\nextra += 'x'\n", 13, NULL, 0, NULL},
        /* an unknown escape: dropped by 4.6, refused from 4.7 */
        {"name='g'\nextra = \"a\\qb\"\n", 6, NULL, 0, NULL},
        {"name='g'\nextra = \"a\\qb\"\n", 7, "syntax", 2,
         "a backslash escape"},
        /* type and builder checked from 4.10 (c7dfe4ac58) */
        {"name='g'\ntype = 'hvmx'\n", 9, NULL, 0, NULL},
        {"name='g'\ntype = 'hvmx'\n", 10, "xl.config.type", 2, "type \"hvmx\""},
        {"name='g'\nbuilder = 'linux'\n", 9, NULL, 0, NULL},
        {"name='g'\nbuilder = 'linux'\n", 10, "xl.config.type", 2,
         "builder \"linux\""},
        {"name='g'\ntype='pvh'\nbuilder = 'hvm'\n", 9, NULL, 0, NULL},
        /* vuart from 4.10 (088fb827ee), any case */
        {"name='g'\nvuart = 'pl011'\n", 9, NULL, 0, NULL},
        {"name='g'\nvuart = 'pl011'\n", 10, "xl.config.vuart", 2,
         "vuart \"pl011\" is not unknown or sbsa_uart"},
        {"name='g'\nvuart = 'SBSA_UART'\n", 22, NULL, 0, NULL},
        {"name='g'\nvuart = 'x'\nmaxvcpus = 1\nvcpus = 2\n", 22,
         "xl.config.vuart", 2, "vuart"}, /* before maxvcpus < vcpus */
        /* grant limits refused from 4.13 (7a0e35f823), the version from
         * 4.16 (7379f9e10a) */
        {"name='g'\nmax_grant_frames = 'lots'\n", 12, NULL, 0, NULL},
        {"name='g'\nmax_grant_frames = 'lots'\n", 13, "xl.config.grant", 2,
         "refused from 4.13"},
        {"name='g'\nmax_maptrack_frames = -1\n", 12, "syntax", 2, "a character"},
        {"name='g'\nmax_maptrack_frames = '-1'\n", 12, NULL, 0, NULL},
        {"name='g'\nmax_maptrack_frames = '-1'\n", 13, "xl.config.grant", 2,
         "max_maptrack_frames"},
        {"name='g'\nmax_grant_version = 'two'\n", 15, NULL, 0, NULL},
        {"name='g'\nmax_grant_version = 'two'\n", 16, "xl.config.grant", 2,
         "refused from 4.16"},
        /* soft-reset and on_soft_reset from 4.7 */
        {"name='g'\non_crash = 'soft-reset'\n", 6, "xl.config.action", 2,
         "(soft-reset is an action from 4.7)"},
        {"name='g'\non_crash = 'soft-reset'\n", 7, NULL, 0, NULL},
        {"name='g'\non_crash = 'soft-reset'\n", 5, "xl.config.action", 2,
         "on_crash"}, /* older than 4.6: 4.6's rules */
        {"name='g'\non_soft_reset = 'x'\n", 6, NULL, 0, NULL},
        {"name='g'\non_soft_reset = 'x'\n", 7, "xl.config.action", 2,
         "on_soft_reset \"x\""},
        /* vcpus below 1 is 1 from 4.22 (4b71a86eaa) */
        {"name='g'\nvcpus = '-1'\n", 21, "xl.config.vcpus", 2,
         "vcpus is -1: xl stops with \"Unable to allocate cpumap\" (4.22 "
         "takes a negative vcpus as 1)"},
        {"name='g'\nvcpus = '-1'\n", 22, NULL, 0, NULL},
        {"name='g'\nvcpus = '-1'\n", 0, NULL, 0, NULL},
        /* the cpumap comes before vnuma is read */
        {"name='g'\nvcpus = '-1'\nvnuma = [ [ 'pnode=0' ] ]\n", 6,
         "xl.config.vcpus", 2, "vcpus is -1"},
        /* a cpus list is read up to max_vcpus: 0 with no vcpus before
         * 4.22, at least 1 from 4.22 */
        {"name='g'\ncpus = ['x']\n", 21, NULL, 0, NULL},
        {"name='g'\ncpus = ['x']\n", 22, "xl.config.cpus", 2,
         "cpus (item 0) has \"x\""},
        {"name='g'\nvcpus = '-1'\nmaxvcpus = '-2'\n", 22,
         "xl.config.vcpus", 3, "maxvcpus -2 is below vcpus 1"},
        /* disk items as xlu_disk_parse() reads them (formats/xlu.c;
         * tests/check_xlu.c holds it against libxlutil) */
        {"name='g'\ndisk = ['phy:/dev/vg/g,xvda,w', '/x,raw,hdc,ro']\n", 22,
         NULL, 0, NULL},
        {"name='g'\ndisk = ['phy:/dev/vg/g,xvda,w',\n  '/x,qcow3,xvdb']\n",
         22, "xl.config.disk", 2, "disk item 1 \"/x,qcow3,xvdb\": xl stops "
         "with \"config parsing error in disk specification: unknown value "
         "for format: near `qcow3'\""},
        {"name='g'\ndisk = ['vdev=xvda, format=qed, target=/x']\n", 8,
         "xl.config.disk", 2, "near `qed'"},
        {"name='g'\ndisk = ['vdev=xvda, format=qed, target=/x']\n", 9, NULL,
         0, NULL},
        {"name='g'\ndisk = ['xvda']\n", 22, "xl.config.disk", 2,
         "no vdev specified"},
        {"name='g'\ndisk = 'xvda'\n", 22, NULL, 0, NULL}, /* not a list */
        {"name='g'\ndisk = [['xvda'], 'xvda']\n", 22, NULL, 0, NULL},
        {"name='g'\ndisk = ['/x,,xvda', 7]\n", 22, "xl.config.disk", 2,
         "disk item 1 \"7\""},
        /* a vif's rate= (xlu_vif_parse_rate()); nothing else of a vif */
        {"name='g'\nvif = ['mac=00:16:3e:00:00:01,bridge=xenbr0,"
         "rate=10Mb/s@20ms']\n", 22, NULL, 0, NULL},
        {"name='g'\nvif = ['mac=zz, type=x']\n", 6, NULL, 0, NULL},
        {"name='g'\nvif = ['bridge=xenbr0', 'bridge=b1,  rate=10Mbit/s']\n",
         22, "xl.config.vif", 2, "vif item 1 \"bridge=b1,  rate=10Mbit/s\": "
         "xl stops with \"config parsing error in vif: invalid rate in "
         "`10Mbit/s'\""},
        {"name='g'\nvif = ['rate=08MB/s']\n", 6, "xl.config.vif", 2,
         "rate overflow in `08MB/s'"},
        {"name='g'\ndisk = ['xvda']\nvif = ['rate=x']\n", 22,
         "xl.config.disk", 2, "no vdev"},
        /* channels: the pairs, the connection, a socket's path */
        {"name='g'\nchannel = ['name=org.qemu.guest_agent.0, "
         "connection=socket, path=/run/ga.sock', ' connection = pty ']\n",
         22, NULL, 0, NULL},
        {"name='g'\nchannel = ['name=x']\n", 6, "xl.config.channel", 2,
         "channel item 0 \"name=x\": xl stops with \"channel has unknown "
         "'connection'\""},
        {"name='g'\nchannel = ['connection=socket']\n", 22,
         "xl.config.channel", 2, "requires path=.."},
        {"name='g'\nchannel = ['connection=tcp']\n", 22,
         "xl.config.channel", 2, "unknown channel connection 'tcp'"},
        {"name='g'\nchannel = ['name=x, connection']\n", 22,
         "xl.config.channel", 2, "failed to parse channel configuration: "
         " connection"},
        {"name='g'\nchannel = [',,']\n", 22, "xl.config.channel", 2,
         "a segmentation fault"},
        /* split_string_into_pair() at the first '=' from 4.18 (4bad14a133) */
        {"name='g'\nchannel = ['=pty,connection=pty']\n", 17,
         "xl.config.channel", 2, "failed to parse channel configuration: "
         "=pty"},
        {"name='g'\nchannel = ['=pty,connection=pty']\n", 18, NULL, 0, NULL},
        {"name='g'\nchannel = ['connection=pty=x']\n", 17, NULL, 0, NULL},
        {"name='g'\nchannel = ['connection=pty=x']\n", 18,
         "xl.config.channel", 2, "unknown channel connection 'pty=x'"},
        {"name='g'\nchannel = ['connection==pty']\n", 17, NULL, 0, NULL},
        /* after the disks, before the vifs */
        {"name='g'\nvif = ['rate=x']\nchannel = ['name=x']\n", 22,
         "xl.config.channel", 3, "unknown 'connection'"},
        /* after the actions, as parse_config_data() reads them */
        {"name='g'\non_crash = 'x'\ndisk = ['xvda']\n", 22,
         "xl.config.action", 2, "on_crash"},
        /* the settings of one value (tests/check_xlu.c holds them against
         * xl 4.17 and 4.14 themselves) */
        {"name='g'\nkernel = ['/k']\n", 6, "xl.config.kernel", 2,
         "Neither kernel nor bootloader specified"},
        {"name='g'\nbootloader = ''\n", 22, NULL, 0, NULL},
        {"name='g'\ntype = 'pvh'\nkernel = ['/k']\n", 10, "xl.config.kernel",
         3, "a PVH guest"},
        {"name='g'\ntimer_mode = 1\n", 9, NULL, 0, NULL}, /* HVM's only */
        {"name='g'\ntimer_mode = 1\n", 10, "xl.config.timer_mode", 2,
         "not supported for PV guests"},
        {"name='g'\ntype = 'pvh'\ntimer_mode = 4\n", 10,
         "xl.config.timer_mode", 3, "ERROR: invalid value 4 for"},
        {"name='g'\npassthrough = 'x'\n", 12, NULL, 0, NULL},
        {"name='g'\npassthrough = 'x'\n", 13, "xl.config.passthrough", 2,
         "ERROR: unknown passthrough option 'x'"},
        {"name='g'\npassthrough = 'Sync_PT'\n", 13, NULL, 0, NULL},
        {"name='g'\ntsc_mode = 4\n", 6, "xl.config.tsc_mode", 2,
         "invalid value 4 for"},
        {"name='g'\ntsc_mode = '99999999999999999999'\n", 22,
         "xl.config.tsc_mode", 2, "invalid value \\\"999"},
        {"name='g'\nkernel = '/k'\nfirmware = 'pvgrub64'\n", 9, NULL, 0,
         NULL},
        {"name='g'\nkernel = '/k'\nfirmware = 'pvgrub64'\n", 10,
         "xl.config.kernel", 3, "both kernel and firmware"},
        {"name='g'\nfirmware = 'pvgrub'\n", 10, NULL, 0, NULL},
        {"name='g'\nfirmware = 'ovmf'\n", 10, "xl.config.kernel", 2,
         "only pvgrub{32|64}"},
        {"name='g'\naltp2m = 'x'\n", 8, NULL, 0, NULL},
        {"name='g'\naltp2m = 'x'\n", 9, "xl.config.altp2m", 2,
         "invalid value \\\"x\\\" for \\\"altp2m\\\""},
        {"name='g'\nbuilder = 'hvm'\nbootloader_args = ' '\n", 9, NULL, 0,
         NULL},
        {"name='g'\nbuilder = 'hvm'\nbootloader_args = ' '\n", 10,
         "xl.config.kernel", 3, "a segmentation fault"},
        {"name='g'\nbuilder = 'hvm'\nmca_caps = 'lmce'\n", 9, NULL, 0, NULL},
        {"name='g'\nbuilder = 'hvm'\nmca_caps = 'lmce'\n", 10,
         "xl.config.hvm", 3, "unable to parse mca_caps"},
        {"name='g'\nbuilder = 'hvm'\nmca_caps = [ 'LMCE' ]\n", 10,
         "xl.config.hvm", 3, "unrecognized MCA capability 'LMCE'"},
        {"name='g'\nbuilder = 'hvm'\nviridian = [ '!HCALL_IPI' ]\n", 12,
         "xl.config.hvm", 3, "unknown viridian enlightenment 'HCALL_IPI'"},
        {"name='g'\nbuilder = 'hvm'\nviridian = [ '!HCALL_IPI' ]\n", 13,
         NULL, 0, NULL},
        {"name='g'\nbuilder = 'hvm'\nviridian = [ 'cpu_hotplug' ]\n", 14,
         "xl.config.hvm", 3, "cpu_hotplug"},
        {"name='g'\nbuilder = 'hvm'\nviridian = [ 'cpu_hotplug' ]\n", 15,
         NULL, 0, NULL},
        {"name='g'\nviridian = [ 'x' ]\nbios = 'x'\nvga = 'x'\n", 22, NULL,
         0, NULL}, /* a PV guest's: not read */
        {"name='g'\nbuilder = 'hvm'\nmmio_hole = 3840\n", 22, NULL, 0, NULL},
        {"name='g'\nbuilder = 'hvm'\nmmio_hole = 17592186044672\n", 22,
         NULL, 0, NULL}, /* 2^44 + 256 MiB: 256 MiB in 64 bits */
        {"name='g'\nbuilder = 'hvm'\nmmio_hole = 255\n", 22,
         "xl.config.hvm", 3, "invalid value 255 for"},
        {"name='g'\nbuilder = 'hvm'\ngfx_passthru = 'yes'\n", 6, NULL, 0,
         NULL},
        {"name='g'\nbuilder = 'hvm'\ngfx_passthru = 'yes'\n", 7,
         "xl.config.hvm", 3, "for \\\"gfx_passthru\\\""},
        {"name='g'\nbuilder = 'hvm'\nvnclisten = ':1'\nvncdisplay = 2\n",
         22, "xl.config.hvm", 4, "Display specified both"},
        {"name='g'\nbuilder = 'hvm'\nvga = 'Stdvga'\n", 22, "xl.config.hvm",
         3, "Unknown vga \\\"Stdvga\\\" specified"},
        {"name='g'\ndevice_model_version = 'qemu-xen-traditional'\n", 20,
         NULL, 0, NULL},
        {"name='g'\ndevice_model_version = 'qemu-xen-traditional'\n", 21,
         "xl.config.device_model", 2, "Unknown device_model_version"},
        {"name='g'\ndevice_model_args_pv = '-x'\n", 22,
         "xl.config.device_model", 2, "Unable to parse "
         "device_model_args_pv."},
        {"name='g'\ntee = 'ffa'\n", 12, NULL, 0, NULL},
        {"name='g'\ntee = 'ffa'\n", 13, "xl.config.arch", 2,
         "Unknown tee"},
        {"name='g'\ntee = 'FFA'\n", 18, NULL, 0, NULL},
        {"name='g'\ngic_version = 'v4'\n", 6, "xl.config.arch", 2,
         "Unknown gic_version"},
        /* xl's order: the pci list, then these, then ioports */
        {"name='g'\nirqs = ['x']\ntsc_mode = 9\npci = ['01:00.0,x=1']\n",
         15, "xl.config.pci", 4, "pci item 0"},
        {"name='g'\nirqs = ['x']\ntsc_mode = 9\n", 22,
         "xl.config.tsc_mode", 3, "tsc_mode 9"},
        {"name='g'\nvkb = ['x']\ntee = 'x'\n", 22, "xl.config.arch", 3,
         "tee"},
        {"name='g'\nxenstore_quota = ['a']\n", 21, NULL, 0, NULL},
        {"name='g'\nxenstore_quota = ['a']\n", 22,
         "xl.config.xenstore_quota", 2, "lacks \"=\""},
        {"name='g'\nllc_colors = ['2-1']\n", 19, NULL, 0, NULL},
        {"name='g'\nllc_colors = ['2-1']\n", 20, "xl.config.llc_colors", 2,
         "greater than end"},
        {"name='g'\nvirtio = ['transport=pci']\n", 17, NULL, 0, NULL},
        {"name='g'\nvirtio = ['transport=pci']\n", 18, "xl.config.virtio",
         2, "exit(1), no message"},
        {"name='g'\nvirtio = ['type=virtio,device']\n", 18, NULL, 0, NULL},
        {"name='g'\nvirtio = ['x,type=virtio']\n", 18, "xl.config.virtio", 2,
         "Unknown string \"x\" in virtio"},
        {"name='g'\nvirtio = ['type=virtio']\n", 18, "xl.config.virtio", 2,
         "a segmentation fault"},
        {"name='g'\nvif = ['mtu=x']\n", 14, NULL, 0, NULL},
        {"name='g'\nvif = ['mtu=x']\n", 15, "xl.config.vif", 2,
         "xl: failed to convert \"x\" to number"},
        {"name='g'\nvif = ['devid=-1']\n", 8, NULL, 0, NULL},
        {"name='g'\nvif = ['devid=-1']\n", 9, "xl.config.vif", 2,
         "failed to convert"},
    };
    for (size_t i = 0; i < sizeof(per_release) / sizeof(per_release[0]); i++) {
        char tb[512];
        const char *t = booting(per_release[i].text, tb, sizeof(tb));
        const char *r = per_release[i].rule;
        const char *rule = NULL;
        unsigned m = per_release[i].minor, rl = 0;
        size_t ra = 0;
        char wb[256];
        const char *why = xs_xl_config_text_error(t, strlen(t), m, &rl, &ra);
        if (!why)
            why = xs_xl_config_refusal(t, strlen(t), m, wb, sizeof(wb), &rule,
                                       &rl, &ra);
        else
            rule = "syntax";
        if (!r) {
            ck_assert_msg(!why, "per_release %zu (4.%u): %s", i, m, why);
            continue;
        }
        ck_assert_msg(why && strstr(why, per_release[i].why),
                      "per_release %zu (4.%u): %s", i, m,
                      why ? why : "accepted");
        ck_assert_str_eq(rule, r);
        ck_assert_uint_eq(rl, per_release[i].line);
    }
    /* which releases refuse it, as a mask of bits 4.m */
#define FROM_TO(a, b) ((2u << (b)) - (1u << (a)))
    static const char gf[] = "name='g'\nmax_grant_frames = 'lots'\n"
                             "kernel = '/k'\n";
    ck_assert_uint_eq(xs_xl_config_refused(gf, strlen(gf)), FROM_TO(13, 22));
    static const char nv[] = "name='g'\nvcpus = '-1'\nkernel = '/k'\n";
    ck_assert_uint_eq(xs_xl_config_refused(nv, strlen(nv)), FROM_TO(6, 21));
    static const char sr[] = "name='g'\non_reboot = 'soft-reset'\n"
                             "kernel = '/k'\n";
    ck_assert_uint_eq(xs_xl_config_refused(sr, strlen(sr)), FROM_TO(6, 6));
    static const char pe[] = "name='g'\nextra += 'x'\nkernel = '/k'\n";
    ck_assert_uint_eq(xs_xl_config_refused(pe, strlen(pe)), FROM_TO(6, 12));
    static const char ok[] = "name='g'\nkernel = '/k'\n";
    ck_assert_uint_eq(xs_xl_config_refused(ok, strlen(ok)), 0);
    static const char nk[] = "name='g'\n"; /* a PV guest with no kernel */
    ck_assert_uint_eq(xs_xl_config_refused(nk, strlen(nk)), FROM_TO(6, 22));
#undef FROM_TO

    /* the key's offset */
    const char *rule;
    unsigned rl;
    size_t ra;
    char wb[256];
    ck_assert_ptr_nonnull(xs_xl_config_refusal("name='g'\non_crash='x'", 21,
                                               0, wb, sizeof(wb), &rule, &rl,
                                               &ra));
    ck_assert_uint_eq(ra, 9);

    /* a NUL in a string (dequote's strlen() trips an assertion) */
    unsigned line = 0;
    size_t at = 0;
    ck_assert_ptr_nonnull(xs_xl_config_text_error("a = \"x\0y\"", 9, 0, &line, &at));
    /* nesting: bison's stack ends near 5000 levels; an iterative reader */
    size_t n = 3 + 2 * 6000;
    char *deep = malloc(n + 1);
    ck_assert_ptr_nonnull(deep);
    memcpy(deep, "a=", 2);
    memset(deep + 2, '[', 6000);
    deep[2 + 6000] = '1';
    memset(deep + 3 + 6000, ']', 6000);
    deep[n] = '\0';
    ck_assert_ptr_nonnull(xs_xl_config_text_error(deep, n, 0, &line, &at));
    /* 100 levels: fine */
    memcpy(deep + 2 + 100, "1", 1);
    memset(deep + 3 + 100, ']', 100);
    ck_assert_ptr_null(xs_xl_config_text_error(deep, 3 + 200, 0, &line, &at));
    free(deep);
}
END_TEST

/* The xl optional data around a config, checked as xl_vmcontrol.c
 * reads it (json: libxl's JSON, else xl config text). */
static void check_config_for(const char *cfg, bool json, unsigned minor,
                             struct xs_xl_config *cf);
static void check_config(const char *cfg, bool json, struct xs_xl_config *cf)
{
    check_config_for(cfg, json, 0, cf);
}

/* ... as xl 4.minor reads it (0: the newest) */
static void check_config_for(const char *cfg, bool json, unsigned minor,
                             struct xs_xl_config *cf)
{
    char tb[512];
    if (!json)
        cfg = booting(cfg, tb, sizeof(tb));
    size_t n = strlen(cfg) + (json ? 1 : 0);
    uint8_t *p = malloc(4 + n);
    ck_assert_ptr_nonnull(p);
    xs_put_le32(p, (uint32_t)n);
    memcpy(p + 4, cfg, n);
    struct xs_xl_hdr h = {.byteorder = 0x01020304,
                          .mandatory_flags = json ? XS_XL_FLAG_JSON : 0,
                          .optional_data_len = (uint32_t)(4 + n)};
    xs_report_free(&rep);
    xs_report_init(&rep, "test");
    memset(cf, 0, sizeof(*cf));
    xs_xl_check_optdata(&h, p, 4 + n, 48, minor, &rep, cf);
    free(p);
}

/* The config's rules per release: the release asked about, or the
 * newest with the releases that refuse it named; the file and tag. */
START_TEST(xl_config_per_release)
{
    struct xs_xl_config xc;
    const char *gf = "name='g'\nmax_grant_frames = 'lots'\n";
    check_config_for(gf, false, 0, &xc);
    ck_assert_uint_eq(rep.errors, 1);
    ck_assert_str_eq(rep.kept[0].rule, "xl.config.grant");
    ck_assert_uint_eq(rep.kept[0].offset, 48 + 4 + 9);
    ck_assert_msg(strstr(rep.kept[0].msg, "xl 4.13 to 4.22 refuses") &&
                      strstr(rep.kept[0].msg, "tools/xl/xl_parse.c "
                             "parse_config_data() at RELEASE-4.22.0"),
                  "%s", rep.kept[0].msg);
    ck_assert_uint_eq(xc.refused, (2u << 22) - (1u << 13));
    check_config_for(gf, false, 12, &xc);
    ck_assert_uint_eq(rep.errors, 0);
    check_config_for(gf, false, 13, &xc);
    ck_assert_uint_eq(rep.errors, 1);
    ck_assert_msg(strstr(rep.kept[0].msg, "xl 4.13 refuses") &&
                      strstr(rep.kept[0].msg, "at RELEASE-4.13.0"),
                  "%s", rep.kept[0].msg);

    const char *sr = "name='g'\non_crash = 'soft-reset'\n";
    check_config_for(sr, false, 6, &xc);
    ck_assert_uint_eq(rep.errors, 1);
    ck_assert_str_eq(rep.kept[0].rule, "xl.config.action");
    ck_assert_msg(strstr(rep.kept[0].msg, "xl 4.6 refuses") &&
                      strstr(rep.kept[0].msg, "tools/libxl/xl_cmdimpl.c "
                             "parse_config_data() at RELEASE-4.6.0"),
                  "%s", rep.kept[0].msg);
    check_config_for(sr, false, 7, &xc);
    ck_assert_uint_eq(rep.errors, 0);
    check_config_for(sr, false, 0, &xc);
    ck_assert_uint_eq(rep.errors, 0);
    ck_assert_uint_eq(xc.refused, 1u << 6);

    const char *pe = "name='g'\nextra += 'x'\n";
    check_config_for(pe, false, 12, &xc);
    ck_assert_uint_eq(rep.errors, 1);
    ck_assert_str_eq(rep.kept[0].rule, "xl.config.syntax");
    ck_assert_uint_eq(rep.kept[0].offset, 48 + 4 + 15);
    ck_assert_msg(strstr(rep.kept[0].msg, "xl 4.12 restore stops") &&
                      strstr(rep.kept[0].msg, "at RELEASE-4.12.0"),
                  "%s", rep.kept[0].msg);
    ck_assert(!xc.parsed);
    check_config_for(pe, false, 13, &xc);
    ck_assert_uint_eq(rep.errors, 0);
    ck_assert(xc.parsed);

    /* pci: a trailing ',' refused to 4.14, an unknown key from 4.15
     * (libxlu_pci.c); pci read before the disks from 4.13 */
    const char *pt = "name='g'\npci = [ '01:00.0,' ]\n";
    check_config_for(pt, false, 14, &xc);
    ck_assert_uint_eq(rep.errors, 1);
    ck_assert_str_eq(rep.kept[0].rule, "xl.config.pci");
    ck_assert_msg(strstr(rep.kept[0].msg, "pci item 0 \"01:00.0,\": xl "
                         "stops with \"unable to parse PCI BDF `01:00.0,' for "
                         "passthrough\""), "%s", rep.kept[0].msg);
    ck_assert_uint_eq(xc.refused, (1u << 15) - (1u << 6));
    const char *pk = "name='g'\npci = [ '01:00.0', '02:00.0,foo=1' ]\n";
    check_config_for(pk, false, 15, &xc);
    ck_assert_uint_eq(rep.errors, 1);
    ck_assert_msg(strstr(rep.kept[0].msg, "pci item 1 \"02:00.0,foo=1\": "
                         "xl stops with \"Unknown PCI_SPEC_STRING option: "
                         "foo\""), "%s", rep.kept[0].msg);
    ck_assert_uint_eq(xc.refused, (2u << 22) - (1u << 15));
    const char *pd = "name='g'\ndisk = [ '/x,qcow3,xvda' ]\npci = [ '01' ]\n";
    check_config_for(pd, false, 12, &xc);
    ck_assert_str_eq(rep.kept[0].rule, "xl.config.disk");
    check_config_for(pd, false, 13, &xc);
    ck_assert_str_eq(rep.kept[0].rule, "xl.config.pci");

    /* the lists xl reads token by token, each from its release on */
    const char *kv = "name='g'\nvkb = [ 'backend=0' ]\n";
    check_config_for(kv, false, 0, &xc);
    ck_assert_str_eq(rep.kept[0].rule, "xl.config.vkb");
    ck_assert_uint_eq(xc.refused, (2u << 22) - (1u << 12));
    kv = "name='g'\nusbctrl = [ 'type=usb3' ]\nvtpm = [ 'x=1' ]\n";
    check_config_for(kv, false, 0, &xc);
    ck_assert_str_eq(rep.kept[0].rule, "xl.config.vtpm"); /* read first */
    ck_assert_msg(strstr(rep.kept[0].msg, "vtpm item 0 \"x=1\": xl stops "
                         "with \"Unknown string `x' in vtpm spec\""), "%s",
                  rep.kept[0].msg);
    kv = "name='g'\nusbctrl = [ 'type=usb3' ]\npvcalls = [ 'x=1' ]\n";
    check_config_for(kv, false, 7, &xc);
    ck_assert_str_eq(rep.kept[0].rule, "xl.config.usb");
    ck_assert_uint_eq(xc.refused, (2u << 22) - (1u << 7));

    /* p9 keeps its fields from item to item to 4.17, needs them per
     * item in 4.18 and not at all from 4.19; irqs whole from 4.7 */
    kv = "name='g'\np9 = [ 'tag=t,path=/p,security_model=none', 'tag=u' ]\n";
    check_config_for(kv, false, 0, &xc);
    ck_assert_uint_eq(rep.errors, 0);
    ck_assert_uint_eq(xc.refused, 1u << 18);
    kv = "name='g'\nirqs = [ '5x' ]\nvsnd = [ 'card' ]\n";
    check_config_for(kv, false, 0, &xc);
    ck_assert_str_eq(rep.kept[0].rule, "xl.config.io"); /* read first */
    ck_assert_msg(strstr(rep.kept[0].msg, "irqs item 0 \"5x\": xl stops "
                         "with \"xl: Invalid argument parsing irq: 5x\""),
                  "%s", rep.kept[0].msg);
    ck_assert_uint_eq(xc.refused, (2u << 22) - (1u << 7));
    kv = "name='g'\nvsnd = [ 'card' ]\n";
    check_config_for(kv, false, 0, &xc);
    ck_assert_str_eq(rep.kept[0].rule, "xl.config.vsnd");
    ck_assert_uint_eq(xc.refused, (2u << 22) - (1u << 12));
    kv = "name='g'\niomem = [ 'fe000,10', [ 'x' ] ]\n";
    check_config_for(kv, false, 6, &xc);
    ck_assert_msg(strstr(rep.kept[0].msg, "iomem item 1 \"\": xl stops "
                         "with \"xl: Unable to get element 1 in iomem "
                         "list\""), "%s", rep.kept[0].msg);
    kv = "name='g'\nllc_colors = [ '2-1' ]\nvcpus = '-1'\n";
    check_config_for(kv, false, 0, &xc);
    ck_assert_str_eq(rep.kept[0].rule, "xl.config.llc_colors");
    check_config_for(kv, false, 19, &xc);
    ck_assert_str_eq(rep.kept[0].rule, "xl.config.vcpus");

    /* JSON: none of these */
    check_config_for("{\"c_info\":{\"name\":\"g\"}}", true, 6, &xc);
    ck_assert_uint_eq(rep.errors, 0);
    ck_assert_uint_eq(xc.refused, 0);
}
END_TEST

/* libxl_json.c json_callback_number(): a number beyond long long is kept
 * as text, not refused; the field that reads it decides. */
START_TEST(xl_config_json_numbers)
{
    struct xs_xl_config xc;
    check_config("{\"c_info\":{\"type\":\"pv\",\"name\":\"g\"},\"b_info\":{"
                 "\"max_vcpus\":2,\"target_memkb\":1048576,"
                 "\"unknown\":123456789012345678901234567890}}", true, &xc);
    ck_assert_msg(rep.errors == 0, "%s", rep.kept[0].msg);
    ck_assert(xc.parsed);
    ck_assert_int_eq(xc.vcpus, 2);
    ck_assert_int_eq(xc.memory_mib, 1024);
    /* a real that overflows a double: the same */
    check_config("{\"b_info\":{\"x\":1.5e999,\"max_vcpus\":1}}", true, &xc);
    ck_assert_uint_eq(rep.errors, 0);
    ck_assert_int_eq(xc.vcpus, 1);
    /* MemKB is a uint64: up to ULLONG_MAX it is read */
    check_config("{\"b_info\":{\"target_memkb\":18446744073709551615}}", true,
                 &xc);
    ck_assert_uint_eq(rep.errors, 0);
    ck_assert_int_eq(xc.memory_mib, (int64_t)(18446744073709551615ull / 1024));
    /* beyond it, refused by libxl__uint64_parse_json() */
    check_config("{\"b_info\":{\"target_memkb\":18446744073709551616}}", true,
                 &xc);
    ck_assert_ptr_nonnull(xs_report_find(&rep, "xl.config.json_number"));
    ck_assert_ptr_null(xs_report_find(&rep, "xl.config.json"));
    ck_assert_ptr_nonnull(strstr(rep.kept[0].msg, "b_info.target_memkb is "
                                                  "18446744073709551616"));
    /* an integer field: only a JSON_INTEGER */
    check_config("{\"b_info\":{\"max_vcpus\":99999999999999999999}}", true,
                 &xc);
    ck_assert_ptr_nonnull(strstr(rep.kept[0].msg, "b_info.max_vcpus"));
    ck_assert_int_eq(xc.vcpus, -1);
    /* no '.': libxl's strtoll() reads 1e999 as 1 */
    check_config("{\"b_info\":{\"max_vcpus\":1e999}}", true, &xc);
    ck_assert_uint_eq(rep.errors, 0);
    ck_assert_int_eq(xc.vcpus, 1);
    /* the mark itself in a config string does not pass for a number */
    check_config("{\"b_info\":{\"a\":\"\\u0001xs-number:1\",\"b\":"
                 "99999999999999999999}}", true, &xc);
    ck_assert_ptr_nonnull(xs_report_find(&rep, "xl.config.json"));
    /* still broken JSON: refused as before */
    check_config("{\"b_info\":{\"a\":99999999999999999999,}}", true, &xc);
    ck_assert_ptr_nonnull(xs_report_find(&rep, "xl.config.json"));

    /* --to-xen 4.17's rewrite keeps the numbers as they were written */
    static const char cfg[] =
        "{\"b_info\":{\"m\":-99999999999999999999,\"cpuid\":{\"cpuid\":"
        "[],\"msr\":[]},\"r\":1.0e999}}";
    struct xs_buf out = {0};
    const char *why;
    ck_assert_int_eq(xs_xl_config_cpuid_array(cfg, sizeof(cfg), &out, &why),
                     XS_OK);
    ck_assert_str_eq((const char *)out.p,
                     "{\"b_info\":{\"m\":-99999999999999999999,\"cpuid\":[],"
                     "\"r\":1.0e999}}");
    ck_assert_uint_eq(out.len, strlen((const char *)out.p) + 1);
    xs_buf_free(&out);
}
END_TEST

START_TEST(xl_header_rules)
{
    gen_xl(XS_GUEST_X86_PV, 3);
    xs_put_le32(a.p + 32, 0x04030201);
    tu_expect_fault(&a, &rep, "xl.hdr.byteorder", XS_SEV_ERROR, 32);
    ck_assert_ptr_nonnull(strstr(rep.kept[0].msg, "big-endian"));
    gen_xl(XS_GUEST_X86_PV, 3);
    xs_put_le32(a.p + 36, 0x7);
    tu_expect_fault(&a, &rep, "xl.hdr.mandatory_flags", XS_SEV_ERROR, 36);
    gen_xl(XS_GUEST_X86_PV, 3);
    xs_put_le32(a.p + 36, 0x1);
    tu_expect_fault(&a, &rep, "xl.hdr.legacy", XS_SEV_ERROR, 36);
    gen_xl(XS_GUEST_X86_PV, 3);
    xs_put_le32(a.p + 40, 0x10);
    tu_expect_fault(&a, &rep, "xl.hdr.optional_flags", XS_SEV_WARNING, 40);
    /* config length beyond the optional data */
    gen_xl(XS_GUEST_X86_PV, 3);
    xs_put_le32(a.p + 48, xs_le32(a.p + 44));
    tu_expect_fault(&a, &rep, "xl.optdata.config_len", XS_SEV_ERROR, 48);
    /* a broken JSON config */
    gen_xl(XS_GUEST_X86_HVM, 3);
    a.p[52] = '[';
    tu_expect_fault(&a, &rep, "xl.config.json", XS_SEV_ERROR, 52);
    ck_assert_ptr_nonnull(strstr(rep.kept[0].msg, "line"));
    /* the optional data runs past the end */
    gen_xl(XS_GUEST_X86_PV, 3);
    xs_put_le32(a.p + 44, 0x7fffffff);
    tu_expect_fault(&a, &rep, "xl.truncated", XS_SEV_ERROR, a.len);
    /* STREAMv2 set, but no libxl stream follows */
    gen_xl(XS_GUEST_X86_PV, 3);
    size_t l = find(&a, "LibxlFmt", 8);
    a.p[l] = 'X';
    tu_expect_fault(&a, &rep, "container.payload", XS_SEV_ERROR, l);
}
END_TEST

START_TEST(libxl_header_rules)
{
    gen_xl(XS_GUEST_X86_PV, 3);
    size_t l = find(&a, "LibxlFmt", 8);
    a.p[l + 11] = 3;
    tu_expect_fault(&a, &rep, "libxl.hdr.version", XS_SEV_ERROR, l + 8);
    gen_xl(XS_GUEST_X86_PV, 3);
    a.p[l + 15] = 1;
    tu_expect_fault(&a, &rep, "libxl.hdr.big_endian", XS_SEV_ERROR, l + 12);
    gen_xl(XS_GUEST_X86_PV, 3);
    a.p[l + 14] = 1;
    tu_expect_fault(&a, &rep, "libxl.reserved", XS_SEV_WARNING, l + 12);
    /* the legacy bit is accepted and shown */
    gen_xl(XS_GUEST_X86_PV, 3);
    a.p[l + 15] = 2;
    struct xs_summary s;
    struct xs_in *in = tu_in_mem(a.p, a.len, &rep);
    ck_assert_int_eq(xs_verify(in, &rep, &s), XS_OK);
    xs_in_close(in);
    ck_assert(s.libxl_legacy);
}
END_TEST

START_TEST(libxl_record_rules)
{
    static const uint8_t emu_bad[8] = {9};
    static const uint8_t emu[8] = {2};
    /* records go in before the final libxl END (the last 8 bytes) */
    gen_xl(XS_GUEST_X86_HVM, 3);
    size_t at = a.len - 8;
    insert_libxl(at, 0x7, NULL, 0);
    tu_expect_fault(&a, &rep, "libxl.unknown", XS_SEV_ERROR, at);
    gen_xl(XS_GUEST_X86_HVM, 3);
    insert_libxl(at, 0x80000007, NULL, 0);
    tu_expect_fault(&a, &rep, "libxl.unknown", XS_SEV_ERROR, at);
    gen_xl(XS_GUEST_X86_HVM, 3);
    insert_libxl(at, XS_LREC_EMULATOR_CONTEXT, emu_bad, 8);
    tu_expect_fault(&a, &rep, "libxl.emulator.id", XS_SEV_ERROR, at + 8);
    gen_xl(XS_GUEST_X86_HVM, 3);
    insert_libxl(at, XS_LREC_EMULATOR_CONTEXT, emu, 4);
    tu_expect_fault(&a, &rep, "libxl.emulator.short", XS_SEV_ERROR, at);
    gen_xl(XS_GUEST_X86_HVM, 3);
    insert_libxl(at, XS_LREC_CHECKPOINT_END, NULL, 0);
    tu_expect_fault(&a, &rep, "libxl.checkpoint_end.unexpected",
                    XS_SEV_ERROR, at);
    gen_xl(XS_GUEST_X86_HVM, 3);
    insert_libxl(at, XS_LREC_CHECKPOINT_STATE, emu, 4);
    tu_expect_fault(&a, &rep, "libxl.checkpoint_state", XS_SEV_ERROR, at);
    gen_xl(XS_GUEST_X86_HVM, 3);
    insert_libxl(at, XS_LREC_LIBXC_CONTEXT, NULL, 0);
    tu_expect_fault(&a, &rep, "libxl.libxc_context.duplicate", XS_SEV_ERROR,
                    at);
    gen_xl(XS_GUEST_X86_HVM, 3);
    insert_libxl(at, XS_LREC_END, emu, 8);
    tu_expect_fault(&a, &rep, "libxl.length", XS_SEV_ERROR, at);
    /* an emulator in a PV guest */
    gen_xl(XS_GUEST_X86_PV, 3);
    insert_libxl(at = a.len - 8, XS_LREC_EMULATOR_CONTEXT, emu, 8);
    tu_expect_fault(&a, &rep, "libxl.emulator.guest", XS_SEV_ERROR, at);
    /* xenstore data: key/value pairs, NUL-terminated, keys relative */
    static const struct {
        const char *data;
        size_t n;
        const char *rule;
        size_t off; /* in the data */
    } xsd[] = {
        {"a\0b", 3, "libxl.xenstore.nul", 2},
        {"a\0b\0c\0", 6, "libxl.xenstore.nul", 6},
        {"\0b\0", 3, "libxl.xenstore.empty_key", 0},
        {"a\0b\0/c\0d\0", 8, "libxl.xenstore.absolute_key", 4},
    };
    for (unsigned k = 0; k < 4; k++) {
        uint8_t body[32] = {2};
        memcpy(body + 8, xsd[k].data, xsd[k].n);
        gen_xl(XS_GUEST_X86_HVM, 3);
        insert_libxl(at = a.len - 8, XS_LREC_EMULATOR_XENSTORE_DATA, body,
                     8 + (uint32_t)xsd[k].n);
        tu_expect_fault(&a, &rep, xsd[k].rule, XS_SEV_ERROR,
                        at + 16 + xsd[k].off);
    }
    /* non-zero padding: reported, kept byte for byte */
    gen_xl(XS_GUEST_X86_HVM, 3);
    at = a.len - 8;
    insert_libxl(at, XS_LREC_EMULATOR_CONTEXT, "\2\0\0\0\0\0\0\0xyz", 11);
    a.p[at + 8 + 11 + 2] = 0x5a;
    tu_expect_fault(&a, &rep, "libxl.padding", XS_SEV_WARNING, at + 21);
    ck_assert_int_eq(tu_upgrade(&a, &b, &rep, false), XS_OK);
    ck_assert_uint_eq(b.p[b.len - 8 - 3], 0x5a);
    /* a libxl stream that never hands over to libxc */
    gen_xl(XS_GUEST_X86_PV, 3);
    size_t l = find(&a, "LibxlFmt", 8);
    a.len = l + 16;
    insert_libxl(a.len, XS_LREC_END, NULL, 0);
    tu_expect_fault(&a, &rep, "libxl.end.no_libxc", XS_SEV_ERROR, l + 16);
}
END_TEST

START_TEST(trailing_kinds)
{
    struct xs_gen_opts o;
    opts(&o, V_NR * NGUEST + V_MIGRATE, 2); /* xl, PV, migrate */
    tu_gen(&o, &a);
    tu_expect_fault(&a, &rep, "trailing.xl_migrate", XS_SEV_NOTE,
                    a.len - XS_XL_MIGRATE_GO_SIZE);
    ck_assert_uint_eq(rep.warnings, 0);
    a.p[a.len - 1] = '!'; /* not exactly the handshake: a warning */
    tu_expect_fault(&a, &rep, "trailing", XS_SEV_WARNING,
                    a.len - XS_XL_MIGRATE_GO_SIZE);
}
END_TEST

START_TEST(libvirt_and_xenserver_rules)
{
    struct xs_gen_opts o;
    opts(&o, 2 * NGUEST * V_NR, 3); /* libvirt, PV */
    tu_gen(&o, &a);
    a.p[16] = 1;
    tu_expect_fault(&a, &rep, "libvirt.hdr.legacy", XS_SEV_ERROR, 16);
    tu_gen(&o, &a);
    xs_put_le32(a.p + 20, 0);
    tu_expect_fault(&a, &rep, "libvirt.hdr.xml_len", XS_SEV_ERROR, 20);
    tu_gen(&o, &a);
    a.p[30] = 1;
    tu_expect_fault(&a, &rep, "libvirt.reserved", XS_SEV_WARNING, 28);

    opts(&o, 3 * NGUEST * V_NR + 2 * V_NR, 3); /* XenServer, HVM */
    tu_gen(&o, &a);
    size_t x = 15; /* the Xenops record */
    a.p[x] = 0x0e;
    tu_expect_fault(&a, &rep, "xenserver.type", XS_SEV_ERROR, x);
    tu_gen(&o, &a);
    size_t lx = x + 16 + xs_le64(a.p + x + 8);
    a.p[lx] = 0xf2;
    tu_expect_fault(&a, &rep, "xenserver.legacy", XS_SEV_ERROR, lx);
    /* an image without its libxc stream */
    tu_gen(&o, &a);
    memset(a.p + lx, 0xff, 2);
    a.len = lx + 16;
    tu_expect_fault(&a, &rep, "xenserver.libxc", XS_SEV_ERROR, a.len);
    /* libvirt: another version; the header codec round trip */
    opts(&o, 2 * NGUEST * V_NR, 3);
    tu_gen(&o, &a);
    a.p[16] = 3;
    tu_expect_fault(&a, &rep, "libvirt.hdr.version", XS_SEV_ERROR, 16);
    struct xs_libvirt_hdr h, h2;
    xs_libvirt_hdr_decode(a.p, &h);
    uint8_t enc[XS_LIBVIRT_HDR_SIZE];
    xs_libvirt_hdr_encode(&h, enc);
    ck_assert_mem_eq(enc, a.p, XS_LIBVIRT_HDR_SIZE);
    xs_libvirt_hdr_decode(enc, &h2);
    ck_assert_uint_eq(h2.xml_len, h.xml_len);
}
END_TEST

/* Every record type xenopsd writes has its name (suspend_image.ml), the
 * others none; the header codec round-trips. */
START_TEST(xenserver_names)
{
    static const uint64_t known[] = {
        XS_XSR_XENOPS, XS_XSR_LIBXC, XS_XSR_LIBXL, XS_XSR_LIBXC_LEGACY,
        XS_XSR_QEMU_TRAD, XS_XSR_QEMU_XEN, XS_XSR_DEMU, XS_XSR_VARSTORED,
        XS_XSR_SWTPM0, XS_XSR_SWTPM, XS_XSR_END,
    };
    for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++) {
        ck_assert_ptr_nonnull(xs_xenserver_rec_name(known[i]));
        uint8_t hdr[XS_XENSERVER_HDR_SIZE];
        uint64_t t, n;
        xs_xenserver_hdr_encode(known[i], 1000 + i, hdr);
        xs_xenserver_hdr_decode(hdr, &t, &n);
        ck_assert_uint_eq(t, known[i]);
        ck_assert_uint_eq(n, 1000 + i);
    }
    ck_assert_ptr_null(xs_xenserver_rec_name(0x0e));
    ck_assert_ptr_null(xs_xenserver_rec_name(1ULL << 40));
}
END_TEST

/* What each first few bytes are said to be. */
START_TEST(detect_describe)
{
    static const struct {
        const char *bytes;
        size_t n;
        const char *layer; /* its name; NULL: none */
        const char *says; /* in the description, or NULL */
    } cases[] = {
        {"\x1f\x8b\x08", 3, "gzip", NULL},
        {"LibxlFmt\0\0\0\2", 12, "libxl", NULL},
        {"\xff\xff\xff\xff\xff\xff\xff\xffXENF", 12, "libxc", NULL},
        {XS_XENSERVER_SIG, XS_XENSERVER_SIG_SIZE, "xenserver", NULL},
        {"\x00\x10\x00\x00\x00\x00\x00\x00", 8, "legacy", "legacy"},
        {"\x00\x10\x00\x00\xff\xff\xff\xff", 8, "legacy", "legacy"},
        {XS_XENSERVER_LEGACY_SIG, XS_XENSERVER_SIG_SIZE, NULL,
         "legacy XenServer"},
        {"", 0, NULL, "empty"},
        {"abc", 3, NULL, "too short"},
        {"hello, world", 12, NULL, "not a Xen save image"},
        {"hello, world", 12, NULL, "text"},
        {"\x7f" "ELF\2\1\1\0", 8, NULL, "ELF"},
        {"\0\0\0\0\0\0\0\0\0", 9, NULL, "zero bytes"},
        {"\x28\xb5\x2f\xfd\x24\x04\0\0", 8, "zstd", NULL},
        {"\xfd" "7zXZ\0\0\0", 8, NULL, "xz"},
        {"BZh91AY&SY", 10, NULL, "bzip2"},
        {"\x01\x02\x03\x04\x80\x81\x82\x83", 8, NULL, "no gzip"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        const uint8_t *p = (const uint8_t *)cases[i].bytes;
        const struct xs_layer *l = xs_detect(p, cases[i].n);
        if (cases[i].layer)
            ck_assert_ptr_eq(l, xs_layer_named(cases[i].layer));
        else
            ck_assert_ptr_null(l);
        if (cases[i].says)
            ck_assert_ptr_nonnull(
                strstr(xs_detect_describe(p, cases[i].n), cases[i].says));
    }
    ck_assert_str_eq(xs_layer_named("xl")->name, "xl");
    ck_assert_str_eq(xs_layer_named("libvirt")->name, "libvirt");
    ck_assert_ptr_null(xs_layer_named("unknown"));
    /* every layer in the table is found by its name, and detected from
     * its own magic as itself */
    for (const struct xs_layer *const *l = xs_layers; *l; l++) {
        ck_assert_ptr_eq(xs_layer_named((*l)->name), *l);
        if ((*l)->magic)
            ck_assert_ptr_eq(xs_detect((const uint8_t *)(*l)->magic,
                                       (*l)->magic_len),
                             *l);
    }
    /* the public digest has room for every slot, named as before */
    ck_assert_uint_eq(xs_digest_slots(), XS_DIGEST_LAYERS);
    ck_assert_str_eq(xs_digest_slot_name(1), "xl");
    ck_assert_str_eq(xs_digest_slot_name(2), "libxl");
    ck_assert_str_eq(xs_digest_slot_name(3), "libvirt");
    ck_assert_str_eq(xs_digest_slot_name(4), "xenserver");
    ck_assert_str_eq(xs_digest_slot_name(5), "after END");
}
END_TEST

START_TEST(info_facts)
{
    struct xs_gen_opts o;
    struct xs_summary s;
    opts(&o, NGUEST * V_NR + 2 * V_NR + V_CHECKPOINT, 2); /* xl HVM ckpt */
    o.vcpus = 3;
    tu_gen(&o, &a);
    struct xs_in *in = tu_in_mem(a.p, a.len, &rep);
    ck_assert_int_eq(xs_verify(in, &rep, &s), XS_OK);
    xs_in_close(in);
    ck_assert_str_eq(s.layers, "xl+libxl+libxc");
    ck_assert_uint_eq(s.version, 2);
    ck_assert_uint_eq(s.guest, XS_GUEST_X86_HVM);
    ck_assert_uint_eq(s.vcpus, 3);
    ck_assert_uint_eq(s.checkpoints, 1);
    ck_assert(s.have_config && s.config_json);
    ck_assert_str_eq(s.cfg_name, "guest-1");
    ck_assert_str_eq(s.cfg_type, "hvm");
    ck_assert_int_eq(s.cfg_vcpus, 3);
    ck_assert_int_eq(s.cfg_memory_mib, 2);
    ck_assert_uint_eq(s.libxl_count[XS_LREC_CHECKPOINT_END], 1);
    ck_assert_uint_eq(s.libxl_count[XS_LREC_EMULATOR_CONTEXT], 2);
    ck_assert_uint_eq(s.rec_count[XS_REC_HVM_CONTEXT], 2);
    ck_assert_uint_eq(s.max_pfn, 599);

    opts(&o, NGUEST * V_NR + V_NR + V_TEXT, 3); /* xl PV32 text config */
    tu_gen(&o, &a);
    in = tu_in_mem(a.p, a.len, &rep);
    ck_assert_int_eq(xs_verify(in, &rep, &s), XS_OK);
    xs_in_close(in);
    ck_assert(!s.config_json);
    ck_assert_str_eq(s.cfg_type, "pv");
    ck_assert_int_eq(s.cfg_vcpus, 2);
    ck_assert_uint_eq(s.pv_width, 4);
    ck_assert_uint_eq(s.p2m_end_pfn, 599);
    ck_assert_uint_eq(s.page_types[XS_PF_L3TAB_PIN], 1);
}
END_TEST

/* ---- truncation at every byte offset ---------------------------- */

static void truncations(enum xs_gen_container cont, uint32_t guest,
                        bool checkpoint, bool gz)
{
    struct xs_gen_opts o;
    xs_gen_defaults(&o);
    o.container = cont;
    o.guest = guest;
    o.version = 2;
    o.pages = 16; /* xs-gen's least; each cut reads its prefix: n^2 */
    o.batch = 6;
    o.vcpus = 1;
    o.zero_pages = true;
    o.checkpoint = checkpoint;
    size_t capture = 0; /* a cut there is a valid Remus capture */
    if (checkpoint) {
        o.unterminated = true;
        tu_gen(&o, &a);
        capture = a.len;
        o.unterminated = false;
    }
    tu_gen(&o, &a);
    if (gz) {
        gzip_buf(&a, &c);
        xs_buf_free(&a);
        a = c;
        memset(&c, 0, sizeof(c));
    }
    int fd = tu_mem_fd(a.p, a.len);
    for (size_t n = a.len, step = tu_stride(); n > 0;) {
        n = n > step ? n - step : 0;
        if (checkpoint && n == capture)
            continue;
        struct xs_report r;
        xs_report_init(&r, "t");
        TU_ASSERT(ftruncate(fd, (off_t)n) == 0 && lseek(fd, 0, SEEK_SET) == 0,
                  "cut at %zu", n);
        struct xs_in *in = xs_in_from_fd(dup(fd), "cut", true, &r);
        int rc = xs_verify(in, &r, NULL);
        xs_in_close(in);
        TU_ASSERT(rc == XS_INVALID, "truncated at %zu: rc %d", n, rc);
        TU_ASSERT(r.errors == 1, "truncated at %zu: %u errors", n, r.errors);
        TU_ASSERT(gz || r.kept[r.nkept - 1].offset <= n,
                  "truncated at %zu: error at %" PRIu64, n,
                  r.kept[r.nkept - 1].offset);
        xs_report_free(&r);
    }
    close(fd);
}

START_TEST(truncated_xl_pv) { truncations(XS_GEN_XL, XS_GUEST_X86_PV, 0, 0); }
END_TEST
START_TEST(truncated_xl_hvm_checkpointed)
{
    truncations(XS_GEN_XL, XS_GUEST_X86_HVM, 1, 0);
}
END_TEST
START_TEST(truncated_libvirt) { truncations(XS_GEN_LIBVIRT, XS_GUEST_X86_HVM, 0, 0); }
END_TEST
START_TEST(truncated_xenserver) { truncations(XS_GEN_XENSERVER, XS_GUEST_X86_HVM, 0, 0); }
END_TEST
START_TEST(truncated_gzip_xl) { truncations(XS_GEN_XL, XS_GUEST_X86_PV, 0, 1); }
END_TEST

int main(void)
{
    Suite *s = suite_create("containers");
    TCase *t = tcase_create("golden");
    tcase_set_timeout(t, 300);
    tcase_add_checked_fixture(t, setup, teardown);
    tcase_add_loop_test(t, golden_containers, 0, NCONT * NGUEST * V_NR);
    tcase_add_loop_test(t, gzip_in_and_out, 0, NCONT * NGUEST * V_NR);
    tcase_add_loop_test(t, zstd_in_and_out, 0, NCONT * NGUEST * V_NR);
    tcase_add_loop_test(t, convert_round_trips, 0, NCONVERT);
    suite_add_tcase(s, t);
    t = tcase_create("rules");
    tcase_add_checked_fixture(t, setup, teardown);
    tcase_add_test(t, gzip_faults);
    tcase_add_test(t, zstd_faults);
    tcase_add_test(t, transport_twice);
    tcase_add_test(t, xl_header_rules);
    tcase_add_test(t, xl_config_text_syntax);
    tcase_add_test(t, xl_config_json_numbers);
    tcase_add_test(t, xl_config_per_release);
    tcase_add_test(t, libxl_header_rules);
    tcase_add_test(t, libxl_record_rules);
    tcase_add_test(t, trailing_kinds);
    tcase_add_test(t, libvirt_and_xenserver_rules);
    tcase_add_test(t, xenserver_names);
    tcase_add_test(t, detect_describe);
    tcase_add_test(t, info_facts);
    suite_add_tcase(s, t);
    t = tcase_create("truncation");
    tcase_set_timeout(t, 600);
    tcase_add_checked_fixture(t, setup, teardown);
    tcase_add_test(t, truncated_xl_pv);
    tcase_add_test(t, truncated_xl_hvm_checkpointed);
    tcase_add_test(t, truncated_libvirt);
    tcase_add_test(t, truncated_xenserver);
    tcase_add_test(t, truncated_gzip_xl);
    suite_add_tcase(s, t);
    return tu_run(s);
}
