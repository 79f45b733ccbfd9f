"""Facial actions: MediaPipe's Face Landmarker (52 blendshapes) run on *our* tracked face crop.

Tracking stays ours: the landmarker sees a square colour crop around the tracked box
(:func:`face_crop`), not the whole frame. If it finds no face in the crop, that row's
coefficients are NaN. The model ships as ``models/face_landmarker.task`` (card beside it) and
runs with the ``mediapipe`` wheel, imported only when actions are asked for.
"""

from __future__ import annotations

import contextlib
import logging
import os
import sys
import threading
from collections.abc import Iterator, Sequence
from pathlib import Path
from types import TracebackType
from typing import Any

import cv2
import numpy as np
import numpy.typing as npt

from lepton_desktop.core.actions import ACTION_NAMES
from lepton_desktop.core.errors import LeptonError
from lepton_desktop.core.paths import bundled_file

log = logging.getLogger(__name__)

ACTION_MODEL = "face_landmarker.task"
CROP_MARGIN = 1.5
"""Crop side relative to the tracked box's longer side: room for the landmarker's own face detector
(measured by ``bench/actions.py --margins``: the detector finds the face in the most crops here)."""
CROP_SIZE = 256
"""Crop side in pixels (the landmarker works at 192 px internally)."""
MIN_FACE_CONFIDENCE = 0.3
"""The landmarker's face-detection threshold: low, because the crop already is a face."""


class ActionsUnavailableError(LeptonError):
    """Facial actions cannot run here (the mediapipe package or the model file is missing)."""


def action_model_path() -> Path:
    """Where the shipped Face Landmarker model is."""
    try:
        return bundled_file("models", ACTION_MODEL, "The facial-action model")
    except FileNotFoundError as exc:
        raise ActionsUnavailableError(str(exc)) from None


def face_crop(
    rgb: npt.NDArray[np.uint8], box: npt.NDArray[np.floating], margin: float = CROP_MARGIN, size: int = CROP_SIZE
) -> npt.NDArray[np.uint8]:
    """A ``size`` x ``size`` RGB crop centred on ``box`` (x1, y1, x2, y2), side ``margin`` x its longer side."""
    x1, y1, x2, y2 = (float(v) for v in box)
    side = max(x2 - x1, y2 - y1, 1.0) * margin
    scale = size / side
    cx, cy = (x1 + x2) / 2, (y1 + y2) / 2
    matrix = np.array([[scale, 0.0, size / 2 - cx * scale], [0.0, scale, size / 2 - cy * scale]])
    return cv2.warpAffine(rgb, matrix, (size, size), flags=cv2.INTER_AREA, borderMode=cv2.BORDER_CONSTANT)  # type: ignore[return-value]


_STDERR_LOCK = threading.Lock()


@contextlib.contextmanager
def _quiet_stderr() -> Iterator[None]:
    """Silence file descriptor 2 (C++ logging bypasses Python) for the duration; restored afterwards.

    One thread at a time (the descriptor is the process's): a second waits, so stderr always comes back.
    """
    with _STDERR_LOCK:
        if sys.stderr is None:  # a windowed app on Windows: there is nothing to silence
            yield
            return
        try:
            sys.stderr.flush()
            saved = os.dup(2)
        except (OSError, ValueError, AttributeError):  # no usable stderr: nothing to silence
            yield
            return
        yield from _silenced(saved)


def _silenced(saved: int) -> Iterator[None]:
    try:
        with open(os.devnull, "wb") as null:
            os.dup2(null.fileno(), 2)
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)


class ActionReader:
    """The Face Landmarker in still-image mode: crops in, (n, 52) coefficients out (NaN: no face found).

    Not thread-safe: one reader per analysis (or per explanation worker). Close it, or use ``with``.
    """

    def __init__(self, model: Path | None = None) -> None:
        try:
            import mediapipe as mp
            from mediapipe.tasks.python.core import base_options
            from mediapipe.tasks.python.vision import face_landmarker
        except ImportError as exc:
            raise ActionsUnavailableError(
                f"Facial actions need the mediapipe package ({exc}); install it with "
                "`pip install --no-deps mediapipe==1.2.2 absl-py flatbuffers certifi`."
            ) from None
        path = model or action_model_path()
        options = face_landmarker.FaceLandmarkerOptions(
            base_options=base_options.BaseOptions(model_asset_buffer=path.read_bytes()),
            num_faces=1,
            min_face_detection_confidence=MIN_FACE_CONFIDENCE,
            output_face_blendshapes=True,
        )
        self._mp: Any = mp
        self._index = {name: i for i, name in enumerate(ACTION_NAMES)}
        with _quiet_stderr():  # its C++ side logs set-up chatter to stderr (the CLI keeps stderr for messages)
            self._landmarker: Any = face_landmarker.FaceLandmarker.create_from_options(options)
            self.read([np.zeros((64, 64, 3), np.uint8)])  # the first inference logs too

    def read(self, crops: Sequence[npt.NDArray[np.uint8]]) -> npt.NDArray[np.float32]:
        """RGB crops -> (n, 52) coefficients in :data:`ACTION_NAMES` order; NaN rows where no face was found."""
        out = np.full((len(crops), len(ACTION_NAMES)), np.nan, np.float32)
        for row, crop in enumerate(crops):
            image = self._mp.Image(image_format=self._mp.ImageFormat.SRGB, data=np.ascontiguousarray(crop))
            result = self._landmarker.detect(image)
            if not result.face_blendshapes:
                continue
            for category in result.face_blendshapes[0]:
                k = self._index.get(category.category_name)
                if k is not None:
                    out[row, k] = category.score
        return out

    def close(self) -> None:
        """Free the landmarker (its graph and threads)."""
        if self._landmarker is not None:
            self._landmarker.close()
            self._landmarker = None

    def __enter__(self) -> ActionReader:
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        self.close()
