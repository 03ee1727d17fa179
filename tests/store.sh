#!/usr/bin/env bash
# Issue 18: a whole image store verified as CI does.  A generated store (a
# few hundred small images of every container, guest and version, some
# gzip, some truncated, some with a flipped byte, nested directories, names
# whose byte order is not their path order, files that are not images);
# every report format for -j 1 and -j 8 byte for byte the same (stdout,
# stderr, exit status), each checked against its schema and against what
# `verify` says of each file alone (tests/store-check.py); a directory of
# what is not a regular file (FIFO, socket, device, dangling and looping
# links, an unreadable and a 0-byte file) under a timeout; --images-only,
# -L, --files-from with and without -0, names with spaces, quotes, <&>,
# '#', a newline and bytes that are not UTF-8; --xen and --strict.
#
#   store.sh XENSTREAM XS_GEN
# XS_CLI_QUICK=1 (the sanitizer run): a smaller store.
set -u
XS=$(readlink -f "$1")
GEN=$(readlink -f "$2")
HERE=$(cd "$(dirname "$0")" && pwd)
SCHEMAS=$HERE/schemas
PY=/usr/bin/python3 # Debian's, with python3-jsonschema and python3-yaml
CHECK="$PY $HERE/store-check.py"
. "$HERE/lib.sh"
trap 'chmod -R u+rwX "$T" 2>/dev/null; rm -rf "$T"' EXIT # chmod 000 below
chmod 755 "$T" # the unprivileged run walks it
cd "$T" || exit 1

for tool in xmllint perl; do
    command -v $tool >/dev/null || { echo "store: $tool is missing (apt-get install libxml2-utils perl)"; exit 1; }
done
$PY -c 'import jsonschema, yaml' 2>/dev/null ||
    { echo "store: $PY lacks jsonschema or yaml (apt-get install python3-jsonschema python3-yaml)"; exit 1; }
"$XS" verify --help | grep -q -- '--format' ||
    { echo "store: xenstream verify has no --format (issue 18 not implemented)"; exit 1; }

# ---- the store -------------------------------------------------------------
quick=${XS_CLI_QUICK:-0}
variants="plain optional erratum checkpoint zero-pages"
[ "$quick" = 1 ] && variants="plain"
n=0
flip() { # FILE OFFSET: invert one byte
    $PY -c 'import sys
p, o = sys.argv[1], int(sys.argv[2])
b = bytearray(open(p, "rb").read()); b[o] ^= 0xff; open(p, "wb").write(b)' "$1" "$2"
}
for c in libxc libxl xl libvirt xenserver; do
    for g in pv64 pv32 hvm; do
        for v in 2 3; do
            d=store/$c/$g
            mkdir -p "$d" store/$c/bad
            for var in $variants; do
                n=$((n + 1))
                opt=""
                [ "$var" = plain ] || opt="--$var"
                # shellcheck disable=SC2086
                "$GEN" --container $c --guest $g --version $v --pages 64 \
                    --seed $n $opt -o "$d/v$v-$var.img" ||
                    { bad "xs-gen --container $c --guest $g --version $v $opt"; continue; }
            done
            src=$d/v$v-plain.img
            # gzip: by name, and one by its first bytes only
            if [ $((n % 3)) = 0 ]; then
                gzip -1 -c "$src" >"$d/v$v.img.gz"
            else
                gzip -1 -c "$src" >"$d/v$v-gz.img"
            fi
            sizes=(1000 5000 20000 100)
            head -c "${sizes[$((n % 4))]}" "$src" >"store/$c/bad/$g-v$v-trunc.img"
            offs=(8 16 40)
            cp "$src" "store/$c/bad/$g-v$v-flip.img"
            flip "store/$c/bad/$g-v$v-flip.img" "${offs[$((n % 3))]}"
            if [ $((n % 5)) = 0 ]; then # a gzip stream cut short
                gz=$d/v$v.img.gz
                [ -f "$gz" ] || gz=$d/v$v-gz.img
                head -c 3000 "$gz" >"store/$c/bad/$g-v$v-trunc.gz"
            fi
        done
    done
done
# byte order of names, not of paths: a/ comes before a-b and a.img
# ('/' sorts after '-' and '.'), 10 before 9, B before _ before a
mkdir -p store/order/a/b/c store/deep/1/2/3/4
for f in a/x.img a/b/c/y.img a-b a.img 10.img 9.img B.img _x.img; do
    "$GEN" --pages 16 --seed 7 -o "store/order/$f"
done
"$GEN" --pages 16 --container xl --guest hvm -o store/deep/1/2/3/4/deep.img
"$GEN" --pages 16 -o store/order/.hidden.img
mkdir store/order/empty-dir
"$GEN" --pages 16 -o store/order/image-named.txt
printf 'not an image\n' >store/order/text-named.img
: >store/order/zero.img
printf 'not an image, but long enough to be read as one; really not.\n%.0s' \
    1 2 3 4 5 6 7 8 9 >store/README
echo "store: $(find store -type f | wc -l) files"

# run_fmt TAG EXPECT FORMAT XS-ARGS...: the report for -j 1 and -j 8 (the
# same stdout, stderr and status), checked against EXPECT; its files
# $T/r.TAG.FORMAT.{out,err,rc}
run_fmt() {
    local tag=$1 exp=$2 fmt=$3 j rc
    shift 3
    local f=(--format "$fmt")
    [ "$fmt" = json-compat ] && f=(--json)
    for j in 1 8; do
        timeout 60 "$XS" verify "${f[@]}" -j $j "$@" \
            >"r.$tag.$fmt.j$j.out" 2>"r.$tag.$fmt.j$j.err"
        echo $? >"r.$tag.$fmt.j$j.rc"
    done
    rc=$(cat "r.$tag.$fmt.j1.rc")
    [ "$rc" = 124 ] && { bad "$tag $fmt: verify $* did not end in 60 s"; return; }
    for x in out err rc; do
        cmp -s "r.$tag.$fmt.j1.$x" "r.$tag.$fmt.j8.$x" && ok ||
            bad "$tag $fmt: -j 1 and -j 8 differ in std$x: $(diff "r.$tag.$fmt.j1.$x" "r.$tag.$fmt.j8.$x" | head -5)"
    done
    $CHECK check "$fmt" "r.$tag.$fmt.j1.out" "$exp" "$rc" "$SCHEMAS" \
        ${XEN:+"$XEN"} >"r.$tag.$fmt.check" 2>&1 && ok ||
        bad "$tag $fmt (verify --format $fmt $*):
$(head -c 4000 "r.$tag.$fmt.check")"
}
FORMATS="text json jsonl junit tap sarif"

# ---- 1. the store: every format ------------------------------------------
$CHECK expect "$XS" exp.store --walk -- store || bad "expect store"
for fmt in $FORMATS json-compat; do
    run_fmt store exp.store "$fmt" -r store
done
# --json is --format jsonl; the default -j is any -j
cmp -s r.store.jsonl.j1.out r.store.json-compat.j1.out && ok ||
    bad "--json and --format jsonl differ"
"$XS" verify -r store >r.store.default.out 2>r.store.default.err
echo $? >r.store.default.rc
for x in out err rc; do
    cmp -s r.store.text.j1.$x r.store.default.$x && ok ||
        bad "store: default -j and -j 1 differ in std$x"
done
# the findings on standard error: each file's, as verify says alone, in order
$PY - exp.store r.store.text.j1.err <<'PY' && ok || bad "store: stderr is not each file's findings in order"
import json, sys
exp = json.load(open(sys.argv[1]))
want = b"".join(bytes.fromhex(e["err"]) for e in exp if "err" in e)
got = open(sys.argv[2], "rb").read()
if got != want:
    print("got %r...\nwant %r..." % (got[:300], want[:300]))
    sys.exit(1)
PY
# the store holds all kinds: valid, invalid (errors), gzip
$PY - exp.store <<'PY' && ok || bad "store: not the mix it should be"
import json, sys
exp = json.load(open(sys.argv[1]))
st = [e["status"] for e in exp]
gz = [e for e in exp if e.get("solo", {}).get("layers", "").startswith("gzip")]
print("store: %d files, %d valid, %d invalid, %d gzip" % (len(st), st.count(0), st.count(1), len(gz)))
sys.exit(0 if st.count(0) > len(st) * 0.4 and st.count(1) > 30 and len(gz) > 10 else 1)
PY

# a directory named without -r: as today (an I/O error)
$CHECK expect "$XS" exp.dir -- store/order || bad "expect dir"
timeout 60 "$XS" verify --format jsonl store/order >r.dir.out 2>r.dir.err
rc=$?
$CHECK check jsonl r.dir.out exp.dir $rc "$SCHEMAS" && ok || bad "a directory without -r"

# ---- 2. what is not a regular file ----------------------------------------
mkdir special
"$GEN" --pages 16 -o special/ok.img
"$GEN" --pages 16 -o special/unreadable.img
chmod 000 special/unreadable.img
mkfifo special/fifo
ln -s nowhere special/dangling
ln -s ../store/order/a.img special/link-img
ln -s ../store/deep special/link-dir
: >special/zero
printf 'hello\n' >special/text
mkdir special/locked-dir # unreadable to the unprivileged run
"$GEN" --pages 16 -o special/locked-dir/in.img
chmod 000 special/locked-dir
$PY -c 'import socket, sys; socket.socket(socket.AF_UNIX).bind(sys.argv[1])' special/sock ||
    echo "store: no socket made (skipped)"
if mknod special/null c 1 3 2>/dev/null; then :; else
    echo "store: mknod not permitted: no device node in the special directory (skipped)"
fi
$CHECK expect "$XS" exp.special --walk -- special || bad "expect special"
for fmt in $FORMATS; do
    run_fmt special exp.special "$fmt" -r special
done
# what each entry is, as specified (beyond "as the oracle says")
$PY - r.special.jsonl.j1.out <<'PY' && ok || bad "special: per-entry results"
import json, sys
got = {}
for line in open(sys.argv[1], "rb"):
    o = json.loads(line)
    got[o["file"].split("/", 1)[1]] = o
want = {"dangling": "skip", "link-img": "skip", "link-dir": "skip",
        "fifo": "input.not_regular", "sock": "input.not_regular",
        "null": "input.not_regular", "zero": "detect.unknown",
        "text": "detect.unknown", "ok.img": 0}
bad = 0
for k, w in want.items():
    o = got.get(k)
    if o is None:
        if k not in ("sock", "null"):
            print("missing", k); bad = 1
        continue
    if w == "skip":
        ok = o.get("skipped") is True and "link" in o.get("reason", "")
    elif w == 0:
        ok = o["status"] == 0
    else:
        ok = o["status"] == 1 and [f["rule"] for f in o["findings"]] == [w]
    if not ok:
        print("special/%s: %s, expected %s" % (k, json.dumps(o), w)); bad = 1
sys.exit(bad)
PY
# --images-only: what is not an image by its first bytes is skipped
$CHECK expect "$XS" exp.special-io --walk --images-only -- special || bad "expect special --images-only"
for fmt in text jsonl junit; do
    run_fmt special-io exp.special-io "$fmt" -r --images-only special
done
$CHECK expect "$XS" exp.store-io --walk --images-only -- store || bad "expect store --images-only"
run_fmt store-io exp.store-io jsonl -r --images-only store
$CHECK expect "$XS" exp.order-io --walk --images-only -- store/order || bad "expect order --images-only"
run_fmt order-io exp.order-io jsonl -r --images-only store/order
grep -q '"file":"store/order/image-named.txt","valid":true' r.order-io.jsonl.j1.out && ok ||
    bad "--images-only: an image named .txt is not verified"
grep -q '"file":"store/order/text-named.img","skipped":true' r.order-io.jsonl.j1.out && ok ||
    bad "--images-only: a text file named .img is not skipped: $(grep text-named r.order-io.jsonl.j1.out)"

# -L: links followed; a dangling link (and a link to itself) is an I/O
# error; a directory reached again (a loop, a second link) is skipped, no hang
mkdir -p loops/sub
"$GEN" --pages 16 -o loops/ok.img
ln -s .. loops/sub/back
ln -s self loops/self
ln -s ../store/deep loops/linkdir
ln -s ../store/deep loops/linkdir2 # walked once: the second link skipped
ln -s nowhere loops/dangling
$CHECK expect "$XS" exp.loops-L --walk -L -- loops || bad "expect loops -L"
for fmt in text jsonl sarif; do
    run_fmt loops-L exp.loops-L "$fmt" -r -L loops
done
$CHECK expect "$XS" exp.loops --walk -- loops || bad "expect loops"
run_fmt loops exp.loops jsonl -r loops
$CHECK expect "$XS" exp.special-L --walk -L -- special || bad "expect special -L"
run_fmt special-L exp.special-L jsonl -r -L special

# the unreadable file, as a user who cannot read it (root reads anything)
AS=""
if [ "$(id -u)" != 0 ]; then
    AS=" "
elif setpriv --reuid=65534 --regid=65534 --clear-groups true 2>/dev/null; then
    AS="setpriv --reuid=65534 --regid=65534 --clear-groups"
fi
if [ -z "$AS" ]; then
    echo "store: cannot run as an unprivileged user: the unreadable file is not tested"
else
    mkdir -m 777 nobody
    # shellcheck disable=SC2086
    $AS $CHECK expect "$XS" nobody/exp --walk -- special || bad "expect special (unprivileged)"
    for fmt in text jsonl junit tap sarif; do
        for j in 1 8; do
            # shellcheck disable=SC2086
            timeout 60 $AS "$XS" verify --format $fmt -j $j -r special \
                >nobody/$fmt.j$j.out 2>nobody/$fmt.j$j.err
            echo $? >nobody/$fmt.j$j.rc
        done
        for x in out err rc; do
            cmp -s nobody/$fmt.j1.$x nobody/$fmt.j8.$x && ok ||
                bad "unprivileged $fmt: -j 1 and -j 8 differ in std$x"
        done
        $CHECK check $fmt nobody/$fmt.j1.out nobody/exp "$(cat nobody/$fmt.j1.rc)" \
            "$SCHEMAS" >nobody/$fmt.check 2>&1 && ok ||
            bad "unprivileged $fmt: $(head -c 3000 nobody/$fmt.check)"
    done
    [ "$(cat nobody/text.j1.rc)" = 3 ] && ok || bad "unprivileged: status $(cat nobody/text.j1.rc), expected 3"
    grep -qx 'special/unreadable.img: FAILED: I/O error' nobody/text.j1.out && ok ||
        bad "unprivileged: no FAILED line for special/unreadable.img: $(cat nobody/text.j1.out)"
fi

# ---- 3. names: spaces, quotes, <&>, '#', a newline, not UTF-8 -------------
mkdir names
$PY - "$GEN" <<'PY' || bad "making names"
import os, subprocess, sys
gen = sys.argv[1]
for i, raw in enumerate([b"sp ace \"dq\" 'sq' <&>.img", b"x # SKIP y.img",
                         b"not ok 1.img", b"bad-\xff\xfe.img", b"nl\nname.img",
                         b"tab\tname.img", b"caf\xc3\xa9 ]]>.img",
                         b"back\\slash.img", b"pct%20.img", b"ctl\x01.img"]):
    p = b"names/" + raw
    subprocess.check_call([gen, "--pages", "16", "--seed", str(i), "-o", p])
    if i % 2:  # and half of them invalid, with findings quoting nothing
        with open(p, "r+b") as f:
            f.seek(8); b = f.read(1); f.seek(8); f.write(bytes([b[0] ^ 0xff]))
PY
$CHECK expect "$XS" exp.names --walk -- names || bad "expect names"
for fmt in $FORMATS; do
    run_fmt names exp.names "$fmt" -r names
done

# ---- 4. --files-from ------------------------------------------------------
find store/libxc store/order -type f | sort >list
mapfile -t paths <list
$CHECK expect "$XS" exp.list -- "${paths[@]}" names/"sp ace \"dq\" 'sq' <&>.img" || bad "expect list"
printf 'names/sp ace "dq" '"'"'sq'"'"' <&>.img\n' >>list
for fmt in jsonl text sarif; do
    run_fmt list exp.list "$fmt" --files-from list
done
# from standard input, newline- and NUL-separated: the same report
timeout 60 "$XS" verify --format jsonl --files-from - <list >r.stdin.out 2>r.stdin.err
cmp -s r.stdin.out r.list.jsonl.j1.out && ok || bad "--files-from - differs from --files-from FILE"
tr '\n' '\0' <list >list0
timeout 60 "$XS" verify --format jsonl --files-from - -0 <list0 >r.stdin0.out 2>r.stdin0.err
cmp -s r.stdin0.out r.list.jsonl.j1.out && ok || bad "--files-from - -0 differs: $(diff r.stdin0.out r.list.jsonl.j1.out | head -3)"
# and as command-line arguments, without the summary line
timeout 60 "$XS" verify --format jsonl "${paths[@]}" names/"sp ace \"dq\" 'sq' <&>.img" >r.args.out 2>/dev/null
cmp -s r.args.out r.list.jsonl.j1.out && ok || bad "--files-from differs from the same arguments"
# a name with a newline: whole with -0, two names without
printf 'names/nl\nname.img\0names/ok\0' >list0b
"$GEN" --pages 16 -o names/ok
$CHECK expect "$XS" exp.nl0 -- "names/nl
name.img" names/ok || bad "expect nl0"
run_fmt nl0 exp.nl0 jsonl --files-from list0b -0
$CHECK expect "$XS" exp.nl -- "names/nl" "name.img" || bad "expect nl"
printf 'names/nl\nname.img\n' >listnl
run_fmt nl exp.nl jsonl --files-from listnl

# a FIFO in a file list is not opened either (a list reads regular files
# only): one error, no hang
mkfifo stream-fifo
printf 'names/ok\nstream-fifo\n' >stream-list
timeout 60 "$XS" verify --format jsonl -j 2 --files-from stream-list >r.fifo-list.out 2>&1
rc=$?
[ $rc = 1 ] && grep -q '"file":"stream-fifo".*"rule":"input.not_regular"' r.fifo-list.out &&
    ok || bad "a FIFO in --files-from: status $rc: $(cat r.fifo-list.out)"
# JSON Lines streamed as files finish, in order: the first file's line is
# out while the second (a FIFO named as an argument, read at its turn)
# still waits for its writer
"$GEN" --pages 16 -o stream-src.img
timeout 60 $PY - "$XS" <<'PY' && ok || bad "jsonl is not streamed: the first file's line waits for the second file"
import os, select, subprocess, sys
p = subprocess.Popen([sys.argv[1], "verify", "--format", "jsonl", "-j", "2",
                      "names/ok", "stream-fifo"], stdout=subprocess.PIPE)
r, _, _ = select.select([p.stdout], [], [], 20)
first = p.stdout.readline() if r else b""
# now let the second file end (a writer's open blocks without a reader)
fd, t = -1, 0
while fd < 0 and p.poll() is None and t < 400:
    try:
        fd = os.open("stream-fifo", os.O_WRONLY | os.O_NONBLOCK)
    except OSError:
        select.select([], [], [], 0.05)
        t += 1
if fd >= 0:
    os.set_blocking(fd, True)
    with os.fdopen(fd, "wb") as f:
        f.write(open("stream-src.img", "rb").read())
rest = p.stdout.read()
p.wait()
print("first line before the FIFO's writer: %r; then %r; status %d"
      % (first[:60], rest[:60], p.returncode))
sys.exit(0 if first.startswith(b'{"file":"names/ok"') and
         rest.startswith(b'{"file":"stream-fifo"') and p.returncode == 0 else 1)
PY

# ---- 5. --xen X.Y: which images restore there; --strict --------------------
mkdir -p xen/v2 xen/mixed warn
for g in pv64 pv32 hvm; do
    "$GEN" --guest $g --version 2 --pages 16 -o xen/v2/$g.img
    "$GEN" --guest $g --version 2 --pages 16 -o xen/mixed/$g-v2.img
    "$GEN" --guest $g --version 3 --pages 16 -o xen/mixed/$g-v3.img
    "$GEN" --guest $g --version 3 --pages 16 -o warn/$g.img
done
cp warn/pv64.img warn/reserved.img
flip warn/reserved.img 16 # a non-zero reserved field: a warning
for d in v2 mixed; do
    XEN=4.6
    $CHECK expect "$XS" exp.xen-$d --walk -- --xen 4.6 -- xen/$d || bad "expect xen $d"
    for fmt in text json jsonl junit sarif; do
        run_fmt xen-$d exp.xen-$d "$fmt" -r --xen 4.6 xen/$d
    done
    XEN=
done
[ "$(cat r.xen-v2.text.j1.rc)" = 0 ] && ok || bad "--xen 4.6 over v2 images: status $(cat r.xen-v2.text.j1.rc)"
[ "$(cat r.xen-mixed.text.j1.rc)" = 1 ] && ok || bad "--xen 4.6 over v3 images: status $(cat r.xen-mixed.text.j1.rc)"
tail -1 r.xen-mixed.text.j1.out | grep -q 'restore on Xen 4.6' && ok ||
    bad "--xen: summary $(tail -1 r.xen-mixed.text.j1.out)"
# --host-policy: which restore on the host whose xen-cpuid -p is FILE
mkdir -p host
ALL="fpu sse2 avx lm bmi1 avx2 avx512f rdcl-no"
"$GEN" --pages 16 --cpu-features "${ALL// /,}" -o host/same.img
"$GEN" --pages 16 --cpu-features fpu,avx2 --cpu-max-leaf 0x20 -o host/leaf.img
"$GEN" --pages 16 --version 2 -o host/v2.img
python3 "$HERE/hostpolicy.py" "$HERE/.." $ALL >host.txt || bad "hostpolicy.py"
$CHECK expect "$XS" exp.host --walk -- --host-policy host.txt -- host || bad "expect host"
for fmt in text json junit sarif; do
    run_fmt host exp.host "$fmt" -r --host-policy host.txt host
done
tail -1 r.host.text.j1.out | grep -q 'restore.* on the host of host.txt, 1 does not' && ok ||
    bad "--host-policy: summary $(tail -1 r.host.text.j1.out)"
grep -q '"rule":"host.cpuid.max_leaf"' r.host.json.j1.out && ok ||
    bad "--host-policy: no host.cpuid.max_leaf in the json report"
XEN=4.17
$CHECK expect "$XS" exp.host-xen --walk -- --xen 4.17 --host-policy host.txt -- host || bad "expect host-xen"
run_fmt host-xen exp.host-xen text -r --xen 4.17 --host-policy host.txt host
XEN=
$CHECK expect "$XS" exp.warn --walk -- warn || bad "expect warn"
$CHECK expect "$XS" exp.strict --walk -- --strict -- warn || bad "expect strict"
run_fmt warn exp.warn jsonl -r warn
run_fmt strict exp.strict jsonl -r --strict warn
run_fmt strict exp.strict junit -r --strict warn
run_fmt strict exp.strict sarif -r --strict warn
[ "$(cat r.warn.jsonl.j1.rc)" = 0 ] && [ "$(cat r.strict.jsonl.j1.rc)" = 1 ] && ok ||
    bad "--strict: status $(cat r.warn.jsonl.j1.rc) without, $(cat r.strict.jsonl.j1.rc) with"

# ---- 6. a reader gone away, a bad -j --------------------------------------
timeout 60 bash -c '"$1" verify -r -j 8 --format jsonl store | head -1' _ "$XS" \
    >r.head.out 2>r.head.err
rc=$?
[ $rc != 124 ] && [ "$(wc -l <r.head.out)" = 1 ] && ok ||
    bad "verify -r -j 8 | head -1: status $rc (124: it hung), $(wc -l <r.head.out) lines"
for j in x -1; do
    expect 2 "$XS" verify -j "$j" -r store/order
done

# memory bounded per worker: -j 8's peak RSS at most 4 MiB a worker above
# -j 1's (GNU time, in the test DEPS as `time`)
if [ -x /usr/bin/time ]; then
    for j in 1 8; do
        /usr/bin/time -f %M -o rss.$j "$XS" verify -q -r -j $j store >/dev/null 2>&1
    done
    r1=$(tail -1 rss.1) r8=$(tail -1 rss.8)
    [ "$r8" -le $((r1 + 7 * 4096)) ] && ok ||
        bad "peak RSS: -j 8 $r8 KiB, -j 1 $r1 KiB (more than 4 MiB a worker)"
else
    echo "store: no /usr/bin/time: peak RSS per worker not measured"
fi

# ---- 7. worst status wins: invalid and unreadable together -----------------
mkdir mix
cp store/libxc/bad/pv64-v2-trunc.img mix/a-invalid.img
mkdir mix/b-dir
ln -s ../nowhere mix/c-dangling
$CHECK expect "$XS" exp.mix -L --walk -- mix || bad "expect mix"
run_fmt mix exp.mix json -r -L mix
[ "$(cat r.mix.json.j1.rc)" = 3 ] && ok || bad "worst status: $(cat r.mix.json.j1.rc), expected 3"

# ---- 8. roots: a link named as the root is followed; a list's directory
# is walked with -r; nothing to verify is "0 files", status 0, valid reports
ln -s store/order linkroot
$CHECK expect "$XS" exp.linkroot --walk -- linkroot || bad "expect linkroot"
run_fmt linkroot exp.linkroot text -r linkroot
printf 'store/deep\n' >list-dir
$CHECK expect "$XS" exp.list-dir --walk -- store/deep || bad "expect list-dir"
run_fmt list-dir exp.list-dir jsonl -r --files-from list-dir
mkdir empty
echo '[]' >exp.empty
for fmt in $FORMATS; do
    run_fmt empty exp.empty "$fmt" -r empty
done
timeout 60 "$XS" verify --files-from /dev/null </dev/null >r.nolist.out 2>&1
rc=$?
[ $rc = 0 ] && grep -qx 'xenstream verify: 0 files: 0 valid, 0 invalid, 0 unreadable, 0 skipped' r.nolist.out &&
    ok || bad "an empty --files-from: status $rc: $(cat r.nolist.out)"
expect 2 "$XS" verify -0 names/ok

finish store
