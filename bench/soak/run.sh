#!/usr/bin/env bash
# The soak run (not in CI): builds the product (dist/, which the worker process runs) and this script
# (dist/.soak/), then runs the sandbox stack with continuous changes and random faults for N minutes and prints
# the lag percentiles and the final comparison of both systems. Options: see bench/soak/options.ts, e.g.
#   npm run soak -- --minutes 3 --fault-rate 0.2 --seed 7
# With --convergence first, the whole-system convergence run instead (bench/soak/convergence.ts), e.g.
#   npm run soak -- --convergence --contacts 100000 --kills 10 --seed 7
set -euo pipefail
cd "$(dirname "$0")/../.."
npm run -s build
npx tsc -p bench/soak/tsconfig.json
# src/version.ts reads ../package.json relative to its compiled file: give the soak's copy of src one too.
cp package.json dist/.soak/package.json
if [ "${1:-}" = "--convergence" ]; then
  shift
  status=0
  node dist/.soak/bench/soak/convergence.js "$@" || status=$?
  # Keep the appended results in the repository's Markdown style (npm run lint checks it).
  npx prettier --write --log-level warn bench/results
  exit "$status"
fi
exec node dist/.soak/bench/soak/main.js "$@"
