/* Shared by the subcommands: usage text, option helpers, summaries. */
#ifndef XS_CLI_COMMON_H
#define XS_CLI_COMMON_H

#include <jansson.h>

#include "xenstream.h"

struct xs_command {
    const char *name;
    int (*run)(int argc, char **argv);
    const char *summary;
    const char *usage; /* full --help text */
};

extern const struct xs_command xs_cmd_upgrade;
extern const struct xs_command xs_cmd_convert;
extern const struct xs_command xs_cmd_verify;
extern const struct xs_command xs_cmd_info;
extern const struct xs_command xs_cmd_config;
extern const struct xs_command xs_cmd_dump;
extern const struct xs_command xs_cmd_digest;
extern const struct xs_command xs_cmd_diff;
extern const struct xs_command xs_cmd_export;
extern const struct xs_command xs_cmd_search;
extern const struct xs_command xs_cmd_restore;
/* The live backend's helper executable, when this build has one and it is
 * found (beside xenstream, else where it is installed): its path. */
bool xs_restore_helper(char *path, size_t size);

/* The status of a command over several inputs: I/O errors first, then
 * invalid inputs. */
static inline int xs_worst(int worst, int rc)
{
    return rc == XS_IO || (rc == XS_INVALID && worst == XS_OK) ? rc : worst;
}

/* The size of a raw export whose highest pfn is max_pfn: false past the
 * largest file offset there is (2^63 - 1; a pfn has 52 bits). */
static inline bool xs_raw_size(uint64_t max_pfn, uint64_t *bytes)
{
    if (max_pfn >= (UINT64_C(1) << 51) - 1)
        return false;
    *bytes = (max_pfn + 1) * 4096;
    return true;
}
#define XS_RAW_TOO_LARGE "larger than a file can be"

/* Lowercase hex of n bytes into out (2n + 1 bytes). */
void xs_hex(const uint8_t *p, size_t n, char *out);

/* --progress / --no-progress: a progress line on standard error for long
 * runs; by default only when standard error is a terminal. */
struct xs_progress_opts {
    int mode; /* -1 when stderr is a terminal, 0 never, 1 always */
};
#define XS_PROGRESS_DEFAULT {.mode = -1}
#define XS_OPT_PROGRESS 0x100
#define XS_OPT_NO_PROGRESS 0x101
#define XS_PROGRESS_LONGOPTS                                                 \
    {"progress", no_argument, NULL, XS_OPT_PROGRESS},                        \
    {"no-progress", no_argument, NULL, XS_OPT_NO_PROGRESS}
#define XS_PROGRESS_CASES(po)                                                \
    case XS_OPT_PROGRESS:                                                    \
        (po).mode = 1;                                                       \
        break;                                                               \
    case XS_OPT_NO_PROGRESS:                                                 \
        (po).mode = 0;                                                       \
        break
/* Show progress for in (named `name`) if po asks for it; the findings of
 * rep then clear the line before they print.  One input at a time. */
void xs_cli_progress(struct xs_in *in, const struct xs_progress_opts *po,
                     struct xs_report *rep);
/* End the progress line, if one is shown (also called by the findings). */
void xs_cli_progress_done(void);

/* Print "xenstream: message" to stderr; returns XS_USAGE. */
int xs_usage_error(const struct xs_command *cmd, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void xs_print_help(const struct xs_command *cmd);
/* Shared long options: --help.  Returns true when handled. */
bool xs_is_help(const char *arg);
/* Open one input ("-" is standard input): rep is set up under the name
 * shown, printing findings when print is set, and a progress line shows
 * as po asks (po may be NULL).  NULL when it cannot be opened (reported;
 * rep still to be freed): xs_cli_open_status() then tells XS_IO from
 * XS_USAGE (a terminal, refused as an input).  xs_cli_close() ends the
 * progress line too. */
struct xs_in *xs_cli_open(const char *path, bool print,
                          const struct xs_progress_opts *po,
                          struct xs_report *rep);
void xs_cli_close(struct xs_in *in);
/* xs_cli_open() for a worker thread: findings printed to fp (NULL:
 * standard error) when print is set, no progress line, no state shared
 * with other calls; *status is XS_OK, XS_IO or XS_USAGE (a terminal, or
 * standard output into the input: the caller then calls
 * xs_cli_refused_input() from the main thread). */
struct xs_in *xs_cli_open_r(const char *path, bool print, FILE *fp,
                            struct xs_report *rep, int *status);
void xs_cli_refused_input(void);
/* Print rep's findings as xs_cli_open(print) does, to fp (NULL: stderr). */
void xs_cli_sink(struct xs_report *rep, FILE *fp);
/* XS_OK, or XS_USAGE (said) when more than one of the n inputs is
 * standard input ("-", or /dev/stdin and the like when it is a pipe): the
 * second would read what the first left, nothing; or when one of them is
 * the file standard output writes to (`verify A B >> B`), checked before
 * anything is printed (xs_cli_open() checks the file it opens too). */
int xs_cli_check_inputs(const struct xs_command *cmd, int n, char **paths);
int xs_cli_open_status(void);
/* The exit status of a command that returned rc: XS_USAGE when an input
 * was refused (a terminal, standard output into it; commands that only
 * see NULL from
 * xs_cli_open() return XS_IO for it). */
int xs_cli_status(int rc);
/* Notes (facts that are not faults, e.g. xl's migration handshake after
 * END) on standard error: on by default; off for -q and for commands whose
 * output already says it. */
void xs_cli_notes(bool on);
/* fflush(stdout), keeping the errno of a failure for the message that
 * main() prints at exit (the error flag alone does not keep it). */
void xs_cli_flush(void);
int xs_cli_stdout_errno(void);
/* The command's name for the line of a failed write (main() sets it). */
void xs_cli_set_command(const char *cmd);
/* Whether a write to standard output failed (its errno kept for the
 * line); called after each line or record printed, so that a command
 * whose reader went away (| head) stops at once rather than at its end. */
bool xs_cli_stdout_failed(void);
/* Where a command cannot stop on its own (within a walk): exit at once
 * with xs_cli_finish(XS_IO) when a write to standard output failed. */
void xs_cli_stdout_check(void);
/* Flush and close standard output; the command's exit status: rc, XS_IO
 * (one line on standard error) when a write there failed, XS_USAGE when
 * an input was refused (a terminal, standard output into it). */
int xs_cli_finish(int rc);
/* printf on standard output through xs_text_write(): every human-readable
 * line printed (a file name, a config value of the image) is safe for a
 * terminal (xenstream.h says how). */
void xs_cli_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* The single input of info and dump, after their options, as
 * xs_cli_open() opens it: standard input when none is given.  XS_OK with
 * *in open, XS_USAGE (said: too many inputs, or a terminal) or XS_IO
 * (reported); rep is to be freed in every case. */
int xs_cli_one_input(const struct xs_command *cmd, int argc, char **argv,
                     struct xs_report *rep, struct xs_in **in);
/* path as one word for a POSIX shell, for a command line that a message
 * suggests (the admin copies it): as it is when it is plain, else in
 * single quotes (' as '"'"'), with "./" before a leading '-' ("-" itself,
 * standard input, is kept).  Allocated; NULL if memory ran out. */
char *xs_cli_shell_word(const char *path);
/* convert --drop-cpu-policy: the one line on standard error that says
 * that n CPU policy records were dropped and what follows from it. */
void xs_cli_note_policy_dropped(const char *file, unsigned n);

/* JSON text for any bytes: valid UTF-8 as it is; each byte that is not
 * part of a valid UTF-8 sequence (RFC 3629: no overlong forms, no
 * surrogates, nothing above U+10FFFF) becomes U+FFFD.  Never NULL unless
 * memory ran out. */
json_t *xs_json_text(const char *s);
json_t *xs_json_textn(const char *s, size_t n);
/* Set obj[key] to a file name as xs_json_text() gives it, and, when that
 * lost bytes, obj[key "_bytes"] to the exact name in lowercase hex. */
void xs_json_set_name(json_t *obj, const char *key, const char *name);

/* One finding as verify --json shows it. */
json_t *xs_json_finding(const struct xs_finding *f);
/* An input that gave no report, for --json: file, "valid": false,
 * "status", the counts and the findings (as verify --json). */
json_t *xs_json_failure(const char *file, int rc, const struct xs_report *rep);
/* Print doc on standard output (compact, or indented) and free it. */
void xs_json_print(json_t *doc, bool indent);
/* One line describing what was read, e.g. "libxc v2 x86 PV, 12 records". */
void xs_describe_summary(const struct xs_summary *s, char *buf, size_t sz);

/* The cores this process may run on (its CPU affinity), at least 1. */
unsigned xs_cli_cores(void);
/* run(ctx, i) for each i < n on up to `workers` threads, and emit(ctx, i)
 * on the calling thread in order of i, each as soon as it and all before
 * it have run (cli/parallel.c).  Items for which serial(ctx, i) holds
 * (serial may be NULL) are run by the calling thread at their turn: an
 * input that can block (a FIFO named, standard input) is only opened
 * when all before it were printed, as without threads.  emit returns
 * false to stop (a reader gone away): what has not started is not run,
 * and false is returned.  Items that ran but were not emitted are the
 * caller's to free. */
bool xs_cli_parallel(size_t n, unsigned workers,
                     void (*run)(void *ctx, size_t i),
                     bool (*serial)(void *ctx, size_t i),
                     bool (*emit)(void *ctx, size_t i), void *ctx);

/* What a worker prints for one input, held until it is that input's turn
 * (in memory up to 1 MiB, then in an unlinked temporary file).  drain
 * copies it to `to` and frees it; false when some of it was lost. */
struct xs_spool;
struct xs_spool *xs_cli_spool_open(void);
FILE *xs_cli_spool_file(const struct xs_spool *s);
/* Everything printed to it so far is held (flushed first): false once
 * some of it was lost. */
bool xs_cli_spool_holds(struct xs_spool *s);
bool xs_cli_spool_drain(struct xs_spool *s, FILE *to);

#endif
