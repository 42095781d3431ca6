#!/usr/bin/env bash
# Build an offline sandbox image for hosts without registry access (CI, air-gapped installs).
# The image holds only a skeleton root (users, mount points); the docker driver bind-mounts the
# host's /usr read-only into it because the image carries the label nightshift.toolchain=host.
# With registry access, build sandbox/Dockerfile instead (node, git, python inside the image).
# Idempotent: does nothing when the image already exists.
set -euo pipefail
IMAGE="${IMAGE:-nightshift-sandbox:local}"
ENGINE="${ENGINE:-podman}"

if "$ENGINE" image exists "$IMAGE" 2>/dev/null; then
  echo "image $IMAGE already present"; exit 0
fi

ROOT="$(mktemp -d)"
trap 'rm -rf "$ROOT"' EXIT
mkdir -p "$ROOT"/{usr,etc,tmp,workspace,home/sandbox,proc,dev,sys,run}
ln -s usr/bin "$ROOT/bin"; ln -s usr/sbin "$ROOT/sbin"
ln -s usr/lib "$ROOT/lib"; ln -s usr/lib64 "$ROOT/lib64"
chmod 1777 "$ROOT/tmp"
cat > "$ROOT/etc/passwd" <<'P'
root:x:0:0:root:/root:/usr/sbin/nologin
sandbox:x:1000:1000:sandbox:/home/sandbox:/bin/sh
nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin
P
cat > "$ROOT/etc/group" <<'G'
root:x:0:
sandbox:x:1000:
nogroup:x:65534:
G
echo "hosts: files" > "$ROOT/etc/nsswitch.conf"
chown 1000:1000 "$ROOT/home/sandbox" "$ROOT/workspace"
tar -C "$ROOT" -cf "$ROOT.tar" .
"$ENGINE" import \
  --change 'LABEL nightshift.toolchain=host' \
  --change 'USER 1000:1000' \
  --change 'WORKDIR /workspace' \
  --change 'ENV PATH=/usr/local/bin:/usr/bin:/bin' \
  "$ROOT.tar" "$IMAGE"
rm -f "$ROOT.tar"
echo "built $IMAGE"
