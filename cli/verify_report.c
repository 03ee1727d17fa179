/* verify's report formats: text, json, jsonl, junit, tap, sarif.  Each
 * input is printed as soon as it and those before it are done (junit's
 * counts come first in its XML, so its test cases are held in a spool
 * until the end).  What comes from an image or its name goes through
 * xs_text_write() (or jansson) first: no raw control bytes reach any
 * report, and XML gets only characters XML 1.0 allows. */
#include <stdlib.h>
#include <string.h>

#include "verify.h"

/* ------------------------------------------------------------------ */
/* shared                                                              */

/* Inputs printed so far (each counted once, by report_file()). */
static size_t reported(const struct vrun *r)
{
    return r->valid + r->invalid + r->unreadable + r->skipped;
}

static const char *sev_name(enum xs_severity s)
{
    return s == XS_SEV_ERROR ? "error" : s == XS_SEV_WARNING ? "warning"
                                                             : "note";
}

/* What to run so that the release restores the image: only when the
 * release's rules are all that failed. */
static const char *remedy(const struct xs_release *xen, int rc,
                          const struct xs_report *rep,
                          const struct xs_summary *s)
{
    if (!xen || rc != XS_INVALID || rep->errors != s->release_errors)
        return "";
    return xs_release_remedy(xen, s);
}

/* s as xs_text_write() prints it: printable, one line.  Allocated. */
static char *text_of(const char *s)
{
    char *out = NULL;
    size_t n = 0;
    FILE *fp = open_memstream(&out, &n);
    if (!fp)
        return NULL;
    xs_text_write(fp, s, strlen(s));
    if (fclose(fp) != 0) {
        free(out);
        return NULL;
    }
    return out;
}

static unsigned findings_lost(const struct xs_report *rep)
{
    return rep->errors + rep->warnings + rep->notes - (unsigned)rep->nkept;
}

/* "2 errors, 1 warning" */
static void counts(const struct xs_report *rep, char *buf, size_t n)
{
    snprintf(buf, n, "%u error%s, %u warning%s", rep->errors,
             rep->errors == 1 ? "" : "s", rep->warnings,
             rep->warnings == 1 ? "" : "s");
}

/* One finding on one line, without the file name:
 * "error libxc.x: offset 0x10 record #3 PAGE_DATA: message". */
static void finding_line(FILE *fp, const struct xs_finding *f,
                         void (*put)(FILE *, const char *))
{
    char head[160];
    if (f->index == -2)
        snprintf(head, sizeof(head), "%s %s: ", sev_name(f->sev), f->rule);
    else if (f->index < 0)
        snprintf(head, sizeof(head), "%s %s: offset 0x%llx ", sev_name(f->sev),
                 f->rule, (unsigned long long)f->offset);
    else
        snprintf(head, sizeof(head), "%s %s: offset 0x%llx record #%lld ",
                 sev_name(f->sev), f->rule, (unsigned long long)f->offset,
                 (long long)f->index);
    put(fp, head);
    if (f->index != -2) {
        put(fp, f->where);
        put(fp, ": ");
    }
    put(fp, f->msg);
}

/* ------------------------------------------------------------------ */
/* text                                                                */

/* A name that text output prints as it is (printable ASCII, no
 * backslash): only such a name can be given in a command to copy; for
 * any other, the escaped form would name another file, and "IN" stands
 * in for it. */
static bool plain(const char *s)
{
    for (; *s; s++)
        if (*s < 0x20 || *s > 0x7e || *s == '\\')
            return false;
    return true;
}

static void text_file(struct vrun *r, struct vfile *f)
{
    const char *shown = f->res->rep.file ? f->res->rep.file : f->path;
    char what[160];
    if (r->quiet)
        return;
    if (f->res->skipped) {
        xs_cli_printf("%s: SKIPPED: %s\n", shown, f->res->skipped);
        return;
    }
    xs_describe_summary(&f->res->sum, what, sizeof(what));
    if (f->res->rc == XS_OK)
        xs_cli_printf("%s: OK: %s; %u warning%s\n", shown, what,
                      f->res->rep.warnings, f->res->rep.warnings == 1 ? "" : "s");
    else if (f->res->rc == XS_IO)
        xs_cli_printf("%s: FAILED: I/O error\n", shown);
    else if (f->res->rc == XS_USAGE)
        xs_cli_printf("%s: FAILED: not read (a terminal)\n", shown);
    else
        xs_cli_printf("%s: INVALID: %u error%s, %u warning%s%s\n", shown,
                      f->res->rep.errors, f->res->rep.errors == 1 ? "" : "s",
                      f->res->rep.warnings, f->res->rep.warnings == 1 ? "" : "s",
                      f->res->rep.errors == 0 ? " (--strict)" : "");
    const struct xs_release *xen = r->xen;
    const char *fix = remedy(xen, f->res->rc, &f->res->rep, &f->res->sum);
    if (!fix) {
        xs_cli_printf("%s: no conversion makes it restorable on Xen %u.%u\n",
                      shown, xen->major, xen->minor);
    } else if (*fix) {
        /* a command to copy: the name as one shell word, never as
         * shell syntax (a name can be "x;rm -rf ~") */
        char *word = plain(f->path) ? xs_cli_shell_word(f->path) : NULL;
        xs_cli_printf("%s: to restore it on Xen %u.%u: %s -o OUT %s\n", shown,
                      xen->major, xen->minor, fix, word ? word : "IN");
        free(word);
    }
}

static void text_tail(struct vrun *r)
{
    if (r->quiet || !r->store)
        return;
    size_t n = reported(r);
    if (!r->xen && !r->host_path) {
        xs_cli_printf("xenstream verify: %zu file%s: %zu valid, %zu invalid, "
                      "%zu unreadable, %zu skipped\n",
                      n, n == 1 ? "" : "s", r->valid, r->invalid,
                      r->unreadable, r->skipped);
        return;
    }
    /* "the host of FILE (Xen 4.17)", "Xen 4.17" */
    char xen[32] = "";
    if (r->xen)
        snprintf(xen, sizeof(xen), "Xen %u.%u", r->xen->major, r->xen->minor);
    if (r->host_path)
        xs_cli_printf("xenstream verify: %zu file%s: %zu restore%s on the "
                      "host of %s%s%s%s, ", n, n == 1 ? "" : "s", r->valid,
                      r->valid == 1 ? "s" : "", r->host_path,
                      *xen ? " (" : "", xen, *xen ? ")" : "");
    else
        xs_cli_printf("xenstream verify: %zu file%s: %zu restore%s on %s, ",
                      n, n == 1 ? "" : "s", r->valid,
                      r->valid == 1 ? "s" : "", xen);
    xs_cli_printf("%zu do%s not, %zu unreadable, %zu skipped\n", r->invalid,
                  r->invalid == 1 ? "es" : "", r->unreadable, r->skipped);
}

/* ------------------------------------------------------------------ */
/* json, jsonl                                                         */

static json_t *file_json(const struct vrun *r, const struct vfile *f)
{
    const struct xs_report *rep = &f->res->rep;
    const struct xs_summary *s = &f->res->sum;
    json_t *doc = json_object();
    xs_json_set_name(doc, "file", rep->file ? rep->file : f->path);
    if (f->res->skipped) {
        json_object_set_new(doc, "skipped", json_true());
        json_object_set_new(doc, "reason", json_string(f->res->skipped));
        json_object_set_new(doc, "status", json_integer(XS_OK));
        return doc;
    }
    json_object_set_new(doc, "valid", json_boolean(f->res->rc == XS_OK));
    json_object_set_new(doc, "status", json_integer(f->res->rc));
    json_object_set_new(doc, "strict", json_boolean(r->strict));
    json_object_set_new(doc, "errors", json_integer(rep->errors));
    json_object_set_new(doc, "warnings", json_integer(rep->warnings));
    if (s->layers[0]) {
        json_object_set_new(doc, "layers", json_string(s->layers));
        json_object_set_new(doc, "version", json_integer(s->version));
        json_object_set_new(doc, "guest",
                            json_string(xs_guest_name(s->guest)));
        json_object_set_new(doc, "records", json_integer((json_int_t)s->records));
        json_object_set_new(doc, "pages", json_integer((json_int_t)s->pages));
    }
    if (r->xen) {
        const char *fix = remedy(r->xen, f->res->rc, rep, s);
        json_object_set_new(doc, "xen", json_sprintf("%u.%u", r->xen->major,
                                                     r->xen->minor));
        json_object_set_new(doc, "remedy", fix && *fix ? json_string(fix)
                                                       : json_null());
        json_object_set_new(doc, "remedy_exists", json_boolean(fix != NULL));
    }
    json_object_set_new(doc, "bytes", json_integer((json_int_t)s->bytes_in));
    json_object_set_new(doc, "bytes_read",
                        json_integer((json_int_t)s->bytes_read));
    json_t *arr = json_array();
    for (size_t i = 0; i < rep->nkept; i++)
        json_array_append_new(arr, xs_json_finding(&rep->kept[i]));
    json_object_set_new(doc, "findings", arr);
    json_object_set_new(doc, "findings_truncated",
                        json_boolean(findings_lost(rep) > 0));
    return doc;
}

static void json_put(json_t *doc)
{
    json_dumpf(doc, stdout, JSON_COMPACT | JSON_ENSURE_ASCII);
    json_decref(doc);
}

static json_t *totals_json(const struct vrun *r)
{
    json_t *o = json_object();
    size_t n = reported(r);
    json_object_set_new(o, "files", json_integer((json_int_t)n));
    json_object_set_new(o, "valid", json_integer((json_int_t)r->valid));
    json_object_set_new(o, "invalid", json_integer((json_int_t)r->invalid));
    json_object_set_new(o, "io_errors",
                        json_integer((json_int_t)r->unreadable));
    json_object_set_new(o, "skipped", json_integer((json_int_t)r->skipped));
    json_object_set_new(o, "status", json_integer(r->worst));
    if (r->xen)
        json_object_set_new(o, "xen", json_sprintf("%u.%u", r->xen->major,
                                                   r->xen->minor));
    return o;
}

/* ------------------------------------------------------------------ */
/* junit (as Jenkins' xunit junit-10.xsd and GitLab read it)            */

/* Text for XML 1.0: the printable form, with & < > " ' as entities and
 * U+FFFE / U+FFFF (valid UTF-8, but no XML characters) spelt out. */
static void xml_put(FILE *fp, const char *s)
{
    char *t = text_of(s);
    for (const char *p = t ? t : "(no memory)"; *p; p++) {
        switch (*p) {
        case '&': fputs("&amp;", fp); break;
        case '<': fputs("&lt;", fp); break;
        case '>': fputs("&gt;", fp); break;
        case '"': fputs("&quot;", fp); break;
        case '\'': fputs("&apos;", fp); break;
        default:
            if ((unsigned char)p[0] == 0xef && (unsigned char)p[1] == 0xbf &&
                ((unsigned char)p[2] == 0xbe || (unsigned char)p[2] == 0xbf)) {
                fprintf(fp, "\\u%s", (unsigned char)p[2] == 0xbe ? "FFFE"
                                                                 : "FFFF");
                p += 2;
            } else {
                fputc(*p, fp);
            }
        }
    }
    free(t);
}

static FILE *junit_fp(struct vrun *r)
{
    if (!r->cases)
        r->cases = xs_cli_spool_open();
    return r->cases ? xs_cli_spool_file(r->cases) : NULL;
}

static void junit_file(struct vrun *r, const struct vfile *f)
{
    FILE *fp = junit_fp(r);
    if (!fp) {
        r->lost = true;
        return;
    }
    char what[160];
    fputs("    <testcase classname=\"xenstream.verify\" name=\"", fp);
    xml_put(fp, f->res->rep.file ? f->res->rep.file : f->path);
    fputs("\">\n", fp);
    if (f->res->skipped) {
        fputs("      <skipped message=\"", fp);
        xml_put(fp, f->res->skipped);
        fputs("\"/>\n", fp);
    } else if (f->res->rc != XS_OK) {
        const char *el = f->res->rc == XS_INVALID ? "failure" : "error";
        counts(&f->res->rep, what, sizeof(what));
        fprintf(fp, "      <%s type=\"%s\" message=\"%s\">", el,
                f->res->rc == XS_INVALID ? "invalid" : f->res->rc == XS_IO ? "io"
                                                                  : "usage",
                what);
        for (size_t i = 0; i < f->res->rep.nkept; i++) {
            finding_line(fp, &f->res->rep.kept[i], xml_put);
            fputc('\n', fp);
        }
        if (findings_lost(&f->res->rep))
            fprintf(fp, "(%u more findings not kept)\n",
                    findings_lost(&f->res->rep));
        fprintf(fp, "</%s>\n", el);
    }
    if (!f->res->skipped && f->res->sum.layers[0]) {
        xs_describe_summary(&f->res->sum, what, sizeof(what));
        fputs("      <system-out>", fp);
        xml_put(fp, what);
        fputs("</system-out>\n", fp);
    }
    fputs("    </testcase>\n", fp);
}

static void junit_tail(struct vrun *r)
{
    size_t n = reported(r);
    char name[64] = "xenstream verify";
    if (r->xen)
        snprintf(name, sizeof(name), "xenstream verify --xen %u.%u",
                 r->xen->major, r->xen->minor);
    printf("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
           "<testsuites name=\"%s\" tests=\"%zu\" failures=\"%zu\" "
           "errors=\"%zu\">\n"
           "  <testsuite name=\"%s\" tests=\"%zu\" failures=\"%zu\" "
           "errors=\"%zu\" skipped=\"%zu\">\n",
           name, n, r->invalid, r->unreadable, name, n, r->invalid,
           r->unreadable, r->skipped);
    fflush(stdout);
    if (r->cases && !xs_cli_spool_drain(r->cases, stdout))
        r->lost = true;
    r->cases = NULL;
    printf("  </testsuite>\n</testsuites>\n");
    if (r->lost)
        fprintf(stderr, "xenstream verify: the JUnit report is incomplete "
                        "(no memory or temporary file)\n");
}

/* ------------------------------------------------------------------ */
/* tap (TAP version 13, a YAML block per input that is not valid)      */

/* A test's description: printable, one line, '#' escaped (it would start
 * a directive). */
static void tap_desc(FILE *fp, const char *s)
{
    char *t = text_of(s);
    for (const char *p = t ? t : "(no memory)"; *p; p++) {
        if (*p == '#')
            fputc('\\', fp);
        fputc(*p, fp);
    }
    free(t);
}

/* A YAML single-quoted scalar. */
static void yaml_put(FILE *fp, const char *s)
{
    char *t = text_of(s);
    fputc('\'', fp);
    for (const char *p = t ? t : "(no memory)"; *p; p++) {
        if (*p == '\'')
            fputc('\'', fp);
        fputc(*p, fp);
    }
    fputc('\'', fp);
    free(t);
}

static void tap_file(struct vrun *r, const struct vfile *f)
{
    size_t k = reported(r);
    const char *name = f->res->rep.file ? f->res->rep.file : f->path;
    printf("%s %zu - ", f->res->rc == XS_OK ? "ok" : "not ok", k);
    tap_desc(stdout, name);
    if (f->res->skipped) {
        fputs(" # SKIP ", stdout);
        tap_desc(stdout, f->res->skipped);
    }
    fputc('\n', stdout);
    if (f->res->skipped || (f->res->rc == XS_OK && !f->res->rep.nkept))
        return;
    printf("  ---\n  status: %s\n  errors: %u\n  warnings: %u\n",
           f->res->rc == XS_OK ? "valid" : f->res->rc == XS_INVALID ? "invalid"
                                                           : "unreadable",
           f->res->rep.errors, f->res->rep.warnings);
    if (f->res->sum.layers[0]) {
        char what[160];
        xs_describe_summary(&f->res->sum, what, sizeof(what));
        fputs("  stream: ", stdout);
        yaml_put(stdout, what);
        fputc('\n', stdout);
    }
    if (f->res->rep.nkept)
        fputs("  findings:\n", stdout);
    for (size_t i = 0; i < f->res->rep.nkept; i++) {
        const struct xs_finding *x = &f->res->rep.kept[i];
        printf("    - severity: %s\n      rule: %s\n", sev_name(x->sev),
               x->rule);
        if (x->index != -2) {
            printf("      offset: %llu\n", (unsigned long long)x->offset);
            fputs("      where: ", stdout);
            yaml_put(stdout, x->where);
            fputc('\n', stdout);
        }
        if (x->index >= 0)
            printf("      record: %lld\n", (long long)x->index);
        fputs("      message: ", stdout);
        yaml_put(stdout, x->msg);
        fputc('\n', stdout);
    }
    if (findings_lost(&f->res->rep))
        printf("  findings_not_kept: %u\n", findings_lost(&f->res->rep));
    fputs("  ...\n", stdout);
}

/* ------------------------------------------------------------------ */
/* sarif (2.1.0: one result per finding; the results come first in the
 * run, the rules they name after them)                                */

static size_t rule_index(struct vrun *r, const char *rule)
{
    for (size_t i = 0; i < r->nrules; i++)
        if (strcmp(r->rules[i], rule) == 0)
            return i;
    if (r->nrules == r->caprules) {
        size_t nc = r->caprules ? r->caprules * 2 : 32;
        char **v = realloc(r->rules, nc * sizeof(*v));
        if (!v)
            return SIZE_MAX;
        r->rules = v;
        r->caprules = nc;
    }
    if (!(r->rules[r->nrules] = strdup(rule)))
        return SIZE_MAX;
    return r->nrules++;
}

/* A file name as a URI reference (RFC 3986): every byte but the
 * unreserved ones and '/' percent-encoded; an absolute name as file://. */
static json_t *uri_of(const char *path)
{
    static const char hex[] = "0123456789ABCDEF";
    size_t n = strlen(path);
    char *u = malloc(3 * n + 8);
    if (!u)
        return json_null();
    size_t o = 0;
    if (path[0] == '/') {
        memcpy(u, "file://", 7);
        o = 7;
    }
    for (const unsigned char *p = (const unsigned char *)path; *p; p++) {
        if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
            (*p >= '0' && *p <= '9') || strchr("-._~/", *p)) {
            u[o++] = (char)*p;
        } else {
            u[o++] = '%';
            u[o++] = hex[*p >> 4];
            u[o++] = hex[*p & 15];
        }
    }
    u[o] = '\0';
    json_t *j = json_string(u);
    free(u);
    return j;
}

static json_t *sarif_result(struct vrun *r, const char *path,
                            const char *rule, const char *level,
                            const char *kind, const char *msg,
                            const struct xs_finding *f)
{
    json_t *res = json_object();
    size_t ri = rule_index(r, rule);
    json_object_set_new(res, "ruleId", json_string(rule));
    if (ri != SIZE_MAX)
        json_object_set_new(res, "ruleIndex", json_integer((json_int_t)ri));
    if (kind)
        json_object_set_new(res, "kind", json_string(kind));
    json_object_set_new(res, "level", json_string(level));
    json_t *m = json_object();
    json_object_set_new(m, "text", xs_json_text(msg));
    json_object_set_new(res, "message", m);
    json_t *art = json_object();
    json_object_set_new(art, "uri", uri_of(path));
    json_t *phys = json_object();
    json_object_set_new(phys, "artifactLocation", art);
    if (f && f->index != -2) {
        json_t *region = json_object();
        json_object_set_new(region, "byteOffset",
                            json_integer((json_int_t)f->offset));
        json_object_set_new(phys, "region", region);
    }
    json_t *loc = json_object();
    json_object_set_new(loc, "physicalLocation", phys);
    if (f && f->index != -2) {
        /* the record, by index and type, as the text line names it */
        json_t *lname = json_object();
        char nm[96];
        if (f->index >= 0)
            snprintf(nm, sizeof(nm), "record #%lld %s", (long long)f->index,
                     f->where);
        else
            snprintf(nm, sizeof(nm), "%s", f->where);
        json_object_set_new(lname, "name", xs_json_text(nm));
        json_t *lls = json_array();
        json_array_append_new(lls, lname);
        json_object_set_new(loc, "logicalLocations", lls);
    }
    json_t *locs = json_array();
    json_array_append_new(locs, loc);
    json_object_set_new(res, "locations", locs);
    return res;
}

static void sarif_put(struct vrun *r, json_t *res)
{
    if (r->results++)
        fputc(',', stdout);
    json_put(res);
}

static void sarif_file(struct vrun *r, const struct vfile *f)
{
    const char *path = f->path;
    if (f->res->skipped) {
        sarif_put(r, sarif_result(r, path, "verify.skipped", "none",
                                  "notApplicable", f->res->skipped, NULL));
        return;
    }
    for (size_t i = 0; i < f->res->rep.nkept; i++) {
        const struct xs_finding *x = &f->res->rep.kept[i];
        sarif_put(r, sarif_result(r, path, x->rule, sev_name(x->sev), NULL,
                                  x->msg, x));
    }
    if (findings_lost(&f->res->rep)) {
        char m[96];
        snprintf(m, sizeof(m), "%u more findings not kept",
                 findings_lost(&f->res->rep));
        sarif_put(r, sarif_result(r, path, "verify.findings_not_kept",
                                  "note", NULL, m, NULL));
    }
}

static void sarif_tail(struct vrun *r)
{
    json_t *driver = json_object();
    json_object_set_new(driver, "name", json_string("xenstream"));
    json_object_set_new(driver, "version", json_string(xs_version_string()));
    json_t *rules = json_array();
    for (size_t i = 0; i < r->nrules; i++) {
        json_t *d = json_object();
        json_object_set_new(d, "id", json_string(r->rules[i]));
        json_array_append_new(rules, d);
    }
    json_object_set_new(driver, "rules", rules);
    fputs("],\"tool\":{\"driver\":", stdout);
    json_put(driver);
    json_t *inv = json_object();
    json_object_set_new(inv, "executionSuccessful",
                        json_boolean(r->worst != XS_IO));
    json_object_set_new(inv, "exitCode", json_integer(r->worst));
    fputs("},\"invocations\":[", stdout);
    json_put(inv);
    fputs("]}]}\n", stdout);
}

/* ------------------------------------------------------------------ */
/* the report                                                          */

void report_head(struct vrun *r)
{
    switch (r->fmt) {
    case VF_JSON:
        printf("{\"tool\":\"xenstream\",\"version\":\"%s\",\"files\":[",
               xs_version_string());
        break;
    case VF_TAP:
        printf("TAP version 13\n1..%zu\n", r->n);
        break;
    case VF_SARIF:
        printf("{\"$schema\":\"https://json.schemastore.org/"
               "sarif-2.1.0.json\",\"version\":\"2.1.0\",\"runs\":[{"
               "\"results\":[");
        break;
    default:
        break;
    }
}

void report_file(struct vrun *r, struct vfile *f)
{
    size_t before = reported(r);
    /* counted first: tap numbers from 1 */
    if (f->res->skipped)
        r->skipped++;
    else if (f->res->rc == XS_OK)
        r->valid++;
    else if (f->res->rc == XS_INVALID)
        r->invalid++;
    else
        r->unreadable++;
    r->worst = xs_worst(r->worst, f->res->rc);
    switch (r->fmt) {
    case VF_TEXT:
        text_file(r, f);
        break;
    case VF_JSON:
        if (before)
            fputc(',', stdout);
        json_put(file_json(r, f));
        break;
    case VF_JSONL:
        json_put(file_json(r, f));
        fputc('\n', stdout);
        break;
    case VF_JUNIT:
        junit_file(r, f);
        break;
    case VF_TAP:
        tap_file(r, f);
        break;
    case VF_SARIF:
        sarif_file(r, f);
        break;
    }
}

void report_tail(struct vrun *r)
{
    switch (r->fmt) {
    case VF_TEXT:
        text_tail(r);
        break;
    case VF_JSON:
        fputs("],\"summary\":", stdout);
        json_put(totals_json(r));
        fputs("}\n", stdout);
        break;
    case VF_JUNIT:
        junit_tail(r);
        break;
    case VF_SARIF:
        sarif_tail(r);
        break;
    default:
        break;
    }
}

void report_free(struct vrun *r)
{
    for (size_t i = 0; i < r->nrules; i++)
        free(r->rules[i]);
    free(r->rules);
    if (r->cases)
        xs_cli_spool_drain(r->cases, NULL);
}
