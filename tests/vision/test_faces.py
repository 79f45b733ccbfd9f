"""Real faces: detection, landmarks, tracking through motion, scale, rotation and occlusion."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from lepton_desktop.core.emotions import EMOTIONS
from lepton_desktop.video import VideoReader
from lepton_desktop.vision.analyzer import AnalysisSettings, FrameAnalyzer
from lepton_desktop.vision.torch_networks import TorchNetworks
from lepton_desktop.vision.weights import load_detector, load_emotion_model
from tests.faces import Placement, face_clip, photo, render

pytest.importorskip("skimage")


@pytest.fixture(scope="module")
def detector():
    return load_detector()


@pytest.fixture(scope="module")
def model():
    return load_emotion_model()


def _analyze(path, model, detector, **settings):
    analyzer = FrameAnalyzer(TorchNetworks(model, detector, torch.device("cpu")), AnalysisSettings(**settings))
    parts = []
    with VideoReader(path) as reader:
        for f in reader.iter_frames():
            rows = analyzer.feed(f.index, f.image)
            if rows is not None:
                parts.append(rows)
    rows = analyzer.finish()
    if rows is not None:
        parts.append(rows)
    frames = np.concatenate([r.frames for r in parts]) if parts else np.zeros(0, np.int32)
    tracks = np.concatenate([r.tracks for r in parts]) if parts else np.zeros(0, np.int32)
    boxes = np.concatenate([r.boxes for r in parts]) if parts else np.zeros((0, 4), np.float32)
    probs = np.concatenate([r.probs for r in parts]) if parts else np.zeros((0, 7), np.float32)
    return frames, tracks, boxes, probs


def test_detector_finds_the_face_and_its_eyes(detector):
    found = detector.detect(torch.from_numpy(photo())[None])[0]
    assert len(found) == 1
    (x1, y1, x2, y2), eyes = found[0].box, found[0].landmarks[:2]
    assert 170 < x1 < 200 and 250 < x2 < 280 and 40 < y1 < 80 and 160 < y2 < 190
    assert abs(eyes[0][1] - eyes[1][1]) < 8 and 35 < abs(eyes[1][0] - eyes[0][0]) < 55  # level eyes, 43 px apart


@pytest.mark.parametrize(
    "placement",
    [
        Placement(160, 120, 0.5),  # ~43 px face in a small frame
        Placement(160, 120, 1.3),  # ~112 px, close-up
        Placement(150, 120, 0.8, angle=25),  # head tilted
        Placement(170, 110, 0.8, angle=-25),
        Placement(35, 120, 0.8),  # half out of the frame on the left
    ],
)
def test_detector_handles_size_tilt_and_frame_edge(detector, placement):
    image = render((320, 240), [placement])
    found = detector.detect(torch.from_numpy(image)[None])[0]
    assert found, f"no face found for {placement}"
    best = max(found, key=lambda d: d.score)
    centre = (best.box[:2] + best.box[2:]) / 2
    assert np.hypot(*(centre - [placement.cx, placement.cy])) < 0.45 * placement.face_side()


def test_no_face_no_detection(detector):
    from skimage import data

    for image in (data.coffee(), data.rocket(), np.full((240, 320, 3), 128, np.uint8)):
        assert detector.detect(torch.from_numpy(np.ascontiguousarray(image))[None])[0] == []


def test_tracks_stay_stable_through_motion_tilt_and_occlusion(tmp_path, model, detector):
    def schedule(i):
        t = i / 60
        a = Placement(100 + 50 * math.sin(t * 2 * math.pi), 115 + 10 * t, 0.55 + 0.25 * t, angle=20 * math.sin(t * 3))
        b = Placement(320, 120, 0.6, mirrored=True)
        return [a, b]

    truth = face_clip(tmp_path / "two.mp4", 60, schedule, size=(420, 240), occluded=lambda i: 24 <= i < 28)
    frames, tracks, boxes, probs = _analyze(tmp_path / "two.mp4", model, detector, stride=3)
    assert sorted(np.unique(tracks).tolist()) == [1, 2], "two people, two tracks, no fragments"
    for number in (1, 2):
        mine = np.sort(frames[tracks == number])
        assert mine.tolist() == list(range(60)), f"track {number} must cover every frame (the occlusion is bridged)"
    # Each track stays on its own person: box centres near the true face centres.
    for number in (1, 2):
        sel = tracks == number
        person = 0 if boxes[sel][:, 0].mean() < 210 else 1
        for f, (x, y, w, h) in zip(frames[sel], boxes[sel], strict=True):
            p = truth[f][person]
            assert np.hypot(x + w / 2 - p.cx, y + h / 2 - p.cy) < 0.5 * p.face_side() + 6, f"frame {f}"
    # The smiling astronaut reads as happy, in both copies, on most frames.
    assert EMOTIONS[int(np.bincount(probs.argmax(1)).argmax())] == "happy"
    assert (probs.argmax(1) == EMOTIONS.index("happy")).mean() > 0.8
    np.testing.assert_allclose(probs.sum(1), 1, atol=1e-5)


def test_a_face_that_leaves_and_returns_is_a_new_track(tmp_path, model, detector):
    def schedule(i):
        return [] if 20 <= i < 45 else [Placement(160, 120, 0.7)]

    face_clip(tmp_path / "away.mp4", 60, schedule)
    frames, tracks, _, _ = _analyze(tmp_path / "away.mp4", model, detector, stride=2, max_missed=3)
    assert np.unique(tracks).tolist() == [1, 2]
    assert frames[tracks == 1].max() < 20 and frames[tracks == 2].min() >= 45


def test_stride_changes_work_not_coverage(tmp_path, model, detector):
    face_clip(tmp_path / "still.mp4", 30, lambda i: [Placement(160 + i, 120, 0.7)])
    for stride in (1, 5):
        frames, tracks, _, _ = _analyze(tmp_path / "still.mp4", model, detector, stride=stride)
        assert np.unique(tracks).tolist() == [1]
        assert np.sort(frames).tolist() == list(range(30))


def test_a_40px_face_is_found_in_1080p(tmp_path, model, detector):
    from tests.faces import FACE_SIDE

    path = tmp_path / "small.mp4"
    face_clip(path, 12, lambda i: [Placement(900 + 3 * i, 500, 42 / FACE_SIDE)], size=(1920, 1080))
    frames, tracks, boxes, _ = _analyze(path, model, detector, stride=3)
    assert np.unique(tracks).tolist() == [1] and np.sort(frames).tolist() == list(range(12))
    assert 30 < boxes[:, 2].mean() < 60  # box width in source pixels, about the face's 42
