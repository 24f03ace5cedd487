#!/usr/bin/env bash
# End-to-end deduplication check on a built fuzz target with two bugs in one body
# (fuzz/two_bugs.hpp): runs it on every 4-byte schedule with bytes 0..2 (one process each, as
# ClusterFuzz reproduces a testcase), and checks that the crashes come in two or more kinds with
# distinct DEDUP_TOKEN lines, distinct crash states (the top frames of the stack, as ClusterFuzz
# computes them) and distinct trace files, none overwritten.
# Usage: check_fuzz_dedup.sh BUILD-FUZZ-DIR
set -euo pipefail
target=$1/fuzz/fuzz_two_bugs
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/inputs" "$work/traces"
for a in 0 1 2; do
  for b in 0 1 2; do
    for c in 0 1 2; do
      for d in 0 1 2; do printf "\\x0$a\\x0$b\\x0$c\\x0$d" >"$work/inputs/$a$b$c$d"; done
    done
  done
done
crashes=0
for input in "$work"/inputs/*; do
  log=$work/$(basename "$input").log
  if WEFT_FUZZ_TRACE_DIR=$work/traces "$target" "$input" >"$log" 2>&1; then continue; fi
  crashes=$((crashes + 1))
  token=$(sed -n 's/^DEDUP_TOKEN: \(weft-.*\)/\1/p' "$log" | head -n 1)
  # The crash state: the first three stack frames after abort (which ClusterFuzz ignores).
  state=$(grep -o ' in weft::fuzz::crash::[a-z_0-9]*' "$log" | head -n 3 | tr -d '\n')
  trace=$(sed -n 's/^trace: //p' "$log")
  [ -n "$token" ] && [ -n "$state" ] && [ -f "$trace" ] || {
    echo "check_fuzz_dedup: crash without token, crash state or trace:"
    cat "$log"
    exit 1
  }
  echo "$token|$state|$trace" >>"$work/crashes"
done
tokens=$(cut -d'|' -f1 "$work/crashes" | sort -u | wc -l)
states=$(cut -d'|' -f2 "$work/crashes" | sort -u | wc -l)
pairs=$(cut -d'|' -f1,2 "$work/crashes" | sort -u | wc -l)
traces=$(ls "$work/traces" | wc -l)
echo "check_fuzz_dedup: $crashes crashing inputs, $tokens dedup tokens, $states crash states," \
  "$traces traces"
cut -d'|' -f1,2 "$work/crashes" | sort | uniq -c
[ "$tokens" -ge 2 ] || { echo "check_fuzz_dedup: expected two bugs, got $tokens token(s)"; exit 1; }
# One crash state per token: the stack follows the signature, and only the signature.
[ "$states" -eq "$tokens" ] && [ "$pairs" -eq "$tokens" ] ||
  { echo "check_fuzz_dedup: crash states do not match dedup tokens one to one"; exit 1; }
[ "$traces" -eq "$crashes" ] || { echo "check_fuzz_dedup: traces overwritten"; exit 1; }
