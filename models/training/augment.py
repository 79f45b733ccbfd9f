"""Batch augmentation on tensors (one affine warp per face, then photometric changes and erasing).

48 px training faces are warped straight to the model's 64 px input by
``grid_sample``, so resizing and the geometric augmentation are one step.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F


def to_model(images: torch.Tensor, size: int) -> torch.Tensor:
    """(N, 48, 48) uint8 -> (N, 1, size, size) float in [-1, 1], no augmentation (validation)."""
    x = images[:, None].float() / 127.5 - 1.0
    return F.interpolate(x, size=(size, size), mode="bilinear", align_corners=False)


def augment(images: torch.Tensor, size: int, generator: torch.Generator) -> torch.Tensor:
    """Random flip, rotation (+-15 deg), scale (0.85-1.15), shift (+-8%), brightness/contrast, blur, erasing."""
    n = images.shape[0]
    x = images[:, None].float() / 127.5 - 1.0

    def uniform(lo: float, hi: float) -> torch.Tensor:
        return torch.rand(n, generator=generator) * (hi - lo) + lo

    angle = uniform(-15, 15) * math.pi / 180
    scale = uniform(0.85, 1.15)
    flip = torch.where(torch.rand(n, generator=generator) < 0.5, -1.0, 1.0)
    tx, ty = uniform(-0.08, 0.08), uniform(-0.08, 0.08)
    cos, sin = torch.cos(angle) / scale, torch.sin(angle) / scale
    theta = torch.stack([torch.stack([cos * flip, -sin, tx], 1), torch.stack([sin * flip, cos, ty], 1)], 1)
    grid = F.affine_grid(theta, [n, 1, size, size], align_corners=False)
    x = F.grid_sample(x, grid, mode="bilinear", padding_mode="border", align_corners=False)

    # brightness / contrast / gamma-like jitter
    contrast = uniform(0.6, 1.4)[:, None, None, None]
    brightness = uniform(-0.3, 0.3)[:, None, None, None]
    mean = x.mean(dim=(2, 3), keepdim=True)
    x = ((x - mean) * contrast + mean + brightness).clamp(-1, 1)

    # blur a quarter of the faces (video faces are often soft)
    blur = torch.rand(n, generator=generator) < 0.25
    if blur.any():
        kernel = torch.tensor([1.0, 2.0, 1.0])
        kernel = (kernel[:, None] * kernel[None, :]) / 16
        x[blur] = F.conv2d(F.pad(x[blur], (1, 1, 1, 1), mode="replicate"), kernel[None, None])

    # random erasing of one rectangle in half of the faces (occlusion by hands, glasses, hair)
    erase = torch.rand(n, generator=generator) < 0.5
    for i in torch.nonzero(erase).flatten().tolist():
        h = int(size * (0.15 + 0.3 * torch.rand(1, generator=generator).item()))
        w = int(size * (0.15 + 0.3 * torch.rand(1, generator=generator).item()))
        top = int(torch.randint(0, size - h + 1, (1,), generator=generator))
        left = int(torch.randint(0, size - w + 1, (1,), generator=generator))
        x[i, :, top : top + h, left : left + w] = torch.rand(1, generator=generator).item() * 2 - 1
    return x
