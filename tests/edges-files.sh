#!/usr/bin/env bash
# Output files and the input (docs/behaviour.md §5): symbolic links,
# devices, FIFOs, the input as its own output, metadata of a replaced file,
# long names.
# Every case that could hang runs under timeout; nothing outside $T is
# written except in a private mount namespace.
#
#   edges-files.sh XENSTREAM XS_GEN
set -u
XS=$1
GEN=$2
XS_EXPECT_TIMEOUT=60
exec </dev/null # nothing here reads a terminal
. "$(dirname "$0")/lib.sh"
same() { cmp -s "$1" "$2" && ok || bad "$3"; }
no_temp() { # DIR: no temporary file left behind
    if ls -a "$1" | grep -q '\.xenstream-'; then bad "temporary file left in $1"; else ok; fi
}
ROOT=0
[ "$(id -u)" = 0 ] && ROOT=1

"$GEN" --guest pv64 --version 2 --pages 600 -o "$T/v2.img"
"$GEN" --guest pv64 --version 3 --no-policy --pages 600 -o "$T/v3.gold"

# ---- symbolic links: the final target is replaced, the link stays --------
mkdir "$T/d" "$T/e"
cp "$T/v2.img" "$T/e/real.img"
ln -s ../e/real.img "$T/d/rel.lnk"          # relative, into another directory
ln -s "$T/d/rel.lnk" "$T/abs.lnk"           # a chain: absolute then relative
expect 0 "$XS" upgrade "$T/v2.img" -o "$T/abs.lnk"
[ -L "$T/abs.lnk" ] && [ -L "$T/d/rel.lnk" ] && ok || bad "-o LINK: the links were replaced"
same "$T/e/real.img" "$T/v3.gold" "-o LINK: the target does not hold the upgrade"
no_temp "$T/e"; no_temp "$T/d"; no_temp "$T"

# dangling: the target is created, as a shell's > would
ln -s "$T/e/new.img" "$T/dangling.lnk"
expect 0 "$XS" upgrade "$T/v2.img" -o "$T/dangling.lnk"
[ -L "$T/dangling.lnk" ] && ok || bad "-o DANGLING: the link was replaced"
same "$T/e/new.img" "$T/v3.gold" "-o DANGLING: the target was not created"

# --in-place through a link
cp "$T/v2.img" "$T/e/inplace.img"
ln -s e/inplace.img "$T/inplace.lnk"
expect 0 "$XS" upgrade --in-place "$T/inplace.lnk"
[ -L "$T/inplace.lnk" ] && ok || bad "--in-place LINK: the link was replaced"
same "$T/e/inplace.img" "$T/v3.gold" "--in-place LINK: the target is not upgraded"

# a loop of links is an I/O error, and nothing is created
ln -s loop2 "$T/loop1"; ln -s loop1 "$T/loop2"
expect 3 "$XS" upgrade "$T/v2.img" -o "$T/loop1"
grep -q "symbolic links" "$T/err" && ok || bad "link loop message: $(cat "$T/err")"
no_temp "$T"

# ---- the input as its own output ---------------------------------------------
cp "$T/v2.img" "$T/self.img"
cp "$T/v2.img" "$T/self.orig"
expect 2 "$XS" upgrade "$T/self.img" -o "$T/self.img"
ln "$T/self.img" "$T/self.hard"
expect 2 "$XS" upgrade "$T/self.img" -o "$T/self.hard"
ln -s self.img "$T/self.lnk"
expect 2 "$XS" upgrade "$T/self.lnk" -o "$T/self.img"
# >> IN, as argument and as standard input: refused before a byte is written
timeout 60 "$XS" upgrade "$T/self.img" >>"$T/self.img" 2>"$T/err"; rc=$?
[ $rc = 2 ] && grep -q "standard output is the input" "$T/err" && ok ||
    bad "upgrade IN >> IN: exit $rc: $(cat "$T/err")"
timeout 60 "$XS" upgrade <"$T/self.img" >>"$T/self.img" 2>"$T/err"; rc=$?
[ $rc = 2 ] && ok || bad "upgrade < IN >> IN: exit $rc"
timeout 60 "$XS" convert --to-version 2 "$T/self.img" >"$T/self.img" 2>"$T/err"; rc=$?
[ $rc = 2 ] || [ $rc = 1 ] && ok || bad "convert IN > IN: exit $rc"
cp "$T/self.orig" "$T/self.img"
same "$T/self.img" "$T/self.orig" "the input was written"
# through a pipe to the input's own end: the input is read up to its size
# at open, so the run ends, and the change is seen
timeout 60 bash -c "'$XS' upgrade '$T/self.img' 2>'$T/err' | cat >>'$T/self.img'"; rc=$?
[ $rc != 124 ] && ok || bad "upgrade IN | cat >> IN did not end"
grep -q "input.changed\|changed while it was read" "$T/err" && ok ||
    bad "upgrade IN | cat >> IN: the change is not reported: $(cat "$T/err")"
cp "$T/self.orig" "$T/self.img"

# the commands that print text refuse standard output into their input
# too (dump IN 1<> IN wrote its listing over the image, exit 0), before
# a byte is printed: as a named input, as standard input, as the second
# of two (verify's first line would have gone in)
for cmd in "dump --pages" "search --string x" "info" "verify" "verify --json" \
    "digest" "diff $T/self.orig"; do
    for how in rw app std second; do
        case $how in
        rw) timeout 60 $XS $cmd "$T/self.img" 1<>"$T/self.img" 2>"$T/err" ;;
        app) timeout 60 $XS $cmd "$T/self.img" >>"$T/self.img" 2>"$T/err" ;;
        std) [ "${cmd#diff}" != "$cmd" ] && continue # it takes two names
            timeout 60 $XS $cmd <"$T/self.img" >>"$T/self.img" 2>"$T/err" ;;
        second) # the commands that take several inputs
            case $cmd in verify* | digest) ;; *) continue ;; esac
            timeout 60 $XS $cmd "$T/v2.img" "$T/self.img" >>"$T/self.img" \
                2>"$T/err" ;;
        esac
        rc=$?
        [ $rc = 2 ] && grep -q "standard output is the input" "$T/err" &&
            cmp -s "$T/self.img" "$T/self.orig" && ok ||
            bad "$cmd, stdout into the input ($how): exit $rc: $(cat "$T/err")"
        cp "$T/self.orig" "$T/self.img"
    done
done

# a file size limit (ulimit -f) on standard output is a write error for
# every command (exit 3 and a line), not a death by SIGXFSZ
for cmd in "dump --pages" "search --string x" "info --json" "export -f elf"; do
    ( ulimit -f 1; $XS $cmd "$T/v2.img" >"$T/fsz.out" 2>"$T/err" ); rc=$?
    [ $rc = 3 ] && grep -q "File too large" "$T/err" && ok ||
        bad "$cmd under ulimit -f 1: exit $rc: $(cat "$T/err")"
done

# ---- FIFOs, devices and standard input -----------------------------------
mkfifo "$T/fifo"
expect 2 "$XS" upgrade --in-place "$T/fifo"
timeout 60 bash -c "cat '$T/v2.img' | '$XS' upgrade --in-place /dev/stdin" 2>"$T/err"; rc=$?
[ $rc = 2 ] && ok || bad "--in-place /dev/stdin (a pipe): exit $rc: $(cat "$T/err")"
expect 2 "$XS" upgrade --in-place "$T/d"
# a FIFO as OUT is written directly, never renamed over
( timeout 60 cat "$T/fifo" >"$T/fifo.out" ) &
reader=$!
expect 0 "$XS" upgrade "$T/v2.img" -o "$T/fifo"
wait $reader
[ -p "$T/fifo" ] && ok || bad "-o FIFO: the FIFO was replaced"
same "$T/fifo.out" "$T/v3.gold" "-o FIFO: the reader did not get the stream"
expect 0 "$XS" upgrade "$T/v2.img" -o /dev/null
[ -c /dev/null ] && ok || bad "-o /dev/null: /dev/null is no longer a device"
# -o /dev/stdout: the file the shell opened gets the stream
timeout 60 "$XS" upgrade "$T/v2.img" -o /dev/stdout >"$T/stdout.img" 2>"$T/err"; rc=$?
[ $rc = 0 ] && ok || bad "-o /dev/stdout: exit $rc: $(cat "$T/err")"
same "$T/stdout.img" "$T/v3.gold" "-o /dev/stdout > FILE: FILE lacks the stream"
[ -L /dev/stdout ] && ok || bad "-o /dev/stdout replaced /dev/stdout"
timeout 60 "$XS" upgrade "$T/v2.img" -o /dev/stdout | cat >"$T/stdout.pipe"
same "$T/stdout.pipe" "$T/v3.gold" "-o /dev/stdout | cat"
# and in a private mount namespace whose /dev is a scratch tmpfs, so that a
# regression damages nothing but that tmpfs
if [ $ROOT = 1 ] && unshare -m true 2>/dev/null; then
    unshare -m bash -c "
        mount --make-rprivate / && mount -t tmpfs none /dev &&
        ln -s /proc/self/fd/1 /dev/stdout &&
        '$XS' upgrade '$T/v2.img' -o /dev/stdout >'$T/ns.img' &&
        [ -L /dev/stdout ]" 2>"$T/err"; rc=$?
    [ $rc = 0 ] && ok || bad "private namespace: -o /dev/stdout: exit $rc: $(cat "$T/err")"
    same "$T/ns.img" "$T/v3.gold" "private namespace: -o /dev/stdout > FILE"
else
    echo "SKIP: -o /dev/stdout in a private mount namespace (needs root and unshare)"
fi

# ---- a replaced file keeps its metadata --------------------------------
cp "$T/v2.img" "$T/meta.img"
chmod 0640 "$T/meta.img"
setfattr -n user.origin -v saved-on-host-a "$T/meta.img" 2>/dev/null ||
    python3 -c "import os,sys; os.setxattr(sys.argv[1], 'user.origin', b'saved-on-host-a')" "$T/meta.img"
acl=0
if command -v setfacl >/dev/null && setfacl -m u:nobody:r "$T/meta.img" 2>/dev/null; then acl=1; fi
if [ $ROOT = 1 ]; then chown nobody:nogroup "$T/meta.img"; chmod 4750 "$T/meta.img"; fi
before=$(stat -c '%U:%G %a' "$T/meta.img")
expect 0 "$XS" upgrade --in-place "$T/meta.img"
same "$T/meta.img" "$T/v3.gold" "--in-place META: not upgraded"
after=$(stat -c '%U:%G %a' "$T/meta.img")
[ "$before" = "$after" ] && ok || bad "owner/group/mode: $before became $after"
v=$(python3 -c "import os,sys; print(os.getxattr(sys.argv[1], 'user.origin').decode())" "$T/meta.img" 2>&1)
[ "$v" = saved-on-host-a ] && ok || bad "xattr user.origin lost: $v"
if [ $acl = 1 ]; then
    getfacl -c "$T/meta.img" 2>/dev/null | grep -q '^user:nobody:r' && ok || bad "ACL lost"
else
    echo "SKIP: ACLs (no setfacl, or the file system has none)"
fi
# a caller who may not give the file back to its owner: the new file is
# the caller's, and a setuid bit is not carried over to it
if [ $ROOT = 1 ] && command -v setpriv >/dev/null; then
    mkdir "$T/shared"; chmod 0777 "$T/shared"; chmod 0711 "$T"
    cp "$T/v2.img" "$T/shared/in.img"; chmod 0644 "$T/shared/in.img"
    cp "$T/v2.img" "$T/shared/suid.img"
    chown root:root "$T/shared/suid.img"; chmod 4777 "$T/shared/suid.img"
    setpriv --reuid=nobody --regid=nogroup --clear-groups \
        "$XS" upgrade "$T/shared/in.img" -o "$T/shared/suid.img" 2>"$T/err"; rc=$?
    [ $rc = 0 ] && ok || bad "unprivileged replace: exit $rc: $(cat "$T/err")"
    m=$(stat -c '%U %a' "$T/shared/suid.img")
    [ "$m" = "nobody 777" ] && ok || bad "unprivileged replace: $m (the setuid bit went to another owner?)"
else
    echo "SKIP: setuid to another owner (needs root and setpriv)"
fi
# hard links are broken (documented): the other name keeps the old bytes
cp "$T/v2.img" "$T/hl.img"; ln "$T/hl.img" "$T/hl.other"
expect 0 "$XS" upgrade --in-place "$T/hl.img"
same "$T/hl.img" "$T/v3.gold" "hard link: the named file is not upgraded"
same "$T/hl.other" "$T/v2.img" "hard link: the other name changed"

# ---- names ------------------------------------------------------------
long=$(printf 'x%.0s' $(seq 1 250)).img
expect 0 "$XS" upgrade "$T/v2.img" -o "$T/$long"
same "$T/$long" "$T/v3.gold" "an OUT name of 254 bytes"
no_temp "$T"
expect 2 "$XS" upgrade "$T/v2.img" --output=
expect 2 "$XS" upgrade "$T/v2.img" -o ""
expect 3 "$XS" upgrade "$T/v2.img" -o "$T/no/such/dir/x.img"
expect 3 "$XS" upgrade "$T/v2.img" -o "$T/d/"
[ -d "$T/d" ] && ok || bad "-o DIR/ replaced a directory"

# ---- a refused input leaves OUT as it was -------------------------------
head -c 20000 "$T/v2.img" >"$T/trunc.img"
echo keep >"$T/keep.img"
expect 1 "$XS" upgrade "$T/trunc.img" -o "$T/keep.img"
[ "$(cat "$T/keep.img")" = keep ] && ok || bad "a refused input changed OUT"
no_temp "$T"

# ---- what a file that is no image, or damaged gzip, is called -------------
echo "just some text" >"$T/t.txt"; gzip -c "$T/t.txt" >"$T/t.gz"
expect 1 "$XS" verify "$T/t.gz"
grep -q "gzip-compressed, and inside: not a Xen save image: it looks like text" "$T/err" && ok ||
    bad "gzip of text: $(cat "$T/err")"
expect 1 "$XS" verify /bin/true
grep -q "an ELF file" "$T/err" && ok || bad "ELF: $(cat "$T/err")"
"$GEN" --guest hvm --pages 1500 --container xl -o "$T/h.img"
gzip -c "$T/h.img" >"$T/h.gz"
python3 -c "
import sys
b = bytearray(open(sys.argv[1], 'rb').read())
for i in range(len(b) // 2, len(b) // 2 + 40): b[i] ^= 0x55
open(sys.argv[2], 'wb').write(b)" "$T/h.gz" "$T/hc.gz"
for how in file pipe; do
    if [ $how = file ]; then expect 1 "$XS" verify "$T/hc.gz"
    else timeout 60 bash -c "cat '$T/hc.gz' | '$XS' verify -" >"$T/out" 2>"$T/err"; fi
    grep -q "gzip: the compressed data is damaged near compressed offset 0x" "$T/err" && ok ||
        bad "damaged gzip ($how) is not named: $(cat "$T/err")"
done
echo keep >"$T/keep.img"
expect 1 "$XS" upgrade "$T/hc.gz" -o "$T/keep.img"
[ "$(cat "$T/keep.img")" = keep ] && ok || bad "damaged gzip changed OUT"

finish edges-files
