#!/usr/bin/env bash
# Static analysis of the product code (floor/, formats/, core/, cli/, backend/)
# and the library's example (examples/):
# cppcheck and
# clang-tidy (configuration: .clang-tidy at the top), each failing the run
# on any finding.  A false positive is silenced in place with a comment
# that says why (cppcheck-suppress / NOLINT), never globally.
#
#   tests/static.sh BUILD_DIR     (configured with compile_commands.json)
set -uo pipefail
B=$(cd "$1" && pwd)
cd "$(dirname "$0")/.."
fail=0

echo "== cppcheck $(cppcheck --version | sed 's/Cppcheck //')"
cppcheck --enable=warning,portability,performance,style --std=c11 \
    -j 2 --inline-suppr --error-exitcode=1 -q \
    -D_GNU_SOURCE -DXENSTREAM_VERSION='"0"' -I include -I floor -I core -I formats \
    -I cli -I backend -DXS_XENLIGHT_VERSION='"0"' \
    --library=tests/jansson.cfg --suppress=missingIncludeSystem \
    --template='{file}:{line}: {severity}: {id}: {message}' \
    include floor formats core cli backend testdata fuzz examples || fail=1

echo "== clang-tidy $(clang-tidy --version | sed -n 's/.*version //p')"
[ -f "$B/compile_commands.json" ] ||
    { echo "no $B/compile_commands.json" >&2; exit 1; }
# backend/ when this build has it (libxen-dev found)
backend=""
grep -q '/backend/restore.c"' "$B/compile_commands.json" && backend="backend/*.c"
# largest first, so that the longest file does not start last on its own
ls -S floor/*.c formats/*.c core/*.c cli/*.c examples/*.c $backend |
    # one file per run: clang-tidy 14 carries va_list state from one file
    # into the next (valist.Uninitialized on a correct vfprintf; see the
    # NOLINT in cli/common.c, which two executables compile)
    xargs -P 2 -n 1 clang-tidy -p "$B" --quiet 2>/dev/null >"$B/clang-tidy.log"
if grep -qE "(warning|error):" "$B/clang-tidy.log"; then
    grep -E -A3 "(warning|error):" "$B/clang-tidy.log"
    fail=1
fi
[ $fail = 0 ] && echo "static analysis: no findings"
exit $fail
