"""Overlap resolution, kappa and proposals, on hand-computed cases."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
import pytest

from lepton_desktop.core.emotions import EMOTIONS
from lepton_desktop.core.labels import (
    UNLABELLED,
    Segment,
    cohen_kappa,
    covering,
    frame_labels,
    propose_segments,
    segments,
    split,
)
from lepton_desktop.core.records import Correction

T0 = datetime(2026, 1, 1, tzinfo=UTC)


def corr(i, start, end, label, minutes=0, tomb=False):
    return Correction(i, 1, 1, start, end, label, "ana", "human", T0 + timedelta(minutes=minutes), T0 if tomb else None)


def test_newer_correction_wins_over_the_overlap():
    labels = frame_labels([corr(1, 0, 9, "happy", 0), corr(2, 5, 14, "sad", 1), corr(3, 2, 3, "angry", 2)], 20)
    h, s, a = (EMOTIONS.index(x) for x in ("happy", "sad", "angry"))
    assert labels.tolist() == [h, h, a, a, h, s, s, s, s, s, s, s, s, s, s] + [UNLABELLED] * 5
    assert segments(labels) == [
        Segment(0, 1, "happy"), Segment(2, 3, "angry"), Segment(4, 4, "happy"), Segment(5, 14, "sad")
    ]  # fmt: skip


def test_creation_order_not_argument_order_and_tombstones_ignored():
    older_big = corr(1, 0, 9, "happy", minutes=5)
    newer_small = corr(2, 3, 4, "sad", minutes=9)
    undone = corr(3, 0, 9, "fear", minutes=20, tomb=True)
    labels = frame_labels([newer_small, undone, older_big], 10)
    assert [EMOTIONS[v] for v in labels[2:6]] == ["happy", "sad", "sad", "happy"]


def test_ranges_are_clipped_to_the_video():
    labels = frame_labels([corr(1, 8, 50, "happy")], 10)
    assert (labels[8:] == EMOTIONS.index("happy")).all() and len(labels) == 10


def test_kappa_hand_computed():
    # 10 shared frames: A = 6 happy, 4 sad; B agrees on 8 (5 happy-happy, 3 sad-sad), 1 happy-sad, 1 sad-happy.
    h, s = EMOTIONS.index("happy"), EMOTIONS.index("sad")
    a = np.array([h] * 6 + [s] * 4 + [UNLABELLED] * 3, np.int8)
    b = np.array([h] * 5 + [s] + [s] * 3 + [h] + [h, h, h], np.int8)
    result = cohen_kappa(a, b)
    # p_o = 0.8; p_e = 0.6*0.6 + 0.4*0.4 = 0.52; kappa = 0.28 / 0.48
    assert result.frames == 10
    assert result.agreement == pytest.approx(0.8)
    assert result.kappa == pytest.approx(0.28 / 0.48)
    assert result.confusion[h][h] == 5 and result.confusion[h][s] == 1 and result.confusion[s][h] == 1


def test_kappa_edge_cases():
    h = EMOTIONS.index("happy")
    same = np.full(5, h, np.int8)
    assert cohen_kappa(same, same).kappa == 1.0
    none = np.full(5, UNLABELLED, np.int8)
    assert cohen_kappa(same, none).frames == 0


def test_proposals_smooth_flicker_with_hysteresis():
    n = 100
    probs = np.full((n, 7), 0.02, np.float32)
    happy, sad, neutral = (EMOTIONS.index(x) for x in ("happy", "sad", "neutral"))
    probs[:50, happy] = 0.8
    probs[50:, sad] = 0.7
    probs[20:23, neutral] = 0.9  # a 3-frame flicker
    probs[70:, sad] = 0.4  # sad weakens but stays above the "stay" threshold
    probs[70:, happy] = 0.45  # happy stronger, but below "enter": no switch
    probs[90:, :] = np.nan  # the person leaves
    result = propose_segments(probs, min_frames=10)
    assert result == [Segment(0, 49, "happy"), Segment(50, 89, "sad")]


def test_split_and_covering():
    seg = Segment(10, 20, "fear")
    assert split(seg, 15) == (Segment(10, 14, "fear"), Segment(15, 20, "fear"))
    assert split(seg, 10) is None and split(seg, 21) is None
    assert covering([Segment(0, 4, "sad"), seg], 12) == seg and covering([seg], 3) is None
