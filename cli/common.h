/* Shared by the subcommands: usage text, option helpers, summaries. */
#ifndef XS_CLI_COMMON_H
#define XS_CLI_COMMON_H

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
extern const struct xs_command xs_cmd_dump;

/* Print "xenstream: message" to stderr; returns XS_USAGE. */
int xs_usage_error(const struct xs_command *cmd, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void xs_print_help(const struct xs_command *cmd);
/* Shared long options: --help.  Returns true when handled. */
bool xs_is_help(const char *arg);
/* The single input of info and dump, after their options: "-" is
 * standard input; rep is set up to print findings.  XS_OK with *in open,
 * XS_USAGE (said) or XS_IO (reported; rep still to be freed). */
int xs_cli_one_input(const struct xs_command *cmd, int argc, char **argv,
                     struct xs_report *rep, struct xs_in **in);
/* One line describing what was read, e.g. "libxc v2 x86 PV, 12 records". */
void xs_describe_summary(const struct xs_summary *s, char *buf, size_t sz);

#endif
