"""Non-maximum suppression on tensors, for the PyTorch detector (plain torch, no torchvision).

NumPy versions, and IoU matrices: :mod:`lepton_desktop.vision.overlap`.
"""

from __future__ import annotations

import torch


def nms(boxes: torch.Tensor, scores: torch.Tensor, threshold: float, mode: str = "union") -> torch.Tensor:
    """Indexes of the boxes kept by greedy NMS, best score first.

    ``boxes`` are (N, 4) x1, y1, x2, y2. ``mode="min"`` divides the overlap by the
    smaller box (MTCNN's last stage), ``"union"`` by the union (IoU).
    """
    if boxes.numel() == 0:
        return torch.zeros(0, dtype=torch.long, device=boxes.device)
    x1, y1, x2, y2 = boxes.unbind(1)
    areas = (x2 - x1 + 1).clamp(min=0) * (y2 - y1 + 1).clamp(min=0)
    order = scores.argsort(descending=True, stable=True)  # ties in index order, as the NumPy version
    if boxes.shape[0] > 1:
        xx1 = torch.maximum(x1[:, None], x1[None, :])
        yy1 = torch.maximum(y1[:, None], y1[None, :])
        xx2 = torch.minimum(x2[:, None], x2[None, :])
        yy2 = torch.minimum(y2[:, None], y2[None, :])
        inter = (xx2 - xx1 + 1).clamp(min=0) * (yy2 - yy1 + 1).clamp(min=0)
        if mode == "min":
            overlap = inter / torch.minimum(areas[:, None], areas[None, :]).clamp(min=1e-9)
        else:
            overlap = inter / (areas[:, None] + areas[None, :] - inter).clamp(min=1e-9)
        overlap = overlap.cpu()
    keep: list[int] = []
    suppressed = torch.zeros(boxes.shape[0], dtype=torch.bool)
    for i in order.cpu().tolist():
        if suppressed[i]:
            continue
        keep.append(i)
        if boxes.shape[0] > 1:
            suppressed |= overlap[i] > threshold
    return torch.tensor(keep, dtype=torch.long, device=boxes.device)
