#!/usr/bin/env bash
# Regenerates the k8s.io staging-module require/replace blocks of go.mod from
# k8s.io/kubernetes' own go.mod (its replace block lists every staging module).
# Usage: hack/gen-replaces.sh v1.34.4
set -euo pipefail
cd "$(dirname "$0")/.."
K8S="${1:-$(awk '$1=="k8s.io/kubernetes"{print $2}' go.mod)}"
STAGING="v0.${K8S#v1.}"
dir=$(go mod download -json "k8s.io/kubernetes@$K8S" | jq -r .Dir)
mods=$(sed -n '/^replace (/,/^)/p' "$dir/go.mod" | awk '$2=="=>" && $3 ~ /^\.\/staging/ {print $1}')
for m in $mods; do
  go mod edit -replace "$m=$m@$STAGING"
done
go mod edit -require "k8s.io/kubernetes@$K8S"
echo "replaced $(echo "$mods" | wc -l) staging modules with $STAGING" >&2
