/* Findings: what the readers and rules say about an input, each tied to a
 * byte offset, a record index and a record type. */
#include "xenstream.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *xs_version_string(void) { return XENSTREAM_VERSION; }

void xs_report_init(struct xs_report *rep, const char *file)
{
    memset(rep, 0, sizeof(*rep));
    rep->file = file;
}

/* What a finding says when its message could not be allocated. */
static char no_memory[] = "(message lost: out of memory)";

static void msg_free(char *m)
{
    if (m != no_memory)
        free(m);
}

void xs_report_free(struct xs_report *rep)
{
    for (size_t i = 0; i < rep->nkept; i++)
        msg_free(rep->kept[i].msg);
    free(rep->kept);
    rep->kept = NULL;
    rep->nkept = 0;
}

/* The message, allocated to fit: a path in it may be of any length (an
 * argument can be 128 KiB); past XS_FINDING_MSG_MAX its middle gives way
 * to "[...]", so that memory per message stays bounded and the reason,
 * which comes last, is kept. */
char *xs_msg_vformat(const char *fmt, va_list ap)
{
    va_list again;
    va_copy(again, ap);
    /* the analyzer loses va_start on this path (a known false positive) */
    int n = vsnprintf(NULL, 0, fmt, ap); // NOLINT(clang-analyzer-valist.Uninitialized)
    char *m = n >= 0 ? malloc((size_t)n + 1) : NULL;
    if (!m) {
        va_end(again);
        return NULL;
    }
    vsnprintf(m, (size_t)n + 1, fmt, again); // NOLINT(clang-analyzer-valist.Uninitialized)
    va_end(again);
    if ((size_t)n < XS_FINDING_MSG_MAX)
        return m;
    static const char cut[] = "[...]";
    size_t keep = XS_FINDING_MSG_MAX - 1 - (sizeof(cut) - 1);
    size_t head = keep / 2, tail = keep - head;
    char *out = malloc(XS_FINDING_MSG_MAX);
    if (!out) {
        free(m);
        return NULL;
    }
    memcpy(out, m, head);
    memcpy(out + head, cut, sizeof(cut) - 1);
    memcpy(out + head + sizeof(cut) - 1, m + (size_t)n - tail, tail + 1);
    free(m);
    return out;
}

char *xs_msg_format(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *m = xs_msg_vformat(fmt, ap);
    va_end(ap);
    return m;
}

void xs_report_add(struct xs_report *rep, enum xs_severity sev,
                   const char *rule, uint64_t offset, int64_t index,
                   const char *where, const char *fmt, ...)
{
    struct xs_finding f;
    va_list ap;

    /* A repeated pass (upgrade after its verify pass) stays quiet about
     * warnings already given; errors are always reported. */
    if (rep->quiet && sev != XS_SEV_ERROR)
        return;
    memset(&f, 0, sizeof(f));
    f.sev = sev;
    f.rule = rule;
    f.offset = offset;
    f.index = index;
    snprintf(f.where, sizeof(f.where), "%s", where);
    va_start(ap, fmt);
    f.msg = xs_msg_vformat(fmt, ap);
    va_end(ap);
    if (!f.msg)
        f.msg = no_memory;

    if (sev == XS_SEV_ERROR)
        rep->errors++;
    else if (sev == XS_SEV_WARNING)
        rep->warnings++;
    else
        rep->notes++;

    if (rep->nkept < XS_REPORT_KEEP) {
        if ((rep->nkept & (rep->nkept - 1)) == 0) { /* 0, 1, 2, 4, ... */
            size_t cap = rep->nkept ? rep->nkept * 2 : 1;
            struct xs_finding *k = realloc(rep->kept, cap * sizeof(*k));
            if (k)
                rep->kept = k;
            else
                cap = 0;
            if (cap <= rep->nkept)
                goto sink;
        }
        rep->kept[rep->nkept++] = f;
        if (rep->sink)
            rep->sink(rep, &f, rep->sink_ctx);
        return;
    }
sink:
    if (rep->sink)
        rep->sink(rep, &f, rep->sink_ctx);
    msg_free(f.msg); /* not kept */
}

void xs_finding_format(const struct xs_report *rep, const struct xs_finding *f,
                       char *out, size_t outsz)
{
    const char *file = rep->file ? rep->file : "-";
    const char *sev = f->sev == XS_SEV_WARNING ? "warning: "
                      : f->sev == XS_SEV_NOTE    ? "note: "
                                                 : "";

    if (f->index == -2) /* no location: an I/O or system error */
        snprintf(out, outsz, "%s: %s%s", file, sev, f->msg);
    else if (f->index < 0)
        snprintf(out, outsz, "%s: offset 0x%llx %s: %s%s", file,
                 (unsigned long long)f->offset, f->where, sev, f->msg);
    else
        snprintf(out, outsz, "%s: offset 0x%llx record #%lld %s: %s%s", file,
                 (unsigned long long)f->offset, (long long)f->index, f->where,
                 sev, f->msg);
}

/* The line of xs_finding_format(), whole (the file name and the message
 * are printed as they are, whatever their length), and safe for a
 * terminal: it goes through xs_text_write(). */
void xs_report_print_sink(const struct xs_report *rep,
                          const struct xs_finding *f, void *ctx)
{
    FILE *fp = ctx ? ctx : stderr;
    const char *file = rep->file ? rep->file : "-";
    const char *sev = f->sev == XS_SEV_WARNING ? "warning: "
                      : f->sev == XS_SEV_NOTE    ? "note: "
                                                 : "";
    if (f->index == -2)
        xs_text_printf(fp, "%s: %s%s\n", file, sev, f->msg);
    else if (f->index < 0)
        xs_text_printf(fp, "%s: offset 0x%llx %s: %s%s\n", file,
                       (unsigned long long)f->offset, f->where, sev, f->msg);
    else
        xs_text_printf(fp, "%s: offset 0x%llx record #%lld %s: %s%s\n", file,
                       (unsigned long long)f->offset, (long long)f->index,
                       f->where, sev, f->msg);
}

/* ---- text for a person (xenstream.h says what is escaped) ---- */

size_t xs_utf8_seq(const unsigned char *p, size_t n)
{
    unsigned c = p[0];
    size_t len;
    unsigned lo = 0x80, hi = 0xbf; /* the second byte's range */
    if (c < 0x80)
        return 1;
    if (c >= 0xc2 && c <= 0xdf)
        len = 2;
    else if (c >= 0xe0 && c <= 0xef) {
        len = 3;
        if (c == 0xe0)
            lo = 0xa0; /* overlong */
        if (c == 0xed)
            hi = 0x9f; /* U+D800-U+DFFF: surrogates */
    } else if (c >= 0xf0 && c <= 0xf4) {
        len = 4;
        if (c == 0xf0)
            lo = 0x90; /* overlong */
        if (c == 0xf4)
            hi = 0x8f; /* above U+10FFFF */
    } else
        return 0;
    if (n < len || p[1] < lo || p[1] > hi)
        return 0;
    for (size_t i = 2; i < len; i++)
        if ((p[i] & 0xc0) != 0x80)
            return 0;
    return len;
}

/* The escape for the character of k bytes at p (valid UTF-8, or k == 0
 * for a byte that is not part of any), or NULL to write it as it is. */
static const char *text_escape(const unsigned char *p, size_t k, char *buf,
                               size_t sz)
{
    if (k == 0) {
        snprintf(buf, sz, "\\x%02x", p[0]);
        return buf;
    }
    if (k == 1) {
        switch (p[0]) {
        case '\\': return "\\\\";
        case '\b': return "\\b";
        case '\t': return "\\t";
        case '\n': return "\\n";
        case '\r': return "\\r";
        default:
            break;
        }
        if (p[0] >= 0x20 && p[0] != 0x7f)
            return NULL;
        snprintf(buf, sz, "\\x%02x", p[0]);
        return buf;
    }
    uint32_t cp;
    if (k == 2)
        cp = (uint32_t)(p[0] & 0x1f) << 6 | (p[1] & 0x3fu);
    else if (k == 3)
        cp = (uint32_t)(p[0] & 0x0f) << 12 | (uint32_t)(p[1] & 0x3f) << 6 |
             (p[2] & 0x3fu);
    else
        return NULL; /* U+10000 and above: no controls there */
    if ((cp >= 0x80 && cp <= 0x9f) || cp == 0x2028 || cp == 0x2029 ||
        (cp >= 0x202a && cp <= 0x202e) || (cp >= 0x2066 && cp <= 0x2069)) {
        snprintf(buf, sz, "\\u%04x", (unsigned)cp);
        return buf;
    }
    return NULL;
}

void xs_text_write(FILE *fp, const char *s, size_t n)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t plain = 0; /* the start of bytes still to write as they are */
    char buf[16];
    for (size_t i = 0; i < n;) {
        size_t k = xs_utf8_seq(p + i, n - i);
        const char *esc = text_escape(p + i, k, buf, sizeof(buf));
        k = k ? k : 1;
        if (esc) {
            fwrite(p + plain, 1, i - plain, fp);
            fputs(esc, fp);
            plain = i + k;
        }
        i += k;
    }
    fwrite(p + plain, 1, n - plain, fp);
}

void xs_text_vprintf(FILE *fp, const char *fmt, va_list ap)
{
    char small[512], *big = NULL, *s = small;
    va_list again;
    va_copy(again, ap);
    int n = vsnprintf(small, sizeof(small), fmt, ap); // NOLINT(clang-analyzer-valist.Uninitialized)
    if (n >= (int)sizeof(small)) {
        big = malloc((size_t)n + 1);
        if (big)
            vsnprintf(big, (size_t)n + 1, fmt, again); // NOLINT(clang-analyzer-valist.Uninitialized)
        else
            n = (int)sizeof(small) - 1; /* what fits, rather than nothing */
        s = big ? big : small;
    }
    va_end(again);
    if (n > 0) {
        bool nl = s[n - 1] == '\n';
        xs_text_write(fp, s, (size_t)n - nl);
        if (nl)
            fputc('\n', fp);
    }
    free(big);
}

void xs_text_printf(FILE *fp, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    xs_text_vprintf(fp, fmt, ap);
    va_end(ap);
}

const struct xs_finding *xs_report_find(const struct xs_report *rep,
                                        const char *rule)
{
    for (size_t i = 0; i < rep->nkept; i++)
        if (strcmp(rep->kept[i].rule, rule) == 0)
            return &rep->kept[i];
    return NULL;
}
