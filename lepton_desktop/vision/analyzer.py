"""Frame-by-frame analysis: detect, track, align, classify with the CNN-LSTM.

Feed frames in order with :meth:`FrameAnalyzer.feed`; it returns the rows that
became final, and :meth:`FrameAnalyzer.finish` returns the rest. Rows come out
with a delay of a few detection strides, because a frame is final only once
every track that might bridge it has been decided. Memory stays flat on long
videos: only the undecided frames (grayscale) and each track's LSTM state are
kept.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any

import cv2
import numpy as np
import numpy.typing as npt

from lepton_desktop.vision.actions import ActionReader, face_crop
from lepton_desktop.vision.align import MODEL_INPUT, FaceGeometry, aligned_crop, model_input, to_gray
from lepton_desktop.vision.networks import Networks
from lepton_desktop.vision.overlap import iou_matrix
from lepton_desktop.vision.tracker import FaceTracker, Track


@dataclass(frozen=True)
class AnalysisSettings:
    """Knobs of one analysis; stored with the run so a rerun with the same knobs is reused."""

    stride: int = 3
    """Detect faces every ``stride`` frames; the tracker fills the frames between."""
    detect_max_side: int = 640
    """Frames are downscaled towards this longer side for detection (crops use full resolution)..."""
    min_face: int = 40
    """...but never so far that a face of ``min_face`` source pixels gets smaller than DETECT_MIN_FACE."""
    max_missed: int = 3
    """Detection frames a track may miss in a row and still be bridged."""
    detect_batch: int = 4
    """Detection frames run through the detector together."""
    actions: bool = False
    """Also read the 52 facial actions of every face (MediaPipe blendshapes; see ``vision.actions``)."""
    steady_stride: int = 4
    """While every face is steady, detect only every ``steady_stride``-th detection frame (1: never skip).
    When something changes (a face appears, is lost or moves off its course) the skipped detection
    frames are detected after all, so the tracks are as if no frame had been skipped."""

    def to_params(self) -> dict[str, int]:
        """The settings as a JSON-able dict (``actions`` only when on, so older runs keep matching)."""
        params = {
            "stride": self.stride,
            "detect_max_side": self.detect_max_side,
            "min_face": self.min_face,
            "max_missed": self.max_missed,
        }
        if self.steady_stride != 1:
            params["steady_stride"] = self.steady_stride
        if self.actions:
            params["actions"] = 1
        return params


DETECT_MIN_FACE = 20
"""Smallest face side, in detection-image pixels, that MTCNN is asked to find (its cells are 12 px)."""

STEADY_IOU = 0.7
"""A face is steady when its box where the track expected it overlaps the detected one at least this much."""

STEADY_AFTER = 3
"""Steady detections in a row before detection frames are skipped."""


def detection_scale(width: int, height: int, settings: AnalysisSettings) -> float:
    """How much to shrink a frame for detection: towards ``detect_max_side``, keeping small faces findable."""
    towards_target = settings.detect_max_side / max(width, height)
    keep_small_faces = DETECT_MIN_FACE / max(settings.min_face, 1)
    return min(1.0, max(towards_target, keep_small_faces))


@dataclass(frozen=True, eq=False)
class FaceRows:
    """Results for many (frame, track) pairs: rows are parallel arrays."""

    frames: npt.NDArray[np.int32]
    tracks: npt.NDArray[np.int32]
    """Track numbers, 1, 2, ... in order of first appearance."""
    boxes: npt.NDArray[np.float32]
    """x, y, w, h in the pixels of the frames fed."""
    probs: npt.NDArray[np.float32]
    landmarks: npt.NDArray[np.float32] | None = None
    """(n, 5, 2) the landmarks each crop was aligned with (None for rows stored without them)."""
    actions: npt.NDArray[np.float32] | None = None
    """(n, 52) facial action coefficients (``core.actions.ACTION_NAMES``), NaN where the landmarker found
    no face; None when the run did not read actions."""

    def __len__(self) -> int:
        return int(self.frames.shape[0])

    def select(self, mask: npt.NDArray[np.bool_]) -> FaceRows:
        """The rows where ``mask`` is true."""
        return FaceRows(
            self.frames[mask], self.tracks[mask], self.boxes[mask], self.probs[mask],
            None if self.landmarks is None else self.landmarks[mask],
            None if self.actions is None else self.actions[mask],
        )  # fmt: skip

    @classmethod
    def concat(cls, blocks: list[FaceRows]) -> FaceRows:
        """Blocks of rows, one after the other (landmarks and actions only if every block has them)."""

        def joined(name: str) -> Any:
            parts = [getattr(b, name) for b in blocks]
            return None if any(p is None for p in parts) else np.concatenate(parts)

        return cls(joined("frames"), joined("tracks"), joined("boxes"), joined("probs"),
                   joined("landmarks"), joined("actions"))  # fmt: skip


@dataclass
class _TrackOutput:
    number: int
    memory: Any = None
    """The temporal head's state, as the networks keep it."""


@dataclass
class _Pending:
    gray: npt.NDArray[np.uint8]
    faces: list[FaceGeometry] | None = None
    detect_image: npt.NDArray[np.uint8] | None = None
    """Set on detection frames until they are detected (or skipped while the faces are steady)."""
    scale: float = 1.0
    rgb: npt.NDArray[np.uint8] | None = None
    """The colour frame, kept only while actions are read (the landmarker wants colour)."""
    scheduled: bool = False
    """Detected in the next batch; a detection frame that is not scheduled is detected only if
    the faces turn out not to have been steady around it."""


@dataclass
class _Batch:
    frames: list[int] = field(default_factory=list)
    numbers: list[int] = field(default_factory=list)
    boxes: list[npt.NDArray[np.float32]] = field(default_factory=list)
    landmarks: list[npt.NDArray[np.float32]] = field(default_factory=list)
    crops: list[npt.NDArray[np.uint8]] = field(default_factory=list)
    faces: list[npt.NDArray[np.uint8]] = field(default_factory=list)
    """Colour crops for the facial actions (empty when not read)."""


class FrameAnalyzer:
    """Stateful analysis of one video's frames, fed in order."""

    def __init__(self, networks: Networks, settings: AnalysisSettings, actions: ActionReader | None = None) -> None:
        """Analyse with ``networks`` (the detector and expression model, PyTorch or ONNX Runtime).

        ``actions``: the reader of facial actions, when ``settings.actions`` is on (the caller closes it).
        """
        if settings.actions and actions is None:
            raise ValueError("settings ask for facial actions but no ActionReader was given")
        self.actions = actions if settings.actions else None
        self.networks = networks
        self.settings = settings
        self.tracker = FaceTracker(max_missed=settings.max_missed)
        self._pending: OrderedDict[int, _Pending] = OrderedDict()
        self._outputs: dict[int, _TrackOutput] = {}
        self._next_number = 1
        self._last_detected = -1
        self._last_fed = -1
        self._last_rgb: npt.NDArray[np.uint8] | None = None
        self._next_grid = 0
        """The first frame index that may be the next detection frame (frames may arrive with gaps)."""
        self._skip = 1
        """Detect one detection frame in ``_skip``: 1, or ``settings.steady_stride`` while faces are steady."""
        self._since_scheduled = self._skip
        self._steady = 0
        self.faces_found = 0
        self.detections = 0
        """Detection frames actually run through the detector (for benchmarks)."""

    # -- feeding ---------------------------------------------------------------------

    def feed(
        self, index: int, rgb: npt.NDArray[np.uint8], gray: npt.NDArray[np.uint8] | None = None
    ) -> FaceRows | None:
        """Take frame ``index`` (RGB, display orientation; ``gray``: its ``to_gray``, if already made).

        Returns the rows that became final. Indexes must increase; gaps are fine.
        """
        if index <= self._last_fed:
            raise ValueError("frames must be fed in increasing order")
        self._last_fed = index
        self._last_rgb = rgb
        pending = _Pending(to_gray(rgb) if gray is None else gray, rgb=rgb if self.actions is not None else None)
        if index >= self._next_grid:  # a detection frame: every stride-th, counted from the last
            self._next_grid = index + self.settings.stride
            pending.detect_image, pending.scale = _downscale(rgb, self.settings)
            self._since_scheduled += 1
            if self._since_scheduled >= self._skip:
                pending.scheduled = True
                self._since_scheduled = 0
        self._pending[index] = pending
        waiting = [i for i, p in self._pending.items() if p.scheduled and p.faces is None]
        if len(waiting) >= self.settings.detect_batch:
            self._run_detections(waiting)
            return self._finalise(upto=self._horizon())
        return None

    def finish(self) -> FaceRows | None:
        """Flush everything (the last frame is always a detection frame)."""
        if self._pending:
            last = next(reversed(self._pending))
            tail = self._pending[last]
            if tail.faces is None:
                # end on a detection so that the last frames are bracketed
                if tail.detect_image is None and self._last_rgb is not None:
                    tail.detect_image, tail.scale = _downscale(self._last_rgb, self.settings)
                tail.scheduled = tail.detect_image is not None
            waiting = [i for i, p in self._pending.items() if p.scheduled and p.faces is None]
            if waiting:
                self._run_detections(waiting)
        return self._finalise(upto=None)

    # -- stages ----------------------------------------------------------------------

    def _run_detections(self, indexes: list[int]) -> None:
        """Detect the scheduled frames and feed them to the tracker in order.

        The detection frames skipped before each are detected first unless its faces are the tracked
        ones where their tracks expected them (nothing came, went or strayed in between); then how many
        to skip next is decided.
        """
        found = self._detect(indexes)
        for index in indexes:
            steady = self._is_steady(index, found[index])
            last = self._last_detected
            skipped = [i for i, p in self._pending.items() if last < i < index and p.detect_image is not None]
            if skipped and not steady:
                found_between = self._detect(skipped)
                for between in skipped:
                    self._track(between, found_between[between])
            for between in skipped:
                self._pending[between].detect_image = None  # steady: the tracker's interpolation stands
            self._track(index, found[index])
            self._steady = self._steady + 1 if steady else 0
            self._skip = self.settings.steady_stride if self._steady >= STEADY_AFTER else 1

    def _detect(self, indexes: list[int]) -> dict[int, list[FaceGeometry]]:
        """The faces on these detection frames, in source pixels (the tracker is not told)."""
        images = [self._pending[i].detect_image for i in indexes]
        scale = self._pending[indexes[0]].scale
        # look for faces of min_face source pixels, as they appear after downscaling (never below 20 px)
        min_face = max(DETECT_MIN_FACE, round(self.settings.min_face * scale))
        if len({im.shape for im in images if im is not None}) == 1:
            results = self.networks.detect(np.stack(images), min_face)  # type: ignore[arg-type]
        else:  # frames of different sizes cannot share a batch
            results = [self.networks.detect(im[None], min_face)[0] for im in images]  # type: ignore[index]
        self.detections += len(indexes)
        out = {}
        for index, detections in zip(indexes, results, strict=True):
            scale = self._pending[index].scale
            out[index] = [
                FaceGeometry((d.box / scale).astype(np.float32), (d.landmarks / scale).astype(np.float32))
                for d in detections
            ]
        return out

    def _track(self, index: int, faces: list[FaceGeometry]) -> None:
        pending = self._pending[index]
        pending.faces = faces
        pending.detect_image = None
        self.tracker.update(index, faces)
        self._last_detected = index

    def _is_steady(self, index: int, faces: list[FaceGeometry]) -> bool:
        """Whether these faces are exactly the tracked ones, each close to where its track expected it."""
        alive = [t for t in self.tracker.tracks if t.alive]
        if len(alive) != len(faces) or any(t.missed or len(t.frames) < self.tracker.min_hits for t in alive):
            return False
        if not alive:
            return True
        expected = np.stack([t.predicted_box(index) for t in alive])
        iou = iou_matrix(expected, np.stack([f.box for f in faces]))
        best = iou.argmax(axis=1)
        return len(set(best.tolist())) == len(alive) and bool((iou.max(axis=1) >= STEADY_IOU).all())

    def _horizon(self) -> int:
        """The last frame no later detection can change: before every live track's last sighting."""
        alive = [t.frames[-1] for t in self.tracker.tracks if t.alive and t.frames]
        return min([self._last_detected, *alive]) - 1

    def _finalise(self, upto: int | None) -> FaceRows | None:
        batch = _Batch()
        done = []
        for index, pending in self._pending.items():
            if upto is not None and index > upto:
                break
            for track in self.tracker.tracks:
                if not self.tracker.confirmed(track):
                    continue
                face = track.geometry_at(index)
                if face is None:
                    continue
                number = self._number(track)
                batch.frames.append(index)
                batch.numbers.append(number)
                x1, y1, x2, y2 = face.box
                batch.boxes.append(np.array([x1, y1, x2 - x1, y2 - y1], np.float32))
                batch.landmarks.append(np.asarray(face.landmarks, np.float32).reshape(5, 2))
                batch.crops.append(aligned_crop(pending.gray, face, MODEL_INPUT))
                if pending.rgb is not None:
                    batch.faces.append(face_crop(pending.rgb, face.box))
            done.append(index)
        for index in done:
            del self._pending[index]
        if done:
            self.tracker.forget_before(done[-1])
        if not batch.frames:
            return None
        self.faces_found = max(self.faces_found, self._next_number - 1)
        return self._classify(batch)

    def _number(self, track: Track) -> int:
        out = self._outputs.get(track.key)
        if out is None:
            out = self._outputs[track.key] = _TrackOutput(self._next_number)
            self._next_number += 1
        return out.number

    def _classify(self, batch: _Batch) -> FaceRows:
        numbers = np.asarray(batch.numbers, np.int32)
        frames = np.asarray(batch.frames, np.int32)
        by_number = {out.number: out for out in self._outputs.values()}
        tracks = []
        for number in np.unique(numbers):
            rows = np.nonzero(numbers == number)[0]
            tracks.append((rows[np.argsort(frames[rows], kind="stable")], by_number[int(number)]))
        probs, memories = self.networks.classify(
            model_input(np.stack(batch.crops)), [(rows, out.memory) for rows, out in tracks]
        )
        for (_, out), memory in zip(tracks, memories, strict=True):
            out.memory = memory
        order = np.lexsort((numbers, frames))
        marks = np.stack(batch.landmarks)[order]
        actions = None if self.actions is None else self.actions.read(batch.faces)[order]
        return FaceRows(frames[order], numbers[order], np.stack(batch.boxes)[order], probs[order], marks, actions)


def _downscale(rgb: npt.NDArray[np.uint8], settings: AnalysisSettings) -> tuple[npt.NDArray[np.uint8], float]:
    h, w = rgb.shape[:2]
    scale = detection_scale(w, h, settings)
    if scale >= 1.0:
        return np.ascontiguousarray(rgb), 1.0
    size = (max(1, round(w * scale)), max(1, round(h * scale)))
    return cv2.resize(rgb, size, interpolation=cv2.INTER_AREA), scale  # type: ignore[return-value]
