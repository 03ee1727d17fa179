#!/bin/sh
# Runs inside the testbed's dom0 (tests/xen/testbed.sh run): real xl saves
# of a PV and a PVH guest, turned into v2 images by xenstream, restored by
# `xl restore` after `xenstream upgrade` and by `xenstream restore` (from
# a file, a pipe, gzip, a bare libxl stream with --config, with the
# watcher); corrupted copies refused with no domain left.  Each save is
# also checked against this host's CPU policies (xen-cpuid -p): edited to
# carry features the host lacks or a max leaf above its own, verify's
# prediction is compared with what xl restore did, bit for bit.
# After each restore the guest's console must keep counting from where it
# was saved.  One "XS-TEST PASS|FAIL" line per check; exit 1 on a failure.
. /lib.sh

# an offset to corrupt: the X86_TSC_INFO record's type, after the pages
corrupt_at() { # IMAGE
    xenstream dump "$1" | awk '$2 == "libxc" && $3 == "X86_TSC_INFO" {print $1; exit}'
}
# bytes of IMAGE with the record type at OFF made unknown (0x7fff, not
# optional), to standard output
corrupted() { # IMAGE OFF
    head -c $(($2)) "$1"
    printf '\377\177'
    tail -c +$(($2 + 3)) "$1"
}

# Issue 15's Xen 4.14 boot (tests/xen/run.sh runs restore-test-414.sh
# there): with a disk attached as /dev/vda, the PV guest's real save goes
# to it as xl wrote it and as `xenstream convert --to-xen 4.14.6` (the
# release that boot runs, Debian 11's) writes it, or, where that refuses,
# as the v2 stream without CPU policy records (`convert --to-xen 4.13
# --drop-cpu-policy`: 4.14 reads v2 too).  RELEASE-4.14.0's own limits
# (one MSR) refuse the save; verify --xen 4.14 must say so and name the
# point release that takes it, and the conversion that 4.14.0 takes too:
# `convert --to-xen 4.14 --drop-cpu-policy`, v3 without the policy
# records, which goes to the 4.14 boot as well.  The PV guest only: each restore under
# QEMU's emulation costs the CI run tens of seconds (the PVH guest's v2
# restored and ran on 4.14 the same way when tried).  At MiB offsets,
# named by the index in the first MiB: one "NAME MIB BYTES SAVED_TICK"
# line each.
X414=4.14.6
carry() { # NAME FILE SAVED_TICK (in check's subshell: state in the index)
    at=$(cat /tmp/carry.idx 2>/dev/null |
         awk '{a = $2 + int(($3 + 1048575) / 1048576)} END {print a ? a : 1}')
    size=$(wc -c <"$2") &&
    dd if="$2" of=/dev/vda bs=1M seek="$at" conv=notrunc 2>/dev/null &&
    echo "$1 $at $size $3" >>/tmp/carry.idx &&
    dd if=/tmp/carry.idx of=/dev/vda conv=notrunc 2>/dev/null &&
    echo "$1: $size bytes at MiB $at of /dev/vda"
}
carry_save() { # TYPE NAME SAVED_TICK
    [ -b /dev/vda ] && [ "$1" = pv ] || return 0
    t=$1 g=$2
    check "$t: the save as xl wrote it, to the 4.14 boot" carry $g.v3 /tmp/$g.v3 "$3"
    xenstream verify --xen 4.14 /tmp/$g.v3 >/tmp/v414.out 2>&1
    rc=$?
    sed 's/^/    /' /tmp/v414.out
    check "$t: verify --xen 4.14 (4.14.0's limits) refuses it, naming the 4.14.y that takes it" \
        sh -c "[ $rc -eq 1 ] && grep -q 'later 4.14 releases take it' /tmp/v414.out"
    # and the conversion 4.14.0 itself takes: v3 without the policy records
    # (4.14's libxl derives the policy, as for a v2 stream)
    check "$t: ... and names convert --to-xen 4.14 --drop-cpu-policy" \
        grep -q 'convert --to-xen 4.14 --drop-cpu-policy' /tmp/v414.out &&
    check "$t: convert --to-xen 4.14 --drop-cpu-policy" xenstream convert \
        --to-xen 4.14 --drop-cpu-policy -o /tmp/$g.np /tmp/$g.v3 &&
    check "$t: verify --xen 4.14 passes on it" xenstream verify --xen 4.14 /tmp/$g.np &&
    check "$t: ... to the 4.14 boot" carry $g.np /tmp/$g.np "$3"
    xenstream convert --to-xen $X414 -o /tmp/$g.414 /tmp/$g.v3 >/tmp/conv.out 2>&1
    rc=$?
    sed 's/^/    /' /tmp/conv.out
    if [ $rc -eq 0 ]; then
        check "$t: convert --to-xen $X414, to the 4.14 boot" carry $g.414 /tmp/$g.414 "$3"
    else
        check "$t: convert --to-xen $X414 refuses it (exit 1), as verify --xen $X414 does" \
            sh -c "[ $rc -eq 1 ] && ! xenstream verify -q --xen $X414 /tmp/$g.v3"
        check "$t: convert --to-xen 4.13 --drop-cpu-policy" xenstream convert \
            --to-xen 4.13 --drop-cpu-policy -o /tmp/$g.v2 /tmp/$g.v3 &&
        check "$t: ... to the 4.14 boot" carry $g.v2 /tmp/$g.v2 "$3"
    fi
    rm -f /tmp/$g.414 /tmp/$g.v2 /tmp/$g.np
}

# Will it restore on THIS host (issue 15): the host's policies as
# xen-cpuid -p prints them, and each save checked against them unchanged,
# with CPU features the QEMU CPU lacks (Xen restores it and clears them:
# the prediction must name exactly the bits Xen cleared), and with a max
# basic leaf above the host's (Xen refuses it)
xen-cpuid -p >/tmp/host.txt
echo "xen-cpuid -p: $(head -1 /tmp/host.txt)"
LOSE=avx2,avx512f
# the feature names of A's policy that B lacks, from `xenstream diff`
cleared() { # A B
    xenstream diff --all --no-progress "$1" "$2" 2>/dev/null | tr ';' '\n' |
        sed -n 's/^ *\(.*\) set in A, clear in B$/\1/p' | tr ' ' '\n' |
        sort | tr '\n' ' '
}
# the features verify --host-policy says the guest loses
predicted() { # IMAGE
    xenstream verify --host-policy /tmp/host.txt "$1" 2>&1 |
        sed -n 's/.*policy lacks: \([^;]*\);.*/\1/p' | tr -d ' ' |
        tr ',' '\n' | sort | tr '\n' ' '
}
host_checks() { # TYPE NAME SAVED_TICK
    type=$1 g=$2 saved=$3
    check "$type: verify --host-policy of the save as it is" \
        xenstream verify --host-policy /tmp/host.txt /tmp/$g.v3
    cp /tmp/$g.v3 /tmp/$g.lose
    check "$type: policy edited: $LOSE set" xs-policy-edit --set $LOSE /tmp/$g.lose
    want=$(echo $LOSE | tr ',' '\n' | sort | tr '\n' ' ')
    p=$(predicted /tmp/$g.lose)
    echo "$type: verify --host-policy predicts the guest loses: $p"
    check "$type: verify --host-policy names exactly $LOSE" test "$p" = "$want"
    check "$type: verify --host-policy refuses it (exit 1)" sh -c \
        "xenstream verify -q --host-policy /tmp/host.txt /tmp/$g.lose; test \$? -eq 1"
    check "$type: ... and passes it with --allow-feature-loss" xenstream verify \
        -q --host-policy /tmp/host.txt --allow-feature-loss /tmp/$g.lose
    check "$type: xenstream restore refuses it" sh -c \
        "xenstream restore -e /tmp/$g.lose; test \$? -eq 1"
    check "$type: no domain left (feature loss)" no_domain $g
    m=$(mark $g)
    if check "$type: xl restore restores it" xl restore /tmp/$g.lose; then
        id=$(xl domid $g)
        echo "$type: xen-cpuid -p $id (the restored domain), leaf 7:"
        xen-cpuid -p "$id" | grep -i '^ *00000007:00000000'
        check "$type: runs with the features cleared" runs_on $g "$saved" "$m"
        check "$type: xl save of the restored domain" xl save $g /tmp/$g.after
        a=$(cleared /tmp/$g.lose /tmp/$g.after)
        echo "$type: Xen cleared: $a; predicted: $p"
        check "$type: the prediction is what Xen did" test "$a" = "$p"
        u=$(cleared /tmp/$g.v3 /tmp/$g.after)
        check "$type: nothing else of the guest's features was cleared" \
            test -z "$u"
        rm -f /tmp/$g.after
    fi
    xl destroy $g 2>/dev/null
    m=$(mark $g)
    check "$type: xenstream restore --allow-feature-loss runs it" \
        xenstream restore -e --allow-feature-loss /tmp/$g.lose &&
    check "$type: runs after restore --allow-feature-loss" runs_on $g "$saved" "$m"
    xl destroy $g 2>/dev/null
    rm -f /tmp/$g.lose

    cp /tmp/$g.v3 /tmp/$g.leaf
    check "$type: policy edited: max basic leaf 0x20" \
        xs-policy-edit --max-leaf 0x20 /tmp/$g.leaf
    check "$type: verify --host-policy predicts the refusal" sh -c \
        "xenstream verify --host-policy /tmp/host.txt /tmp/$g.leaf 2>&1 |
             grep 'max basic leaf'"
    check "$type: xl restore really refuses it" sh -c \
        "! xl restore /tmp/$g.leaf"
    check "$type: no domain left (xl)" no_domain $g
    check "$type: xenstream restore refuses it" sh -c \
        "xenstream restore -e /tmp/$g.leaf; test \$? -eq 1"
    check "$type: no domain left (xenstream)" no_domain $g
    rm -f /tmp/$g.leaf

    # the same guest under another name, by a replaced config
    sed "s/^name = .*/name = \"${g}b\"/" /tmp/$g.cfg >/tmp/${g}b.cfg
    m=$(mark ${g}b)
    check "$type: xenstream restore --config with another name" \
        xenstream restore -e --config /tmp/${g}b.cfg /tmp/$g.v3 &&
    check "$type: runs under the new name" runs_on ${g}b "$saved" "$m"
    xl destroy ${g}b 2>/dev/null
}

for type in pv pvh; do
    g=xs$type
    cat >/tmp/$g.cfg <<CFG
name = "$g"
type = "$type"
kernel = "/guest/vmlinuz"
ramdisk = "/guest/initrd"
extra = "console=hvc0 quiet"
memory = 128
vcpus = 1
on_crash = "preserve"
CFG
    rm -f "$(console $g)"
    check "$type: xl create" xl create /tmp/$g.cfg || continue
    check "$type: guest console counts" ticks_after $g 3 || continue
    # xl dump-core of the running guest, then its save at once (a PV
    # guest must run to answer the suspend request): xenstream export of
    # the save must be the same dump-core file but for what the guest did
    # in between (issue 17).  The PV guest only, unless XS_TESTBED_SLOW
    # is set (tests/xen/testbed.sh leaves /xs-slow in dom0): xl dump-core
    # of an HVM guest tries every pfn up to its highest (the special
    # pages just under 4 GiB: a million pfns, a failed mapping each),
    # which under QEMU's emulation takes more than ten minutes
    core=false
    { [ $type = pv ] || [ -e /xs-slow ]; } && core=true
    $core && check "$type: xl dump-core" xl dump-core $g /tmp/$g.core
    check "$type: xl save" xl save $g /tmp/$g.v3 || continue
    saved=$(last_tick $g)
    if $core && check "$type: xenstream export --format xc-core of the save" \
        xenstream export --format xc-core -o /tmp/$g.xscore /tmp/$g.v3; then
        xs-core-compare /tmp/$g.core /tmp/$g.xscore 95 >/tmp/cmp.out 2>&1
        rc=$?
        sed 's/^/    /' /tmp/cmp.out
        check "$type: export against xl dump-core: sections, notes, pfns, 95% of pages, vCPU fields" \
            test $rc -eq 0
    fi
    rm -f /tmp/$g.core /tmp/$g.xscore
    echo "$type: saved at tick $saved"
    check "$type: xenstream verify of xl's v3 save" xenstream verify /tmp/$g.v3
    carry_save $type $g "$saved" # (XS-CARRY-ONLY: continue)
    host_checks $type $g "$saved"
    check "$type: convert to v2" xenstream convert --to-version 2 \
        --drop-cpu-policy -o /tmp/$g.v2 /tmp/$g.v3 || continue
    rm -f /tmp/$g.v3
    check "$type: the v2 image is v2" sh -c \
        "xenstream info /tmp/$g.v2 | grep -q 'libxc v2'"

    # (1) upgrade, then xl's own restore
    m=$(mark $g)
    check "$type: xenstream upgrade" xenstream upgrade -o /tmp/$g.up /tmp/$g.v2 &&
    check "$type: xl restore of the upgrade" xl restore /tmp/$g.up &&
    check "$type: runs after upgrade + xl restore" runs_on $g "$saved" "$m"
    xl destroy $g 2>/dev/null
    rm -f /tmp/$g.up

    # (2) xenstream restore of the v2 image, from the file (PV), then a
    # pipe.  The PVH guest takes only what differs by guest type (its
    # records, a half-made HVM domain destroyed): a file, gzip and
    # --check-first read the same for both, and each restore under QEMU's
    # emulation costs the CI run a core for tens of seconds
    if [ $type = pv ]; then
        m=$(mark $g)
        check "$type: xenstream restore v2 file" xenstream restore -e /tmp/$g.v2 &&
        check "$type: runs after xenstream restore (file)" runs_on $g "$saved" "$m"
        xl destroy $g 2>/dev/null
    fi
    m=$(mark $g)
    check "$type: xenstream restore v2 from a pipe" sh -c \
        "cat /tmp/$g.v2 | xenstream restore -e -" &&
    check "$type: runs after xenstream restore (pipe)" runs_on $g "$saved" "$m"
    xl destroy $g 2>/dev/null

    # a gzip-compressed image through a pipe, saved and checked first (PV)
    if [ $type = pv ]; then
        m=$(mark $g)
        check "$type: xenstream restore --check-first of gzip'd v2 from a pipe" sh -c \
            "gzip -1 -c /tmp/$g.v2 | xenstream restore -e --check-first -" &&
        check "$type: runs after xenstream restore (gzip)" runs_on $g "$saved" "$m"
        xl destroy $g 2>/dev/null
    fi

    # the bare libxl stream inside the xl file, with the xl config text
    # given by --config (read by xenstream's own config reader)
    at=$(xenstream dump /tmp/$g.v2 | awk '$2 == "libxl" && $3 == "header" {print $1; exit}')
    tail -c +$((at + 1)) /tmp/$g.v2 >/tmp/$g.libxl
    m=$(mark $g)
    check "$type: bare libxl stream without a config: usage error" sh -c \
        "xenstream restore -e /tmp/$g.libxl; test \$? -eq 2"
    check "$type: xenstream restore --config (xl text) of the bare libxl stream" \
        xenstream restore -e --config /tmp/$g.cfg /tmp/$g.libxl &&
    check "$type: runs after restore --config" runs_on $g "$saved" "$m"
    rm -f /tmp/$g.libxl
    if [ $type = pv ]; then
        # without -e a watcher applies on_poweroff (destroy) at shutdown
        xl shutdown $g >/dev/null 2>&1
        sleep 3
        xl destroy $g 2>/dev/null
        m=$(mark $g)
        check "$type: xenstream restore with the watcher" \
            xenstream restore /tmp/$g.v2 &&
        check "$type: runs (watched)" runs_on $g "$saved" "$m" &&
        check "$type: xl shutdown: the watcher destroys the domain" sh -c \
            "xl shutdown $g; i=0; while xl domid $g >/dev/null 2>&1; do
                 i=\$((i + 1)); [ \$i -lt 60 ] || break; sleep 1; done;
             xl list; cat /var/log/xen/xenstream-$g.log; [ \$i -lt 60 ]"
    fi
    xl destroy $g 2>/dev/null

    # (3) a corrupted copy: refused; from a file before any domain exists,
    # from a pipe after the pages went in (the domain is destroyed)
    off=$(corrupt_at /tmp/$g.v2)
    if [ -z "$off" ]; then fail "$type: no X86_TSC_INFO to corrupt"; continue; fi
    corrupted /tmp/$g.v2 "$off" >/tmp/$g.bad
    rm -f /tmp/$g.v2
    check "$type: corrupted file refused (exit 1)" sh -c \
        "xenstream restore -e /tmp/$g.bad; test \$? -eq 1"
    check "$type: no domain left (file)" no_domain $g
    check "$type: corrupted pipe refused (exit 1)" sh -c \
        "cat /tmp/$g.bad | xenstream restore -e -; test \$? -eq 1"
    check "$type: no domain left (pipe)" no_domain $g
    if [ $type = pv ]; then
        check "$type: corrupted pipe with --check-first: refused before any domain" sh -c \
            "cat /tmp/$g.bad | xenstream restore -e --check-first - >/tmp/out 2>&1
             rc=\$?; cat /tmp/out; [ \$rc -eq 1 ] && ! grep -q half-made /tmp/out"
        check "$type: no domain left (--check-first)" no_domain $g
    fi
    rm -f /tmp/$g.bad
done
xl list
echo "XS-TEST RESULT $passes passed, $fails failed"
[ $fails -eq 0 ]
