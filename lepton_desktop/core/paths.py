"""Where bundled files and per-user files live: resolved in one place.

Bundled files (``resources/``, ``models/``) are found in this order:

1. inside the installed package (``lepton_desktop/_bundled/<name>``): a wheel;
2. next to the package in a source checkout (``<repo>/<name>``): an editable
   install or a plain checkout;
3. inside a frozen application (PyInstaller's ``sys._MEIPASS``).

Per-user directories follow the platform's conventions (platformdirs) and can
be redirected with ``LEPTON_HOME`` (tests, portable installs).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from platformdirs import PlatformDirs

APP_NAME = "lepton-desktop"
_PACKAGE_DIR = Path(__file__).resolve().parent.parent


def bundled_dir(name: str) -> Path:
    """Return the folder of bundled files called ``name`` ("resources" or "models")."""
    candidates = [_PACKAGE_DIR / "_bundled" / name, _PACKAGE_DIR.parent / name]
    frozen_root = getattr(sys, "_MEIPASS", None)
    if frozen_root:
        candidates.insert(0, Path(frozen_root) / name)
    for candidate in candidates:
        if candidate.is_dir():
            return candidate
    looked = ", ".join(str(c) for c in candidates)
    raise FileNotFoundError(f"the bundled '{name}' folder is missing (looked in {looked}); reinstall Lepton Desktop")


def bundled_file(folder: str, relative: str, what: str) -> Path:
    """The shipped file ``folder/relative``; ``FileNotFoundError`` saying ``what`` is missing and to reinstall."""
    path = bundled_dir(folder) / relative
    if not path.is_file():
        raise FileNotFoundError(f"{what} {path.name} is missing from {path.parent}; reinstall Lepton Desktop.")
    return path


def _dirs() -> PlatformDirs:
    return PlatformDirs(APP_NAME, appauthor=False)


def _user_dir(kind: str) -> Path:
    home = os.environ.get("LEPTON_HOME")
    if home:
        path = Path(home) / kind
    else:
        dirs = _dirs()
        path = Path(
            {
                "data": dirs.user_data_dir,
                "config": dirs.user_config_dir,
                "cache": dirs.user_cache_dir,
                "log": dirs.user_log_dir,
            }[kind]
        )
    path.mkdir(parents=True, exist_ok=True)
    return path


def user_data_dir() -> Path:
    """Per-user data: model versions made by fine-tuning, the default project."""
    return _user_dir("data")


def user_config_dir() -> Path:
    """Per-user settings."""
    return _user_dir("config")


def user_cache_dir() -> Path:
    """Per-user cache: frame indexes and other things that can be rebuilt."""
    return _user_dir("cache")


def user_log_dir() -> Path:
    """Per-user logs: tracebacks of failures go here, never to the user's face."""
    return _user_dir("log")
