/* xenstream export: the guest's memory out of a save image, as Xen's
 * dump-core, a plain ELF core or a raw file (core/export.c). */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "common.h"

static int run_export(int argc, char **argv);

const struct xs_command xs_cmd_export = {
    .name = "export",
    .run = run_export,
    .summary = "the guest's memory as Xen's dump-core, an ELF core or a raw file",
    .usage =
        "usage: xenstream export --format xc-core|elf|raw [-o OUT]\n"
        "                        [--no-sparse] [--partial] [-v] [IN]\n"
        "\n"
        "Write the guest's memory as the image leaves it (a later copy of\n"
        "a page replaces an earlier one, as a restore does; only pages that\n"
        "carry data) in one of three formats:\n"
        "\n"
        "  xc-core  Xen's dump-core, as 'xl dump-core' writes it (sections\n"
        "           .note.Xen, .xen_prstatus, .xen_shared_info for PV,\n"
        "           .xen_pages, .xen_p2m for PV or .xen_pfn for HVM): for\n"
        "           crash, volatility3's XenCoreDumpLayer\n"
        "  elf      a plain ELF64 core: one PT_LOAD per run of present pfns\n"
        "           at its guest-physical address, NT_PRSTATUS notes with\n"
        "           each vCPU's registers: for gdb, volatility3's Elf64Layer\n"
        "  raw      offset = guest-physical address; absent pages and\n"
        "           all-zero pages are holes (sparse) unless --no-sparse\n"
        "\n"
        "Every container, version, transport and guest type xenstream reads\n"
        "is read.  The ELF layouts need every pfn before the first page, so\n"
        "the input is read twice: a pipe or a compressed image is first\n"
        "decoded into an unlinked file in $TMPDIR (or /tmp), which is said on\n"
        "standard error.  A file OUT is written to a temporary file beside\n"
        "it and renamed into place only when complete.  An invalid input is\n"
        "refused (exit 1) with the offset, record index and type of its\n"
        "fault.\n"
        "\n"
        "  -f, --format FMT   xc-core, elf or raw (required)\n"
        "  -o, --output OUT   write to OUT instead of standard output\n"
        "      --no-sparse    raw: write zeros, not holes\n"
        "      --partial      export a truncated image: what it holds; the\n"
        "                     pfns cut off are named (a warning)\n"
        "  -v, --verbose      say what was written, on standard error\n"
        "      --progress     a progress line on standard error (default: only\n"
        "                     when it is a terminal); --no-progress: never\n"
        "  -h, --help         show this help\n",
};

static const char *format_name(enum xs_export_format f)
{
    return f == XS_EXPORT_XC_CORE ? "xc-core" : f == XS_EXPORT_ELF ? "elf"
                                                                   : "raw";
}

static const char *spool_dir(void)
{
    const char *d = getenv("TMPDIR");
    return d && *d ? d : "/tmp";
}

static int export_one(const char *in_path, const char *out_path,
                      const struct xs_export_opts *eo, bool partial,
                      bool verbose, const struct xs_progress_opts *po)
{
    /* before the input is opened: opening a FIFO waits for its writer */
    const char *why = xs_out_refusal(NULL, out_path, false);
    if (why)
        return xs_usage_error(&xs_cmd_export, "%s: %s", out_path, why);
    xs_install_signal_cleanup();
    struct xs_report rep;
    struct xs_in *in = xs_cli_open(in_path, true, po, &rep);
    if (!in) {
        xs_report_free(&rep);
        return xs_cli_open_status();
    }
    if ((why = xs_out_refusal(in, out_path, false))) {
        xs_cli_close(in);
        xs_report_free(&rep);
        return xs_usage_error(&xs_cmd_export, "%s: %s", out_path, why);
    }
    struct xs_memory_opts mo = {.partial = partial, .spool_dir = spool_dir()};
    struct xs_memory *m = NULL;
    struct xs_export_result res = {0};
    int rc = xs_memory_read(in, &rep, NULL, &mo, &m);
    if (rc == XS_OK) {
        /* only now, the input known good: nothing is left at OUT else */
        struct xs_out *out = xs_out_open(out_path, &rep);
        if (!out) {
            rc = XS_IO;
        } else {
            rc = xs_export(m, out, &rep, eo, &res);
            if (rc == XS_OK)
                rc = xs_out_commit(out);
            else
                xs_out_abort(out);
        }
    }
    if (rc == XS_OK && verbose) {
        struct xs_memory_info mi;
        xs_memory_get_info(m, &mi);
        /* only a sparse raw export looks at each page for zeros */
        char zero[64] = "";
        if (eo->format == XS_EXPORT_RAW && !eo->no_sparse)
            snprintf(zero, sizeof(zero), ", %llu of them all zero: holes in "
                     "a file", (unsigned long long)res.zero_pages);
        xs_text_printf(stderr, "%s: %s guest, %llu pfns in %llu run%s, "
                       "%u vCPU%s: written as %s to %s (%llu pages%s; %llu "
                       "bytes)\n", rep.file,
                       xs_guest_name(mi.guest), (unsigned long long)mi.pfns,
                       (unsigned long long)mi.runs, mi.runs == 1 ? "" : "s",
                       mi.vcpus, mi.vcpus == 1 ? "" : "s",
                       format_name(eo->format),
                       strcmp(out_path, "-") == 0 ? "<stdout>" : out_path,
                       (unsigned long long)res.pages, zero,
                       (unsigned long long)res.bytes);
    }
    xs_memory_free(m);
    xs_cli_close(in);
    xs_report_free(&rep);
    return rc;
}

static int run_export(int argc, char **argv)
{
    enum { O_NO_SPARSE = 0x200, O_PARTIAL };
    static const struct option opts[] = {
        {"format", required_argument, NULL, 'f'},
        {"output", required_argument, NULL, 'o'},
        {"no-sparse", no_argument, NULL, O_NO_SPARSE},
        {"partial", no_argument, NULL, O_PARTIAL},
        {"verbose", no_argument, NULL, 'v'},
        {"help", no_argument, NULL, 'h'},
        XS_PROGRESS_LONGOPTS,
        {NULL, 0, NULL, 0},
    };
    struct xs_export_opts eo = {0};
    struct xs_progress_opts po = XS_PROGRESS_DEFAULT;
    const char *out_path = "-";
    bool have_format = false, partial = false, verbose = false;
    int c;

    opterr = 0;
    optind = 1;
    while ((c = getopt_long(argc, argv, "f:o:vh", opts, NULL)) != -1) {
        switch (c) {
        case 'f':
            if (!optarg || xs_export_format_parse(optarg, &eo.format) != XS_OK)
                return xs_usage_error(&xs_cmd_export, "--format takes "
                                      "xc-core, elf or raw, not '%s'",
                                      optarg ? optarg : "");
            have_format = true;
            break;
        case 'o':
            if (!optarg || !*optarg)
                return xs_usage_error(&xs_cmd_export,
                                      "--output needs a file name");
            out_path = optarg;
            break;
        case O_NO_SPARSE:
            eo.no_sparse = true;
            break;
        case O_PARTIAL:
            partial = true;
            break;
        case 'v':
            verbose = true;
            break;
        XS_PROGRESS_CASES(po);
        case 'h':
            xs_print_help(&xs_cmd_export);
            return XS_OK;
        default:
            return xs_usage_error(&xs_cmd_export, "unknown or incomplete "
                                  "option '%s'", argv[optind - 1]);
        }
    }
    if (!have_format)
        return xs_usage_error(&xs_cmd_export,
                              "--format xc-core, elf or raw is required");
    if (eo.no_sparse && eo.format != XS_EXPORT_RAW)
        return xs_usage_error(&xs_cmd_export, "--no-sparse goes with "
                                              "--format raw");
    if (argc - optind > 1)
        return xs_usage_error(&xs_cmd_export, "one input at most");
    return export_one(optind < argc ? argv[optind] : "-", out_path, &eo,
                      partial, verbose, &po);
}
