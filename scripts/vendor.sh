#!/usr/bin/env bash
# Refresh the vendored front-end assets in verbund/web/static/vendor from the npm registry.
# Versions are pinned here and in verbund/web/static/vendor/README.md; change both together.
set -euo pipefail
KERN=2.7.2 HTMX=2.0.11 LEAFLET=1.9.4
dest="$(cd "$(dirname "$0")/.." && pwd)/verbund/web/static/vendor"
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
cd "$work"
npm pack --silent "@kern-ux/native@$KERN" "htmx.org@$HTMX" "leaflet@$LEAFLET" >/dev/null
for f in *.tgz; do mkdir "${f%.tgz}"; tar xzf "$f" -C "${f%.tgz}"; done
k="kern-ux-native-$KERN/package"
mkdir -p "$dest/kern/fonts/fira-sans" "$dest/htmx" "$dest/leaflet/images"
cp "$k/dist/kern.min.css" "$k/LICENSE.md" "$dest/kern/"
cp "$k/dist/fonts/fira-sans.css" "$dest/kern/fonts/"
for font in $(grep -o 'FiraSans-[A-Za-z]*\.woff2' "$k/dist/fonts/fira-sans.css" | sort -u); do
  cp "$k/dist/fonts/fira-sans/$font" "$dest/kern/fonts/fira-sans/"
done
cp "htmx.org-$HTMX/package/dist/htmx.min.js" "htmx.org-$HTMX/package/LICENSE" "$dest/htmx/"
cp "leaflet-$LEAFLET/package/dist/leaflet.js" "leaflet-$LEAFLET/package/dist/leaflet.css" \
   "leaflet-$LEAFLET/package/LICENSE" "$dest/leaflet/"
cp leaflet-$LEAFLET/package/dist/images/*.png "$dest/leaflet/images/"
sed -i '/sourceMappingURL/d' "$dest/leaflet/leaflet.js"
echo "vendored KERN $KERN, htmx $HTMX, Leaflet $LEAFLET into $dest"
