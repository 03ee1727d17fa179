/* xenstream: the command dispatcher (one file per subcommand, as git's
 * builtin/). */
#include <stdio.h>
#include <string.h>

#include <limits.h>

#include "common.h"

static const struct xs_command *const commands[] = {
    &xs_cmd_upgrade,
    &xs_cmd_convert,
    &xs_cmd_verify,
    &xs_cmd_info,
    &xs_cmd_dump,
    &xs_cmd_digest,
    &xs_cmd_diff,
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
            "IN and OUT may be '-' for standard input and output.\n"
            "Exit status: 0 success, 1 invalid/truncated/unsupported stream,\n"
            "2 usage error, 3 I/O or system error.\n"
            "See 'xenstream COMMAND --help' and xenstream(1).\n");
}

int main(int argc, char **argv)
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
               "libxc image formats: v2, v3 (writes v3, and v2 by convert)\n",
               xs_version_string());
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
    fprintf(stderr, "xenstream: '%s' is not a command. See 'xenstream --help'.\n",
            name);
    return XS_USAGE;
}
