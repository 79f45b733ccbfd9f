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
        handler = _QuietFileHandler(path, maxBytes=2_000_000, backupCount=3, encoding="utf-8")
    except OSError:
        return None
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root.addHandler(handler)
    return path


class _QuietFileHandler(logging.handlers.RotatingFileHandler):
    """A log file that, when it cannot be written (a full disk), stays silent instead of printing tracebacks.

    The user is told about the real failure by the command itself; the log is a by-product.
    """

    def handleError(self, record: logging.LogRecord) -> None:
        pass
