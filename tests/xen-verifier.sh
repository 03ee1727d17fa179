#!/usr/bin/env bash
# Fetch Xen's reference checker verify-stream-v2 from Debian's
# xen-utils-4.17 into DEST (unpacked with dpkg -x: nothing is installed).
#   xen-verifier.sh DEST   -> exit 0 when DEST holds a working checker
set -u
DEST=$1
BIN=$DEST/usr/lib/xen-4.17/bin/verify-stream-v2
PY=$DEST/usr/lib/xen-4.17/lib/python
works() {
    command -v python3 >/dev/null &&
        PYTHONPATH=$PY python3 "$BIN" --help >/dev/null 2>&1
}
if [ -f "$BIN" ] && works; then
    echo "cached in $DEST"
    exit 0
fi
command -v apt-get >/dev/null || { echo "no apt-get on this machine"; exit 1; }
command -v python3 >/dev/null || { echo "no python3 on this machine"; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# apt-get download writes into the current directory, as the _apt user
# where it can: give it a directory it may write.
chmod 777 "$tmp"
if ! (cd "$tmp" && apt-get download xen-utils-4.17 >"$tmp/log" 2>&1); then
    echo "apt-get download xen-utils-4.17 failed: $(tail -1 "$tmp/log")"
    exit 1
fi
mkdir -p "$DEST"
dpkg -x "$tmp"/xen-utils-4.17_*.deb "$DEST" || { echo "dpkg -x failed"; exit 1; }
works || { echo "verify-stream-v2 does not run here"; exit 1; }
echo "$(basename "$tmp"/xen-utils-4.17_*.deb) unpacked into $DEST"
