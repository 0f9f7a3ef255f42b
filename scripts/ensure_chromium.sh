#!/bin/sh
# Make sure Debian's chromium and chromedriver are installed (the dashboard's browser test).
# Called by `make test` and .ci/run; installs with apt-get when missing (needs root or sudo).
set -eu
if command -v chromium >/dev/null 2>&1 && command -v chromedriver >/dev/null 2>&1; then
    exit 0
fi
echo "[make] installing chromium and chromium-driver with apt-get (for the dashboard's browser test)"
if [ "$(id -u)" -eq 0 ]; then SUDO=""; elif command -v sudo >/dev/null 2>&1; then SUDO="sudo"; else
    echo "error: chromium is missing and apt-get needs root; install chromium and chromium-driver" >&2
    exit 1
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq >/dev/null
$SUDO apt-get install -y -qq chromium chromium-driver >/dev/null
command -v chromium >/dev/null && command -v chromedriver >/dev/null
