/* xenstream dump: every header and record of every layer, decoded. */
#include <getopt.h>
#include <jansson.h>
#include <string.h>

#include "common.h"
#include "endian.h"
#include "libvirt.h"
#include "libxc.h"
#include "libxl.h"
#include "xenserver.h"
#include "xl.h"

static int run_dump(int argc, char **argv);

const struct xs_command xs_cmd_dump = {
    .name = "dump",
    .run = run_dump,
    .summary = "list every header and record of every layer, decoded",
    .usage =
        "usage: xenstream dump [--json] [--pages] [IN]\n"
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
        "listing (handshake=xl-migrate), not as a note.\n"
        "\n"
        "  --json         one JSON document: {\"file\", \"records\": [...]}\n"
        "  --pages        one line per PAGE_DATA record\n"
        "  -h, --help     show this help\n",
};

/* ---- one entry: offset, layer, type, length, fields ---------------- */

struct dump {
    bool json, pages;
    bool handshake;           /* the bytes after END are xl's handshake */
    const char *file;         /* --json: its head is printed with the
                                 first entry (none for a non-image) */
    xs_finding_fn sink;       /* the report's own, dump_sink() forwards */
    unsigned n;               /* entries printed */
    /* a run of PAGE_DATA records being folded */
    unsigned fold_records;
    uint64_t fold_at, fold_len, fold_pfns, fold_data, fold_lo, fold_hi;
    uint64_t fold_types[16];
};

static void hexf(json_t *f, const char *k, uint64_t v)
{
    json_object_set_new(f, k, json_sprintf("0x%llx", (unsigned long long)v));
}

static void intf(json_t *f, const char *k, uint64_t v)
{
    json_object_set_new(f, k, json_integer((json_int_t)v));
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
            intf(o, xs_pfinfo_name(t) ? xs_pfinfo_name(t) : "unknown",
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

/* ---- libxc records ------------------------------------------------ */

static void page_data(struct dump *d, const struct xs_record *r)
{
    uint32_t count = r->held >= 8 ? xs_le32(r->body) : 0;
    uint64_t types[16] = {0}, lo = UINT64_MAX, hi = 0, data = 0, n = 0;
    for (uint32_t i = 0; i < count && 16 + 8 * (uint64_t)i <= r->held; i++) {
        uint64_t e = xs_le64(r->body + 8 + 8 * (size_t)i);
        uint64_t pfn = e & XS_PFN_MASK;
        types[xs_pfn_type(e)]++;
        data += xs_pfinfo_has_data(xs_pfn_type(e));
        lo = pfn < lo ? pfn : lo;
        hi = pfn > hi ? pfn : hi;
        n++;
    }
    if (!d->pages) {
        if (!d->fold_records++)
            d->fold_at = r->offset, d->fold_lo = UINT64_MAX;
        d->fold_len += r->length;
        d->fold_pfns += n;
        d->fold_data += data;
        d->fold_lo = lo < d->fold_lo ? lo : d->fold_lo;
        d->fold_hi = hi > d->fold_hi ? hi : d->fold_hi;
        for (unsigned t = 0; t < 16; t++)
            d->fold_types[t] += types[t];
        return;
    }
    json_t *f = json_object();
    intf(f, "pfns", n);
    intf(f, "pages", data);
    if (n)
        json_object_set_new(f, "range",
                            json_sprintf("0x%llx-0x%llx",
                                         (unsigned long long)lo,
                                         (unsigned long long)hi));
    json_object_set_new(f, "types", types_json(types));
    emit(d, r->offset, "libxc", "PAGE_DATA", r->length, f);
}

static json_t *libxc_fields(const struct xs_record *r)
{
    json_t *f = json_object();
    const uint8_t *b = r->body;
    switch (r->type) {
    case XS_REC_X86_PV_INFO:
        if (r->held >= 2) {
            intf(f, "guest_width", b[0]);
            intf(f, "pt_levels", b[1]);
        }
        break;
    case XS_REC_X86_PV_P2M_FRAMES:
        if (r->held >= 8) {
            hexf(f, "start_pfn", xs_le32(b));
            hexf(f, "end_pfn", xs_le32(b + 4));
            intf(f, "frames", (r->held - 8) / 8);
        }
        break;
    case XS_REC_X86_PV_VCPU_BASIC:
    case XS_REC_X86_PV_VCPU_EXTENDED:
    case XS_REC_X86_PV_VCPU_XSAVE:
    case XS_REC_X86_PV_VCPU_MSRS:
        if (r->held >= 8) {
            intf(f, "vcpu", xs_le32(b));
            intf(f, "context_bytes", r->length - 8);
        }
        break;
    case XS_REC_X86_TSC_INFO:
        if (r->held >= 24) {
            intf(f, "mode", xs_le32(b));
            intf(f, "khz", xs_le32(b + 4));
            intf(f, "nsec", xs_le64(b + 8));
            intf(f, "incarnation", xs_le32(b + 16));
        }
        break;
    case XS_REC_HVM_CONTEXT: {
        json_t *a = json_array();
        for (uint64_t at = 0; at + 8 <= r->held;) {
            uint16_t code = xs_le16(b + at), inst = xs_le16(b + at + 2);
            uint32_t len = xs_le32(b + at + 4);
            const char *nm = xs_hvm_save_name(code);
            json_array_append_new(
                a, nm ? json_sprintf("%s#%u(%u)", nm, inst, len)
                      : json_sprintf("type_%u#%u(%u)", code, inst, len));
            if (code == 0)
                break;
            at += 8 + (uint64_t)len;
        }
        json_object_set_new(f, "descriptors", a);
        break;
    }
    case XS_REC_HVM_PARAMS: {
        json_t *o = json_object();
        for (uint64_t at = 8; at + 16 <= r->held; at += 16) {
            uint64_t idx = xs_le64(b + at);
            const char *nm = xs_hvm_param_name(idx);
            char kb[32];
            if (!nm) {
                snprintf(kb, sizeof(kb), "param_%llu",
                         (unsigned long long)idx);
                nm = kb;
            }
            hexf(o, nm, xs_le64(b + at + 8));
        }
        json_object_set_new(f, "params", o);
        break;
    }
    case XS_REC_X86_CPUID_POLICY: {
        json_t *a = json_array();
        for (uint64_t at = 0; at + XS_CPUID_LEAF_SIZE <= r->held;
             at += XS_CPUID_LEAF_SIZE) {
            uint32_t leaf = xs_le32(b + at), sub = xs_le32(b + at + 4);
            json_array_append_new(
                a, sub == 0xffffffffu ? json_sprintf("0x%x", leaf)
                                      : json_sprintf("0x%x/%u", leaf, sub));
        }
        json_object_set_new(f, "leaves", a);
        break;
    }
    case XS_REC_X86_MSR_POLICY: {
        json_t *a = json_array();
        for (uint64_t at = 0; at + XS_MSR_ENTRY_SIZE <= r->held;
             at += XS_MSR_ENTRY_SIZE)
            json_array_append_new(a, json_sprintf("0x%x", xs_le32(b + at)));
        json_object_set_new(f, "msrs", a);
        break;
    }
    default:
        break;
    }
    return f;
}

/* ---- libxl records ------------------------------------------------- */

static json_t *libxl_fields(const struct xs_record *r)
{
    json_t *f = json_object();
    if ((r->type == XS_LREC_EMULATOR_XENSTORE_DATA ||
         r->type == XS_LREC_EMULATOR_CONTEXT) && r->held >= 8) {
        const char *e = xs_libxl_emulator_name(xs_le32(r->body));
        json_object_set_new(f, "emulator",
                            e ? json_string(e)
                              : json_sprintf("0x%x", xs_le32(r->body)));
        intf(f, "index", xs_le32(r->body + 4));
    }
    if (r->type == XS_LREC_EMULATOR_XENSTORE_DATA) {
        json_t *a = json_array();
        const uint8_t *p = r->body + 8, *end = r->body + r->held;
        for (bool key = true; p < end; key = !key) {
            const uint8_t *nul = memchr(p, 0, (size_t)(end - p));
            if (!nul)
                break;
            if (key)
                json_array_append_new(a, xs_json_textn((const char *)p,
                                                       (size_t)(nul - p)));
            p = nul + 1;
        }
        json_object_set_new(f, "keys", a);
    }
    if (r->type == XS_LREC_CHECKPOINT_STATE && r->held >= 4)
        intf(f, "control_id", xs_le32(r->body));
    return f;
}

static void on_record(void *ctx, const char *layer, const struct xs_record *r)
{
    struct dump *d = ctx;
    char nb[32];
    bool libxc = strcmp(layer, "libxc") == 0;
    if (libxc && r->type == XS_REC_PAGE_DATA) {
        page_data(d, r);
        return;
    }
    fold_flush(d);
    if (libxc)
        emit(d, r->offset, layer, xs_libxc_rec_name(r->type, nb), r->length,
             libxc_fields(r));
    else
        emit(d, r->offset, layer, xs_libxl_rec_name(r->type, nb), r->length,
             libxl_fields(r));
}

/* ---- headers --------------------------------------------------------- */

static void on_header(void *ctx, const char *layer, uint64_t at,
                      const uint8_t *p, uint64_t n)
{
    struct dump *d = ctx;
    json_t *f = json_object();
    const char *type = "header";
    fold_flush(d);
    if (strcmp(layer, "xl") == 0 && n == XS_XL_HDR_SIZE) {
        struct xs_xl_hdr h;
        xs_xl_hdr_decode(p, &h);
        hexf(f, "mandatory_flags", h.mandatory_flags);
        hexf(f, "optional_flags", h.optional_flags);
        intf(f, "optional_data", h.optional_data_len);
    } else if (strcmp(layer, "xl optional data") == 0) {
        layer = "xl";
        type = "optional data";
        if (n >= 4)
            intf(f, "config_bytes", xs_le32(p));
    } else if (strcmp(layer, "libvirt") == 0 && n == XS_LIBVIRT_HDR_SIZE) {
        struct xs_libvirt_hdr h;
        xs_libvirt_hdr_decode(p, &h);
        intf(f, "version", h.version);
        intf(f, "xml_bytes", h.xml_len);
    } else if (strcmp(layer, "xenserver record") == 0 &&
               n == XS_XENSERVER_HDR_SIZE) {
        uint64_t t, len;
        xs_xenserver_hdr_decode(p, &t, &len);
        layer = "xenserver";
        type = xs_xenserver_rec_name(t) ? xs_xenserver_rec_name(t) : "?";
        emit(d, at, layer, type, len, f);
        return;
    } else if (strcmp(layer, "xenserver") == 0) {
        type = "signature";
    } else if (strcmp(layer, "libxl") == 0 && n == XS_LIBXL_HDR_SIZE) {
        struct xs_libxl_hdr h;
        xs_libxl_hdr_decode(p, &h);
        intf(f, "version", h.version);
        hexf(f, "options", h.options);
        if (h.options & XS_LIBXL_OPT_LEGACY)
            json_object_set_new(f, "legacy", json_true());
    } else if (strcmp(layer, "libxc") == 0 &&
               n == XS_LIBXC_IHDR_SIZE + XS_LIBXC_DHDR_SIZE) {
        struct xs_libxc_ihdr ih;
        struct xs_libxc_dhdr dh;
        xs_libxc_ihdr_decode(p, &ih);
        xs_libxc_dhdr_decode(p + XS_LIBXC_IHDR_SIZE, &dh);
        intf(f, "version", ih.version);
        hexf(f, "options", ih.options);
        json_object_set_new(f, "guest",
                            json_string(xs_libxc_guest_name(dh.type)));
        intf(f, "page_shift", dh.page_shift);
        json_object_set_new(f, "xen", json_sprintf("%u.%u", dh.xen_major,
                                                   dh.xen_minor));
    } else if (strcmp(layer, "after END") == 0) {
        layer = "trailer";
        type = "bytes after END";
        if (d->handshake)
            json_object_set_new(f, "handshake", json_string("xl-migrate"));
    }
    emit(d, at, layer, type, n, f);
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
        rc = xs_walk(in, &rep, NULL, &v);
        fold_flush(&d);
        if (d.json && d.n)
            printf("\n], \"valid\": %s}\n", rc == XS_OK ? "true" : "false");
        else if (d.json) /* not an image: the error, no listing */
            xs_json_print(xs_json_failure(rep.file, rc, &rep), false);
        xs_in_close(in);
    }
    xs_report_free(&rep);
    return rc;
}
