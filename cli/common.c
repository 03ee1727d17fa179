#include "common.h"

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
