#!/usr/bin/env bash
# Speed and memory of xenstream against anchor commands measured in the
# same run on the same file (never a timed test: these machines are shared).
#
#   bench/bench.sh [BUILD_DIR] [MIB]     defaults: build 1024
#
# Prints one table: operation, xenstream wall and peak RSS, the anchor
# command and its wall, and the ratio xenstream/anchor.  Each figure is the
# best of 3 runs on a warm page cache.
set -euo pipefail
B=$(cd "${1:-build}" && pwd)
MIB=${2:-1024}
XS=$B/xenstream
GEN=$B/xs-gen
W=${BENCH_DIR:-$B/bench}
mkdir -p "$W"
HERE=$(cd "$(dirname "$0")" && pwd)

IMG=$W/pv64-${MIB}m.v2
if [ ! -s "$IMG" ] || [ "$GEN" -nt "$IMG" ]; then
    echo "generating a ${MIB} MiB v2 PV image: $IMG" >&2
    "$GEN" --guest pv64 --version 2 --mib "$MIB" --vcpus 4 -o "$IMG"
fi
SIZE=$(stat -c %s "$IMG")

# the realistic image (bench/realistic.py: mostly zero pages, code and
# text, as a real guest's; about 10x with gzip -1), made when first wanted
REAL=$W/real-hvm-${MIB}m.v2
real_image() {
    if [ ! -s "$REAL" ] || [ "$GEN" -nt "$REAL" ]; then
        echo "generating a ${MIB} MiB realistic v2 xl image: $REAL" >&2
        "$GEN" --container xl --guest hvm --version 2 --mib "$MIB" --vcpus 4 \
            --zero-pages -o "$REAL"
        python3 "$HERE/realistic.py" "$XS" "$REAL"
    fi
}

# best wall time of 3 runs of a command line, and its peak RSS (KiB)
# (bench/measure.py: only spawn and wait inside the clock)
measure() {
    python3 "$HERE/measure.py" "${BENCH_RUNS:-3}" "$1"
}

# the same, the two commands alternating (bench/measure.py), best of
# BENCH_ALT_RUNS (5): the compression rows, whose anchors are as fast as
# xenstream and share its cores
arow() { # NAME XS_CMD ANCHOR_NAME ANCHOR_CMD
    local m
    m=$(python3 "$HERE/measure.py" "${BENCH_ALT_RUNS:-5}" "$2" "$4") || exit 1
    read -r xw xr aw _ <<<"$m"
    ARATIO=$(awk -v xw="$xw" -v aw="$aw" 'BEGIN{print (aw > 0 ? xw / aw : 0)}')
    awk -v n="$1" -v xw="$xw" -v xr="$xr" -v an="$3" -v aw="$aw" 'BEGIN{
        r = aw > 0 ? xw / aw : 0;
        printf "%-22s %8.4fs %8.1f MiB   %-22s %8.4fs %7.3fx\n",
               n, xw, xr / 1024, an, aw, r }'
}

row() { # NAME XS_CMD ANCHOR_NAME ANCHOR_CMD
    local x a
    x=$(measure "$2") && a=$(measure "$4") || exit 1
    read -r xw xr <<<"$x"
    read -r aw _ <<<"$a"
    awk -v n="$1" -v xw="$xw" -v xr="$xr" -v an="$3" -v aw="$aw" 'BEGIN{
        r = aw > 0 ? xw / aw : 0;
        printf "%-22s %8.4fs %8.1f MiB   %-22s %8.4fs %7.3fx\n",
               n, xw, xr / 1024, an, aw, r }'
}

cat "$IMG" >/dev/null # warm the cache
echo "image: $IMG ($((SIZE / 1048576)) MiB, libxc v2, x86 PV 64-bit)"
echo "machine: $(nproc) cores, $(awk '/MemTotal/{printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(uname -r)"
printf '%-22s %9s %12s   %-22s %9s %8s\n' operation xenstream "peak RSS" anchor "anchor" ratio
# BENCH_BASE=0 leaves out these rows (the transport rows run alone)
if [ "${BENCH_BASE:-1}" = 1 ]; then
    row "verify (file)" "$XS verify -q $IMG" \
        "cat >/dev/null" "cat $IMG"
    row "verify (pipe)" "cat $IMG | $XS verify -q -" \
        "cat | cat >/dev/null" "cat $IMG | cat >/dev/null"
    row "info (file)" "$XS info $IMG" \
        "cat >/dev/null" "cat $IMG"
    row "digest (file)" "$XS digest $IMG" \
        "cat >/dev/null" "cat $IMG"
    row "digest (pipe)" "cat $IMG | $XS digest -" \
        "cat | cat >/dev/null" "cat $IMG | cat >/dev/null"
    row "diff (v2 vs itself)" "$XS diff $IMG $IMG" \
        "cat A B >/dev/null" "cat $IMG $IMG"
    # the rows that write 1 GiB come last, so that their writeback does not
    # run under the read-only rows
    row "upgrade file->file" "$XS upgrade $IMG -o $W/out" \
        "cp" "cp $IMG $W/out"
    # Issue 17: export writes about the image's size (elf, xc-core: the pages
    # and headers; raw: the same less its zero pages, left as holes): cp of
    # the image is the anchor, alternating with it (the goal: within 1.2x).
    # search reads every final page once: cat is its anchor.
    # The output is removed before each run, outside the clock (MEASURE_RM):
    # raw leaves every zero page a hole, and freeing the extents of the last
    # run's file is the file system's cost, not the export's (bench/measure.py).
    export MEASURE_RM=$W/out
    arow "export elf file->file" "$XS export -f elf $IMG -o $W/out" \
        "cp" "cp $IMG $W/out"
    arow "export raw file->file" "$XS export -f raw $IMG -o $W/out" \
        "cp" "cp $IMG $W/out"
    arow "export xc-core ->file" "$XS export -f xc-core $IMG -o $W/out" \
        "cp" "cp $IMG $W/out"
    # The synthetic image's every fourth page is zero: raw's file has a
    # 4 KiB hole after every 12 KiB of data, 65536 extents a GiB, and a
    # write call each.  The floor: a program that only makes those writes
    # (bench/sparse_writer.c, nothing read), against the same cp.
    if cc -O2 -o "$W/sparse_writer" "$HERE/sparse_writer.c" 2>/dev/null; then
        arow "raw's writes alone" \
            "$W/sparse_writer $W/out $((MIB << 20)) 12288 4096" \
            "cp" "cp $IMG $W/out"
    fi
    # cp making the same file: the guest's memory laid out flat (export
    # --no-sparse, on tmpfs, outside the clock) copied with
    # --sparse=always, which leaves the same zero pages as holes with a
    # write call per data run, as raw must.
    O_TMP=${BENCH_OUT:-/dev/shm}/xenstream-export.$$
    mkdir -p "$O_TMP"
    raw_vs_sparse_cp() { # NAME IMAGE
        "$XS" export -f raw --no-sparse "$2" -o "$O_TMP/flat"
        arow "$1" "$XS export -f raw $2 -o $W/out" \
            "cp --sparse=always" "cp --sparse=always $O_TMP/flat $W/out"
        rm -f "$O_TMP/flat"
    }
    raw_vs_sparse_cp "export raw file->file" "$IMG"
    # The same on tmpfs, and raw of the realistic image (zero pages in
    # runs, as a guest's are), show what the export itself costs.
    export MEASURE_RM=$O_TMP/out
    arow "export raw ->tmpfs" "$XS export -f raw $IMG -o $O_TMP/out" \
        "cp >tmpfs" "cp $IMG $O_TMP/out"
    real_image
    export MEASURE_RM=$W/out
    arow "export raw (realistic)" "$XS export -f raw $REAL -o $W/out" \
        "cp" "cp $REAL $W/out"
    raw_vs_sparse_cp "export raw (realistic)" "$REAL"
    arow "export elf (realistic)" "$XS export -f elf $REAL -o $W/out" \
        "cp" "cp $REAL $W/out"
    rm -rf "$O_TMP"
    unset MEASURE_RM
    arow "search --hex (file)" "$XS search --hex 0123456789abcdef $IMG" \
        "cat >/dev/null" "cat $IMG"
    arow "search --regex (file)" "$XS search --regex 'xen-3\\.0-x86_(64|32)' $IMG" \
        "cat >/dev/null" "cat $IMG"
    # search's floor: a program that only reads the file through one 1 MiB
    # buffer from search's allocator and finds the same needle with
    # search's own code (floor/bigmem.h, core/find.h; bench/read_scan.c),
    # against the same cat
    if cc -O2 -I "$HERE/../core" -I "$HERE/../floor" -I "$HERE/../include" \
        -o "$W/read_scan" "$HERE/read_scan.c" "$HERE/../floor/buf.c" \
        2>/dev/null; then
        arow "search's read+scan alone" "$W/read_scan $IMG 0123456789abcdef" \
            "cat >/dev/null" "cat $IMG"
    fi
    # pipe->pipe ends in /dev/null: what is measured is the pipeline, not the
    # disk (a file's writeback swamped it; the file rows measure writing)
    row "upgrade pipe->pipe" "cat $IMG | $XS upgrade | cat >/dev/null" \
        "cat | cat | cat" "cat $IMG | cat | cat >/dev/null"
    VSV2=$B/xen-utils/usr/lib/xen-4.17/bin/verify-stream-v2
    if [ -f "$VSV2" ] && [ "${BENCH_VSV2:-1}" = 1 ]; then
        row "verify (file)" "$XS verify -q $IMG" \
            "verify-stream-v2" "env PYTHONPATH=$B/xen-utils/usr/lib/xen-4.17/lib/python python3 $VSV2 -i $IMG"
    fi
    # Issue 3: the same on a real container (an xl save file of an HVM guest,
    # with its emulator records), and gzip input against gzip -dc.
    XL=$W/xl-hvm-${MIB}m.v2
    if [ ! -s "$XL" ] || [ "$GEN" -nt "$XL" ]; then
        echo "generating a ${MIB} MiB v2 xl image: $XL" >&2
        "$GEN" --container xl --guest hvm --version 2 --mib "$MIB" --vcpus 4 -o "$XL"
    fi
    GZ=$XL.gz
    { [ -s "$GZ" ] && [ "$GZ" -nt "$XL" ]; } || gzip -1 -c "$XL" >"$GZ"
    cat "$XL" "$GZ" >/dev/null
    echo "xl image: $XL ($(($(stat -c %s "$XL") / 1048576)) MiB); gzip -1 of it: $(($(stat -c %s "$GZ") / 1048576)) MiB"
    row "xl upgrade file->file" "$XS upgrade $XL -o $W/out" \
        "cp" "cp $XL $W/out"
    row "xl upgrade pipe->pipe" "cat $XL | $XS upgrade | cat >/dev/null" \
        "cat | cat | cat" "cat $XL | cat | cat >/dev/null"
    row "xl verify (file)" "$XS verify -q $XL" \
        "cat >/dev/null" "cat $XL"
    row "gzip upgrade ->file" "$XS upgrade $GZ -o $W/out" \
        "gzip -dc >file" "gzip -dc $GZ >$W/out"
    row "gzip verify" "$XS verify -q $GZ" \
        "gzip -dc >/dev/null" "gzip -dc $GZ"
fi
# Issue 16: the transports against the fastest tools, on the synthetic
# image above (random pages: the hard case) and on a realistic one
# (bench/realistic.py: mostly zero pages, code and text, as a real
# guest's; about 10x with gzip -1).  Outputs go to tmpfs (BENCH_OUT,
# /dev/shm) or /dev/null, so that the disk is not what is measured.
# Needs igzip (Debian: isal), pigz and zstd; BENCH_TRANSPORTS=0 skips.
if [ "${BENCH_TRANSPORTS:-1}" = 1 ]; then
    O=${BENCH_OUT:-/dev/shm}/xenstream-bench.$$
    mkdir -p "$O"
    trap 'rm -rf "$O"' EXIT
    real_image
    echo "gzip codec: $("$XS" --version | sed -n 's/^transports: gzip (\(.*\)), zstd$/\1/p'); cores: $(nproc)"
    for which in synthetic realistic; do
        I=$([ $which = synthetic ] && echo "$IMG" || echo "$REAL")
        cp "$I" "$O/in"
        igzip -1 -c "$O/in" >"$O/in.gz"
        zstd -q -1 -T0 -c "$O/in" >"$O/in.zst"
        echo "$which image: $I ($(($(stat -c %s "$I") / 1048576)) MiB); igzip -1: $(($(stat -c %s "$O/in.gz") / 1048576)) MiB, zstd -1: $(($(stat -c %s "$O/in.zst") / 1048576)) MiB"
        arow "gzip verify" "$XS verify -q $O/in.gz" \
            "igzip -dc >/dev/null" "igzip -dc $O/in.gz"
        arow "gzip upgrade ->tmpfs" "$XS upgrade $O/in.gz -o $O/out" \
            "igzip -dc >tmpfs" "igzip -dc $O/in.gz >$O/out"
        arow "gzip upgrade ->tmpfs" "$XS upgrade $O/in.gz -o $O/out" \
            "gzip -dc >tmpfs" "gzip -dc $O/in.gz >$O/out"
        arow "upgrade --gzip -T1" "$XS upgrade --gzip -T1 $O/in -o $O/out.gz" \
            "igzip -1 >tmpfs" "igzip -1 -c $O/in >$O/out.gz"
        arow "upgrade --gzip" "$XS upgrade --gzip $O/in -o $O/out.gz" \
            "igzip -1 >tmpfs" "igzip -1 -c $O/in >$O/out.gz"
        arow "upgrade --gzip" "$XS upgrade --gzip $O/in -o $O/out.gz" \
            "pigz -1 >tmpfs" "pigz -1 -c $O/in >$O/out.gz"
        arow "upgrade --gzip=6" "$XS upgrade --gzip=6 $O/in -o $O/out.gz" \
            "gzip -6 >tmpfs" "gzip -6 -c $O/in >$O/out.gz"
        # compression on every core against one: the ratio is the time
        # (1.7x the throughput is a ratio of 0.59 or less)
        arow "--gzip=9 -T2 >null" "$XS upgrade --gzip=9 -T2 $O/in >/dev/null" \
            "--gzip=9 -T1 >null" "$XS upgrade --gzip=9 -T1 $O/in >/dev/null"
        arow "--gzip -T2 >null" "$XS upgrade --gzip -T2 $O/in >/dev/null" \
            "--gzip -T1 >null" "$XS upgrade --gzip -T1 $O/in >/dev/null"
        awk -v r="$ARATIO" -v c="$(nproc)" 'BEGIN{ t = r > 0 ? 1 / r : 0;
            printf "--gzip on 2 threads: %.2fx the throughput of 1 (target 1.7x%s: %s)\n",
                   t, (c < 2 ? ", needs 2 cores" : ""), (t >= 1.7 ? "met" : "NOT met") }'
        arow "zstd verify" "$XS verify -q $O/in.zst" \
            "zstd -dc >/dev/null" "zstd -q -dc $O/in.zst"
        arow "zstd upgrade ->tmpfs" "$XS upgrade $O/in.zst -o $O/out" \
            "zstd -dc >tmpfs" "zstd -q -dc $O/in.zst >$O/out"
        arow "upgrade --zstd" "$XS upgrade --zstd $O/in -o $O/out.zst" \
            "zstd -T0 -1 >tmpfs" "zstd -q -T0 -1 -c $O/in >$O/out.zst"
        # item 4: a pipe through each transport, against its tool in the
        # same place of the same pipeline (into /dev/null)
        arow "gzip pipe->pipe" "cat $O/in.gz | $XS upgrade | cat >/dev/null" \
            "| igzip -dc |" "cat $O/in.gz | igzip -dc | cat >/dev/null"
        arow "zstd pipe->pipe" "cat $O/in.zst | $XS upgrade | cat >/dev/null" \
            "| zstd -dc |" "cat $O/in.zst | zstd -q -dc | cat >/dev/null"
        arow "pipe->pipe --gzip" "cat $O/in | $XS upgrade --gzip | cat >/dev/null" \
            "| pigz -1 |" "cat $O/in | pigz -1 | cat >/dev/null"
        arow "pipe->pipe --zstd" "cat $O/in | $XS upgrade --zstd | cat >/dev/null" \
            "| zstd -T0 -1 |" "cat $O/in | zstd -q -T0 -1 | cat >/dev/null"
        # what each level costs in size, against gzip -6
        sizes="sizes (MiB):"
        for lv in 1 6 9; do
            "$XS" upgrade --gzip=$lv "$O/in" -o "$O/out.gz"
            sizes="$sizes --gzip=$lv $(($(stat -c %s "$O/out.gz") / 1048576)),"
        done
        "$XS" upgrade --zstd "$O/in" -o "$O/out.zst"
        gzip -6 -c "$O/in" >"$O/out.gz"
        echo "$sizes --zstd $(($(stat -c %s "$O/out.zst") / 1048576)), gzip -6 $(($(stat -c %s "$O/out.gz") / 1048576))"
        rm -f "$O"/*
    done
    # peak RSS with N threads: what a thread adds
    line="peak RSS, upgrade --gzip / --zstd of the realistic image:"
    for t in 1 2 4; do
        kg=$(BENCH_RUNS=0 measure "$XS upgrade --gzip -T$t $REAL -o /dev/null") || exit 1
        kz=$(BENCH_RUNS=0 measure "$XS upgrade --zstd -T$t $REAL -o /dev/null") || exit 1
        line="$line -T$t $(awk -v g="${kg#* }" -v z="${kz#* }" 'BEGIN{printf "%.1f / %.1f MiB", g/1024, z/1024}'),"
    done
    echo "${line%,}"
fi
# Peak RSS must not grow with the image (issue 5: under 16 MiB at 256 MiB
# and at 2 GiB): the same commands on both sizes.
if [ "${BENCH_RSS:-1}" = 1 ]; then
    for mib in 256 2048; do
        R=$W/pv64-${mib}m.v2
        if [ ! -s "$R" ] || [ "$GEN" -nt "$R" ]; then
            echo "generating a ${mib} MiB v2 PV image: $R" >&2
            "$GEN" --guest pv64 --version 2 --mib "$mib" --vcpus 4 -o "$R"
        fi
        line="peak RSS at ${mib} MiB:"
        for op in "upgrade $R -o $W/out" "verify -q $R" "info $R" "digest $R"; do
            kb=$(BENCH_RUNS=0 measure "$XS $op") || exit 1
            kb=${kb#* }
            line="$line ${op%% *} $(awk -v k="$kb" 'BEGIN{printf "%.1f", k/1024}') MiB,"
        done
        # diff keeps a hash per pfn: it grows with the guest (documented)
        kb=$(BENCH_RUNS=0 measure "$XS diff $R $R") || exit 1
        kb=${kb#* }
        echo "$line diff $(awk -v k="$kb" 'BEGIN{printf "%.1f", k/1024}') MiB"
        # issue 16 item 5: compressing on N threads, the bound per thread
        # README states (4.5 MiB: gzip's blocks, zstd's 2 MiB jobs at level
        # 1), at 256 MiB and at 2 GiB alike
        for codec in gzip zstd; do
            line="peak RSS at ${mib} MiB, upgrade --$codec:"
            k1=""
            for t in 1 2 4; do
                kb=$(BENCH_RUNS=0 measure "$XS upgrade --$codec -T$t $R -o /dev/null") || exit 1
                kb=${kb#* }
                [ -n "$k1" ] || k1=$kb
                line="$line -T$t $(awk -v k="$kb" 'BEGIN{printf "%.1f", k/1024}') MiB,"
            done
            echo "$line" | awk -v k1="$k1" -v k4="$kb" '{
                per = (k4 - k1) / 3 / 1024; bound = 4.5;
                sub(/,$/, "");
                printf "%s %.1f MiB per thread (bound %.1f: %s)\n", $0, per,
                       bound, per <= bound ? "met" : "NOT met" }'
        done
    done
    # diff keeps a hash per data page and nothing per pfn without data
    # (docs/behaviour.md §6): a 256 MiB guest declaring 8 million pfns
    # without data (XTAB/XALLOC, 64 MB of pfn entries), diffed against
    # itself; its peak RSS above verify's, per data page and image (man: at
    # most 64 bytes)
    H=$W/pv64-256m-holes.v3
    if [ ! -s "$H" ] || [ "$GEN" -nt "$H" ]; then
        echo "generating a 256 MiB PV image with 8M pfns without data: $H" >&2
        "$GEN" --guest pv64 --mib 256 --holes 8000000 --vcpus 4 -o "$H"
    fi
    pages=$("$XS" verify --json "$H" | python3 -c 'import json,sys; print(json.load(sys.stdin)["pages"])')
    kd=$(BENCH_RUNS=0 measure "$XS diff $H $H") || exit 1
    kv=$(BENCH_RUNS=0 measure "$XS verify -q $H") || exit 1
    awk -v d="${kd#* }" -v v="${kv#* }" -v p="$pages" 'BEGIN{
        printf "diff peak RSS with 8M pfns without data: %.1f MiB (verify %.1f MiB), %d data pages: %.1f bytes per data page and image\n",
               d / 1024, v / 1024, p, (d - v) * 1024 / (2 * p) }'
fi
"$XS" verify --json "$IMG" | python3 -c 'import json,sys; d=json.load(sys.stdin); print("verify read %d of %d bytes (%.2f%%)" % (d["bytes_read"], d["bytes"], 100.0*d["bytes_read"]/d["bytes"]))'
rm -f "$W/out"
# Issue 18: verify -j over a store of images (bench/store.sh; BENCH_STORE=0
# leaves it out, BENCH_STORE_N and BENCH_STORE_MIB make it smaller)
if [ "${BENCH_STORE:-1}" = 1 ]; then
    echo
    bash "$HERE/store.sh" "$B"
fi
