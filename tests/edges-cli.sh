#!/usr/bin/env bash
# The command line's edges: write errors on standard output, JSON for any
# file name, inputs that are not images, long paths, terminals as input,
# standard input by default, notes, the progress line, truncated and
# live-migrated images in info; control bytes of names and images in text
# output, a failed write that stops a command, restore's messages,
# standard input named twice, diff -n, descriptors over many inputs, the
# shell word in verify --xen's suggested command.
#
#   edges-cli.sh XENSTREAM XS_GEN
set -u
XS=$1
GEN=$2
. "$(dirname "$0")/lib.sh"
# lines LINE_COUNT FILE WHAT: FILE has exactly LINE_COUNT lines
lines() {
    local n
    n=$(wc -l <"$2")
    [ "$n" = "$1" ] && ok || bad "$3: $n lines, expected $1: $(head -3 "$2")"
}

"$GEN" --pages 3000 -o "$T/img"
"$GEN" --pages 3000 --container xl --migrate -o "$T/mig"
"$GEN" --pages 3000 --container xl -o "$T/xl"

# ---- 1. write errors on standard output: exit 3 and one line -------------
for cmd in "verify" "verify --json" "info" "info --json" "dump" "dump --json" \
           "digest" "digest --json" "diff" "diff --json"; do
    args="$T/img"
    case $cmd in diff*) args="$T/img $T/xl" ;; esac
    # shellcheck disable=SC2086
    $XS $cmd $args >/dev/full 2>"$T/err"; rc=$?
    [ $rc = 3 ] && ok || bad "$cmd >/dev/full: exit $rc"
    grep -q "cannot write standard output: No space left on device" "$T/err" &&
        ok || bad "$cmd >/dev/full: message: $(cat "$T/err")"
    lines 1 "$T/err" "$cmd >/dev/full: stderr"
    # shellcheck disable=SC2086
    $XS $cmd $args >&- 2>"$T/err"; rc=$?
    [ $rc = 3 ] && ok || bad "$cmd >&-: exit $rc"
    grep -q "cannot write standard output" "$T/err" && ok ||
        bad "$cmd >&-: message: $(cat "$T/err")"
    # a reader that went away (the read end closed before anything is
    # written, so that it is not a race): EPIPE, exit 3, like upgrade
    # shellcheck disable=SC2086
    python3 -c 'import os, subprocess, sys
r, w = os.pipe()
os.close(r)
sys.exit(subprocess.call(sys.argv[1:], stdout=w))' $XS $cmd $args 2>"$T/err"
    rc=$?
    [ $rc = 3 ] && grep -q "Broken pipe" "$T/err" && ok ||
        bad "$cmd into a closed pipe: exit $rc: $(cat "$T/err")"
done
python3 -c 'import os, subprocess, sys
r, w = os.pipe()
os.close(r)
sys.exit(subprocess.call(sys.argv[1:], stdout=w))' "$XS" upgrade "$T/img" 2>"$T/err"
[ $? = 3 ] && grep -q "Broken pipe" "$T/err" && ok || bad "upgrade into a closed pipe"
"$XS" --help >/dev/full 2>"$T/err"
[ $? = 3 ] && ok || bad "--help >/dev/full"
# what succeeds still succeeds, and a closed standard output does not
# become a file that a command opens
expect 0 "$XS" verify "$T/img"
( "$XS" upgrade "$T/img" -o "$T/up" >&- ) 2>"$T/err" && cmp -s "$T/img" "$T/up" &&
    ok || bad "upgrade -o with standard output closed: $(cat "$T/err")"

# ---- 2. JSON for any file name --------------------------------------------
names=$(python3 - "$T" "$T/img" <<'PY'
import os, shutil, sys
t, src = sys.argv[1], sys.argv[2]
for i, raw in enumerate([b"\xff", b"a\x80b", b"s\xed\xa0\x80", b"c\x01\x1f\t\n",
                         b"ok-\xc3\xa9"]):
    p = os.path.join(t.encode(), b"n%d-" % i + raw + b".img")
    shutil.copy(src, p)
    print(p.hex())
PY
)
check_json() { # HEXNAME KEY FILE...: every document names the file right
    python3 - "$@" <<'PY'
import json, sys
name = bytes.fromhex(sys.argv[1]); key = sys.argv[2]
text = open(sys.argv[3], "rb").read().decode("ascii")
try:  # one document (dump, info), else one per line (JSON Lines)
    docs = [json.loads(text)]
except ValueError:
    docs = [json.loads(l) for l in text.splitlines() if l.strip()]
assert docs, "no document"
for d in docs:
    try:
        name.decode("utf-8")
        valid = True
    except UnicodeDecodeError:
        valid = False
    if valid:
        assert d[key] == name.decode(), (d[key], name)
        assert key + "_bytes" not in d
    else:
        assert "\ufffd" in d[key], d[key]
        assert bytes.fromhex(d[key + "_bytes"]) == name, d
        # the valid rest is kept as it is
        assert d[key].replace("\ufffd", "") == name.decode("utf-8", "ignore"), d[key]
PY
}
for h in $names; do
    f=$(python3 -c 'import sys, os; sys.stdout.buffer.write(bytes.fromhex(sys.argv[1]))' "$h")
    for cmd in "verify --json" "info --json" "digest --json" "dump --json"; do
        # shellcheck disable=SC2086
        $XS $cmd "$f" >"$T/out" 2>"$T/err"
        check_json "$h" file "$T/out" 2>"$T/perr" && ok ||
            bad "$cmd on name $h: $(tail -1 "$T/perr")"
    done
    "$XS" diff --json "$f" "$T/img" >"$T/out" 2>"$T/err"
    check_json "$h" a "$T/out" 2>"$T/perr" && ok || bad "diff --json a=$h: $(tail -1 "$T/perr")"
    # a name that is not there: the error message quotes it, still JSON
    "$XS" verify --json "$f.missing" >"$T/out" 2>"$T/err"
    python3 -c 'import json, sys
d = json.load(open(sys.argv[1]))
assert d["status"] == 3 and "No such file" in d["findings"][0]["message"], d' \
        "$T/out" 2>"$T/perr" && ok || bad "verify --json of a missing $h: $(tail -1 "$T/perr")"
done
# the replacement is byte by byte: 0xff alone is one U+FFFD
f=$(python3 -c 'import sys; sys.stdout.buffer.write(bytes.fromhex(sys.argv[1]))' "$(echo "$names" | head -1)")
"$XS" verify --json "$f" >"$T/out"
python3 -c 'import json, sys
d = json.load(open(sys.argv[1]))
assert d["file"].endswith("/n0-\ufffd.img"), d["file"]' "$T/out" && ok || bad "0xff becomes one U+FFFD"
f=$(python3 -c 'import sys; sys.stdout.buffer.write(bytes.fromhex(sys.argv[1]))' "$(echo "$names" | sed -n 3p)")
"$XS" verify --json "$f" >"$T/out"
python3 -c 'import json, sys
d = json.load(open(sys.argv[1]))
assert d["file"].endswith("/n2-s\ufffd\ufffd\ufffd.img"), ascii(d["file"])' "$T/out" && ok ||
    bad "a surrogate's 3 bytes become 3 U+FFFD"

# random names (seeded): each byte that no valid UTF-8 sequence holds is
# dropped for U+FFFD, every valid one kept, as Python's decoder judges them
python3 - "$T" "$XS" <<'PY' && ok || bad "random file names: JSON"
import json, os, random, subprocess, sys
t, xs = sys.argv[1].encode(), sys.argv[2]
rnd = random.Random(7)
os.mkdir(os.path.join(t, b"rnd"))
names = []
for i in range(300):
    alphabet = [b for b in range(1, 256) if b != 0x2f]
    raw = bytes(rnd.choice(alphabet) for _ in range(rnd.randint(1, 12)))
    p = os.path.join(t, b"rnd", b"%d-" % i + raw)
    os.symlink(os.path.join(t, b"img"), p)
    names.append(p)
out = subprocess.run([xs, "verify", "--json"] + names, stdout=subprocess.PIPE,
                     stderr=subprocess.DEVNULL).stdout.decode("ascii")
docs = [json.loads(l) for l in out.splitlines()]
assert len(docs) == len(names), len(docs)
for n, d in zip(names, docs):
    assert d["valid"] is True, d
    assert d["file"].replace("\ufffd", "") == \
        n.decode("utf-8", "ignore").replace("\ufffd", ""), (n, d["file"])
    try:
        assert d["file"] == n.decode("utf-8") and "file_bytes" not in d, d
    except UnicodeDecodeError:
        assert bytes.fromhex(d["file_bytes"]) == n, d
PY

# ---- 3. an input that is not an image: the error, no report ---------------
: >"$T/empty"
echo "just some text" >"$T/text"
for f in /dev/zero "$T/text" /bin/true "$T/empty"; do
    expect 1 "$XS" info "$f"
    [ ! -s "$T/out" ] && ok || bad "info $f printed a report: $(head -3 "$T/out")"
    lines 1 "$T/err" "info $f: the error"
    expect 1 "$XS" info --json "$f"
    python3 -c 'import json, sys
d = json.load(open(sys.argv[1]))
assert d["valid"] is False and d["status"] == 1 and d["errors"] == 1, d
assert "libxc_version" not in d and "page_size" not in d, d
assert d["findings"][0]["severity"] == "error", d' "$T/out" 2>"$T/perr" && ok ||
        bad "info --json $f: $(tail -1 "$T/perr")"
    expect 1 "$XS" digest --json "$f"
    python3 -c 'import json, sys
docs = [json.loads(l) for l in open(sys.argv[1])]
assert len(docs) == 1, docs
d = docs[0]
assert d["valid"] is False and d["status"] == 1 and "content" not in d, d
assert d["findings"] and d["findings"][0]["severity"] == "error", d' "$T/out" 2>"$T/perr" && ok ||
        bad "digest --json $f: $(tail -1 "$T/perr")"
    [ ! -s "$T/err" ] && ok || bad "digest --json $f: stderr: $(cat "$T/err")"
done
expect 1 "$XS" dump "$T/text"
[ ! -s "$T/out" ] && ok || bad "dump of text printed: $(head -3 "$T/out")"
expect 1 "$XS" dump --json "$T/text"
python3 -c 'import json, sys
d = json.load(open(sys.argv[1]))
assert d["valid"] is False and d["status"] == 1 and "records" not in d, d' "$T/out" &&
    ok || bad "dump --json of text"
expect 3 "$XS" info --json "$T/nothere"
python3 -c 'import json, sys
d = json.load(open(sys.argv[1]))
assert d["status"] == 3 and "No such file" in d["findings"][0]["message"], d' "$T/out" &&
    ok || bad "info --json of a missing file"
expect 1 "$XS" digest "$T/text"
[ ! -s "$T/out" ] && grep -q "not a Xen save image" "$T/err" && ok || bad "digest of text"
# a valid input: --json says valid
expect 0 "$XS" digest --json "$T/img"
python3 -c 'import json, sys
d = json.load(open(sys.argv[1]))
assert d["valid"] is True and len(d["content"]) == 32, d' "$T/out" && ok || bad "digest --json valid"

# ---- 4. long paths: the reason is printed whole ---------------------------
d=$T
for _ in $(seq 1 30); do
    d="$d/$(printf 'd%.0s' $(seq 1 95))"
done
mkdir -p "$d"
head -c 5000 "$T/img" >"$d/cut.img"
[ ${#d} -gt 2800 ] && ok || bad "long path is ${#d} characters"
expect 3 "$XS" verify "$d/nothere.img"
grep -q "^$d/nothere.img: cannot open $d/nothere.img: No such file or directory\$" "$T/err" &&
    ok || bad "long path: missing file: $(tail -c 100 "$T/err")"
expect 1 "$XS" verify "$d/cut.img"
grep -q "^$d/cut.img: offset 0x[0-9a-f]* record #[0-9]* [A-Z_]*: truncated: " "$T/err" &&
    grep -q "the [0-9]*-byte record body ends after [0-9]* bytes" "$T/err" && ok ||
    bad "long path: truncated: $(tail -c 120 "$T/err")"
expect 3 "$XS" verify --json "$d/nothere.img"
python3 -c 'import json, sys
d = json.load(open(sys.argv[1]))
m = d["findings"][0]["message"]
assert m.endswith("/nothere.img: No such file or directory") and len(m) > 2800, m[-60:]' \
    "$T/out" && ok || bad "long path: --json message"
# a path of 20000 characters (longer than any a kernel opens): the message
# is bounded, and keeps its end
long=$(printf 'x%.0s' $(seq 1 20000))
expect 3 "$XS" verify --json "$T/$long"
python3 -c 'import json, sys
d = json.load(open(sys.argv[1]))
m = d["findings"][0]["message"]
assert len(m) < 16384 and "[...]" in m and m.endswith("File name too long"), (len(m), m[-40:])' \
    "$T/out" && ok || bad "20000-character path: bounded message"

# ---- 5. a terminal is never read as an image ------------------------------
if script -qec true /dev/null >/dev/null 2>&1; then
    tty_run() { # CMD: run on a pseudo-terminal, print the exit status
        timeout 20 script -qec "$1; echo \"rc=\$?\"" /dev/null </dev/null 2>&1 | tr -d '\r'
    }
    for cmd in "verify" "verify -" "info" "dump" "digest" "upgrade -o $T/tty.img" \
               "convert --to-version 3 -o $T/tty.img" "diff - $T/img" "verify /dev/tty"; do
        out=$(tty_run "$XS $cmd")
        echo "$out" | grep -q "^rc=2$" && ok || bad "$cmd on a terminal: $out"
        echo "$out" | grep -q "refusing to read an image from a terminal" && ok ||
            bad "$cmd on a terminal: message: $out"
    done
    [ ! -e "$T/tty.img" ] && ok || bad "a terminal input left an output"
    # a terminal as output of the read-only commands is fine
    out=$(tty_run "$XS verify $T/img")
    echo "$out" | grep -q "^rc=0$" && ok || bad "verify on a terminal's output: $out"
else
    echo "SKIP: terminal tests (script(1) cannot make a pseudo-terminal)"
fi

# ---- 6. no input named: standard input -------------------------------------
expect 0 "$XS" verify <"$T/img"
grep -q "^<stdin>: OK" "$T/out" && ok || bad "verify from standard input: $(cat "$T/out")"
expect 0 "$XS" info <"$T/img"
grep -q "^file: *<stdin>" "$T/out" && ok || bad "info from standard input"
expect 0 "$XS" dump <"$T/img"
grep -q "PAGE_DATA" "$T/out" && ok || bad "dump from standard input"
expect 0 "$XS" digest <"$T/img"
grep -q "  <stdin>$" "$T/out" && ok || bad "digest from standard input"
"$XS" digest "$T/img" | cut -d' ' -f1 >"$T/d1"
"$XS" digest <"$T/img" | cut -d' ' -f1 | cmp -s - "$T/d1" && ok || bad "digest: stdin = file"
cat "$T/img" | "$XS" verify >/dev/null 2>&1 && ok || bad "verify from a pipe"
expect 1 "$XS" verify </dev/null
expect 2 "$XS" info "$T/img" "$T/img"
expect 2 "$XS" dump "$T/img" "$T/img"
expect 2 "$XS" diff "$T/img"
for c in verify info dump digest; do
    "$XS" $c --help | grep -q "\[IN" && ok || bad "$c --help: IN is optional"
done

# ---- 7. notes: once per input, -q silences them ----------------------------
note="xl migrate's handshake"
count() { grep -c "$note" "$T/err"; }
expect 0 "$XS" verify "$T/mig"
[ "$(count)" = 1 ] && ok || bad "verify: the note $(count) times"
expect 0 "$XS" verify "$T/mig" "$T/mig"
[ "$(count)" = 2 ] && ok || bad "verify of two inputs: the note $(count) times"
expect 0 "$XS" verify -q "$T/mig"
[ ! -s "$T/err" ] && [ ! -s "$T/out" ] && ok || bad "verify -q: $(cat "$T/err")"
expect 0 "$XS" verify --json "$T/mig"
python3 -c 'import json, sys
d = json.load(open(sys.argv[1]))
f = [x for x in d["findings"] if x["rule"] == "trailing.xl_migrate"]
assert len(f) == 1 and f[0]["severity"] == "note", d["findings"]' "$T/out" && ok ||
    bad "verify --json: the note is a note"
expect 0 "$XS" info "$T/mig"
[ "$(count)" = 1 ] && ok || bad "info: the note $(count) times"
grep -q "after END: *xl migrate handshake" "$T/out" && ok || bad "info: after END"
expect 0 "$XS" info -q "$T/mig"
[ ! -s "$T/err" ] && ok || bad "info -q: $(cat "$T/err")"
expect 0 "$XS" digest "$T/mig"
[ ! -s "$T/err" ] && ok || bad "digest prints a note: $(cat "$T/err")"
grep -q "after END" "$T/out" && ok || bad "digest: the after END layer"
expect 0 "$XS" diff "$T/mig" "$T/mig"
[ ! -s "$T/err" ] && ok || bad "diff prints a note: $(cat "$T/err")"
expect 0 "$XS" dump "$T/mig"
[ ! -s "$T/err" ] && ok || bad "dump prints a note: $(cat "$T/err")"
grep -q "bytes after END .*handshake=xl-migrate" "$T/out" && ok || bad "dump: the trailer is named"
"$GEN" --pages 3000 --container xl --trailing 44 -o "$T/trail"
expect 0 "$XS" dump "$T/trail"
grep -q "handshake=" "$T/out" && bad "dump names other trailing bytes a handshake" || ok
grep -q "warning: 44 bytes after the final END" "$T/err" && ok || bad "dump: trailing warning kept"
"$XS" upgrade "$T/mig" -o "$T/mig.up" 2>"$T/err"
[ "$(count)" = 1 ] && ok || bad "upgrade: the note $(count) times"

# ---- 8. convert --drop-cpu-policy always says what it dropped -------------
"$GEN" --pages 3000 --policy -o "$T/pol"
expect 0 "$XS" convert --to-version 2 --drop-cpu-policy "$T/pol" -o "$T/pol.v2"
grep -q "^$T/pol: 2 CPU policy records dropped: the receiving host derives the guest's CPU policy itself (the guest may see other CPU features)\$" "$T/err" &&
    ok || bad "convert --drop-cpu-policy: $(cat "$T/err")"
lines 1 "$T/err" "convert --drop-cpu-policy: stderr"
expect 0 "$XS" convert --to-version 2 --drop-cpu-policy "$T/pol" -o "$T/pol.v2" -v
grep -c "CPU policy records dropped: the receiving host" "$T/err" | grep -qx 1 && ok ||
    bad "convert --drop-cpu-policy -v: $(cat "$T/err")"
"$GEN" --pages 3000 --no-policy -o "$T/nopol"
expect 0 "$XS" convert --to-version 2 --drop-cpu-policy "$T/nopol" -o "$T/nopol.v2"
[ ! -s "$T/err" ] && ok || bad "convert --drop-cpu-policy without policy records: $(cat "$T/err")"

# ---- 9. the progress line: one unit per figure, and an ETA -----------------
"$GEN" --mib 1024 --zero-pages --gzip -o "$T/big.gz"
# ISA-L reads it within a second: lines every 20 ms, so that one has a rate
XENSTREAM_PROGRESS_INTERVAL=0.02 expect 0 "$XS" verify --progress "$T/big.gz"
grep -v ": OK:" "$T/err" >"$T/prog"
[ -s "$T/prog" ] && ok || bad "no progress line"
re='^.*big\.gz: [0-9.]+ (B|KiB|MiB|GiB) of [0-9.]+ (B|KiB|MiB|GiB) read \([0-9]+%\), [0-9.]+ (B|KiB|MiB|GiB) decoded, [0-9.]+ (B|KiB|MiB|GiB)/s, ETA ([0-9]+:)?([0-9]+:[0-9][0-9]|--:--)$'
grep -Evq "$re" "$T/prog" && bad "progress line format: $(grep -Ev "$re" "$T/prog" | head -2)" || ok
grep -Eq 'ETA ([0-9]+:)?[0-9]+:[0-9][0-9]$' "$T/prog" && ok || bad "no ETA: $(cat "$T/prog")"
# the percentage is of the compressed bytes: never above 100
awk -F'[()%]' '/read/ { if ($2 + 0 > 100) exit 1 }' "$T/prog" && ok || bad "percentage above 100"
expect 0 "$XS" verify --progress "$T/img"
grep -Eq "img: [0-9.]+ (B|KiB|MiB) of [0-9.]+ (B|KiB|MiB) \([0-9]+%\), [0-9.]+ (B|KiB|MiB)/s, ETA" "$T/err" &&
    ok || bad "progress, plain file: $(head -1 "$T/err")"
cat "$T/big.gz" | "$XS" verify --progress - >/dev/null 2>"$T/err"
grep -v ": OK:" "$T/err" | head -1 | grep -Eq '^<stdin>: [0-9.]+ (B|KiB|MiB) read, [0-9.]+ (B|KiB|MiB) decoded, [0-9.]+ (B|KiB|MiB)/s$' &&
    ok || bad "progress, pipe: $(head -1 "$T/err")"

# ---- 10. info of a truncated capture, and of pages sent twice --------------
# the offset of the second vCPU's first record, from dump
at=$("$XS" dump "$T/mig" | awk '/X86_PV_VCPU_BASIC/ { n++; if (n == 2) print $1 }')
[ -n "$at" ] && ok || bad "dump: no second X86_PV_VCPU_BASIC"
at=$((at))
for cut in $((at + 20)) $((at + 4)) "$at"; do
    head -c "$cut" "$T/mig" >"$T/cut"
    expect 1 "$XS" info "$T/cut"
    grep -q "after END" "$T/out" && bad "info of a truncated stream at $cut: after END line" || ok
    grep -q "^complete: *no" "$T/out" && ok || bad "info at $cut: not said to be incomplete"
    grep -q "^vcpus: *2 (the xl config's" "$T/out" && ok || bad "info at $cut: vcpus: $(grep vcpus "$T/out")"
    grep -q "(none)" "$T/err" && bad "info at $cut: error names (none): $(cat "$T/err")" || ok
    expect 1 "$XS" info --json "$T/cut"
    python3 -c 'import json, sys
d = json.load(open(sys.argv[1]))
assert d["complete"] is False and "after_end" not in d and "ends_without_end" not in d, d
assert d["vcpus"] == 2 and d["vcpus_from"] == "xl config", d' "$T/out" 2>"$T/perr" && ok ||
        bad "info --json at $cut: $(tail -1 "$T/perr")"
done
len=$("$XS" dump "$T/mig" | awk '/X86_PV_VCPU_BASIC/ { n++; if (n == 2) print $4 }')
head -c $((at + 20)) "$T/mig" >"$T/cut"
"$XS" verify "$T/cut" 2>&1 | grep -q "record #[0-9]* X86_PV_VCPU_BASIC: truncated: the $len-byte record body ends after 12 bytes\$" &&
    ok || bad "a record cut in its body: its type, length and what was there: $("$XS" verify "$T/cut" 2>&1 | tail -1)"
# its padding: the first record whose body is not a multiple of 8 (HVM's
# EMULATOR_XENSTORE_DATA)
"$GEN" --guest hvm --container libxl --pages 600 -o "$T/hvm"
read -r pat plen <<<"$("$XS" dump "$T/hvm" | awk '$1 ~ /^0x/ && $4 % 8 { print $1, $4; exit }')"
if [ -n "$pat" ]; then
    head -c $((pat + 8 + plen + 1)) "$T/hvm" >"$T/cut"
    "$XS" verify "$T/cut" 2>&1 | grep -q "truncated: the $(((8 - plen % 8) % 8))-byte record padding ends after 1 byte\$" &&
        ok || bad "padding cut: $("$XS" verify "$T/cut" 2>&1 | tail -1)"
else
    bad "no record with padding in the sample"
fi
head -c $((at + 4)) "$T/mig" >"$T/cut"
"$XS" verify "$T/cut" 2>&1 | grep -q "record #[0-9]* X86_PV_VCPU_BASIC: truncated: the 8-byte record header ends after 4 bytes" &&
    ok || bad "a header cut after its type is named by the type"
head -c "$at" "$T/mig" >"$T/cut"
"$XS" verify "$T/cut" 2>&1 | grep -q "record #[0-9]* end of input: truncated: the stream ends without an END record" &&
    ok || bad "a stream cut between records"
# a bare libxc stream without a config: vcpus unknown
at=$("$XS" dump "$T/img" | awk '/X86_PV_VCPU_BASIC/ { print $1; exit }')
head -c $((at)) "$T/img" >"$T/cut"
expect 1 "$XS" info "$T/cut"
grep -q "^vcpus: *unknown" "$T/out" && ok || bad "bare truncated: vcpus: $(grep vcpus "$T/out")"
expect 1 "$XS" info --json "$T/cut"
python3 -c 'import json, sys
d = json.load(open(sys.argv[1]))
assert d["vcpus"] is None and d["vcpus_from"] == "unknown", d' "$T/out" && ok || bad "bare truncated: --json vcpus"
# complete images keep their after-END line
expect 0 "$XS" info --json "$T/img"
python3 -c 'import json, sys
d = json.load(open(sys.argv[1]))
assert d["complete"] is True and d["after_end"] == "nothing" and d["vcpus"] == 2, d
assert d["pages_with_data"] == d["page_transmissions"], d' "$T/out" && ok || bad "info of a whole image"
# pages sent twice (--verify re-sends the first 64 pfns after a VERIFY
# record, as a live migration's later rounds re-send dirtied pages)
"$GEN" --pages 3000 --verify -o "$T/twice"
expect 0 "$XS" info --json "$T/twice"
python3 -c 'import json, sys
d = json.load(open(sys.argv[1]))
assert d["page_transmissions"] - d["pages_with_data"] == 64, d
assert d["memory_bytes"] == d["pages_with_data"] * 4096, d' "$T/out" 2>"$T/perr" && ok ||
    bad "info: distinct pfns: $(tail -1 "$T/perr")"
distinct=$(python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["pages_with_data"])' "$T/out")
expect 0 "$XS" info "$T/twice"
grep -q "^memory: .*($distinct pages; $((distinct + 64)) sent, 64 of them again)" "$T/out" && ok ||
    bad "info: memory line: $(grep memory "$T/out")"
# --digest: the same count from a file; from a pipe it is not counted
expect 0 "$XS" info --json --digest "$T/twice"
python3 -c 'import json, sys
d = json.load(open(sys.argv[1]))
assert d["pages_with_data"] == int(sys.argv[2]) and len(d["digest"]) == 32, d' "$T/out" "$distinct" &&
    ok || bad "info --digest: distinct pfns"
[ ! -s "$T/err" ] && ok || bad "info --digest: findings twice: $(cat "$T/err")"
cat "$T/twice" | "$XS" info --json --digest - >"$T/out" 2>"$T/err"
python3 -c 'import json, sys
d = json.load(open(sys.argv[1]))
assert d["pages_with_data"] is None and d["page_transmissions"] > 0, d' "$T/out" && ok ||
    bad "info --digest from a pipe"


# ---- 11. human-readable output is safe for a terminal ----------------------
# A hostile image or file name carries ESC sequences, \r, \b: every text
# line shows them as escapes (\x1b, \r), never as the raw bytes.
raw_ctl() { # FILE...: whether any holds a raw C0 control but \n, or DEL
    LC_ALL=C grep -q "$(printf '[\001-\011\013-\037\177]')" "$@"
}
evil=$(printf '\033]0;pwned\007\033[2J\r')
# an xl image whose text config names the domain with them
"$GEN" --pages 3000 --container xl --text-config -o "$T/xlt"
python3 - "$T/xlt" "$T/xlevil" "$evil" <<'PY'
import struct, sys
b = open(sys.argv[1], "rb").read()
n = struct.unpack_from("<I", b, 0x30)[0]       # the config's length
cfg = b[0x34:0x34 + n]
new = cfg.replace(b'"guest-1"', b'"' + sys.argv[3].encode() + b'"')
assert new != cfg
open(sys.argv[2], "wb").write(b[:0x2c] + struct.pack("<II", len(new) + 4, len(new))
                              + new + b[0x34 + n:])
PY
# and a file named with them (a whole copy and a truncated one)
en="$T/e${evil}.img"
cp "$T/xlevil" "$en"
head -c 3000 "$T/xlt" >"$T/t${evil}.img"
shown='e\x1b]0;pwned\x07\x1b[2J\r.img'
for cmd in "verify" "info" "dump" "digest" "diff"; do
    for f in "$T/xlevil" "$en" "$T/t${evil}.img"; do
        args=("$f")
        [ "$cmd" = diff ] && args=("$f" "$T/xlt")
        "$XS" $cmd "${args[@]}" >"$T/out" 2>"$T/err"
        raw_ctl "$T/out" "$T/err" && bad "$cmd $(printf %q "$f"): raw control bytes: $(cat -A "$T/out" "$T/err" | head -3)" || ok
    done
done
expect 0 "$XS" verify "$en"
grep -qF "/$shown: OK: " "$T/out" && ok || bad "verify: the name escaped: $(cat -A "$T/out")"
expect 0 "$XS" info "$en"
grep -qF "/$shown" "$T/out" && ok || bad "info: the name escaped: $(cat -A "$T/out")"
grep -q "^xl config: *name [^,]*pwned" "$T/out" && ok || bad "info: the config's name: $(cat -A "$T/out")"
expect 0 "$XS" digest "$en"
grep -qF "  $T/$shown" "$T/out" && ok || bad "digest: the name escaped: $(cat -A "$T/out")"
expect 0 "$XS" diff "$en" "$T/xlevil"
grep -qF "/$shown and " "$T/out" && ok || bad "diff: the name escaped: $(cat -A "$T/out")"
# findings (stderr): the name escaped, each finding one line
expect 1 "$XS" verify "$T/t${evil}.img"
grep -qF "/t${shown#e}: offset 0x" "$T/err" && ok || bad "findings: the name escaped: $(cat -A "$T/err")"
lines 1 "$T/err" "findings of a truncated image with a hostile name"
expect 1 "$XS" dump "$T/t${evil}.img"
grep -qF "/t${shown#e}: offset 0x" "$T/err" && ok || bad "dump: findings escaped: $(cat -A "$T/err")"
# the backslash itself, C1 controls (as UTF-8 and as lone bytes), the
# bidi override; printable UTF-8 kept
f=$(printf '%s/b\\x\xc2\x9b\x9b\xe2\x80\xae\xc3\xa9' "$T")
cp "$T/img" "$f"
expect 0 "$XS" verify "$f"
grep -qF '/b\\x\u009b\x9b\u202eé: OK' "$T/out" && ok || bad "C1, bidi, backslash: $(cat -A "$T/out")"
# a xenstore key of the image (dump lists them)
"$GEN" --pages 3000 --guest hvm --container xl -o "$T/hvm"
python3 - "$T/hvm" "$T/hvmevil" <<'PY'
import sys
b = open(sys.argv[1], "rb").read()
old, new = b"physmap/f0000000/", b"physmap/\x1b]0;p\x07\r\x08/"
assert len(old) == len(new) and old in b
open(sys.argv[2], "wb").write(b.replace(old, new))
PY
expect 0 "$XS" dump "$T/hvmevil"
raw_ctl "$T/out" "$T/err" && bad "dump: a xenstore key's raw bytes: $(grep XENSTORE "$T/out" | cat -A)" || ok
grep -qF 'keys=physmap/\x1b]0;p\x07\r\b/start_addr' "$T/out" && ok ||
    bad "dump: the xenstore key escaped: $(grep XENSTORE "$T/out" | cat -A)"
# arguments quoted back: an unknown command, a bad option value
expect 2 "$XS" "$evil"
raw_ctl "$T/err" && bad "unknown command: raw bytes" || ok
grep -qF "'\x1b]0;pwned\x07\x1b[2J\r' is not a command" "$T/err" && ok || bad "unknown command: $(cat -A "$T/err")"
expect 2 "$XS" diff -n "$evil" a b
raw_ctl "$T/err" && bad "diff -n: raw bytes" || ok
expect 0 "$XS" verify --progress "$en"
raw_ctl "$T/err" && bad "progress: raw bytes: $(cat -A "$T/err" | head -2)" || ok


# ---- 12. a failed write to standard output stops the command at once --------
# dump: the producer of a 256 MiB image through a pipe is cut off (SIGPIPE
# or EPIPE) when dump stops at its first failed write; read to its end,
# the producer would finish (exit 0).
start=$(date +%s)
"$GEN" --mib 256 --batch 16 2>/dev/null | "$XS" dump --pages - 2>"$T/err" | head -1 >"$T/out"
st=("${PIPESTATUS[@]}")
secs=$(($(date +%s) - start))
[ "${st[0]}" != 0 ] && ok || bad "dump | head -1 read all of its input (producer exit ${st[0]})"
[ "${st[1]}" = 3 ] && grep -q "cannot write standard output: Broken pipe" "$T/err" && ok ||
    bad "dump | head -1: exit ${st[1]}: $(cat "$T/err")"
lines 1 "$T/out" "dump | head -1"
[ "$secs" -lt 20 ] && ok || bad "dump | head -1 took $secs s"
# verify and digest of many inputs into a closed pipe: the first failed
# write ends the run, and a FIFO without a writer later in the list (which
# would block its open for ever) is never opened
mkfifo "$T/fifo"
for cmd in verify digest "verify --json" "digest --json"; do
    # shellcheck disable=SC2086
    timeout 20 python3 -c 'import os, subprocess, sys
r, w = os.pipe()
os.close(r)
sys.exit(subprocess.call(sys.argv[1:], stdout=w))' $XS $cmd "$T/img" "$T/img" "$T/fifo" 2>"$T/err"
    rc=$?
    [ $rc = 3 ] && grep -q "Broken pipe" "$T/err" && ok ||
        bad "$cmd of many into a closed pipe: exit $rc: $(cat "$T/err")"
    lines 1 "$T/err" "$cmd of many into a closed pipe: stderr"
done
# /dev/full: the same
timeout 20 "$XS" verify "$T/img" "$T/fifo" >/dev/full 2>"$T/err"
rc=$?
[ $rc = 3 ] && grep -q "No space left on device" "$T/err" && ok || bad "verify >/dev/full of many: exit $rc: $(cat "$T/err")"


# ---- 13. restore's messages: whole, bounded, safe for a terminal -----------
# (a --config that cannot be read is said before any Xen is needed)
if "$XS" --version | grep -q "^live backend: built (libxenlight"; then
    ys=$(printf 'y%.0s' $(seq 1 700))
    expect 2 "$XS" restore --config "$T/no/c${evil}$ys/end.cfg" "$T/xlt"
    raw_ctl "$T/err" && bad "restore: raw control bytes: $(cat -A "$T/err")" || ok
    grep -qF "restore: cannot open config $T/no/c\x1b]0;pwned\x07\x1b[2J\r${ys}/end.cfg: No such file or directory" "$T/err" &&
        ok || bad "restore: the message whole and escaped: $(cat -A "$T/err" | cut -c1-200)"
    long=$(printf 'x%.0s' $(seq 1 20000))
    expect 2 "$XS" restore --config "$T/$long" "$T/xlt"
    python3 -c 'import sys
m = open(sys.argv[1]).read().rstrip("\n")
assert m.count("\n") == 0 and 16384 <= len(m) < 16384 + 200, len(m)
assert "[...]" in m and m.endswith(": File name too long"), m[-60:]' "$T/err" 2>"$T/perr" &&
        ok || bad "restore: a 20000-character path: $(tail -1 "$T/perr")"
else
    echo "SKIP: restore's messages (no live backend in this build)"
fi


# ---- 14. standard input named twice: usage error, not a false INVALID ------
# (the second would read what the first left of a pipe: nothing)
for cmd in verify digest diff; do
    cat "$T/img" | "$XS" $cmd - - >"$T/out" 2>"$T/err"; rc=$?
    [ $rc = 2 ] && grep -q "standard input can be read once: '-' names it again" "$T/err" &&
        ok || bad "$cmd - - from a pipe: exit $rc: $(cat "$T/err")"
    [ ! -s "$T/out" ] && ok || bad "$cmd - -: printed $(cat "$T/out")"
    cat "$T/img" | "$XS" $cmd - /dev/stdin >"$T/out" 2>"$T/err"; rc=$?
    [ $rc = 2 ] && grep -q "'/dev/stdin' names it again" "$T/err" && ok ||
        bad "$cmd - /dev/stdin from a pipe: exit $rc: $(cat "$T/err")"
done
# a regular file on standard input reads again by its other names
expect 0 "$XS" verify - /dev/stdin <"$T/img"
lines 2 "$T/out" "verify - /dev/stdin from a file"
cat "$T/img" | "$XS" verify "$T/img" - "$T/img" >"$T/out" 2>&1 && ok || bad "verify FILE - FILE from a pipe: $(cat "$T/out")"

# ---- 15. diff -n takes digits only --------------------------------------------
for n in ' 5' +5 -5 -1 18446744073709551616 '' 5x 0x10; do
    expect 2 "$XS" diff -n "$n" "$T/img" "$T/img"
    grep -q "^xenstream diff: --max takes a count, not '$n'" "$T/err" && ok || bad "diff -n '$n': $(cat "$T/err")"
done
for n in 0 5 18446744073709551615; do
    expect 0 "$XS" diff -n "$n" "$T/img" "$T/img"
done


# ---- 16. many inputs, few descriptors: none is kept from one input to the next
"$GEN" --pages 300 -o "$T/s.img"
"$GEN" --pages 300 --gzip -o "$T/s.gz"
mkdir -p "$T/adir"
many=()
for i in $(seq 1 25); do many+=("$T/s.img" "$T/s.gz" "$T/adir" "$T/nothere"); done
for cmd in verify digest "verify --json" "digest --json"; do
    # shellcheck disable=SC2086
    (ulimit -n 20; "$XS" $cmd "${many[@]}") >"$T/out" 2>"$T/err"; rc=$?
    [ $rc = 3 ] && ok || bad "$cmd of 100 inputs under ulimit -n 20: exit $rc"
    grep -q "Too many open files" "$T/err" && bad "$cmd: descriptors leak: $(grep -m1 'Too many' "$T/err")" || ok
    [ "$(grep -c "Is a directory" "$T/err" "$T/out" | awk -F: '{ s += $2 } END { print s }')" = 25 ] &&
        [ "$(grep -c "No such file" "$T/err" "$T/out" | awk -F: '{ s += $2 } END { print s }')" = 25 ] &&
        ok || bad "$cmd of 100 inputs: one message per failed input: $(sort "$T/err" | uniq -c | head -5)"
done
(ulimit -n 20; "$XS" verify "${many[@]}") >"$T/out" 2>/dev/null
[ "$(grep -c ": OK: " "$T/out")" = 50 ] && [ "$(grep -c ": FAILED: I/O error" "$T/out")" = 50 ] &&
    ok || bad "verify of 100 inputs: summary lines: $(sort "$T/out" | uniq -c | head)"


# ---- 17. verify --xen's suggested command: the name is one shell word ------
# (the admin copies it: a name must not become shell syntax or an option)
mkdir -p "$T/sh"
xs_abs=$(cd "$(dirname "$XS")" && pwd)/$(basename "$XS")
for name in 'x;touch pwned;.img' '-rf.img' "it's.img" 'a b$(touch pwned).img' 'plain.img'; do
    cp "$T/img" "$T/sh/$name"
    (cd "$T/sh" && "$xs_abs" verify --xen 4.6 -- "$name") >"$T/out" 2>/dev/null
    cmdline=$(sed -n 's/^.*: to restore it on Xen 4\.6: //p' "$T/out")
    [ -n "$cmdline" ] && ok || bad "verify --xen 4.6 '$name': no command: $(cat "$T/out")"
    rm -f "$T/sh/out.v2"
    (cd "$T/sh" && XS="$xs_abs" bash -c "${cmdline/#xenstream/\"\$XS\"}" 2>"$T/err") &&
        [ -s "$T/sh/out.v2" ] || [ -s "$T/sh/OUT" ] && ok || bad "'$name': the suggested '$cmdline' fails: $(cat "$T/err")"
    [ ! -e "$T/sh/pwned" ] && ok || bad "'$name': the suggested command ran shell syntax: $cmdline"
    rm -f "$T/sh/OUT" "$T/sh/out.v2" "$T/sh/$name" "$T/sh/pwned"
done

finish edges-cli
