"""Frame ranges <-> time spans on exact frame times, by hand-computed cases."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest

from lepton_desktop.core.spans import past_the_end, span_frames, span_seconds
from lepton_desktop.core.timeline import FrameTimeline

# five frames starting at 0, 40, 80, 150 and 190 ms (one long frame), each ~40 ms: the video lasts 230 ms
TIMELINE = FrameTimeline(np.array([1000, 1040, 1080, 1150, 1190]), Fraction(1, 1000))


def test_a_range_spans_from_its_first_frame_to_the_start_of_the_frame_after_its_last():
    assert span_seconds(TIMELINE, 0, 0) == (0.0, 0.04)
    assert span_seconds(TIMELINE, 2, 2) == (0.08, 0.15)  # the long frame
    assert span_seconds(TIMELINE, 3, 4) == pytest.approx((0.15, 0.23))  # the last frame ends with the video
    with pytest.raises(ValueError, match="not a range inside the video"):
        span_seconds(TIMELINE, 2, 5)


@pytest.mark.parametrize(
    "start,end,frames",
    [
        (0.0, 0.04, (0, 0)),
        (0.041, 0.149, (1, 2)),  # ends snap to the nearest boundary
        (0.07, 0.12, (2, 2)),  # 0.12 is nearer 0.15 than 0.08
        (0.10, 0.11, (2, 2)),  # shorter than half a frame: the frame it is in
        (0.0, 0.23, (0, 4)),
        (0.19, 0.3, (4, 4)),
    ],
)
def test_a_span_covers_the_frames_between_its_nearest_boundaries(start, end, frames):
    assert span_frames(TIMELINE, start, end) == frames


def test_every_range_survives_a_round_trip_through_milliseconds():
    for first in range(5):
        for last in range(first, 5):
            start, end = span_seconds(TIMELINE, first, last)
            assert span_frames(TIMELINE, round(start * 1000) / 1000, round(end * 1000) / 1000) == (first, last)


def test_past_the_end_allows_half_a_frame():
    assert not past_the_end(TIMELINE, 0.23) and not past_the_end(TIMELINE, 0.249)
    assert past_the_end(TIMELINE, 0.251)
