"""Loaded models, shared between analyses in one process (loading is the slow part)."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path

import torch

from lepton_desktop.vision.device import describe, pick_device, place
from lepton_desktop.vision.model import EmotionModel
from lepton_desktop.vision.mtcnn import MTCNN
from lepton_desktop.vision.weights import (
    EMOTION_WEIGHTS,
    bundled_weights,
    file_sha256,
    load_detector,
    load_emotion_model,
)


@dataclass(frozen=True)
class Engine:
    """A model and a detector on one device, and where the model came from."""

    model: EmotionModel
    detector: MTCNN
    device: torch.device
    weights_path: Path
    weights_sha256: str

    @property
    def device_name(self) -> str:
        """``CPU``, ``CUDA (...)``: for status bars and reports."""
        return describe(self.device)


_cache: dict[tuple[str, str], Engine] = {}
_lock = threading.Lock()


def get_engine(device: str = "auto", weights: Path | None = None) -> Engine:
    """The engine for ``device`` with ``weights`` (default: the shipped model), loaded once."""
    dev = pick_device(device)
    path = (weights or bundled_weights(EMOTION_WEIGHTS)).resolve()
    key = (str(dev), str(path))
    with _lock:
        engine = _cache.get(key)
        if engine is None:
            model, detector = load_emotion_model(path), load_detector()
            place(model, dev)
            place(detector, dev)
            engine = Engine(model, detector, dev, path, file_sha256(path))
            _cache[key] = engine
        return engine
