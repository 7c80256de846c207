#!/usr/bin/env bash
# Installs what casewire needs and runs the whole test suite:
#   1. build with -Werror (RelWithDebInfo) and run every test with CTest; package it
#      as a .deb, install, check and remove it (root only)
#   2. build with AddressSanitizer + UndefinedBehaviorSanitizer and run every test again
#   3. run each libFuzzer target briefly from its committed seed corpus (needs clang)
# Exits non-zero on any failure. Usage: deploy/test.sh [--no-sanitize] [--no-fuzz]
set -euo pipefail
cd "$(dirname "$0")/.."
jobs=$(nproc)
sanitize=1
fuzz=1
for arg in "$@"; do
  case $arg in
    --no-sanitize) sanitize=0 ;;
    --no-fuzz) fuzz=0 ;;
    *) echo "usage: deploy/test.sh [--no-sanitize] [--no-fuzz]" >&2; exit 2 ;;
  esac
done
started=$SECONDS
stage() { echo "== $* ($((SECONDS - started))s)"; }

deploy/install-deps.sh test

stage "browser-test dependencies (npm ci: puppeteer-core, pinned in tests/dashboard)"
# puppeteer-core drives Debian's chromium; it downloads no browser.
npm ci --prefix tests/dashboard --no-audit --no-fund --ignore-scripts --loglevel=error

stage "formatting (clang-format, .clang-format)"
# Fast, before any build: the tree is formatted by the committed style.
if ! git ls-files '*.cc' '*.h' | xargs clang-format --dry-run -Werror 2>/tmp/casewire-format.log; then
  grep -m 20 "error:" /tmp/casewire-format.log || true
  echo "formatting differs from .clang-format: run  git ls-files '*.cc' '*.h' | xargs clang-format -i" >&2
  exit 1
fi

stage "build (RelWithDebInfo, -Werror)"
cmake -S . -B build -G Ninja -DCASEWIRE_WERROR=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCASEWIRE_BUILD_TESTS=ON >/dev/null
cmake --build build -j"$jobs"

stage "tests"
ctest --test-dir build -j"$jobs" --output-on-failure --timeout 600

stage "Debian package: build, install, check owners and modes, remove"
# Packages what was just tested (deploy/package.sh alone makes a Release build).
deb=$(deploy/package.sh build | tail -1)
tests/package/deb_test.sh "$deb"

if ((sanitize)); then
  stage "build (AddressSanitizer + UndefinedBehaviorSanitizer)"
  cmake -S . -B build-asan -G Ninja -DCASEWIRE_WERROR=ON -DCMAKE_BUILD_TYPE=Debug \
    -DCASEWIRE_SANITIZE=address,undefined -DCASEWIRE_FAULT_INJECTION=ON -DCASEWIRE_BUILD_BENCH=OFF >/dev/null
  cmake --build build-asan -j"$jobs"
  stage "tests under ASan+UBSan"
  ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
    ctest --test-dir build-asan -j"$jobs" --output-on-failure --timeout 900
fi

if ((fuzz)); then
  stage "fuzzing (short runs)"
  tests/fuzz/run.sh 15 build-fuzz
fi

stage "all tests passed"
