# Build the Windows installer: PyInstaller one-folder app, then Inno Setup.
# Needs: Python 3.11 x64, Inno Setup 6 (iscc.exe on PATH). Run from the repository root:
#   powershell -ExecutionPolicy Bypass -File packaging\windows\build.ps1
$ErrorActionPreference = "Stop"
python -m venv .venv-build
.venv-build\Scripts\pip install -q torch==2.13.0 --index-url https://download.pytorch.org/whl/cpu
.venv-build\Scripts\pip install -q . "pyinstaller>=6.10"
.venv-build\Scripts\python packaging\build.py --no-installer
$version = (.venv-build\Scripts\python -c "import sys; sys.path.insert(0, 'packaging'); import build; print(build.project_version())").Trim()
iscc /DAppVersion=$version packaging\windows\lepton.iss
dist\lepton-desktop\lepton-desktop.exe --self-test
Write-Host "Installer: dist\lepton-desktop-$version-windows-x64-setup.exe"
