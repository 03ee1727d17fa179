/* xenstream search: bytes, text or a regex in the guest's memory as the
 * image leaves it (core/search.c). */
#include <getopt.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "common.h"

static int run_search(int argc, char **argv);

#define XS_CONTEXT_MAX 4096

const struct xs_command xs_cmd_search = {
    .name = "search",
    .run = run_search,
    .summary = "find bytes, text or a regex in the guest's memory",
    .usage =
        "usage: xenstream search (--hex BYTES | --string TEXT | --regex RE)\n"
        "                        [--context N] [--json] [--partial] [IN]\n"
        "\n"
        "Find every match in the guest's memory as the image leaves it (a\n"
        "page sent again replaces its earlier copy, whose matches are not\n"
        "reported), in address order, one line each:\n"
        "\n"
        "  ADDRESS  pfn PFN  offset OFFSET  len N  [CONTEXT]\n"
        "\n"
        "ADDRESS is guest-physical, OFFSET the match's first byte in the\n"
        "(decoded) image; CONTEXT (-C N) the bytes from N before the match\n"
        "(from address 0 when it starts nearer) to N after it, in hex.\n"
        "Matches across the page boundary of consecutive present pfns are\n"
        "found, never across an absent pfn.  A regex is PCRE2's (Perl\n"
        "syntax; bytes, not UTF-8; . matches any byte; alternatives\n"
        "leftmost-first), run over windows of 1 MiB of consecutive pfns\n"
        "that overlap by 4 KiB: a regex match longer than 4 KiB may be\n"
        "found cut or not at all.  NUL bytes are data.  A pipe or a\n"
        "compressed image is decoded into an unlinked file in $TMPDIR (or\n"
        "/tmp) first.  An invalid input is refused (exit 1); no match is\n"
        "not an error (exit 0, nothing printed; --json: count 0).\n"
        "\n"
        "  --hex BYTES     bytes in hex (\"deadbeef\", \"de ad be ef\")\n"
        "  --string TEXT   the bytes of TEXT\n"
        "  --regex RE      a Perl-compatible regular expression (PCRE2)\n"
        "  -C, --context N N bytes before and after each match, the match\n"
        "                  between, in hex (absent pages read as zeros),\n"
        "                  N at most 4096\n"
        "  --json          one JSON document on standard output\n"
        "  --partial       search a truncated image: what it holds\n"
        "  -h, --help      show this help\n",
};

struct out_ctx {
    struct xs_memory *m;
    unsigned context;
    /* --json: the matches' objects, comma-separated, held in a spool (in
     * memory up to 1 MiB, then in an unlinked file) until the count is
     * known and the document is printed: a million matches cost disk,
     * not memory */
    struct xs_spool *matches;
    bool first;
};

static int on_match(void *ctx, const struct xs_match *mt)
{
    struct out_ctx *o = ctx;
    char *hex = NULL;
    uint64_t from = 0;
    if (o->context) {
        /* before and after the match, clipped at address 0 and at the
         * top of the address space (the last byte of pfn 2^52 - 1) */
        uint64_t before = mt->addr < o->context ? mt->addr : o->context;
        uint64_t room = UINT64_MAX - (mt->addr + mt->len - 1);
        uint64_t after = room < o->context ? room : o->context;
        from = mt->addr - before;
        size_t n = (size_t)(before + mt->len + after);
        uint8_t *b = malloc(n);
        hex = malloc(2 * n + 1);
        if (!b || !hex || xs_memory_read_at(o->m, from, b, n) != XS_OK) {
            free(b);
            free(hex);
            return XS_IO;
        }
        xs_hex(b, n, hex);
        free(b);
    }
    if (o->matches) {
        /* the object jansson's compact form would print, by hand: a
         * million matches are a million objects built and freed else */
        fprintf(xs_cli_spool_file(o->matches),
                "%s{\"address\":%llu,\"pfn\":%llu,\"offset\":%llu,"
                "\"length\":%llu", o->first ? "" : ",",
                (unsigned long long)mt->addr, (unsigned long long)mt->pfn,
                (unsigned long long)mt->offset, (unsigned long long)mt->len);
        if (hex)
            fprintf(xs_cli_spool_file(o->matches),
                    ",\"context_address\":%llu,\"context\":\"%s\"",
                    (unsigned long long)from, hex);
        fputc('}', xs_cli_spool_file(o->matches));
        o->first = false;
        /* memory or $TMPDIR full: the document could not be whole */
        if (ferror(xs_cli_spool_file(o->matches)))
            return XS_IO;
    } else {
        xs_cli_printf("0x%llx  pfn 0x%llx  offset 0x%llx  len %llu%s%s\n",
                      (unsigned long long)mt->addr,
                      (unsigned long long)mt->pfn,
                      (unsigned long long)mt->offset,
                      (unsigned long long)mt->len, hex ? "  " : "",
                      hex ? hex : "");
    }
    free(hex);
    /* a reader gone away (| head): stop reading */
    return xs_cli_stdout_failed() ? XS_IO : XS_OK;
}

static int search_io_error(struct xs_report *rep, const char *what)
{
    xs_report_add(rep, XS_SEV_ERROR, "io", 0, -1, "search", "%s", what);
    return XS_IO;
}

/* "deadbeef", "de ad be ef", "DE:AD": pairs of hex digits. */
static uint8_t *parse_hex(const char *s, size_t *n)
{
    uint8_t *b = malloc(strlen(s) / 2 + 1);
    size_t k = 0;
    int hi = -1;
    if (!b)
        return NULL;
    for (; *s; s++) {
        int v;
        if (*s == ' ' || *s == ':')
            continue;
        if (*s >= '0' && *s <= '9')
            v = *s - '0';
        else if (*s >= 'a' && *s <= 'f')
            v = *s - 'a' + 10;
        else if (*s >= 'A' && *s <= 'F')
            v = *s - 'A' + 10;
        else
            break;
        if (hi < 0) {
            hi = v;
        } else {
            b[k++] = (uint8_t)(hi << 4 | v);
            hi = -1;
        }
    }
    if (*s || hi >= 0 || k == 0) {
        free(b);
        return NULL;
    }
    *n = k;
    return b;
}

static int run_search(int argc, char **argv)
{
    enum { O_HEX = 0x200, O_STRING, O_REGEX, O_JSON, O_PARTIAL };
    static const struct option opts[] = {
        {"hex", required_argument, NULL, O_HEX},
        {"string", required_argument, NULL, O_STRING},
        {"regex", required_argument, NULL, O_REGEX},
        {"context", required_argument, NULL, 'C'},
        {"json", no_argument, NULL, O_JSON},
        {"partial", no_argument, NULL, O_PARTIAL},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    struct xs_search_opts so = {0};
    struct out_ctx oc = {0};
    uint8_t *needle = NULL;
    bool json = false, partial = false;
    int patterns = 0, c;

    opterr = 0;
    optind = 1;
    while ((c = getopt_long(argc, argv, "C:h", opts, NULL)) != -1) {
        switch (c) {
        case O_HEX:
            free(needle);
            if (!(needle = parse_hex(optarg, &so.needle_len)))
                return xs_usage_error(&xs_cmd_search, "--hex takes pairs of "
                                      "hex digits, not '%s'", optarg);
            /* the last of several patterns counts (then refused) */
            so.needle = needle;
            patterns++;
            break;
        case O_STRING:
            if (!*optarg) {
                free(needle);
                return xs_usage_error(&xs_cmd_search,
                                      "--string needs some text");
            }
            so.needle = (const uint8_t *)optarg;
            so.needle_len = strlen(optarg);
            patterns++;
            break;
        case O_REGEX:
            so.regex = optarg;
            patterns++;
            break;
        case 'C': {
            char *end;
            unsigned long v = strtoul(optarg, &end, 10);
            if (!*optarg || *end || v > XS_CONTEXT_MAX || optarg[0] == '-') {
                free(needle);
                return xs_usage_error(&xs_cmd_search, "--context takes 0-%d, "
                                      "not '%s'", XS_CONTEXT_MAX, optarg);
            }
            oc.context = (unsigned)v;
            break;
        }
        case O_JSON:
            json = true;
            break;
        case O_PARTIAL:
            partial = true;
            break;
        case 'h':
            free(needle);
            xs_print_help(&xs_cmd_search);
            return XS_OK;
        default:
            free(needle);
            return xs_usage_error(&xs_cmd_search, "unknown or incomplete "
                                  "option '%s'", argv[optind - 1]);
        }
    }
    if (patterns != 1) {
        free(needle);
        return xs_usage_error(&xs_cmd_search, "one of --hex, --string or "
                                              "--regex");
    }
    /* a bad pattern is a usage error whatever the input (read or not) */
    char why[400];
    if (xs_search_check(&so, why, sizeof(why)) != XS_OK) {
        free(needle);
        return xs_usage_error(&xs_cmd_search, "%s", why);
    }
    struct xs_report rep;
    struct xs_in *in = NULL;
    int rc = xs_cli_one_input(&xs_cmd_search, argc, argv, &rep, &in);
    if (rc != XS_OK) {
        free(needle);
        xs_report_free(&rep);
        return rc;
    }
    const char *d = getenv("TMPDIR");
    struct xs_memory_opts mo = {.partial = partial,
                                .spool_dir = d && *d ? d : "/tmp"};
    struct xs_memory *m = NULL;
    uint64_t count = 0;
    bool head_out = false;
    rc = xs_memory_read(in, &rep, NULL, &mo, &m);
    if (rc == XS_OK) {
        oc.m = m;
        oc.first = true;
        if (json && !(oc.matches = xs_cli_spool_open()))
            rc = search_io_error(&rep, "out of memory");
        if (rc == XS_OK)
            rc = xs_search(m, &rep, &so, on_match, &oc, &count);
        if (oc.matches && !xs_cli_spool_holds(oc.matches))
            rc = search_io_error(&rep, "cannot spool the matches (memory "
                                       "or $TMPDIR full)");
        if (json && rc == XS_OK) {
            /* {"file":...,"count":N,"matches":[...]}: the head without
             * its closing brace, then the spooled matches */
            json_t *doc = json_object();
            xs_json_set_name(doc, "file", rep.file);
            json_object_set_new(doc, "count", json_integer((json_int_t)count));
            char *head = json_dumps(doc, JSON_COMPACT | JSON_ENSURE_ASCII);
            json_decref(doc);
            size_t hl = head ? strlen(head) : 0;
            if (hl < 2) {
                rc = search_io_error(&rep, "out of memory");
            } else {
                /* JSON as jansson wrote it: not through the escaping of
                 * text for a terminal */
                fwrite(head, 1, hl - 1, stdout);
                fputs(",\"matches\":[", stdout);
                fflush(stdout);
                head_out = true;
                if (!xs_cli_spool_drain(oc.matches, stdout))
                    rc = search_io_error(&rep, "cannot read the spooled "
                                               "matches back");
                oc.matches = NULL;
                xs_cli_printf("]}\n");
            }
            free(head);
        }
        xs_cli_spool_drain(oc.matches, NULL);
    }
    /* one document: once the head is out, a failure is standard error's
     * and the exit status's */
    if (rc != XS_OK && json && !head_out)
        xs_json_print(xs_json_failure(rep.file, rc, &rep), false);
    xs_memory_free(m);
    xs_cli_close(in);
    xs_report_free(&rep);
    free(needle);
    return rc;
}
