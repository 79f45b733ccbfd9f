"""Frame ranges as time spans and back, on a video's exact frame times (what ELAN and BORIS exchange).

Frames ``first..last`` (inclusive) span from the start of ``first`` to the end of ``last``: the start
of the next frame, or the end of the video for the last frame. The other way round, each end of a
span snaps to the nearest frame boundary, so times rounded to the millisecond come back to the same
frames, and an edge placed by hand in another tool goes to the boundary a person would pick.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from lepton_desktop.core.timeline import FrameTimeline


def boundaries(timeline: FrameTimeline) -> npt.NDArray[np.float64]:
    """The n+1 frame boundaries in seconds: each frame's start, then the end of the video."""
    edges: npt.NDArray[np.float64] = np.append(timeline.times(), timeline.duration())
    return edges


def span_seconds(timeline: FrameTimeline, first: int, last: int) -> tuple[float, float]:
    """Start and end in seconds of frames ``first..last`` (inclusive)."""
    if not 0 <= first <= last < timeline.frame_count:
        raise ValueError(f"frames {first}..{last} are not a range inside the video (0..{timeline.frame_count - 1})")
    edges = boundaries(timeline)
    return float(edges[first]), float(edges[last + 1])


def span_frames(timeline: FrameTimeline, start: float, end: float) -> tuple[int, int]:
    """The inclusive frame range a span covers: each end snapped to the nearest frame boundary.

    A span shorter than half a frame still covers the frame it starts in. The caller checks that the
    span lies inside the video (:func:`past_the_end`).
    """
    if end < start:
        raise ValueError(f"the span ends ({end:.3f} s) before it starts ({start:.3f} s)")
    edges = boundaries(timeline)
    n = timeline.frame_count
    first = int(np.argmin(np.abs(edges[:n] - start)))
    last = int(np.argmin(np.abs(edges[1:] - end)))
    return first, max(first, last)


def past_the_end(timeline: FrameTimeline, seconds: float) -> bool:
    """True when ``seconds`` lies beyond the video's end by more than half a frame."""
    return seconds > timeline.duration() + 0.5 * max(timeline.frame_duration(), 1e-3)
