#!/usr/bin/env bash
# Builds the product as it ships (`npm run build` → dist/, which the worker process runs) and the benchmarks
# (dist/.bench/), then runs the benchmarks named on the command line (all five by default). See bench/README.md.
set -euo pipefail
cd "$(dirname "$0")/.."
npm run -s build
npx tsc -p bench/tsconfig.json
# src/version.ts reads ../package.json relative to its compiled file: give the benchmarks' copy of src one too.
cp package.json dist/.bench/package.json
# The simulators live in this process: a 5,000,000-row import keeps every profile in the Campaign simulator.
status=0
node --max-old-space-size=16384 dist/.bench/bench/main.js "$@" || status=$?
# Keep the appended tables in the repository's Markdown style (npm run lint checks it).
if [ -d bench/results ]; then npx prettier --write --log-level warn bench/results; fi
exit "$status"
