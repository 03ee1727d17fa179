/* The in-memory record list: records with their small bodies copied, for
 * tests and for tools that look at a whole small stream at once. */
#include "xenstream.h"

#include <stdlib.h>
#include <string.h>

int xs_record_list_push(struct xs_record_list *l, const struct xs_record *r)
{
    if (l->n == l->cap) {
        size_t ncap = l->cap ? l->cap * 2 : 16;
        struct xs_record *v = realloc(l->v, ncap * sizeof(*v));
        if (!v)
            return XS_IO;
        l->v = v;
        l->cap = ncap;
    }
    struct xs_record *d = &l->v[l->n];
    *d = *r;
    d->body = NULL;
    if (r->held) {
        uint8_t *copy = malloc(r->held);
        if (!copy)
            return XS_IO;
        memcpy(copy, r->body, r->held);
        d->body = copy;
    }
    l->n++;
    return XS_OK;
}

void xs_record_list_free(struct xs_record_list *l)
{
    for (size_t i = 0; i < l->n; i++)
        free((void *)l->v[i].body);
    free(l->v);
    memset(l, 0, sizeof(*l));
}
