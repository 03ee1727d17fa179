/* Lets Debian's xl 4.17 (and Debian 11's 4.14) run `xl -N create CONFIG` (a dry run: its
 * parse_config_data(), then the config printed) on a machine without
 * Xen, for tests/check_xlu.c, which compares formats/xl.c's verdict on a
 * config with xl's own.  Loaded with LD_PRELOAD, it answers the calls xl
 * makes before and while it parses (tools/xl/xl.c xl_ctx_alloc(),
 * libxl_ctx_alloc(), xl_parse.c at RELEASE-4.17.0; at 4.14.0 the same
 * but xs_daemon_close()) as a host with 2 CPUs
 * and 1 NUMA node would, and nothing else: a dry run makes no other call
 * into Xen. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* libxenctrl's, libxenstore's and libxenlight's own names and types */
struct version_info;
void *xc_interface_open(void *logger, void *dombuild_logger, unsigned flags);
int xc_interface_close(void *xch);
void *xs_open(unsigned long flags);
void xs_close(void *xsh);
void xs_daemon_close(void *xsh);
int xc_get_max_cpus(void *xch);
int xc_get_max_nodes(void *xch);
int xc_get_online_cpus(void *xch);
int libxl_get_physinfo(void *ctx, void *physinfo);
const struct version_info *libxl_get_version_info(void *ctx);

static int handle; /* what the handles point to: never read */

/* libxl_ctx_alloc(): a libxc handle and a xenstore connection */
void *xc_interface_open(void *logger, void *dombuild_logger, unsigned flags)
{
    (void)logger, (void)dombuild_logger, (void)flags;
    return &handle;
}

int xc_interface_close(void *xch)
{
    (void)xch;
    return 0;
}

void *xs_open(unsigned long flags)
{
    (void)flags;
    return &handle;
}

void xs_close(void *xsh)
{
    (void)xsh;
}

void xs_daemon_close(void *xsh) /* libxl_ctx_free() to 4.14 */
{
    (void)xsh;
}

/* libxl_cpu_bitmap_alloc(), libxl_node_bitmap_alloc(),
 * libxl_get_online_cpus() */
int xc_get_max_cpus(void *xch)
{
    (void)xch;
    return 2;
}

int xc_get_max_nodes(void *xch)
{
    (void)xch;
    return 1;
}

int xc_get_online_cpus(void *xch)
{
    (void)xch;
    return 2;
}

/* parse_config_data() and parse_vnuma_config(): the nodes (a vnuma
 * pnode below them), in libxl_physinfo as libxl_types.idl lays it out at
 * 4.14.0 and 4.17.0 (five uint32_t, seven uint64_t, then nr_nodes); the
 * rest as libxl_physinfo_init() left it */
int libxl_get_physinfo(void *ctx, void *physinfo)
{
    const uint32_t nr_cpus = 2, nr_nodes = 1;
    (void)ctx;
    memcpy((char *)physinfo + 3 * sizeof(uint32_t), &nr_cpus,
           sizeof(nr_cpus));
    memcpy((char *)physinfo + 6 * sizeof(uint32_t) + 7 * sizeof(uint64_t),
           &nr_nodes, sizeof(nr_nodes));
    return 0;
}

/* xl's main() (libxl_version_info, libxl_types.idl at RELEASE-4.17.0) */
struct version_info {
    int major, minor;
    const char *extra, *compiler, *compile_by, *compile_domain,
        *compile_date, *capabilities, *changeset;
    unsigned long long virt_start;
    int pagesize;
    const char *commandline, *build_id;
};

const struct version_info *libxl_get_version_info(void *ctx)
{
    static const struct version_info v = {
        4, 17, ".0", "", "", "", "", "xen-3.0-x86_64 hvm-3.0-x86_64", "",
        0, 4096, "", ""};
    (void)ctx;
    return &v;
}
