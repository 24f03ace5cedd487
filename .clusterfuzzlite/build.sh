#!/usr/bin/env bash
# OSS-Fuzz / ClusterFuzzLite build script: builds weft's libraries with the engine's compiler and
# flags ($CC $CXX $CFLAGS $CXXFLAGS), links each fuzz target with $LIB_FUZZING_ENGINE, and puts
# the targets with their dictionaries, options files and seed corpora into $OUT.
#
# Targets: fuzz_trace_parser (the trace reader), and one fuzz_schedule_<scenario> per scenario in
# $WEFT_FUZZ_SCENARIOS (default: fixed catalogue variants, which must never fail: a crash there
# is a weft bug). The buggy flagship is the demo target for local runs (build it by naming it).
#
# Locally, without Docker (the variables the engines set, by hand):
#   CC=clang CXX=clang++ CFLAGS="-O1 -g -fsanitize=address,fuzzer-no-link" \
#   CXXFLAGS="-O1 -g -fsanitize=address,fuzzer-no-link" LIB_FUZZING_ENGINE=-fsanitize=fuzzer \
#   OUT=/tmp/out WORK=/tmp/work bash .clusterfuzzlite/build.sh
set -euo pipefail
: "${CC:?} ${CXX:?} ${OUT:?} ${LIB_FUZZING_ENGINE:?}"
CFLAGS=${CFLAGS:-}
CXXFLAGS=${CXXFLAGS:-}
# The source tree: this script's parent in a checkout (.clusterfuzzlite/build.sh), else the working
# directory: the engines run the Dockerfile's copy, $SRC/build.sh, from its WORKDIR ($SRC/weft).
root=$(cd "$(dirname "$0")/.." && pwd)
[ -f "$root/fuzz/schedule_fuzz.cpp" ] || root=$PWD
[ -f "$root/fuzz/schedule_fuzz.cpp" ] || { echo "build.sh: no weft source tree at $root" >&2; exit 2; }
work=${WORK:-$(mktemp -d)}/weft-build
scenarios=${WEFT_FUZZ_SCENARIOS:-"shutdown-producer-worker-stop-on-close send-after-close-stops lock-order-consistent"}
mkdir -p "$OUT"

# The libraries only: meson takes $CC $CXX $CFLAGS $CXXFLAGS from the environment.
[ -f "$work/build.ninja" ] ||
  meson setup "$work" "$root" --buildtype=plain -Dtests=false -Dbench=false -Dfuzz=false \
    -Ddefault_library=static -Db_ndebug=false >/dev/null
ninja -C "$work" ${WEFT_BUILD_JOBS:+-j"$WEFT_BUILD_JOBS"} runtime/libweft_runtime.a harness/libweft_harness.a scenarios/libweft_scenarios.a

includes=(-I"$root/runtime/include" -I"$root/harness/include")
libs=("$work/harness/libweft_harness.a" "$work/runtime/libweft_runtime.a" -lboost_context -pthread)
# shellcheck disable=SC2086  # the flags are lists of words
link() {  # link NAME SOURCE [EXTRA...]: one fuzz target into $OUT
  local name=$1 source=$2
  shift 2
  $CXX $CXXFLAGS -std=c++20 "${includes[@]}" "$@" "$source" \
    -Wl,--whole-archive "$work/scenarios/libweft_scenarios.a" -Wl,--no-whole-archive \
    "${libs[@]}" $LIB_FUZZING_ENGINE -o "$OUT/$name"
}

seed_zip() {  # seed_zip NAME DIR: $OUT/NAME_seed_corpus.zip from the files in DIR
  rm -f "$OUT/$1_seed_corpus.zip"
  (cd "$2" && zip -q -j "$OUT/$1_seed_corpus.zip" ./*)
}

link fuzz_trace_parser "$root/fuzz/trace_parser_fuzz.cpp"
cp "$root/fuzz/fuzz_trace_parser.dict" "$root/fuzz/fuzz_trace_parser.options" "$OUT/"
seed_zip fuzz_trace_parser "$root/fuzz/seeds"

for scenario in $scenarios; do
  name=fuzz_schedule_${scenario//-/_}
  link "$name" "$root/fuzz/schedule_fuzz.cpp" -DWEFT_FUZZ_SCENARIO_NAME="\"$scenario\""
  cp "$root/fuzz/fuzz_schedule.dict" "$OUT/$name.dict"
  cp "$root/fuzz/fuzz_schedule.options" "$OUT/$name.options"
  seed_zip "$name" "$root/fuzz/corpus/fuzz_schedule"
done
echo "weft fuzz build: $(cd "$OUT" && ls | tr '\n' ' ')"
