#!/usr/bin/env bash
# A real S3 server for tests and benchmarks: a single-node Ceph cluster (Debian's ceph-mon,
# ceph-osd and radosgw, installed by scripts/setup.sh) with everything in a temporary folder
# and the objects in memory (osd objectstore = memstore: no disk image, nothing to clean).
# Ceph RGW honours conditional writes (PUT with If-None-Match: * and If-Match), which the
# lock and immutability tests need; see docs/object-storage.md.
#
#   scripts/ceph-s3-server.sh DIR BUCKET [ACCESS_KEY SECRET_KEY]
#
# Binds 127.0.0.1 only, on free ports. Prints "PORT" on stdout once BUCKET exists and can be
# read anonymously over HTTP (a bucket policy grants s3:GetObject and s3:ListBucket to everyone,
# as a public repository bucket does: a missing key answers 404, not 403). Stays in the
# foreground; on SIGTERM/SIGINT, or when the process that started it is gone, stops the
# daemons and removes DIR.
set -euo pipefail
D=$1
BUCKET=$2
AK=${3:-PKGTRACKTESTKEY}
SK=${4:-pkgtrack-test-secret}
PARENT=$PPID
[ ! -e "$D" ] || { echo "ceph-s3-server: $D exists; give a new folder" >&2; exit 2; }
mkdir -p "$D"/{mon,osd,run,log,rgw}
pids=()
cleanup() {
  trap - EXIT INT TERM
  # The objects live in memory and nothing is kept: no orderly shutdown to wait for.
  for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
  rm -rf "$D"
}
trap cleanup EXIT
trap 'exit 0' INT TERM
fail() {
  echo "ceph-s3-server: $*" >&2
  tail -n 20 "$D"/log/*.log >&2 2>/dev/null || true
  exit 1
}
freeport() { python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])'; }
MON_PORT=$(freeport)
RGW_PORT=$(freeport)
FSID=$(cat /proc/sys/kernel/random/uuid)
cat >"$D/ceph.conf" <<EOF
[global]
fsid = $FSID
mon host = v2:127.0.0.1:$MON_PORT
public addr = 127.0.0.1
ms bind ipv6 = false
run dir = $D/run
admin socket = $D/run/\$name.asok
log file = $D/log/\$name.log
pid file = $D/run/\$name.pid
keyring = $D/keyring
osd pool default size = 1
osd pool default min size = 1
mon allow pool size one = true
mon warn on pool no redundancy = false
osd pool default pg num = 8
osd pool default pgp num = 8
osd pool default pg autoscale mode = off
mon max pg per osd = 2000
osd crush chooseleaf type = 0
mon data avail crit = 0
mon data avail warn = 0
[mon.a]
mon data = $D/mon
public addr = v2:127.0.0.1:$MON_PORT
[osd.0]
osd data = $D/osd
osd objectstore = memstore
memstore device bytes = 4294967296
osd class load list = *
osd class default list = *
[client.rgw]
rgw frontends = beast endpoint=127.0.0.1:$RGW_PORT
rgw data = $D/rgw
EOF
export CEPH_CONF=$D/ceph.conf
{
  ceph-authtool --create-keyring "$D/keyring" --gen-key -n mon. --cap mon 'allow *'
  ceph-authtool "$D/keyring" --gen-key -n client.admin --cap mon 'allow *' --cap osd 'allow *' --cap mgr 'allow *'
  ceph-authtool "$D/keyring" --gen-key -n osd.0 --cap mon 'allow profile osd' --cap osd 'allow *'
  ceph-authtool "$D/keyring" --gen-key -n client.rgw --cap mon 'allow rw' --cap osd 'allow rwx'
  monmaptool --create --fsid "$FSID" --addv a "[v2:127.0.0.1:$MON_PORT]" "$D/monmap"
  ceph-mon --id a --mkfs --monmap "$D/monmap" --keyring "$D/keyring"
} >"$D/log/setup.log" 2>&1 || fail "cannot create the monitor"
ceph-mon --id a -f >>"$D/log/setup.log" 2>&1 &
pids+=($!)
timeout 60 ceph osd create >>"$D/log/setup.log" 2>&1 || fail "the monitor did not answer"
ceph-osd --id 0 --mkfs >>"$D/log/setup.log" 2>&1 || fail "cannot create the OSD"
ceph-osd --id 0 -f >>"$D/log/setup.log" 2>&1 &
pids+=($!)
radosgw -n client.rgw -f >>"$D/log/setup.log" 2>&1 &
pids+=($!)
timeout 120 radosgw-admin user create --uid=pkgtrack-test --display-name=pkgtrack-test \
  --access-key="$AK" --secret-key="$SK" >>"$D/log/setup.log" 2>&1 || fail "cannot create the S3 user"
for _ in $(seq 1 600); do
  curl -s -o /dev/null "http://127.0.0.1:$RGW_PORT/" && break
  kill -0 "${pids[2]}" 2>/dev/null || fail "radosgw exited"
  sleep 0.1
done
# curl signs (SigV4); RGW also wants the payload's SHA-256 in x-amz-content-sha256.
s3put() {
  local sum
  sum=$(printf '%s' "$2" | sha256sum | cut -d' ' -f1)
  curl -sf --aws-sigv4 "aws:amz:us-east-1:s3" --user "$AK:$SK" -H "x-amz-content-sha256: $sum" -X PUT --data-binary "$2" "http://127.0.0.1:$RGW_PORT/$1"
}
s3put "$BUCKET" '' >/dev/null || fail "cannot create bucket $BUCKET"
policy='{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":["*"]},"Action":["s3:GetObject","s3:ListBucket"],"Resource":["arn:aws:s3:::'$BUCKET'","arn:aws:s3:::'$BUCKET'/*"]}]}'
s3put "$BUCKET?policy=" "$policy" >/dev/null ||
  fail "cannot set the public-read policy on $BUCKET"
echo "$RGW_PORT"
# Stay up while the starter lives (a test worker killed with -9 leaves no daemons behind).
while kill -0 "$PARENT" 2>/dev/null; do
  for p in "${pids[@]}"; do kill -0 "$p" 2>/dev/null || fail "a Ceph daemon exited"; done
  sleep 1 &
  wait $! || true
done
