#!/usr/bin/env bash
# `cpack -G DEB` makes a Debian package (issue 16, item 2): lintian reports no errors, the files
# follow the FHS layout (/usr/bin, /usr/lib/codecouncil, /usr/share/codecouncil, /etc/codecouncil
# as conffiles, /lib/systemd/system), and the maintainer scripts create the service user and
# the private folders. The scripts run against a fake root (DPKG_ROOT) with the commands that
# would change this machine (adduser, getent, chown, systemctl) replaced by recorders, so no
# user and no file is created outside the temp folder.
# usage: deb_package_test.sh <source dir> <build dir>
set -euo pipefail
src="$1" build="$2"
fail() { echo "FAIL: $*" >&2; exit 1; }
# A missing tool is a failure, not a skip: scripts/test installs them (TEST_PACKAGES).
for tool in cpack lintian dpkg-deb dpkg-shlibdeps file; do
  command -v "$tool" >/dev/null 2>&1 || fail "$tool is not installed (scripts/lib/common.sh TEST_PACKAGES: lintian dpkg-dev file)"
done
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

cpack -G DEB --config "$build/CPackConfig.cmake" -B "$work/pkg" >"$work/cpack.log" 2>&1 \
  || { cat "$work/cpack.log"; fail "cpack -G DEB"; }
deb="$(ls "$work"/pkg/codecouncil_*.deb)"
echo "package: $(basename "$deb") ($(stat -c %s "$deb") bytes)"

# lintian: no errors (warnings are printed for the record).
if ! lintian --fail-on error --tag-display-limit 0 "$deb" >"$work/lintian.log" 2>&1 || grep -q "^E: " "$work/lintian.log"; then
  cat "$work/lintian.log"
  fail "lintian reports errors"
fi
cat "$work/lintian.log"

# Control fields: shared-library dependencies found by dpkg-shlibdeps, plus adduser and pg_dump.
depends="$(dpkg-deb -f "$deb" Depends)"
for dep in libc6 libpocofoundation adduser postgresql-client; do
  [[ $depends == *"$dep"* ]] || fail "Depends lacks $dep: $depends"
done

control="$work/control" root="$work/root"
dpkg-deb -e "$deb" "$control"
dpkg-deb -x "$deb" "$root"
for f in etc/codecouncil/codecouncil.yaml etc/codecouncil/staging.yaml etc/codecouncil/production.yaml; do
  grep -qx "/$f" "$control/conffiles" || fail "/$f is not a conffile"
done
for f in usr/bin/codecouncil usr/lib/codecouncil/scripts/backup-db.sh usr/lib/codecouncil/scripts/restore-db.sh; do
  [ -x "$root/$f" ] || fail "/$f is missing or not executable"
done
# Both scripts source it to find the binary; without it they stop at their first line of work.
[ -f "$root/usr/lib/codecouncil/scripts/lib/codecouncil-binary.sh" ] || fail "the scripts' shared lib/codecouncil-binary.sh is missing"
for plugin in $(cd "$src/plugins" && for d in */; do [ -f "$d/CMakeLists.txt" ] && echo "${d%/}"; done); do
  [ -f "$root/usr/lib/codecouncil/plugins/libcc_$plugin.so" ] || fail "plugin $plugin is missing"
done
for f in usr/share/codecouncil/migrations/core/postgresql usr/share/codecouncil/admin/web/index.html \
         usr/share/codecouncil/env.example lib/systemd/system/codecouncil.service \
         usr/share/doc/codecouncil/copyright usr/share/doc/codecouncil/changelog.gz; do
  [ -e "$root/$f" ] || fail "/$f is missing"
done
# Every file root's, none writable by group or others (the host refuses such plugin files).
if dpkg-deb -c "$deb" | awk '$2 != "root/root" || substr($1, 6, 1) == "w" || substr($1, 9, 1) == "w"' | grep .; then
  fail "files not owned by root or writable by group/others"
fi
production="$root/etc/codecouncil/production.yaml"
for line in "migrations_dir: /usr/share/codecouncil/migrations" \
            'plugin_dir: ${CODECOUNCIL_PLUGIN_DIR:-/usr/lib/codecouncil/plugins}' \
            'data_dir: ${CODECOUNCIL_DATA_DIR:-/var/lib/codecouncil}' \
            "web_root: /usr/share/codecouncil/admin/web"; do
  grep -qF "$line" "$production" || fail "production.yaml lacks '$line'"
done
grep -qx 'ExecStart=/usr/bin/codecouncil --config /etc/codecouncil/production.yaml serve' \
  "$root/lib/systemd/system/codecouncil.service" || fail "the unit does not run /usr/bin/codecouncil"
"$root/usr/bin/codecouncil" version | grep -q '^codecouncil ' || fail "the packaged binary does not run"

# The Docker image is this package installed on Debian 12 (Docker is not run here): its
# runtime stage installs the cpack package, so pg_dump (postgresql-client, a dependency) and the
# backup folder postinst creates are where the scheduled backup runs, and that folder is a volume.
dockerfile="$src/Dockerfile"
grep -q '^RUN .*cpack -G DEB\|&& cpack -G DEB' "$dockerfile" || fail "the Dockerfile does not build the package with cpack"
grep -q '/tmp/codecouncil_\*\.deb' "$dockerfile" || fail "the Dockerfile's runtime stage does not install the package"
grep -q '^VOLUME .*"/var/backups/codecouncil-ai"' "$dockerfile" || fail "the Dockerfile has no backup volume"
grep -q '^USER codecouncil' "$dockerfile" || fail "the image does not run as the package's user"
[ ! -e "$src/monitoring/Dockerfile" ] || fail "a second Dockerfile is back: monitoring/ builds the root Dockerfile"
grep -q 'dockerfile: Dockerfile' "$src/monitoring/docker-compose.yml" || fail "docker-compose.yml does not build the root Dockerfile"
grep -q 'codecouncil-backups:/var/backups/codecouncil-ai' "$src/monitoring/docker-compose.yml" \
  || fail "docker-compose.yml does not keep the backups in a volume"

# The maintainer scripts, with recorders for everything that would touch the machine.
stubs="$work/stubs" calls="$work/calls"
mkdir -p "$stubs"
for cmd in adduser chown systemctl deb-systemd-invoke; do
  printf '#!/bin/sh\necho "%s $*" >>"%s"\n' "$cmd" "$calls" >"$stubs/$cmd"
done
# getent answers "no such user" first, then "exists" (an upgrade).
printf '#!/bin/sh\necho "getent $*" >>"%s"\n[ -e "%s/user-exists" ]\n' "$calls" "$work" >"$stubs/getent"
chmod 755 "$stubs"/*
run() { PATH="$stubs:$PATH" DPKG_ROOT="$root" sh -e "$control/$1" "${@:2}"; }
for script in postinst prerm postrm; do
  sh -n "$control/$script" || fail "$script has a syntax error"
done

: >"$calls"
run postinst configure
grep -qx 'adduser --quiet --system --group --home /var/lib/codecouncil --no-create-home --gecos CodeCouncil host codecouncil' \
  "$calls" || fail "postinst did not create the system user: $(cat "$calls")"
for dir in var/lib/codecouncil var/backups/codecouncil-ai; do
  [ "$(stat -c %a "$root/$dir")" = 700 ] || fail "/$dir is $(stat -c %a "$root/$dir"), not 0700"
  grep -qx "chown codecouncil:codecouncil $root/$dir" "$calls" || fail "/$dir is not given to codecouncil"
done
env_file="$root/etc/codecouncil/env"
[ "$(stat -c %a "$env_file")" = 640 ] || fail "/etc/codecouncil/env is $(stat -c %a "$env_file"), not 0640"
grep -qx "chown root:codecouncil $root/etc/codecouncil/env.new" "$calls" || fail "env is not root:codecouncil"
cmp -s "$env_file" "$root/usr/share/codecouncil/env.example" || fail "env is not the example"

# An upgrade: the user exists and the operator's env file stays as it is.
touch "$work/user-exists"
echo "DATABASE_URL=postgresql://kept" >"$env_file"
: >"$calls"
run postinst configure 0.0.9
grep -q '^adduser' "$calls" && fail "postinst added the user again"
grep -qx "DATABASE_URL=postgresql://kept" "$env_file" || fail "postinst overwrote the operator's env file"

# Purge removes the secrets file postinst made, never the data or the backups.
run prerm remove
run postrm purge
[ ! -e "$env_file" ] || fail "purge left /etc/codecouncil/env"
[ -d "$root/var/lib/codecouncil" ] && [ -d "$root/var/backups/codecouncil-ai" ] || fail "purge removed data or backups"
echo "Debian package checked: $(basename "$deb")"
