/* xenstream dump: every header and record of every layer, decoded. */
#include <getopt.h>
#include <jansson.h>
#include <string.h>

#include "common.h"

static int run_dump(int argc, char **argv);

const struct xs_command xs_cmd_dump = {
    .name = "dump",
    .run = run_dump,
    .summary = "list every header and record of every layer, decoded",
    .usage =
        "usage: xenstream dump [--json] [--pages] [--zero-pages] [IN]\n"
        "\n"
        "List every header and record of every layer of IN in input order:\n"
        "offset, layer, type, length and the decoded fields (PV info, p2m\n"
        "range, pfn ranges and page types of PAGE_DATA, vCPU ids, TSC, HVM\n"
        "params by name, HVM context descriptors, CPUID leaves and MSRs,\n"
        "emulator ids and xenstore keys, container headers).  Runs of\n"
        "PAGE_DATA records are folded into one line unless --pages is\n"
        "given.  Faults are reported on standard error as by verify; the\n"
        "exit status is verify's.  No IN: standard input (a terminal is\n"
        "refused).  xl's migration handshake after END is named in the\n"
        "listing (handshake=xl-migrate), not as a note.  The last line says\n"
        "what 'xenstream export' would write: the pfns with data, each once,\n"
        "and the size of a raw export.\n"
        "\n"
        "  --json         one JSON document: {\"file\", \"records\": [...]}\n"
        "  --pages        one line per PAGE_DATA record\n"
        "  --zero-pages   also count the exported pages that are all zero\n"
        "                 (a regular uncompressed file: reads every page)\n"
        "  -h, --help     show this help\n",
};

/* ---- one entry: offset, layer, type, length, fields ---------------- */

struct dump {
    bool json, pages, zero;
    bool handshake;           /* the bytes after END are xl's handshake */
    const char *file;         /* --json: its head is printed with the
                                 first entry (none for a non-image) */
    xs_finding_fn sink;       /* the report's own, dump_sink() forwards */
    unsigned n;               /* entries printed */
    /* what an export would hold: the pfns that carried data */
    struct xs_pfn_set *pfns;
    uint64_t max_pfn;
    /* a run of PAGE_DATA records being folded (the last fields: cleared
     * from here on) */
    unsigned fold_records;
    uint64_t fold_at, fold_len, fold_pfns, fold_data, fold_lo, fold_hi;
    uint64_t fold_types[16];
};

static void intf(json_t *f, const char *k, uint64_t v)
{
    json_object_set_new(f, k, json_integer((json_int_t)v));
}

/* The fields of a header or record (xs_describe_*()), built as the JSON
 * object that both outputs print: nested lists and maps on a stack. */
#define FIELDS_DEPTH 8
struct fields {
    json_t *stack[FIELDS_DEPTH];
    unsigned depth; /* stack[depth - 1] takes the next field */
    unsigned lost;  /* containers opened beyond FIELDS_DEPTH (dropped) */
    bool text;      /* for the text output: bytes kept as they are (its
                       xs_text_write() escapes them, 5.6), never dumped */
};

static void on_field(void *ctx, const struct xs_field *f)
{
    struct fields *b = ctx;
    json_t *v = NULL;
    if (f->kind == XS_FIELD_END) {
        if (b->lost)
            b->lost--;
        else if (b->depth > 1)
            b->depth--;
        return;
    }
    if (b->lost) {
        b->lost += f->kind == XS_FIELD_LIST || f->kind == XS_FIELD_MAP;
        return;
    }
    switch (f->kind) {
    case XS_FIELD_INT:
        v = json_integer((json_int_t)f->u);
        break;
    case XS_FIELD_HEX:
        v = json_sprintf("0x%llx", (unsigned long long)f->u);
        break;
    case XS_FIELD_TEXT:
        v = json_stringn(f->s, f->n);
        break;
    case XS_FIELD_BYTES:
        v = b->text ? json_stringn_nocheck(f->s, f->n)
                    : xs_json_textn(f->s, f->n);
        break;
    case XS_FIELD_TRUE:
        v = json_true();
        break;
    case XS_FIELD_LIST:
        v = json_array();
        break;
    case XS_FIELD_MAP:
        v = json_object();
        break;
    case XS_FIELD_END:
        break;
    }
    json_t *top = b->stack[b->depth - 1];
    if (json_is_array(top))
        json_array_append_new(top, v);
    else
        json_object_set_new(top, f->name ? f->name : "", v);
    if (f->kind == XS_FIELD_LIST || f->kind == XS_FIELD_MAP) {
        if (b->depth < FIELDS_DEPTH)
            b->stack[b->depth++] = v;
        else
            b->lost++;
    }
}

static json_t *record_fields(const char *layer, const struct xs_record *r,
                             bool text)
{
    struct fields b = {.stack = {json_object()}, .depth = 1, .text = text};
    xs_describe_record(layer, r, on_field, &b);
    return b.stack[0];
}

/* Recursive over the JSON that dump itself builds: two levels deep. */
static void text_value(const json_t *v, FILE *fp) // NOLINT(misc-no-recursion)
{
    if (json_is_string(v)) {
        /* a xenstore key, from the image: any bytes */
        xs_text_write(fp, json_string_value(v), json_string_length(v));
    } else if (json_is_integer(v)) {
        fprintf(fp, "%lld", (long long)json_integer_value(v));
    } else if (json_is_array(v)) {
        size_t i;
        json_t *e;
        json_array_foreach(v, i, e) {
            if (i)
                fputs(" ", fp);
            text_value(e, fp);
        }
    } else if (json_is_object(v)) {
        const char *k;
        json_t *e;
        int i = 0;
        json_object_foreach((json_t *)v, k, e) {
            /* cppcheck-suppress knownConditionTrueFalse */
            xs_text_printf(fp, "%s%s:", i++ ? " " : "", k);
            text_value(e, fp);
        }
    }
}

/* The head of the --json document, "file" (and "file_bytes") as every
 * command writes them; the records stream after it. */
static void json_head(const char *file)
{
    json_t *head = json_object();
    const char *k;
    json_t *val;
    xs_json_set_name(head, "file", file);
    fputs("{", stdout);
    json_object_foreach(head, k, val) {
        fprintf(stdout, "\"%s\": ", k);
        json_dumpf(val, stdout, JSON_ENCODE_ANY | JSON_ENSURE_ASCII);
        fputs(", ", stdout);
    }
    fputs("\"records\": [", stdout);
    json_decref(head);
}

static void emit(struct dump *d, uint64_t at, const char *layer,
                 const char *type, uint64_t length, json_t *fields)
{
    if (d->json) {
        if (!d->n)
            json_head(d->file);
        json_t *e = json_object();
        intf(e, "offset", at);
        json_object_set_new(e, "layer", json_string(layer));
        json_object_set_new(e, "type", json_string(type));
        intf(e, "length", length);
        json_object_set_new(e, "fields", fields);
        fputs(d->n ? ",\n" : "\n", stdout);
        json_dumpf(e, stdout, JSON_COMPACT | JSON_ENSURE_ASCII);
        json_decref(e);
    } else {
        xs_cli_printf("0x%010llx  %-9s %-26s %10llu", (unsigned long long)at,
                      layer, type, (unsigned long long)length);
        const char *k;
        json_t *v;
        json_object_foreach(fields, k, v) {
            xs_cli_printf("  %s=", k);
            text_value(v, stdout);
        }
        putchar('\n');
        json_decref(fields);
    }
    d->n++;
    /* a reader gone away (| head): the walk is not worth finishing */
    xs_cli_stdout_check();
}

static json_t *types_json(const uint64_t types[16])
{
    json_t *o = json_object();
    for (unsigned t = 0; t < 16; t++)
        if (types[t])
            intf(o, xs_page_type_name(t) ? xs_page_type_name(t) : "unknown",
                 types[t]);
    return o;
}

static void fold_flush(struct dump *d)
{
    if (!d->fold_records)
        return;
    json_t *f = json_object();
    intf(f, "records", d->fold_records);
    intf(f, "pfns", d->fold_pfns);
    intf(f, "pages", d->fold_data);
    json_object_set_new(f, "range",
                        json_sprintf("0x%llx-0x%llx",
                                     (unsigned long long)d->fold_lo,
                                     (unsigned long long)d->fold_hi));
    json_object_set_new(f, "types", types_json(d->fold_types));
    emit(d, d->fold_at, "libxc", "PAGE_DATA", d->fold_len, f);
    memset(&d->fold_records, 0,
           sizeof(*d) - offsetof(struct dump, fold_records));
}

/* ---- records ---------------------------------------------------- */

/* A PAGE_DATA record joins the run being folded. */
static void fold_add(struct dump *d, const struct xs_record *r,
                     const struct xs_page_counts *c)
{
    if (!d->fold_records++)
        d->fold_at = r->offset, d->fold_lo = UINT64_MAX;
    d->fold_len += r->length;
    d->fold_pfns += c->pfns;
    d->fold_data += c->pages;
    d->fold_lo = c->lo < d->fold_lo ? c->lo : d->fold_lo;
    d->fold_hi = c->hi > d->fold_hi ? c->hi : d->fold_hi;
    for (unsigned t = 0; t < 16; t++)
        d->fold_types[t] += c->types[t];
}

static void data_pfns(void *ctx, uint64_t pfn, uint32_t n, unsigned type)
{
    struct dump *d = ctx;
    if (!xs_page_type_has_data(type))
        return;
    if (d->pfns)
        xs_pfn_set_add(d->pfns, pfn, pfn + n - 1);
    if (pfn + n - 1 > d->max_pfn)
        d->max_pfn = pfn + n - 1;
}

static void on_record(void *ctx, const char *layer, const struct xs_record *r)
{
    struct dump *d = ctx;
    char nb[32];
    struct xs_page_counts c;
    if (strcmp(layer, "libxc") == 0)
        xs_page_data_runs(r, data_pfns, d);
    if (!d->pages && xs_page_data_counts(layer, r, &c)) {
        fold_add(d, r, &c);
        return;
    }
    fold_flush(d);
    emit(d, r->offset, layer, xs_record_type_name(layer, r->type, nb),
         r->length, record_fields(layer, r, !d->json));
}

/* ---- headers --------------------------------------------------------- */

static void on_header(void *ctx, const char *layer, uint64_t at,
                      const uint8_t *p, uint64_t n)
{
    struct dump *d = ctx;
    struct fields b = {.stack = {json_object()}, .depth = 1, .text = !d->json};
    const char *shown;
    uint64_t length;
    fold_flush(d);
    const char *type =
        xs_describe_header(layer, p, n, on_field, &b, &shown, &length);
    if (d->handshake && strcmp(layer, "after END") == 0)
        json_object_set_new(b.stack[0], "handshake",
                            json_string("xl-migrate"));
    emit(d, at, shown, type, length, b.stack[0]);
}

/* xl's handshake after END is a note for verify; dump lists it as what
 * the trailer is (the note comes just before the "after END" header). */
static void dump_sink(const struct xs_report *rep, const struct xs_finding *f,
                      void *ctx)
{
    struct dump *d = ctx;
    if (f->sev == XS_SEV_NOTE && strcmp(f->rule, "trailing.xl_migrate") == 0)
        d->handshake = true;
    else if (d->sink)
        d->sink(rep, f, NULL);
}

static int run_dump(int argc, char **argv)
{
    static const struct option opts[] = {
        {"json", no_argument, NULL, 'j'},
        {"pages", no_argument, NULL, 'p'},
        {"zero-pages", no_argument, NULL, 'Z'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    struct dump d = {0};
    int c;

    opterr = 0;
    optind = 1;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (c) {
        case 'j':
            d.json = true;
            break;
        case 'p':
            d.pages = true;
            break;
        case 'Z':
            d.zero = true;
            break;
        case 'h':
            xs_print_help(&xs_cmd_dump);
            return XS_OK;
        default:
            return xs_usage_error(&xs_cmd_dump, "unknown or incomplete "
                                  "option '%s'", argv[optind - 1]);
        }
    }
    struct xs_report rep;
    struct xs_in *in;
    int rc = xs_cli_one_input(&xs_cmd_dump, argc, argv, &rep, &in);
    if (rc == XS_USAGE) {
        xs_report_free(&rep);
        return rc;
    }
    if (rc == XS_OK) {
        struct xs_visitor v = {.header = on_header, .record = on_record,
                               .ctx = &d};
        d.sink = rep.sink;
        d.file = rep.file;
        rep.sink = dump_sink;
        rep.sink_ctx = &d;
        d.pfns = xs_pfn_set_new(1u << 16);
        rc = xs_walk(in, &rep, NULL, &v);
        fold_flush(&d);
        /* what export would write: each pfn with data once (a page sent
         * again replaces its copy), the raw file up to the highest */
        uint64_t np = 0, zero = 0;
        bool counted = d.pfns && xs_pfn_set_count(d.pfns, &np);
        bool zeros = false;
        if (d.zero && rc == XS_OK && xs_in_seekable(in) &&
            xs_in_rewind(in) == XS_OK) {
            /* the final pages by offset, as export reads them (a second
             * walk, quiet: its findings were said) */
            struct xs_memory *m = NULL;
            struct xs_memory_opts mo = {0};
            rep.quiet = true;
            if (xs_memory_read(in, &rep, NULL, &mo, &m) == XS_OK) {
                int z = xs_memory_zero_pages(m, &zero);
                zeros = z == XS_OK;
                if (z == XS_INVALID) /* the input changed meanwhile */
                    rc = z;
            }
            xs_memory_free(m);
        }
        if (d.json && d.n) {
            printf("\n], \"export\": {\"pfns\": ");
            if (counted)
                printf("%llu, \"bytes\": %llu", (unsigned long long)np,
                       (unsigned long long)np * 4096);
            else
                printf("null, \"bytes\": null"); /* the same keys */
            uint64_t raw = 0;
            if (!np || xs_raw_size(d.max_pfn, &raw))
                printf(", \"raw_size\": %llu", (unsigned long long)raw);
            else
                printf(", \"raw_size\": null");
            if (zeros)
                printf(", \"zero_pages\": %llu", (unsigned long long)zero);
            printf("}");
            printf(", \"valid\": %s}\n", rc == XS_OK ? "true" : "false");
        } else if (!d.json && d.n && counted) {
            uint64_t raw = 0;
            xs_cli_printf("export: %llu pfns with data (%.1f MiB in an elf "
                          "export); raw: ",
                          (unsigned long long)np, (double)np / 256);
            if (!np || xs_raw_size(d.max_pfn, &raw))
                xs_cli_printf("a %.1f MiB file", (double)raw / (1 << 20));
            else
                xs_cli_printf(XS_RAW_TOO_LARGE);
            if (zeros)
                xs_cli_printf(", %llu zero pages", (unsigned long long)zero);
            xs_cli_printf("\n");
        } else if (!d.json && d.n) {
            /* the pfn set stops counting past its bound */
            xs_cli_printf("export: not counted here (more than %u runs of "
                          "pfns; info counts them)\n", 1u << 16);
        }
        xs_pfn_set_free(d.pfns);
        if (d.json && !d.n) /* not an image: the error, no listing */
            xs_json_print(xs_json_failure(rep.file, rc, &rep), false);
        xs_in_close(in);
    }
    xs_report_free(&rep);
    return rc;
}
