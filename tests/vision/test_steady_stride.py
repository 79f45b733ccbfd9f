"""Skipping detection frames while faces are steady: fewer detections, the same tracks."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from lepton_desktop.video import VideoReader
from lepton_desktop.vision.analyzer import AnalysisSettings, FrameAnalyzer
from lepton_desktop.vision.torch_networks import TorchNetworks
from lepton_desktop.vision.weights import load_detector, load_emotion_model
from tests.faces import Placement, face_clip

pytest.importorskip("skimage")


@pytest.fixture(scope="module")
def engine():
    return load_emotion_model(), load_detector()


def _run(path, engine, feed_every=1, **settings):
    """(frames, tracks, probs) of every row, the analyzer, and the largest lag between the newest frame
    fed and the newest frame with final rows."""
    model, detector = engine
    analyzer = FrameAnalyzer(TorchNetworks(model, detector, torch.device("cpu")), AnalysisSettings(**settings))
    parts, lag, newest = [], 0, -1
    with VideoReader(path) as reader:
        for f in reader.iter_frames():
            if f.index % feed_every:
                continue
            rows = analyzer.feed(f.index, f.image)
            if rows is not None:
                parts.append(rows)
                newest = int(rows.frames.max())
            lag = max(lag, f.index - newest)
    rows = analyzer.finish()
    if rows is not None:
        parts.append(rows)
    frames = np.concatenate([r.frames for r in parts])
    tracks = np.concatenate([r.tracks for r in parts])
    probs = np.concatenate([r.probs for r in parts])
    return frames, tracks, probs, analyzer, lag


def _spans(frames, tracks):
    return {int(t): (int(frames[tracks == t].min()), int(frames[tracks == t].max())) for t in np.unique(tracks)}


def test_a_face_that_comes_and_goes_is_found_on_the_same_frames_as_without_skipping(tmp_path, engine):
    # one still face throughout; a second arrives at frame 70 and leaves at 130 (not on any skip grid)
    def schedule(i):
        faces = [Placement(110, 120, 0.6)]
        if 70 <= i < 130:
            faces.append(Placement(300, 120, 0.6, mirrored=True))
        return faces

    path = tmp_path / "arrive.mp4"
    face_clip(path, 180, schedule, size=(420, 240))
    every = _run(path, engine, steady_stride=1)
    skipping = _run(path, engine, steady_stride=4)
    assert _spans(*skipping[:2]) == _spans(*every[:2]), "the same people over the same frames"
    keys = lambda r: set(zip(r[0].tolist(), r[1].tolist(), strict=True))  # noqa: E731
    assert keys(skipping) == keys(every), "a row for every (frame, person) the full detection gives"
    assert skipping[3].detections < 0.6 * every[3].detections, (skipping[3].detections, every[3].detections)
    # same expression read on the frames both have (tracking interpolation differs only slightly)
    order = lambda r: np.lexsort((r[1], r[0]))  # noqa: E731
    a, b = every[2][order(every)], skipping[2][order(skipping)]
    assert (a.argmax(1) == b.argmax(1)).mean() > 0.97
    assert np.abs(a - b).max(1).mean() < 0.05


def test_frames_fed_with_gaps_are_analysed(tmp_path, engine):
    """Live analysis feeds only the frames it has time for: detection keeps its cadence in frames."""
    path = tmp_path / "gaps.mp4"
    face_clip(path, 60, lambda i: [Placement(150 + i, 120, 0.6)])
    frames, tracks, _, analyzer, _ = _run(path, engine, feed_every=2, stride=3)
    assert np.unique(tracks).tolist() == [1]
    assert np.sort(frames).tolist() == list(range(0, 60, 2)), "a row on every frame fed, none on the others"
    assert 10 <= analyzer.detections <= 30


def test_rows_wait_only_for_the_next_detections(tmp_path, engine):
    """A steady face's rows are final one detection batch after their frame, not several strides later."""
    path = tmp_path / "steady.mp4"
    face_clip(path, 90, lambda i: [Placement(160, 120, 0.6)])
    *_, lag = _run(path, engine, stride=1, detect_batch=1, steady_stride=1, max_missed=3)
    assert lag <= 2, lag
