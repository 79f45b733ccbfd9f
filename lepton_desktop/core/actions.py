"""Facial actions (MediaPipe's 52 blendshapes) and the measures derived from them: valence and arousal.

Plain functions over arrays (numpy only), so each formula can be checked by hand:

* **valence** (FaceReader's definition) = intensity of *happy* minus the strongest of *sad*, *angry*,
  *fear* and *disgust*, from the seven emotion probabilities; -1 (negative) .. 1 (positive).
* **arousal** = the mean of the five largest *expressive* action coefficients; 0 (still face) .. 1.
  Expressive means every blendshape except ``_neutral``, the eight gaze directions (``eyeLook*``)
  and the two blinks (``eyeBlink*``): where someone looks and blinking are not facial activation.
  Five, not all 41: an expression moves a few muscles strongly, and averaging in the dozens that
  stay at rest would flatten every face towards zero (FaceReader likewise builds arousal from the
  activation of its action units).

Rows without a face (NaN coefficients or probabilities) give NaN.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from lepton_desktop.core.emotions import EMOTIONS

ACTION_NAMES: tuple[str, ...] = (
    "_neutral",
    "browDownLeft",
    "browDownRight",
    "browInnerUp",
    "browOuterUpLeft",
    "browOuterUpRight",
    "cheekPuff",
    "cheekSquintLeft",
    "cheekSquintRight",
    "eyeBlinkLeft",
    "eyeBlinkRight",
    "eyeLookDownLeft",
    "eyeLookDownRight",
    "eyeLookInLeft",
    "eyeLookInRight",
    "eyeLookOutLeft",
    "eyeLookOutRight",
    "eyeLookUpLeft",
    "eyeLookUpRight",
    "eyeSquintLeft",
    "eyeSquintRight",
    "eyeWideLeft",
    "eyeWideRight",
    "jawForward",
    "jawLeft",
    "jawOpen",
    "jawRight",
    "mouthClose",
    "mouthDimpleLeft",
    "mouthDimpleRight",
    "mouthFrownLeft",
    "mouthFrownRight",
    "mouthFunnel",
    "mouthLeft",
    "mouthLowerDownLeft",
    "mouthLowerDownRight",
    "mouthPressLeft",
    "mouthPressRight",
    "mouthPucker",
    "mouthRight",
    "mouthRollLower",
    "mouthRollUpper",
    "mouthShrugLower",
    "mouthShrugUpper",
    "mouthSmileLeft",
    "mouthSmileRight",
    "mouthStretchLeft",
    "mouthStretchRight",
    "mouthUpperUpLeft",
    "mouthUpperUpRight",
    "noseSneerLeft",
    "noseSneerRight",
)
"""The 52 coefficients, named and ordered as MediaPipe's Face Landmarker outputs them (each in 0..1)."""

EXPRESSIVE: npt.NDArray[np.bool_] = np.array(
    [n != "_neutral" and not n.startswith(("eyeLook", "eyeBlink")) for n in ACTION_NAMES]
)
"""Which coefficients count as facial activation (41 of 52): not ``_neutral``, gaze or blinks."""

AROUSAL_TOP = 5
"""Arousal averages this many of the largest expressive coefficients."""

_NEGATIVE = [EMOTIONS.index(e) for e in ("sad", "angry", "fear", "disgust")]
_HAPPY = EMOTIONS.index("happy")


def valence(probs: npt.NDArray[np.floating]) -> npt.NDArray[np.float32]:
    """(n, 7) emotion probabilities -> (n,) happy minus the strongest negative emotion, in -1..1."""
    p = np.asarray(probs, np.float32)
    out: npt.NDArray[np.float32] = np.clip(p[:, _HAPPY] - p[:, _NEGATIVE].max(axis=1), -1.0, 1.0).astype(np.float32)
    return out


def arousal(actions: npt.NDArray[np.floating]) -> npt.NDArray[np.float32]:
    """(n, 52) action coefficients -> (n,) mean of the AROUSAL_TOP largest expressive ones, in 0..1."""
    a = np.asarray(actions, np.float32)[:, EXPRESSIVE]
    if a.shape[0] == 0:
        return np.zeros(0, np.float32)
    top = -np.sort(-np.nan_to_num(a, nan=0.0), axis=1)[:, :AROUSAL_TOP]
    out: npt.NDArray[np.float32] = np.clip(top.mean(axis=1), 0.0, 1.0).astype(np.float32)
    out[np.isnan(a).any(axis=1)] = np.nan
    return out


def most_active(actions: npt.NDArray[np.floating], count: int) -> list[int]:
    """Indexes of the ``count`` expressive actions with the highest mean over the rows (NaN rows skipped)."""
    a = np.asarray(actions, np.float32)
    seen = ~np.isnan(a).any(axis=1) if a.ndim == 2 else np.zeros(0, bool)
    if a.ndim != 2 or not seen.any():
        return []
    mean = np.where(EXPRESSIVE, a[seen].mean(axis=0), -1.0)
    order = np.argsort(-mean, kind="stable")
    return [int(i) for i in order[:count] if mean[i] >= 0]
