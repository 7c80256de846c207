#!/usr/bin/env bash
# Runs clang-tidy (profile in .clang-tidy) over casewire's own sources.
# Slow (Boost headers): for developers before a submission, not part of CI.
# Usage: deploy/tidy.sh [FILES...]   (default: every .cc under protocol keys daemon client)
set -euo pipefail
cd "$(dirname "$0")/.."
[[ -f build/compile_commands.json ]] || cmake -S . -B build -G Ninja >/dev/null
files=("$@")
((${#files[@]})) || mapfile -t files < <(git ls-files 'protocol/*.cc' 'keys/*.cc' 'daemon/*.cc' 'client/*.cc')
status=0
for f in "${files[@]}"; do
  out=$(clang-tidy -p build --quiet "$f" 2>/dev/null | grep -E "warning:|error:" || true)
  if [[ -n $out ]]; then
    echo "$out"
    status=1
  fi
done
exit $status
