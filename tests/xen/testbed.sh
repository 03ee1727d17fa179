#!/usr/bin/env bash
# A real Xen to test against, under QEMU's software emulation (no KVM is
# needed).  Builds into BUILD/xen-testbed, installs nothing on the host:
#
#   tests/xen/testbed.sh build BUILD XENSTREAM   fetch Debian's Xen 4.17 and
#       kernel packages (apt-get download, dpkg -x), make dom0's initramfs
#       (busybox, the Xen tools, XENSTREAM and the shared libraries they
#       need, taken from this Debian 12 host) and a guest initramfs
#   tests/xen/testbed.sh build414 BUILD          after build: fetch Debian
#       11's Xen 4.14 (hypervisor, tools and their libraries; curl from
#       deb.debian.org, checked against the signed InRelease) and make a
#       second dom0 of the same kernel and busybox with them
#   tests/xen/testbed.sh run BUILD SCRIPT        boot Xen + dom0, run SCRIPT
#       in dom0 as root, print dom0's console; the exit status is SCRIPT's
#       (reported on the console as "XS-TESTBED EXIT n").  XS_TESTBED_XEN=4.14
#       boots the 4.14 one (console-4.14.log); XS_TESTBED_DISK=FILE attaches
#       FILE as dom0's /dev/vda (raw, virtio): how saves go from one boot
#       to the next
#
# Exit 77 (skipped) with a message when a package or tool is unavailable.
set -euo pipefail
mode=${1:?usage: testbed.sh build|build414|run BUILD ...}
build=$(cd "${2:?BUILD directory}" && pwd)
here=$(cd "$(dirname "$0")" && pwd)
tb=$build/xen-testbed
skip() { echo "SKIPPED: xen testbed: $*" >&2; exit 77; }

# Packages taken apart, never installed: the hypervisor, its tools, a kernel.
XEN_PKGS="xen-hypervisor-4.17-amd64 xen-utils-4.17 xen-utils-common
          xenstore-utils"

fetch_debs() {
    mkdir -p "$tb/debs"
    cd "$tb/debs"
    local kpkg
    # (awk reads to the end: one that exits at the first match can make
    # apt-cache die of SIGPIPE, and with pipefail and set -e the
    # assignment ends this script without a word)
    kpkg=$(apt-cache depends linux-image-amd64 2>/dev/null |
           awk '/Depends: linux-image-[0-9]/ && !k {k = $2} END {print k}')
    [ -n "$kpkg" ] || skip "apt-cache knows no linux-image-amd64 (run apt-get update)"
    if ! ls ./*.deb >/dev/null 2>&1 || [ ! -e ".$kpkg" ]; then
        rm -f ./*.deb
        # shellcheck disable=SC2086
        apt-get download $XEN_PKGS "$kpkg" >download.log 2>&1 ||
            skip "apt-get download failed: $(tail -1 download.log)"
        touch ".$kpkg"
    fi
    cd - >/dev/null
}

# Copy each file and the shared libraries it loads (as this host resolves
# them; the testbed's dom0 is this same Debian release).
copy_with_libs() { # ROOT FILE...
    local root=$1; shift
    local f lib
    for f in "$@"; do
        for lib in $(ldd "$f" 2>/dev/null | awk '/=> \// {print $3} /^\t\/lib/ {print $1}'); do
            # (found in ROOT itself by LD_LIBRARY_PATH: the 4.14 libraries)
            case $lib in "$root"/*) continue ;; esac
            [ -e "$root$lib" ] && continue
            mkdir -p "$root$(dirname "$lib")"
            cp -L "$lib" "$root$lib"
        done
    done
}

# A module and everything it depends on, in load order, into ROOT/modules.
add_module() { # ROOT MODDIR NAME
    local root=$1 moddir=$2 name=$3 ko dep
    ko=$(find "$moddir" -name "$name.ko" | head -1)
    [ -n "$ko" ] || { echo "no module $name" >&2; return 1; }
    # the .modinfo section's "depends=a,b" (as modinfo -F depends reads it)
    for dep in $(tr '\0' '\n' <"$ko" | sed -n 's/^depends=//p' | head -1 | tr ',' ' '); do
        add_module "$root" "$moddir" "$dep"
    done
    grep -qx "$name" "$root/modules/order" 2>/dev/null && return 0
    cp "$ko" "$root/modules/"
    echo "$name" >>"$root/modules/order"
}

make_cpio() { # DIR OUT
    (cd "$1" && find . | LC_ALL=C sort | cpio -o -H newc --quiet) >"$2"
}

build_testbed() {
    local xs=${3:?XENSTREAM binary}
    for t in qemu-system-x86_64 cpio; do
        command -v $t >/dev/null || skip "$t not found (Debian: qemu-system-x86, cpio)"
    done
    [ -x /bin/busybox ] || skip "busybox not found (Debian: busybox-static)"
    fetch_debs
    local x=$tb/pkgs root=$tb/dom0 guest=$tb/guest
    rm -rf "$x" "$root" "$guest"
    mkdir -p "$x"
    for d in "$tb"/debs/*.deb; do dpkg -x "$d" "$x"; done
    local kver
    kver=$(ls "$x/lib/modules")
    gunzip -c "$x"/boot/xen-4.17-amd64.gz >"$tb/xen"
    cp "$x/boot/vmlinuz-$kver" "$tb/vmlinuz"

    # the guest: a kernel and an init that prints a counter on its console
    mkdir -p "$guest"/{bin,proc,sys,dev}
    cp /bin/busybox "$guest/bin/"
    ln -s busybox "$guest/bin/sh"
    cat >"$guest/init" <<'GUEST'
#!/bin/busybox sh
/bin/busybox mount -t proc proc /proc
i=0
while :; do
    i=$((i + 1))
    echo "xs-guest tick $i"
    /bin/busybox sleep 1
done
GUEST
    chmod +x "$guest/init"
    # the kernel runs /sbin/poweroff when the toolstack asks for a shutdown
    mkdir -p "$guest/sbin"
    printf '#!/bin/busybox sh\nexec /bin/busybox poweroff -f\n' >"$guest/sbin/poweroff"
    chmod +x "$guest/sbin/poweroff"

    # dom0: busybox, Xen's tools, xenstream
    mkdir -p "$root"/{bin,sbin,proc,sys,dev,tmp,run,root,modules,guest,etc/xen} \
             "$root"/var/{lib/xen,log/xen/console,run/xen,run/xenstored,tmp}
    cp /bin/busybox "$root/bin/"
    for app in $(/bin/busybox --list); do
        [ -e "$root/bin/$app" ] || ln -s busybox "$root/bin/$app"
    done
    cp -a "$x/usr" "$root/"
    cp -a "$x/etc/xen" "$root/etc/" 2>/dev/null || true
    echo "autoballoon=\"off\"" >"$root/etc/xen/xl.conf"
    install -m 755 "$xs" "$root/bin/xenstream"
    # the live backend's helper, found beside xenstream
    install -m 755 "$(dirname "$xs")/xenstream-restore" "$root/bin/"
    # the test tool that edits a save's CPU policy (testdata/xs-policy-edit.c)
    install -m 755 "$(dirname "$xs")/xs-policy-edit" "$root/bin/"
    # and the one that compares two dump-core files (xs-core-compare.c)
    install -m 755 "$(dirname "$xs")/xs-core-compare" "$root/bin/"
    copy_with_libs "$root" "$root/bin/xenstream" "$root/bin/xenstream-restore" \
        "$root/bin/xs-policy-edit" "$root/bin/xs-core-compare" \
        "$root"/usr/lib/xen-4.17/bin/* \
        "$root"/usr/bin/xenstore*
    # loaded at run time by glibc's pthread_cancel (xl daemonizes with it)
    local gcc_s
    gcc_s=$(ldconfig -p | awk '/libgcc_s.so.1 .*x86-64/ && !g {g = $NF} END {print g}')
    [ -n "$gcc_s" ] && cp -L "$gcc_s" "$root/lib/x86_64-linux-gnu/"
    [ -e "$root/lib64/ld-linux-x86-64.so.2" ] || {
        mkdir -p "$root/lib64"; cp -L /lib64/ld-linux-x86-64.so.2 "$root/lib64/"; }
    local m
    # (virtio_blk: XS_TESTBED_DISK's /dev/vda)
    for m in xenfs xen-evtchn xen-gntdev xen-gntalloc xen-privcmd \
             virtio_pci virtio_blk; do
        add_module "$root" "$x/lib/modules/$kver" "$m"
    done
    cp "$tb/vmlinuz" "$root/guest/vmlinuz"
    make_cpio "$guest" "$root/guest/initrd"
    install -m 755 "$here/dom0-init" "$root/init"
    rm -rf "$x" # 400 MB of unpacked packages; the debs stay for next time
    echo "built: $tb (kernel $kver)"
}

# Debian 11's Xen 4.14, taken apart like the 4.17 packages.  Not from apt
# (this host's sources are Debian 12's): InRelease checked by gpgv with
# Debian's keyring, Packages.xz by its SHA256 there, each .deb by its
# SHA256 in Packages.  bullseye-security's Xen (4.14.5+94) is older than
# the point release's 4.14.6-1 in main, so main alone.
BULLSEYE=${XS_BULLSEYE_MIRROR:-http://deb.debian.org/debian}
XEN414_PKGS="xen-hypervisor-4.14-amd64 xen-utils-4.14 xen-utils-common
             xenstore-utils libxenmisc4.14 libxencall1 libxendevicemodel1
             libxenevtchn1 libxenforeignmemory1 libxengnttab1 libxenhypfs1
             libxenstore3.0 libxentoolcore1 libxentoollog1"

fetch_debs414() {
    local d=$tb/debs414 p f sum
    [ -e "$d/.done" ] && return 0
    for t in curl xz gpgv sha256sum; do
        command -v $t >/dev/null || skip "$t not found"
    done
    local keyring=/usr/share/keyrings/debian-archive-keyring.gpg
    [ -f $keyring ] || skip "no $keyring (Debian: debian-archive-keyring)"
    rm -rf "$d"
    mkdir -p "$d"
    cd "$d"
    curl -fsS -o InRelease "$BULLSEYE/dists/bullseye/InRelease" ||
        skip "cannot fetch $BULLSEYE/dists/bullseye/InRelease"
    gpgv --keyring $keyring InRelease >gpgv.log 2>&1 ||
        skip "bullseye InRelease: bad signature: $(tail -1 gpgv.log)"
    curl -fsS -o Packages.xz "$BULLSEYE/dists/bullseye/main/binary-amd64/Packages.xz" ||
        skip "cannot fetch bullseye's Packages.xz"
    sum=$(awk '/^SHA256:/ {s = 1; next} /^[^ ]/ {s = 0}
               s && $3 == "main/binary-amd64/Packages.xz" {print $1}' InRelease)
    echo "$sum  Packages.xz" | sha256sum -c --quiet ||
        skip "bullseye's Packages.xz does not match InRelease"
    xz -dc Packages.xz >Packages
    for p in $XEN414_PKGS; do
        # (split on purpose: the pool path and its SHA256)
        # shellcheck disable=SC2046
        set -- $(awk -v p="$p" -v RS= -F '\n' '{
                    ok = 0; f = ""; s = ""
                    for (i = 1; i <= NF; i++) {
                        if ($i == "Package: " p) ok = 1
                        if ($i ~ /^Filename: /) f = substr($i, 11)
                        if ($i ~ /^SHA256: /) s = substr($i, 9)
                    }
                    if (ok) print f, s
                 }' Packages | tail -1)
        [ $# -eq 2 ] || skip "bullseye has no $p"
        f=${1##*/}
        curl -fsS -o "$f" "$BULLSEYE/$1" || skip "cannot fetch $BULLSEYE/$1"
        echo "$2  $f" | sha256sum -c --quiet || skip "$f: SHA256 differs from Packages"
    done
    rm -f Packages Packages.xz
    touch .done
    cd - >/dev/null
}

# dom0 for Xen 4.14: the 4.17 dom0 (kernel modules, busybox, guest,
# xenstream, which loads no Xen library) without 4.17's tools and Xen
# libraries, with 4.14's and what they load from this host
build_testbed414() {
    local root=$tb/dom0-414 x=$tb/pkgs414
    [ -d "$tb/dom0" ] || skip "testbed not built ($0 build)"
    fetch_debs414
    rm -rf "$root" "$x"
    mkdir -p "$x"
    for d in "$tb"/debs414/*.deb; do dpkg -x "$d" "$x"; done
    gunzip -c "$x"/boot/xen-4.14-amd64.gz >"$tb/xen414"
    cp -a "$tb/dom0" "$root"
    rm -rf "${root:?}/usr" "$root/etc/xen" "$root"/lib/x86_64-linux-gnu/libxen* \
           "$root/bin/xenstream-restore" "$root/bin/xs-policy-edit" \
           "$root/bin/xs-core-compare"
    rm -rf "${x:?}/usr/lib/debug" "${x:?}/usr/share" "${x:?}/boot"
    cp -a "$x/usr" "$root/"
    cp -a "$x/etc/xen" "$root/etc/"
    echo "autoballoon=\"off\"" >"$root/etc/xen/xl.conf"
    LD_LIBRARY_PATH=$root/usr/lib/x86_64-linux-gnu \
        copy_with_libs "$root" "$root"/usr/lib/xen-4.14/bin/* "$root"/usr/bin/xenstore*
    rm -rf "$x"
    echo "built: $root (Xen $(ls "$tb"/debs414/xen-hypervisor-*.deb | sed 's/.*amd64_\(.*\)_amd64.deb/\1/'))"
}

run_testbed() {
    local script=${3:?SCRIPT} log=$tb/console.log xen=$tb/xen dom0=$tb/dom0
    local disk=()
    if [ "${XS_TESTBED_XEN:-4.17}" = 4.14 ]; then
        log=$tb/console-4.14.log xen=$tb/xen414 dom0=$tb/dom0-414
    fi
    [ -n "${XS_TESTBED_DISK:-}" ] &&
        disk=(-drive "file=$XS_TESTBED_DISK,format=raw,if=virtio")
    [ -f "$xen" ] || skip "testbed not built ($0 build)"
    rm -rf "$tb/run"
    mkdir -p "$tb/run"
    cp -a "$dom0/." "$tb/run/"
    install -m 755 "$script" "$tb/run/test.sh"
    install -m 644 "$here/lib.sh" "$tb/run/lib.sh"
    # XS_TESTBED_SLOW=1: the checks that take many minutes under QEMU too
    [ -n "${XS_TESTBED_SLOW:-}" ] && touch "$tb/run/xs-slow"
    make_cpio "$tb/run" "$tb/dom0.cpio"
    rm -rf "$tb/run"
    # Xen as the multiboot kernel; dom0's kernel and initramfs as modules.
    # qemu64 with SVM and nested paging: Xen needs SVM+NPT for PVH guests;
    # -cpu max makes dom0 crash.
    timeout "${XS_TESTBED_TIMEOUT:-1500}" qemu-system-x86_64 \
        -accel tcg -cpu qemu64,+svm,+npt -m 2048 -smp 2 \
        -nographic -no-reboot -nodefaults -serial stdio -monitor none \
        "${disk[@]}" -kernel "$xen" \
        -append "console=com1 com1=115200 dom0_mem=1280M,max:1280M dom0_max_vcpus=1 noreboot" \
        -initrd "$tb/vmlinuz console=hvc0 earlyprintk=xen rdinit=/init quiet,$tb/dom0.cpio" \
        </dev/null 2>&1 | tee "$log" | sed -u 's/^/  | /'
    local rc
    rc=$(sed -n 's/.*XS-TESTBED EXIT \([0-9]*\).*/\1/p' "$log" | tail -1)
    [ -n "$rc" ] || { echo "xen testbed: no exit status on the console (Xen or dom0 failed to boot, or timed out)" >&2; return 1; }
    return "$rc"
}

case $mode in
build) build_testbed "$@" ;;
build414) build_testbed414 "$@" ;;
run) run_testbed "$@" ;;
*) echo "usage: $0 build BUILD XENSTREAM | build414 BUILD | run BUILD SCRIPT" >&2; exit 2 ;;
esac
