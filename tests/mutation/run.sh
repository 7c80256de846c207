#!/usr/bin/env bash
# Mutation testing of the security checks (issue 34; docs/VERIFICATION.md).
# Each mutant in tests/mutation/mutants.py disables or weakens one check. For
# each, in a scratch worktree of HEAD (the checkout is never touched): apply
# it, rebuild incrementally, run the tests named for it (--full: the whole
# suite), and report it CAUGHT (with the tests that failed) or SURVIVED.
# Not in CI (a full pass takes hours with --full, about an hour without):
# run it before a change to a security check lands, and record the table.
#
#   tests/mutation/run.sh [--only NAME[,NAME...]] [--full] [--jobs N]
#
# Exit status: 0 if every mutant run was caught, 1 if one survived (or did
# not build: a mutant must compile to count), 2 on a usage error.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
work=${CASEWIRE_MUTATION_DIR:-/tmp/casewire-mutation}
only="" full=0 jobs=2
while (($#)); do
  case $1 in
    --only) only=$2; shift ;;
    --full) full=1 ;;
    --jobs) jobs=$2; shift ;;
    *) echo "usage: tests/mutation/run.sh [--only NAME[,NAME...]] [--full] [--jobs N]" >&2; exit 2 ;;
  esac
  shift
done

python3 "$root/tests/mutation/mutants.py" --check >/dev/null || {
  echo "a mutant's text is not in the tree exactly once: tests/mutation/mutants.py --check" >&2
  exit 2
}
if [[ -n $only ]]; then names=${only//,/ }; else
  names=$(python3 "$root/tests/mutation/mutants.py" --list | cut -f1)
fi

mkdir -p "$work"
tree=$work/tree build=$work/build results=$work/results.md
git -C "$root" worktree remove --force "$tree" 2>/dev/null || rm -rf "$tree"
git -C "$root" worktree add --detach "$tree" HEAD >/dev/null
trap 'git -C "$root" worktree remove --force "$tree" >/dev/null 2>&1 || true' EXIT
[[ -f $build/CMakeCache.txt ]] ||
  cmake -S "$tree" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
echo "baseline build of $(git -C "$tree" rev-parse --short HEAD) ..."
cmake --build "$build" -j"$jobs" >"$work/build.log" 2>&1 || {
  echo "HEAD does not build; see $work/build.log" >&2
  exit 2
}

echo "| mutant | file | claim | result | caught by |" >"$results"
echo "|---|---|---|---|---|" >>"$results"
status=0
for name in $names; do
  git -C "$tree" checkout -q -- .
  file=$(cd "$tree" && python3 tests/mutation/mutants.py --apply "$name")
  claim=$(python3 "$tree/tests/mutation/mutants.py" --list | awk -F'\t' -v n="$name" '$1 == n {print $3}')
  if ! cmake --build "$build" -j"$jobs" >"$work/$name.build.log" 2>&1; then
    result="did not build" caught=""
    status=1
  else
    if ((full)); then filter=(); else filter=(-R "$(python3 "$tree/tests/mutation/mutants.py" --tests "$name")"); fi
    if ctest --test-dir "$build" "${filter[@]}" -E "Fuzz|Soak" -j"$jobs" --timeout 300 \
      >"$work/$name.test.log" 2>&1; then
      result="SURVIVED" caught=""
      status=1
    else
      result="caught"
      caught=$(grep -E '^\s+[0-9]+ - .*\((Failed|Timeout|SEGFAULT|Subprocess aborted)\)' \
        "$work/$name.test.log" | sed -E 's/^\s+[0-9]+ - ([^ ]+).*/`\1`/' | head -5 | paste -sd, -)
    fi
  fi
  printf '%-28s %s\n' "$name" "$result ${caught}"
  echo "| $name | \`$file\` | $claim | $result | $caught |" >>"$results"
done
git -C "$tree" checkout -q -- .
echo "results: $results"
exit $status
