#!/usr/bin/env bash
# Every message the client can show (each tr("...") / trf("...") in
# client/*.cc) must have a translation in every catalogue (po/*.po).
#   check_catalogues.sh [--negative-control | --negative-control-placeholder]
# The negative controls add a message no catalogue has, or check a copy of a
# catalogue whose translation lost its {1}; each must fail.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
sources=("$root"/client/*.cc "$root"/client/dashboard/*.cc)
catalogues=("$root"/po/*.po)
if [[ ${1:-} == --negative-control-placeholder ]]; then
  sed 's/^msgstr "당신의 키 {1}"$/msgstr "당신의 키"/' "$root/po/ko.po" >"$tmp/ko.po"
  grep -q '^msgstr "당신의 키"$' "$tmp/ko.po"  # the control must really have changed it
  catalogues=("$tmp/ko.po")
fi
if [[ ${1:-} == --negative-control ]]; then
  printf 'const char* x() { return tr("a message nobody translated"); }\n' >"$tmp/extra.cc"
  sources+=("$tmp/extra.cc")
fi
xgettext --from-code=UTF-8 --language=C++ -k -ktr -ktrf:1 --omit-header -o "$tmp/casewire.pot" \
  "${sources[@]}"
status=0
for po in "${catalogues[@]}"; do
  msgfmt --check -o /dev/null "$po"
  # msgcmp: every message of the template must be translated in the catalogue.
  if ! msgcmp "$po" "$tmp/casewire.pot" 2>"$tmp/err"; then
    echo "$(basename "$po"): messages missing or untranslated:" >&2
    sed 's/^/  /' "$tmp/err" >&2
    status=1
  fi
done
# A translation must keep every {N} of its message: a dropped {2} would
# hide the number or code the contact needs. (msgfmt --check cannot see
# these; they are not printf formats.)
for po in "${catalogues[@]}"; do
  if ! msgexec -i "$po" sh -c '
      id=$(printf %s "$MSGEXEC_MSGID" | grep -o "{[0-9]}" | sort | tr -d "\n")
      tr=$(cat | grep -o "{[0-9]}" | sort | tr -d "\n")
      [ -z "$MSGEXEC_MSGID" ] || [ "$id" = "$tr" ] || {
        echo "  placeholders differ: $MSGEXEC_MSGID" >&2; exit 1; }' >/dev/null; then
    echo "$(basename "$po"): a translation lost or added a {N} placeholder" >&2
    status=1
  fi
done
exit $status
