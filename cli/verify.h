/* verify over many inputs: what each input gave, and the report formats
 * (cli/verify_report.c) that print it. */
#ifndef XS_CLI_VERIFY_H
#define XS_CLI_VERIFY_H

#include "common.h"

enum verify_format { VF_TEXT, VF_JSON, VF_JSONL, VF_JUNIT, VF_TAP, VF_SARIF };

/* What one input gave, from its run until it is printed: at most a
 * window of these exist at a time (cli/parallel.c). */
struct vresult {
    int rc;
    bool refused;            /* refused: a terminal, or stdout into it */
    const char *skipped;     /* why it was not verified, or NULL */
    char why[64];
    struct xs_report rep;
    struct xs_summary sum;
    struct xs_spool *text;   /* its findings as text, held (parallel) */
};

/* One input of the run, in the order given (a walk's files in its
 * order): its name and how to open it, about 100 bytes. */
struct vfile {
    const char *root;        /* a walk's root, or NULL: an input named */
    int root_fd;             /* the walk's root, held (AT_FDCWD: listed) */
    char *rel;               /* a walk's path below root */
    char *path;              /* the name shown (for an input named: opened) */
    bool listed;             /* named by --files-from: opened as a walk's */
    bool serial;             /* not a regular file: run in order, alone */
    enum xs_entry_type type; /* what the walk found */
    const char *what;
    int err;
    struct vresult *res;
};

struct vrun {
    struct vfile *v;
    size_t n, cap;
    enum verify_format fmt;
    const struct xs_release *xen;
    struct xs_target target;   /* xen, and --host-policy's host */
    const char *host_path;
    bool strict, quiet, follow, images_only, store;
    /* totals, as printed */
    size_t valid, invalid, unreadable, skipped;
    int worst;
    /* SARIF: the rules seen so far, in order of first use; results
     * printed */
    char **rules;
    size_t nrules, caprules, results;
    /* JUnit: the test cases, held until the counts are known */
    struct xs_spool *cases;
    bool lost;               /* some of the report was lost: exit 3 */
    int *root_fds;           /* the walks' roots, held until the end */
    size_t nroots;
    bool oom;
};

/* The report: head before the first input, one input, tail after the
 * last (report_file also counts it into the totals).  false when a write
 * to standard output failed. */
void report_head(struct vrun *r);
void report_file(struct vrun *r, struct vfile *f);
void report_tail(struct vrun *r);
void report_free(struct vrun *r);

#endif
