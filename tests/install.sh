#!/usr/bin/env bash
# A relocatable install: `cmake --install BUILD --prefix ANYWHERE` gives a
# xenstream that finds its restore helper there, and again after the
# prefix is moved.
#
#   install.sh BUILD_DIR
set -u
B=$1
. "$(dirname "$0")/lib.sh"

cmake --install "$B" --prefix "$T/first" >"$T/log" 2>&1 && ok || { bad "cmake --install"; cat "$T/log"; }
has_backend=0
[ -x "$B/xenstream-restore" ] && has_backend=1
check() { # PREFIX
    local v
    v=$("$1/bin/xenstream" --version 2>&1)
    if [ $has_backend = 1 ]; then
        local want="$1/libexec/xenstream/xenstream-restore"
        [ -x "$want" ] && ok || bad "$want not installed"
        echo "$v" | grep -qF "live backend: built" && echo "$v" | grep -qF ": $want" && ok ||
            bad "--version under $1 does not name $want: $v"
    else
        echo "$v" | grep -q "live backend: not built" && ok || bad "--version: $v"
    fi
    "$1/bin/xenstream" verify --help >/dev/null && ok || bad "$1/bin/xenstream does not run"
}
check "$T/first"
mv "$T/first" "$T/moved"
check "$T/moved"
finish install
