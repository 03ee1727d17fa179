#!/usr/bin/env bash
# verify -j over a store (issue 18): the throughput of `xenstream verify -q
# -r -j N` over a directory of images against -j 1, on the same files in
# the same run.  Target: 100 images of 64 MiB on 2 cores, -j 2 at least
# 1.8x the throughput of -j 1.
#
#   bench/store.sh [BUILD_DIR]
#   BENCH_STORE_N      images (100)
#   BENCH_STORE_MIB    MiB of guest memory per image (64)
#   BENCH_STORE_GZIP   gzip images for a second store, decompressed by
#                      verify: CPU-bound (10; 0: none)
#   BENCH_RUNS         alternating runs; each figure is the fastest (5)
#
# Prints one row per store and -j: the wall time, the throughput (image
# bytes per second), the ratio of -j 1's time over this one's, and the
# peak RSS (one more run under GNU time, bench/measure.py).  The runs of
# the -j values alternate (1, 2, default, 1, 2, default, ...), so that a
# shared machine's slow moment does not fall on one of them only.
set -euo pipefail
B=$(cd "${1:-build}" && pwd)
XS=$B/xenstream
GEN=$B/xs-gen
W=${BENCH_DIR:-$B/bench}
N=${BENCH_STORE_N:-100}
MIB=${BENCH_STORE_MIB:-64}
RUNS=${BENCH_RUNS:-5}
HERE=$(cd "$(dirname "$0")" && pwd)

# make_store DIR N [XS-GEN-OPTION]: N images of MIB MiB, distinct seeds,
# containers and guests in turn (regenerated when xs-gen is newer)
make_store() {
    local d=$1 N=$2 i c g
    shift 2
    local cs=(libxc xl libxl libvirt xenserver) gs=(pv64 hvm pv32)
    mkdir -p "$d"
    for ((i = 0; i < N; i++)); do
        c=${cs[$((i % 5))]}
        g=${gs[$((i % 3))]}
        f=$d/$(printf '%03d' "$i")-$c-$g.img
        if [ ! -s "$f" ] || [ "$GEN" -nt "$f" ]; then
            "$GEN" --container "$c" --guest "$g" --mib "$MIB" --seed $((i + 1)) \
                "$@" -o "$f"
        fi
    done
    # images from an earlier, larger N
    find "$d" -name '*.img' | sort | tail -n +$((N + 1)) | xargs -r rm -f
}

# bench_store NAME DIR: the rows for -j 1, -j 2 and the default -j
bench_store() {
    local name=$1 d=$2 bytes r j
    bytes=$(find "$d" -name '*.img' -printf '%s\n' | awk '{s += $1} END {print s}')
    cat "$d"/*.img >/dev/null # warm the cache
    "$XS" verify -q -r "$d" || { echo "verify -r $d failed" >&2; exit 1; }
    local -A best rss
    local js=(1 2 default)
    for ((r = 0; r < RUNS; r++)); do
        for j in "${js[@]}"; do
            local opt="-j $j"
            [ "$j" = default ] && opt=""
            read -r w k < <(python3 "$HERE/measure.py" 1 "$XS verify -q -r $opt $d")
            if [ -z "${best[$j]:-}" ] || awk -v a="$w" -v b="${best[$j]}" 'BEGIN{exit !(a < b)}'; then
                best[$j]=$w
            fi
            rss[$j]=$k
        done
    done
    for j in "${js[@]}"; do
        awk -v n="$name" -v j="$j" -v w="${best[$j]}" -v w1="${best[1]}" \
            -v b="$bytes" -v k="${rss[$j]}" 'BEGIN{
            printf "%-26s %-11s %8.4fs %9.1f MiB/s %7.2fx %8.1f MiB\n",
                   n, "-j " j, w, b / 1048576 / w, w1 / w, k / 1024 }'
    done
    awk -v n="$name" -v w1="${best[1]}" -v w2="${best[2]}" 'BEGIN{
        r = w1 / w2;
        printf "%s: -j 2 has %.2fx the throughput of -j 1 (target 1.8x: %s)\n",
               n, r, (r >= 1.8 ? "met" : "NOT met") }'
}

echo "machine: $(nproc) cores, $(awk '/MemTotal/{printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(uname -r); default -j: the cores available"
echo "store: $N images of $MIB MiB (xs-gen, distinct seeds, containers and guests in turn); fastest of $RUNS alternating runs, warm cache"
printf '%-26s %-11s %9s %15s %8s %12s\n' store jobs wall throughput ratio "peak RSS"
make_store "$W/store-${MIB}m" "$N"
bench_store "files (${N}x${MIB} MiB)" "$W/store-${MIB}m"
NGZ=${BENCH_STORE_GZIP:-10}
if [ "$NGZ" -gt 0 ]; then
    make_store "$W/store-${MIB}m-gz" "$NGZ" --gzip
    bench_store "gzip (${NGZ}x${MIB} MiB)" "$W/store-${MIB}m-gz"
fi
