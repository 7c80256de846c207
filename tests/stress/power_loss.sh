#!/usr/bin/env bash
# Power cuts, not just process deaths: the daemon runs over a VFS that keeps
# every unsynced write in its own memory (daemon/store/power_loss_vfs.h), so
# each SIGKILL drops or tears what was not fsync'd. 32 clients send; after
# every cut each receipted alert must be in the files as the cut left them.
#
#   tests/stress/power_loss.sh [ROUNDS]                     expect 0 lost, exit 0
#   tests/stress/power_loss.sh --negative-control [ROUNDS]  synchronous=OFF: must
#                                                           report losses, exit 1
# Prints one line: "ROUNDS rounds, N receipted, L lost". Builds a fault-injection
# build (no sanitizers) in build-fault/. deploy/test.sh runs a short version.
set -euo pipefail
cd "$(dirname "$0")/../.."
negative=0
if [[ ${1:-} == --negative-control ]]; then
  negative=1
  shift
fi
rounds=${1:-200}
build=build-fault
if [[ ! -f $build/build.ninja ]]; then
  cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCASEWIRE_BUILD_TESTS=ON \
    -DCASEWIRE_FAULT_INJECTION=ON -DCASEWIRE_BUILD_BENCH=OFF >/dev/null
fi
cmake --build "$build" --target durability_e2e_test casewired casewire casewire-keys >/dev/null
set +e
out=$(CASEWIRE_POWER_CUTS=$rounds CASEWIRE_POWER_LOSS_NEGATIVE_CONTROL=$negative \
  "$build/tests/durability_e2e_test" --gtest_filter='Durability.PowerCutsLoseNoReceiptedAlert' 2>&1)
status=$?
set -e
line=$(grep -o '[0-9]* rounds, [0-9]* receipted, [0-9]* lost.*' <<<"$out" || true)
if [[ -z $line ]]; then
  echo "$out" | tail -20
  echo "power_loss: the test did not report (see above)" >&2
  exit 1
fi
echo "$line"
if ((status != 0)); then
  grep -E "Failure|Expected|Which is|no cut" -A1 <<<"$out" | head -20 >&2 || true
fi
exit $status
