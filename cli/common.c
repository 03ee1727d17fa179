#include "common.h"

#include <getopt.h>
#include <stdarg.h>
#include <string.h>

#include "libxc.h"

int xs_usage_error(const struct xs_command *cmd, const char *fmt, ...)
{
    va_list ap;
    fprintf(stderr, "xenstream %s: ", cmd->name);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, "\nTry 'xenstream %s --help'.\n", cmd->name);
    return XS_USAGE;
}

void xs_print_help(const struct xs_command *cmd)
{
    fputs(cmd->usage, stdout);
}

bool xs_is_help(const char *arg)
{
    return strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0;
}

void xs_describe_summary(const struct xs_summary *s, char *buf, size_t sz)
{
    snprintf(buf, sz, "%s v%u %s stream, %llu records, %llu pages",
             s->layers[0] ? s->layers : "?", s->version,
             xs_libxc_guest_name(s->guest), (unsigned long long)s->records,
             (unsigned long long)s->pages);
}

int xs_cli_one_input(const struct xs_command *cmd, int argc, char **argv,
                     struct xs_report *rep, struct xs_in **in)
{
    if (argc - optind != 1)
        return xs_usage_error(cmd, "exactly one input (use '-' for standard "
                              "input)");
    const char *path = argv[optind];
    xs_report_init(rep, strcmp(path, "-") == 0 ? "<stdin>" : path);
    rep->sink = xs_report_print_sink;
    *in = xs_in_open(path, rep);
    return *in ? XS_OK : XS_IO;
}
