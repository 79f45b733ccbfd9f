"""Where the weight files are and what they say, without PyTorch.

The names of the shipped models, their formats, and reading a file's tensors as NumPy arrays:
what CPU analysis through ONNX Runtime needs (:mod:`lepton_desktop.vision.graphs`), so that it
never imports torch. :mod:`lepton_desktop.vision.weights` builds PyTorch modules on top of this.
"""

from __future__ import annotations

import contextlib
import hashlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from safetensors import SafetensorError, safe_open

from lepton_desktop.core.errors import LeptonError
from lepton_desktop.core.paths import bundled_dir, bundled_file


@dataclass(frozen=True)
class ShippedModel:
    """An expression model that ships in ``models/`` (each one is a model version in every project)."""

    file: str
    name: str
    """The version name projects show."""


RESNET_MODEL = ShippedModel(
    "expression_resnet.safetensors", "Lepton ResNet FER+ v3, distilled, mirror-read (shipped default)"
)
MINIXCEPTION_MODEL = ShippedModel(
    "emotion_minixception.safetensors", "mini-Xception FER2013 (fer 25.10.3) + zero LSTM head"
)
ENSEMBLE_MODEL = ShippedModel("expression_faceapi.safetensors", "Lepton ResNet v3 + face-api.js ensemble, mirror-read")
SHIPPED_MODELS = (RESNET_MODEL, ENSEMBLE_MODEL, MINIXCEPTION_MODEL)
DEFAULT_MODEL = RESNET_MODEL
EMOTION_WEIGHTS = DEFAULT_MODEL.file
DETECTOR_WEIGHTS = "face_mtcnn.safetensors"
CNN_LSTM_FORMAT = "lepton-cnn-lstm-v1"
"""A whole CNN-LSTM (fine-tuned versions); metadata ``arch`` names the CNN (none: mini-Xception)."""
CNN_FORMAT = "lepton-minixception-v1"
RESNET_FORMAT = "lepton-resnet-v1"
"""CNN-only files: the temporal head starts as the identity."""
FACEAPI_FORMAT = "lepton-faceapi-v1"
"""face-api.js's expression net, blended with the ResNet file its metadata names (``base``, ``base_sha256``)."""


def reads_mirrored(metadata: dict[str, str]) -> bool:
    """Whether a weights file's CNN reads each face mirrored too (``"mirror": "1"``; ``ExpressionResNet.mirror``)."""
    return metadata.get("mirror") == "1"


class WeightsError(LeptonError):
    """A weights file is missing, damaged, or not a Lepton model."""


def bundled_weights(name: str) -> Path:
    """Path of a weight file shipped in ``models/``."""
    try:
        return bundled_file("models", name, "The model file")
    except FileNotFoundError as exc:
        raise WeightsError(str(exc)) from None


def file_sha256(path: Path) -> str:
    """SHA-256 of a file's bytes (model versions are keyed by it)."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def read_metadata(path: Path) -> dict[str, str]:
    """A weight file's metadata (its format, architecture...), without reading its tensors."""
    if not path.is_file():
        raise WeightsError(f"{path}: no such model file.")
    try:
        with safe_open(str(path), framework="numpy") as handle:
            return dict(handle.metadata() or {})
    except (SafetensorError, OSError, ValueError) as exc:
        raise WeightsError(f"{path} is not a Lepton model file (not readable as safetensors: {exc}).") from None


def read_arrays(path: Path) -> tuple[dict[str, np.ndarray], dict[str, str]]:
    """A weight file's tensors as NumPy arrays, and its metadata."""
    metadata = read_metadata(path)
    try:
        with safe_open(str(path), framework="numpy") as handle:
            return {key: handle.get_tensor(key) for key in handle.keys()}, metadata  # noqa: SIM118
    except (SafetensorError, OSError, ValueError) as exc:
        raise WeightsError(f"{path} is not a Lepton model file (not readable as safetensors: {exc}).") from None


def ensemble_base(source: Path, metadata: dict[str, str]) -> Path:
    """The ResNet file an ensemble file (``FACEAPI_FORMAT``) blends with.

    Looked for beside ``source``, then among the shipped weights (a batch worker gets ``source``
    alone, as a copy in a temporary folder); either must have the recorded SHA-256.
    """
    name, sha = metadata.get("base"), metadata.get("base_sha256")
    if not name or not sha:
        raise WeightsError(f"{source} does not name the ResNet its ensemble blends with; it is not a Lepton model.")
    candidates = [source.parent / name]
    with contextlib.suppress(FileNotFoundError):  # no shipped folder: only the file's own folder
        candidates.append(bundled_dir("models") / name)
    base = next((c for c in candidates if c.is_file() and file_sha256(c) == sha), None)
    if base is None:
        if not any(c.is_file() for c in candidates):
            missing = f"{source} blends face-api.js's net with {name}, which is missing"
            raise WeightsError(f"{missing}; reinstall Lepton Desktop.")
        raise WeightsError(
            f"{source} blends face-api.js's net with {name}, but that file is not the one it was made with "
            "(another SHA-256); reinstall Lepton Desktop."
        )
    return base
