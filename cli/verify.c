/* xenstream verify: will Xen restore this, as it was saved? */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <sys/stat.h>
#include <unistd.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "verify.h"

static int run_verify(int argc, char **argv);

const struct xs_command xs_cmd_verify = {
    .name = "verify",
    .run = run_verify,
    .summary = "check streams the way Xen's restore would",
    .usage =
        "usage: xenstream verify [--xen X.Y] [--host-policy FILE\n"
        "                        [--allow-feature-loss]]\n"
        "                        [--format FMT | --json] [--strict]\n"
        "                        [-q] [-r [-L] [--images-only]] [-j N]\n"
        "                        [--files-from FILE [-0]] [IN...]\n"
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
        "  --host-policy FILE  also against the host whose `xen-cpuid -p`\n"
        "                 output FILE is (Xen 4.14-4.22): what its Xen would\n"
        "                 refuse in the guest's CPU policy (max leaves,\n"
        "                 MSR_INTEL_PLATFORM_INFO; another vendor from 4.22)\n"
        "                 and the features the guest would lose there\n"
        "  --allow-feature-loss  those lost features are a warning, not an\n"
        "                 error\n"
        "  --format FMT   the report: text (default), json (one document),\n"
        "                 jsonl (one JSON object per input, as each is done),\n"
        "                 junit (JUnit XML), tap (TAP 13), sarif (SARIF 2.1.0)\n"
        "  --json         --format jsonl (a file name that is not UTF-8: see\n"
        "                 xenstream(1))\n"
        "  --strict       warnings fail too\n"
        "  -q, --quiet    no summary lines and no notes (facts that are not\n"
        "                 faults, e.g. xl's migration handshake after END)\n"
        "  -r, --recursive  walk the directories named: every file below\n"
        "                 them, in byte order of names; a FIFO, socket or\n"
        "                 device is never opened (an invalid input), a\n"
        "                 symbolic link is skipped\n"
        "  -L, --follow   follow symbolic links found by -r\n"
        "  --images-only  skip files that are not Xen images by their first\n"
        "                 bytes (and what -r finds that is not a file)\n"
        "  --files-from FILE  inputs named in FILE, one a line ('-':\n"
        "                 standard input); -0, --null: separated by NUL\n"
        "  -j, --jobs N   verify N inputs at a time (default: the cores this\n"
        "                 process may use); the report is the same for any N\n"
        "  --progress     a progress line on standard error (default: only\n"
        "                 when it is a terminal, one input at a time);\n"
        "                 --no-progress: never\n"
        "  -h, --help     show this help\n"
        "\n"
        "With -r or --files-from, a last line counts the inputs (valid,\n"
        "invalid, unreadable, skipped).  Exit status: 0 all valid (skipped\n"
        "ones aside), 1 any invalid, 2 usage error (also: an input on a\n"
        "terminal), 3 any I/O error (standard output included).\n",
};

/* ------------------------------------------------------------------ */
/* one input                                                           */

static void file_skip(struct vresult *x, const char *why)
{
    x->skipped = why;
    x->rc = XS_OK;
}

/* Verify one input (on a worker thread when there are several). */
static void file_run(struct vrun *r, struct vfile *f,
                     const struct xs_progress_opts *po)
{
    bool text = r->fmt == VF_TEXT;
    struct vresult *x = f->res;
    FILE *fp = xs_cli_spool_file(x->text);
    struct xs_in *in = NULL;
    int st = XS_IO;

    if (!f->root && !f->listed) {
        in = xs_cli_open_r(f->path, text, fp, &x->rep, &st);
        x->refused = st == XS_USAGE;
    } else {
        xs_report_init(&x->rep, f->path);
        if (text)
            xs_cli_sink(&x->rep, fp);
        struct xs_entry e = {.root = f->root, .root_fd = f->root_fd,
                             .rel = f->rel, .path = f->path, .type = f->type,
                             .what = f->what};
        switch (f->type) {
        case XS_ENTRY_LINK:
            file_skip(x, f->what);
            return;
        case XS_ENTRY_ERROR:
            if (f->err)
                xs_report_add(&x->rep, XS_SEV_ERROR, "io", 0, -2, "",
                              "%s: %s", f->what, strerror(f->err));
            else
                xs_report_add(&x->rep, XS_SEV_ERROR, "io", 0, -2, "", "%s",
                              f->what);
            x->rc = XS_IO;
            return;
        case XS_ENTRY_SPECIAL:
            if (r->images_only) {
                snprintf(x->why, sizeof(x->why), "%s, not read", f->what);
                file_skip(x, x->why);
                return;
            }
            /* reported as no regular file, never opened */
            __attribute__((fallthrough));
        case XS_ENTRY_FILE:
            in = xs_in_open_entry(&e, r->follow || f->listed, &x->rep);
            st = in ? XS_OK
                 : xs_report_find(&x->rep, "input.not_regular") ? XS_INVALID
                                                                : XS_IO;
            break;
        }
    }
    if (!in) {
        x->rc = st;
        return;
    }
    if (po)
        xs_cli_progress(in, po, &x->rep);
    const char *layer = "";
    if (r->images_only && (st = xs_in_identify(in, &layer)) != XS_OK) {
        x->rc = st; /* damaged compressed data: invalid, as verify says */
    } else if (!layer) {
        file_skip(x, "not a Xen image (by its first bytes)");
    } else {
        x->rc = xs_verify_target(in, &x->rep, &x->sum, &r->target);
        if (x->rc == XS_OK && r->strict && x->rep.warnings)
            x->rc = XS_INVALID;
    }
    if (po)
        xs_cli_close(in);
    else
        xs_in_close(in);
}

static void free_result(struct vfile *f)
{
    if (!f->res)
        return;
    xs_report_free(&f->res->rep);
    if (f->res->text)
        xs_cli_spool_drain(f->res->text, NULL);
    free(f->res);
    f->res = NULL;
}

static void free_file(struct vfile *f)
{
    free_result(f);
    free(f->rel);
    f->rel = NULL;
    if (f->root) {
        free(f->path);
        f->path = NULL;
    }
}

struct verify_job {
    struct vrun *r;
    const struct xs_progress_opts *po; /* one input at a time only */
    bool parallel;
};

static void job_run(void *ctx, size_t i)
{
    struct verify_job *j = ctx;
    struct vfile *f = &j->r->v[i];
    /* calloc: a result that cannot be made is an I/O error (job_emit) */
    if (!(f->res = calloc(1, sizeof(*f->res))))
        return;
    if (j->parallel && j->r->fmt == VF_TEXT &&
        !(f->res->text = xs_cli_spool_open()))
        j->r->lost = true;
    file_run(j->r, f, j->po);
}

static bool job_serial(void *ctx, size_t i)
{
    struct verify_job *j = ctx;
    return j->r->v[i].serial;
}

static bool job_emit(void *ctx, size_t i)
{
    struct verify_job *j = ctx;
    struct vfile *f = &j->r->v[i];
    static struct vresult none = {.rc = XS_IO};
    if (!f->res) {
        fprintf(stderr, "xenstream verify: %s: out of memory\n", f->path);
        f->res = &none;
        report_file(j->r, f);
        f->res = NULL;
        free_file(f);
        return true;
    }
    if (f->res->text) {
        fflush(stdout);
        if (!xs_cli_spool_drain(f->res->text, stderr)) {
            xs_text_printf(stderr, "xenstream verify: some messages about %s "
                           "were lost (no memory or temporary file)\n",
                           f->path);
            j->r->lost = true;
        }
        f->res->text = NULL;
    }
    if (f->res->refused)
        xs_cli_refused_input();
    report_file(j->r, f);
    free_file(f);
    xs_cli_flush();
    /* a reader gone away (| head) reads no more: the rest is not read,
     * and what the workers still verify is not waited for (they may be
     * in the middle of a long input): stdout is closed and the process
     * ends here (_exit: the workers' spools are not flushed) */
    if (xs_cli_stdout_failed()) {
        if (j->parallel) {
            fflush(stderr);
            _exit(xs_cli_finish(XS_IO));
        }
        return false;
    }
    return true;
}

/* ------------------------------------------------------------------ */
/* the inputs                                                          */

static struct vfile *add_file(struct vrun *r)
{
    if (r->n == r->cap) {
        size_t nc = r->cap ? r->cap * 2 : 16;
        struct vfile *v = realloc(r->v, nc * sizeof(*v));
        if (!v) {
            r->oom = true;
            return NULL;
        }
        r->v = v;
        r->cap = nc;
    }
    struct vfile *f = &r->v[r->n++];
    memset(f, 0, sizeof(*f));
    f->root_fd = AT_FDCWD;
    return f;
}

static int add_entry(void *ctx, const struct xs_entry *e)
{
    struct vrun *r = ctx;
    struct vfile *f = add_file(r);
    if (!f)
        return XS_IO;
    f->root = e->root;
    f->root_fd = e->root_fd;
    f->rel = strdup(e->rel);
    f->path = strdup(e->path);
    f->type = e->type;
    f->what = e->what;
    f->err = e->err;
    if (!f->rel || !f->path) {
        free(f->rel);
        free(f->path);
        r->n--;
        r->oom = true;
        return XS_IO;
    }
    return XS_OK;
}

/* One input named: a directory is walked with -r.  An argument is
 * opened as it is named (a FIFO there is a pipe to read); a name from
 * --files-from as a walk's file (a list is what `find` printed: only a
 * regular file is read, never a FIFO that would hang the run, never a
 * device). */
static int add_named(struct vrun *r, bool recursive, bool listed, char *path)
{
    struct stat st;
    if (recursive && stat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
        unsigned flags = r->follow ? XS_TREE_FOLLOW : 0;
        int *v = realloc(r->root_fds, (r->nroots + 1) * sizeof(*v));
        if (!v) {
            r->oom = true;
            return XS_IO;
        }
        r->root_fds = v;
        int rc = xs_tree_walk(path, flags, add_entry, r,
                              &r->root_fds[r->nroots]);
        if (r->root_fds[r->nroots] >= 0)
            r->nroots++;
        return rc;
    }
    struct vfile *f = add_file(r);
    if (!f)
        return XS_IO;
    f->path = path;
    /* a pipe, FIFO or device named is read when its turn comes, by the
     * main thread: its open can block */
    f->serial = !listed && (stat(path, &st) != 0 || !S_ISREG(st.st_mode));
    if (listed) {
        struct xs_entry e;
        xs_entry_stat(path, &e);
        f->listed = true;
        f->rel = strdup(path);
        f->type = e.type;
        f->what = e.what;
        f->err = e.err;
        if (!f->rel) {
            r->n--;
            r->oom = true;
            return XS_IO;
        }
    }
    return XS_OK;
}

/* --files-from: the names, each kept in list (freed at the end).  XS_OK,
 * XS_USAGE (said: NUL bytes in a list of lines) or XS_IO (said). */
static int read_list(struct vrun *r, bool recursive, const char *from,
                     int delim, char ***list, size_t *nlist)
{
    FILE *fp = strcmp(from, "-") == 0 ? stdin : fopen(from, "re");
    struct stat st;
    if (!fp || (fp != stdin && fstat(fileno(fp), &st) == 0 &&
                S_ISDIR(st.st_mode) && (errno = EISDIR))) {
        xs_text_printf(stderr, "xenstream verify: cannot read the list %s: "
                       "%s\n", from, strerror(errno));
        if (fp)
            fclose(fp);
        return XS_IO;
    }
    char *line = NULL;
    size_t cap = 0;
    ssize_t len;
    int rc = XS_OK;
    while (rc == XS_OK && (len = getdelim(&line, &cap, delim, fp)) >= 0) {
        if (len > 0 && line[len - 1] == delim)
            line[--len] = '\0';
        if (delim != '\0' && memchr(line, '\0', (size_t)len)) {
            /* find -print0's output without -0: read as one line, every
             * name but the first would be lost */
            rc = xs_usage_error(&xs_cmd_verify, "the list %s holds NUL "
                                "bytes: -0 reads names separated by NUL "
                                "(find -print0)", from);
            break;
        }
        if (len == 0)
            continue;
        char **nl = realloc(*list, (*nlist + 1) * sizeof(**list));
        char *name = strdup(line);
        if (nl)
            *list = nl;
        if (!nl || !name) {
            free(name);
            r->oom = true;
            rc = XS_IO;
            break;
        }
        (*list)[(*nlist)++] = name;
        rc = add_named(r, recursive, true, name);
    }
    if (rc == XS_OK && ferror(fp)) {
        xs_text_printf(stderr, "xenstream verify: cannot read the list %s: "
                       "%s\n", from, strerror(errno));
        rc = XS_IO;
    }
    free(line);
    if (fp != stdin)
        fclose(fp);
    return rc;
}

static int parse_format(const char *s, enum verify_format *f)
{
    static const char *const names[] = {"text", "json", "jsonl",
                                        "junit", "tap", "sarif"};
    for (unsigned i = 0; i < sizeof(names) / sizeof(names[0]); i++)
        if (strcmp(s, names[i]) == 0) {
            *f = (enum verify_format)i;
            return XS_OK;
        }
    return XS_USAGE;
}

enum {
    OPT_JSON = 0x200, OPT_XEN, OPT_STRICT, OPT_FORMAT, OPT_IMAGES_ONLY,
    OPT_FILES_FROM, OPT_HOST_POLICY, OPT_ALLOW_LOSS,
};

static int run_verify(int argc, char **argv)
{
    static const struct option opts[] = {
        {"json", no_argument, NULL, OPT_JSON},
        {"xen", required_argument, NULL, OPT_XEN},
        {"strict", no_argument, NULL, OPT_STRICT},
        {"format", required_argument, NULL, OPT_FORMAT},
        {"quiet", no_argument, NULL, 'q'},
        {"recursive", no_argument, NULL, 'r'},
        {"follow", no_argument, NULL, 'L'},
        {"images-only", no_argument, NULL, OPT_IMAGES_ONLY},
        {"files-from", required_argument, NULL, OPT_FILES_FROM},
        {"host-policy", required_argument, NULL, OPT_HOST_POLICY},
        {"allow-feature-loss", no_argument, NULL, OPT_ALLOW_LOSS},
        {"null", no_argument, NULL, '0'},
        {"jobs", required_argument, NULL, 'j'},
        {"help", no_argument, NULL, 'h'},
        XS_PROGRESS_LONGOPTS,
        {NULL, 0, NULL, 0},
    };
    struct vrun r = {.fmt = VF_TEXT};
    struct xs_progress_opts po = XS_PROGRESS_DEFAULT;
    struct xs_release rel;
    bool recursive = false;
    const char *from = NULL;
    int delim = '\n';
    unsigned jobs = 0;
    int c;

    opterr = 0;
    optind = 1;
    while ((c = getopt_long(argc, argv, "qhrL0j:", opts, NULL)) != -1) {
        switch (c) {
        case OPT_JSON:
            r.fmt = VF_JSONL;
            break;
        case OPT_FORMAT:
            if (parse_format(optarg, &r.fmt) != XS_OK)
                return xs_usage_error(&xs_cmd_verify, "--format takes text, "
                                      "json, jsonl, junit, tap or sarif, not "
                                      "'%s'", optarg);
            break;
        case OPT_STRICT:
            r.strict = true;
            break;
        case 'q':
            r.quiet = true;
            break;
        case 'r':
            recursive = true;
            break;
        case 'L':
            r.follow = true;
            break;
        case '0':
            delim = '\0';
            break;
        case OPT_IMAGES_ONLY:
            r.images_only = true;
            break;
        case OPT_FILES_FROM:
            from = optarg;
            break;
        case OPT_HOST_POLICY:
            r.host_path = optarg;
            break;
        case OPT_ALLOW_LOSS:
            r.target.allow_feature_loss = true;
            break;
        case 'j': {
            char *end;
            errno = 0;
            unsigned long n = strtoul(optarg, &end, 10);
            if (errno || end == optarg || *end || n < 1 || n > 1024 ||
                optarg[0] == '-')
                return xs_usage_error(&xs_cmd_verify, "-j takes a number of "
                                      "jobs from 1 to 1024, not '%s'", optarg);
            jobs = (unsigned)n;
            break;
        }
        XS_PROGRESS_CASES(po);
        case OPT_XEN:
            if (xs_release_parse(optarg, &rel) != XS_OK)
                return xs_usage_error(&xs_cmd_verify, "--xen takes a Xen "
                                      "release as 4.N, not '%s'", optarg);
            r.xen = &rel;
            break;
        case 'h':
            xs_print_help(&xs_cmd_verify);
            return XS_OK;
        default:
            return xs_usage_error(&xs_cmd_verify, "unknown or incomplete "
                                  "option '%s'", argv[optind - 1]);
        }
    }
    r.target.xen = r.xen;
    /* --host-policy is read first: standard input once with the inputs
     * (standard input itself when none is named) */
    for (int i = optind; r.host_path && (i < argc || (i == optind && !from)); i++) {
        char *named[2] = {(char *)r.host_path,
                          i < argc ? argv[i] : (char *)"-"};
        if (xs_cli_check_inputs(&xs_cmd_verify, 2, named))
            return XS_USAGE;
    }
    if (r.target.allow_feature_loss && !r.host_path)
        return xs_usage_error(&xs_cmd_verify, "--allow-feature-loss is about "
                              "the host of --host-policy: it needs "
                              "--host-policy");
    if (r.host_path) {
        struct xs_report hrep;
        xs_report_init(&hrep, r.host_path);
        xs_cli_sink(&hrep, NULL);
        struct xs_host_policy *hp = xs_host_policy_read(r.host_path, &hrep);
        bool io = xs_report_find(&hrep, "io") != NULL;
        xs_report_free(&hrep);
        if (!hp)
            return io ? XS_IO : XS_USAGE;
        r.target.host = hp;
    }
    if (r.follow && !recursive)
        return xs_usage_error(&xs_cmd_verify, "-L follows links that -r "
                              "finds: it needs -r");
    if (delim == '\0' && !from)
        return xs_usage_error(&xs_cmd_verify, "-0 separates the names of "
                              "--files-from: it needs --files-from");
    if (r.quiet)
        xs_cli_notes(false);
    char *std_only[] = {(char *)"-"}; /* no input named: standard input */
    if (optind < argc ? xs_cli_check_inputs(&xs_cmd_verify, argc - optind,
                                            argv + optind)
                      : !from && xs_cli_check_inputs(&xs_cmd_verify, 1,
                                                     std_only))
        return XS_USAGE;
    if (from && strcmp(from, "-") == 0)
        for (int i = optind; i < argc; i++)
            if (strcmp(argv[i], "-") == 0)
                return xs_usage_error(&xs_cmd_verify, "standard input holds "
                                      "the list of --files-from -: it cannot "
                                      "be an input too");
    r.store = recursive || from;

    int rc = XS_OK;
    for (int i = optind; i < argc && rc == XS_OK; i++)
        rc = add_named(&r, recursive, false, argv[i]);
    char **list = NULL;
    size_t nlist = 0;
    if (rc == XS_OK && from)
        rc = read_list(&r, recursive, from, delim, &list, &nlist);
    if (rc == XS_OK && optind >= argc && !from) /* as upgrade: stdin */
        rc = add_named(&r, false, false, (char *)"-");
    if (rc != XS_OK) {
        if (r.oom)
            fprintf(stderr, "xenstream verify: out of memory listing the "
                            "inputs\n");
    } else {
        unsigned workers = jobs ? jobs : xs_cli_cores();
        if (workers > r.n)
            workers = (unsigned)(r.n ? r.n : 1);
        struct verify_job job = {.r = &r, .parallel = workers > 1,
                                 .po = workers > 1 ? NULL : &po};
        /* jansson seeds its hash function at its first object; seeded
         * here, before the workers, the race for it (atomic in jansson
         * 2.14, but unseen by helgrind) is not run */
        json_object_seed(0);
        report_head(&r);
        bool all = xs_cli_parallel(r.n, workers, job_run, job_serial, job_emit,
                                   &job);
        if (all)
            report_tail(&r);
        rc = r.lost ? XS_IO : r.worst; /* a report with holes: exit 3 */
    }
    for (size_t i = 0; i < r.n; i++)
        free_file(&r.v[i]);
    for (size_t i = 0; i < r.nroots; i++)
        close(r.root_fds[i]);
    free(r.root_fds);
    for (size_t i = 0; i < nlist; i++)
        free(list[i]);
    free(list);
    free(r.v);
    report_free(&r);
    xs_host_policy_free((struct xs_host_policy *)r.target.host);
    return rc;
}
