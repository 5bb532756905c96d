#!/usr/bin/env bash
# Installs what fleet's demo, bench and tests need on a Debian machine, then
# `npm ci`. Source it (`. scripts/setup.sh`) so that Node 22 stays on PATH.
# FLEET_SETUP_TESTS=1 (.ci/run sets it) adds what only the tests use:
# Chromium (the loadtest report page) and Artillery. Idempotent: a second
# run installs nothing.

fleet_setup() {
  local packages=(openssh-server nginx-light libsecret-1-dev gnome-keyring dbus wrk iproute2 openssl)
  [[ "${FLEET_SETUP_TESTS:-}" == 1 ]] && packages+=(chromium)
  local missing=() p
  for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
  done
  if ((${#missing[@]} > 0)); then
    echo "setup: installing ${missing[*]}"
    local sudo=""
    [[ $(id -u) -ne 0 ]] && sudo="sudo"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  fi

  # Node 22 from the npm registry when the system's is older (22.18+: the demo
  # and the bench load the TypeScript test harness with Node's type stripping).
  if ! node -e 'const [a, b] = process.versions.node.split(".").map(Number); process.exit(a > 22 || (a === 22 && b >= 18) ? 0 : 1)'; then
    local node22="${FLEET_NODE22_DIR:-$HOME/.cache/fleet-node22}"
    if [[ ! -x "$node22/node_modules/.bin/node" ]]; then
      echo "setup: installing Node 22 into $node22"
      npm install --prefix "$node22" --no-save --no-audit --no-fund node@22 >/dev/null
    fi
    export PATH="$node22/node_modules/.bin:$PATH"
  fi
  echo "setup: node $(node --version), npm $(npm --version)"

  # The AWS emulator the tests and the demo run against.
  if ! command -v moto_server >/dev/null; then
    pip install 'moto[server]>=5.2,<6'
  fi

  # Artillery, for the real runs of `fleet loadtest --engine artillery` in the
  # tests (not a dependency of fleet: users bring their own). No browsers: its
  # Playwright engine is not used.
  local artillery="${FLEET_ARTILLERY_DIR:-$HOME/.cache/fleet-artillery}"
  if [[ "${FLEET_SETUP_TESTS:-}" == 1 && ! -x "$artillery/bin/artillery" ]]; then
    echo "setup: installing Artillery into $artillery"
    PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm install -g --prefix "$artillery" --no-audit --no-fund 'artillery@^2' >/dev/null
  fi

  npm ci --no-audit --no-fund
}

fleet_setup
