/* verify-file: is this file a Xen domain save image that a restore reads?
 *
 * An example of libxenstream through its public header alone, built
 * outside the source tree as any program would be:
 *
 *   cc verify-file.c $(pkg-config --cflags --libs xenstream) -o verify-file
 *
 * Usage: verify-file IMAGE
 *
 * Each finding is printed on a line of its own on standard error, then
 * the verdict on standard output.  The exit status is the library's own
 * (enum xs_status, the same as `xenstream verify`): 0 valid, 1 invalid,
 * 2 wrong usage, 3 an I/O error (the file cannot be opened or read).
 */
#include <stdio.h>
#include <xenstream.h>

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: %s IMAGE\n", argc > 0 ? argv[0] : "verify-file");
        return XS_USAGE;
    }
    const char *path = argv[1];

    /* The report names the file in every finding; its print sink writes
     * each one as it is made (ctx NULL: standard error), escaped for a
     * terminal, since a message can quote bytes of the image. */
    struct xs_report rep;
    xs_report_init(&rep, path);
    rep.sink = xs_report_print_sink;
    rep.sink_ctx = NULL;

    /* An open that fails is a finding too (already printed): an I/O
     * error, not a verdict on the image. */
    int rc = XS_IO;
    struct xs_in *in = xs_in_open(path, &rep);
    if (in) {
        /* The summary is filled as the stream is read; this example
         * wants only the verdict, but xs_verify needs somewhere to put it. */
        struct xs_summary sum = {0};
        rc = xs_verify(in, &rep, &sum);
        xs_in_close(in);
    }

    /* xs_text_printf, not printf: the name is the user's, and control
     * bytes in it would reach the terminal as they are. */
    switch (rc) {
    case XS_OK:
        xs_text_printf(stdout, "%s: valid (%u warning%s)\n", path,
                       rep.warnings, rep.warnings == 1 ? "" : "s");
        break;
    case XS_INVALID:
        xs_text_printf(stdout, "%s: INVALID (%u error%s)\n", path,
                       rep.errors, rep.errors == 1 ? "" : "s");
        break;
    default:
        /* anything else the library returns is read as a failure to
         * read, never as a valid image */
        xs_text_printf(stdout, "%s: not verified: I/O error\n", path);
        rc = XS_IO;
        break;
    }
    xs_report_free(&rep);

    /* A verdict that could not be written is no verdict. */
    if (fflush(stdout) != 0 || ferror(stdout))
        return XS_IO;
    return rc;
}
