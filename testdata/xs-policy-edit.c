/* xs-policy-edit: edit the CPU policy a real save carries, in place, the
 * way a guest saved on another host would carry it.  A test tool (the Xen
 * testbed, tests/xen/restore-test.sh): it sets CPUID feature bits by
 * Xen's names and the max basic leaf in the X86_CPUID_POLICY record's
 * entries, rewriting only those bytes of an uncompressed image.
 *
 *   xs-policy-edit [--set NAME,...] [--max-leaf N] IMAGE */
#include <fcntl.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cpufeatures.h"
#include "endian.h"
#include "gen.h"
#include "libxc.h"

struct found {
    uint64_t at;    /* the record's body in the file */
    uint8_t *body;
    uint32_t len;
    unsigned n;     /* X86_CPUID_POLICY records seen */
};

static void record(void *ctx, const char *layer, const struct xs_record *r)
{
    struct found *f = ctx;
    if (strcmp(layer, "libxc") != 0 || r->type != XS_REC_X86_CPUID_POLICY)
        return;
    f->n++;
    free(f->body);
    f->body = malloc(r->held ? r->held : 1);
    if (f->body)
        memcpy(f->body, r->body, r->held);
    f->len = r->held;
    f->at = r->offset + XS_REC_HDR_SIZE;
}

/* The entry (leaf, subleaf) of the policy body, or NULL. */
static uint8_t *entry(const struct found *f, uint32_t leaf, uint32_t subleaf)
{
    for (uint32_t o = 0; o + XS_CPUID_LEAF_SIZE <= f->len;
         o += XS_CPUID_LEAF_SIZE)
        if (xs_le32(f->body + o) == leaf && xs_le32(f->body + o + 4) == subleaf)
            return f->body + o;
    return NULL;
}

static int fail(const char *what, const char *name)
{
    fprintf(stderr, "xs-policy-edit: %s%s%s\n", what, name ? ": " : "",
            name ? name : "");
    return 1;
}

int main(int argc, char **argv)
{
    static const struct option opts[] = {
        {"set", required_argument, NULL, 's'},
        {"max-leaf", required_argument, NULL, 'm'},
        {NULL, 0, NULL, 0},
    };
    char *set = NULL;
    long long max_leaf = -1;
    int c;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        if (c == 's')
            set = optarg;
        else if (c == 'm')
            max_leaf = strtoll(optarg, NULL, 0);
        else
            return fail("usage: xs-policy-edit [--set NAME,...] "
                        "[--max-leaf N] IMAGE", NULL);
    }
    if (optind + 1 != argc)
        return fail("one IMAGE", NULL);
    const char *path = argv[optind];

    struct found f = {0};
    struct xs_report rep;
    xs_report_init(&rep, path);
    struct xs_in *in = xs_in_open(path, &rep);
    const struct xs_visitor v = {.record = record, .ctx = &f};
    int rc = in ? xs_walk(in, &rep, NULL, &v) : XS_IO;
    xs_in_close(in);
    xs_report_free(&rep);
    if (rc != XS_OK)
        return fail("not a valid image", path);
    if (f.n != 1 || !f.body)
        return fail("not exactly one X86_CPUID_POLICY record", path);

    for (char *save = NULL, *n = set ? strtok_r(set, ",", &save) : NULL; n;
         n = strtok_r(NULL, ",", &save)) {
        unsigned bit;
        bool known;
        const struct xs_cpu_word *w = xs_gen_feature(n, &bit, &known);
        if (!w || w->kind != XS_CPU_WORD_CPUID)
            return fail("not a CPUID feature Xen names", n);
        uint8_t *e = entry(&f, w->leaf, w->subleaf);
        if (!e)
            return fail("the policy has no entry for its leaf", n);
        uint8_t *r = e + 8 + 4 * (unsigned)(w->reg - 'a');
        xs_put_le32(r, xs_le32(r) | 1u << bit);
    }
    if (max_leaf >= 0) {
        uint8_t *e = entry(&f, 0, XS_NO_SUBLEAF);
        if (!e)
            return fail("the policy has no leaf 0", path);
        xs_put_le32(e + 8, (uint32_t)max_leaf);
    }
    int fd = open(path, O_WRONLY | O_CLOEXEC);
    if (fd < 0 || pwrite(fd, f.body, f.len, (off_t)f.at) != (ssize_t)f.len ||
        close(fd) != 0)
        return fail("cannot write", path);
    free(f.body);
    return 0;
}
