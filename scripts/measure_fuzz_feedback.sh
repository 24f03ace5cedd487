#!/usr/bin/env bash
# Does schedule-coverage feedback help libFuzzer find the catalogue's bugs? For each buggy
# scenario, feedback on and off (WEFT_FUZZ_FEEDBACK=1/0) and each libFuzzer seed, runs the
# fuzz_schedule target from an empty corpus (no dictionary) until the first crash or the cap, one
# fuzzer at a time, and prints a markdown table: per scenario and feedback setting, how many runs
# found the failure, and the median, min and max of libFuzzer's executions and wall seconds to it.
# Build the target with clang, libFuzzer and code coverage on every library, no sanitizer:
#   CC=clang CXX=clang++ meson setup build-fuzz -Dfuzz=true -Dtests=false -Dbench=false \
#     -Dbuildtype=release -Dcpp_args=-fsanitize=fuzzer-no-link
#   ninja -C build-fuzz fuzz/fuzz_schedule
# Usage: measure_fuzz_feedback.sh BUILD-FUZZ-DIR [SCENARIO...]
#   no scenario: every buggy one `$WEFT list` shows (WEFT: default build/cli/weft)
#   CAP=seconds per run (30), SEEDS="1 2 3 4 5", MAX_LEN=256,
#   RESULTS=file of raw rows (scenario feedback seed found executions seconds); rows already in it
#   are not run again, so an interrupted grid resumes.
set -euo pipefail
[ $# -ge 1 ] || { echo "usage: measure_fuzz_feedback.sh BUILD-FUZZ-DIR [SCENARIO...]" >&2; exit 2; }
target=$1/fuzz/fuzz_schedule
shift
[ -x "$target" ] || { echo "measure_fuzz_feedback: no fuzz target $target" >&2; exit 2; }
cap=${CAP:-30}
seeds=${SEEDS:-"1 2 3 4 5"}
max_len=${MAX_LEN:-256}
if [ $# -gt 0 ]; then
  scenarios=("$@")
else
  weft=${WEFT:-build/cli/weft}
  mapfile -t scenarios < <("$weft" list | awk '/\[.*finds /{print $1}')
  [ ${#scenarios[@]} -gt 0 ] || { echo "measure_fuzz_feedback: no buggy scenario from $weft list" >&2; exit 2; }
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
results=${RESULTS:-$work/results.tsv}
touch "$results"

for scenario in "${scenarios[@]}"; do
  for fb in 1 0; do
    for seed in $seeds; do
      if awk -v s="$scenario" -v f="$fb" -v d="$seed" '$1==s && $2==f && $3==d {hit=1} END {exit !hit}' "$results"; then
        continue
      fi
      log=$work/run.log
      rm -rf "$work/traces" "$work/artifacts" && mkdir -p "$work/traces" "$work/artifacts"
      start=$(date +%s.%N)
      status=0
      # An empty corpus (no directory), no dictionary; -timeout bounds one input, timeout(1) the run.
      WEFT_FUZZ_FEEDBACK=$fb WEFT_FUZZ_SCENARIO=$scenario WEFT_FUZZ_TRACE_DIR=$work/traces \
        timeout $((cap + 60)) "$target" -seed="$seed" -max_len="$max_len" -timeout=10 \
        -max_total_time="$cap" -print_final_stats=1 -artifact_prefix="$work/artifacts/" \
        >"$log" 2>&1 || status=$?
      seconds=$(echo "$(date +%s.%N) $start" | awk '{printf "%.2f", $1 - $2}')
      execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
      if [ "$status" -ne 0 ] && grep -q "^SUMMARY: weft: .* in $scenario\$" "$log"; then
        found=1
      elif [ "$status" -eq 0 ]; then
        found=0
      else
        echo "measure_fuzz_feedback: $scenario feedback=$fb seed=$seed: exit $status without a weft failure:" >&2
        tail -n 20 "$log" >&2
        exit 1
      fi
      printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$scenario" "$fb" "$seed" "$found" "${execs:-?}" "$seconds" \
        | tee -a "$results" >&2
    done
  done
done

# The table: median over all runs (a run that did not find the failure counts as longer than any
# that did, so the median is "not found" when fewer than half found it); min and max over the
# runs that found it.
echo "| scenario | feedback | found | executions: median (min-max) | seconds: median (min-max) |"
echo "|---|---|---|---|---|"
for scenario in "${scenarios[@]}"; do
  for fb in 1 0; do
    awk -v s="$scenario" -v f="$fb" -v cap="$cap" -F'\t' '
      $1 == s && $2 == f { n++; if ($4 == 1) { k++; e[k] = $5; t[k] = $6 } }
      function sort(a, m,   i, j, x) {
        for (i = 2; i <= m; i++) { x = a[i]; for (j = i - 1; j >= 1 && a[j] + 0 > x + 0; j--) a[j + 1] = a[j]; a[j + 1] = x }
      }
      function cell(a, m, unit,   mid) {
        if (m == 0) return "not found in " cap " s"
        sort(a, m)
        mid = (n % 2 == 1) ? ((n + 1) / 2 <= m ? a[(n + 1) / 2] : "") : (n / 2 + 1 <= m ? (a[n / 2] + a[n / 2 + 1]) / 2 : "")
        if (mid == "") mid = ">" (unit == "s" ? cap " s" : "cap")
        return mid " (" a[1] "-" a[m] (m < n ? ", " n - m " not found" : "") ")"
      }
      END {
        if (n == 0) exit
        printf "| %s | %s | %d/%d | %s | %s |\n", s, (f == 1 ? "on" : "off"), k, n, cell(e, k, "x"), cell(t, k, "s")
      }' "$results"
  done
done
