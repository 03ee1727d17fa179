/* The xl save-file header and its optional data (the domain config). */
#include "xl.h"

#include <ctype.h>
#include <errno.h>
#include <jansson.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "endian.h"
#include "field.h"
#include "layer.h"
#include "xlu.h"

const char xs_xl_magic[XS_XL_MAGIC_SIZE] = "Xen saved domain, xl format\n \0 \r";

void xs_xl_hdr_decode(const uint8_t b[XS_XL_HDR_SIZE], struct xs_xl_hdr *h)
{
    h->byteorder = xs_le32(b + 32);
    h->mandatory_flags = xs_le32(b + 36);
    h->optional_flags = xs_le32(b + 40);
    h->optional_data_len = xs_le32(b + 44);
}

void xs_xl_hdr_encode(const struct xs_xl_hdr *h, uint8_t b[XS_XL_HDR_SIZE])
{
    /* a fixed-size magic, not a string */
    memcpy(b, xs_xl_magic, XS_XL_MAGIC_SIZE); // NOLINT(bugprone-not-null-terminated-result)
    xs_put_le32(b + 32, h->byteorder);
    xs_put_le32(b + 36, h->mandatory_flags);
    xs_put_le32(b + 40, h->optional_flags);
    xs_put_le32(b + 44, h->optional_data_len);
}

int xs_xl_check_hdr(const struct xs_xl_hdr *h, uint64_t at,
                    struct xs_report *rep)
{
    const char *w = "xl header";
    /* xl_vmcontrol.c create_domain(), restoring */
    if (h->byteorder != XS_XL_BYTEORDER) {
        xs_report_add(rep, XS_SEV_ERROR, "xl.hdr.byteorder", at + 32, -1, w,
                      "byte-order marker is 0x%08x, not 0x%08x%s: xl refuses "
                      "it (\"File has wrong byte order\")",
                      h->byteorder, XS_XL_BYTEORDER,
                      h->byteorder == 0x04030201u
                          ? " (saved on a big-endian host)" : "");
        return XS_INVALID;
    }
    if (h->mandatory_flags & ~XS_XL_FLAGS_KNOWN) {
        xs_report_add(rep, XS_SEV_ERROR, "xl.hdr.mandatory_flags", at + 36, -1,
                      w,
                      "unknown mandatory flags 0x%08x: xl refuses the file "
                      "(\"need newer xl\")",
                      h->mandatory_flags & ~XS_XL_FLAGS_KNOWN);
        return XS_INVALID;
    }
    if (!(h->mandatory_flags & XS_XL_FLAG_STREAMV2)) {
        xs_report_add(rep, XS_SEV_ERROR, "xl.hdr.legacy", at + 36, -1, w,
                      "the STREAMv2 flag is clear: this xl file holds a "
                      "legacy (pre-Xen 4.6) stream; convert it with Xen's "
                      "convert-legacy-stream first");
        return XS_INVALID;
    }
    if (h->optional_flags)
        xs_report_add(rep, XS_SEV_WARNING, "xl.hdr.optional_flags", at + 40,
                      -1, w,
                      "optional flags 0x%08x are unknown (xl ignores them; "
                      "kept)",
                      h->optional_flags);
    return XS_OK;
}

/* ---- libxl's JSON numbers ----
 * libxl reads the config with yajl, and json_callback_number()
 * (tools/libs/light/libxl_json.c at RELEASE-4.17.0; the same from 4.6's
 * tools/libxl/libxl_json.c to 4.22) keeps a number strtoll() cannot hold
 * (no '.' in it: is_decimal()), or a decimal strtod() overflows, as a
 * JSON_NUMBER holding its text: the document parses.  Only the field that
 * reads it may refuse it: libxl__uint64_parse_json() takes such a number
 * up to ULLONG_MAX, libxl__int_parse_json() and the uint8/16/32 parsers
 * only a JSON_INTEGER.  jansson refuses the document instead ("too big
 * integer", "real number overflow"), so these numbers are read as strings
 * that start with BIG_MARK (a control byte no config string holds: their
 * count is checked against the numbers marked). */
#define BIG_MARK "\001xs-number:"
#define BIG_MARK_LEN (sizeof(BIG_MARK) - 1)

static bool buf_add(struct xs_buf *b, const char *p, size_t n)
{
    if (b->len + n + 1 > b->cap &&
        xs_buf_reserve(b, (b->len + n + 1) * 2) != XS_OK)
        return false;
    memcpy(b->p + b->len, p, n);
    b->len += n;
    b->p[b->len] = 0;
    return true;
}

/* A number token jansson cannot load: an integer beyond long long, or a
 * real (a '.', 'e' or 'E') that overflows a double. */
static bool json_num_overflows(const char *t, size_t n)
{
    char small[64], *c = n < sizeof(small) ? small : malloc(n + 1);
    if (!c)
        return false;
    memcpy(c, t, n);
    c[n] = '\0';
    bool real = strpbrk(c, ".eE") != NULL, over;
    errno = 0;
    if (real) {
        double d = strtod(c, NULL);
        over = errno == ERANGE && (d == HUGE_VAL || d == -HUGE_VAL);
    } else {
        long long i = strtoll(c, NULL, 10);
        over = errno == ERANGE && (i == LLONG_MAX || i == LLONG_MIN);
    }
    if (c != small)
        free(c);
    return over;
}

/* Recursive over a document jansson parsed: its parser stops at
 * JSON_PARSER_MAX_DEPTH (2048) levels. */
static size_t count_marked(const json_t *v) // NOLINT(misc-no-recursion)
{
    size_t n = 0;
    json_t *x;
    if (json_is_string(v))
        return json_string_length(v) > BIG_MARK_LEN &&
               memcmp(json_string_value(v), BIG_MARK, BIG_MARK_LEN) == 0;
    if (json_is_array(v)) {
        size_t i;
        json_array_foreach(v, i, x) n += count_marked(x);
    }
    if (json_is_object(v)) {
        const char *k;
        json_object_foreach((json_t *)v, k, x) n += count_marked(x);
    }
    return n;
}

/* json_loadb() as libxl reads numbers: on jansson's numeric overflow,
 * again with those numbers marked (*marked of them). */
static json_t *libxl_json_load(const char *c, size_t n, size_t flags,
                               json_error_t *e, size_t *marked)
{
    json_error_t mine;
    if (!e)
        e = &mine;
    *marked = 0;
    json_t *doc = json_loadb(c, n, flags, e);
    if (doc || json_error_code(e) != json_error_numeric_overflow)
        return doc;
    struct xs_buf b = {0};
    bool ok = true;
    for (size_t i = 0; ok && i < n;) {
        size_t j = i;
        if (c[i] == '"') {
            for (j = i + 1; j < n && c[j] != '"'; j++)
                if (c[j] == '\\')
                    j++;
            j = j < n ? j + 1 : n;
        } else if (c[i] == '-' || (c[i] >= '0' && c[i] <= '9')) {
            while (j < n && c[j] && strchr("0123456789+-.eE", c[j]))
                j++;
            if (json_num_overflows(c + i, j - i)) {
                ok = buf_add(&b, "\"\\u0001xs-number:", 17) &&
                     buf_add(&b, c + i, j - i) && buf_add(&b, "\"", 1);
                ++*marked;
                i = j;
                continue;
            }
        } else {
            j = i + 1;
        }
        ok = buf_add(&b, c + i, j - i);
        i = j;
    }
    json_error_t e2;
    doc = ok ? json_loadb((const char *)b.p, b.len, flags, &e2) : NULL;
    xs_buf_free(&b);
    if (!doc || count_marked(doc) != *marked) {
        json_decref(doc); /* the first error stands */
        *marked = 0;
        return NULL;
    }
    return doc;
}

/* What libxl makes of the JSON value v where it wants a number: a
 * JSON_INTEGER (*i), a JSON_NUMBER kept as text (*text), or neither. */
enum libxl_num { LN_NONE, LN_INTEGER, LN_NUMBER };

static enum libxl_num libxl_json_num(const json_t *v, long long *i,
                                     const char **text)
{
    if (json_is_integer(v)) {
        *i = json_integer_value(v);
        return LN_INTEGER;
    }
    const char *s = json_string_value(v);
    if (!s || strncmp(s, BIG_MARK, BIG_MARK_LEN) != 0)
        return LN_NONE;
    *text = s + BIG_MARK_LEN;
    if (strchr(*text, '.'))
        return LN_NUMBER; /* strtod() overflowed */
    /* no '.': strtoll() of what jansson saw as a real ("1e999") stops at
     * the 'e' and gives an integer */
    errno = 0;
    *i = strtoll(*text, NULL, 10);
    return errno == ERANGE ? LN_NUMBER : LN_INTEGER;
}

static unsigned xl_minor(unsigned minor);

/* The file parse_config_data() is in at 4.m. */
static const char *xl_parse_file(unsigned m)
{
    return m < 9 ? "tools/libxl/xl_cmdimpl.c" : "tools/xl/xl_parse.c";
}

/* Who refuses it: "xl 4.m", or with no release asked about, the releases
 * of the newest's run in `refused` ("xl 4.13 to 4.22"). */
static void xl_who(char *out, size_t sz, unsigned minor, uint32_t refused)
{
    unsigned m = xl_minor(minor), lo = m;
    while (minor == 0 && lo > XS_RELEASE_FIRST && (refused >> (lo - 1) & 1))
        lo--;
    if (lo == m)
        snprintf(out, sz, "xl 4.%u", m);
    else
        snprintf(out, sz, "xl 4.%u to 4.%u", lo, m);
}

void xs_xl_check_optdata(const struct xs_xl_hdr *h, const uint8_t *p,
                         size_t held, uint64_t at, unsigned minor,
                         struct xs_report *rep, struct xs_xl_config *cfgs)
{
    const unsigned m = xl_minor(minor);
    char who[32];
    const char *w = "xl optional data";
    uint64_t len = h->optional_data_len;
    if (len == 0)
        return;
    /* xl_vmcontrol.c WITH_OPTDATA(): "Savefile truncated." */
    if (len < 4) {
        xs_report_add(rep, XS_SEV_ERROR, "xl.optdata.short", at, -1, w,
                      "%llu bytes of optional data cannot hold the 4-byte "
                      "config length: xl refuses it",
                      (unsigned long long)len);
        return;
    }
    uint32_t cfg = xs_le32(p);
    if ((uint64_t)cfg > len - 4) {
        xs_report_add(rep, XS_SEV_ERROR, "xl.optdata.config_len", at, -1, w,
                      "config length %u exceeds the %llu bytes of optional "
                      "data left: xl refuses it (\"Savefile truncated\")",
                      cfg, (unsigned long long)(len - 4));
        return;
    }
    cfgs->sized = true;
    cfgs->bytes = cfg;
    cfgs->at = at + 4;
    cfgs->json = (h->mandatory_flags & XS_XL_FLAG_JSON) != 0;
    if (cfg == 0)
        return;
    if (4 + (uint64_t)cfg > held) {
        xs_report_add(rep, XS_SEV_WARNING, "xl.optdata.unchecked", at + 4, -1,
                      w, "the %u-byte config is too large to inspect (kept)",
                      cfg);
        return;
    }
    const char *c = (const char *)p + 4;
    if (cfgs->json) {
        /* libxl_domain_config_from_json() gets a C string: the saver
         * counts the NUL in the length. */
        if (c[cfg - 1] != '\0' || memchr(c, 0, cfg) != c + cfg - 1) {
            xs_report_add(rep, XS_SEV_ERROR, "xl.config.json", at + 4, -1, w,
                          "the JSON config is not one NUL-terminated string");
            return;
        }
        json_error_t e;
        size_t big;
        json_t *doc = libxl_json_load(c, cfg - 1, JSON_REJECT_DUPLICATES, &e,
                                      &big);
        json_t *any = doc ? NULL : libxl_json_load(c, cfg - 1, 0, NULL, &big);
        if (any) {
            /* libxl's libxl__json_map_get() takes the first of a repeated
             * key, jansson the last: what xenstream read of it (guest
             * type, vCPUs, device model) would not be what libxl reads */
            json_decref(any);
            xs_report_add(rep, XS_SEV_ERROR, "xl.config.duplicate_key",
                          at + 4, -1, w,
                          "the JSON config repeats a key (%s, line %d "
                          "column %d): libxl reads the first value, "
                          "xenstream's JSON reader the last, so it is not "
                          "checked as libxl would read it",
                          e.text, e.line, e.column);
            return;
        }
        if (!doc || !json_is_object(doc)) {
            if (doc)
                snprintf(e.text, sizeof(e.text), "not a JSON object");
            xs_report_add(rep, XS_SEV_ERROR, "xl.config.json", at + 4, -1, w,
                          "the JSON config does not parse (%s, line %d "
                          "column %d): xl would restore without a "
                          "configuration",
                          e.text, doc ? 1 : e.line, doc ? 1 : e.column);
            json_decref(doc);
            return;
        }
        json_decref(doc);
    }
    unsigned line;
    size_t off;
    if (!cfgs->json)
        cfgs->refused = xs_xl_config_refused(c, cfg);
    const char *why = cfgs->json ? NULL
                      : xs_xl_config_text_error(c, cfg, m, &line, &off);
    if (why) {
        xl_who(who, sizeof(who), minor, cfgs->refused);
        xs_report_add(rep, XS_SEV_ERROR, "xl.config.syntax", at + 4 + off, -1,
                      w, "xl cannot read the config text (line %u: %s): "
                      "%s restore stops with \"Failed to parse config\" "
                      "(libxlutil's libxlu_cfg_l.l, libxlu_cfg_y.y, "
                      "libxlu_cfg.c at RELEASE-4.%u.0)",
                      line, why, who, m);
        return;
    }
    cfgs->parsed = true;
    xs_xl_parse_config(c, cfg, cfgs->json, cfgs);
    const char *rule;
    char refusal[256];
    why = cfgs->json ? NULL
                     : xs_xl_config_refusal(c, cfg, m, refusal,
                                            sizeof(refusal), &rule, &line,
                                            &off);
    if (why) {
        xl_who(who, sizeof(who), minor, cfgs->refused);
        xs_report_add(rep, XS_SEV_ERROR, rule, at + 4 + off, -1, w,
                      "%s refuses the config (line %u: %s; %s "
                      "parse_config_data() at RELEASE-4.%u.0)", who, line,
                      why, xl_parse_file(m), m);
        if (strcmp(rule, "xl.config.type") == 0)
            cfgs->type[0] = '\0'; /* no domain of any type: said here */
    }
    if (cfgs->json_refused[0])
        /* libxl_domain_config_from_json() fails; xl_vmcontrol.c
         * create_domain() (RELEASE-4.17.0) ignores its result */
        xs_report_add(rep, XS_SEV_ERROR, "xl.config.json_number", at + 4, -1,
                      w, "the JSON config's %s: libxl keeps the number as "
                      "text (json_callback_number()) and that field's reader "
                      "refuses it, so libxl stops reading the config there "
                      "and xl restores with what it read so far",
                      cfgs->json_refused);
}

/* ---- xl config text as libxlutil reads it ----
 * xl restore gives a text config to parse_config_data(), which exits on
 * any error of xlu_cfg_readdata() ("Failed to parse config", xl_parse.c
 * at RELEASE-4.17.0).  Its lexer (tools/libs/util/libxlu_cfg_l.l) and
 * grammar (libxlu_cfg_y.y) at that tag, the same files at RELEASE-4.13.0
 * to 4.22.0 (tools/libxl/ to 4.14); what older ones accept differs in two
 * ways (xs_xl_config_text_error()'s minor): "+=" is not a token before
 * 4.13 (a30910bfd7 "libxlu: Handle += in config files": libxlu_cfg_l.l
 * and libxlu_cfg_y.y at RELEASE-4.12.0 have '=' alone), and
 * xlu__cfgl_dequote() (tools/libxl/libxlu_cfg.c) at RELEASE-4.6.0 drops
 * an escape it does not know where 4.7 on refuse it ("invalid character
 * after backlash in quoted string").  At 4.13.0 to 4.22.0:
 *   IDENT [a-z][._0-9a-z]*   NUMBER [0-9][0-9a-fx]*   [ \t] skipped
 *   , [ ] += = ;   NEWLINE: \n, or # to the end of a line WITH its \n
 *   STRING '...' or "..." on one line, \ escaping one character, then
 *   xlu__cfgl_dequote(): \" \' \\ \a \b \f \n \r \t \v pass; \x never does
 *   (it skips a digit and wants three of two); an octal digit needs two
 *   more decimal digits after it; anything else is an error
 *   anything else is a lexical error (upper case, \r, NUL, '+' '-' '.')
 *   file: (assignment? (NEWLINE | ';'))* assignment?
 *   assignment: IDENT ('=' | '+=') value
 *   value: STRING | NUMBER | '[' NEWLINE* (value NEWLINE* (',' NEWLINE*
 *          value NEWLINE*)* (',' NEWLINE*)?)? ']'
 * Lists nest on bison's stack (YYMAXDEPTH 10000, two entries a level). */
enum { TK_END, TK_IDENT, TK_NUMBER, TK_STRING, TK_NL, TK_COMMA, TK_OPEN,
       TK_CLOSE, TK_ASSIGN, TK_SEMI, TK_ERROR };
#define XL_CFG_DEPTH_MAX 4990u

struct cfg_lexer {
    const char *p, *end, *tok;
    unsigned line, tok_line;
    const char *why;
    /* libxlutil before 4.13 (the zero values are the newest's): */
    bool no_add;      /* no "+=" token (libxlu_cfg_l.l, a30910bfd7) */
    bool lax_escapes; /* 4.6 drops an unknown escape (libxlu_cfg.c) */
};

static bool cfg_escape_ok(const char *q, const char *end, bool lax)
{
    /* q: after the backslash, at the escaped character (before end) */
    char c = *q++;
    if (strchr("\"'\\abfnrtv", c))
        return true;
    if (c != 'x' && (c < '0' || c > '7'))
        return lax; /* 4.7+: "invalid character after backlash" */
    if (c < '0' || c > '7')
        return false; /* \x: see above */
    unsigned digits = 0;
    while (digits < 3 && q + digits < end && isdigit((unsigned char)q[digits]))
        digits++;
    return digits >= 2;
}

static int cfg_token(struct cfg_lexer *lx)
{
    while (lx->p < lx->end && (*lx->p == ' ' || *lx->p == '\t'))
        lx->p++;
    lx->tok = lx->p;
    lx->tok_line = lx->line;
    if (lx->p == lx->end)
        return TK_END;
    char c = *lx->p;
    if (c == '\n' || c == '#') {
        const char *nl = memchr(lx->p, '\n', (size_t)(lx->end - lx->p));
        if (!nl) {
            lx->why = "a comment on the last line without its newline";
            return TK_ERROR;
        }
        lx->p = nl + 1;
        lx->line++;
        return TK_NL;
    }
    if (c >= 'a' && c <= 'z') {
        while (++lx->p < lx->end && (islower((unsigned char)*lx->p) ||
                                     isdigit((unsigned char)*lx->p) ||
                                     *lx->p == '.' || *lx->p == '_'))
            ;
        return TK_IDENT;
    }
    if (c >= '0' && c <= '9') {
        while (++lx->p < lx->end && (isdigit((unsigned char)*lx->p) ||
                                     (*lx->p >= 'a' && *lx->p <= 'f') ||
                                     *lx->p == 'x'))
            ;
        return TK_NUMBER;
    }
    if (c == '\'' || c == '"') {
        for (const char *q = lx->p + 1; q < lx->end && *q != '\n'; q++) {
            if (*q == c) {
                lx->p = q + 1;
                return TK_STRING;
            }
            if (*q == '\0') {
                /* the lexer takes it; dequote's strlen() then fails an
                 * assertion: xl aborts */
                lx->why = "a NUL byte in a string";
                return TK_ERROR;
            }
            if (*q == '\\') {
                if (q + 1 >= lx->end || q[1] == '\n')
                    break;
                if (!cfg_escape_ok(q + 1, lx->end, lx->lax_escapes)) {
                    lx->why = "a backslash escape xl's reader refuses";
                    return TK_ERROR;
                }
                q++;
            }
        }
        lx->why = "a string not closed on its line";
        return TK_ERROR;
    }
    lx->p++;
    switch (c) {
    case ',': return TK_COMMA;
    case '[': return TK_OPEN;
    case ']': return TK_CLOSE;
    case '=': return TK_ASSIGN;
    case ';': return TK_SEMI;
    case '+':
        if (!lx->no_add && lx->p < lx->end && *lx->p == '=') {
            lx->p++;
            return TK_ASSIGN;
        }
        break;
    default:
        break;
    }
    lx->why = c == '\r' ? "a carriage return (a DOS line end)"
            : isupper((unsigned char)c) ? "an upper-case letter outside a string"
            : "a character xl's reader does not take";
    return TK_ERROR;
}

/* The next token that is not a NEWLINE (the grammar's nlok). */
static int cfg_token_nl(struct cfg_lexer *lx)
{
    int t;
    while ((t = cfg_token(lx)) == TK_NL)
        ;
    return t;
}

/* A value whose first token t was read; false with lx->why set. */
static bool cfg_value(struct cfg_lexer *lx, int t)
{
    unsigned depth = 0;
    for (;;) {
        if (t == TK_OPEN) {
            if (++depth > XL_CFG_DEPTH_MAX) {
                lx->why = "lists nested deeper than xl's parser's stack";
                return false;
            }
            t = cfg_token_nl(lx);
            if (t == TK_CLOSE)
                goto closed; /* an empty list */
            continue;        /* its first value */
        }
        if (t != TK_STRING && t != TK_NUMBER) {
            lx->why = t == TK_ERROR ? lx->why : "a value expected";
            return false;
        }
        /* after a value: inside a list, ',' or ']' */
        for (;;) {
            if (depth == 0)
                return true;
            t = cfg_token_nl(lx);
            if (t == TK_COMMA) {
                t = cfg_token_nl(lx);
                if (t != TK_CLOSE)
                    break; /* the next value */
            }
            if (t != TK_CLOSE) {
                lx->why = t == TK_ERROR ? lx->why : "',' or ']' expected";
                return false;
            }
        closed:
            depth--;
        }
    }
}

/* The release whose xl is asked about: 0 the newest read; the oldest
 * read for anything older (4.6: none older restores a v2 stream). */
static unsigned xl_minor(unsigned minor)
{
    return minor == 0 || minor > XS_RELEASE_LAST ? XS_RELEASE_LAST
           : minor < XS_RELEASE_FIRST            ? XS_RELEASE_FIRST
                                                 : minor;
}

const char *xs_xl_config_text_error(const char *cfg, size_t n, unsigned minor,
                                    unsigned *line, size_t *at)
{
    minor = xl_minor(minor);
    struct cfg_lexer lx = {.p = cfg, .end = cfg + n, .line = 1,
                           .no_add = minor < 13, .lax_escapes = minor < 7};
    for (;;) {
        int t = cfg_token(&lx);
        if (t == TK_END)
            return NULL;
        if (t == TK_NL || t == TK_SEMI)
            continue;
        if (t == TK_IDENT && cfg_token(&lx) == TK_ASSIGN &&
            cfg_value(&lx, cfg_token(&lx))) {
            t = cfg_token(&lx);
            if (t == TK_END)
                return NULL;
            if (t == TK_NL || t == TK_SEMI)
                continue;
        }
        *line = lx.tok_line;
        *at = (size_t)(lx.tok - cfg);
        return lx.why ? lx.why : "`key = value` expected, then a newline or ';'";
    }
}

/* ---- what parse_config_data() refuses ----
 * After the grammar, xl's parse_config_data() exits on these, decided by
 * the text alone, in this order; each was read at every tag
 * RELEASE-4.6.0 to 4.22.0 (tools/libxl/xl_cmdimpl.c to 4.8, then
 * tools/xl/xl_parse.c), and the release that changed it is named:
 * - type other than a prefix of "hvm", "pv", "pvh", builder other than a
 *   prefix of "hvm" or "generic", or the two contradicting: "Invalid
 *   domain type", "Contradicting \"builder\" and \"type\" options
 *   specified." -- from 4.10 (c7dfe4ac58 "xl: introduce a domain type
 *   option"); 4.6 to 4.9 read no type and take any builder ("hvm" by
 *   prefix is HVM, anything else PV): nothing refused;
 * - no name, or a list: "Domain name must be specified." (4.6-4.22);
 * - a uuid libxl_uuid_from_string() cannot read (libxl_uuid.c: libuuid's
 *   uuid_parse() on Linux at every tag, 36 characters, '-' at 8, 13, 18
 *   and 23, hex digits elsewhere): "Failed to parse UUID" (4.6-4.22);
 * - vcpus whose int libxl_cpu_bitmap_alloc() gets is negative: "Unable to
 *   allocate cpumap" (before vnuma is read: a vnuma list does not help).
 *   4.22 (4b71a86eaa "tools/xl: Fix when config "cpus" is set, but
 *   "vcpus" is missing") takes vcpus below 1 as 1 first, so "-1" passes
 *   there and 0x80000000 is still refused;
 * - maxvcpus (0: vcpus) below vcpus, when no non-empty vnuma list sets
 *   them: "xl: maxvcpus < vcpus" (4.6-4.22, vcpus as above);
 * - vuart (from 4.10, 088fb827ee; read on x86 too) not a name of
 *   libxl_vuart_type ("unknown", "sbsa_uart" to 4.22, any case): "ERROR:
 *   invalid value \"%s\" for \"vuart\"";
 * - cpus, then cpus_soft: a word of the string (or of a list item, items
 *   read up to max_vcpus) that parse_cpurange() does not take: "^all"
 *   ("Can't combine \"^\" and \"all\"."), or after an optional '^' and
 *   "node:"/"nodes:" not "all", N or N-M (strtoul() base 10, M >= N,
 *   nothing after): "Invalid pcpu range: %s." (the same code at every
 *   tag, parse_vcpu_affinity(), update_cpumap_range(), parse_range());
 *   node numbers are the host's, and not checked;
 * - max_grant_frames, max_maptrack_frames set but not a number from 0 to
 *   INT_MAX (xlu_cfg_get_bounded_long(), "+=" and lists included):
 *   exit(1), from 4.13 (7a0e35f823); 4.10 (8b46c4ffdc) to 4.12 read them
 *   with xlu_cfg_get_long(), a bad value warned about and left at its
 *   default; max_grant_version the same from 4.16 (7379f9e10a);
 * - on_poweroff, on_reboot, on_watchdog, on_crash, and on_soft_reset
 *   from 4.7, not one of action_on_shutdown_names[]: "Unknown on_...
 *   action"; 4.6's names lack "soft-reset" and it reads no on_soft_reset
 *   (both from 4.7);
 * - xenstore_quota (4.22) and llc_colors (4.20), before vcpus;
 * - the settings of one value between the pci list and the ioports, and
 *   after the device lists (settings_before_io_refused(),
 *   settings_after_io_refused());
 * - the device lists, each item up to the first that is not a string
 *   (ioports, irqs, iomem: each item), in xl's order (pci first from
 *   4.13, after vif before it; vkb and virtio last), by the item parsers
 *   of formats/xlu.c:
 *   - pci: xlu_pci_parse_bdf() to 4.14, xlu_pci_parse_spec_string()
 *     from 4.15;
 *   - disk: as xlu_disk_parse() reads it (rules change at 4.8, 4.9, 4.17
 *     and 4.19): "config parsing error in disk specification: ...",
 *     exit(EXIT_FAILURE);
 *   - vtpm, pvcalls (from 4.11): an unknown key, vtpm's bad uuid or
 *     missing backend;
 *   - channel: xs_xlu_channel_refusal() (split_string_into_pair()
 *     changed at 4.18);
 *   - vif: a `rate=` that xlu_vif_parse_rate() refuses: "config parsing
 *     error in vif: ...", exit(EXIT_FAILURE), a devid= (4.9) or mtu=
 *     (4.15) parse_ulong() refuses; nothing else of a vif makes xl exit
 *     (a bad mac or type is a message, then ignored);
 *   - p9 (4.9), vdispl (4.10), vsnd (4.12), virtio (4.18), ioports,
 *     irqs, iomem: see formats/xlu.c;
 *   - usbctrl, usbdev (from 4.7), vkb (from 4.12): an unknown token or
 *     type, vkb without backend-type or a multi-touch size.
 * Numbers are read as xlu_cfg_get_long() does (libxlu_cfg.c at each tag;
 * xlu_cfg_get_bounded_long() from 4.13): strtol(s, &end, 0), all of s,
 * no ERANGE, no "+=" (from 4.13; before it no "+=" parses); a value it
 * cannot read is left at its default with a warning, not refused
 * ("memory", "maxmem", "vcpus" included: no release checks maxmem against
 * memory either).  A key set twice counts with its last value.
 *
 * The releases where what is refused changes, oldest first: each rule
 * below at one of them holds up to the next (xs_xl_config_refused()). */
static const unsigned xl_rule_minors[] = {6,  7,  8,  9,  10, 11, 12, 13,
                                          15, 16, 17, 18, 19, 20, 21, 22};

static void cfg_dequote(const char *tok, size_t len, char *out, size_t outsz);

enum { CK_TYPE, CK_BUILDER, CK_NAME, CK_UUID, CK_VCPUS, CK_MAXVCPUS,
       CK_VNUMA, CK_GRANT, CK_MAPTRACK, CK_GRANT_VERSION, CK_POWEROFF,
       CK_REBOOT, CK_WATCHDOG, CK_CRASH, CK_SOFT_RESET, CK_CPUS,
       CK_CPUS_SOFT, CK_VUART, CK_PCI, CK_IOPORTS, CK_IRQS, CK_IOMEM,
       CK_DISK, CK_P9, CK_VTPM, CK_VDISPL, CK_PVCALLS, CK_VSND, CK_CHANNEL,
       CK_VIF, CK_USBCTRL, CK_USBDEV, CK_VKB, CK_VIRTIO, CK_XSQUOTA,
       CK_LLC, CK_PASSTHROUGH, CK_TSC, CK_BOOTARGS, CK_TIMER, CK_BIOS,
       CK_VIRIDIAN, CK_MMIO_HOLE, CK_GENID, CK_MCA, CK_FIRMWARE, CK_KERNEL,
       CK_BOOTLOADER, CK_ALTP2M, CK_DMV, CK_DMARGS, CK_DMARGS_PV,
       CK_DMARGS_HVM, CK_VGA, CK_HDTYPE, CK_GFX, CK_VNCLISTEN,
       CK_VNCDISPLAY, CK_VENDOR, CK_GIC, CK_TEE, CK_MAXMEM, CK_N };
static const char *const ck_names[CK_N] = {
    "type", "builder", "name", "uuid", "vcpus", "maxvcpus", "vnuma",
    "max_grant_frames", "max_maptrack_frames", "max_grant_version",
    "on_poweroff", "on_reboot", "on_watchdog", "on_crash", "on_soft_reset",
    "cpus", "cpus_soft", "vuart", "pci", "ioports", "irqs", "iomem", "disk",
    "p9", "vtpm", "vdispl", "pvcalls", "vsnd", "channel", "vif", "usbctrl",
    "usbdev", "vkb", "virtio", "xenstore_quota", "llc_colors",
    "passthrough", "tsc_mode", "bootloader_args", "timer_mode", "bios",
    "viridian", "mmio_hole", "ms_vm_genid", "mca_caps", "firmware", "kernel",
    "bootloader", "altp2m", "device_model_version", "device_model_args",
    "device_model_args_pv", "device_model_args_hvm", "vga", "hdtype",
    "gfx_passthru", "vnclisten", "vncdisplay", "vendor_device",
    "gic_version", "tee", "maxmem",
};

struct cfg_setting {
    bool set, list, add, whole; /* whole: v holds all of the value */
    bool empty;                 /* an empty list */
    const char *val;            /* the value's text in the config */
    size_t vlen;
    char v[128];
    unsigned line;
    size_t at;
};

/* xlu_cfg_get_bounded_long(): 0 and *l, or not a number */
static bool cfg_long(const struct cfg_setting *s, long min, long max, long *l)
{
    if (!s->set || s->list || s->add || !s->whole)
        return false;
    char *end;
    errno = 0;
    *l = strtol(s->v, &end, 0);
    return !errno && end != s->v && !*end && *l >= min && *l <= max;
}

/* The next `key =` of the text (*key, *klen, its line), the lexer then
 * at its value; false at the end, at a lexer error, or at a name that no
 * '=' follows (where xl's grammar stops too). */
static bool cfg_next_setting(struct cfg_lexer *lx, const char **key,
                             size_t *klen, unsigned *kline)
{
    for (;;) {
        int t = cfg_token(lx);
        if (t == TK_END || t == TK_ERROR)
            return false;
        if (t != TK_IDENT)
            continue;
        *key = lx->tok;
        *klen = (size_t)(lx->p - lx->tok);
        *kline = lx->tok_line;
        return cfg_token(lx) == TK_ASSIGN;
    }
}

/* xl_parse.c update_cpumap_range() and parse_range() (xl_cmdimpl.c to
 * 4.8; the same code from RELEASE-4.6.0 to 4.22.0) on one of the
 * ','-separated words of a cpus string: NULL, or what xl says before it
 * exits.  "node:"/"nodes:" numbers are looked up on the host
 * (libxl_node_to_cpumap()), so only their syntax is checked. */
static const char *cpu_word_bad(const char *str)
{
    bool is_not = *str == '^';
    str += is_not;
    if (!strncmp(str, "node:", 5))
        str += 5;
    else if (!strncmp(str, "nodes:", 6))
        str += 6;
    if (strcmp(str, "all") == 0)
        return is_not ? "Can't combine \"^\" and \"all\"." : NULL;
    char *end;
    unsigned long a = strtoul(str, &end, 10);
    if (end == str || a == ULONG_MAX)
        return "Invalid pcpu range";
    if (*end == '-') {
        const char *nstr = end + 1;
        unsigned long b = strtoul(nstr, &end, 10);
        if (end == nstr || b == ULONG_MAX || b < a)
            return "Invalid pcpu range";
    }
    return *end ? "Invalid pcpu range" : NULL;
}

/* parse_cpurange(): the words of a cpus string (strtok_r() on ',', so
 * empty words are skipped); NULL, or why, the word in word[wsz]. */
static const char *cpus_bad(const char *s, char *word, size_t wsz)
{
    while (*s) {
        size_t n = strcspn(s, ",");
        if (n) {
            char w[256];
            if (n >= sizeof(w))
                return NULL; /* beyond what is looked at: not judged */
            memcpy(w, s, n);
            w[n] = '\0';
            const char *why = cpu_word_bad(w);
            if (why) {
                size_t k = n < wsz - 1 ? n : wsz - 1;
                memcpy(word, w, k); /* cut to wsz - 1 for the message */
                word[k] = '\0';
                return why;
            }
        }
        s += n + (s[n] == ',');
    }
    return NULL;
}

/* A string or number token as xlu_cfg_get_string() gives it, into out;
 * false when longer than outsz (not judged). */
static bool cfg_atom(const char *tok, size_t len, int t, char *out,
                     size_t outsz)
{
    if (len >= outsz)
        return false;
    if (t == TK_STRING) {
        cfg_dequote(tok, len, out, outsz);
    } else {
        memcpy(out, tok, len);
        out[len] = '\0';
    }
    return true;
}

/* parse_vcpu_affinity() for cpus or cpus_soft set as s: a string is
 * parsed once, a list item by item up to max_vcpus (items past the
 * first that is not a string are not reached: xlu_cfg_get_listitem()).
 * max_vcpus < 0: not known (a vnuma list), the list not judged.  NULL,
 * or why (the word in word), *item the list item (-1: a string). */
static const char *cpus_setting_bad(const struct cfg_setting *s,
                                    long max_vcpus, char *word, size_t wsz,
                                    long *item)
{
    char v[4096];
    struct cfg_lexer lx = {.p = s->val, .end = s->val + s->vlen, .line = 1};
    int t = cfg_token(&lx);
    *item = -1;
    if (s->add)
        return NULL; /* "+=": joined to what came before; not judged */
    if (t != TK_OPEN)
        return cfg_atom(lx.tok, (size_t)(lx.p - lx.tok), t, v, sizeof(v))
                   ? cpus_bad(v, word, wsz)
                   : NULL;
    for (long j = 0; j < max_vcpus; j++) {
        t = cfg_token_nl(&lx);
        if (t == TK_COMMA)
            t = cfg_token_nl(&lx);
        if (t != TK_STRING && t != TK_NUMBER)
            return NULL; /* the end, or a list: xl stops looking */
        if (!cfg_atom(lx.tok, (size_t)(lx.p - lx.tok), t, v, sizeof(v)))
            continue;
        const char *why = cpus_bad(v, word, wsz);
        if (why) {
            *item = j;
            return why;
        }
    }
    return NULL;
}

static void copy_str(char *dst, size_t sz, const char *s, size_t n)
{
    size_t k = 0;
    for (size_t i = 0; i < n && k + 1 < sz && s[i]; i++)
        dst[k++] = isprint((unsigned char)s[i]) ? s[i] : '?';
    dst[k] = '\0';
}

/* How xl walks a list (xl_parse.c, the same at every tag): LIST_STOP:
 * xlu_cfg_get_listitem() up to the first element that is not a string
 * (most lists); LIST_EVERY: by the count, an element that is not a string
 * refused (ioports, irqs, iomem, xenstore_quota, llc_colors: "xl: Unable
 * to get element 2 in irq list"); LIST_CARDS: every element a list,
 * itself read as LIST_STOP (vsnd, parse_vsnd_card_config(): "Failed to
 * get vsnd card list: Invalid argument"). */
enum list_walk { LIST_STOP, LIST_EVERY, LIST_CARDS };

struct list_item {
    const char *text; /* the item, dequoted; NULL: not a string */
    size_t len;
    bool judged;      /* false: beyond what is looked at */
    const char *list; /* a nested list's text, to list_end */
    const char *list_end;
};

/* The next element of a list the lexer is in: false at its end (or at
 * a lexer error).  A nested list is skipped whole. */
static bool list_next(struct cfg_lexer *lx, struct list_item *it, char *v,
                      size_t vsz)
{
    int t = cfg_token_nl(lx);
    if (t == TK_COMMA)
        t = cfg_token_nl(lx);
    it->text = NULL;
    it->judged = true;
    if (t == TK_OPEN) {
        it->list = lx->tok;
        bool ok = cfg_value(lx, t);
        it->list_end = lx->p;
        return ok;
    }
    if (t != TK_STRING && t != TK_NUMBER)
        return false;
    size_t len = (size_t)(lx->p - lx->tok);
    it->judged = cfg_atom(lx->tok, len, t, v, vsz);
    it->text = v;
    it->len = it->judged ? strlen(v) : 0;
    return true;
}

/* Does bad() refuse the item it?  Then its text, cut to specsz - 1, in
 * spec. */
static bool item_bad(const struct list_item *it, unsigned minor,
                     unsigned *carry, xs_xlu_item_fn *bad, char *why,
                     size_t whysz, char *spec, size_t specsz)
{
    if (!it->judged || !bad(it->text, it->len, minor, carry, why, whysz))
        return false;
    copy_str(spec, specsz, it->text, it->len);
    return true;
}

/* A list, judged item by item by bad() (formats/xlu.c; a list set with
 * "+=" is not judged).  NULL, or why (in why), the item's text cut to
 * specsz - 1 in spec (empty for an element that is not a string) and its
 * index in *item (in a vsnd list the card's).  LIST_EVERY: xl's message
 * for an element that is not a string is elem[0], the index, elem[1]. */
static const char *list_setting_bad(const struct cfg_setting *s,
                                    unsigned minor, enum list_walk walk,
                                    const char *const elem[2], char *why,
                                    size_t whysz, char *spec, size_t specsz,
                                    long *item, xs_xlu_item_fn *bad)
{
    char v[4096];
    unsigned carry = 0;
    struct list_item it;
    if (!s->set || s->add || !s->list)
        return NULL; /* not a list: xl warns and goes on */
    struct cfg_lexer lx = {.p = s->val, .end = s->val + s->vlen, .line = 1};
    if (cfg_token(&lx) != TK_OPEN)
        return NULL;
    spec[0] = '\0';
    for (*item = 0; list_next(&lx, &it, v, sizeof(v)); ++*item) {
        if (!it.text && walk == LIST_STOP)
            return NULL;
        if (!it.text && walk == LIST_EVERY) {
            snprintf(why, whysz, "%s%ld%s", elem[0], *item, elem[1]);
            return why;
        }
        if (it.text && walk == LIST_CARDS) {
            snprintf(why, whysz, "Failed to get vsnd card list: Invalid "
                     "argument");
            return why;
        }
        if (walk == LIST_CARDS) {
            /* the card's own list, which list_next() went past */
            struct cfg_lexer card = {.p = it.list, .end = it.list_end,
                                     .line = 1};
            if (cfg_token(&card) != TK_OPEN)
                continue;
            while (list_next(&card, &it, v, sizeof(v)) && it.text)
                if (item_bad(&it, minor, &carry, bad, why, whysz, spec,
                             specsz))
                    return why;
            continue;
        }
        if (item_bad(&it, minor, &carry, bad, why, whysz, spec, specsz))
            return why;
    }
    return NULL;
}

/* the arguments REFUSE's callers pass on */
struct xl_verdict {
    char *why;
    size_t whysz;
    const char **rule;
    unsigned *line;
    size_t *at;
};

static bool xl_refuse(const struct xl_verdict *o, const struct cfg_setting *k,
                      int c, const char *rule, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
static bool xl_refuse(const struct xl_verdict *o, const struct cfg_setting *k,
                      int c, const char *rule, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    /* the analyzer loses va_start here (a known false positive) */
    vsnprintf(o->why, o->whysz, fmt, ap); // NOLINT(clang-analyzer-valist.Uninitialized)
    va_end(ap);
    *o->rule = rule;
    *o->line = k[c].set ? k[c].line : 1; /* missing: the config's start */
    *o->at = k[c].set ? k[c].at : 0;
    return true;
}

/* One list xl reads, from release 4.since, and how: its rule, what xl
 * prints before an item's message ("config parsing error in vif: "), its
 * item parser, its walk and LIST_EVERY's message. */
struct xl_list {
    int ck;
    unsigned since;
    const char *rule, *says;
    xs_xlu_item_fn *bad;
    enum list_walk walk;
    const char *elem[2];
};

/* Does xl 4.m refuse list l in the settings k?  Then the verdict in o. */
static bool xl_list_refused(const struct xl_verdict *o,
                            const struct xl_list *l,
                            const struct cfg_setting *k, unsigned m)
{
    char spec[48], msg[192];
    long item;
    if (m < l->since ||
        !list_setting_bad(&k[l->ck], m, l->walk, l->elem, msg, sizeof(msg),
                          spec, sizeof(spec), &item, l->bad))
        return false;
    return xl_refuse(o, k, l->ck, l->rule, "%s item %ld \"%s\": xl stops "
                     "with \"%s%s\"", ck_names[l->ck], item, spec, l->says,
                     msg);
}

/* ---- the settings xl reads one value of ----
 * parse_config_data() (xl_parse.c; xl_cmdimpl.c to 4.8) at each tag: a
 * value read with xlu_cfg_get_string() (a list is not one; one set with
 * "+=" is not judged here, as its whole text is not at hand), or with
 * xlu_cfg_get_long() first where xl does; an enum of libxl's compared as
 * libxl__enum_from_string() does, in any case (libxl_types.idl at each
 * tag), where xl does not strcmp() itself. */

enum { GT_HVM = 1, GT_PV = 2, GT_PVH = 3 };

/* the value xl's xlu_cfg_get_string() gives, when judged */
static const char *cfg_atom_value(const struct cfg_setting *s)
{
    return s->set && !s->list && !s->add && s->whole ? s->v : NULL;
}

/* a NUMBER setting that is a number out of [lo, hi], or a string one
 * not in names (tsc_mode, timer_mode, altp2m: xlu_cfg_get_long() first,
 * then xlu_cfg_get_string()) */
static bool mode_refused(const struct xl_verdict *o,
                         const struct cfg_setting *k, int c, long hi,
                         const char *const *names, const char *rule)
{
    long l;
    const char *v;
    if (cfg_long(&k[c], LONG_MIN, LONG_MAX, &l))
        return (l < 0 || l > hi) &&
               xl_refuse(o, k, c, rule, "%s %ld is not 0 to %ld: xl stops "
                         "with \"ERROR: invalid value %ld for \\\"%s\\\"\"",
                         ck_names[c], l, hi, l, ck_names[c]);
    return (v = cfg_atom_value(&k[c])) && !xs_xlu_enum(v, strlen(v), names) &&
           xl_refuse(o, k, c, rule, "%s \"%.40s\" is not a mode xl knows: "
                     "xl stops with \"ERROR: invalid value \\\"%.40s\\\" "
                     "for \\\"%s\\\"\"", ck_names[c], v, v, ck_names[c]);
}

/* a setting whose value must be one of names (in any case when
 * any_case, as libxl's enums; else as xl's own strcmp()): xl prints pre,
 * the value, post */
static bool enum_refused(const struct xl_verdict *o,
                         const struct cfg_setting *k, int c,
                         const char *const *names, bool any_case,
                         const char *rule, const char *pre, const char *post)
{
    const char *v = cfg_atom_value(&k[c]);
    if (!v)
        return false;
    bool known = any_case && xs_xlu_enum(v, strlen(v), names);
    for (const char *const *n = names; !any_case && *n; n++)
        known |= !strcmp(v, *n);
    return !known &&
           xl_refuse(o, k, c, rule, "%s \"%.40s\" is not one xl knows: xl "
                     "stops with \"%s%.40s%s\"", ck_names[c], v, pre, v,
                     post);
}

static bool prefix_of(const char *s, const char *word);

/* What xl reads after the pci list (from 4.13) and before the ioports,
 * in 4.17's order: passthrough, tsc_mode, bootloader_args, timer_mode,
 * an HVM guest's bios, viridian, mmio_hole, ms_vm_genid and mca_caps, a
 * PV or PVH guest's firmware, kernel and bootloader, then altp2m. */
static bool settings_before_io_refused(const struct xl_verdict *o,
                                       const struct cfg_setting *k,
                                       unsigned m, int gtype)
{
    static const char *const passthrough[] = {
        "default", "disabled", "enabled", "sync_pt", "share_pt", NULL};
    static const char *const tsc[] = {"default", "always_emulate", "native",
                                      "native_paravirt", NULL};
    static const char *const timer[] = {
        "unknown", "delay_for_missed_ticks", "no_delay_for_missed_ticks",
        "no_missed_ticks_pending", "one_missed_tick_pending", NULL};
    static const char *const bios[] = {"unknown", "rombios", "seabios",
                                       "ovmf", NULL};
    static const char *const altp2m[] = {"disabled", "mixed", "external",
                                         "limited", NULL};
    static const struct xl_list viridian = {
        CK_VIRIDIAN, 6, "xl.config.hvm", "", xs_xlu_viridian_refusal,
        LIST_EVERY, {"a segmentation fault: element ", " is a list, which "
                     "xl strcmp()s as NULL"}};
    static const struct xl_list mca = {
        CK_MCA, 10, "xl.config.hvm", "", xs_xlu_mca_cap_refusal, LIST_EVERY,
        {"a segmentation fault: element ", " is a list, which xl "
         "strcmp()s as NULL"}};
    const char *v;
    long l;
    /* babde47a3f, RELEASE-4.13.0 */
    if (m >= 13 && enum_refused(o, k, CK_PASSTHROUGH, passthrough, true,
                                "xl.config.passthrough", "ERROR: unknown "
                                "passthrough option '", "'"))
        return true;
    if (mode_refused(o, k, CK_TSC, 3, tsc, "xl.config.tsc_mode"))
        return true;
    /* a string split at blanks, split_string_into_string_list() of
     * nothing crashing; read for every type from 4.10, a PV guest's
     * before */
    v = cfg_atom_value(&k[CK_BOOTARGS]);
    if (v && !v[strspn(v, " \t\n")] && (m >= 10 || gtype == GT_PV))
        return xl_refuse(o, k, CK_BOOTARGS, "xl.config.kernel",
                         "bootloader_args \"%.40s\" holds no argument: xl "
                         "ends with a segmentation fault "
                         "(split_string_into_string_list() strdup()s "
                         "NULL)", v);
    /* 3c44f8ed44, RELEASE-4.10.0: read for every type, refused for PV;
     * before, an HVM guest's only */
    if (m >= 10 && gtype == GT_PV && k[CK_TIMER].set && !k[CK_TIMER].list)
        return xl_refuse(o, k, CK_TIMER, "xl.config.timer_mode",
                         "timer_mode is set for a PV guest: xl stops with "
                         "\"ERROR: \\\"timer_mode\\\" option is not "
                         "supported for PV guests.\" (from 4.10)");
    if ((m >= 10 || gtype == GT_HVM) &&
        mode_refused(o, k, CK_TIMER, 3, timer, "xl.config.timer_mode"))
        return true;
    if (gtype == GT_HVM) {
        if (enum_refused(o, k, CK_BIOS, bios, true, "xl.config.hvm",
                         "ERROR: invalid value \\\"", "\\\" for \\\"bios\\\"") ||
            xl_list_refused(o, &viridian, k, m))
            return true;
        /* mmio_hole_memkb = l * 1024, its bytes in 64 bits, within
         * [HVM_BELOW_4G_MMIO_LENGTH, HVM_BELOW_4G_MMIO_START]; a long
         * that l * 1024 overflows is not judged */
        if (cfg_long(&k[CK_MMIO_HOLE], LONG_MIN / 1024, LONG_MAX / 1024,
                     &l)) {
            uint64_t bytes = (uint64_t)(l * 1024) * 1024u;
            if (bytes < 0x10000000u || bytes > 0xf0000000u)
                return xl_refuse(o, k, CK_MMIO_HOLE, "xl.config.hvm",
                                 "mmio_hole %ld (MiB) is not 256 to 3840: "
                                 "xl stops with \"ERROR: invalid value %ld "
                                 "for \\\"mmio_hole\\\"\"", l, l);
        }
        v = cfg_atom_value(&k[CK_GENID]);
        if (v && strcmp(v, "generate") != 0 && strcmp(v, "none") != 0)
            return xl_refuse(o, k, CK_GENID, "xl.config.hvm", "ms_vm_genid "
                             "\"%.40s\" is not generate or none: xl stops "
                             "with \"ERROR: \\\"ms_vm_genid\\\" option must "
                             "be \\\"generate\\\" or \\\"none\\\"\"", v);
        /* 4e731e9707, RELEASE-4.10.0: a list, each element lmce */
        if (m >= 10 && k[CK_MCA].set && !k[CK_MCA].list)
            return xl_refuse(o, k, CK_MCA, "xl.config.hvm", "mca_caps is "
                             "not a list: xl stops with \"ERROR: unable to "
                             "parse mca_caps.\" (from 4.10)");
        if (xl_list_refused(o, &mca, k, m))
            return true;
    } else {
        /* 931bd35bf6, RELEASE-4.10.0: firmware, pvgrub32 or pvgrub64 (a
         * prefix of either, as xl's strncmp() takes it), instead of a
         * kernel; a PV guest (from 4.10 a PVH one too) needs one of
         * them or a bootloader */
        const struct cfg_setting *fw = &k[CK_FIRMWARE];
        const bool firmware = m >= 10 && fw->set && !fw->list;
        const bool kernel = k[CK_KERNEL].set && !k[CK_KERNEL].list;
        if (firmware && kernel)
            return xl_refuse(o, k, CK_FIRMWARE, "xl.config.kernel",
                             "firmware and kernel are both set: xl stops "
                             "with \"ERROR: both kernel and firmware "
                             "specified\" (from 4.10)");
        v = cfg_atom_value(fw);
        if (firmware && v && !prefix_of(v, "pvgrub32") &&
            !prefix_of(v, "pvgrub64"))
            return xl_refuse(o, k, CK_FIRMWARE, "xl.config.kernel",
                             "firmware \"%.40s\" is not pvgrub32 or "
                             "pvgrub64: xl stops with \"ERROR: only "
                             "pvgrub{32|64} supported as firmware options\"",
                             v);
        if (!firmware && !kernel && !(k[CK_BOOTLOADER].set &&
                                      !k[CK_BOOTLOADER].list))
            return xl_refuse(o, k, CK_KERNEL, "xl.config.kernel",
                             "a %s guest with no kernel, bootloader or "
                             "firmware: xl stops with \"Neither kernel nor "
                             "bootloader specified\"",
                             gtype == GT_PV ? "PV" : "PVH");
    }
    /* c47d1d6873, RELEASE-4.9.0 */
    return m >= 9 && mode_refused(o, k, CK_ALTP2M, 3, altp2m,
                                  "xl.config.altp2m");
}

/* What xl reads after the device lists, before vkb: the device model's
 * version and arguments, an HVM guest's vga, hdtype, gfx_passthru, VNC
 * display and vendor_device, then gic_version and tee (4.17's order). */
static bool settings_after_io_refused(const struct xl_verdict *o,
                                      const struct cfg_setting *k,
                                      unsigned m, int gtype)
{
    /* 19ab8356ab, RELEASE-4.21.0: qemu-xen-traditional removed */
    static const char *const dmv[] = {"qemu-xen", "qemu-xen-traditional",
                                      NULL};
    static const char *const dmv21[] = {"qemu-xen", NULL};
    static const char *const vga[] = {"stdvga", "cirrus", "none", "qxl",
                                      NULL};
    static const char *const hdtype[] = {"ide", "ahci", NULL};
    static const char *const gfx[] = {"default", "igd", NULL};
    static const char *const vendor[] = {"none", "xenserver", NULL};
    static const char *const gic[] = {"default", "v2", "v3", NULL};
    /* 2e32cd9929, RELEASE-4.13.0; ffa 8abdd8d528, RELEASE-4.18.0 */
    static const char *const tee[] = {"none", "optee", "ffa", NULL};
    static const char *const tee13[] = {"none", "optee", NULL};
    long l;
    if (enum_refused(o, k, CK_DMV, m >= 21 ? dmv21 : dmv, false,
                     "xl.config.device_model", "Unknown device_model_version "
                     "\\\"", "\\\" specified"))
        return true;
    for (int c = CK_DMARGS; c <= CK_DMARGS_HVM; c++)
        if (k[c].set && !k[c].list)
            return xl_refuse(o, k, c, "xl.config.device_model", "%s is not "
                             "a list: xl stops with \"xl: Unable to parse "
                             "%s.\"", ck_names[c], ck_names[c]);
    if (gtype == GT_HVM) {
        if (enum_refused(o, k, CK_VGA, vga, false, "xl.config.hvm",
                         "Unknown vga \\\"", "\\\" specified") ||
            enum_refused(o, k, CK_HDTYPE, hdtype, true, "xl.config.hvm",
                         "ERROR: invalid value \\\"", "\\\" for \\\"hdtype\\\""))
            return true;
        /* a number, or from 4.7 (488508b49a) a kind */
        if (!cfg_long(&k[CK_GFX], LONG_MIN, LONG_MAX, &l) && m >= 7 &&
            enum_refused(o, k, CK_GFX, gfx, true, "xl.config.hvm",
                         "ERROR: invalid value \\\"",
                         "\\\" for \\\"gfx_passthru\\\""))
            return true;
        const char *listen = cfg_atom_value(&k[CK_VNCLISTEN]);
        if (listen && strchr(listen, ':') &&
            cfg_long(&k[CK_VNCDISPLAY], LONG_MIN, LONG_MAX, &l) && (int)l)
            return xl_refuse(o, k, CK_VNCDISPLAY, "xl.config.hvm",
                             "vnclisten \"%.40s\" has a display and "
                             "vncdisplay is %d: xl stops with \"ERROR: "
                             "Display specified both in vnclisten and "
                             "vncdisplay!\"", listen, (int)l);
        if (enum_refused(o, k, CK_VENDOR, vendor, true, "xl.config.hvm",
                         "xl: unknown vendor_device '", "'"))
            return true;
    }
    return enum_refused(o, k, CK_GIC, gic, true, "xl.config.arch",
                        "Unknown gic_version \\\"", "\\\" specified") ||
           (m >= 13 && enum_refused(o, k, CK_TEE, m >= 18 ? tee : tee13,
                                    true, "xl.config.arch", "Unknown tee \\\"",
                                    "\\\" specified"));
}

/* The vnuma list (parse_vnuma_config(), read after vuart, before
 * maxvcpus is checked against vcpus): each element a list (a string:
 * "xl: cannot get vnode config option list"), its strings by
 * xs_xlu_vnuma_option_refusal() (its other elements skipped); the
 * per-node cpumaps are allocated first with maxvcpus, which must not be
 * negative; then maxvcpus, when given, must be the vCPUs the nodes
 * name, and maxmem, when given, their memory.  With maxvcpus 0 or unset
 * the host's CPU count decides: not judged. */
static bool vnuma_refused(const struct xl_verdict *o,
                          const struct cfg_setting *k, unsigned m)
{
    const struct cfg_setting *s = &k[CK_VNUMA];
    char v[4096], why[256] = "";
    struct list_item it;
    struct xs_xlu_vnuma sum = {0};
    long l;
    if (!s->set || !s->list || s->add || s->empty)
        return false;
    int maxv = cfg_long(&k[CK_MAXVCPUS], LONG_MIN, LONG_MAX, &l) ? (int)l
                                                                 : 0;
    if (maxv < 0)
        return xl_refuse(o, k, CK_MAXVCPUS, "xl.config.vnuma", "maxvcpus "
                         "%d with a vnuma list: xl stops with "
                         "\"libxl_node_bitmap_alloc failed.\"", maxv);
    /* the nodes, counted first (xlu_cfg_get_list()'s count) */
    struct cfg_lexer lx = {.p = s->val, .end = s->val + s->vlen, .line = 1};
    if (cfg_token(&lx) != TK_OPEN)
        return false;
    const struct cfg_lexer start = lx;
    while (list_next(&lx, &it, v, sizeof(v)))
        sum.nodes++;
    lx = start;
    for (long node = 0; list_next(&lx, &it, v, sizeof(v)); node++) {
        if (it.text)
            return xl_refuse(o, k, CK_VNUMA, "xl.config.vnuma", "vnuma "
                             "node %ld is not a list: xl stops with \"xl: "
                             "cannot get vnode config option list\"", node);
        struct cfg_lexer nl = {.p = it.list, .end = it.list_end, .line = 1};
        if (cfg_token(&nl) != TK_OPEN)
            return false;
        while (list_next(&nl, &it, v, sizeof(v))) {
            if (!it.text)
                continue; /* not a string: skipped */
            if (!it.judged)
                return false;
            if (xs_xlu_vnuma_option_refusal(it.text, it.len, m, &sum, why,
                                            sizeof(why)))
                return xl_refuse(o, k, CK_VNUMA, "xl.config.vnuma", "vnuma "
                                 "node %ld: xl stops with \"%s\"", node,
                                 why);
            if (!strncmp(why, "undefined", 9))
                return false; /* nothing more is known */
            why[0] = '\0';
        }
    }
    if (maxv && (unsigned long)maxv != sum.vcpus)
        return xl_refuse(o, k, CK_MAXVCPUS, "xl.config.vnuma", "maxvcpus "
                         "is %d, the vnuma nodes name %lu vCPUs: xl stops "
                         "with \"xl: vnuma vcpus and maxvcpus= mismatch\"",
                         maxv, sum.vcpus);
    /* max_memkb = maxmem * 1024 (a long that overflows: not judged) */
    if (cfg_long(&k[CK_MAXMEM], LONG_MIN / 1024, LONG_MAX / 1024, &l) &&
        (uint64_t)(l * 1024) != UINT64_MAX &&
        (uint64_t)(l * 1024) != (uint64_t)sum.memkb)
        return xl_refuse(o, k, CK_MAXMEM, "xl.config.vnuma", "maxmem is "
                         "%ld MiB, the vnuma nodes' size %lu MiB: xl stops "
                         "with \"xl: maxmem and vnuma memory size "
                         "mismatch\"", l, sum.memkb >> 10);
    return false;
}

static bool prefix_of(const char *s, const char *word)
{
    return strncmp(s, word, strlen(s)) == 0;
}

const char *xs_xl_config_refusal(const char *cfg, size_t n, unsigned minor,
                                 char *why, size_t whysz, const char **rule,
                                 unsigned *line, size_t *at)
{
    const unsigned m = xl_minor(minor);
    struct cfg_setting k[CK_N] = {{0}};
    struct cfg_lexer lx = {.p = cfg, .end = cfg + n, .line = 1,
                           .no_add = m < 13, .lax_escapes = m < 7};
    const char *key;
    size_t klen;
    unsigned kline;
    while (cfg_next_setting(&lx, &key, &klen, &kline)) {
        bool add = lx.tok[0] == '+';
        int t = cfg_token(&lx);
        int c = 0;
        while (c < CK_N && !(strlen(ck_names[c]) == klen &&
                             memcmp(ck_names[c], key, klen) == 0))
            c++;
        struct cfg_setting s = {.set = true, .add = add, .line = kline,
                                .at = (size_t)(key - cfg), .val = lx.tok};
        if (t == TK_OPEN) {
            struct cfg_lexer peek = lx;
            s.empty = cfg_token_nl(&peek) == TK_CLOSE;
            if (!cfg_value(&lx, t))
                break;
            s.list = true;
        } else if (t == TK_STRING) {
            size_t len = (size_t)(lx.p - lx.tok);
            cfg_dequote(lx.tok, len, s.v, sizeof(s.v));
            s.whole = len - 2 < sizeof(s.v) - 1; /* dequoting only shrinks */
        } else if (t == TK_NUMBER) {
            size_t len = (size_t)(lx.p - lx.tok);
            s.whole = len < sizeof(s.v);
            memcpy(s.v, lx.tok, s.whole ? len : sizeof(s.v) - 1);
        } else {
            break;
        }
        s.vlen = (size_t)(lx.p - s.val);
        if (c < CK_N)
            k[c] = s;
    }
    *rule = NULL;
    const struct xl_verdict o = {why, whysz, rule, line, at};
#define REFUSE(r, c, ...)                                                   \
    do {                                                                    \
        xl_refuse(&o, k, c, r, __VA_ARGS__);                                \
        return why;                                                         \
    } while (0)
    const struct cfg_setting *ty = &k[CK_TYPE], *bu = &k[CK_BUILDER];
    int type = 0; /* 1 hvm, 2 pv, 3 pvh */
    /* c7dfe4ac58, RELEASE-4.10.0: type read, builder checked */
    if (m >= 10 && ty->set && !ty->list) {
        type = ty->whole && prefix_of(ty->v, "hvm")  ? 1
             : ty->whole && prefix_of(ty->v, "pv")   ? 2
             : ty->whole && prefix_of(ty->v, "pvh")  ? 3 : 0;
        if (!type)
            REFUSE("xl.config.type", CK_TYPE, "type \"%.40s\" is not hvm, "
                   "pv or pvh: xl stops with \"Invalid domain type\"", ty->v);
    }
    if (m >= 10 && bu->set && !bu->list) {
        int b = bu->whole && prefix_of(bu->v, "hvm")       ? 1
              : bu->whole && prefix_of(bu->v, "generic")   ? 2 : 0;
        if (!b)
            REFUSE("xl.config.type", CK_BUILDER, "builder \"%.40s\" is not "
                   "hvm or generic: xl stops with \"Invalid domain type\"",
                   bu->v);
        if (type && type != b)
            REFUSE("xl.config.type", CK_BUILDER, "builder \"%.40s\" and type "
                   "\"%.40s\" contradict: xl stops with \"Contradicting "
                   "\\\"builder\\\" and \\\"type\\\" options specified.\"",
                   bu->v, ty->v);
    }
    if (!k[CK_NAME].set || k[CK_NAME].list)
        REFUSE("xl.config.name", CK_NAME, "%s: xl stops with \"Domain name "
               "must be specified.\"", k[CK_NAME].set ? "name is a list"
                                                      : "no name");
    if (k[CK_UUID].set && !k[CK_UUID].list &&
        (!k[CK_UUID].whole ||
         !xs_xlu_uuid_ok(k[CK_UUID].v, strlen(k[CK_UUID].v))))
        REFUSE("xl.config.uuid", CK_UUID, "uuid \"%.40s\" is not a UUID: xl "
               "stops with \"Failed to parse UUID\"", k[CK_UUID].v);
    /* read after the uuid, and after memory, before vcpus */
    static const struct xl_list early[] = {
        {CK_XSQUOTA, 22, "xl.config.xenstore_quota", "",
         xs_xlu_xsquota_refusal, LIST_EVERY,
         {"xl: Can't get element ", " in Xenstore quota list"}},
        {CK_LLC, 20, "xl.config.llc_colors", "", xs_xlu_llc_color_refusal,
         LIST_EVERY, {"xl: Can't get element ", " in LLC color list"}},
    };
    for (size_t i = 0; i < sizeof(early) / sizeof(early[0]); i++)
        if (xl_list_refused(&o, &early[i], k, m))
            return why;
    long l;
    long vcpus = 0;
    if (cfg_long(&k[CK_VCPUS], LONG_MIN, LONG_MAX, &l))
        vcpus = l;
    if (m >= 22 && vcpus < 1)
        vcpus = 1; /* 4b71a86eaa, RELEASE-4.22.0 */
    /* libxl_cpu_bitmap_alloc(ctx, map, int): 4.6-4.21 only when vcpus is
     * read, 4.22 always (with at least 1) */
    if ((m >= 22 || k[CK_VCPUS].set) && (int)vcpus < 0)
        REFUSE("xl.config.vcpus", CK_VCPUS, "vcpus is %ld: xl stops "
               "with \"Unable to allocate cpumap\"%s", vcpus,
               m >= 22 ? "" : " (4.22 takes a negative vcpus as 1)");
    /* 088fb827ee, RELEASE-4.10.0: libxl_vuart_type_from_string()
     * (libxl__enum_from_string(), strcasecmp() against libxl_types.idl's
     * vuart_type names, "unknown" and "sbsa_uart" at every tag to 4.22),
     * on x86 too, before vnuma is read */
    const struct cfg_setting *vu = &k[CK_VUART];
    if (m >= 10 && vu->set && !vu->list &&
        !(vu->whole && (!strcasecmp(vu->v, "unknown") ||
                        !strcasecmp(vu->v, "sbsa_uart"))))
        REFUSE("xl.config.vuart", CK_VUART, "vuart \"%.40s\" is not unknown "
               "or sbsa_uart: xl stops with ERROR: invalid value \"%.40s\" "
               "for \"vuart\" (from 4.10)", vu->v, vu->v);
    if (vnuma_refused(&o, k, m))
        return why;
    long max_vcpus = -1; /* not known: the host's, with vnuma */
    int max = 0; /* b_info->max_vcpus, an int */
    if (cfg_long(&k[CK_MAXVCPUS], LONG_MIN, LONG_MAX, &l))
        max = (int)l;
    /* with vnuma, a maxvcpus of 0 is what the nodes name, if the host
     * has as many CPUs */
    if (!(k[CK_VNUMA].list && !k[CK_VNUMA].empty) || max) {
        if (max == 0)
            max = (int)vcpus;
        if (max < vcpus)
            REFUSE("xl.config.vcpus", k[CK_MAXVCPUS].set ? CK_MAXVCPUS
                                                         : CK_VCPUS,
                   "maxvcpus %d is below vcpus %ld: xl stops with \"xl: "
                   "maxvcpus < vcpus\"", max, vcpus);
        max_vcpus = max;
    }
    /* parse_vcpu_affinity(): cpus, then cpus_soft (4.6-4.22) */
    for (int c = CK_CPUS; c <= CK_CPUS_SOFT; c++) {
        char word[64];
        long item = -1;
        const char *bad = k[c].set ? cpus_setting_bad(&k[c], max_vcpus, word,
                                                      sizeof(word), &item)
                                   : NULL;
        char where[32] = "";
        if (item >= 0)
            snprintf(where, sizeof(where), " (item %ld)", item);
        if (bad && bad[0] == 'I')
            REFUSE("xl.config.cpus", c, "%s%s has \"%s\": xl stops with "
                   "\"%s: %s.\"", ck_names[c], where, word, bad, word);
        if (bad)
            REFUSE("xl.config.cpus", c, "%s%s has \"%s\": xl stops with "
                   "\"%s\"", ck_names[c], where, word, bad);
    }
    /* 7a0e35f823 (RELEASE-4.13.0), 7379f9e10a (RELEASE-4.16.0) */
    for (int c = CK_GRANT; c <= CK_GRANT_VERSION; c++)
        if (m >= (c == CK_GRANT_VERSION ? 16u : 13u) && k[c].set &&
            !cfg_long(&k[c], 0, INT_MAX, &l))
            REFUSE("xl.config.grant", c, "%s is not a number from 0 to "
                   "%d: xl stops (xlu_cfg_get_bounded_long(), exit(1); "
                   "refused from 4.%u)", ck_names[c], INT_MAX,
                   c == CK_GRANT_VERSION ? 16u : 13u);
    /* action_on_shutdown_names[]: "soft-reset" and on_soft_reset from
     * RELEASE-4.7.0 */
    static const char *const actions[] = {
        "destroy", "restart", "rename-restart", "preserve",
        "coredump-destroy", "coredump-restart", "soft-reset"};
    size_t nact = sizeof(actions) / sizeof(*actions) - (m < 7);
    for (int c = CK_POWEROFF; c <= (m < 7 ? CK_CRASH : CK_SOFT_RESET); c++) {
        if (!k[c].set || k[c].list)
            continue;
        bool known = false;
        for (size_t i = 0; k[c].whole && i < nact; i++)
            known |= strcmp(k[c].v, actions[i]) == 0;
        if (!known)
            REFUSE("xl.config.action", c, "%s \"%.40s\" is not an action xl "
                   "knows: xl stops with \"Unknown %s action\"%s",
                   ck_names[c], k[c].v, ck_names[c],
                   m < 7 && strcmp(k[c].v, "soft-reset") == 0
                       ? " (soft-reset is an action from 4.7)" : "");
    }
    /* the device lists, in the order xl parses them (vkb's
     * parse_vkb_list() and virtio's after the rest): pci first from 4.13
     * (babde47a3f), before it after the vifs */
    static const struct xl_list lists[] = {
        {CK_PCI, 6, "xl.config.pci", "", xs_xlu_pci_refusal, LIST_STOP, {0}},
        {CK_IOPORTS, 6, "xl.config.io", "", xs_xlu_ioport_refusal,
         LIST_EVERY, {"xl: Unable to get element #", " in ioport list"}},
        {CK_IRQS, 6, "xl.config.io", "", xs_xlu_irq_refusal, LIST_EVERY,
         {"xl: Unable to get element ", " in irq list"}},
        {CK_IOMEM, 6, "xl.config.io", "", xs_xlu_iomem_refusal, LIST_EVERY,
         {"xl: Unable to get element ", " in iomem list"}},
        {CK_DISK, 6, "xl.config.disk",
         "config parsing error in disk specification: ", xs_xlu_disk_refusal,
         LIST_STOP, {0}},
        {CK_P9, 9, "xl.config.p9", "", xs_xlu_p9_refusal, LIST_STOP, {0}},
        {CK_VTPM, 6, "xl.config.vtpm", "", xs_xlu_vtpm_refusal, LIST_STOP,
         {0}},
        {CK_VDISPL, 10, "xl.config.vdispl", "", xs_xlu_vdispl_refusal,
         LIST_STOP, {0}},
        {CK_PVCALLS, 11, "xl.config.pvcalls", "", xs_xlu_pvcalls_refusal,
         LIST_STOP, {0}},
        {CK_VSND, 12, "xl.config.vsnd", "", xs_xlu_vsnd_refusal, LIST_CARDS,
         {0}},
        {CK_CHANNEL, 6, "xl.config.channel", "", xs_xlu_channel_refusal,
         LIST_STOP, {0}},
        {CK_VIF, 6, "xl.config.vif", "", xs_xlu_vif_refusal, LIST_STOP,
         {0}},
        {CK_USBCTRL, 7, "xl.config.usb", "", xs_xlu_usbctrl_refusal,
         LIST_STOP, {0}},
        {CK_USBDEV, 7, "xl.config.usb", "", xs_xlu_usbdev_refusal,
         LIST_STOP, {0}},
        {CK_VKB, 12, "xl.config.vkb", "", xs_xlu_vkb_refusal, LIST_STOP, {0}},
        {CK_VIRTIO, 18, "xl.config.virtio", "", xs_xlu_virtio_refusal,
         LIST_STOP, {0}},
    };
    /* xl's order: from 4.13 pci, the settings before the ioports, the
     * lists to usbdev, the settings after them, vkb, virtio; before 4.13
     * pci comes after the vifs */
    enum { L_PCI = 0, L_VIF = 11, L_USBDEV = 13, BEFORE_IO = 100,
           AFTER_IO };
    static const unsigned char from_413[] = {
        L_PCI, BEFORE_IO, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, L_VIF, 12,
        L_USBDEV, AFTER_IO, 14, 15};
    static const unsigned char to_412[] = {
        BEFORE_IO, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, L_VIF, L_PCI, 12,
        L_USBDEV, AFTER_IO, 14, 15};
    _Static_assert(sizeof(from_413) == sizeof(lists) / sizeof(lists[0]) + 2,
                   "every list once");
    /* the guest type xl settles on: type, else builder, else PV (x86) */
    int gtype = type;
    if (!gtype)
        gtype = bu->set && !bu->list && bu->whole && prefix_of(bu->v, "hvm")
                    ? GT_HVM : GT_PV;
    for (size_t i = 0; i < sizeof(from_413); i++) {
        const unsigned li = m >= 13 ? from_413[i] : to_412[i];
        if (li == BEFORE_IO ? settings_before_io_refused(&o, k, m, gtype)
            : li == AFTER_IO
                ? settings_after_io_refused(&o, k, m, gtype)
                : xl_list_refused(&o, &lists[li], k, m))
            return why;
    }
#undef REFUSE
    return NULL;
}

uint32_t xs_xl_config_refused(const char *cfg, size_t n)
{
    uint32_t bits = 0;
    size_t nr = sizeof(xl_rule_minors) / sizeof(xl_rule_minors[0]);
    for (size_t i = 0; i < nr; i++) {
        unsigned m = xl_rule_minors[i], line;
        size_t at;
        char why[256];
        const char *rule;
        if (!xs_xl_config_text_error(cfg, n, m, &line, &at) &&
            !xs_xl_config_refusal(cfg, n, m, why, sizeof(why), &rule, &line,
                                  &at))
            continue;
        unsigned next = i + 1 < nr ? xl_rule_minors[i + 1] : XS_RELEASE_LAST + 1;
        for (unsigned k = m; k < next; k++)
            bits |= 1u << k;
    }
    return bits;
}

static void json_refused(struct xs_xl_config *out, const char *field,
                         const char *text, const char *why)
{
    if (out->json_refused[0])
        return; /* libxl stops at the first */
    snprintf(out->json_refused, sizeof(out->json_refused),
             "%s is %.40s%s: %s", field, text, strlen(text) > 40 ? "..." : "",
             why);
}

static void parse_json(const char *cfg, size_t n, struct xs_xl_config *out)
{
    json_error_t e;
    size_t big;
    json_t *doc = libxl_json_load(cfg, strnlen(cfg, n), 0, &e, &big);
    if (!doc)
        return;
    /* libxl_domain_config_to_json(): c_info and b_info */
    json_t *ci = json_object_get(doc, "c_info");
    json_t *bi = json_object_get(doc, "b_info");
    const char *s;
    if ((s = json_string_value(json_object_get(ci, "name"))))
        copy_str(out->name, sizeof(out->name), s, strlen(s));
    if ((s = json_string_value(json_object_get(ci, "type")))) {
        copy_str(out->type, sizeof(out->type), s, strlen(s));
        copy_str(out->type_old, sizeof(out->type_old), s, strlen(s));
    }
    /* libxl_types.idl: libxl_device_model_version's JSON names */
    s = json_string_value(json_object_get(bi, "device_model_version"));
    out->qemu_trad = s && strcmp(s, "qemu_xen_traditional") == 0;
    /* libxl_cpuid.c libxl_cpuid_policy_list_gen_json(), RELEASE-4.18.0
     * (5b80cecb74): an object with "cpuid" and "msr" arrays, where 4.17
     * wrote the cpuid array alone */
    json_t *cp = json_object_get(bi, "cpuid");
    if (json_is_object(cp)) {
        out->cpuid_object = true;
        json_t *msr = json_object_get(cp, "msr");
        /* what xs_xl_config_cpuid_array() cannot write as the array */
        out->cpuid_msr = json_array_size(msr) > 0 ||
                         (msr && !json_is_array(msr)) ||
                         !json_is_array(json_object_get(cp, "cpuid"));
    }
    /* libxl_types.idl: max_vcpus is an integer (libxl__int_parse_json),
     * target_memkb and max_memkb MemKB, a uint64 */
    long long i;
    const char *t = NULL;
    json_t *v = json_object_get(bi, "max_vcpus");
    enum libxl_num k = libxl_json_num(v, &i, &t);
    if (k == LN_INTEGER)
        out->vcpus = i;
    else if (k == LN_NUMBER)
        json_refused(out, "b_info.max_vcpus", t, "libxl__int_parse_json() "
                     "takes only a JSON_INTEGER");
    static const char *const mem[] = {"target_memkb", "max_memkb"};
    for (int m = 0; m < 2; m++) {
        k = libxl_json_num(json_object_get(bi, mem[m]), &i, &t);
        unsigned long long u = 0;
        if (k == LN_NUMBER && !strchr(t, '.')) {
            /* libxl__uint64_parse_json(): strtoull() of the text */
            errno = 0;
            u = strtoull(t, NULL, 10);
            if (errno != ERANGE) {
                k = LN_INTEGER;
                i = -1; /* above LLONG_MAX */
            }
        }
        if (k == LN_NUMBER)
            json_refused(out, m ? "b_info.max_memkb" : "b_info.target_memkb",
                         t, "libxl__uint64_parse_json() takes at most "
                         "ULLONG_MAX");
        else if (k == LN_INTEGER && out->memory_mib < 0)
            out->memory_mib = i >= 0 ? i / 1024 : (long long)(u / 1024);
    }
    json_decref(doc);
}

/* A STRING token's text without its quotes, its escapes undone as
 * xlu__cfgl_dequote() does for the ones it takes (cfg_escape_ok()). */
static void cfg_dequote(const char *tok, size_t len, char *out, size_t outsz)
{
    static const char from[] = "\"'\\abfnrtv", to[] = "\"'\\\a\b\f\n\r\t\v";
    size_t k = 0;
    for (size_t i = 1; i + 1 < len && k + 1 < outsz; i++) {
        char c = tok[i];
        if (c == '\\' && i + 2 < len) {
            const char *e = strchr(from, tok[++i]);
            if (e) {
                c = to[e - from];
            } else if (tok[i] < '0' || tok[i] > '7') {
                continue; /* dropped, as 4.6 does (4.7 on refuse it) */
            } else { /* an octal digit, then decimal digits (sic) */
                unsigned v = 0, d = 0;
                while (d < 3 && i + 1 < len - 1 && isdigit((unsigned char)tok[i + 1]))
                    v = v * 10 + (unsigned)(tok[++i] - '0'), d++;
                c = (char)v;
            }
        }
        out[k++] = c;
    }
    out[k] = '\0';
}

/* xl_parse.c parse_config_data() (RELEASE-4.17.0): "type" and the
 * deprecated "builder" match by prefix (strncmp(buf, "hvm", strlen(buf)):
 * "h" is HVM, "p" PV); neither is PV on x86; two that contradict, or a
 * type it does not know, stop xl ("Invalid domain type"): kept as said,
 * which no stream matches. */
static void text_type(const char *type, bool have_type, const char *builder,
                      bool have_builder, char *out, size_t outsz)
{
    const char *t = "pv", *b = NULL;
    size_t tl = strlen(type), bl = strlen(builder);
    if (have_type)
        t = !strncmp(type, "hvm", tl) ? "hvm"
          : !strncmp(type, "pv", tl) ? "pv"
          : !strncmp(type, "pvh", tl) ? "pvh" : NULL;
    if (have_builder)
        b = !strncmp(builder, "hvm", bl) ? "hvm"
          : !strncmp(builder, "generic", bl) ? "pv" : NULL;
    if (!t || (have_builder && (!b || (have_type && strcmp(t, b) != 0))))
        copy_str(out, outsz, have_type && !t ? type : "invalid",
                 strlen(have_type && !t ? type : "invalid"));
    else
        copy_str(out, outsz, have_builder ? b : t, strlen(have_builder ? b : t));
}

/* xl config text, read with the lexer above (the caller checked its
 * syntax): the facts info shows.  A key set twice: the last wins, as in
 * libxlu's settings list. */
static void parse_text(const char *cfg, size_t n, struct xs_xl_config *out)
{
    struct cfg_lexer lx = {.p = cfg, .end = cfg + n, .line = 1};
    char type[16] = "", builder[16] = "";
    bool have_type = false, have_builder = false;
    int64_t vcpus = -1, maxvcpus = -1;
    const char *key;
    size_t klen;
    unsigned kline;
    while (cfg_next_setting(&lx, &key, &klen, &kline)) {
        int t = cfg_token(&lx);
        if (t == TK_OPEN) {
            if (!cfg_value(&lx, t))
                break;
            continue; /* a list: no fact here */
        }
        if (t != TK_STRING && t != TK_NUMBER)
            break;
        char v[200];
        if (t == TK_STRING)
            cfg_dequote(lx.tok, (size_t)(lx.p - lx.tok), v, sizeof(v));
        else
            copy_str(v, sizeof(v), lx.tok, (size_t)(lx.p - lx.tok));
#define KEY(k) (klen == sizeof(k) - 1 && memcmp(key, k, klen) == 0)
        if (KEY("name")) {
            copy_str(out->name, sizeof(out->name), v, strlen(v));
        } else if (KEY("type")) {
            copy_str(type, sizeof(type), v, strlen(v));
            have_type = true;
        } else if (KEY("builder")) {
            copy_str(builder, sizeof(builder), v, strlen(v));
            have_builder = true;
        } else if (KEY("device_model_version")) {
            /* xl_parse.c: the only text 4.20 and older map to
             * LIBXL_DEVICE_MODEL_VERSION_QEMU_XEN_TRADITIONAL */
            out->qemu_trad = strcmp(v, "qemu-xen-traditional") == 0;
        } else if (KEY("memory")) {
            out->memory_mib = strtoll(v, NULL, 0);
        } else if (KEY("vcpus")) {
            vcpus = strtoll(v, NULL, 0);
        } else if (KEY("maxvcpus")) {
            maxvcpus = strtoll(v, NULL, 0);
        }
#undef KEY
    }
    /* the domain gets maxvcpus, else vcpus */
    out->vcpus = maxvcpus >= 0 ? maxvcpus : vcpus;
    text_type(type, have_type, builder, have_builder, out->type,
              sizeof(out->type));
    /* xl_cmdimpl.c at RELEASE-4.6.0 to 4.8.0, xl_parse.c at 4.9.0: no
     * type; builder by prefix of "hvm" is HVM, anything else PV */
    const char *old = have_builder && !strncmp(builder, "hvm", strlen(builder))
                          ? "hvm" : "pv";
    copy_str(out->type_old, sizeof(out->type_old), old, strlen(old));
}

int xs_xl_config_cpuid_array(const char *cfg, size_t n, struct xs_buf *out,
                             const char **why)
{
    *why = NULL;
    if (n == 0 || cfg[n - 1] != '\0')
        return *why = "the JSON config is not NUL-terminated", XS_INVALID;
    json_error_t e;
    size_t big;
    json_t *doc = libxl_json_load(cfg, n - 1, 0, &e, &big);
    json_t *bi = json_object_get(doc, "b_info");
    json_t *cp = json_object_get(bi, "cpuid");
    int rc = XS_OK;
    if (!json_is_object(cp)) {
        *why = "its b_info.cpuid is not libxl 4.18's object";
        rc = XS_INVALID;
    } else {
        json_t *arr = json_object_get(cp, "cpuid");
        json_t *msr = json_object_get(cp, "msr");
        if (!json_is_array(arr) || (msr && !json_is_array(msr))) {
            *why = "its b_info.cpuid object lacks the cpuid array";
            rc = XS_INVALID;
        } else if (json_array_size(msr) > 0) {
            *why = "its b_info.cpuid holds MSR entries, which the array "
                   "form of libxl 4.17 and older cannot carry";
            rc = XS_INVALID;
        } else if (json_object_set(bi, "cpuid", arr) != 0) {
            rc = XS_IO;
        }
    }
    char *text = rc == XS_OK ? json_dumps(doc, JSON_COMPACT) : NULL;
    if (rc == XS_OK && !text)
        rc = XS_IO;
    if (rc == XS_OK) {
        /* the numbers marked back as they were (json_dumps() writes the
         * mark's control byte as \u0001) */
        static const char mark[] = "\"\\u0001xs-number:";
        size_t found = 0;
        out->len = 0;
        for (const char *q = text; rc == XS_OK && *q;) {
            const char *m = strstr(q, mark);
            const char *end = m ? strchr(m + sizeof(mark) - 1, '"') : NULL;
            if (!m || !end) {
                if (!buf_add(out, q, strlen(q)))
                    rc = XS_IO;
                break;
            }
            if (!buf_add(out, q, (size_t)(m - q)) ||
                !buf_add(out, m + sizeof(mark) - 1,
                         (size_t)(end - m) - (sizeof(mark) - 1)))
                rc = XS_IO;
            found++;
            q = end + 1;
        }
        if (rc == XS_OK && found != big) {
            *why = "its numbers could not be written back as they were";
            rc = XS_INVALID;
        }
        if (rc == XS_OK)
            out->len++; /* the NUL libxl's reader gets (buf_add wrote it) */
    }
    free(text);
    json_decref(doc);
    return rc;
}

void xs_xl_parse_config(const char *cfg, size_t n, bool json,
                        struct xs_xl_config *out)
{
    out->vcpus = out->memory_mib = -1;
    if (json)
        parse_json(cfg, n, out);
    else
        parse_text(cfg, n, out);
}

/* ---- the layer: header, optional data, then the libxl stream ---- */

/* convert --to-xen 4.17 and older: the optional data (held whole, its
 * config first) with the config's cpuid in the array form, and the
 * header's optional data length to match. */
static int cpuid_array(const struct xs_layer_io *io, struct xs_xl_hdr *hdr,
                       struct xs_buf *opt, uint8_t h[XS_XL_HDR_SIZE])
{
    const struct xs_xl_config *c = &io->facts->config;
    struct xs_buf cfg = {0}, out = {0};
    const char *why;
    /* only a config read whole has facts (xs_xl_check_optdata()) */
    if (4 + (uint64_t)c->bytes > opt->len)
        return XS_IO;
    int rc = xs_xl_config_cpuid_array((const char *)opt->p + 4, c->bytes,
                                      &cfg, &why);
    if (rc == XS_INVALID)
        xs_report_add(io->rep, XS_SEV_ERROR, "convert.config_cpuid", c->at,
                      -1, "xl optional data",
                      "libxl 4.17 and older cannot read this config's cpuid "
                      "(4.18's object form), and it cannot be rewritten: %s",
                      why);
    size_t rest = opt->len - 4 - c->bytes;
    uint64_t len = (uint64_t)hdr->optional_data_len - c->bytes + cfg.len;
    if (rc == XS_OK && (len > UINT32_MAX || cfg.len > UINT32_MAX))
        rc = XS_INVALID; /* cannot happen: the compact form is shorter */
    if (rc == XS_OK && xs_buf_reserve(&out, 4 + cfg.len + rest) != XS_OK)
        rc = XS_IO;
    if (rc == XS_OK) {
        xs_put_le32(out.p, (uint32_t)cfg.len);
        memcpy(out.p + 4, cfg.p, cfg.len);
        memcpy(out.p + 4 + cfg.len, opt->p + 4 + c->bytes, rest);
        out.len = 4 + cfg.len + rest;
        hdr->optional_data_len = (uint32_t)len;
        xs_xl_hdr_encode(hdr, h);
        xs_buf_free(opt);
        *opt = out;
        out = (struct xs_buf){0};
    }
    xs_buf_free(&cfg);
    xs_buf_free(&out);
    return rc;
}

/* upgrade/convert --config: the optional data with io->config in place
 * of the image's config (what followed it kept), the header's JSON flag
 * and optional data length to match, and the new config checked as the
 * image's own is (its facts replace the old ones: the rules of the
 * stream inside use them).  beyond: optional data not held. */
static int replace_config(const struct xs_layer_io *io, struct xs_xl_hdr *hdr,
                          struct xs_buf *opt, uint8_t h[XS_XL_HDR_SIZE],
                          uint64_t beyond, uint64_t at)
{
    const char *w = "xl optional data";
    const struct xs_xl_config *old = &io->facts->config;
    size_t n = io->config_len, k = 0;
    while (k < n && isspace(io->config[k]))
        k++;
    bool json = k < n && io->config[k] == '{';
    if (memchr(io->config, 0, n)) {
        xs_report_add(io->rep, XS_SEV_ERROR, "convert.config", at, -1, w,
                      "the new config holds a NUL byte: neither xl config "
                      "text nor libxl JSON");
        return XS_INVALID;
    }
    if (hdr->optional_data_len && !old->sized) {
        xs_report_add(io->rep, XS_SEV_ERROR, "convert.config", at, -1, w,
                      "the image's optional data holds no config to replace");
        return XS_INVALID;
    }
    if (old->sized && 4 + (uint64_t)old->bytes > opt->len) {
        /* a config beyond what is held (xl.optdata.unchecked) */
        xs_report_add(io->rep, XS_SEV_ERROR, "convert.config", at, -1, w,
                      "the image's config (%u bytes) is larger than the "
                      "%zu bytes of it xenstream holds: it cannot be replaced",
                      old->bytes, opt->len >= 4 ? opt->len - 4 : 0);
        return XS_INVALID;
    }
    size_t rest = old->sized ? opt->len - 4 - old->bytes : 0;
    /* the saver counts a JSON config's NUL (xl_saverestore.c) */
    size_t cfg = n + (json ? 1 : 0);
    uint64_t total = 4 + (uint64_t)cfg + rest + beyond;
    if (cfg > XS_XL_OPTDATA_HOLD - 4 || total > UINT32_MAX) {
        xs_report_add(io->rep, XS_SEV_ERROR, "convert.config", at, -1, w,
                      "the new config (%zu bytes) is larger than the %u "
                      "bytes xenstream holds", n, XS_XL_OPTDATA_HOLD - 4);
        return XS_INVALID;
    }
    struct xs_buf out = {0};
    if (xs_buf_reserve(&out, 4 + cfg + rest) != XS_OK)
        return XS_IO;
    xs_put_le32(out.p, (uint32_t)cfg);
    memcpy(out.p + 4, io->config, n);
    if (json)
        out.p[4 + n] = 0;
    if (rest)
        memcpy(out.p + 4 + cfg, opt->p + 4 + old->bytes, rest);
    out.len = 4 + cfg + rest;
    hdr->mandatory_flags = json ? hdr->mandatory_flags | XS_XL_FLAG_JSON
                                : hdr->mandatory_flags & ~XS_XL_FLAG_JSON;
    hdr->optional_data_len = (uint32_t)total;
    xs_xl_hdr_encode(hdr, h);
    /* checked as the original: the same rules, the facts anew */
    struct xs_xl_config c = {0};
    unsigned errors = io->rep->errors;
    xs_xl_check_optdata(hdr, out.p, out.len, at, io->xl_minor, io->rep, &c);
    if (!c.parsed && io->rep->errors == errors)
        xs_report_add(io->rep, XS_SEV_ERROR, "convert.config", at, -1, w,
                      "the new config could not be read");
    io->facts->config = c;
    xs_buf_free(opt);
    *opt = out;
    return io->rep->errors != errors ? XS_INVALID : XS_OK;
}

static int xl_walk(const struct xs_layer_io *io)
{
    uint8_t h[XS_XL_HDR_SIZE];
    struct xs_xl_hdr hdr;
    uint64_t at = io->offset(io->run);
    int rc;

    io->facts->xl = true;
    if ((rc = io->read(io->run, h, sizeof(h), "xl.truncated", "xl header")))
        return rc;
    xs_xl_hdr_decode(h, &hdr);
    io->facts->xl_mandatory = hdr.mandatory_flags;
    io->facts->xl_optional = hdr.optional_flags;
    if ((rc = xs_xl_check_hdr(&hdr, at, io->rep)) != XS_OK)
        return rc;
    io->header(io->run, "xl", at, h, sizeof(h));

    /* the optional data: held (for the config) up to a bound, the rest
     * kept unread */
    uint64_t len = hdr.optional_data_len;
    uint32_t hold = len < XS_XL_OPTDATA_HOLD ? (uint32_t)len
                                             : XS_XL_OPTDATA_HOLD;
    struct xs_buf opt = {0};
    size_t got;
    at = io->offset(io->run);
    if (io->read_buf(io->run, &opt, hold, &got) != XS_OK) {
        rc = XS_IO;
    } else if (got < hold) {
        xs_report_add(io->rep, XS_SEV_ERROR, "xl.truncated", at + got, -1,
                      "xl optional data",
                      "truncated: %llu bytes of optional data announced, the "
                      "input ends after %zu",
                      (unsigned long long)len, got);
        rc = XS_INVALID;
    } else {
        /* a config that --config replaces is not the one xl will read:
         * what its rules refuse (xl.config.*) is not said of the image */
        struct xs_report mine;
        struct xs_report *crep = io->rep;
        if (io->config) {
            xs_report_init(&mine, io->rep->file);
            crep = &mine;
        }
        xs_xl_check_optdata(&hdr, opt.p, got, at, io->xl_minor, crep,
                            &io->facts->config);
        for (size_t i = 0; crep == &mine && i < mine.nkept; i++) {
            const struct xs_finding *f = &mine.kept[i];
            if (strncmp(f->rule, "xl.config.", 10) != 0)
                xs_report_add(io->rep, f->sev, f->rule, f->offset, f->index,
                              f->where, "%s", f->msg);
        }
        if (crep == &mine)
            xs_report_free(&mine);
        io->header(io->run, "xl optional data", at, opt.p, got);
        rc = io->fault(io->run);
        if (rc == XS_OK && io->config)
            rc = replace_config(io, &hdr, &opt, h, len - got, at);
        if (rc == XS_OK && io->cpuid_array && io->facts->config.cpuid_object)
            rc = cpuid_array(io, &hdr, &opt, h);
        if (rc == XS_OK)
            rc = io->keep(io->run, h, sizeof(h));
        if (rc == XS_OK)
            rc = io->keep(io->run, opt.p, opt.len);
        if (rc == XS_OK && len > hold)
            rc = io->keep_input(io->run, len - hold, "xl.truncated",
                                "xl optional data", "the optional data");
    }
    xs_buf_free(&opt);
    return rc != XS_OK ? rc : io->libxl(io->run, "xl");
}

const struct xs_layer xs_layer_xl = {
    .name = "xl", .kind = XS_LK_CONTAINER, .magic = xs_xl_magic,
    .magic_len = XS_XL_MAGIC_SIZE, .walk = xl_walk,
    .own_digest = true, .restore = XS_LR_XL,
    .headers = (const struct xs_layer_header[]){
        {.what = "xl", .type = "header", .fields = xs_xl_describe_hdr},
        {.what = "xl optional data", .type = "optional data",
         .fields = xs_xl_describe_optdata, .config = true},
        {0}},
};

/* The 48 header bytes xs_walk() passes. */
void xs_xl_describe_hdr(const uint8_t *p, uint64_t n, xs_field_fn fn,
                        void *ctx)
{
    struct xs_xl_hdr h;
    if (n != XS_XL_HDR_SIZE)
        return;
    xs_xl_hdr_decode(p, &h);
    xs_field_hex(fn, ctx, "mandatory_flags", h.mandatory_flags);
    xs_field_hex(fn, ctx, "optional_flags", h.optional_flags);
    xs_field_int(fn, ctx, "optional_data", h.optional_data_len);
}

/* The optional data as held: its config length. */
void xs_xl_describe_optdata(const uint8_t *p, uint64_t n, xs_field_fn fn,
                            void *ctx)
{
    if (n >= 4)
        xs_field_int(fn, ctx, "config_bytes", xs_le32(p));
}
