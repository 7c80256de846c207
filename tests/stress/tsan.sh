#!/usr/bin/env bash
# Builds casewire with ThreadSanitizer and runs the concurrency-heavy tests
# (the store's group commit, ingest over TLS, delivery and feed), then scans
# every daemon log for ThreadSanitizer reports. Not in CI (time); run before
# changing threading code. Usage: tests/stress/tsan.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
cmake -S . -B build-tsan -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCASEWIRE_SANITIZE=thread \
  -DCASEWIRE_BUILD_BENCH=OFF >/dev/null
cmake --build build-tsan -j"$(nproc)" 2>&1 | grep -E "error:" || true
scratch=$(mktemp -d /tmp/casewire-tsan-XXXXXX)
export TMPDIR=$scratch CASEWIRE_KEEP_TEST_DIRS=1 TSAN_OPTIONS="halt_on_error=0"
status=0
ctest --test-dir build-tsan -j"$(nproc)" --timeout 300 -R "SqliteStore|Ingest\.|Delivery" --output-on-failure \
  >"$scratch/ctest.log" 2>&1 || status=1
reports=$(grep -l "WARNING: ThreadSanitizer" "$scratch"/*/*.err "$scratch/ctest.log" 2>/dev/null | wc -l)
echo "tsan: $(grep -E 'tests passed' "$scratch/ctest.log"); files with ThreadSanitizer reports: $reports"
((reports == 0 && status == 0)) && rm -rf "$scratch" || echo "details in $scratch"
((reports == 0)) || exit 1
exit $status
