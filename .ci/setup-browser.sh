#!/bin/sh
# Install what the report tests need to render HTML headless, when missing:
#   chromium          /usr/bin/chromium (headless screenshots and DOM dumps)
#   fonts-wqy-zenhei  a CJK font for charts and pages with Chinese names
# Debian/Ubuntu only; uses sudo when not root. Safe to run twice.
set -eu

need=""
[ -x /usr/bin/chromium ] || need="$need chromium"
[ -f /usr/share/fonts/truetype/wqy/wqy-zenhei.ttc ] || need="$need fonts-wqy-zenhei"
if [ -z "$need" ]; then
    echo "setup-browser: chromium and fonts-wqy-zenhei already installed"
    exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
    SUDO="sudo"
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
# shellcheck disable=SC2086  # $need is a list of package names
$SUDO apt-get install -y -qq --no-install-recommends $need
echo "setup-browser: installed$need"
