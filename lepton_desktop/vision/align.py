"""Face alignment: rotate by the eye line, crop with a margin, resize to the model's input.

The same function serves inference and dataset export, so training crops and
inference crops can never drift apart.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np
import numpy.typing as npt

MODEL_INPUT = 64
"""Side of the gray crops every expression CNN reads (both shipped CNNs take 64x64)."""

MARGIN = 0.95
"""Crop side relative to the detector's box side. Measured by ``bench/crop.py``: validation faces put
through the detector and this aligner score as the direct training crops do at 0.95 (accuracy
x0.995), and worse with more margin (1.15: x0.970, 1.3: x0.914) or less (0.8: x0.966)."""


@dataclass(frozen=True)
class FaceGeometry:
    """Where a face is: box (x1, y1, x2, y2) and five landmarks (eyes, nose, mouth corners)."""

    box: npt.NDArray[np.float32]
    landmarks: npt.NDArray[np.float32]

    def interpolate(self, other: FaceGeometry, t: float) -> FaceGeometry:
        """The geometry a fraction ``t`` of the way from this one to ``other``."""
        return FaceGeometry(
            (self.box * (1 - t) + other.box * t).astype(np.float32),
            (self.landmarks * (1 - t) + other.landmarks * t).astype(np.float32),
        )


def alignment_matrix(face: FaceGeometry, size: int, margin: float = MARGIN) -> npt.NDArray[np.float64]:
    """The 2x3 affine map from image pixels to a ``size`` x ``size`` aligned crop."""
    eyes = face.landmarks[:2]
    left, right = (eyes[0], eyes[1]) if eyes[0][0] <= eyes[1][0] else (eyes[1], eyes[0])
    angle = float(np.degrees(np.arctan2(right[1] - left[1], right[0] - left[0])))
    x1, y1, x2, y2 = (float(v) for v in face.box)
    side = max(x2 - x1, y2 - y1) * margin
    eye_mid = (left + right) / 2
    mouth_mid = face.landmarks[3:5].mean(axis=0)
    centre = (eye_mid + mouth_mid) / 2  # the middle of the face, robust to box jitter
    scale = size / max(side, 1.0)
    matrix = cv2.getRotationMatrix2D((float(centre[0]), float(centre[1])), angle, scale)
    matrix[0, 2] += size / 2 - centre[0]
    matrix[1, 2] += size / 2 - centre[1]
    return np.asarray(matrix, dtype=np.float64)


def aligned_crop(
    image: npt.NDArray[np.uint8], face: FaceGeometry, size: int, margin: float = MARGIN
) -> npt.NDArray[np.uint8]:
    """An upright ``size`` x ``size`` crop of ``face`` (same channels as ``image``; borders replicated)."""
    matrix = alignment_matrix(face, size, margin)
    return cv2.warpAffine(image, matrix, (size, size), flags=cv2.INTER_AREA, borderMode=cv2.BORDER_REPLICATE)  # type: ignore[return-value]


def to_gray(image: npt.NDArray[np.uint8]) -> npt.NDArray[np.uint8]:
    """RGB to 8-bit luma (the expression model sees grayscale)."""
    return cv2.cvtColor(image, cv2.COLOR_RGB2GRAY)  # type: ignore[return-value]


def model_input(crops: npt.NDArray[np.uint8]) -> npt.NDArray[np.float32]:
    """Gray crops (N, 64, 64) uint8 -> (N, 1, 64, 64) float in [-1, 1], as the original was trained."""
    return (crops.astype(np.float32)[:, None] / 127.5 - 1.0).astype(np.float32)
