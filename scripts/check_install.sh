#!/usr/bin/env bash
# Checks that an installed weft (meson install --destdir DIR) is usable by another project, through
# pkg-config and through CMake (find_package(weft)): compiles the README's first program, the
# Catch2 example (clang, with pkg-config), the GoogleTest example (clang, with CMake) and the
# libFuzzer example (clang, with pkg-config) against it and runs them; tests/glue/check_glue.sh
# checks the examples' lines, replay and shrink.
set -euo pipefail
destdir=$1
pc=$(find "$destdir" -name weft.pc | head -n 1)
[ -n "$pc" ] || { echo "check_install: no weft.pc under $destdir"; exit 1; }
prefix=$(sed -n 's/^prefix=//p' "$pc")
work=$(mktemp -d)
cat >"$work/first.cpp" <<'CPP'
#include <weft/weft.hpp>
#include <cstdio>
using namespace std::chrono_literals;
int main() {
  weft::Runtime rt;
  int v = rt.block_on([] {
    auto [tx, rx] = weft::mpsc::unbounded<int>();
    auto h = weft::spawn([tx = std::move(tx)]() mutable { weft::sleep(1h); tx.send(41); return 1; },
                         "sender");
    return rx.recv().value() + h.join();
  });
  std::printf("%d\n", v);
  return v == 42 ? 0 : 1;
}
CPP
echo 'static_assert(__cplusplus > 202002L, "the consumer'"'"'s newer standard was overridden");' \
  >"$work/newer.hpp"
flags=$(PKG_CONFIG_PATH=$(dirname "$pc") pkg-config --define-variable=prefix="$destdir$prefix" \
  --cflags --libs weft)
case " $flags " in
  *" -std="* | *" -I/usr/include "* | *"/libboost"*)
    echo "check_install: weft.pc forces a standard or leaks system paths: $flags"
    exit 1
    ;;
esac
# A consumer on a newer standard keeps it (the package requires C++20, it does not force it).
# shellcheck disable=SC2086
g++ -std=c++2b -include "$work/newer.hpp" "$work/first.cpp" -o "$work/first" $flags
"$work/first"
here=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck disable=SC2086
clang++ -std=c++20 "$here/tests/glue/catch2_example.cpp" -o "$work/catch2_example" $flags
bash "$here/tests/glue/check_glue.sh" catch2 "$work/catch2_example" "$here/tests/glue/catch2_example.cpp"

# CMake: find_package(weft) and weft::weft, the GoogleTest example built with clang.
mkdir -p "$work/cmake"
cat >"$work/cmake/CMakeLists.txt" <<CMAKE
cmake_minimum_required(VERSION 3.16)
project(weft_consumer CXX)
set(CMAKE_CXX_STANDARD 23)
find_package(weft 0.1 REQUIRED)
find_package(GTest REQUIRED)
add_executable(first "$work/first.cpp")
target_compile_options(first PRIVATE -include "$work/newer.hpp")
target_link_libraries(first PRIVATE weft::weft)
add_executable(gtest_example "$here/tests/glue/gtest_example.cpp")
target_link_libraries(gtest_example PRIVATE weft::weft GTest::gtest_main)
CMAKE
cmake -S "$work/cmake" -B "$work/cmake/build" -DCMAKE_CXX_COMPILER=clang++ \
  -DCMAKE_PREFIX_PATH="$destdir$prefix" >"$work/cmake.log" 2>&1 || { cat "$work/cmake.log"; exit 1; }
cmake --build "$work/cmake/build" >>"$work/cmake.log" 2>&1 || { cat "$work/cmake.log"; exit 1; }
"$work/cmake/build/first"
bash "$here/tests/glue/check_glue.sh" gtest "$work/cmake/build/gtest_example" \
  "$here/tests/glue/gtest_example.cpp"

# docs/scenarios.md's example: a project's own weft command (weft-cli.pc) with its scenarios.
example=$(cd "$(dirname "$0")/../docs/example" && pwd)
cli_flags=$(PKG_CONFIG_PATH=$(dirname "$pc") pkg-config --define-variable=prefix="$destdir$prefix" \
  --cflags --libs weft-cli)
# shellcheck disable=SC2086
g++ -std=c++20 "$example/weft_main.cpp" "$example/counter_scenarios.cpp" -o "$work/counter-weft" \
  $cli_flags
"$work/counter-weft" list | grep -q "^counter-lost-update "
"$work/counter-weft" explore counter-fetch-add --strategy dfs >/dev/null
if (cd "$work" && ./counter-weft explore counter-lost-update --strategy pct --iterations 100 \
    >/dev/null); then
  echo "check_install: the example's lost update was not found"
  exit 1
fi
# docs/fuzzing.md's example: a project's own test body as a libFuzzer target (WEFT_FUZZ_TARGET),
# built with clang against the installed weft, finds its bug in a short campaign.
# shellcheck disable=SC2086
clang++ -std=c++20 -g -O1 -fsanitize=fuzzer "$example/pool_fuzz.cpp" -o "$work/pool_fuzz" $flags
FUZZ_SECONDS=30 bash "$here/scripts/check_fuzz_example.sh" "$work/pool_fuzz" "$destdir$prefix/bin/weft"
echo "check_install: pkg-config and CMake consumers, both glue examples, the user-scenario example" \
  "and the user fuzz target work"
