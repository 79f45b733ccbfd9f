"""Model versions of a project: where their weights live, which one is active, which one an analysis uses."""

from __future__ import annotations

import functools
import hashlib
import json
import os
from pathlib import Path
from typing import Any

from lepton_desktop.core.errors import LeptonError
from lepton_desktop.core.paths import user_cache_dir, user_data_dir
from lepton_desktop.core.records import ModelVersion
from lepton_desktop.store import Project, open_project
from lepton_desktop.store.errors import RecordNotFoundError
from lepton_desktop.vision.weight_files import (
    DEFAULT_MODEL,
    SHIPPED_MODELS,
    ShippedModel,
    bundled_weights,
    file_sha256,
    read_metadata,
    reads_mirrored,
)

RETIRED_SHIPPED = {
    "96963fab93e7f9caf9474416e8e394a378ca2c283fc208806edea750b2d354e1": "Lepton ResNet FER+ v1",
    "0db53ec1f4a6086321cf8db20ffc8afe93fee775a4b5a16be3a0e46e0e314442": "Lepton ResNet FER+ v2, class-balanced",
    "eab942ab37dac19e17cd11ac6a90d9808193fe86ea0cffbd5d119c0bac867632": "Lepton ResNet v2 + face-api.js ensemble",
}
"""Weights an earlier release shipped as a model and this one no longer installs: sha256 -> name.

Projects keep those versions and their runs; a project whose active version is one of them moves
to the shipped default, as it would from any other shipped model."""


class ModelVersionError(LeptonError):
    """A model version cannot be used (unknown id, weights missing or changed)."""


def models_dir() -> Path:
    """Where fine-tuned weights are kept (the user data directory, never the install folder)."""
    path = user_data_dir() / "models"
    path.mkdir(parents=True, exist_ok=True)
    return path


@functools.cache
def shipped_sha256(model: ShippedModel) -> str:
    """SHA-256 of a shipped model's weights (read once: an installation's files do not change)."""
    return file_sha256(bundled_weights(model.file))


def shipped_by_sha256() -> dict[str, ShippedModel]:
    """Shipped models by the hash of their weights."""
    return {shipped_sha256(m): m for m in SHIPPED_MODELS}


def ensure_shipped(project: Project) -> ModelVersion:
    """Register every shipped model as a version of the project (first use); return the default's version.

    When the default model is new to a project whose active version is another shipped model (a
    project made before it shipped), the default becomes active: new analyses use the better model,
    old runs stay as they are. A fine-tuned active version is left active.
    """
    known = {v.weights_sha256 for v in project.model_versions.list()}
    shas = shipped_by_sha256()
    versions = {
        m.file: project.model_versions.ensure(m.name, sha, weights_path=str(bundled_weights(m.file)))
        for sha, m in shas.items()
    }
    default = versions[DEFAULT_MODEL.file]
    if default.weights_sha256 not in known:
        active = project.model_versions.active()
        if (
            active is not None
            and active.id != default.id
            and (active.weights_sha256 in shas or active.weights_sha256 in RETIRED_SHIPPED)
        ):
            default = project.model_versions.activate(default.id)
    return default


def version_weights(version: ModelVersion, project: Project | None = None) -> Path:
    """The weights file of a version (a shipped model is found wherever it is installed).

    A fine-tuned version's file lives on the machine that made it; when it is missing or changed
    here and ``project`` keeps a copy (every fine-tuning stores one), that copy is written to this
    machine's cache, checked against the version's SHA-256, and used.
    """
    shipped = shipped_by_sha256().get(version.weights_sha256)
    if shipped is not None:
        return bundled_weights(shipped.file)
    if version.weights_sha256 in RETIRED_SHIPPED:
        raise ModelVersionError(
            f"Model version {version.id} ({RETIRED_SHIPPED[version.weights_sha256]}) came with an earlier Lepton "
            "Desktop and is no longer installed; its analyses stay in the project. Use the shipped default or "
            "another version (`lepton models`)."
        )
    path = Path(version.weights_path or "")
    whole = bool(version.weights_path) and path.is_file() and file_sha256(path) == version.weights_sha256
    if not whole and project is not None:
        cached = _from_project(version, project)
        if cached is not None:
            return cached
    if not version.weights_path or not path.is_file():
        raise ModelVersionError(
            f"The weights of model version {version.id} ({version.name}) are missing: {path}. "
            "Activate another version with `lepton models activate ID`."
        )
    if not whole:
        raise ModelVersionError(f"The weights of model version {version.id} at {path} have changed since it was made.")
    return path


def _from_project(version: ModelVersion, project: Project) -> Path | None:
    """The project's copy of a version's weights, in this machine's cache (verified by hash); None if it has none."""
    target = user_cache_dir() / "weights" / f"{version.weights_sha256}.safetensors"
    if target.is_file() and file_sha256(target) == version.weights_sha256:
        return target
    data = project.model_versions.kept_weights(version.weights_sha256)
    if data is None:
        return None
    if hashlib.sha256(data).hexdigest() != version.weights_sha256:
        raise ModelVersionError(f"The project's copy of the weights of model version {version.id} is damaged.")
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{target.name}.part-{os.getpid()}")
    tmp.write_bytes(data)
    tmp.replace(target)
    return target


def pick_version(project: Project, version_id: int | None) -> ModelVersion:
    """The version an analysis uses: the one asked for, else the active one (shipped models registered first)."""
    default = ensure_shipped(project)
    if version_id is None:
        return project.model_versions.active() or default
    try:
        return project.model_versions.get(version_id)
    except RecordNotFoundError as exc:
        raise ModelVersionError(str(exc)) from None


@functools.cache
def shipped_metrics(model: ShippedModel) -> dict[str, Any]:
    """What a shipped model's own measurement says (``models/<name>.metrics.json``): accuracy, macro-F1 and on what.

    A training run's ``metrics.json`` (figures on its validation split, mirror-averaged when the
    weights say ``mirror``, as the app then reads each face; single-pass otherwise) or a plain
    ``{"accuracy", "macro_f1", "measured_on"}``; empty when the model ships without one.
    """
    path = bundled_weights(model.file).with_suffix(".metrics.json")
    if not path.is_file():
        return {}
    data = json.loads(path.read_text(encoding="utf-8"))
    if "no_tta" in data:  # a training run's metrics: the figures of the reading the app does
        mirrored = reads_mirrored(read_metadata(bundled_weights(model.file)))
        ev = data["flip_tta" if mirrored else "no_tta"]["ferplus_majority"]
        return {"accuracy": ev["accuracy"], "macro_f1": ev["macro_f1"],
                "measured_on": f"FER+ validation split ({data['val_faces']} faces, never trained on)"}  # fmt: skip
    return {k: data.get(k) for k in ("accuracy", "macro_f1", "measured_on")}


def describe(version: ModelVersion) -> dict[str, Any]:
    """A version as ``lepton models`` prints it."""
    metrics = version.metrics or {}
    after = dict(metrics.get("after", {}))
    if after:
        where = metrics.get("validation") or "the validation part of its dataset"
        frames = after.get("frames")  # how much the figures can say: 35 frames are not 2,751 faces
        after["measured_on"] = f"{where}, {frames} frames" if frames else where
    else:
        shipped = shipped_by_sha256().get(version.weights_sha256)
        after = shipped_metrics(shipped) if shipped is not None else {}
    name = version.name
    if version.weights_sha256 in RETIRED_SHIPPED:
        name = f"{RETIRED_SHIPPED[version.weights_sha256]} (no longer shipped; its runs stay)"
    return {
        "id": version.id,
        "name": name,
        "active": version.active,
        "parent_id": version.parent_id,
        "created_at": version.created_at.isoformat(),
        "weights_sha256": version.weights_sha256,
        "weights_path": version.weights_path,
        "dataset_fingerprint": version.dataset_fingerprint,
        "accuracy": after.get("accuracy"),
        "macro_f1": after.get("macro_f1"),
        "measured_on": after.get("measured_on"),
        "parent_on_same_frames": _parent_scores(metrics),
        "metrics": metrics,
    }


def _parent_scores(metrics: dict[str, Any]) -> dict[str, Any] | None:
    """A fine-tuned version's parent, scored on the same validation frames (its own figures are on others)."""
    before = metrics.get("before")
    if not before:
        return None
    return {"accuracy": before.get("accuracy"), "macro_f1": before.get("macro_f1")}


def list_versions(project: str | Path) -> list[dict[str, Any]]:
    """Every version of a project, oldest first."""
    with open_project(project) as proj:
        ensure_shipped(proj)
        return [describe(v) for v in proj.model_versions.list()]


def activate(project: str | Path, version_id: int) -> dict[str, Any]:
    """Make a version the one new analyses use (rolling back is activating an older one)."""
    with open_project(project) as proj:
        ensure_shipped(proj)
        try:
            version = proj.model_versions.get(version_id)
        except RecordNotFoundError as exc:
            raise ModelVersionError(str(exc)) from None
        path = version_weights(version, proj)  # refuse a version whose weights are gone or changed
        check_loadable(version, path)  # ... or cannot run here (e.g. a shipped ensemble whose ResNet is missing)
        return describe(proj.model_versions.activate(version.id))


def check_loadable(version: ModelVersion, path: Path) -> None:
    """Load a version's weights once, as an analysis would; a file that is not our model is refused here.

    Through :func:`~lepton_desktop.services.engine.get_analysis_engine`, which keeps what it loads for
    the next analysis; on the CPU that is ONNX Runtime, so activating in the app does not stop the
    window to load PyTorch.
    """
    from lepton_desktop.services.engine import get_analysis_engine
    from lepton_desktop.vision.weight_files import WeightsError

    try:
        get_analysis_engine("auto", path)
    except WeightsError as exc:
        raise ModelVersionError(
            f"Model version {version.id} ({version.name}) cannot be activated: {exc} The active version is unchanged."
        ) from None


def runs_by_version(project: str | Path, fingerprint: str) -> dict[int, int]:
    """For one video: model version id -> its newest finished run."""
    with open_project(project) as proj:
        video = proj.videos.by_fingerprint(fingerprint)
        if video is None:
            return {}
        out: dict[int, int] = {}
        for run in proj.runs.list_runs(video.id):
            if run.status == "done" and run.model_version_id is not None:
                out[run.model_version_id] = run.id
        return out


def dominant_by_person(project: str | Path, run_id: int, frame_count: int) -> dict[int, Any]:
    """Per person (track number) of a run, the dominant emotion per frame (-1 where not seen)."""
    import numpy as np

    out: dict[int, Any] = {}
    with open_project(project) as proj:
        for track in proj.runs.tracks(run_id):
            pred = proj.runs.predictions(track.id)
            labels = np.full(frame_count, -1, np.int8)
            keep = pred.frames < frame_count
            labels[pred.frames[keep]] = pred.probs[keep].argmax(1)
            out[track.number] = labels
    return out
