#!/usr/bin/env bash
# `npm test`: build, run every package's tests, then print one summary line for the whole suite.
set -uo pipefail
cd "$(dirname "$0")/../.."
rm -rf .kact/test-results && mkdir -p .kact/test-results
npx nx run-many -t build --outputStyle=static || exit $?
npx nx run-many -t test --outputStyle=static --skip-nx-cache
status=$?
node tools/test/summary.mjs
exit $status
