/* search: bytes or a regex in the guest's final memory (memory.c), run
 * by run of consecutive present pfns, in windows of 1 MiB (for a regex
 * read by a thread of their own while the last is scanned: feeder
 * below).  Bytes by xs_find() (find.h: an AVX2 or SSE2 filter, then
 * memcmp), each window repeating the last needle_len - 1 bytes of the one
 * before, so that a match across any page or window boundary of
 * consecutive pfns is found once.  A regex by
 * PCRE2 (its JIT; NUL bytes are data) on windows that overlap by
 * XS_SEARCH_REGEX_OVERLAP bytes: a match is reported from the window it
 * starts in, before the overlap (include/xenstream.h says what that
 * limits). */
#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bigmem.h"
#include "fileio.h"
#include "find.h"
#include "libxc.h"
#include "memory.h"

struct srch {
    struct xs_memory *m;
    xs_match_fn fn;
    void *ctx;
    uint64_t count;
    /* held while the feeder thread reads: fn may read the memory too
     * (search --context), and the input's counters and findings are
     * one thread's at a time */
    pthread_mutex_t *io;
};

static int report(struct srch *s, uint64_t addr, uint64_t len)
{
    struct xs_match mt = {.addr = addr, .pfn = addr / XS_PAGE_SIZE,
                          .len = len};
    uint64_t off = 0;
    xs_memory_locate(s->m, mt.pfn, &off);
    mt.offset = off + addr % XS_PAGE_SIZE;
    s->count++;
    if (!s->fn)
        return XS_OK;
    if (s->io)
        pthread_mutex_lock(s->io);
    int rc = s->fn(s->ctx, &mt);
    if (s->io)
        pthread_mutex_unlock(s->io);
    return rc;
}

/* Consecutive pfns [*pfn, *pfn + *n) from run i on (runs that follow
 * each other in pfn, wherever their pages lie); the next run's index. */
static size_t segment(const struct xs_memory *m, size_t i, uint64_t *pfn,
                      uint64_t *n)
{
    *pfn = m->runs[i].pfn;
    *n = m->runs[i].n;
    while (++i < m->nruns && m->runs[i].pfn == *pfn + *n)
        *n += m->runs[i].n;
    return i;
}

/* ------------------------------------------------------------------ */
/* Windows of memory read on a thread of their own for a regex: the copy
 * out of the page cache (or the spool) and PCRE2's scan cost about the
 * same, and side by side a search takes about as long as the read
 * (bench/bench.sh: search against cat; the realistic image 0.070 s
 * against 0.086 s inline).  Bytes are found at tens of GB/s, and there a
 * hand-off per window (a wake-up each, dear in a VM) cost more than the
 * overlap gave: 0.106 s against 0.085 s inline for 512 MiB, cat 0.072 s
 * (2026-12-02); they are read and scanned on the caller's thread. */

/* windows: with the reading thread, the one scanned and two read ahead
 * of it (the one read copies its start from the one before, which is
 * never rewritten then); read inline, the one scanned and the one before
 * it, whose tail the next one copies (nring) */
#define XS_SEARCH_RING 3u

/* guest-physical [base, base + have) of one run of consecutive pfns; its
 * first bytes repeat the last window's tail (carry) */
struct window {
    uint8_t *buf;
    uint64_t base;
    uint64_t seg;   /* where its run of pfns starts */
    size_t have;
    bool last;      /* the run's last window */
    bool end;       /* no window follows: all runs are read */
    int rc;         /* the read's status */
};

struct feeder {
    struct xs_memory *m;
    size_t cap, carry;
    struct window ring[XS_SEARCH_RING];
    unsigned nring;       /* of them in use */
    struct xs_bigmem mem; /* the windows' buffers (bigmem.h) */
    uint64_t head, tail;    /* windows read, windows scanned */
    size_t run;             /* the next run of m->runs */
    uint64_t addr, end, seg;
    bool in_seg;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    pthread_mutex_t io; /* struct srch's */
    bool stop, threaded;
    pthread_t th;
};

/* Window number f->head: the last window's tail (f->carry bytes, in the
 * same run of pfns), then what follows it, up to f->cap bytes. */
static void read_window(struct feeder *f)
{
    struct window *w = &f->ring[f->head % f->nring];
    const struct window *prev = &f->ring[(f->head + f->nring - 1) %
                                         f->nring];
    size_t keep = 0;
    if (!f->in_seg) {
        if (f->run >= f->m->nruns) {
            w->end = true;
            w->rc = XS_OK;
            return;
        }
        uint64_t pfn, n;
        f->run = segment(f->m, f->run, &pfn, &n);
        f->seg = f->addr = pfn * XS_PAGE_SIZE;
        f->end = f->addr + n * XS_PAGE_SIZE;
        f->in_seg = true;
    } else {
        keep = prev->have < f->carry ? prev->have : f->carry;
        memcpy(w->buf, prev->buf + prev->have - keep, keep);
    }
    size_t t = f->cap - keep;
    if (t > f->end - f->addr)
        t = (size_t)(f->end - f->addr);
    if (f->threaded)
        pthread_mutex_lock(&f->io);
    w->rc = xs_memory_read_at(f->m, f->addr, w->buf + keep, t);
    if (f->threaded)
        pthread_mutex_unlock(&f->io);
    w->base = f->addr - keep;
    w->seg = f->seg;
    w->have = keep + t;
    w->end = false;
    f->addr += t;
    w->last = f->addr >= f->end;
    f->in_seg = !w->last;
}

static void *feeder_main(void *arg)
{
    struct feeder *f = arg;
    pthread_mutex_lock(&f->mu);
    for (;;) {
        while (!f->stop && f->head - f->tail >= f->nring)
            pthread_cond_wait(&f->cv, &f->mu);
        if (f->stop)
            break;
        pthread_mutex_unlock(&f->mu);
        read_window(f);
        pthread_mutex_lock(&f->mu);
        const struct window *w = &f->ring[f->head % f->nring];
        f->head++;
        pthread_cond_broadcast(&f->cv);
        if (w->end || w->rc != XS_OK)
            break;
    }
    pthread_mutex_unlock(&f->mu);
    return NULL;
}

static bool feeder_start(struct feeder *f, struct xs_memory *m, size_t cap,
                         size_t carry, bool thread)
{
    *f = (struct feeder){.m = m, .cap = cap, .carry = carry,
                         .nring = thread ? XS_SEARCH_RING : 2};
    uint8_t *p = xs_bigmem_alloc(&f->mem, f->nring * cap, f->nring * cap);
    if (!p)
        return false;
    for (unsigned i = 0; i < f->nring; i++)
        f->ring[i].buf = p + i * cap;
    pthread_mutex_init(&f->mu, NULL);
    pthread_cond_init(&f->cv, NULL);
    pthread_mutex_init(&f->io, NULL);
    /* no thread (not wanted, or a limit): read each window when it is
     * wanted (set before the thread starts: it reads it) */
    f->threaded = thread;
    if (thread && pthread_create(&f->th, NULL, feeder_main, f) != 0)
        f->threaded = false;
    return true;
}

/* The next window, or NULL when the runs end or a read failed (*rc). */
static const struct window *feeder_next(struct feeder *f, int *rc)
{
    const struct window *w = &f->ring[f->tail % f->nring];
    if (f->threaded) {
        pthread_mutex_lock(&f->mu);
        while (f->head == f->tail)
            pthread_cond_wait(&f->cv, &f->mu);
        pthread_mutex_unlock(&f->mu);
    } else {
        read_window(f);
        f->head++;
    }
    if (w->rc != XS_OK)
        *rc = w->rc;
    return w->end || w->rc != XS_OK ? NULL : w;
}

/* The window feeder_next() gave is scanned: its slot may be read into. */
static void feeder_done(struct feeder *f)
{
    if (f->threaded) {
        pthread_mutex_lock(&f->mu);
        f->tail++;
        pthread_cond_broadcast(&f->cv);
        pthread_mutex_unlock(&f->mu);
    } else {
        f->tail++;
    }
}

static void feeder_stop(struct feeder *f)
{
    if (f->threaded) {
        pthread_mutex_lock(&f->mu);
        f->stop = true;
        pthread_cond_broadcast(&f->cv);
        pthread_mutex_unlock(&f->mu);
        pthread_join(f->th, NULL);
    }
    pthread_cond_destroy(&f->cv);
    pthread_mutex_destroy(&f->mu);
    pthread_mutex_destroy(&f->io);
    xs_bigmem_free(&f->mem);
}

/* Every window repeats the last needle_len - 1 bytes of the one before,
 * so that a match across any page or window boundary of consecutive pfns
 * is found once. */
static int search_bytes(struct srch *s, struct feeder *f,
                        const uint8_t *needle, size_t len)
{
    int rc = XS_OK;
    const struct window *w;
    while (rc == XS_OK && (w = feeder_next(f, &rc))) {
        for (size_t at = 0; rc == XS_OK && w->have - at >= len;) {
            const uint8_t *hit =
                xs_find(w->buf + at, w->have - at, needle, len);
            if (!hit)
                break;
            size_t pos = (size_t)(hit - w->buf);
            rc = report(s, w->base + pos, len);
            at = pos + 1;
        }
        feeder_done(f);
    }
    return rc;
}

/* Windows overlap by XS_SEARCH_REGEX_OVERLAP bytes; a match is reported
 * from the window it starts in, before the overlap.  Each window after a
 * run's first also repeats, before the overlap, the bytes a lookbehind
 * or \b may look at (at least one: \A never matches there), and is
 * scanned from where the last window's scan ended: past its last match,
 * so that no match is reported inside another.  A regex that fails is
 * described in why (reported by the caller, once no thread reads). */
static int search_regex(struct srch *s, struct feeder *f, pcre2_code *re,
                        pcre2_match_data *md, char *why, size_t whylen)
{
    PCRE2_SIZE *ov = pcre2_get_ovector_pointer(md);
    int rc = XS_OK;
    uint64_t resume = 0; /* the address the next window's scan starts at */
    const struct window *w;
    while (rc == XS_OK && (w = feeder_next(f, &rc))) {
        /* matches that start in the overlap come from the next window */
        size_t report_below = w->last ? w->have
                                      : w->have - XS_SEARCH_REGEX_OVERLAP;
        /* ^ only at the start of a run of pfns, $ only at its end */
        bool first = w->base == w->seg;
        uint32_t fl = (first ? 0 : PCRE2_NOTBOL) |
                      (w->last ? 0 : PCRE2_NOTEOL);
        size_t at = first ? 0 : (size_t)(resume - w->base);
        for (; rc == XS_OK && at < report_below;) {
            int r = pcre2_match(re, w->buf, w->have, at, fl, md, NULL);
            if (r == PCRE2_ERROR_NOMATCH)
                break;
            size_t so = r >= 0 ? ov[0] : 0, eo = r >= 0 ? ov[1] : 0;
            /* a match that ends before the window does but was decided
             * by the window's end (a lookahead past it: `.(?!.{5000})`)
             * may be no match where the run goes on: matched again from
             * its start with PCRE2_PARTIAL_HARD, a partial result says
             * the end was reached, and it is not reported */
            if (r >= 0 && !w->last && so < report_below && eo < w->have) {
                r = pcre2_match(re, w->buf, w->have, so,
                                fl | PCRE2_ANCHORED | PCRE2_PARTIAL_HARD, md,
                                NULL);
                if (r == PCRE2_ERROR_PARTIAL || r == PCRE2_ERROR_NOMATCH) {
                    at = so + 1;
                    continue;
                }
            }
            if (r < 0) {
                /* a match or depth limit: a pattern that backtracks
                 * without end on these bytes */
                PCRE2_UCHAR msg[256];
                pcre2_get_error_message(r, msg, sizeof(msg));
                snprintf(why, whylen, "the regex failed at 0x%llx: %s",
                         (unsigned long long)w->base + at,
                         (const char *)msg);
                rc = XS_USAGE;
                break;
            }
            if (so >= report_below)
                break;
            if (eo > so)
                rc = report(s, w->base + so, eo - so);
            at = eo > so ? eo : so + 1;
        }
        resume = w->base + (at > report_below ? at : report_below);
        feeder_done(f);
    }
    return rc;
}

/* The pattern of o: *re the compiled regex (NULL for bytes), or
 * XS_USAGE with why (its rule in *rule). */
static int pattern(const struct xs_search_opts *o, pcre2_code **re,
                   const char **rule, char *why, size_t n)
{
    *re = NULL;
    if (o->regex) {
        /* bytes, not UTF-8; . matches every byte and $ only at the end,
         * as in the POSIX ERE this replaced */
        int e;
        PCRE2_SIZE eoff;
        *re = pcre2_compile((PCRE2_SPTR)o->regex, PCRE2_ZERO_TERMINATED,
                            PCRE2_DOTALL | PCRE2_DOLLAR_ENDONLY |
                                PCRE2_NEVER_UTF | PCRE2_NEVER_UCP,
                            &e, &eoff, NULL);
        if (!*re) {
            PCRE2_UCHAR msg[256];
            pcre2_get_error_message(e, msg, sizeof(msg));
            *rule = "search.regex";
            snprintf(why, n, "the regex does not compile: %s (at character "
                     "%zu)", (const char *)msg, (size_t)eoff);
            return XS_USAGE;
        }
    } else if (!o->needle || o->needle_len == 0 ||
               o->needle_len > XS_SEARCH_REGEX_WINDOW / 2) {
        *rule = "search.pattern";
        snprintf(why, n, "the bytes to find must be 1 to %u long",
                 XS_SEARCH_REGEX_WINDOW / 2);
        return XS_USAGE;
    }
    return XS_OK;
}

int xs_search_check(const struct xs_search_opts *o, char *why, size_t n)
{
    pcre2_code *re;
    const char *rule;
    int rc = pattern(o, &re, &rule, why, n);
    pcre2_code_free(re);
    return rc;
}

int xs_search(struct xs_memory *m, struct xs_report *rep,
              const struct xs_search_opts *o, xs_match_fn fn, void *ctx,
              uint64_t *count)
{
    struct srch s = {.m = m, .fn = fn, .ctx = ctx};
    pcre2_code *re = NULL;
    const char *rule = "";
    char why[400] = "";
    int rc = XS_OK;
    if (count)
        *count = 0;
    if (pattern(o, &re, &rule, why, sizeof(why)) != XS_OK) {
        xs_report_add(rep, XS_SEV_ERROR, rule, 0, -1, "search", "%s", why);
        return XS_USAGE;
    }
    /* without a JIT for this machine, pcre2_match() interprets */
    if (re)
        (void)pcre2_jit_compile(re, PCRE2_JIT_COMPLETE |
                                        PCRE2_JIT_PARTIAL_HARD);
    struct feeder f;
    pcre2_match_data *md = re ? pcre2_match_data_create(1, NULL) : NULL;
    /* a regex's windows repeat its longest lookbehind (PCRE2 bounds it
     * at 65535 bytes, far below a window), and at least one byte */
    uint32_t behind = 0;
    if (re && pcre2_pattern_info(re, PCRE2_INFO_MAXLOOKBEHIND, &behind) != 0)
        behind = UINT16_MAX;
    if (behind < 1)
        behind = 1;
    if ((re && !md) ||
        !feeder_start(&f, m, XS_SEARCH_REGEX_WINDOW,
                      re ? XS_SEARCH_REGEX_OVERLAP + behind
                         : o->needle_len - 1,
                      re != NULL)) {
        xs_report_add(rep, XS_SEV_ERROR, "io", 0, -1, "search",
                      "out of memory");
        rc = XS_IO;
    } else {
        s.io = f.threaded ? &f.io : NULL;
        rc = re ? search_regex(&s, &f, re, md, why, sizeof(why))
                : search_bytes(&s, &f, o->needle, o->needle_len);
        feeder_stop(&f); /* no thread reads (or reports) from here */
        if (*why)
            xs_report_add(rep, XS_SEV_ERROR, "search.regex", 0, -1,
                          "search", "%s", why);
        if (rc == XS_OK)
            rc = xs_mem_unchanged(m);
    }
    pcre2_match_data_free(md);
    pcre2_code_free(re);
    if (count)
        *count = s.count;
    return rc;
}
