/* A domain's configuration for libxenlight.  libxl's JSON (what xl has
 * saved since Xen 4.5) is libxl's own to parse.  xl config text (older
 * save files, and --config FILE as `xl restore` takes it) is read through
 * libxlutil; xl's own parser (tools/xl/xl_parse.c) is not a library, so
 * the keys a save-and-restore needs are mapped here and any other key
 * that changes the domain's devices is refused by name rather than
 * dropped: `xl -N create FILE` turns such a config into JSON. */
#include "domain_config.h"

#include "xenstream.h"

#include <ctype.h>
#include <errno.h>
#include <libxlutil.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

bool xs_domain_config_is_json(const char *cfg, size_t n)
{
    size_t i = 0;
    while (i < n && isspace((unsigned char)cfg[i]))
        i++;
    return i < n && cfg[i] == '{';
}

/* Keys of xl.cfg(5) that add devices or resources this reader does not
 * map: a domain restored without them would not be the one saved. */
static const char *const unmapped_keys[] = {
    "pci", "vfb", "vnc", "sdl", "usbdev", "usbctrl", "channel", "vtpm",
    "p9", "vkb", "vdispl", "vsnd", "dtdev", "iomem", "ioports", "irqs",
    "rdm", "device_model_args", "device_model_override", "stubdomain_kernel",
    "device_model_stubdomain_override", "cpus", "cpus_soft", "cpupool",
    "soundhw", "usb", "nestedhvm", "viridian", "pvshim", "vga", "videoram",
};

/* xl's action names (xl_parse.c) */
static const struct {
    const char *name;
    libxl_action_on_shutdown action;
} actions[] = {
    {"destroy", LIBXL_ACTION_ON_SHUTDOWN_DESTROY},
    {"restart", LIBXL_ACTION_ON_SHUTDOWN_RESTART},
    {"rename-restart", LIBXL_ACTION_ON_SHUTDOWN_RESTART_RENAME},
    {"preserve", LIBXL_ACTION_ON_SHUTDOWN_PRESERVE},
    {"coredump-destroy", LIBXL_ACTION_ON_SHUTDOWN_COREDUMP_DESTROY},
    {"coredump-restart", LIBXL_ACTION_ON_SHUTDOWN_COREDUMP_RESTART},
    {"soft-reset", LIBXL_ACTION_ON_SHUTDOWN_SOFT_RESET},
};

struct text_cfg {
    XLU_Config *xlu;
    const char *source;
    char **err;
};

/* The one line of a refusal, whole (a value quoted from the config may be
 * long; past XS_FINDING_MSG_MAX its middle gives way to "[...]", as in
 * the findings).  The first refusal stands. */
static int fail(struct text_cfg *t, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static int fail(struct text_cfg *t, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *msg = xs_msg_vformat(fmt, ap);
    va_end(ap);
    if (!*t->err)
        *t->err = xs_msg_format("%s: %s", t->source,
                                msg ? msg : "(message lost: out of memory)");
    free(msg);
    return ERROR_INVAL;
}

static const char *get_string(struct text_cfg *t, const char *key)
{
    const char *v = NULL;
    return xlu_cfg_get_string(t->xlu, key, &v, 1) == 0 ? v : NULL;
}

/* A key present in any form (string, number or list). */
static bool has_key(struct text_cfg *t, const char *key)
{
    const char *v;
    return xlu_cfg_get_string(t->xlu, key, &v, 1) != ESRCH;
}

static int dup_string(struct text_cfg *t, const char *key, char **dst)
{
    const char *v = get_string(t, key);
    if (!v)
        return 0;
    free(*dst);
    *dst = strdup(v);
    return *dst ? 0 : fail(t, "%s: out of memory", key);
}

static int get_long(struct text_cfg *t, const char *key, long min, long max,
                    long *out)
{
    /* absent: 0 with *out untouched */
    int rc = xlu_cfg_get_bounded_long(t->xlu, key, min, max, out, 1);
    if (rc == 0 || rc == ESRCH)
        return 0;
    return fail(t, "%s: not a number in range", key);
}

static int parse_action(struct text_cfg *t, const char *key,
                        libxl_action_on_shutdown *a)
{
    const char *v = get_string(t, key);
    if (!v)
        return 0;
    for (size_t i = 0; i < sizeof(actions) / sizeof(actions[0]); i++)
        if (strcmp(v, actions[i].name) == 0) {
            *a = actions[i].action;
            return 0;
        }
    return fail(t, "unknown action '%s'", v);
}

/* "00:16:3e:12:34:56" */
static int parse_mac(const char *s, libxl_mac mac)
{
    for (int i = 0; i < 6; i++) {
        char *end;
        if (!isxdigit((unsigned char)s[0]))
            return -1;
        unsigned long b = strtoul(s, &end, 16);
        if (b > 0xff || end - s > 2 || *end != (i < 5 ? ':' : '\0'))
            return -1;
        mac[i] = (uint8_t)b;
        s = end + 1;
    }
    return 0;
}

/* One vif spec: "mac=..,bridge=..,ip=..,script=..,model=..,type=..,
 * vifname=..,backend=..,mtu=N" (xl-network-configuration(5)). */
static int parse_vif(struct text_cfg *t, const char *spec,
                     libxl_device_nic *nic)
{
    char *copy = strdup(spec), *save = NULL;
    int rc = copy ? 0 : fail(t, "%s", "out of memory");
    for (char *kv = copy ? strtok_r(copy, ",", &save) : NULL; kv && !rc;
         kv = strtok_r(NULL, ",", &save)) {
        while (isspace((unsigned char)*kv))
            kv++;
        char *eq = strchr(kv, '=');
        if (!eq) {
            rc = fail(t, "vif: '%s' is not key=value", kv);
            break;
        }
        *eq = '\0';
        const char *k = kv, *v = eq + 1;
        char **field = NULL;
        if (strcmp(k, "mac") == 0) {
            if (parse_mac(v, nic->mac) < 0)
                rc = fail(t, "vif: bad mac '%s'", v);
        } else if (strcmp(k, "bridge") == 0) {
            field = &nic->bridge;
        } else if (strcmp(k, "ip") == 0) {
            field = &nic->ip;
        } else if (strcmp(k, "script") == 0) {
            field = &nic->script;
        } else if (strcmp(k, "model") == 0) {
            field = &nic->model;
        } else if (strcmp(k, "vifname") == 0) {
            field = &nic->ifname;
        } else if (strcmp(k, "backend") == 0) {
            field = &nic->backend_domname;
        } else if (strcmp(k, "type") == 0) {
            if (strcmp(v, "ioemu") == 0)
                nic->nictype = LIBXL_NIC_TYPE_VIF_IOEMU;
            else if (strcmp(v, "vif") == 0)
                nic->nictype = LIBXL_NIC_TYPE_VIF;
            else
                rc = fail(t, "vif: unknown type '%s'", v);
        } else if (strcmp(k, "mtu") == 0) {
            char *end;
            long mtu = strtol(v, &end, 10);
            if (*end || mtu <= 0 || mtu > 65535)
                rc = fail(t, "vif: bad mtu '%s'", v);
            else
                nic->mtu = (int)mtu;
        } else {
            rc = fail(t, "vif: key '%s' is not read here", k);
        }
        if (field && !rc) {
            free(*field);
            if (!(*field = strdup(v)))
                rc = fail(t, "%s", "out of memory");
        }
    }
    free(copy);
    return rc;
}

static int parse_devices(struct text_cfg *t, libxl_domain_config *d)
{
    XLU_ConfigList *list;
    int n;
    if (xlu_cfg_get_list(t->xlu, "disk", &list, &n, 1) == 0 && n > 0) {
        d->disks = calloc((size_t)n, sizeof(*d->disks));
        if (!d->disks)
            return fail(t, "%s", "out of memory");
        for (int i = 0; i < n; i++) {
            const char *spec = xlu_cfg_get_listitem(list, i);
            libxl_device_disk_init(&d->disks[i]);
            d->num_disks = i + 1;
            if (!spec || xlu_disk_parse(t->xlu, 1, &spec, &d->disks[i]))
                return fail(t, "disk: cannot parse '%s'", spec ? spec : "");
        }
    }
    if (xlu_cfg_get_list(t->xlu, "vif", &list, &n, 1) == 0 && n > 0) {
        d->nics = calloc((size_t)n, sizeof(*d->nics));
        if (!d->nics)
            return fail(t, "%s", "out of memory");
        for (int i = 0; i < n; i++) {
            const char *spec = xlu_cfg_get_listitem(list, i);
            libxl_device_nic_init(&d->nics[i]);
            d->nics[i].devid = i;
            d->num_nics = i + 1;
            int rc = parse_vif(t, spec ? spec : "", &d->nics[i]);
            if (rc)
                return rc;
        }
    }
    return 0;
}

static int parse_text(struct text_cfg *t, libxl_domain_config *d)
{
    libxl_domain_create_info *c = &d->c_info;
    libxl_domain_build_info *b = &d->b_info;
    int rc;

    for (size_t i = 0; i < sizeof(unmapped_keys) / sizeof(unmapped_keys[0]);
         i++)
        if (has_key(t, unmapped_keys[i]))
            return fail(t,
                        "'%s' is not read by xenstream's xl config reader; "
                        "give the config as JSON (xl -N create FILE)",
                        unmapped_keys[i]);

    /* the domain type: "type", or the older "builder" */
    libxl_domain_type type = LIBXL_DOMAIN_TYPE_PV;
    const char *s = get_string(t, "type");
    if (s) {
        if (libxl_domain_type_from_string(s, &type) ||
            type == LIBXL_DOMAIN_TYPE_INVALID)
            return fail(t, "unknown type '%s'", s);
    } else if ((s = get_string(t, "builder")) && strcmp(s, "hvm") == 0) {
        type = LIBXL_DOMAIN_TYPE_HVM;
    }
    c->type = type;
    libxl_domain_build_info_init_type(b, type);

    if ((rc = dup_string(t, "name", &c->name)))
        return rc;
    if (!c->name)
        return fail(t, "%s", "no name= in the config");
    if ((s = get_string(t, "uuid")) && libxl_uuid_from_string(&c->uuid, s))
        return fail(t, "bad uuid '%s'", s);

    long mem = 0, maxmem = 0, vcpus = 0, maxvcpus = 0;
    if ((rc = get_long(t, "memory", 1, 1L << 30, &mem)))
        return rc;
    if ((rc = get_long(t, "maxmem", 1, 1L << 30, &maxmem)))
        return rc;
    if (mem) {
        b->target_memkb = (uint64_t)mem * 1024;
        b->max_memkb = (uint64_t)(maxmem > mem ? maxmem : mem) * 1024;
    }
    if ((rc = get_long(t, "vcpus", 1, 4096, &vcpus)))
        return rc;
    if ((rc = get_long(t, "maxvcpus", 1, 4096, &maxvcpus)))
        return rc;
    if (vcpus) {
        b->max_vcpus = (int)(maxvcpus > vcpus ? maxvcpus : vcpus);
        /* allocated here as libxl_bitmap_dispose() frees it: libxl's own
         * allocator wants a context, and this reader needs none */
        b->avail_vcpus.size = (uint32_t)(b->max_vcpus + 7) / 8;
        b->avail_vcpus.map = calloc(b->avail_vcpus.size, 1);
        if (!b->avail_vcpus.map)
            return fail(t, "%s", "out of memory");
        for (long i = 0; i < vcpus; i++)
            libxl_bitmap_set(&b->avail_vcpus, (int)i);
    }

    if ((rc = dup_string(t, "kernel", &b->kernel)) ||
        (rc = dup_string(t, "ramdisk", &b->ramdisk)))
        return rc;
    /* cmdline=, or xl's older root= and extra= */
    if ((rc = dup_string(t, "cmdline", &b->cmdline)))
        return rc;
    if (!b->cmdline) {
        const char *root = get_string(t, "root"), *extra = get_string(t, "extra");
        if (root || extra) {
            size_t len = (root ? strlen(root) + 6 : 0) +
                         (extra ? strlen(extra) : 0) + 1;
            if (!(b->cmdline = malloc(len)))
                return fail(t, "%s", "out of memory");
            snprintf(b->cmdline, len, "%s%s%s%s", root ? "root=" : "",
                     root ? root : "", root && extra ? " " : "",
                     extra ? extra : "");
        }
    }
    if (type == LIBXL_DOMAIN_TYPE_PV &&
        (rc = dup_string(t, "bootloader", &b->u.pv.bootloader)))
        return rc;
    if (type == LIBXL_DOMAIN_TYPE_HVM) {
        /* xl's names (xl_parse.c), not libxl's enum strings */
        if ((s = get_string(t, "device_model_version"))) {
            if (strcmp(s, "qemu-xen") == 0)
                b->device_model_version = LIBXL_DEVICE_MODEL_VERSION_QEMU_XEN;
            else if (strcmp(s, "qemu-xen-traditional") == 0)
                b->device_model_version =
                    LIBXL_DEVICE_MODEL_VERSION_QEMU_XEN_TRADITIONAL;
            else
                return fail(t, "unknown device_model_version '%s'", s);
        }
        if ((rc = dup_string(t, "boot", &b->u.hvm.boot)))
            return rc;
    }

    if ((rc = parse_action(t, "on_poweroff", &d->on_poweroff)) ||
        (rc = parse_action(t, "on_reboot", &d->on_reboot)) ||
        (rc = parse_action(t, "on_watchdog", &d->on_watchdog)) ||
        (rc = parse_action(t, "on_crash", &d->on_crash)) ||
        (rc = parse_action(t, "on_soft_reset", &d->on_soft_reset)))
        return rc;
    return parse_devices(t, d);
}

/* What libxlutil said about the syntax (its lines quote the config, from
 * an image that came from elsewhere): one line, "; " between its lines,
 * for the one line of the refusal, which is printed safely.  NULL when it
 * said nothing. */
static char *xlu_said(FILE *f, char *const *buf, const size_t *len)
{
    if (!f || fclose(f) != 0 || !*buf || !*len) /* closed in every case */
        return NULL;
    char *s = *buf;
    size_t n = *len;
    while (n && s[n - 1] == '\n')
        s[--n] = '\0';
    char *out = malloc(2 * n + 1), *o = out;
    for (size_t i = 0; out && i < n; i++) {
        if (s[i] == '\n') {
            *o++ = ';';
            *o++ = ' ';
        } else {
            *o++ = s[i];
        }
    }
    if (out)
        *o = '\0';
    return out;
}

int xs_domain_config_parse(libxl_ctx *ctx, const char *source,
                           const char *cfg, size_t n, bool json,
                           libxl_domain_config *d, char **err)
{
    *err = NULL;
    if (json) {
        /* libxl wants a C string; the saved config may lack its NUL */
        char *s = strndup(cfg, n);
        int rc = s ? libxl_domain_config_from_json(ctx, d, s) : ERROR_NOMEM;
        free(s);
        if (rc)
            *err = xs_msg_format("%s: libxl cannot read the JSON config "
                                 "(error %d)", source, rc);
        return rc ? ERROR_INVAL : 0;
    }
    struct text_cfg t = {.source = source, .err = err};
    if (n > (size_t)INT32_MAX)
        return fail(&t, "%s", "config too large");
    /* libxlutil's messages (syntax, a disk spec) into memory, not onto
     * the terminal raw: they join the refusal's one line */
    char *said_buf = NULL;
    size_t said_len = 0;
    FILE *said = open_memstream(&said_buf, &said_len);
    t.xlu = xlu_cfg_init(said ? said : stderr, source);
    if (!t.xlu) {
        if (said)
            fclose(said);
        free(said_buf);
        return fail(&t, "%s", "out of memory");
    }
    int rc = xlu_cfg_readdata(t.xlu, cfg, (int)n);
    if (rc)
        rc = fail(&t, "%s", "not valid xl config syntax");
    else
        rc = parse_text(&t, d);
    xlu_cfg_destroy(t.xlu); /* leaves its report stream open */
    char *why = xlu_said(said, &said_buf, &said_len);
    if (rc && why && *err) {
        char *both = xs_msg_format("%s (libxlutil: %s)", *err, why);
        if (both) {
            free(*err);
            *err = both;
        }
    }
    free(why);
    free(said_buf);
    return rc ? ERROR_INVAL : 0;
}
