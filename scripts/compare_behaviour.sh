#!/usr/bin/env bash
# Records what a weft binary does for a fixed set of explorations, replays, shrinks and a measure
# run, so that a refactoring can be shown not to change behaviour: run it with the binary from
# before and the one from after into two directories and diff them (traces must be byte-identical
# for the same seed). Wall times are stripped from the text outputs; nothing else is.
#
#   scripts/compare_behaviour.sh build/cli/weft /tmp/before   # on the old commit
#   scripts/compare_behaviour.sh build/cli/weft /tmp/after    # on the new one
#   diff -r /tmp/before /tmp/after && echo identical
#
# MEASURE_SEEDS (default 100, what docs/scenario-results.md uses) sets `weft measure --seeds`;
# MEASURE=0 skips the measure run.
set -euo pipefail
weft=$(realpath "$1")
doc=$(cd "$(dirname "$0")/.." && pwd)/docs/scenario-results.md
out=$2
rm -rf "$out"
mkdir -p "$out"
cd "$out"

# Durations ("0.05 s", "12 ms", "1 min 3 s") depend on the machine, not on the schedule.
strip_times() { sed -E 's/[0-9]+(\.[0-9]+)? ?(s|ms|us|min)\b/<t>/g'; }

run() {  # run NAME ARGS...: the command's output and exit status into NAME.out
  local name=$1
  shift
  local rc=0
  "$weft" "$@" >"$name.stdout" 2>"$name.stderr" || rc=$?
  { strip_times <"$name.stdout"; echo "exit $rc"; } >"$name.out"
  strip_times <"$name.stderr" >"$name.err"
  rm "$name.stdout" "$name.stderr"
  [ -s "$name.err" ] || rm "$name.err"
}

for strategy in random pct dfs dpor dfs-sleep; do
  for scenario in shutdown-producer-worker lost-wakeup lock-order-deadlock select-shutdown-drops-queued-jobs \
    graceful-shutdown-no-wait abort-skips-cleanup lock-order-inversion task-leak \
    lost-wakeup-condvar send-after-close-stops silent-task-panic-joined; do
    for seed in 1 7; do
      name="$scenario-$strategy-$seed"
      run "$name" explore "$scenario" --strategy "$strategy" --seed "$seed" --iterations 300 \
        --trace-out "$name.json"
      if [ -f "$name.json" ]; then
        run "$name.replay" replay "$name.json" --times 2
        run "$name.report" report "$name.json"
      fi
    done
  done
done
# Options that take other paths through the exploration: several jobs, all failures, shards,
# the determinism check, pct's depth and steps, dfs's bound.
run par-random explore shutdown-producer-worker --seed 3 --iterations 400 --jobs 2 --all-failures \
  --trace-out par-random.json
run par-pct explore lost-wakeup --strategy pct --seed 5 --iterations 400 --jobs 2 --all-failures \
  --trace-out par-pct.json
run shard explore graceful-shutdown-no-wait --seed 9 --iterations 200 --shard 2/3 --trace-out shard.json
run determinism explore lock-order-deadlock --seed 2 --iterations 100 --check-determinism \
  --trace-out determinism.json
run pct-depth explore shutdown-producer-worker --strategy pct --depth 5 --pct-steps 80 --seed 4 \
  --iterations 300 --trace-out pct-depth.json
run dfs-bound explore shutdown-producer-worker-joined --strategy dfs --preemption-bound 1 \
  --iterations 5000
run leaks-warn explore task-leak --leaks warn --iterations 50 --trace-out leaks-warn.json
run current-thread explore lost-wakeup --flavor current_thread --iterations 300 \
  --trace-out current-thread.json
# Shrinking: deterministic for a given trace (the time budget is generous, the replay budget
# decides).
for t in shutdown-producer-worker-random-1 lost-wakeup-pct-7 select-shutdown-drops-queued-jobs-random-7 \
  graceful-shutdown-no-wait-random-1 par-random; do
  [ -f "$t.json" ] && run "$t.shrink" shrink "$t.json" -o "$t.min.json" --time-budget 600
done
if [ "${MEASURE:-1}" != 0 ]; then
  run measure measure --seeds "${MEASURE_SEEDS:-100}"
fi
echo "$(ls | wc -l) files in $out"
# The counts in docs/scenario-results.md are `weft measure`'s tables: they must reproduce exactly
# (wall times aside). Only meaningful with the default 100 seeds.
if [ "${MEASURE:-1}" != 0 ] && [ "${MEASURE_SEEDS:-100}" = 100 ] && [ -f "$doc" ]; then
  if diff <(grep '^|' "$doc" | strip_times) <(grep '^|' measure.out) >measure-vs-doc.diff; then
    echo "measure: every count in docs/scenario-results.md reproduced"
    rm measure-vs-doc.diff
  else
    echo "measure: counts differ from docs/scenario-results.md (measure-vs-doc.diff)"
  fi
fi
