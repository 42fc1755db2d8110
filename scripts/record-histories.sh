#!/usr/bin/env bash
# Records one history of every workflow type from real runs (Temporal dev server, simulators, OpenSSH) into
# test/replay/histories/, for the replay test. Run it after a deliberate, versioned change of workflow code and check
# in the new files next to the old ones' replacements (docs/deployment.md, "Upgrading").
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
exec npx jest --testMatch '**/test/replay/record-histories.recording.ts' --runInBand "$@"
