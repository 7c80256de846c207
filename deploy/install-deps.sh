#!/usr/bin/env bash
# Installs everything casewire needs to build, test and run on Debian 12.
# Idempotent: skips apt-get when every package is already installed.
set -euo pipefail

packages=(
  build-essential cmake ninja-build pkg-config git
  libboost1.81-dev libboost-locale1.81-dev libsodium-dev libssl-dev libsqlite3-dev sqlite3 gettext
  libpq-dev postgresql-15 postgresql-client-15
  libgtest-dev libgmock-dev googletest libbenchmark-dev
  libcli11-dev libtomlplusplus-dev
  libxml2-utils microsocks python3 python3-nacl curl openssl procps iproute2
  clang libclang-rt-14-dev clang-format
  systemd tor prometheus adduser nodejs python3-pexpect faketime strace
  chromium fonts-nanum
  mosquitto libmosquitto-dev
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

if ((${#missing[@]})); then
  echo "install-deps: installing ${missing[*]}"
  sudo_cmd=()
  [[ $(id -u) -ne 0 ]] && sudo_cmd=(sudo)
  export DEBIAN_FRONTEND=noninteractive
  "${sudo_cmd[@]}" apt-get update -qq
  "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
else
  echo "install-deps: all packages present"
fi

# npm drives the dashboard's browser tests (tests/dashboard/package.json).
# Debian ships it apart from nodejs; a nodejs from elsewhere brings its own.
if ! command -v npm >/dev/null; then
  echo "install-deps: installing npm"
  sudo_cmd=()
  [[ $(id -u) -ne 0 ]] && sudo_cmd=(sudo)
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends npm
fi
