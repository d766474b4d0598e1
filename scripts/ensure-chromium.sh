#!/usr/bin/env bash
# Browser tests drive Debian's Chromium headless. Install it (and its driver) when it is missing.
set -euo pipefail
if command -v chromium >/dev/null 2>&1; then
  exit 0
fi
echo "Chromium fehlt: installiere Debians Paket 'chromium' für die Browsertests …" >&2
sudo_cmd=()
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then sudo_cmd=(sudo); else
    echo "Bitte 'apt-get install chromium' als root ausführen (Browsertests brauchen es)." >&2; exit 1
  fi
fi
export DEBIAN_FRONTEND=noninteractive
"${sudo_cmd[@]}" apt-get update -qq
"${sudo_cmd[@]}" apt-get install -y -qq chromium >/dev/null
command -v chromium >/dev/null
