"""Random access threads by slices: several slices per picture -> slice threads; one -> frame threads."""

from __future__ import annotations

import av
import numpy as np
import pytest

from lepton_desktop.video import VideoReader
from lepton_desktop.video.slices import h264_slices_per_picture
from tests.synth import make_video


def _clip(path, params: str | None) -> None:
    options = {"g": "30", "bf": "2", **({"x264-params": params} if params else {})}
    make_video(path, 60, size=(320, 240), rate=25, options=options)


@pytest.mark.parametrize(
    ("params", "slices", "mode"), [("sliced-threads=0:slices=4", 4, "SLICE"), ("sliced-threads=0:slices=1", 1, "AUTO")]
)
def test_slices_are_counted_and_choose_the_threading(tmp_path, params, slices, mode):
    path = tmp_path / "clip.mp4"
    _clip(path, params)
    assert h264_slices_per_picture(path, 0) == slices
    with VideoReader(path, cache=False) as reader:
        assert str(reader._stream.thread_type).endswith(mode)
        expected = [f.to_ndarray(format="rgb24") for f in av.open(str(path)).decode(video=0)]
        for k in (41, 3, 59, 17, 18, 0):  # random access stays exact whichever threads decode
            assert np.array_equal(reader.frame(k), expected[k])


def test_not_h264_or_unreadable_counts_one(tmp_path):
    bogus = tmp_path / "x.mp4"
    bogus.write_bytes(b"nothing")
    assert h264_slices_per_picture(bogus, 0) == 1


@pytest.mark.parametrize("params", [None, "sliced-threads=0:slices=1"])
def test_stepping_backwards_is_exact_across_keyframes(tmp_path, params):
    path = tmp_path / "clip.mp4"
    _clip(path, params)
    expected = [f.to_ndarray(format="rgb24") for f in av.open(str(path)).decode(video=0)]
    with VideoReader(path, cache=False, cache_frames=8) as reader:
        order = [59, *range(58, 20, -1), 40, 39, 38, *range(5, -1, -1)]  # back over two keyframes (g=30)
        for k in order:
            assert np.array_equal(reader.frame(k), expected[k]), k
        assert np.array_equal(reader.frame(10, size=(160, 120)).shape, (120, 160, 3))
