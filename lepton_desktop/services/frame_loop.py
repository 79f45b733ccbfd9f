"""The compute part of an analysis: frames in, face rows out, no project.

:func:`lepton_desktop.services.analysis.analyze_video` stores what it yields as it comes;
:mod:`lepton_desktop.services.batch_task` runs it inside a Ray task and sends the rows back
to the one process that writes the project.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Generator
from dataclasses import dataclass
from typing import Any

from lepton_desktop.services.engine import AnalysisEngine, Engine
from lepton_desktop.video import VideoReader
from lepton_desktop.video.damage import DecodeDamage, describe
from lepton_desktop.vision.actions import ActionReader
from lepton_desktop.vision.align import to_gray
from lepton_desktop.vision.analyzer import AnalysisSettings, FaceRows, FrameAnalyzer

PROGRESS_INTERVAL_S = 0.2


@dataclass(frozen=True)
class LoopStep:
    """Rows that became final since the last step (None if none), how far, how fast."""

    frames_done: int
    faces: int
    fps: float
    rows: FaceRows | None
    finished: bool = False


class FrameLoop:
    """One pass over a video's frames; after the last step ``state``, ``timings()`` and ``damage`` say how it went."""

    def __init__(self, reader: VideoReader, engine: AnalysisEngine | Engine, settings: AnalysisSettings) -> None:
        self.reader = reader
        self.engine = engine
        self.actions = ActionReader() if settings.actions else None  # fails early when it cannot run
        self.analyzer = FrameAnalyzer(engine.networks, settings, self.actions)
        self.done = 0
        self.state = "done"
        self.elapsed = 0.0
        self.damage: dict[str, Any] | None = None

    @property
    def fps(self) -> float:
        """Frames per second over the whole pass (after the last step)."""
        return self.done / max(self.elapsed, 1e-9)

    def steps(self, should_stop: Callable[[], bool] = lambda: False) -> Generator[LoopStep, None, None]:
        """Analyse frame after frame; the last step (``finished``) carries the rows of the tracks still open."""
        started = last_report = time.perf_counter()
        damage = DecodeDamage()
        try:
            frames = self.reader.iter_frames(damage=damage, gray=to_gray)
            try:
                for frame in frames:
                    if should_stop():
                        self.state = "cancelled"
                        break
                    rows = self.analyzer.feed(frame.index, frame.image, frame.gray)
                    self.done = frame.index + 1
                    now = time.perf_counter()
                    if rows is not None or now - last_report >= PROGRESS_INTERVAL_S:
                        last_report = now
                        fps = self.done / max(now - started, 1e-9)
                        yield LoopStep(self.done, self.analyzer.faces_found, fps, rows)
            finally:
                frames.close()  # type: ignore[attr-defined]
            rows = self.analyzer.finish() if self.state == "done" else None
        finally:
            if self.actions is not None:
                self.actions.close()
        self.elapsed = time.perf_counter() - started
        if self.state == "done":
            self.damage = damage_report(self.reader.info.problem, damage)
        yield LoopStep(self.done, self.analyzer.faces_found, self.fps, rows, finished=True)

    def timings(self) -> dict[str, Any]:
        """What the run record keeps: time, speed, device, and what of a damaged video has no results."""
        timings: dict[str, Any] = {
            "total_s": round(self.elapsed, 3),
            "fps": round(self.fps, 2),
            "device": self.engine.device_name,
        }
        if self.damage is not None:
            timings["damage"] = self.damage
        return timings


def damage_report(problem: str | None, damage: DecodeDamage) -> dict[str, Any] | None:
    """What of a damaged video could not be analysed, for the run record and the user; None if whole.

    ``problem`` is what opening the file found (an incomplete file, a header that promises more
    frames than it holds); ``damage`` what decoding found (frames that would not decode).
    """
    if problem is None and not damage.damaged:
        return None
    ranges = damage.ranges()
    parts = [problem.rstrip(".") + "."] if problem else []
    if ranges:
        parts.append(
            f"{damage.missing} frame{'s' if damage.missing != 1 else ''} could not be decoded and have no "
            f"results ({'frame' if ranges == [(ranges[0][0],) * 2] else 'frames'} {describe(ranges)})."
        )
    elif damage.decode_errors or damage.dropped:
        parts.append("Some pictures were damaged; the decoder patched them, so expect glitches there.")
    report = damage.to_json()
    report["message"] = " ".join(parts)
    report["problem"] = problem
    return report
