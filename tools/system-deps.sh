#!/usr/bin/env bash
# Install the system programs the test suite drives for real, when they are missing:
# Debian's chromium (Playwright cannot download browsers here), Firefox ESR with a virtual
# display and Mesa's software OpenGL (the second engine, with and without WebGL), nginx (hosting
# tests), Node.js (the viewer's modules run outside a browser) and tesseract (reads the chart PNG).
set -euo pipefail

missing=()
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ] || missing+=(nginx)
command -v node >/dev/null 2>&1 || missing+=(nodejs)
command -v tesseract >/dev/null 2>&1 || missing+=(tesseract-ocr)
command -v firefox-esr >/dev/null 2>&1 || command -v firefox >/dev/null 2>&1 || missing+=(firefox-esr)
command -v xvfb-run >/dev/null 2>&1 || missing+=(xvfb xauth)
[ -e /usr/lib/x86_64-linux-gnu/dri/swrast_dri.so ] || ls /usr/lib/*/dri/swrast_dri.so >/dev/null 2>&1 \
  || missing+=(libgl1-mesa-dri)
[ ${#missing[@]} -eq 0 ] && exit 0

echo "system-deps: installing ${missing[*]} with apt-get" >&2
sudo=""
if [ "$(id -u)" != 0 ]; then
  command -v sudo >/dev/null 2>&1 || { echo "system-deps: run as root or install: ${missing[*]}" >&2; exit 1; }
  sudo="sudo"
fi
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get install -y --no-install-recommends "${missing[@]}" \
  || { $sudo apt-get update && $sudo apt-get install -y --no-install-recommends "${missing[@]}"; }
