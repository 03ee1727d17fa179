#!/usr/bin/env bash
# The suite under valgrind memcheck: no invalid access, no use of
# uninitialised memory, no definite or indirect leak, in the Check suites
# (XS_TEST_QUICK=1: every-offset loops at a stride of 97; XS_TEST_SAMPLE=20:
# one loop case in 20)
# and in every command on a sample of images.  Fails on any finding.
#
#   tests/valgrind.sh BUILD_DIR
set -uo pipefail
B=$(cd "$1" && pwd)
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
VG="valgrind -q --error-exitcode=99 --leak-check=full --trace-children=yes
    --errors-for-leak-kinds=definite,indirect --track-fds=no"
command -v valgrind >/dev/null || { echo "valgrind: not installed" >&2; exit 1; }
fail=0

suite() { # NAME
    if XS_TEST_QUICK=1 XS_TEST_SAMPLE=20 CK_FORK=no $VG "$B/tests/$1" >"$T/$1.log" 2>&1; then
        echo "valgrind $1: clean ($(tail -1 "$T/$1.log"))"
    else
        echo "valgrind $1: FAILED"; tail -40 "$T/$1.log"; return 1
    fi
}
export -f suite
export B T VG
# every command, on valid, invalid and truncated images
X=$B/xenstream G=$B/xs-gen
"$G" --container xl --guest pv64 --version 2 --pages 200 --checkpoint -o "$T/xl.img"
"$G" --container libvirt --guest hvm --version 3 --pages 200 -o "$T/lv.img"
"$G" --container xenserver --guest hvm --version 2 --pages 200 -o "$T/xs.img"
"$G" --container xl --guest hvm --version 2 --pages 200 --gzip -o "$T/z.img.gz"
"$G" --guest pv64 --version 3 --pages 1200 -o "$T/big.img"
"$G" --guest hvm --every-other --pages 2000 -o "$T/holes.img"
head -c 30000 "$T/xl.img" >"$T/cut.img"
cp "$T/xl.img" "$T/bad.img"
printf '\x03' | dd of="$T/bad.img" bs=1 seek=$((32 + 16 + 40)) conv=notrunc 2>/dev/null
mkdir -p "$T/store/sub"
cp "$T/xl.img" "$T/z.img.gz" "$T/cut.img" "$T/store/"
cp "$T/lv.img" "$T/bad.img" "$T/store/sub/"
mkfifo "$T/store/sub/fifo"

# The commands run as two jobs beside the suites (four valgrinds on two
# cores keep both busy to the end); each job has its own out and err
# files (J) and counts its runs (n).
vgrun() { # WANT ARGS...
    local want=$1; shift
    $VG "$X" "$@" >"$T/out$J" 2>"$T/err$J" </dev/null
    local rc=$?
    n=$((n + 1))
    if [ $rc != "$want" ]; then
        echo "valgrind xenstream $*: exit $rc, expected $want"
        grep -v "^  *|" "$T/err$J" | head -30
        fail=1
    fi
}
# Under helgrind, which reports data races and lock misuse between
# threads: the store's workers, search's reading thread, gzip's
# compressing threads and the writing ring.  (A coverage build counts with atomic updates,
# -fprofile-update=atomic, which helgrind does not report; gcov's own
# runtime functions are left out; every other report fails.)
hgrun() { # WANT ARGS...
    local want=$1; shift
    valgrind -q --tool=helgrind "$X" "$@" >"$T/out$J" 2>"$T/err$J" </dev/null
    local rc=$? races
    n=$((n + 1))
    races=$(python3 - "$T/err$J" <<'PY'
import re, sys
text = open(sys.argv[1], errors="replace").read()
blocks = re.split(r"^==\d+== -{20,}$", text, flags=re.M)
print(sum(1 for b in blocks if re.search(r"^==\d+== [A-Z]", b, re.M)
          and "Thread-Announcement" not in b and "__gcov" not in b))
PY
)
    if [ "$rc" = "$want" ] && [ "$races" = 0 ]; then
        echo "helgrind xenstream $*: clean"
    else
        echo "helgrind xenstream $*: FAILED (exit $rc, $races reports)"
        grep -v "__gcov" "$T/err$J" | head -60; fail=1
    fi
}

# every command on the valid images; the invalid ones refused
images() {
J=.images n=0
for img in xl.img lv.img xs.img z.img.gz; do
    vgrun 0 verify --xen 4.17 "$T/$img"
    vgrun 0 upgrade "$T/$img" -o "$T/up-$img"
    vgrun 0 convert --to-version 2 --drop-cpu-policy "$T/$img" -o "$T/down.img"
    vgrun 0 info --json --digest "$T/$img"
    vgrun 0 dump --json "$T/$img"
    vgrun 0 digest "$T/$img"
    vgrun 0 diff "$T/$img" "$T/up-$img"
    for f in xc-core elf raw; do
        vgrun 0 export -f $f "$T/$img" -o "$T/mem.out"
    done
    # "xen-": a match or two (a pattern of zeros matches a million
    # times, minutes under valgrind)
    vgrun 0 search --hex 78656e2d -C 4 "$T/$img"
    vgrun 0 search --regex 'xen-[0-9.]+' --json "$T/$img"
done
vgrun 1 verify "$T/cut.img"
vgrun 1 upgrade "$T/cut.img" -o "$T/never.img"
vgrun 1 verify "$T/bad.img"
vgrun 1 verify --xen 4.13 "$T/lv.img"
vgrun 1 diff "$T/xl.img" "$T/lv.img"
vgrun 2 convert "$T/xl.img"
# restore, as far as a machine without Xen goes (tests/xen/ goes further)
if "$X" --version | grep -q '^live backend: built ('; then
    vgrun 1 restore -e "$T/lv.img"
    vgrun 1 restore -e "$T/cut.img"
    vgrun 3 restore -e "$T/z.img.gz"
else
    vgrun 2 restore "$T/xl.img"
fi
echo "valgrind xenstream: $n runs on images"
return $fail
}

# a store on 4 workers (memcheck), every report format; and the threads
# under helgrind
threads() {
J=.threads n=0
for fmt in text json junit tap sarif; do
    vgrun 1 verify -r -j 4 --format $fmt "$T/store"
done
hgrun 1 verify -r -j 4 --format junit "$T/store"
hgrun 0 search --hex 78656e2d -C 4 "$T/big.img"
hgrun 0 search --regex 'xen-[0-9.]+' "$T/big.img"
hgrun 0 upgrade --gzip -T 3 "$T/big.img" -o "$T/big.gz"
# a decoded transport is written, and a digest hashed, on a thread of
# its own (struct ring)
hgrun 0 upgrade "$T/big.gz" -o "$T/big.out"
hgrun 0 digest "$T/big.img"
# a raw export's holes: the ring writes each run at its own offset
hgrun 0 export -f raw "$T/holes.img" -o "$T/holes.raw"
echo "valgrind xenstream: $n runs on the store and threads"
return $fail
}
images >"$T/images.log" 2>&1 &
images_pid=$!
threads >"$T/threads.log" 2>&1 &
threads_pid=$!
# check_backend and check_xlu exist when the live backend is built
export XS_XLU_CASES=300
printf '%s\n' check_pipeline check_containers check_libxc check_compat \
    check_release check_digest \
    $([ -x "$B/tests/check_backend" ] && echo check_backend check_xlu) |
    xargs -P 2 -I{} bash -c 'suite {}' || fail=1

wait $images_pid || fail=1
wait $threads_pid || fail=1
cat "$T/images.log" "$T/threads.log"
exit $fail
