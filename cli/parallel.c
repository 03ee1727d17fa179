/* Many inputs on several threads, their output in input order: a worker
 * takes the next input; the calling thread prints each result as soon as
 * it and all before it are done, and verifies inputs itself meanwhile.
 * Workers run at most a window (8 per thread) ahead of the printing, so
 * that memory is bounded by the window, not by the number of inputs. */
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <unistd.h>

#include "common.h"

struct pool {
    pthread_mutex_t lock;
    pthread_cond_t work;   /* a worker may take the next item */
    pthread_cond_t done;   /* an item finished */
    size_t n, next, emitted, window;
    bool *finished;
    bool stop;
    void (*run)(void *ctx, size_t i);
    bool (*serial)(void *ctx, size_t i);
    void *ctx;
};

static void *worker(void *arg)
{
    struct pool *p = arg;
    pthread_mutex_lock(&p->lock);
    for (;;) {
        while (!p->stop && p->next < p->n && p->next >= p->emitted + p->window)
            pthread_cond_wait(&p->work, &p->lock);
        if (p->stop || p->next >= p->n)
            break;
        size_t i = p->next++;
        if (p->serial && p->serial(p->ctx, i))
            continue; /* the calling thread's, at its turn */
        pthread_mutex_unlock(&p->lock);
        p->run(p->ctx, i);
        pthread_mutex_lock(&p->lock);
        p->finished[i] = true;
        pthread_cond_broadcast(&p->done);
    }
    pthread_mutex_unlock(&p->lock);
    return NULL;
}

unsigned xs_cli_cores(void)
{
    cpu_set_t set;
    if (sched_getaffinity(0, sizeof(set), &set) == 0 && CPU_COUNT(&set) > 0)
        return (unsigned)CPU_COUNT(&set);
    return 1;
}

bool xs_cli_parallel(size_t n, unsigned workers,
                     void (*run)(void *ctx, size_t i),
                     bool (*serial)(void *ctx, size_t i),
                     bool (*emit)(void *ctx, size_t i), void *ctx)
{
    if (workers > n)
        workers = (unsigned)n;
    /* the calling thread is one of the workers: on 2 cores, 2 jobs are 2
     * threads, not 2 workers and a printer taking turns with them */
    pthread_t *t = workers > 1 ? calloc(workers - 1, sizeof(*t)) : NULL;
    struct pool p = {.n = n, .window = 8u * workers + 8u, .run = run,
                     .serial = serial, .ctx = ctx};
    p.finished = t ? calloc(n ? n : 1, sizeof(*p.finished)) : NULL;
    unsigned started = 0;
    if (p.finished) {
        pthread_mutex_init(&p.lock, NULL);
        pthread_cond_init(&p.work, NULL);
        pthread_cond_init(&p.done, NULL);
        while (started < workers - 1 &&
               pthread_create(&t[started], NULL, worker, &p) == 0)
            started++;
    }
    bool ok = true;
    if (started == 0) { /* one thread, or none could be made: in order */
        for (size_t i = 0; i < n && ok; i++) {
            run(ctx, i);
            ok = emit(ctx, i);
        }
    } else {
        pthread_mutex_lock(&p.lock);
        while (p.emitted < n) {
            size_t e = p.emitted;
            bool mine = serial && serial(ctx, e);
            if (mine || p.finished[e]) {
                /* its turn: printed (a serial one run here first) */
                pthread_mutex_unlock(&p.lock);
                if (mine)
                    run(ctx, e);
                ok = emit(ctx, e);
                pthread_mutex_lock(&p.lock);
                p.emitted++;
                pthread_cond_broadcast(&p.work);
                if (!ok) { /* the reader went away: the rest is not done */
                    p.stop = true;
                    break;
                }
                continue;
            }
            /* not done yet: take the next one meanwhile, as a worker */
            while (p.next < n && p.serial && p.serial(ctx, p.next) &&
                   p.next != e)
                p.next++;
            if (p.next < n && p.next < p.emitted + p.window &&
                !(serial && serial(ctx, p.next))) {
                size_t i = p.next++;
                pthread_mutex_unlock(&p.lock);
                run(ctx, i);
                pthread_mutex_lock(&p.lock);
                p.finished[i] = true;
                continue;
            }
            pthread_cond_wait(&p.done, &p.lock);
        }
        pthread_mutex_unlock(&p.lock);
        for (unsigned k = 0; k < started; k++)
            pthread_join(t[k], NULL);
        pthread_cond_destroy(&p.done);
        pthread_cond_destroy(&p.work);
        pthread_mutex_destroy(&p.lock);
    }
    free(p.finished);
    free(t);
    return ok;
}

/* A spool: what a worker prints for one input, held until its turn.  In
 * memory up to XS_SPOOL_MEM, then in an unlinked temporary file, so that
 * an input with millions of findings costs disk, not memory. */
#define XS_SPOOL_MEM (1u << 20)

struct xs_spool {
    FILE *fp;     /* what the worker prints to (fopencookie over this) */
    char *mem;
    size_t len, cap;
    FILE *disk;
    bool failed;
};

/* An unlinked temporary file in $TMPDIR (else /tmp), as the user's
 * other tools put theirs. */
static FILE *spool_tmpfile(void)
{
    const char *dir = getenv("TMPDIR");
    char path[4096];
    if (!dir || !*dir)
        dir = "/tmp";
    int w = snprintf(path, sizeof(path), "%s/xenstream-spool-XXXXXX", dir);
    int fd = w > 0 && (size_t)w < sizeof(path) ? mkostemp(path, O_CLOEXEC)
                                               : -1;
    if (fd < 0)
        return NULL;
    unlink(path);
    FILE *fp = fdopen(fd, "w+");
    if (!fp)
        close(fd);
    return fp;
}

static ssize_t spool_write(void *c, const char *p, size_t n)
{
    struct xs_spool *s = c;
    if (s->failed)
        return -1;
    if (!s->disk && s->len + n > XS_SPOOL_MEM) {
        s->disk = spool_tmpfile();
        if (!s->disk || fwrite(s->mem, 1, s->len, s->disk) != s->len) {
            /* what memory holds is kept, and printed */
            if (s->disk)
                fclose(s->disk);
            s->disk = NULL;
            goto fail;
        }
        free(s->mem);
        s->mem = NULL;
        s->len = s->cap = 0;
    }
    if (s->disk) {
        if (fwrite(p, 1, n, s->disk) != n)
            goto fail;
        return (ssize_t)n;
    }
    if (s->len + n > s->cap) {
        /* doubled (not grown by each write: a 1 MiB spool was 128
         * reallocations of up to 1 MiB each) */
        size_t cap = s->cap ? 2 * s->cap : 8192;
        if (cap < s->len + n)
            cap = s->len + n;
        char *m = realloc(s->mem, cap);
        if (!m)
            goto fail;
        s->mem = m;
        s->cap = cap;
    }
    memcpy(s->mem + s->len, p, n);
    s->len += n;
    return (ssize_t)n;
fail:
    s->failed = true;
    return -1;
}

struct xs_spool *xs_cli_spool_open(void)
{
    struct xs_spool *s = calloc(1, sizeof(*s));
    cookie_io_functions_t io = {.write = spool_write};
    if (s && !(s->fp = fopencookie(s, "w", io))) {
        free(s);
        s = NULL;
    }
    return s;
}

FILE *xs_cli_spool_file(const struct xs_spool *s) { return s ? s->fp : NULL; }

bool xs_cli_spool_holds(struct xs_spool *s)
{
    return fflush(s->fp) == 0 && !s->failed && !ferror(s->fp);
}

bool xs_cli_spool_drain(struct xs_spool *s, FILE *to)
{
    if (!s)
        return true;
    bool ok = fclose(s->fp) == 0 && !s->failed;
    if (!to) {
        /* discarded */
    } else if (s->disk) {
        char buf[65536];
        size_t n;
        rewind(s->disk);
        while ((n = fread(buf, 1, sizeof(buf), s->disk)) > 0)
            fwrite(buf, 1, n, to);
        ok = ok && !ferror(s->disk);
    } else if (s->len) {
        fwrite(s->mem, 1, s->len, to);
    }
    if (s->disk)
        fclose(s->disk);
    free(s->mem);
    free(s);
    return ok;
}
