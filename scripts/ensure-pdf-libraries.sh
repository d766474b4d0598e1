#!/usr/bin/env bash
# Letters, notices and invoices are printed by WeasyPrint, which needs Pango (layout) and HarfBuzz's
# subsetter (embeds only the glyphs used). Install Debian's packages when they are missing.
set -euo pipefail
missing=()
ldconfig -p | grep -q 'libpango-1.0.so.0' || missing+=(libpango-1.0-0)
ldconfig -p | grep -q 'libpangoft2-1.0.so.0' || missing+=(libpangoft2-1.0-0)
ldconfig -p | grep -q 'libharfbuzz-subset.so.0' || missing+=(libharfbuzz-subset0)
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi
echo "Für den PDF-Druck fehlen Debians Pakete: ${missing[*]} – werden installiert …" >&2
sudo_cmd=()
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then sudo_cmd=(sudo); else
    echo "Bitte 'apt-get install ${missing[*]}' als root ausführen (PDF-Druck braucht es)." >&2; exit 1
  fi
fi
export DEBIAN_FRONTEND=noninteractive
"${sudo_cmd[@]}" apt-get update -qq
"${sudo_cmd[@]}" apt-get install -y -qq "${missing[@]}" >/dev/null
