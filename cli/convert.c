/* xenstream convert and its short form upgrade (= convert --to-version 3):
 * any supported stream in, the canonical v3 or v2 stream out.  One file for
 * both, as git keeps cmd_log and cmd_show together. */
#include <errno.h>
#include <getopt.h>
#include <string.h>

#include "common.h"

static int run_upgrade(int argc, char **argv);
static int run_convert(int argc, char **argv);

#define OUTPUT_OPTIONS                                                       \
    "      --config FILE  an xl image: write FILE (libxl JSON, or xl config\n"\
    "                     text) as its domain config, checked as the image's\n"\
    "                     own (as 'xl restore FILE IMG' would use it)\n"    \
    "  -o, --output OUT   write to OUT instead of standard output\n"         \
    "  -i, --in-place     replace IN (a file) by its conversion, atomically\n"\
    "  -z, --gzip[=LEVEL] compress the output with gzip (also when OUT ends\n"\
    "                     in .gz); LEVEL 0-9, default 1 (the fastest)\n"    \
    "      --zstd[=LEVEL] compress the output with zstd (also when OUT ends\n"\
    "                     in .zst); LEVEL 1-19, default 1\n"                \
    "  -T, --threads N    compress on N threads (default: every core this\n"\
    "                     process may use); the output is the same for any N\n"\
    "      --fsync        make OUT durable (fsync) before renaming it\n"     \
    "  -v, --verbose      say what was done, on standard error\n"            \
    "      --progress     a progress line on standard error (default: only\n"\
    "                     when it is a terminal); --no-progress: never\n"    \
    "  -h, --help         show this help\n"

#define KEPT_AND_SAFE                                                        \
    "Everything else is copied byte for byte, and every container layer\n"   \
    "(xl header and config, libxl records, libvirt and XenServer\n"          \
    "headers) is kept as it is.  gzip and zstd input is decoded on the fly.\n"        \
    "\n"                                                                     \
    "IN and OUT default to '-' (standard input / standard output).  A\n"     \
    "file OUT is written to a temporary file beside it and renamed into\n"   \
    "place only when complete.  An invalid input is refused (exit 1)\n"      \
    "with the offset, record index and type of its first fault.\n"

const struct xs_command xs_cmd_upgrade = {
    .name = "upgrade",
    .run = run_upgrade,
    .summary = "rewrite a v2 or v3 stream as the canonical v3 stream",
    .usage =
        "usage: xenstream upgrade [-o OUT | --in-place] [--gzip[=L] | --zstd[=L]]\n"
        "                         [--config FILE] [-T N] [--fsync] [-v] [IN]\n"
        "\n"
        "Rewrite a libxc v2 or v3 stream as the canonical v3 stream (the\n"
        "short form of 'xenstream convert --to-version 3'): for a v2\n"
        "input, STATIC_DATA_END is inserted where Xen's restore infers it\n"
        "(before the first PAGE_DATA, or for a PV guest the first\n"
        "X86_PV_P2M_FRAMES, whichever comes first); zero-content erratum\n"
        "records are dropped; reserved fields and padding are cleared.\n"
        KEPT_AND_SAFE
        "\n"
        OUTPUT_OPTIONS,
};

const struct xs_command xs_cmd_convert = {
    .name = "convert",
    .run = run_convert,
    .summary = "rewrite a stream as canonical v3, as v2, or for a Xen release",
    .usage =
        "usage: xenstream convert (--to-version 2|3 | --to-xen X.Y)\n"
        "                         [--drop-cpu-policy]\n"
        "                         [-o OUT | --in-place] [--gzip[=L] | --zstd[=L]]\n"
        "                         [--config FILE] [-T N] [--fsync] [-v] [IN]\n"
        "\n"
        "Rewrite a libxc v2 or v3 stream as the canonical stream of the\n"
        "given version.  --to-version 3 is 'xenstream upgrade'.\n"
        "--to-xen X.Y (4.6-4.22) writes what that Xen release restores: v2\n"
        "below 4.14 (as --to-version 2); HVM save records longer than that\n"
        "release reads (LAPIC's pending_esr before 4.21, and older growths)\n"
        "cut to its length when what is cut is zero, refused when not; the\n"
        "xl config's libxl cpuid in the array form of libxl 4.17 and older\n"
        "(refused when it holds MSR entries).  Refused where nothing helps:\n"
        "qemu-traditional for 4.21 and later; with --host-policy FILE (what\n"
        "'xen-cpuid -p' printed on the target), a CPU vendor other than the\n"
        "host's for 4.22 and later (without it, a note names the guest's).\n"
        "--to-version 2 writes what Xen 4.6-4.13 restore: STATIC_DATA_END\n"
        "is dropped (a v3 restore infers it again at the same place), and\n"
        "so are zero-content erratum records.  The CPU policy records\n"
        "(X86_CPUID_POLICY, X86_MSR_POLICY) have no v2 form: the input is\n"
        "refused unless --drop-cpu-policy is given, because the receiving\n"
        "host then derives the guest's CPU policy itself and the guest may\n"
        "see other CPU features after the restore.  With v3 (--to-version\n"
        "3, --to-xen 4.14 and later) --drop-cpu-policy drops them too, and\n"
        "Xen 4.14+ derives the policy the same way: the remedy for a policy\n"
        "that release refuses (verify --xen names it).\n"
        KEPT_AND_SAFE
        "\n"
        "  -t, --to-version N the image version to write: 2 or 3\n"
        "      --to-xen X.Y   what Xen X.Y restores (a point release X.Y.Z too)\n"
        "      --host-policy FILE  with --to-xen: the target host's policies\n"
        "      --drop-cpu-policy  drop the CPU policy records (the target derives one)\n"
        OUTPUT_OPTIONS,
};

enum compress { C_NONE, C_GZIP, C_ZSTD };

struct convert_args {
    const char *in_path, *out_path;
    bool verbose, sync, in_place;
    enum compress compress;
    int level;           /* -1: the codec's default */
    unsigned threads;    /* 0: the cores available */
    struct xs_convert_opts opts;
    struct xs_release to_xen;
    struct xs_target target; /* --host-policy: the host of --to-xen */
    struct xs_buf config;
    struct xs_progress_opts progress;
};

/* --config FILE, whole (at most what an xl header's config may hold). */
static int read_config(const struct xs_command *cmd, const char *path,
                       struct xs_buf *b)
{
    FILE *fp = fopen(path, "rb");
    if (!fp) {
        fprintf(stderr, "xenstream %s: %s: %s\n", cmd->name, path,
                strerror(errno));
        return XS_IO;
    }
    enum { MAX = (4 << 20) - 8 };
    int rc = XS_OK;
    b->len = 0;
    for (;;) {
        if (xs_buf_reserve(b, b->len + 65536) != XS_OK) {
            rc = XS_IO;
            break;
        }
        size_t n = fread(b->p + b->len, 1, 65536, fp);
        b->len += n;
        if (b->len > MAX) {
            rc = xs_usage_error(cmd, "--config %s: larger than %u bytes",
                                path, (unsigned)MAX);
            break;
        }
        if (n < 65536) {
            if (ferror(fp)) {
                fprintf(stderr, "xenstream %s: %s: %s\n", cmd->name, path,
                        strerror(errno));
                rc = XS_IO;
            }
            break;
        }
    }
    fclose(fp);
    return rc;
}

/* A name longer than the suffix, ending in it. */
static bool ends_with(const char *name, const char *suffix)
{
    size_t n = strlen(name), m = strlen(suffix);
    return n > m && strcmp(name + n - m, suffix) == 0;
}

static int convert(const struct xs_command *cmd, const struct convert_args *a)
{
    const char *in_path = a->in_path, *out_path = a->out_path;
    enum compress compress = a->compress;
    if (a->in_place) {
        /* the output goes to a temporary file beside IN and is renamed
         * over it only when complete: IN is never half rewritten */
        if (strcmp(out_path, "-") != 0 || strcmp(in_path, "-") == 0)
            return xs_usage_error(cmd, "--in-place takes a file IN and no -o");
        out_path = in_path;
    }
    /* OUT's suffix asks for what its name promises; an option that says
     * otherwise is a mistake, not a choice */
    enum compress by_name = ends_with(out_path, ".gz")    ? C_GZIP
                            : ends_with(out_path, ".zst") ? C_ZSTD
                                                          : C_NONE;
    if (by_name != C_NONE && compress != C_NONE && compress != by_name)
        return xs_usage_error(cmd, "%s: its name says %s, the option %s",
                              out_path, by_name == C_GZIP ? "gzip" : "zstd",
                              compress == C_GZIP ? "--gzip" : "--zstd");
    if (compress == C_NONE)
        compress = by_name;
    /* before the input is opened: opening a FIFO waits for its writer */
    const char *why = xs_out_refusal(NULL, out_path, a->in_place);
    if (why)
        return xs_usage_error(cmd, "%s: %s", out_path, why);

    xs_install_signal_cleanup();
    struct xs_report rep;
    struct xs_summary sum;
    struct xs_in *in = xs_cli_open(in_path, true, &a->progress, &rep);
    if (!in) {
        xs_report_free(&rep);
        return XS_IO;
    }
    if (!a->in_place && (why = xs_out_refusal(in, out_path, false))) {
        xs_cli_close(in);
        xs_report_free(&rep);
        return xs_usage_error(cmd, "%s: %s", out_path, why);
    }
    int rc = xs_convert_precheck(in, &rep, &sum, &a->opts);
    if (rc == XS_OK) {
        struct xs_out *out = xs_out_open(out_path, &rep);
        if (!out) {
            rc = XS_IO;
        } else {
            xs_out_set_fsync(out, a->sync);
            xs_out_set_threads(out, a->threads);
            rc = compress == C_GZIP   ? xs_out_set_gzip(out, a->level)
                 : compress == C_ZSTD ? xs_out_set_zstd(out, a->level)
                                      : XS_OK;
            if (rc == XS_OK) {
                xs_cli_progress(in, &a->progress, &rep); /* from 0 again */
                rc = xs_convert(in, out, &rep, &sum, &a->opts);
            }
            if (rc == XS_OK)
                rc = xs_out_commit(out);
            else
                xs_out_abort(out);
        }
    }
    xs_cli_close(in);
    if (rc == XS_OK && sum.policy_dropped)
        xs_cli_note_policy_dropped(rep.file, sum.policy_dropped);
    if (rc == XS_OK && a->verbose) {
        char what[160];
        xs_describe_summary(&sum, what, sizeof(what));
        char counts[160];
        int k;
        if (a->opts.to_version >= 3)
            k = snprintf(counts, sizeof(counts), "STATIC_DATA_END inserted: "
                         "%u, CPU policy records dropped: %u",
                         sum.sde_inserted, sum.policy_dropped);
        else
            k = snprintf(counts, sizeof(counts), "STATIC_DATA_END dropped: "
                         "%u, CPU policy records dropped: %u",
                         sum.sde_dropped, sum.policy_dropped);
        if (a->opts.to_xen && k > 0 && (size_t)k < sizeof(counts))
            snprintf(counts + k, sizeof(counts) - (size_t)k,
                     ", HVM save records fitted to Xen %u.%u: %u",
                     a->to_xen.major, a->to_xen.minor, sum.hvm_rewritten);
        /* the names may hold any bytes: shown safe for a terminal */
        xs_text_printf(stderr, "%s: %s: written as v%u to %s (%llu bytes); "
                       "%s, erratum records dropped: %u, warnings: %u\n",
                       rep.file, what, a->opts.to_version,
                       strcmp(out_path, "-") == 0 ? "<stdout>" : out_path,
                       (unsigned long long)sum.bytes_out, counts, sum.dropped,
                       rep.warnings);
    }
    xs_report_free(&rep);
    return rc;
}

/* A whole decimal number within [lo, hi]. */
static bool parse_uint(const char *s, int lo, int hi, int *v)
{
    long n = 0;
    if (!s || !*s)
        return false;
    for (; *s; s++) {
        if (*s < '0' || *s > '9' || (n = n * 10 + (*s - '0')) > hi)
            return false;
    }
    *v = (int)n;
    return n >= lo;
}

/* Both commands' options; convert adds --to-version and
 * --drop-cpu-policy. */
static int run(const struct xs_command *cmd, int argc, char **argv)
{
    static const struct option opts[] = {
        {"output", required_argument, NULL, 'o'},
        {"verbose", no_argument, NULL, 'v'},
        {"fsync", no_argument, NULL, 'S'},
        {"gzip", optional_argument, NULL, 'z'},
        {"zstd", optional_argument, NULL, 'Z'},
        {"threads", required_argument, NULL, 'T'},
        {"in-place", no_argument, NULL, 'i'},
        {"to-version", required_argument, NULL, 't'},
        {"drop-cpu-policy", no_argument, NULL, 'P'},
        {"to-xen", required_argument, NULL, 'X'},
        {"config", required_argument, NULL, 'C'},
        {"host-policy", required_argument, NULL, 'H'},
        {"help", no_argument, NULL, 'h'},
        XS_PROGRESS_LONGOPTS,
        {NULL, 0, NULL, 0},
    };
    bool is_convert = cmd == &xs_cmd_convert;
    struct convert_args a = {.out_path = "-", .opts = {.to_version = 3},
                             .progress = XS_PROGRESS_DEFAULT, .level = -1};
    bool to_given = false;
    const char *config_path = NULL, *host_path = NULL;
    int c;

    opterr = 0;
    optind = 1;
    while ((c = getopt_long(argc, argv, is_convert ? "o:vzT:it:h" : "o:vzT:ih",
                            opts, NULL)) != -1) {
        if (!is_convert && (c == 't' || c == 'P' || c == 'X' || c == 'H'))
            c = '?';
        switch (c) {
        case 'o':
            if (!optarg || !*optarg) /* --output= */
                return xs_usage_error(cmd, "--output needs a file name");
            a.out_path = optarg;
            break;
        case 'v':
            a.verbose = true;
            break;
        case 'S':
            a.sync = true;
            break;
        case 'z':
        case 'Z': {
            enum compress k = c == 'z' ? C_GZIP : C_ZSTD;
            int lo = k == C_GZIP ? 0 : 1, hi = k == C_GZIP ? 9 : 19;
            if (a.compress != C_NONE && a.compress != k)
                return xs_usage_error(cmd, "--gzip or --zstd, not both");
            a.compress = k;
            a.level = -1;
            if (optarg && !parse_uint(optarg, lo, hi, &a.level))
                return xs_usage_error(cmd, "--%s takes a level %d-%d, not "
                                      "'%s'", k == C_GZIP ? "gzip" : "zstd",
                                      lo, hi, optarg);
            break;
        }
        case 'T': {
            int n;
            if (!parse_uint(optarg, 1, 1024, &n))
                return xs_usage_error(cmd, "-T takes a number of threads "
                                      "1-1024, not '%s'",
                                      optarg ? optarg : "");
            a.threads = (unsigned)n;
            break;
        }
        case 'i':
            a.in_place = true;
            break;
        case 't':
            if (!optarg ||
                (strcmp(optarg, "2") != 0 && strcmp(optarg, "3") != 0))
                return xs_usage_error(cmd, "--to-version takes 2 or 3, not "
                                           "'%s'", optarg ? optarg : "");
            a.opts.to_version = (unsigned)(optarg[0] - '0');
            to_given = true;
            break;
        case 'P':
            a.opts.drop_cpu_policy = true;
            break;
        case 'C':
            config_path = optarg;
            break;
        case 'H':
            host_path = optarg;
            break;
        case 'X':
            if (!optarg || xs_release_parse(optarg, &a.to_xen) != XS_OK)
                return xs_usage_error(cmd, "--to-xen takes a Xen release as "
                                      "4.N, not '%s'", optarg ? optarg : "");
            if (a.to_xen.max_version < 2)
                return xs_usage_error(cmd, "Xen %s restores only the legacy "
                                      "(pre-4.6) format: no conversion "
                                      "writes it", optarg);
            /* an image written for a release whose sources were not read
             * would be a promise made blind: refused, not guessed */
            if (a.to_xen.minor > XS_RELEASE_LAST)
                return xs_usage_error(cmd, "Xen %s is newer than the "
                                      "releases xenstream knows (4.%u-4.%u): "
                                      "--to-xen 4.%u writes what the newest "
                                      "of them restores", optarg,
                                      XS_RELEASE_FIRST, XS_RELEASE_LAST,
                                      XS_RELEASE_LAST);
            a.opts.to_xen = &a.to_xen;
            break;
        XS_PROGRESS_CASES(a.progress);
        case 'h':
            xs_print_help(cmd);
            return XS_OK;
        default:
            return xs_usage_error(cmd, "unknown or incomplete option '%s'",
                                  argv[optind - 1]);
        }
    }
    if (to_given && a.opts.to_xen)
        return xs_usage_error(cmd, "--to-version or --to-xen, not both");
    if (a.opts.to_xen)
        a.opts.to_version = a.to_xen.max_version;
    else if (is_convert && !to_given)
        return xs_usage_error(cmd, "--to-version 2 or 3, or --to-xen X.Y, "
                                   "is required");
    if (argc - optind > 1)
        return xs_usage_error(cmd, "one input at most");
    a.in_path = optind < argc ? argv[optind] : "-";
    /* the files an option names are read first: standard input once */
    char *named[3] = {(char *)a.in_path, (char *)(config_path ? config_path : ""),
                      (char *)(host_path ? host_path : "")};
    if (xs_cli_check_inputs(cmd, 3, named))
        return XS_USAGE;
    if (host_path && !a.opts.to_xen)
        return xs_usage_error(cmd, "--host-policy is about the host of "
                                   "--to-xen: it needs --to-xen");
    if (host_path) {
        struct xs_report hrep;
        xs_report_init(&hrep, host_path);
        xs_cli_sink(&hrep, NULL);
        struct xs_host_policy *hp = xs_host_policy_read(host_path, &hrep);
        bool io = xs_report_find(&hrep, "io") != NULL;
        xs_report_free(&hrep);
        if (!hp)
            return io ? XS_IO : XS_USAGE;
        a.target = (struct xs_target){.xen = &a.to_xen, .host = hp,
                                      .vendor_only = true};
        a.opts.target = &a.target;
    }
    if (config_path) {
        int rc = read_config(cmd, config_path, &a.config);
        if (rc != XS_OK) {
            xs_buf_free(&a.config);
            xs_host_policy_free((struct xs_host_policy *)a.target.host);
            return rc;
        }
        a.opts.config = a.config.p;
        a.opts.config_len = a.config.len;
    }
    int rc = convert(cmd, &a);
    xs_buf_free(&a.config);
    xs_host_policy_free((struct xs_host_policy *)a.target.host);
    return rc;
}

static int run_upgrade(int argc, char **argv)
{
    return run(&xs_cmd_upgrade, argc, argv);
}

static int run_convert(int argc, char **argv)
{
    return run(&xs_cmd_convert, argc, argv);
}
