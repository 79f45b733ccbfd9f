#!/bin/sh
# Build "Lepton Desktop.app" in a .dmg. Needs: macOS 12+, Python 3.11 (python.org or Homebrew).
# Run from the repository root: sh packaging/macos/build.sh
set -eu
python3 -m venv .venv-build
.venv-build/bin/pip install -q torch==2.13.0 . "pyinstaller>=6.10"
.venv-build/bin/python packaging/build.py --no-installer
version=$(.venv-build/bin/python -c "import sys; sys.path.insert(0, 'packaging'); import build; print(build.project_version())")
"dist/Lepton Desktop.app/Contents/MacOS/lepton-desktop" --self-test
# Sign and notarise here for distribution (codesign --deep --options runtime ...; xcrun notarytool ...).
hdiutil create -volname "Lepton Desktop" -srcfolder "dist/Lepton Desktop.app" -ov -format UDZO \
  "dist/lepton-desktop-$version-macos.dmg"
echo "Disk image: dist/lepton-desktop-$version-macos.dmg"
