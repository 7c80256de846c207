#!/usr/bin/env bash
# Runs every libFuzzer target for SECONDS each (default 60) from the committed
# seed corpora, copying the corpora to a scratch dir so runs do not churn git.
# Usage: tests/fuzz/run.sh [SECONDS] [BUILD_DIR]
# A crash leaves crash-* files in the scratch dir and a non-zero exit status;
# every crash found becomes a regression test (docs/VERIFICATION.md).
set -euo pipefail
cd "$(dirname "$0")/../.."
seconds=${1:-60}
build=$(realpath -m "${2:-build-fuzz}")  # absolute: the targets run from a scratch dir
if ! command -v clang++ >/dev/null; then echo "fuzz: clang++ not installed, skipping"; exit 0; fi
CXX=clang++ cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCASEWIRE_FUZZ=ON >/dev/null
if ! cmake --build "$build" -j"$(nproc)" >/tmp/casewire-fuzz-build.log 2>&1; then
  grep -E "error|FAILED" -A3 /tmp/casewire-fuzz-build.log | head -40
  echo "fuzz: the fuzzing build failed (log: /tmp/casewire-fuzz-build.log)" >&2
  exit 1
fi
work=$(mktemp -d /tmp/casewire-fuzz-XXXXXX)
status=0
for t in envelope alert signed keyfile request config url sse api; do
  mkdir -p "$work/$t"
  cp tests/fuzz/corpus/$t/* "$work/$t/"
  echo "== fuzz_$t for ${seconds}s"
  if ! (cd "$work" && "$build/tests/fuzz/fuzz_$t" -max_total_time="$seconds" -rss_limit_mb=2048 \
          -max_len=16384 -print_final_stats=1 "$work/$t" 2>"$work/$t.log"); then
    echo "fuzz_$t FOUND A CRASH; see $work"
    tail -40 "$work/$t.log"
    status=1
  fi
  grep -E "stat::number_of_executed_units|stat::peak_rss_mb" "$work/$t.log" | sed 's/^/   /'
done
[[ $status -eq 0 ]] && rm -rf "$work"
exit $status
