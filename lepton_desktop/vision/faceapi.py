"""FaceApiExpressionNet: face-api.js's expression network, our own PyTorch code.

The network (Vincent Mühler's face-api.js, maintained as ``@vladmandic/face-api``
on npm, MIT) reads a 112x112 RGB face, subtracts a mean colour and divides by
255, and runs four "dense blocks" (32, 64, 128, 256 channels at 56, 28, 14 and
7 px). Each block: a strided convolution (a plain 3x3 one in the first block,
depthwise-separable in the others), then three depthwise-separable 3x3
convolutions, each reading the ReLU of the sum of all outputs before it in the
block. A 7x7 average and one linear layer give seven logits in face-api's
order (:data:`FACEAPI_ORDER`); :class:`FaceApiExpressionNet` reorders them to
ours.

TensorFlow's ``same`` padding of a stride-2 convolution on an even input pads
one pixel on the right and bottom only; the port does the same. It runs in
channels-last memory layout, which makes the depthwise convolutions about 1.5x
faster on a CPU (3.8 -> 2.5 ms per face at batch 64 on two cores).
``models/convert_faceapi.py`` turns the npm package's weights into safetensors.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from lepton_desktop.core.emotions import EMOTIONS

FACEAPI_ORDER = ("neutral", "happy", "sad", "angry", "fearful", "disgusted", "surprised")
"""face-api's class order."""
FACEAPI_NAMES = {"angry": "angry", "disgust": "disgusted", "fear": "fearful", "happy": "happy", "sad": "sad",
                 "surprise": "surprised", "neutral": "neutral"}  # fmt: skip
"""Our class name -> face-api's."""
TO_OURS = tuple(FACEAPI_ORDER.index(FACEAPI_NAMES[e]) for e in EMOTIONS)
"""For each of our classes, in our order, its index in face-api's order."""
MEAN_RGB = (122.782, 117.001, 104.298)


class SeparableConv(nn.Module):
    """Depthwise 3x3 then pointwise 1x1, one bias (TensorFlow's ``separableConv2d`` + bias)."""

    def __init__(self, cin: int, cout: int, stride: int) -> None:
        super().__init__()
        self.stride = stride
        self.depthwise = nn.Conv2d(cin, cin, 3, stride=stride, groups=cin, bias=False)
        self.pointwise = nn.Conv2d(cin, cout, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out: torch.Tensor = self.pointwise(self.depthwise(_same(x, self.stride)))
        return out


def _same(x: torch.Tensor, stride: int) -> torch.Tensor:
    """TensorFlow ``same`` padding for a 3x3 kernel: (1, 1) at stride 1, (0, 1) at stride 2 on even sides."""
    return F.pad(x, (1, 1, 1, 1) if stride == 1 else (0, 1, 0, 1))


class DenseBlock(nn.Module):
    """Four convolutions; each later one reads the ReLU of the sum of all outputs before it."""

    def __init__(self, cin: int, cout: int, first: bool) -> None:
        super().__init__()
        self.conv0: nn.Module = nn.Conv2d(cin, cout, 3, stride=2) if first else SeparableConv(cin, cout, 2)
        self.first = first
        self.conv1 = SeparableConv(cout, cout, 1)
        self.conv2 = SeparableConv(cout, cout, 1)
        self.conv3 = SeparableConv(cout, cout, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out1 = F.relu(self.conv0(_same(x, 2) if self.first else x))
        out2 = self.conv1(out1)
        out3 = self.conv2(F.relu(out1 + out2))
        out4 = self.conv3(F.relu(out1 + out2 + out3))
        return F.relu(out1 + out2 + out3 + out4)


class FaceApiExpressionNet(nn.Module):
    """RGB faces (N, 3, 112, 112), values 0..255 -> (256-d features, 7 logits in our class order)."""

    EMBEDDING = 256
    INPUT = 112
    ARCH = "faceapi"

    def __init__(self) -> None:
        super().__init__()
        self.dense0 = DenseBlock(3, 32, first=True)
        self.dense1 = DenseBlock(32, 64, first=False)
        self.dense2 = DenseBlock(64, 128, first=False)
        self.dense3 = DenseBlock(128, 256, first=False)
        self.fc = nn.Linear(256, 7)
        self.mean: torch.Tensor
        self.order: torch.Tensor
        self.register_buffer("mean", torch.tensor(MEAN_RGB).view(1, 3, 1, 1), persistent=False)
        self.register_buffer("order", torch.tensor(TO_OURS), persistent=False)
        self.to(memory_format=torch.channels_last)  # type: ignore[call-overload]  # x1.5 faster on a CPU

    def forward(self, rgb: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        x = ((rgb - self.mean) / 255.0).contiguous(memory_format=torch.channels_last)
        for block in (self.dense0, self.dense1, self.dense2, self.dense3):
            x = block(x)
        features = x.mean(dim=(2, 3))
        return features, self.fc(features)[:, self.order]
