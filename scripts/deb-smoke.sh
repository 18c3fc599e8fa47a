#!/usr/bin/env bash
# The Debian package, end to end, as an integrator meets it (README, "Install on a kiosk"): build it,
# install it with dpkg -i (apt-get -f install for its dependencies), run the installed `kiosk doctor
# --json` and `kiosk verify` on a demo code, check owners and modes, upgrade it over itself with the
# data and the edited settings kept, purge it (data kept unless KIOSK_PURGE_DATA=yes), and lintian
# with no error. Needs root (dpkg); run by .ci/run. Elsewhere it says it skipped and exits 0.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "$(id -u)" != 0 ]; then echo "deb-smoke: skipped: not root (dpkg -i needs root)"; exit 0; fi
start=$(date +%s)
fail() { echo "deb-smoke: FAILED: $*" >&2; exit 1; }
step() { echo "deb-smoke: $*"; }

data=/var/lib/checkpoint-kiosk
if dpkg -s checkpoint-kiosk >/dev/null 2>&1; then KIOSK_PURGE_DATA=yes dpkg --purge checkpoint-kiosk >/dev/null; fi
rm -rf "$data"

deb=$(bash scripts/package-deb.sh | tail -n 1)
step "built $deb ($(du -h "$deb" | cut -f1))"

step "lintian (errors fail; warnings listed in README)"
lintian_out=$(lintian --tag-display-limit 0 "$deb" 2>&1 || true)
echo "$lintian_out" | grep -E '^(E|W):' | sed 's/^/  /' || true
if echo "$lintian_out" | grep -q '^E:'; then fail "lintian reported errors"; fi

step "install"
dpkg -i "$deb" >/dev/null 2>&1 || apt-get -f install -y -qq >/dev/null
dpkg -s checkpoint-kiosk | grep -q '^Status: install ok installed' || fail "not installed"

step "owners and modes"
check_stat() { # path expected-owner:group expected-mode
  got=$(stat -c '%U:%G %a' "$1")
  [ "$got" = "$2 $3" ] || fail "$1 is $got, expected $2 $3"
}
check_stat "$data" kiosk:kiosk 700
check_stat /opt/checkpoint-kiosk root:root 755
check_stat /opt/checkpoint-kiosk/node/bin/node root:root 755
check_stat /usr/bin/kiosk root:root 755
check_stat /etc/checkpoint-kiosk/kiosk.env root:root 644
check_stat /lib/systemd/system/checkpoint-kiosk.service root:root 644
id -nG kiosk | tr ' ' '\n' | grep -qx dialout || fail "user kiosk is not in dialout"
[ -z "$(find /opt/checkpoint-kiosk ! -user root -print -quit)" ] || fail "a file under /opt/checkpoint-kiosk is not root's"
[ -z "$(find /opt/checkpoint-kiosk -perm /022 -print -quit)" ] || fail "a file under /opt/checkpoint-kiosk is group- or world-writable"
[ "$(/opt/checkpoint-kiosk/node/bin/node --version)" = "$(node --version)" ] || fail "bundled runtime differs from the build's"

step "kiosk verify on a demo code, from the installed path"
pki="$data/pki"
kiosk pki demo "$pki" --install --status-records 10 >/dev/null
verdict=$(kiosk verify "$(cat "$pki/codes/zhangsan.txt")")
echo "$verdict" | grep -q '"decision": "admit"' || fail "verify did not admit the green demo code: $verdict"
echo "$verdict" | grep -q '"authentic": true' || fail "verify: not authentic"

step "kiosk doctor --json, from the installed path"
set +e
doctor=$(kiosk doctor --json)
doctor_rc=$?
set -e
echo "$doctor" | /opt/checkpoint-kiosk/node/bin/node -e '
  const r = JSON.parse(require("fs").readFileSync(0, "utf8"));
  const by = Object.fromEntries(r.checks.map((c) => [c.id, c.status]));
  for (const c of r.checks) console.log(`  ${c.status.padEnd(4)} ${c.id}: ${c.summary}`);
  // Installed by the package: these must pass on a fresh install.
  // No entry log until the kiosk first starts: the database check warns, it must not fail.
  if (by.database === "fail") { console.error("doctor: database failed"); process.exit(1); }
  for (const id of ["config", "data-dir", "trust-list", "status-list", "clock"]) if (by[id] !== "pass") { console.error(`doctor: ${id} is ${by[id]}`); process.exit(1); }
  const code = { pass: 0, warn: 1, fail: 2 }[r.overall];
  if (code !== Number(process.argv[1])) { console.error(`doctor: overall ${r.overall} but exit ${process.argv[1]}`); process.exit(1); }
' "$doctor_rc" || fail "kiosk doctor --json: $doctor"
# Everything the kiosk's commands wrote belongs to the kiosk user and is owner-only.
[ -z "$(find "$data" ! -user kiosk -print -quit)" ] || fail "a file in $data is not the kiosk user's: $(find "$data" ! -user kiosk | head -3)"
[ -z "$(find "$data" -type f -perm /077 -print -quit)" ] || fail "a file in $data is readable by others: $(find "$data" -type f -perm /077 | head -3)"

step "upgrade over itself: data and edited settings kept"
runuser -u kiosk -- sh -c "echo kept > $data/upgrade-marker"
echo 'KIOSK_PORT=8799' >> /etc/checkpoint-kiosk/kiosk.env
dpkg -i --force-confold "$deb" >/dev/null
[ "$(cat "$data/upgrade-marker")" = kept ] || fail "upgrade lost the data directory"
grep -qx 'KIOSK_PORT=8799' /etc/checkpoint-kiosk/kiosk.env || fail "upgrade lost the edited kiosk.env"
kiosk verify "$(cat "$pki/codes/zhangsan.txt")" | grep -q '"decision": "admit"' || fail "verify after upgrade"

step "purge: app and settings gone, data kept, nothing asked"
dpkg --purge checkpoint-kiosk </dev/null >/dev/null 2>&1
[ ! -e /opt/checkpoint-kiosk ] || fail "/opt/checkpoint-kiosk left after purge"
[ ! -e /usr/bin/kiosk ] || fail "/usr/bin/kiosk left after purge"
[ ! -e /etc/checkpoint-kiosk ] || fail "/etc/checkpoint-kiosk left after purge"
[ ! -e /etc/systemd/system/multi-user.target.wants/checkpoint-kiosk.service ] || fail "unit still enabled after purge"
[ -f "$data/upgrade-marker" ] || fail "purge removed the data directory without KIOSK_PURGE_DATA=yes"
rm -rf "$data"
step "passed in $(( $(date +%s) - start )) s"
