/* libFuzzer target for verify --host-policy: any text read as xen-cpuid
 * -p's output (formats/hostpolicy.c), and when it parses, its Raw policy
 * held as a guest's against it for a PV and an HVM guest, with and
 * without Xen 4.22's vendor rule (core/target.c).  Nothing may crash,
 * leak or read out of bounds. */
#include <stdint.h>
#include <string.h>

#include "cpufeatures.h"
#include "hostpolicy.h"
#include "target.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t n);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t n)
{
    struct xs_host_policy hp;
    char err[256];
    uint64_t at;
    if (xs_host_policy_parse((const char *)data, n, &hp, err, sizeof(err),
                             &at) != XS_OK)
        return 0;
    struct xs_release r22;
    xs_release_get(22, &r22);
    for (int k = 0; k < 4; k++) {
        struct xs_guest_policy g = {.p = hp.p[XS_POLICY_RAW],
                                    .seen = hp.p[XS_POLICY_RAW].present};
        struct xs_target t = {.xen = k & 1 ? &r22 : NULL, .host = &hp,
                              .allow_feature_loss = k & 2};
        struct xs_summary sum = {0};
        sum.guest = k & 2 ? XS_GUEST_X86_HVM : XS_GUEST_X86_PV;
        struct xs_report rep;
        xs_report_init(&rep, "fuzz");
        xs_target_check(&t, &g, &sum, &rep);
        xs_report_free(&rep);
    }
    xs_host_policy_clear(&hp);
    return 0;
}
