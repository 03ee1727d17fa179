/* Findings: what the readers and rules say about an input, each tied to a
 * byte offset, a record index and a record type. */
#include "xenstream.h"

#include <stdarg.h>
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
 * to "[...]", so that memory per finding stays bounded and the reason,
 * which comes last, is kept. */
static char *format_msg(const char *fmt, va_list ap)
{
    va_list again;
    va_copy(again, ap);
    /* the analyzer loses va_start on this path (a known false positive) */
    int n = vsnprintf(NULL, 0, fmt, ap); // NOLINT(clang-analyzer-valist.Uninitialized)
    char *m = n >= 0 ? malloc((size_t)n + 1) : NULL;
    if (!m) {
        va_end(again);
        return no_memory;
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
        return no_memory;
    }
    memcpy(out, m, head);
    memcpy(out + head, cut, sizeof(cut) - 1);
    memcpy(out + head + sizeof(cut) - 1, m + (size_t)n - tail, tail + 1);
    free(m);
    return out;
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
    f.msg = format_msg(fmt, ap);
    va_end(ap);

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

/* The line of xs_finding_format(), whole: the file name and the message
 * are printed as they are, whatever their length. */
void xs_report_print_sink(const struct xs_report *rep,
                          const struct xs_finding *f, void *ctx)
{
    FILE *fp = ctx ? ctx : stderr;
    const char *file = rep->file ? rep->file : "-";
    const char *sev = f->sev == XS_SEV_WARNING ? "warning: "
                      : f->sev == XS_SEV_NOTE    ? "note: "
                                                 : "";
    if (f->index == -2)
        fprintf(fp, "%s: %s%s\n", file, sev, f->msg);
    else if (f->index < 0)
        fprintf(fp, "%s: offset 0x%llx %s: %s%s\n", file,
                (unsigned long long)f->offset, f->where, sev, f->msg);
    else
        fprintf(fp, "%s: offset 0x%llx record #%lld %s: %s%s\n", file,
                (unsigned long long)f->offset, (long long)f->index, f->where,
                sev, f->msg);
}

const struct xs_finding *xs_report_find(const struct xs_report *rep,
                                        const char *rule)
{
    for (size_t i = 0; i < rep->nkept; i++)
        if (strcmp(rep->kept[i].rule, rule) == 0)
            return &rep->kept[i];
    return NULL;
}
