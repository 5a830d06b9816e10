#!/usr/bin/env bash
# Renders PiCloud's PNG icons from their SVG sources (resources/icon.svg, build/icon-sources/*.svg).
# The PNGs are committed; run this after changing an SVG. Needs rsvg-convert (Debian: librsvg2-bin).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
command -v rsvg-convert >/dev/null || { echo "rsvg-convert missing: apt-get install librsvg2-bin" >&2; exit 1; }

render() { rsvg-convert --width "$2" --height "$2" --keep-aspect-ratio "$1" --output "$3"; }

# Installers: build/icon.png (electron-builder derives .icns and .ico from it) and Linux's sized set.
render "$root/resources/icon.svg" 512 "$root/build/icon.png"
mkdir -p "$root/build/icons"
for size in 16 32 48 64 128 256 512; do
  render "$root/resources/icon.svg" "$size" "$root/build/icons/${size}x${size}.png"
done
# The window and notification icon, packaged with the app.
render "$root/resources/icon.svg" 256 "$root/resources/icon.png"
# Tray images: 16 px and @2x; *Template variants are macOS menu-bar images (black + alpha).
mkdir -p "$root/resources/tray"
for source in "$here"/tray-*.svg; do
  name="$(basename "$source" .svg)"
  render "$source" 16 "$root/resources/tray/$name.png"
  render "$source" 32 "$root/resources/tray/$name@2x.png"
done
