"""Loaded models, shared between analyses in one process (loading is the slow part).

Two kinds: :func:`get_engine` gives the PyTorch modules (what fine-tuning, explanations
and every GPU use); :func:`get_analysis_engine` gives what frame analysis (files, batch,
live) needs, the networks behind :class:`~lepton_desktop.vision.networks.Networks`. On the CPU
those run through ONNX Runtime when it is installed and the weights fit a shipped graph,
so a CPU analysis never imports torch (1.2 s of a short run's start-up); otherwise, and
on any GPU, through PyTorch.
"""

from __future__ import annotations

import functools
import importlib.util
import logging
import os
import re
import sys
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from lepton_desktop.core.errors import LeptonError
from lepton_desktop.vision.networks import Networks
from lepton_desktop.vision.weight_files import EMOTION_WEIGHTS, bundled_weights, file_sha256

if TYPE_CHECKING:
    import torch

    from lepton_desktop.vision.model import EmotionModel
    from lepton_desktop.vision.mtcnn import MTCNN

log = logging.getLogger(__name__)

RUNTIMES = ("auto", "onnx", "onnx-float", "torch")
"""``auto``: ONNX Runtime on the CPU when it can run the weights, else PyTorch; the others insist.

ONNX Runtime reads faces through a CNN's int8 graph where one ships for it (``vision.int8``);
``onnx-float`` keeps that CNN in float32, as PyTorch runs it."""


class RuntimeChoiceError(LeptonError):
    """The runtime asked for cannot run here."""


@dataclass(frozen=True)
class Engine:
    """A model and a detector on one device (PyTorch), and where the model came from."""

    model: EmotionModel
    detector: MTCNN
    device: torch.device
    weights_path: Path
    weights_sha256: str

    @property
    def device_name(self) -> str:
        """``CPU``, ``CUDA (...)``: for status bars and reports."""
        from lepton_desktop.vision.device import describe

        return describe(self.device)

    @functools.cached_property
    def networks(self) -> Networks:
        """The model and detector for frame analysis."""
        from lepton_desktop.vision.torch_networks import TorchNetworks

        return TorchNetworks(self.model, self.detector, self.device)


@dataclass(frozen=True)
class AnalysisEngine:
    """The networks of a frame analysis, where they run, and where the model came from."""

    networks: Networks
    weights_path: Path
    weights_sha256: str

    @property
    def device_name(self) -> str:
        """``CPU (ONNX Runtime)``, ``CPU``, ``CUDA (...)``: for status bars and reports."""
        return self.networks.device_name


_cache: dict[tuple[str, str], Engine] = {}
_analysis_cache: dict[tuple[str, str, str, int | None], AnalysisEngine] = {}
_lock = threading.Lock()


def get_engine(device: str = "auto", weights: Path | None = None) -> Engine:
    """The PyTorch engine for ``device`` with ``weights`` (default: the shipped model), loaded once."""
    from lepton_desktop.vision.device import pick_device, place
    from lepton_desktop.vision.weights import load_detector, load_emotion_model

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


def get_analysis_engine(
    device: str = "auto", weights: Path | None = None, runtime: str = "auto", threads: int | None = None
) -> AnalysisEngine:
    """The networks for analysing frames on ``device`` with ``weights``, loaded once.

    ``runtime``: ``auto`` uses ONNX Runtime when the analysis runs on the CPU (``device`` ``cpu``,
    or ``auto`` with a PyTorch that has no GPU support), ONNX Runtime is installed, and the weights
    fit a shipped graph; PyTorch otherwise. ``onnx`` insists on ONNX Runtime (one sentence when it
    cannot), ``onnx-float`` too with the CNN in float32 (no int8 reading), ``torch`` on PyTorch.
    ``threads``: ONNX Runtime's math threads (None: its own choice); PyTorch's are set per
    analysing thread by the caller (``vision.threads.torch_threads``).
    """
    if runtime not in RUNTIMES:
        raise RuntimeChoiceError(f"unknown runtime {runtime!r}; use {', '.join(RUNTIMES)}.")
    path = (weights or bundled_weights(EMOTION_WEIGHTS)).resolve()
    key = (device, str(path), runtime, threads)
    with _lock:
        cached = _analysis_cache.get(key)
    if cached is not None:
        return cached
    engine = _onnx_engine(device, path, runtime, threads) if runtime != "torch" else None
    if engine is None:
        torch_engine = get_engine(device, path)
        engine = AnalysisEngine(torch_engine.networks, torch_engine.weights_path, torch_engine.weights_sha256)
    with _lock:
        return _analysis_cache.setdefault(key, engine)


def _onnx_engine(device: str, path: Path, runtime: str, threads: int | None) -> AnalysisEngine | None:
    """ONNX Runtime networks, or None where PyTorch should run them (``runtime="onnx"``: an error instead)."""
    from lepton_desktop.vision.graphs import GraphError, runtime_available

    insist = runtime in ("onnx", "onnx-float")
    choice = device.lower().strip()
    if choice not in ("auto", "cpu"):
        if insist:
            raise RuntimeChoiceError(f"ONNX Runtime runs analysis on the CPU only; use --device cpu, not {device}.")
        return None
    if not insist and not _on_the_cpu(choice):
        return None
    if not runtime_available():
        if insist:
            raise RuntimeChoiceError("ONNX Runtime is not installed here; use --runtime torch or install onnxruntime.")
        return None
    from lepton_desktop.vision.ort_networks import OrtNetworks

    try:
        networks = OrtNetworks(path, threads, int8=runtime != "onnx-float")
    except GraphError as exc:
        if insist:
            raise RuntimeChoiceError(f"ONNX Runtime cannot run {path.name}: {exc}; use --runtime torch.") from None
        log.info("analysing through PyTorch: %s", exc)
        return None
    return AnalysisEngine(networks, path, file_sha256(path))


GPU_DEVICE_FILES = ("/dev/nvidiactl", "/dev/nvidia0", "/dev/kfd", "/dev/dxg")
"""Where Linux shows an NVIDIA GPU, an AMD one (ROCm), or WSL2's GPU; without any, CUDA finds nothing."""


def torch_may_use_gpu() -> bool:
    """Whether PyTorch here may reach a GPU (CUDA or ROCm; MPS on a Mac), told without importing it where possible.

    Importing torch takes a second; these take microseconds. A CPU-only build says so in
    ``torch/version.py`` (``cuda`` and ``hip`` None). On Linux, a CUDA or ROCm build with none of
    the GPU device files present finds no GPU either (pip's default Linux torch is a CUDA build, so
    most machines without a GPU are told apart here). ``CUDA_VISIBLE_DEVICES`` set empty hides
    every GPU, as it does from PyTorch. Anything else (a Mac, a GPU present, another system) asks
    PyTorch itself.
    """
    if sys.platform == "darwin" or "torch" in sys.modules:
        return _asked()
    if os.environ.get("CUDA_VISIBLE_DEVICES") == "":
        return False
    spec = importlib.util.find_spec("torch")
    if spec is None or spec.origin is None:
        return False  # no PyTorch at all: nothing could use a GPU
    try:
        text = (Path(spec.origin).parent / "version.py").read_text(encoding="utf-8")
    except OSError:
        return _asked()
    fields = dict(re.findall(r"^(cuda|hip)\b[^=]*=\s*(.+)$", text, re.M))
    if fields and all(v.strip() == "None" for v in fields.values()):
        return False
    if sys.platform.startswith("linux") and not any(os.path.exists(f) for f in GPU_DEVICE_FILES):
        return False
    return _asked()


def _on_the_cpu(choice: str) -> bool:
    """Whether an analysis on ``choice`` (``auto``, ``cpu``, ``cuda``...) runs on the CPU; torch-free where possible."""
    return choice == "cpu" or (choice == "auto" and not torch_may_use_gpu())


def _asked() -> bool:
    from lepton_desktop.vision.device import pick_device

    return pick_device("auto").type != "cpu"


def device_label(device: str = "auto") -> str:
    """Where an analysis on ``device`` runs, for status bars: ``CPU (ONNX Runtime)``, ``CUDA (...)``...

    Told without loading torch where the analysis would not load it either, so the app's window
    opens without it. (A model version that fits no shipped graph runs through PyTorch on the CPU:
    its progress line says so.) Raises ``DeviceError`` for a device that is not here.
    """
    if _on_the_cpu(device.lower().strip()):
        from lepton_desktop.vision.graphs import runtime_available

        if runtime_available():
            return "CPU (ONNX Runtime)"
    from lepton_desktop.vision.device import describe, pick_device

    return describe(pick_device(device))
