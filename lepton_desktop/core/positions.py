"""A place in a video as a person types it: a frame number, or a time (``12.5s``, ``1:02.5``, ``0:01:02.5``)."""

from __future__ import annotations

import math
from dataclasses import dataclass

UNITS = ("seconds", "second", "secs", "sec")
"""Spellings of seconds read as ``s`` (``1.5sec`` is ``1.5s``)."""


@dataclass(frozen=True)
class Position:
    """A frame number (``frame``), or a time in seconds (``seconds``): exactly one is set."""

    frame: int | None = None
    seconds: float | None = None


def read_position(text: str) -> Position:
    """The frame or time ``text`` names; :class:`ValueError` with one sentence when it names neither."""
    value = text.strip().lower()
    for unit in UNITS:
        if value.endswith(unit):
            value = value.removesuffix(unit) + "s"
            break
    if not (value.endswith("s") or ":" in value):
        if value.lstrip("-").isdigit():
            number = int(value)
            if number < 0:
                raise ValueError("frame numbers start at 0")
            return Position(frame=number)
        try:
            amount = float(value)
        except ValueError:
            raise ValueError(f"{text!r} is neither a frame number nor a time (12.5s, 1:02.5 or 0:01:02.5)") from None
        if not math.isfinite(amount) or amount < 0:
            raise ValueError(f"{text!r} is not a time (12.5s, 1:02.5 or 0:01:02.5)")
        raise ValueError(f"{text!r} is not a frame number; for a time in seconds add s ({value}s)")
    if "-" in value:  # no part of a time is negative (-0 included)
        raise ValueError(f"{text!r} is not a time (12.5s, 1:02.5 or 0:01:02.5)")
    try:
        parts = [float(p) for p in value.removesuffix("s").split(":")]
    except ValueError:
        raise ValueError(f"{text!r} is neither a frame number nor a time (12.5s, 1:02.5 or 0:01:02.5)") from None
    clock_ok = all(p < 60 for p in parts[1:])  # 1:75 is no clock time
    if len(parts) > 3 or not all(math.isfinite(p) and p >= 0 for p in parts) or not clock_ok:
        raise ValueError(f"{text!r} is not a time (12.5s, 1:02.5 or 0:01:02.5)")
    seconds = 0.0
    for part in parts:
        seconds = seconds * 60 + part
    return Position(seconds=seconds)
