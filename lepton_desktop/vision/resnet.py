"""ExpressionResNet: the default per-frame expression CNN (trained by ``models/training``).

A small ResNet for 64x64 grayscale faces in [-1, 1], trained on FER2013 faces
with the FER+ crowd votes. The stem halves the resolution at once (the
training faces are 48 px, so 64 px input carries no more detail than 32x32
feature maps can hold); four stages of two basic residual blocks each follow
(24, 48, 96, 192 channels at 32, 16, 8, 4 px; 1.6 M parameters). Global average pooling, then a 128-d
embedding layer (what the temporal head reads) and the 7-way classifier.

Same interface as :class:`~lepton_desktop.vision.xception.MiniXception`:
``forward`` returns ``(embedding, logits)``; ``blocks[-1]`` and
``classifier`` are what fine-tuning unfreezes.

``mirror`` (set from a weights file's metadata, ``"mirror": "1"``): outside training, every face is
also read mirrored and the two readings' embeddings and logits are averaged. A face's expression
is the same in the mirror, so the average carries less of one view's noise (0.9 points of
validation accuracy for the v3 default) at twice the cost per face.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn


class BasicBlock(nn.Module):
    """Two 3x3 convolutions with batch norm, added to the input (a strided 1x1 shortcut when the shape changes)."""

    def __init__(self, cin: int, cout: int, stride: int) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(cin, cout, 3, stride=stride, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(cout)
        self.conv2 = nn.Conv2d(cout, cout, 3, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(cout)
        self.shortcut: nn.Module = nn.Identity()
        if stride != 1 or cin != cout:
            self.shortcut = nn.Sequential(nn.Conv2d(cin, cout, 1, stride=stride, bias=False), nn.BatchNorm2d(cout))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = F.relu(self.bn1(self.conv1(x)))
        y = self.bn2(self.conv2(y))
        return F.relu(y + self.shortcut(x))


class ExpressionResNet(nn.Module):
    """The expression CNN. ``forward`` returns ``(embedding, logits)``."""

    EMBEDDING = 128
    INPUT = 64
    ARCH = "resnet-s"
    mirror = False

    def __init__(self, classes: int = 7, widths: tuple[int, ...] = (24, 48, 96, 192), dropout: float = 0.3) -> None:
        super().__init__()
        self.widths = tuple(widths)
        self.stem = nn.Sequential(
            nn.Conv2d(1, widths[0], 3, stride=2, padding=1, bias=False),
            nn.BatchNorm2d(widths[0]),
            nn.ReLU(inplace=True),
            nn.Conv2d(widths[0], widths[0], 3, padding=1, bias=False),
            nn.BatchNorm2d(widths[0]),
            nn.ReLU(inplace=True),
        )
        blocks = []
        cin = widths[0]
        for i, width in enumerate(widths):
            blocks.append(BasicBlock(cin, width, 1 if i == 0 else 2))
            blocks.append(BasicBlock(width, width, 1))
            cin = width
        self.blocks = nn.ModuleList(blocks)
        self.dropout = nn.Dropout(dropout)
        self.embed = nn.Linear(cin, self.EMBEDDING)
        self.classifier = nn.Linear(self.EMBEDDING, classes)

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        if self.mirror and not self.training:
            n = x.shape[0]
            embedding, logits = self.single(torch.cat([x, x.flip(3)]))
            return (embedding[:n] + embedding[n:]) / 2, (logits[:n] + logits[n:]) / 2
        return self.single(x)

    def single(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """One reading of each face, never mirrored."""
        x = self.stem(x)
        for block in self.blocks:
            x = block(x)
        pooled = self.dropout(x.mean(dim=(2, 3)))
        embedding = F.relu(self.embed(pooled))
        return embedding, self.classifier(embedding)
