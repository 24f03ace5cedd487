#!/usr/bin/env bash
# A short, time-bounded libFuzzer campaign on the documented user example
# (docs/example/pool_fuzz.cpp, built on WEFT_FUZZ_TARGET): checks that it finds the example's bug,
# that the crash artifact and the trace carry the same SHA-1 (docs/fuzzing.md's one-liner), that
# running the target on the artifact writes a byte-identical trace, and, given a weft command,
# that `weft report` renders the trace.
# Usage: check_fuzz_example.sh POOL-FUZZ-BINARY [WEFT-COMMAND]   (FUZZ_SECONDS: the bound, default 30)
set -euo pipefail
target=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
weft=${2:+$(cd "$(dirname "$2")" && pwd)/$(basename "$2")}
seconds=${FUZZ_SECONDS:-30}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
mkdir artifacts
if WEFT_FUZZ_TRACE_DIR=traces timeout $((seconds + 60)) "$target" -seed=1 -max_len=256 \
    -max_total_time="$seconds" -print_final_stats=1 -artifact_prefix=artifacts/ >campaign.log 2>&1; then
  echo "check_fuzz_example: $(basename "$target") did not find the example's bug in $seconds s"
  exit 1
fi
fail() {
  echo "check_fuzz_example: $*"
  tail -n 30 campaign.log
  exit 1
}
grep -q '^SUMMARY: weft: body_failure in pool_fuzz$' campaign.log || fail "no weft failure summary"
artifact=$(ls artifacts)
[ "$(echo "$artifact" | wc -l)" -eq 1 ] || fail "expected one artifact, got: $artifact"
sha=$(sha1sum <"artifacts/$artifact" | cut -c1-40)
[ "$artifact" = "crash-$sha" ] || fail "artifact $artifact is not named after its SHA-1 $sha"
trace=traces/pool_fuzz-bytes-$sha.json
[ -f "$trace" ] || fail "no trace $trace"
grep -q "^trace: $trace\$" campaign.log || fail "the failure does not name its trace $trace"
# The artifact turns into the same trace again (the bytes are the decisions; the run is
# deterministic).
if WEFT_FUZZ_TRACE_DIR=again timeout 60 "$target" "artifacts/$artifact" >rerun.log 2>&1; then
  fail "the artifact did not crash again"
fi
cmp "$trace" "again/pool_fuzz-bytes-$sha.json" || fail "the rerun wrote a different trace"
if [ -n "$weft" ]; then
  "$weft" report "$trace" >report.txt || fail "weft report failed on $trace"
  grep -q "client a" report.txt || fail "weft report does not show the example's tasks"
fi
echo "check_fuzz_example: $(basename "$target") found the bug in" \
  "$(sed -n 's/^stat::number_of_executed_units: *//p' campaign.log | tail -n 1)" \
  "executions; trace $trace, the same on a rerun of its artifact"
