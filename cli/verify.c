/* xenstream verify: will Xen restore this, as it was saved? */
#include <getopt.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "common.h"

static int run_verify(int argc, char **argv);

const struct xs_command xs_cmd_verify = {
    .name = "verify",
    .run = run_verify,
    .summary = "check streams the way Xen's restore would",
    .usage =
        "usage: xenstream verify [--xen X.Y] [--json] [--strict] [-q] [IN...]\n"
        "\n"
        "Check every layer of each input (standard input when none is\n"
        "given; a terminal is refused).  Each fault is one line on standard\n"
        "error: 'FILE: offset 0xOFF record #N TYPE: message'.  One summary\n"
        "line per input goes to standard output.\n"
        "\n"
        "Errors are what Xen's restore would refuse, what Xen's\n"
        "verify-stream-v2 rightly refuses, and breaches of the spec that\n"
        "change the restored guest.  Warnings are what a restore tolerates\n"
        "(erratum records, optional records, non-zero reserved bits and\n"
        "padding, checkpoints, bytes after END).\n"
        "\n"
        "  --xen X.Y      also the rules of Xen X.Y's restore path: the image\n"
        "                 versions it reads (4.6-4.13: v2 only), the record\n"
        "                 types it knows, erratum 1 (4.6-4.8 refuse empty\n"
        "                 vCPU records); says what to run to make the image\n"
        "                 acceptable there\n"
        "  --json         one JSON document per input on standard output\n"
        "                 (a file name that is not UTF-8: see xenstream(1))\n"
        "  --strict       warnings fail too\n"
        "  -q, --quiet    no summary lines and no notes (facts that are not\n"
        "                 faults, e.g. xl's migration handshake after END)\n"
        "  --progress     a progress line on standard error (default: only\n"
        "                 when it is a terminal); --no-progress: never\n"
        "  -h, --help     show this help\n"
        "\n"
        "Exit status: 0 all valid, 1 any invalid, 2 usage error (also: an\n"
        "input on a terminal), 3 any I/O error (standard output included).\n",
};

/* What to run so that the release restores the image: only when the
 * release's rules are all that failed. */
static const char *remedy(const struct xs_release *xen, int rc,
                          const struct xs_report *rep,
                          const struct xs_summary *s)
{
    if (!xen || rc != XS_INVALID || rep->errors != s->release_errors)
        return "";
    return xs_release_remedy(xen, s);
}

static void print_json(const char *file, int rc, bool strict,
                       const struct xs_release *xen,
                       const struct xs_report *rep, const struct xs_summary *s)
{
    json_t *doc = json_object();
    xs_json_set_name(doc, "file", file);
    json_object_set_new(doc, "valid", json_boolean(rc == XS_OK));
    json_object_set_new(doc, "status", json_integer(rc));
    json_object_set_new(doc, "strict", json_boolean(strict));
    json_object_set_new(doc, "errors", json_integer(rep->errors));
    json_object_set_new(doc, "warnings", json_integer(rep->warnings));
    if (s->layers[0]) {
        json_object_set_new(doc, "layers", json_string(s->layers));
        json_object_set_new(doc, "version", json_integer(s->version));
        json_object_set_new(doc, "guest",
                            json_string(xs_guest_name(s->guest)));
        json_object_set_new(doc, "records", json_integer((json_int_t)s->records));
        json_object_set_new(doc, "pages", json_integer((json_int_t)s->pages));
    }
    if (xen) {
        const char *fix = remedy(xen, rc, rep, s);
        json_object_set_new(doc, "xen",
                            json_sprintf("%u.%u", xen->major, xen->minor));
        json_object_set_new(doc, "remedy", fix && *fix ? json_string(fix)
                                                       : json_null());
        json_object_set_new(doc, "remedy_exists", json_boolean(fix != NULL));
    }
    json_object_set_new(doc, "bytes", json_integer((json_int_t)s->bytes_in));
    json_object_set_new(doc, "bytes_read",
                        json_integer((json_int_t)s->bytes_read));
    json_t *arr = json_array();
    for (size_t i = 0; i < rep->nkept; i++)
        json_array_append_new(arr, xs_json_finding(&rep->kept[i]));
    json_object_set_new(doc, "findings", arr);
    json_object_set_new(doc, "findings_truncated",
                        json_boolean(rep->errors + rep->warnings + rep->notes >
                                     rep->nkept));
    json_dumpf(doc, stdout, JSON_COMPACT | JSON_ENSURE_ASCII);
    fputc('\n', stdout);
    json_decref(doc);
}

static int verify_one(const char *path, const struct xs_release *xen,
                      bool json, bool strict, bool quiet,
                      const struct xs_progress_opts *po)
{
    struct xs_report rep;
    struct xs_summary sum;
    int rc;

    memset(&sum, 0, sizeof(sum));
    struct xs_in *in = xs_cli_open(path, !json, po, &rep);
    const char *shown = rep.file;
    if (!in) {
        rc = xs_cli_open_status();
    } else {
        rc = xs_verify_for(in, &rep, &sum, xen);
        xs_cli_close(in);
    }
    if (rc == XS_OK && strict && rep.warnings)
        rc = XS_INVALID;

    if (json) {
        print_json(shown, rc, strict, xen, &rep, &sum);
    } else if (!quiet) {
        char what[160];
        xs_describe_summary(&sum, what, sizeof(what));
        if (rc == XS_OK)
            xs_cli_printf("%s: OK: %s; %u warning%s\n", shown, what, rep.warnings,
                   rep.warnings == 1 ? "" : "s");
        else if (rc == XS_IO)
            xs_cli_printf("%s: FAILED: I/O error\n", shown);
        else if (rc == XS_USAGE)
            xs_cli_printf("%s: FAILED: not read (a terminal)\n", shown);
        else
            xs_cli_printf("%s: INVALID: %u error%s, %u warning%s%s\n", shown,
                   rep.errors, rep.errors == 1 ? "" : "s", rep.warnings,
                   rep.warnings == 1 ? "" : "s",
                   rep.errors == 0 ? " (--strict)" : "");
        const char *fix = remedy(xen, rc, &rep, &sum);
        if (!fix)
            xs_cli_printf("%s: no conversion makes it restorable on Xen %u.%u\n",
                   shown, xen->major, xen->minor);
        else if (*fix) {
            /* a command to copy: the name as one shell word, never as
             * shell syntax (a name can be "x;rm -rf ~") */
            char *word = xs_cli_shell_word(path);
            xs_cli_printf("%s: to restore it on Xen %u.%u: %s -o OUT %s\n",
                          shown, xen->major, xen->minor, fix,
                          word ? word : "IN");
            free(word);
        }
    }
    xs_cli_flush();
    xs_report_free(&rep);
    return rc;
}

static int run_verify(int argc, char **argv)
{
    static const struct option opts[] = {
        {"json", no_argument, NULL, 'j'},
        {"xen", required_argument, NULL, 'x'},
        {"strict", no_argument, NULL, 's'},
        {"quiet", no_argument, NULL, 'q'},
        {"help", no_argument, NULL, 'h'},
        XS_PROGRESS_LONGOPTS,
        {NULL, 0, NULL, 0},
    };
    bool json = false, strict = false, quiet = false;
    struct xs_progress_opts po = XS_PROGRESS_DEFAULT;
    struct xs_release rel, *xen = NULL;
    int c;

    opterr = 0;
    optind = 1;
    while ((c = getopt_long(argc, argv, "qh", opts, NULL)) != -1) {
        switch (c) {
        case 'j':
            json = true;
            break;
        case 's':
            strict = true;
            break;
        case 'q':
            quiet = true;
            break;
        XS_PROGRESS_CASES(po);
        case 'x':
            if (xs_release_parse(optarg, &rel) != XS_OK)
                return xs_usage_error(&xs_cmd_verify, "--xen takes a Xen "
                                      "release as 4.N, not '%s'", optarg);
            xen = &rel;
            break;
        case 'h':
            xs_print_help(&xs_cmd_verify);
            return XS_OK;
        default:
            return xs_usage_error(&xs_cmd_verify, "unknown or incomplete "
                                  "option '%s'", argv[optind - 1]);
        }
    }
    if (quiet)
        xs_cli_notes(false);
    if (optind >= argc) /* as upgrade: standard input */
        return verify_one("-", xen, json, strict, quiet, &po);
    if (xs_cli_stdin_once(&xs_cmd_verify, argc - optind, argv + optind))
        return XS_USAGE;
    int worst = XS_OK;
    /* a reader gone away (| head) reads no more: the rest is not read */
    for (int i = optind; i < argc && !xs_cli_stdout_failed(); i++) {
        worst = xs_worst(worst,
                         verify_one(argv[i], xen, json, strict, quiet, &po));
    }
    return worst;
}
