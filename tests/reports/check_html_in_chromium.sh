#!/usr/bin/env bash
# Opens the flagship's HTML report in headless Chromium at 1400 px and checks what a reader sees:
# the page renders without network, the lanes' SVG has a lane per task and the runtime, the drops
# and the failure are drawn, the jump-to-failure anchor exists, filtering by task hides a lane,
# and objects are named with their creation lines. Leaves the screenshot in OUT_DIR/report.png for a human to look at.
# Usage: check_html_in_chromium.sh BUILD_DIR [OUT_DIR]
set -euo pipefail
build=$(realpath "$1")
repo=$(cd "$(dirname "$0")/../.." && pwd)
out=$(realpath -m "${2:-$build/html-check}")
mkdir -p "$out"
browser=$(command -v chromium || command -v chromium-browser || true)
[ -n "$browser" ] || { echo "check_html: chromium is not installed (scripts/setup.sh)"; exit 1; }
fail() { echo "check_html: $*"; exit 1; }
cd "$out"
"$build/cli/weft" explore shutdown-producer-worker --strategy pct --seed 1 \
  --trace-out flagship.json >/dev/null || true
[ -f flagship.json ] || fail "the flagship was not found"
# From the source root, as a user would, so the report shows the source lines at the failure.
(cd "$repo" && "$build/cli/weft" report "$out/flagship.json" --format html \
  -o "$out/report.html" >/dev/null)
grep -q "<mark>" report.html || fail "no source line shown at the failure"
tasks=$(python3 -c 'import json,sys; print(len(json.load(open("flagship.json"))["tasks"]))')

# The page hides a lane when its box is unticked; the check script (appended to a copy) does that
# for the first task and records what the DOM says, then Chromium dumps the DOM.
cp report.html probe.html
cat >>probe.html <<'HTML'
<script>
var lanes = document.querySelectorAll('svg g.lane');
var box = document.querySelector('.filters input');
box.checked = false; box.dispatchEvent(new Event('change'));
var hidden = document.querySelectorAll('svg g.lane.hidden').length;
var svg = document.querySelector('svg#lanes').getBoundingClientRect();
document.body.setAttribute('data-probe', 'lanes=' + lanes.length + ' hidden=' + hidden +
  ' svgwidth=' + Math.round(svg.width) + ' pagewidth=' + document.documentElement.scrollWidth);
</script>
HTML
flags=(--headless --no-sandbox --disable-gpu --no-first-run --disable-extensions
       --proxy-server=127.0.0.1:9 --window-size=1400,1000 --hide-scrollbars)
timeout 120 "$browser" "${flags[@]}" --dump-dom "file://$out/probe.html" >dom.html 2>chromium.log ||
  { cat chromium.log; fail "chromium could not dump the DOM"; }
probe=$(grep -o 'data-probe="[^"]*"' dom.html || true)
echo "check_html: $probe"
[[ $probe == *"lanes=$((tasks + 1)) "* ]] || fail "expected $((tasks + 1)) lanes (tasks + runtime): $probe"
[[ $probe == *"hidden=1 "* ]] || fail "unticking a task did not hide its lane: $probe"
pagewidth=${probe##*pagewidth=}
pagewidth=${pagewidth%\"}
[ "$pagewidth" -le 1400 ] || fail "the page is wider than 1400 px ($pagewidth)"
grep -q 'id="failure"' dom.html || fail "no failure anchor"
grep -q 'class="drop"' dom.html || fail "no drop drawn"
grep -q 'class="panic"' dom.html || fail "no panic drawn"
grep -q 'class="wake"' dom.html || fail "no wake arrow drawn"
# Objects with the lines that created them: the reply channel (a factory's caller), and the stop
# flag, which std::make_shared builds (never the library's own line).
grep -q "<td>mpsc 'replies' #[0-9]*</td><td>at scenarios/src/shutdown_producer_worker.cpp:27</td>" \
  dom.html || fail "the objects table does not show the reply channel's creation line"
grep -q "<td>atomic #[0-9]*</td><td>by a standard-library call after scenarios/src/" dom.html ||
  fail "the objects table does not show the make_shared atomic's creation"
! grep -q "stl_construct" dom.html || fail "a creation site inside the standard library is shown"
timeout 120 "$browser" "${flags[@]}" --screenshot="$out/report.png" "file://$out/report.html" \
  >>chromium.log 2>&1 || { cat chromium.log; fail "chromium could not take the screenshot"; }
[ "$(stat -c %s report.png)" -gt 20000 ] || fail "the screenshot is (nearly) empty"
echo "check_html: the report renders in Chromium ($out/report.png)"
