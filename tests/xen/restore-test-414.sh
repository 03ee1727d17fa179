#!/bin/sh
# Runs inside the testbed's Xen 4.14 dom0 (testbed.sh build414; run.sh
# boots it after the 4.17 one): the real 4.17 saves that restore-test.sh
# converted with `xenstream convert --to-xen 4.14` and wrote to /dev/vda
# (with the PV save as xl wrote it), each checked by
# `xenstream verify --xen V`, V this Xen's own version (xl info:
# 4.14.6 for Debian 11, whose stable releases raised 4.14.0's CPU
# policy limits), and restored by 4.14's `xl restore`.  Where verify
# says valid, xl restore must restore it and the guest's console count
# on from where it was saved; where verify refuses, xl restore must
# refuse it and leave no domain (issue 15).  One "XS-TEST PASS|FAIL"
# line per check; exit 1 on a failure.
. /lib.sh

echo "xl info: $(xl info | grep -E '^xen_(version|extra)' | tr -s ' ' | tr '\n' ' ')"
# this Xen's release as verify --xen takes it: "4.14.6" (xen_version is
# major.minor.patch on Debian's builds; anything after is left off)
V=$(xl info | sed -n 's/^xen_version *: *\([0-9]*\.[0-9]*\.[0-9]*\).*/\1/p')
[ -n "$V" ] || { fail "xl info gives no xen_version"; V=4.14; }
if [ ! -b /dev/vda ]; then
    fail "no /dev/vda: nothing carried from the 4.17 boot"
    echo "XS-TEST RESULT $passes passed, $fails failed"
    exit 1
fi
dd if=/dev/vda bs=4096 count=1 2>/dev/null | tr -d '\0' >/tmp/carry.idx
echo "carried from the 4.17 boot (NAME MIB BYTES SAVED_TICK):"
sed 's/^/    /' /tmp/carry.idx
[ -s /tmp/carry.idx ] || fail "the 4.17 boot carried nothing"
# the save as xl wrote it first: a refusal must leave nothing behind
{ grep "\.v3 " /tmp/carry.idx; grep -v "\.v3 " /tmp/carry.idx; } >/tmp/order
while read -r img at size saved; do
    t0=$(cut -d. -f1 /proc/uptime)
    g=${img%.*}
    f=/tmp/$img
    dd if=/dev/vda bs=1M skip="$at" count=$(((size + 1048575) / 1048576)) \
        2>/dev/null | head -c "$size" >"$f"
    check "$img: read from /dev/vda ($size bytes)" test "$(wc -c <"$f")" -eq "$size" ||
        continue
    xenstream verify --xen "$V" "$f" >/tmp/verify.out 2>&1
    vrc=$?
    sed 's/^/    verify: /' /tmp/verify.out
    echo "$img: xenstream verify --xen $V: exit $vrc"
    m=$(mark $g)
    xl restore "$f" >/tmp/xl.out 2>&1
    xrc=$?
    grep -v 'xc: progress' /tmp/xl.out | tail -12 | sed 's/^/    xl: /'
    echo "$img: xl restore: exit $xrc"
    if [ $vrc -eq 0 ]; then
        check "$img: verify --xen $V says valid, and xl restore restores it" \
            test $xrc -eq 0 &&
        check "$img: runs on Xen $V" runs_on $g "$saved" "$m"
    elif [ $xrc -ne 0 ]; then
        check "$img: verify --xen $V refuses it, and so does xl restore" true
        check "$img: no domain left" no_domain $g
    else
        fail "$img: verify --xen $V refuses it, xl restore restored it"
    fi
    xl destroy $g 2>/dev/null
    rm -f "$f"
    echo "$img: $(($(cut -d. -f1 /proc/uptime) - t0)) s"
done </tmp/order
xl list
echo "XS-TEST RESULT $passes passed, $fails failed"
[ $fails -eq 0 ]
