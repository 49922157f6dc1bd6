#!/usr/bin/env bash
# Set up everything the tests need on a fresh machine, then run them all.
#   bash scripts/test.sh            # every test: core, app and browser
#   bash scripts/test.sh tests/core # any pytest arguments narrow the run
set -euo pipefail
cd "$(dirname "$0")/.."

# 1. Python dependencies, in a virtual environment of the repository's own.
if [ ! -x .venv/bin/python ]; then
  "${PYTHON:-python3}" -m venv .venv
fi
.venv/bin/python -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt

# 2. A Chromium for the browser tests: Debian's package where apt exists, else Playwright's.
find_chromium() {
  for candidate in "${CHROMIUM_PATH:-}" /usr/bin/chromium /usr/bin/chromium-browser; do
    if [ -n "$candidate" ] && [ -x "$candidate" ]; then echo "$candidate"; return 0; fi
  done
  return 1
}
apt_install() {
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "$@" >/dev/null
}
if ! find_chromium >/dev/null; then
  if command -v apt-get >/dev/null; then
    apt_install chromium
  else
    .venv/bin/python -m playwright install chromium
  fi
fi
# Korean glyphs for the screenshots (without a CJK font they render as empty boxes).
if command -v apt-get >/dev/null && ! fc-list :lang=ko 2>/dev/null | grep -q .; then
  apt_install fonts-noto-cjk
fi
if chromium_path=$(find_chromium); then export CHROMIUM_PATH="$chromium_path"; fi

# 3. The tests.
exec .venv/bin/python -m pytest "$@"
