#!/usr/bin/env bash
# Copy the MapLibre GL JS and pmtiles dist files from web/node_modules into web/assets
# (committed), so the service serves them itself and the map needs no other host.
#
#   cd web && npm ci && ./vendor.sh          # after changing the pinned version in package.json:
#   cd web && npm install --save-exact maplibre-gl@X.Y.Z && ./vendor.sh
#
# The UMD build (dist/maplibre-gl.js) carries its web worker inline (blob: URL), so one script
# file is all the page loads. Major version 6 ships ES modules with a separate worker file
# instead; moving to it needs another asset route on the Rust side.
#
# pmtiles (the reader of the offline basemap, GWF_BASEMAP_PMTILES): its IIFE build
# dist/pmtiles.js (global `pmtiles`, its one dependency fflate inlined), loaded by map.js
# only when the basemap is configured.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"
# The installed version of a package, checked against the pin in package.json.
pinned() {
  local src="node_modules/$1" version want
  [[ -f "$src/package.json" ]] || { echo "error: $src missing; run 'npm ci' in web/ first" >&2; exit 1; }
  version="$(node -p "require('./$src/package.json').version")"
  want="$(node -p "require('./package.json').dependencies['$1']")"
  [[ "$version" == "$want" ]] || { echo "error: installed $1 $version, package.json pins $want; run 'npm ci'" >&2; exit 1; }
  echo "$version"
}
src=node_modules/maplibre-gl
version="$(pinned maplibre-gl)"
pm_version="$(pinned pmtiles)"
mkdir -p assets
# Drop the sourceMappingURL comment: the .map file is not served (it would be a 404 in devtools).
sed -e '/^\/\/# sourceMappingURL=/d' "$src/dist/maplibre-gl.js" >assets/maplibre-gl.js
sed -e '/^\/\*# sourceMappingURL=.*\*\/$/d' "$src/dist/maplibre-gl.css" >assets/maplibre-gl.css
cp "$src/LICENSE.txt" maplibre-gl.LICENSE.txt
sed -e '/^\/\/# sourceMappingURL=/d' node_modules/pmtiles/dist/pmtiles.js >assets/pmtiles.js
# The package ships no licence file; its package.json names the licence and the author.
node -p "const p = require('./node_modules/pmtiles/package.json'); \
  'pmtiles ' + p.version + ' (npm), by ' + p.author + ', licence ' + p.license + \
  ' (https://spdx.org/licenses/' + p.license + '.html); bundles fflate (MIT).'" >pmtiles.LICENSE.txt
echo "vendored maplibre-gl $version into web/assets/ (maplibre-gl.js, maplibre-gl.css); licence in web/maplibre-gl.LICENSE.txt"
echo "vendored pmtiles $pm_version into web/assets/pmtiles.js; licence in web/pmtiles.LICENSE.txt"
