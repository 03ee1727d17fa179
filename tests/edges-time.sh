#!/usr/bin/env bash
# Inputs made to be slow or big, each checked against a generous bound:
# PAGE_DATA whose pfns go top down with alternating types (every pfn a run
# of its own in the validator's type map: a sorted array made that
# quadratic, minutes for a few MB), and millions of pfns without data
# (diff once kept a slot for each: gigabytes).  The bounds catch a blow-up,
# not a slow machine: never a tight timing assert.
#
#   edges-time.sh XENSTREAM XS_GEN
set -u
XS=$1
GEN=$2
. "$(dirname "$0")/lib.sh"

# seconds a command may take (the fixed code takes well under 1 s on each;
# the quadratic one took 15-60 s); the sanitizers' build gets three times
# as long
LIMIT=${XS_EDGES_LIMIT:-10}
ASAN=0
if ldd "$XS" 2>/dev/null | grep -q libasan; then
    ASAN=1
    LIMIT=$((LIMIT * 3))
fi

# timed WANT NAME CMD...: exit status WANT within LIMIT seconds of CPU
# time (user + system: what a blow-up costs, and what a loaded machine's
# other work does not add to, as it adds to the wall clock); killed after
# six times that on the wall clock, so that a regression fails in
# minutes, not in an hour
timed() {
    local want=$1 name=$2 rc secs
    shift 2
    /usr/bin/time -f "%U %S" -o "$T/cpu" \
        timeout $((6 * LIMIT)) "$@" >"$T/out" 2>"$T/err"
    rc=$?
    secs=$(tail -n 1 "$T/cpu" | awk '{printf "%.2f", $1 + $2}')
    if [ "$rc" = "$want" ] && awk -v s="$secs" -v l="$LIMIT" 'BEGIN{exit !(s < l)}'; then
        ok
    else
        bad "$name: exit $rc (want $want) after ${secs}s of CPU (bound ${LIMIT}s)"
        sed 's/^/  | /' "$T/err" | head -3
    fi
}

# ---- pfns top down, types alternating ---------------------------------------
# 800000 pfns without data (6.4 MB of pfn entries), XTAB and XALLOC in turn,
# sent from the top: each entry lands below every run kept so far
"$GEN" --pages 2048 --holes 800000 --descending -o "$T/down.img" || exit 1
# the same guest bottom up: the fast path, and the verdict to match
"$GEN" --pages 2048 --holes 800000 -o "$T/up.img" || exit 1
# invalid: its first p2m frame names a pfn that arrives without data (the
# restore's update_guest_p2m() refuses it at END), so the run map is
# walked to the end before the fault; and a smaller one over a second
# pass that splits every run (pfns sent twice with the types swapped)
python3 - "$T" <<'PY' || exit 1
import struct, sys
t = sys.argv[1]
def records(b):
    at = 40
    while at + 8 <= len(b):
        typ, n = struct.unpack_from("<II", b, at)
        yield at, typ, n
        at += 8 + n + (-n % 8)
b = bytearray(open(f"{t}/down.img", "rb").read())
for at, typ, n in records(b):
    if typ == 3:  # X86_PV_P2M_FRAMES: start, end, frame pfns
        struct.pack_into("<Q", b, at + 16, 2048 + 7)  # a hole (XALLOC)
        break
open(f"{t}/down-bad.img", "wb").write(b)
# pfns 2048.. again, top down, XTAB <-> XALLOC swapped: every pfn splits
# the run it lands in and merges with its neighbours (PAGE_DATA of no-data
# entries only: 8 + 8 * count bytes), inserted before X86_TSC_INFO (8)
b = bytes(open(f"{t}/down.img", "rb").read())
for at, typ, n in records(b):
    if typ == 8:
        break
XTAB, XALLOC = 0xF, 0xE
out = [b[:at]]
top = 2048 + 800000
for start in range(top - 1024, 2048 - 1, -1024):
    ents = []
    for pfn in range(start + 1023, start - 1, -1):
        ty = XALLOC if (pfn - 2048) % 2 == 0 else XTAB  # swapped
        ents.append(ty << 60 | pfn)
    out.append(struct.pack("<IIII", 1, 8 + 8 * len(ents), len(ents), 0))
    out.append(struct.pack("<%dQ" % len(ents), *ents))
out.append(b[at:])
open(f"{t}/down-twice.img", "wb").write(b"".join(out))
PY
ls -l "$T"/*.img | awk '{printf "%s %.1f MB\n", $NF, $5 / 1e6}' | sed "s|$T/||"

timed 0 "verify, pfns top down" "$XS" verify "$T/down.img"
grep -q "2047 pages" "$T/out" && ok || bad "verify top down: $(cat "$T/out")"
timed 0 "verify, pfns bottom up" "$XS" verify "$T/up.img"
timed 0 "verify from a pipe, pfns top down" sh -c "cat '$T/down.img' | '$XS' verify -"
timed 0 "upgrade, pfns top down" "$XS" upgrade "$T/down.img" -o "$T/x.img"
timed 0 "verify the upgrade" "$XS" verify "$T/x.img"
timed 0 "upgrade from a pipe, pfns top down" sh -c "cat '$T/down.img' | '$XS' upgrade > '$T/y.img'"
cmp -s "$T/x.img" "$T/y.img" && ok || bad "upgrade: file and pipe differ"
timed 1 "verify, invalid, pfns top down" "$XS" verify "$T/down-bad.img"
grep -q "p2m frame pfn 0x807 never arrives as an ordinary page" "$T/err" && ok || bad "invalid: $(head -2 "$T/err")"
timed 1 "upgrade, invalid, pfns top down" "$XS" upgrade "$T/down-bad.img" -o "$T/z.img"
[ ! -e "$T/z.img" ] && ok || bad "a refused upgrade left its output"
timed 0 "verify, every run split" "$XS" verify "$T/down-twice.img"
timed 0 "upgrade, every run split" "$XS" upgrade "$T/down-twice.img" -o "$T/x.img"
timed 0 "diff, pfns top down against bottom up" "$XS" diff "$T/down.img" "$T/up.img"

# ---- many X86_PV_P2M_FRAMES records -------------------------------------------
# 87000 one-frame records after the first (2 MB): each frame pfn a NOTAB page
# of the guest (valid), or each a new pfn that never arrives (invalid);
# sorting all the frames again at each record took seconds to minutes
"$GEN" --pages 2048 -o "$T/p2m.img" || exit 1
python3 - "$T" <<'PY' || exit 1
import struct, sys
t = sys.argv[1]
b = open(f"{t}/p2m.img", "rb").read()
at = 40
while True:
    typ, n = struct.unpack_from("<II", b, at)
    end = at + 8 + n + (-n % 8)
    if typ == 3:
        last = struct.unpack_from("<I", b, at + 12)[0]
        break
    at = end
def notab(p):  # testdata/gen.c pfn_type() of a 64-bit PV guest
    return (p != 8 and p % 512 != 1 and p % 4096 != 2 and p % 65536 != 3
            and p % 997 != 500 and p % 7919 != 100)
pool = [p for p in range(16, last + 1) if notab(p)]
for name, pick in (("p2m-many", lambda i: pool[i % len(pool)]),
                   ("p2m-many-bad", lambda i: last + 1 + i)):
    out = [b[:end]]
    out += [struct.pack("<IIIIQ", 3, 16, 0, 0, pick(i)) for i in range(87000)]
    out.append(b[end:])
    open(f"{t}/{name}.img", "wb").write(b"".join(out))
PY
timed 0 "verify, 87000 X86_PV_P2M_FRAMES" "$XS" verify "$T/p2m-many.img"
timed 0 "upgrade, 87000 X86_PV_P2M_FRAMES" "$XS" upgrade "$T/p2m-many.img" -o "$T/x.img"
timed 1 "verify, 87000 X86_PV_P2M_FRAMES, invalid" "$XS" verify "$T/p2m-many-bad.img"
grep -q "p2m frame pfn 0x800 never arrives" "$T/err" && ok || bad "many frames, invalid: $(head -2 "$T/err")"
rm -f "$T"/p2m*.img "$T/x.img"

# ---- millions of pfns without data: diff holds data pages only ---------------
# 8192 data pages and 4 million pfns without data (32 MB of pfn entries);
# an HVM guest the same.  Before, diff took 2 x 180 MB for them.
"$GEN" --pages 8192 --holes 4000000 -o "$T/holes-pv.img" || exit 1
"$GEN" --guest hvm --pages 4096 --holes 4000000 -o "$T/holes-hvm.img" || exit 1
rm -f "$T/down.img" "$T/up.img" "$T/down-bad.img" "$T/down-twice.img" "$T/x.img" "$T/y.img"
for g in pv hvm; do
    f=$T/holes-$g.img
    if [ "$ASAN" = 1 ]; then
        # AddressSanitizer reserves terabytes of address space
        timed 0 "diff $g, 4M pfns without data" "$XS" diff "$f" "$f"
    else
        # 256 MiB of address space for the two models and the program
        timed 0 "diff $g, 4M pfns without data, ulimit -v 262144" \
            sh -c "ulimit -v 262144; exec '$XS' diff '$f' '$f'"
    fi
    want=$([ $g = pv ] && echo 8191 || echo 4059)
    grep -q "equivalent: $want pages," "$T/out" && ok || bad "diff $g counts data pages: $(cat "$T/out")"
done
if [ "$ASAN" = 1 ]; then
    echo "SKIP: address-space limit with AddressSanitizer (it reserves terabytes)"
else
    # peak RSS: a few MiB for the program and the validator's runs (at
    # most 16 MiB), nothing per pfn without data
    /usr/bin/time -f %M -o "$T/rss" "$XS" diff "$T/holes-pv.img" "$T/holes-pv.img" >/dev/null 2>&1
    rss=$(tail -1 "$T/rss")
    [ "${rss:-999999}" -lt 32768 ] && ok || bad "diff pv: peak RSS ${rss:-?} KiB for 8191 data pages"
fi

# ---- diff's items: one per distinct key, and a limit ------------------------
# 200000 optional records of one type (the last wins: one item) and 300000
# of distinct types (past diff's limit of 2^18 distinct keys: refused, exit
# 3, in bounded memory); each record 8 bytes of input
"$GEN" --pages 512 -o "$T/small.img" || exit 1
python3 - "$T" <<'PY' || exit 1
import struct, sys
t = sys.argv[1]
b = open(t + "/small.img", "rb").read()
at = 40  # after the image and domain headers
one = struct.pack("<II", 0x80000055, 0) * 200000
many = b"".join(struct.pack("<II", 0x80000000 + i, 0) for i in range(300000))
open(t + "/opt-one.img", "wb").write(b[:at] + one + b[at:])
open(t + "/opt-many.img", "wb").write(b[:at] + many + b[at:])
PY
timed 0 "diff of 200000 records of one type" "$XS" diff "$T/opt-one.img" "$T/opt-one.img"
timed 3 "diff past 2^18 distinct records" "$XS" diff "$T/opt-many.img" "$T/opt-many.img"
grep -q "cannot compare: more than 262144 distinct records" "$T/err" && ok ||
    bad "diff past the item limit: $(head -c 300 "$T/err")"
if [ "$ASAN" = 0 ]; then
    /usr/bin/time -f %M -o "$T/rss" "$XS" diff "$T/opt-one.img" "$T/opt-one.img" >/dev/null 2>&1
    rss=$(tail -1 "$T/rss")
    [ "${rss:-999999}" -lt 16384 ] && ok || bad "diff of 200000 records of one type: peak RSS ${rss:-?} KiB"
    /usr/bin/time -f %M -o "$T/rss" "$XS" diff "$T/opt-many.img" "$T/opt-many.img" >/dev/null 2>&1
    rss=$(tail -1 "$T/rss")
    [ "${rss:-999999}" -lt 65536 ] && ok || bad "diff past the item limit: peak RSS ${rss:-?} KiB"
fi

finish edges-time
