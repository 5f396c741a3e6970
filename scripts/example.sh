#!/usr/bin/env bash
# The main job, end to end, on the bundled example repository (pkgtrack.yaml + recipes/ here):
# check the machine, validate the recipes, track upstream, build GNU hello as .deb (bookworm,
# trixie) and .rpm (fedora:41), sign and publish apt and yum repositories with their web page
# and patch report, verify them, and install hello from them in a clean container.
set -euo pipefail
cd "$(dirname "$0")/.."
pkgtrack() { node ./bin/run.js "$@"; }
step() { printf '\n\033[1m== %s\033[0m\n' "$*" >&2; }

# A signing key for the example, made once and never committed (keys/ is git-ignored). In CI,
# set PKGTRACK_KEY_PASSPHRASE from a secret instead; here a random one is kept next to the key.
if [ -z "${PKGTRACK_KEY_PASSPHRASE:-}" ]; then
  mkdir -p keys
  if [ ! -s keys/example.passphrase ]; then (umask 077; head -c 24 /dev/urandom | base64 > keys/example.passphrase); fi
  PKGTRACK_KEY_PASSPHRASE="$(cat keys/example.passphrase)"
  export PKGTRACK_KEY_PASSPHRASE
fi
if [ ! -f keys/signing.key ]; then
  step "pkgtrack key generate (example key, Ed25519, 1 year)"
  pkgtrack key generate --type ed25519 --expires 1y
fi

step "pkgtrack doctor"
pkgtrack doctor || { echo "doctor found problems: run ./scripts/setup.sh (or pkgtrack doctor --fix)" >&2; exit 1; }

step "pkgtrack recipe validate"
pkgtrack recipe validate

step "pkgtrack check hello"
pkgtrack check hello

step "pkgtrack build hello --publish (debian:bookworm, debian:trixie, fedora:41; signed apt + yum)"
pkgtrack build hello --publish

step "pkgtrack report patches --site"
pkgtrack report patches hello --site

step "pkgtrack repo verify"
pkgtrack repo verify public/apt
pkgtrack repo verify public/yum/fedora/41

step "pkgtrack repo try: install hello from the published repository in clean containers"
pkgtrack repo try hello --target debian:bookworm -- hello
pkgtrack repo try hello --target debian:trixie -- hello -g "hello from the pkgtrack example"

step "done"
cat >&2 <<MSG
The signed repositories and their web page are in public/ (open public/index.html).
Serve them, e.g. \`python3 -m http.server --directory public 8000\`, and users add the apt
repository with this file in /etc/apt/sources.list.d/ (set url: in pkgtrack.yaml to your real
address and the web page, badges and snippets use it):
MSG
pkgtrack key export --format sources --url http://localhost:8000
