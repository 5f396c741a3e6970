#!/usr/bin/env bash
# The main job, end to end, on the bundled example repository (pkgtrack.yaml + recipes/ here):
# check the machine, validate the recipes, then build, sign and publish GNU hello.
set -euo pipefail
cd "$(dirname "$0")/.."
pkgtrack() { node ./bin/run.js "$@"; }
step() { printf '\n\033[1m== %s\033[0m\n' "$*" >&2; }

step "pkgtrack doctor"
pkgtrack doctor
step "pkgtrack recipe validate"
pkgtrack recipe validate
