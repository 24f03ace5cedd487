#!/usr/bin/env bash
# clang-tidy (.clang-tidy) over the library and command-line sources, from a build's
# compile_commands.json: scripts/check_tidy.sh [BUILD_DIR] (default: build). Tests, scenarios,
# benchmarks and fuzz targets are left out to keep the stage to a few minutes on two cores; the
# headers they include are checked through the sources that include them.
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
[ -f "$build/compile_commands.json" ] || { echo "check_tidy: no $build/compile_commands.json"; exit 2; }
run-clang-tidy -quiet -j "$(nproc)" -p "$build" '/(runtime|harness|reports|cli)/src/.*\.cpp$|/cli/[a-z_]+\.cpp$' \
  > "$build/clang-tidy.log" 2>&1 || { grep -E "warning:|error:" "$build/clang-tidy.log" | sort -u; exit 1; }
echo "clang-tidy: clean"
