#include "testutil.h"

#include <check.h>
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

int tu_mem_fd(const uint8_t *p, size_t n)
{
    int fd = memfd_create("xs-test", MFD_CLOEXEC);
    ck_assert_int_ge(fd, 0);
    size_t off = 0;
    while (off < n) {
        ssize_t w = write(fd, p + off, n - off);
        ck_assert_int_gt(w, 0);
        off += (size_t)w;
    }
    ck_assert_int_eq(lseek(fd, 0, SEEK_SET), 0);
    return fd;
}

struct xs_in *tu_in_mem(const uint8_t *p, size_t n, struct xs_report *rep)
{
    int fd = tu_mem_fd(p, n);
    struct xs_in *in = xs_in_from_fd(fd, "mem", true, rep);
    ck_assert_ptr_nonnull(in);
    return in;
}

/* The pipe's writer is a thread, not a child process: a fork under
 * valgrind copies the tool's state and leak-checks the child at its exit,
 * 100 ms a pipe (47 s of truncated_pipe_upgrade's 480 cuts).  SIGPIPE is
 * blocked in the thread, so a reader that stops early gives it EPIPE; the
 * signal then pending on the thread is taken before it ends. */
struct feed {
    int fd;
    const uint8_t *p;
    size_t n;
    pthread_t th;
};
static struct feed feeds[4];
static unsigned nfeeds;

static void *feed_main(void *arg)
{
    struct feed *f = arg;
    sigset_t pipe_sig;
    sigemptyset(&pipe_sig);
    sigaddset(&pipe_sig, SIGPIPE);
    pthread_sigmask(SIG_BLOCK, &pipe_sig, NULL);
    for (size_t off = 0; off < f->n;) {
        ssize_t w = write(f->fd, f->p + off, f->n - off);
        if (w <= 0) { /* the reader stopped early: fine */
            if (w < 0 && errno == EPIPE) {
                const struct timespec now = {0, 0};
                (void)sigtimedwait(&pipe_sig, NULL, &now);
            }
            break;
        }
        off += (size_t)w;
    }
    close(f->fd);
    return NULL;
}

struct xs_in *tu_in_pipe(const uint8_t *p, size_t n, struct xs_report *rep)
{
    int pfd[2];
    ck_assert_int_eq(pipe(pfd), 0);
    ck_assert_uint_lt(nfeeds, sizeof(feeds) / sizeof(feeds[0]));
    struct feed *f = &feeds[nfeeds++];
    *f = (struct feed){.fd = pfd[1], .p = p, .n = n};
    ck_assert_int_eq(pthread_create(&f->th, NULL, feed_main, f), 0);
    struct xs_in *in = xs_in_from_fd(pfd[0], "pipe", true, rep);
    ck_assert_ptr_nonnull(in);
    return in;
}

void tu_pipes_join(void)
{
    while (nfeeds)
        pthread_join(feeds[--nfeeds].th, NULL);
}

struct xs_out *tu_out_mem(struct xs_report *rep, int *fd)
{
    *fd = memfd_create("xs-out", MFD_CLOEXEC);
    ck_assert_int_ge(*fd, 0);
    struct xs_out *out = xs_out_from_fd(*fd, "memout", false, rep);
    ck_assert_ptr_nonnull(out);
    return out;
}

void tu_out_take(int fd, struct xs_buf *b)
{
    off_t end = lseek(fd, 0, SEEK_END);
    ck_assert_int_ge(end, 0);
    b->len = 0;
    ck_assert_int_eq(xs_buf_reserve(b, (size_t)end + 1), XS_OK);
    ck_assert_int_eq(pread(fd, b->p, (size_t)end, 0), end);
    b->len = (size_t)end;
    close(fd);
}

int tu_verify(const struct xs_buf *in, struct xs_report *rep)
{
    struct xs_in *i = tu_in_mem(in->p, in->len, rep);
    int rc = xs_verify(i, rep, NULL);
    xs_in_close(i);
    return rc;
}

int tu_upgrade(const struct xs_buf *in, struct xs_buf *out,
               struct xs_report *rep, bool pipe)
{
    static const struct xs_convert_opts v3 = {.to_version = 3};
    return tu_convert(in, out, rep, pipe, &v3);
}

int tu_convert(const struct xs_buf *in, struct xs_buf *out,
               struct xs_report *rep, bool pipe,
               const struct xs_convert_opts *opts)
{
    struct xs_in *i = pipe ? tu_in_pipe(in->p, in->len, rep)
                           : tu_in_mem(in->p, in->len, rep);
    int fd;
    struct xs_out *o = tu_out_mem(rep, &fd);
    int rc = xs_convert_precheck(i, rep, NULL, opts);
    if (rc == XS_OK)
        rc = xs_convert(i, o, rep, NULL, opts);
    int crc = xs_out_commit(o);
    if (rc == XS_OK)
        rc = crc;
    tu_out_take(fd, out);
    xs_in_close(i);
    if (pipe)
        tu_pipes_join();
    return rc;
}

void tu_expect_fault(const struct xs_buf *in, struct xs_report *rep,
                     const char *rule, enum xs_severity sev, uint64_t off)
{
    xs_report_free(rep);
    xs_report_init(rep, "test");
    int rc = tu_verify(in, rep);
    const struct xs_finding *f = xs_report_find(rep, rule);
    ck_assert_msg(f != NULL, "rule %s not reported", rule);
    ck_assert_int_eq(f->sev, sev);
    ck_assert_msg(f->offset == off, "rule %s at 0x%llx, expected 0x%llx",
                  rule, (unsigned long long)f->offset,
                  (unsigned long long)off);
    ck_assert_int_eq(rc, sev == XS_SEV_ERROR ? XS_INVALID : XS_OK);
    if (sev == XS_SEV_ERROR) {
        struct xs_report r2;
        struct xs_buf out = {0};
        xs_report_init(&r2, "test");
        ck_assert_int_eq(tu_upgrade(in, &out, &r2, false), XS_INVALID);
        ck_assert_uint_eq(out.len, 0);
        ck_assert_uint_eq(r2.errors, 1);
        xs_report_free(&r2);
        xs_buf_free(&out);
    }
}

void tu_copy(struct xs_buf *dst, const struct xs_buf *src)
{
    ck_assert_int_eq(xs_buf_reserve(dst, src->len + 1), XS_OK);
    memcpy(dst->p, src->p, src->len);
    dst->len = src->len;
}

void tu_gen(const struct xs_gen_opts *o, struct xs_buf *b)
{
    b->len = 0;
    ck_assert_int_eq(xs_gen_to_buf(o, b), 0);
}

static bool quick(void)
{
    const char *q = getenv("XS_TEST_QUICK");
    return q && *q && strcmp(q, "0") != 0;
}

/* The number N of XS_TEST_SAMPLE=N, or 0. */
static int sample_env(void)
{
    const char *s = getenv("XS_TEST_SAMPLE");
    int n = s ? atoi(s) : 0;
    return n > 0 ? n : 0;
}

size_t tu_stride(void)
{
    int n = sample_env();
    return quick() ? 97 : n > 1 ? (size_t)n : 1;
}

int tu_sample(void)
{
    int n = sample_env();
    return n > 0 ? n : quick() ? 10 : 1;
}

int tu_run(Suite *s)
{
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

void tu_assert_same(const struct xs_buf *x, const struct xs_buf *y,
                    const char *what)
{
    ck_assert_msg(x->len == y->len, "%s: %zu bytes, expected %zu", what,
                  x->len, y->len);
    ck_assert_msg(memcmp(x->p, y->p, x->len) == 0, "%s: bytes differ", what);
}
