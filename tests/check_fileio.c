/* The input's size and identity are fixed when it is opened (docs/behaviour.md §5):
 * a file that changes between upgrade's two passes, or grows while it is
 * read, is refused (input.changed) and never read past its size at open. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "testutil.h"

static char path[64];
static struct xs_buf img;

static void setup(void)
{
    struct xs_gen_opts o;
    xs_gen_defaults(&o);
    o.version = 2;
    o.pages = 600;
    memset(&img, 0, sizeof(img));
    tu_gen(&o, &img);
    strcpy(path, "/tmp/xs-check-fileio-XXXXXX");
    int fd = mkstemp(path);
    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(write(fd, img.p, img.len), (ssize_t)img.len);
    close(fd);
}

static void teardown(void)
{
    unlink(path);
    xs_buf_free(&img);
}

/* Past the file system's timestamp granularity (the kernel's coarse
 * clock), so that a write shows in mtime and ctime. */
static void tick(void)
{
    struct timespec ts = {0, 30 * 1000 * 1000};
    nanosleep(&ts, NULL);
}

/* 0: appended (size), 1: one byte overwritten (mtime, ctime) */
START_TEST(changed_between_passes)
{
    struct xs_report rep;
    xs_report_init(&rep, "changed");
    struct xs_in *in = xs_in_open(path, &rep);
    ck_assert_ptr_nonnull(in);
    ck_assert_int_eq(xs_upgrade_precheck(in, &rep, NULL), XS_OK);
    tick();
    int fd = open(path, O_WRONLY | (_i == 0 ? O_APPEND : 0));
    ck_assert_int_ge(fd, 0);
    if (_i == 0)
        ck_assert_int_eq(write(fd, "junk", 4), 4);
    else
        ck_assert_int_eq(pwrite(fd, "\x01", 1, (off_t)img.len / 2), 1);
    close(fd);
    int ofd;
    struct xs_out *out = tu_out_mem(&rep, &ofd);
    ck_assert_int_eq(xs_upgrade(in, out, &rep, NULL), XS_INVALID);
    xs_out_abort(out);
    close(ofd);
    ck_assert_ptr_nonnull(xs_report_find(&rep, "input.changed"));
    xs_in_close(in);
    xs_report_free(&rep);
}
END_TEST

/* A file appended to while it is read (as `upgrade IN >> IN` would do):
 * read up to its size at open, then refused. */
START_TEST(grows_while_read)
{
    struct xs_report rep;
    xs_report_init(&rep, "grows");
    struct xs_in *in = xs_in_open(path, &rep);
    ck_assert_ptr_nonnull(in);
    int fd = open(path, O_WRONLY | O_APPEND);
    ck_assert_int_ge(fd, 0);
    static uint8_t junk[1 << 16];
    memset(junk, 0x5a, sizeof(junk));
    for (int i = 0; i < 16; i++)
        ck_assert_int_eq(write(fd, junk, sizeof(junk)), (ssize_t)sizeof(junk));
    close(fd);
    struct xs_summary sum;
    ck_assert_int_eq(xs_verify(in, &rep, &sum), XS_INVALID);
    ck_assert_ptr_nonnull(xs_report_find(&rep, "input.changed"));
    ck_assert_uint_le(xs_in_bytes_read(in), img.len);
    ck_assert_uint_eq(sum.trailer_bytes, 0);
    xs_in_close(in);
    xs_report_free(&rep);
}
END_TEST

/* Unchanged: both passes run and the file is not reported. */
START_TEST(unchanged_passes)
{
    struct xs_report rep;
    xs_report_init(&rep, "unchanged");
    struct xs_in *in = xs_in_open(path, &rep);
    ck_assert_ptr_nonnull(in);
    ck_assert_int_eq(xs_upgrade_precheck(in, &rep, NULL), XS_OK);
    int ofd;
    struct xs_out *out = tu_out_mem(&rep, &ofd);
    ck_assert_int_eq(xs_upgrade(in, out, &rep, NULL), XS_OK);
    ck_assert_int_eq(xs_out_commit(out), XS_OK);
    close(ofd);
    ck_assert_ptr_null(xs_report_find(&rep, "input.changed"));
    xs_in_close(in);
    xs_report_free(&rep);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("fileio");
    TCase *t = tcase_create("input identity");
    tcase_add_checked_fixture(t, setup, teardown);
    tcase_add_loop_test(t, changed_between_passes, 0, 2);
    tcase_add_test(t, grows_while_read);
    tcase_add_test(t, unchanged_passes);
    suite_add_tcase(s, t);
    return tu_run(s);
}
