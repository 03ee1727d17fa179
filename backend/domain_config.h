/* A domain's configuration for libxenlight, from what an xl save file
 * carries (libxl's JSON since Xen 4.5, xl config text before) or a file. */
#ifndef XS_DOMAIN_CONFIG_H
#define XS_DOMAIN_CONFIG_H

/* Xen's libxl.h through libxl_utils.h: its quoted include finds Xen's own
 * header before formats/libxl.h, which the include path also holds. */
#include <libxl_utils.h>
#include <stdbool.h>
#include <stddef.h>

/* Parse n bytes of cfg (JSON when json, else xl config text) into d (an
 * initialised libxl_domain_config).  On failure *err gets one line,
 * whole (bounded as the findings are: XS_FINDING_MSG_MAX), allocated (to
 * be freed; NULL if memory ran out), and ERROR_INVAL is returned; it may
 * quote the config: print it through xs_text_write().  Only JSON needs
 * ctx (libxl's parser); the text reader takes NULL. */
int xs_domain_config_parse(libxl_ctx *ctx, const char *source,
                           const char *cfg, size_t n, bool json,
                           libxl_domain_config *d, char **err);

/* A JSON config starts with '{' (after white space). */
bool xs_domain_config_is_json(const char *cfg, size_t n);

#endif
