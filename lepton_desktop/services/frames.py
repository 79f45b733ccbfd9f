"""Still frames out of videos."""

from __future__ import annotations

from pathlib import Path

import cv2

from lepton_desktop.core.errors import LeptonError
from lepton_desktop.video import VideoReader


class OutputError(LeptonError):
    """An output file could not be written."""


class FrameTimeError(LeptonError):
    """A time that no frame of the video is on screen at."""


def frames_at(video: str | Path, times: list[float]) -> list[int]:
    """The frames of ``video`` on screen at ``times`` (seconds; its own timestamps, exact on variable frame rates)."""
    with VideoReader(video) as reader:
        timeline = reader.timeline
    last = float(timeline.times()[-1]) if timeline.frame_count else 0.0
    end = last + timeline.frame_duration()  # the last frame stays on screen until here (what `lepton info` says)
    for seconds in times:
        if seconds > end:
            raise FrameTimeError(f"{seconds:g} s is past the end of the video (it ends at {end:.2f} s).")
    return [timeline.frame_at(seconds) for seconds in times]


def export_frame(video: str | Path, index: int, out: str | Path) -> Path:
    """Write frame ``index`` (0-based, presentation order) of ``video`` as an image file.

    The format follows the suffix (``.png`` lossless; ``.jpg`` etc. also work).
    """
    target = Path(out)
    if target.suffix.lower() not in {".png", ".jpg", ".jpeg", ".bmp", ".tif", ".tiff", ".webp"}:
        raise OutputError(f"{target}: unknown image type; use a name ending in .png or .jpg.")
    with VideoReader(video) as reader:
        image = reader.frame(index)  # raises IndexError naming the valid range
    if not target.parent.is_dir():
        raise OutputError(f"{target}: the folder {target.parent} does not exist.")
    tmp = target.with_name(f".{target.name}.part{target.suffix}")
    try:
        ok = cv2.imwrite(str(tmp), cv2.cvtColor(image, cv2.COLOR_RGB2BGR))
        if not ok:
            raise OutputError(f"{target}: the image could not be written (is the disk full or read-only?).")
        tmp.replace(target)
    except (OSError, cv2.error) as exc:
        tmp.unlink(missing_ok=True)
        reason = getattr(exc, "strerror", None) or "is the disk full or the folder read-only?"
        raise OutputError(f"{target}: the image could not be written ({reason}).") from None
    return target
