#!/usr/bin/env bash
# Configure Podman for the Nightshift docker driver and serve its Docker-compatible API.
# Idempotent: safe to call on every CI run. Needs root (apt-installed podman + runc).
#   sandbox/setup-podman.sh            # configure, start the socket, build the local image
#   SOCKET=/run/podman/podman.sock     # where the API is served (export DOCKER_HOST=unix://$SOCKET)
set -euo pipefail

SOCKET="${SOCKET:-/run/podman/podman.sock}"
CONF=/etc/containers/containers.conf
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"

command -v podman >/dev/null || { echo "podman is not installed (apt-get install -y podman runc)" >&2; exit 1; }
command -v runc >/dev/null || { echo "runc is not installed (apt-get install -y runc)" >&2; exit 1; }

mkdir -p /etc/containers "$(dirname "$SOCKET")"
# runc instead of crun, cgroupfs (no systemd in containers/CI), and explicit ulimits:
# nested hosts often refuse podman's default of raising nofile/nproc to the hard maximum.
if [ -f "$CONF" ] && ! grep -q '^# nightshift' "$CONF"; then
  echo "leaving the existing $CONF alone; it needs: runtime = \"runc\", cgroup_manager = \"cgroupfs\"," >&2
  echo "and default_ulimits = [\"nofile=1024:1024\", \"nproc=1024:1024\"]" >&2
elif [ ! -f "$CONF" ]; then
  cat > "$CONF" <<'CONF'
# nightshift: written by sandbox/setup-podman.sh
[containers]
default_ulimits = ["nofile=1024:1024", "nproc=1024:1024"]

[engine]
runtime = "runc"
cgroup_manager = "cgroupfs"
events_logger = "file"
CONF
fi

# A service left running from a directory that was deleted since (an earlier CI clone) still
# answers pings, but conmon inherits its working directory and every container start then fails
# ("Failed to get working directory"): stop it and start afresh.
for pid in $(pgrep -f "podman system service .*unix://$SOCKET" || true); do
  if readlink "/proc/$pid/cwd" 2>/dev/null | grep -q ' (deleted)$'; then
    echo "restarting the podman service (pid $pid): its working directory was deleted"
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  fi
done
if ! curl -sf --unix-socket "$SOCKET" http://d/_ping >/dev/null 2>&1; then
  rm -f "$SOCKET"
  # From / : the service outlives this script and the checkout it was started from.
  (cd / && nohup podman system service --time=0 "unix://$SOCKET" >/tmp/podman-service.log 2>&1 &)
  for _ in $(seq 1 100); do
    curl -sf --unix-socket "$SOCKET" http://d/_ping >/dev/null 2>&1 && break
    sleep 0.1
  done
fi
curl -sf --unix-socket "$SOCKET" http://d/_ping >/dev/null || { echo "podman API did not answer on $SOCKET; see /tmp/podman-service.log" >&2; exit 1; }
echo "podman API ready: export DOCKER_HOST=unix://$SOCKET"

# Without registry access, build the offline sandbox image (see sandbox/build-local-image.sh).
if [ "${BUILD_LOCAL_IMAGE:-1}" = "1" ]; then
  "$HERE/build-local-image.sh"
fi
