"""Load shipped and fine-tuned weights as data (safetensors), never as code.

Paths are resolved in one place (:func:`lepton_desktop.core.paths.bundled_dir`),
so a checkout, a wheel and a frozen installer all find the same files. A file
that is not one of ours (wrong format, missing or misshapen tensors) fails
with a message saying so.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

import torch
from safetensors import SafetensorError, safe_open
from safetensors.torch import load_file, save

from lepton_desktop.core.errors import LeptonError
from lepton_desktop.core.paths import bundled_dir
from lepton_desktop.vision.ensemble import ExpressionEnsemble
from lepton_desktop.vision.model import EmotionModel, build_cnn
from lepton_desktop.vision.mtcnn import MTCNN
from lepton_desktop.vision.resnet import ExpressionResNet


@dataclass(frozen=True)
class ShippedModel:
    """An expression model that ships in ``models/`` (each one is a model version in every project)."""

    file: str
    name: str
    """The version name projects show."""


RESNET_MODEL = ShippedModel("expression_resnet.safetensors", "Lepton ResNet FER+ v2, class-balanced (shipped default)")
MINIXCEPTION_MODEL = ShippedModel(
    "emotion_minixception.safetensors", "mini-Xception FER2013 (fer 25.10.3) + zero LSTM head"
)
ENSEMBLE_MODEL = ShippedModel("expression_faceapi.safetensors", "Lepton ResNet + face-api.js ensemble")
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


class WeightsError(LeptonError):
    """A weights file is missing, damaged, or not a Lepton model."""


def bundled_weights(name: str) -> Path:
    """Path of a weight file shipped in ``models/``."""
    try:
        path = bundled_dir("models") / name
    except FileNotFoundError as exc:
        raise WeightsError(str(exc)) from None
    if not path.is_file():
        raise WeightsError(f"The model file {name} is missing from {path.parent}; reinstall Lepton Desktop.")
    return path


def file_sha256(path: Path) -> str:
    """SHA-256 of a file's bytes (model versions are keyed by it)."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _read(path: Path) -> tuple[dict[str, torch.Tensor], dict[str, str]]:
    if not path.is_file():
        raise WeightsError(f"{path}: no such model file.")
    try:
        with safe_open(str(path), framework="pt") as handle:
            metadata = dict(handle.metadata() or {})
        return load_file(str(path)), metadata
    except (SafetensorError, OSError, ValueError) as exc:
        raise WeightsError(f"{path} is not a Lepton model file (not readable as safetensors: {exc}).") from None


def load_emotion_model(path: Path | None = None) -> EmotionModel:
    """The CNN-LSTM from ``path`` (a fine-tuned version) or a shipped CNN with a zero temporal head.

    Without ``path``: the default shipped model.
    """
    source = path or bundled_weights(EMOTION_WEIGHTS)
    tensors, metadata = _read(source)
    kind = metadata.get("format")
    try:
        if kind == CNN_FORMAT:
            model = EmotionModel(build_cnn("minixception"))
            model.cnn.load_state_dict(tensors, strict=True)
        elif kind == RESNET_FORMAT:
            model = EmotionModel(build_cnn(ExpressionResNet.ARCH, metadata.get("widths")))
            model.cnn.load_state_dict(tensors, strict=True)
        elif kind == FACEAPI_FORMAT:
            model = EmotionModel(_ensemble(source, tensors, metadata))
        elif kind == CNN_LSTM_FORMAT:
            arch = metadata.get("arch", "minixception")
            model = EmotionModel(build_cnn(arch, metadata.get("widths"), metadata.get("faceapi_weight")))
            model.load_state_dict(tensors, strict=True)
        else:
            raise WeightsError(f"{source} is not a Lepton expression model (format {kind!r}).")
    except (RuntimeError, ValueError) as exc:
        raise WeightsError(f"{source} does not fit the expression model: {str(exc).splitlines()[0]}") from None
    return model.eval()


def _ensemble(source: Path, tensors: dict[str, torch.Tensor], metadata: dict[str, str]) -> ExpressionEnsemble:
    """face-api's net from ``source`` and the ResNet its metadata names, as one CNN.

    The ResNet is looked for beside ``source``, then among the shipped weights (a batch worker
    gets ``source`` alone, as a copy in a temporary folder); either must have the recorded SHA-256.
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
    base_tensors, base_metadata = _read(base)
    cnn = build_cnn(ExpressionEnsemble.ARCH, base_metadata.get("widths"), metadata.get("faceapi_weight"))
    cnn.load_state_dict({**base_tensors, **{f"faceapi.{k}": v for k, v in tensors.items()}}, strict=True)
    return cnn  # type: ignore[return-value]


def cnn_metadata(model: EmotionModel) -> dict[str, str]:
    """What a weights file must say to rebuild ``model``'s CNN."""
    cnn = model.cnn
    if isinstance(cnn, ExpressionEnsemble):
        widths = ",".join(str(w) for w in cnn.widths)
        return {"arch": cnn.ARCH, "widths": widths, "faceapi_weight": repr(cnn.faceapi_weight)}
    if isinstance(cnn, ExpressionResNet):
        return {"arch": ExpressionResNet.ARCH, "widths": ",".join(str(w) for w in cnn.widths)}
    return {"arch": "minixception"}


def save_emotion_model(model: EmotionModel, path: Path, **metadata: str) -> str:
    """Write a full CNN-LSTM as safetensors (atomically); return its SHA-256."""
    tmp = path.with_name(path.name + ".part")
    tensors = {k: v.detach().cpu().contiguous() for k, v in model.state_dict().items()}
    blob = canonical_safetensors(save(tensors, metadata={"format": CNN_LSTM_FORMAT, **cnn_metadata(model), **metadata}))
    with tmp.open("wb") as handle:
        handle.write(blob)
    tmp.replace(path)
    return hashlib.sha256(blob).hexdigest()


def canonical_safetensors(blob: bytes) -> bytes:
    """The same file with its JSON header's keys sorted: equal weights give equal bytes (and one version id).

    The safetensors writer orders the metadata keys as a hash map does, differently from run to run.
    """
    size = int.from_bytes(blob[:8], "little")
    header = json.loads(blob[8 : 8 + size])
    text = json.dumps(header, sort_keys=True, separators=(",", ":")).encode()
    text += b" " * (-len(text) % 8)
    return len(text).to_bytes(8, "little") + text + blob[8 + size :]


def load_detector(path: Path | None = None) -> MTCNN:
    """The MTCNN face detector."""
    source = path or bundled_weights(DETECTOR_WEIGHTS)
    tensors, metadata = _read(source)
    if metadata.get("format") != "lepton-mtcnn-v1":
        raise WeightsError(f"{source} is not a Lepton face-detector file.")
    detector = MTCNN()
    try:
        detector.load_state_dict(tensors, strict=True)
    except RuntimeError as exc:
        raise WeightsError(f"{source} does not fit the face detector: {str(exc).splitlines()[0]}") from None
    return detector.eval()
