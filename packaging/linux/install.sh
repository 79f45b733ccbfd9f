#!/bin/sh
# Install Lepton Desktop for the current user (no root): the app under ~/.local/lib, a launcher
# in ~/.local/bin and a menu entry. Run it from the unpacked tarball. Remove with --uninstall.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
lib="$HOME/.local/lib/lepton-desktop"
bin="$HOME/.local/bin"
apps="${XDG_DATA_HOME:-$HOME/.local/share}/applications"
icons="${XDG_DATA_HOME:-$HOME/.local/share}/icons/hicolor/scalable/apps"
if [ "${1:-}" = "--uninstall" ]; then
  rm -rf "$lib" "$bin/lepton-desktop" "$apps/lepton-desktop.desktop" "$icons/lepton-desktop.svg"
  echo "Lepton Desktop removed (your projects and settings are kept)."
  exit 0
fi
mkdir -p "$lib" "$bin" "$apps" "$icons"
rm -rf "$lib"
cp -a "$here/lepton-desktop" "$lib"
ln -sf "$lib/lepton-desktop" "$bin/lepton-desktop"
sed "s|^Exec=.*|Exec=$lib/lepton-desktop %f|" "$here/lepton-desktop.desktop" > "$apps/lepton-desktop.desktop"
cp "$here/lepton-desktop.svg" "$icons/lepton-desktop.svg"
command -v update-desktop-database >/dev/null && update-desktop-database "$apps" 2>/dev/null || true
echo "Lepton Desktop installed: run 'lepton-desktop' or open it from your applications menu."
