"""Mini-Xception (Arriaga et al., 2017) in PyTorch: the per-frame expression CNN.

Input: (N, 1, 64, 64) grayscale face crops scaled to [-1, 1]. Output: a 128-d
embedding (global average of the last feature map) and 7 logits in the order
of :data:`lepton_desktop.core.emotions.EMOTIONS`. Layer names follow the
Keras original so the converted weights map one to one; padding reproduces
TensorFlow's ``same`` (extra row/column at the bottom/right).
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

EPS = 1e-3  # Keras BatchNormalization default, used by the original


def _bn(channels: int) -> nn.BatchNorm2d:
    return nn.BatchNorm2d(channels, eps=EPS)


def tf_same_maxpool(x: torch.Tensor, kernel: int = 3, stride: int = 2) -> torch.Tensor:
    """Max pooling with TensorFlow's ``same`` padding (asymmetric, -inf filled)."""
    pads = []
    for size in (x.shape[-1], x.shape[-2]):  # F.pad wants (left, right, top, bottom)
        out = (size + stride - 1) // stride  # ceil; not -(-size // stride): exported, ONNX's Div truncates
        total = max((out - 1) * stride + kernel - size, 0)
        pads += [total // 2, total - total // 2]
    return F.max_pool2d(F.pad(x, pads, value=float("-inf")), kernel, stride)


class SeparableConv(nn.Module):
    """Depthwise 3x3 then pointwise 1x1, no bias (Keras SeparableConv2D, ``same``)."""

    def __init__(self, cin: int, cout: int) -> None:
        super().__init__()
        self.depthwise = nn.Conv2d(cin, cin, 3, padding=1, groups=cin, bias=False)
        self.pointwise = nn.Conv2d(cin, cout, 1, bias=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out: torch.Tensor = self.pointwise(self.depthwise(x))
        return out


class ResidualBlock(nn.Module):
    """Two separable convs + max-pool, added to a strided 1x1 shortcut."""

    def __init__(self, cin: int, cout: int) -> None:
        super().__init__()
        self.sep1 = SeparableConv(cin, cout)
        self.bn1 = _bn(cout)
        self.sep2 = SeparableConv(cout, cout)
        self.bn2 = _bn(cout)
        self.shortcut = nn.Conv2d(cin, cout, 1, stride=2, bias=False)
        self.shortcut_bn = _bn(cout)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = F.relu(self.bn1(self.sep1(x)))
        y = tf_same_maxpool(self.bn2(self.sep2(y)))
        shortcut: torch.Tensor = self.shortcut_bn(self.shortcut(x))
        return y + shortcut


class MiniXception(nn.Module):
    """The expression CNN. ``forward`` returns ``(embedding, logits)``."""

    EMBEDDING = 128
    INPUT = 64

    def __init__(self, classes: int = 7) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(1, 8, 3, bias=False)
        self.bn1 = _bn(8)
        self.conv2 = nn.Conv2d(8, 8, 3, bias=False)
        self.bn2 = _bn(8)
        self.blocks = nn.ModuleList(
            [ResidualBlock(8, 16), ResidualBlock(16, 32), ResidualBlock(32, 64), ResidualBlock(64, 128)]
        )
        self.classifier = nn.Conv2d(128, classes, 3, padding=1)

    def features(self, x: torch.Tensor) -> torch.Tensor:
        """The last feature map, (N, 128, 4, 4) for 64x64 input."""
        x = F.relu(self.bn1(self.conv1(x)))
        x = F.relu(self.bn2(self.conv2(x)))
        for block in self.blocks:
            x = block(x)
        return x

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        feats = self.features(x)
        embedding = feats.mean(dim=(2, 3))
        logits = self.classifier(feats).mean(dim=(2, 3))
        return embedding, logits
