#!/usr/bin/env bash
# ctest's xen_restore: build the Xen testbed (tests/xen/testbed.sh) and run
# tests/xen/restore-test.sh in its dom0.  Exit 77 (skipped, with the reason
# on standard error) when this xenstream has no live backend or the Debian
# packages for the testbed cannot be had.
# Then a second boot, of Debian 11's Xen 4.14 (issue 15): the 4.17 run
# writes its PV save, and that save converted for 4.14, to a disk that the
# 4.14 dom0 reads (tests/xen/restore-test-414.sh).  When 4.14's packages
# cannot be had, only that part is skipped (a SKIPPED line, not exit 77).
# Before the boots, formats/xl.c's config rules are held against that
# 4.14's xl on this machine (tests/check_xlu.c).  XS_TESTBED_414=0 leaves
# all of it out.
set -uo pipefail
build=${1:?BUILD} xs=${2:?XENSTREAM}
here=$(cd "$(dirname "$0")" && pwd)
if ! "$xs" --version | grep -q '^live backend: built ('; then
    echo "SKIPPED: xen testbed: this xenstream was built without the live" \
         "backend (libxen-dev not found)" >&2
    exit 77
fi
start=$(date +%s)
bash "$here/testbed.sh" build "$build" "$xs" || exit $?
echo "testbed built in $(($(date +%s) - start)) s"
tb=$build/xen-testbed
disk=
rm -f "$tb/carry.img"
if [ "${XS_TESTBED_414:-1}" != 0 ]; then
    bash "$here/testbed.sh" build414 "$build"
    rc414=$?
    if [ $rc414 -eq 0 ]; then
        disk=$tb/carry.img
        truncate -s 512M "$disk"
    fi
fi
# formats/xl.c's config rules against Debian 11's xl 4.14 itself, in a
# dry run on this machine (tests/check_xlu.c xl_configs; 4.17's runs in
# the suite), now that its packages are unpacked
xl414=0
if [ -n "$disk" ] && [ -x "$build/tests/check_xlu" ]; then
    r=$tb/dom0-414
    if XS_XLU_CASES=25000 XS_XL=$r/usr/lib/xen-4.14/bin/xl XS_XL_MINOR=14 \
       XS_XL_LIBS=$r/usr/lib/x86_64-linux-gnu:$r/lib/x86_64-linux-gnu \
       XS_XL_SHIM=$build/tests/xl-shim.so CK_RUN_CASE=xl CK_FORK=no \
       "$build/tests/check_xlu" >"$tb/xl414.log" 2>&1; then
        echo "XS-TEST PASS formats/xl.c and xl 4.14's parse_config_data()" \
             "agree: $(grep '^xl 4.14:' "$tb/xl414.log")"
    else
        echo "XS-TEST FAIL formats/xl.c and xl 4.14's parse_config_data():"
        tail -20 "$tb/xl414.log"
        xl414=1
    fi
fi
XS_TESTBED_DISK=$disk bash "$here/testbed.sh" run "$build" "$here/restore-test.sh"
rc=$?
[ $xl414 -eq 0 ] || rc=1
grep -h 'XS-TEST \(FAIL\|RESULT\)' "$tb/console.log" | tr -d '\r'
echo "xen testbed: $(($(date +%s) - start)) s in all"
if [ -n "$disk" ]; then
    start414=$(date +%s)
    XS_TESTBED_XEN=4.14 XS_TESTBED_DISK=$disk \
        bash "$here/testbed.sh" run "$build" "$here/restore-test-414.sh"
    rc414=$?
    grep -h 'XS-TEST \(FAIL\|RESULT\)' "$tb/console-4.14.log" | tr -d '\r' |
        sed 's/^/Xen 4.14: /'
    echo "xen testbed, Xen 4.14 boot: $(($(date +%s) - start414)) s"
    rm -f "$disk"
    [ $rc -ne 0 ] || rc=$rc414
elif [ "${XS_TESTBED_414:-1}" != 0 ]; then
    echo "SKIPPED: the Xen 4.14 boot (testbed.sh build414 exit $rc414)"
    [ $rc414 -eq 77 ] || [ $rc -ne 0 ] || rc=1
fi
exit $rc
