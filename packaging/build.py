"""Build the one-folder app with PyInstaller, then the platform's installer.

    python packaging/build.py            # dist/lepton-desktop/ and, on Linux, the tarball
    python packaging/build.py --no-installer

Name and version come from pyproject.toml. Prints a JSON summary (build time, sizes, paths).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tarfile
import time
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DIST = ROOT / "dist"


def _project() -> dict[str, object]:
    with (ROOT / "pyproject.toml").open("rb") as handle:
        return dict(tomllib.load(handle)["project"])


def project_version() -> str:
    """The version in pyproject.toml."""
    return str(_project()["version"])


NAME = str(_project()["name"])
"""The executable's and the folder's name: the project's name in pyproject.toml."""


def folder_size(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file() and not p.is_symlink())


def build_app(version: str) -> Path:
    env = dict(os.environ, LEPTON_VERSION=version, LEPTON_NAME=NAME)
    subprocess.run(
        [sys.executable, "-m", "PyInstaller", "--noconfirm", "--clean", "--log-level", "WARN",
         "--distpath", str(DIST), "--workpath", str(ROOT / "build" / "pyinstaller"),
         str(ROOT / "packaging" / "lepton.spec")],
        check=True, env=env, cwd=ROOT,
    )  # fmt: skip
    return DIST / NAME


def linux_tarball(app: Path, version: str) -> Path:
    """A tarball: the app folder, a desktop entry, an icon and install.sh (per-user, no root)."""
    stage = DIST / f"{NAME}-{version}-linux-x86_64"
    if stage.exists():
        shutil.rmtree(stage)
    stage.mkdir()
    shutil.copytree(app, stage / NAME, symlinks=True)
    for extra in ("lepton-desktop.desktop", "install.sh", "lepton-desktop.svg"):
        shutil.copy2(ROOT / "packaging" / "linux" / extra, stage / extra)
    (stage / "install.sh").chmod(0o755)
    out = DIST / f"{stage.name}.tar.gz"
    with tarfile.open(out, "w:gz", compresslevel=6) as tar:
        tar.add(stage, arcname=stage.name)
    shutil.rmtree(stage)
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--no-installer", action="store_true", help="only the one-folder app")
    args = parser.parse_args()
    version = project_version()
    started = time.perf_counter()
    app = build_app(version)
    built = time.perf_counter() - started
    summary: dict[str, object] = {
        "version": version,
        "app": str(app),
        "app_bytes": folder_size(app),
        "build_seconds": round(built, 1),
    }
    if not args.no_installer and sys.platform.startswith("linux"):
        started = time.perf_counter()
        tarball = linux_tarball(app, version)
        summary.update(installer=str(tarball), installer_bytes=tarball.stat().st_size,
                       installer_seconds=round(time.perf_counter() - started, 1))  # fmt: skip
    elif not args.no_installer:
        summary["installer"] = "see packaging/README.md for this platform's installer step"
    print(json.dumps(summary, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
