"""The int8 reading of the shipped ResNet, for CPU analysis through ONNX Runtime.

``models/quantize_resnet.py`` writes a QDQ graph (``models/graphs/resnet-s-int8.onnx``, structure
only) and its values (``expression_resnet.int8.safetensors``, beside the float file), recording the
SHA-256 of the float CNN they were made from. A weight file's CNN runs in int8 only when such a
file, beside it or shipped, was made from exactly that CNN, and its temporal head still adds
nothing (``OrtNetworks``); anything else (a fine-tuned version: its head learnt on float32
embeddings, and its CNN usually learnt on too; a retrained file not yet quantised; a damaged int8
file) runs in float32 as before. Int8 reads the validation faces as float32 does (``bench/model.py``) at about a
third of the CNN's cost.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
from collections.abc import Mapping
from pathlib import Path

import numpy as np

from lepton_desktop.core.paths import bundled_dir
from lepton_desktop.vision.weight_files import WeightsError, read_arrays, read_metadata

log = logging.getLogger(__name__)

INT8_GRAPH = "resnet-s-int8"
INT8_FORMAT = "lepton-int8-v1"
FLOAT_GRAPH = "resnet-s"
"""The float graph whose networks have an int8 reading."""


SUFFIX = ".int8.safetensors"


def companion(weights: Path) -> Path:
    """Where the int8 values of ``weights`` would be: ``name.int8.safetensors`` beside it."""
    return weights.with_name(f"{weights.stem}{SUFFIX}")


def cnn_digest(cnn: Mapping[str, np.ndarray]) -> str:
    """SHA-256 over a CNN's tensors (names, types, shapes, values), whatever file holds them.

    Step counters (integers) are left out: they do not change what the network computes.
    """
    digest = hashlib.sha256()
    for name in sorted(cnn):
        value = np.ascontiguousarray(cnn[name])
        if value.dtype.kind != "f":
            continue
        digest.update(f"{name}|{value.dtype.str}|{value.shape}".encode())
        digest.update(value.tobytes())
    return digest.hexdigest()


def int8_values(weights: Path, graph: str, cnn: Mapping[str, np.ndarray]) -> dict[str, np.ndarray] | None:
    """The int8 graph's values for this CNN, or None when it has none (it runs in float32 then).

    Looked for beside ``weights``, then among the shipped weights: a batch worker gets the weights
    alone, as a file named by its hash, and the app's own int8 values serve when the CNN is the same.
    """
    if graph != FLOAT_GRAPH:
        return None
    digest = ""
    for path in _candidates(weights):
        try:
            metadata = read_metadata(path)
            if metadata.get("format") != INT8_FORMAT:
                continue
            digest = digest or cnn_digest(cnn)
            if metadata.get("cnn_sha256") == digest:
                return read_arrays(path)[0]
        except WeightsError as exc:
            log.warning("%s is not readable, so it is passed over: %s", path.name, exc)
    log.info("no int8 values were made from the CNN of %s; it runs in float32", weights.name)
    return None


def _candidates(weights: Path) -> list[Path]:
    found = [companion(weights)]
    with contextlib.suppress(FileNotFoundError):  # no shipped folder: only the file's own folder
        found += sorted(bundled_dir("models").glob(f"*{SUFFIX}"))
    unique = {p.resolve(): p for p in found if p.is_file()}
    return list(unique.values())
