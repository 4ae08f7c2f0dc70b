#!/usr/bin/env bash
# Makes sure Debian's Chromium is at /usr/bin/chromium for `npm run test:browser`.
# Idempotent: does nothing when it is already there; otherwise `apt-get update` then
# `apt-get install -y chromium` (as root, or through sudo). Exits non-zero with a clear message on failure.
set -euo pipefail

CHROMIUM=/usr/bin/chromium
if [ -x "$CHROMIUM" ]; then
  echo "ensure-chromium: $CHROMIUM is present ($("$CHROMIUM" --version 2>/dev/null || echo 'version unknown'))"
  exit 0
fi

fail() {
  echo "ensure-chromium: $1" >&2
  echo "ensure-chromium: install it by hand (Debian/Ubuntu: apt-get update && apt-get install -y chromium), or point CHROMIUM_PATH at a Chromium binary" >&2
  exit 1
}

command -v apt-get >/dev/null 2>&1 || fail "$CHROMIUM is missing and apt-get is not available on this system"
SUDO=()
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null 2>&1 || fail "$CHROMIUM is missing; installing it needs root (run as root or install sudo)"
  SUDO=(sudo -n)
fi

echo "ensure-chromium: $CHROMIUM is missing; installing Debian's chromium with apt-get"
"${SUDO[@]}" apt-get update || fail "apt-get update failed"
DEBIAN_FRONTEND=noninteractive "${SUDO[@]}" apt-get install -y chromium || fail "apt-get install chromium failed"
[ -x "$CHROMIUM" ] || fail "apt-get installed chromium but $CHROMIUM is still missing"
echo "ensure-chromium: installed $("$CHROMIUM" --version 2>/dev/null || echo "$CHROMIUM")"
