#!/usr/bin/env bash
# `npm test`: build, run every package's tests, then on their own (they must not overlap the
# packages' cluster tests) the faults and load tests (they restart the API server and kubelet and
# fill the cluster with pods) and the kube-local down/up proof (it takes the cluster away), then
# print one summary line for the whole suite. Exits non-zero if any of them failed.
set -uo pipefail
cd "$(dirname "$0")/../.."
rm -rf .kact/test-results && mkdir -p .kact/test-results
npx nx run-many -t build --outputStyle=static || exit $?
npx nx run-many -t test --outputStyle=static --skip-nx-cache
status=$?
npx vitest run --config conformance/vitest.faults.config.ts
faults=$?
npx vitest run --config tools/kube-local/vitest.lifecycle.config.ts
lifecycle=$?
node tools/test/summary.mjs
[[ $status -ne 0 ]] && exit $status
[[ $faults -ne 0 ]] && exit $faults
exit $lifecycle
