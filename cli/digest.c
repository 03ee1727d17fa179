/* xenstream digest: a content digest of the guest state that survives
 * upgrade (and any container), for comparing images by what they hold. */
#include <getopt.h>
#include <jansson.h>
#include <string.h>

#include "common.h"

static int run_digest(int argc, char **argv);

const struct xs_command xs_cmd_digest = {
    .name = "digest",
    .run = run_digest,
    .summary = "content digest (XXH3-128) of the guest state, and of each layer",
    .usage =
        "usage: xenstream digest [--json] [IN...]\n"
        "\n"
        "Print an XXH3-128 digest of each input's guest state: the libxc\n"
        "stream in its canonical v3 form (what 'xenstream upgrade' writes),\n"
        "so that a v2 image and its upgrade, or the same stream in another\n"
        "container, have the same digest, and any lost or changed byte of a\n"
        "record changes it.  Below it, a digest of each container layer's\n"
        "own bytes (xl header and config, libxl records, libvirt and\n"
        "XenServer headers, bytes after END).  The input is checked as by\n"
        "verify; an invalid one gets no digest (exit 1).  No IN: standard\n"
        "input (a terminal is refused).\n"
        "\n"
        "  HEX  FILE            the content digest, as b3sum/sha256sum print\n"
        "    LAYER  HEX  BYTES  one line per container layer\n"
        "\n"
        "  --json         one JSON document per input on standard output;\n"
        "                 for an invalid input, its findings (as verify\n"
        "                 --json) instead of a digest\n"
        "  --progress     a progress line on standard error (default: only\n"
        "                 when it is a terminal); --no-progress: never\n"
        "  -h, --help     show this help\n",
};

static void print_doc(const char *file, const struct xs_digest *d, bool json)
{
    char hex[33];
    xs_hex(d->content, 16, hex);
    if (!json) {
        xs_cli_printf("%s  %s\n", hex, file);
        for (unsigned i = 0; i < d->n; i++) {
            xs_hex(d->layer[i].hash, 16, hex);
            xs_cli_printf("    %-10s %s  %llu bytes\n", d->layer[i].layer, hex,
                   (unsigned long long)d->layer[i].bytes);
        }
        return;
    }
    json_t *doc = json_object(), *layers = json_object();
    xs_json_set_name(doc, "file", file);
    json_object_set_new(doc, "valid", json_true());
    json_object_set_new(doc, "algorithm", json_string("XXH3-128"));
    json_object_set_new(doc, "content", json_string(hex));
    json_object_set_new(doc, "content_bytes",
                        json_integer((json_int_t)d->content_bytes));
    for (unsigned i = 0; i < d->n; i++) {
        json_t *l = json_object();
        xs_hex(d->layer[i].hash, 16, hex);
        json_object_set_new(l, "digest", json_string(hex));
        json_object_set_new(l, "bytes",
                            json_integer((json_int_t)d->layer[i].bytes));
        json_object_set_new(layers, d->layer[i].layer, l);
    }
    json_object_set_new(doc, "layers", layers);
    json_dumpf(doc, stdout, JSON_COMPACT | JSON_ENSURE_ASCII);
    fputc('\n', stdout);
    json_decref(doc);
}

static int digest_one(const char *path, bool json,
                      const struct xs_progress_opts *po)
{
    struct xs_report rep;
    struct xs_digest d = {0};
    /* --json: the findings go into the document, as for verify --json */
    struct xs_in *in = xs_cli_open(path, !json, po, &rep);
    int rc = xs_cli_open_status();
    if (in) {
        rc = xs_digest(in, &rep, NULL, &d);
        xs_cli_close(in);
    }
    if (rc == XS_OK)
        print_doc(rep.file, &d, json);
    else if (json) /* one document all the same, saying why */
        xs_json_print(xs_json_failure(rep.file, rc, &rep), false);
    xs_cli_flush();
    xs_report_free(&rep);
    return rc;
}

static int run_digest(int argc, char **argv)
{
    static const struct option opts[] = {
        {"json", no_argument, NULL, 'j'},
        {"help", no_argument, NULL, 'h'},
        XS_PROGRESS_LONGOPTS,
        {NULL, 0, NULL, 0},
    };
    bool json = false;
    struct xs_progress_opts po = XS_PROGRESS_DEFAULT;
    int c;

    opterr = 0;
    optind = 1;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (c) {
        case 'j':
            json = true;
            break;
        case 'h':
            xs_print_help(&xs_cmd_digest);
            return XS_OK;
        XS_PROGRESS_CASES(po);
        default:
            return xs_usage_error(&xs_cmd_digest, "unknown or incomplete "
                                  "option '%s'", argv[optind - 1]);
        }
    }
    /* the trailer is a layer of the digest ("after END"): no note */
    xs_cli_notes(false);
    if (optind >= argc) /* as upgrade: standard input */
        return digest_one("-", json, &po);
    if (xs_cli_check_inputs(&xs_cmd_digest, argc - optind, argv + optind))
        return XS_USAGE;
    int worst = XS_OK;
    /* a reader gone away (| head) reads no more: the rest is not read */
    for (int i = optind; i < argc && !xs_cli_stdout_failed(); i++) {
        worst = xs_worst(worst, digest_one(argv[i], json, &po));
    }
    return worst;
}
