"""Stopping a long command cleanly.

The first Ctrl+C (or SIGTERM, where asked) asks the job to stop and keep what it has; a second
Ctrl+C aborts at once.
"""

from __future__ import annotations

import signal
import sys
from typing import Any


class StopWhenAsked:
    """A ``should_stop`` callable for a job generator, set by the signals while the ``with`` block runs."""

    def __init__(self, message: str, signals: tuple[signal.Signals, ...] = (signal.SIGINT,)) -> None:
        """``message``: what stopping does, printed as ``lepton: stopping: <message>``."""
        self.message = message
        self.signals = signals
        self.asked = False
        self.previous: dict[int, Any] = {}

    def __call__(self) -> bool:
        """Whether stopping was asked."""
        return self.asked

    def _handle(self, signum: int, _frame: object) -> None:
        if self.asked and signum == signal.SIGINT:
            raise KeyboardInterrupt
        self.asked = True
        print(f"\nlepton: stopping: {self.message}", file=sys.stderr)

    def __enter__(self) -> StopWhenAsked:
        for sig in self.signals:
            self.previous[sig] = signal.signal(sig, self._handle)
        return self

    def __exit__(self, *exc: object) -> None:
        for sig, handler in self.previous.items():
            signal.signal(sig, handler)
