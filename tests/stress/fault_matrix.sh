#!/usr/bin/env bash
# Runs the negative control and the I/O-fault tests (failed write, failed
# fsync once and persistently, disk full) against a fault-injection build.
# Usage: tests/stress/fault_matrix.sh [BUILD_DIR]   (default build-asan, as deploy/test.sh makes it)
set -euo pipefail
cd "$(dirname "$0")/../.."
build=${1:-build-asan}
"$build/daemon/casewired" --version | grep -q FAULT-INJECTION || {
  echo "fault_matrix: $build is not a fault-injection build (-DCASEWIRE_FAULT_INJECTION=ON)" >&2
  exit 2
}
"$build/tests/durability_e2e_test" --gtest_filter='*NegativeControl*:*StoreFaults*' 2>&1 |
  grep -E "negative control|OK|FAILED|Failure|SKIPPED"
