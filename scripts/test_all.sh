#!/usr/bin/env bash
# Installs what is missing, checks the formatting, builds and runs every test: the Catch2 suites
# with GCC, built outside the source tree with warnings as errors, clang-tidy over the library and
# command-line sources (from that build's compile_commands.json), the same suites under
# AddressSanitizer + UndefinedBehaviorSanitizer, the libFuzzer targets (clang) for a bounded number
# of runs or seconds, the install + pkg-config and CMake consumer checks, the HTML report in
# headless Chromium, and the main job.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh

passed=0
failed=0
step() {  # step NAME COMMAND...: runs one stage, counts it, keeps going so every stage reports
  local name=$1 started=$SECONDS
  shift
  echo "=== $name"
  if "$@"; then
    passed=$((passed + 1))
    echo "=== $name: ok ($((SECONDS - started)) s)"
  else
    failed=$((failed + 1))
    echo "=== $name: FAILED ($((SECONDS - started)) s)"
  fi
}

# One GCC build serves three checks: the suites pass, warnings are errors, and the build directory
# is outside the source tree (failures, traces and signatures must not depend on where the build
# is; the golden files were written from an in-tree build). A fresh directory every run: a build
# directory left by another checkout would build that checkout's sources (meson records its source
# root). clang-tidy, the install check and the Chromium check reuse this build.
gcc_build=$(mktemp -d "${TMPDIR:-/tmp}/weft-out-of-tree-build.XXXXXX")
gcc_suites() {
  meson setup "$gcc_build" -Dwerror=true >/dev/null
  ninja -C "$gcc_build"
  meson test -C "$gcc_build" --print-errorlogs
}

sanitizer_suites() {
  [ -f build-asan/build.ninja ] ||
    meson setup build-asan -Db_sanitize=address,undefined -Db_lundef=false -Dbench=false >/dev/null
  ninja -C build-asan
  LSAN_OPTIONS=suppressions=$PWD/scripts/lsan.supp \
    ASAN_OPTIONS=detect_leaks=1:detect_stack_use_after_return=1:abort_on_error=1 \
    UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
    WEFT_EXPECTATION_SEEDS=20 meson test -C build-asan --print-errorlogs --timeout-multiplier 4
}

# step runs this inside `if`, where set -e does not apply: every check returns on failure itself.
fuzz_targets() {
  [ -f build-fuzz/build.ninja ] ||
    CC=clang CXX=clang++ meson setup build-fuzz -Dfuzz=true -Dtests=false -Dbench=false \
      -Db_sanitize=address,undefined -Db_lundef=false >/dev/null || return 1
  ninja -C build-fuzz || return 1
  local corpus=build-fuzz/corpus-trace
  mkdir -p "$corpus"
  cp fuzz/seeds/*.json "$corpus"/ 2>/dev/null || true
  ./build-fuzz/fuzz/fuzz_trace_parser -runs=30000 -max_len=8192 -rss_limit_mb=2048 "$corpus" ||
    return 1
  # A fixed scenario must never crash whatever the bytes say...
  WEFT_FUZZ_SCENARIO=shutdown-producer-worker-stop-on-close \
    ./build-fuzz/fuzz/fuzz_schedule -runs=3000 -max_len=256 -seed=1 || return 1
  # ...and the flagship's panic must be found from fuzzer bytes, its trace replayed by weft.
  local log=build-fuzz/fuzz-schedule.log trace
  if WEFT_FUZZ_TRACE_DIR=build-fuzz/traces ./build-fuzz/fuzz/fuzz_schedule -runs=20000 \
      -max_len=256 -seed=1 -artifact_prefix=build-fuzz/ >"$log" 2>&1; then
    echo "fuzz_schedule did not find the flagship panic"
    return 1
  fi
  grep -q "SUMMARY: weft: task_panic in shutdown-producer-worker" "$log" || return 1
  trace=$(sed -n 's/^trace: //p' "$log")
  ./build-fuzz/cli/weft replay "$trace" >build-fuzz/replay.log 2>&1 || true  # 1: reproduced
  grep -q "1/1 reproduced the recorded failure" build-fuzz/replay.log || return 1
  # The user-facing entry point (WEFT_FUZZ_TARGET): a time-bounded campaign on the documented
  # example finds its bug and names artifact and trace alike, and two bugs in one body give two
  # distinct crashes (dedup tokens and crash states).
  FUZZ_SECONDS=30 bash scripts/check_fuzz_example.sh build-fuzz/fuzz/pool_fuzz \
    build-fuzz/cli/weft || return 1
  bash scripts/check_fuzz_dedup.sh build-fuzz
}

install_check() {
  local prefix
  prefix=$(mktemp -d)
  meson install -C "$gcc_build" --destdir "$prefix" >/dev/null
  bash scripts/check_install.sh "$prefix"
}

step "formatting (clang-format)" bash scripts/check_format.sh
step "gcc build (outside the source tree, warnings as errors) and test suites" gcc_suites
step "clang-tidy (library and command line)" bash scripts/check_tidy.sh "$gcc_build"
step "address+undefined sanitizer build and test suites" sanitizer_suites
step "libFuzzer targets (clang)" fuzz_targets
step "meson install, pkg-config and CMake consumers" install_check
step "HTML report in headless Chromium" bash tests/reports/check_html_in_chromium.sh "$gcc_build"
step "main job" bash scripts/main_job.sh

echo "weft: $passed passed, $failed failed ($SECONDS s)"
[ "$failed" -eq 0 ]
