/* xs-gen: write a test stream (see gen.h).  Used by tests, bench/ and to
 * make the fuzzers' seeds. */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "gen.h"
#include "libxc.h"

static int to_gz(void *ctx, const void *p, size_t n)
{
    return gzwrite(ctx, p, (unsigned)n) == (int)n ? 0 : -1;
}

static void usage(FILE *fp)
{
    fprintf(fp,
            "usage: xs-gen [options] [-o OUT]\n"
            "  --guest pv64|pv32|hvm   guest type (pv64)\n"
            "  --version 2|3           libxc image version (3)\n"
            "  --pages N               guest pfns (4096)\n"
            "  --mib N                 guest memory in MiB (sets --pages)\n"
            "  --batch N               pfns per PAGE_DATA (1024)\n"
            "  --vcpus N               (2)\n"
            "  --seed N                (1)\n"
            "  --xen MAJOR.MINOR       domain header version (4.17)\n"
            "  --no-policy | --policy  CPUID/MSR policy records (v3 default)\n"
            "  --cpu-features LIST     a host-like policy with these features\n"
            "                          (Xen's names, comma-separated; else random)\n"
            "  --cpu-vendor V --cpu-max-leaf N   its vendor, max basic leaf\n"
            "  --optional --erratum --verify --checkpoint --dirty\n"
            "  --zero-pages --trailing N\n"
            "  --every-other           HVM: odd pfns without data (XTAB)\n"
            "  --holes N               N pfns without data above the pages,\n"
            "                          types alternating (XTAB, XALLOC)\n"
            "  --descending            PAGE_DATA and its pfns top down\n"
            "  --container libxc|libxl|xl|libvirt|xenserver   (libxc)\n"
            "  --unterminated          checkpointed libxl: stop after "
            "CHECKPOINT_END\n"
            "  --migrate               xl migrate's handshake after END\n"
            "  --text-config           xl: config as text, not JSON\n"
            "  --lapic LEN [--pending-esr V]  HVM: LAPIC records (24, or 32\n"
            "                          with 4.21's pending_esr)\n"
            "  --rtc LEN               HVM: an RTC record (16, or 24 from 4.14)\n"
            "  --bhi                   MSR_SPEC_CTRL with BHI_DIS_S per vCPU\n"
            "  --cpuid-config N        xl JSON cpuid: 1 array, 2 4.18 object,\n"
            "                          3 object with an MSR entry\n"
            "  --qemu-trad             HVM: qemu-traditional\n"
            "  --gzip                  compress the output\n");
}

int main(int argc, char **argv)
{
    static const struct option opts[] = {
        {"guest", required_argument, NULL, 'g'},
        {"version", required_argument, NULL, 'V'},
        {"pages", required_argument, NULL, 'p'},
        {"mib", required_argument, NULL, 'm'},
        {"batch", required_argument, NULL, 'b'},
        {"vcpus", required_argument, NULL, 'c'},
        {"seed", required_argument, NULL, 's'},
        {"xen", required_argument, NULL, 'x'},
        {"policy", no_argument, NULL, 'P'},
        {"no-policy", no_argument, NULL, 'N'},
        {"cpu-features", required_argument, NULL, 0x100},
        {"cpu-vendor", required_argument, NULL, 0x101},
        {"cpu-max-leaf", required_argument, NULL, 0x102},
        {"optional", no_argument, NULL, 'O'},
        {"erratum", no_argument, NULL, 'E'},
        {"verify", no_argument, NULL, 'Y'},
        {"checkpoint", no_argument, NULL, 'C'},
        {"dirty", no_argument, NULL, 'D'},
        {"zero-pages", no_argument, NULL, 'Z'},
        {"trailing", required_argument, NULL, 'T'},
        {"holes", required_argument, NULL, 'H'},
        {"every-other", no_argument, NULL, 'A'},
        {"descending", no_argument, NULL, 'd'},
        {"container", required_argument, NULL, 'K'},
        {"unterminated", no_argument, NULL, 'U'},
        {"migrate", no_argument, NULL, 'M'},
        {"text-config", no_argument, NULL, 'X'},
        {"gzip", no_argument, NULL, 'z'},
        {"lapic", required_argument, NULL, 0x110},
        {"pending-esr", required_argument, NULL, 0x111},
        {"rtc", required_argument, NULL, 0x112},
        {"bhi", no_argument, NULL, 0x113},
        {"cpuid-config", required_argument, NULL, 0x114},
        {"qemu-trad", no_argument, NULL, 0x115},
        {"output", required_argument, NULL, 'o'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    struct xs_gen_opts o;
    const char *out = NULL;
    bool gz = false;
    int c;

    xs_gen_defaults(&o);
    while ((c = getopt_long(argc, argv, "o:h", opts, NULL)) != -1) {
        switch (c) {
        case 'g':
            if (strcmp(optarg, "pv64") == 0) {
                o.guest = XS_GUEST_X86_PV;
                o.width = 8;
            } else if (strcmp(optarg, "pv32") == 0) {
                o.guest = XS_GUEST_X86_PV;
                o.width = 4;
            } else if (strcmp(optarg, "hvm") == 0) {
                o.guest = XS_GUEST_X86_HVM;
            } else {
                usage(stderr);
                return 2;
            }
            break;
        case 'V': o.version = (unsigned)atoi(optarg); break;
        case 'p': o.pages = strtoull(optarg, NULL, 0); break;
        case 'm': o.pages = strtoull(optarg, NULL, 0) * 256; break;
        case 'b': o.batch = (unsigned)atoi(optarg); break;
        case 'c': o.vcpus = (unsigned)atoi(optarg); break;
        case 's': o.seed = strtoull(optarg, NULL, 0); break;
        case 'x':
            if (sscanf(optarg, "%u.%u", &o.xen_major, &o.xen_minor) != 2) {
                usage(stderr);
                return 2;
            }
            break;
        case 'P': o.policy = 1; break;
        case 'N': o.policy = 0; break;
        case 0x100: o.cpu_features = optarg; break;
        case 0x101: o.cpu_vendor = optarg; break;
        case 0x102: o.cpu_max_leaf = (uint32_t)strtoul(optarg, NULL, 0); break;
        case 'O': o.optional = true; break;
        case 'E': o.erratum = true; break;
        case 'Y': o.verify_rec = true; break;
        case 'C': o.checkpoint = true; break;
        case 'D': o.dirty = true; break;
        case 'Z': o.zero_pages = true; break;
        case 'T': o.trailing = strtoul(optarg, NULL, 0); break;
        case 'H': o.holes = strtoull(optarg, NULL, 0); break;
        case 'A': o.every_other = true; break;
        case 'd': o.descending = true; break;
        case 'K': {
            static const char *const names[] = {"libxc", "libxl", "xl",
                                                "libvirt", "xenserver"};
            unsigned k = 0;
            while (k < 5 && strcmp(optarg, names[k]) != 0)
                k++;
            if (k == 5) {
                usage(stderr);
                return 2;
            }
            o.container = (enum xs_gen_container)k;
            break;
        }
        case 'U': o.unterminated = true; break;
        case 'M': o.migrate = true; break;
        case 'X': o.text_config = true; break;
        case 'z': gz = true; break;
        case 0x110: o.lapic = (unsigned)atoi(optarg); break;
        case 0x111: o.pending_esr = (uint32_t)strtoul(optarg, NULL, 0); break;
        case 0x112: o.rtc = (unsigned)atoi(optarg); break;
        case 0x113: o.bhi = true; break;
        case 0x114: o.cpuid_config = (unsigned)atoi(optarg); break;
        case 0x115: o.qemu_trad = true; break;
        case 'o': out = optarg; break;
        case 'h': usage(stdout); return 0;
        default: usage(stderr); return 2;
        }
    }
    int rc;
    if (gz) {
        gzFile zf = out ? gzopen(out, "wb6") : gzdopen(1, "wb6");
        if (!zf) {
            perror(out);
            return 3;
        }
        rc = xs_gen(&o, to_gz, zf);
        if (gzclose(zf) != Z_OK)
            rc = -1;
    } else {
        FILE *fp = out ? fopen(out, "wb") : stdout;
        if (!fp) {
            perror(out);
            return 3;
        }
        rc = xs_gen_to_file(&o, fp);
        if (out && fclose(fp) != 0)
            rc = -1;
    }
    if (rc) {
        fprintf(stderr, "xs-gen: failed (bad options or write error)\n");
        return 3;
    }
    return 0;
}
