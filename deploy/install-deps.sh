#!/usr/bin/env bash
# Installs what casewire needs on Debian 12, by purpose:
#   deploy/install-deps.sh run    building and running it (what deploy/quickstart.sh needs)
#   deploy/install-deps.sh run+postgres   the same and the PostgreSQL 15 server
#                                 (deploy/quickstart.sh --postgres)
#   deploy/install-deps.sh test   everything deploy/test.sh needs: the above plus the test
#                                 tools (GoogleTest, clang for the sanitizers and fuzzers,
#                                 PostgreSQL, Chromium for the dashboard, Tor, Prometheus...)
# With no argument it installs "test" (the superset). Idempotent: skips apt-get when
# every package is already installed.
set -euo pipefail

# Building: compilers, CMake and the libraries CMakeLists.txt requires (libpq is
# linked even on SQLite, so one binary serves both stores); gettext compiles the
# client's ko and zh_CN catalogues; sqlite3 shows the quickstart's record.
run_packages=(
  build-essential cmake ninja-build pkg-config
  libboost1.81-dev libboost-locale1.81-dev libsodium-dev libssl-dev libsqlite3-dev libpq-dev
  libcli11-dev libtomlplusplus-dev gettext sqlite3 openssl procps adduser
)
postgres_packages=(postgresql-15 postgresql-client-15)
# Testing: the suite starts its own PostgreSQL, webhook receivers, SOCKS5 proxy (microsocks),
# Tor, Prometheus (promtool checks the alert rules), mosquitto, headless Chromium (puppeteer
# drives it; fonts-nanum renders Korean), checks its own formatting, and the package's units
# and manual pages (systemd-analyze, man-db, groff).
test_packages=(
  git libgtest-dev libgmock-dev googletest libbenchmark-dev
  libxml2-utils microsocks python3 python3-nacl python3-pexpect curl iproute2
  clang libclang-rt-14-dev clang-format
  systemd man-db groff-base tor prometheus nodejs faketime strace
  chromium fonts-nanum
  mosquitto libmosquitto-dev
)

purpose=${1:-test}
case $purpose in
  run) packages=("${run_packages[@]}") ;;
  run+postgres) packages=("${run_packages[@]}" "${postgres_packages[@]}") ;;
  test) packages=("${run_packages[@]}" "${postgres_packages[@]}" "${test_packages[@]}") ;;
  *) echo "usage: deploy/install-deps.sh [run|run+postgres|test]" >&2; exit 2 ;;
esac

sudo_cmd=()
[[ $(id -u) -ne 0 ]] && sudo_cmd=(sudo)
apt_install() {
  export DEBIAN_FRONTEND=noninteractive
  "${sudo_cmd[@]}" apt-get update -qq
  "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "$@"
}

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "install-deps ($purpose): installing ${#missing[@]} package(s): ${missing[*]}"
  apt_install "${missing[@]}"
else
  echo "install-deps ($purpose): all packages present"
fi

# npm drives the dashboard's browser tests (tests/dashboard/package.json).
# Debian ships it apart from nodejs; a nodejs from elsewhere brings its own.
if [[ $purpose == test ]] && ! command -v npm >/dev/null; then
  echo "install-deps ($purpose): installing npm"
  apt_install npm
fi
