"""Why the model chose a label: Grad-CAM saliency (Captum) and the CNN's own probabilities for one face.

Saliency is Captum's ``LayerGradCam`` on the CNN's last residual block (the standard Grad-CAM
layer: the last convolutional feature maps, 4x4 for the ResNet, upsampled bilinearly to the 64x64
crop), for the class asked for, with negative evidence cut off (ReLU) and the map scaled to 0..1.
The CNN-only probabilities are the per-frame CNN's softmax; the analysis's final probabilities add
the LSTM's correction over the track's recent frames, so their difference is the LSTM's part.

Captum hooks the layer while it works, so :class:`Explainer` keeps a private copy of the CNN: an
analysis running on the shared model in another thread is never touched.
"""

from __future__ import annotations

import copy
import threading

import numpy as np
import numpy.typing as npt
import torch
from torch import nn

from lepton_desktop.vision.align import MODEL_INPUT, model_input
from lepton_desktop.vision.model import Cnn, EmotionModel


class _Logits(nn.Module):
    """The CNN with one output (logits), as attribution libraries expect."""

    def __init__(self, cnn: Cnn) -> None:
        super().__init__()
        self.cnn = cnn

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        one_view = getattr(self.cnn, "single", self.cnn)  # Grad-CAM maps one view of the face, never the mirror pair
        return one_view(x)[1]  # type: ignore[no-any-return]


class Explainer:
    """Saliency and CNN-only probabilities of aligned 64x64 gray face crops, for one model's weights."""

    def __init__(self, model: EmotionModel) -> None:
        from captum.attr import LayerGradCam

        self.cnn = copy.deepcopy(model.cnn).cpu().eval()
        for p in self.cnn.parameters():
            p.requires_grad_(False)
        self._net = _Logits(self.cnn)
        self._cam = LayerGradCam(self._net, self.cnn.blocks[-1])
        self._lock = threading.Lock()
        out = model.temporal.out
        self.head_adds_nothing = not (bool(out.weight.detach().any()) or bool(out.bias.detach().any()))
        """The temporal head is still the identity (every shipped model): final scores are the CNN's."""

    def cnn_probs(self, crop: npt.NDArray[np.uint8]) -> npt.NDArray[np.float32]:
        """(64, 64) gray crop -> the CNN's seven probabilities (no LSTM)."""
        with self._lock, torch.inference_mode():
            logits = self.cnn(torch.from_numpy(model_input(crop[None])))[1]  # read as the analysis reads it
            return torch.softmax(logits, dim=1)[0].numpy().astype(np.float32)

    def saliency(self, crop: npt.NDArray[np.uint8], target: int) -> npt.NDArray[np.float32]:
        """(64, 64) gray crop -> (64, 64) Grad-CAM map for class ``target``, 0..1 (all zero: no evidence)."""
        from captum.attr import LayerAttribution

        x = torch.from_numpy(model_input(crop[None])).requires_grad_(True)
        with self._lock:
            attr = self._cam.attribute(x, target=int(target), relu_attributions=True)
        up = LayerAttribution.interpolate(attr.detach(), (MODEL_INPUT, MODEL_INPUT), interpolate_mode="bilinear")
        heat: npt.NDArray[np.float32] = np.clip(up[0, 0].numpy().astype(np.float32), 0.0, None)
        peak = float(heat.max())
        return (heat / peak).astype(np.float32) if peak > 0 else heat


def lower_share(heat: npt.NDArray[np.floating]) -> float:
    """Share of the saliency mass in the lower half of the crop (mouth and chin; the eyes sit above)."""
    total = float(np.sum(heat))
    return float(np.sum(heat[heat.shape[0] // 2 :])) / total if total > 0 else 0.0
