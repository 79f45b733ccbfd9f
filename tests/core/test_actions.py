"""Valence and arousal on hand-computed cases."""

from __future__ import annotations

import numpy as np
import pytest

from lepton_desktop.core.actions import ACTION_NAMES, EXPRESSIVE, arousal, most_active, valence
from lepton_desktop.core.emotions import EMOTIONS


def probs(**values: float) -> np.ndarray:
    row = np.zeros(len(EMOTIONS), np.float32)
    for name, v in values.items():
        row[EMOTIONS.index(name)] = v
    return row


def actions(**values: float) -> np.ndarray:
    row = np.zeros(len(ACTION_NAMES), np.float32)
    for name, v in values.items():
        row[ACTION_NAMES.index(name)] = v
    return row


def test_names_are_mediapipes_52():
    assert len(ACTION_NAMES) == 52 == len(set(ACTION_NAMES))
    assert ACTION_NAMES[0] == "_neutral" and ACTION_NAMES[-1] == "noseSneerRight"
    assert int(EXPRESSIVE.sum()) == 41  # minus _neutral, 8 gaze directions, 2 blinks


def test_valence_is_happy_minus_the_strongest_negative():
    rows = np.stack(
        [
            probs(happy=0.7, sad=0.1, angry=0.05, neutral=0.15),  # 0.7 - 0.1
            probs(happy=0.1, disgust=0.6, fear=0.2, neutral=0.1),  # 0.1 - 0.6
            probs(surprise=0.5, neutral=0.5),  # neither: 0
            probs(happy=1.0),  # 1
            probs(fear=1.0),  # -1
        ]
    )
    np.testing.assert_allclose(valence(rows), [0.6, -0.5, 0.0, 1.0, -1.0], atol=1e-6)


def test_valence_of_a_frame_without_a_face_is_nan():
    assert np.isnan(valence(np.full((1, 7), np.nan, np.float32))[0])


def test_arousal_is_the_mean_of_the_five_strongest_expressive_actions():
    face = actions(jawOpen=0.8, browInnerUp=0.6, mouthSmileLeft=0.5, eyeWideLeft=0.1)
    face[ACTION_NAMES.index("_neutral")] = 0.9  # not activation
    face[ACTION_NAMES.index("eyeLookUpLeft")] = 1.0  # gaze: not activation
    face[ACTION_NAMES.index("eyeBlinkRight")] = 1.0  # a blink: not activation
    # (0.8 + 0.6 + 0.5 + 0.1 + 0) / 5
    assert arousal(face[None])[0] == pytest.approx(0.4)
    busy = actions(jawOpen=1.0, browInnerUp=1.0, browOuterUpLeft=1.0, browOuterUpRight=1.0, eyeWideLeft=1.0,
                   eyeWideRight=0.5)  # fmt: skip
    assert arousal(busy[None])[0] == pytest.approx(1.0)
    assert arousal(actions()[None])[0] == 0.0


def test_arousal_without_a_face_is_nan():
    rows = np.stack([actions(jawOpen=0.5), np.full(52, np.nan, np.float32)])
    out = arousal(rows)
    assert out[0] == pytest.approx(0.1) and np.isnan(out[1])
    assert arousal(np.zeros((0, 52), np.float32)).shape == (0,)


def test_most_active_ranks_expressive_actions_by_their_mean():
    rows = np.stack([actions(jawOpen=0.9, mouthSmileLeft=0.2), actions(jawOpen=0.5, mouthSmileLeft=0.6)])
    rows[:, ACTION_NAMES.index("eyeLookDownLeft")] = 1.0  # gaze never counts
    rows = np.vstack([rows, np.full((1, 52), np.nan, np.float32)])  # no face: skipped
    top = most_active(rows, 2)
    assert [ACTION_NAMES[i] for i in top] == ["jawOpen", "mouthSmileLeft"]
    assert most_active(np.full((3, 52), np.nan, np.float32), 5) == []
