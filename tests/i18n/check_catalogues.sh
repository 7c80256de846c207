#!/usr/bin/env bash
# Every message the client can show (each tr("...") / trf("...") in
# client/*.cc) must have a translation in every catalogue (po/*.po).
#   check_catalogues.sh [--negative-control]
# The negative control adds a message no catalogue has and must fail.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
sources=("$root"/client/*.cc)
if [[ ${1:-} == --negative-control ]]; then
  printf 'const char* x() { return tr("a message nobody translated"); }\n' >"$tmp/extra.cc"
  sources+=("$tmp/extra.cc")
fi
xgettext --from-code=UTF-8 --language=C++ -k -ktr -ktrf:1 --omit-header -o "$tmp/casewire.pot" \
  "${sources[@]}"
status=0
for po in "$root"/po/*.po; do
  msgfmt --check -o /dev/null "$po"
  # msgcmp: every message of the template must be translated in the catalogue.
  if ! msgcmp "$po" "$tmp/casewire.pot" 2>"$tmp/err"; then
    echo "$(basename "$po"): messages missing or untranslated:" >&2
    sed 's/^/  /' "$tmp/err" >&2
    status=1
  fi
done
exit $status
