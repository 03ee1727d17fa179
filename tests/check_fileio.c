/* The input's size and identity are fixed when it is opened (docs/behaviour.md §5):
 * a file that changes between upgrade's two passes, or grows while it is
 * read, is refused (input.changed) and never read past its size at open. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sys/stat.h>
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

/* export, search and the zero-page count read the pages again by offset
 * after the walk: a byte overwritten in between is refused as in upgrade
 * (0: export, 1: search, 2: zero pages; 3: unchanged, all three pass) */
START_TEST(changed_after_memory_read)
{
    struct xs_report rep;
    xs_report_init(&rep, "memory");
    struct xs_in *in = xs_in_open(path, &rep);
    ck_assert_ptr_nonnull(in);
    struct xs_memory_opts mo = {.spool_dir = "/tmp"};
    struct xs_memory *m = NULL;
    ck_assert_int_eq(xs_memory_read(in, &rep, NULL, &mo, &m), XS_OK);
    if (_i < 3) {
        tick();
        int fd = open(path, O_WRONLY);
        ck_assert_int_ge(fd, 0);
        ck_assert_int_eq(pwrite(fd, "\x01", 1, (off_t)img.len / 2), 1);
        close(fd);
    }
    int want = _i < 3 ? XS_INVALID : XS_OK;
    if (_i == 0 || _i == 3) {
        int ofd;
        struct xs_out *out = tu_out_mem(&rep, &ofd);
        struct xs_export_opts eo = {.format = XS_EXPORT_ELF};
        ck_assert_int_eq(xs_export(m, out, &rep, &eo, NULL), want);
        xs_out_abort(out);
        close(ofd);
    }
    if (_i == 1 || _i == 3) {
        static const uint8_t needle[] = {0x78, 0x65, 0x6e};
        struct xs_search_opts so = {.needle = needle, .needle_len = 3};
        ck_assert_int_eq(xs_search(m, &rep, &so, NULL, NULL, NULL), want);
    }
    if (_i == 2 || _i == 3) {
        uint64_t zero;
        ck_assert_int_eq(xs_memory_zero_pages(m, &zero), want);
    }
    if (_i < 3)
        ck_assert_ptr_nonnull(xs_report_find(&rep, "input.changed"));
    else
        ck_assert_ptr_null(xs_report_find(&rep, "input.changed"));
    xs_memory_free(m);
    xs_in_close(in);
    xs_report_free(&rep);
}
END_TEST

/* ---- a store's walk ---- */

static char store[64];

static void touch(const char *rel, const char *text)
{
    char p[256];
    snprintf(p, sizeof(p), "%s/%s", store, rel);
    FILE *fp = fopen(p, "w");
    ck_assert_ptr_nonnull(fp);
    fputs(text, fp);
    fclose(fp);
}

static void sub(const char *rel)
{
    char p[256];
    snprintf(p, sizeof(p), "%s/%s", store, rel);
    ck_assert_int_eq(mkdir(p, 0700), 0);
}

static void link_to(const char *target, const char *rel)
{
    char p[256];
    snprintf(p, sizeof(p), "%s/%s", store, rel);
    ck_assert_int_eq(symlink(target, p), 0);
}

/* The store: b, a/ (z, y -> ../b, fifo, loop -> ..), c/ (empty), B. */
static void store_setup(void)
{
    strcpy(store, "/tmp/xs-check-store-XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(store));
    touch("b", "b");
    touch("B", "B");
    sub("a");
    sub("c");
    touch("a/z", "z");
    link_to("../b", "a/y");
    link_to("..", "a/loop");
    char p[256];
    snprintf(p, sizeof(p), "%s/a/fifo", store);
    ck_assert_int_eq(mkfifo(p, 0600), 0);
}

static void store_teardown(void)
{
    char cmd[128];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", store);
    ck_assert_int_eq(system(cmd), 0);
}

struct seen {
    char text[1024];
};

static int note_entry(void *ctx, const struct xs_entry *e)
{
    struct seen *s = ctx;
    static const char *const type[] = {"file", "link", "special", "error"};
    size_t n = strlen(s->text);
    snprintf(s->text + n, sizeof(s->text) - n, "%s:%s%s%s;", e->rel,
             type[e->type], e->what ? ":" : "", e->what ? e->what : "");
    ck_assert_str_eq(e->root, store);
    return 0;
}

static const char link_not_followed[] =
    "a symbolic link, not followed (-L follows it)";

/* Byte order of names (B before a before b), depth first, links
 * reported and not followed, a FIFO reported and not opened. */
START_TEST(walk_order)
{
    struct seen s = {""};
    char want[1024];
    int rfd;
    ck_assert_int_eq(xs_tree_walk(store, 0, note_entry, &s, &rfd), 0);
    ck_assert_int_ge(rfd, 0);
    close(rfd);
    snprintf(want, sizeof(want), "B:file;a/fifo:special:a FIFO;a/loop:link:"
             "%s;a/y:link:%s;a/z:file;b:file;", link_not_followed,
             link_not_followed);
    ck_assert_str_eq(s.text, want);
}
END_TEST

/* -L: links followed, a directory reached again (here: the loop back to
 * the root) reported once and not walked again. */
START_TEST(walk_follow)
{
    struct seen s = {""};
    int rfd;
    ck_assert_int_eq(xs_tree_walk(store, XS_TREE_FOLLOW, note_entry, &s, &rfd),
                     0);
    close(rfd);
    ck_assert_str_eq(s.text, "B:file;a/fifo:special:a FIFO;a/loop:link:a "
                             "directory walked already (a second link to "
                             "it, or a loop): not walked again;a/y:file;a/z:"
                             "file;b:file;");
}
END_TEST

static int stop_at_second(void *ctx, const struct xs_entry *e)
{
    (void)e;
    return ++*(int *)ctx == 2 ? 7 : 0;
}

START_TEST(walk_stops)
{
    int n = 0, rfd;
    ck_assert_int_eq(xs_tree_walk(store, 0, stop_at_second, &n, &rfd), 7);
    close(rfd);
    ck_assert_int_eq(n, 2);
}
END_TEST

/* What the walk found is opened only as a regular file, below the root's
 * descriptor (whatever the root's path names meanwhile), never through a
 * link below the root, and a FIFO or device put in its place is never
 * opened. */
START_TEST(open_entry_safely)
{
    struct xs_report rep;
    int rfd = open(store, O_RDONLY | O_DIRECTORY);
    ck_assert_int_ge(rfd, 0);
    char p[256], ep[256];
    snprintf(ep, sizeof(ep), "%s/a/z", store);
    struct xs_entry e = {.root = store, .root_fd = rfd, .rel = "a/z",
                         .path = ep, .type = XS_ENTRY_FILE};
    xs_report_init(&rep, ep);
    struct xs_in *in = xs_in_open_entry(&e, false, &rep);
    ck_assert_ptr_nonnull(in);
    xs_in_close(in);
    /* a/z becomes a FIFO after the walk saw a file */
    ck_assert_int_eq(unlink(ep), 0);
    ck_assert_int_eq(mkfifo(ep, 0600), 0);
    ck_assert_ptr_null(xs_in_open_entry(&e, false, &rep));
    ck_assert_ptr_nonnull(xs_report_find(&rep, "input.not_regular"));
    xs_report_free(&rep);
    /* a link to a device, followed: O_PATH sees it, nothing opens it */
    ck_assert_int_eq(unlink(ep), 0);
    ck_assert_int_eq(symlink("/dev/null", ep), 0);
    xs_report_init(&rep, ep);
    ck_assert_ptr_null(xs_in_open_entry(&e, true, &rep));
    ck_assert_ptr_nonnull(xs_report_find(&rep, "input.not_regular"));
    xs_report_free(&rep);
    ck_assert_int_eq(unlink(ep), 0);
    touch("a/z", "z");
    /* a/ becomes a link to a directory holding a file z */
    char a[256];
    snprintf(a, sizeof(a), "%s/a", store);
    touch("c/z", "z");
    snprintf(p, sizeof(p), "%s/a-old", store);
    ck_assert_int_eq(rename(a, p), 0);
    ck_assert_int_eq(symlink("c", a), 0);
    xs_report_init(&rep, e.path);
    ck_assert_ptr_null(xs_in_open_entry(&e, false, &rep));
    ck_assert_uint_eq(rep.errors, 1);
    xs_report_free(&rep);
    /* followed when asked */
    xs_report_init(&rep, e.path);
    in = xs_in_open_entry(&e, true, &rep);
    ck_assert_ptr_nonnull(in);
    xs_in_close(in);
    xs_report_free(&rep);
    /* the root's path itself swapped: the held descriptor still names
     * the directory the walk saw */
    char moved[256];
    snprintf(moved, sizeof(moved), "%s-moved", store);
    ck_assert_int_eq(rename(store, moved), 0);
    ck_assert_int_eq(symlink("/dev", store), 0);
    e.rel = "a-old/z";
    xs_report_init(&rep, e.path);
    in = xs_in_open_entry(&e, false, &rep);
    ck_assert_ptr_nonnull(in);
    xs_in_close(in);
    xs_report_free(&rep);
    ck_assert_int_eq(unlink(store), 0);
    ck_assert_int_eq(rename(moved, store), 0);
    close(rfd);
}
END_TEST

/* A file 25 directories of 200-byte names deep: its path from the root
 * (5 KiB) is longer than PATH_MAX, and it is opened all the same, by the
 * walk's rules (beneath, no link). */
START_TEST(open_entry_deep)
{
    char name[201];
    memset(name, 'd', 200);
    name[200] = '\0';
    int rfd = open(store, O_RDONLY | O_DIRECTORY), dfd = dup(rfd);
    ck_assert_int_ge(rfd, 0);
    size_t cap = 26 * 201 + 8;
    char *rel = calloc(1, cap);
    ck_assert_ptr_nonnull(rel);
    for (int i = 0; i < 25; i++) {
        ck_assert_int_eq(mkdirat(dfd, name, 0700), 0);
        int next = openat(dfd, name, O_RDONLY | O_DIRECTORY);
        ck_assert_int_ge(next, 0);
        close(dfd);
        dfd = next;
        strcat(rel, name);
        strcat(rel, "/");
    }
    int f = openat(dfd, "z", O_WRONLY | O_CREAT, 0600);
    ck_assert_int_ge(f, 0);
    ck_assert_int_eq(write(f, "z", 1), 1);
    close(f);
    strcat(rel, "z");
    ck_assert_uint_gt(strlen(rel), PATH_MAX);
    struct xs_entry e = {.root = store, .root_fd = rfd, .rel = rel,
                         .path = rel, .type = XS_ENTRY_FILE};
    struct xs_report rep;
    for (int follow = 0; follow < 2; follow++) {
        xs_report_init(&rep, "deep");
        struct xs_in *in = xs_in_open_entry(&e, follow, &rep);
        ck_assert_msg(in != NULL, "follow %d: %u errors", follow, rep.errors);
        xs_in_close(in);
        xs_report_free(&rep);
    }
    /* the file becomes a link (to a file beside it): not followed */
    ck_assert_int_eq(renameat(dfd, "z", dfd, "z2"), 0);
    ck_assert_int_eq(symlinkat("z2", dfd, "z"), 0);
    xs_report_init(&rep, "deep");
    ck_assert_ptr_null(xs_in_open_entry(&e, false, &rep));
    ck_assert_uint_eq(rep.errors, 1);
    xs_report_free(&rep);
    close(dfd);
    close(rfd);
    free(rel);
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
    tcase_add_loop_test(t, changed_after_memory_read, 0, 4);
    suite_add_tcase(s, t);
    TCase *w = tcase_create("store walk");
    tcase_add_checked_fixture(w, store_setup, store_teardown);
    tcase_add_test(w, walk_order);
    tcase_add_test(w, walk_follow);
    tcase_add_test(w, walk_stops);
    tcase_add_test(w, open_entry_safely);
    tcase_add_test(w, open_entry_deep);
    suite_add_tcase(s, w);
    return tu_run(s);
}
