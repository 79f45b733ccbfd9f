"""One video of a batch, as it runs on a Ray worker: a generator of small messages, the result last.

Messages are plain dicts: ``started`` (pid, host, Ray node), ``progress`` (frames done, frames total), then
``computed`` (the rows, for the driver to store: SQLite has one writer) or ``stored`` (the worker
wrote the run itself: PostgreSQL). The weights come as bytes through Ray's object store and are
written once per machine to a file named by their SHA-256, checked before use.
"""

from __future__ import annotations

import hashlib
import os
import socket
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from lepton_desktop.core.records import VideoInfo
from lepton_desktop.services.engine import get_analysis_engine
from lepton_desktop.services.frame_loop import FrameLoop
from lepton_desktop.video import VideoReader
from lepton_desktop.vision.analyzer import AnalysisSettings, FaceRows
from lepton_desktop.vision.weight_files import WeightsError

REPORT_INTERVAL_S = 1.0


@dataclass(frozen=True)
class VideoJob:
    """What a worker needs to analyse one video."""

    video: str
    settings: AnalysisSettings
    device: str
    weights_sha256: str
    project_url: str | None = None
    """Set when the worker writes the run itself (PostgreSQL); None: send the rows back."""


@dataclass(frozen=True)
class ComputedVideo:
    """A video analysed without a project: everything ``analyze_video`` would have stored."""

    info: VideoInfo
    fingerprint: str
    blocks: list[FaceRows]
    """The rows in the blocks ``analyze_video`` writes them, in order."""
    state: str
    frames_done: int
    total: int
    faces: int
    timings: dict[str, Any]


def weights_file(blob: bytes, sha256: str) -> Path:
    """The weights as a file in this machine's temp folder, named by their hash, written once and checked."""
    folder = Path(tempfile.gettempdir()) / "lepton-weights"
    path = folder / f"{sha256}.safetensors"
    if not path.is_file():
        if hashlib.sha256(blob).hexdigest() != sha256:
            raise WeightsError(f"The model weights sent to {socket.gethostname()} do not match their hash {sha256}.")
        folder.mkdir(parents=True, exist_ok=True)
        part = path.with_name(f"{path.name}.{os.getpid()}.part")
        part.write_bytes(blob)
        part.replace(path)
    return path


def analyze_one(job: VideoJob, weights: bytes) -> Iterator[dict[str, Any]]:
    """Analyse ``job.video``; see the module docstring."""
    yield {"kind": "started", "pid": os.getpid(), "host": socket.gethostname(), "node": _node_id()}
    path = weights_file(weights, job.weights_sha256)
    if job.project_url is not None:
        yield from _analyze_into(job, path, job.project_url)
        return
    engine = get_analysis_engine(job.device, path)
    if engine.weights_sha256 != job.weights_sha256:
        raise WeightsError(f"{path} changed on {socket.gethostname()}: its hash is no longer {job.weights_sha256}.")
    with VideoReader(job.video) as reader:
        total = reader.frame_count
        yield {"kind": "progress", "frames": 0, "total": total}
        loop = FrameLoop(reader, engine, job.settings)
        blocks: list[FaceRows] = []
        last = time.perf_counter()
        for step in loop.steps():
            if step.rows is not None:
                blocks.append(step.rows)
            now = time.perf_counter()
            if not step.finished and now - last >= REPORT_INTERVAL_S:
                last = now
                yield {"kind": "progress", "frames": step.frames_done, "total": total}
        computed = ComputedVideo(
            reader.info, reader.fingerprint, blocks, loop.state, loop.done, total, loop.analyzer.faces_found,
            loop.timings(),
        )  # fmt: skip
    yield {"kind": "computed", "result": computed}


def _node_id() -> str:
    """The Ray node this runs on (short id; several nodes can share a host)."""
    import ray

    return str(ray.get_runtime_context().get_node_id())[:12]


def _analyze_into(job: VideoJob, weights: Path, project_url: str) -> Iterator[dict[str, Any]]:
    from lepton_desktop.services.analysis import analyze_video  # the whole use case, writing as it goes

    last = time.perf_counter()
    steps = analyze_video(job.video, project=project_url, settings=job.settings, device=job.device, weights=weights)
    for step in steps:
        now = time.perf_counter()
        if step.finished:
            yield {"kind": "stored", "run": step.run_id, "state": step.state, "frames": step.frames_done,
                   "total": step.total, "faces": len(step.track_ids), "damage": step.damage}  # fmt: skip
        elif now - last >= REPORT_INTERVAL_S:
            last = now
            yield {"kind": "progress", "frames": step.frames_done, "total": step.total}
