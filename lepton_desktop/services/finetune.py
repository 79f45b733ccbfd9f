"""Fine-tune the project's model on an exported dataset; evaluate before and after; keep the result as a version.

    for step in finetune("faces-v1", project="study.lepton"):
        if step.epoch: print(step.epoch.epoch, step.epoch.val_macro_f1)
    print(step.result)   # the last step: before, after, version id

The new weights go to the user data directory as safetensors; the project
records the version with its parent, the dataset fingerprint and the metrics.
A cancelled run keeps nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from lepton_desktop.core.emotions import EMOTIONS
from lepton_desktop.core.metrics import Evaluation
from lepton_desktop.services.dataset_summary import MIN_VALIDATION_FRAMES
from lepton_desktop.services.finetune_data import FineTuneError, load_dataset
from lepton_desktop.services.models import models_dir, pick_version, version_weights
from lepton_desktop.store import open_project
from lepton_desktop.vision.device import describe, pick_device
from lepton_desktop.vision.training import EpochReport, TrainSettings, evaluate_model, fine_tune
from lepton_desktop.vision.weights import load_emotion_model, save_emotion_model

__all__ = ["FineTuneError", "FineTuneProgress", "finetune", "load_dataset", "write_confusion_png"]


@dataclass(frozen=True)
class FineTuneProgress:
    """A step of fine-tuning: a message, an epoch report, or (last) the result."""

    message: str
    epoch: EpochReport | None = None
    result: dict[str, Any] | None = None

    @property
    def finished(self) -> bool:
        """True on the last step."""
        return self.result is not None


def finetune(
    dataset: str | Path,
    *,
    project: str | Path,
    settings: TrainSettings | None = None,
    device: str = "auto",
    name: str | None = None,
    activate: bool = False,
    should_stop: Callable[[], bool] = lambda: False,
) -> Iterator[FineTuneProgress]:
    """Fine-tune from the project's active version; see the module docstring."""
    settings = settings or TrainSettings()
    data = load_dataset(dataset)
    if settings.train_cnn and data.features_only:  # no pixels: only the temporal head can learn
        settings = replace(settings, train_cnn=False)
    dev = pick_device(device)
    with open_project(project) as proj:
        parent = pick_version(proj, None)
        model = load_emotion_model(version_weights(parent, proj))
    if data.features_only:
        made_by = (data.info.get("features_of") or {}).get("weights_sha256")
        if made_by != parent.weights_sha256:
            raise FineTuneError(
                "The features in this dataset were computed by another model version than the active one "
                f"(version {parent.id}); activate that version or export the dataset again."
            )
    model = model.to(dev)
    for note in data.notes:
        yield FineTuneProgress(f"validation: {note}")
    yield FineTuneProgress(f"evaluating version {parent.id} on {len(data.val)} validation sequences")
    before = evaluate_model(model, data.val, dev)
    trainer = fine_tune(model, data.train, data.val, settings, dev, should_stop)
    while True:
        try:
            report = next(trainer)
        except StopIteration as stop:
            result = stop.value
            break
        yield FineTuneProgress(f"epoch {report.epoch}/{report.epochs}", epoch=report)
    if result.state == "cancelled":
        yield FineTuneProgress("cancelled", result={"state": "cancelled", "version_id": None})
        return
    after = evaluate_model(result.model, data.val, dev)
    folder = models_dir()
    tmp = folder / "incoming.safetensors"
    sha = save_emotion_model(
        result.model, tmp, parent_sha256=parent.weights_sha256, dataset=str(data.info.get("fingerprint", ""))
    )
    path = folder / f"{sha[:16]}.safetensors"
    tmp.replace(path)
    confusion_png = folder / f"{sha[:16]}_confusion.png"
    write_confusion_png(before, after, confusion_png)
    metrics = {
        "before": before.to_json(),
        "after": after.to_json(),
        "better": better(before, after),
        "train": asdict(settings),
        "best_epoch": result.best_epoch,
        "epochs_run": result.epochs_run,
        "stopped": result.state,
        "device": describe(dev),
        "train_sequences": len(data.train),
        "val_sequences": len(data.val),
        "validation": data.validation,
        "confusion_png": str(confusion_png),
    }
    with open_project(project) as proj:
        version = proj.model_versions.ensure(
            name or f"fine-tuned from {parent.id} on {Path(dataset).name}",
            sha,
            weights_path=str(path),
            parent_id=parent.id,
            dataset_fingerprint=data.info.get("fingerprint"),
            metrics=metrics,
        )
        proj.model_versions.keep_weights(sha, path.read_bytes())  # a team project: usable on every machine
        if activate:
            version = proj.model_versions.activate(version.id)
    yield FineTuneProgress(
        "done",
        result={
            "state": result.state,
            "trained": "cnn last block + temporal head" if settings.train_cnn else "temporal head",
            "version_id": version.id,
            "parent_id": parent.id,
            "active": version.active,
            "weights": str(path),
            "before": before.to_json(),
            "after": after.to_json(),
            "verdict": verdict(before, after, parent.id, version.id),
            "best_epoch": result.best_epoch,
            "epochs_run": result.epochs_run,
            "validation": data.validation,
            "confusion_png": str(confusion_png),
        },
    )


GAIN = 0.005
"""Less than this on both accuracy and macro-F1 (on the validation frames) is no gain."""


def better(before: Evaluation, after: Evaluation) -> bool:
    """Whether the fine-tuned model scores higher than its parent on the same validation frames (enough of them)."""
    if after.frames < MIN_VALIDATION_FRAMES:
        return False
    return after.macro_f1 >= before.macro_f1 + GAIN or after.accuracy >= before.accuracy + GAIN


def verdict(before: Evaluation, after: Evaluation, parent_id: int, version_id: int) -> str:
    """One sentence: whether the new version is worth using, on the same validation frames as its parent."""
    scores = (
        f"macro-F1 {before.macro_f1:.3f} → {after.macro_f1:.3f}, "
        f"accuracy {before.accuracy:.3f} → {after.accuracy:.3f} on {after.frames} validation frames"
    )
    if after.frames < MIN_VALIDATION_FRAMES:
        return (
            f"Too few validation frames to tell version {version_id} from version {parent_id} ({scores}; one frame "
            f"is {1 / max(after.frames, 1):.0%} of accuracy): keep version {parent_id} in use, and correct more "
            f"frames (at least {MIN_VALIDATION_FRAMES} held out; other people, other videos) and export again."
        )
    if better(before, after):
        return f"Version {version_id} reads the validation frames better than version {parent_id} ({scores})."
    return (
        f"Version {version_id} is no better than version {parent_id} ({scores}): keep version {parent_id} "
        "in use, or correct more frames (other people, other videos) and export again."
    )


def write_confusion_png(before: Evaluation, after: Evaluation, path: Path) -> None:
    """Two confusion matrices side by side (rows: truth; shade: share of the row), with counts."""
    cell, pad, top, left = 44, 24, 56, 84
    k = len(EMOTIONS)
    width = left + 2 * k * cell + 3 * pad
    height = top + k * cell + 60
    image = np.full((height, width, 3), 255, np.uint8)
    font = cv2.FONT_HERSHEY_SIMPLEX
    for panel, (title, ev) in enumerate((("before", before), ("after", after))):
        x0 = left + panel * (k * cell + 2 * pad)
        matrix = np.asarray(ev.confusion, np.float64)
        share = matrix / np.maximum(matrix.sum(1, keepdims=True), 1)
        label = f"{title}: acc {ev.accuracy:.2f}  macro-F1 {ev.macro_f1:.2f}"
        cv2.putText(image, label, (x0, 22), font, 0.5, (0, 0, 0), 1, cv2.LINE_AA)
        for j, name in enumerate(EMOTIONS):
            cv2.putText(image, name[:4], (x0 + j * cell + 6, top - 8), font, 0.4, (60, 60, 60), 1, cv2.LINE_AA)
        for i in range(k):
            if panel == 0:
                cv2.putText(image, EMOTIONS[i], (4, top + i * cell + 27), font, 0.45, (60, 60, 60), 1, cv2.LINE_AA)
            for j in range(k):
                shade = int(255 - 200 * share[i, j])
                colour = (shade, shade, 255) if i != j else (shade, 255, shade)
                p1 = (x0 + j * cell, top + i * cell)
                cv2.rectangle(image, p1, (p1[0] + cell - 2, p1[1] + cell - 2), colour, -1)
                if matrix[i, j]:
                    cv2.putText(image, str(int(matrix[i, j])), (p1[0] + 4, p1[1] + 27), font, 0.4, (0, 0, 0), 1,
                                cv2.LINE_AA)  # fmt: skip
    cv2.putText(image, "rows: label, columns: model", (left, height - 20), font, 0.45, (90, 90, 90), 1, cv2.LINE_AA)
    ok, buf = cv2.imencode(".png", image)
    if not ok:
        raise FineTuneError("The confusion-matrix image could not be encoded.")
    path.write_bytes(buf.tobytes())
