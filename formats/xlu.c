/* The items of xl's device lists that make xl exit before the restore
 * reads a page: disk and a vif's rate as libxlutil reads them, channel as
 * xl itself does.
 *
 * An xl disk specification, read as xl's xlu_disk_parse() reads it:
 * libxlu's flex scanner (tools/libxl/libxlu_disk_l.l to 4.14, then
 * tools/libs/util/libxlu_disk_l.l) and the checks after it
 * (libxlu_disk.c, the same code at every tag RELEASE-4.6.0 to 4.22.0).
 * xl exits on any error it reports (xl_parse.c
 * parse_disk_config_multistring(): EINVAL -> exit(EXIT_FAILURE)), before
 * the restore reads a page.
 *
 * The scanner takes, at each position, the rule matching the most text,
 * trailing context included (so `phy:/.*` outweighs a positional
 * parameter), the first rule listed on a tie.  What builds is the
 * scanner generated from the .l and committed beside it
 * (libxlu_disk_l.c), and at some tags it lags the .l: the rules below
 * are those of the committed .c at each RELEASE-4.x.0, in the scanner's
 * order, with the release whose .c has each first (the rest are at every
 * tag from 4.6): colo, no-colo, colo-host=, colo-port=, colo-export=,
 * active-disk=, hidden-disk=: 4.8 (the .l has them from 4.7); format
 * qed: 4.9; backendtype standalone, specification=: 4.17; trusted,
 * untrusted: 4.19 (the .l from 4.17, 54d8f27d04); grant_usage=0/1: 4.19.
 * Checked against Debian 12's libxlutil 4.17 by tests/check_xlu.c:
 * it takes no `trusted`, as its committed scanner says. */
#include "xlu.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

enum kind {
    K_WS,        /* [ \t\n]+/([^ \t\n].*)? */
    K_KV,        /* text[^,]*,? */
    K_LIT,       /* text,? */
    K_TARGET,    /* target=.* */
    K_UNKNOWN,   /* [a-z][-a-z0-9]*=[^,],? */
    K_PREFIX,    /* text/.*  (text ends in ':') */
    K_BADPREFIX, /* [a-z][a-z0-9]*:/([^a-z0-9].*)? */
    K_POS,       /* [^=,]*,|[^=,]+,? */
    K_DOT,       /* . */
};

enum act {
    A_SKIP, A_FORMAT, A_CDROM, A_DISK, A_BADTYPE, A_ACCESS, A_BACKEND,
    A_BACKENDTYPE, A_SPEC, A_VDEV, A_SCRIPT, A_FLAG, A_COLO_HOST,
    A_COLO_PORT, A_COLO_EXPORT, A_ACTIVE_DISK, A_HIDDEN_DISK, A_TARGET,
    A_UNKNOWN, A_DEPR_FORMAT, A_DEPR_SCRIPT, A_DEPR, A_BADPREFIX, A_POS,
    A_DOT,
};

#define T(s) s, sizeof(s) - 1
static const struct rule {
    enum kind kind;
    const char *text;
    size_t len;
    enum act act;
    unsigned from; /* the first 4.x that has it */
} rules[] = {
    {K_WS, NULL, 0, A_SKIP, 6},
    {K_KV, T("format="), A_FORMAT, 6},
    {K_LIT, T("cdrom"), A_CDROM, 6},
    {K_LIT, T("devtype=cdrom"), A_CDROM, 6},
    {K_LIT, T("devtype=disk"), A_DISK, 6},
    {K_KV, T("devtype="), A_BADTYPE, 6},
    {K_KV, T("access="), A_ACCESS, 6},
    {K_KV, T("backend="), A_BACKEND, 6},
    {K_KV, T("backendtype="), A_BACKENDTYPE, 6},
    {K_KV, T("specification="), A_SPEC, 17},
    {K_KV, T("vdev="), A_VDEV, 6},
    {K_KV, T("script="), A_SCRIPT, 6},
    {K_LIT, T("direct-io-safe"), A_FLAG, 6},
    {K_LIT, T("discard"), A_FLAG, 6},
    {K_LIT, T("no-discard"), A_FLAG, 6},
    {K_LIT, T("colo"), A_FLAG, 8},
    {K_LIT, T("no-colo"), A_FLAG, 8},
    {K_KV, T("colo-host="), A_COLO_HOST, 8},
    {K_KV, T("colo-port="), A_COLO_PORT, 8},
    {K_KV, T("colo-export="), A_COLO_EXPORT, 8},
    {K_KV, T("active-disk="), A_ACTIVE_DISK, 8},
    {K_KV, T("hidden-disk="), A_HIDDEN_DISK, 8},
    {K_LIT, T("trusted"), A_FLAG, 19},
    {K_LIT, T("untrusted"), A_FLAG, 19},
    {K_LIT, T("grant_usage=1"), A_FLAG, 19},
    {K_LIT, T("grant_usage=0"), A_FLAG, 19},
    {K_TARGET, T("target="), A_TARGET, 6},
    {K_UNKNOWN, NULL, 0, A_UNKNOWN, 6},
    /* (raw|qcow2?|vhd):, (iscsi|e?nbd|drbd):, then the others */
    {K_PREFIX, T("raw:"), A_DEPR_FORMAT, 6},
    {K_PREFIX, T("qcow:"), A_DEPR_FORMAT, 6},
    {K_PREFIX, T("qcow2:"), A_DEPR_FORMAT, 6},
    {K_PREFIX, T("vhd:"), A_DEPR_FORMAT, 6},
    {K_PREFIX, T("iscsi:"), A_DEPR_SCRIPT, 6},
    {K_PREFIX, T("nbd:"), A_DEPR_SCRIPT, 6},
    {K_PREFIX, T("enbd:"), A_DEPR_SCRIPT, 6},
    {K_PREFIX, T("drbd:"), A_DEPR_SCRIPT, 6},
    {K_PREFIX, T("tapdisk:"), A_DEPR, 6},
    {K_PREFIX, T("tap:"), A_DEPR, 6},
    {K_PREFIX, T("tap2:"), A_DEPR, 6},
    {K_PREFIX, T("aio:"), A_DEPR, 6},
    {K_PREFIX, T("ioemu:"), A_DEPR, 6},
    {K_PREFIX, T("file:"), A_DEPR, 6},
    {K_PREFIX, T("phy:"), A_DEPR, 6},
    {K_BADPREFIX, NULL, 0, A_BADPREFIX, 6},
    {K_POS, NULL, 0, A_POS, 6},
    {K_DOT, NULL, 0, A_DOT, 6},
};
#undef T

static bool lower(char c) { return c >= 'a' && c <= 'z'; }
static bool alnum(char c) { return lower(c) || (c >= '0' && c <= '9'); }
static bool ws(char c) { return c == ' ' || c == '\t' || c == '\n'; }

/* For each position of the spec, where the next newline, ',' and '=' or
 * ',' are (n: none): a match's end found in one step, not by scanning
 * ahead from every position (which a spec of "phy:" repeated makes
 * quadratic). */
struct ahead {
    uint16_t nl[XS_XLU_DISK_MAX + 1], comma[XS_XLU_DISK_MAX + 1],
        eq_comma[XS_XLU_DISK_MAX + 1];
};

static void ahead_init(struct ahead *a, const char *s, size_t n)
{
    a->nl[n] = a->comma[n] = a->eq_comma[n] = (uint16_t)n;
    for (size_t i = n; i-- > 0;) {
        a->nl[i] = s[i] == '\n' ? (uint16_t)i : a->nl[i + 1];
        a->comma[i] = s[i] == ',' ? (uint16_t)i : a->comma[i + 1];
        a->eq_comma[i] = s[i] == ',' || s[i] == '=' ? (uint16_t)i
                                                     : a->eq_comma[i + 1];
    }
}

/* The text rule r matches at s[at] (of s[n]): the length with trailing
 * context (what decides between rules), 0 for none; *took: what it
 * consumes.  `.*` runs to the next newline. */
static size_t match(const struct rule *r, const char *s, size_t n,
                    size_t at, const struct ahead *a, size_t *took)
{
    const char *p = s + at;
    size_t k = r->len, left = n - at, i = 0;
    if (k && (left < k || p[0] != r->text[0] || memcmp(p, r->text, k) != 0))
        return 0;
    switch (r->kind) {
    case K_WS:
        while (i < left && ws(p[i]))
            i++;
        *took = i;
        if (i && i < left) /* the context starts with a non-blank */
            return a->nl[at + i + 1] - at;
        return i;
    case K_KV:
        i = a->comma[at + k] - at;
        break;
    case K_LIT:
        i = k;
        break;
    case K_TARGET:
        return *took = a->nl[at + k] - at;
    case K_UNKNOWN:
        if (!left || !lower(p[0]))
            return 0;
        for (i = 1; i < left && (alnum(p[i]) || p[i] == '-'); i++)
            ;
        if (i + 1 >= left || p[i] != '=' || p[i + 1] == ',')
            return 0;
        i += 2;
        break;
    case K_PREFIX:
        *took = k;
        return a->nl[at + k] - at;
    case K_BADPREFIX:
        if (!left || !lower(p[0]))
            return 0;
        for (i = 1; i < left && alnum(p[i]); i++)
            ;
        if (i >= left || p[i] != ':')
            return 0;
        *took = ++i;
        if (i < left && !alnum(p[i]))
            return a->nl[at + i + 1] - at;
        return i;
    case K_POS:
        i = a->eq_comma[at] - at;
        if (i < left && p[i] == ',')
            return *took = i + 1;
        return *took = i;
    case K_DOT:
        return *took = left && p[0] != '\n';
    }
    if (i < left && p[i] == ',')
        i++;
    return *took = i;
}

/* libxl_device_disk's fields as far as the parse looks at them */
enum str { S_UNSET, S_EMPTY, S_SET };
enum { F_UNKNOWN, F_QCOW, F_QCOW2, F_VHD, F_RAW, F_EMPTY, F_QED };
struct disk {
    unsigned minor;
    int format, backend, specification;
    enum str pdev_path, vdev, script, backend_domname, colo_host,
        colo_export, active_disk, hidden_disk;
    bool is_cdrom, removable, had_depr_prefix, access_set;
    bool err;
    char *why;
    size_t whysz;
};

/* xlu__disk_err(): the first is what xl prints first */
static void err(struct disk *d, const char *near, size_t nlen,
                const char *msg)
{
    if (d->err)
        return;
    d->err = true;
    if (near)
        snprintf(d->why, d->whysz, "%s: near `%.*s'", msg,
                 (int)(nlen > 100 ? 100 : nlen), near);
    else
        snprintf(d->why, d->whysz, "%s", msg);
}

static bool is(const char *s, size_t n, const char *w)
{
    return strlen(w) == n && memcmp(s, w, n) == 0;
}

/* savestring(): a string already set and not empty is "respecified" */
static void save(struct disk *d, enum str *f, const char *what,
                 const char *v, size_t n)
{
    if (*f == S_SET) {
        char m[48];
        snprintf(m, sizeof(m), "%s respecified", what);
        err(d, v, n, m);
        return;
    }
    *f = n ? S_SET : S_EMPTY;
}

/* DSET(): an enum set once, or again to the same value */
static void dset(struct disk *d, int *f, int val, const char *member,
                 const char *v, size_t n)
{
    if (*f && *f != val) {
        char m[48];
        snprintf(m, sizeof(m), "%s respecified", member);
        err(d, v, n, m);
    } else {
        *f = val;
    }
}

static void setformat(struct disk *d, const char *s, size_t n)
{
    int f = !n || is(s, n, "raw") ? F_RAW
          : is(s, n, "qcow")      ? F_QCOW
          : is(s, n, "qcow2")     ? F_QCOW2
          : is(s, n, "vhd")       ? F_VHD
          : is(s, n, "empty")     ? F_EMPTY
          : is(s, n, "qed") && d->minor >= 9 ? F_QED : 0;
    if (f)
        dset(d, &d->format, f, "format", s, n);
    else
        err(d, s, n, "unknown value for format");
}

static void setaccess(struct disk *d, const char *s, size_t n)
{
    if (!(is(s, n, "r") || is(s, n, "ro") || is(s, n, "rw") ||
          is(s, n, "w") || !n))
        err(d, s, n, "unknown value for access");
}

static void setbackendtype(struct disk *d, const char *s, size_t n)
{
    int b = is(s, n, "phy") ? 1 : is(s, n, "tap") ? 2
          : is(s, n, "qdisk") ? 3
          : is(s, n, "standalone") && d->minor >= 17 ? 4 : 0;
    if (b)
        dset(d, &d->backend, b, "backend", s, n);
    else
        err(d, s, n, "unknown value for backendtype");
}

static void setspecification(struct disk *d, const char *s, size_t n)
{
    int v = is(s, n, "xen") ? 1 : is(s, n, "virtio") ? 2 : 0;
    if (v)
        dset(d, &d->specification, v, "specification", s, n);
    else
        err(d, s, n, "unknown value for specification");
}

/* vdev_and_devtype(): "<vdev>:<devtype>", the last ':' */
static bool vdev_and_devtype(struct disk *d, const char *s, size_t n)
{
    const char *colon = NULL;
    for (size_t i = 0; i < n; i++)
        if (s[i] == ':')
            colon = s + i;
    if (!colon)
        return false;
    save(d, &d->vdev, "vdev", s, (size_t)(colon - s));
    const char *t = colon + 1;
    size_t tn = n - (size_t)(t - s);
    if (is(t, tn, "cdrom"))
        d->is_cdrom = true;
    else if (is(t, tn, "disk"))
        d->is_cdrom = false;
    else
        err(d, t, tn, "unknown deprecated type");
    return true;
}

/* false: "too many positional parameters", where the scanner stops */
static bool positional(struct disk *d, const char *s, size_t n)
{
    if (d->err) {
        /* previous errors may just lead to subsequent ones */
    } else if (d->pdev_path == S_UNSET) {
        save(d, &d->pdev_path, "target", s, n);
    } else if (!d->had_depr_prefix && d->format == F_UNKNOWN) {
        if (d->pdev_path == S_EMPTY && vdev_and_devtype(d, s, n))
            d->format = F_EMPTY;
        else
            setformat(d, s, n);
    } else if (d->vdev == S_UNSET) {
        if (!vdev_and_devtype(d, s, n))
            save(d, &d->vdev, "vdev", s, n);
    } else if (!d->access_set) {
        d->access_set = true;
        setaccess(d, s, n);
    } else {
        err(d, s, n, "too many positional parameters");
        return false;
    }
    return true;
}

/* One rule's action on yytext t[n]; false: the scanner stops there. */
static bool act(struct disk *d, enum act a, const char *t, size_t n)
{
    /* STRIP(','), and the value after the '=' (FROMEQUALS) */
    size_t sn = n && t[n - 1] == ',' ? n - 1 : n;
    const char *eq = memchr(t, '=', sn);
    const char *v = eq ? eq + 1 : t;
    size_t vn = eq ? sn - (size_t)(v - t) : sn;
    switch (a) {
    case A_SKIP:
    case A_FLAG:
    case A_DEPR:
        d->had_depr_prefix |= a == A_DEPR;
        return true;
    case A_FORMAT: setformat(d, v, vn); return true;
    case A_CDROM: d->is_cdrom = true; return true;
    case A_DISK: d->is_cdrom = false; return true;
    case A_BADTYPE: err(d, t, n, "unknown value for type"); return true;
    case A_ACCESS: setaccess(d, v, vn); return true;
    case A_BACKEND: save(d, &d->backend_domname, "backend", v, vn); return true;
    case A_BACKENDTYPE: setbackendtype(d, v, vn); return true;
    case A_SPEC: setspecification(d, v, vn); return true;
    case A_VDEV: save(d, &d->vdev, "vdev", v, vn); return true;
    case A_SCRIPT: save(d, &d->script, "script", v, vn); return true;
    case A_COLO_HOST: save(d, &d->colo_host, "colo-host", v, vn); return true;
    case A_COLO_EXPORT:
        save(d, &d->colo_export, "colo-export", v, vn);
        return true;
    case A_ACTIVE_DISK:
        save(d, &d->active_disk, "active-disk", v, vn);
        return true;
    case A_HIDDEN_DISK:
        save(d, &d->hidden_disk, "hidden-disk", v, vn);
        return true;
    case A_COLO_PORT: {
        /* atoi(), which glibc makes (int)strtol(): all of it */
        char *num = malloc(vn + 1);
        if (!num)
            return true; /* not judged */
        memcpy(num, v, vn);
        num[vn] = '\0';
        if (!(int)strtol(num, NULL, 10))
            err(d, v, vn, "unknown value for colo_port");
        free(num);
        return true;
    }
    case A_TARGET: save(d, &d->pdev_path, "target", v, vn); return true;
    case A_UNKNOWN: err(d, t, n, "unknown parameter"); return true;
    case A_DEPR_FORMAT:
        d->had_depr_prefix = true;
        setformat(d, t, n - 1); /* STRIP(':') */
        return true;
    case A_DEPR_SCRIPT: {
        d->had_depr_prefix = true;
        char s[16]; /* "block-" and the name */
        int k = snprintf(s, sizeof(s), "block-%.*s", (int)(n - 1), t);
        save(d, &d->script, "script", s, (size_t)k);
        return true;
    }
    case A_BADPREFIX:
        err(d, t, n, "unknown deprecated disk prefix");
        return false;
    case A_POS:
        return positional(d, t, sn);
    case A_DOT:
        return false; /* the LEXERR state: see below */
    }
    return true;
}

const char *xs_xlu_disk_refusal(const char *spec, size_t len, unsigned minor,
                                unsigned *carry, char *why, size_t whysz)
{
    (void)carry;
    struct disk d = {.minor = minor, .why = why, .whysz = whysz};
    const char *nul = memchr(spec, '\0', len);
    size_t n = nul ? (size_t)(nul - spec) : len; /* yy_scan_bytes(strlen) */
    why[0] = '\0';
    if (n > XS_XLU_DISK_MAX)
        return NULL;
    struct ahead *a = malloc(sizeof(*a));
    if (!a)
        return NULL; /* not judged */
    ahead_init(a, spec, n);
    size_t at = 0;
    while (at < n) {
        const struct rule *best = NULL;
        size_t best_len = 0, took = 0;
        for (size_t i = 0; i < sizeof(rules) / sizeof(rules[0]); i++) {
            size_t t = 0, l;
            if (rules[i].from > minor)
                continue;
            l = match(&rules[i], spec, n, at, a, &t);
            if (l > best_len) {
                best = &rules[i];
                best_len = l;
                took = t;
            }
        }
        if (!best)
            break; /* nothing matches: only `.` at a newline, never */
        if (best->act == A_DOT) {
            /* `.`, then <LEXERR>.* to the end of the line: "bad disk
             * syntax" near both; at the end of the spec the scanner
             * meets its end-of-file first and says nothing; at a newline
             * nothing matches and flex exits ("flex scanner jammed",
             * status 2: %option nodefault) */
            size_t rest = a->nl[at + 1] - (at + 1);
            if (rest)
                err(&d, spec + at, 1 + rest, "bad disk syntax");
            else if (at + 1 < n)
                err(&d, NULL, 0, "flex scanner jammed");
            break;
        }
        if (!act(&d, best->act, spec + at, took))
            break;
        at += took;
    }
    free(a);
    if (d.err)
        return why;
    /* xlu_disk_parse() after the scan */
    if (d.format == F_UNKNOWN)
        d.format = F_RAW;
    if (d.is_cdrom)
        d.removable = true;
    if (d.vdev == S_UNSET)
        err(&d, NULL, 0, "no vdev specified");
    else if (d.pdev_path == S_UNSET && !d.removable)
        err(&d, NULL, 0, "no target specified (and device not removable)");
    return d.err ? why : NULL;
}

/* ---- how xl splits an item ----
 * xl_parse.c cuts most items with strtok(): runs between delimiters,
 * empty ones skipped; the vif, vtpm, pvcalls, usbctrl, usbdev and vkb
 * loops then skip each token's leading ' ' (not other blanks) and most
 * match "KEY=" at its start (MATCH_OPTION). */

/* The longest item judged: xl's strings end at a NUL, and a value read
 * as a number is copied out whole. */
#define KV_MAX 4096u
/* for a "%.*s" of an item's text in a message: its first 100 bytes */
#define KV_TEXT(s, n) (int)((n) > 100 ? 100 : (n)), (s)

/* strtok_r(s, delim) of one delimiter: the next run of what is not delim
 * in s[n] from *at (then past it); false when there is none */
static bool next_run(const char *s, size_t n, char delim, size_t *at,
                     const char **run, size_t *rn)
{
    size_t i = *at;
    while (i < n && s[i] == delim)
        i++;
    if (i >= n)
        return false;
    size_t j = i;
    while (j < n && s[j] != delim)
        j++;
    *run = s + i;
    *rn = j - i;
    *at = j;
    return true;
}

/* strtok(s, ",") from *at, the leading ' ' skipped: false at the end */
static bool kv_token(const char *s, size_t n, size_t *at, const char **tok,
                     size_t *tn)
{
    if (!next_run(s, n, ',', at, tok, tn))
        return false;
    while (*tn && **tok == ' ')
        ++*tok, --*tn;
    return true;
}

/* MATCH_OPTION(key, token): the token starts with "key="; *v its value */
static bool kv_match(const char *t, size_t tn, const char *key,
                     const char **v, size_t *vn)
{
    size_t k = strlen(key);
    if (tn <= k || memcmp(t, key, k) != 0 || t[k] != '=')
        return false;
    *v = t + k + 1;
    *vn = tn - k - 1;
    return true;
}

/* why, as fmt says */
static const char *kv_err(char *why, size_t whysz, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static const char *kv_err(char *why, size_t whysz, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(why, whysz, fmt, ap);
    va_end(ap);
    return why;
}

/* the item to its first NUL, as xl's string has it; false when longer
 * than is judged */
static bool kv_item(const char *item, size_t *len)
{
    const char *nul = memchr(item, '\0', *len);
    if (nul)
        *len = (size_t)(nul - item);
    return *len < KV_MAX;
}

/* v[vn] (vn < KV_MAX, as kv_item() sees to) as a C string in s */
static void kv_copy(char s[KV_MAX], const char *v, size_t vn)
{
    memcpy(s, v, vn);
    s[vn] = '\0';
}

/* parse_ulong() (xl_parse.c; the same at every tag): strtoul(,10), a
 * digit needed, not ULONG_MAX; what follows the number is ignored.  NULL
 * and the number in *u, or xl's message in why. */
static const char *kv_ulong_refusal(const char *v, size_t vn,
                                    unsigned long *u, char *why,
                                    size_t whysz)
{
    char num[KV_MAX], *end;
    kv_copy(num, v, vn);
    *u = strtoul(num, &end, 10);
    if (end != num && *u != ULONG_MAX)
        return NULL;
    return kv_err(why, whysz, "xl: failed to convert \"%.*s\" to number",
                  KV_TEXT(v, vn));
}

/* split_string_into_string_list() of a value with nothing but its
 * delimiters in it strdup()s NULL (xl_parse.c, every tag): xl dies */
static const char *kv_segfault(char *why, size_t whysz)
{
    return kv_err(why, whysz, "a segmentation fault: nothing to split, "
                  "split_string_into_string_list() strdup()s NULL");
}

/* ---- a vif's rate ----
 * xl_parse.c parse_nic_config() hands `rate=` to xlu_vif_parse_rate()
 * (libxlu_vif.c, the same code at every tag RELEASE-4.6.0 to 4.22.0) and
 * exits on its EINVAL or EOVERFLOW (parse_vif_rate()): RATE[@INTERVAL],
 * RATE matching ^[0-9]+[GMK]?[Bb]/s$ and INTERVAL ^[0-9]+[mu]?s?$, each
 * number read by strtoull(base 0: a leading 0 is octal, and stops at an 8
 * or 9) and refused when 0 or above UINT32_MAX; the interval in us above
 * UINT32_MAX, or bytes per second times it above UINT64_MAX, overflow. */

static size_t digits(const char *s)
{
    size_t i = 0;
    while (s[i] >= '0' && s[i] <= '9')
        i++;
    return i;
}

/* strtoull(s, &end, 0) of a string of digits (the regex saw to that):
 * UINT64_MAX on overflow, as ERANGE gives */
static uint64_t number0(const char *s, const char **end)
{
    unsigned base = s[0] == '0' ? 8 : 10;
    uint64_t v = 0;
    const char *p = s;
    for (; *p >= '0' && *p < (base == 8 ? '8' : ':'); p++) {
        unsigned d = (unsigned)(*p - '0');
        v = v > (UINT64_MAX - d) / base ? UINT64_MAX : v * base + d;
    }
    *end = p;
    return v;
}

static const char *vif_err(char *why, size_t whysz, const char *msg,
                           const char *what, size_t n)
{
    snprintf(why, whysz, "%s in `%.*s'", msg, (int)(n > 100 ? 100 : n),
             what);
    return why;
}

const char *xs_xlu_vif_rate_refusal(const char *rate, char *why,
                                    size_t whysz)
{
    const char *at = strchr(rate, '@');
    size_t rn = at ? (size_t)(at - rate) : strlen(rate);
    if (!rn)
        return vif_err(why, whysz, "no rate specified", rate, strlen(rate));
    /* ^[0-9]+[GMK]?[Bb]/s$ */
    size_t i = digits(rate);
    if (i && i < rn && (rate[i] == 'G' || rate[i] == 'M' || rate[i] == 'K'))
        i++;
    if (!digits(rate) || i + 3 != rn ||
        (rate[i] != 'B' && rate[i] != 'b') || rate[i + 1] != '/' ||
        rate[i + 2] != 's')
        return vif_err(why, whysz, "invalid rate", rate, rn);
    const char *p;
    uint64_t bps = number0(rate, &p);
    if (bps == 0 || bps > UINT32_MAX)
        return vif_err(why, whysz, "rate overflow", rate, rn);
    bps *= *p == 'G' ? 1000000000u : *p == 'M' ? 1000000u : *p == 'K' ? 1000u
                                                                      : 1u;
    if (*p == 'b' || p[1] == 'b')
        bps /= 8;
    uint64_t usecs = 50000; /* the default, 50 ms */
    if (at) {
        const char *iv = at + 1;
        size_t in = strlen(iv);
        /* ^[0-9]+[mu]?s?$ */
        size_t j = digits(iv);
        if (j && j < in && (iv[j] == 'm' || iv[j] == 'u'))
            j++;
        if (j && j < in && iv[j] == 's')
            j++;
        if (!digits(iv) || j != in)
            return vif_err(why, whysz, "invalid replenishment interval", iv,
                           in);
        usecs = number0(iv, &p);
        if (usecs == 0 || usecs > UINT32_MAX)
            return vif_err(why, whysz, "replenishment interval overflow", iv,
                           in);
        usecs *= *p == 's' || !*p ? 1000000u : *p == 'm' ? 1000u : 1u;
        if (usecs > UINT32_MAX)
            return vif_err(why, whysz, "replenishment interval overflow", iv,
                           in);
    }
    if (usecs && bps > UINT64_MAX / usecs)
        return vif_err(why, whysz, "rate overflow", rate, strlen(rate));
    return NULL;
}

/* A vif item's tokens as parse_nic_config() reaches them (kv_token(),
 * the same loop at every tag): `rate=`, and the numbers it reads with
 * parse_ulong(), `devid=` from 4.9 (93a3fbaf16) and `mtu=` from 4.15
 * (812c8e01db); the rest of a vif makes xl print and go on, not exit
 * (xl ignores what parse_nic_config() returns). */
const char *xs_xlu_vif_refusal(const char *item, size_t len, unsigned minor,
                               unsigned *carry, char *why, size_t whysz)
{
    (void)carry;
    char rate[KV_MAX];
    const char *t, *v = NULL;
    size_t tn, vn = 0, at = 0;
    unsigned long u;
    if (!kv_item(item, &len))
        return NULL;
    while (kv_token(item, len, &at, &t, &tn)) {
        if (kv_match(t, tn, "rate", &v, &vn)) {
            char r[192];
            kv_copy(rate, v, vn);
            if (xs_xlu_vif_rate_refusal(rate, r, sizeof(r)))
                return kv_err(why, whysz, "config parsing error in vif: %s",
                              r); /* libxlu_vif.c xlu__vif_err() */
        } else if (((minor >= 9 && kv_match(t, tn, "devid", &v, &vn)) ||
                    (minor >= 15 && kv_match(t, tn, "mtu", &v, &vn))) &&
                   kv_ulong_refusal(v, vn, &u, why, whysz)) {
            return why;
        }
    }
    return NULL;
}

/* ---- a channel ----
 * parse_config_data() (tools/libxl/xl_cmdimpl.c to 4.8, then
 * tools/xl/xl_parse.c) reads a channel item's ','-separated pairs
 * (strtok_r(): empty ones skipped; with none at all,
 * split_string_into_string_list() strdup()s a NULL and xl crashes), each
 * KEY=VALUE by split_string_into_pair() with isspace() trimmed off both:
 * to 4.17 the first two runs of what is not '=', both needed; from 4.18
 * (4bad14a133) split at the first '=', with something after it.  It
 * exits on a connection other than pty or socket, on none, and on a
 * socket without a path.  The same at every tag but the split. */

/* isspace() trimmed off both ends of s[n]: *len of it from the result */
static const char *trimmed(const char *s, size_t n, size_t *len)
{
    while (n && isspace((unsigned char)*s))
        s++, n--;
    while (n && isspace((unsigned char)s[n - 1]))
        n--;
    *len = n;
    return s;
}

/* split_string_into_pair(pair, delim) of pair[n] (xl_parse.c): false
 * when it fails.  To 4.17 the first two runs of what is not delim; from
 * 4.18 (eee0d79134) the two sides of the first delim, something after
 * it.  isspace() trimmed off both when trim (xl passes isspace() from
 * 4.18; the channel loop trims them itself before). */
static bool split_pair(const char *pair, size_t n, char delim, unsigned minor,
                       bool trim, const char **key, size_t *kn,
                       const char **val, size_t *vn)
{
    const char *a, *b;
    size_t an, bn;
    if (minor >= 18) {
        const char *d = memchr(pair, delim, n);
        if (!d || d + 1 == pair + n)
            return false;
        a = pair, an = (size_t)(d - pair);
        b = d + 1, bn = n - an - 1;
    } else {
        size_t at = 0;
        if (!next_run(pair, n, delim, &at, &a, &an) ||
            !next_run(pair, n, delim, &at, &b, &bn))
            return false;
    }
    *key = trim ? trimmed(a, an, kn) : a;
    *val = trim ? trimmed(b, bn, vn) : b;
    if (!trim)
        *kn = an, *vn = bn;
    return true;
}

const char *xs_xlu_channel_refusal(const char *item, size_t len,
                                   unsigned minor, unsigned *carry, char *why,
                                   size_t whysz)
{
    (void)carry;
    bool any = false, have_path = false;
    int conn = 0; /* 1 pty, 2 socket */
    const char *pair;
    size_t n, at = 0;
    while (next_run(item, len, ',', &at, &pair, &n)) {
        any = true;
        const char *key, *val;
        size_t kn, vn;
        if (!split_pair(pair, n, '=', minor, true, &key, &kn, &val, &vn)) {
            snprintf(why, whysz, "failed to parse channel configuration: "
                     "%.*s", (int)(n > 40 ? 40 : n), pair);
            return why;
        }
        if (is(key, kn, "path")) {
            have_path = true;
        } else if (is(key, kn, "connection")) {
            conn = is(val, vn, "pty") ? 1 : is(val, vn, "socket") ? 2 : -1;
            if (conn < 0) {
                snprintf(why, whysz, "unknown channel connection '%.*s'",
                         (int)(vn > 40 ? 40 : vn), val);
                return why;
            }
        }
    }
    if (!any)
        return kv_segfault(why, whysz);
    if (!conn)
        snprintf(why, whysz, "channel has unknown 'connection'");
    else if (conn == 2 && !have_path)
        snprintf(why, whysz, "channel connection 'socket' requires path=..");
    else
        return NULL;
    return why;
}

/* ---- a pci item ----
 * To 4.14, xlu_pci_parse_bdf() (tools/libxl/libxlu_pci.c, the same at
 * RELEASE-4.6.0 to 4.14.0): a state machine over
 * [DOM:]BUS:DEV.FUNC[@VSLOT][,KEY=VALUE]..., each number strtoul(,16)
 * whole and masked (domain 0xffff, bus and dev 0xff, func 7 or "*",
 * vslot 0xff); rdm_policy strict or relaxed; any other key printed and
 * ignored; a last key without '=' (a trailing ',') refused.  A function
 * "*" leaves func unset: undefined at the .0 releases, an assert() that
 * ends xl from 4.13.3 and 4.14.1 (71a12a9798, seen with Debian 11's xl
 * 4.14.6 by tests/check_xlu.c); not judged.
 * From 4.15, xlu_pci_parse_spec_string() (bdc0799fe2, 9cd5bbf536;
 * tools/libs/util/libxlu_pci.c, the same at RELEASE-4.15.0 to 4.22.0): an
 * optional positional BDF by sscanf("%x:%x.%n") or ("%x:%x:%x.%n") (dev
 * to 0x1f), "@VSLOT" (to 0x1f), then KEY=VALUE pairs of known keys only
 * (bdf, vslot, permissive, msitranslate, seize, power_mgmt, name, and
 * rdm_policy: strict, relaxed or invalid in any case, as
 * libxl__enum_from_string() compares); exactly one of a BDF and a name.
 * The numbers are read with the C library's strtoul() and sscanf(), as
 * xl reads them.  xl exits on a refused item (xl_parse.c: "unable to
 * parse PCI BDF" to 4.14, "PCI_SPEC_STRING" from 4.15). */

enum pci_verdict { PCI_TAKEN, PCI_REFUSED, PCI_UNDEFINED };

/* hex_convert(): tok whole by strtoul(,16), no bit outside mask */
static bool pci_hex(const char *tok, unsigned long mask, unsigned long *v)
{
    char *end;
    *v = strtoul(tok, &end, 16);
    return end != tok && *end == '\0' && !(*v & ~mask);
}

/* xlu_pci_parse_bdf() of s (written to, as xl writes its copy) */
static enum pci_verdict pci_bdf_to_414(char *s, char *why, size_t whysz)
{
    enum { DOM, BUS, DEV, FUNC, VSLOT, KEY, VAL, END } st = DOM;
    unsigned long dom = 0, v;
    bool star = false;
    char *tok = s, *key = s, *end = s + strlen(s) + 1, *p;
    for (p = s; p < end; p++) {
        const char c = *p;
        if (st == DOM && c == ':') {
            *p = '\0';
            if (!pci_hex(tok, 0xffff, &dom))
                return PCI_REFUSED;
            st = BUS;
        } else if ((st == BUS || st == DEV) && (c == ':' || c == '.')) {
            if (st == DEV && c == ':')
                continue;
            *p = '\0';
            if (st == BUS && c == '.' && (dom & ~0xfful))
                return PCI_REFUSED; /* BUS:DEV.FUNC, the bus read first */
            if (!pci_hex(tok, 0xff, &v))
                return PCI_REFUSED;
            st = c == ':' ? DEV : FUNC;
        } else if (st == FUNC && (!c || c == '@' || c == ',')) {
            *p = '\0';
            star = strcmp(tok, "*") == 0;
            if (!star && !pci_hex(tok, 7, &v))
                return PCI_REFUSED;
            st = !c ? END : c == '@' ? VSLOT : KEY;
        } else if (st == VSLOT && (!c || c == ',')) {
            *p = '\0';
            if (!pci_hex(tok, 0xff, &v))
                return PCI_REFUSED;
            st = c ? KEY : END;
        } else if (st == KEY && c == '=') {
            *p = '\0';
            key = tok;
            st = VAL;
        } else if (st == VAL && (!c || c == ',')) {
            *p = '\0';
            if (!strcmp(key, "rdm_policy") && strcmp(tok, "strict") != 0 &&
                strcmp(tok, "relaxed") != 0) {
                snprintf(why, whysz, "%.100s is not an valid PCI RDM "
                         "property policy: 'strict' or 'relaxed'.", tok);
                return PCI_REFUSED;
            }
            st = c ? KEY : END;
        } else {
            continue;
        }
        tok = p + 1;
    }
    if (tok != p || st != END)
        return PCI_REFUSED;
    if (star) /* from 4.13.3 and 4.14.1 an assert() (71a12a9798) */
        snprintf(why, whysz, "undefined: a function \"*\" leaves "
                 "xlu_pci_parse_bdf()'s func unset");
    return star ? PCI_UNDEFINED : PCI_TAKEN;
}

/* parse_bdf() from 4.15: *endp past it when taken */
static enum pci_verdict pci_bdf_from_415(const char *s, const char **endp)
{
    unsigned colons = 0, dom = 0, bus = 0, dev = 0, func = 0;
    int n = -1, got;
    for (const char *p = s; isxdigit((unsigned char)*p) || *p == ':'; p++)
        colons += *p == ':';
    /* NOLINTBEGIN(cert-err34-c): xl's own sscanf() calls, on purpose */
    if (colons == 1)
        got = sscanf(s, "%x:%x.%n", &bus, &dev, &n) == 2;
    else if (colons == 2)
        got = sscanf(s, "%x:%x:%x.%n", &dom, &bus, &dev, &n) == 3;
    else
        got = 0;
    if (!got || dom > 0xffff || bus > 0xff || dev > 0x1f)
        return PCI_REFUSED;
    if (n < 0)
        return PCI_UNDEFINED; /* no '.': xl adds an unset %n */
    const char *p = s + n;
    if (*p == '*') {
        p++;
    } else {
        n = 0;
        if (sscanf(p, "%x%n", &func, &n) != 1 || func > 7)
            return PCI_REFUSED;
        p += n;
    }
    /* NOLINTEND(cert-err34-c) */
    if (endp)
        *endp = p;
    return PCI_TAKEN;
}

/* parse_vslot() from 4.15 */
static bool pci_vslot_from_415(const char *s, const char **endp)
{
    unsigned v = 0;
    int n = 0;
    if (sscanf(s, "%x%n", &v, &n) != 1 || v > 0x1f) /* NOLINT(cert-err34-c) */
        return false;
    if (endp)
        *endp = s + n;
    return true;
}

/* xlu_pci_parse_spec_string() of s (written to) */
static enum pci_verdict pci_spec_from_415(char *s, char *why, size_t whysz)
{
    /* the keys read with atoi(): any value */
    static const char *const flags[] = {"permissive", "msitranslate",
                                        "seize", "power_mgmt"};
    const char *p = s;
    bool bdf = false, name = false;
    enum pci_verdict r = pci_bdf_from_415(s, &p);
    if (r == PCI_UNDEFINED)
        return r;
    if (r == PCI_TAKEN) {
        bdf = true;
        if (*p == '@' && !pci_vslot_from_415(p + 1, &p))
            return PCI_REFUSED;
        if (*p == ',')
            p++;
        else if (*p)
            return PCI_REFUSED;
    }
    while (*p) { /* parse_key_val(): KEY up to '=', VALUE up to ',' */
        char *eq = strchr(p, '='), *val, *next;
        if (!eq)
            return PCI_REFUSED;
        *eq = '\0';
        val = eq + 1;
        next = val + strcspn(val, ",");
        bool more = *next == ',';
        *next = '\0';
        const char *key = p;
        p = more ? next + 1 : next;
        size_t f = 0;
        while (f < sizeof(flags) / sizeof(flags[0]) &&
               strcmp(key, flags[f]) != 0)
            f++;
        if (!strcmp(key, "bdf")) {
            r = pci_bdf_from_415(val, NULL);
            if (r != PCI_TAKEN)
                return r;
            bdf = true;
        } else if (!strcmp(key, "vslot")) {
            if (!pci_vslot_from_415(val, NULL))
                return PCI_REFUSED;
        } else if (!strcmp(key, "name")) {
            name = true;
        } else if (!strcmp(key, "rdm_policy")) {
            if (strcasecmp(val, "strict") != 0 &&
                strcasecmp(val, "relaxed") != 0 &&
                strcasecmp(val, "invalid") != 0) {
                snprintf(why, whysz, "Unknown RDM policy: %.100s", val);
                return PCI_REFUSED;
            }
        } else if (f == sizeof(flags) / sizeof(flags[0])) {
            snprintf(why, whysz, "Unknown PCI_SPEC_STRING option: %.100s",
                     key);
            return PCI_REFUSED;
        }
    }
    return bdf != name ? PCI_TAKEN : PCI_REFUSED;
}

const char *xs_xlu_pci_refusal(const char *item, size_t len, unsigned minor,
                               unsigned *carry, char *why, size_t whysz)
{
    (void)carry;
    char s[KV_MAX];
    why[0] = '\0';
    if (len >= sizeof(s) || memchr(item, '\0', len))
        return NULL; /* beyond what is judged */
    kv_copy(s, item, len);
    enum pci_verdict r = minor >= 15 ? pci_spec_from_415(s, why, whysz)
                                     : pci_bdf_to_414(s, why, whysz);
    if (r == PCI_UNDEFINED && !why[0])
        snprintf(why, whysz, "undefined: a BDF without \".FUNC\" leaves "
                 "parse_bdf()'s %%n unset");
    if (r != PCI_REFUSED)
        return NULL;
    if (!why[0])
        snprintf(why, whysz, "unable to parse %s `%.*s' for passthrough",
                 minor >= 15 ? "PCI_SPEC_STRING" : "PCI BDF",
                 KV_TEXT(item, len));
    return why;
}

/* ---- vtpm, pvcalls, usbctrl, usbdev, vkb ----
 * parse_config_data() (xl_parse.c; xl_cmdimpl.c to 4.8) reads these items
 * token by token: strtok(","), so empty tokens are skipped, then the
 * leading ' ' of each (not other blanks).  vtpm and pvcalls take
 * "KEY=VALUE" and stop the item at a token without '='; usbctrl, usbdev
 * (parse_usbctrl_config(), parse_usbdev_config()) and vkb
 * (parse_vkb_config()) match "KEY=" at a token's start (MATCH_OPTION)
 * and refuse anything else.  An enum value is libxl's
 * libxl__enum_from_string(): the whole value, in any case.  The code is
 * the same from the release that added each list (vtpm 4.6 and before,
 * usbctrl and usbdev 4.7 fa08b87830, pvcalls 4.11 6bbcb226ce, vkb 4.12
 * a15166af7c) to RELEASE-4.22.0; xl ignores the key before it. */

/* the index of t's "KEY=" in keys[] (NULL-ended), or that of the NULL */
static size_t kv_key(const char *t, size_t tn, const char *const *keys,
                     const char **v, size_t *vn)
{
    size_t k = 0;
    while (keys[k] && !kv_match(t, tn, keys[k], v, vn))
        k++;
    return k;
}

/* libxl__enum_from_string(): the index of v in names[] (NULL-ended),
 * all of it in any case, or that of the NULL */
static size_t kv_index(const char *v, size_t vn, const char *const *names)
{
    size_t i = 0;
    while (names[i] && !(strlen(names[i]) == vn &&
                         strncasecmp(v, names[i], vn) == 0))
        i++;
    return i;
}

bool xs_xlu_enum(const char *v, size_t vn, const char *const *names)
{
    return names[kv_index(v, vn, names)] != NULL;
}

bool xs_xlu_uuid_ok(const char *u, size_t n)
{
    if (n != 36)
        return false;
    for (size_t i = 0; i < 36; i++)
        if (i == 8 || i == 13 || i == 18 || i == 23
                ? u[i] != '-'
                : !isxdigit((unsigned char)u[i]))
            return false;
    return true;
}

/* vtpm (a "backend" needed, "uuid" checked) and pvcalls: "KEY=VALUE"
 * tokens up to the first without '=' */
static const char *kv_backend_item(const char *item, size_t len, bool vtpm,
                                   char *why, size_t whysz)
{
    bool backend = false;
    const char *t;
    size_t tn, at = 0;
    if (!kv_item(item, &len))
        return NULL;
    while (kv_token(item, len, &at, &t, &tn)) {
        const char *eq = memchr(t, '=', tn);
        if (!eq)
            break;
        size_t kn = (size_t)(eq - t), vn = tn - kn - 1;
        if (is(t, kn, "backend")) {
            backend = true;
        } else if (!vtpm || !is(t, kn, "uuid")) {
            return kv_err(why, whysz, "Unknown string `%.*s' in %s spec",
                          KV_TEXT(t, kn), vtpm ? "vtpm" : "pvcalls");
        } else if (!xs_xlu_uuid_ok(eq + 1, vn)) { /* libxl_uuid_from_string() */
            return kv_err(why, whysz, "Failed to parse vtpm UUID: %.*s",
                          KV_TEXT(eq + 1, vn));
        }
    }
    return !vtpm || backend ? NULL
                            : kv_err(why, whysz, "vtpm spec missing required "
                                     "backend field!");
}

const char *xs_xlu_vtpm_refusal(const char *item, size_t len, unsigned minor,
                                unsigned *carry, char *why, size_t whysz)
{
    (void)carry;
    (void)minor; /* the same at every tag */
    return kv_backend_item(item, len, true, why, whysz);
}

const char *xs_xlu_pvcalls_refusal(const char *item, size_t len,
                                   unsigned minor, unsigned *carry, char *why,
                                   size_t whysz)
{
    (void)carry;
    return minor < 11 ? NULL : kv_backend_item(item, len, false, why, whysz);
}

/* usbctrl and usbdev (dev): each token one of keys[] ("KEY="), keys[0]
 * "type" with a value of types[]; an empty item is a default one */
static const char *kv_usb_item(const char *item, size_t len,
                               const char *const *keys,
                               const char *const *types, bool dev,
                               char *why, size_t whysz)
{
    const char *t, *v = NULL;
    size_t tn, vn = 0, at = 0;
    if (!kv_item(item, &len))
        return NULL;
    while (kv_token(item, len, &at, &t, &tn)) {
        size_t k = kv_key(t, tn, keys, &v, &vn);
        if (!keys[k])
            return kv_err(why, whysz, "Unknown string `%.*s' in %s spec",
                          KV_TEXT(t, tn), dev ? "usbdev" : "usbctrl");
        /* for a device xl prints getopt's optarg, not the value: NULL
         * once xl restore has read its options */
        if (k == 0 && !xs_xlu_enum(v, vn, types))
            return dev ? kv_err(why, whysz, "Invalid usb device type: (null)")
                       : kv_err(why, whysz, "Invalid usb controller type "
                                "'%.*s'", KV_TEXT(v, vn));
    }
    return NULL;
}

const char *xs_xlu_usbctrl_refusal(const char *item, size_t len,
                                   unsigned minor, unsigned *carry, char *why,
                                   size_t whysz)
{
    (void)carry;
    static const char *const keys[] = {"type", "version", "ports", NULL};
    static const char *const types[] = {"auto", "pv", "devicemodel", "qusb",
                                        NULL};
    return minor < 7 ? NULL
                     : kv_usb_item(item, len, keys, types, false, why, whysz);
}

const char *xs_xlu_usbdev_refusal(const char *item, size_t len, unsigned minor,
                                  unsigned *carry, char *why, size_t whysz)
{
    (void)carry;
    static const char *const keys[] = {"type", "hostbus", "hostaddr",
                                       "controller", "port", NULL};
    static const char *const types[] = {"hostdev", NULL};
    return minor < 7 ? NULL
                     : kv_usb_item(item, len, keys, types, true, why, whysz);
}

/* vkb (parse_vkb_list()): backend-type must end up qemu or linux, and
 * feature-multi-touch on needs a multi-touch size; the numbers are
 * strtoul(v, NULL, 0), never refused, the sizes kept in 32 bits, the
 * feature a bool; a key given twice counts with its last value. */
const char *xs_xlu_vkb_refusal(const char *item, size_t len, unsigned minor,
                               unsigned *carry, char *why, size_t whysz)
{
    (void)carry;
    static const char *const keys[] = {
        "multi-touch-width", "multi-touch-height", "multi-touch-num-contacts",
        "feature-multi-touch", "backend-type", "backend", "unique-id",
        "feature-disable-keyboard", "feature-disable-pointer",
        "feature-abs-pointer", "feature-raw-pointer", "width", "height",
        NULL};
    enum { K_MT_SIZES = 3, K_MT = 3, K_TYPE = 4 };
    static const char *const backends[] = {"unknown", "qemu", "linux", NULL};
    if (minor < 12 || !kv_item(item, &len))
        return NULL;
    bool typed = false, mt = false;
    uint32_t size[K_MT_SIZES] = {0};
    const char *t, *v = NULL;
    size_t tn, vn = 0, at = 0;
    char num[KV_MAX];
    while (kv_token(item, len, &at, &t, &tn)) {
        size_t k = kv_key(t, tn, keys, &v, &vn);
        if (!keys[k])
            return kv_err(why, whysz, "Unknown string \"%.*s\" in vkb spec",
                          KV_TEXT(t, tn));
        if (k == K_TYPE) {
            if (!xs_xlu_enum(v, vn, backends))
                return kv_err(why, whysz, "Unknown backend_type \"%.*s\" in "
                              "vkb spec", KV_TEXT(v, vn));
            typed = !(vn == 7 && strncasecmp(v, "unknown", 7) == 0);
        } else if (k <= K_MT) {
            kv_copy(num, v, vn);
            unsigned long u = strtoul(num, NULL, 0);
            if (k == K_MT)
                mt = u != 0;
            else
                size[k] = (uint32_t)u;
        }
    }
    if (!typed)
        return kv_err(why, whysz, "backend-type should be set in vkb spec");
    /* a size turns the feature on; the feature needs a size */
    if (mt && !(size[0] || size[1] || size[2]))
        return kv_err(why, whysz, "multi-touch-width, multi-touch-height, "
                      "multi-touch-num-contacts should be set for multi "
                      "touch in vkb spec");
    return NULL;
}

/* ---- p9 (b53b4037ce, RELEASE-4.9.0) ----
 * To 4.17: the vtpm loop (tokens up to the first without '=', keys
 * exact), "path", "security_model" and "tag" needed by the end of each
 * item, kept from earlier items: xl declares them outside its loop and
 * never clears them.  4.18 (95b757598f): each ','-piece KEY=VALUE by
 * split_string_into_pair() with isspace() trimmed, the three needed per
 * item; an empty item crashes xl (split_string_into_string_list()).
 * From 4.19 (4287a71f9b): type (unknown, qemu, xen_9pfsd), max-files,
 * max-open-files, max-space by parse_ulong(), auto-delete; nothing
 * needed.  The same to RELEASE-4.22.0. */
const char *xs_xlu_p9_refusal(const char *item, size_t len, unsigned minor,
                              unsigned *carry, char *why, size_t whysz)
{
    static const char *const keys[] = {"path", "security_model", "tag",
                                       "backend", "type", "max-files",
                                       "max-open-files", "max-space",
                                       "auto-delete"};
    enum { K_NEEDED = 3, K_TYPE = 4, K_AUTO_DELETE = 8 };
    static const char *const types[] = {"unknown", "qemu", "xen_9pfsd",
                                        NULL};
    if (minor < 9 || !kv_item(item, &len))
        return NULL;
    unsigned have = minor < 18 ? *carry : 0;
    const char *t;
    size_t tn, at = 0;
    bool any = false;
    while (minor < 18 ? kv_token(item, len, &at, &t, &tn)
                      : next_run(item, len, ',', &at, &t, &tn)) {
        const char *k = t, *v;
        size_t kn, vn;
        any = true;
        if (minor < 18) {
            const char *eq = memchr(t, '=', tn);
            if (!eq)
                break;
            kn = (size_t)(eq - t);
            v = eq + 1, vn = tn - kn - 1;
        } else if (!split_pair(t, tn, '=', minor, true, &k, &kn, &v, &vn)) {
            return kv_err(why, whysz, "failed to parse 9pfs configuration: "
                          "%.*s", KV_TEXT(t, tn));
        }
        const size_t nkeys = minor < 19 ? K_TYPE : K_AUTO_DELETE + 1;
        size_t i = 0;
        while (i < nkeys && !is(k, kn, keys[i]))
            i++;
        if (i == nkeys)
            return minor < 18 ? kv_err(why, whysz, "Unknown string `%.*s' in "
                                       "9pfs spec", KV_TEXT(k, kn))
                              : kv_err(why, whysz, "Unknown 9pfs parameter "
                                       "'%.*s'", KV_TEXT(k, kn));
        if (i < K_NEEDED)
            have |= 1u << i;
        if (i == K_TYPE && !xs_xlu_enum(v, vn, types))
            return kv_err(why, whysz, "failed to parse 9pfs type: %.*s",
                          KV_TEXT(v, vn));
        unsigned long u;
        if (i > K_TYPE && i < K_AUTO_DELETE &&
            kv_ulong_refusal(v, vn, &u, why, whysz))
            return why;
    }
    *carry = have;
    if (minor >= 18 && !any)
        return kv_segfault(why, whysz);
    if (minor < 19 && have != (1u << K_NEEDED) - 1)
        return kv_err(why, whysz, "9pfs spec missing required field!");
    return NULL;
}

/* ---- vdispl (7a48622a78, RELEASE-4.10.0) ----
 * parse_vdispl_config() of each token: backend=, be-alloc=,
 * connectors=ID:WxH[;...] (split on ';', each by
 * split_string_into_pair(':'), the size by sscanf("%ux%u")); at least one
 * connector.  A size sscanf() reads only part of (1 number, or none
 * before the end) is refused; one it reads nothing of is printed and
 * ends the connectors, the item taken.  A connector the split refuses
 * leaves the size a pointer never set: undefined, not judged.  The same
 * to RELEASE-4.22.0 but the split (4.18). */
const char *xs_xlu_vdispl_refusal(const char *item, size_t len, unsigned minor,
                                  unsigned *carry, char *why, size_t whysz)
{
    (void)carry;
    if (minor < 10 || !kv_item(item, &len))
        return NULL;
    bool connectors = false;
    const char *t, *v;
    size_t tn, vn, at = 0;
    while (kv_token(item, len, &at, &t, &tn)) {
        if (kv_match(t, tn, "backend", &v, &vn) ||
            kv_match(t, tn, "be-alloc", &v, &vn))
            continue;
        if (!kv_match(t, tn, "connectors", &v, &vn))
            return kv_err(why, whysz, "Unknown string \"%.*s\" in vdispl "
                          "spec", KV_TEXT(t, tn));
        const char *c, *id, *res;
        size_t cn, idn, resn, cat = 0;
        connectors = next_run(v, vn, ';', &cat, &c, &cn);
        if (!connectors)
            return kv_segfault(why, whysz);
        do {
            if (!split_pair(c, cn, ':', minor, false, &id, &idn, &res,
                            &resn)) {
                kv_err(why, whysz, "undefined: connector \"%.*s\" has no "
                       "resolution", KV_TEXT(c, cn));
                return NULL;
            }
            char s[KV_MAX];
            unsigned w, h;
            kv_copy(s, res, resn);
            int got = sscanf(s, "%ux%u", &w, &h); /* NOLINT(cert-err34-c) */
            if (got == 0)
                break; /* printed, the item taken */
            if (got != 2)
                return kv_err(why, whysz, "Can't parse connector "
                              "resolution");
        } while (next_run(v, vn, ';', &cat, &c, &cn));
    }
    return connectors ? NULL
                      : kv_err(why, whysz, "At least one connector should "
                               "be specified.");
}

/* ---- vsnd (8d89d52c5a, RELEASE-4.12.0) ----
 * parse_vsnd_item(): the first token (strcasecmp()) card, pcm or stream,
 * then each token a parameter of all three (sample-rates=, split on ';';
 * sample-formats=, each a libxl_vsnd_pcm_format; channels-min=,
 * channels-max=, buffer-size=) or of that kind (card: backend=,
 * short-name=, long-name=; pcm: name=; stream: unique-id=, type= P or
 * C).  The same to RELEASE-4.22.0. */
const char *xs_xlu_vsnd_refusal(const char *item, size_t len, unsigned minor,
                                unsigned *carry, char *why, size_t whysz)
{
    static const char *const kinds[] = {"card", "pcm", "stream", NULL};
    static const char *const params[] = {
        "sample-rates", "sample-formats", "channels-min", "channels-max",
        "buffer-size", NULL};
    static const char *const own[][4] = {
        {"backend", "short-name", "long-name", NULL},
        {"name", NULL},
        {"unique-id", "type", NULL}};
    static const char *const formats[] = {
        "S8", "U8", "S16_LE", "S16_BE", "U16_LE", "U16_BE", "S24_LE",
        "S24_BE", "U24_LE", "U24_BE", "S32_LE", "S32_BE", "U32_LE", "U32_BE",
        "F32_LE", "F32_BE", "F64_LE", "F64_BE", "IEC958_SUBFRAME_LE",
        "IEC958_SUBFRAME_BE", "MU_LAW", "A_LAW", "IMA_ADPCM", "MPEG", "GSM",
        NULL};
    static const char *const stream_types[] = {"P", "C", NULL};
    (void)carry;
    if (minor < 12 || !kv_item(item, &len))
        return NULL;
    const char *t, *v = NULL;
    size_t tn, vn = 0, at = 0, kind = 0;
    bool first = true;
    while (kv_token(item, len, &at, &t, &tn)) {
        if (first) {
            first = false;
            kind = kv_index(t, tn, kinds);
            if (!kinds[kind])
                return kv_err(why, whysz, "Invalid key: %.*s",
                              KV_TEXT(t, tn));
            continue;
        }
        size_t p = kv_key(t, tn, params, &v, &vn);
        if (p <= 1) { /* a list split on ';' */
            const char *r;
            size_t rn, rat = 0;
            if (!next_run(v, vn, ';', &rat, &r, &rn))
                return kv_segfault(why, whysz);
            do {
                if (p == 1 && !xs_xlu_enum(r, rn, formats))
                    return kv_err(why, whysz, "Invalid pcm format: %.*s",
                                  KV_TEXT(r, rn));
            } while (next_run(v, vn, ';', &rat, &r, &rn));
            continue;
        }
        if (params[p])
            continue;
        size_t o = kv_key(t, tn, own[kind], &v, &vn);
        if (!own[kind][o])
            return kv_err(why, whysz, "Invalid parameter: %.*s",
                          KV_TEXT(t, tn));
        if (kind == 2 && o == 1 && !xs_xlu_enum(v, vn, stream_types))
            return kv_err(why, whysz, "Invalid stream type: %.*s",
                          KV_TEXT(v, vn));
    }
    return NULL;
}

/* ---- ioports, irqs, iomem ----
 * xl_parse.c reads these lists by their count, each element a string
 * (the caller refuses one that is not), with the C library's strtoul()
 * and sscanf(), as here.  ioports (the same at every tag): START[-END]
 * in hex, each below 0xffffffff, END all of the rest (other text after
 * START is printed, not refused).  irqs: decimal below 0xffffffff, from
 * 4.7 all of it (adef7d9cc8).  iomem: "%lx,%lx@%lx", at least two
 * numbers, from 4.7 nothing after them (adef7d9cc8). */

/* the element to its first NUL in s[KV_MAX]; false when not judged */
static bool kv_cstr(const char *item, size_t len, char s[KV_MAX])
{
    if (!kv_item(item, &len))
        return false;
    kv_copy(s, item, len);
    return true;
}

const char *xs_xlu_ioport_refusal(const char *item, size_t len, unsigned minor,
                                  unsigned *carry, char *why, size_t whysz)
{
    char s[KV_MAX], *ep;
    (void)minor, (void)carry;
    if (!kv_cstr(item, len, s))
        return NULL;
    for (const char *p = s;; p = ep + 1) {
        unsigned long ul = strtoul(p, &ep, 16);
        if (ep == p || (p != s && *ep))
            return kv_err(why, whysz, "xl: Invalid argument parsing ioport: "
                          "%.100s", s);
        if (ul >= UINT32_MAX)
            return kv_err(why, whysz, "xl: ioport %lx too big", ul);
        if (p != s || *ep != '-')
            return NULL;
    }
}

const char *xs_xlu_irq_refusal(const char *item, size_t len, unsigned minor,
                               unsigned *carry, char *why, size_t whysz)
{
    char s[KV_MAX], *ep;
    (void)carry;
    if (!kv_cstr(item, len, s))
        return NULL;
    unsigned long ul = strtoul(s, &ep, 10);
    if (ep == s || (minor >= 7 && *ep))
        return kv_err(why, whysz, "xl: Invalid argument parsing irq: %.100s",
                      s);
    if (ul >= UINT32_MAX)
        return kv_err(why, whysz, "xl: irq %lx too big", ul);
    return NULL;
}

const char *xs_xlu_iomem_refusal(const char *item, size_t len, unsigned minor,
                                 unsigned *carry, char *why, size_t whysz)
{
    char s[KV_MAX];
    uint64_t start, number, gfn;
    int used = 0, got;
    (void)carry;
    if (!kv_cstr(item, len, s))
        return NULL;
    /* NOLINTBEGIN(cert-err34-c): xl's own sscanf() */
    if (minor >= 7)
        got = sscanf(s, "%" SCNx64 ",%" SCNx64 "%n@%" SCNx64 "%n", &start,
                     &number, &used, &gfn, &used);
    else
        got = sscanf(s, "%" SCNx64 ",%" SCNx64 "@%" SCNx64, &start, &number,
                     &gfn);
    /* NOLINTEND(cert-err34-c) */
    if (got < 2 || (minor >= 7 && s[used]))
        return kv_err(why, whysz, "xl: Invalid argument parsing iomem: "
                      "%.100s", s);
    return NULL;
}

/* ---- virtio (4.18), xenstore_quota (4.22), llc_colors (4.20) ---- */

/* virtio (parse_virtio_list(), parse_virtio_config(), the same from
 * RELEASE-4.18.0 to 4.22.0): tokens backend=, type=, transport= (a
 * libxl_virtio_transport: unknown or mmio; another is exit(1) with no
 * message), grant_usage=.  A "type=virtio..." takes the next token with
 * it (a type may hold a ','); with none, xl strlen()s a NULL. */
const char *xs_xlu_virtio_refusal(const char *item, size_t len,
                                  unsigned minor, unsigned *carry, char *why,
                                  size_t whysz)
{
    static const char *const transports[] = {"unknown", "mmio", NULL};
    const char *t, *v;
    size_t tn, vn, at = 0;
    (void)carry;
    if (minor < 18 || !kv_item(item, &len))
        return NULL;
    while (kv_token(item, len, &at, &t, &tn)) {
        if (kv_match(t, tn, "type", &v, &vn)) {
            const char *next;
            size_t nn;
            if (vn >= 6 && memcmp(v, "virtio", 6) == 0 &&
                !next_run(item, len, ',', &at, &next, &nn))
                return kv_err(why, whysz, "a segmentation fault: "
                              "\"%.*s\" ends the item, xl strlen()s the "
                              "NULL after it", KV_TEXT(t, tn));
            continue;
        }
        if (kv_match(t, tn, "transport", &v, &vn)) {
            if (!xs_xlu_enum(v, vn, transports))
                return kv_err(why, whysz, "exit(1), no message: transport "
                              "\"%.*s\" is not unknown or mmio",
                              KV_TEXT(v, vn));
            continue;
        }
        if (!kv_match(t, tn, "backend", &v, &vn) &&
            !kv_match(t, tn, "grant_usage", &v, &vn))
            return kv_err(why, whysz, "Unknown string \"%.*s\" in virtio "
                          "spec", KV_TEXT(t, tn));
    }
    return NULL;
}

/* xenstore_quota (parse_xsquota_item(), ea3099e191, RELEASE-4.22.0):
 * NAME=VALUE, VALUE all of it by strtoul(,0), within 32 bits */
const char *xs_xlu_xsquota_refusal(const char *item, size_t len,
                                   unsigned minor, unsigned *carry,
                                   char *why, size_t whysz)
{
    char s[KV_MAX], *end;
    (void)carry;
    if (minor < 22 || !kv_cstr(item, len, s))
        return NULL;
    const char *eq = strchr(s, '=');
    if (!eq)
        return kv_err(why, whysz, "Quota specification \"%.100s\" lacks "
                      "\"=\".", s);
    errno = 0;
    unsigned long val = strtoul(eq + 1, &end, 0);
    if (errno || !eq[1] || *end || (unsigned int)val != val)
        return kv_err(why, whysz, "Quota specification \"%.100s\" uses "
                      "illegal value \"%.100s\".", s, eq + 1);
    return NULL;
}

/* llc_colors (748bd725fb, RELEASE-4.20.0, the same to 4.22.0):
 * "%u-%u", else "%u", with the start not above the end (what follows is
 * not looked at; how much memory a wide range takes is the host's) */
const char *xs_xlu_llc_color_refusal(const char *item, size_t len,
                                     unsigned minor, unsigned *carry,
                                     char *why, size_t whysz)
{
    char s[KV_MAX];
    uint32_t start = 0, end = 0;
    (void)carry;
    if (minor < 20 || !kv_cstr(item, len, s))
        return NULL;
    /* NOLINTBEGIN(cert-err34-c): xl's own sscanf() */
    if (sscanf(s, "%" SCNu32 "-%" SCNu32, &start, &end) != 2) {
        if (sscanf(s, "%" SCNu32, &start) != 1)
            return kv_err(why, whysz, "xl: Invalid LLC color range: %.100s",
                          s);
    } else if (start > end) {
        return kv_err(why, whysz, "xl: Start LLC color is greater than end: "
                      "%.100s", s);
    }
    /* NOLINTEND(cert-err34-c) */
    return NULL;
}

/* ---- viridian, mca_caps (HVM) ----
 * parse_config_data() (the same loops from RELEASE-4.6.0, mca_caps from
 * 4.10.0, 4e731e9707, to 4.22.0) strcmp()s each element (one that is a
 * list, NULL, crashes it, which the caller refuses). */

/* viridian: "all", "defaults", or a libxl_viridian_enlightenment name
 * (any case), after one '!' (libxl_types.idl at each tag: base, freq,
 * time_ref_count, reference_tsc; hcall_remote_tlb_flush, apic_assist
 * 4.7; crash_ctl 4.9; synic, stimer, hcall_ipi 4.13;
 * ex_processor_masks, no_vp_limit, cpu_hotplug 4.15) */
const char *xs_xlu_viridian_refusal(const char *item, size_t len,
                                    unsigned minor, unsigned *carry,
                                    char *why, size_t whysz)
{
    static const struct {
        const char *name;
        unsigned since;
    } names[] = {{"base", 6},           {"freq", 6},
                 {"time_ref_count", 6}, {"reference_tsc", 6},
                 {"hcall_remote_tlb_flush", 7}, {"apic_assist", 7},
                 {"crash_ctl", 9},      {"synic", 13},
                 {"stimer", 13},        {"hcall_ipi", 13},
                 {"ex_processor_masks", 15}, {"no_vp_limit", 15},
                 {"cpu_hotplug", 15}};
    (void)carry;
    if (!kv_item(item, &len) || is(item, len, "all") ||
        is(item, len, "defaults"))
        return NULL;
    const char *v = item;
    size_t vn = len;
    if (vn && *v == '!')
        v++, vn--;
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
        if (minor >= names[i].since && strlen(names[i].name) == vn &&
            strncasecmp(v, names[i].name, vn) == 0)
            return NULL;
    return kv_err(why, whysz, "xl: unknown viridian enlightenment '%.*s'",
                  KV_TEXT(v, vn));
}

const char *xs_xlu_mca_cap_refusal(const char *item, size_t len,
                                   unsigned minor, unsigned *carry,
                                   char *why, size_t whysz)
{
    (void)carry;
    if (minor < 10 || !kv_item(item, &len) || is(item, len, "lmce"))
        return NULL;
    return kv_err(why, whysz, "ERROR: unrecognized MCA capability '%.*s'.",
                  KV_TEXT(item, len));
}

/* ---- vnuma ----
 * parse_vnuma_config() (xl_parse.c, the same at every tag but
 * split_string_into_pair(), 4.18): each string of a node's list is
 * OPTION=VALUE, both trimmed; pnode and size by parse_ulong() (whether a
 * pnode is below the host's node count is the host's), vcpus a ','-list
 * of N or N-M ranges counted as parse_range() leaves them, vdistances a
 * ','-list of parse_ulong() numbers, one per node; other options are
 * ignored.  A range that ends at ULONG_MAX never ends in xl, and more
 * distances than nodes overflow its array: undefined, not judged. */
const char *xs_xlu_vnuma_option_refusal(const char *opt, size_t len,
                                        unsigned minor,
                                        struct xs_xlu_vnuma *v, char *why,
                                        size_t whysz)
{
    const char *o, *val, *r;
    size_t on, vn, rn, at = 0;
    char s[KV_MAX], *end;
    if (!kv_item(opt, &len))
        return NULL;
    if (!split_pair(opt, len, '=', minor, true, &o, &on, &val, &vn))
        return kv_err(why, whysz, "xl: failed to split \"%.*s\" into pair",
                      KV_TEXT(opt, len));
    unsigned long u;
    if (is(o, on, "pnode") || is(o, on, "size")) {
        if (kv_ulong_refusal(val, vn, &u, why, whysz))
            return why;
        if (is(o, on, "size"))
            v->memkb += u << 10;
        return NULL;
    }
    bool vcpus = is(o, on, "vcpus");
    if (!vcpus && !is(o, on, "vdistances"))
        return NULL;
    if (!next_run(val, vn, ',', &at, &r, &rn))
        return kv_segfault(why, whysz);
    unsigned j = 0;
    do {
        if (!vcpus) {
            if (kv_ulong_refusal(r, rn, &u, why, whysz))
                return why;
            if (j++ >= v->nodes) {
                kv_err(why, whysz, "undefined: more vdistances than nodes "
                       "write past xl's array");
                return NULL;
            }
            continue;
        }
        /* parse_range(): s and e as strtoul() leaves them */
        kv_copy(s, r, rn);
        unsigned long a = strtoul(s, &end, 10), b = a;
        if (end != s && a != ULONG_MAX && *end == '-') {
            const char *e2 = end + 1;
            b = strtoul(e2, &end, 10);
        }
        if (b == ULONG_MAX && a <= b) {
            kv_err(why, whysz, "undefined: a vcpus range to %lu never ends "
                   "in xl", b);
            return NULL;
        }
        if (a <= b)
            v->vcpus += b - a + 1;
    } while (next_run(val, vn, ',', &at, &r, &rn));
    return NULL;
}
