/* xenstream restore: the upgrade pipeline feeding libxenlight.
 *
 * The image is converted to canonical v3 by the same code as `upgrade`,
 * on a second thread, into a pipe.  This thread reads the xl header off
 * the pipe (as `xl restore` reads it off its file, xl_vmcontrol.c
 * create_domain()), builds the domain configuration, and hands the rest of
 * the pipe, the libxl stream, to libxl_domain_create_restore().  A fault
 * found on the way makes the converter withhold END, so libxl can never
 * finish restoring a stream that verify refuses; the half-made domain is
 * then destroyed here. */
#include "backend.h"

#include <errno.h>
#include <fcntl.h>
#include <libxl_utils.h> /* and Xen's libxl.h (see domain_config.h) */
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <xentoollog.h>

#include "detect.h"
#include "domain_config.h"
#include "endian.h"
#include "fileio.h"
#include "xl.h"

#define CONFIG_FILE_MAX (16u << 20)  /* a --config file */
#define OPTDATA_MAX (64u << 20)      /* the xl header's optional data */
#define MONITOR_LOG_DIR "/var/log/xen"
#define DUMP_DIR "/var/lib/xen/dump"

/* One line on standard error for what happens past the stream's checks:
 * whole (bounded as a finding's message is, keeping its start and end),
 * and safe for a terminal (it may quote the image's config or name). */
static void say(const struct xs_report *rep, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void say(const struct xs_report *rep, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *msg = xs_msg_vformat(fmt, ap);
    va_end(ap);
    xs_text_printf(stderr, "%s: restore: %s\n", rep->file,
                   msg ? msg : "(message lost: out of memory)");
    free(msg);
}

/* ---- the converter thread ---- */

struct feed {
    struct xs_in *in;
    struct xs_out *out;    /* the pipe's write end */
    struct xs_report *rep;
    const struct xs_target *target; /* the running host */
    struct xs_summary sum;
    int rc;
};

static void *feed_main(void *arg)
{
    struct feed *f = arg;
    const struct xs_convert_opts to_v3 = {.to_version = 3,
                                          .target = f->target};
    f->rc = xs_convert(f->in, f->out, f->rep, &f->sum, &to_v3);
    if (f->rc == XS_OK)
        f->rc = xs_out_commit(f->out); /* closes the pipe: libxl sees EOF */
    else
        xs_out_abort(f->out);
    return NULL;
}

/* ---- before any domain exists ---- */

/* The layer inside any transport (gzip), from the layer table: what its
 * descriptor says of a restore (xl and libxl streams carry what libxl
 * restores).  XS_IO on an I/O error (reported). */
static int inner_layer(struct xs_in *in, const struct xs_layer **l, bool *gz)
{
    const struct xs_layer *t;
    if (xs_in_detect(in, &t, l) != XS_OK)
        return XS_IO;
    *gz = t != NULL;
    /* a file is read again from its first byte by the check */
    if (*gz && xs_in_seekable(in) && xs_in_rewind(in) != XS_OK)
        return XS_IO;
    return XS_OK;
}

/* A regular file is checked whole before the domain is created (gzip
 * too: decompressed twice, as a restore is worth it); a pipe is checked
 * as it passes. */
static int check_first(struct xs_in *in, struct xs_report *rep, bool gz,
                       const struct xs_target *host)
{
    const struct xs_convert_opts to_v3 = {.to_version = 3, .target = host};
    if (!xs_in_seekable(in))
        return XS_OK;
    if (!gz)
        return xs_convert_precheck(in, rep, NULL, &to_v3);
    int rc = xs_verify_target(in, rep, NULL, host);
    if (rc == XS_OK)
        rc = xs_in_rewind(in);
    if (rc == XS_OK)
        rep->quiet = true; /* the writing pass would repeat the warnings */
    return rc;
}

static int read_config_file(const struct xs_report *rep, const char *path,
                            char **data, size_t *n)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        say(rep, "cannot open config %s: %s", path, strerror(errno));
        return XS_USAGE;
    }
    struct xs_buf b = {0};
    int rc = XS_OK;
    for (;;) {
        if (xs_buf_reserve(&b, b.len + 65536) != XS_OK) {
            rc = XS_IO;
            break;
        }
        size_t got = fread(b.p + b.len, 1, 65536, f);
        b.len += got;
        if (b.len > CONFIG_FILE_MAX) {
            say(rep, "config %s: larger than %u MiB", path,
                CONFIG_FILE_MAX >> 20);
            rc = XS_USAGE;
            break;
        }
        if (got < 65536)
            break;
    }
    if (rc == XS_OK && ferror(f)) {
        say(rep, "cannot read config %s: %s", path, strerror(errno));
        rc = XS_USAGE;
    }
    fclose(f);
    if (rc != XS_OK) {
        xs_buf_free(&b);
        return rc;
    }
    *data = (char *)b.p;
    *n = b.len;
    return XS_OK;
}

/* Exactly n bytes off the pipe: libxl reads the rest from the same fd, so
 * nothing may be read ahead.  false at EOF (the converter stopped). */
static bool read_exact(int fd, void *p, size_t n)
{
    size_t got = 0;
    while (got < n) {
        ssize_t r = read(fd, (uint8_t *)p + got, n - got);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            return false;
        got += (size_t)r;
    }
    return true;
}

/* The xl header and its config, read off the pipe.  *cfg is NULL when the
 * save file carries none.  XS_OK, or XS_INVALID when the converter stopped
 * before the header was through (it has reported why). */
static int read_xl_header(int fd, struct xs_report *rep, char **cfg,
                          size_t *n, bool *json)
{
    uint8_t hdr[XS_XL_HDR_SIZE];
    struct xs_xl_hdr h;
    *cfg = NULL;
    if (!read_exact(fd, hdr, sizeof(hdr)))
        return XS_INVALID;
    xs_xl_hdr_decode(hdr, &h);
    /* the converter checked it (xs_xl_check_hdr) before passing it on */
    if (h.optional_data_len > OPTDATA_MAX) {
        say(rep, "the xl header's optional data (%u bytes) is larger than "
            "%u MiB", h.optional_data_len, OPTDATA_MAX >> 20);
        return XS_INVALID;
    }
    /* grown as the bytes arrive, never to the length announced */
    struct xs_buf opt = {0};
    for (uint32_t left = h.optional_data_len; left > 0;) {
        uint8_t chunk[65536];
        size_t want = left < sizeof(chunk) ? left : sizeof(chunk);
        if (!read_exact(fd, chunk, want)) {
            xs_buf_free(&opt);
            return XS_INVALID;
        }
        if (xs_buf_reserve(&opt, opt.len + want) != XS_OK) {
            xs_buf_free(&opt);
            say(rep, "out of memory");
            return XS_IO;
        }
        memcpy(opt.p + opt.len, chunk, want);
        opt.len += want;
        left -= (uint32_t)want;
    }
    /* optional data: the config's length, then the config (xl_saverestore.c
     * save_domain_core_begin()) */
    if (opt.len >= 4) {
        uint32_t len = xs_le32(opt.p);
        if (len > opt.len - 4)
            len = (uint32_t)opt.len - 4;
        memmove(opt.p, opt.p + 4, len);
        *cfg = (char *)opt.p;
        *n = len;
        *json = (h.mandatory_flags & XS_XL_FLAG_JSON) != 0;
    } else {
        xs_buf_free(&opt);
    }
    return XS_OK;
}

/* ---- after the domain exists ---- */

/* What to do when the domain shuts down, as xl's handle_domain_death()
 * (xl_vmcontrol.c) decides: a suspended domain (xl save, checkpoints) is
 * left alone and no longer watched; an unknown reason destroys it. */
static libxl_action_on_shutdown action_for(const libxl_domain_config *d,
                                           libxl_shutdown_reason why)
{
    switch (why) {
    case LIBXL_SHUTDOWN_REASON_SUSPEND:
        return LIBXL_ACTION_ON_SHUTDOWN_PRESERVE;
    case LIBXL_SHUTDOWN_REASON_POWEROFF:
        return d->on_poweroff;
    case LIBXL_SHUTDOWN_REASON_REBOOT:
        return d->on_reboot;
    case LIBXL_SHUTDOWN_REASON_CRASH:
        return d->on_crash;
    case LIBXL_SHUTDOWN_REASON_WATCHDOG:
        return d->on_watchdog;
    case LIBXL_SHUTDOWN_REASON_SOFT_RESET:
        return d->on_soft_reset;
    default:
        return LIBXL_ACTION_ON_SHUTDOWN_DESTROY;
    }
}

static void log_line(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void log_line(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    xs_text_vprintf(stderr, fmt, ap); /* a domain name: any bytes */
    va_end(ap);
    fputc('\n', stderr);
    fflush(stderr);
}

/* The background watcher (as xl's, without -e): applies the domain's
 * on_poweroff/on_reboot/on_crash/on_watchdog/on_soft_reset actions when
 * it shuts down, and ends when the domain is gone.  Runs in a child
 * process with its own libxl context; logs to
 * /var/log/xen/xenstream-NAME.log. */
static void watch_domain(uint32_t domid, libxl_domain_config *d,
                         xentoollog_logger *lg)
{
    libxl_ctx *ctx = NULL;
    if (libxl_ctx_alloc(&ctx, LIBXL_VERSION, 0, lg))
        _exit(3);
    log_line("xenstream: watching domain %s (id %u)", d->c_info.name, domid);
    libxl_evgen_domain_death *death = NULL;
    for (;;) {
        libxl_event *ev = NULL;
        if (!death && libxl_evenable_domain_death(ctx, domid, 0, &death))
            break;
        if (libxl_event_wait(ctx, &ev, LIBXL_EVENTMASK_ALL, 0, 0))
            break;
        if (ev->type == LIBXL_EVENT_TYPE_DOMAIN_DEATH) {
            log_line("xenstream: domain %u is gone", domid);
            libxl_event_free(ctx, ev);
            break;
        }
        if (ev->type != LIBXL_EVENT_TYPE_DOMAIN_SHUTDOWN) {
            libxl_event_free(ctx, ev);
            continue;
        }
        libxl_shutdown_reason why = ev->u.domain_shutdown.shutdown_reason;
        libxl_event_free(ctx, ev);
        libxl_action_on_shutdown act = action_for(d, why);
        log_line("xenstream: domain %u shut down (%s): %s", domid,
                 libxl_shutdown_reason_to_string(why),
                 libxl_action_on_shutdown_to_string(act));
        if (act == LIBXL_ACTION_ON_SHUTDOWN_PRESERVE)
            break;
        if (act == LIBXL_ACTION_ON_SHUTDOWN_COREDUMP_DESTROY ||
            act == LIBXL_ACTION_ON_SHUTDOWN_COREDUMP_RESTART) {
            char path[256];
            mkdir(DUMP_DIR, 0700);
            watcher_core_path(d->c_info.name, domid, path, sizeof(path));
            if (libxl_domain_core_dump(ctx, domid, path, NULL))
                log_line("xenstream: core dump to %s failed", path);
        }
        libxl_evdisable_domain_death(ctx, death);
        death = NULL;
        libxl_domain_destroy(ctx, domid, NULL);
        if (act == LIBXL_ACTION_ON_SHUTDOWN_DESTROY ||
            act == LIBXL_ACTION_ON_SHUTDOWN_COREDUMP_DESTROY)
            break;
        /* restart (rename-restart and soft-reset too, unlike xl, which
         * keeps the old domain renamed or soft-resets it): a new boot
         * from the configuration */
        domid = INVALID_DOMID;
        if (libxl_domain_create_new(ctx, d, &domid, NULL, NULL)) {
            log_line("xenstream: restarting %s failed", d->c_info.name);
            break;
        }
        libxl_domain_unpause(ctx, domid, NULL);
        log_line("xenstream: %s restarted as domain %u", d->c_info.name,
                 domid);
    }
    if (death)
        libxl_evdisable_domain_death(ctx, death);
    libxl_ctx_free(ctx);
    _exit(0);
}

/* The watcher's log, named after the domain as xl names its own
 * (xl_vmcontrol.c, do_daemonize(), RELEASE-4.17.0).  The name comes from
 * the image's config, which came from elsewhere, and Xen does not check
 * it: a '/' or a leading '.' would put a root-owned log anywhere ("../../
 * etc/x"), so every byte but letters, digits and "-_.+" becomes '_', and
 * the log is never opened through a link. */
static void safe_name(const char *name, char *safe, size_t size)
{
    size_t n = 0;
    for (; name && name[n] && n + 1 < size; n++) {
        char c = name[n];
        bool keep = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                    (c >= '0' && c <= '9') || c == '-' || c == '_' ||
                    c == '+' || (c == '.' && n > 0);
        safe[n] = keep ? c : '_';
    }
    if (!n)
        safe[n++] = '_';
    safe[n] = '\0';
}

void watcher_log_path(const char *name, char *path, size_t size)
{
    char safe[128];
    safe_name(name, safe, sizeof(safe));
    snprintf(path, size, MONITOR_LOG_DIR "/xenstream-%s.log", safe);
}

/* The core dump's path, in /var/lib/xen/dump, with the name made safe as
 * the log's: the dump is written by root, and the image's name alone
 * ("../../etc/x") would put it anywhere. */
void watcher_core_path(const char *name, unsigned domid, char *path,
                       size_t size)
{
    char safe[128];
    safe_name(name, safe, sizeof(safe));
    snprintf(path, size, DUMP_DIR "/%s.%u.core", safe, domid);
}

static void start_watcher(libxl_ctx *ctx, const struct xs_report *rep,
                          uint32_t domid, libxl_domain_config *d,
                          xentoollog_logger *lg)
{
    char log[256];
    watcher_log_path(d->c_info.name, log, sizeof(log));
    pid_t pid = fork();
    if (pid < 0) {
        say(rep, "cannot start the background watcher: %s", strerror(errno));
        return;
    }
    if (pid > 0) {
        xs_text_printf(stderr, "xenstream: watching %s in the background "
                       "(pid %ld, log %s)\n", d->c_info.name, (long)pid, log);
        return;
    }
    libxl_postfork_child_noexec(ctx);
    setsid();
    int nul = open("/dev/null", O_RDWR);
    int lfd = open(log, O_WRONLY | O_CREAT | O_APPEND | O_NOFOLLOW |
                            O_NOCTTY | O_CLOEXEC, 0644);
    if (nul >= 0)
        dup2(nul, STDIN_FILENO);
    dup2(lfd >= 0 ? lfd : nul, STDOUT_FILENO);
    dup2(lfd >= 0 ? lfd : nul, STDERR_FILENO);
    watch_domain(domid, d, lg);
}

static void start_vncviewer(libxl_ctx *ctx, uint32_t domid)
{
    pid_t pid = fork();
    if (pid != 0)
        return;
    libxl_postfork_child_noexec(ctx);
    sleep(1); /* as xl: let the device model come up */
    libxl_vncviewer_exec(ctx, domid, 0);
    _exit(3);
}

/* Read the pipe to its end: bytes after libxl's END (xl migrate's
 * trailer) that the converter still passes through. */
static void drain(int fd)
{
    char buf[65536];
    ssize_t r;
    while ((r = read(fd, buf, sizeof(buf))) > 0 || (r < 0 && errno == EINTR))
        ;
}

/* ---- the whole restore ---- */

struct restore {
    struct xs_report *rep;
    const struct xs_restore_opts *o;
    xentoollog_logger_stdiostream *lg;
    libxl_ctx *ctx;
    libxl_domain_config d;
    int fds[2];
    struct feed feed;
    pthread_t thread;
    bool running;
    char *config;         /* --config FILE's contents, read first */
    size_t config_len;
};

static int stop_feed(struct restore *r)
{
    if (r->fds[0] >= 0)
        close(r->fds[0]); /* a converter still writing gets EPIPE */
    r->fds[0] = -1;
    if (r->running)
        pthread_join(r->thread, NULL);
    r->running = false;
    return r->feed.rc;
}

static int configure(struct restore *r, bool xl_image)
{
    char *cfg = NULL, *err = NULL;
    size_t n = 0;
    bool json = false;
    const char *source = "<saved>";
    int rc = XS_OK;

    if (xl_image)
        rc = read_xl_header(r->fds[0], r->rep, &cfg, &n, &json);
    if (rc == XS_OK && r->config) {
        free(cfg);
        cfg = NULL;
        source = r->o->config_file;
        json = xs_domain_config_is_json(r->config, r->config_len);
    }
    const char *use = r->config ? r->config : cfg;
    size_t use_len = r->config ? r->config_len : n;
    if (rc == XS_OK && !use) {
        say(r->rep, "the image carries no domain configuration: give one "
            "with --config FILE");
        rc = XS_USAGE;
    }
    if (rc == XS_OK && xs_domain_config_parse(r->ctx, source, use, use_len,
                                              json, &r->d, &err)) {
        say(r->rep, "%s", err ? err : "the config is refused (out of memory)");
        rc = XS_USAGE;
    }
    free(err);
    free(cfg);
    if (rc == XS_OK && !libxl_domid_valid_guest(r->d.c_info.domid))
        r->d.c_info.domid = INVALID_DOMID;
    if (rc == XS_OK && r->o->debug) {
        char *js = libxl_domain_config_to_json(r->ctx, &r->d);
        if (js)
            fprintf(stderr, "%s\n", js);
        free(js);
    }
    return rc;
}

static int restore_domain(struct restore *r, uint32_t *domid)
{
    libxl_domain_restore_params params;
    libxl_domain_restore_params_init(&params);
    params.stream_version = 2; /* the libxl stream; the converter writes
                                  nothing older */
    params.checkpointed_stream = LIBXL_CHECKPOINTED_STREAM_NONE;
    int ret = libxl_domain_create_restore(r->ctx, &r->d, domid, r->fds[0],
                                          -1, &params, NULL, NULL);
    libxl_domain_restore_params_dispose(&params);
    if (ret == 0)
        drain(r->fds[0]);
    int feed_rc = stop_feed(r);
    if (ret == 0 && feed_rc == XS_OK)
        return XS_OK;

    /* libxl destroys what it made when it fails; make sure of it (by id
     * only: a domain of the same name may be another's) */
    const char *name = r->d.c_info.name ? r->d.c_info.name : "?";
    bool made = libxl_domid_valid_guest(*domid);
    if (made && libxl_domain_info(r->ctx, NULL, *domid) == 0 &&
        libxl_domain_destroy(r->ctx, *domid, NULL) != 0)
        say(r->rep, "could not destroy the half-made domain %s (id %u): "
            "destroy it with xl destroy %u", name, *domid, *domid);
    char fate[96];
    if (made)
        snprintf(fate, sizeof(fate), "the half-made domain %s (id %u) is "
                 "gone", name, *domid);
    else
        snprintf(fate, sizeof(fate), "no domain was created");
    if (feed_rc != XS_OK)
        say(r->rep, "the stream was refused on its way in (see above); %s",
            fate);
    else
        say(r->rep, "libxenlight could not restore domain %s (error %d, "
            "see its messages above); %s", name, ret, fate);
    return feed_rc != XS_OK ? feed_rc : XS_IO;
}

/* libxl's own messages quote the configuration (a domain name, a disk
 * path: the image's) and its logger writes them raw to a stream: they go
 * to standard error through xs_text_write(), but for the \n and \r of
 * its lines and progress line. */
static ssize_t libxl_log_write(void *cookie, const char *buf, size_t n)
{
    (void)cookie;
    size_t start = 0;
    for (size_t i = 0; i < n; i++)
        if (buf[i] == '\n' || buf[i] == '\r') {
            xs_text_write(stderr, buf + start, i - start);
            fputc(buf[i], stderr);
            start = i + 1;
        }
    xs_text_write(stderr, buf + start, n - start);
    fflush(stderr);
    return (ssize_t)n;
}

/* The stream for libxl's logger (kept for the process: the watcher's
 * child writes its log through it), stderr if it cannot be made. */
FILE *libxl_log_stream(void)
{
    static FILE *f;
    if (!f) {
        f = fopencookie(NULL, "w", (cookie_io_functions_t){
                                       .write = libxl_log_write});
        /* line by line: a UTF-8 character is not split between writes */
        if (f)
            setvbuf(f, NULL, _IOLBF, 0);
    }
    return f ? f : stderr;
}

static int restore_from(struct xs_in *in, struct xs_report *rep,
                        const struct xs_restore_opts *o,
                        const struct xs_layer *l,
                        bool gz)
{
    struct restore r = {.rep = rep, .o = o, .fds = {-1, -1}};
    int rc = o->config_file ? read_config_file(rep, o->config_file, &r.config,
                                               &r.config_len)
                            : XS_OK;
    /* Will it restore on this host: its CPU policies, as verify
     * --host-policy checks them, before any domain exists (a file) or
     * before END reaches libxl (a pipe: the domain is then destroyed). */
    struct xs_release running = {0};
    char why[160];
    struct xs_host_policy *hp = rc == XS_OK ? xs_backend_host_policy(
                                                  &running, why, sizeof(why))
                                            : NULL;
    const struct xs_target host = {.xen = &running, .host = hp,
                                   .allow_feature_loss = o->allow_feature_loss};
    if (rc == XS_OK)
        rc = check_first(in, rep, gz, hp ? &host : NULL);
    if (rc == XS_OK && !hp) {
        /* an image refused is refused first, Xen or not */
        say(rep, "cannot read this host's CPU policies: %s", why);
        rc = XS_IO;
    }
    if (rc != XS_OK) {
        xs_host_policy_free(hp);
        free(r.config);
        return rc;
    }
    libxl_domain_config_init(&r.d);
    /* the stream is not a descriptor: whether it is a terminal (progress
     * on one line with \r) is said here */
    r.lg = xtl_createlogger_stdiostream(libxl_log_stream(),
                                        o->debug ? XTL_DEBUG : XTL_PROGRESS,
                                        isatty(STDERR_FILENO)
                                            ? XTL_STDIOSTREAM_PROGRESS_USE_CR
                                            : XTL_STDIOSTREAM_HIDE_PROGRESS);
    if (!r.lg || libxl_ctx_alloc(&r.ctx, LIBXL_VERSION, 0,
                                 (xentoollog_logger *)r.lg)) {
        say(rep, "cannot talk to Xen through libxenlight (is this dom0, "
            "with xenstored running?)");
        if (r.lg)
            xtl_logger_destroy((xentoollog_logger *)r.lg);
        libxl_domain_config_dispose(&r.d);
        xs_host_policy_free(hp);
        free(r.config);
        return XS_IO;
    }
    signal(SIGPIPE, SIG_IGN);
    /* close-on-exec: libxl's save helper must not hold the write end */
    if (pipe2(r.fds, O_CLOEXEC) < 0) {
        say(rep, "cannot make a pipe: %s", strerror(errno));
        rc = XS_IO;
        goto out;
    }
    r.feed = (struct feed){.in = in, .rep = rep, .target = &host,
                           .out = xs_out_from_fd(r.fds[1], "<pipe to libxl>",
                                                 true, rep)};
    if (!r.feed.out) {
        close(r.fds[1]);
        rc = XS_IO;
        goto out;
    }
    if ((errno = pthread_create(&r.thread, NULL, feed_main, &r.feed))) {
        say(rep, "cannot start the converter: %s", strerror(errno));
        xs_out_abort(r.feed.out);
        rc = XS_IO;
        goto out;
    }
    r.running = true;

    rc = configure(&r, l->restore == XS_LR_XL);
    if (rc != XS_OK) {
        int feed_rc = stop_feed(&r);
        /* a converter that stopped first has said why */
        rc = feed_rc != XS_OK && rc == XS_INVALID ? feed_rc : rc;
        goto out;
    }
    uint32_t domid = INVALID_DOMID;
    rc = restore_domain(&r, &domid);
    if (rc == XS_OK) {
        if (!o->paused && libxl_domain_unpause(r.ctx, domid, NULL))
            say(rep, "domain %u restored but could not be unpaused", domid);
        xs_text_printf(stderr, "xenstream: %s restored as domain %u%s\n",
                       r.d.c_info.name, domid, o->paused ? " (paused)" : "");
        if (o->vnc)
            start_vncviewer(r.ctx, domid);
        if (!o->no_monitor)
            start_watcher(r.ctx, rep, domid, &r.d, (xentoollog_logger *)r.lg);
    }
out:
    stop_feed(&r);
    xs_host_policy_free(hp);
    libxl_domain_config_dispose(&r.d);
    free(r.config);
    libxl_ctx_free(r.ctx);
    xtl_logger_destroy((xentoollog_logger *)r.lg);
    return rc;
}

int xs_restore(struct xs_in *in, struct xs_report *rep,
               const struct xs_restore_opts *o)
{
    bool gz = false;
    const struct xs_layer *l;
    if (inner_layer(in, &l, &gz) != XS_OK)
        return XS_IO;
    if (l && l->restore == XS_LR_REFUSED) {
        xs_report_add(rep, XS_SEV_ERROR, "restore.container", 0, -1, "input",
                      "%s", l->restore_why);
        return XS_INVALID;
    }
    if (!l || (l->restore != XS_LR_XL && l->restore != XS_LR_LIBXL))
        return xs_verify(in, rep, NULL); /* says what the input is */
    if (l->restore == XS_LR_LIBXL && !o->config_file) {
        xs_report_add(rep, XS_SEV_ERROR, "restore.config", 0, -1, "input",
                      "a bare libxl stream carries no domain configuration: "
                      "give one with --config FILE");
        return XS_USAGE;
    }
    struct xs_in *spool = NULL;
    if (o->spool_dir && !xs_in_seekable(in)) {
        /* --check-first: the stream (decoded) into a file, checked whole */
        if (!(spool = xs_in_spool(in, o->spool_dir, rep)))
            return XS_IO;
        in = spool;
        gz = false;
    }
    int rc = restore_from(in, rep, o, l, gz);
    xs_in_close(spool);
    return rc;
}
