#!/usr/bin/env bash
# Sets up everything the product and its tests need, idempotently:
#   1. Node dependencies (npm ci) when package-lock.json changed since the last install;
#   2. the Temporal CLI (dev server + Web UI), see scripts/install-temporal.sh;
#   3. OpenSSH's sshd (the SFTP server used by the sandbox and the tests), from Debian's packages when missing;
#   4. the TypeScript build (dist/).
set -euo pipefail
cd "$(dirname "$0")/.."

say() { printf '[setup] %s\n' "$*" >&2; }

node_major=$(node -p 'process.versions.node.split(".")[0]')
if [ "$node_major" -lt 20 ]; then
  say "Node.js 20 or newer is required (found $(node --version)). Install Node 20 and run again."
  exit 1
fi

stamp=node_modules/.package-lock.sha
lock_sha=$(sha256sum package-lock.json | cut -d' ' -f1)
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$lock_sha" ]; then
  say "installing Node dependencies (npm ci)"
  npm ci --no-audit --no-fund --loglevel=error
  echo "$lock_sha" >"$stamp"
fi

bash scripts/install-temporal.sh >/dev/null

if ! command -v sshd >/dev/null 2>&1 && [ ! -x /usr/sbin/sshd ]; then
  say "installing OpenSSH server (Debian package openssh-server) for the SFTP storage"
  sudo_cmd=""
  [ "$(id -u)" -ne 0 ] && sudo_cmd="sudo"
  $sudo_cmd apt-get update -qq >/dev/null
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq openssh-server >/dev/null
fi
# sshd refuses to start without its privilege-separation directory.
if [ ! -d /run/sshd ] && [ "$(id -u)" -eq 0 ]; then mkdir -p /run/sshd && chmod 0755 /run/sshd; fi

say "building (tsc, then the workflow bundle)"
npm run -s build
