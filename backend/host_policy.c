/* The running host as a restore target: its CPU policies, read the way
 * `xen-cpuid -p` reads them (RELEASE-4.17.0 tools/misc/xen-cpuid.c:
 * xc_cpu_policy_get_size(), then xc_cpu_policy_get_system() and
 * xc_cpu_policy_serialise() for each XEN_SYSCTL_cpu_policy_* index, a
 * policy Xen does not support being EOPNOTSUPP), and the running Xen's
 * release (xc_version(XENVER_version): major << 16 | minor).  So the
 * check before a live restore is the one `verify --host-policy` makes
 * with that host's xen-cpuid -p text, from the same entries. */
#include "backend.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <xenctrl.h>
#include <xenguest.h>
#include <xentoollog.h>

#include "hostpolicy.h"

/* sysctl.h's XEN_SYSCTL_cpu_policy_{raw,host,pv_max,hvm_max,pv_default,
 * hvm_default} are 0-5, the order of enum xs_policy_kind */
_Static_assert(XEN_SYSCTL_cpu_policy_pv_max == XS_POLICY_PV_MAX &&
                   XEN_SYSCTL_cpu_policy_hvm_default == XS_POLICY_HVM_DEFAULT &&
                   XS_POLICY_NR == 6,
               "xen-cpuid's policy order");

static int read_system_policy(xc_interface *xch, xc_cpu_policy_t *pol,
                              unsigned idx, xen_cpuid_leaf_t *leaves,
                              uint32_t max_leaves, xen_msr_entry_t *msrs,
                              uint32_t max_msrs, struct xs_host_policy *hp)
{
    uint32_t nl = max_leaves, nm = max_msrs;
    if (xc_cpu_policy_get_system(xch, idx, pol)) {
        if (errno != EOPNOTSUPP)
            return -1;
        hp->seen[idx] = true; /* "... policy not supported by Xen" */
        return 0;
    }
    if (xc_cpu_policy_serialise(xch, pol, leaves, &nl, msrs, &nm))
        return -1;
    struct xs_policy *p = &hp->p[idx];
    hp->seen[idx] = p->present = true;
    for (uint32_t i = 0; i < nl && i < max_leaves; i++) {
        const struct xs_cpuid_entry e = {
            .leaf = leaves[i].leaf, .subleaf = leaves[i].subleaf,
            .reg = {leaves[i].a, leaves[i].b, leaves[i].c, leaves[i].d}};
        if (!xs_policy_add_leaf(p, &e)) {
            errno = ENOMEM;
            return -1;
        }
    }
    for (uint32_t i = 0; i < nm && i < max_msrs; i++) {
        const struct xs_msr_entry e = {.idx = msrs[i].idx, .val = msrs[i].val};
        if (!xs_policy_add_msr(p, &e)) {
            errno = ENOMEM;
            return -1;
        }
    }
    return 0;
}

struct xs_host_policy *xs_backend_host_policy(struct xs_release *rel,
                                              char *why, size_t whysz)
{
    struct xs_host_policy *hp = calloc(1, sizeof(*hp));
    /* libxenctrl's own messages stay quiet: the one line is ours */
    xentoollog_logger *quiet = (xentoollog_logger *)
        xtl_createlogger_stdiostream(stderr, XTL_NUM_LEVELS, 0);
    xc_interface *xch = quiet ? xc_interface_open(quiet, quiet, 0) : NULL;
    int open_errno = errno;
    xc_cpu_policy_t *pol = xc_cpu_policy_init();
    xen_cpuid_leaf_t *leaves = NULL;
    xen_msr_entry_t *msrs = NULL;
    uint32_t max_leaves = 0, max_msrs = 0;
    const char *step = "out of memory";
    bool ok = false;
    errno = ENOMEM;
    if (hp && (step = "xc_interface_open", xch) &&
        (step = "xc_cpu_policy_init", pol) &&
        (step = "xc_cpu_policy_get_size",
         !xc_cpu_policy_get_size(xch, &max_leaves, &max_msrs)) &&
        (step = "out of memory",
         (leaves = calloc(max_leaves ? max_leaves : 1, sizeof(*leaves))) &&
             (msrs = calloc(max_msrs ? max_msrs : 1, sizeof(*msrs))))) {
        ok = true;
        step = "xc_cpu_policy_get_system";
        for (unsigned i = 0; i < XS_POLICY_NR && ok; i++)
            ok = read_system_policy(xch, pol, i, leaves, max_leaves, msrs,
                                    max_msrs, hp) == 0;
    }
    if (ok) {
        int v = xc_version(xch, XENVER_version, NULL);
        if (v < 0) {
            ok = false;
            step = "xc_version";
        } else {
            xs_release_get((unsigned)v & 0xffff, rel);
        }
    }
    if (!xch && quiet)
        snprintf(why, whysz, "cannot talk to Xen through libxenctrl (is "
                 "this dom0?): %s", strerror(open_errno));
    else if (!ok)
        snprintf(why, whysz, "%s: %s", step, strerror(errno));
    free(leaves);
    free(msrs);
    if (pol)
        xc_cpu_policy_destroy(pol);
    if (xch)
        xc_interface_close(xch);
    if (quiet)
        xtl_logger_destroy(quiet);
    if (!ok) {
        xs_host_policy_free(hp);
        hp = NULL;
    }
    return hp;
}
