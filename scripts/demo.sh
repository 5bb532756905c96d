#!/usr/bin/env bash
# Installs fleet (Node 22 when needed, the Debian packages, npm ci), builds it,
# and runs it against a local AWS emulator (moto) seeded with the story's fleet.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/setup.sh
npm run build
node --experimental-strip-types --no-warnings scripts/demo.ts
