/* xenstream upgrade: any supported stream in, canonical v3 out. */
#include <getopt.h>
#include <string.h>
#include <unistd.h>

#include "common.h"

static int run_upgrade(int argc, char **argv);

const struct xs_command xs_cmd_upgrade = {
    .name = "upgrade",
    .run = run_upgrade,
    .summary = "rewrite a v2 or v3 stream as the canonical v3 stream",
    .usage =
        "usage: xenstream upgrade [-o OUT | --in-place] [--gzip] [--fsync] [-v]\n"
        "                         [IN]\n"
        "\n"
        "Rewrite a libxc v2 or v3 stream as the canonical v3 stream: for a v2\n"
        "input, STATIC_DATA_END is inserted where Xen's restore infers it\n"
        "(before the first PAGE_DATA, or for a PV guest the first\n"
        "X86_PV_P2M_FRAMES, whichever comes first); zero-content erratum\n"
        "records are dropped; reserved fields and padding are cleared.\n"
        "Everything else is copied byte for byte, and every container layer\n"
        "(xl header and config, libxl records, libvirt and XenServer\n"
        "headers) is kept as it is.  gzip input is decoded on the fly.\n"
        "\n"
        "IN and OUT default to '-' (standard input / standard output).  A\n"
        "file OUT is written to a temporary file beside it and renamed into\n"
        "place only when complete.  An invalid input is refused (exit 1)\n"
        "with the offset, record index and type of its first fault.\n"
        "\n"
        "  -o, --output OUT   write to OUT instead of standard output\n"
        "  -i, --in-place     replace IN (a file) by its upgrade, atomically\n"
        "  -z, --gzip         compress the output (also when OUT ends in .gz)\n"
        "      --fsync        make OUT durable (fsync) before renaming it\n"
        "  -v, --verbose      say what was done, on standard error\n"
        "  -h, --help         show this help\n",
};

static int run_upgrade(int argc, char **argv)
{
    static const struct option opts[] = {
        {"output", required_argument, NULL, 'o'},
        {"verbose", no_argument, NULL, 'v'},
        {"fsync", no_argument, NULL, 'S'},
        {"gzip", no_argument, NULL, 'z'},
        {"in-place", no_argument, NULL, 'i'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *out_path = "-";
    bool verbose = false, sync = false, gzip = false, in_place = false;
    int c;

    opterr = 0;
    optind = 1;
    while ((c = getopt_long(argc, argv, "o:vzih", opts, NULL)) != -1) {
        switch (c) {
        case 'o':
            out_path = optarg;
            break;
        case 'v':
            verbose = true;
            break;
        case 'S':
            sync = true;
            break;
        case 'z':
            gzip = true;
            break;
        case 'i':
            in_place = true;
            break;
        case 'h':
            xs_print_help(&xs_cmd_upgrade);
            return XS_OK;
        default:
            return xs_usage_error(&xs_cmd_upgrade, "unknown or incomplete "
                                  "option '%s'", argv[optind - 1]);
        }
    }
    if (argc - optind > 1)
        return xs_usage_error(&xs_cmd_upgrade, "one input at most");
    const char *in_path = optind < argc ? argv[optind] : "-";
    if (in_place) {
        /* the output goes to a temporary file beside IN and is renamed
         * over it only when complete: IN is never half rewritten */
        if (strcmp(out_path, "-") != 0 || strcmp(in_path, "-") == 0)
            return xs_usage_error(&xs_cmd_upgrade,
                                  "--in-place takes a file IN and no -o");
        out_path = in_path;
    }
    size_t olen = strlen(out_path);
    if (olen > 3 && strcmp(out_path + olen - 3, ".gz") == 0)
        gzip = true;
    if (strcmp(out_path, "-") == 0 && isatty(STDOUT_FILENO))
        return xs_usage_error(&xs_cmd_upgrade,
                              "refusing to write a binary stream to a "
                              "terminal; use -o OUT or a redirection");

    xs_install_signal_cleanup();
    struct xs_report rep;
    struct xs_summary sum;
    xs_report_init(&rep, strcmp(in_path, "-") == 0 ? "<stdin>" : in_path);
    rep.sink = xs_report_print_sink;

    struct xs_in *in = xs_in_open(in_path, &rep);
    if (!in) {
        xs_report_free(&rep);
        return XS_IO;
    }
    int rc;
    if (!in_place && xs_same_file(in, out_path)) {
        xs_in_close(in);
        xs_report_free(&rep);
        return xs_usage_error(&xs_cmd_upgrade,
                              "'%s' is both input and output (use "
                              "--in-place)", out_path);
    }
    rc = xs_upgrade_precheck(in, &rep, &sum);
    if (rc == XS_OK) {
        struct xs_out *out = xs_out_open(out_path, &rep);
        if (!out) {
            rc = XS_IO;
        } else {
            xs_out_set_fsync(out, sync);
            rc = gzip ? xs_out_set_gzip(out, 6) : XS_OK; /* gzip's default */
            if (rc == XS_OK)
                rc = xs_upgrade(in, out, &rep, &sum);
            if (rc == XS_OK)
                rc = xs_out_commit(out);
            else
                xs_out_abort(out);
        }
    }
    if (rc == XS_OK && verbose) {
        char what[160];
        xs_describe_summary(&sum, what, sizeof(what));
        fprintf(stderr,
                "%s: %s: written as v3 to %s (%llu bytes); STATIC_DATA_END "
                "inserted: %u, erratum records dropped: %u, warnings: %u\n",
                rep.file, what,
                strcmp(out_path, "-") == 0 ? "<stdout>" : out_path,
                (unsigned long long)sum.bytes_out, sum.sde_inserted,
                sum.dropped, rep.warnings);
    }
    xs_in_close(in);
    xs_report_free(&rep);
    return rc;
}
