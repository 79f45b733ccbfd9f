"""ONNX Runtime sessions from the shipped graphs and the safetensors weights.

A graph in ``models/graphs/`` (written by ``models/export_graphs.py``) holds a network's structure
with every parameter *external*: name, shape and type, no values. A session is made by handing
ONNX Runtime the values from a weight file, by name (``add_external_initializers``); ONNX Runtime
refuses a missing name or a different shape or type, so a file that does not fit the graph
(a ResNet of other widths, say) is told apart from one that does, and the caller falls back to
PyTorch. Nothing here imports torch.
"""

from __future__ import annotations

import logging
import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from lepton_desktop.core.errors import LeptonError
from lepton_desktop.core.paths import bundled_file

log = logging.getLogger(__name__)


class GraphError(LeptonError):
    """A graph is missing, or the weights do not fit it."""


def onnxruntime() -> Any:
    """The ``onnxruntime`` module, imported with Microsoft's telemetry switched off.

    ONNX Runtime's PyPI builds start a telemetry client when imported: it writes a device id and an
    event queue to ``~/.cache/Microsoft/DeveloperTools/.onnxruntime`` and tries to send them. Lepton
    Desktop works offline and writes only to its own folders, so ``ORT_DISABLE_TELEMETRY=1`` is set
    before the import, always (``tests/vision/test_graphs.py`` checks nothing is written).
    """
    os.environ["ORT_DISABLE_TELEMETRY"] = "1"
    import onnxruntime as ort

    ort.disable_telemetry_events()  # the Windows event tracing, which the variable does not reach
    return ort


def runtime_available() -> bool:
    """Whether ONNX Runtime can be imported here."""
    try:
        onnxruntime()
    except ImportError:
        return False
    return True


def graph_path(name: str) -> Path:
    """The shipped graph ``name`` (``pnet``, ``resnet-s``...)."""
    try:
        return bundled_file("models", f"graphs/{name}.onnx", "The network graph")
    except FileNotFoundError as exc:
        raise GraphError(str(exc)) from None


def session(name: str, weights: Mapping[str, np.ndarray], threads: int | None = None) -> Any:
    """An inference session of graph ``name`` with ``weights`` (parameter name -> array) filled in.

    ``threads``: the session's math threads (None: ``OMP_NUM_THREADS`` where set, as Ray sets it
    to a task's CPUs and PyTorch obeys it; else ONNX Runtime's choice, one per physical core). The
    threads sleep when idle rather than spin, so the decoding thread keeps its core.
    """
    ort = onnxruntime()
    options = ort.SessionOptions()
    options.intra_op_num_threads = threads or _threads_asked()
    options.inter_op_num_threads = 1
    options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    options.add_session_config_entry("session.intra_op.allow_spinning", "0")
    options.log_severity_level = 3
    names = [n for n, v in weights.items() if v.dtype.kind == "f" or v.dtype in QUANTISED]  # not step counters
    values = [ort.OrtValue.ortvalue_from_numpy(_as_given(weights[n])) for n in names]
    options.add_external_initializers(names, values)
    try:
        return ort.InferenceSession(str(graph_path(name)), options, providers=["CPUExecutionProvider"])
    except Exception as exc:  # onnxruntime raises its own exception types for a mismatch
        raise GraphError(f"the weights do not fit the {name} graph: {_plain(str(exc))}") from None


QUANTISED = (np.dtype(np.int8), np.dtype(np.uint8), np.dtype(np.int32))
"""Integer types of an int8 graph's values (weights, zero points, biases); floats are float32."""


def _as_given(value: np.ndarray) -> np.ndarray:
    """``value`` in its own integer type or float32, C-ordered; a 0-d scale stays 0-d."""
    return np.asarray(value, value.dtype if value.dtype in QUANTISED else np.float32, order="C")


def _plain(message: str) -> str:
    """ONNX Runtime's complaint about the weights, in a few words."""
    missing = re.search(r"initializer: ([^.\s]+(?:\.[^.\s]+)*)\. Error", message)
    if missing or "External data path does not exist" in message:
        return f"they have no {missing.group(1) if missing else 'value for a parameter'}"
    unknown = re.search(r"initializer with name (\S+?)\.?$", message.splitlines()[0] if message else "")
    if unknown:
        return f"it has no parameter {unknown.group(1)}"
    if "dimensions do not match" in message:
        return "a parameter has another shape"
    if "data type" in message.lower() or "type mismatch" in message.lower():
        return "a parameter has another number type"
    return message.splitlines()[0] if message else "unknown reason"


def _threads_asked() -> int:
    """``OMP_NUM_THREADS`` when it is a positive number, else 0 (ONNX Runtime decides)."""
    value = os.environ.get("OMP_NUM_THREADS", "").strip()
    return int(value) if value.isdigit() and int(value) > 0 else 0
