#!/usr/bin/env bash
# The transports (gzip, zstd: docs/behaviour.md §1, §2, §8) through the
# command line, on whichever gzip codec this build has (ISA-L or zlib;
# CI runs this on both): every command that reads, from a file and a
# pipe, against the uncompressed golden; what upgrade writes (valid for
# gzip -t and zstd -t, the same bytes for any -T); damaged input (exit 1,
# the layer and the compressed offset named, no OUT, END withheld on a
# pipe); bounded memory for a bomb.
#
#   transports.sh XENSTREAM XS_GEN
set -u
XS=$1
GEN=$2
. "$(dirname "$0")/lib.sh"
for tool in gzip zstd; do
    command -v $tool >/dev/null || { echo "SKIP: no $tool(1)"; exit 77; }
done
"$XS" --version | grep -q '^transports: gzip (\(ISA-L\|zlib\)), zstd$' && ok ||
    bad "--version does not name the gzip codec: $("$XS" --version)"

# ---- reading: every command, file and pipe, against the golden -------------
# 12 MiB, a few 1 MiB gzip members once written
"$GEN" --container xl --guest hvm --version 2 --pages 3000 -o "$T/img.v2"
expect 0 "$XS" upgrade "$T/img.v2" -o "$T/gold.v3"
"$XS" dump "$T/img.v2" >"$T/dump.gold"
"$XS" digest "$T/img.v2" | sed 1s/' .*'// >"$T/digest.gold"
gzip -c "$T/img.v2" >"$T/img.gz"
zstd -q -c "$T/img.v2" >"$T/img.zst"
for t in gz zst; do
    name=$([ $t = gz ] && echo gzip || echo zstd)
    f=$T/img.$t
    expect 0 "$XS" upgrade "$f" -o "$T/up"
    cmp -s "$T/up" "$T/gold.v3" && ok || bad "$name: upgrade of a file"
    cat "$f" | "$XS" upgrade >"$T/up" && cmp -s "$T/up" "$T/gold.v3" && ok ||
        bad "$name: upgrade of a pipe"
    expect 0 "$XS" verify "$f"
    grep -q "$name+xl+libxl+libxc v2" "$T/out" && ok || bad "$name: verify: $(cat "$T/out")"
    cat "$f" | expect 0 "$XS" verify -
    expect 0 "$XS" info "$f"
    grep -q "^layers: *$name+xl+libxl+libxc" "$T/out" && ok || bad "$name: info"
    "$XS" dump "$f" | cmp -s - "$T/dump.gold" && ok || bad "$name: dump"
    "$XS" digest "$f" | sed 1s/' .*'// | cmp -s - "$T/digest.gold" && ok ||
        bad "$name: digest"
    expect 0 "$XS" diff "$T/img.v2" "$f"
    if "$XS" --version | grep -q '^live backend: built ('; then
        # --check-first spools the decoded stream, checks it, then asks Xen
        cat "$f" | expect 3 "$XS" restore -e --check-first -
        grep -q 'talk to Xen' "$T/err" && ok || bad "$name: restore --check-first"
    fi
done
# the trailer's length (ISIZE) is checked, not only the CRC
python3 -c "
import sys; b = bytearray(open(sys.argv[1], 'rb').read()); b[-1] ^= 1
open(sys.argv[2], 'wb').write(b)" "$T/img.gz" "$T/isize.gz"
expect 1 "$XS" verify "$T/isize.gz"
grep -q "gzip: the compressed data is damaged near compressed offset 0x" "$T/err" && ok ||
    bad "gzip ISIZE not checked: $(cat "$T/err")"

# ---- writing: --gzip[=L], --zstd[=L], OUT's suffix, -T --------------------
for lv in "" =0 =1 =6 =9; do
    expect 0 "$XS" upgrade --gzip$lv "$T/img.v2" -o "$T/o$lv"
    gzip -t "$T/o$lv" && gzip -dc "$T/o$lv" | cmp -s - "$T/gold.v3" && ok ||
        bad "--gzip$lv: not a gzip of the golden"
done
expect 0 "$XS" upgrade -T 1 "$T/img.v2" -o "$T/t1.gz"
expect 0 "$XS" upgrade -T 3 "$T/img.v2" -o "$T/t3.gz"
cmp -s "$T/t1.gz" "$T/t3.gz" && ok || bad "gzip: -T 1 and -T 3 differ"
cmp -s "$T/t1.gz" "$T/o" && ok || bad "gzip: OUT.gz and --gzip differ"
cat "$T/img.v2" | "$XS" upgrade -T 2 --gzip | cmp -s - "$T/t1.gz" && ok ||
    bad "gzip: a pipe's output differs"
for lv in "" =1 =3 =19; do
    expect 0 "$XS" upgrade --zstd$lv "$T/img.v2" -o "$T/z$lv"
    zstd -q -t "$T/z$lv" && zstd -q -dc "$T/z$lv" | cmp -s - "$T/gold.v3" && ok ||
        bad "--zstd$lv: not a zstd of the golden"
done
expect 0 "$XS" upgrade -T 1 "$T/img.v2" -o "$T/t1.zst"
expect 0 "$XS" upgrade -T 3 "$T/img.v2" -o "$T/t3.zst"
cmp -s "$T/t1.zst" "$T/t3.zst" && ok || bad "zstd: -T 1 and -T 3 differ"
cmp -s "$T/t1.zst" "$T/z" && ok || bad "zstd: OUT.zst and --zstd differ"
expect 0 "$XS" convert --to-version 2 --zstd=5 -T 2 "$T/t1.zst" -o "$T/back.v2"
zstd -q -t "$T/back.v2" && ok || bad "convert --zstd"
expect 0 "$XS" upgrade "$T/t1.zst" -o "$T/again.gz"
cmp -s "$T/again.gz" "$T/t1.gz" && ok || bad "zstd in, gzip out"
# an empty stream is still one member, one frame
printf '' | expect 1 "$XS" upgrade --gzip
for bad in "--gzip --zstd" "--gzip=10" "--zstd=0" "--zstd=20" "-T 0" "-T x" \
           "--zstd -o $T/x.gz" "--gzip -o $T/x.zst"; do
    # shellcheck disable=SC2086
    expect 2 "$XS" upgrade $bad "$T/img.v2"
done
[ ! -e "$T/x.gz" ] && [ ! -e "$T/x.zst" ] && ok || bad "a refused option left OUT"

# ---- damage: the layer and the compressed offset; no OUT; END withheld -----
# flip BYTE at OFFSET (negative: from the end), or cut the file at OFFSET
damage() { # IN OUT OFFSET [cut]
    python3 -c "
import sys; b = bytearray(open(sys.argv[1], 'rb').read()); o = int(sys.argv[3])
if sys.argv[4] == 'cut': b = b[:o]
else: b[o] ^= 0x55
open(sys.argv[2], 'wb').write(b)" "$1" "$2" "$3" "${4:-flip}"
}
zstd -q -1 -c "$T/img.v2" >"$T/one.zst"
zsize=$(stat -c %s "$T/one.zst")
gsize=$(stat -c %s "$T/img.gz")
cases=(
    "img.gz gzip.truncated $((gsize / 2)) cut"
    "img.gz gzip.corrupt -6"
    "img.gz gzip.corrupt $((gsize / 2))"
    "one.zst zstd.truncated $((zsize - 4)) cut"
    "one.zst zstd.truncated $((zsize / 2)) cut"
    "one.zst zstd.corrupt -1"
    "one.zst zstd.corrupt $((zsize / 2))"
)
for c in "${cases[@]}"; do
    set -- $c
    src=$1 rule=$2 at=$3 how=${4:-flip}
    name=${rule%%.*}
    damage "$T/$src" "$T/bad.$src" "$at" "$how"
    expect 1 "$XS" verify --json "$T/bad.$src"
    python3 - "$T/out" "$rule" <<'PY' && ok || bad "$c: verify --json: $(head -c 600 "$T/out")"
import json, sys
d = json.load(open(sys.argv[1]))
f = [x for x in d["findings"] if x["rule"] == sys.argv[2]]
assert f and f[0]["offset"] > 0, d["findings"]
# one error, the first fault: a cut within the stream is the inner
# layer's truncation, the transport's a note with the compressed offset
assert d["errors"] == 1, d
PY
    expect 1 "$XS" verify "$T/bad.$src"
    grep -q "$name: .*compressed offset 0x" "$T/err" && ok || bad "$c: $(cat "$T/err")"
    echo keep >"$T/keep"
    expect 1 "$XS" upgrade "$T/bad.$src" -o "$T/keep"
    [ "$(cat "$T/keep")" = keep ] && ok || bad "$c: OUT replaced"
    expect 1 "$XS" upgrade "$T/bad.$src" -o "$T/new.out"
    [ ! -e "$T/new.out" ] && ok || bad "$c: OUT left"
    # on a pipe: what was written is never a whole image (no final END)
    cat "$T/bad.$src" | "$XS" upgrade - >"$T/piped" 2>/dev/null
    [ $? = 1 ] && ok || bad "$c: upgrade of a pipe did not exit 1"
    expect 1 "$XS" verify "$T/piped"
done
# bytes after the last frame that are no frame: a warning, as gzip -dc
cp "$T/one.zst" "$T/trail.zst"; printf 'trailing' >>"$T/trail.zst"
expect 0 "$XS" verify --json "$T/trail.zst"
grep -q '"zstd.trailing"' "$T/out" && ok || bad "zstd.trailing"

# ---- bounded memory: a bomb, and a frame that asks for a 2 GiB window ------
# (2 GiB of zeros as 32 frames or members of 64 MiB: the same bytes
# decoded, made in a thirtieth of the time gzip -1 takes over 2 GiB)
head -c $((64 << 20)) /dev/zero | zstd -q -1 -c >"$T/z64.zst"
head -c $((64 << 20)) /dev/zero | gzip -1 -c >"$T/z64.gz"
for z in zst gz; do
    for _ in $(seq 32); do cat "$T/z64.$z"; done >"$T/bomb.$z"
done
for b in bomb.zst bomb.gz; do
    /usr/bin/time -f %M -o "$T/rss" "$XS" upgrade "$T/$b" -o "$T/bomb.out" >/dev/null 2>"$T/err"
    [ $? = 1 ] && grep -q "zero bytes" "$T/err" && ok || bad "$b: $(cat "$T/err")"
    [ "$(tail -1 "$T/rss")" -lt 65536 ] && ok || bad "$b: peak RSS $(tail -1 "$T/rss") KiB"
done
# magic, a frame header without a content size whose window is 2^31
printf '\x28\xb5\x2f\xfd\x00\xa8\x01\x00\x00' >"$T/window.zst"
/usr/bin/time -f %M -o "$T/rss" "$XS" verify "$T/window.zst" >/dev/null 2>"$T/err"
grep -q "zstd: the compressed data at compressed offset 0x.* asks for more memory" "$T/err" &&
    ok || bad "a 2 GiB window: $(cat "$T/err")"
[ "$(tail -1 "$T/rss")" -lt 65536 ] && ok || bad "window: peak RSS $(tail -1 "$T/rss") KiB"

finish transports
