/* xenstream config: the domain config an xl save file carries, as
 * stored (upgrade/convert --config replaces it: cli/convert.c). */
#include <getopt.h>
#include <string.h>
#include <unistd.h>

#include "common.h"

static int run_config(int argc, char **argv);

const struct xs_command xs_cmd_config = {
    .name = "config",
    .run = run_config,
    .summary = "print the domain config an xl save file carries",
    .usage =
        "usage: xenstream config [IN]\n"
        "\n"
        "Print the domain configuration that an xl save file carries, as it\n"
        "is stored: libxl JSON (without the NUL that ends it in the file) or\n"
        "xl config text.  'xenstream upgrade --config FILE' and 'convert\n"
        "--config FILE' write an image with another one.  The image is\n"
        "verified on the way: its faults are reported on standard error and\n"
        "the exit status is verify's; the config is printed whenever it was\n"
        "read.  An image without one (not an xl file) is exit 1.  On a\n"
        "terminal, control characters are shown escaped.  No IN: standard\n"
        "input (a terminal is refused).\n"
        "\n"
        "  -h, --help   show this help\n",
};

static int run_config(int argc, char **argv)
{
    static const struct option opts[] = {
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    int c;
    opterr = 0;
    optind = 1;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (c) {
        case 'h':
            xs_print_help(&xs_cmd_config);
            return XS_OK;
        default:
            return xs_usage_error(&xs_cmd_config, "unknown or incomplete "
                                  "option '%s'", argv[optind - 1]);
        }
    }
    struct xs_report rep;
    struct xs_in *in;
    int rc = xs_cli_one_input(&xs_cmd_config, argc, argv, &rep, &in);
    if (rc != XS_OK) {
        xs_report_free(&rep);
        return rc;
    }
    struct xs_buf cfg = {0};
    bool json;
    rc = xs_config_read(in, &rep, &cfg, &json);
    xs_cli_close(in);
    if (cfg.len && isatty(STDOUT_FILENO)) {
        /* for a person: each line made safe for the terminal */
        size_t i = 0;
        while (i < cfg.len) {
            const uint8_t *nl = memchr(cfg.p + i, '\n', cfg.len - i);
            size_t e = nl ? (size_t)(nl - cfg.p) : cfg.len;
            xs_text_write(stdout, (const char *)cfg.p + i, e - i);
            fputc('\n', stdout);
            i = e + 1;
        }
    } else if (cfg.len) {
        /* as stored, byte for byte */
        fwrite(cfg.p, 1, cfg.len, stdout);
    }
    xs_cli_flush();
    xs_buf_free(&cfg);
    xs_report_free(&rep);
    return rc;
}
