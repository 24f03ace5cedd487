#!/usr/bin/env bash
# Runs a test binary built from tests/glue/catch2_example.cpp or gtest_example.cpp and checks what
# a user of WEFT_EXPLORE relies on: the clean test passes and counts; the buggy one fails at the
# real line of its failing check (not the macro's); the printed replay command, run as printed,
# reproduces it; WEFT_SHRINK=1 shrinks it; a trace does not leak into another test; and a replay
# that no longer reproduces fails.
# Usage: check_glue.sh catch2|gtest BINARY SOURCE
set -euo pipefail
framework=$1
binary=$(realpath "$2")
source=$(realpath "$3")
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
fail() { echo "check_glue ($framework, $(basename "$binary")): $*"; exit 1; }

if [ "$framework" = catch2 ]; then
  clean=(-s "two request handlers count every hit")
  buggy=("a read-then-write counter loses a hit")
else
  clean=(--gtest_filter=Handlers.CountEveryHit)
  buggy=(--gtest_filter=Handlers.DISABLED_ReadThenWriteLosesAHit --gtest_also_run_disabled_tests)
fi
line=$(grep -n "the failing line (check_glue.sh" "$source" | cut -d: -f1)
[ -n "$line" ] || fail "no marked line in $source"

# The clean test passes; Catch2 with -s shows the exploration as a passed assertion.
WEFT_VERBOSE=1 "$binary" "${clean[@]}" >clean.log 2>&1 || { cat clean.log; fail "the clean test failed"; }
grep -q "executions (" clean.log || { cat clean.log; fail "no execution count for the clean test"; }

# The buggy test fails at the line of its check.
if "$binary" "${buggy[@]}" >buggy.log 2>&1; then cat buggy.log; fail "the buggy test passed"; fi
grep -q "check failed: hits->load() == 2" buggy.log || { cat buggy.log; fail "no failed check"; }
grep -Eq "at: [^ ]*$(basename "$source"):$line\b" buggy.log ||
  { cat buggy.log; fail "the failure does not point at line $line"; }

# The replay command, run exactly as printed, reproduces it.
replay=$(sed -n "s/^replay: //p" buggy.log | head -n 1)
shrink=$(sed -n "s/^shrink: //p" buggy.log | head -n 1)
[ -n "$replay" ] && [ -n "$shrink" ] || { cat buggy.log; fail "no replay or shrink command"; }
# The trace file from the unwrapped replay command (Catch2 wraps the report's long lines).
trace=$(sed -n 's/^replay: WEFT_TRACE=\([^ ]*\) .*/\1/p' buggy.log | head -n 1)
if bash -c "$replay" >replay.log 2>&1; then cat replay.log; fail "the replay passed"; fi
grep -q "reproduced the recorded failure" replay.log || { cat replay.log; fail "replay did not reproduce"; }
grep -q "timeline of" replay.log || { cat replay.log; fail "no timeline on replay"; }
if bash -c "$shrink" >shrink.log 2>&1; then cat shrink.log; fail "the shrink run passed"; fi
grep -q "shrank it to" shrink.log || { cat shrink.log; fail "nothing shrunk"; }

# The trace names the buggy test: the clean test ignores it and still passes.
WEFT_TRACE=$trace "$binary" "${clean[@]}" >scoped.log 2>&1 ||
  { cat scoped.log; fail "WEFT_TRACE of another test broke the clean test"; }

# A trace whose recorded failure the code no longer produces fails the test when replayed.
python3 - "$trace" stale.json <<'PY'
import json, sys
t = json.load(open(sys.argv[1]))
t["failure"]["where"]["line"] = t["failure"]["where"]["line"] + 1000
json.dump(t, open(sys.argv[2], "w"))
PY
if WEFT_TRACE=stale.json "$binary" "${buggy[@]}" >stale.log 2>&1; then
  cat stale.log
  fail "a replay that did not reproduce the recorded failure passed"
fi
grep -q "did NOT reproduce" stale.log || { cat stale.log; fail "no word that it did not reproduce"; }
echo "check_glue ($framework): lines, replay, shrink, scoping and stale traces work"
