/* Describing headers and records (include/xenstream.h): by the layer names
 * xs_walk()'s visitor passes, to the describers in each layer's own file
 * of formats/. */
#include <string.h>

#include "libvirt.h"
#include "libxc.h"
#include "libxl.h"
#include "xenserver.h"
#include "xl.h"

/* The headers by the names the visitor gives them: the layer and type a
 * listing shows, and the layer's describer of their fields (NULL: none). */
static const struct {
    const char *layer;
    const char *shown;
    const char *type;
    void (*fields)(const uint8_t *p, uint64_t n, xs_field_fn fn, void *ctx);
} headers[] = {
    {"xl", "xl", "header", xs_xl_describe_hdr},
    {"xl optional data", "xl", "optional data", xs_xl_describe_optdata},
    {"libvirt", "libvirt", "header", xs_libvirt_describe_hdr},
    {"xenserver", "xenserver", "signature", NULL},
    {"libxl", "libxl", "header", xs_libxl_describe_hdr},
    {"libxc", "libxc", "header", xs_libxc_describe_hdr},
    {"after END", "trailer", "bytes after END", NULL},
};

const char *xs_describe_header(const char *layer, const uint8_t *p,
                               uint64_t n, xs_field_fn fn, void *ctx,
                               const char **shown, uint64_t *length)
{
    *shown = layer;
    *length = n;
    /* a XenServer record shows as its type, with its own length */
    if (strcmp(layer, "xenserver record") == 0) {
        const char *type = xs_xenserver_describe_rec(p, n, length);
        if (type)
            *shown = "xenserver";
        return type ? type : "header";
    }
    for (size_t i = 0; i < sizeof(headers) / sizeof(headers[0]); i++) {
        if (strcmp(layer, headers[i].layer) != 0)
            continue;
        if (headers[i].fields)
            headers[i].fields(p, n, fn, ctx);
        *shown = headers[i].shown;
        return headers[i].type;
    }
    return "header";
}

static bool is_libxc(const char *layer) { return strcmp(layer, "libxc") == 0; }

/* The visitor's records are libxc's or libxl's. */
void xs_describe_record(const char *layer, const struct xs_record *r,
                        xs_field_fn fn, void *ctx)
{
    if (is_libxc(layer))
        xs_libxc_describe(r, fn, ctx);
    else
        xs_libxl_describe(r, fn, ctx);
}

const char *xs_record_type_name(const char *layer, uint32_t type,
                                char buf[32])
{
    return is_libxc(layer) ? xs_libxc_rec_name(type, buf)
                           : xs_libxl_rec_name(type, buf);
}

const char *xs_page_type_name(unsigned type) { return xs_pfinfo_name(type); }

const char *xs_guest_name(uint32_t guest)
{
    return xs_libxc_guest_name(guest);
}

bool xs_page_data_counts(const char *layer, const struct xs_record *r,
                         struct xs_page_counts *c)
{
    if (!is_libxc(layer) || r->type != XS_REC_PAGE_DATA)
        return false;
    xs_libxc_page_counts(r, c);
    return true;
}
