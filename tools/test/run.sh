#!/usr/bin/env bash
# `npm test`: build, run every package's tests, then the kube-local down/up proof on its own (it takes
# the local cluster away for a few seconds, so it must not overlap the packages' cluster tests), then
# print one summary line for the whole suite. Exits non-zero if any of them failed.
set -uo pipefail
cd "$(dirname "$0")/../.."
rm -rf .kact/test-results && mkdir -p .kact/test-results
npx nx run-many -t build --outputStyle=static || exit $?
npx nx run-many -t test --outputStyle=static --skip-nx-cache
status=$?
npx vitest run --config tools/kube-local/vitest.lifecycle.config.ts
lifecycle=$?
node tools/test/summary.mjs
[[ $status -ne 0 ]] && exit $status
exit $lifecycle
