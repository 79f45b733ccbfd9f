"""Analyse many videos on Ray: a generator that yields progress, stores results as they come, stops when asked.

    for progress in analyze_batch(["corpus/"], project="study.lepton", workers=2):
        print(progress.videos_done, progress.videos_total, progress.fps)

Each video is one Ray task (:mod:`lepton_desktop.services.batch_task`). With no address a local
Ray is started for the run; with ``ray_address`` (or ``RAY_ADDRESS``) the batch joins that cluster;
a Ray session the caller already started is used as it is. Results land in the project as
``analyze_video`` stores them: on SQLite the tasks send their rows back and this process writes
them (one writer); on PostgreSQL the workers write their runs themselves. A video already analysed
with the same settings and model is skipped (so a re-run resumes), a failed one is retried once
(a file that is no video it can read is not) and then reported with its reason; stopping cancels
what runs and keeps what finished.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from lepton_desktop.services.analysis import default_project, reap_interrupted, store_computed
from lepton_desktop.services.batch_inputs import expand_inputs
from lepton_desktop.services.batch_ray import RaySession, failure_reason, worth_retrying
from lepton_desktop.services.batch_task import ComputedVideo, VideoJob, analyze_one
from lepton_desktop.services.models import pick_version, version_weights
from lepton_desktop.store import Project, open_project
from lepton_desktop.video.fingerprint import content_fingerprint
from lepton_desktop.vision.analyzer import AnalysisSettings

log = logging.getLogger(__name__)

ATTEMPTS = 2
"""A failed video is tried once more, then reported."""
POLL_S = 0.25


@dataclass(frozen=True)
class VideoOutcome:
    """What became of one video: ``done``, ``reused`` (analysed before), ``duplicate``, ``failed``, ``cancelled``."""

    video: str
    outcome: str
    run: int | None = None
    frames: int = 0
    people: int = 0
    attempts: int = 0
    seconds: float = 0.0
    reason: str | None = None
    worker: str | None = None
    """``host:pid`` of the worker that finished it."""
    node: str | None = None
    """The Ray node it ran on (short id)."""

    def to_json(self) -> dict[str, Any]:
        """The summary's entry (empty fields left out)."""
        return {k: v for k, v in self.__dict__.items() if v is not None}


@dataclass(frozen=True)
class BatchProgress:
    """One step of a batch."""

    videos_total: int
    videos_done: int
    """Finished one way or another (analysed, skipped, failed)."""
    frames_done: int
    """Frames analysed by this batch so far, over the cluster (running videos included)."""
    fps: float
    """Frames per second over the cluster since the batch started."""
    seconds_left: float | None
    running: dict[str, str] = field(default_factory=dict)
    """Video -> ``host:pid`` of the worker analysing it (started tasks only)."""
    outcomes: list[VideoOutcome] = field(default_factory=list)
    """Finished videos, in the order given (on the last step: all of them)."""
    state: str = "running"
    """``running``, then ``done`` or ``cancelled``."""
    cluster: str = ""

    @property
    def finished(self) -> bool:
        """True on the last step."""
        return self.state != "running"


@dataclass
class _Task:
    video: Path
    attempts: int
    started: float
    worker: str | None = None
    node: str | None = None
    frames: int = 0
    total: int | None = None
    reasons: list[str] = field(default_factory=list)


def analyze_batch(
    inputs: Iterable[str | Path],
    *,
    project: str | Path | None = None,
    settings: AnalysisSettings | None = None,
    device: str = "auto",
    model_version: int | None = None,
    workers: int | None = None,
    ray_address: str | None = None,
    should_stop: Callable[[], bool] = lambda: False,
) -> Iterator[BatchProgress]:
    """Analyse every video ``inputs`` name (files, folders, lists of paths); see the module docstring."""
    videos = expand_inputs(inputs)
    settings = settings or AnalysisSettings()
    target = project or default_project()
    with open_project(target, create=True) as proj:
        reap_interrupted(proj)  # a run a killed driver or worker of this machine left "running" is closed
        version = pick_version(proj, model_version)
        weights = version_weights(version, proj)
        params = settings.to_params()
        done, todo = _plan(proj, videos, params, version.id)
        job = VideoJob("", settings, device, version.weights_sha256, None if proj.is_sqlite else str(target))
        batch = _Batch(proj, videos, done, job, params, version.id)
        if todo:
            with RaySession(workers, ray_address) as ray_session:
                yield from batch.run(ray_session, todo, weights.read_bytes(), device, workers, should_stop)
        yield batch.progress("cancelled" if batch.cancelled else "done")


def _plan(
    proj: Project, videos: list[Path], params: dict[str, Any], version_id: int
) -> tuple[dict[Path, VideoOutcome], list[Path]]:
    """Which videos need no task (analysed before, the same content twice, unreadable) and which do."""
    done: dict[Path, VideoOutcome] = {}
    todo: list[Path] = []
    seen: dict[str, Path] = {}
    for video in videos:
        try:
            fingerprint = content_fingerprint(video)
        except OSError as exc:
            done[video] = VideoOutcome(str(video), "failed", reason=f"{exc.strerror or exc}: {video}")
            continue
        if fingerprint in seen:
            done[video] = VideoOutcome(str(video), "duplicate", reason=f"same content as {seen[fingerprint]}")
            continue
        seen[fingerprint] = video
        record = proj.videos.by_fingerprint(fingerprint)
        reused = None if record is None else proj.runs.find_reusable(record.id, params, version_id)
        if reused is None:
            todo.append(video)
        else:
            people = len(proj.runs.tracks(reused.id))
            done[video] = VideoOutcome(
                str(video), "reused", reused.id, reused.frames_done, people,
                reason=f"analysed before with the same settings and model (run {reused.id})",
            )  # fmt: skip
    return done, todo


class _Batch:
    """The driver's side: submits tasks, reads their messages, stores results, keeps the tally."""

    def __init__(
        self,
        proj: Project,
        videos: list[Path],
        done: dict[Path, VideoOutcome],
        job: VideoJob,
        params: dict[str, Any],
        version_id: int,
    ) -> None:
        self.proj = proj
        self.videos = videos
        self.done = done
        self.job = job
        self.params = params
        self.version_id = version_id
        self.live: dict[Any, _Task] = {}
        self.started = time.perf_counter()
        self.frames_finished = 0
        self.cancelled = False
        self.cluster = ""

    def run(
        self,
        ray_session: RaySession,
        todo: list[Path],
        weights: bytes,
        device: str,
        workers: int | None,
        should_stop: Callable[[], bool],
    ) -> Iterator[BatchProgress]:
        import ray

        self.cluster = ray_session.describe()
        remote = ray.remote(analyze_one).options(num_cpus=1, num_gpus=ray_session.gpus_per_task(device), max_retries=0)
        blob = ray.put(weights)
        limit = max(2 * (workers or ray_session.cpus()), 2)
        queue = [_Task(video, 1, 0.0) for video in reversed(todo)]  # next to submit last; a retry goes there
        self.started = time.perf_counter()

        def submit(task: _Task) -> None:
            task.started = time.perf_counter()
            self.live[remote.remote(replace(self.job, video=str(task.video)), blob)] = task

        try:
            while queue or self.live:
                if should_stop():
                    self._cancel_all(queue)
                    return
                while queue and len(self.live) < limit:
                    submit(queue.pop())
                ready, _ = ray.wait(list(self.live), num_returns=len(self.live), timeout=POLL_S)
                for generator in ready:
                    retry = self._read(generator)
                    if retry is not None:
                        queue.append(_Task(retry.video, retry.attempts + 1, 0.0, reasons=retry.reasons))
                yield self.progress()
        except BaseException:  # Ctrl+C, SIGTERM, a failed write: stop the workers, keep what is stored
            self._cancel_all(queue)
            raise

    def _read(self, generator: Any) -> _Task | None:
        """Take one message from a task; return the task when it failed and may be tried again."""
        import ray

        task = self.live[generator]
        try:
            message = ray.get(next(generator))
        except StopIteration:
            message = {"kind": "ended"}
        except ray.exceptions.RayError as exc:
            del self.live[generator]
            reason = failure_reason(exc)
            if reason not in task.reasons:
                task.reasons.append(reason)
            log.warning("%s: attempt %d failed: %s", task.video, task.attempts, reason)
            if task.attempts < ATTEMPTS and worth_retrying(exc):
                return task
            self._finish(task, VideoOutcome(str(task.video), "failed", reason="; ".join(task.reasons)))
            return None
        kind = message["kind"]
        if kind == "started":
            task.worker, task.node = f"{message['host']}:{message['pid']}", message["node"]
        elif kind == "progress":
            task.frames, task.total = message["frames"], message["total"]
        elif kind == "computed":
            del self.live[generator]
            self._store(task, message["result"])
        elif kind == "stored":
            del self.live[generator]
            outcome = "done" if message["state"] in ("done", "reused") else message["state"]
            task.frames = message["frames"]
            self._finish(task, self._outcome(task, outcome, message["run"], message["frames"], message["faces"]))
        elif kind == "ended":  # a task that stops without a result (it should not): counted as a failure
            del self.live[generator]
            self._finish(task, VideoOutcome(str(task.video), "failed", reason="the task ended without a result"))
        return None

    def _store(self, task: _Task, computed: ComputedVideo) -> None:
        record, _ = self.proj.videos.add(computed.info, computed.fingerprint)
        run_id = store_computed(
            self.proj, record.id, self.params, self.version_id, computed.blocks,
            state=computed.state, frames_done=computed.frames_done, timings=computed.timings,
        )  # fmt: skip
        task.frames = computed.frames_done
        self._finish(task, self._outcome(task, "done", run_id, computed.frames_done, computed.faces))

    def _outcome(self, task: _Task, outcome: str, run: int, frames: int, people: int) -> VideoOutcome:
        seconds = round(time.perf_counter() - task.started, 3)
        reason = f"retried after: {'; '.join(task.reasons)}" if task.reasons else None
        return VideoOutcome(
            str(task.video), outcome, run, frames, people, task.attempts, seconds, reason, task.worker, task.node
        )

    def _finish(self, task: _Task, outcome: VideoOutcome) -> None:
        self.frames_finished += task.frames
        self.done[task.video] = replace(
            outcome, attempts=task.attempts, worker=outcome.worker or task.worker, node=outcome.node or task.node
        )

    def _cancel_all(self, queue: list[_Task]) -> None:
        import ray

        self.cancelled = True
        for generator, task in list(self.live.items()):
            ray.cancel(generator)
            reason = "stopped while running" if task.worker else "stopped before it started"
            self.done[task.video] = VideoOutcome(
                str(task.video), "cancelled", attempts=task.attempts, reason=reason, worker=task.worker
            )
        self.live.clear()
        for task in queue:
            reason = "; ".join(["stopped before it started", *task.reasons])
            tried = task.attempts - 1
            self.done[task.video] = VideoOutcome(str(task.video), "cancelled", attempts=tried, reason=reason)
        queue.clear()

    def progress(self, state: str = "running") -> BatchProgress:
        elapsed = max(time.perf_counter() - self.started, 1e-9)
        frames = self.frames_finished + sum(t.frames for t in self.live.values())
        fps = frames / elapsed
        known = [t.total for t in self.live.values() if t.total is not None]
        waiting = len(self.videos) - len(self.done) - len(known)
        per_video = (sum(known) + self.frames_finished) / max(len(known) + self._analysed(), 1)
        frames_left = sum(t.total - t.frames for t in self.live.values() if t.total is not None) + waiting * per_video
        left = frames_left / fps if fps > 0 and (known or self._analysed()) else None
        outcomes = [self.done[v] for v in self.videos if v in self.done]
        running = {str(t.video): t.worker for t in self.live.values() if t.worker}
        return BatchProgress(
            len(self.videos), len(self.done), frames, fps, left, running, outcomes, state, self.cluster
        )  # fmt: skip

    def _analysed(self) -> int:
        return sum(1 for o in self.done.values() if o.outcome == "done")
