#!/usr/bin/env bash
# clang-tidy (.clang-tidy) over the library and command-line sources, from a build's
# compile_commands.json: scripts/check_tidy.sh [BUILD_DIR] (default: build). Tests, scenarios,
# benchmarks and fuzz targets are left out to keep the stage to a few minutes on two cores; the
# headers they include are checked through the sources that include them.
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
[ -f "$build/compile_commands.json" ] || { echo "check_tidy: no $build/compile_commands.json"; exit 2; }
# Debian's clang-tidy package installs run-clang-tidy; clang-tidy-14 alone only the versioned name.
runner=$(command -v run-clang-tidy || command -v run-clang-tidy-14) ||
  { echo "check_tidy: run-clang-tidy not found (Debian package clang-tidy)"; exit 2; }
# run-clang-tidy matches the regex against absolute paths: anchored at this checkout, so that
# tests/cli/*.cpp is not taken for cli/*.cpp.
root=$(pwd | sed 's/[][\.*^$+?(){}|]/\\&/g')
# The build is GCC's: clang (under clang-tidy) does not know some of its warning options
# (-Wno-restrict), which -Werror would make errors.
"$runner" -quiet -j "$(nproc)" -p "$build" -extra-arg=-Wno-unknown-warning-option \
  "^$root/((runtime|harness|reports)/src/.*|cli/[a-z_]+)\.cpp\$" \
  > "$build/clang-tidy.log" 2>&1 || { grep -E "warning:|error:" "$build/clang-tidy.log" | sort -u; exit 1; }
echo "clang-tidy: clean"
