#!/usr/bin/env bash
# Builds the Debian package: deploy/package.sh [BUILD_DIR]
# Without BUILD_DIR it reuses an existing optimised build of this checkout
# (build-release, or build if it is Release or RelWithDebInfo without
# sanitizers or fault injection, as deploy/test.sh and quickstart leave it),
# bringing it up to date incrementally; only when there is none does it make
# build-release from scratch. It says on stderr which it used.
# Prints the path of the .deb on its last line.
set -euo pipefail
cd "$(dirname "$0")/.."

cache_value() { sed -n "s/^$2:[A-Z]*=//p" "$1/CMakeCache.txt" 2>/dev/null; }
shippable() {
  [[ -f $1/CMakeCache.txt ]] || return 1
  case $(cache_value "$1" CMAKE_BUILD_TYPE) in Release | RelWithDebInfo) ;; *) return 1 ;; esac
  [[ -z $(cache_value "$1" CASEWIRE_SANITIZE) ]] || return 1
  case $(cache_value "$1" CASEWIRE_FAULT_INJECTION) in ON | 1 | TRUE) return 1 ;; esac
  case $(cache_value "$1" CASEWIRE_FUZZ) in ON | 1 | TRUE) return 1 ;; esac
}

build=${1:-}
if [[ -z $build ]]; then
  for candidate in build-release build; do
    if shippable "$candidate"; then build=$candidate; break; fi
  done
fi
if [[ -z $build ]]; then
  build=build-release
  echo "package: no Release build here; making one in $build (several minutes)" >&2
  cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DCASEWIRE_BUILD_TESTS=OFF \
    -DCASEWIRE_BUILD_BENCH=OFF >/dev/null
elif ! shippable "$build"; then
  echo "package: $build is not a Release or RelWithDebInfo build without sanitizers" >&2
  exit 1
else
  echo "package: reusing $build ($(cache_value "$build" CMAKE_BUILD_TYPE))" >&2
fi
cmake --build "$build" --target casewired casewire casewire-keys man_pages >/dev/null
(cd "$build" && cpack -G DEB >/dev/null)
ls -t "$build"/casewire_*.deb | head -1
