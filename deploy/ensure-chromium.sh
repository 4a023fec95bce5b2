#!/usr/bin/env bash
# The browser tests drive Debian's Chromium (never a downloaded one), with an emoji font so that
# chat screenshots show what people typed. Install them when Chromium is missing and this machine
# can (root with apt); otherwise the browser tests skip with a message (not in CI).
set -u
if command -v chromium >/dev/null 2>&1 || [ -x /usr/bin/chromium ]; then
  exit 0
fi
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
  echo "Installing Debian's chromium for the browser tests..."
  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-noto-color-emoji >/dev/null) \
    || echo "Could not install chromium; browser tests will be skipped."
else
  echo "chromium is not installed (apt-get install chromium); browser tests will be skipped."
fi
exit 0
