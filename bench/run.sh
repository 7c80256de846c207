#!/usr/bin/env bash
# Runs casewire's benchmarks (issue 12) and prints a table, or with --json one
# JSON object per scenario per line. --quick runs each scenario briefly (a
# smoke check, under 2 minutes in all). Builds Release in build-bench/.
#
#   bench/run.sh [--quick] [--json] [--postgres]
#
# --postgres also runs the ingest scenarios on a throwaway PostgreSQL 15
# server (the same machine, a Unix socket, fsync on), beside SQLite.
#
# Machines are shared and noisy: read ratios and medians, and compare runs
# made back to back on the same machine. bench/RESULTS.md has the last full run.
set -euo pipefail
cd "$(dirname "$0")/.."
quick=0 json=0 postgres=0
for a in "$@"; do
  case $a in
    --quick) quick=1 ;;
    --json) json=1 ;;
    --postgres) postgres=1 ;;
    *) echo "usage: bench/run.sh [--quick] [--json] [--postgres]" >&2; exit 1 ;;
  esac
done
secs=$((quick ? 2 : 10))
build=build-bench
if [[ ! -f $build/CMakeCache.txt ]]; then
  cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DCASEWIRE_BUILD_TESTS=ON >/dev/null
fi
cmake --build "$build" --target ingest_bench fanout_bench casewired casewire casewire-keys \
  pg_fixture >/dev/null
ulimit -n 65536 2>/dev/null || true
bench=$build/bench/ingest_bench
fanout=$build/bench/fanout_bench

lines=()
run() {  # scenario seconds [concurrency]
  local out tool=$bench
  case $1 in end_to_end | fanout_* | reference_broker) tool=$fanout ;; esac
  out=$("$tool" "$@" 2>/dev/null | tail -1) || true
  [[ -n $out ]] || out="{\"scenario\":\"$1\",\"error\":\"did not finish\"}"
  lines+=("$out")
  if ((json)); then echo "$out"; fi
}

run crypto_floor "$secs"
for c in 1 16 64; do run keepalive "$secs" "$c"; done
if ((postgres)); then
  pgdir=/tmp/casewire-bench-pg
  $build/tests/pg_fixture start "$pgdir" >/dev/null
  trap '$build/tests/pg_fixture stop "$pgdir"' EXIT
  /usr/lib/postgresql/15/bin/psql -X -q -h "$pgdir/sock" -p "$(cat "$pgdir/port")" -U postgres \
    -c "CREATE DATABASE bench"
  export CASEWIRE_BENCH_DB="postgresql:///bench?host=$pgdir/sock&port=$(cat "$pgdir/port")&user=postgres"
  for c in 1 16 64; do
    /usr/lib/postgresql/15/bin/psql -X -q -h "$pgdir/sock" -p "$(cat "$pgdir/port")" -U postgres \
      -d bench -c "DROP SCHEMA public CASCADE; CREATE SCHEMA public" 2>/dev/null || true
    run keepalive "$secs" "$c"
  done
  unset CASEWIRE_BENCH_DB
fi
run new_connection "$secs" 8
run junk_flood "$secs" 64
run end_to_end "$secs" 100
run end_to_end "$secs" 1000
run fanout_webhook $((quick ? 100 : 1000))
run fanout_sse $((quick ? 500 : 10000))
# 300, not 1,000: libmosquitto's client loop uses select(), which cannot watch a descriptor
# above 1,023, and each client holds three (bench/RESULTS.md).
for pair in 1:2000 100:500 300:100; do
  subs=${pair%%:*} msgs=${pair##*:}
  run reference_broker "$subs" $((quick ? msgs / 10 : msgs))
done

if ((!json)); then
  python3 - "${lines[@]}" <<'PY'
import json, sys
rows = [json.loads(l) for l in sys.argv[1:]]
cols = ["scenario", "concurrency", "alerts_per_s", "p50_ms", "p99_ms", "p999_ms",
        "daemon_cpu_us_per_alert", "crypto_floor_us_per_alert", "cpu_ratio", "daemon_peak_rss_kb",
        "vs_openssl", "junk_per_s", "honest_p99_ms", "honest_failed",
        "offered_per_s", "sse_p50_ms", "sse_p99_ms", "webhook_received", "webhook_p50_ms",
        "webhook_p99_ms", "subscribers", "delivered", "received", "last_delivered_ms", "last_ms",
        "rss_kb_per_idle_stream", "notification_signatures", "messages",
        "mosquitto_delivered_per_s", "mosquitto_p99_ms", "casewire_delivered_per_s",
        "casewire_p99_ms", "vs_mosquitto", "casewire_one_sender_delivered_per_s",
        "casewire_one_sender_p99_ms"]
used = [c for c in cols if any(c in r for r in rows)]
def fmt(v):
    return f"{v:.2f}" if isinstance(v, float) else str(v)
print(" | ".join(used))
print(" | ".join("---" for _ in used))
for r in rows:
    print(" | ".join(fmt(r.get(c, "")) for c in used))
PY
fi
