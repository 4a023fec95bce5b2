#!/usr/bin/env bash
# The browser tests run axe-core (from npm, pinned by tests/e2e/package-lock.json) in every page
# they visit. Install it with `npm ci` when it is missing or the lock file changed; install npm
# itself when this machine can (root with apt). Without it the accessibility checks skip with a
# message (and fail in CI).
set -u
cd "$(dirname "$0")/../tests/e2e"
stamp=node_modules/.installed-from-lock
if [ -f "$stamp" ] && [ "$stamp" -nt package-lock.json ] && [ -f node_modules/axe-core/axe.min.js ]; then
  exit 0
fi
if ! command -v npm >/dev/null 2>&1; then
  if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
    echo "Installing Debian's npm for the browser tests' axe-core..."
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq npm >/dev/null) \
      || { echo "Could not install npm; accessibility checks will be skipped."; exit 0; }
  else
    echo "npm is not installed (apt-get install npm); accessibility checks will be skipped."
    exit 0
  fi
fi
npm ci --no-audit --no-fund --loglevel=error && touch "$stamp" \
  || echo "npm ci failed; accessibility checks will be skipped."
exit 0
