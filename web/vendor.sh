#!/usr/bin/env bash
# Copy the MapLibre GL JS dist files from web/node_modules into web/assets (committed), so the
# service serves them itself and the map needs no other host.
#
#   cd web && npm ci && ./vendor.sh          # after changing the pinned version in package.json:
#   cd web && npm install --save-exact maplibre-gl@X.Y.Z && ./vendor.sh
#
# The UMD build (dist/maplibre-gl.js) carries its web worker inline (blob: URL), so one script
# file is all the page loads. Major version 6 ships ES modules with a separate worker file
# instead; moving to it needs another asset route on the Rust side.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"
src=node_modules/maplibre-gl
[[ -f "$src/package.json" ]] || { echo "error: $src missing; run 'npm ci' in web/ first" >&2; exit 1; }
version="$(node -p "require('./$src/package.json').version")"
want="$(node -p "require('./package.json').dependencies['maplibre-gl']")"
[[ "$version" == "$want" ]] || { echo "error: installed maplibre-gl $version, package.json pins $want; run 'npm ci'" >&2; exit 1; }
mkdir -p assets
# Drop the sourceMappingURL comment: the .map file is not served (it would be a 404 in devtools).
sed -e '/^\/\/# sourceMappingURL=/d' "$src/dist/maplibre-gl.js" >assets/maplibre-gl.js
sed -e '/^\/\*# sourceMappingURL=.*\*\/$/d' "$src/dist/maplibre-gl.css" >assets/maplibre-gl.css
cp "$src/LICENSE.txt" maplibre-gl.LICENSE.txt
echo "vendored maplibre-gl $version into web/assets/ (maplibre-gl.js, maplibre-gl.css); licence in web/maplibre-gl.LICENSE.txt"
