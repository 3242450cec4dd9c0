#!/usr/bin/env bash
# Builds kafka-lab/standin-kafka:local, a stand-in for the apache/kafka image, without any registry:
# a root filesystem made of this machine's node binary + the libraries ldd lists for it + /bin/sh, the project's
# src/ and the node_modules the broker needs (tsx, kafkajs), `docker import`ed with an entrypoint that runs
# src/broker/docker-entrypoint.ts (one embedded broker configured by the apache/kafka env contract).
# /opt/kafka/bin/kafka-cluster.sh and kafka-metadata-quorum.sh are small node stand-ins, so compose/*.yml work unchanged:
#
#   yarn docker:standin                                    (or: docker/build-standin.sh [image])
#   KAFKA_IMAGE=kafka-lab/standin-kafka:local yarn cluster:up --backend docker
#
# See docs/docker.md for what the stand-in honours of the image's contract and what it does not.
set -euo pipefail

IMAGE="${1:-${STANDIN_IMAGE:-kafka-lab/standin-kafka:local}}"
ROOT_DIR="$(cd "$(dirname "$0")/.." && pwd)"
started=$(date +%s%N)

command -v docker >/dev/null 2>&1 || { echo "error: docker is not installed" >&2; exit 1; }
docker info >/dev/null 2>&1 || { echo "error: the Docker daemon does not answer (start dockerd)" >&2; exit 1; }
# process.execPath, not `command -v node`: yarn puts a shell-script `node` shim first in PATH.
NODE="$(readlink -f "$(node -p process.execPath)")"
[ -x "$NODE" ] || { echo "error: node not found" >&2; exit 1; }
[ -d "$ROOT_DIR/node_modules/tsx" ] && [ -d "$ROOT_DIR/node_modules/kafkajs" ] || { echo "error: run yarn install first" >&2; exit 1; }

STAGE="$(mktemp -d "${TMPDIR:-/tmp}/kafka-lab-standin.XXXXXX")"
trap 'rm -rf "$STAGE"' EXIT
FS="$STAGE/rootfs"
mkdir -p "$FS"/{usr/bin,bin,etc,tmp,opt/kafka/bin,opt/kafka-lab,var/lib/kafka/data,proc,sys,dev}
chmod 1777 "$FS/tmp"

# A binary and what the dynamic loader needs for it, at the same paths (symlinks resolved to files).
copy_with_libs() {
  local bin="$1" dest="$2"
  cp -L "$bin" "$FS$dest"
  ldd "$bin" | awk '/=>/ { print $3 } /^[[:space:]]*\/.*ld-linux/ { print $1 }' | while read -r lib; do
    [ -n "$lib" ] && [ -e "$lib" ] || continue
    mkdir -p "$FS$(dirname "$lib")"
    [ -e "$FS$lib" ] || cp -L "$lib" "$FS$lib"
  done
}
copy_with_libs "$NODE" /usr/bin/node
copy_with_libs "$(readlink -f /bin/sh)" /bin/sh   # compose healthchecks are CMD-SHELL (/bin/sh -c)
# lib → usr/lib style merges differ between distros: keep both spellings of the loader path working.
if [ -d "$FS/lib64" ] && [ ! -e "$FS/usr/lib64" ]; then ln -s ../lib64 "$FS/usr/lib64"; fi

printf 'root:x:0:0:root:/root:/bin/sh\n' >"$FS/etc/passwd"
printf 'root:x:0:\n' >"$FS/etc/group"
printf 'hosts: files dns\n' >"$FS/etc/nsswitch.conf"

# The project: what the broker runs (src/), how tsx reads it, and the production closure of tsx + kafkajs.
APP="$FS/opt/kafka-lab"
cp -r "$ROOT_DIR/src" "$ROOT_DIR/package.json" "$ROOT_DIR/tsconfig.json" "$APP/"
rm -rf "$APP/src/testing"
mkdir -p "$APP/docker/standin" "$APP/node_modules"
cp "$ROOT_DIR/docker/standin/kafka-tools.mjs" "$APP/docker/standin/"
cp "$ROOT_DIR"/docker/standin/bin/*.sh "$FS/opt/kafka/bin/"
chmod +x "$FS"/opt/kafka/bin/*.sh
(cd "$ROOT_DIR" && node -e '
  const { existsSync, readFileSync } = require("node:fs");
  const seen = new Set(); const todo = ["tsx", "kafkajs"];
  while (todo.length) {
    const name = todo.pop();
    if (seen.has(name) || !existsSync(`node_modules/${name}/package.json`)) continue;
    seen.add(name);
    const pkg = JSON.parse(readFileSync(`node_modules/${name}/package.json`, "utf8"));
    todo.push(...Object.keys({ ...pkg.dependencies, ...pkg.optionalDependencies }));
  }
  console.log([...seen].join("\n"));
') | while read -r pkg; do
  mkdir -p "$APP/node_modules/$(dirname "$pkg")"
  cp -r "$ROOT_DIR/node_modules/$pkg" "$APP/node_modules/$pkg"
done

size=$(du -sm "$FS" | cut -f1)
previous="$(docker image inspect --format '{{.Id}}' "$IMAGE" 2>/dev/null || true)"
tar --numeric-owner --owner=0 --group=0 -C "$FS" -cf - . | docker import \
  -c 'ENTRYPOINT ["/usr/bin/node", "--import", "tsx", "/opt/kafka-lab/src/broker/docker-entrypoint.ts"]' \
  -c 'WORKDIR /opt/kafka-lab' \
  -c 'ENV PATH=/opt/kafka/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
  -c 'ENV KAFKA_LAB_STANDIN=1' \
  -c 'EXPOSE 9092' \
  -c 'VOLUME ["/var/lib/kafka/data"]' \
  -m "kafka-lab stand-in for apache/kafka (embedded broker, node $("$NODE" --version))" \
  - "$IMAGE" >/dev/null
# The image it replaces would linger untagged: remove it unless a container still uses it.
current="$(docker image inspect --format '{{.Id}}' "$IMAGE")"
if [ -n "$previous" ] && [ "$previous" != "$current" ]; then docker rmi "$previous" >/dev/null 2>&1 || true; fi
ms=$(( ($(date +%s%N) - started) / 1000000 ))
echo "built $IMAGE (${size} MB rootfs, node $("$NODE" --version)) in ${ms} ms"
