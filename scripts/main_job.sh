#!/usr/bin/env bash
# The main job: install what is missing, build, explore the flagship scenario (the producer/worker
# panic at shutdown), then replay the failure from its trace file.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
[ -f build-release/build.ninja ] || meson setup build-release --buildtype=release -Dtests=false -Dbench=false >/dev/null
ninja -C build-release cli/weft >/dev/null
trace=traces/flagship.json
set +e
./build-release/cli/weft explore shutdown-producer-worker --strategy pct --iterations 1000 --seed 1 \
  --trace-out "$trace"
status=$?
set -e
if [ "$status" -ne 1 ]; then
  echo "main job: expected the exploration to find the failure (exit 1), got exit $status" >&2
  exit 1
fi
echo
echo "== replaying $trace =="
set +e
./build-release/cli/weft replay "$trace"
status=$?
set -e
[ "$status" -eq 1 ] || { echo "main job: replay did not reproduce (exit $status)" >&2; exit 1; }
echo
echo "main job: the failure was found, written to $trace, and replayed."
