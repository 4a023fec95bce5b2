#!/usr/bin/env bash
# The imaging benchmark measures against pyvips, which needs Debian's libvips. Install it when
# missing and this machine can (root with apt); otherwise the benchmark skips the pyvips rows.
set -u
if ldconfig -p 2>/dev/null | grep -q 'libvips\.so\.42'; then
  exit 0
fi
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
  echo "Installing Debian's libvips for the imaging benchmark's pyvips peer..."
  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libvips42 >/dev/null) \
    || echo "Could not install libvips42; the benchmark will skip pyvips."
else
  echo "libvips is not installed (apt-get install libvips42); the benchmark will skip pyvips."
fi
exit 0
