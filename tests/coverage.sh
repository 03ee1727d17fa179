#!/usr/bin/env bash
# Line coverage of the library (floor/, formats/ and core/) after a test run in a
# build configured with -DXENSTREAM_COVERAGE=ON, from gcov itself.
#
#   tests/coverage.sh BUILD_DIR [MIN_PERCENT]     (default 90)
#
# Prints one line per source file and the total; fails below the minimum.
set -uo pipefail
B=$(cd "$1" && pwd)
MIN=${2:-90}
SRC=$(cd "$(dirname "$0")/.." && pwd)
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
total=0 hit=0
printf '%-24s %7s %7s\n' file lines covered
for src in "$SRC"/floor/*.c "$SRC"/formats/*.c "$SRC"/core/*.c; do
    rel=${src#"$SRC"/}
    OBJ=$B/CMakeFiles/xs_${rel%%/*}.dir  # one object target per folder
    gcda=$OBJ/$rel.gcda
    # a file of data alone (formats/cpufeatures.c: a generated table) has
    # no line to run and gets no .gcda
    if [ ! -f "$gcda" ] && ! nm "$OBJ/$rel.o" 2>/dev/null | grep -q ' [Tt] '; then
        printf '%-24s %7s %7s\n' "$rel" 0 "(data)"
        continue
    fi
    if [ ! -f "$gcda" ]; then
        echo "no coverage data for $rel (run the tests first)" >&2
        exit 1
    fi
    # gcov -n: print, write nothing; the source's own "File" block
    out=$(cd "$T" && gcov -n -o "$OBJ/$rel.o" "$src" 2>/dev/null |
          awk -v f="$src" '$0 ~ "^File .*" f "'"'"'" {p=1; next}
                           p && /^Lines executed:/ {print; exit}')
    pct=$(echo "$out" | sed -n 's/Lines executed:\([0-9.]*\)% of \([0-9]*\)/\1 \2/p')
    [ -n "$pct" ] || { echo "gcov gave nothing for $rel" >&2; exit 1; }
    read -r p n <<<"$pct"
    h=$(awk -v p="$p" -v n="$n" 'BEGIN{printf "%d", p * n / 100 + 0.5}')
    total=$((total + n)); hit=$((hit + h))
    printf '%-24s %7d %6.1f%%\n' "$rel" "$n" "$p"
done
pct=$(awk -v h=$hit -v t=$total 'BEGIN{printf "%.1f", 100 * h / t}')
printf '%-24s %7d %6.1f%%   (target %d%%)\n' "floor+formats+core" $total "$pct" "$MIN"
awk -v p="$pct" -v m="$MIN" 'BEGIN{exit !(p >= m)}' || {
    echo "line coverage $pct% is below $MIN%" >&2; exit 1; }
