"""Logging set-up shared by the CLI and the app: tracebacks go to a file, not the user."""

from __future__ import annotations

import logging
import logging.handlers
from pathlib import Path

from lepton_desktop.core.paths import user_log_dir


def setup_logging(name: str, verbose: bool = False) -> Path | None:
    """Log to ``<user log dir>/<name>.log`` (rotated); return its path, or None if unwritable."""
    root = logging.getLogger()
    root.setLevel(logging.DEBUG if verbose else logging.INFO)
    try:
        path = user_log_dir() / f"{name}.log"
        handler = logging.handlers.RotatingFileHandler(path, maxBytes=2_000_000, backupCount=3, encoding="utf-8")
    except OSError:
        return None
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root.addHandler(handler)
    return path
