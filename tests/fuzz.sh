#!/usr/bin/env bash
# A bounded run of every libFuzzer target (fuzz/fuzz_layer.c) under ASan +
# UBSan, seeded from the test generator; part of the test command.
#
#   tests/fuzz.sh FUZZ_BUILD_DIR [SECONDS_PER_TARGET]     (default 40)
#
# Two targets run at a time.  Prints, per target, the executions and the
# corpus size; fails on any crash, leak, timeout or out-of-memory, and
# leaves the input that caused it beside the corpus (crash-*, leak-*, ...).
set -uo pipefail
B=$(cd "$1" && pwd)
SECS=${2:-40}
C=$B/corpus
GEN=$B/xs-gen
TARGETS="stream libxc libxl xl libvirt xenserver gzip zstd host_policy export xl_config"
mkdir -p "$C/gen"

# ---- seeds: generated streams, cut to each target's input form ----------
# (a mode byte, then the layer's content after the prefix the target adds)
seed() { # TARGET NAME MODE_BYTE SKIP FILE
    mkdir -p "$C/seed-$1"
    { printf "\\x$3"; tail -c +$(($4 + 1)) "$5"; } >"$C/seed-$1/$2"
}
for c in libxc libxl xl libvirt xenserver; do
    for v in 2 3; do
        for g in pv64 pv32 hvm; do
            f="$C/gen/$c-$g-$v"
            extra=""
            [ $c != libxc ] && [ $v = 3 ] && extra=--checkpoint
            [ $v = 2 ] && extra="--optional --erratum"
            "$GEN" --container $c --guest $g --version $v --pages 16 \
                --batch 8 --vcpus 1 $extra -o "$f" || exit 1
            seed stream "$c-$g-$v" 00 0 "$f"
            mode=$(( v == 3 ? 8 : 0 )); [ $g = hvm ] && mode=$((mode | 16))
            case $c in
            libxc) seed libxc "$g-$v" "$(printf %02x $mode)" 40 "$f"
                # export: the same records, each format and search
                for k in 0 1 2 3; do
                    seed export "$g-$v-$k" "$(printf %02x $((mode | k)))" 40 "$f"
                done ;;
            libxl) seed libxl "$g-$v" 00 16 "$f" ;;
            xl) seed xl "$g-$v" 00 32 "$f" ;;
            libvirt) seed libvirt "$g-$v" 00 16 "$f" ;;
            xenserver) seed xenserver "$g-$v" 00 15 "$f" ;;
            esac
            seed gzip "$c-$g-$v" 80 0 "$f" # compressed by the target
            seed zstd "$c-$g-$v" 80 0 "$f"
        done
    done
done
"$GEN" --container xl --pages 16 --batch 8 --vcpus 1 --gzip -o "$C/gen/xl.gz"
seed gzip raw-xl 00 10 "$C/gen/xl.gz"
seed stream xl-gz 00 0 "$C/gen/xl.gz"
zstd -q -1 -c "$C/gen/xl-pv64-2" >"$C/gen/xl.zst"
seed zstd raw-xl 00 4 "$C/gen/xl.zst"
seed stream xl-zst 00 0 "$C/gen/xl.zst"
seed stream xl-v3-xen 04 0 "$C/gen/xl-pv64-3"   # --xen 4.0 rules
seed stream xl-v3-to2 03 0 "$C/gen/xl-hvm-3"    # to v2, drop policy
seed export xl-gz-elf 21 0 "$C/gen/xl.gz"         # any container, spooled
seed export xl-hvm-core 20 0 "$C/gen/xl-hvm-3"

# host_policy: what xen-cpuid -p prints, as the tests write it
SRC=$(cd "$(dirname "$0")/.." && pwd)
mkdir -p "$C/seed-host_policy"
python3 "$SRC/tests/hostpolicy.py" "$SRC" fpu sse2 avx2 lm rdcl-no \
    >"$C/seed-host_policy/intel"
python3 "$SRC/tests/hostpolicy.py" "$SRC" --vendor AuthenticAMD --no-pv \
    --platform-info 0x80000000 fpu avx512f >"$C/seed-host_policy/amd"

# xl_config: the release's minor in the first byte, then xl text
mkdir -p "$C/seed-xl_config"
printf '\x11name = "g"\ntype = "pvh"\nvcpus = 2\ncpus = "0-1,^1"\nmemory = 128\ndisk = [ "phy:/dev/vg/g,xvda,w", "format=qcow2, vdev=xvdb, access=ro, target=/srv/b.qcow2", ",,hdc:cdrom,r" ]\non_crash = "preserve"\n' \
    >"$C/seed-xl_config/pvh"
printf '\x08name = "g"\nbuilder = "hvm"\ndisk = [ "vdev=xvda, colo, colo-port=9, format=qed, target=/x", "tap:aio:/x,xvdb,w" ]\n' \
    >"$C/seed-xl_config/old"
printf '\x12name = "g"\nchannel = [ "name=a, connection=socket, path=/x", "connection=pty" ]\nvif = [ "bridge=x, rate=10Mb/s@20ms" ]\n' \
    >"$C/seed-xl_config/devices"

# ---- the runs ---------------------------------------------------------------
run() { # TARGET
    local t=$1 dir="$C/$1"
    mkdir -p "$dir" "$C/art-$t"
    ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
    "$B/fuzz_$t" "$dir" "$C/seed-$t" -max_total_time="$SECS" -timeout=10 \
        -rss_limit_mb=2048 -max_len=131072 -print_final_stats=1 \
        -artifact_prefix="$C/art-$t/" >"$C/$t.log" 2>&1
    echo $? >"$C/$t.rc"
}
export -f run
export B C SECS
echo "fuzzing each of: $TARGETS for ${SECS}s (two at a time)"
printf '%s\n' $TARGETS | xargs -P 2 -I{} bash -c 'run {}'

fail=0
printf '%-10s %12s %8s  %s\n' target executions corpus result
for t in $TARGETS; do
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$C/$t.log" | tail -1)
    n=$(find "$C/$t" -type f | wc -l)
    rc=$(cat "$C/$t.rc")
    arts=$(find "$C/art-$t" -type f | head -3)
    if [ "$rc" = 0 ] && [ -z "$arts" ]; then
        res="no finding"
    else
        res="FAILED (exit $rc): ${arts:-see $C/$t.log}"
        fail=1
        grep -E "ERROR|SUMMARY|runtime error" "$C/$t.log" | head -5
    fi
    printf '%-10s %12s %8s  %s\n' "$t" "${execs:-?}" "$n" "$res"
done
exit $fail
