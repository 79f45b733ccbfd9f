"""Exact frame <-> time conversion from a per-frame presentation timestamp table.

Frame ``N`` is the N-th frame in presentation order. Its time is measured from
the first frame, so frame 0 is always at 0.0 s. On variable-frame-rate files the
conversion is exact because it looks the timestamps up instead of multiplying
by a nominal rate.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

import numpy as np
import numpy.typing as npt

_VFR_TOLERANCE = 0.02
"""Relative spread of frame durations above which a file counts as variable rate."""


@dataclass(frozen=True, eq=False)
class FrameTimeline:
    """Presentation timestamps of every frame, sorted, in the stream's time base."""

    pts: npt.NDArray[np.int64]
    time_base: Fraction

    def __post_init__(self) -> None:
        pts = np.asarray(self.pts, dtype=np.int64)
        if pts.ndim != 1:
            raise ValueError("pts must be one-dimensional")
        if pts.size > 1 and not np.all(np.diff(pts) > 0):
            raise ValueError("pts must be strictly increasing")
        pts.setflags(write=False)
        object.__setattr__(self, "pts", pts)

    def __len__(self) -> int:
        return int(self.pts.size)

    @property
    def frame_count(self) -> int:
        """Number of frames."""
        return int(self.pts.size)

    def time_of(self, frame: int) -> float:
        """Seconds from the first frame to the start of ``frame``."""
        self._check(frame)
        return float((int(self.pts[frame]) - int(self.pts[0])) * self.time_base)

    def times(self) -> npt.NDArray[np.float64]:
        """Seconds from the first frame for every frame (a new array)."""
        if self.pts.size == 0:
            return np.zeros(0, dtype=np.float64)
        rel: npt.NDArray[np.float64] = (self.pts - self.pts[0]).astype(np.float64)
        rel *= self.time_base.numerator / self.time_base.denominator
        return rel

    def frame_at(self, seconds: float) -> int:
        """The frame on screen at ``seconds``: the last frame starting at or before it.

        Times before the first frame give 0, after the last give the last frame.
        """
        if self.pts.size == 0:
            raise IndexError("the timeline has no frames")
        # Compare in integer ticks to avoid float drift on long files; the tiny
        # epsilon makes a time printed from time_of() map back to its own frame.
        ticks = int(np.floor(seconds / float(self.time_base) + 1e-6)) + int(self.pts[0])
        index = int(np.searchsorted(self.pts, ticks, side="right")) - 1
        return min(max(index, 0), self.frame_count - 1)

    def frame_of_pts(self, pts: int) -> int | None:
        """The frame whose timestamp is exactly ``pts``, or None."""
        index = int(np.searchsorted(self.pts, pts, side="left"))
        if index < self.frame_count and int(self.pts[index]) == pts:
            return index
        return None

    def frame_duration(self) -> float:
        """Typical (median) frame duration in seconds; 0.0 with fewer than two frames."""
        if self.pts.size < 2:
            return 0.0
        return float(np.median(np.diff(self.pts)) * float(self.time_base))

    def duration(self) -> float:
        """Seconds from the first frame's start to the last frame's end."""
        if self.pts.size == 0:
            return 0.0
        last_start = (int(self.pts[-1]) - int(self.pts[0])) * float(self.time_base)
        return last_start + self.frame_duration()

    def average_fps(self) -> float:
        """Frames per second over the whole file."""
        duration = self.duration()
        return self.frame_count / duration if duration > 0 else 0.0

    def is_variable_rate(self) -> bool:
        """True when frame durations differ by more than a small tolerance."""
        if self.pts.size < 3:
            return False
        deltas = np.diff(self.pts).astype(np.float64)
        median = float(np.median(deltas))
        return bool(np.max(np.abs(deltas - median)) > _VFR_TOLERANCE * median + 1.0)

    def _check(self, frame: int) -> None:
        if not 0 <= frame < self.frame_count:
            raise IndexError(f"frame {frame} is out of range (the video has {self.frame_count} frames)")


def format_timecode(seconds: float) -> str:
    """``HH:MM:SS.mmm`` for a time in seconds (negative times clamp to zero)."""
    millis = round(max(seconds, 0.0) * 1000)
    hours, rest = divmod(millis, 3_600_000)
    minutes, rest = divmod(rest, 60_000)
    secs, millis = divmod(rest, 1000)
    return f"{hours:02d}:{minutes:02d}:{secs:02d}.{millis:03d}"
