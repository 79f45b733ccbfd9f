"""Live analysis of a camera or a stream, recorded into the project: a generator that yields progress.

    session = LiveSession("udp://127.0.0.1:5000", project="study.lepton")
    for step in session.run(should_stop):
        print(step.analysed_fps, step.latency_p95_ms)     # the last step has the stored video and run

The source is received and recorded by :class:`~lepton_desktop.services.live_capture.Capture`
(every frame, in its own threads). This generator's thread analyses: it always takes the newest
frame (frames it had no time for are *dropped* from analysis, never queued) and feeds it to the
:class:`FrameAnalyzer` under its number in the recording. When the session stops (asked, time
limit, the source ended or could not be reconnected), the recording is finished, added to the
project as an ordinary video, and the rows are stored as one run of it, with the session's
numbers in the run's timings; the app then seeks, corrects, exports and re-analyses it as any video.
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np

from lepton_desktop.core.errors import LeptonError
from lepton_desktop.core.paths import user_data_dir
from lepton_desktop.services.analysis import default_project, store_computed
from lepton_desktop.services.engine import get_analysis_engine
from lepton_desktop.services.live_capture import Arrival, Capture
from lepton_desktop.services.live_stats import LatencyHistogram, Recent
from lepton_desktop.services.models import pick_version, version_weights
from lepton_desktop.store import open_project
from lepton_desktop.video import VideoReader
from lepton_desktop.video.live_source import LiveSourceError, SourceSpec, parse_source
from lepton_desktop.video.recorder import check_target
from lepton_desktop.vision.analyzer import AnalysisSettings, FaceRows, FrameAnalyzer

log = logging.getLogger(__name__)

LIVE_SETTINGS = AnalysisSettings(stride=1, max_missed=1, detect_batch=1)
"""Low latency: every analysed frame is a detection frame, one at a time, and a face missed once is
bridged (a frame's rows are final two analysed frames later)."""
STEP_INTERVAL_S = 0.2
"""While nothing is analysed (no frame came), a progress step still comes this often."""
NO_FACE_SHOW_S = 0.3
"""A picture with no final rows is shown after this long (no faces in view: nothing to wait for)."""
KEEP_PICTURES = 12
JOIN_BLOCKS = 256
"""The rows kept for the run are joined into one block this often."""


@dataclass(frozen=True)
class LiveStep:
    """One step of a live session; the last one (``finished``) says where everything went."""

    seconds: float
    received: int
    recorded: int
    analysed: int
    people: int
    """People seen in the last second."""
    people_found: int
    """People (tracks) found since the start."""
    analysed_fps: float
    """Frames analysed in the last second."""
    received_fps: float
    latency_p50_ms: float | None
    """Frame arrival to final result, over the last two seconds."""
    latency_p95_ms: float | None
    rows: FaceRows | None = None
    """Rows that became final since the last step."""
    notices: tuple[str, ...] = ()
    """What happened to the source since the last step (a stall, a reconnection)."""
    state: str = "running"
    """``connecting`` (the source opens next, then the models load), ``running``, then ``done`` or ``failed``."""
    summary: dict[str, Any] = field(default_factory=dict)
    """On the last step: the recording, the video and run ids, counts, latency over the whole session."""

    @property
    def dropped(self) -> int:
        """Frames received but not analysed (they are recorded all the same)."""
        return self.received - self.analysed

    @property
    def finished(self) -> bool:
        """True on the last step."""
        return self.state in ("done", "failed")

    def to_json(self) -> dict[str, Any]:
        """The CLI's line per second."""
        return {
            "t": round(self.seconds, 1),
            "people": self.people,
            "people_found": self.people_found,
            "analysed_fps": round(self.analysed_fps, 1),
            "received_fps": round(self.received_fps, 1),
            "latency_ms": {"p50": self.latency_p50_ms, "p95": self.latency_p95_ms},
            "frames": {"received": self.received, "recorded": self.recorded, "analysed": self.analysed,
                       "dropped": self.dropped},
        }  # fmt: skip


@dataclass(frozen=True)
class Picture:
    """What the live view shows: a frame and the rows of that very frame (empty when no face is in it)."""

    index: int
    rgb: np.ndarray
    rows: FaceRows | None


def default_recording(project: str | Path, now: datetime | None = None) -> Path:
    """``<project folder>/<project name>-live-YYYYmmdd-HHMMSS.mkv`` (a database URL: the user data folder)."""
    stamp = (now or datetime.now()).strftime("%Y%m%d-%H%M%S")
    text = str(project)
    if "://" in text and not text.startswith("sqlite:///"):
        folder, stem = user_data_dir() / "recordings", "live"
        folder.mkdir(parents=True, exist_ok=True)
    else:
        path = Path(text.removeprefix("sqlite:///")).expanduser().resolve()
        folder, stem = path.parent, path.stem
    candidate = folder / f"{stem}-live-{stamp}.mkv"
    k = 2
    while candidate.exists():
        candidate = folder / f"{stem}-live-{stamp}-{k}.mkv"
        k += 1
    return candidate


class LiveSession:
    """One live session; see the module docstring. ``run`` is the job, ``picture`` is for a live view."""

    def __init__(
        self,
        source: str | SourceSpec,
        *,
        project: str | Path | None = None,
        record: Path | None = None,
        realtime: bool = False,
        seconds: float | None = None,
        settings: AnalysisSettings = LIVE_SETTINGS,
        device: str = "auto",
        model_version: int | None = None,
        stall_timeout_s: float = 10.0,
        retries: int = 3,
        threads: int | None = 1,
        runtime: str = "auto",
    ) -> None:
        """Parse the source and check the recording's file name at once (both are one sentence when wrong)."""
        self.spec = source if isinstance(source, SourceSpec) else parse_source(source, realtime=realtime)
        self.project = project or default_project()
        self.record = check_target(record) if record is not None else default_recording(self.project)
        self.seconds = seconds
        self.settings = settings
        self.device = device
        self.model_version = model_version
        self.stall_timeout_s = stall_timeout_s
        self.retries = retries
        self.threads = threads
        """Math threads while analysing (ONNX Runtime's, or torch's per thread); None: their own choice."""
        self.runtime = runtime
        """What runs the networks (see :func:`~lepton_desktop.services.engine.get_analysis_engine`)."""
        self.capture: Capture | None = None
        self._picture: Picture | None = None
        self._lock = threading.Lock()
        self._notices: list[str] = []

    # -- for a live view (any thread) ---------------------------------------------------

    def picture(self) -> Picture | None:
        """The newest frame whose results are final, with them (None before the first)."""
        with self._lock:
            return self._picture

    def _notice(self, text: str) -> None:
        log.info("live: %s", text)
        with self._lock:
            self._notices.append(text)

    def _take_notices(self) -> tuple[str, ...]:
        with self._lock:
            notices, self._notices = tuple(self._notices), []
        return notices

    # -- the job ------------------------------------------------------------------------

    def run(self, should_stop: Callable[[], bool] = lambda: False) -> Iterator[LiveStep]:
        """Receive, record, analyse until stopped; store the recording and its run; see the module docstring."""
        with contextlib.ExitStack() as math_threads:
            yield from self._run(should_stop, math_threads)

    def _run(self, should_stop: Callable[[], bool], math_threads: contextlib.ExitStack) -> Iterator[LiveStep]:
        with open_project(self.project, create=True) as proj:
            version = pick_version(proj, self.model_version)
            weights = version_weights(version, proj)
        self.capture = capture = Capture(
            self.spec, self.record, timeout_s=self.stall_timeout_s, retries=self.retries, on_notice=self._notice
        )
        yield LiveStep(0.0, 0, 0, 0, 0, 0, 0.0, 0.0, None, None, state="connecting")
        capture.open()  # a missing camera, a bad address: said here, before the models load or anything is written
        try:
            engine = get_analysis_engine(self.device, weights, self.runtime, self.threads)
            if engine.networks.runtime == "torch":  # torch's thread count is set per analysing thread (OpenMP)
                from lepton_desktop.vision.threads import torch_threads

                math_threads.enter_context(torch_threads(self.threads))
            analyzer = FrameAnalyzer(engine.networks, self.settings)
            _warm_up(engine, self.settings)
        except BaseException:
            capture.stop()
            raise
        loop = _Loop(self, analyzer, capture)
        capture.start()  # frames that came while the models loaded wait in the source's own buffer
        loop.started = time.monotonic()
        error: BaseException | None = None
        try:
            yield from loop.steps(should_stop)
        except BaseException as exc:
            error = exc
            raise
        finally:
            capture.stop()
            loop.elapsed = time.monotonic() - loop.started
            # Ctrl+C, SIGTERM, a closed job: the session ends as if stopped, keeping everything
            failed = error is not None and not isinstance(error, KeyboardInterrupt | SystemExit | GeneratorExit)
            final = None
            if not failed:
                try:
                    final = analyzer.finish()
                except Exception:  # the rows so far are still stored
                    log.exception("live: finishing the analysis failed")
            summary = self._store(loop, final, engine.device_name, version.id, error if failed else None)
        yield loop.step(final, summary["state"], summary)

    def _store(
        self, loop: _Loop, final: FaceRows | None, device: str, version_id: int, error: BaseException | None
    ) -> dict[str, Any]:
        """Finish: the recording becomes a video of the project, the rows its run (``failed`` after an error)."""
        capture = loop.capture
        state = "done" if error is None else "failed"
        summary: dict[str, Any] = {"recording": str(self.record), "source": self.spec.label, "state": state}
        if capture.error is not None:
            summary["problem"] = str(capture.error)
        if capture.recorded == 0:
            self.record.unlink(missing_ok=True)
            summary.update(recording=None, end="no frame arrived; nothing was recorded")
            return summary
        with VideoReader(self.record) as reader:
            info, fingerprint, frame_count = reader.info, reader.fingerprint, reader.frame_count
        if frame_count != capture.recorded:
            log.warning("live: %d frames written but the recording reads as %d", capture.recorded, frame_count)
        blocks = [b for b in (*loop.blocks, final) if b is not None and len(b)]
        blocks = [b.select(b.frames < frame_count) for b in blocks]  # all, unless the file's end was lost
        timings: dict[str, Any] = {
            "total_s": round(loop.elapsed, 3),
            "fps": round(loop.analysed / max(loop.elapsed, 1e-9), 2),
            "device": device,
            "live": {
                "source": self.spec.label,
                "kind": self.spec.kind,
                "received": capture.received,
                "recorded": capture.recorded,
                "analysed": loop.analysed,
                "dropped": capture.received - loop.analysed,
                "latency_ms": loop.latency.to_json(),
                "reconnects": capture.reconnects,
                "end": loop.end_reason(),
            },
        }
        params = {**self.settings.to_params(), "live": 1}  # never reused as a full analysis of the file
        with open_project(self.project, create=True) as proj:
            record, _ = proj.videos.add(info, fingerprint)
            run_id = store_computed(
                proj, record.id, params, version_id, [b for b in blocks if len(b)],
                state=state, frames_done=frame_count, timings=timings,
            )  # fmt: skip
            if error is not None:
                proj.runs.finish(run_id, "failed", frames_done=frame_count, timings=timings,
                                 error=f"{type(error).__name__}: {error}")  # fmt: skip
            people = len(proj.runs.tracks(run_id))
        summary.update(
            video=record.id, run=run_id, frames=frame_count, people=people, end=loop.end_reason(),
            **{k: v for k, v in timings["live"].items() if k not in ("source", "end")},
            analysed_share=round(loop.analysed / max(capture.received, 1), 4),
            analysed_fps=timings["fps"], seconds=timings["total_s"], device=device,
        )  # fmt: skip
        return summary


def _warm_up(engine: Any, settings: AnalysisSettings) -> None:
    """One throwaway frame through a throwaway analyzer: the first real frames then run at full speed."""
    scratch = FrameAnalyzer(engine.networks, settings)
    picture = np.full((360, 640, 3), 90, np.uint8)
    for k in range(3):
        scratch.feed(k, picture)
    scratch.finish()


class _Loop:
    """The analysing side of a session: newest frame in, rows out, counts kept."""

    def __init__(self, session: LiveSession, analyzer: FrameAnalyzer, capture: Capture) -> None:
        self.session = session
        self.analyzer = analyzer
        self.capture = capture
        self.blocks: list[FaceRows] = []
        self.analysed = 0
        self.latency = LatencyHistogram()
        self.recent_latency = Recent(2.0)
        self.recent_analysed = Recent(1.0)
        self.recent_received = Recent(1.0)
        self.recent_people: dict[int, float] = {}
        self.started = time.monotonic()
        self.elapsed = 0.0
        self.stopped_by = ""
        self._pictures: OrderedDict[int, tuple[np.ndarray, float]] = OrderedDict()
        self._last_received = 0

    def steps(self, should_stop: Callable[[], bool]) -> Iterator[LiveStep]:
        capture, session = self.capture, self.session
        last_step = time.monotonic()
        while True:
            if should_stop():
                self.stopped_by = "stopped"
                break
            if session.seconds is not None and time.monotonic() - self.started >= session.seconds:
                self.stopped_by = "time limit"
                break
            arrival = capture.slot.take(timeout=0.1)
            self._count_received()
            rows = None
            if arrival is not None:
                rows = self._analyse(arrival)
            elif not capture.running:
                break
            now = time.monotonic()
            if rows is not None or arrival is not None or now - last_step >= STEP_INTERVAL_S:
                if rows is None and now - last_step < 0.04:  # no news: at most 25 steps a second
                    continue
                last_step = now
                yield self.step(rows)

    def _count_received(self) -> None:
        now = time.monotonic()
        for _ in range(self.capture.received - self._last_received):
            self.recent_received.add(now=now)
        self._last_received = self.capture.received

    def _analyse(self, arrival: Arrival) -> FaceRows | None:
        size = self.capture.size
        assert size is not None
        rgb = arrival.frame.to_ndarray(format="rgb24", width=size[0], height=size[1])
        rows = self.analyzer.feed(arrival.index, rgb)
        self.analysed += 1
        now = time.monotonic()
        self.recent_analysed.add(now=now)
        self._pictures[arrival.index] = (rgb, arrival.arrived)
        while len(self._pictures) > KEEP_PICTURES:
            self._pictures.popitem(last=False)
        if rows is not None:
            self.blocks.append(rows)
            if len(self.blocks) >= JOIN_BLOCKS:  # a few arrays, not thousands of small ones: memory stays flat
                self.blocks = [FaceRows.concat(self.blocks)]
            for frame in np.unique(rows.frames).tolist():
                kept = self._pictures.get(frame)
                if kept is not None:
                    self.latency.add(now - kept[1])
                    self.recent_latency.add(now - kept[1], now=now)
            for number in np.unique(rows.tracks).tolist():
                self.recent_people[number] = now
            self._show(rows)
        else:
            self._show_faceless(now)
        return rows

    def _show(self, rows: FaceRows) -> None:
        last = int(rows.frames.max())
        kept = self._pictures.get(last)
        for frame in [f for f in self._pictures if f <= last]:
            del self._pictures[frame]
        if kept is not None:
            mine = rows.frames == last
            picture = Picture(last, kept[0], rows.select(mine))
            with self.session._lock:
                self.session._picture = picture

    def _show_faceless(self, now: float) -> None:
        """No rows for a while: no face is in view, so the newest picture is shown as it is."""
        if not self._pictures:
            return
        _oldest, (_, arrived) = next(iter(self._pictures.items()))
        if now - arrived < NO_FACE_SHOW_S:
            return
        newest = next(reversed(self._pictures))
        rgb = self._pictures[newest][0]
        for frame in [f for f in self._pictures if f < newest]:
            del self._pictures[frame]
        with self.session._lock:
            self.session._picture = Picture(newest, rgb, None)

    def step(self, rows: FaceRows | None, state: str = "running", summary: dict[str, Any] | None = None) -> LiveStep:
        now = time.monotonic()
        self.recent_people = {n: t for n, t in self.recent_people.items() if now - t <= 1.0}
        return LiveStep(
            now - self.started, self.capture.received, self.capture.recorded, self.analysed,
            len(self.recent_people), self.analyzer.faces_found, self.recent_analysed.rate(now),
            self.recent_received.rate(now), self.recent_latency.percentile_ms(50),
            self.recent_latency.percentile_ms(95), rows, self.session._take_notices(), state, summary or {},
        )  # fmt: skip

    def end_reason(self) -> str:
        """Why the session ended, in words."""
        capture = self.capture
        if capture.error is not None:
            return str(capture.error)
        return self.stopped_by or capture.ended or "stopped"


def check_source(text: str, realtime: bool = False) -> SourceSpec:
    """Parse a source as typed (for front ends that want to say what is wrong before starting)."""
    try:
        return parse_source(text, realtime=realtime)
    except LiveSourceError:
        raise
    except LeptonError as exc:  # a file source: missing, a folder, empty...
        raise LiveSourceError(str(exc)) from None
