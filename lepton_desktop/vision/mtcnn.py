"""MTCNN face detector (Zhang et al., 2016) in PyTorch: boxes, scores and five landmarks.

Three cascaded networks: P-Net proposes faces over an image pyramid, R-Net
refines them on 24x24 crops, O-Net gives final boxes and landmarks (eyes, nose,
mouth corners) on 48x48 crops. Weights: facenet-pytorch's pretrained state
dicts (MIT), converted by ``models/convert_mtcnn.py``. Runs batched on any
torch device. CPU analysis runs the same networks through ONNX Runtime in
:mod:`lepton_desktop.vision.cascade`, whose image helpers this module shares.
"""

from __future__ import annotations

import cv2
import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from lepton_desktop.vision import cascade
from lepton_desktop.vision.boxes import nms
from lepton_desktop.vision.cascade import Detection


class PNet(nn.Module):
    """Proposal network: fully convolutional, 12x12 receptive field."""

    def __init__(self) -> None:
        super().__init__()
        self.conv1, self.prelu1 = nn.Conv2d(3, 10, 3), nn.PReLU(10)
        self.conv2, self.prelu2 = nn.Conv2d(10, 16, 3), nn.PReLU(16)
        self.conv3, self.prelu3 = nn.Conv2d(16, 32, 3), nn.PReLU(32)
        self.conv4_1 = nn.Conv2d(32, 2, 1)
        self.conv4_2 = nn.Conv2d(32, 4, 1)

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        x = F.max_pool2d(self.prelu1(self.conv1(x)), 2, 2, ceil_mode=True)
        x = self.prelu3(self.conv3(self.prelu2(self.conv2(x))))
        return self.conv4_2(x), torch.softmax(self.conv4_1(x), dim=1)


class RNet(nn.Module):
    """Refinement network on 24x24 crops."""

    def __init__(self) -> None:
        super().__init__()
        self.conv1, self.prelu1 = nn.Conv2d(3, 28, 3), nn.PReLU(28)
        self.conv2, self.prelu2 = nn.Conv2d(28, 48, 3), nn.PReLU(48)
        self.conv3, self.prelu3 = nn.Conv2d(48, 64, 2), nn.PReLU(64)
        self.dense4, self.prelu4 = nn.Linear(576, 128), nn.PReLU(128)
        self.dense5_1 = nn.Linear(128, 2)
        self.dense5_2 = nn.Linear(128, 4)

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        x = F.max_pool2d(self.prelu1(self.conv1(x)), 3, 2, ceil_mode=True)
        x = F.max_pool2d(self.prelu2(self.conv2(x)), 3, 2, ceil_mode=True)
        x = self.prelu3(self.conv3(x))
        x = self.prelu4(self.dense4(x.permute(0, 3, 2, 1).reshape(x.shape[0], -1)))  # Caffe's flatten order
        return self.dense5_2(x), torch.softmax(self.dense5_1(x), dim=1)


class ONet(nn.Module):
    """Output network on 48x48 crops: box, score and landmarks."""

    def __init__(self) -> None:
        super().__init__()
        self.conv1, self.prelu1 = nn.Conv2d(3, 32, 3), nn.PReLU(32)
        self.conv2, self.prelu2 = nn.Conv2d(32, 64, 3), nn.PReLU(64)
        self.conv3, self.prelu3 = nn.Conv2d(64, 64, 3), nn.PReLU(64)
        self.conv4, self.prelu4 = nn.Conv2d(64, 128, 2), nn.PReLU(128)
        self.dense5, self.prelu5 = nn.Linear(1152, 256), nn.PReLU(256)
        self.dense6_1 = nn.Linear(256, 2)
        self.dense6_2 = nn.Linear(256, 4)
        self.dense6_3 = nn.Linear(256, 10)

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        x = F.max_pool2d(self.prelu1(self.conv1(x)), 3, 2, ceil_mode=True)
        x = F.max_pool2d(self.prelu2(self.conv2(x)), 3, 2, ceil_mode=True)
        x = F.max_pool2d(self.prelu3(self.conv3(x)), 2, 2, ceil_mode=True)
        x = self.prelu4(self.conv4(x))
        x = self.prelu5(self.dense5(x.permute(0, 3, 2, 1).reshape(x.shape[0], -1)))
        return self.dense6_2(x), self.dense6_3(x), torch.softmax(self.dense6_1(x), dim=1)


class MTCNN(nn.Module):
    """The cascade with its detection settings."""

    def __init__(
        self,
        min_face: int = 32,
        thresholds: tuple[float, float, float] = (0.6, 0.7, 0.8),
        factor: float = 0.709,
    ) -> None:
        super().__init__()
        self.pnet, self.rnet, self.onet = PNet(), RNet(), ONet()
        self.min_face = min_face
        self.thresholds = thresholds
        self.factor = factor

    @torch.inference_mode()
    def detect(self, images: torch.Tensor, min_face: int | None = None) -> list[list[Detection]]:
        """Detect faces of ``min_face`` pixels and more (default: the detector's) in RGB images (N, H, W, 3) uint8.

        The images are on the model's device. ``min_face`` is an argument so that threads can share a detector.
        """
        if images.ndim != 4 or images.shape[-1] != 3:
            raise ValueError("images must be (N, H, W, 3)")
        if images.device.type == "cpu":  # OpenCV resizes several times faster than torch's area pooling
            x: torch.Tensor | _HostImages = _HostImages(images.numpy())
        else:
            x = _normalised(images)
        n, _, h, w = x.shape
        boxes, image_ids = self._stage1(x, min_face or self.min_face)
        boxes, image_ids = self._refine(x, boxes, image_ids)
        boxes, image_ids, points = self._output(x, boxes, image_ids)
        out: list[list[Detection]] = [[] for _ in range(n)]
        for box, img, pts in zip(boxes.cpu().numpy(), image_ids.cpu().tolist(), points.cpu().numpy(), strict=True):
            x1, y1, x2, y2 = np.clip(box[:4], [0, 0, 0, 0], [w, h, w, h])
            if x2 - x1 < 2 or y2 - y1 < 2:
                continue
            out[img].append(Detection(np.array([x1, y1, x2, y2], np.float32), float(box[4]), pts.astype(np.float32)))
        return out

    # -- stages -------------------------------------------------------------------------

    def _stage1(self, x: torch.Tensor | _HostImages, min_face: int) -> tuple[torch.Tensor, torch.Tensor]:
        _, _, h, w = x.shape
        all_boxes, all_ids = [], []
        pyramid = _Pyramid(x)
        for scale in cascade.scales(h, w, min_face, self.factor):
            size = (int(h * scale + 1), int(w * scale + 1))
            reg, prob = self.pnet(pyramid.level(size))
            score = prob[:, 1]
            ids, ys, xs = (score >= self.thresholds[0]).nonzero(as_tuple=True)
            if ids.numel() == 0:
                continue
            s = score[ids, ys, xs]
            r = reg[ids, :, ys, xs]
            q1x = torch.floor((2 * xs.float() + 1) / scale)
            q1y = torch.floor((2 * ys.float() + 1) / scale)
            q2x = torch.floor((2 * xs.float() + 12) / scale)
            q2y = torch.floor((2 * ys.float() + 12) / scale)
            b = torch.stack([q1x, q1y, q2x, q2y, s], dim=1)
            b = torch.cat([b, r], dim=1)
            keep = _batched_nms(b[:, :4], b[:, 4], ids, 0.5)
            all_boxes.append(b[keep])
            all_ids.append(ids[keep])
        if not all_boxes:
            return torch.zeros((0, 5), device=x.device), torch.zeros(0, dtype=torch.long, device=x.device)
        b = torch.cat(all_boxes)
        ids = torch.cat(all_ids)
        keep = _batched_nms(b[:, :4], b[:, 4], ids, 0.7)
        b, ids = b[keep], ids[keep]
        bw, bh = b[:, 2] - b[:, 0], b[:, 3] - b[:, 1]
        refined = torch.stack(
            [b[:, 0] + b[:, 5] * bw, b[:, 1] + b[:, 6] * bh, b[:, 2] + b[:, 7] * bw, b[:, 3] + b[:, 8] * bh, b[:, 4]],
            dim=1,
        )
        return _square(refined), ids

    def _refine(
        self, x: torch.Tensor | _HostImages, boxes: torch.Tensor, ids: torch.Tensor
    ) -> tuple[torch.Tensor, torch.Tensor]:
        if boxes.shape[0] == 0:
            return boxes, ids
        reg, prob = self.rnet(_crops(x, boxes, ids, 24))
        score = prob[:, 1]
        passed = score > self.thresholds[1]
        boxes = torch.cat([boxes[passed, :4], score[passed, None]], dim=1)
        ids, reg = ids[passed], reg[passed]
        keep = _batched_nms(boxes[:, :4], boxes[:, 4], ids, 0.7)
        return _square(_regress(boxes[keep], reg[keep])), ids[keep]

    def _output(
        self, x: torch.Tensor | _HostImages, boxes: torch.Tensor, ids: torch.Tensor
    ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        if boxes.shape[0] == 0:
            return boxes, ids, torch.zeros((0, 5, 2), device=x.device)
        reg, pts, prob = self.onet(_crops(x, boxes, ids, 48))
        score = prob[:, 1]
        passed = score > self.thresholds[2]
        boxes = torch.cat([boxes[passed, :4], score[passed, None]], dim=1)
        ids, reg, pts = ids[passed], reg[passed], pts[passed]
        bw = (boxes[:, 2] - boxes[:, 0] + 1)[:, None]
        bh = (boxes[:, 3] - boxes[:, 1] + 1)[:, None]
        px = bw * pts[:, :5] + boxes[:, 0:1] - 1
        py = bh * pts[:, 5:] + boxes[:, 1:2] - 1
        points = torch.stack([px, py], dim=2)
        boxes = _regress(boxes, reg)
        keep = _batched_nms(boxes[:, :4], boxes[:, 4], ids, 0.7, mode="min")
        return boxes[keep], ids[keep], points[keep]


def _batched_nms(
    boxes: torch.Tensor, scores: torch.Tensor, ids: torch.Tensor, threshold: float, mode: str = "union"
) -> torch.Tensor:
    """NMS within each image: boxes of different images are offset apart so they never overlap."""
    if boxes.numel() == 0:
        return torch.zeros(0, dtype=torch.long, device=boxes.device)
    offset = ids.to(boxes.dtype)[:, None] * (boxes.max() + 1)
    return nms(boxes + offset, scores, threshold, mode)


def _regress(boxes: torch.Tensor, reg: torch.Tensor) -> torch.Tensor:
    w = boxes[:, 2] - boxes[:, 0] + 1
    h = boxes[:, 3] - boxes[:, 1] + 1
    out = boxes.clone()
    out[:, 0] += reg[:, 0] * w
    out[:, 1] += reg[:, 1] * h
    out[:, 2] += reg[:, 2] * w
    out[:, 3] += reg[:, 3] * h
    return out


def _square(boxes: torch.Tensor) -> torch.Tensor:
    out = boxes.clone()
    w = boxes[:, 2] - boxes[:, 0]
    h = boxes[:, 3] - boxes[:, 1]
    side = torch.maximum(w, h)
    out[:, 0] = boxes[:, 0] + w * 0.5 - side * 0.5
    out[:, 1] = boxes[:, 1] + h * 0.5 - side * 0.5
    out[:, 2] = out[:, 0] + side
    out[:, 3] = out[:, 1] + side
    return out


def _normalised(images: torch.Tensor) -> torch.Tensor:
    """uint8 (N, H, W, 3) -> float (N, 3, H, W) in about [-1, 1], as the networks were trained."""
    return (images.permute(0, 3, 1, 2).float() - 127.5) * 0.0078125


class _HostImages:
    """A CPU batch kept as uint8 (N, H, W, 3) arrays and resized with OpenCV before normalising.

    Several times faster than torch's area pooling on the CPU. OpenCV's area interpolation weighs
    partly covered pixels where torch's adaptive pooling takes whole ones, and it rounds to whole
    levels: measured against the torch path when this came in, on six clips (synthetic, the bundled
    sample, two real ones), boxes overlapped at IoU 0.94-0.97, expression probabilities moved by
    0.003-0.03, and every row kept its frame, its person and its top emotion.
    """

    device = torch.device("cpu")

    def __init__(self, images: np.ndarray) -> None:
        self.images = images
        n, h, w, c = images.shape
        self.shape = (n, c, h, w)


class _Pyramid:
    """The batch at ever smaller sizes, by area averaging, as (N, 3, h, w) network inputs.

    On the CPU each level is made from the one before (each is about 0.7 of it), a third of the
    cost of resizing the full image each time; tensors on a GPU are resized from the full image.
    """

    def __init__(self, x: torch.Tensor | _HostImages) -> None:
        self.x = x
        self.previous = x.images if isinstance(x, _HostImages) else None

    def level(self, size: tuple[int, int]) -> torch.Tensor:
        if self.previous is None:  # a tensor (on a GPU)
            return F.interpolate(self.x, size=size, mode="area")  # type: ignore[arg-type]
        h, w = size
        self.previous = np.stack([cv2.resize(im, (w, h), interpolation=cv2.INTER_AREA) for im in self.previous])
        return torch.from_numpy(cascade.normalised(self.previous))


def _crops(x: torch.Tensor | _HostImages, boxes: torch.Tensor, ids: torch.Tensor, size: int) -> torch.Tensor:
    """Crop each box (zero outside the image) and resize to size x size."""
    if isinstance(x, _HostImages):
        return _host_crops(x, boxes, ids, size)
    _, _, h, w = x.shape
    out = []
    for (x1, y1, x2, y2), img in zip(boxes[:, :4].round().long().tolist(), ids.tolist(), strict=True):
        bw, bh = max(x2 - x1 + 1, 1), max(y2 - y1 + 1, 1)
        patch = x.new_zeros((3, bh, bw))
        sx1, sy1, sx2, sy2 = max(x1, 0), max(y1, 0), min(x2 + 1, w), min(y2 + 1, h)
        if sx2 > sx1 and sy2 > sy1:
            patch[:, sy1 - y1 : sy2 - y1, sx1 - x1 : sx2 - x1] = x[img, :, sy1:sy2, sx1:sx2]
        out.append(F.interpolate(patch[None], size=(size, size), mode="area"))
    return torch.cat(out)


def _host_crops(x: _HostImages, boxes: torch.Tensor, ids: torch.Tensor, size: int) -> torch.Tensor:
    return torch.from_numpy(cascade.crops(x.images, boxes.numpy(), ids.numpy(), size))
