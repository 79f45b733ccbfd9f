#!/bin/sh
# Build the Linux one-folder app and its tarball (desktop entry + per-user install.sh).
# Run from the repository root: sh packaging/linux/build.sh   (CUDA variant: see packaging/README.md)
set -eu
python3 -m venv .venv-build
.venv-build/bin/pip install -q "${TORCH_SPEC:-torch==2.13.0}"
.venv-build/bin/pip install -q . "pyinstaller>=6.10"
.venv-build/bin/python packaging/build.py
dist/lepton-desktop/lepton-desktop --self-test
