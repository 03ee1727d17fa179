#!/usr/bin/env bash
# ctest's xen_restore: build the Xen testbed (tests/xen/testbed.sh) and run
# tests/xen/restore-test.sh in its dom0.  Exit 77 (skipped, with the reason
# on standard error) when this xenstream has no live backend or the Debian
# packages for the testbed cannot be had.
# Then a second boot, of Debian 11's Xen 4.14 (issue 15): the 4.17 run
# writes its PV save, and that save converted for 4.14, to a disk that the
# 4.14 dom0 reads (tests/xen/restore-test-414.sh).  When 4.14's packages
# cannot be had, only that part is skipped (a SKIPPED line, not exit 77).
# XS_TESTBED_414=0 leaves it out.
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
XS_TESTBED_DISK=$disk bash "$here/testbed.sh" run "$build" "$here/restore-test.sh"
rc=$?
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
