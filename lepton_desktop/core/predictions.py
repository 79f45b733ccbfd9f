"""Per-frame model output for one track, held as column arrays."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from lepton_desktop.core.actions import ACTION_NAMES
from lepton_desktop.core.emotions import EMOTIONS


@dataclass(frozen=True, eq=False)
class TrackPredictions:
    """Rows ``i`` describe frame ``frames[i]``: a face box and seven probabilities.

    ``boxes`` are ``x, y, w, h`` in displayed-frame pixels; ``probs`` rows sum
    to 1 in the order of :data:`~lepton_desktop.core.emotions.EMOTIONS`.
    """

    frames: npt.NDArray[np.int32]
    boxes: npt.NDArray[np.float32]
    probs: npt.NDArray[np.float32]
    landmarks: npt.NDArray[np.float32] | None = None
    """(n, 5, 2) eye, nose and mouth-corner points in displayed-frame pixels, where stored
    (runs before schema 0003 have none); export aligns crops with them exactly as inference did."""
    actions: npt.NDArray[np.float32] | None = None
    """(n, 52) facial action coefficients in :data:`~lepton_desktop.core.actions.ACTION_NAMES` order, NaN
    where no face was found in the crop; None for runs analysed without actions (and before schema 0005)."""

    def __post_init__(self) -> None:
        n = self.frames.shape[0]
        if self.frames.ndim != 1:
            raise ValueError("frames must be one-dimensional")
        if self.boxes.shape != (n, 4):
            raise ValueError(f"boxes must have shape ({n}, 4), got {self.boxes.shape}")
        if self.probs.shape != (n, len(EMOTIONS)):
            raise ValueError(f"probs must have shape ({n}, {len(EMOTIONS)}), got {self.probs.shape}")
        if self.landmarks is not None and self.landmarks.shape != (n, 5, 2):
            raise ValueError(f"landmarks must have shape ({n}, 5, 2), got {self.landmarks.shape}")
        if self.actions is not None and self.actions.shape != (n, len(ACTION_NAMES)):
            raise ValueError(f"actions must have shape ({n}, {len(ACTION_NAMES)}), got {self.actions.shape}")

    def __len__(self) -> int:
        return int(self.frames.shape[0])

    def dense_probs(self, frame_count: int) -> npt.NDArray[np.float32]:
        """(frame_count, 7) probabilities, NaN rows where the person is not seen."""
        probs = np.full((frame_count, len(EMOTIONS)), np.nan, np.float32)
        keep = (self.frames >= 0) & (self.frames < frame_count)
        probs[self.frames[keep]] = self.probs[keep]
        return probs

    @classmethod
    def empty(cls) -> TrackPredictions:
        """No rows."""
        return cls(np.zeros(0, np.int32), np.zeros((0, 4), np.float32), np.zeros((0, len(EMOTIONS)), np.float32))

    @classmethod
    def concat(cls, parts: list[TrackPredictions]) -> TrackPredictions:
        """Join blocks in order."""
        if not parts:
            return cls.empty()
        marks = [p.landmarks for p in parts]
        actions = [p.actions for p in parts]
        return cls(
            np.concatenate([p.frames for p in parts]).astype(np.int32, copy=False),
            np.concatenate([p.boxes for p in parts]).astype(np.float32, copy=False),
            np.concatenate([p.probs for p in parts]).astype(np.float32, copy=False),
            None if any(m is None for m in marks) else np.concatenate(marks).astype(np.float32, copy=False),  # type: ignore[arg-type]
            None if any(a is None for a in actions) else np.concatenate(actions).astype(np.float32, copy=False),  # type: ignore[arg-type]
        )
