/* xenstream info: what is inside an image, for a person (or --json). */
#include <getopt.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "common.h"
#include "libxc.h"
#include "libxl.h"

static int run_info(int argc, char **argv);

const struct xs_command xs_cmd_info = {
    .name = "info",
    .run = run_info,
    .summary = "show what an image holds: layers, guest, memory, records",
    .usage =
        "usage: xenstream info [--json] [--digest] IN\n"
        "\n"
        "Read IN (any container, any version, gzip or not) and show the\n"
        "layers found, the libxc version and the Xen that saved it, the\n"
        "guest type, width, vCPUs and memory, pages by type, records by\n"
        "type, checkpoints, the domain config of an xl file, and what\n"
        "follows the stream, and which Xen releases restore it (as it is, or\n"
        "after 'convert --to-version 2').  Faults are reported on standard\n"
        "error as by verify; the exit status is verify's.\n"
        "\n"
        "  --json         one JSON document on standard output\n"
        "  --digest       also the content digest (as 'xenstream digest'):\n"
        "                 reads every page\n"
        "  --progress     a progress line on standard error (default: only\n"
        "                 when it is a terminal); --no-progress: never\n"
        "  -h, --help     show this help\n",
};

static const char *version_era(unsigned v)
{
    return v == 2 ? "Xen 4.6 to 4.13 format" : v == 3 ? "Xen 4.14+ format"
                                                      : "?";
}

/* Page data by pfn type, non-zero types only. */
static json_t *page_types_json(const struct xs_summary *s)
{
    json_t *o = json_object();
    for (unsigned t = 0; t < 16; t++)
        if (s->page_types[t])
            json_object_set_new(o, xs_pfinfo_name(t) ? xs_pfinfo_name(t)
                                                     : "unknown",
                                json_integer((json_int_t)s->page_types[t]));
    return o;
}

static json_t *libxc_records_json(const struct xs_summary *s)
{
    json_t *o = json_object();
    char nb[32];
    for (unsigned t = 0; t < XS_SUM_LIBXC_TYPES; t++)
        if (s->rec_count[t])
            json_object_set_new(o,
                                t < XS_REC_NR_KNOWN ? xs_libxc_rec_name(t, nb)
                                                    : "other",
                                json_integer((json_int_t)s->rec_count[t]));
    return o;
}

static json_t *libxl_records_json(const struct xs_summary *s)
{
    json_t *o = json_object();
    char nb[32];
    for (unsigned t = 0; t < XS_SUM_LIBXL_TYPES; t++)
        if (s->libxl_count[t])
            json_object_set_new(o,
                                t < XS_LREC_NR_KNOWN ? xs_libxl_rec_name(t, nb)
                                                     : "other",
                                json_integer((json_int_t)s->libxl_count[t]));
    return o;
}

static const char *trailer_name(enum xs_trailer t)
{
    return t == XS_TRAILER_XL_MIGRATE ? "xl migrate handshake"
           : t == XS_TRAILER_OTHER    ? "unknown bytes"
                                      : "nothing";
}

/* Which releases restore the stream, as it is or as convert --to-version
 * 2 writes it: two arrays of "4.N" (none for an invalid stream). */
static json_t *restores_on_json(int rc, const struct xs_summary *s)
{
    json_t *o = json_object(), *as_is = json_array(), *as_v2 = json_array();
    const char *fix = NULL;
    for (unsigned m = XS_RELEASE_FIRST; rc == XS_OK && m <= XS_RELEASE_LAST;
         m++) {
        struct xs_release rel;
        xs_release_get(m, &rel);
        const char *f = xs_release_remedy(&rel, s);
        if (f && !*f)
            json_array_append_new(as_is, json_sprintf("4.%u", m));
        else if (f) {
            json_array_append_new(as_v2, json_sprintf("4.%u", m));
            fix = f;
        }
    }
    json_object_set_new(o, "as_is", as_is);
    json_object_set_new(o, "after_convert", as_v2);
    json_object_set_new(o, "convert_with", fix ? json_string(fix)
                                               : json_null());
    return o;
}

static json_t *info_json(const char *file, int rc, const struct xs_report *rep,
                         const struct xs_summary *s)
{
    json_t *d = json_object();
    json_object_set_new(d, "file", json_string(file));
    json_object_set_new(d, "valid", json_boolean(rc == XS_OK));
    json_object_set_new(d, "errors", json_integer(rep->errors));
    json_object_set_new(d, "warnings", json_integer(rep->warnings));
    json_object_set_new(d, "layers", json_string(s->layers));
    json_object_set_new(d, "libxc_version", json_integer(s->version));
    json_object_set_new(d, "saved_by_xen",
                        json_sprintf("%u.%u", s->xen_major, s->xen_minor));
    json_object_set_new(d, "guest", json_string(xs_libxc_guest_name(s->guest)));
    if (s->guest == XS_GUEST_X86_PV && s->pv_width)
        json_object_set_new(d, "guest_width_bits",
                            json_integer((json_int_t)s->pv_width * 8));
    json_object_set_new(d, "page_size",
                        json_integer(s->page_shift < 32 ? (json_int_t)1 << s->page_shift
                                                        : 0));
    json_object_set_new(d, "vcpus", json_integer(s->vcpus));
    json_object_set_new(d, "pages_with_data", json_integer((json_int_t)s->pages));
    json_object_set_new(d, "memory_bytes",
                        json_integer((json_int_t)s->pages * 4096));
    json_object_set_new(d, "max_pfn", json_integer((json_int_t)s->max_pfn));
    json_object_set_new(d, "page_types", page_types_json(s));
    json_object_set_new(d, "libxc_records", libxc_records_json(s));
    if (strstr(s->layers, "libxl")) {
        json_object_set_new(d, "libxl_records", libxl_records_json(s));
        json_object_set_new(d, "libxl_legacy", json_boolean(s->libxl_legacy));
    }
    json_object_set_new(d, "checkpoints", json_integer(s->checkpoints));
    json_object_set_new(d, "ends_without_end", json_boolean(s->unterminated));
    if (s->xl) {
        json_t *x = json_object();
        json_object_set_new(x, "mandatory_flags", json_integer(s->xl_mandatory));
        json_object_set_new(x, "optional_flags", json_integer(s->xl_optional));
        if (s->have_config) {
            json_object_set_new(x, "config_format",
                                json_string(s->config_json ? "json" : "text"));
            json_object_set_new(x, "config_bytes", json_integer(s->config_bytes));
            json_object_set_new(x, "name", json_string(s->cfg_name));
            json_object_set_new(x, "type", json_string(s->cfg_type));
            if (s->cfg_memory_mib >= 0)
                json_object_set_new(x, "memory_mib",
                                    json_integer(s->cfg_memory_mib));
            if (s->cfg_vcpus >= 0)
                json_object_set_new(x, "vcpus", json_integer(s->cfg_vcpus));
        }
        json_object_set_new(d, "xl", x);
    }
    json_object_set_new(d, "after_end", json_string(trailer_name(s->trailer)));
    json_object_set_new(d, "after_end_bytes",
                        json_integer((json_int_t)s->trailer_bytes));
    json_object_set_new(d, "restores_on", restores_on_json(rc, s));
    json_object_set_new(d, "bytes", json_integer((json_int_t)s->bytes_in));
    return d;
}

static void print_counts(const char *label, const json_t *o)
{
    const char *k;
    json_t *v;
    size_t i = 0;
    printf("%-13s", label);
    json_object_foreach((json_t *)o, k, v)
        printf("%s%s %lld", i++ ? ", " : "", k,
               (long long)json_integer_value(v));
    printf("%s\n", i ? "" : "none");
}

/* N of "4.N" (made by restores_on_json()). */
static unsigned long minor_of(const json_t *v)
{
    const char *s = json_string_value(v);
    return s && strlen(s) > 2 ? strtoul(s + 2, NULL, 10) : 0;
}

/* "4.6, 4.9-4.13" from an array of consecutive-or-not "4.N". */
static void print_releases(const json_t *a)
{
    size_t n = json_array_size(a);
    for (size_t i = 0; i < n;) {
        size_t k = i;
        unsigned long first = minor_of(json_array_get(a, i)), last = first;
        while (k + 1 < n) {
            unsigned long next = minor_of(json_array_get(a, k + 1));
            if (next != last + 1)
                break;
            last = next;
            k++;
        }
        printf("%s4.%lu", i ? ", " : "", first);
        if (last != first)
            printf("-4.%lu", last);
        i = k + 1;
    }
}

static void print_restores_on(const json_t *o)
{
    const json_t *as_is = json_object_get(o, "as_is");
    const json_t *conv = json_object_get(o, "after_convert");
    printf("%-13s", "restores on:");
    if (!json_array_size(as_is) && !json_array_size(conv)) {
        printf("no Xen release (4.%u-4.%u checked)\n", XS_RELEASE_FIRST,
               XS_RELEASE_LAST);
        return;
    }
    if (json_array_size(as_is)) {
        printf("Xen ");
        print_releases(as_is);
        printf(" as it is");
    }
    if (json_array_size(conv)) {
        printf("%sXen ", json_array_size(as_is) ? "; " : "");
        print_releases(conv);
        printf(" after %s",
               json_string_value(json_object_get(o, "convert_with")));
    }
    printf("\n");
}

static void print_text(const json_t *d, const struct xs_summary *s)
{
    printf("%-13s%s\n", "file:", json_string_value(json_object_get(d, "file")));
    printf("%-13s%s\n", "layers:", s->layers);
    printf("%-13slibxc v%u (%s)\n", "format:", s->version,
           version_era(s->version));
    printf("%-13sXen %u.%u\n", "saved by:", s->xen_major, s->xen_minor);
    if (s->guest == XS_GUEST_X86_PV && s->pv_width)
        printf("%-13sx86 PV, %u-bit (%u page-table levels)\n", "guest:",
               s->pv_width * 8, s->pv_levels);
    else
        printf("%-13s%s\n", "guest:", xs_libxc_guest_name(s->guest));
    printf("%-13s%lld bytes\n", "page size:",
           (long long)json_integer_value(json_object_get(d, "page_size")));
    printf("%-13s%u\n", "vcpus:", s->vcpus);
    printf("%-13s%.1f MiB of page data (%llu pages), highest pfn 0x%llx\n",
           "memory:", (double)s->pages * 4096 / (1 << 20),
           (unsigned long long)s->pages, (unsigned long long)s->max_pfn);
    print_counts("pages:", json_object_get(d, "page_types"));
    print_counts("records:", json_object_get(d, "libxc_records"));
    if (json_object_get(d, "libxl_records")) {
        print_counts("libxl:", json_object_get(d, "libxl_records"));
        if (s->libxl_legacy)
            printf("%-13sconverted from a legacy stream "
                   "(convert-legacy-stream)\n", "");
    }
    printf("%-13s%u%s\n", "checkpoints:", s->checkpoints,
           s->unterminated ? " (capture ends after a checkpoint, no END)"
                           : "");
    if (s->xl) {
        if (s->have_config) {
            printf("%-13sname %s, type %s", "xl config:",
                   s->cfg_name[0] ? s->cfg_name : "?",
                   s->cfg_type[0] ? s->cfg_type : "?");
            if (s->cfg_memory_mib >= 0)
                printf(", memory %lld MiB", (long long)s->cfg_memory_mib);
            if (s->cfg_vcpus >= 0)
                printf(", vcpus %lld", (long long)s->cfg_vcpus);
            printf(" (%s, %u bytes)\n", s->config_json ? "JSON" : "text",
                   s->config_bytes);
        } else {
            printf("%-13snone in the file\n", "xl config:");
        }
    }
    printf("%-13s%s", "after END:", trailer_name(s->trailer));
    if (s->trailer_bytes)
        printf(" (%llu bytes)", (unsigned long long)s->trailer_bytes);
    printf("\n");
    print_restores_on(json_object_get(d, "restores_on"));
    if (json_object_get(d, "digest"))
        printf("%-13sXXH3-128 %s (content)\n", "digest:",
               json_string_value(json_object_get(d, "digest")));
}

static int run_info(int argc, char **argv)
{
    static const struct option opts[] = {
        {"json", no_argument, NULL, 'j'},
        {"digest", no_argument, NULL, 'd'},
        {"help", no_argument, NULL, 'h'},
        XS_PROGRESS_LONGOPTS,
        {NULL, 0, NULL, 0},
    };
    bool json = false, digest = false;
    struct xs_progress_opts po = XS_PROGRESS_DEFAULT;
    struct xs_digest dg;
    int c;

    opterr = 0;
    optind = 1;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (c) {
        case 'j':
            json = true;
            break;
        case 'd':
            digest = true;
            break;
        XS_PROGRESS_CASES(po);
        case 'h':
            xs_print_help(&xs_cmd_info);
            return XS_OK;
        default:
            return xs_usage_error(&xs_cmd_info, "unknown or incomplete "
                                  "option '%s'", argv[optind - 1]);
        }
    }
    struct xs_report rep;
    struct xs_summary sum;
    struct xs_in *in;
    memset(&sum, 0, sizeof(sum));
    int rc = xs_cli_one_input(&xs_cmd_info, argc, argv, &rep, &in);
    if (rc == XS_USAGE)
        return rc;
    if (rc == XS_OK) {
        xs_cli_progress(in, &po, &rep);
        rc = digest ? xs_digest(in, &rep, &sum, &dg)
                    : xs_verify(in, &rep, &sum);
        xs_cli_close(in);
    }
    if (rc != XS_IO) {
        json_t *d = info_json(rep.file, rc, &rep, &sum);
        if (digest && rc == XS_OK) {
            char hex[33];
            xs_hex(dg.content, 16, hex);
            json_object_set_new(d, "digest", json_string(hex));
        }
        if (json) {
            json_dumpf(d, stdout, JSON_INDENT(2) | JSON_ENSURE_ASCII);
            fputc('\n', stdout);
        } else {
            print_text(d, &sum);
        }
        json_decref(d);
    }
    xs_report_free(&rep);
    return rc;
}
