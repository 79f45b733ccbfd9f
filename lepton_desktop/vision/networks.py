"""What frame analysis needs from the networks, whichever library runs them.

:class:`~lepton_desktop.vision.analyzer.FrameAnalyzer` detects, aligns and tracks in NumPy and
asks a :class:`Networks` for two things: the faces in a batch of frames, and the expression
probabilities of a batch of aligned crops with each track's temporal memory. Two kinds exist:
:class:`~lepton_desktop.vision.torch_networks.TorchNetworks` (PyTorch, on a GPU or the CPU) and
:class:`~lepton_desktop.vision.ort_networks.OrtNetworks` (ONNX Runtime on the CPU: the same
networks and weights without importing torch, which is most of a short analysis's start-up).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol

import numpy as np
import numpy.typing as npt

from lepton_desktop.vision.cascade import Detection


class Networks(Protocol):
    """The face detector and the expression CNN-LSTM of one analysis."""

    device_name: str
    """Where they run, for status bars and reports: ``CPU``, ``CPU (ONNX Runtime)``, ``CUDA (...)``."""
    runtime: str
    """``onnx`` or ``torch``: what runs them."""

    def detect(self, images: npt.NDArray[np.uint8], min_face: int) -> list[list[Detection]]:
        """Faces of at least ``min_face`` pixels in each of ``images`` (N, H, W, 3) RGB."""
        ...

    def classify(
        self, crops: npt.NDArray[np.float32], tracks: Sequence[tuple[npt.NDArray[np.intp], Any]]
    ) -> tuple[npt.NDArray[np.float32], list[Any]]:
        """Expression probabilities (N, 7) of ``crops`` (N, 1, S, S) model input.

        ``tracks``: for each track in the batch, its rows (in frame order) and its temporal memory
        from the batch before (None at first). Returns the probabilities and each track's new memory.
        """
        ...
