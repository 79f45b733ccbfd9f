"""The emotion colours the timelines and the video overlay use (the table lives in core, shared with reports)."""

from __future__ import annotations

from lepton_desktop.core.colors import EMOTION_COLORS

__all__ = ["EMOTION_COLORS"]
