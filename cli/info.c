/* xenstream info: what is inside an image, for a person (or --json). */
#include <getopt.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "common.h"

static int run_info(int argc, char **argv);

const struct xs_command xs_cmd_info = {
    .name = "info",
    .run = run_info,
    .summary = "show what an image holds: layers, guest, memory, records",
    .usage =
        "usage: xenstream info [--json] [--digest] [--zero-pages] [-q] [IN]\n"
        "\n"
        "Read IN (any container, any version, gzip or not) and show the\n"
        "layers found, the libxc version and the Xen that saved it, the\n"
        "guest type, width, vCPUs and memory, pages by type, records by\n"
        "type, checkpoints, the domain config of an xl file, and what\n"
        "follows the stream, and which Xen releases restore it (as it is, or\n"
        "after 'convert --to-xen X.Y').  Faults are reported on standard\n"
        "error as by verify; the exit status is verify's.  An input that is\n"
        "not an image gets the error and no report; of a truncated stream,\n"
        "only what was read is shown.  No IN: standard input (a terminal is\n"
        "refused).\n"
        "\n"
        "Memory counts each pfn once, however often a live migration sent\n"
        "it; the transmissions are shown beside.\n"
        "\n"
        "  --json         one JSON document on standard output\n"
        "  -q, --quiet    no notes on standard error\n"
        "  --digest       also the content digest (as 'xenstream digest'):\n"
        "                 reads every page\n"
        "  --zero-pages   also count the pages an export holds that are all\n"
        "                 zero (a raw export's holes): reads every page\n"
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
            json_object_set_new(o, xs_page_type_name(t) ? xs_page_type_name(t)
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
                                t + 1 < XS_SUM_LIBXC_TYPES
                                    ? xs_record_type_name("libxc", t, nb)
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
                                t + 1 < XS_SUM_LIBXL_TYPES
                                    ? xs_record_type_name("libxl", t, nb)
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

/* Which releases restore the stream, as it is or as convert --to-xen
 * writes it: arrays of "4.N" (none for an invalid stream); of the second,
 * those that need --drop-cpu-policy again in a third; and "4.N.P" where
 * 4.N.0 does not restore it as it is but its stable releases from 4.N.P
 * do (they raised the CPU policy limits). */
static json_t *restores_on_json(int rc, const struct xs_summary *s)
{
    json_t *o = json_object(), *as_is = json_array(), *conv = json_array(),
           *drop = json_array(), *from = json_array();
    for (unsigned m = XS_RELEASE_FIRST; rc == XS_OK && m <= XS_RELEASE_LAST;
         m++) {
        struct xs_release rel;
        xs_release_get(m, &rel);
        const char *f = xs_release_remedy(&rel, s);
        if (f && !*f)
            json_array_append_new(as_is, json_sprintf("4.%u", m));
        else if (f) {
            json_array_append_new(conv, json_sprintf("4.%u", m));
            if (strstr(f, "--drop-cpu-policy"))
                json_array_append_new(drop, json_sprintf("4.%u", m));
        }
        rel.patch = s->policy_patch[m]; /* 4.m.0 refuses, 4.m.P may not */
        if (!(f && !*f) && rel.patch && rel.patch != XS_PATCH_NONE &&
            xs_release_restores(&rel, s, XS_AS_IS))
            json_array_append_new(from, json_sprintf("4.%u.%u", m,
                                                     rel.patch));
    }
    json_object_set_new(o, "as_is", as_is);
    json_object_set_new(o, "as_is_from", from);
    json_object_set_new(o, "after_convert", conv);
    json_object_set_new(o, "drop_cpu_policy", drop);
    return o;
}

/* ---- what the walk learns beside the summary ---- */

/* The pfns that carried data, as runs (xs_pfn_set): a save sends memory
 * in ascending runs and a live migration's later rounds re-send pfns
 * inside them, so a real image needs few runs.  At most MAX_RUNS: past
 * that the count is given up ("unknown"), so that memory stays bounded
 * for any input. */
#define MAX_RUNS (1u << 16)

struct walk {
    struct xs_pfn_set *pfns; /* NULL: out of memory, not counted */
    bool walked;         /* the visitor saw the whole read */
    bool libxc_end, libxl_end;
    json_t *policy;      /* the CPU policy records' facts, as describers
                            give them; NULL: none seen */
    bool in_features;    /* within a describer's "features" list */
    /* the vendor's bytes as the image has them: the text output escapes
     * them (docs/behaviour.md 5.6), the JSON cleans them */
    char vendor[12];
    size_t vendor_n;
    /* what export would write (a regular file: read again by offset) */
    bool have_export, zero_counted;
    struct xs_memory_info mi;
    uint64_t zero_pages;
};

/* A CPU policy record's fields (formats/libxc.c's describer): the vendor,
 * the highest leaves, and the features by Xen's names. */
static void policy_field(void *ctx, const struct xs_field *f)
{
    struct walk *w = ctx;
    json_t *p = w->policy;
    if (f->kind == XS_FIELD_LIST) {
        w->in_features = strcmp(f->name, "features") == 0;
    } else if (f->kind == XS_FIELD_END) {
        w->in_features = false;
    } else if (w->in_features && f->kind == XS_FIELD_TEXT) {
        json_array_append_new(json_object_get(p, "features"),
                              json_stringn(f->s, f->n));
    } else if (f->name && strcmp(f->name, "vendor") == 0) {
        json_object_set_new(p, "vendor", xs_json_textn(f->s, f->n));
        w->vendor_n = f->n < sizeof(w->vendor) ? f->n : sizeof(w->vendor);
        memcpy(w->vendor, f->s, w->vendor_n);
    } else if (f->name && (strcmp(f->name, "max_leaf") == 0 ||
                           strcmp(f->name, "max_ext_leaf") == 0)) {
        json_object_set_new(p, f->name, json_integer((json_int_t)f->u));
    }
}

static void walk_pfns(void *ctx, uint64_t pfn, uint32_t n, unsigned type)
{
    struct walk *w = ctx;
    if (w->pfns && xs_page_type_has_data(type))
        xs_pfn_set_add(w->pfns, pfn, pfn + n - 1);
}

static void walk_record(void *ctx, const char *layer, const struct xs_record *r)
{
    struct walk *w = ctx;
    if (strcmp(layer, "libxl") == 0) {
        w->libxl_end |= r->type == XS_RECORD_END;
        return;
    }
    w->libxc_end |= r->type == XS_RECORD_END;
    xs_page_data_runs(r, walk_pfns, w);
    char nb[32];
    const char *name = xs_record_type_name(layer, r->type, nb);
    if (strcmp(name, "X86_CPUID_POLICY") == 0 ||
        strcmp(name, "X86_MSR_POLICY") == 0) {
        if (!w->policy) {
            w->policy = json_object();
            json_object_set_new(w->policy, "features", json_array());
        }
        xs_describe_record(layer, r, policy_field, w);
    }
}

/* Whether the stream was read to its (outermost) END: only then are the
 * counts whole and "after END" a fact. */
static bool complete(int rc, const struct walk *w, const struct xs_report *rep,
                     const struct xs_summary *s)
{
    if (rc == XS_OK)
        return true;
    if (!w->walked)
        return false;
    for (size_t i = 0; i < rep->nkept; i++) {
        const char *r = rep->kept[i].rule;
        size_t n = strlen(r);
        if (n >= 10 && strcmp(r + n - 10, ".truncated") == 0)
            return false;
    }
    return s->libxl ? w->libxl_end : w->libxc_end;
}

/* Distinct pfns with data, or -1 when not counted. */
static int64_t distinct_pages(const struct walk *w)
{
    uint64_t n;
    return w->walked && w->pfns && xs_pfn_set_count(w->pfns, &n) ? (int64_t)n
                                                                 : -1;
}

static json_t *info_json(const char *file, int rc, const struct xs_report *rep,
                         const struct xs_summary *s, const struct walk *w)
{
    json_t *d = json_object();
    bool whole = complete(rc, w, rep, s);
    int64_t distinct = distinct_pages(w);
    xs_json_set_name(d, "file", file);
    json_object_set_new(d, "valid", json_boolean(rc == XS_OK));
    json_object_set_new(d, "errors", json_integer(rep->errors));
    json_object_set_new(d, "warnings", json_integer(rep->warnings));
    json_object_set_new(d, "layers", json_string(s->layers));
    json_object_set_new(d, "complete", json_boolean(whole));
    if (s->version) { /* the libxc headers were read */
        json_object_set_new(d, "libxc_version", json_integer(s->version));
        json_object_set_new(d, "saved_by_xen",
                            json_sprintf("%u.%u", s->xen_major, s->xen_minor));
        json_object_set_new(d, "guest", json_string(xs_guest_name(s->guest)));
        if (s->guest == XS_GUEST_X86_PV && s->pv_width)
            json_object_set_new(d, "guest_width_bits",
                                json_integer((json_int_t)s->pv_width * 8));
        json_object_set_new(d, "page_size",
                            json_integer(s->page_shift < 32 ? (json_int_t)1 << s->page_shift
                                                            : 0));
        /* of a truncated stream the vCPU records seen are not all: the
         * config's count, or nothing */
        json_object_set_new(d, "vcpus",
                            whole ? json_integer(s->vcpus)
                            : s->have_config && s->cfg_vcpus >= 0
                                ? json_integer(s->cfg_vcpus)
                                : json_null());
        if (!whole)
            json_object_set_new(d, "vcpus_from",
                                json_string(s->have_config && s->cfg_vcpus >= 0
                                                ? "xl config"
                                                : "unknown"));
        /* a pfn sent twice (a live migration's later rounds) is one page */
        json_object_set_new(d, "pages_with_data",
                            distinct >= 0 ? json_integer(distinct) : json_null());
        json_object_set_new(d, "page_transmissions",
                            json_integer((json_int_t)s->pages));
        json_object_set_new(d, "memory_bytes",
                            distinct >= 0 ? json_integer(distinct * 4096)
                                          : json_null());
        json_object_set_new(d, "max_pfn", json_integer((json_int_t)s->max_pfn));
        json_t *x = json_object();
        if (w->have_export) {
            const struct xs_memory_info *mi = &w->mi;
            json_object_set_new(x, "pfns", json_integer((json_int_t)mi->pfns));
            json_object_set_new(x, "runs", json_integer((json_int_t)mi->runs));
            uint64_t bytes = mi->pfns * 4096;
            uint64_t raw = 0;
            bool fits = !mi->pfns || xs_raw_size(mi->max_pfn, &raw);
            json_object_set_new(x, "bytes", json_integer((json_int_t)bytes));
            json_object_set_new(x, "xc_core_pages",
                                json_integer((json_int_t)mi->xc_core_pages));
            json_object_set_new(x, "raw_size", fits ? json_integer((json_int_t)raw)
                                                    : json_null());
            json_object_set_new(x, "vcpus", json_integer(mi->vcpus));
            if (w->zero_counted)
                json_object_set_new(x, "zero_pages",
                                    json_integer((json_int_t)w->zero_pages));
        } else {
            json_object_set_new(x, "pfns", distinct >= 0 ? json_integer(distinct)
                                                         : json_null());
        }
        json_object_set_new(d, "export", x);
        json_object_set_new(d, "page_types", page_types_json(s));
        json_object_set_new(d, "libxc_records", libxc_records_json(s));
    }
    if (s->libxl) {
        json_object_set_new(d, "libxl_records", libxl_records_json(s));
        json_object_set_new(d, "libxl_legacy", json_boolean(s->libxl_legacy));
    }
    json_object_set_new(d, "checkpoints", json_integer(s->checkpoints));
    if (s->version)
        json_object_set_new(d, "cpu_policy",
                            w->policy ? json_incref(w->policy) : json_null());
    if (whole)
        json_object_set_new(d, "ends_without_end",
                            json_boolean(s->unterminated));
    if (s->xl) {
        json_t *x = json_object();
        json_object_set_new(x, "mandatory_flags", json_integer(s->xl_mandatory));
        json_object_set_new(x, "optional_flags", json_integer(s->xl_optional));
        if (s->have_config) {
            json_object_set_new(x, "config_format",
                                json_string(s->config_json ? "json" : "text"));
            json_object_set_new(x, "config_bytes", json_integer(s->config_bytes));
            /* from the image's config: any bytes */
            json_object_set_new(x, "name", xs_json_text(s->cfg_name));
            json_object_set_new(x, "type", xs_json_text(s->cfg_type));
            if (s->cfg_memory_mib >= 0)
                json_object_set_new(x, "memory_mib",
                                    json_integer(s->cfg_memory_mib));
            if (s->cfg_vcpus >= 0)
                json_object_set_new(x, "vcpus", json_integer(s->cfg_vcpus));
        }
        json_object_set_new(d, "xl", x);
    }
    if (whole) { /* else END was never reached */
        json_object_set_new(d, "after_end",
                            json_string(trailer_name(s->trailer)));
        json_object_set_new(d, "after_end_bytes",
                            json_integer((json_int_t)s->trailer_bytes));
    }
    json_object_set_new(d, "restores_on", restores_on_json(rc, s));
    json_object_set_new(d, "bytes", json_integer((json_int_t)s->bytes_in));
    return d;
}

static void print_counts(const char *label, const json_t *o)
{
    const char *k;
    json_t *v;
    size_t i = 0;
    xs_cli_printf("%-13s", label);
    json_object_foreach((json_t *)o, k, v)
        xs_cli_printf("%s%s %lld", i++ ? ", " : "", k,
               (long long)json_integer_value(v));
    xs_cli_printf("%s\n", i ? "" : "none");
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
        xs_cli_printf("%s4.%lu", i ? ", " : "", first);
        if (last != first)
            xs_cli_printf("-4.%lu", last);
        i = k + 1;
    }
}

/* The releases of conv that are (drop) or are not (!drop) in drops. */
static json_t *releases_split(const json_t *conv, const json_t *drops,
                              bool drop)
{
    json_t *a = json_array();
    size_t i, j;
    json_t *v, *w;
    json_array_foreach(conv, i, v) {
        bool in = false;
        json_array_foreach(drops, j, w)
            in = in || json_equal(v, w);
        if (in == drop)
            json_array_append(a, v);
    }
    return a;
}

static void print_restores_on(const json_t *o)
{
    const json_t *as_is = json_object_get(o, "as_is");
    const json_t *conv = json_object_get(o, "after_convert");
    const json_t *drops = json_object_get(o, "drop_cpu_policy");
    xs_cli_printf("%-13s", "restores on:");
    if (!json_array_size(as_is) && !json_array_size(conv)) {
        xs_cli_printf("no Xen release (4.%u-4.%u checked)\n", XS_RELEASE_FIRST,
               XS_RELEASE_LAST);
        return;
    }
    const char *sep = "";
    if (json_array_size(as_is)) {
        xs_cli_printf("Xen ");
        print_releases(as_is);
        xs_cli_printf(" as it is");
        sep = "; ";
    }
    /* "4.14 from 4.14.1": a stable release took what its .0 refuses */
    const json_t *from = json_object_get(o, "as_is_from");
    size_t i;
    const json_t *v;
    json_array_foreach(from, i, v) {
        const char *r = json_string_value(v); /* "4.N.P" */
        const char *dot = r ? strrchr(r, '.') : NULL;
        if (!dot)
            continue;
        xs_cli_printf("%s%.*s from %s", *sep ? ", " : "Xen ",
                      (int)(dot - r), r, r);
        sep = "; ";
    }
    for (int drop = 0; drop < 2; drop++) {
        json_t *a = releases_split(conv, drops, drop);
        if (json_array_size(a)) {
            xs_cli_printf("%sXen ", sep);
            print_releases(a);
            xs_cli_printf(" after xenstream convert --to-xen X.Y%s",
                          drop ? " --drop-cpu-policy" : "");
            sep = "; ";
        }
        json_decref(a);
    }
    xs_cli_printf("\n");
}

/* What export would write: pfns, runs, sizes, zero pages. */
static void print_export(const json_t *x)
{
    const json_t *p = json_object_get(x, "pfns");
    if (!json_is_integer(p))
        return;
    uint64_t n = (uint64_t)json_integer_value(p);
    xs_cli_printf("%-13s%llu pfn%s", "export:", (unsigned long long)n,
                  n == 1 ? "" : "s");
    const json_t *r = json_object_get(x, "runs");
    if (json_is_integer(r))
        xs_cli_printf(" in %lld run%s", (long long)json_integer_value(r),
                      json_integer_value(r) == 1 ? "" : "s");
    const json_t *xc = json_object_get(x, "xc_core_pages");
    uint64_t out = json_is_integer(xc) ? n - (uint64_t)json_integer_value(xc)
                                       : 0;
    if (out)
        xs_cli_printf(": %.1f MiB in an elf export, %.1f MiB in xc-core "
                      "(%llu pfn%s in the VGA or MMIO hole left out)",
                      (double)n / 256,
                      (double)json_integer_value(xc) / 256,
                      (unsigned long long)out, out == 1 ? "" : "s");
    else if (json_is_integer(xc))
        xs_cli_printf(": %.1f MiB in an elf or xc-core export", (double)n / 256);
    else
        xs_cli_printf(": %.1f MiB in an elf export", (double)n / 256);
    const json_t *raw = json_object_get(x, "raw_size");
    if (json_is_integer(raw))
        xs_cli_printf("; raw: a %.1f MiB file",
                      (double)json_integer_value(raw) / (1 << 20));
    else if (json_is_null(raw))
        xs_cli_printf("; raw: " XS_RAW_TOO_LARGE);
    const json_t *z = json_object_get(x, "zero_pages");
    if (json_is_integer(z))
        xs_cli_printf(", %lld zero pages as holes",
                      (long long)json_integer_value(z));
    xs_cli_printf("\n");
}

static void print_text(const char *file, const json_t *d,
                       const struct xs_summary *s, const struct walk *w)
{
    bool whole = json_is_true(json_object_get(d, "complete"));
    xs_cli_printf("%-13s%s\n", "file:", file);
    xs_cli_printf("%-13s%s\n", "layers:", s->layers);
    if (!whole)
        xs_cli_printf("%-13sno: the input ends before the stream's END (what "
               "follows is of the part read)\n", "complete:");
    if (s->version) { /* the libxc headers were read */
        xs_cli_printf("%-13slibxc v%u (%s)\n", "format:", s->version,
               version_era(s->version));
        xs_cli_printf("%-13sXen %u.%u\n", "saved by:", s->xen_major, s->xen_minor);
        if (s->guest == XS_GUEST_X86_PV && s->pv_width)
            xs_cli_printf("%-13sx86 PV, %u-bit (%u page-table levels)\n", "guest:",
                   s->pv_width * 8, s->pv_levels);
        else
            xs_cli_printf("%-13s%s\n", "guest:", xs_guest_name(s->guest));
        xs_cli_printf("%-13s%lld bytes\n", "page size:",
               (long long)json_integer_value(json_object_get(d, "page_size")));
        const json_t *vc = json_object_get(d, "vcpus");
        if (whole)
            xs_cli_printf("%-13s%u\n", "vcpus:", s->vcpus);
        else if (json_is_integer(vc))
            xs_cli_printf("%-13s%lld (the xl config's; the stream ends before its "
                   "vCPU records)\n", "vcpus:",
                   (long long)json_integer_value(vc));
        else
            xs_cli_printf("%-13sunknown (the stream ends before its vCPU "
                   "records)\n", "vcpus:");
        const json_t *dp = json_object_get(d, "pages_with_data");
        if (json_is_integer(dp)) {
            uint64_t n = (uint64_t)json_integer_value(dp);
            xs_cli_printf("%-13s%.1f MiB of page data (%llu pages", "memory:",
                   (double)n * 4096 / (1 << 20), (unsigned long long)n);
            if (s->pages != n)
                xs_cli_printf("; %llu sent, %llu of them again",
                       (unsigned long long)s->pages,
                       (unsigned long long)(s->pages - n));
        } else {
            xs_cli_printf("%-13s%llu pages sent (distinct pfns not counted",
                   "memory:", (unsigned long long)s->pages);
        }
        xs_cli_printf("), highest pfn 0x%llx\n", (unsigned long long)s->max_pfn);
        print_export(json_object_get(d, "export"));
        print_counts("pages:", json_object_get(d, "page_types"));
        print_counts("records:", json_object_get(d, "libxc_records"));
    }
    if (json_object_get(d, "libxl_records")) {
        print_counts("libxl:", json_object_get(d, "libxl_records"));
        if (s->libxl_legacy)
            xs_cli_printf("%-13sconverted from a legacy stream "
                   "(convert-legacy-stream)\n", "");
    }
    const json_t *pol = json_object_get(d, "cpu_policy");
    if (json_is_object(pol)) {
        const json_t *v = json_object_get(pol, "vendor");
        const json_t *ml = json_object_get(pol, "max_leaf");
        const json_t *me = json_object_get(pol, "max_ext_leaf");
        const json_t *fs = json_object_get(pol, "features");
        xs_cli_printf("%-13s", "cpu policy:");
        if (json_is_string(v))
            xs_text_write(stdout, w->vendor, w->vendor_n);
        else
            xs_cli_printf("vendor ?");
        if (ml)
            xs_cli_printf(", max leaf 0x%llx",
                          (unsigned long long)json_integer_value(ml));
        if (me)
            xs_cli_printf(", extended 0x%llx",
                          (unsigned long long)json_integer_value(me));
        xs_cli_printf(", %zu feature%s%s", json_array_size(fs),
                      json_array_size(fs) == 1 ? "" : "s",
                      json_array_size(fs) ? ":" : "");
        for (size_t i = 0; i < json_array_size(fs); i++)
            xs_cli_printf(" %s", json_string_value(json_array_get(fs, i)));
        xs_cli_printf("\n");
    } else if (pol) {
        xs_cli_printf("%-13snone (the host it is restored on derives one)\n",
                      "cpu policy:");
    }
    if (s->version)
        xs_cli_printf("%-13s%u%s\n", "checkpoints:", s->checkpoints,
               whole && s->unterminated
                   ? " (capture ends after a checkpoint, no END)"
                   : "");
    if (s->xl) {
        if (s->have_config) {
            xs_cli_printf("%-13sname %s, type %s", "xl config:",
                   s->cfg_name[0] ? s->cfg_name : "?",
                   s->cfg_type[0] ? s->cfg_type : "?");
            if (s->cfg_memory_mib >= 0)
                xs_cli_printf(", memory %lld MiB", (long long)s->cfg_memory_mib);
            if (s->cfg_vcpus >= 0)
                xs_cli_printf(", vcpus %lld", (long long)s->cfg_vcpus);
            xs_cli_printf(" (%s, %u bytes)\n", s->config_json ? "JSON" : "text",
                   s->config_bytes);
        } else {
            xs_cli_printf("%-13snone in the file\n", "xl config:");
        }
    }
    if (whole) { /* END was reached: what follows it is known */
        xs_cli_printf("%-13s%s", "after END:", trailer_name(s->trailer));
        if (s->trailer_bytes)
            xs_cli_printf(" (%llu bytes)", (unsigned long long)s->trailer_bytes);
        xs_cli_printf("\n");
    }
    print_restores_on(json_object_get(d, "restores_on"));
    if (json_object_get(d, "digest"))
        xs_cli_printf("%-13sXXH3-128 %s (content)\n", "digest:",
               json_string_value(json_object_get(d, "digest")));
}

static int run_info(int argc, char **argv)
{
    static const struct option opts[] = {
        {"json", no_argument, NULL, 'j'},
        {"digest", no_argument, NULL, 'd'},
        {"quiet", no_argument, NULL, 'q'},
        {"zero-pages", no_argument, NULL, 'Z'},
        {"help", no_argument, NULL, 'h'},
        XS_PROGRESS_LONGOPTS,
        {NULL, 0, NULL, 0},
    };
    bool json = false, digest = false, quiet = false, zero = false;
    struct xs_progress_opts po = XS_PROGRESS_DEFAULT;
    struct xs_digest dg;
    int c;

    opterr = 0;
    optind = 1;
    while ((c = getopt_long(argc, argv, "qh", opts, NULL)) != -1) {
        switch (c) {
        case 'j':
            json = true;
            break;
        case 'q':
            quiet = true;
            break;
        case 'd':
            digest = true;
            break;
        case 'Z':
            zero = true;
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
    if (quiet)
        xs_cli_notes(false);
    struct xs_report rep;
    struct xs_summary sum;
    struct xs_in *in;
    struct walk w = {0};
    memset(&sum, 0, sizeof(sum));
    int rc = xs_cli_one_input(&xs_cmd_info, argc, argv, &rep, &in);
    if (rc == XS_USAGE) {
        xs_report_free(&rep);
        return rc;
    }
    if (rc == XS_OK) {
        struct xs_visitor v = {.record = walk_record, .ctx = &w};
        w.pfns = xs_pfn_set_new(MAX_RUNS);
        xs_cli_progress(in, &po, &rep);
        /* the walk counts distinct pfns; --digest reads the input again,
         * which only a file allows (a pipe gets the digest alone) */
        bool plain = false;
        if (!digest || xs_in_seekable(in)) {
            rc = xs_walk(in, &rep, &sum, &v);
            w.walked = true;
            plain = xs_in_seekable(in); /* not through a transport */
        }
        if (rc == XS_OK && plain && xs_in_rewind(in) == XS_OK) {
            /* the pages by offset, as export finds them (a second walk
             * that seeks over them); --zero-pages reads every one */
            struct xs_memory *m = NULL;
            struct xs_memory_opts mo = {0};
            rep.quiet = true;
            if (xs_memory_read(in, &rep, NULL, &mo, &m) == XS_OK) {
                xs_memory_get_info(m, &w.mi);
                w.have_export = true;
                if (zero) {
                    int z = xs_memory_zero_pages(m, &w.zero_pages);
                    w.zero_counted = z == XS_OK;
                    if (z == XS_INVALID) /* the input changed meanwhile */
                        rc = z;
                }
            }
            xs_memory_free(m);
            rep.quiet = false;
            if (digest)
                rc = xs_in_rewind(in);
        }
        if (digest && rc == XS_OK) {
            struct xs_summary again;
            memset(&again, 0, sizeof(again));
            if (w.walked) {
                rep.quiet = true; /* its findings were said */
                rc = xs_in_rewind(in);
                if (rc == XS_OK)
                    xs_cli_progress(in, &po, &rep);
            }
            if (rc == XS_OK)
                rc = xs_digest(in, &rep, w.walked ? &again : &sum, &dg);
        }
        xs_cli_close(in);
    }
    if (rc == XS_IO || !sum.layers[0]) {
        /* not read, or not an image: the error, and no report made up
         * of zeroes (--json: one document all the same, saying why) */
        if (json)
            xs_json_print(xs_json_failure(rep.file, rc, &rep), true);
    } else {
        json_t *d = info_json(rep.file, rc, &rep, &sum, &w);
        if (digest && rc == XS_OK) {
            char hex[33];
            xs_hex(dg.content, 16, hex);
            json_object_set_new(d, "digest", json_string(hex));
        }
        if (json) {
            xs_json_print(d, true);
        } else {
            print_text(rep.file, d, &sum, &w);
            json_decref(d);
        }
    }
    xs_pfn_set_free(w.pfns);
    json_decref(w.policy);
    xs_report_free(&rep);
    return rc;
}
