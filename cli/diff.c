/* xenstream diff: are two images the same guest state? */
#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <string.h>

#include "common.h"

static int run_diff(int argc, char **argv);

const struct xs_command xs_cmd_diff = {
    .name = "diff",
    .run = run_diff,
    .summary = "compare two images by content (pages, contexts, config)",
    .usage =
        "usage: xenstream diff [--all | -n N] [--json] A B\n"
        "\n"
        "Compare two images of any container and version by what they hold:\n"
        "headers (guest type, page size, the Xen that saved them), the xl\n"
        "config (when both are xl files), the final state of every page with\n"
        "data by pfn (later records overwrite earlier ones, as a restore\n"
        "would; pages after VERIFY do not), vCPU contexts, HVM context\n"
        "descriptors, HVM params, CPU policy entries, other records and\n"
        "the emulator records.  A v2\n"
        "image and its upgrade are equivalent.  Differences are printed\n"
        "grouped by kind, the first 10 of each unless --all.  Notes about\n"
        "an image (xl's migration handshake after END) are not printed:\n"
        "'xenstream info' shows them.\n"
        "\n"
        "Memory grows with the number of distinct pfns that carry data (at\n"
        "most 64 bytes each per image: 64 MiB for a 4 GiB guest), never\n"
        "with page data or with entries without data (XTAB, BROKEN, XALLOC).\n"
        "\n"
        "  -n, --max N    show the first N differences of each kind (10)\n"
        "  -a, --all      show every difference\n"
        "  --json         one JSON document on standard output\n"
        "  --progress     a progress line on standard error (default: only\n"
        "                 when it is a terminal); --no-progress: never\n"
        "  -h, --help     show this help\n"
        "\n"
        "Exit status: 0 equivalent, 1 different (or an input is invalid),\n"
        "2 usage error, 3 I/O error.\n",
};

struct printer {
    uint64_t limit;      /* per kind; UINT64_MAX: all */
    uint64_t shown[XS_DK_NR];
    const uint64_t *counts;
    int kind;            /* the kind whose heading was printed, or -1 */
    json_t *list;        /* --json */
};

static void print_one(void *ctx, const struct xs_difference *d)
{
    struct printer *p = ctx;
    /* a reader gone away (| head): nothing more to print */
    if (p->shown[d->kind]++ >= p->limit || (!p->list && xs_cli_stdout_failed()))
        return;
    if (p->list) {
        json_t *o = json_object();
        json_object_set_new(o, "kind", json_string(xs_diff_kind_name(d->kind)));
        /* from the images (config keys and values): any bytes */
        json_object_set_new(o, "what", xs_json_text(d->what));
        json_object_set_new(o, "a", xs_json_text(d->a));
        json_object_set_new(o, "b", xs_json_text(d->b));
        if (d->detail[0])
            json_object_set_new(o, "detail", xs_json_text(d->detail));
        json_array_append_new(p->list, o);
        return;
    }
    if (p->kind != (int)d->kind) {
        p->kind = (int)d->kind;
        xs_cli_printf("%s: %llu difference%s\n", xs_diff_kind_name(d->kind),
               (unsigned long long)p->counts[d->kind],
               p->counts[d->kind] == 1 ? "" : "s");
    }
    if (d->b[0])
        xs_cli_printf("  %s: %s in A, %s in B\n", d->what, d->a, d->b);
    else
        xs_cli_printf("  %s: %s\n", d->what, d->a);
    if (d->detail[0])
        xs_cli_printf("    %s\n", d->detail);
    if (p->shown[d->kind] == p->limit && p->counts[d->kind] > p->limit)
        xs_cli_printf("  ... and %llu more (--all shows them)\n",
               (unsigned long long)(p->counts[d->kind] - p->limit));
}

static int read_image(const char *path, const struct xs_progress_opts *po,
                      struct xs_report *rep, struct xs_summary *sum,
                      struct xs_image **img)
{
    struct xs_in *in = xs_cli_open(path, true, po, rep);
    if (!in)
        return xs_cli_open_status();
    int rc = xs_image_read(in, rep, sum, img);
    xs_cli_close(in);
    return rc;
}

static int run_diff(int argc, char **argv)
{
    static const struct option opts[] = {
        {"all", no_argument, NULL, 'a'},
        {"max", required_argument, NULL, 'n'},
        {"json", no_argument, NULL, 'j'},
        {"help", no_argument, NULL, 'h'},
        XS_PROGRESS_LONGOPTS,
        {NULL, 0, NULL, 0},
    };
    struct printer p = {.limit = 10, .kind = -1};
    struct xs_progress_opts po = XS_PROGRESS_DEFAULT;
    bool json = false;
    int c;

    opterr = 0;
    optind = 1;
    while ((c = getopt_long(argc, argv, "an:h", opts, NULL)) != -1) {
        switch (c) {
        case 'a':
            p.limit = UINT64_MAX;
            break;
        case 'n': {
            /* digits only: strtoull() would take " 5", "+5" and "-5"
             * (as 2^64 - 5), and a count past 2^64 as 2^64 - 1 */
            char *end;
            errno = 0;
            unsigned long long v = strtoull(optarg, &end, 10);
            if (*end || optarg[0] < '0' || optarg[0] > '9' || errno == ERANGE)
                return xs_usage_error(&xs_cmd_diff, "--max takes a count, "
                                      "not '%s'", optarg);
            p.limit = v;
            break;
        }
        case 'j':
            json = true;
            break;
        XS_PROGRESS_CASES(po);
        case 'h':
            xs_print_help(&xs_cmd_diff);
            return XS_OK;
        default:
            return xs_usage_error(&xs_cmd_diff, "unknown or incomplete "
                                  "option '%s'", argv[optind - 1]);
        }
    }
    if (argc - optind != 2)
        return xs_usage_error(&xs_cmd_diff, "two inputs, A and B");
    if (xs_cli_check_inputs(&xs_cmd_diff, 2, argv + optind))
        return XS_USAGE;

    /* a note says something of one image, not of the difference */
    xs_cli_notes(false);
    struct xs_report ra, rb;
    struct xs_summary sa, sb;
    struct xs_image *a = NULL, *b = NULL;
    int rc = read_image(argv[optind], &po, &ra, &sa, &a);
    int rc2 = XS_OK;
    if (rc == XS_USAGE) /* A refused as a terminal: B is not worth reading */
        xs_report_init(&rb, argv[optind + 1]);
    else
        rc2 = read_image(argv[optind + 1], &po, &rb, &sb, &b);
    /* the worse of the two: usage, then I/O, then invalid */
    if (rc2 == XS_USAGE || (rc != XS_USAGE && (rc == XS_OK || rc2 == XS_IO)))
        rc = rc2 == XS_OK ? rc : rc2;
    if (rc == XS_OK) {
        uint64_t counts[XS_DK_NR];
        uint64_t total = xs_image_diff(a, b, NULL, NULL, counts);
        if (total == UINT64_MAX) {
            fprintf(stderr, "xenstream diff: out of memory\n");
            rc = XS_IO;
        } else {
            p.counts = counts;
            if (json)
                p.list = json_array();
            uint64_t again[XS_DK_NR];
            xs_image_diff(a, b, print_one, &p, again);
            if (json) {
                json_t *doc = json_object(), *k = json_object();
                xs_json_set_name(doc, "a", ra.file);
                xs_json_set_name(doc, "b", rb.file);
                json_object_set_new(doc, "equivalent",
                                    json_boolean(total == 0));
                json_object_set_new(doc, "differences",
                                    json_integer((json_int_t)total));
                for (int i = 0; i < XS_DK_NR; i++)
                    if (counts[i])
                        json_object_set_new(k, xs_diff_kind_name(i),
                                            json_integer((json_int_t)counts[i]));
                json_object_set_new(doc, "by_kind", k);
                json_object_set_new(doc, "shown", p.list);
                json_dumpf(doc, stdout, JSON_COMPACT | JSON_ENSURE_ASCII);
                fputc('\n', stdout);
                json_decref(doc);
            } else if (total == 0) {
                xs_cli_printf("%s and %s are equivalent: %llu pages, the same "
                       "contexts and config\n",
                       ra.file, rb.file,
                       (unsigned long long)xs_image_pages(a));
            } else {
                xs_cli_printf("%s and %s differ: %llu difference%s\n", ra.file,
                       rb.file, (unsigned long long)total,
                       total == 1 ? "" : "s");
            }
            rc = total ? XS_INVALID : XS_OK;
        }
    }
    xs_image_free(a);
    xs_image_free(b);
    xs_report_free(&ra);
    xs_report_free(&rb);
    return rc;
}
