"""Guard against a Qt binding that corrupts reference counts when signals reach Python slots.

PySide6-Essentials 6.12.0 decrements True/False on every emission; on Python 3.11 the process
dies ("bool_dealloc") after a few thousand signals, e.g. a minute of playback timer ticks.
"""

from __future__ import annotations

import sys

from PySide6.QtCore import QObject, Signal


class _Source(QObject):
    plain = Signal()
    payload = Signal(object)


def test_signal_emission_keeps_reference_counts(qtbot):
    src = _Source()
    received = []
    src.plain.connect(lambda: received.append(1))
    src.payload.connect(lambda value: received.append(2))
    before = (sys.getrefcount(True), sys.getrefcount(False), sys.getrefcount(None))
    for _ in range(300):
        src.plain.emit()
        src.payload.emit(None)
    after = (sys.getrefcount(True), sys.getrefcount(False), sys.getrefcount(None))
    assert len(received) == 600
    drift = [a - b for a, b in zip(after, before, strict=True)]
    assert max(abs(d) for d in drift) < 50, f"the Qt binding leaks or drops references per signal: {drift}"
