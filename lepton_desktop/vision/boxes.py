"""Box utilities: non-maximum suppression and IoU (plain torch, no torchvision)."""

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
    order = scores.argsort(descending=True)
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


def iou_matrix(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """IoU of every box in ``a`` (N, 4) with every box in ``b`` (M, 4), as x1, y1, x2, y2."""
    if a.numel() == 0 or b.numel() == 0:
        return torch.zeros(a.shape[0], b.shape[0])
    lt = torch.maximum(a[:, None, :2], b[None, :, :2])
    rb = torch.minimum(a[:, None, 2:], b[None, :, 2:])
    inter = (rb - lt).clamp(min=0).prod(dim=2)
    area_a = (a[:, 2:] - a[:, :2]).clamp(min=0).prod(dim=1)
    area_b = (b[:, 2:] - b[:, :2]).clamp(min=0).prod(dim=1)
    return inter / (area_a[:, None] + area_b[None, :] - inter).clamp(min=1e-9)
