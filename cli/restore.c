/* xenstream restore: check, upgrade and restore an image into a new
 * domain of the running Xen (the optional live backend, backend/).
 *
 * This file is built twice.  In xenstream it checks the options and execs
 * the helper xenstream-restore, so that no other command loads Xen's
 * libraries (they cost every command ~4 ms of start-up); in the helper
 * (XENSTREAM_HAVE_BACKEND) it runs the restore. */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common.h"
#ifdef XENSTREAM_HAVE_BACKEND
#include "backend.h"
#endif

static int run_restore(int argc, char **argv);

const struct xs_command xs_cmd_restore = {
    .name = "restore",
    .run = run_restore,
    .summary = "restore an image into a new domain (live backend)",
    .usage =
        "usage: xenstream restore [-p] [-e] [-d] [-V] [--config FILE]\n"
        "                         [--check-first] [--allow-feature-loss] [IN]\n"
        "\n"
        "Restore a saved image of any supported version and container into\n"
        "a new domain of the running Xen, as 'xl restore' does, with the\n"
        "stream checked and upgraded to v3 on its way in: the same as\n"
        "'xenstream upgrade IN | xl restore /dev/stdin'.  Run it in dom0.\n"
        "IN is a file or '-' (standard input; the default).\n"
        "\n"
        "A file is checked whole before any domain is created; a stream\n"
        "from a pipe is checked as it passes, and a fault destroys the\n"
        "half-made domain (--check-first avoids even that).  The domain\n"
        "configuration comes from the xl save file (libxl JSON, or xl\n"
        "config text) unless --config is given.\n"
        "\n"
        "The image is checked against this host too, as 'verify\n"
        "--host-policy' checks it against xen-cpuid -p's text: a CPU policy\n"
        "Xen would refuse, or features the guest has and this host lacks\n"
        "(Xen would clear them silently), refuse the restore.\n"
        "\n"
        "  -p             leave the domain paused\n"
        "  -e             do not watch the domain in the background (without\n"
        "                 it, a watcher applies on_poweroff/on_reboot/\n"
        "                 on_crash, as xl's does; log in /var/log/xen)\n"
        "  -d             print the domain configuration; libxl's debug log\n"
        "  -V             start a VNC viewer for the domain's console\n"
        "  --config FILE  the domain configuration: xl config text or\n"
        "                 libxl JSON (needed for a bare libxl stream)\n"
        "  --check-first  from a pipe, save the stream to an unlinked file in\n"
        "                 $TMPDIR (default /var/tmp) and check it whole before\n"
        "                 any domain is created (needs the image's size on disk)\n"
        "  --allow-feature-loss  restore even if the guest loses CPU\n"
        "                 features this host lacks (a warning)\n"
        "  --progress     a progress line on standard error (default: only\n"
        "                 when it is a terminal); --no-progress: never\n"
        "  -h, --help     show this help\n"
        "\n"
        "Exit status: 0 restored, 1 stream refused, 2 usage or configuration\n"
        "error (also: xenstream built without the live backend), 3 Xen or\n"
        "I/O error.\n",
};

static int run_restore(int argc, char **argv)
{
    static const struct option opts[] = {
        {"config", required_argument, NULL, 'c'},
        {"check-first", no_argument, NULL, 'C'},
        {"allow-feature-loss", no_argument, NULL, 'A'},
        {"help", no_argument, NULL, 'h'},
        XS_PROGRESS_LONGOPTS,
        {NULL, 0, NULL, 0},
    };
    const struct xs_command *cmd = &xs_cmd_restore;
    struct xs_progress_opts progress = XS_PROGRESS_DEFAULT;
    bool paused = false, no_monitor = false, debug = false, vnc = false;
    bool check_first = false, allow_loss = false;
    const char *config = NULL;
    int c;

    opterr = 0;
    optind = 1;
    while ((c = getopt_long(argc, argv, "pedVh", opts, NULL)) != -1) {
        switch (c) {
        case 'p':
            paused = true;
            break;
        case 'e':
            no_monitor = true;
            break;
        case 'd':
            debug = true;
            break;
        case 'V':
            vnc = true;
            break;
        case 'c':
            config = optarg;
            break;
        case 'C':
            check_first = true;
            break;
        case 'A':
            allow_loss = true;
            break;
        XS_PROGRESS_CASES(progress);
        case 'h':
            xs_print_help(cmd);
            return XS_OK;
        default:
            return xs_usage_error(cmd, "unknown or incomplete option '%s'",
                                  argv[optind - 1]);
        }
    }
    if (argc - optind > 1)
        return xs_usage_error(cmd, "one input at most");
    const char *in_path = optind < argc ? argv[optind] : "-";
#ifdef XENSTREAM_HAVE_BACKEND
    const char *tmp = getenv("TMPDIR");
    struct xs_restore_opts o = {.config_file = config, .paused = paused,
                                .no_monitor = no_monitor, .debug = debug,
                                .vnc = vnc, .allow_feature_loss = allow_loss};
    if (check_first)
        o.spool_dir = tmp && *tmp ? tmp : "/var/tmp";
    struct xs_report rep;
    struct xs_in *in = xs_cli_open(in_path, true, &progress, &rep);
    /* a terminal as IN is refused (2) before any domain is made */
    int rc = in ? xs_restore(in, &rep, &o) : xs_cli_open_status();
    xs_cli_close(in);
    xs_report_free(&rep);
    return rc;
#else
    (void)paused, (void)no_monitor, (void)debug, (void)vnc, (void)config,
        (void)progress, (void)check_first, (void)allow_loss;
    char helper[PATH_MAX];
    if (xs_restore_helper(helper, sizeof(helper))) {
        argv[0] = helper;
        execv(helper, argv);
        fprintf(stderr, "xenstream: restore: cannot run %s: %s\n", helper,
                strerror(errno));
        return XS_IO;
    }
    fprintf(stderr,
            "xenstream: restore: this xenstream was built without the live "
            "backend.\n"
            "  Build it with libxenlight: apt-get install libxen-dev, then\n"
            "  cmake -DXENSTREAM_BACKEND=ON ... (see README, 'Live restore').\n"
            "  Without it, the same restore is:\n"
            "    xenstream upgrade %s | xl restore /dev/stdin\n",
            in_path);
    return XS_USAGE;
#endif
}

bool xs_restore_helper(char *path, size_t size)
{
#ifdef XS_RESTORE_HELPER
    /* beside this executable (the build tree), else at libexec's place
     * relative to this executable's bin (an install under any prefix),
     * else where the build was configured to install it */
    static const char *const from_self[] = {XS_RESTORE_HELPER,
                                            XS_RESTORE_HELPER_FROM_BIN};
    char self[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
    char *slash = n > 0 ? memchr(self, '/', (size_t)n) : NULL;
    if (slash) {
        self[n] = '\0';
        *strrchr(self, '/') = '\0';
        for (size_t i = 0; i < 2; i++) {
            char found[PATH_MAX], real[PATH_MAX];
            int w = snprintf(found, sizeof(found), "%s/%s", self,
                             from_self[i]);
            /* named without "bin/..": it is shown by --version */
            if (w > 0 && (size_t)w < sizeof(found) &&
                access(found, X_OK) == 0 && realpath(found, real) &&
                strlen(real) < size) {
                memcpy(path, real, strlen(real) + 1);
                return true;
            }
        }
    }
    int w = snprintf(path, size, "%s", XS_RESTORE_HELPER_INSTALLED);
    return w > 0 && (size_t)w < size && access(path, X_OK) == 0;
#else
    (void)path, (void)size;
    return false;
#endif
}
