/* xenstream: the command dispatcher (one file per subcommand, as git's
 * builtin/). */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <limits.h>

#include "common.h"

static const struct xs_command *const commands[] = {
    &xs_cmd_upgrade,
    &xs_cmd_convert,
    &xs_cmd_verify,
    &xs_cmd_info,
    &xs_cmd_config,
    &xs_cmd_dump,
    &xs_cmd_digest,
    &xs_cmd_diff,
    &xs_cmd_export,
    &xs_cmd_search,
    &xs_cmd_restore,
};
#define NCOMMANDS (sizeof(commands) / sizeof(commands[0]))

static void usage(FILE *fp)
{
    fprintf(fp,
            "usage: xenstream [--version] [--help] COMMAND [ARGS]\n"
            "\n"
            "Read, check and convert Xen domain save images and migration\n"
            "streams (libxc Domain Image Format v2 and v3).\n"
            "\n"
            "Commands:\n");
    for (size_t i = 0; i < NCOMMANDS; i++)
        fprintf(fp, "  %-10s %s\n", commands[i]->name, commands[i]->summary);
    fprintf(fp,
            "\n"
            "IN and OUT may be '-' for standard input and output, their\n"
            "default (diff names both inputs; a terminal is never read).\n"
            "Exit status: 0 success, 1 invalid/truncated/unsupported stream,\n"
            "2 usage error (also: an input on a terminal), 3 I/O or system\n"
            "error (a failed write to standard output included).\n"
            "See 'xenstream COMMAND --help' and xenstream(1).\n");
}

/* A standard descriptor that was closed (>&-) gets /dev/null opened the
 * wrong way round in its place: writes to it fail (EBADF) and are
 * reported like any write error, and no file a command opens later can
 * take the number and receive its output by mistake. */
static void hold_std_fds(void)
{
    static const int flags[3] = {O_WRONLY, O_RDONLY, O_RDONLY};
    for (int fd = 0; fd < 3; fd++)
        if (fcntl(fd, F_GETFD) < 0 && errno == EBADF) {
            int n = open("/dev/null", flags[fd]);
            if (n >= 0 && n != fd) {
                dup2(n, fd);
                close(n);
            }
        }
}

static int run(int argc, char **argv);

int main(int argc, char **argv)
{
    hold_std_fds();
    const char *cmd = NULL;
    for (size_t i = 0; argc >= 2 && i < NCOMMANDS; i++)
        if (strcmp(argv[1], commands[i]->name) == 0)
            cmd = commands[i]->name;
    /* a reader that went away is a write error (EPIPE, exit 3), as for
     * upgrade, not a silent death by SIGPIPE; so is a file size limit
     * (ulimit -f: EFBIG, not SIGXFSZ) for every command's standard
     * output.  restore's helper (exec'd, it would inherit SIG_IGN) keeps
     * what libxl expects */
    if (!cmd || strcmp(cmd, "restore") != 0) {
        signal(SIGPIPE, SIG_IGN);
        signal(SIGXFSZ, SIG_IGN);
    }
    xs_cli_set_command(cmd);
    return xs_cli_finish(run(argc, argv));
}

static int run(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return XS_USAGE;
    }
    const char *name = argv[1];
    if (xs_is_help(name) || strcmp(name, "help") == 0) {
        if (argc > 2) {
            for (size_t i = 0; i < NCOMMANDS; i++)
                if (strcmp(argv[2], commands[i]->name) == 0) {
                    xs_print_help(commands[i]);
                    return XS_OK;
                }
        }
        usage(stdout);
        return XS_OK;
    }
    if (strcmp(name, "--version") == 0 || strcmp(name, "-V") == 0) {
        printf("xenstream %s\n"
               "libxc image formats: v2, v3 (writes v3, and v2 by convert)\n"
               "transports: gzip (%s), zstd\n",
               xs_version_string(), xs_gzip_codec());
#ifdef XS_RESTORE_HELPER
        char helper[PATH_MAX];
        if (xs_restore_helper(helper, sizeof(helper)))
            printf("live backend: built (libxenlight %s): %s\n",
                   XS_XENLIGHT_VERSION, helper);
        else
            printf("live backend: built, but its helper %s is missing\n",
                   XS_RESTORE_HELPER_INSTALLED);
#else
        printf("live backend: not built (xenstream restore needs "
               "-DXENSTREAM_BACKEND=ON with libxen-dev)\n");
#endif
        return XS_OK;
    }
    for (size_t i = 0; i < NCOMMANDS; i++)
        if (strcmp(name, commands[i]->name) == 0)
            return commands[i]->run(argc - 1, argv + 1);
    xs_text_printf(stderr,
                   "xenstream: '%s' is not a command. See 'xenstream --help'.\n",
                   name);
    return XS_USAGE;
}
