#!/usr/bin/env bash
# One entry point for a fresh Debian 12 machine:
#   bash .ci/setup.sh demo   install, build, upgrade the bundled v2 sample
#                            and verify the result
#   bash .ci/setup.sh test   install, build, run the whole suite (with
#                            coverage), again under AddressSanitizer +
#                            UBSan, under valgrind, static analysis, a
#                            bounded fuzzing run, the live backend against
#                            a real Xen under QEMU, the coverage report
#   bash .ci/setup.sh build  install and build only
set -euo pipefail
cd "$(dirname "$0")/.."
mode=${1:-build}

# gzip through ISA-L (zlib is the fallback and the tests' own), zstd, and
# the zstd tool the transport tests compare with
DEPS="build-essential cmake pkg-config zlib1g-dev libisal-dev libzstd-dev
      zstd libxxhash-dev check libjansson-dev libpcre2-dev python3 ca-certificates man-db
      time"
# the file-handling tests: ACLs and extended attributes of a replaced file
[ "$mode" = test ] && DEPS="$DEPS acl attr"
# the store test: verify's reports against their schemas (xmllint, Debian's
# /usr/bin/python3 with jsonschema and yaml; TAP::Parser is perl's own)
[ "$mode" = test ] && DEPS="$DEPS libxml2-utils python3-jsonschema python3-yaml perl"
# the export test: readelf (binutils, in build-essential) and eu-readelf
# read every ELF it writes without a warning; gdb reads its elf cores
[ "$mode" = test ] && DEPS="$DEPS elfutils gdb"
# the test command's checkers: libFuzzer (clang), valgrind, cppcheck,
# clang-tidy
[ "$mode" = test ] && DEPS="$DEPS clang libclang-rt-14-dev llvm valgrind
      cppcheck clang-tidy"
# the live backend (libxenlight) and the Xen testbed that tests it (QEMU);
# the hypervisor and Xen's tools are only unpacked inside the testbed
XEN_DEPS="libxen-dev qemu-system-x86 busybox-static cpio"
SUDO=""
[ "$(id -u)" = 0 ] || SUDO=sudo
# install_missing WHY [APT-OPTION] PKG...: apt-get install those not
# installed yet
install_missing() {
    local why=$1 opt=""; shift
    case $1 in -*) opt=$1; shift ;; esac
    local missing
    missing=$(for p in "$@"; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" ||
            echo "$p"
    done)
    [ -n "$missing" ] || return 0
    echo "== installing ($why):" $missing
    $SUDO apt-get update -qq &&
        DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq $opt \
            $missing >/dev/null
}
# shellcheck disable=SC2086
install_missing "build and tests" $DEPS
# shellcheck disable=SC2086
[ "$mode" != test ] ||
    install_missing "live backend, Xen testbed" --no-install-recommends $XEN_DEPS ||
    echo "== could not install $XEN_DEPS: the live backend or its Xen test will be skipped"

jobs=$(nproc 2>/dev/null || echo 2)
# every "== stage" line says how long the script has run, the installs
# included, so that a CI log shows where the time goes (budget: 20 min)
say() { echo "== [$((SECONDS / 60))m$((SECONDS % 60))s] $*"; }
build() { # DIR [cmake args]; TARGETS=... builds only those
    local dir=$1; shift
    say "building in $dir $*"
    cmake -S . -B "$dir" -DCMAKE_BUILD_TYPE=RelWithDebInfo "$@" >/dev/null
    # shellcheck disable=SC2086
    cmake --build "$dir" -j"$jobs" ${TARGETS:+--target $TARGETS} \
        >"$dir.log" 2>&1 || { cat "$dir.log"; exit 1; }
}

case $mode in
build)
    build build
    ;;
demo)
    build build
    sample=testdata/sample-pv64-v2.img
    out=build/sample-pv64-v3.img
    say "xenstream upgrade -v $sample -o $out"
    build/xenstream upgrade -v "$sample" -o "$out"
    say "xenstream verify $out"
    build/xenstream verify "$out"
    ;;
test)
    # 1. the suite on a gcov-instrumented build (the coverage report at
    #    the end comes from this run, valgrind's and the fuzzers' aside)
    build build-cov -DXENSTREAM_COVERAGE=ON -DCMAKE_EXPORT_COMPILE_COMMANDS=ON
    # The reference checker is fetched once and shared by the builds.
    bash tests/xen-verifier.sh build-cov/xen-utils || true
    say "test suite"
    (cd build-cov && ctest -LE xen --output-on-failure -j"$jobs")
    # 6 (started now, reported below). The live backend on a real Xen 4.17,
    # then 4.14.6, under QEMU (ctest label xen) runs beside stages 2-5.
    # Not beside the suite: two ctest runs in one build directory write
    # the same Testing/Temporary/LastTest.log, whose XS-TEST lines are
    # printed below.  QEMU keeps about one core busy for the whole test
    # (emulation is not idle); side by side the run is still minutes
    # shorter than one after the other.  Its own process group, ended with
    # this script whatever happens.
    say "live backend: started in the background (reported after fuzzing)"
    setsid bash -c 'cd build-cov && ctest -L xen --output-on-failure \
                    >xen-test.log 2>&1; echo $? >xen-test.rc' </dev/null &
    xen_pid=$!
    trap 'kill -- -$xen_pid 2>/dev/null || kill $xen_pid 2>/dev/null || true' EXIT
    # 2. again under AddressSanitizer + UndefinedBehaviorSanitizer
    build build-asan -DXENSTREAM_SANITIZE=ON
    [ -d build-asan/xen-utils ] || cp -r build-cov/xen-utils build-asan/ 2>/dev/null || true
    say "test suite (AddressSanitizer + UndefinedBehaviorSanitizer)"
    # (one golden case and offset in 5, 2000 random xl specs, not 20000;
    # not edges_time, whose bounds are the plain build's CPU time, nor
    # store, whose parallel verify valgrind runs on every format).
    # LeakSanitizer in the C suites, which drive every library path in
    # one process each; not in the thousands of commands the scripts
    # start, where it doubles each one's cost: their leaks are valgrind's
    # (stage 3 runs every command with --leak-check=full)
    (cd build-asan &&
        export XS_CLI_QUICK=1 XS_TEST_SAMPLE=5 XS_XLU_CASES=2000 \
            UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 &&
        ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
            ctest -R '^check_' --output-on-failure -j"$jobs" &&
        ASAN_OPTIONS=detect_leaks=0:abort_on_error=1 \
            ctest -LE xen -E '^(check_.*|edges_time|store)$' \
                --output-on-failure -j"$jobs")
    # 2b. the gzip codec's fallback: zlib where ISA-L is missing, the
    #     transports test only (every command through gzip, damage, bombs)
    TARGETS="xenstream-cli xs-gen" \
        build build-zlib -DXENSTREAM_ISAL=OFF -DXENSTREAM_BACKEND=OFF
    say "transport tests on the zlib build"
    (cd build-zlib && ctest -R '^transports$' --output-on-failure -j"$jobs")
    # 3. valgrind memcheck over the suites and every command
    say "valgrind memcheck"
    bash tests/valgrind.sh build-cov
    # 4. static analysis: cppcheck and clang-tidy
    say "static analysis"
    bash tests/static.sh build-cov
    # 5. a bounded run of every libFuzzer target (FUZZ_SECONDS each; 5 s
    #    for the eleven of them, two at a time: about 30 s; a longer run is
    #    bash tests/fuzz.sh build-fuzz 600)
    CC=clang build build-fuzz -DXENSTREAM_FUZZ=ON -DXENSTREAM_TESTS=OFF
    say "fuzzing"
    bash tests/fuzz.sh build-fuzz "${FUZZ_SECONDS:-5}"
    # 6. the live backend on a real Xen 4.17 and 4.14.6 under QEMU (started
    #    above)
    say "live backend: xenstream restore on a real Xen (QEMU)"
    wait "$xen_pid" || true
    trap - EXIT
    cat build-cov/xen-test.log
    grep -h 'SKIPPED\|XS-TEST\|xen testbed\|testbed built' \
        build-cov/Testing/Temporary/LastTest.log | tr -d '\r' || true
    xen_rc=$(cat build-cov/xen-test.rc 2>/dev/null || echo 1)
    [ "$xen_rc" = 0 ] || exit "$xen_rc"
    # 7. line coverage of core/ and formats/
    say "coverage (gcov)"
    bash tests/coverage.sh build-cov 90
    ;;
*)
    echo "usage: $0 demo|test|build" >&2
    exit 2
    ;;
esac
