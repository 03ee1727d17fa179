/* The live backend: replays an image into a running Xen through
 * libxenlight.  Built only with XENSTREAM_BACKEND (CMake); nothing else in
 * xenstream depends on Xen's libraries. */
#ifndef XS_BACKEND_H
#define XS_BACKEND_H

#include "xenstream.h"

struct xs_restore_opts {
    const char *config_file; /* --config: xl config text or libxl JSON */
    bool paused;             /* -p: leave the domain paused */
    bool no_monitor;         /* -e: do not watch the domain in background */
    bool debug;              /* -d: print the configuration, libxl debug */
    bool vnc;                /* -V: start a VNC viewer */
    const char *spool_dir;   /* --check-first: a pipe is saved here and
                                checked whole before any domain exists */
    bool allow_feature_loss; /* the host lacks features the guest has:
                                a warning, not a refusal */
};

/* Check and upgrade IN on its way into a new domain (as `xenstream
 * upgrade IN | xl restore /dev/stdin` would).  A regular file is checked
 * whole before the domain is created; from a pipe the checks run as the
 * stream passes and a fault destroys the half-made domain.  XS_OK,
 * XS_INVALID (the stream, reported), XS_USAGE (the config) or XS_IO (Xen
 * or the system, reported). */
int xs_restore(struct xs_in *in, struct xs_report *rep,
               const struct xs_restore_opts *o);

/* The running host's CPU policies (as `xen-cpuid -p` reads them) and
 * the running Xen's release in rel; NULL with the failed call and its
 * error in why. */
struct xs_host_policy *xs_backend_host_policy(struct xs_release *rel,
                                              char *why, size_t whysz);

/* The background watcher's log for a domain of this name, in
 * /var/log/xen: the name made safe for a file name (no '/', no leading
 * '.', letters, digits and "-_.+" only). */
void watcher_log_path(const char *name, char *path, size_t size);
/* The stream libxl's logger writes to: standard error through
 * xs_text_write(), \n and \r kept (libxl quotes the image's config). */
FILE *libxl_log_stream(void);
/* Where the watcher writes a core dump (coredump-destroy/-restart) of the
 * domain: in /var/lib/xen/dump, the name made safe as for the log. */
void watcher_core_path(const char *name, unsigned domid, char *path,
                       size_t size);

#endif
