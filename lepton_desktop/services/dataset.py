"""Export corrected footage as a fine-tuning dataset: a generator, like every long job.

    for step in export_dataset("study.lepton", "faces-v1", ExportOptions(stride=5)):
        print(step.done, step.total)

Layout (read by Hugging Face ``datasets`` "imagefolder" without glue)::

    faces-v1/
      README.md                     dataset card: counts, model version, settings
      export.json                   the same as data, with the dataset fingerprint
      metadata.jsonl                one line per crop, all splits (file_name from here)
      train/metadata.jsonl          the split's lines, file_name relative to train/
      train/<label>/<name>.png      colour crops (``color_size``), every ``stride``-th labelled frame
      val/...
      model_input/train.npz         the same crops at the model's input: gray 64x64, labels, names
      sequences/train/<name>.npz    per-track runs of consecutive frames: crops, labels, frames

Where the analysis read facial actions, each ``metadata.jsonl`` line has ``actions`` (the 52
coefficients in ``export.json``'s ``action_names`` order, null where no face was found) and the
npz files an ``actions`` array (NaN where none).

With ``features_only`` no face pixels are written: ``features/<split>.npz``
and the sequences hold the CNN's embeddings and logits instead.

Crops come from :func:`~lepton_desktop.vision.align.aligned_crop` with the
landmarks stored at analysis time, so they are exactly what the model saw.
Splits are by video, deterministic for a seed. The dataset is written into a
temporary folder beside the target and renamed at the end: an interrupted
export leaves nothing behind, and the project is only read.
"""

from __future__ import annotations

import json
import os
import shutil
import time
from collections import defaultdict
from collections.abc import Callable, Generator, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import numpy.typing as npt

from lepton_desktop.core.actions import ACTION_NAMES
from lepton_desktop.core.emotions import EMOTIONS
from lepton_desktop.core.errors import LeptonError
from lepton_desktop.core.processes import process_alive
from lepton_desktop.core.records import ModelVersion
from lepton_desktop.services.dataset_card import dataset_card
from lepton_desktop.services.dataset_plan import ExportError, ExportOptions, Plan, TrackPlan, make_plan, split_videos
from lepton_desktop.services.dataset_summary import (
    MIN_SEQUENCE,
    SPLITS,
    Window,
    export_summary,
    folder_fingerprint,
)
from lepton_desktop.store import Project, open_project
from lepton_desktop.video import VideoReader
from lepton_desktop.vision.align import MODEL_INPUT, aligned_crop, to_gray

__all__ = ["ExportError", "ExportOptions", "ExportProgress", "export_dataset", "split_videos"]


@dataclass(frozen=True)
class ExportProgress:
    """One step of an export."""

    done: int
    total: int
    """Frames to decode, over all videos."""
    message: str = ""
    summary: dict[str, Any] | None = None
    """Set on the last step: what ``lepton export`` prints."""

    @property
    def finished(self) -> bool:
        """True on the last step."""
        return self.summary is not None


# -- writing ---------------------------------------------------------------------------


class _Features:
    """Embeddings and CNN logits of gray crops, for ``features_only`` exports."""

    def __init__(self, project: Project, options: ExportOptions) -> None:
        from lepton_desktop.services.engine import get_engine
        from lepton_desktop.services.models import pick_version, version_weights

        self.version = pick_version(project, options.model_version)
        self.engine = get_engine(options.device, version_weights(self.version, project))

    def __call__(self, crops: npt.NDArray[np.uint8]) -> tuple[npt.NDArray[np.float32], npt.NDArray[np.float32]]:
        import torch

        from lepton_desktop.vision.align import model_input

        with torch.inference_mode():
            x = torch.from_numpy(model_input(crops)).to(self.engine.device)
            emb, logits = self.engine.model.frame_outputs(x)
        return emb.float().cpu().numpy(), logits.float().cpu().numpy()


def _write_bytes(path: Path, data: bytes) -> None:
    with path.open("wb") as handle:
        handle.write(data)


def _png(image: npt.NDArray[np.uint8]) -> bytes:
    bgr = cv2.cvtColor(image, cv2.COLOR_RGB2BGR) if image.ndim == 3 else image
    ok, buf = cv2.imencode(".png", bgr)
    if not ok:
        raise ExportError("A face crop could not be encoded as PNG.")
    return buf.tobytes()


def _npz(path: Path, **arrays: Any) -> None:
    with path.open("wb") as handle:
        np.savez_compressed(handle, **arrays)


def _frame_groups(frames: list[int], gap: int = 300) -> list[tuple[int, int]]:
    """Ranges [lo, hi] of needed frames, split where the gap would cost more to decode than to seek."""
    groups: list[tuple[int, int]] = []
    for f in frames:
        if groups and f - groups[-1][1] <= gap:
            groups[-1] = (groups[-1][0], f)
        else:
            groups.append((f, f))
    return groups


def export_dataset(
    project: str | Path,
    out: str | Path,
    options: ExportOptions | None = None,
    *,
    should_stop: Callable[[], bool] = lambda: False,
) -> Iterator[ExportProgress]:
    """Write the dataset to ``out`` (which must not exist yet); see the module docstring."""
    options = options or ExportOptions()
    if options.stride < 1 or options.sequence_length < 2 or not 0.0 <= options.val_share < 1.0:
        raise ExportError("Export settings out of range: stride >= 1, sequence length >= 2, 0 <= val share < 1.")
    target = Path(out).expanduser().resolve()
    if target.exists() and (not target.is_dir() or any(target.iterdir())):
        raise ExportError(f"{target} already exists and is not empty; choose a new folder for the dataset.")
    with open_project(project) as proj:
        plan = make_plan(proj, options)
        features = _Features(proj, options) if options.features_only else None
        versions = {v.id: v for v in proj.model_versions.list()}
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        remove_abandoned_parts(target.parent)
        tmp = target.parent / f".{target.name}.part-{os.getpid()}"
        if tmp.exists():
            shutil.rmtree(tmp)
        tmp.mkdir()
    except OSError as exc:
        raise ExportError(f"Cannot write the dataset next to {target}: {exc.strerror or exc}.") from None
    try:
        written = yield from _write(plan, tmp, options, features, should_stop)
        summary = None if written.cancelled else _finish(plan, written, tmp, target, options, features, versions)
    except OSError as exc:
        shutil.rmtree(tmp, ignore_errors=True)
        raise ExportError(f"Writing the dataset failed: {exc.strerror or exc} ({exc.filename or tmp}). "
                          "Nothing was kept; free some space or choose another folder.") from None  # fmt: skip
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    if summary is None:
        shutil.rmtree(tmp, ignore_errors=True)
        yield ExportProgress(0, 0, "cancelled", {"state": "cancelled", "output": None})
        return
    yield ExportProgress(summary["frames"], summary["frames"], "done", summary)


def remove_abandoned_parts(folder: Path) -> list[Path]:
    """Delete half-written exports (``.NAME.part-PID``) in ``folder`` whose process no longer exists.

    A killed export cannot clean up after itself; the next export next to it does. Folders of a
    process that is still running (another export in progress) are left alone.
    """
    removed = []
    for part in folder.glob(".*.part-*"):
        pid = part.name.rsplit(".part-", 1)[-1]
        if part.is_dir() and pid.isdigit() and not process_alive(int(pid)):
            shutil.rmtree(part, ignore_errors=True)
            removed.append(part)
    return removed


@dataclass
class _Written:
    lines: list[dict[str, Any]] = field(default_factory=list)
    model_crops: dict[str, list[npt.NDArray[np.uint8]]] = field(default_factory=lambda: defaultdict(list))
    model_feats: dict[str, list[npt.NDArray[np.float32]]] = field(default_factory=lambda: defaultdict(list))
    model_logits: dict[str, list[npt.NDArray[np.float32]]] = field(default_factory=lambda: defaultdict(list))
    model_actions: dict[str, list[npt.NDArray[np.float32]]] = field(default_factory=lambda: defaultdict(list))
    windows: dict[str, list[Window]] = field(default_factory=lambda: defaultdict(list))
    """Per split, the sequence files written (their counts, frames and labels make the summary)."""
    cancelled: bool = False


def _write(
    plan: Plan,
    tmp: Path,
    options: ExportOptions,
    features: _Features | None,
    should_stop: Callable[[], bool],
) -> Generator[ExportProgress, None, _Written]:
    total = sum(len(t.frames) for t in plan.tracks)
    done = 0
    written = _Written()
    by_video: dict[int, list[TrackPlan]] = defaultdict(list)
    for t in plan.tracks:
        by_video[t.video.id].append(t)
    last = time.perf_counter()
    for tracks in by_video.values():
        video = tracks[0].video
        needed = sorted({int(f) for t in tracks for f in t.frames})
        gray_crops: dict[tuple[int, int], npt.NDArray[np.uint8]] = {}
        try:
            reader = VideoReader(video.path)
        except LeptonError as exc:
            raise ExportError(
                f"Video {video.path} cannot be read ({exc}); relink it with `lepton project add`."
            ) from None
        wanted = {t.track_id: set(t.frames.tolist()) for t in tracks}
        with reader:
            for lo, hi in _frame_groups(needed):
                for frame in reader.iter_frames(lo, hi + 1):
                    if should_stop():
                        written.cancelled = True
                        break
                    gray = None
                    for t in tracks:
                        if frame.index not in wanted[t.track_id]:
                            continue
                        face = t.geometry[frame.index]
                        if gray is None:
                            gray = to_gray(frame.image)
                        gray_crops[(t.track_id, frame.index)] = aligned_crop(gray, face, MODEL_INPUT)
                        done += 1
                        if not options.features_only and frame.index % options.stride == 0:
                            _write_image(tmp, t, frame.index, aligned_crop(frame.image, face, options.color_size))
                    now = time.perf_counter()
                    if now - last > 0.2:
                        last = now
                        yield ExportProgress(done, total, f"{Path(video.path).name}: frame {frame.index}")
                if written.cancelled:
                    return written
        for t in tracks:
            _write_track(tmp, t, gray_crops, options, features, written)
    return written


def _crop_name(t: TrackPlan, frame: int) -> str:
    return f"{t.video.fingerprint[:10]}_t{t.track_id}_f{frame:07d}"


def _write_image(tmp: Path, t: TrackPlan, frame: int, crop: npt.NDArray[np.uint8]) -> None:
    label = EMOTIONS[int(t.labels[np.searchsorted(t.frames, frame)])]
    folder = tmp / t.split / label
    folder.mkdir(parents=True, exist_ok=True)
    _write_bytes(folder / f"{_crop_name(t, frame)}.png", _png(crop))


def _write_track(
    tmp: Path,
    t: TrackPlan,
    gray_crops: dict[tuple[int, int], npt.NDArray[np.uint8]],
    options: ExportOptions,
    features: _Features | None,
    written: _Written,
) -> None:
    present = np.array([(t.track_id, int(f)) in gray_crops for f in t.frames])
    frames, labels = t.frames[present], t.labels[present]
    actions = None if t.actions is None else t.actions[present]
    if frames.size == 0:
        return
    crops = np.stack([gray_crops[(t.track_id, int(f))] for f in frames])
    emb = logits = None
    if features is not None:
        emb, logits = features(crops)
    fps = t.video.info.fps or 30.0
    rows = np.flatnonzero(frames % options.stride == 0)
    for r in rows.tolist():
        f = int(frames[r])
        label = EMOTIONS[int(labels[r])]
        name = _crop_name(t, f)
        at = int(np.searchsorted(t.frames, f))
        line = {
            "label": label,
            "video_fingerprint": t.video.fingerprint,
            "video": Path(t.video.path).name,
            "frame": f,
            "time_s": round(f / fps, 4),
            "track": t.track_number,
            "track_id": t.track_id,
            "annotator": t.annotators[at],
            "origin": t.origins[at],
            "split": t.split,
            "model_version": t.model_version_id,
            "name": name,
        }
        if actions is not None:
            line["actions"] = [None if np.isnan(v) else round(float(v), 4) for v in actions[r]]
        written.model_actions[t.split].append(
            actions[r] if actions is not None else np.full(len(ACTION_NAMES), np.nan, np.float32)
        )
        if features is None:
            line = {"file_name": f"{t.split}/{label}/{name}.png", **line}
            written.model_crops[t.split].append(crops[r])
        else:
            assert emb is not None and logits is not None
            written.model_feats[t.split].append(emb[r])
            written.model_logits[t.split].append(logits[r])
        written.lines.append(line)
    # sequences: runs of consecutive frames, cut into windows
    folder = tmp / "sequences" / t.split
    folder.mkdir(parents=True, exist_ok=True)
    breaks = np.flatnonzero(np.diff(frames) != 1) + 1
    for run in np.split(np.arange(frames.size), breaks):
        for lo in range(0, run.size, options.sequence_length):
            window = run[lo : lo + options.sequence_length]
            if window.size < min(MIN_SEQUENCE, options.sequence_length):
                continue
            arrays: dict[str, Any] = {
                "frames": frames[window].astype(np.int32),
                "labels": labels[window].astype(np.int8),
                "track": np.int32(t.track_number),
                "video_fingerprint": np.array(t.video.fingerprint),
            }
            if features is None:
                arrays["crops"] = crops[window]
            else:
                assert emb is not None and logits is not None
                arrays["embeddings"] = emb[window].astype(np.float32)
                arrays["logits"] = logits[window].astype(np.float32)
            if actions is not None:
                arrays["actions"] = actions[window].astype(np.float32)
            _npz(folder / f"{_crop_name(t, int(frames[window[0]]))}.npz", **arrays)
            written.windows[t.split].append(Window(t.video.fingerprint, frames[window], labels[window]))


def _finish(
    plan: Plan,
    written: _Written,
    tmp: Path,
    target: Path,
    options: ExportOptions,
    features: _Features | None,
    versions: dict[int, ModelVersion],
) -> dict[str, Any]:
    lines = written.lines
    names = {line["name"]: i for i, line in enumerate(lines)}
    for split in SPLITS:
        split_lines = [line for line in lines if line["split"] == split]
        (tmp / split).mkdir(exist_ok=True)
        with (tmp / split / "metadata.jsonl").open("w", encoding="utf-8") as handle:
            for line in split_lines:
                local = dict(line)
                if "file_name" in local:
                    local["file_name"] = local["file_name"].split("/", 1)[1]
                handle.write(json.dumps(local) + "\n")
        label_idx = np.array([EMOTIONS.index(line["label"]) for line in split_lines], np.int8)
        index = np.array([names[line["name"]] for line in split_lines], np.int64)
        extra: dict[str, Any] = {}
        if any(t.actions is not None for t in plan.tracks):
            acts = written.model_actions.get(split) or []
            extra["actions"] = np.stack(acts) if acts else np.zeros((0, len(ACTION_NAMES)), np.float32)
        if features is None:
            folder = tmp / "model_input"
            folder.mkdir(exist_ok=True)
            crops = written.model_crops.get(split) or []
            _npz(folder / f"{split}.npz", crops=np.stack(crops) if crops else np.zeros((0, 64, 64), np.uint8),
                 labels=label_idx, lines=index, **extra)  # fmt: skip
        else:
            folder = tmp / "features"
            folder.mkdir(exist_ok=True)
            feats = written.model_feats.get(split) or []
            logits = written.model_logits.get(split) or []
            width = features.engine.model.embedding_size
            _npz(folder / f"{split}.npz",
                 embeddings=np.stack(feats) if feats else np.zeros((0, width), np.float32),
                 logits=np.stack(logits) if logits else np.zeros((0, len(EMOTIONS)), np.float32),
                 labels=label_idx, lines=index, **extra)  # fmt: skip
    with (tmp / "metadata.jsonl").open("w", encoding="utf-8") as handle:
        for line in lines:
            handle.write(json.dumps(line) + "\n")
    features_of = None
    if features is not None:
        features_of = {
            "model_version": features.version.id if features.version else None,
            "weights_sha256": features.engine.weights_sha256,
        }
    summary = export_summary(
        plan, lines, written.windows, target, options, features_of, versions,
        shortest=min(MIN_SEQUENCE, options.sequence_length),
    )  # fmt: skip
    summary["fingerprint"] = folder_fingerprint(tmp)
    (tmp / "export.json").write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")
    (tmp / "README.md").write_text(dataset_card(summary), encoding="utf-8")
    try:
        tmp.rename(target)
    except OSError:
        if target.is_dir() and not any(target.iterdir()):
            target.rmdir()
            tmp.rename(target)
        else:
            raise
    return summary
