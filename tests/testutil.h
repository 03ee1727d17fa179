/* Helpers shared by the Check suites. */
#ifndef XS_TESTUTIL_H
#define XS_TESTUTIL_H

#include <check.h>

#include "gen.h"
#include "xenstream.h"

/* A memfd holding these bytes, positioned at 0. */
int tu_mem_fd(const uint8_t *p, size_t n);
/* A read-only input holding these bytes (a memfd, so seeks work). */
struct xs_in *tu_in_mem(const uint8_t *p, size_t n, struct xs_report *rep);
/* The same bytes through a pipe (no seeks), fed by a thread that
 * tu_pipes_join() ends once the input is closed. */
struct xs_in *tu_in_pipe(const uint8_t *p, size_t n, struct xs_report *rep);
void tu_pipes_join(void);
/* Output to a memfd; tu_out_take() returns what was written. */
struct xs_out *tu_out_mem(struct xs_report *rep, int *fd);
void tu_out_take(int fd, struct xs_buf *b);
/* Run verify / upgrade (precheck + upgrade) over bytes. */
int tu_verify(const struct xs_buf *in, struct xs_report *rep);
int tu_upgrade(const struct xs_buf *in, struct xs_buf *out,
               struct xs_report *rep, bool pipe);
int tu_convert(const struct xs_buf *in, struct xs_buf *out,
               struct xs_report *rep, bool pipe,
               const struct xs_convert_opts *opts);
/* Verify in: the rule is reported with this severity at this offset
 * (rep keeps the findings); an error also makes upgrade refuse the input
 * with nothing written and only that first fault reported. */
void tu_expect_fault(const struct xs_buf *in, struct xs_report *rep,
                     const char *rule, enum xs_severity sev, uint64_t off);
/* Generate a stream into b (aborts the test on failure). */
void tu_gen(const struct xs_gen_opts *o, struct xs_buf *b);

/* dst becomes a copy of src. */
void tu_copy(struct xs_buf *dst, const struct xs_buf *src);
/* The two buffers hold the same bytes. */
void tu_assert_same(const struct xs_buf *x, const struct xs_buf *y,
                    const char *what);
/* XS_TEST_QUICK=1 (the valgrind run): every-offset loops step by
 * tu_stride() bytes (97), and loop tests run one case in tu_sample() (ten).
 * XS_TEST_SAMPLE=N (the sanitizer run, N=3): one golden case in N, and
 * every N-th offset (the plain run takes every one). */
size_t tu_stride(void);
int tu_sample(void);
#define TU_SAMPLED(i)                                                        \
    do {                                                                     \
        if ((i) % tu_sample() != 0)                                          \
            return;                                                          \
    } while (0)

/* ck_assert_msg() for a loop over every byte offset: a passing
 * ck_assert costs a write(2) (Check records the last point passed), and
 * a syscall is most of what such a loop costs in a sandbox. */
#define TU_ASSERT(expr, ...)                                                 \
    do {                                                                     \
        if (!(expr))                                                         \
            ck_abort_msg(__VA_ARGS__);                                       \
    } while (0)

/* Run a suite; the process exit status. */
int tu_run(Suite *s);

#endif
