#include "common.h"

#include <getopt.h>
#include <stdarg.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "libxc.h"

int xs_usage_error(const struct xs_command *cmd, const char *fmt, ...)
{
    va_list ap;
    fprintf(stderr, "xenstream %s: ", cmd->name);
    va_start(ap, fmt);
    /* common.c is in two executables; clang-tidy 14 analyses both compile
     * commands in one run and carries va_list state from the first */
    vfprintf(stderr, fmt, ap); // NOLINT(clang-analyzer-valist.Uninitialized)
    va_end(ap);
    fprintf(stderr, "\nTry 'xenstream %s --help'.\n", cmd->name);
    return XS_USAGE;
}

void xs_print_help(const struct xs_command *cmd)
{
    fputs(cmd->usage, stdout);
}

bool xs_is_help(const char *arg)
{
    return strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0;
}

void xs_describe_summary(const struct xs_summary *s, char *buf, size_t sz)
{
    snprintf(buf, sz, "%s v%u %s stream, %llu records, %llu pages",
             s->layers[0] ? s->layers : "?", s->version,
             xs_libxc_guest_name(s->guest), (unsigned long long)s->records,
             (unsigned long long)s->pages);
}

int xs_cli_one_input(const struct xs_command *cmd, int argc, char **argv,
                     struct xs_report *rep, struct xs_in **in)
{
    if (argc - optind != 1)
        return xs_usage_error(cmd, "exactly one input (use '-' for standard "
                              "input)");
    *in = xs_cli_open(argv[optind], true, NULL, rep);
    return *in ? XS_OK : XS_IO;
}

struct xs_in *xs_cli_open(const char *path, bool print,
                          const struct xs_progress_opts *po,
                          struct xs_report *rep)
{
    xs_report_init(rep, strcmp(path, "-") == 0 ? "<stdin>" : path);
    if (print)
        rep->sink = xs_report_print_sink;
    struct xs_in *in = xs_in_open(path, rep);
    if (in && po)
        xs_cli_progress(in, po, rep);
    return in;
}

void xs_cli_close(struct xs_in *in)
{
    xs_cli_progress_done();
    xs_in_close(in);
}

void xs_hex(const uint8_t *p, size_t n, char *out)
{
    static const char digits[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = digits[p[i] >> 4];
        out[2 * i + 1] = digits[p[i] & 15];
    }
    out[2 * n] = '\0';
}

/* ---- the progress line ---- */
static struct {
    const char *name;
    bool tty;          /* rewrite one line with \r, else print lines */
    bool shown;        /* a line is on the terminal now */
    double start, last;
    xs_finding_fn sink;/* the report's own sink, called after clearing */
    void *sink_ctx;
} prog;

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void human(uint64_t n, char *buf, size_t sz)
{
    static const char *const units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
    double v = (double)n;
    unsigned u = 0;
    while (v >= 1024 && u + 1 < sizeof(units) / sizeof(units[0])) {
        v /= 1024;
        u++;
    }
    snprintf(buf, sz, u ? "%.1f %s" : "%.0f %s", v, units[u]);
}

static void progress_line(void *ctx, const struct xs_progress *p)
{
    (void)ctx;
    double t = now();
    /* a terminal line five times a second; plain lines once a second */
    if (t - prog.last < (prog.tty ? 0.2 : 1.0))
        return;
    prog.last = t;
    char done[32], rate[32];
    /* through gzip the file's own (compressed) bytes measure the way */
    uint64_t d = p->gzip ? p->read : p->offset;
    human(p->offset, done, sizeof(done));
    human((uint64_t)((double)d / (t - prog.start > 0 ? t - prog.start : 1)),
          rate, sizeof(rate));
    if (p->size) {
        char total[32];
        human(p->size, total, sizeof(total));
        fprintf(stderr, "%s%s: %s%s, %.0f%% of %s, %s/s%s", prog.tty ? "\r" : "",
                prog.name, done, p->gzip ? " decoded" : "",
                100.0 * (double)d / (double)p->size, total, rate,
                prog.tty ? "\033[K" : "\n");
    } else {
        fprintf(stderr, "%s%s: %s, %s/s%s", prog.tty ? "\r" : "", prog.name,
                done, rate, prog.tty ? "\033[K" : "\n");
    }
    prog.shown = prog.tty;
}

void xs_cli_progress_done(void)
{
    if (prog.shown)
        fputs("\r\033[K", stderr);
    prog.shown = false;
}

static void progress_sink(const struct xs_report *rep,
                          const struct xs_finding *f, void *ctx)
{
    (void)ctx;
    xs_cli_progress_done();
    if (prog.sink)
        prog.sink(rep, f, prog.sink_ctx);
}

void xs_cli_progress(struct xs_in *in, const struct xs_progress_opts *po,
                     struct xs_report *rep)
{
    bool tty = isatty(STDERR_FILENO);
    if (po->mode == 0 || (po->mode < 0 && !tty))
        return;
    xs_cli_progress_done();
    prog.name = rep->file;
    prog.tty = tty;
    prog.start = now();
    prog.last = 0; /* the first report shows at once */
    if (rep->sink != progress_sink) {
        prog.sink = rep->sink;
        prog.sink_ctx = rep->sink_ctx;
        rep->sink = progress_sink;
    }
    xs_in_set_progress(in, progress_line, NULL);
}
