#!/usr/bin/env bash
# Runs the whole CTest suite N times (default 10) in BUILD_DIR (default build)
# and reports every test that failed at least once, with how often.
# A flaky test blocks every later submission at random: it is a defect.
# Usage: tests/stress/repeat.sh [N] [BUILD_DIR]   (exit 1 if any test ever failed)
set -euo pipefail
cd "$(dirname "$0")/../.."
n=${1:-10}
build=${2:-build}
declare -A failures=()
for ((i = 1; i <= n; i++)); do
  log=$(mktemp)
  ctest --test-dir "$build" -j"$(nproc)" --timeout 600 >"$log" 2>&1 || true
  while read -r name; do
    failures[$name]=$((${failures[$name]:-0} + 1))
  done < <(sed -n 's/^[[:space:]]*[0-9]* - \(.*\) (\(Failed\|Timeout\|SEGFAULT\|Subprocess aborted\|Exception\)).*/\1/p' "$log")
  echo "run $i/$n: $(grep -E 'tests passed|tests failed' "$log" | tail -1)"
  rm -f "$log"
done
if ((${#failures[@]} == 0)); then
  echo "repeat: $n runs, no test failed"
  exit 0
fi
echo "repeat: tests that failed at least once in $n runs:"
for name in "${!failures[@]}"; do echo "  ${failures[$name]}x  $name"; done
exit 1
