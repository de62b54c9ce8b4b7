#!/usr/bin/env bash
# Install everything the tests need, then run every test (README: "运行全部测试").
# Python packages from pyproject's [test] extra; Debian's chromium for the browser tests
# (never `playwright install`: it cannot download here) and a CJK font so that screenshots and
# print tests lay out real Chinese glyphs; nginx, which serves the built site in the open-data
# download test; axe-core from npm for accessibility.
set -euo pipefail
cd "$(dirname "$0")/.."
python3 -m pip install --quiet --disable-pip-version-check -e '.[test]'
if [ ! -x /usr/bin/chromium ] || [ ! -x /usr/sbin/nginx ] || ! dpkg -s fonts-noto-cjk >/dev/null 2>&1; then
  packages="chromium fonts-noto-cjk nginx"
  if [ "$(id -u)" = 0 ]; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $packages >/dev/null
  elif command -v sudo >/dev/null; then
    sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $packages >/dev/null
  elif [ ! -x /usr/bin/chromium ] || [ ! -x /usr/sbin/nginx ]; then
    echo "scripts/test.sh: /usr/bin/chromium or /usr/sbin/nginx is missing and cannot be installed (not root)" >&2
    exit 1
  else
    echo "scripts/test.sh: fonts-noto-cjk is missing (not root); Chinese renders with fallback glyphs" >&2
  fi
fi
if [ ! -f node_modules/axe-core/axe.min.js ]; then
  npm install --silent --no-audit --no-fund --no-package-lock
fi
exec python3 -m pytest -q "$@"
