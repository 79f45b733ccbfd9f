"""The real clips in shared/samples: metadata and exact access on real camera footage."""

from __future__ import annotations

import random

import numpy as np
import pytest

from lepton_desktop.video import VideoReader
from tests.synth import sequential_frames


@pytest.mark.parametrize("name", ["pyfeat_single_face.mp4", "pyfeat_no_face.mp4", "pyfeat_face_noface.mov"])
def test_real_sample_is_exact(samples, name):
    path = samples / name
    seq = sequential_frames(path)
    with VideoReader(path, cache=False) as reader:
        info = reader.info
        assert info.frames == len(seq) > 0
        assert not info.truncated
        assert reader.timeline.pts.tolist() == [p for p, _ in seq]
        picks = random.Random(3).sample(range(len(seq)), min(25, len(seq)))
        for n in picks:
            assert np.array_equal(reader.frame(n), seq[n][1]), f"{name} frame {n}"


def test_single_face_metadata(samples):
    with VideoReader(samples / "pyfeat_single_face.mp4") as reader:
        info = reader.info
    assert (info.width, info.height) == (640, 360)
    assert info.fps == pytest.approx(30, abs=0.1)
    assert info.duration_s == pytest.approx(2.4, abs=0.15)
