#!/usr/bin/env bash
# libxenstream as another program uses it: installed with
# `cmake --install BUILD --prefix DIR`, examples/verify-file.c built out
# of the tree with pkg-config, against the shared library and then the
# static one, each giving the same verdicts (0 valid, 1 invalid, 3 no
# such file, 2 usage).  The installed .so exports exactly the functions
# include/xenstream.h declares, and carries its SONAME.
#
#   library.sh BUILD_DIR XS_GEN [EXTRA_FLAGS]
#
# EXTRA_FLAGS: what an instrumented build (--coverage, sanitizers) needs
# at compile and link time, as any program linking it would.  CC: the
# build's compiler (cc by default).
set -u
B=$(cd "$1" && pwd)
G=$2
EXTRA=${3:-}
CC=${CC:-cc}
SRC=$(cd "$(dirname "$0")/.." && pwd)
. "$(dirname "$0")/lib.sh"

P=$T/prefix
cmake --install "$B" --prefix "$P" >"$T/log" 2>&1 && ok ||
    { bad "cmake --install"; cat "$T/log"; }
# lib, lib64 or lib/x86_64-linux-gnu: wherever GNUInstallDirs put it
pc=$(find "$P" -name xenstream.pc -path '*/pkgconfig/*' | head -1)
[ -n "$pc" ] && ok || { bad "no xenstream.pc under $P"; finish library; exit; }
L=$(dirname "$(dirname "$pc")")
export PKG_CONFIG_PATH=$(dirname "$pc")
for f in "$L/libxenstream.a" "$L/libxenstream.so" "$P/include/xenstream.h"; do
    [ -e "$f" ] && ok || bad "$f not installed"
done
# the .pc points into this prefix, not the build's configured one
pkg-config --cflags xenstream | grep -qF -- "-I$P/" && ok ||
    bad "pkg-config --cflags: $(pkg-config --cflags xenstream)"

# ---- the exports: the header's functions, nothing else ----
so=$(readlink -f "$L/libxenstream.so")
readelf -d "$so" | grep -q 'SONAME.*\[libxenstream\.so\.0\]' && ok ||
    bad "no SONAME libxenstream.so.0: $(readelf -d "$so" | grep SONAME)"
# defined dynamic symbols, without the version node (an absolute symbol)
nm -D --defined-only "$so" | awk '$2 != "A" { sub(/@.*/, "", $3); print $3 }' |
    sort >"$T/exported"
# the header's extern functions, as the compiler reads them (GCC's
# -aux-info: every declaration with its file; static inline ones are
# "static"); another compiler: the version script the build generated
printf '#include <xenstream.h>\n' >"$T/aux.c"
if $CC -I"$P/include" -fsyntax-only -aux-info "$T/aux.txt" "$T/aux.c" 2>/dev/null; then
    grep -F "$P/include/xenstream.h:" "$T/aux.txt" | grep -F '*/ extern ' |
        sed 's/^.*\*\/ extern [^(]*[^A-Za-z0-9_]\([A-Za-z_][A-Za-z0-9_]*\) (.*/\1/' |
        sort -u >"$T/declared"
else
    sed -n 's/^ *\(xs_[A-Za-z0-9_]*\);$/\1/p' "$B/xenstream.map" | sort -u >"$T/declared"
fi
if [ -s "$T/declared" ] && diff "$T/declared" "$T/exported" >"$T/diff"; then ok; else
    bad "libxenstream.so's exports differ from include/xenstream.h's functions" \
        "(< declared only, > exported only):"
    cat "$T/diff"
fi

# ---- verify-file, built as a user would, shared then static ----
"$G" --guest pv64 --version 2 --pages 64 -o "$T/good.img"
# the libxc image header's marker (8 bytes of 0xff) broken
cp "$T/good.img" "$T/marker.img"
printf '\x00' | dd of="$T/marker.img" bs=1 seek=3 conv=notrunc 2>/dev/null
# cut in the middle of the page data
head -c $(($(stat -c %s "$T/good.img") / 2)) "$T/good.img" >"$T/cut.img"

verdicts() { # HOW EXE
    local how=$1 x=$2
    expect 0 "$x" "$T/good.img"
    grep -q ': valid' "$T/out" && ok || bad "$how: no 'valid' line: $(cat "$T/out")"
    for img in marker cut; do
        expect 1 "$x" "$T/$img.img"
        grep -qF "$T/$img.img: offset 0x" "$T/err" && ok ||
            bad "$how: no finding line for $img.img: $(cat "$T/err")"
    done
    expect 3 "$x" "$T/no-such.img"
    grep -qF "$T/no-such.img: " "$T/err" && ok ||
        bad "$how: no finding line for a missing file: $(cat "$T/err")"
    expect 2 "$x"
    expect 2 "$x" "$T/good.img" "$T/good.img"
}

# shellcheck disable=SC2046,SC2086
$CC -std=c11 -Wall -Wextra -Werror $EXTRA "$SRC/examples/verify-file.c" \
    $(pkg-config --cflags --libs xenstream) -o "$T/verify-file" 2>"$T/cc.log" && ok ||
    { bad "cc (shared)"; cat "$T/cc.log"; }
readelf -d "$T/verify-file" | grep -q 'NEEDED.*\[libxenstream\.so\.0\]' && ok ||
    bad "verify-file does not need libxenstream.so.0"
export LD_LIBRARY_PATH=$L
verdicts shared "$T/verify-file"
unset LD_LIBRARY_PATH

# static: the same flags with --static (the libraries libxenstream.a
# needs), and the archive by name, since -lxenstream prefers the .so
libs=$(pkg-config --static --libs xenstream | sed 's/-lxenstream\b/-l:libxenstream.a/')
# shellcheck disable=SC2046,SC2086
$CC -std=c11 -Wall -Wextra -Werror $EXTRA "$SRC/examples/verify-file.c" \
    $(pkg-config --cflags xenstream) $libs -o "$T/verify-file-static" 2>"$T/cc.log" && ok ||
    { bad "cc (static: $libs)"; cat "$T/cc.log"; }
readelf -d "$T/verify-file-static" | grep -q 'NEEDED.*libxenstream' &&
    bad "verify-file-static needs libxenstream.so" || ok
verdicts static "$T/verify-file-static"

finish library
