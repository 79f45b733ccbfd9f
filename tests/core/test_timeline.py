from fractions import Fraction

import numpy as np
import pytest

from lepton_desktop.core.emotions import EMOTIONS, emotion_index
from lepton_desktop.core.timeline import FrameTimeline, format_timecode


def test_cfr_times_and_lookup_are_exact():
    tl = FrameTimeline(np.arange(0, 300 * 512, 512, dtype=np.int64) + 1024, Fraction(1, 15360))
    assert tl.frame_count == 300
    assert tl.time_of(0) == 0.0
    assert tl.time_of(30) == pytest.approx(1.0)
    for n in range(300):
        assert tl.frame_at(tl.time_of(n)) == n
        assert tl.frame_at(tl.time_of(n) + 0.5 / 30) == n  # mid-frame stays on the frame
    assert tl.frame_at(-5) == 0
    assert tl.frame_at(1e9) == 299
    assert tl.duration() == pytest.approx(10.0)
    assert tl.average_fps() == pytest.approx(30.0)
    assert not tl.is_variable_rate()


def test_vfr_lookup_uses_real_timestamps():
    pts = np.array([0, 40, 80, 200, 210, 220, 400], dtype=np.int64)  # ms
    tl = FrameTimeline(pts, Fraction(1, 1000))
    assert tl.is_variable_rate()
    assert tl.frame_at(0.199) == 2
    assert tl.frame_at(0.2) == 3
    assert tl.frame_at(0.39) == 5
    assert tl.frame_of_pts(210) == 4
    assert tl.frame_of_pts(211) is None
    np.testing.assert_allclose(tl.times(), pts / 1000)


def test_ntsc_rate_is_not_vfr():
    tl = FrameTimeline(np.arange(0, 1001 * 100, 1001, dtype=np.int64), Fraction(1, 30000))
    assert not tl.is_variable_rate()
    assert tl.average_fps() == pytest.approx(30000 / 1001)


def test_bad_timelines_rejected():
    with pytest.raises(ValueError):
        FrameTimeline(np.array([0, 10, 10]), Fraction(1, 10))
    tl = FrameTimeline(np.array([0, 1]), Fraction(1, 10))
    with pytest.raises(IndexError, match="out of range"):
        tl.time_of(2)


def test_timecode_and_emotions():
    assert format_timecode(3723.4567) == "01:02:03.457"
    assert format_timecode(-1) == "00:00:00.000"
    assert EMOTIONS == ("angry", "disgust", "fear", "happy", "sad", "surprise", "neutral")
    assert emotion_index("Happy") == 3
    with pytest.raises(ValueError, match="expected one of"):
        emotion_index("bored")
