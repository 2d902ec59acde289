#!/usr/bin/env bash
# Refresh site/vendor/ from the versions pinned in site/package-lock.json.
#
#   bash tools/vendor.sh              # npm ci, copy dist files + licences into site/vendor/
#   bash tools/vendor.sh --palettes   # also regenerate site/app/palettes.js from cmcrameri
#
# Maintainers only (needs Node/npm; --palettes needs python3 + PyPI). Users never run this:
# site/vendor/ and site/app/palettes.js are committed. To upgrade a library, edit the exact
# version in site/package.json, run `npm install --prefix site`, then this script.
# PALETTE_PYTHON=/path/to/python skips the throwaway venv (it must have cmcrameri installed).
set -euo pipefail

usage() { sed -n '2,10s/^# \{0,1\}//p' "$0"; }

palettes=0
for arg in "$@"; do
  case "$arg" in
    --palettes) palettes=1 ;;
    -h | --help) usage; exit 0 ;;
    *) echo "vendor.sh: unknown argument '$arg' (try --help)" >&2; exit 2 ;;
  esac
done

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
site="$root/site"
modules="$site/node_modules"
vendor="$site/vendor"

if [[ $palettes == 1 ]]; then
  python="${PALETTE_PYTHON:-}"
  if [[ -z $python ]]; then
    venv="$(mktemp -d "${TMPDIR:-/tmp}/egms-palettes.XXXXXX")"
    trap 'rm -rf "$venv"' EXIT
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet --disable-pip-version-check cmcrameri
    python="$venv/bin/python"
  fi
  "$python" "$root/tools/palettes.py"
fi

npm ci --prefix "$site" --no-audit --no-fund

rm -rf "$vendor"
mkdir -p "$vendor"
cp "$modules/maplibre-gl/dist/maplibre-gl.js" "$vendor/maplibre-gl.js"
cp "$modules/maplibre-gl/dist/maplibre-gl.css" "$vendor/maplibre-gl.css"
cp "$modules/maplibre-gl/LICENSE.txt" "$vendor/LICENSE-maplibre-gl.txt"
cp "$modules/pmtiles/dist/pmtiles.js" "$vendor/pmtiles.js"
cp "$modules/fflate/LICENSE" "$vendor/LICENSE-fflate.txt"
cp "$modules/uplot/dist/uPlot.iife.min.js" "$vendor/uPlot.iife.min.js"
cp "$modules/uplot/dist/uPlot.min.css" "$vendor/uPlot.min.css"
cp "$modules/uplot/LICENSE" "$vendor/LICENSE-uplot.txt"
# Licences the npm packages do not ship (pmtiles) or that are not npm packages (palettes).
cp "$site"/licenses/LICENSE-*.txt "$vendor/"

version() { node -p "require('$modules/$1/package.json').version"; }

# Natural Earth (public domain) as TopoJSON: read at BUILD time by tiler/basemap/choices.py to make the
# offline basemap, so it lives beside site/vendor/ and is not copied into every site's assets.
naturalearth="$site/naturalearth"
rm -rf "$naturalearth"
mkdir -p "$naturalearth"
cp "$modules/world-atlas/countries-10m.json" "$naturalearth/countries-10m.json"
{
  cat "$modules/world-atlas/LICENSE"
  echo
  echo "The data: Natural Earth (https://www.naturalearthdata.com/), public domain."
} >"$naturalearth/LICENSE-world-atlas.txt"
{
  echo "# Vendored by tools/vendor.sh from site/package-lock.json; do not edit."
  echo "world-atlas $(version world-atlas)"
} >"$naturalearth/VERSIONS.txt"
{
  echo "# Vendored by tools/vendor.sh from site/package-lock.json; do not edit."
  for pkg in maplibre-gl pmtiles fflate uplot; do
    echo "$pkg $(version "$pkg")"
  done
} >"$vendor/VERSIONS.txt"

echo "vendor.sh: site/vendor/ refreshed:" >&2
sed 1d "$vendor/VERSIONS.txt" | sed 's/^/  /' >&2
