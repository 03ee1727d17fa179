/* Describing headers and records (include/xenstream.h): by the names
 * xs_walk()'s visitor passes, found in the layer table (each descriptor
 * lists the headers it shows and its records' names and fields). */
#include <stdio.h>
#include <string.h>

#include "layer.h"
#include "libxc.h"

const char *xs_describe_header(const char *layer, const uint8_t *p,
                               uint64_t n, xs_field_fn fn, void *ctx,
                               const char **shown, uint64_t *length)
{
    *shown = layer;
    *length = n;
    /* the bytes after the outermost END belong to no layer */
    if (strcmp(layer, "after END") == 0) {
        *shown = "trailer";
        return "bytes after END";
    }
    const struct xs_layer *l;
    const struct xs_layer_header *h = xs_layer_header_named(layer, &l);
    if (!h)
        return "header";
    if (h->record) {
        /* a record of the container: its type, its own length */
        const char *type = h->record(p, n, length);
        if (type)
            *shown = l->name;
        return type ? type : "header";
    }
    if (h->fields)
        h->fields(p, n, fn, ctx);
    *shown = l->name;
    return h->type;
}

/* The visitor's records are those of a record stream (libxc, libxl). */
void xs_describe_record(const char *layer, const struct xs_record *r,
                        xs_field_fn fn, void *ctx)
{
    const struct xs_layer *l = xs_layer_named(layer);
    if (l && l->record_fields)
        l->record_fields(r, fn, ctx);
}

const char *xs_record_type_name(const char *layer, uint32_t type,
                                char buf[32])
{
    const struct xs_layer *l = xs_layer_named(layer);
    if (l && l->record_name)
        return l->record_name(type, buf);
    snprintf(buf, 32, "0x%08x", type);
    return buf;
}

const char *xs_page_type_name(unsigned type) { return xs_pfinfo_name(type); }

const char *xs_guest_name(uint32_t guest)
{
    return xs_libxc_guest_name(guest);
}

bool xs_page_data_counts(const char *layer, const struct xs_record *r,
                         struct xs_page_counts *c)
{
    if (strcmp(layer, xs_layer_libxc.name) != 0 || r->type != XS_REC_PAGE_DATA)
        return false;
    xs_libxc_page_counts(r, c);
    return true;
}
