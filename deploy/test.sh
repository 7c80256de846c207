#!/usr/bin/env bash
# Installs what casewire needs, builds it warnings-as-errors, and runs the
# whole test suite (unit, end-to-end, short fuzz and sanitizer runs) with CTest.
# Exits non-zero on any failure. Usage: deploy/test.sh [--no-sanitize]
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
jobs=$(nproc)

deploy/install-deps.sh

echo "== build (RelWithDebInfo, -Werror)"
cmake -S . -B build -G Ninja -DCASEWIRE_WERROR=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j"$jobs"

echo "== tests"
ctest --test-dir build -j"$jobs" --output-on-failure --timeout 600

echo "== all tests passed"
