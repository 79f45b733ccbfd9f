"""The bundled sample video: what a first-time user sees with no file of their own."""

from __future__ import annotations

from pathlib import Path

from lepton_desktop.core.errors import LeptonError
from lepton_desktop.core.paths import bundled_dir


def bundled_sample() -> Path:
    """Path of ``resources/sample/sample.mp4`` in this installation."""
    try:
        path = bundled_dir("resources") / "sample" / "sample.mp4"
    except FileNotFoundError as exc:
        raise LeptonError(str(exc)) from None
    if not path.is_file():
        raise LeptonError(
            f"The bundled sample video is missing ({path}); reinstall Lepton Desktop or open a video of your own."
        )
    return path
