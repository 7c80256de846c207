#!/usr/bin/env bash
# Installs the casewire .deb on this machine, checks what it put where (files,
# owners, modes, the service user), that the packaged programs work as that
# user, then removes it and checks the state directories and user remain.
# Root only; refuses to run where casewire is already installed or its
# directories already exist (it must never touch a real installation).
# Usage: tests/package/deb_test.sh PATH.deb      (deploy/test.sh runs it in CI)
set -euo pipefail
deb=$(realpath "$1")
fail() { echo "deb_test: FAILED: $*" >&2; exit 1; }
if [[ $(id -u) -ne 0 ]]; then echo "deb_test: needs root, skipped"; exit 0; fi
if dpkg-query -W -f='${Status}' casewire 2>/dev/null | grep -q "installed"; then
  fail "casewire is installed on this machine; not touching it"
fi
for d in /var/lib/casewire /etc/casewire; do
  if [[ -e $d && -n $(ls -A "$d" 2>/dev/null) ]]; then fail "$d exists and is not empty"; fi
done

dpkg -i "$deb" >/dev/null

expect() {  # path owner:group mode
  [[ -e $1 ]] || fail "$1 missing"
  local got
  got=$(stat -c '%U:%G %a' "$1")
  [[ $got == "$2 $3" ]] || fail "$1 is $got, expected $2 $3"
}
expect /usr/bin/casewired root:root 755
expect /usr/bin/casewire root:root 755
expect /usr/bin/casewire-keys root:root 755
expect /usr/lib/systemd/system/casewired.service root:root 644
expect /usr/lib/systemd/system/casewire-backup.timer root:root 644
expect /usr/share/casewire/tor/casewired.torrc root:root 644
expect /usr/share/casewire/prometheus/casewire-rules.yml root:root 644
expect /usr/share/doc/casewire/OPERATIONS.md root:root 644
expect /usr/share/locale/ko/LC_MESSAGES/casewire.mo root:root 644
expect /usr/share/locale/zh_CN/LC_MESSAGES/casewire.mo root:root 644
expect /usr/share/doc/casewire/examples/casewired.toml root:root 644
expect /usr/share/man/man8/casewired.8.gz root:root 644
expect /usr/share/man/man1/casewire.1.gz root:root 644
expect /usr/share/man/man8/casewire-keys.8.gz root:root 644
for img in $(grep -o 'images/[a-z0-9-]*\.png' /usr/share/doc/casewire/ORGANISATIONS.md); do
  expect "/usr/share/doc/casewire/$img" root:root 644  # the guide's pictures are not broken
done
# man finds the pages, and they render without a roff warning.
for page in casewired.8 casewire.1 casewire-keys.8; do
  man -w "${page%.*}" >/dev/null 2>&1 || fail "man does not find ${page%.*}"
  warnings=$(zcat "/usr/share/man/man${page##*.}/$page.gz" | groff -man -Tutf8 -ww -z 2>&1)
  [[ -z $warnings ]] || fail "$page renders with warnings: $warnings"
done
# The units as systemd reads them, with their Documentation= (man:casewired(8)).
verify=$(systemd-analyze verify /usr/lib/systemd/system/casewired.service \
  /usr/lib/systemd/system/casewire-backup.service /usr/lib/systemd/system/casewire-backup.timer 2>&1) ||
  fail "systemd-analyze verify: $verify"
[[ -z $verify ]] || fail "systemd-analyze verify warns: $verify"
expect /var/lib/casewire casewire:casewire 700
expect /etc/casewire root:casewire 750
expect /etc/casewire/credentials root:root 700
[[ $(getent passwd casewire | cut -d: -f7) == /usr/sbin/nologin ]] || fail "casewire has a login shell"

# The packaged tools work, as the service user, on its state directory.
/usr/bin/casewired --version >/dev/null || fail "casewired --version"
runuser -u casewire -- /usr/bin/casewire-keys init --dir /var/lib/casewire/instance \
  --insecure-no-passphrase >/dev/null 2>&1 || fail "casewire-keys init as casewire"
runuser -u casewire -- /usr/bin/casewired --config /var/lib/casewire/instance/casewired.toml \
  --check-config >/dev/null 2>&1 || fail "casewired --check-config as casewire"
expect /var/lib/casewire/instance/daemon.key casewire:casewire 600
# The service user cannot write the configuration directory.
if runuser -u casewire -- touch /etc/casewire/probe 2>/dev/null; then fail "casewire can write /etc/casewire"; fi

# Removal leaves the state, the configuration directory and the user.
dpkg -r casewire >/dev/null
[[ ! -e /usr/bin/casewired ]] || fail "casewired left behind by dpkg -r"
[[ -f /var/lib/casewire/instance/daemon.key ]] || fail "dpkg -r removed the daemon's key"
[[ -d /etc/casewire ]] || fail "dpkg -r removed /etc/casewire"
getent passwd casewire >/dev/null || fail "dpkg -r removed the casewire user"

# Reinstalling over the kept state keeps it (an upgrade path).
dpkg -i "$deb" >/dev/null
[[ -f /var/lib/casewire/instance/daemon.key ]] || fail "reinstall lost the key"
expect /var/lib/casewire casewire:casewire 700

# Clean up what this test made (not a step an operator takes lightly).
dpkg --purge casewire >/dev/null
rm -rf /var/lib/casewire /etc/casewire
userdel casewire 2>/dev/null || true
groupdel casewire 2>/dev/null || true
echo "deb_test: $(basename "$deb"): files, owners, modes, man pages, units, service user, remove and reinstall ok"
