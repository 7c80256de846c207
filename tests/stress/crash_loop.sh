#!/usr/bin/env bash
# The long crash loop: SIGKILL the daemon KILLS times (default 1000) under 32
# concurrent clients, checking after every restart that each acknowledged
# alert is present exactly once with its notification rows and that
# PRAGMA integrity_check is ok. deploy/test.sh runs the same test with 50.
# Usage: tests/stress/crash_loop.sh [KILLS] [BUILD_DIR]
set -euo pipefail
cd "$(dirname "$0")/../.."
kills=${1:-1000}
build=${2:-build}
cmake --build "$build" --target durability_e2e_test casewired >/dev/null
CASEWIRE_CRASH_KILLS=$kills "$build/tests/durability_e2e_test" \
  --gtest_filter='Durability.CrashLoopLosesNoAcknowledgedAlert' 2>&1 | grep -E "crash loop|OK|FAILED|Failure|lost|did not start" -A2
