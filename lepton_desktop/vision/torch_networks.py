"""The networks through PyTorch: on a CUDA or MPS GPU, or the CPU when ONNX Runtime is not used."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import numpy.typing as npt
import torch

from lepton_desktop.vision.cascade import Detection
from lepton_desktop.vision.device import describe
from lepton_desktop.vision.model import EmotionModel
from lepton_desktop.vision.mtcnn import MTCNN


class TorchNetworks:
    """An :class:`EmotionModel` and an :class:`MTCNN`, already placed on ``device``."""

    runtime = "torch"

    def __init__(self, model: EmotionModel, detector: MTCNN, device: torch.device) -> None:
        self.model = model.to(device).eval()
        self.detector = detector.to(device).eval()
        self.device = device
        self.device_name = describe(device)

    @torch.inference_mode()
    def detect(self, images: npt.NDArray[np.uint8], min_face: int) -> list[list[Detection]]:
        return self.detector.detect(torch.from_numpy(np.ascontiguousarray(images)).to(self.device), min_face)

    @torch.inference_mode()
    def classify(
        self, crops: npt.NDArray[np.float32], tracks: Sequence[tuple[npt.NDArray[np.intp], Any]]
    ) -> tuple[npt.NDArray[np.float32], list[Any]]:
        x = torch.from_numpy(crops)
        x = x.pin_memory().to(self.device, non_blocking=True) if self.device.type == "cuda" else x.to(self.device)
        with torch.autocast(self.device.type, dtype=torch.float16, enabled=self.device.type == "cuda"):
            embeddings, logits = self.model.frame_outputs(x)
        embeddings, logits = embeddings.float(), logits.float()
        final = torch.empty_like(logits)
        memories = []
        for rows, memory in tracks:
            idx = torch.from_numpy(np.asarray(rows)).to(self.device)
            seq, memory = self.model.sequence_logits(embeddings[idx], logits[idx], memory)
            final[idx] = seq
            memories.append(memory)
        return torch.softmax(final, dim=1).cpu().numpy().astype(np.float32), memories
