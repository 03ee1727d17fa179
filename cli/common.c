#include "common.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>


int xs_usage_error(const struct xs_command *cmd, const char *fmt, ...)
{
    va_list ap;
    fprintf(stderr, "xenstream %s: ", cmd->name);
    va_start(ap, fmt);
    /* an argument quoted back may be a hostile file name: escaped.
     * common.c is in two executables; clang-tidy 14 analyses both compile
     * commands in one run and carries va_list state from the first */
    xs_text_vprintf(stderr, fmt, ap); // NOLINT(clang-analyzer-valist.Uninitialized)
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
             xs_guest_name(s->guest), (unsigned long long)s->records,
             (unsigned long long)s->pages);
}

int xs_cli_one_input(const struct xs_command *cmd, int argc, char **argv,
                     struct xs_report *rep, struct xs_in **in)
{
    if (argc - optind > 1) {
        xs_report_init(rep, NULL); /* to be freed as after any other end */
        return xs_usage_error(cmd, "one input at most");
    }
    /* as upgrade: no input named is standard input */
    *in = xs_cli_open(optind < argc ? argv[optind] : "-", true, NULL, rep);
    return *in ? XS_OK : xs_cli_open_status();
}

static bool show_notes = true;
static int stdout_errno;          /* of the first failed flush */

void xs_cli_flush(void)
{
    if (fflush(stdout) != 0 && !stdout_errno)
        stdout_errno = errno;
}

int xs_cli_stdout_errno(void) { return stdout_errno; }

void xs_cli_printf(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    xs_text_vprintf(stdout, fmt, ap);
    va_end(ap);
}

static const char *command; /* for the line of a failed write */

void xs_cli_set_command(const char *cmd) { command = cmd; }

bool xs_cli_stdout_failed(void)
{
    if (!ferror(stdout))
        return false;
    /* called right after the write that failed: its errno is still
     * there, and a second flush of what is left says it again */
    int e = errno;
    if (fflush(stdout) != 0)
        e = errno;
    if (!stdout_errno && (e == EPIPE || e == ENOSPC || e == EBADF ||
                          e == EIO || e == EDQUOT || e == EFBIG))
        stdout_errno = e;
    return true;
}

void xs_cli_stdout_check(void)
{
    if (xs_cli_stdout_failed())
        exit(xs_cli_finish(XS_IO));
}

/* Every command's writes to standard output are checked here, once,
 * after it ran (or at the first failed write: xs_cli_stdout_check()):
 * what stdio still holds is flushed and stdout closed, and a failure of
 * either (a full disk, a closed descriptor, a reader gone away: EPIPE) is
 * exit 3 with one line, as upgrade's own writes are. */
int xs_cli_finish(int rc)
{
    static bool done;
    if (done) /* an exit() from within: said already */
        return xs_cli_status(rc);
    done = true;
    xs_cli_flush();
    int err = xs_cli_stdout_errno();
    bool failed = ferror(stdout) != 0;
    if (fclose(stdout) != 0 && !err)
        err = errno;
    if (!failed && !err)
        return xs_cli_status(rc);
    const char *cmd = command;
    /* an earlier failed write leaves only the error flag: its errno is
     * gone, and the line says no more than it knows */
    if (err)
        fprintf(stderr, "xenstream%s%s: cannot write standard output: %s\n",
                cmd ? " " : "", cmd ? cmd : "", strerror(err));
    else
        fprintf(stderr, "xenstream%s%s: cannot write standard output\n",
                cmd ? " " : "", cmd ? cmd : "");
    return xs_cli_status(XS_IO);
}

static int open_status = XS_OK;   /* of the last xs_cli_open() */
static bool input_refused;  /* any input refused (a terminal, or stdout) */

void xs_cli_notes(bool on) { show_notes = on; }
int xs_cli_open_status(void) { return open_status; }

int xs_cli_status(int rc)
{
    return input_refused ? XS_USAGE : rc;
}

static void cli_sink(const struct xs_report *rep, const struct xs_finding *f,
                     void *ctx)
{
    if (f->sev != XS_SEV_NOTE || show_notes)
        xs_report_print_sink(rep, f, ctx);
}

/* A terminal is never read as an image (docs/behaviour.md §5): nobody types one,
 * and reading it would wait for ever. */
static bool refuse_tty(int fd, struct xs_report *rep)
{
    if (!isatty(fd))
        return false;
    xs_report_add(rep, XS_SEV_ERROR, "usage.tty", 0, -2, "",
                  "refusing to read an image from a terminal (name a file, "
                  "or redirect standard input)");
    return true;
}

/* Standard output into the file being read (`dump IN 1<> IN`, `search
 * IN >> IN`): the text would be written over or after the image while
 * it is read, so every command refuses it as upgrade does (exit 2). */
static const char stdout_into[] = "standard output is the input file: it "
                                  "would be written into while it is read";

/* st (of a file read) is the regular file standard output writes to */
static bool is_stdout_file(const struct stat *st)
{
    struct stat out;
    return S_ISREG(st->st_mode) && fstat(STDOUT_FILENO, &out) == 0 &&
           st->st_dev == out.st_dev && st->st_ino == out.st_ino;
}

static bool refuse_stdout_into(int fd, struct xs_report *rep)
{
    struct stat in;
    if (fstat(fd, &in) != 0 || !is_stdout_file(&in))
        return false;
    xs_report_add(rep, XS_SEV_ERROR, "usage.output", 0, -2, "", "%s",
                  stdout_into);
    return true;
}

void xs_cli_sink(struct xs_report *rep, FILE *fp)
{
    rep->sink = cli_sink;
    rep->sink_ctx = fp;
}

struct xs_in *xs_cli_open_r(const char *path, bool print, FILE *fp,
                            struct xs_report *rep, int *status)
{
    bool std = strcmp(path, "-") == 0;
    xs_report_init(rep, std ? "<stdin>" : path);
    if (print)
        xs_cli_sink(rep, fp);
    *status = XS_IO;
    struct xs_in *in = NULL;
    if (std) {
        if (refuse_tty(STDIN_FILENO, rep) ||
            refuse_stdout_into(STDIN_FILENO, rep))
            *status = XS_USAGE;
        else
            in = xs_in_open(path, rep);
    } else {
        /* opened here rather than by xs_in_open() to see a terminal
         * (/dev/tty, /dev/pts/N) before reading; O_NOCTTY: opening it
         * must not make it this process's controlling terminal */
        int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
        if (fd < 0) {
            xs_report_add(rep, XS_SEV_ERROR, "io", 0, -2, "",
                          "cannot open %s: %s", path, strerror(errno));
        } else if (refuse_tty(fd, rep) || refuse_stdout_into(fd, rep)) {
            *status = XS_USAGE;
            close(fd);
        } else if (!(in = xs_in_from_fd(fd, path, true, rep))) {
            close(fd);
        }
    }
    if (in)
        *status = XS_OK;
    return in;
}

void xs_cli_refused_input(void) { input_refused = true; }

struct xs_in *xs_cli_open(const char *path, bool print,
                          const struct xs_progress_opts *po,
                          struct xs_report *rep)
{
    struct xs_in *in = xs_cli_open_r(path, print, NULL, rep, &open_status);
    if (open_status == XS_USAGE)
        input_refused = true;
    if (in && po)
        xs_cli_progress(in, po, rep);
    return in;
}

/* Standard input by name: "-", or a path to standard input's own pipe,
 * socket or device (/dev/stdin, /dev/fd/0, /proc/self/fd/0).  A regular
 * file can be read again; those cannot. */
static bool is_stdin_stream(const char *path)
{
    if (strcmp(path, "-") == 0)
        return true;
    struct stat in, st;
    return fstat(STDIN_FILENO, &in) == 0 && !S_ISREG(in.st_mode) &&
           stat(path, &st) == 0 && st.st_dev == in.st_dev &&
           st.st_ino == in.st_ino;
}

int xs_cli_check_inputs(const struct xs_command *cmd, int n, char **paths)
{
    int seen = 0;
    struct stat st;
    for (int i = 0; i < n; i++) {
        if (is_stdin_stream(paths[i]) && seen++)
            return xs_usage_error(cmd, "standard input can be read once: "
                                  "'%s' names it again", paths[i]);
        bool std = strcmp(paths[i], "-") == 0;
        if ((std ? fstat(STDIN_FILENO, &st) : stat(paths[i], &st)) == 0 &&
            is_stdout_file(&st))
            return xs_usage_error(cmd, "%s: %s", std ? "<stdin>" : paths[i],
                                  stdout_into);
    }
    return XS_OK;
}

void xs_cli_close(struct xs_in *in)
{
    xs_cli_progress_done();
    xs_in_close(in);
}

char *xs_cli_shell_word(const char *path)
{
    static const char safe[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                               "0123456789_@%+=:,./-";
    size_t n = strlen(path);
    bool plain = n > 0 && strspn(path, safe) == n;
    /* a name that starts with '-' would be read as an option */
    const char *dot = path[0] == '-' && strcmp(path, "-") != 0 ? "./" : "";
    char *out = malloc(5 * n + 5), *o = out; /* each ' is '"'"' */
    if (!out)
        return NULL;
    if (!plain)
        *o++ = '\'';
    o += sprintf(o, "%s", dot);
    for (const char *p = path; *p; p++) {
        if (*p == '\'') {
            /* not '\'': the text output shows a backslash as \\ */
            memcpy(o, "'\"'\"'", 5);
            o += 5;
        } else {
            *o++ = *p;
        }
    }
    if (!plain)
        *o++ = '\'';
    *o = '\0';
    return out;
}

void xs_cli_note_policy_dropped(const char *file, unsigned n)
{
    xs_text_printf(stderr,
            "%s: %u CPU policy record%s dropped: the receiving host derives "
            "the guest's CPU policy itself (the guest may see other CPU "
            "features)\n",
            file, n, n == 1 ? "" : "s");
}

/* ---- JSON text ---- */

/* s as valid UTF-8 (malloc'd, *olen bytes and a NUL), *lost set when a
 * byte was replaced. */
static char *utf8_clean(const char *s, size_t n, bool *lost, size_t *olen)
{
    const unsigned char *p = (const unsigned char *)s;
    char *out = malloc(3 * n + 1); /* each byte at most U+FFFD's 3 */
    size_t o = 0;
    *lost = false;
    if (!out)
        return NULL;
    for (size_t i = 0; i < n;) {
        size_t k = xs_utf8_seq(p + i, n - i);
        if (k) {
            memcpy(out + o, p + i, k);
            o += k;
            i += k;
        } else {
            memcpy(out + o, "\xef\xbf\xbd", 3);
            o += 3;
            i++;
            *lost = true;
        }
    }
    out[o] = '\0';
    *olen = o;
    return out;
}

json_t *xs_json_textn(const char *s, size_t n)
{
    bool lost;
    size_t len;
    char *t = utf8_clean(s, n, &lost, &len);
    if (!t)
        return NULL;
    /* jansson escapes control characters and NUL itself */
    json_t *j = json_stringn(t, len);
    free(t);
    return j;
}

json_t *xs_json_finding(const struct xs_finding *f)
{
    json_t *o = json_object();
    json_object_set_new(o, "severity",
                        json_string(f->sev == XS_SEV_ERROR     ? "error"
                                    : f->sev == XS_SEV_WARNING ? "warning"
                                                               : "note"));
    json_object_set_new(o, "rule", json_string(f->rule));
    if (f->index != -2) {
        json_object_set_new(o, "offset", json_integer((json_int_t)f->offset));
        json_object_set_new(o, "where", xs_json_text(f->where));
    }
    if (f->index >= 0)
        json_object_set_new(o, "record", json_integer(f->index));
    /* a message can quote a file name: any bytes */
    json_object_set_new(o, "message", xs_json_text(f->msg));
    return o;
}

json_t *xs_json_failure(const char *file, int rc, const struct xs_report *rep)
{
    json_t *doc = json_object(), *arr = json_array();
    xs_json_set_name(doc, "file", file);
    json_object_set_new(doc, "valid", json_false());
    json_object_set_new(doc, "status", json_integer(rc));
    json_object_set_new(doc, "errors", json_integer(rep->errors));
    json_object_set_new(doc, "warnings", json_integer(rep->warnings));
    for (size_t i = 0; i < rep->nkept; i++)
        json_array_append_new(arr, xs_json_finding(&rep->kept[i]));
    json_object_set_new(doc, "findings", arr);
    return doc;
}

void xs_json_print(json_t *doc, bool indent)
{
    json_dumpf(doc, stdout,
               (indent ? JSON_INDENT(2) : JSON_COMPACT) | JSON_ENSURE_ASCII);
    fputc('\n', stdout);
    json_decref(doc);
}

json_t *xs_json_text(const char *s) { return xs_json_textn(s, strlen(s)); }

void xs_json_set_name(json_t *obj, const char *key, const char *name)
{
    size_t n = strlen(name), len;
    bool lost;
    char *t = utf8_clean(name, n, &lost, &len);
    json_object_set_new(obj, key, t ? json_string(t) : json_null());
    free(t);
    if (!lost)
        return;
    size_t klen = strlen(key) + sizeof("_bytes");
    char *hex = malloc(2 * n + 1);
    char *k = malloc(klen);
    if (hex && k) {
        xs_hex((const uint8_t *)name, n, hex);
        snprintf(k, klen, "%s_bytes", key);
        json_object_set_new(obj, k, json_string(hex));
    }
    free(hex);
    free(k);
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
    double interval;   /* seconds between lines */
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

/* "ETA 1:02:03" or "ETA 2:03"; "ETA --:--" until a rate is measured. */
static void eta(double left, char *buf, size_t sz)
{
    if (!(left >= 0) || left > 1e7) {
        snprintf(buf, sz, "ETA --:--");
        return;
    }
    unsigned long s = (unsigned long)(left + 0.5);
    if (s >= 3600)
        snprintf(buf, sz, "ETA %lu:%02lu:%02lu", s / 3600, s / 60 % 60,
                 s % 60);
    else
        snprintf(buf, sz, "ETA %lu:%02lu", s / 60, s % 60);
}

/* One unit per figure: the percentage, the rate and the ETA are of the
 * file's own bytes (compressed, through gzip: the only size known in
 * advance); decoded bytes, through gzip, are said apart.
 *   file: 10.4 MiB of 14.5 MiB (72%), 12.3 MiB/s, ETA 0:05
 *   file.gz: 10.4 MiB of 14.5 MiB read (72%), 76.1 MiB decoded, ...
 *   <stdin>: 10.4 MiB, 12.3 MiB/s        (a pipe: no size, no ETA) */
static void progress_line(void *ctx, const struct xs_progress *p)
{
    (void)ctx;
    double t = now();
    /* a terminal line five times a second; plain lines once a second
     * (XENSTREAM_PROGRESS_INTERVAL, seconds: the tests, for a run that
     * ISA-L or zstd ends within a second) */
    if (t - prog.last < prog.interval)
        return;
    prog.last = t;
    char done[32], rate[32], decoded[48] = "";
    uint64_t d = p->gzip ? p->read : p->offset;
    double el = t - prog.start;
    double r = el > 0.05 ? (double)d / el : 0;
    human(d, done, sizeof(done));
    human((uint64_t)r, rate, sizeof(rate));
    if (p->gzip) {
        char dec[32];
        human(p->offset, dec, sizeof(dec));
        snprintf(decoded, sizeof(decoded), ", %s decoded", dec);
    }
    fputs(prog.tty ? "\r" : "", stderr);
    xs_text_printf(stderr, "%s: %s", prog.name, done);
    if (p->size) {
        char total[32], when[32];
        human(p->size, total, sizeof(total));
        eta(r > 0 && d > 0 ? (double)(p->size > d ? p->size - d : 0) / r : -1,
            when, sizeof(when));
        fprintf(stderr, " of %s%s (%.0f%%)%s, %s/s, %s", total,
                p->gzip ? " read" : "", 100.0 * (double)d / (double)p->size,
                decoded, rate, when);
    } else {
        fprintf(stderr, "%s%s, %s/s", p->gzip ? " read" : "", decoded, rate);
    }
    fputs(prog.tty ? "\033[K" : "\n", stderr);
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
    const char *iv = getenv("XENSTREAM_PROGRESS_INTERVAL");
    char *end;
    prog.interval = iv ? strtod(iv, &end) : 0;
    if (!iv || end == iv || *end || !(prog.interval >= 0 && prog.interval <= 60))
        prog.interval = tty ? 0.2 : 1.0;
    prog.start = now();
    prog.last = 0; /* the first report shows at once */
    if (rep->sink != progress_sink) {
        prog.sink = rep->sink;
        prog.sink_ctx = rep->sink_ctx;
        rep->sink = progress_sink;
    }
    xs_in_set_progress(in, progress_line, NULL);
}
