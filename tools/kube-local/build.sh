#!/usr/bin/env bash
# Builds the kube-local multi-call binary, cached by the hash of go.mod, go.sum
# and the Go sources. The result is linked at tools/kube-local/bin/kube-local.
# Env: KACT_CACHE (default /var/cache/kact), GOMODCACHE (default ~/go/pkg/mod),
#      KUBE_LOCAL_BUILD_P (go build -p, default: number of cores).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
cd "$here"
cache="${KACT_CACHE:-/var/cache/kact}"
mkdir -p "$cache" bin
k8s_version=$(awk '$1=="k8s.io/kubernetes"{print $2; exit}' go.mod)
minor=$(echo "$k8s_version" | cut -d. -f2)
hash=$( (cat go.mod go.sum build.sh; cat ./*.go; go version) | sha256sum | cut -c1-16)
out="$cache/kube-local-$k8s_version-$hash"
link() { ln -sfn "$out" bin/kube-local; ln -sfn kube-local bin/kubectl; }
if [[ -x "$out" ]]; then
  link
  echo "kube-local: cached $out"
  exit 0
fi
export CGO_ENABLED=0 GOFLAGS="${GOFLAGS:+$GOFLAGS }-mod=mod -buildvcs=false"
pkgs=(k8s.io/component-base/version k8s.io/client-go/pkg/version)
ld="-s -w"
for p in "${pkgs[@]}"; do
  ld+=" -X $p.gitVersion=$k8s_version -X $p.gitMajor=1 -X $p.gitMinor=$minor"
  ld+=" -X $p.gitTreeState=clean -X $p.buildDate=1970-01-01T00:00:00Z"
done
start=$(date +%s)
echo "kube-local: building $k8s_version (cold build takes a long while on 2 cores)..."
go build -p "${KUBE_LOCAL_BUILD_P:-$(nproc)}" -trimpath -ldflags "$ld" -o "$out.tmp" .
mv "$out.tmp" "$out"
link
# keep only this build (a running cluster keeps its open binary)
for old in "$cache"/kube-local-v*; do [[ "$old" == "$out" ]] || rm -f "$old"; done
echo "kube-local: built $out in $(( $(date +%s) - start ))s"
