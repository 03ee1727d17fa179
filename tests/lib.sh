# What the shell tests share: a scratch directory $T removed at exit, the
# tally (ok, bad), expect, and the closing line a test runner reads.
# Sourced after the script has set its own variables:
#   . "$(dirname "$0")/lib.sh"
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
pass=0
fail=0

ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL: $*"; }
# expect STATUS CMD...: run CMD, its output in $T/out and $T/err, and
# compare its exit status; killed after XS_EXPECT_TIMEOUT seconds (600),
# so that a command that hangs fails the test instead of the run
expect() {
    local want=$1; shift
    timeout "${XS_EXPECT_TIMEOUT:-600}" "$@" >"$T/out" 2>"$T/err"
    local got=$?
    if [ "$got" = "$want" ]; then ok; else
        bad "'$*' exited $got, expected $want"; sed 's/^/  | /' "$T/err" | head -5
    fi
}
# finish NAME: the tally, and the exit status (0 only without a failure)
finish() {
    echo "$1: $pass passed, $fail failed"
    echo "$pass passed, $fail failed"
    [ "$fail" = 0 ]
}
