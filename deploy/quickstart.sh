#!/usr/bin/env bash
# Sets up a local casewire instance under var/ and shows one alert's whole path:
# builds the three programs (ninja prints a line per step), makes the daemon's
# keys, one field contact and one organisation, starts casewired on its embedded
# SQLite store, sends the sample alert with the casewire client (signed receipt),
# shows the organisation's feed receiving the anonymised notification, its
# acknowledgement reaching the contact, and both checking the case log.
# Installs only what building and running need (deploy/install-deps.sh run).
# Re-running starts afresh. --keep leaves the daemon running; --postgres runs it
# on a throwaway PostgreSQL 15 server instead of SQLite (what several daemons
# share: docs/OPERATIONS.md §12).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
keep=0
postgres=0
for arg in "$@"; do
  case $arg in
    --keep) keep=1 ;;
    --postgres) postgres=1 ;;
    *) echo "usage: deploy/quickstart.sh [--keep] [--postgres]" >&2; exit 2 ;;
  esac
done

if ((postgres)); then deploy/install-deps.sh run+postgres; else deploy/install-deps.sh run; fi
echo "== building casewired, casewire and casewire-keys (a first build takes several minutes)"
# Tests and benchmarks are not configured here: they need what deploy/test.sh installs.
# The build directory is the one deploy/test.sh uses, so neither builds twice.
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCASEWIRE_BUILD_TESTS=OFF \
  -DCASEWIRE_BUILD_BENCH=OFF >/dev/null
cmake --build build -j"$(nproc)" --target casewired casewire casewire-keys

keys=$root/build/keys/casewire-keys
daemon=$root/build/daemon/casewired
client=$root/build/client/casewire
var=$root/var

# A previous run's daemon, if still running, goes first.
if [[ -f $var/casewired.pid ]] && kill -0 "$(cat "$var/casewired.pid")" 2>/dev/null; then
  kill -TERM "$(cat "$var/casewired.pid")" || true
  sleep 1
fi
# ...and a previous run's PostgreSQL server.
pgbin=/usr/lib/postgresql/15/bin
as_pg=()
[[ $(id -u) -eq 0 ]] && as_pg=(runuser -u postgres --)  # initdb refuses root
if [[ -f $var/pg.dir ]]; then
  "${as_pg[@]}" "$pgbin/pg_ctl" -D "$(cat "$var/pg.dir")/data" -m fast stop >/dev/null 2>&1 || true
  rm -rf "$(cat "$var/pg.dir")"
fi
rm -rf "$var"
mkdir -p "$var"

echo "== 1. the operator creates the daemon's identity (demo: no passphrase)"
$keys init --dir "$var/daemon" --insecure-no-passphrase 2>/dev/null

echo "== 2. a field contact makes a key; the operator enrols it"
$keys new-contact --out "$var/contact.key" --insecure-no-passphrase 2>/dev/null
$keys enroll --dir "$var/daemon" --pub "$var/contact.key.pub" --label demo-contact --rate 60

echo "== 3. an organisation makes a key; the operator subscribes it to Jilin province (feed),"
echo "      cleared for private cases (the sample family asked for no publicity)"
$keys new-org --out "$var/org.key" --insecure-no-passphrase 2>/dev/null
$keys add-org --dir "$var/daemon" --pub "$var/org.key.pub" --name "Demo Advocacy Org" --regions CN-JL \
  --cleared-private

db_args=()
if ((postgres)); then
  echo "== 4a. a throwaway PostgreSQL 15 server (Unix socket only), the database 'casewire'"
  pgdir=$(mktemp -d /tmp/casewire-quickstart-pg.XXXXXX)
  echo "$pgdir" >"$var/pg.dir"
  chmod 755 "$pgdir"
  [[ $(id -u) -eq 0 ]] && chown postgres "$pgdir"
  "${as_pg[@]}" "$pgbin/initdb" -D "$pgdir/data" -U postgres --auth=trust -E UTF8 >/dev/null
  printf "listen_addresses = ''\nunix_socket_directories = '%s'\nport = 5499\n" "$pgdir" |
    "${as_pg[@]}" tee -a "$pgdir/data/postgresql.conf" >/dev/null
  "${as_pg[@]}" "$pgbin/pg_ctl" -D "$pgdir/data" -l "$pgdir/server.log" -w start >/dev/null
  "$pgbin/psql" -X -q -h "$pgdir" -p 5499 -U postgres -c "CREATE DATABASE casewire"
  db_uri="postgresql:///casewire?host=$pgdir&port=5499&user=postgres"
  db_args=(--db "$db_uri")
  echo "== 4. the daemon starts on PostgreSQL: $db_uri"
else
  echo "== 4. the daemon starts on its SQLite store"
fi
$daemon --config "$var/daemon/casewired.toml" --listen 127.0.0.1:0 --admin-listen 127.0.0.1:0 \
  "${db_args[@]}" >"$var/casewired.out" 2>"$var/casewired.log" &
echo $! >"$var/casewired.pid"
for _ in $(seq 1 100); do
  grep -q "admin listening on" "$var/casewired.out" 2>/dev/null && break
  sleep 0.1
done
cat "$var/casewired.out"
port=$(awk '/^listening on/ {n=split($3,a,":"); print a[n]}' "$var/casewired.out")
admin=$(awk '/^admin listening on/ {n=split($4,a,":"); print a[n]}' "$var/casewired.out")

echo "== 5. the operator writes an invite; the contact and the organisation set up their clients"
$keys invite --dir "$var/daemon" --url "https://127.0.0.1:$port" --out "$var/invite.json"
$client --home "$var/contact-home" init --insecure-no-passphrase --invite "$var/invite.json" --key "$var/contact.key"
$client --home "$var/org-home" init --insecure-no-passphrase --invite "$var/invite.json" --key "$var/org.key"

echo "== 6. the contact sends the sample alert (deploy/examples/alert.json, with names and notes)"
$client --home "$var/contact-home" send --alert deploy/examples/alert.json

echo "== 7. the organisation's feed: the anonymised notification, its daemon signature verified"
echo "      (no names, no notes, no exact place: counts in buckets, region, facility, times to the hour)"
timeout 20 $client --home "$var/org-home" feed --count 1

echo "== 8. the organisation acknowledges; the contact sees that someone is acting"
$client --home "$var/org-home" ack 1
# The case reference from the contact's receipts (kept sealed on the device:
# read through the client, which holds the key).
case_ref=$($client --home "$var/contact-home" --json receipts | head -1 |
  sed -n 's/.*"case":"\([0-9a-f]\{32\}\)".*/\1/p')
$client --home "$var/contact-home" status "$case_ref"

echo "== 9. both check the daemon's tamper-evident case log (an alert and an acknowledgement so far)"
$client --home "$var/contact-home" verify-log
$client --home "$var/org-home" verify-log

echo "== 10. where the record is"
if ((postgres)); then
  echo "database: $db_uri ($("$pgbin/psql" -X -A -t -h "$pgdir" -p 5499 -U postgres -d casewire \
    -c 'SELECT count(*) FROM alerts') alert(s); names and notes are sealed)"
else
  echo "database: $var/daemon/casewired.db ($(sqlite3 "$var/daemon/casewired.db" 'SELECT count(*) FROM alerts') alert(s); names and notes are sealed)"
fi
echo "daemon log (no names, no key ids):"
sed 's/^/  /' "$var/casewired.log"
echo "metrics: http://127.0.0.1:$admin/metrics"

if ((keep)); then
  echo "== the daemon keeps running (pid $(cat "$var/casewired.pid")); stop it with: kill $(cat "$var/casewired.pid")"
  echo "   the organisation's cases in a browser: $client --home $var/org-home dashboard"
else
  kill -TERM "$(cat "$var/casewired.pid")"
  wait "$(cat "$var/casewired.pid")" 2>/dev/null || true
  if ((postgres)); then
    "${as_pg[@]}" "$pgbin/pg_ctl" -D "$pgdir/data" -m fast stop >/dev/null
    rm -rf "$pgdir" "$var/pg.dir"
  fi
  echo "== daemon stopped (run with --keep to leave it running)"
fi
