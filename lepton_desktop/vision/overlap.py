"""How boxes overlap, in NumPy: IoU matrices (tracking) and greedy non-maximum suppression.

The CPU cascade (:mod:`lepton_desktop.vision.cascade`) and the tracker use these; the PyTorch
detector on a GPU keeps its own tensor version (:mod:`lepton_desktop.vision.boxes`).
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

Boxes = npt.NDArray[np.float32]


def nms(boxes: Boxes, scores: npt.NDArray[np.float32], threshold: float, mode: str = "union") -> npt.NDArray[np.int64]:
    """Indexes of the boxes kept by greedy NMS, best score first.

    ``boxes`` are (N, 4) x1, y1, x2, y2 in pixels (sides count both ends, as MTCNN's do).
    ``mode="min"`` divides the overlap by the smaller box (MTCNN's last stage), ``"union"`` by the union.
    """
    if boxes.shape[0] == 0:
        return np.zeros(0, np.int64)
    x1, y1, x2, y2 = (boxes[:, k] for k in range(4))
    areas = np.clip(x2 - x1 + 1, 0, None) * np.clip(y2 - y1 + 1, 0, None)
    order = np.argsort(-scores, kind="stable")
    keep: list[int] = []
    suppressed = np.zeros(boxes.shape[0], bool)
    for i in order.tolist():
        if suppressed[i]:
            continue
        keep.append(i)
        w = np.clip(np.minimum(x2[i], x2) - np.maximum(x1[i], x1) + 1, 0, None)
        h = np.clip(np.minimum(y2[i], y2) - np.maximum(y1[i], y1) + 1, 0, None)
        inter = w * h
        if mode == "min":
            overlap = inter / np.maximum(np.minimum(areas[i], areas), 1e-9)
        else:
            overlap = inter / np.maximum(areas[i] + areas - inter, 1e-9)
        suppressed |= overlap > threshold
    return np.asarray(keep, np.int64)


def iou_matrix(a: npt.NDArray[np.floating], b: npt.NDArray[np.floating]) -> npt.NDArray[np.floating]:
    """IoU of every box in ``a`` (N, 4) with every box in ``b`` (M, 4), as x1, y1, x2, y2 (in their precision)."""
    if a.shape[0] == 0 or b.shape[0] == 0:
        return np.zeros((a.shape[0], b.shape[0]), np.result_type(a, b))
    lt = np.maximum(a[:, None, :2], b[None, :, :2])
    rb = np.minimum(a[:, None, 2:], b[None, :, 2:])
    inter = np.clip(rb - lt, 0, None).prod(axis=2)
    area_a = np.clip(a[:, 2:] - a[:, :2], 0, None).prod(axis=1)
    area_b = np.clip(b[:, 2:] - b[:, :2], 0, None).prod(axis=1)
    return inter / np.maximum(area_a[:, None] + area_b[None, :] - inter, 1e-9)  # type: ignore[no-any-return]
