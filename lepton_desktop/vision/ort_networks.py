"""The networks through ONNX Runtime on the CPU, without importing torch.

The detector's three networks and the expression CNN run as ONNX Runtime sessions made from the
shipped graphs and the very weight files PyTorch reads (:mod:`lepton_desktop.vision.graphs`); the
temporal head (one small LSTM and a linear layer) runs in NumPy, and not at all while it is still
the identity (every shipped model; fine-tuning is what teaches it). Same outputs as the PyTorch
modules to float rounding (``tests/vision/test_graphs.py``), except where the CNN has an int8
reading (:mod:`lepton_desktop.vision.int8`; the shipped ResNet): that reads faces at about a third
of the float cost and gives the same top emotion on 99% of validation faces
(``tests/vision/test_int8.py``).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from lepton_desktop.vision.cascade import Cascade, Detection
from lepton_desktop.vision.graphs import GraphError, session
from lepton_desktop.vision.int8 import INT8_GRAPH, int8_values
from lepton_desktop.vision.weight_files import (
    CNN_FORMAT,
    CNN_LSTM_FORMAT,
    DETECTOR_WEIGHTS,
    FACEAPI_FORMAT,
    RESNET_FORMAT,
    WeightsError,
    bundled_weights,
    ensemble_base,
    read_arrays,
    reads_mirrored,
)

WINDOW = 32
"""Frames per window of the temporal head's bounded memory (``vision.model.WINDOW``; a test holds them equal)."""

EMBEDDING = 128
"""Width of every expression CNN's embedding, which the temporal head reads (a test holds it to the CNNs')."""

Arrays = dict[str, npt.NDArray[np.float32]]
log = logging.getLogger(__name__)


def expression_graph(path: Path) -> tuple[str, Arrays, Arrays | None, dict[str, str]]:
    """Which graph a weight file runs in, its CNN's parameters, its temporal head's (None: identity), metadata.

    Raises :class:`WeightsError` for a file that is not an expression model, as loading it in
    PyTorch would, and :class:`GraphError` for tensors NumPy cannot hold (bfloat16: PyTorch runs those).
    """
    try:
        tensors, metadata = read_arrays(path)
    except TypeError as exc:
        raise GraphError(f"{path.name} holds tensors NumPy cannot read ({exc})") from None
    kind = metadata.get("format")
    if kind == CNN_FORMAT:
        return "minixception", tensors, None, metadata
    if kind == RESNET_FORMAT:
        return "resnet-s", tensors, None, metadata
    if kind == FACEAPI_FORMAT:
        base, base_metadata = read_arrays(ensemble_base(path, metadata))
        cnn = {**base, **{f"faceapi.{k}": v for k, v in tensors.items()}}
        return "resnet-s+faceapi", cnn, None, {**base_metadata, **metadata}
    if kind == CNN_LSTM_FORMAT:
        arch = metadata.get("arch", "minixception")
        cnn = {k.removeprefix("cnn."): v for k, v in tensors.items() if k.startswith("cnn.")}
        head = {k.removeprefix("temporal."): v for k, v in tensors.items() if k.startswith("temporal.")}
        return arch, cnn, _checked_head(path, head), metadata
    raise WeightsError(f"{path} is not a Lepton expression model (format {kind!r}).")


HEAD_KEYS = ("lstm.weight_ih_l0", "lstm.weight_hh_l0", "lstm.bias_ih_l0", "lstm.bias_hh_l0", "out.weight", "out.bias")


def _checked_head(path: Path, head: Arrays) -> Arrays:
    """The temporal head's arrays as float32, with the shapes an LSTM and its output layer have."""
    if set(head) != set(HEAD_KEYS):
        raise WeightsError(f"{path} does not fit the expression model: its temporal head has other tensors.")
    out = {k: np.asarray(v, np.float32) for k, v in head.items()}
    hidden4, width = out["lstm.weight_ih_l0"].shape if out["lstm.weight_ih_l0"].ndim == 2 else (0, 0)
    hidden = hidden4 // 4
    shapes = {
        "lstm.weight_hh_l0": (hidden4, hidden), "lstm.bias_ih_l0": (hidden4,), "lstm.bias_hh_l0": (hidden4,),
        "out.weight": (out["out.bias"].shape[0] if out["out.bias"].ndim == 1 else -1, hidden),
    }  # fmt: skip
    fits = width == EMBEDDING + out["out.bias"].shape[0]
    if not hidden or hidden * 4 != hidden4 or not fits or any(out[k].shape != s for k, s in shapes.items()):
        raise WeightsError(f"{path} does not fit the expression model: its temporal head has misshapen tensors.")
    return out


@dataclass
class Memory:
    """A track's temporal state between batches (as ``vision.model.TrackMemory``, in NumPy)."""

    seen: int = 0
    older: tuple[np.ndarray, np.ndarray] | None = None
    newer: tuple[np.ndarray, np.ndarray] | None = None


class TemporalHead:
    """The LSTM over [embedding, CNN probabilities] and the linear layer giving residual logits."""

    def __init__(self, head: Arrays) -> None:
        self.w_ih = head["lstm.weight_ih_l0"]
        self.w_hh_t = np.ascontiguousarray(head["lstm.weight_hh_l0"].T)
        self.bias = head["lstm.bias_ih_l0"] + head["lstm.bias_hh_l0"]
        self.out_w, self.out_b = head["out.weight"], head["out.bias"]
        self.hidden = self.w_hh_t.shape[0]
        self.identity = not (self.out_w.any() or self.out_b.any())

    def sequence(
        self, embeddings: npt.NDArray[np.float32], logits: npt.NDArray[np.float32], memory: Memory | None
    ) -> tuple[npt.NDArray[np.float32], Memory]:
        """One track's next chunk -> final logits, in the windows ``EmotionModel.sequence_logits`` uses."""
        memory = memory or Memory()
        if self.identity:
            memory.seen += embeddings.shape[0]
            return logits, memory
        pieces = []
        pos, total = 0, embeddings.shape[0]
        zero = np.zeros((1, self.hidden), np.float32)
        while pos < total:
            offset = memory.seen % WINDOW
            if offset == 0 and memory.seen > 0:
                memory.older, memory.newer = memory.newer, None
            n = min(total - pos, WINDOW - offset)
            older, newer = memory.older or (zero, zero), memory.newer or (zero, zero)
            h, c = np.concatenate([older[0], newer[0]]), np.concatenate([older[1], newer[1]])
            chunk = logits[pos : pos + n]
            x = np.concatenate([embeddings[pos : pos + n], _softmax(chunk)], axis=1)
            inputs = x @ self.w_ih.T + self.bias  # the same frames feed both runs
            outputs = np.empty((n, self.hidden), np.float32)
            for t in range(n):
                gates = inputs[t] + h @ self.w_hh_t
                i, f, g, o = np.split(gates, 4, axis=1)
                c = _sigmoid(f) * c + _sigmoid(i) * np.tanh(g)
                h = _sigmoid(o) * np.tanh(c)
                outputs[t] = h[0]
            pieces.append(chunk + outputs @ self.out_w.T + self.out_b)
            memory.older, memory.newer = (h[:1], c[:1]), (h[1:], c[1:])
            memory.seen += n
            pos += n
        return (np.concatenate(pieces) if pieces else logits).astype(np.float32), memory


class OrtNetworks:
    """MTCNN and the expression CNN as ONNX Runtime sessions; the temporal head in NumPy."""

    device_name = "CPU (ONNX Runtime)"  # as services.engine.device_label says before loading; ", int8" added below
    runtime = "onnx"

    def __init__(self, weights: Path, threads: int | None = None, int8: bool = True) -> None:
        """Raises :class:`GraphError` when the file does not fit a shipped graph (use PyTorch then).

        ``int8``: read faces through the CNN's int8 graph where the file has one (:mod:`.int8`).
        """
        graph, cnn, head, metadata = expression_graph(weights)  # the model's own problems are said first
        self.temporal = TemporalHead(head) if head is not None else None
        learnt = self.temporal is not None and not self.temporal.identity  # it learnt on float embeddings
        quantised = int8_values(weights, graph, cnn) if int8 and not learnt else None
        if quantised is not None:
            try:
                self.cnn = session(INT8_GRAPH, quantised, threads)
            except GraphError as exc:  # an ONNX Runtime without an operator the graph uses, or mismatched files
                log.warning("the CNN runs in float32: %s", exc)
                quantised = None
        if quantised is None:
            self.cnn = session(graph, cnn, threads)
        else:
            self.device_name = "CPU (ONNX Runtime, int8)"
        self.int8 = quantised is not None
        exported = self.cnn.get_modelmeta().custom_metadata_map
        for key in ("widths", "faceapi_weight"):
            if key in metadata and key in exported and float_list(metadata[key]) != float_list(exported[key]):
                raise GraphError(f"{weights.name} has {key} {metadata[key]}, the {graph} graph {exported[key]}")
        self.mirror = graph != "minixception" and reads_mirrored(metadata)  # as ExpressionResNet.mirror
        detector, _ = read_arrays(bundled_weights(DETECTOR_WEIGHTS))
        nets = [session(name, _prefixed(detector, f"{name}."), threads) for name in ("pnet", "rnet", "onet")]
        self.cascade = Cascade(*(_runner(s) for s in nets))

    def detect(self, images: npt.NDArray[np.uint8], min_face: int) -> list[list[Detection]]:
        return self.cascade.detect(images, min_face)

    def classify(
        self, crops: npt.NDArray[np.float32], tracks: Sequence[tuple[npt.NDArray[np.intp], Any]]
    ) -> tuple[npt.NDArray[np.float32], list[Any]]:
        x = np.ascontiguousarray(crops, np.float32)
        if self.mirror:  # each face read as it is and mirrored, the two readings averaged
            n = x.shape[0]
            embeddings, logits = self.cnn.run(None, {"x": np.concatenate([x, x[..., ::-1]])})[:2]
            embeddings, logits = (embeddings[:n] + embeddings[n:]) / 2, (logits[:n] + logits[n:]) / 2
        else:
            embeddings, logits = self.cnn.run(None, {"x": x})[:2]
        if self.temporal is None:  # the identity: the CNN's scores stand, and no track keeps a memory
            return _softmax(logits), [None] * len(tracks)
        final = np.empty_like(logits)
        memories: list[Memory] = []
        for rows, memory in tracks:
            final[rows], memory = self.temporal.sequence(embeddings[rows], logits[rows], memory)
            memories.append(memory)
        return _softmax(final), memories


def float_list(text: str) -> list[float]:
    """``"24,48,96,192"`` or ``"0.2"`` as numbers, so equal values written differently compare equal."""
    return [float(part) for part in text.split(",")]


def _prefixed(arrays: Mapping[str, np.ndarray], prefix: str) -> dict[str, np.ndarray]:
    return {k.removeprefix(prefix): v for k, v in arrays.items() if k.startswith(prefix)}


def _runner(sess: Any) -> Any:
    return lambda x: sess.run(None, {"x": x})


def _softmax(x: npt.NDArray[np.float32]) -> npt.NDArray[np.float32]:
    e = np.exp(x - x.max(axis=1, keepdims=True))
    return (e / e.sum(axis=1, keepdims=True)).astype(np.float32)  # type: ignore[no-any-return]


def _sigmoid(x: npt.NDArray[np.float32]) -> npt.NDArray[np.float32]:
    return (1.0 / (1.0 + np.exp(-x))).astype(np.float32, copy=False)
