#!/usr/bin/env bash
# Installs everything pkgtrack and its test suite need on a fresh Debian/Ubuntu machine.
# Idempotent: re-running only fills in what is missing. Run as root (or with sudo available).
set -euo pipefail
cd "$(dirname "$0")/.."

SUDO=""
if [ "$(id -u)" != 0 ]; then SUDO="sudo"; fi
log() { printf '\033[1m[setup]\033[0m %s\n' "$*" >&2; }

# 1. Debian tools: container engine, packaging tools, reference tools used by the tests.
APT_PACKAGES=(
  podman runc uidmap slirp4netns fuse-overlayfs
  dpkg-dev apt apt-utils fakeroot debhelper build-essential
  rpm rpm2cpio cpio createrepo-c dnf
  quilt lintian rpmlint patch
  gpg gpgv sq sqv
  aptly reprepro diffoscope
  debootstrap mmdebstrap debian-archive-keyring
  qemu-user-static binfmt-support arch-test
  git xz-utils zstd bzip2 unzip zip python3 ca-certificates curl openssl
  sqlite3 shellcheck
  # a real S3 server (Ceph RGW) for the object-storage tests: scripts/ceph-s3-server.sh
  ceph-mon ceph-osd radosgw ceph-common
  chromium fonts-dejavu-core
)
missing=()
for p in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
  log "installing Debian packages: ${missing[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
else
  log "Debian packages: all present"
fi

# 1b. Foreign architectures (arm64, armhf, ...) run under qemu-user through binfmt_misc. The
#     handlers qemu-user-static ships carry the F flag, so containers find the interpreter too.
#     In a container or without systemd, binfmt-support's service does not run: register here.
if [ ! -e /proc/sys/fs/binfmt_misc/register ]; then
  log "mounting binfmt_misc"
  $SUDO mount -t binfmt_misc binfmt_misc /proc/sys/fs/binfmt_misc || log "cannot mount binfmt_misc: only native architectures will build"
fi
if [ -e /proc/sys/fs/binfmt_misc/register ] && [ ! -e /proc/sys/fs/binfmt_misc/qemu-aarch64 ]; then
  log "registering qemu-user binfmt_misc handlers"
  $SUDO update-binfmts --enable || log "update-binfmts failed: foreign architectures will not build (pkgtrack doctor says more)"
fi

# 2. Node >= 22.15 (bin/run.js says why). The npm registry ships Node itself as the `node` package.
node_recent() { node -e 'const [a, b] = process.versions.node.split(".").map(Number); process.exit(a > 22 || (a === 22 && b >= 15) ? 0 : 1)' 2>/dev/null; }
if ! node_recent; then
  if ! command -v npm >/dev/null 2>&1; then
    log "installing nodejs and npm from Debian to bootstrap Node 24"
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends nodejs npm >/dev/null
  fi
  log "Node $(node --version 2>/dev/null || echo none) is too old; installing Node 24 from the npm registry"
  $SUDO npm install -g --prefix /opt/node24 node@24 >/dev/null
  $SUDO ln -sf /opt/node24/bin/node /usr/local/bin/node
  hash -r
fi
log "node $(node --version)"

# 3. npm packages, at the versions package-lock.json pins. `npm install` rather than `npm ci`:
#    npm 11 writes lock files without other platforms' optional packages and then its own
#    `npm ci` refuses them; `npm install` honours the pinned versions all the same.
npm install --no-audit --no-fund >/dev/null
npm run --silent build

# 4. Builder base images for the example targets: pulled when a registry answers, otherwise
#    bootstrapped from the Debian mirror with mmdebstrap and imported. pkgtrack says which.
log "preparing builder base images (debian:bookworm, debian:trixie)"
node ./bin/run.js image build -t debian:bookworm -t debian:trixie
log "setup complete"
