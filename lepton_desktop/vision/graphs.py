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
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from lepton_desktop.core.errors import LeptonError
from lepton_desktop.core.paths import bundled_dir

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
        path = bundled_dir("models") / "graphs" / f"{name}.onnx"
    except FileNotFoundError as exc:
        raise GraphError(str(exc)) from None
    if not path.is_file():
        raise GraphError(f"The network graph {path.name} is missing from {path.parent}; reinstall Lepton Desktop.")
    return path


def session(name: str, weights: Mapping[str, np.ndarray], threads: int | None = None) -> Any:
    """An inference session of graph ``name`` with ``weights`` (parameter name -> array) filled in.

    ``threads``: the session's math threads (None: one per core, as PyTorch does). The threads
    sleep when idle rather than spin, so the decoding thread keeps its core.
    """
    ort = onnxruntime()
    options = ort.SessionOptions()
    options.intra_op_num_threads = threads or _cores()
    options.inter_op_num_threads = 1
    options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    options.add_session_config_entry("session.intra_op.allow_spinning", "0")
    options.log_severity_level = 3
    names = [n for n, v in weights.items() if v.dtype.kind == "f"]  # not BatchNorm's step counters
    values = [ort.OrtValue.ortvalue_from_numpy(np.ascontiguousarray(weights[n], np.float32)) for n in names]
    options.add_external_initializers(names, values)
    try:
        return ort.InferenceSession(str(graph_path(name)), options, providers=["CPUExecutionProvider"])
    except Exception as exc:  # onnxruntime raises its own exception types for a mismatch
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise GraphError(f"the weights do not fit the {name} graph: {first}") from None


def _cores() -> int:
    count = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return max(1, count or 1)
