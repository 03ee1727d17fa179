/* formats/xlu.c against the real thing: Debian 12's libxlutil 4.17
 * (xlu_disk_parse(), what xl calls for each `disk` item, on the specs
 * of docs/misc/xl-disk-configuration.txt, on hand-made bad ones, and on
 * thousands made at random from the scanner's own words; and
 * xlu_vif_parse_rate() on a vif's rate=).  The verdict and the first
 * message xl prints must be the same. */
#include <check.h>
#include <errno.h>
#include <stdbool.h>
#include <fcntl.h>
#include <libxl.h>
#include <libxlutil.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "xl.h"
#include "xlu.h"

/* xlu_disk_parse()'s verdict: NULL, or its first message without the
 * "SOURCE: config parsing error in disk specification: " before it and
 * the " in `SPEC'" after it. */
static const char *real_here(const char *spec, char *msg, size_t sz);

/* With a newline in it, the scanner may jam, and flex then exits the
 * process ("flex scanner jammed", status 2): such a spec is parsed in a
 * child. */
static const char *real(const char *spec, char *msg, size_t sz)
{
    if (!strchr(spec, '\n'))
        return real_here(spec, msg, sz);
    int fd[2];
    ck_assert_int_eq(pipe(fd), 0);
    fflush(NULL);
    pid_t pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        close(fd[0]);
        int null = open("/dev/null", O_WRONLY);
        dup2(null, 2); /* flex's own line */
        const char *m = real_here(spec, msg, sz);
        ssize_t w = write(fd[1], m ? m : "", m ? strlen(m) : 0);
        _exit(w < 0);
    }
    close(fd[1]);
    ssize_t n = read(fd[0], msg, sz - 1);
    close(fd[0]);
    int st;
    ck_assert_int_eq(waitpid(pid, &st, 0), pid);
    msg[n > 0 ? n : 0] = '\0';
    if (WIFEXITED(st) && WEXITSTATUS(st) == 2) {
        snprintf(msg, sz, "flex scanner jammed");
        return msg;
    }
    ck_assert_msg(WIFEXITED(st) && WEXITSTATUS(st) == 0, "child: %d", st);
    return n > 0 ? msg : NULL;
}

/* One libxlutil parse and what it reported: xlu_open() gives the
 * config whose report is kept; xlu_close() ends it and gives the first
 * line's message after "t: config parsing error in WHAT: ", cut at
 * " in `" when cut (the disk scanner quotes its whole spec there). */
struct xlu_run {
    char *buf;
    size_t len;
    FILE *rep;
    XLU_Config *cfg;
};

static XLU_Config *xlu_open(struct xlu_run *r)
{
    *r = (struct xlu_run){0};
    r->rep = open_memstream(&r->buf, &r->len);
    ck_assert_ptr_nonnull(r->rep);
    r->cfg = xlu_cfg_init(r->rep, "t");
    ck_assert_ptr_nonnull(r->cfg);
    return r->cfg;
}

static const char *xlu_close(struct xlu_run *r, int e, const char *what,
                             bool cut, char *msg, size_t sz)
{
    xlu_cfg_destroy(r->cfg);
    fclose(r->rep);
    char lead[64];
    snprintf(lead, sizeof(lead), "t: config parsing error in %s: ", what);
    msg[0] = '\0';
    if (r->buf && strncmp(r->buf, lead, strlen(lead)) == 0) {
        const char *m = r->buf + strlen(lead);
        const char *end = cut ? strstr(m, " in `") : NULL;
        size_t n = end ? (size_t)(end - m) : strcspn(m, "\n");
        snprintf(msg, sz, "%.*s", (int)n, m);
    }
    free(r->buf);
    ck_assert_msg(!e || msg[0], "error %d and no message", e);
    return e ? msg : NULL;
}

static const char *real_here(const char *spec, char *msg, size_t sz)
{
    struct xlu_run r;
    libxl_device_disk disk;
    libxl_device_disk_init(&disk);
    int e = xlu_disk_parse(xlu_open(&r), 1, &spec, &disk);
    libxl_device_disk_dispose(&disk);
    return xlu_close(&r, e, "disk specification", true, msg, sz);
}

static unsigned mismatches;

/* How many random cases a test makes: XS_XLU_CASES, fewer under
 * valgrind (tests/valgrind.sh) */
static int cases(void)
{
    const char *e = getenv("XS_XLU_CASES");
    return e ? atoi(e) : 20000;
}

static void same(const char *spec)
{
    char a[512], b[512];
    const char *ours = xs_xlu_disk_refusal(spec, strlen(spec), 17,
                                           &(unsigned){0}, a, sizeof(a));
    const char *theirs = real(spec, b, sizeof(b));
    /* a jam after an earlier error: xl printed that one first */
    bool jam = theirs && strcmp(theirs, "flex scanner jammed") == 0;
    if (!ours != !theirs ||
        (ours && strcmp(ours, theirs) != 0 && !(jam && strstr(spec, "=\n")))) {
        if (mismatches++ < 20)
            fprintf(stderr, "'%s': xenstream %s%s%s, libxlutil %s%s%s\n",
                    spec, ours ? "refuses (" : "takes it", ours ? ours : "",
                    ours ? ")" : "", theirs ? "refuses (" : "takes it",
                    theirs ? theirs : "", theirs ? ")" : "");
    }
}

/* docs/misc/xl-disk-configuration.txt's examples (RELEASE-4.17.0), and
 * what the old configs have */
static const char *const good[] = {
    "/dev/vg/guest-volume,,hda",
    "/dev/vg/guest-volume,raw,hda,rw",
    "format=raw, vdev=hda, access=rw, target=/dev/vg/guest-volume",
    "raw:/dev/vg/guest-volume,hda,w",
    "/root/image.iso,,hdc,cdrom",
    "/root/image.iso,,hdc,devtype=cdrom",
    "format=raw, vdev=hdc, access=ro, devtype=cdrom, target=/root/image.iso",
    "raw:/root/image.iso,hdc:cdrom,ro",
    ",,hdc:cdrom,r",
    "phy:/dev/vg/guest,xvda,w",
    "file:/srv/xen/guest.img,xvda1,w",
    "tap:aio:/srv/xen/guest.img,xvda,w",
    "tap2:tapdisk:aio:/srv/guest.img,xvda,w",
    "vdev=xvda, target=/dev/sda, backendtype=phy",
    "vdev=xvdb, format=qcow2, target=/srv/b.qcow2, backendtype=qdisk",
    "format=qed, vdev=xvdc, target=/x.qed",
    "vdev=xvdd, script=block-iscsi, target=iqn.2001-05.com:x",
    "iscsi:iqn.2001-05.com.equallogic:0-8a0906-23fe93404-c82797962054a96d-examplehost,xvda,w",
    "drbd:resource,xvda,w",
    "vdev=xvda, direct-io-safe, discard, target=/dev/x",
    "vdev=xvda, no-discard, backend=dom0, target=/dev/x",
    "vdev=xvda, colo, colo-host=10.0.0.1, colo-port=9000, colo-export=e, "
    "active-disk=/a, hidden-disk=/h, target=/dev/x",
    "vdev=xvda, specification=virtio, target=/x",
    "backendtype=standalone, vdev=xvda, target=/x",
    "/dev/sda,raw,xvda,w",
    "/dev/sda,,xvda",
    "cdrom,vdev=hdc",
    "devtype=cdrom,vdev=hdc",
    "/x,,xvda,",
    "/a:b,,xvda",
    "vdev=,target=x",
};

static const char *const bad[] = {
    "",
    "/dev/sda",
    "/dev/sda,qcow3,xvda",
    "/dev/sda,xvda,w",
    "/dev/sda,raw,xvda,w,extra",
    "format=qcow3,vdev=xvda,target=/x",
    "vdev=xvda,access=rx,target=/x",
    "vdev=xvda,devtype=floppy,target=/x",
    "vdev=xvda,backendtype=nfs,target=/x",
    "vdev=xvda,specification=scsi,target=/x",
    "vdev=xvda,vdev=xvdb,target=/x",
    "vdev=xvda,target=/x,target=/y",
    "vdev=xvda,foo=b,target=/x",
    "vdev=xvda,foo=bar,target=/x",
    "bogus:/x,xvda,w",
    "xvda=",
    "/x,raw,xvda,w=",
    "=x",
    "/x,,hdc:floppy",
    "vdev=xvda,colo-port=abc,target=/x",
    "vdev=xvda,colo-port=4294967296,target=/x",
    "vdev=xvda,colo-port= \t 00000000000000000000000000000007,target=/x",
    "vdev=xvda,format=raw,format=qcow2,target=/x",
    "raw:/x,raw,xvda",
    "raw:/x,format=qcow,xvda",
    "phy:/x,xvda,w,extra",
    "vdev=xvda,grant_usage=1,target=/x",
    "vdev=xvda,backendtype=phy,backendtype=tap,target=/x",
    "vdev=xvda,script=a,iscsi:x",
    "a\nb=c",
    "vdev=xvda,\ttarget=/x",
    "vdev=xvda\n,target=/x",
    "/x,,xvda=\nw", /* flex jams */
    ",,",
    "vdev=xvda",
    "target=/x,y,z, vdev=xvda", /* target= eats the rest */
    " /dev/sda , raw , xvda , w", /* blanks only before a parameter */
};

START_TEST(documented_and_bad)
{
    for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
        char w[256];
        ck_assert_msg(!xs_xlu_disk_refusal(good[i], strlen(good[i]), 17,
                                           &(unsigned){0}, w, sizeof(w)),
                      "'%s': %s", good[i], w);
        same(good[i]);
    }
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        same(bad[i]);
    ck_assert_uint_eq(mismatches, 0);
}
END_TEST

/* Specs put together from the scanner's words, separators and stray
 * characters: each verdict and first message as libxlutil's. */
START_TEST(random_specs)
{
    static const char *const words[] = {
        "/dev/sda", "/x", "raw", "qcow2", "qed", "xvda", "hdc", "w", "r",
        "ro", "rw", "cdrom", "hdc:cdrom", "hdc:disk", "x:y", "format=",
        "format=raw", "vdev=", "vdev=xvda", "access=", "access=w",
        "target=", "target=/y", "devtype=", "devtype=disk",
        "devtype=cdrom", "backend=", "backendtype=", "backendtype=phy",
        "script=", "script=s", "specification=xen", "discard",
        "no-discard", "direct-io-safe", "colo", "colo-port=", "colo-port=1",
        "colo-host=h", "trusted", "untrusted", "grant_usage=1", "phy:",
        "file:", "raw:", "nbd:", "tap:", "aio:", "ab:", "x1:", "q=", "q=1",
        "a-b=cd", "", "=", ":", " ", "\t", "emptyy", "empty"};
    static const char *const seps[] = {",", ",", ",", ", ", "", " ,", ",,"};
    int total = cases();
    unsigned seed = 12345;
    for (int n = 0; n < total; n++) {
        char spec[101] = ""; /* the message's `near' text is cut at 100 */
        int k = 1 + (int)((seed = seed * 1103515245u + 12345u) >> 16) % 6;
        for (int i = 0; i < k; i++) {
            seed = seed * 1103515245u + 12345u;
            const char *w = words[(seed >> 16) % (sizeof(words) /
                                                  sizeof(words[0]))];
            seed = seed * 1103515245u + 12345u;
            const char *s = seps[(seed >> 16) % (sizeof(seps) /
                                                 sizeof(seps[0]))];
            size_t l = strlen(spec);
            snprintf(spec + l, sizeof(spec) - l, "%s%s", w,
                     i + 1 < k ? s : "");
        }
        if (n % 16 == 0) { /* a newline somewhere: blank, or a jam */
            size_t l = strlen(spec);
            seed = seed * 1103515245u + 12345u;
            spec[l ? (seed >> 16) % l : 0] = '\n';
        }
        same(spec);
    }
    ck_assert_uint_eq(mismatches, 0);
}
END_TEST

/* 1 to most of parts[n] picked and joined by the LCG in *seed, in
 * out[sz] */
static void random_join(char *out, size_t sz, const char *const *parts,
                        size_t n, int most, unsigned *seed)
{
    out[0] = '\0';
    int k = 1 + (int)((*seed = *seed * 1103515245u + 12345u) >> 16) % most;
    for (int i = 0; i < k; i++) {
        *seed = *seed * 1103515245u + 12345u;
        size_t l = strlen(out);
        snprintf(out + l, sz - l, "%s", parts[(*seed >> 16) % n]);
    }
}

/* xlu_vif_parse_rate()'s verdict and message (without the "SOURCE:
 * config parsing error in vif: " before it). */
static const char *real_rate(const char *rate, char *msg, size_t sz)
{
    struct xlu_run r;
    libxl_device_nic nic;
    libxl_device_nic_init(&nic);
    XLU_Config *cfg = xlu_open(&r);
    errno = 0; /* it reads errno without setting it first */
    int e = xlu_vif_parse_rate(cfg, rate, &nic);
    libxl_device_nic_dispose(&nic);
    return xlu_close(&r, e, "vif", false, msg, sz);
}

static void same_rate(const char *rate)
{
    char a[512], b[512];
    const char *ours = xs_xlu_vif_rate_refusal(rate, a, sizeof(a));
    const char *theirs = real_rate(rate, b, sizeof(b));
    if (!ours != !theirs || (ours && strcmp(ours, theirs) != 0))
        if (mismatches++ < 20)
            fprintf(stderr, "rate '%s': xenstream %s, libxlutil %s\n", rate,
                    ours ? ours : "takes it", theirs ? theirs : "takes it");
}

/* vif rates, documented (xl-network-configuration.5) and not, and made
 * at random from their pieces */
START_TEST(vif_rates)
{
    static const char *const rates[] = {
        "10MB/s", "10Mb/s@20ms", "1GB/s@5us", "100KB/s@1s", "5B/s", "7b/s@3",
        "", "@20ms", "10Mbit/s", "10MB/s@", "10MB/s@20", "10MB/s@20xs",
        "0MB/s", "08MB/s", "010MB/s", "4294967295GB/s",
        "4294967296B/s", "99999999999999999999B/s", "10MB/s@4295s",
        "4294967295GB/s@4294967295us", "10 MB/s", "10MB/s@@1",
        "1GB/s@0", "1GB/s@09ms", "1Mb/s@1m", "1Mb/s@1u", "1Mb/s@1ms@"};
    for (size_t i = 0; i < sizeof(rates) / sizeof(rates[0]); i++)
        same_rate(rates[i]);
    static const char *const parts[] = {"0", "1", "08", "010", "9", "42",
        "4294967295", "4294967296", "G", "M", "K", "B", "b", "/s", "/",
        "s", "@", "m", "u", "ms", "us", "x", " "};
    unsigned seed = 777;
    for (int n = 0, total = cases(); n < total; n++) {
        char r[64];
        random_join(r, sizeof(r), parts, sizeof(parts) / sizeof(parts[0]), 7,
                    &seed);
        same_rate(r);
    }
    ck_assert_uint_eq(mismatches, 0);
}
END_TEST

/* xlu_pci_parse_spec_string()'s verdict and what it printed (its
 * messages have no lead and no newline), or "" when it printed none. */
static const char *real_pci(const char *spec, char *msg, size_t sz)
{
    struct xlu_run r;
    libxl_device_pci pci;
    libxl_device_pci_init(&pci);
    int e = xlu_pci_parse_spec_string(xlu_open(&r), &pci, spec);
    libxl_device_pci_dispose(&pci);
    xlu_cfg_destroy(r.cfg);
    fclose(r.rep);
    snprintf(msg, sz, "%s", r.buf ? r.buf : "");
    free(r.buf);
    return e ? msg : NULL;
}

static unsigned pci_undefined;

static void same_pci(const char *spec)
{
    char a[512], b[512];
    const char *ours = xs_xlu_pci_refusal(spec, strlen(spec), 17,
                                          &(unsigned){0}, a, sizeof(a));
    if (!ours && strncmp(a, "undefined", 9) == 0) {
        pci_undefined++; /* libxlutil reads an unset int: not run */
        return;
    }
    const char *theirs = real_pci(spec, b, sizeof(b));
    /* with no message of libxlutil's, ours is xl's own line */
    char own[512];
    snprintf(own, sizeof(own), "unable to parse PCI_SPEC_STRING `%.100s' for "
             "passthrough", spec);
    if (!ours != !theirs ||
        (ours && strcmp(ours, theirs[0] ? theirs : own)))
        if (mismatches++ < 20)
            fprintf(stderr, "pci '%s': xenstream %s, libxlutil %s\n", spec,
                    ours ? ours : "takes it", theirs ? theirs : "takes it");
}

/* pci items as xl.cfg(5) writes them, hand-made bad ones, and ones made
 * at random from the pieces of a PCI_SPEC_STRING */
START_TEST(pci_specs)
{
    static const char *const specs[] = {
        "01:00.0", "0000:01:00.0", "01:00.*", "01:00.0@1f", "01:1f.7",
        "01:00.0,permissive=1", "01:00.0,msitranslate=1,power_mgmt=0",
        "01:00.0,seize=1,rdm_policy=strict", "01:00.0,rdm_policy=Relaxed",
        "01:00.0,rdm_policy=invalid", "bdf=01:00.0", "name=gpu",
        "name=gpu,vslot=3", "bdf=01:00.0xyz", "01:00.0,", "0x1:0x2.0x3",
        "1: 2.3", " 01:00.0", "01:00.0 ", "", "01:00.8", "01:20.0",
        "10000:00:00.0", "00:100:00.0", "01:00.0@20", "01:00.0@",
        "01:00.0,foo=1", "01:00.0,rdm_policy=lax", "01:00.0,name=x",
        "bdf=01:00.0,bdf=02:00.0", "01:00.0,vslot=20", "01:00.0,vslot=1x",
        "1:2:3:4.0", "01:00.0,permissive", "=", ",", "01:00.0,=1",
        "01:00.0@1,seize=1", "-0:0.0", "+1:2.3", "ffffffff:0.0",
        "100000000:0.0", "01:00.0,,seize=1"};
    for (size_t i = 0; i < sizeof(specs) / sizeof(specs[0]); i++)
        same_pci(specs[i]);
    static const char *const parts[] = {
        "0", "00", "01", "1f", "20", "ff", "100", "0000", "10000", "0x1",
        " ", "-", "+", "g", ":", ":", ".", ".", "*", "@", ",", "=", "7", "8",
        "bdf=", "vslot=", "name=", "rdm_policy=", "strict", "Relaxed",
        "invalid", "permissive=1", "msitranslate=", "seize=0",
        "power_mgmt=1", "foo=", "x"};
    unsigned seed = 4242;
    for (int n = 0, total = cases(); n < total; n++) {
        char spec[96];
        random_join(spec, sizeof(spec), parts,
                    sizeof(parts) / sizeof(parts[0]), 9, &seed);
        same_pci(spec);
    }
    ck_assert_uint_eq(mismatches, 0);
    /* the undefined ones are few: what is compared is most of them */
    ck_assert_uint_lt(pci_undefined, (unsigned)cases() / 4 + 8);
}
END_TEST

/* xlu_pci_parse_bdf(), to 4.14 (libxlutil 4.17 has it no more): the
 * rows where it and 4.15's reader part, from the state machine's own
 * words (tools/libxl/libxlu_pci.c at RELEASE-4.14.0) */
START_TEST(pci_to_414)
{
    static const struct {
        const char *spec;
        int to414, from415; /* 1: refused */
    } rows[] = {
        {"01:00.0", 0, 0},          {"0000:01:00.0@1f", 0, 0},
        {"01:00.*", 0, 0},          {"01:00.0,foo=1", 0, 1},
        {"01:00.0,vslot=3", 0, 0},  {"01:00.0,", 1, 0},
        {"01:20.0", 0, 1},          {"01:ff.0", 0, 1},
        {"01:00.0@20", 0, 1},       {"01:00.0@ff", 0, 1},
        {"01:00.0@100", 1, 1},      {"01:00.0,rdm_policy=strict", 0, 0},
        {"01:00.0,rdm_policy=Strict", 1, 0},
        {"name=gpu", 1, 0},         {"01:00.0 ", 1, 1},
        {" 01:00.0", 0, 1},         {"01:00", 1, 0}, /* undefined from 4.15 */
        {"", 1, 1},                 {"01:00.0,permissive", 1, 1},
        {"100:00.0", 1, 1},         {"0100:00:00.0", 0, 0},
        {"1:2:3:4.0", 1, 1},        {"01:00.0,a,b=1", 0, 1},
        {"01:00.8", 1, 1},          {"0x1:0X2.0x3", 0, 1},
    };
    for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
        char w[256];
        const char *s = rows[i].spec;
        for (unsigned m = 6; m <= 22; m++) {
            bool refused = xs_xlu_pci_refusal(s, strlen(s), m, &(unsigned){0},
                                              w, sizeof(w));
            ck_assert_msg(refused ==
                              (m <= 14 ? rows[i].to414 : rows[i].from415),
                          "4.%u '%s': %s", m, s, refused ? w : "taken");
        }
    }
    char w[256];
    ck_assert(xs_xlu_pci_refusal("01:00.0,rdm_policy=lax", 22, 14,
                                 &(unsigned){0}, w, sizeof(w)));
    ck_assert_str_eq(w, "lax is not an valid PCI RDM property policy: "
                        "'strict' or 'relaxed'.");
    ck_assert(
        xs_xlu_pci_refusal("01:00.8", 7, 14, &(unsigned){0}, w, sizeof(w)));
    ck_assert_str_eq(w, "unable to parse PCI BDF `01:00.8' for passthrough");
}
END_TEST

/* The lists xl reads itself (xl_parse.c at RELEASE-4.22.0, the same
 * since each list came, and at the tags named in formats/xlu.c where it
 * changed): rows read off the source, NULL where xl takes the item. */
START_TEST(kv_lists)
{
    static const struct {
        xs_xlu_item_fn *fn;
        unsigned minor;
        const char *item, *why;
    } rows[] = {
        {xs_xlu_vtpm_refusal, 6, "backend=0", NULL},
        {xs_xlu_vtpm_refusal, 22, " backend=dom0, uuid=b5ad7a1e-2f47-4d4b-"
                                  "a2a1-3c0e37e5d3a2", NULL},
        {xs_xlu_vtpm_refusal, 22, "backend=0,uuid=b5ad7a1e", "Failed to parse "
                                  "vtpm UUID: b5ad7a1e"},
        {xs_xlu_vtpm_refusal, 22, "", "vtpm spec missing required backend "
                                      "field!"},
        {xs_xlu_vtpm_refusal, 22, "foo,backend=0", "vtpm spec missing"},
        {xs_xlu_vtpm_refusal, 22, "backend=0,foo", NULL},
        {xs_xlu_vtpm_refusal, 22, "backend =0", "Unknown string `backend ' "
                                                "in vtpm spec"},
        {xs_xlu_vtpm_refusal, 22, "\tbackend=0", "Unknown string `\tbackend'"},
        {xs_xlu_vtpm_refusal, 22, ",,backend=,", NULL},
        {xs_xlu_pvcalls_refusal, 11, "", NULL},
        {xs_xlu_pvcalls_refusal, 11, "backend=1,x=2", "Unknown string `x' in "
                                                      "pvcalls spec"},
        {xs_xlu_pvcalls_refusal, 10, "x=2", NULL},
        {xs_xlu_usbctrl_refusal, 7, "", NULL},
        {xs_xlu_usbctrl_refusal, 7, "type=QUSB, version=2, ports=4", NULL},
        {xs_xlu_usbctrl_refusal, 7, "type=usb3", "Invalid usb controller type "
                                                 "'usb3'"},
        {xs_xlu_usbctrl_refusal, 7, "type=pv ", "Invalid usb controller type "
                                                "'pv '"},
        {xs_xlu_usbctrl_refusal, 7, "version", "Unknown string `version' in "
                                               "usbctrl spec"},
        {xs_xlu_usbctrl_refusal, 6, "version", NULL},
        {xs_xlu_usbdev_refusal, 7, "hostbus=1,hostaddr=0x2,controller=0,"
                                   "port=1", NULL},
        {xs_xlu_usbdev_refusal, 7, "type=host", "Invalid usb device type: "
                                                "(null)"},
        {xs_xlu_usbdev_refusal, 7, "bus=1", "Unknown string `bus=1' in usbdev "
                                            "spec"},
        {xs_xlu_vkb_refusal, 12, "backend-type=linux", NULL},
        {xs_xlu_vkb_refusal, 12, "backend-type=Qemu,width=800,height=600",
         NULL},
        {xs_xlu_vkb_refusal, 12, "", "backend-type should be set in vkb spec"},
        {xs_xlu_vkb_refusal, 12, "backend-type=unknown", "backend-type should "
                                                         "be set"},
        {xs_xlu_vkb_refusal, 12, "backend-type=xen", "Unknown backend_type "
                                                     "\"xen\" in vkb spec"},
        {xs_xlu_vkb_refusal, 12, "backend-type=qemu,feature-multi-touch=1",
         "should be set for multi touch"},
        {xs_xlu_vkb_refusal, 12, "backend-type=qemu,feature-multi-touch=1,"
                                 "multi-touch-width=0x100000000", "should be "
                                 "set for multi touch"},
        {xs_xlu_vkb_refusal, 12, "backend-type=qemu,feature-multi-touch=1,"
                                 "multi-touch-width=9", NULL},
        {xs_xlu_vkb_refusal, 12, "backend-type=qemu,multi-touch-width=9,"
                                 "multi-touch-width=0,feature-multi-touch=1",
         "should be set for multi touch"},
        {xs_xlu_vkb_refusal, 12, "backend-type=qemu,mouse=1", "Unknown string "
                                                              "\"mouse=1\""},
        {xs_xlu_vkb_refusal, 11, "", NULL},
        /* p9: to 4.17 the vtpm loop; 4.18 pairs, trimmed; 4.19 more keys */
        {xs_xlu_p9_refusal, 8, "x", NULL},
        {xs_xlu_p9_refusal, 9, "tag=t,path=/p,security_model=none", NULL},
        {xs_xlu_p9_refusal, 9, "tag=t,path=/p", "9pfs spec missing required "
                                                "field!"},
        {xs_xlu_p9_refusal, 17, "tag=t,path=/p,x,security_model=none",
         "missing required"}, /* the token without '=' ends it */
        {xs_xlu_p9_refusal, 17, "tag=t,path=/p,security_model=,y=1",
         "Unknown string `y' in 9pfs spec"},
        {xs_xlu_p9_refusal, 17, "tag =t", "Unknown string `tag ' in 9pfs"},
        {xs_xlu_p9_refusal, 17, "", "missing required"},
        {xs_xlu_p9_refusal, 18, " tag = t , path=/p,security_model= none ",
         NULL},
        {xs_xlu_p9_refusal, 18, "tag=t,path=/p,x,security_model=none",
         "failed to parse 9pfs configuration: x"},
        {xs_xlu_p9_refusal, 18, "tag=t,path=/p,security_model=", "failed to "
                                                                "parse 9pfs"},
        {xs_xlu_p9_refusal, 18, "tag=t,path=/p,security_model= ", NULL},
        {xs_xlu_p9_refusal, 18, ",,", "a segmentation fault"},
        {xs_xlu_p9_refusal, 18, "tag=t,path=/p,security_model=x,type=qemu",
         "Unknown 9pfs parameter 'type'"},
        {xs_xlu_p9_refusal, 18, "tag=t", "missing required"},
        {xs_xlu_p9_refusal, 19, "tag=t", NULL},
        {xs_xlu_p9_refusal, 19, "type = Xen_9pfsd, max-files=10x", NULL},
        {xs_xlu_p9_refusal, 19, "type=xen", "failed to parse 9pfs type: xen"},
        {xs_xlu_p9_refusal, 19, "max-space=-1", "xl: failed to convert "
                                                "\"-1\" to number"},
        {xs_xlu_p9_refusal, 19, "max-open-files=x", "failed to convert"},
        {xs_xlu_p9_refusal, 22, "auto-delete=x, =1", "Unknown 9pfs parameter "
                                                     "''"},
        /* vdispl (4.10) */
        {xs_xlu_vdispl_refusal, 9, "", NULL},
        {xs_xlu_vdispl_refusal, 10, "backend=0,be-alloc=1,connectors=id0:"
                                    "1920x1080;id1:800x600", NULL},
        {xs_xlu_vdispl_refusal, 10, "backend=0", "At least one connector "
                                                 "should be specified."},
        {xs_xlu_vdispl_refusal, 10, "", "At least one connector"},
        {xs_xlu_vdispl_refusal, 22, "connectors=a:1920", "Can't parse "
                                                        "connector resolution"},
        {xs_xlu_vdispl_refusal, 22, "connectors=a:1920x", "Can't parse"},
        {xs_xlu_vdispl_refusal, 22, "connectors=a: ", "Can't parse"},
        {xs_xlu_vdispl_refusal, 22, "connectors=a:abc;b:1", NULL}, /* 0 read */
        {xs_xlu_vdispl_refusal, 22, "connectors=a", NULL}, /* undefined */
        {xs_xlu_vdispl_refusal, 22, "connectors=;", "a segmentation fault"},
        {xs_xlu_vdispl_refusal, 22, "connectors=a:1x1,width=2",
         "Unknown string \"width=2\" in vdispl spec"},
        {xs_xlu_vdispl_refusal, 17, "connectors=a::1x1", NULL},
        {xs_xlu_vdispl_refusal, 18, "connectors=a::1x1", NULL}, /* ":1x1" */
        {xs_xlu_vdispl_refusal, 18, "connectors=:1x1", NULL},
        /* vsnd (4.12): one string of a card's list */
        {xs_xlu_vsnd_refusal, 11, "x", NULL},
        {xs_xlu_vsnd_refusal, 12, "", NULL},
        {xs_xlu_vsnd_refusal, 12, "CARD, backend=0, short-name=s, "
                                  "sample-rates=8000;44100, channels-max=2",
         NULL},
        {xs_xlu_vsnd_refusal, 12, "pcm, name=p, sample-formats=s16_le;F32_LE",
         NULL},
        {xs_xlu_vsnd_refusal, 12, "stream, unique-id=0, type=c", NULL},
        {xs_xlu_vsnd_refusal, 12, "card=1", "Invalid key: card=1"},
        {xs_xlu_vsnd_refusal, 12, "card , backend=0", "Invalid key: card "},
        {xs_xlu_vsnd_refusal, 12, "pcm, backend=0", "Invalid parameter: "
                                                    "backend=0"},
        {xs_xlu_vsnd_refusal, 12, "stream, type=x", "Invalid stream type: x"},
        {xs_xlu_vsnd_refusal, 12, "card, sample-formats=float_le",
         "Invalid pcm format: float_le"},
        {xs_xlu_vsnd_refusal, 12, "card, sample-rates=;", "a segmentation "
                                                         "fault"},
        /* ioports, irqs, iomem */
        {xs_xlu_ioport_refusal, 6, "3f8-3ff", NULL},
        {xs_xlu_ioport_refusal, 22, " 0x3f8", NULL},
        {xs_xlu_ioport_refusal, 22, "3f8 ", NULL}, /* printed, taken */
        {xs_xlu_ioport_refusal, 22, "3f8-3ff ", "xl: Invalid argument "
                                                "parsing ioport: 3f8-3ff "},
        {xs_xlu_ioport_refusal, 22, "3f8-", "Invalid argument"},
        {xs_xlu_ioport_refusal, 22, "x", "Invalid argument"},
        {xs_xlu_ioport_refusal, 22, "ffffffff", "xl: ioport ffffffff too "
                                                "big"},
        {xs_xlu_ioport_refusal, 22, "0-fffffffe", NULL},
        {xs_xlu_ioport_refusal, 22, "-1", "too big"},
        {xs_xlu_irq_refusal, 6, "5abc", NULL},
        {xs_xlu_irq_refusal, 7, "5abc", "xl: Invalid argument parsing irq: "
                                        "5abc"},
        {xs_xlu_irq_refusal, 7, " +5", NULL},
        {xs_xlu_irq_refusal, 7, "4294967295", "xl: irq ffffffff too big"},
        {xs_xlu_irq_refusal, 7, "", "Invalid argument"},
        {xs_xlu_iomem_refusal, 6, "fe000,10x", NULL},
        {xs_xlu_iomem_refusal, 7, "fe000,10x", "xl: Invalid argument parsing "
                                               "iomem: fe000,10x"},
        {xs_xlu_iomem_refusal, 7, "fe000,10@ 0x80", NULL},
        {xs_xlu_iomem_refusal, 7, "fe000,10@", "Invalid argument"},
        {xs_xlu_iomem_refusal, 7, "fe000 ,10", "Invalid argument"},
        {xs_xlu_iomem_refusal, 6, "fe000", "Invalid argument"},
    };
    for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
        char w[256];
        const char *s = rows[i].item;
        const char *got = rows[i].fn(s, strlen(s), rows[i].minor,
                                     &(unsigned){0}, w, sizeof(w));
        ck_assert_msg(!got == !rows[i].why &&
                          (!got || strstr(got, rows[i].why)),
                      "row %zu '%s' (4.%u): %s", i, s, rows[i].minor,
                      got ? got : "taken");
    }
}
END_TEST

/* The releases' own words: what 4.17 takes and 4.16 refuses, and so on
 * (libxlutil 4.17 cannot tell; the rule table's from column can). */
START_TEST(per_release)
{
    char w[256];
#define TAKES(s, m)                                                           \
    ck_assert_msg(                                                            \
        !xs_xlu_disk_refusal(s, strlen(s), m, &(unsigned){0}, w, sizeof(w)),  \
        "4.%d '%s': %s", m, s, w)
#define REFUSES(s, m, why)                                                    \
    ck_assert_msg(                                                            \
        xs_xlu_disk_refusal(s, strlen(s), m, &(unsigned){0}, w, sizeof(w)) && \
            strstr(w, why),                                                   \
        "4.%d '%s': %s", m, s, w)
    TAKES("vdev=xvda,colo-port=9,target=/x", 8);
    REFUSES("vdev=xvda,colo-port=9,target=/x", 7, "unknown parameter");
    TAKES("vdev=xvda,format=qed,target=/x", 9);
    REFUSES("vdev=xvda,format=qed,target=/x", 8,
            "unknown value for format: near `qed'");
    TAKES("vdev=xvda,specification=xen,target=/x", 17);
    REFUSES("vdev=xvda,specification=xen,target=/x", 16, "unknown parameter");
    TAKES("vdev=xvda,backendtype=standalone,target=/x", 17);
    REFUSES("vdev=xvda,backendtype=standalone,target=/x", 16,
            "unknown value for backendtype");
    TAKES("/x,raw,xvda,w,trusted", 19);
    REFUSES("/x,raw,xvda,w,trusted", 18, "too many positional parameters");
    TAKES("vdev=xvda,grant_usage=0,target=/x", 19);
    REFUSES("vdev=xvda,grant_usage=0,target=/x", 18, "bad disk syntax");
#undef TAKES
#undef REFUSES
}
END_TEST

/* ---- whole configs against xl itself ----
 * Debian's xl (XS_XL: 4.17, unpacked from xen-utils-4.17 beside
 * verify-stream-v2; tests/xen/run.sh runs this case again with Debian
 * 11's 4.14, XS_XL_MINOR=14, its libraries in XS_XL_LIBS) in a dry run,
 * `xl -N create CONFIG`, which calls parse_config_data() as `xl restore
 * CONFIG IMAGE` does, with tests/xl_shim.c (XS_XL_SHIM) standing in for
 * Xen: its exit status against xs_xl_config_text_error() and
 * xs_xl_config_refusal() for that release, and the message formats/xl.c
 * quotes against what xl printed. */

/* fragments of each list's items, good and bad (none whose reading xl
 * leaves undefined: a vdispl connector without a size, a pci BDF without
 * its function) */
static const char *const xl_pools[][24] = {
    {"pci", "01:00.0", "0000:01:00.1", "01:00.0@3", "01:00.0,foo=1",
     "01:00.*", "bdf=01:00.0", "name=x", "01:00.0,rdm_policy=lax",
     "seize=1", "01:00.8", "vslot=40", "permissive=1"},
    {"ioports", "3f8", "3f8-3ff", "3f8 ", "x", "ffffffff", "-1", "0x10",
     "3f8-", "3f8-3ffx", " 10", "-0", "0-fffffffe"},
    {"irqs", "5", "5x", " +5", "4294967295", "-1", "", "0x5", "007"},
    {"iomem", "fe000,10", "fe000,10@80", "fe000,10x", "fe000,10@",
     "fe000 ,10", "fe000", "0x1, 0x2", "-1,1", "1,2@ 3"},
    {"disk", "/x,raw,xvda,w", "/x,qcow3,xvda", "vdev=xvda,target=/x",
     "format=raw", "target=/y", "xvdb", "hdc:cdrom"},
    {"p9", "tag=t", "path=/p", "security_model=none", "backend=0",
     "type=qemu", "type=xen", "max-files=10", "max-files=-1",
     "max-space=x", "auto-delete=1", "x", " tag = t ", "=1", "foo=1",
     "tag ="},
    {"vtpm", "backend=0", "uuid=b5ad7a1e-2f47-4d4b-a2a1-3c0e37e5d3a2",
     "uuid=1", "x=1", "x", "backend =0"},
    {"vdispl", "backend=0", "be-alloc=1", "connectors=a:1x1",
     "connectors=a:1920", "connectors=a:abc", "connectors=a:1x1;b:2x2",
     "connectors=a:1920x", "width=1", " connectors=b: 2x3"},
    {"pvcalls", "backend=0", "x=1", "x", "backend"},
    {"vsnd", "card", "pcm", "stream", "CARD", "card ", "card=1",
     "backend=0", "short-name=s", "name=p", "unique-id=0", "type=p",
     "type=x", "sample-rates=8000;44100",
     "sample-formats=s16_le;F32_LE", "sample-formats=float_le",
     "channels-max=2", "buffer-size=x", "long-name=l"},
    {"channel", "name=c", "connection=pty", "connection=socket",
     "path=/s", "connection=x", "x", "name"},
    {"vif", "mac=00:16:3e:00:00:01", "rate=10Mb/s", "rate=10Mbit/s",
     "bridge=br0", "rate=0Mb/s@20ms", "x", "devid=1", "devid=x", "mtu=1500",
     "mtu=-1", "mtu= 9000x", "type=x"},
    {"usbctrl", "type=auto", "type=usb3", "version=2", "ports=4", "x=1",
     "version"},
    {"usbdev", "hostbus=1", "hostaddr=2", "type=hostdev", "type=host",
     "bus=1", "controller=0"},
    {"vkb", "backend-type=linux", "backend-type=qemu", "backend-type=xen",
     "backend-type=unknown", "feature-multi-touch=1",
     "multi-touch-width=9", "width=800", "mouse=1"},
    /* lists 4.17 does not read yet: xl takes them whatever they hold */
    {"virtio", "type=virtio,device", "transport=mmio", "x=1"},
    {"xenstore_quota", "a=1", "a", "a=x"},
    {"llc_colors", "1-2", "2-1", "x"},
};

static unsigned xl_seed = 4242;
static unsigned xl_rand(unsigned n)
{
    xl_seed = xl_seed * 1103515245u + 12345u;
    return (xl_seed >> 16) % n;
}

/* one of the values of a row of width entries: its key, then values up
 * to a NULL or the row's end */
static const char *xl_pick(const char *const *row, size_t width)
{
    size_t n = 1;
    while (n < width && row[n])
        n++;
    return row[1 + xl_rand((unsigned)n - 1)];
}

/* xl 4.minor's, set by xl_configs */
static unsigned xl_minor;

/* one item: up to four fragments of pool, joined as xl users do (not a
 * pci function "*" to 4.14, where xl's reading is undefined) */
static void xl_item(char *out, size_t sz, const char *const *pool)
{
    static const char *const seps[] = {",", ",", ", ", " ,", ",,"};
    size_t at = strlen(out);
    /* ioports, irqs, iomem: one fragment, as ',' is part of an iomem */
    unsigned k = pool == xl_pools[1] || pool == xl_pools[2] ||
                         pool == xl_pools[3]
                     ? 0
                     : xl_rand(4);
    for (unsigned i = 0; i <= k; i++) {
        const char *sep = i ? seps[xl_rand(5)] : "";
        const char *f =
            xl_pick(pool, sizeof(xl_pools[0]) / sizeof(*xl_pools[0]));
        if (xl_minor <= 14 && strstr(f, ".*"))
            f = "01:00.0";
        at += (size_t)snprintf(out + at, sz - at, "%s%s", sep, f);
        if (at >= sz)
            return;
    }
}

/* settings of one value (as written in the config, quotes and all),
 * good and bad */
static const char *const xl_scalars[][10] = {
    {"passthrough", "'default'", "'Enabled'", "'sync_pt'", "'x'"},
    {"tsc_mode", "0", "3", "4", "'native'", "'native-paravirt'", "'-1'",
     "0x2", "'2x'"},
    {"bootloader_args", "''", "' '", "'-q'", "[ '-q' ]"},
    {"timer_mode", "'delay_for_missed_ticks'", "1", "5", "'x'",
     "'unknown'"},
    {"bios", "'ovmf'", "'uefi'", "'SeaBIOS'"},
    {"viridian", "[ 'base', '!freq' ]", "[ 'all' ]", "[ 'x' ]",
     "[ 'Hcall_ipi', 'cpu_hotplug' ]", "1", "[ '!' ]"},
    {"mmio_hole", "256", "255", "3840", "3841", "'-1'", "17592186044672"},
    {"ms_vm_genid", "'generate'", "'none'", "'1'"},
    {"mca_caps", "[ 'lmce' ]", "'lmce'", "[ 'x' ]", "[ ]"},
    {"firmware", "'pvgrub64'", "'pvgrub'", "'ovmf'", "''", "'uefi'"},
    {"bootloader", "'pygrub'", "''"},
    {"altp2m", "'mixed'", "4", "'x'", "2"},
    {"device_model_version", "'qemu-xen'", "'qemu-xen-traditional'",
     "'qemu'"},
    {"device_model_args", "[ '-x' ]", "'-x'"},
    {"device_model_args_hvm", "[ '-x' ]", "'-x'"},
    {"vga", "'stdvga'", "'std'", "'qxl'"},
    {"hdtype", "'AHCI'", "'sata'"},
    {"gfx_passthru", "1", "'igd'", "'yes'"},
    {"vnclisten", "'0.0.0.0:1'", "'0.0.0.0'"},
    {"vncdisplay", "1", "0"},
    {"vendor_device", "'xenserver'", "'x'"},
    {"gic_version", "'v2'", "'v4'"},
    {"tee", "'optee'", "'ffa'", "'x'"},
    {"vnuma", "[ [ 'pnode=0', 'size=512', 'vcpus=0-1', 'vdistances=10' ] ]",
     "[ [ 'pnode=0', 'size=256', 'vcpus=0' ], [ 'vcpus=1', 'size=256' ] ]",
     "[ 'pnode=0' ]", "[ [ 'pnode' ] ]", "[ [ 'size=x' ] ]",
     "[ [ 'vcpus=' ] ]", "[ [ 'vdistances=10,x' ] ]",
     "[ [ ' vcpus = 1 , size=1' ], [ ['x'], '=2' ] ]", "[ ]"},
    {"maxvcpus", "2", "1", "'-1'"},
    {"maxmem", "512", "256"},
};

/* what xl crashes on (split_string_into_string_list() of nothing: with a
 * space after it, the vdispl one is a connector without a size, which
 * xl reads undefined), and what p9 keeps from item to item to 4.17 */
static const char *const xl_fixed[] = {
    "vdispl = [ 'connectors=;' ]\n",
    "vdispl = [ 'connectors=a:1x1;;b:2x2' ]\n",
    "vsnd = [ [ 'card, sample-rates=;' ] ]\n",
    "vsnd = [ [ 'pcm, sample-formats=;;' ] ]\n",
    "channel = [ ',' ]\n",
    "p9 = [ 'tag=t,path=/p,security_model=none', 'tag=u' ]\n",
    "p9 = [ 'tag=u', 'tag=t,path=/p,security_model=none' ]\n",
    "p9 = [ 'tag=t,path=/p,security_model=none', 'tag=u,x' ]\n",
    "ioports = [ '3f8', [ 'x' ] ]\n",
    "irqs = [ [ ] ]\n",
    "vsnd = [ [ 'card', [ 'x' ], 'x' ], 'card' ]\n",
    "vsnd = [ [ ], [ 'card' ] ]\n",
};

/* a config: a PV guest xl takes and the n-th of xl_fixed[], or a guest
 * of any type (mostly with a kernel), up to two settings of one value
 * and one to three lists, made at random */
static void xl_config(char *cfg, size_t sz, size_t n)
{
    static const char *const types[] = {"", "type = 'pv'\n",
                                        "type = 'hvm'\n", "type = 'pvh'\n",
                                        "builder = 'hvm'\n"};
    const size_t npools = sizeof(xl_pools) / sizeof(xl_pools[0]);
    const size_t nscalars = sizeof(xl_scalars) / sizeof(xl_scalars[0]);
    size_t at = (size_t)snprintf(cfg, sz, "name = 'g'\nmemory = 128\n");
    if (n < sizeof(xl_fixed) / sizeof(xl_fixed[0])) {
        snprintf(cfg + at, sz - at, "kernel = '/k'\n%s", xl_fixed[n]);
        return;
    }
    at += (size_t)snprintf(cfg + at, sz - at, "%s%s", types[xl_rand(5)],
                           xl_rand(8) ? "kernel = '/k'\n" : "");
    for (unsigned i = 0, ns = xl_rand(3); i < ns && at < sz; i++) {
        const char *const *sc = xl_scalars[xl_rand((unsigned)nscalars)];
        at += (size_t)snprintf(cfg + at, sz - at, "%s = %s\n", sc[0],
                               xl_pick(sc, sizeof(xl_scalars[0]) /
                                           sizeof(*xl_scalars[0])));
    }
    for (unsigned l = 0, nl = xl_rand(4); l < nl && at < sz; l++) {
        const char *const *pool = xl_pools[xl_rand((unsigned)npools)];
        bool vsnd = strcmp(pool[0], "vsnd") == 0;
        at += (size_t)snprintf(cfg + at, sz - at, "%s = [ ", pool[0]);
        for (unsigned i = 0, ni = xl_rand(4); i < ni && at < sz; i++) {
            char item[256] = "";
            unsigned shape = xl_rand(12);
            if (vsnd && shape) { /* a card: its list of strings */
                at += (size_t)snprintf(cfg + at, sz - at, "%s[ ",
                                       i ? ", " : "");
                for (unsigned j = 0, nj = xl_rand(4); j < nj; j++) {
                    item[0] = '\0';
                    xl_item(item, sizeof(item), pool);
                    at += (size_t)snprintf(cfg + at, sz - at, "%s'%s'",
                                           j ? ", " : "", item);
                }
                at += (size_t)snprintf(cfg + at, sz - at, " ]");
                continue;
            }
            if (!vsnd && shape == 0) { /* an element that is not a string */
                at += (size_t)snprintf(cfg + at, sz - at, "%s[ 'x' ]",
                                       i ? ", " : "");
                continue;
            }
            xl_item(item, sizeof(item), pool);
            at += (size_t)snprintf(cfg + at, sz - at, "%s'%s'",
                                   i ? ", " : "", item);
        }
        at += (size_t)snprintf(cfg + at, sz - at, " ]\n");
    }
}

/* xl's verdict on cfg: whether it refused, what it printed, and whether
 * it died of a signal (*crashed) */
static bool xl_refuses(const char *xl, const char *shim, const char *cfg,
                       char *err, size_t errsz, bool *crashed)
{
    char path[] = "/tmp/xs-xl-XXXXXX";
    int fd = mkstemp(path);
    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(write(fd, cfg, strlen(cfg)), (ssize_t)strlen(cfg));
    close(fd);
    int p[2];
    ck_assert_int_eq(pipe(p), 0);
    fflush(NULL);
    pid_t pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        int null = open("/dev/null", O_RDWR);
        dup2(null, 0);
        dup2(null, 1);
        dup2(p[1], 2);
        close(p[0]);
        setenv("LD_PRELOAD", shim, 1);
        const char *libs = getenv("XS_XL_LIBS");
        if (libs)
            setenv("LD_LIBRARY_PATH", libs, 1);
        execl(xl, "xl", "-N", "create", path, (char *)NULL);
        _exit(127);
    }
    close(p[1]);
    size_t n = 0;
    ssize_t r;
    while ((r = read(p[0], err + n, errsz - 1 - n)) > 0 && n < errsz - 1)
        n += (size_t)r;
    err[n] = '\0';
    close(p[0]);
    int st;
    ck_assert_int_eq(waitpid(pid, &st, 0), pid);
    unlink(path);
    ck_assert_msg(!(WIFEXITED(st) && WEXITSTATUS(st) == 127), "%s did not "
                  "run", xl);
    *crashed = WIFSIGNALED(st);
    return !(WIFEXITED(st) && WEXITSTATUS(st) == 0);
}

START_TEST(xl_configs)
{
    const char *xl = getenv("XS_XL"), *shim = getenv("XS_XL_SHIM");
    if (!xl || !shim || access(xl, X_OK) != 0) {
        /* ctest names it, and CI fetches it (tests/xen-verifier.sh):
         * there it must run */
        ck_assert_msg(!xl || !getenv("CI"), "no xl at %s", xl);
        printf("SKIP: no xl (XS_XL) to compare whole configs with\n");
        return;
    }
    /* a process of xl's each (about 10 ms, 20 under gcov): one config
     * per 50 cases */
    int total = (int)(sizeof(xl_fixed) / sizeof(xl_fixed[0])) + cases() / 50;
    unsigned refused = 0, quoted = 0;
    const char *mv = getenv("XS_XL_MINOR");
    const unsigned minor = mv ? (unsigned)atoi(mv) : 17;
    xl_minor = minor;
    for (int n = 0; n < total; n++) {
        char cfg[2048], err[4096], why[512];
        xl_config(cfg, sizeof(cfg), (size_t)n);
        unsigned line;
        size_t at;
        const char *rule = NULL;
        const char *ours = xs_xl_config_text_error(cfg, strlen(cfg), minor,
                                                   &line, &at);
        if (!ours)
            ours = xs_xl_config_refusal(cfg, strlen(cfg), minor, why,
                                        sizeof(why), &rule, &line, &at);
        bool crashed;
        bool theirs = xl_refuses(xl, shim, cfg, err, sizeof(err), &crashed);
        /* what this machine's CPUs decide, not the text */
        if (theirs && !ours && (strstr(err, "more vcpus than pcpus") ||
                                strstr(err, "invalid pnode number")))
            continue;
        ck_assert_msg(!ours == !theirs, "xl 4.%u %s this config, "
                      "formats/xl.c %s:\n%s\nxl: %s\nours: %s", minor,
                      theirs ? "refuses" : "takes",
                      ours ? "refuses it" : "takes it", cfg, err,
                      ours ? ours : "-");
        refused += theirs;
        /* the message quoted: xl printed it (unless it crashed: where
         * xl reads memory it never set, what it prints is not known) */
        const char *q = ours && rule && !crashed
                            ? strstr(ours, "xl stops with \"")
                            : NULL;
        if (q) {
            char msg[256];
            q += strlen("xl stops with \"");
            size_t len = (size_t)(strrchr(q, '"') - q); /* to its close */
            size_t mn = 0; /* its \" are xl's " */
            for (size_t j = 0; j < len && mn + 1 < sizeof(msg); j++)
                if (!(q[j] == '\\' && q[j + 1] == '"'))
                    msg[mn++] = q[j];
            msg[mn] = '\0';
            ck_assert_msg(strstr(err, msg), "xl 4.%u printed\n%s\nnot "
                          "\"%s\", for\n%s", minor, err, msg, cfg);
            quoted++;
        }
    }
    printf("xl 4.%u: %d configs, %u refused, %u messages the same\n", minor,
           total, refused, quoted);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("xlu");
    TCase *t = tcase_create("core");
    tcase_set_timeout(t, 120);
    tcase_add_test(t, documented_and_bad);
    tcase_add_test(t, random_specs);
    tcase_add_test(t, per_release);
    tcase_add_test(t, vif_rates);
    tcase_add_test(t, pci_specs);
    tcase_add_test(t, pci_to_414);
    tcase_add_test(t, kv_lists);
    suite_add_tcase(s, t);
    t = tcase_create("xl"); /* CK_RUN_CASE=xl: this one alone */
    tcase_set_timeout(t, 600);
    tcase_add_test(t, xl_configs);
    suite_add_tcase(s, t);
    SRunner *r = srunner_create(s);
    srunner_run_all(r, CK_NORMAL);
    int failed = srunner_ntests_failed(r);
    srunner_free(r);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
