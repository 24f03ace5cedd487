#!/usr/bin/env bash
# Checks that an installed weft (meson install --destdir DIR) is usable by another project through
# pkg-config: compiles the README's first program against it and runs it.
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
flags=$(PKG_CONFIG_PATH=$(dirname "$pc") pkg-config --define-variable=prefix="$destdir$prefix" \
  --cflags --libs weft)
# shellcheck disable=SC2086
g++ -std=c++20 "$work/first.cpp" -o "$work/first" $flags
"$work/first"

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
echo "check_install: the first program and the user-scenario example work"
