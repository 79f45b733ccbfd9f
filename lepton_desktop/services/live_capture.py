"""The receiving side of a live session: every frame recorded, only the newest one offered for analysis.

Two threads, neither waits for the analysis:

* the *receiver* reads the source (reconnecting a stream that stalls or drops, a bounded number of
  times), numbers each frame in arrival order, hands it to the recorder and puts it in the
  :class:`NewestSlot` (a newer frame replaces one nobody took: no backlog can grow there);
* the *recorder* encodes every frame into the file, in the same order, so frame N of the finished
  recording is frame N as numbered here.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from lepton_desktop.core.errors import LeptonError
from lepton_desktop.video.live_source import LiveInput, LiveSourceError, SourceSpec, StreamStalled
from lepton_desktop.video.recorder import Recorder

log = logging.getLogger(__name__)

MAX_GAP_S = 2.0
"""A jump in the source's clock larger than this (or backwards) is a discontinuity: wall time is used."""


@dataclass(frozen=True)
class Arrival:
    """One received frame: its number in the recording, the picture (av.VideoFrame), when it arrived."""

    index: int
    frame: Any
    arrived: float
    """``time.monotonic()`` when the decoder handed it over."""


class NewestSlot:
    """Holds at most one frame, the newest; ``take`` empties it."""

    def __init__(self) -> None:
        self._item: Arrival | None = None
        self._cond = threading.Condition()
        self.closed = False

    def put(self, item: Arrival) -> None:
        """Offer ``item``, replacing a frame nobody took."""
        with self._cond:
            self._item = item
            self._cond.notify()

    def take(self, timeout: float) -> Arrival | None:
        """The newest frame not yet taken, waiting up to ``timeout`` s; None if none came (or closed)."""
        with self._cond:
            if self._item is None and not self.closed:
                self._cond.wait(timeout)
            item, self._item = self._item, None
            return item

    def close(self) -> None:
        """No more frames will come: wake a waiting ``take``."""
        with self._cond:
            self.closed = True
            self._cond.notify_all()


class Capture:
    """Receive and record a live source; see the module docstring.

    ``open`` opens the source on the caller's thread (so a missing camera or a bad address is
    raised there, before anything is written), ``start`` starts the threads; ``stop`` ends both
    threads and finishes the file.
    ``notices`` collects what the user should hear about (a stall, a reconnection).
    """

    def __init__(
        self,
        spec: SourceSpec,
        record: Path,
        *,
        timeout_s: float = 10.0,
        retries: int = 3,
        on_notice: Callable[[str], None] = lambda text: None,
    ) -> None:
        self.spec = spec
        self.record = record
        self.timeout_s = timeout_s
        self.retries = retries
        self.on_notice = on_notice
        self.slot = NewestSlot()
        self.received = 0
        self.reconnects = 0
        self.ended: str | None = None
        """Why the source ended by itself (``None`` while it runs or when stopped by the caller)."""
        self.error: LeptonError | None = None
        """A failure that ended the capture (a recording that cannot be written, a file that cannot be read)."""
        self.fps = 25.0
        self.size: tuple[int, int] | None = None
        """(width, height) of the recording: every frame is analysed at this size, so boxes fit it."""
        self.recorder: Recorder | None = None
        self._stop = threading.Event()
        self._to_record: queue.Queue[tuple[Any, float] | None] = queue.Queue()
        self._input: LiveInput | None = None
        self._receiver: threading.Thread | None = None
        self._writer: threading.Thread | None = None
        self._clock: tuple[float, float | None, float] | None = None  # wall, source time, recording time

    # -- life cycle -------------------------------------------------------------------

    def open(self) -> None:
        """Open the source; raise :class:`LiveSourceError` with the reason."""
        self._input = LiveInput(self.spec, self.timeout_s).open()
        self.fps = self._input.fps

    def start(self) -> None:
        """Start receiving and recording (after :meth:`open`)."""
        self._receiver = threading.Thread(target=self._receive, name="lepton-live-receive", daemon=True)
        self._writer = threading.Thread(target=self._write, name="lepton-live-record", daemon=True)
        self._writer.start()
        self._receiver.start()

    @property
    def running(self) -> bool:
        """True while frames may still arrive."""
        return self._receiver is not None and self._receiver.is_alive()

    @property
    def recorded(self) -> int:
        """Frames written to the file so far."""
        return 0 if self.recorder is None else self.recorder.count

    @property
    def backlog(self) -> int:
        """Frames received but not yet written (the encoder keeps up when this stays small)."""
        return self._to_record.qsize()

    def stop(self) -> None:
        """Stop receiving, write what was received, finish the file (safe to call twice)."""
        self._stop.set()
        if self._receiver is not None:
            self._receiver.join()
        if self._input is not None:
            self._input.close()
        self._to_record.put(None)
        if self._writer is not None:
            self._writer.join()
        self.slot.close()

    # -- threads ----------------------------------------------------------------------

    def _receive(self) -> None:
        try:
            self._receive_all()
        except LeptonError as exc:
            self.error = exc
        except Exception as exc:  # a bug: logged with its traceback, the session ends and keeps its recording
            log.exception("live receiver failed")
            self.error = LeptonError(f"Receiving stopped unexpectedly ({type(exc).__name__}: {exc}).")
        finally:
            self._to_record.put(None)
            self.slot.close()

    def _receive_all(self) -> None:
        live = self._input
        assert live is not None
        while not self._stop.is_set():
            try:
                for frame in live.frames():
                    if self._stop.is_set():
                        return
                    self._arrive(frame)
                self.ended = "the file ended" if self.spec.kind == "file" else "the source ended"
                return
            except StreamStalled as stall:
                live.close()
                if self._clock is not None:  # a new connection, a new clock: bridge the gap with wall time
                    self._clock = (self._clock[0], None, self._clock[2])
                reconnected = self._reconnect(str(stall))
                if reconnected is None:
                    return
                live = self._input = reconnected

    def _reconnect(self, reason: str) -> LiveInput | None:
        self.on_notice(f"{self.spec.label}: {reason}; what was recorded is kept.")
        for attempt in range(1, self.retries + 1):
            if self._stop.wait(min(2.0 ** (attempt - 1), 5.0) * 0.5):
                return None
            self.on_notice(f"Reconnecting to {self.spec.label} (attempt {attempt} of {self.retries})…")
            try:
                live = LiveInput(self.spec, self.timeout_s).open()
            except LiveSourceError as exc:
                self.on_notice(str(exc))
                continue
            self.reconnects += 1
            self.on_notice(f"Reconnected to {self.spec.label}.")
            return live
        tries = f"{self.retries} reconnection attempt{'s' if self.retries != 1 else ''}"
        self.ended = (
            f"the stream stopped ({reason}) and {tries} failed" if self.retries else f"the stream stopped ({reason})"
        )
        return None

    def _arrive(self, frame: Any) -> None:
        now = time.monotonic()
        if self.recorder is None:
            self.size = (frame.width - frame.width % 2, frame.height - frame.height % 2)
            self.recorder = Recorder(self.record, frame.width, frame.height, self.fps)
        seconds = self._recording_time(now, frame.time)
        index = self.received
        self.received += 1
        self._to_record.put((frame, seconds))
        self.slot.put(Arrival(index, frame, now))

    def _recording_time(self, wall: float, source: float | None) -> float:
        """Where a frame goes on the recording's clock: the source's spacing, wall time across gaps."""
        step = 1.0 / self.fps
        if self._clock is None:
            self._clock = (wall, source, 0.0)
            return 0.0
        last_wall, last_source, last_t = self._clock
        delta = None if source is None or last_source is None else source - last_source
        if delta is None or not 0 < delta <= MAX_GAP_S:
            delta = max(step, wall - last_wall) if last_source is None else step
        t = last_t + delta
        self._clock = (wall, source, t)
        return t

    def _write(self) -> None:
        while True:
            item = self._to_record.get()
            if item is None:  # the receiver has put its last frame
                break
            assert self.recorder is not None
            try:
                self.recorder.write(*item)
            except LeptonError as exc:
                self.error = exc
                self._stop.set()  # nothing more can be kept: the session ends with what was written
                break
        if self.recorder is not None:
            try:
                self.recorder.close()
            except LeptonError as exc:
                self.error = self.error or exc
