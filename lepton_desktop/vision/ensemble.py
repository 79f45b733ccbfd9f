"""ExpressionEnsemble: the ResNet and face-api.js's expression net, their probabilities blended.

The two were trained on different faces (the ResNet on FER2013 with FER+ votes,
face-api.js's net on its author's own collection), so they err differently. The
ensemble reads the same 64x64 gray crop as the ResNet; face-api's net gets it
scaled to 112x112 and repeated over three channels. Its output logits are the
log of ``(1 - w) * p_resnet + w * p_faceapi``, so a softmax of them is the
blend. The embedding (what the temporal head reads) is the ResNet's.

It is an :class:`ExpressionResNet` with one more, frozen member: the ResNet's
parameters keep their names, so fine-tuning (the last block, the embedding and
the classifier) and Grad-CAM (``blocks[-1]``) work on it unchanged, and
face-api's net is never trained.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

from lepton_desktop.vision.faceapi import FaceApiExpressionNet
from lepton_desktop.vision.resnet import ExpressionResNet

FACEAPI_WEIGHT = 0.2
"""face-api's share of the blend; chosen on the validation split (see models/expression_faceapi.md)."""


class ExpressionEnsemble(ExpressionResNet):
    """ResNet + frozen face-api net. ``forward`` returns ``(ResNet embedding, log of blended probabilities)``."""

    ARCH = "resnet-s+faceapi"

    def __init__(self, widths: tuple[int, ...] = (24, 48, 96, 192), faceapi_weight: float = FACEAPI_WEIGHT) -> None:
        super().__init__(widths=widths)
        if not 0.0 <= faceapi_weight <= 1.0:
            raise ValueError(f"its face-api share is {faceapi_weight}, where 0 to 1 is allowed.")
        self.faceapi = FaceApiExpressionNet()
        self.faceapi.requires_grad_(False)
        self.faceapi_weight = float(faceapi_weight)

    def single(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """One reading of each face by both networks (``forward`` adds the mirrored one when ``mirror``)."""
        embedding, logits = super().single(x)
        rgb = F.interpolate((x + 1.0) * 127.5, size=(FaceApiExpressionNet.INPUT,) * 2, mode="bilinear",
                            align_corners=False).expand(-1, 3, -1, -1)  # fmt: skip
        _, other = self.faceapi(rgb)
        w = self.faceapi_weight
        blended = (1.0 - w) * torch.softmax(logits, dim=1) + w * torch.softmax(other, dim=1)
        return embedding, torch.log(blended.clamp_min(1e-12))
