#!/usr/bin/env bash
# Builds the Debian package: deploy/package.sh [BUILD_DIR]
# BUILD_DIR defaults to build-release (a Release build made here); deploy/test.sh
# passes its own build directory to package what it just tested.
# Prints the path of the .deb on its last line.
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build-release}
if [[ ! -f $build/CMakeCache.txt ]]; then
  cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DCASEWIRE_BUILD_TESTS=OFF \
    -DCASEWIRE_BUILD_BENCH=OFF >/dev/null
fi
cmake --build "$build" --target casewired casewire casewire-keys >/dev/null
(cd "$build" && cpack -G DEB >/dev/null)
ls -t "$build"/casewire_*.deb | head -1
