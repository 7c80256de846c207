#!/usr/bin/env bash
# Sets up a local casewire instance under var/ and shows an alert travelling
# from a field contact to an organisation. Re-running starts afresh.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

deploy/install-deps.sh
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j"$(nproc)" --target casewire-keys

keys=build/keys/casewire-keys
var=$root/var
rm -rf "$var"
mkdir -p "$var"

echo "== daemon identity (demo: keys stored without passphrase)"
$keys init --dir "$var/daemon" --insecure-no-passphrase
echo "== one field contact"
$keys new-contact --out "$var/contact.key" --insecure-no-passphrase
$keys enroll --dir "$var/daemon" --pub "$var/contact.key.pub" --label demo-contact
$keys invite --dir "$var/daemon" --url https://127.0.0.1:8443 --out "$var/invite.json"
$keys list --dir "$var/daemon"
echo
echo "The daemon (casewired) and client (casewire) are not built yet; see issue #3."
