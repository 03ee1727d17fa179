#!/usr/bin/env bash
# ctest's xen_restore: build the Xen testbed (tests/xen/testbed.sh) and run
# tests/xen/restore-test.sh in its dom0.  Exit 77 (skipped, with the reason
# on standard error) when this xenstream has no live backend or the Debian
# packages for the testbed cannot be had.
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
bash "$here/testbed.sh" run "$build" "$here/restore-test.sh"
rc=$?
grep -h 'XS-TEST \(FAIL\|RESULT\)' "$build/xen-testbed/console.log" | tr -d '\r'
echo "xen testbed: $(($(date +%s) - start)) s in all"
exit $rc
