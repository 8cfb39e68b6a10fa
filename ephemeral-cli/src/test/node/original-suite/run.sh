#!/usr/bin/env bash
# Runs the original Node project's own tests (test/*.test.js of a checkout of
# github.com/kwegrz/ephemeral-broker, which the npm package does not carry) against this
# repository's broker, and against the original Node broker for a baseline: first with the
# published @ephemeral-broker/core 1.0.5 as it is, then with its Broker replaced by
# src/broker.js here, which starts bin/ephemeral-broker (the Client stays the published one).
# A check counts when it passes on the Node broker and reads nothing of the Node broker's
# internals; compare.mjs lists the counted checks that fail on ours.
#
#   ephemeral-cli/src/test/node/original-suite/run.sh ORIGINAL_CHECKOUT [TEST_FILE...]
#
# Needs node 18+ and npm, and the CLI built (mvn -q -DskipTests package).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../../../../.." && pwd)"
original="$(cd "${1:?usage: run.sh ORIGINAL_CHECKOUT [TEST_FILE...]}" && pwd)"
shift
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cp "$here/package.json" "$here/package-lock.json" "$here/reporter.mjs" "$here/compare.mjs" "$work/"
(cd "$work" && npm ci --no-audit --no-fund --ignore-scripts > /dev/null)
cd "$work"
files=("$@")
if [ ${#files[@]} -eq 0 ]; then
  files=()
  for f in "$original"/test/*.test.js; do files+=("test/${f##*/}"); done
fi

run() { # run NAME: the suite with ./src as it is now
  rm -rf test && cp -r "$original/test" test
  SUITE_RESULTS="$work/$1.json" EPHEMERAL_BROKER_LAUNCHER="$root/bin/ephemeral-broker" \
    node --test --test-concurrency=1 --test-reporter=./reporter.mjs "${files[@]}" || true
}

cp -r node_modules/@ephemeral-broker/core/src src
run node
rm -rf src && cp -r "$here/src" src
run ours
node compare.mjs node.json ours.json
