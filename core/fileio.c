/* All file and pipe handling: buffered input with seek-or-read skipping,
 * buffered output written atomically (temporary file + rename), the
 * zero-copy fast paths (copy_file_range between regular files, splice where
 * a pipe is involved) used for page payloads, and the transports (gzip and
 * zstd: decoded on the way in, encoded on the way out, streaming; gzip with
 * ISA-L, or zlib where the build has no ISA-L; zstd with libzstd). */
#include "fileio.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <pthread.h>
#include <stdatomic.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <time.h>
#include <unistd.h>
#include <dirent.h>
#include <search.h>
#include <sys/syscall.h>
#include <xxhash.h>
#include <zstd.h>
#include <zstd_errors.h> /* ZSTD_getErrorCode(): a window too large */
#ifdef XS_HAVE_ISAL
#include <isa-l/igzip_lib.h>
#else
#define ZLIB_CONST /* next_in is const: input is never written */
#include <zlib.h>
#endif

#include "bigmem.h"
#include "layer.h"

#define XS_OUT_BUF (64u << 10)
#define XS_COPY_BUF (1u << 20) /* a shifted file copy's steps (file_copy) */
#define XS_SMALL_READ 4096u /* below this a read gets read-ahead */

/* What an input and an output share: a named fd and its buffer. */
struct endpoint {
    char *name;
    struct xs_report *rep;
    int fd;
    bool close_fd;
    bool is_reg;
    bool is_pipe;
    uint8_t *buf;
};

/* A transport's decoder on an input (docs/behaviour.md §1): compressed
 * bytes read from the fd into raw, decoded into the window by the codec
 * that the transport's row in the layer table names (struct codec, below
 * the input functions).  Frames (gzip members, zstd frames) are decoded one
 * after the other, as gzip -dc and zstd -dc do. */
struct codec;
struct tin {
    const struct xs_layer *layer; /* the transport pushed */
    const struct codec *c;
    uint8_t *raw;        /* compressed bytes read from the fd */
    size_t rpos, rlen;   /* not yet decoded: raw[rpos..rlen) */
    bool raw_eof;
    bool frame_done;     /* the last frame ended with its checks passed */
    void *st;            /* the codec's state */
};
#define XS_TIN_RAW (128u << 10)
/* xs_in_push_transport() moves what the window holds into the raw buffer */
_Static_assert(XS_TIN_RAW >= XS_IN_WINDOW,
               "the compressed input buffer holds a whole window");

struct xs_in {
    struct endpoint e;
    struct stat st;      /* at open: identity, and for a regular file the
                            size, mtime and ctime it must keep
                            (docs/behaviour.md §5) */
    uint64_t size;       /* regular files: bytes from start to the size at
                            open; nothing beyond is ever read */
    off_t start;         /* regular files: where the fd stood at open */
    uint64_t fpos;       /* regular files: file offset of the next read
                            (reads are preads, so skipping is arithmetic
                            and never a system call) */
    size_t pos, len;     /* valid window is buf[pos..len) */
    uint64_t off;        /* logical offset of buf[pos] (decoded, for gzip) */
    uint64_t bytes_read; /* bytes read from the fd (compressed, for gzip) */
    bool eof;
    int fail;            /* status of the first failure: XS_IO or XS_INVALID */
    bool checked;        /* a verify pass went over it (upgrade's precheck) */
    struct tin *t;       /* non-NULL once a transport (gzip, zstd) was
                            pushed: the window holds decoded bytes */
    xs_progress_fn progress;
    void *progress_ctx;
    uint64_t progress_next; /* logical offset of the next report */
};

#define XS_PROGRESS_STEP (4u << 20)

/* Called wherever the logical offset moves on. */
static inline void progress_tick(struct xs_in *in)
{
    if (in->progress && in->off >= in->progress_next) {
        struct xs_progress p = {.offset = in->off, .read = in->bytes_read,
                                .size = in->e.is_reg ? in->size : 0,
                                .gzip = in->t != NULL};
        in->progress_next = in->off + XS_PROGRESS_STEP;
        in->progress(in->progress_ctx, &p);
    }
}

void xs_in_set_progress(struct xs_in *in, xs_progress_fn fn, void *ctx)
{
    in->progress = fn;
    in->progress_ctx = ctx;
    in->progress_next = 0;
}

/* A ring of buffers emptied by a thread of its own while the caller
 * reads on: a digest sink hashes there (XXH3 alone costs about half of
 * read()'s time), and a file or pipe is written there (writing into the
 * page cache costs as much as zstd's decoding, which `zstd -dc` also
 * overlaps with its writes), at the fd's offset or, after a hole, at
 * offsets of their own, until the kernel copies into it (out_fd_direct).
 * The caller fills slot head % N, the thread empties slot tail % N, in
 * order.  Each side spins briefly before it sleeps, because a wake-up per
 * buffer costs more than the hashing in a virtual machine.  Eight 256 KiB slots measured
 * fastest here (bench/bench.sh, digest row; 4 x 1 MiB and 4 x 2 MiB were
 * 5-20% slower).  The first slot's worth is emptied inline, so small
 * sinks never allocate the ring or start the thread. */
#define XS_HASH_BUF (256u << 10)
#define XS_HASH_SLOTS 8u
#define XS_HASH_SPIN 200000
/* A writing ring's slot is a list of extents: bytes written where the
 * fd's offset stands (XS_RING_NOPOS), or at a file offset of their own
 * once the output has holes (pwrite; a slot of 4 KiB runs has 64). */
#define XS_RING_EXTENTS 64u
#define XS_RING_NOPOS UINT64_MAX

struct ring_extent {
    uint64_t off;
    size_t len;
};
struct ring {
    XXH3_state_t *state; /* hashing; else written to fd */
    int fd;
    int werr;            /* the first write's error: nothing after it */
    int err;             /* werr, for the caller (under mu) */
    uint8_t *buf[XS_HASH_SLOTS]; /* in slots_mem, when first needed */
    struct xs_bigmem slots_mem;
    size_t len[XS_HASH_SLOTS];
    struct ring_extent ext[XS_HASH_SLOTS][XS_RING_EXTENTS]; /* writing */
    unsigned next[XS_HASH_SLOTS]; /* extents in use in each slot */
    size_t fill;             /* bytes in the slot being filled */
    uint64_t inline_bytes;   /* hashed before the slots were needed */
    _Atomic unsigned head;   /* slots handed over */
    _Atomic unsigned tail;   /* slots hashed */
    _Atomic bool stop;
    _Atomic unsigned sleepers;
    bool running;
    pthread_t thread;
    pthread_mutex_t mu;
    pthread_cond_t cv;
};

struct xs_out {
    struct endpoint e;
    /* an atomic replacement: the temporary file tmp in the directory
     * dirfd, renamed onto base there (the link-resolved target) */
    int dirfd;
    char *base, *tmp;
    bool replacing;      /* base existed: keep its metadata (old) */
    struct stat old;
    bool failed;
    bool fsync;          /* make the result durable before the rename */
    size_t len;
    uint64_t written;    /* bytes of stream written (before compression) */
    struct tout *z;      /* compression (gzip, zstd), when asked for */
    unsigned threads;    /* compression threads (0: the cores available) */
    struct ring *hash;   /* a digest sink: no fd, bytes are hashed */
    struct ring *wring;  /* writes on a thread of their own (write_all) */
    /* a range of a regular input still to be copied here, in order after
     * everything written before it (the buffer is empty meanwhile) */
    struct xs_in *pend_in;
    uint64_t pend_off, pend_len;
    uint8_t *copy_buf;   /* XS_COPY_BUF, for shifted file copies */
    /* where the next byte goes while pos_lazy: a hole moves it and no
     * seek is made, the writes are pwrite()s at it, and the fd's own
     * offset is set to it before anything else uses that (out_settle) */
    uint64_t pos;
    bool pos_lazy;
    bool no_cfr;         /* the kernel refused copy_file_range here */
    int relay[2];        /* a pipe for shifted file copies (relay_copy) */
    bool relay_open, no_relay;
    bool hole_tail;      /* ends in a hole: extended at commit */
    bool fd_direct;      /* the kernel copied into the fd: no ring */
    signed char seekable; /* holes skipped: 1, written zeros: -1, 0 not
                             yet asked (xs_out_hole) */
};

static void io_error(struct xs_report *rep, const char *what, const char *name,
                     int err)
{
    xs_report_add(rep, XS_SEV_ERROR, "io", 0, -2, "", "%s %s: %s", what, name,
                  strerror(err));
}

static int in_io_error(struct xs_in *in, const char *what, int err);

/* ------------------------------------------------------------------ */
/* signal-safe removal of a pending temporary output                   */

static volatile sig_atomic_t pending_dirfd = -1;
static char pending_tmp[NAME_MAX + 1];

static void cleanup_on_signal(int sig)
{
    if (pending_dirfd >= 0)
        unlinkat(pending_dirfd, pending_tmp, 0);
    signal(sig, SIG_DFL);
    raise(sig);
}

void xs_install_signal_cleanup(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = cleanup_on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGHUP, &sa, NULL);
    /* A closed pipe must become EPIPE (exit 3), not a silent death; so
     * must a file size limit (ulimit -f: EFBIG). */
    signal(SIGPIPE, SIG_IGN);
    signal(SIGXFSZ, SIG_IGN);
}

static bool endpoint_init(struct endpoint *e, int fd, const char *name,
                          size_t bufsz, bool own, struct xs_report *rep)
{
    e->buf = malloc(bufsz);
    e->name = strdup(name);
    if (!e->buf || !e->name) {
        free(e->buf);
        free(e->name);
        io_error(rep, "cannot open", name, ENOMEM);
        return false;
    }
    e->rep = rep;
    e->fd = fd;
    e->close_fd = own;
    return true;
}

/* A pipe carries 64 KiB by default: every 64 KiB the process on the other
 * side has to run.  Grown to 1 MiB (Linux's limit for a user, by default),
 * the pipeline runs in longer stretches; refused (the user's pipe budget
 * is spent), nothing changes. */
static void pipe_grow(int fd)
{
#ifdef F_SETPIPE_SZ
    if (fcntl(fd, F_GETPIPE_SZ) < (1 << 20))
        (void)fcntl(fd, F_SETPIPE_SZ, 1 << 20);
#else
    (void)fd;
#endif
}

static void endpoint_free(struct endpoint *e)
{
    if (e->close_fd)
        close(e->fd);
    free(e->buf);
    free(e->name);
}

/* ------------------------------------------------------------------ */
/* input                                                               */

struct xs_in *xs_in_from_fd(int fd, const char *name, bool own,
                            struct xs_report *rep)
{
    struct stat st;
    if (fstat(fd, &st) < 0) {
        io_error(rep, "cannot stat", name, errno);
        return NULL;
    }
    if (S_ISDIR(st.st_mode)) {
        io_error(rep, "cannot read", name, EISDIR);
        return NULL;
    }
    struct xs_in *in = calloc(1, sizeof(*in));
    if (!in || !endpoint_init(&in->e, fd, name, XS_IN_WINDOW, own, rep)) {
        free(in);
        return NULL;
    }
    in->e.is_reg = S_ISREG(st.st_mode);
    in->e.is_pipe = S_ISFIFO(st.st_mode);
    if (in->e.is_pipe)
        pipe_grow(fd);
    in->st = st;
    in->size = in->e.is_reg ? (uint64_t)st.st_size : 0;
    if (in->e.is_reg) {
        /* Logical offsets count from where the fd stands now. */
        off_t here = lseek(fd, 0, SEEK_CUR);
        in->start = here > 0 ? here : 0;
        in->fpos = (uint64_t)in->start;
        if (here > 0)
            in->size = in->size > (uint64_t)here ? in->size - (uint64_t)here
                                                 : 0;
#ifdef POSIX_FADV_SEQUENTIAL
        posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
#endif
    }
    return in;
}

struct xs_in *xs_in_open(const char *path, struct xs_report *rep)
{
    if (strcmp(path, "-") == 0)
        return xs_in_from_fd(STDIN_FILENO, "<stdin>", false, rep);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        io_error(rep, "cannot open", path, errno);
        return NULL;
    }
    struct xs_in *in = xs_in_from_fd(fd, path, true, rep);
    if (!in)
        close(fd);
    return in;
}

/* ------------------------------------------------------------------ */
/* a store of images: directory walks                                  */

/* Deeper than this is reported, not entered: each level holds a
 * directory descriptor while its entries are walked. */
#define XS_TREE_DEPTH 256

struct dir_id {
    dev_t dev;
    ino_t ino;
};

struct tree_walk {
    const char *root;
    int root_fd;
    unsigned flags;
    xs_tree_fn fn;
    void *ctx;
    struct xs_buf rel;           /* the relative path being walked */
    void *seen;                  /* tsearch() set of the directories
                                    entered: each is walked once (a loop
                                    of links, or many links to one
                                    directory, cost nothing more) */
    unsigned depth;
    int stop;
};

static int name_cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static int dir_cmp(const void *a, const void *b)
{
    const struct dir_id *x = a, *y = b;
    if (x->dev != y->dev)
        return x->dev < y->dev ? -1 : 1;
    return x->ino < y->ino ? -1 : x->ino > y->ino;
}

static const char *special_kind(mode_t m)
{
    return S_ISFIFO(m)   ? "a FIFO"
           : S_ISSOCK(m) ? "a socket"
           : S_ISCHR(m)  ? "a character device"
           : S_ISBLK(m)  ? "a block device"
           : S_ISDIR(m)  ? "a directory"
                         : "not a regular file";
}

/* Call the walk's function for one entry (rel as it stands in w->rel). */
static void tree_emit(struct tree_walk *w, enum xs_entry_type type,
                      const char *what, int err)
{
    if (w->stop)
        return;
    const char *rel = w->rel.len ? (const char *)w->rel.p : "";
    size_t rl = strlen(w->root);
    bool slash = rl && w->root[rl - 1] == '/';
    char *path = malloc(rl + 1 + strlen(rel) + 1);
    if (!path) {
        w->stop = XS_IO;
        return;
    }
    sprintf(path, "%s%s%s", w->root, slash || !*rel ? "" : "/", rel);
    struct xs_entry e = {.root = w->root, .root_fd = w->root_fd, .rel = rel,
                         .path = path, .type = type, .what = what, .err = err};
    w->stop = w->fn(w->ctx, &e);
    free(path);
}

/* rel += "/" name (or name alone at the top); the old length back. */
static size_t rel_push(struct tree_walk *w, const char *name)
{
    size_t old = w->rel.len;
    size_t n = strlen(name);
    if (xs_buf_reserve(&w->rel, old + 1 + n + 1) != XS_OK) {
        w->stop = XS_IO;
        return old;
    }
    if (old)
        w->rel.p[w->rel.len++] = '/';
    memcpy(w->rel.p + w->rel.len, name, n + 1);
    w->rel.len += n;
    return old;
}

static void rel_pop(struct tree_walk *w, size_t old)
{
    w->rel.len = old;
    if (w->rel.p)
        w->rel.p[old] = '\0';
}

/* Whether the directory is entered the first time (then noted). */
static bool first_visit(struct tree_walk *w, const struct stat *st)
{
    struct dir_id key = {st->st_dev, st->st_ino};
    if (tfind(&key, &w->seen, dir_cmp))
        return false;
    struct dir_id *id = malloc(sizeof(*id));
    if (id)
        *id = key;
    if (!id || !tsearch(id, &w->seen, dir_cmp)) {
        free(id);
        w->stop = XS_IO;
        return false;
    }
    return true;
}

/* The walk recurses once per level, at most XS_TREE_DEPTH deep. */
static void tree_dir(struct tree_walk *w, int dfd); // NOLINT(misc-no-recursion)

/* One entry of the directory dfd, by name. */
static void tree_entry(struct tree_walk *w, int dfd, const char *name) // NOLINT(misc-no-recursion)
{
    bool follow = w->flags & XS_TREE_FOLLOW;
    struct stat st;
    size_t old = rel_push(w, name);
    if (w->stop)
        return;
    if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
        tree_emit(w, XS_ENTRY_ERROR, "cannot stat", errno);
    } else if (S_ISLNK(st.st_mode) && !follow) {
        tree_emit(w, XS_ENTRY_LINK,
                  "a symbolic link, not followed (-L follows it)", 0);
    } else if (S_ISLNK(st.st_mode) && fstatat(dfd, name, &st, 0) < 0) {
        tree_emit(w, XS_ENTRY_ERROR, "cannot follow the symbolic link",
                  errno);
    } else if (S_ISREG(st.st_mode)) {
        tree_emit(w, XS_ENTRY_FILE, NULL, 0);
    } else if (!S_ISDIR(st.st_mode)) {
        tree_emit(w, XS_ENTRY_SPECIAL, special_kind(st.st_mode), 0);
    } else if (!first_visit(w, &st)) {
        tree_emit(w, XS_ENTRY_LINK, "a directory walked already (a second "
                  "link to it, or a loop): not walked again", 0);
    } else if (w->depth == XS_TREE_DEPTH) {
        tree_emit(w, XS_ENTRY_ERROR, "deeper than 256 directories: not "
                  "walked", 0);
    } else {
        int fd = openat(dfd, name,
                        O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NONBLOCK |
                            (follow ? 0 : O_NOFOLLOW));
        if (fd < 0)
            tree_emit(w, XS_ENTRY_ERROR, "cannot open the directory", errno);
        else
            tree_dir(w, fd); /* closes fd */
    }
    rel_pop(w, old);
}

/* The entries of an open directory, in byte order of their names. */
static void tree_dir(struct tree_walk *w, int dfd) // NOLINT(misc-no-recursion)
{
    DIR *d = fdopendir(dfd);
    if (!d) {
        tree_emit(w, XS_ENTRY_ERROR, "cannot read the directory", errno);
        close(dfd);
        return;
    }
    w->depth++;
    char **names = NULL;
    size_t n = 0, cap = 0;
    struct dirent *de;
    for (errno = 0; (de = readdir(d)); errno = 0) {
        if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
            continue;
        if (n == cap) {
            size_t nc = cap ? cap * 2 : 64;
            char **v = realloc(names, nc * sizeof(*v));
            if (!v)
                break;
            names = v;
            cap = nc;
        }
        if (!(names[n] = strdup(de->d_name)))
            break;
        n++;
    }
    int err = errno;
    if (err) /* what was listed is walked; the failure is said first */
        tree_emit(w, XS_ENTRY_ERROR, "cannot read the directory", err);
    if (names)
        qsort(names, n, sizeof(*names), name_cmp);
    for (size_t i = 0; i < n; i++) {
        tree_entry(w, dirfd(d), names[i]);
        free(names[i]);
    }
    free(names);
    closedir(d);
    w->depth--;
}

int xs_tree_walk(const char *root, unsigned flags, xs_tree_fn fn, void *ctx,
                 int *root_fd)
{
    struct tree_walk w = {.root = root, .flags = flags, .fn = fn, .ctx = ctx};
    struct stat st;
    /* the root was named: followed if it is a link, as `find -H` does;
     * held open, so that every file is opened below this directory
     * whatever its path comes to name meanwhile */
    w.root_fd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NONBLOCK);
    *root_fd = w.root_fd;
    int fd = w.root_fd < 0 ? -1 : fcntl(w.root_fd, F_DUPFD_CLOEXEC, 0);
    if (w.root_fd < 0 || fd < 0) {
        tree_emit(&w, XS_ENTRY_ERROR, "cannot open the directory", errno);
    } else if (fstat(fd, &st) == 0 && first_visit(&w, &st)) {
        tree_dir(&w, fd);
    } else {
        close(fd);
    }
    tdestroy(w.seen, free);
    free(w.rel.p);
    return w.stop;
}

void xs_entry_stat(const char *path, struct xs_entry *e)
{
    struct stat st;
    *e = (struct xs_entry){.root = path, .root_fd = AT_FDCWD, .rel = path,
                           .path = path};
    if (stat(path, &st) < 0) {
        e->type = XS_ENTRY_ERROR;
        e->what = "cannot open";
        e->err = errno;
    } else if (S_ISDIR(st.st_mode)) {
        e->type = XS_ENTRY_ERROR; /* as when an argument names one */
        e->what = "cannot read";
        e->err = EISDIR;
    } else if (S_ISREG(st.st_mode)) {
        e->type = XS_ENTRY_FILE;
    } else {
        e->type = XS_ENTRY_SPECIAL;
        e->what = special_kind(st.st_mode);
    }
}

#ifndef RESOLVE_NO_SYMLINKS
#define RESOLVE_NO_SYMLINKS 0x04
#define RESOLVE_BENEATH 0x08
#endif

/* openat2(2) (Linux 5.6): the walk's relative path, with no symbolic link
 * in any of its components, so that a directory swapped for a link after
 * the walk saw it leads nowhere else.  Where the kernel (or a seccomp
 * filter) lacks it, O_NOFOLLOW guards the last component. */
static int open_beneath(int dfd, const char *rel, int flags)
{
#ifdef SYS_openat2
    struct {
        uint64_t flags, mode, resolve;
    } how = {(uint64_t)flags, 0, RESOLVE_NO_SYMLINKS | RESOLVE_BENEATH};
    long fd = syscall(SYS_openat2, dfd, rel, &how, sizeof(how));
    if (fd >= 0 || (errno != ENOSYS && errno != EPERM))
        return (int)fd;
#endif
    return openat(dfd, rel, flags | O_NOFOLLOW);
}

/* A walked path may be longer than PATH_MAX (a deep tree of short names),
 * which no single open takes: it is opened a run of whole names at a time,
 * each run below the directory the run before it opened, by the same rule
 * (beneath and without links, or following them with -L). */
static int open_walked(int dfd, const char *rel, int flags, bool follow)
{
    char part[PATH_MAX];
    int cur = dfd, fd, err;
    while (strlen(rel) >= sizeof(part)) {
        size_t n = sizeof(part) - 1; /* the longest run that fits */
        while (n > 0 && rel[n] != '/')
            n--;
        if (n == 0) { /* one name longer than PATH_MAX: none is */
            fd = -1;
            err = ENAMETOOLONG;
            goto out;
        }
        memcpy(part, rel, n);
        part[n] = '\0';
        int dflags = O_PATH | O_DIRECTORY | O_CLOEXEC;
        int next = follow ? openat(cur, part, dflags)
                          : open_beneath(cur, part, dflags);
        err = errno;
        if (cur != dfd)
            close(cur);
        if (next < 0) {
            errno = err;
            return -1;
        }
        cur = next;
        for (rel += n; *rel == '/'; rel++)
            ;
    }
    fd = follow ? openat(cur, rel, flags) : open_beneath(cur, rel, flags);
    err = errno;
out:
    if (cur != dfd)
        close(cur);
    errno = err;
    return fd;
}

struct xs_in *xs_in_open_entry(const struct xs_entry *e, bool follow,
                               struct xs_report *rep)
{
    const char *kind = e->what ? e->what : "not a regular file";
    struct stat st, again;
    int fd = -1, pfd = -1;
    if (e->type == XS_ENTRY_SPECIAL) /* never opened: a device can act */
        goto not_regular;
    /* O_PATH first: it opens nothing (a device named there does not act,
     * a FIFO does not wait); the file is opened for reading only once it
     * is known to be a regular file, through /proc/self/fd, which names
     * that inode and no path */
    pfd = open_walked(e->root_fd, e->rel, O_PATH | O_CLOEXEC, follow);
    if (pfd < 0 || fstat(pfd, &st) < 0) {
        io_error(rep, "cannot open", e->path, errno);
        goto out;
    }
    if (!S_ISREG(st.st_mode)) {
        kind = special_kind(st.st_mode);
        goto not_regular;
    }
    char proc[32];
    snprintf(proc, sizeof(proc), "/proc/self/fd/%d", pfd);
    fd = open(proc, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
    if (fd < 0 || fstat(fd, &again) < 0 || again.st_dev != st.st_dev ||
        again.st_ino != st.st_ino) {
        /* no /proc: refused rather than opened by the path again */
        int err = fd < 0 ? errno : ESTALE;
        io_error(rep, err == ENOENT ? "cannot open (no /proc/self/fd to "
                                      "open it through)"
                                    : "cannot open",
                 e->path, err);
        goto out;
    }
    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
    struct xs_in *in = xs_in_from_fd(fd, e->path, true, rep);
    if (in)
        fd = -1;
    if (pfd >= 0)
        close(pfd);
    if (fd >= 0)
        close(fd);
    return in;
not_regular:
    xs_report_add(rep, XS_SEV_ERROR, "input.not_regular", 0, -2, "",
                  "%s: not read (a directory walk or a file list reads "
                  "regular files only)", kind);
out:
    if (pfd >= 0)
        close(pfd);
    if (fd >= 0)
        close(fd);
    return NULL;
}

struct xs_in *xs_in_spool(struct xs_in *in, const char *dir,
                          struct xs_report *rep)
{
    char path[4096];
    int w = snprintf(path, sizeof(path), "%s/.xenstream-spool-XXXXXX", dir);
    int fd = w > 0 && (size_t)w < sizeof(path) ? mkostemp(path, O_CLOEXEC)
                                               : -1;
    if (fd < 0) {
        io_error(rep, "cannot make a spool file in", dir, errno);
        return NULL;
    }
    unlink(path); /* anonymous: gone with the last descriptor */
    struct xs_out *out = xs_out_from_fd(fd, "spool file", false, rep);
    uint64_t done;
    int rc = out ? xs_in_copy(in, out, UINT64_MAX, &done) : XS_IO;
    if (out)
        rc = rc == XS_OK ? xs_out_commit(out) : (xs_out_abort(out), rc);
    struct xs_in *sp = NULL;
    if (rc == XS_OK && lseek(fd, 0, SEEK_SET) == 0)
        sp = xs_in_from_fd(fd, in->e.name, true, rep);
    if (!sp)
        close(fd);
    return sp;
}

static void tin_drop(struct xs_in *in);

void xs_in_close(struct xs_in *in)
{
    if (!in)
        return;
    tin_drop(in);
    endpoint_free(&in->e);
    free(in);
}

/* Seekable means cheap to skip and to read twice: not through a
 * transport (a second pass would decode it all again). */
bool xs_in_seekable(const struct xs_in *in) { return in->e.is_reg && !in->t; }
void xs_in_set_checked(struct xs_in *in) { in->checked = true; }
bool xs_in_checked(const struct xs_in *in) { return in->checked; }
int xs_in_failure(const struct xs_in *in) { return in->fail; }
bool xs_in_decoding(const struct xs_in *in) { return in->t != NULL; }
const struct xs_layer *xs_in_transport(const struct xs_in *in)
{
    return in->t ? in->t->layer : NULL;
}
uint64_t xs_in_offset(const struct xs_in *in) { return in->off; }
struct xs_report *xs_in_report(const struct xs_in *in) { return in->e.rep; }
uint64_t xs_in_size(const struct xs_in *in)
{
    return in->e.is_reg ? in->size : 0;
}
uint64_t xs_in_bytes_read(const struct xs_in *in) { return in->bytes_read; }

int xs_in_unchanged(struct xs_in *in)
{
    struct stat now;
    if (!in->e.is_reg)
        return XS_OK;
    if (fstat(in->e.fd, &now) < 0)
        return in_io_error(in, "cannot stat", errno);
    /* the size, or a write (mtime; ctime, which no one can set back) */
    if (now.st_size == in->st.st_size &&
        now.st_mtim.tv_sec == in->st.st_mtim.tv_sec &&
        now.st_mtim.tv_nsec == in->st.st_mtim.tv_nsec &&
        now.st_ctim.tv_sec == in->st.st_ctim.tv_sec &&
        now.st_ctim.tv_nsec == in->st.st_ctim.tv_nsec)
        return XS_OK;
    xs_report_add(in->e.rep, XS_SEV_ERROR, "input.changed", in->off, -1,
                  "input",
                  "the file changed while it was read (%s): what was read "
                  "may not be one image; nothing is written",
                  now.st_size != in->st.st_size ? "its size" : "it was written");
    return XS_INVALID;
}

int xs_in_rewind(struct xs_in *in)
{
    if (!in->e.is_reg)
        return XS_IO;
    /* back to the first byte of the file: a compressed input is decoded
     * again from its start (the next pass detects it again) */
    tin_drop(in);
    in->fpos = (uint64_t)in->start;
    in->pos = in->len = 0;
    in->off = 0;
    in->eof = false;
    return XS_OK;
}

int xs_in_pread(struct xs_in *in, uint64_t off, void *dst, size_t n)
{
    if (!xs_in_seekable(in))
        return XS_IO;
    if (off > in->size || n > in->size - off)
        return XS_INVALID; /* beyond the size at open */
    size_t got = 0;
    while (got < n) {
        ssize_t r = pread(in->e.fd, (uint8_t *)dst + got, n - got,
                          in->start + (off_t)(off + got));
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0)
            return in_io_error(in, "cannot read", errno);
        if (r == 0)
            return XS_INVALID;
        got += (size_t)r;
        in->bytes_read += (uint64_t)r;
    }
    return XS_OK;
}

/* Bytes of a regular input before the size it had when opened: a file
 * that grows while it is read (appended to, perhaps through this very
 * run's output) is read no further, so every run ends. */
static uint64_t reg_left(const struct xs_in *in)
{
    uint64_t end = (uint64_t)in->start + in->size;
    return in->fpos < end ? end - in->fpos : 0;
}

/* Read from the input's fd: a regular file at fpos (up to its size at
 * open), anything else in stream order. */
static ssize_t in_read_fd(struct xs_in *in, void *p, size_t n)
{
    ssize_t r;
    if (in->e.is_reg && n > reg_left(in))
        n = (size_t)reg_left(in);
    if (n == 0)
        return 0;
    do
        r = in->e.is_reg ? pread(in->e.fd, p, n, (off_t)in->fpos)
                         : read(in->e.fd, p, n);
    while (r < 0 && errno == EINTR);
    if (r > 0 && in->e.is_reg)
        in->fpos += (uint64_t)r;
    return r;
}

static int in_fail(struct xs_in *in, int status)
{
    if (!in->fail)
        in->fail = status;
    return XS_IO;
}

static int in_io_error(struct xs_in *in, const char *what, int err)
{
    io_error(in->e.rep, what, in->e.name, err);
    return in_fail(in, XS_IO);
}

/* ------------------------------------------------------------------ */
/* transports: the codecs                                              */

/* What the codec of a transport does; the generic part (reading the
 * compressed bytes, frame after frame, the findings) is tin_fill(). */
struct codec {
    const char *name;    /* the layer's, for findings */
    const char *tool;    /* what decompresses it, for messages */
    const char *frame;   /* what its format calls a frame */
    const char *corrupt, *truncated, *trailing, *limit; /* rule ids */
    size_t magic_len;    /* bytes another() needs */
    /* Whether p (n bytes, short only at the end) starts another frame. */
    bool (*another)(const uint8_t *p, size_t n);
    int (*init)(struct tin *t);
    void (*reset)(struct tin *t); /* for the next frame */
    void (*end)(struct tin *t);
    /* Decode from raw[rpos..rlen) into dst (room bytes), moving rpos;
     * *made bytes decoded.  1: a frame ended, its checksum and length
     * checked; 0: go on; -1: damaged data (*why); -2: beyond the limits
     * of what is decoded in bounded memory (*why). */
    int (*step)(struct tin *t, uint8_t *dst, size_t room, size_t *made,
                const char **why);
};

static bool gzip_another(const uint8_t *p, size_t n)
{
    return n >= 2 && p[0] == 0x1f && p[1] == 0x8b;
}

#ifdef XS_HAVE_ISAL
/* ISA-L's inflate with crc_flag ISAL_GZIP parses each member's header and
 * checks its trailer, CRC32 and ISIZE both (a wrong ISIZE is
 * ISAL_INCORRECT_CHECKSUM, as a wrong CRC is: tests/cli.sh). */
static int isal_in_init(struct tin *t)
{
    struct inflate_state *s = malloc(sizeof(*s));
    if (!s)
        return XS_IO;
    isal_inflate_init(s);
    s->crc_flag = ISAL_GZIP;
    t->st = s;
    return XS_OK;
}

static void isal_in_reset(struct tin *t)
{
    struct inflate_state *s = t->st;
    isal_inflate_reset(s);
    s->crc_flag = ISAL_GZIP;
}

static void isal_in_end(struct tin *t) { free(t->st); }

static const char *isal_why(int r)
{
    switch (r) {
    case ISAL_INVALID_BLOCK: return "invalid deflate block";
    case ISAL_INVALID_SYMBOL: return "invalid deflate symbol";
    case ISAL_INVALID_LOOKBACK: return "invalid distance too far back";
    case ISAL_INVALID_WRAPPER: return "incorrect gzip header";
    case ISAL_UNSUPPORTED_METHOD: return "unknown compression method";
    case ISAL_INCORRECT_CHECKSUM: return "incorrect data check or length";
    default: return "inflate failed";
    }
}

static int isal_in_step(struct tin *t, uint8_t *dst, size_t room,
                        size_t *made, const char **why)
{
    struct inflate_state *s = t->st;
    s->next_in = t->raw + t->rpos;
    s->avail_in = (uint32_t)(t->rlen - t->rpos);
    s->next_out = dst;
    s->avail_out = (uint32_t)room;
    int r = isal_inflate(s);
    *made = room - s->avail_out;
    t->rpos = t->rlen - s->avail_in;
    if (r != ISAL_DECOMP_OK) {
        *why = isal_why(r);
        return -1;
    }
    return s->block_state == ISAL_BLOCK_FINISH;
}
#define GZ_INIT isal_in_init
#define GZ_RESET isal_in_reset
#define GZ_END isal_in_end
#define GZ_STEP isal_in_step
#else
/* zlib's inflate with a gzip wrapper only (15 + 16): it checks each
 * member's CRC32 and ISIZE. */
static int zlib_in_init(struct tin *t)
{
    z_stream *z = calloc(1, sizeof(*z));
    if (!z || inflateInit2(z, 15 + 16) != Z_OK) {
        free(z);
        return XS_IO;
    }
    t->st = z;
    return XS_OK;
}

static void zlib_in_reset(struct tin *t) { inflateReset(t->st); }

static void zlib_in_end(struct tin *t)
{
    inflateEnd(t->st);
    free(t->st);
}

static int zlib_in_step(struct tin *t, uint8_t *dst, size_t room,
                        size_t *made, const char **why)
{
    z_stream *z = t->st;
    z->next_in = t->raw + t->rpos;
    z->avail_in = (uInt)(t->rlen - t->rpos);
    z->next_out = dst;
    z->avail_out = (uInt)room;
    int zr = inflate(z, Z_NO_FLUSH);
    *made = room - z->avail_out;
    t->rpos = t->rlen - z->avail_in;
    if (zr == Z_STREAM_END)
        return 1;
    if (zr != Z_OK && zr != Z_BUF_ERROR) {
        *why = z->msg ? z->msg : "inflate failed";
        return -1;
    }
    return 0;
}
#define GZ_INIT zlib_in_init
#define GZ_RESET zlib_in_reset
#define GZ_END zlib_in_end
#define GZ_STEP zlib_in_step
#endif

/* A zstd frame, or a skippable frame (RFC 8878 §3.1.2: magic 0x184D2A5?,
 * little-endian), which zstd -dc skips and so does libzstd. */
static bool zstd_another(const uint8_t *p, size_t n)
{
    return n >= 4 && ((p[0] == 0x28 && p[1] == 0xb5 && p[2] == 0x2f &&
                       p[3] == 0xfd) ||
                      ((p[0] & 0xf0) == 0x50 && p[1] == 0x2a &&
                       p[2] == 0x4d && p[3] == 0x18));
}

/* The largest window a frame may ask for: 8 MiB, what zstd's levels 1-19
 * use at most.  libzstd allocates the window the frame header announces,
 * so without a limit a hostile header costs up to 2 GiB (--ultra and
 * --long frames are refused, zstd.window). */
#define XS_ZSTD_WINDOW_LOG 23

static int zstd_in_init(struct tin *t)
{
    ZSTD_DStream *d = ZSTD_createDStream();
    if (!d || ZSTD_isError(ZSTD_DCtx_setParameter(d, ZSTD_d_windowLogMax,
                                                  XS_ZSTD_WINDOW_LOG))) {
        ZSTD_freeDStream(d);
        return XS_IO;
    }
    t->st = d;
    return XS_OK;
}

static void zstd_in_reset(struct tin *t)
{
    ZSTD_DCtx_reset(t->st, ZSTD_reset_session_only);
}

static void zstd_in_end(struct tin *t) { ZSTD_freeDStream(t->st); }

static int zstd_in_step(struct tin *t, uint8_t *dst, size_t room,
                        size_t *made, const char **why)
{
    ZSTD_inBuffer ib = {t->raw, t->rlen, t->rpos};
    ZSTD_outBuffer ob = {dst, room, 0};
    size_t r = ZSTD_decompressStream(t->st, &ob, &ib);
    *made = ob.pos;
    t->rpos = ib.pos;
    if (ZSTD_isError(r)) {
        *why = ZSTD_getErrorName(r);
        return ZSTD_getErrorCode(r) == ZSTD_error_frameParameter_windowTooLarge
                   ? -2 : -1;
    }
    /* 0: the frame is decoded (its checksum, when it has one, checked)
     * and flushed */
    return r == 0;
}

/* Indexed by the transport rows' codec (formats/layer.h). */
static const struct codec codecs[] = {
    [XS_CODEC_GZIP] = {
        .name = "gzip", .tool = "gzip -dc", .frame = "member", .corrupt = "gzip.corrupt",
        .truncated = "gzip.truncated", .trailing = "gzip.trailing",
        .limit = "gzip.corrupt", .magic_len = 2, .another = gzip_another,
        .init = GZ_INIT, .reset = GZ_RESET, .end = GZ_END, .step = GZ_STEP,
    },
    [XS_CODEC_ZSTD] = {
        .name = "zstd", .tool = "zstd -dc", .frame = "frame", .corrupt = "zstd.corrupt",
        .truncated = "zstd.truncated", .trailing = "zstd.trailing",
        .limit = "zstd.window", .magic_len = 4, .another = zstd_another,
        .init = zstd_in_init, .reset = zstd_in_reset, .end = zstd_in_end,
        .step = zstd_in_step,
    },
};

static void tin_drop(struct xs_in *in)
{
    if (!in->t)
        return;
    if (in->t->st)
        in->t->c->end(in->t);
    free(in->t->raw);
    free(in->t);
    in->t = NULL;
}

int xs_in_push_transport(struct xs_in *in, const struct xs_layer *l)
{
    /* Called at the start of the input: what the window holds is the
     * start of the compressed data. */
    if (l->kind != XS_LK_TRANSPORT || l->codec <= XS_CODEC_NONE ||
        (size_t)l->codec >= sizeof(codecs) / sizeof(codecs[0]) ||
        !codecs[l->codec].step)
        return in_io_error(in, "cannot decompress", ENOSYS);
    struct tin *t = calloc(1, sizeof(*t));
    if (t) {
        t->layer = l;
        t->c = &codecs[l->codec];
        t->raw = malloc(XS_TIN_RAW);
    }
    if (!t || !t->raw || t->c->init(t) != XS_OK) {
        if (t)
            free(t->raw);
        free(t);
        return in_io_error(in, "cannot decompress", ENOMEM);
    }
    size_t have = in->len - in->pos;
    memcpy(t->raw, in->e.buf + in->pos, have);
    t->rlen = have;
    in->t = t;
    in->pos = in->len = 0;
    in->off = 0;
    in->eof = false;
    return XS_OK;
}

/* Where the decoder stands in the compressed file: the offset a
 * transport's finding names (the decoded offset means nothing to gzip -t
 * or zstd -t). */
static uint64_t tin_offset(const struct xs_in *in)
{
    return in->bytes_read - (in->t->rlen - in->t->rpos);
}

/* More compressed bytes into raw, after those not yet decoded: until at
 * least n are there or the input ends. */
static int tin_read(struct xs_in *in, size_t n)
{
    struct tin *t = in->t;
    if (t->rpos > 0) {
        memmove(t->raw, t->raw + t->rpos, t->rlen - t->rpos);
        t->rlen -= t->rpos;
        t->rpos = 0;
    }
    while (t->rlen < n && !t->raw_eof) {
        ssize_t r = in_read_fd(in, t->raw + t->rlen, XS_TIN_RAW - t->rlen);
        if (r < 0)
            return in_io_error(in, "cannot read", errno);
        if (r == 0)
            t->raw_eof = true;
        t->rlen += (size_t)r;
        in->bytes_read += (uint64_t)r;
    }
    return XS_OK;
}

/* Decode more into the window (at most `room` bytes, at least one unless
 * the input ends).  Frames are decoded one after the other. */
static int tin_fill(struct xs_in *in, size_t room)
{
    struct tin *t = in->t;
    const struct codec *c = t->c;
    size_t made = 0;
    while (made == 0) {
        if (t->frame_done) {
            /* what follows a complete frame: another, or the end */
            if (tin_read(in, c->magic_len) != XS_OK)
                return XS_IO;
            if (t->rpos == t->rlen) {
                in->eof = true;
                break;
            }
            if (!c->another(t->raw + t->rpos, t->rlen - t->rpos)) {
                /* not another frame: gzip -dc warns and ignores it */
                xs_report_add(in->e.rep, XS_SEV_WARNING, c->trailing,
                              tin_offset(in), -1, c->name,
                              "compressed input goes on after the last %s "
                              "%s at compressed offset 0x%llx and is not "
                              "%s data: ignored, as gzip -dc does",
                              c->name, c->frame,
                              (unsigned long long)tin_offset(in), c->name);
                t->rpos = t->rlen;
                t->raw_eof = true;
                in->eof = true;
                break;
            }
            c->reset(t);
            t->frame_done = false;
        }
        if (t->rpos == t->rlen && !t->raw_eof && tin_read(in, 1) != XS_OK)
            return XS_IO;
        size_t before = t->rpos;
        const char *why = "";
        int r = c->step(t, in->e.buf + in->len, room, &made, &why);
        if (r < 0) {
            uint64_t at = tin_offset(in);
            if (r == -2)
                xs_report_add(in->e.rep, XS_SEV_ERROR, c->limit, at, -1,
                              c->name,
                              "the compressed data at compressed offset "
                              "0x%llx asks for more memory than xenstream "
                              "decodes in (%s): decompress it first (%s)",
                              (unsigned long long)at, why, c->tool);
            else
                xs_report_add(in->e.rep, XS_SEV_ERROR, c->corrupt, at, -1,
                              c->name,
                              "the compressed data is damaged near "
                              "compressed offset 0x%llx (%s): what it "
                              "decodes to is not the image that was "
                              "compressed", (unsigned long long)at, why);
            return in_fail(in, XS_INVALID);
        }
        if (r == 1)
            t->frame_done = true;
        else if (made == 0 && t->rpos == before) {
            /* nothing decoded from what is there: it needs more bytes,
             * or the compressed input ends within a frame (reported by
             * xs_in_transport_check()) */
            if (t->raw_eof) {
                in->eof = true;
                break;
            }
            if (tin_read(in, t->rlen - t->rpos + 1) != XS_OK)
                return XS_IO;
        }
    }
    in->len += made;
    return XS_OK;
}

int xs_in_transport_check(struct xs_in *in, bool drain)
{
    if (!in->t || in->fail)
        return XS_OK;
    /* a run that stopped at a fault: the rest is decoded too, so that
     * damaged compressed data is named as what it is, not only as the
     * nonsense records it decodes to */
    while (drain && !in->eof) {
        in->pos = in->len = 0;
        if (tin_fill(in, XS_IN_WINDOW) != XS_OK)
            return XS_INVALID;
    }
    if (!in->eof || in->t->frame_done)
        return XS_OK;
    const struct codec *c = in->t->c;
    /* after a fault the layer's own error already says where the input
     * ends (one error, the first, as from the file uncompressed); a note
     * adds the compressed offset */
    xs_report_add(in->e.rep, drain ? XS_SEV_NOTE : XS_SEV_ERROR,
                  c->truncated, tin_offset(in),
                  -1, c->name,
                  "the compressed input ends at compressed offset 0x%llx "
                  "within a %s %s (before its end and checksum): the file "
                  "is truncated",
                  (unsigned long long)tin_offset(in), c->name, c->frame);
    return drain ? XS_OK : XS_INVALID;
}

/* Read more into the window, at least `want` bytes unless input ends. */
static int fill(struct xs_in *in, size_t want)
{
    if (in->pos > 0) {
        memmove(in->e.buf, in->e.buf + in->pos, in->len - in->pos);
        in->len -= in->pos;
        in->pos = 0;
    }
    while (in->t && !in->eof && in->len < want)
        if (tin_fill(in, XS_IN_WINDOW - in->len) != XS_OK)
            return XS_IO;
    while (!in->eof && in->len < want) {
        /* A seekable input reads little beyond what is asked for, so that
         * verify can seek over page payloads instead of reading them: a
         * small request (a record header) gets 16 KiB more (its body, a
         * pfn array, is next), a page read for a check exactly what it
         * lacks, even when most of the page is in the window already. */
        size_t room = XS_IN_WINDOW - in->len;
        size_t ahead = want < XS_SMALL_READ ? 16384 : 0;
        if (in->e.is_reg && room > want - in->len + ahead)
            room = want - in->len + ahead;
        ssize_t r = in_read_fd(in, in->e.buf + in->len, room);
        if (r < 0)
            return in_io_error(in, "cannot read", errno);
        if (r == 0)
            in->eof = true;
        in->len += (size_t)r;
        in->bytes_read += (uint64_t)r;
    }
    return XS_OK;
}

long xs_in_need(struct xs_in *in, size_t n)
{
    if (n > XS_IN_WINDOW)
        n = XS_IN_WINDOW;
    if (in->len - in->pos < n && fill(in, n) != XS_OK)
        return -1;
    return (long)(in->len - in->pos);
}

const uint8_t *xs_in_peek(const struct xs_in *in) { return in->e.buf + in->pos; }

void xs_in_consume(struct xs_in *in, size_t n)
{
    if (n > in->len - in->pos)
        n = in->len - in->pos;
    in->pos += n;
    in->off += n;
    progress_tick(in);
}

/* How many of the `left` bytes are in the window now (0 at end of input). */
static int next_chunk(struct xs_in *in, uint64_t left, size_t *take)
{
    long have = xs_in_need(in, left < XS_IN_WINDOW ? (size_t)left
                                                   : XS_IN_WINDOW);
    if (have < 0)
        return XS_IO;
    *take = (uint64_t)have < left ? (size_t)have : (size_t)left;
    return XS_OK;
}

int xs_in_read(struct xs_in *in, void *dst, size_t n, size_t *got)
{
    size_t take;
    for (*got = 0; *got < n; *got += take) {
        if (next_chunk(in, n - *got, &take) != XS_OK)
            return XS_IO;
        if (take == 0)
            break;
        memcpy((uint8_t *)dst + *got, xs_in_peek(in), take);
        xs_in_consume(in, take);
    }
    return XS_OK;
}

int xs_in_read_buf(struct xs_in *in, struct xs_buf *b, size_t n, size_t *got)
{
    size_t take;
    for (*got = 0; *got < n; *got += take) {
        if (next_chunk(in, n - *got, &take) != XS_OK)
            return XS_IO;
        if (take == 0)
            break;
        /* grow by what has arrived, never by what was announced */
        if (xs_buf_reserve(b, b->len + take) != XS_OK)
            return in_io_error(in, "cannot read", ENOMEM);
        memcpy(b->p + b->len, xs_in_peek(in), take);
        b->len += take;
        xs_in_consume(in, take);
    }
    return XS_OK;
}

int xs_in_skip(struct xs_in *in, uint64_t n, uint64_t *done)
{
    size_t inbuf = in->len - in->pos;
    size_t take = n < inbuf ? (size_t)n : inbuf;
    xs_in_consume(in, take);
    *done = take;
    n -= take;
    if (n == 0)
        return XS_OK;
    if (xs_in_seekable(in)) {
        /* window is empty: fpos is the logical offset's place */
        uint64_t left = in->size > in->off ? in->size - in->off : 0;
        uint64_t step = n < left ? n : left;
        in->fpos += step;
        in->off += step;
        *done += step;
        /* cppcheck-suppress knownConditionTrueFalse */
        if (step < n)
            in->eof = true;
        progress_tick(in);
        return XS_OK;
    }
    for (size_t t; n > 0; n -= t, *done += t) {
        if (next_chunk(in, n, &t) != XS_OK)
            return XS_IO;
        if (t == 0)
            break;
        xs_in_consume(in, t);
    }
    return XS_OK;
}

static int raw_write(struct xs_out *out, const uint8_t *p, size_t n);
static int out_fail(struct xs_out *out, const char *what, int err);
static int out_fd_direct(struct xs_out *out);
static int out_settle(struct xs_out *out);

static bool kernel_refused(int e)
{
    return e == EINVAL || e == EXDEV || e == ENOSYS || e == EOPNOTSUPP ||
           e == EBADF;
}

/* Up to XS_COPY_BUF bytes at *at of the regular file in to out, through
 * a pipe of out's own by splice(): one copy in the kernel, where pread()
 * and write() make two.  As file_copy(); -1 with errno EINVAL (the pipe
 * empty) when the input or the pipe cannot be had. */
static ssize_t relay_copy(struct xs_in *in, struct xs_out *out, loff_t *at,
                          uint64_t n)
{
    if (!out->relay_open) {
        if (pipe2(out->relay, O_CLOEXEC) < 0) {
            errno = EINVAL;
            return -1;
        }
        out->relay_open = true;
        /* steps of XS_COPY_BUF; past pipe-max-size, smaller ones */
        (void)fcntl(out->relay[1], F_SETPIPE_SZ, (int)XS_COPY_BUF);
    }
    ssize_t r = splice(in->e.fd, at, out->relay[1], NULL,
                       n < XS_COPY_BUF ? (size_t)n : XS_COPY_BUF,
                       SPLICE_F_MOVE);
    for (size_t left = r > 0 ? (size_t)r : 0; left > 0;) {
        ssize_t w = splice(out->relay[0], NULL, out->e.fd, NULL, left,
                           SPLICE_F_MOVE);
        int e = w < 0 ? errno : EIO;
        if (w > 0) {
            left -= (size_t)w;
        } else if (w < 0 && e == EINTR) {
            continue;
        } else if (kernel_refused(e)) {
            /* the output takes no splice (its file system): what the
             * pipe holds by write(), the buffer from now on */
            out->no_relay = true;
            while (left > 0 && (w = read(out->relay[0], out->copy_buf,
                                         left < XS_COPY_BUF
                                             ? left : XS_COPY_BUF)) > 0) {
                if (raw_write(out, out->copy_buf, (size_t)w) != XS_OK)
                    return -1; /* reported */
                left -= (size_t)w;
            }
            if (left > 0) {
                out_fail(out, "cannot write", EIO);
                return -1;
            }
        } else {
            out_fail(out, "cannot write", e);
            return -1;
        }
    }
    return r;
}

/* One step of copying up to n bytes of the regular file in, from *at,
 * to the regular file out at its position (its buffer empty): the bytes
 * moved (*at advanced), 0 at the input's end, -1 with errno for a read or
 * copy error; a write error is reported and fails out.
 *
 * copy_file_range where both offsets stand at the same place within a
 * page: page-cache pages move whole, or are shared by a reflink.  Shifted
 * (an export's pages stand anywhere within a page of the image; an
 * upgrade from v2 moves the rest of the stream by STATIC_DATA_END's 8
 * bytes), it writes every page in two pieces: 512 MiB in 0.38 s, cp 0.19 s
 * (2026-12-03, a KVM guest on AMD EPYC).  Through a pipe (relay_copy) the
 * same took 0.15-0.17 s for every shift tried (16 to 4088 bytes) but 8,
 * where it took 0.30-0.35 s: reads and writes through a 1 MiB buffer take
 * 0.19-0.20 s whatever the shift, and serve that shift, and a kernel that
 * refuses both. */
static ssize_t file_copy(struct xs_in *in, struct xs_out *out, loff_t *at,
                         uint64_t n)
{
    static long page;
    if (!page)
        page = sysconf(_SC_PAGESIZE) > 0 ? sysconf(_SC_PAGESIZE) : 4096;
    if (out_fd_direct(out) != XS_OK || out_settle(out) != XS_OK)
        return -1;
    off_t pos = lseek(out->e.fd, 0, SEEK_CUR);
    ssize_t r;
    if (!out->no_cfr && pos >= 0 && (pos - *at) % page == 0) {
        size_t chunk = n > (64u << 20) ? (64u << 20) : (size_t)n;
        r = copy_file_range(in->e.fd, at, out->e.fd, NULL, chunk, 0);
        /* refused (EBADF: an output opened O_APPEND, as by >>): the
         * buffer from now on */
        if (r >= 0 || !kernel_refused(errno))
            return r;
        out->no_cfr = true;
    }
    if (!out->copy_buf)
        out->copy_buf = malloc(XS_COPY_BUF);
    if (!out->no_relay && out->copy_buf && pos >= 0 &&
        ((pos - *at) % page + page) % page != 8) {
        r = relay_copy(in, out, at, n);
        if (r >= 0 || out->failed || !kernel_refused(errno))
            return r;
        out->no_relay = true;
    }
    /* without it, the output buffer (empty meanwhile) serves */
    uint8_t *buf = out->copy_buf ? out->copy_buf : out->e.buf;
    size_t cap = out->copy_buf ? XS_COPY_BUF : XS_OUT_BUF;
    r = pread(in->e.fd, buf, n < cap ? (size_t)n : cap, *at);
    if (r > 0) {
        if (raw_write(out, buf, (size_t)r) != XS_OK)
            return -1;
        *at += r;
    }
    return r;
}

/* Kernel-side copy of n bytes from the input fd to the output fd: between
 * regular files by file_copy, with a pipe on either side by splice.
 * Returns bytes moved; 0 with *fallback set when the kernel refuses the
 * method. */
static int kernel_copy(struct xs_in *in, struct xs_out *out, uint64_t n,
                       uint64_t *moved, bool *fallback)
{
    bool plain = !in->t && !out->z && !out->hash;
    bool files = plain && in->e.is_reg && out->e.is_reg;
    bool spl = plain && (in->e.is_pipe || out->e.is_pipe);
    *moved = 0;
    *fallback = !(files || spl);
    if (!*fallback &&
        (out_fd_direct(out) != XS_OK || out_settle(out) != XS_OK))
        return XS_IO;
    while (!*fallback && *moved < n) {
        ssize_t r;
        /* a regular input is read at its own offset (see fpos), and no
         * further than its size at open */
        loff_t at = (loff_t)in->fpos;
        loff_t *inpos = in->e.is_reg ? &at : NULL;
        uint64_t want = n - *moved;
        if (in->e.is_reg && want > reg_left(in))
            want = reg_left(in);
        if (want == 0) {
            r = 0;
        } else if (files) {
            r = file_copy(in, out, &at, want);
            if (out->failed)
                return XS_IO; /* the write side, reported */
        } else {
            size_t chunk = want > (64u << 20) ? (64u << 20) : (size_t)want;
            r = splice(in->e.fd, inpos, out->e.fd, NULL, chunk, SPLICE_F_MOVE);
        }
        if (r > 0 && inpos)
            in->fpos = (uint64_t)at;
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            int e = errno;
            if (*moved == 0 && !files && kernel_refused(e)) {
                *fallback = true;
                return XS_OK;
            }
            /* Which side failed?  A write-side error names the output. */
            bool wside = e == EPIPE || e == ENOSPC || e == EFBIG ||
                         e == EDQUOT;
            io_error(in->e.rep, wside ? "cannot write" : "cannot read",
                     wside ? out->e.name : in->e.name, e);
            if (wside)
                out->failed = true;
            else
                in_fail(in, XS_IO);
            return XS_IO;
        }
        if (r == 0) {
            in->eof = true;
            break;
        }
        *moved += (uint64_t)r;
        in->off += (uint64_t)r;
        in->bytes_read += (uint64_t)r;
        out->written += (uint64_t)r;
        progress_tick(in);
    }
    return XS_OK;
}

/* Bytes hashed, or written at off (XS_RING_NOPOS: at the fd's offset;
 * after an error, dropped). */
static void ring_consume(struct ring *h, const uint8_t *p, size_t n,
                         uint64_t off)
{
    if (h->state) {
        XXH3_128bits_update(h->state, p, n);
        return;
    }
    while (n > 0 && !h->werr) {
        ssize_t w = off == XS_RING_NOPOS ? write(h->fd, p, n)
                                         : pwrite(h->fd, p, n, (off_t)off);
        if (w > 0 && off != XS_RING_NOPOS)
            off += (uint64_t)w;
        if (w < 0 && errno != EINTR) {
            h->werr = errno; /* this thread's own; the caller's copy: */
            pthread_mutex_lock(&h->mu);
            h->err = errno;
            pthread_mutex_unlock(&h->mu);
        }
        if (w > 0) {
            p += w;
            n -= (size_t)w;
        }
    }
}

/* Until *v differs from old (or, for the thread, stop is set).  The
 * counters change under the mutex and a spinning side takes it once it
 * sees the change: the slot's bytes are then ordered by the mutex, which
 * helgrind follows (it does not follow C11 atomics). */
static void ring_await(struct ring *h, _Atomic unsigned *v, unsigned old)
{
    for (int spin = 0; spin < XS_HASH_SPIN; spin++)
        if (atomic_load(v) != old || atomic_load(&h->stop)) {
            pthread_mutex_lock(&h->mu);
            pthread_mutex_unlock(&h->mu);
            return;
        }
    pthread_mutex_lock(&h->mu);
    atomic_fetch_add(&h->sleepers, 1);
    while (atomic_load(v) == old && !atomic_load(&h->stop))
        pthread_cond_wait(&h->cv, &h->mu);
    atomic_fetch_sub(&h->sleepers, 1);
    pthread_mutex_unlock(&h->mu);
}

/* *v = val, and the other side woken if it sleeps. */
static void ring_advance(struct ring *h, _Atomic unsigned *v, unsigned val)
{
    pthread_mutex_lock(&h->mu);
    atomic_store(v, val);
    if (atomic_load(&h->sleepers))
        pthread_cond_broadcast(&h->cv);
    pthread_mutex_unlock(&h->mu);
}

/* A writing ring's first error (0: none so far). */
static int ring_error(struct ring *h)
{
    pthread_mutex_lock(&h->mu);
    int err = h->err;
    pthread_mutex_unlock(&h->mu);
    return err;
}

/* A slot's bytes hashed, or written extent by extent. */
static void ring_consume_slot(struct ring *h, unsigned slot, size_t len)
{
    if (h->state) {
        ring_consume(h, h->buf[slot], len, XS_RING_NOPOS);
        return;
    }
    const uint8_t *p = h->buf[slot];
    for (unsigned i = 0; i < h->next[slot]; i++) {
        ring_consume(h, p, h->ext[slot][i].len, h->ext[slot][i].off);
        p += h->ext[slot][i].len;
    }
}

static void *ring_main(void *arg)
{
    struct ring *h = arg;
    for (unsigned t = 0;; t++) {
        ring_await(h, &h->head, t);
        if (atomic_load(&h->head) == t)
            break; /* stopped, everything hashed */
        unsigned slot = t % XS_HASH_SLOTS;
        ring_consume_slot(h, slot, h->len[slot]);
        ring_advance(h, &h->tail, t + 1);
    }
    return NULL;
}

/* Until the thread has hashed every slot handed over. */
static void ring_drain(struct ring *h)
{
    unsigned head = atomic_load(&h->head), t;
    while ((t = atomic_load(&h->tail)) != head)
        ring_await(h, &h->tail, t);
    pthread_mutex_lock(&h->mu); /* after the thread's last slot */
    pthread_mutex_unlock(&h->mu);
}

static uint8_t *ring_slot(struct ring *h)
{
    return h->buf[atomic_load(&h->head) % XS_HASH_SLOTS];
}

/* Hand the filled slot over (hashed inline when no thread can start). */
static void ring_submit(struct ring *h)
{
    if (!h->running && pthread_create(&h->thread, NULL, ring_main, h) == 0)
        h->running = true;
    unsigned head = atomic_load(&h->head);
    if (!h->running) {
        ring_consume_slot(h, head % XS_HASH_SLOTS, h->fill);
        h->fill = 0;
        h->next[head % XS_HASH_SLOTS] = 0;
        return;
    }
    h->len[head % XS_HASH_SLOTS] = h->fill;
    h->fill = 0;
    ring_advance(h, &h->head, head + 1);
    /* the next slot must be free before it is filled */
    unsigned t;
    while (head + 1 - (t = atomic_load(&h->tail)) >= XS_HASH_SLOTS)
        ring_await(h, &h->tail, t);
    h->next[(head + 1) % XS_HASH_SLOTS] = 0;
}

/* Slots are allocated when first needed: the first slot's worth is
 * consumed inline, so the small sinks (and small images) never allocate
 * them.  All of them are written in full: on huge pages (bigmem.h). */
static bool ring_slots(struct ring *h)
{
    if (h->buf[0])
        return true;
    uint8_t *p = xs_bigmem_alloc(&h->slots_mem,
                                 (size_t)XS_HASH_SLOTS * XS_HASH_BUF,
                                 (size_t)XS_HASH_SLOTS * XS_HASH_BUF);
    for (unsigned i = 0; p && i < XS_HASH_SLOTS; i++)
        h->buf[i] = p + (size_t)i * XS_HASH_BUF;
    return p != NULL;
}

/* The slot being filled gets t more bytes that go at off: false when it
 * has no extent left for them (submit it first). */
static bool ring_extend(struct ring *h, size_t t, uint64_t off)
{
    unsigned s = atomic_load(&h->head) % XS_HASH_SLOTS, k = h->next[s];
    struct ring_extent *x = k ? &h->ext[s][k - 1] : NULL;
    if (x && (off == XS_RING_NOPOS ? x->off == XS_RING_NOPOS
                                   : x->off != XS_RING_NOPOS &&
                                         x->off + x->len == off)) {
        x->len += t;
        return true;
    }
    if (k == XS_RING_EXTENTS)
        return false;
    h->ext[s][k] = (struct ring_extent){off, t};
    h->next[s] = k + 1;
    return true;
}

/* n bytes hashed, or written at off (XS_RING_NOPOS: where the fd's
 * offset stands, after everything handed over before). */
static void ring_write(struct ring *h, const uint8_t *p, size_t n,
                       uint64_t off)
{
    if (!h->buf[0] && h->inline_bytes + n <= XS_HASH_BUF) {
        ring_consume(h, p, n, off);
        h->inline_bytes += n;
        return;
    }
    if (!ring_slots(h)) { /* out of memory: slower, still correct */
        ring_drain(h);
        ring_consume(h, p, n, off);
        return;
    }
    while (n > 0) {
        size_t t = XS_HASH_BUF - h->fill < n ? XS_HASH_BUF - h->fill : n;
        if (!h->state && !ring_extend(h, t, off)) {
            ring_submit(h); /* not empty: its extents are in use */
            continue;
        }
        memcpy(ring_slot(h) + h->fill, p, t);
        h->fill += t;
        p += t;
        n -= t;
        if (off != XS_RING_NOPOS)
            off += t;
        if (h->fill == XS_HASH_BUF)
            ring_submit(h);
    }
}

static void ring_free(struct ring *h)
{
    if (!h)
        return;
    if (h->running) {
        atomic_store(&h->stop, true);
        pthread_mutex_lock(&h->mu);
        pthread_cond_broadcast(&h->cv);
        pthread_mutex_unlock(&h->mu);
        pthread_join(h->thread, NULL);
    }
    pthread_mutex_destroy(&h->mu);
    pthread_cond_destroy(&h->cv);
    XXH3_freeState(h->state);
    xs_bigmem_free(&h->slots_mem);
    free(h);
}

/* A ring that hashes (fd < 0) or writes to fd. */
static struct ring *ring_new(int fd)
{
    struct ring *h = calloc(1, sizeof(*h));
    if (!h)
        return NULL;
    pthread_mutex_init(&h->mu, NULL);
    pthread_cond_init(&h->cv, NULL);
    h->fd = fd;
    if (fd >= 0)
        return h;
    h->state = XXH3_createState();
    if (!h->state || XXH3_128bits_reset(h->state) != XXH_OK) {
        ring_free(h);
        return NULL;
    }
    return h;
}

/* Everything handed to a writing ring written (the partial slot too):
 * its first error, or 0. */
static int ring_flush(struct ring *h)
{
    if (h->fill)
        ring_submit(h);
    ring_drain(h);
    return ring_error(h);
}

/* A regular file into a digest sink: read() straight into the ring's
 * buffers, while the thread hashes the previous one. */
static int read_hash(struct xs_in *in, struct xs_out *out, uint64_t n,
                     uint64_t *moved)
{
    struct ring *h = out->hash;
    *moved = 0;
    if (!ring_slots(h))
        return in_io_error(in, "cannot hash", ENOMEM);
    while (*moved < n) {
        size_t room = XS_HASH_BUF - h->fill;
        if (room > n - *moved)
            room = (size_t)(n - *moved);
        ssize_t r = in_read_fd(in, ring_slot(h) + h->fill, room);
        if (r < 0)
            return in_io_error(in, "cannot read", errno);
        if (r == 0) {
            in->eof = true;
            break;
        }
        h->fill += (size_t)r;
        if (h->fill == XS_HASH_BUF)
            ring_submit(h);
        *moved += (uint64_t)r;
        in->off += (uint64_t)r;
        in->bytes_read += (uint64_t)r;
        out->written += (uint64_t)r;
        progress_tick(in);
    }
    return XS_OK;
}

int xs_in_copy(struct xs_in *in, struct xs_out *out, uint64_t n,
               uint64_t *done)
{
    *done = 0;
    if (out->failed)
        return XS_IO;
    size_t inbuf = in->len - in->pos;
    size_t take = n < inbuf ? (size_t)n : inbuf;
    if (take) {
        if (xs_out_write(out, xs_in_peek(in), take) != XS_OK)
            return XS_IO;
        xs_in_consume(in, take);
        *done = take;
        n -= take;
    }
    if (n == 0)
        return XS_OK;
    /* Large enough to be worth a kernel copy: the window is now empty, so
     * the input's next byte is the logical offset's (fpos for a file). */
    if (n >= 65536) {
        if (xs_out_flush(out) != XS_OK)
            return XS_IO;
        uint64_t moved;
        bool fallback = false;
        int rc = out->hash && !in->t
                     ? read_hash(in, out, n, &moved)
                     : kernel_copy(in, out, n, &moved, &fallback);
        if (rc != XS_OK)
            return XS_IO;
        *done += moved;
        n -= moved;
        if (!fallback)
            return XS_OK; /* complete, or input ended */
    }
    for (size_t t; n > 0; n -= t, *done += t) {
        if (next_chunk(in, n, &t) != XS_OK)
            return XS_IO;
        if (t == 0)
            break;
        if (xs_out_write(out, xs_in_peek(in), t) != XS_OK)
            return XS_IO;
        xs_in_consume(in, t);
    }
    return XS_OK;
}

/* ------------------------------------------------------------------ */
/* output                                                              */

static void out_free(struct xs_out *out);

static struct xs_out *out_new(int fd, const char *name, struct xs_report *rep)
{
    struct stat st;
    struct xs_out *out = calloc(1, sizeof(*out));
    if (!out || !endpoint_init(&out->e, fd, name, XS_OUT_BUF, false, rep)) {
        free(out);
        return NULL;
    }
    out->dirfd = -1;
    if (fstat(fd, &st) == 0) {
        out->e.is_reg = S_ISREG(st.st_mode);
        out->e.is_pipe = S_ISFIFO(st.st_mode);
        if (out->e.is_pipe)
            pipe_grow(fd);
    }
    return out;
}

struct xs_out *xs_out_from_fd(int fd, const char *name, bool own,
                              struct xs_report *rep)
{
    struct xs_out *out = out_new(fd, name, rep);
    if (out)
        out->e.close_fd = own;
    return out;
}

static bool same_inode(const struct stat *a, const struct stat *b)
{
    return a->st_dev == b->st_dev && a->st_ino == b->st_ino;
}

/* path, through every symbolic link (40 at most, as the kernel allows), to
 * the name the data finally goes to: its directory, opened, and its base
 * name there.  A dangling link leads to the name it would create.  What
 * is done from here on is relative to that directory, so the path is
 * resolved once. */
static int resolve_target(const char *path, int *dirfd, char **base,
                          struct xs_report *rep)
{
    char cur[PATH_MAX], link[PATH_MAX];
    struct stat st;
    size_t plen = strlen(path);
    if (plen >= sizeof(cur)) {
        io_error(rep, "cannot open", path, ENAMETOOLONG);
        return XS_IO;
    }
    memcpy(cur, path, plen + 1);
    for (int hops = 0; lstat(cur, &st) == 0 && S_ISLNK(st.st_mode); hops++) {
        ssize_t n = hops < 40 ? readlink(cur, link, sizeof(link) - 1) : -1;
        if (n < 0) {
            io_error(rep, "cannot follow the link", path,
                     hops < 40 ? errno : ELOOP);
            return XS_IO;
        }
        link[n] = '\0';
        if (link[0] != '/') { /* relative to the link's own directory */
            char *slash = strrchr(cur, '/');
            size_t dl = slash ? (size_t)(slash - cur) + 1 : 0;
            if (dl + (size_t)n >= sizeof(cur)) {
                io_error(rep, "cannot follow the link", path, ENAMETOOLONG);
                return XS_IO;
            }
            memmove(cur + dl, link, (size_t)n + 1);
        } else {
            memcpy(cur, link, (size_t)n + 1);
        }
    }
    char *slash = strrchr(cur, '/');
    const char *name = slash ? slash + 1 : cur;
    if (!*name || strcmp(name, ".") == 0 || strcmp(name, "..") == 0) {
        io_error(rep, "cannot write to", path, EISDIR);
        return XS_IO;
    }
    if (slash == cur)
        *dirfd = open("/", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    else if (slash) {
        *slash = '\0';
        *dirfd = open(cur, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    } else
        *dirfd = open(".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (*dirfd < 0) {
        io_error(rep, "cannot open the directory of", path, errno);
        return XS_IO;
    }
    if (!(*base = strdup(name))) {
        close(*dirfd);
        io_error(rep, "cannot open", path, ENOMEM);
        return XS_IO;
    }
    return XS_OK;
}

uint64_t xs_random_u64(void)
{
    uint64_t x;
    if (getrandom(&x, sizeof(x), GRND_NONBLOCK) == (ssize_t)sizeof(x))
        return x;
    /* no entropy yet (early boot): the clock, the process and an address,
     * still unknown to whoever made the input */
    static _Atomic uint64_t calls;
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    x = (uint64_t)ts.tv_nsec * 2654435761u ^ (uint64_t)ts.tv_sec << 32 ^
        (uint64_t)getpid() << 20 ^ (uint64_t)(uintptr_t)&ts ^
        atomic_fetch_add(&calls, 1);
    return XXH3_64bits(&x, sizeof(x));
}

/* A new file in dirfd named ".BASE.xenstream-XXXXXX" (BASE shortened to
 * keep the name within NAME_MAX), created exclusively, mode 0600 while it
 * is written. */
static int make_temp(int dirfd, const char *base, char *name)
{
    static const char letters[] = "abcdefghijklmnopqrstuvwxyz0123456789";
    int len = (int)strlen(base);
    if (len > NAME_MAX - 24)
        len = NAME_MAX - 24;
    for (int tries = 0; tries < 100; tries++) {
        char r[7];
        uint64_t x = xs_random_u64(); /* O_EXCL makes a clash a retry */
        for (size_t i = 0; i < 6; i++, x /= 36)
            r[i] = letters[x % 36];
        r[6] = '\0';
        snprintf(name, NAME_MAX + 1, ".%.*s.xenstream-%s", len, base, r);
        int fd = openat(dirfd, name,
                        O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
                        0600);
        if (fd >= 0 || errno != EEXIST)
            return fd;
    }
    errno = EEXIST;
    return -1;
}

/* An output written where it stands: a device, FIFO or socket (renaming
 * over /dev/null would be a disaster), or standard output by another
 * name. */
static struct xs_out *out_direct(int fd, const char *path, bool own,
                                 struct xs_report *rep)
{
    if (fd < 0) {
        io_error(rep, "cannot open", path, errno);
        return NULL;
    }
    struct xs_out *out = out_new(fd, path, rep);
    if (!out && own)
        close(fd);
    else if (out)
        out->e.close_fd = own;
    return out;
}

struct xs_out *xs_out_open(const char *path, struct xs_report *rep)
{
    struct stat st, so;
    if (strcmp(path, "-") == 0)
        return out_new(STDOUT_FILENO, "<stdout>", rep);
    bool exists = stat(path, &st) == 0;
    if (exists && !S_ISREG(st.st_mode))
        return out_direct(open(path, O_WRONLY | O_NOCTTY | O_CLOEXEC), path,
                          true, rep);
    /* -o /dev/stdout, /dev/fd/1: the file the shell opened (> or >>) */
    if (exists && fstat(STDOUT_FILENO, &so) == 0 && same_inode(&st, &so))
        return out_direct(STDOUT_FILENO, path, false, rep);

    int dirfd;
    char *base;
    if (resolve_target(path, &dirfd, &base, rep) != XS_OK)
        return NULL;
    struct stat old;
    bool replacing = fstatat(dirfd, base, &old, AT_SYMLINK_NOFOLLOW) == 0;
    if (exists != replacing || (exists && !same_inode(&st, &old))) {
        /* a link that names no path (a deleted file behind /proc/PID/fd,
         * another mount namespace): nowhere to put a replacement */
        io_error(rep, "cannot tell which file this names:", path, ENOENT);
        close(dirfd);
        free(base);
        return NULL;
    }
    char tmp[NAME_MAX + 1];
    int fd = make_temp(dirfd, base, tmp);
    if (fd < 0) {
        io_error(rep, "cannot create a temporary file beside", path, errno);
        close(dirfd);
        free(base);
        return NULL;
    }
    memcpy(pending_tmp, tmp, sizeof(tmp));
    pending_dirfd = dirfd;
    struct xs_out *out = out_new(fd, path, rep);
    if (out)
        out->tmp = strdup(tmp);
    if (!out || !out->tmp) {
        if (out)
            io_error(rep, "cannot open", path, ENOMEM);
        pending_dirfd = -1;
        unlinkat(dirfd, tmp, 0);
        close(fd);
        close(dirfd);
        free(base);
        if (out) {
            out->e.close_fd = false;
            out_free(out);
        }
        return NULL;
    }
    out->e.close_fd = true;
    out->dirfd = dirfd;
    out->base = base;
    out->replacing = replacing;
    out->old = old;
    return out;
}

static int out_fail(struct xs_out *out, const char *what, int err)
{
    io_error(out->e.rep, what, out->e.name, err);
    out->failed = true;
    return XS_IO;
}

static int raw_write(struct xs_out *out, const uint8_t *p, size_t n)
{
    if (out->wring) {
        ring_write(out->wring, p, n, out->pos_lazy ? out->pos : XS_RING_NOPOS);
        if (out->pos_lazy)
            out->pos += n;
        int err = ring_error(out->wring);
        return err ? out_fail(out, "cannot write", err) : XS_OK;
    }
    while (n > 0) {
        ssize_t w = out->pos_lazy ? pwrite(out->e.fd, p, n, (off_t)out->pos)
                                  : write(out->e.fd, p, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w < 0)
            return out_fail(out, "cannot write", errno);
        if (out->pos_lazy)
            out->pos += (uint64_t)w;
        p += w;
        n -= (size_t)w;
    }
    return XS_OK;
}

/* The fd's own offset brought to where the next byte goes, before
 * anything but raw_write uses it: a kernel copy, the size at commit, and
 * whoever shares the open file (a shell's "{ ...; } >FILE"). */
static int out_settle(struct xs_out *out)
{
    if (!out->pos_lazy)
        return XS_OK;
    out->pos_lazy = false;
    if (lseek(out->e.fd, (off_t)out->pos, SEEK_SET) >= 0)
        return XS_OK;
    /* a seek to a non-negative offset fails only past the largest file
     * the file system holds (ext4: 16 TiB), which is what the user needs
     * to hear: the kernel says EINVAL, pwrite() there says EFBIG */
    return out_fail(out, "cannot seek in",
                    errno == EINVAL ? EFBIG : errno);
}

/* Before the file descriptor is used for anything but the ring's writes
 * (fsync, close): every byte handed over written, and the first error
 * reported. */
static int out_sync(struct xs_out *out)
{
    int err = out->wring ? ring_flush(out->wring) : 0;
    if (err && !out->failed)
        return out_fail(out, "cannot write", err);
    return err || out->failed ? XS_IO : XS_OK;
}

/* The kernel is about to copy into the fd (a payload by copy_file_range
 * or splice): what the ring holds is written, and the writes are made
 * here from now on (an upgrade to a file is one such copy after
 * another). */
static int out_fd_direct(struct xs_out *out)
{
    int rc = out_sync(out);
    ring_free(out->wring);
    out->wring = NULL;
    out->fd_direct = true;
    return rc;
}

/* ------------------------------------------------------------------ */
/* compressed output                                                   */

/* gzip is written in independent blocks of XS_GZ_BLOCK bytes of the
 * stream, each a complete gzip member (header, deflate, CRC32, ISIZE):
 * any gzip reader reads concatenated members (RFC 1952 §2.2; gzip -dc,
 * zcat, pigz, zlib's gzread), and blocks that share nothing can be
 * compressed on every core and written in order (pigz's idea, without
 * its shared dictionary).  The boundaries depend only on the byte count,
 * so the output is the same for any number of threads.  1 MiB: a member
 * costs 18 bytes and the history lost at each boundary is 32 KiB of 1 MiB
 * (under 0.1% larger than one member, bench/bench.sh). */
#define XS_GZ_BLOCK (1u << 20)
#define XS_GZ_BLOCK_OUT (XS_GZ_BLOCK + (XS_GZ_BLOCK >> 5) + 4096)
#define XS_ZSTD_OUT (128u << 10)

enum { SLOT_FREE, SLOT_QUEUED, SLOT_BUSY, SLOT_DONE, SLOT_FAILED };

struct gzslot {
    uint8_t *in, *out;
    size_t n, outlen;
    int state;
};

/* A compressor's per-thread state (zlib's stream, ISA-L's level buffer). */
struct gzcomp {
#ifdef XS_HAVE_ISAL
    uint8_t *level_buf;
    uint32_t level_buf_size;
#else
    z_stream z;
    bool z_init;
#endif
};

struct tout {
    enum xs_codec codec;
    int level;           /* the codec's own level */
    unsigned threads;
    bool started;
    /* gzip */
    struct gzslot *slot;
    unsigned nslots;
    struct xs_bigmem arena; /* every slot's blocks (gz_arena) */
    uint64_t fill_seq;   /* the block being filled */
    uint64_t write_seq;  /* the next block to write */
    uint64_t take_seq;   /* the next block a thread compresses */
    bool inline_mode;    /* -T 1, or no thread could start: the caller
                          * compresses each block as it is filled */
    struct gzcomp inline_comp; /* the caller's (gz_help) */
    pthread_mutex_t mu;
    pthread_cond_t work, done;
    bool stop;
    pthread_t *th;
    unsigned nth;
    /* zstd */
    ZSTD_CStream *zc;
    uint8_t *zbuf;
};

static unsigned cores_available(void)
{
    cpu_set_t set;
    if (sched_getaffinity(0, sizeof(set), &set) == 0 && CPU_COUNT(&set) > 0)
        return (unsigned)CPU_COUNT(&set);
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n > 0 ? (unsigned)n : 1;
}

static bool gzcomp_init(struct gzcomp *c, int level)
{
#ifdef XS_HAVE_ISAL
    static const uint32_t sizes[] = {0, ISAL_DEF_LVL1_DEFAULT,
                                     ISAL_DEF_LVL2_DEFAULT,
                                     ISAL_DEF_LVL3_DEFAULT};
    c->level_buf_size = sizes[level];
    c->level_buf = c->level_buf_size ? malloc(c->level_buf_size) : NULL;
    return !c->level_buf_size || c->level_buf;
#else
    /* 15 + 16: a gzip wrapper, as gzip(1) writes (mtime 0: the same
     * bytes every time) */
    c->z_init = deflateInit2(&c->z, level, Z_DEFLATED, 15 + 16, 8,
                             Z_DEFAULT_STRATEGY) == Z_OK;
    return c->z_init;
#endif
}

static void gzcomp_end(struct gzcomp *c)
{
#ifdef XS_HAVE_ISAL
    free(c->level_buf);
    c->level_buf = NULL;
#else
    if (c->z_init)
        deflateEnd(&c->z);
    c->z_init = false;
#endif
}

/* One block as one gzip member. */
static bool gz_block(struct gzcomp *c, int level, struct gzslot *b)
{
#ifdef XS_HAVE_ISAL
    struct isal_zstream z;
    /* ISA-L reads its hash tables before it writes them (a stale entry
     * costs it only a missed match): zeroed, so that each block's bytes
     * depend on its input and level alone, and valgrind sees nothing
     * uninitialised (16 KiB and the level buffer per 1 MiB block) */
    memset(&z, 0, sizeof(z));
    if (c->level_buf)
        memset(c->level_buf, 0, c->level_buf_size);
    isal_deflate_stateless_init(&z);
    z.level = (uint32_t)level;
    z.level_buf = c->level_buf;
    z.level_buf_size = c->level_buf_size;
    /* ISA-L's generic header: no name, mtime 0, OS unknown (ff): the same
     * bytes for the same input and level */
    z.gzip_flag = IGZIP_GZIP;
    z.end_of_stream = 1;
    z.next_in = b->in;
    z.avail_in = (uint32_t)b->n;
    z.next_out = b->out;
    z.avail_out = XS_GZ_BLOCK_OUT;
    if (isal_deflate_stateless(&z) != COMP_OK)
        return false;
    b->outlen = z.total_out;
    return true;
#else
    (void)level;
    z_stream *z = &c->z;
    if (deflateReset(z) != Z_OK)
        return false;
    z->next_in = b->in;
    z->avail_in = (uInt)b->n;
    z->next_out = b->out;
    z->avail_out = XS_GZ_BLOCK_OUT;
    if (deflate(z, Z_FINISH) != Z_STREAM_END)
        return false;
    b->outlen = XS_GZ_BLOCK_OUT - z->avail_out;
    return true;
#endif
}

#ifdef XS_HAVE_ISAL
/* ISA-L picks each of its functions for this CPU at the first call and
 * writes the choice into its data segment (its multibinary dispatch):
 * helgrind saw two compressing threads write one at once.  So the first
 * thread compresses a block at every level once while the others wait
 * (pthread_once), and after it they only read the choices. */
static pthread_once_t isal_chosen = PTHREAD_ONCE_INIT;

static void isal_choose(void)
{
    /* each level's smallest level buffer, and 64 KiB in: the same
     * functions as a 1 MiB block at the default size, a tenth of the
     * memory to touch (its first touch is what costs, bigmem.h; of
     * the output buffer only what 64 KiB compress to is touched) */
    static const uint32_t sizes[] = {0, ISAL_DEF_LVL1_MIN, ISAL_DEF_LVL2_MIN,
                                     ISAL_DEF_LVL3_MIN};
    struct gzslot b = {.in = malloc(65536), .out = malloc(XS_GZ_BLOCK_OUT),
                       .n = 65536};
    uint8_t *lb = malloc(ISAL_DEF_LVL3_MIN);
    for (size_t k = 0; b.in && k < b.n; k++)
        b.in[k] = (uint8_t)(k * 2654435761u >> 13);
    for (int level = 0; b.in && b.out && lb && level <= 3; level++) {
        struct gzcomp c = {.level_buf = sizes[level] ? lb : NULL,
                           .level_buf_size = sizes[level]};
        (void)gz_block(&c, level, &b);
    }
    free(b.in);
    free(b.out);
    free(lb);
}
#endif

static void *gz_worker(void *arg)
{
    struct tout *t = arg;
#ifdef XS_HAVE_ISAL
    pthread_once(&isal_chosen, isal_choose);
#endif
    struct gzcomp c = {0};
    bool ok = gzcomp_init(&c, t->level);
    pthread_mutex_lock(&t->mu);
    for (;;) {
        while (!t->stop && t->take_seq == t->fill_seq)
            pthread_cond_wait(&t->work, &t->mu);
        if (t->take_seq == t->fill_seq)
            break; /* stopped, nothing queued */
        struct gzslot *b = &t->slot[t->take_seq++ % t->nslots];
        b->state = SLOT_BUSY;
        pthread_mutex_unlock(&t->mu);
        bool done = ok && gz_block(&c, t->level, b);
        pthread_mutex_lock(&t->mu);
        b->state = done ? SLOT_DONE : SLOT_FAILED;
        pthread_cond_broadcast(&t->done);
    }
    pthread_mutex_unlock(&t->mu);
    gzcomp_end(&c);
    return NULL;
}

/* Blocks per compressing thread: the one it compresses and the next,
 * filled meanwhile. */
#define XS_GZ_SLOTS_PER_THREAD 2u

/* Every slot's input block and output buffer in one mapping.  The input
 * blocks are all written in full, so they sit together on 2 MiB pages
 * (bigmem.h; -T 4 touches 8 MiB of blocks).  The output buffers follow
 * on small pages: only as much of each as its block compresses to is
 * ever touched. */
static bool gz_arena(struct tout *t)
{
    size_t in = (size_t)t->nslots * XS_GZ_BLOCK;
    size_t outsz = ((size_t)XS_GZ_BLOCK_OUT + 4095) & ~(size_t)4095;
    uint8_t *p = xs_bigmem_alloc(&t->arena, in + (size_t)t->nslots * outsz,
                                 in);
    if (!p)
        return false;
    for (unsigned i = 0; i < t->nslots; i++) {
        t->slot[i].in = p + (size_t)i * XS_GZ_BLOCK;
        t->slot[i].out = p + in + (size_t)i * outsz;
    }
    return true;
}

/* -T N is N compressing threads, the caller one of them: N - 1 workers
 * take the blocks as they are queued, and the caller, which reads,
 * checks and fills them, compresses the oldest queued block itself
 * whenever the ring is full (gz_help) rather than wait.  So N threads
 * run on N cores, not N workers and a reader taking turns with them.
 * -T 1 starts none: the caller compresses each block as it is filled,
 * as `pigz -p 1` does.  The same bytes for any -T. */
static int gz_start(struct xs_out *out)
{
    struct tout *t = out->z;
    t->nslots = t->threads > 1 ? XS_GZ_SLOTS_PER_THREAD * t->threads : 2;
    t->slot = calloc(t->nslots, sizeof(*t->slot));
    if (!t->slot || !(t->th = calloc(t->threads, sizeof(*t->th))) ||
        !gz_arena(t) || !gzcomp_init(&t->inline_comp, t->level))
        return out_fail(out, "cannot compress", ENOMEM);
    for (; t->nth + 1 < t->threads; t->nth++)
        if (pthread_create(&t->th[t->nth], NULL, gz_worker, t) != 0)
            break;
    /* fewer threads than asked (a limit): slower, the same bytes */
    t->inline_mode = t->nth == 0;
    return XS_OK;
}

/* The caller compresses the oldest block no worker has taken; false when
 * every queued block is taken. */
static bool gz_help(struct tout *t)
{
    pthread_mutex_lock(&t->mu);
    if (t->take_seq == t->fill_seq) {
        pthread_mutex_unlock(&t->mu);
        return false;
    }
    struct gzslot *b = &t->slot[t->take_seq++ % t->nslots];
    b->state = SLOT_BUSY;
    pthread_mutex_unlock(&t->mu);
#ifdef XS_HAVE_ISAL
    pthread_once(&isal_chosen, isal_choose); /* beside the workers */
#endif
    bool done = gz_block(&t->inline_comp, t->level, b);
    pthread_mutex_lock(&t->mu);
    b->state = done ? SLOT_DONE : SLOT_FAILED;
    pthread_mutex_unlock(&t->mu);
    return true;
}

/* Write the compressed blocks in order, as far as they are done; those
 * before `until` are waited for. */
static int gz_drain(struct xs_out *out, uint64_t until)
{
    struct tout *t = out->z;
    while (t->write_seq < t->fill_seq) {
        struct gzslot *b = &t->slot[t->write_seq % t->nslots];
        if (!t->inline_mode) {
            pthread_mutex_lock(&t->mu);
            while (t->write_seq < until && b->state != SLOT_DONE &&
                   b->state != SLOT_FAILED)
                pthread_cond_wait(&t->done, &t->mu);
            int st = b->state;
            pthread_mutex_unlock(&t->mu);
            if (st == SLOT_FAILED)
                return out_fail(out, "cannot compress", EINVAL);
            if (st != SLOT_DONE)
                return XS_OK;
        }
        if (raw_write(out, b->out, b->outlen) != XS_OK)
            return XS_IO;
        b->n = 0;
        b->state = SLOT_FREE;
        t->write_seq++;
    }
    return XS_OK;
}

/* The block being filled is complete: compress it (hand it over). */
static int gz_submit(struct xs_out *out)
{
    struct tout *t = out->z;
    struct gzslot *b = &t->slot[t->fill_seq % t->nslots];
    if (t->inline_mode) {
        if (!gz_block(&t->inline_comp, t->level, b))
            return out_fail(out, "cannot compress", EINVAL);
        b->state = SLOT_DONE;
        t->fill_seq++;
        return gz_drain(out, 0);
    }
    pthread_mutex_lock(&t->mu);
    b->state = SLOT_QUEUED;
    t->fill_seq++;
    pthread_cond_signal(&t->work);
    pthread_mutex_unlock(&t->mu);
    /* written as they come; while the ring is full (the slot to fill next
     * is the oldest's), the caller compresses, and waits only when every
     * block is taken */
    for (;;) {
        if (gz_drain(out, 0) != XS_OK)
            return XS_IO;
        if (t->fill_seq - t->write_seq < t->nslots)
            return XS_OK;
        if (!gz_help(t))
            return gz_drain(out, t->write_seq + 1);
    }
}

static int gz_write(struct xs_out *out, const uint8_t *p, size_t n)
{
    struct tout *t = out->z;
    while (n > 0) {
        struct gzslot *b = &t->slot[t->fill_seq % t->nslots];
        size_t take = XS_GZ_BLOCK - b->n < n ? XS_GZ_BLOCK - b->n : n;
        memcpy(b->in + b->n, p, take);
        b->n += take;
        p += take;
        n -= take;
        if (b->n == XS_GZ_BLOCK && gz_submit(out) != XS_OK)
            return XS_IO;
    }
    return XS_OK;
}

static int gz_finish(struct xs_out *out)
{
    struct tout *t = out->z;
    struct gzslot *b = &t->slot[t->fill_seq % t->nslots];
    /* the last block, or an empty member for an empty stream (a file of
     * no members is no gzip file) */
    if ((b->n > 0 || t->fill_seq == 0) && gz_submit(out) != XS_OK)
        return XS_IO;
    while (!t->inline_mode && gz_help(t))
        if (gz_drain(out, 0) != XS_OK)
            return XS_IO;
    return gz_drain(out, UINT64_MAX);
}

static void gz_stop(struct tout *t)
{
    if (t->nth) {
        pthread_mutex_lock(&t->mu);
        t->stop = true;
        pthread_cond_broadcast(&t->work);
        pthread_mutex_unlock(&t->mu);
        for (unsigned i = 0; i < t->nth; i++)
            pthread_join(t->th[i], NULL);
    }
    free(t->th);
    gzcomp_end(&t->inline_comp);
    xs_bigmem_free(&t->arena);
    free(t->slot);
}

/* zstd through libzstd's streaming API and its own workers: with
 * nbWorkers >= 1 the frame is the same for any number of workers (zstd's
 * jobs are cut by size, not by thread), so even one thread is a worker:
 * the same bytes for every -T.  A content checksum in the frame, as the
 * zstd tool writes by default. */
static int zstd_start(struct xs_out *out)
{
    struct tout *t = out->z;
    t->zc = ZSTD_createCStream();
    t->zbuf = malloc(XS_ZSTD_OUT);
    if (!t->zc || !t->zbuf ||
        ZSTD_isError(ZSTD_CCtx_setParameter(t->zc, ZSTD_c_compressionLevel,
                                            t->level)) ||
        ZSTD_isError(ZSTD_CCtx_setParameter(t->zc, ZSTD_c_checksumFlag, 1)))
        return out_fail(out, "cannot compress", ENOMEM);
    if (ZSTD_isError(ZSTD_CCtx_setParameter(t->zc, ZSTD_c_nbWorkers,
                                            (int)t->threads)))
        return out_fail(out, "cannot start compression threads for",
                        ENOSYS); /* a libzstd built without threads */
    return XS_OK;
}

static int zstd_write(struct xs_out *out, const uint8_t *p, size_t n,
                      ZSTD_EndDirective end)
{
    struct tout *t = out->z;
    ZSTD_inBuffer ib = {p, n, 0};
    for (;;) {
        ZSTD_outBuffer ob = {t->zbuf, XS_ZSTD_OUT, 0};
        size_t r = ZSTD_compressStream2(t->zc, &ob, &ib, end);
        if (ZSTD_isError(r)) {
            io_error(out->e.rep, "cannot compress", out->e.name, EINVAL);
            out->failed = true;
            return XS_IO;
        }
        if (ob.pos && raw_write(out, t->zbuf, ob.pos) != XS_OK)
            return XS_IO;
        if (end == ZSTD_e_end ? r == 0 : ib.pos == ib.size)
            return XS_OK;
    }
}

static void tout_free(struct tout *t)
{
    if (!t)
        return;
    if (t->codec == XS_CODEC_GZIP)
        gz_stop(t);
    ZSTD_freeCStream(t->zc);
    free(t->zbuf);
    pthread_mutex_destroy(&t->mu);
    pthread_cond_destroy(&t->work);
    pthread_cond_destroy(&t->done);
    free(t);
}

/* Compress n bytes and write the result; the codec starts at its first
 * write (the threads are known by then). */
static int z_write(struct xs_out *out, const uint8_t *p, size_t n)
{
    struct tout *t = out->z;
    if (!t->started) {
        t->started = true;
        if (!t->threads)
            t->threads = out->threads ? out->threads : cores_available();
        int rc = t->codec == XS_CODEC_GZIP ? gz_start(out) : zstd_start(out);
        if (rc != XS_OK)
            return rc;
    }
    return t->codec == XS_CODEC_GZIP ? gz_write(out, p, n)
                                     : zstd_write(out, p, n, ZSTD_e_continue);
}

static int z_finish(struct xs_out *out)
{
    if (z_write(out, NULL, 0) != XS_OK) /* started, also when empty */
        return XS_IO;
    return out->z->codec == XS_CODEC_GZIP
               ? gz_finish(out)
               : zstd_write(out, NULL, 0, ZSTD_e_end);
}

static int write_all(struct xs_out *out, const uint8_t *p, size_t n)
{
    out->hole_tail = false;
    if (out->hash) {
        ring_write(out->hash, p, n, XS_RING_NOPOS);
        out->written += n;
        return XS_OK;
    }
    /* a file or pipe is written on the ring's thread while the caller
     * decodes, reads and checks on (its first 256 KiB inline: a small
     * output starts no thread); everything before these bytes is written
     * by now (flushed, or written here) */
    if (!out->z && !out->wring && !out->fd_direct &&
        (out->e.is_reg || out->e.is_pipe) &&
        !(out->wring = ring_new(out->e.fd)))
        out->fd_direct = true; /* no memory: written here */
    int rc = out->z ? z_write(out, p, n) : raw_write(out, p, n);
    if (rc == XS_OK)
        out->written += n;
    return rc;
}

static int set_codec(struct xs_out *out, enum xs_codec codec, int level)
{
    if (out->z || out->written || out->len || out->hash) {
        io_error(out->e.rep, "cannot compress", out->e.name, EINVAL);
        out->failed = true;
        return XS_IO;
    }
    if (!(out->z = calloc(1, sizeof(*out->z))))
        return out_fail(out, "cannot compress", ENOMEM);
    out->z->codec = codec;
    out->z->level = level;
    pthread_mutex_init(&out->z->mu, NULL);
    pthread_cond_init(&out->z->work, NULL);
    pthread_cond_init(&out->z->done, NULL);
    return XS_OK;
}

int xs_out_set_gzip(struct xs_out *out, int level)
{
    if (level < 0)
        level = XS_GZIP_LEVEL_DEFAULT;
    if (level > 9)
        return out_fail(out, "cannot compress (gzip levels are 0-9)",
                        EINVAL);
#ifdef XS_HAVE_ISAL
    /* gzip's scale onto ISA-L's four levels (README, "gzip"): 0 its
     * fastest, 1-3 as igzip -1 (igzip's default), 4-6 -2, 7-9 -3 */
    level = level == 0 ? 0 : (level + 2) / 3;
#endif
    return set_codec(out, XS_CODEC_GZIP, level);
}

int xs_out_set_zstd(struct xs_out *out, int level)
{
    if (level < 0)
        level = XS_ZSTD_LEVEL_DEFAULT;
    /* not --ultra's 20-22: their windows are beyond what the reader
     * decodes in bounded memory (XS_ZSTD_WINDOW_LOG) */
    if (level < 1 || level > 19)
        return out_fail(out, "cannot compress (zstd levels are 1-19)",
                        EINVAL);
    return set_codec(out, XS_CODEC_ZSTD, level);
}

void xs_out_set_threads(struct xs_out *out, unsigned n)
{
    out->threads = n;
}

const char *xs_gzip_codec(void)
{
#ifdef XS_HAVE_ISAL
    return "ISA-L";
#else
    return "zlib";
#endif
}

bool xs_out_can_copy_range(const struct xs_out *out, const struct xs_in *in)
{
    return in->e.is_reg && !in->t && out->e.is_reg && !out->z &&
           !out->hash;
}

/* The pending input range (file_copy).  A file that shrank since it was
 * checked is an I/O error: the bytes promised are gone. */
static int pending_flush(struct xs_out *out)
{
    struct xs_in *in = out->pend_in;
    uint64_t left = out->pend_len;
    loff_t at = (loff_t)(in->start + out->pend_off);
    out->pend_len = 0;
    out->hole_tail = false;
    while (left > 0) {
        ssize_t r = file_copy(in, out, &at, left);
        if (out->failed)
            return XS_IO; /* the write side, reported */
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0) {
            io_error(out->e.rep, r < 0 ? "cannot copy into" : "input shrank "
                     "while copying into", out->e.name, r < 0 ? errno : EIO);
            out->failed = true;
            return XS_IO;
        }
        left -= (uint64_t)r;
        out->written += (uint64_t)r;
        in->bytes_read += (uint64_t)r;
    }
    return XS_OK;
}

int xs_out_copy_range(struct xs_out *out, struct xs_in *in, uint64_t off,
                      uint64_t len)
{
    if (out->failed)
        return XS_IO;
    if (out->pend_len && out->pend_in == in &&
        out->pend_off + out->pend_len == off) {
        out->pend_len += len;
        return XS_OK;
    }
    if (xs_out_flush(out) != XS_OK)
        return XS_IO;
    out->pend_in = in;
    out->pend_off = off;
    out->pend_len = len;
    return XS_OK;
}

int xs_out_flush(struct xs_out *out)
{
    if (out->failed)
        return XS_IO;
    if (out->pend_len && pending_flush(out) != XS_OK)
        return XS_IO;
    size_t n = out->len;
    out->len = 0;
    return n ? write_all(out, out->e.buf, n) : XS_OK;
}

int xs_out_write(struct xs_out *out, const void *p, size_t n)
{
    if (out->failed)
        return XS_IO;
    if (n == 0)
        return XS_OK; /* p may be NULL (an empty body) */
    if (out->pend_len && pending_flush(out) != XS_OK)
        return XS_IO;
    if (out->len + n > XS_OUT_BUF) {
        if (xs_out_flush(out) != XS_OK)
            return XS_IO;
        if (n >= XS_OUT_BUF)
            return write_all(out, p, n);
    }
    memcpy(out->e.buf + out->len, p, n);
    out->len += n;
    return XS_OK;
}

int xs_out_zeros(struct xs_out *out, uint64_t n)
{
    static const uint8_t zero[64 << 10];
    while (n > 0) {
        size_t t = n < sizeof(zero) ? (size_t)n : sizeof(zero);
        if (xs_out_write(out, zero, t) != XS_OK)
            return XS_IO;
        n -= t;
    }
    return XS_OK;
}

int xs_out_hole(struct xs_out *out, uint64_t n)
{
    if (n == 0)
        return XS_OK;
    /* a file opened for appending (>>) writes at its end whatever the
     * offset: its holes are written.  Asked once: a raw export makes a
     * hole of every zero page. */
    if (out->seekable == 0) {
        int fl = out->e.is_reg ? fcntl(out->e.fd, F_GETFL) : 0;
        out->seekable = !out->e.is_reg || out->z || out->hash || fl < 0 ||
                                (fl & O_APPEND)
                            ? -1
                            : 1;
    }
    if (out->seekable < 0)
        return xs_out_zeros(out, n);
    if (xs_out_flush(out) != XS_OK)
        return XS_IO;
    /* no seek: the writes after it are pwrite()s past the hole, on the
     * ring's thread too (a raw export of a 4 KiB hole after every 12 KiB
     * made an lseek per write, and stopped the ring).  The first hole
     * takes the fd's offset once everything before it is written. */
    off_t at = (off_t)out->pos;
    if (!out->pos_lazy) {
        struct stat st;
        if (out_sync(out) != XS_OK)
            return XS_IO;
        at = lseek(out->e.fd, 0, SEEK_CUR);
        /* bytes past the offset (a file opened by 1<>, not truncated)
         * would show through a hole: zeros are written over them */
        if (at >= 0 && fstat(out->e.fd, &st) == 0 && st.st_size > at) {
            out->seekable = -1;
            return xs_out_zeros(out, n);
        }
    }
    if (at < 0 || n > (uint64_t)INT64_MAX - (uint64_t)at)
        return out_fail(out, "cannot seek in", at < 0 ? errno : EFBIG);
    out->pos = (uint64_t)at + n;
    out->pos_lazy = true;
    out->written += n;
    out->hole_tail = true;
    return XS_OK;
}

int xs_out_write_direct(struct xs_out *out, const void *p, size_t n)
{
    /* small blocks between skipped holes go out as they are: the buffer
     * would only hold them until the next hole's flush */
    if (n == 0 || (n < XS_OUT_BUF / 2 && !(out->seekable > 0 && !out->len)))
        return xs_out_write(out, p, n);
    if (xs_out_flush(out) != XS_OK)
        return XS_IO;
    return write_all(out, p, n);
}

/* A file that ends in a hole gets its size (the seek alone sets none). */
static int hole_tail(struct xs_out *out)
{
    if (out_sync(out) != XS_OK || out_settle(out) != XS_OK)
        return XS_IO;
    off_t end = lseek(out->e.fd, 0, SEEK_CUR);
    if (end < 0 || ftruncate(out->e.fd, end) < 0) {
        io_error(out->e.rep, "cannot write", out->e.name, errno);
        return XS_IO;
    }
    return XS_OK;
}

void xs_out_set_fsync(struct xs_out *out, bool on) { out->fsync = on; }

uint64_t xs_out_written(const struct xs_out *out)
{
    return out->written + out->len + out->pend_len;
}

struct xs_out *xs_out_digest(const char *name, struct xs_report *rep)
{
    struct xs_out *out = calloc(1, sizeof(*out));
    if (!out || !endpoint_init(&out->e, -1, name, XS_OUT_BUF, false, rep)) {
        if (!out)
            io_error(rep, "cannot hash", name, ENOMEM);
        free(out);
        return NULL;
    }
    out->dirfd = -1;
    if (!(out->hash = ring_new(-1))) {
        io_error(rep, "cannot hash", name, ENOMEM);
        out_free(out);
        return NULL;
    }
    return out;
}

int xs_out_digest_take(struct xs_out *out, uint8_t hash[16])
{
    int rc = xs_out_flush(out);
    struct ring *h = out->hash;
    ring_drain(h);
    if (h->fill)
        XXH3_128bits_update(h->state, ring_slot(h), h->fill);
    h->fill = 0;
    XXH128_canonical_t c;
    XXH128_canonicalFromHash(&c, XXH3_128bits_digest(h->state));
    memcpy(hash, c.digest, 16);
    return rc;
}

static void out_free(struct xs_out *out)
{
    ring_free(out->hash);
    ring_free(out->wring); /* what it holds is written first */
    tout_free(out->z);
    free(out->copy_buf);
    if (out->relay_open) {
        close(out->relay[0]);
        close(out->relay[1]);
    }
    endpoint_free(&out->e);
    if (out->dirfd >= 0)
        close(out->dirfd);
    free(out->base);
    free(out->tmp);
    free(out);
}

/* The replaced file's extended attributes onto the new one: POSIX ACLs
 * (system.posix_acl_*), SELinux labels, user attributes.  What the caller
 * may not set (trusted.*, security.* without privilege) is left out, and
 * file capabilities only go to a file of the same owner. */
static void copy_xattrs(struct xs_out *out, bool same_owner)
{
    char path[32 + NAME_MAX + 1], names[4096], val[65536];
    int w = snprintf(path, sizeof(path), "/proc/self/fd/%d/%s", out->dirfd,
                     out->base);
    if (w < 0 || (size_t)w >= sizeof(path))
        return;
    ssize_t n = llistxattr(path, names, sizeof(names));
    for (ssize_t i = 0; n > 0 && i < n; i += (ssize_t)strlen(names + i) + 1) {
        const char *name = names + i;
        if (!same_owner && strcmp(name, "security.capability") == 0)
            continue;
        ssize_t v = lgetxattr(path, name, val, sizeof(val));
        if (v >= 0)
            (void)fsetxattr(out->e.fd, name, val, (size_t)v, 0);
    }
}

/* A replacement keeps the replaced file's owner, group, mode and extended
 * attributes where the caller may set them (docs/behaviour.md §5).  Done last,
 * because a write by anyone but root clears setuid bits and capabilities;
 * a setuid/setgid bit never goes to a file of another owner or group.  A
 * new file gets the mode a plain create would. */
static void set_metadata(struct xs_out *out)
{
    int fd = out->e.fd;
    mode_t mode;
    if (!out->replacing) {
        mode_t um = umask(0);
        umask(um);
        (void)fchmod(fd, 0666 & ~um);
        return;
    }
    const struct stat *o = &out->old;
    struct stat now;
    if (fchown(fd, o->st_uid, o->st_gid) < 0)
        (void)fchown(fd, (uid_t)-1, o->st_gid); /* a group of ours */
    if (fstat(fd, &now) < 0)
        now.st_uid = (uid_t)-1, now.st_gid = (gid_t)-1;
    copy_xattrs(out, now.st_uid == o->st_uid);
    mode = o->st_mode & 07777;
    if (now.st_uid != o->st_uid)
        mode &= (mode_t)~S_ISUID;
    if (now.st_gid != o->st_gid)
        mode &= (mode_t)~S_ISGID;
    (void)fchmod(fd, mode);
}

static void drop_temp(struct xs_out *out)
{
    pending_dirfd = -1;
    unlinkat(out->dirfd, out->tmp, 0);
}

int xs_out_commit(struct xs_out *out)
{
    int rc = xs_out_flush(out);
    if (rc == XS_OK && out->hole_tail)
        rc = hole_tail(out);
    if (rc == XS_OK && out->z)
        rc = z_finish(out);
    if (rc == XS_OK)
        rc = out_sync(out);
    if (rc == XS_OK)
        rc = out_settle(out);
    if (rc == XS_OK && out->tmp)
        set_metadata(out);
    if (rc == XS_OK && out->tmp && out->fsync) {
        if (fsync(out->e.fd) < 0) {
            io_error(out->e.rep, "cannot write", out->e.name, errno);
            rc = XS_IO;
        }
    }
    if (out->e.close_fd && close(out->e.fd) < 0 && rc == XS_OK) {
        io_error(out->e.rep, "cannot write", out->e.name, errno);
        rc = XS_IO;
    }
    out->e.close_fd = false;
    if (out->tmp) {
        if (rc == XS_OK &&
            renameat(out->dirfd, out->tmp, out->dirfd, out->base) < 0) {
            io_error(out->e.rep, "cannot rename into", out->e.name, errno);
            rc = XS_IO;
        }
        if (rc != XS_OK)
            drop_temp(out);
        pending_dirfd = -1;
        if (rc == XS_OK && out->fsync)
            fsync(out->dirfd); /* make the rename itself durable */
    }
    out_free(out);
    return rc;
}

void xs_out_abort(struct xs_out *out)
{
    if (!out)
        return;
    if (out->tmp)
        drop_temp(out);
    out_free(out);
}

const char *xs_out_refusal(const struct xs_in *in, const char *out_path,
                           bool in_place)
{
    struct stat st;
    bool std = strcmp(out_path, "-") == 0;
    bool known = std ? fstat(STDOUT_FILENO, &st) == 0
                     : stat(out_path, &st) == 0;
    if (in_place)
        return known && S_ISREG(st.st_mode)
                   ? NULL
                   : "--in-place takes a regular file (through links), not "
                     "standard input, a FIFO, a device or a directory";
    if (known && S_ISREG(st.st_mode) && in && in->e.is_reg &&
        same_inode(&st, &in->st))
        return std ? "standard output is the input file: it would be "
                     "written into while it is read"
                   : "it is the input file (only upgrade and convert "
                     "--in-place replace it)";
    if (known && S_ISCHR(st.st_mode)) {
        int fd = std ? STDOUT_FILENO
                     : open(out_path, O_WRONLY | O_NOCTTY | O_NONBLOCK |
                                          O_CLOEXEC);
        bool tty = fd >= 0 && isatty(fd);
        if (fd >= 0 && !std)
            close(fd);
        if (tty)
            return "refusing to write a binary stream to a terminal; use "
                   "-o OUT or a redirection";
    }
    return NULL;
}
