#!/usr/bin/env bash
# Refresh the vendored Vega / Vega-Lite / vega-embed builds from the npm registry.
set -euo pipefail
DEST="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/src/unspin/web/static/vendor"
PACKAGES=("vega 6.4.0 vega.min.js" "vega-lite 6.5.0 vega-lite.min.js" "vega-embed 7.3.0 vega-embed.min.js")
TMP="$(mktemp -d)"
trap 'rm -rf "$TMP"' EXIT
: > "$TMP/LICENSES.txt"
for entry in "${PACKAGES[@]}"; do
    read -r name version file <<< "$entry"
    mkdir -p "$TMP/$name"
    curl -fsSL "https://registry.npmjs.org/$name/-/$name-$version.tgz" | tar xz -C "$TMP/$name"
    cp "$TMP/$name/package/build/$file" "$DEST/$file"
    { echo "==== $name-$version (npm package $name@$version) ===="; cat "$TMP/$name/package/LICENSE"; echo; } \
        >> "$TMP/LICENSES.txt"
done
cp "$TMP/LICENSES.txt" "$DEST/LICENSES.txt"
echo "vendored into $DEST"
