"""Load shipped and fine-tuned weights as data (safetensors), never as code.

Paths are resolved in one place (:func:`lepton_desktop.core.paths.bundled_dir`),
so a checkout, a wheel and a frozen installer all find the same files. A file
that is not one of ours (wrong format, missing or misshapen tensors) fails
with a message saying so.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import torch
from safetensors import SafetensorError
from safetensors.torch import load_file, save

from lepton_desktop.vision.ensemble import ExpressionEnsemble
from lepton_desktop.vision.model import EmotionModel, build_cnn
from lepton_desktop.vision.mtcnn import MTCNN
from lepton_desktop.vision.resnet import ExpressionResNet
from lepton_desktop.vision.weight_files import (  # noqa: F401  (the names other modules import from here)
    CNN_FORMAT,
    CNN_LSTM_FORMAT,
    DEFAULT_MODEL,
    DETECTOR_WEIGHTS,
    EMOTION_WEIGHTS,
    ENSEMBLE_MODEL,
    FACEAPI_FORMAT,
    MINIXCEPTION_MODEL,
    RESNET_FORMAT,
    RESNET_MODEL,
    SHIPPED_MODELS,
    ShippedModel,
    WeightsError,
    bundled_weights,
    ensemble_base,
    file_sha256,
    read_metadata,
    reads_mirrored,
)


def _read(path: Path) -> tuple[dict[str, torch.Tensor], dict[str, str]]:
    metadata = read_metadata(path)
    try:
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
            model.cnn.mirror = reads_mirrored(metadata)
        elif kind == FACEAPI_FORMAT:
            model = EmotionModel(_ensemble(source, tensors, metadata))
        elif kind == CNN_LSTM_FORMAT:
            arch = metadata.get("arch", "minixception")
            model = EmotionModel(build_cnn(arch, metadata.get("widths"), metadata.get("faceapi_weight")))
            model.load_state_dict(tensors, strict=True)
            if isinstance(model.cnn, ExpressionResNet):
                model.cnn.mirror = reads_mirrored(metadata)
        else:
            raise WeightsError(f"{source} is not a Lepton expression model (format {kind!r}).")
    except (RuntimeError, ValueError) as exc:
        raise WeightsError(f"{source} does not fit the expression model: {str(exc).splitlines()[0]}") from None
    return model.eval()


def _ensemble(source: Path, tensors: dict[str, torch.Tensor], metadata: dict[str, str]) -> ExpressionEnsemble:
    """face-api's net from ``source`` and the ResNet its metadata names (:func:`ensemble_base`), as one CNN."""
    base = ensemble_base(source, metadata)
    base_tensors, base_metadata = _read(base)
    cnn = build_cnn(ExpressionEnsemble.ARCH, base_metadata.get("widths"), metadata.get("faceapi_weight"))
    cnn.load_state_dict({**base_tensors, **{f"faceapi.{k}": v for k, v in tensors.items()}}, strict=True)
    cnn.mirror = reads_mirrored({**base_metadata, **metadata})  # as ort_networks.expression_graph merges them
    return cnn  # type: ignore[return-value]


def cnn_metadata(model: EmotionModel) -> dict[str, str]:
    """What a weights file must say to rebuild ``model``'s CNN."""
    cnn = model.cnn
    if isinstance(cnn, ExpressionEnsemble):
        widths = ",".join(str(w) for w in cnn.widths)
        return {"arch": cnn.ARCH, "widths": widths, "faceapi_weight": repr(cnn.faceapi_weight), **_mirror(cnn)}
    if isinstance(cnn, ExpressionResNet):
        return {"arch": ExpressionResNet.ARCH, "widths": ",".join(str(w) for w in cnn.widths), **_mirror(cnn)}
    return {"arch": "minixception"}


def _mirror(cnn: ExpressionResNet) -> dict[str, str]:
    return {"mirror": "1"} if cnn.mirror else {}


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
