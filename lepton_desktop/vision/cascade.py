"""MTCNN's cascade on the CPU in NumPy and OpenCV, around networks run by anything.

The same three stages as :class:`lepton_desktop.vision.mtcnn.MTCNN` on the CPU (an image pyramid
made level from level with OpenCV's area resizing, P-Net proposals, R-Net refinement, O-Net boxes
and landmarks, NMS between them), with the networks as plain callables from NumPy arrays to NumPy
arrays: ONNX Runtime sessions in CPU analysis (:mod:`lepton_desktop.vision.ort_networks`).
``tests/vision/test_graphs.py`` holds it to the PyTorch detector's results on real clips.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import cv2
import numpy as np
import numpy.typing as npt

from lepton_desktop.vision.overlap import nms

Net = Callable[[npt.NDArray[np.float32]], list[npt.NDArray[np.float32]]]
"""(N, 3, h, w) float32 in about [-1, 1] -> the network's outputs, in its output order."""


@dataclass(frozen=True)
class Detection:
    """One face: box (x1, y1, x2, y2) in image pixels, score, landmarks (5, 2) as x, y."""

    box: np.ndarray
    score: float
    landmarks: np.ndarray


def normalised(images: npt.NDArray[np.uint8]) -> npt.NDArray[np.float32]:
    """uint8 (N, H, W, 3) -> float32 (N, 3, H, W) in about [-1, 1], as the networks were trained."""
    return np.ascontiguousarray((images.transpose(0, 3, 1, 2).astype(np.float32) - 127.5) * 0.0078125)


def scales(h: int, w: int, min_face: int, factor: float) -> list[float]:
    """The pyramid's scales: a face of ``min_face`` pixels becomes P-Net's 12 at the first."""
    m = 12.0 / min_face
    side = min(h, w) * m
    out = []
    scale = m
    while side >= 12:
        out.append(scale)
        scale *= factor
        side *= factor
    return out


class Cascade:
    """P-Net, R-Net and O-Net with MTCNN's thresholds, on batches of RGB images."""

    def __init__(
        self,
        pnet: Net,
        rnet: Net,
        onet: Net,
        min_face: int = 32,
        thresholds: tuple[float, float, float] = (0.6, 0.7, 0.8),
        factor: float = 0.709,
    ) -> None:
        self.pnet, self.rnet, self.onet = pnet, rnet, onet
        self.min_face = min_face
        self.thresholds = thresholds
        self.factor = factor

    def detect(self, images: npt.NDArray[np.uint8], min_face: int | None = None) -> list[list[Detection]]:
        """Detect faces of ``min_face`` pixels and more (default: the cascade's) in RGB images (N, H, W, 3) uint8.

        ``min_face`` is an argument, not a setting changed per call, so analyses in several threads can
        share one cascade.
        """
        if images.ndim != 4 or images.shape[-1] != 3:
            raise ValueError("images must be (N, H, W, 3)")
        n, h, w, _ = images.shape
        boxes, ids = self._stage1(images, min_face or self.min_face)
        boxes, ids = self._refine(images, boxes, ids)
        boxes, ids, points = self._output(images, boxes, ids)
        out: list[list[Detection]] = [[] for _ in range(n)]
        for box, img, pts in zip(boxes, ids.tolist(), points, strict=True):
            x1, y1, x2, y2 = np.clip(box[:4], [0, 0, 0, 0], [w, h, w, h])
            if x2 - x1 < 2 or y2 - y1 < 2:
                continue
            out[img].append(Detection(np.array([x1, y1, x2, y2], np.float32), float(box[4]), pts.astype(np.float32)))
        return out

    def _stage1(
        self, images: npt.NDArray[np.uint8], min_face: int
    ) -> tuple[npt.NDArray[np.float32], npt.NDArray[np.int64]]:
        _, h, w, _ = images.shape
        all_boxes, all_ids = [], []
        level = images
        for scale in scales(h, w, min_face, self.factor):
            size = (int(w * scale + 1), int(h * scale + 1))
            level = np.stack([cv2.resize(im, size, interpolation=cv2.INTER_AREA) for im in level])
            reg, prob = self.pnet(normalised(level))[:2]
            score = prob[:, 1]
            ids, ys, xs = np.nonzero(score >= self.thresholds[0])
            if ids.size == 0:
                continue
            s = score[ids, ys, xs]
            r = reg[ids, :, ys, xs]
            fx, fy = xs.astype(np.float32), ys.astype(np.float32)
            q = [np.floor((2 * fx + 1) / scale), np.floor((2 * fy + 1) / scale)]
            q += [np.floor((2 * fx + 12) / scale), np.floor((2 * fy + 12) / scale)]
            b = np.concatenate([np.stack([*q, s], axis=1), r], axis=1).astype(np.float32)
            keep = _batched_nms(b[:, :4], b[:, 4], ids, 0.5)
            all_boxes.append(b[keep])
            all_ids.append(ids[keep])
        if not all_boxes:
            return np.zeros((0, 5), np.float32), np.zeros(0, np.int64)
        b = np.concatenate(all_boxes)
        ids = np.concatenate(all_ids)
        keep = _batched_nms(b[:, :4], b[:, 4], ids, 0.7)
        b, ids = b[keep], ids[keep]
        bw, bh = b[:, 2] - b[:, 0], b[:, 3] - b[:, 1]
        refined = np.stack(
            [b[:, 0] + b[:, 5] * bw, b[:, 1] + b[:, 6] * bh, b[:, 2] + b[:, 7] * bw, b[:, 3] + b[:, 8] * bh, b[:, 4]],
            axis=1,
        )
        return _square(refined), ids

    def _refine(
        self, images: npt.NDArray[np.uint8], boxes: npt.NDArray[np.float32], ids: npt.NDArray[np.int64]
    ) -> tuple[npt.NDArray[np.float32], npt.NDArray[np.int64]]:
        if boxes.shape[0] == 0:
            return boxes, ids
        reg, prob = self.rnet(crops(images, boxes, ids, 24))[:2]
        score = prob[:, 1]
        passed = score > self.thresholds[1]
        boxes = np.concatenate([boxes[passed, :4], score[passed, None]], axis=1)
        ids, reg = ids[passed], reg[passed]
        keep = _batched_nms(boxes[:, :4], boxes[:, 4], ids, 0.7)
        return _square(_regress(boxes[keep], reg[keep])), ids[keep]

    def _output(
        self, images: npt.NDArray[np.uint8], boxes: npt.NDArray[np.float32], ids: npt.NDArray[np.int64]
    ) -> tuple[npt.NDArray[np.float32], npt.NDArray[np.int64], npt.NDArray[np.float32]]:
        if boxes.shape[0] == 0:
            return boxes, ids, np.zeros((0, 5, 2), np.float32)
        reg, pts, prob = self.onet(crops(images, boxes, ids, 48))[:3]
        score = prob[:, 1]
        passed = score > self.thresholds[2]
        boxes = np.concatenate([boxes[passed, :4], score[passed, None]], axis=1)
        ids, reg, pts = ids[passed], reg[passed], pts[passed]
        bw = (boxes[:, 2] - boxes[:, 0] + 1)[:, None]
        bh = (boxes[:, 3] - boxes[:, 1] + 1)[:, None]
        points = np.stack([bw * pts[:, :5] + boxes[:, 0:1] - 1, bh * pts[:, 5:] + boxes[:, 1:2] - 1], axis=2)
        boxes = _regress(boxes, reg)
        keep = _batched_nms(boxes[:, :4], boxes[:, 4], ids, 0.7, mode="min")
        return boxes[keep], ids[keep], points[keep]


def crops(
    images: npt.NDArray[np.uint8], boxes: npt.NDArray[np.float32], ids: npt.NDArray[np.int64], size: int
) -> npt.NDArray[np.float32]:
    """Each box cut from its image (grey 128 outside it), resized to size x size, normalised."""
    _, h, w, _ = images.shape
    out = np.empty((boxes.shape[0], size, size, 3), np.uint8)
    corners = np.round(boxes[:, :4]).astype(np.int64).tolist()
    for k, ((x1, y1, x2, y2), img) in enumerate(zip(corners, ids.tolist(), strict=True)):
        sx1, sy1, sx2, sy2 = max(x1, 0), max(y1, 0), min(x2 + 1, w), min(y2 + 1, h)
        inside = images[img, sy1:sy2, sx1:sx2]
        if sx1 != x1 or sy1 != y1 or sx2 != x2 + 1 or sy2 != y2 + 1:
            patch = np.full((max(y2 - y1 + 1, 1), max(x2 - x1 + 1, 1), 3), 128, np.uint8)  # about 0 once normalised
            if sx2 > sx1 and sy2 > sy1:
                patch[sy1 - y1 : sy2 - y1, sx1 - x1 : sx2 - x1] = inside
            inside = patch
        out[k] = cv2.resize(inside, (size, size), interpolation=cv2.INTER_AREA)
    return normalised(out)


def _batched_nms(
    boxes: npt.NDArray[np.float32],
    scores: npt.NDArray[np.float32],
    ids: npt.NDArray[np.int64],
    threshold: float,
    mode: str = "union",
) -> npt.NDArray[np.int64]:
    """NMS within each image: boxes of different images are offset apart so they never overlap."""
    if boxes.shape[0] == 0:
        return np.zeros(0, np.int64)
    offset = ids.astype(boxes.dtype)[:, None] * (boxes.max() + 1)
    return nms(boxes + offset, scores, threshold, mode)


def _regress(boxes: npt.NDArray[np.float32], reg: npt.NDArray[np.float32]) -> npt.NDArray[np.float32]:
    w = boxes[:, 2] - boxes[:, 0] + 1
    h = boxes[:, 3] - boxes[:, 1] + 1
    out = boxes.copy()
    out[:, 0] += reg[:, 0] * w
    out[:, 1] += reg[:, 1] * h
    out[:, 2] += reg[:, 2] * w
    out[:, 3] += reg[:, 3] * h
    return out


def _square(boxes: npt.NDArray[np.float32]) -> npt.NDArray[np.float32]:
    out = boxes.copy()
    w = boxes[:, 2] - boxes[:, 0]
    h = boxes[:, 3] - boxes[:, 1]
    side = np.maximum(w, h)
    out[:, 0] = boxes[:, 0] + w * 0.5 - side * 0.5
    out[:, 1] = boxes[:, 1] + h * 0.5 - side * 0.5
    out[:, 2] = out[:, 0] + side
    out[:, 3] = out[:, 1] + side
    return out
