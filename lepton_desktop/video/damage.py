"""Decoding past damage: frames put back in order, and the frames that never came recorded.

A damaged stream makes the decoder skip pictures, repeat one, or hand them over out of
presentation order (a lost reference frame breaks the reordering). Sequential readers pass
their decoded frames through :func:`in_order`, which yields strictly increasing frame numbers
and notes in a :class:`DecodeDamage` what was dropped; :meth:`DecodeDamage.ranges` then says
which frames are missing, as ranges a person can read.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import TypeVar

import numpy as np
import numpy.typing as npt

T = TypeVar("T")

REORDER_DEPTH = 16
"""Frames held back to restore presentation order (H.264 reorders at most 16 pictures)."""


@dataclass
class DecodeDamage:
    """What went wrong while decoding a run of frames ``start, start+step, ... < stop``."""

    start: int = 0
    stop: int = 0
    step: int = 1
    decode_errors: int = 0
    """Packets the decoder rejected."""
    dropped: int = 0
    """Frames decoded twice, or too late to keep the order."""
    complete: bool = False
    """True once the whole run was read (a stopped iteration says nothing about the rest)."""
    _seen: npt.NDArray[np.bool_] = field(default_factory=lambda: np.zeros(0, dtype=bool), repr=False)

    def expect(self, start: int, stop: int, step: int) -> None:
        """Start recording for frames ``start, start+step, ... < stop``."""
        self.start, self.stop, self.step = start, stop, step
        self._seen = np.zeros(max(0, -(-(stop - start) // step)), dtype=bool)
        self.decode_errors = self.dropped = 0
        self.complete = False

    def got(self, index: int) -> None:
        """Frame ``index`` was delivered."""
        self._seen[(index - self.start) // self.step] = True

    @property
    def missing(self) -> int:
        """Frames of the run that were not delivered (only meaningful when ``complete``)."""
        return int(self._seen.size - np.count_nonzero(self._seen))

    def ranges(self) -> list[tuple[int, int]]:
        """Missing frames as inclusive ``(first, last)`` frame-number ranges, in order."""
        gaps = np.flatnonzero(~self._seen)
        if gaps.size == 0:
            return []
        breaks = np.flatnonzero(np.diff(gaps) > 1)
        firsts = np.concatenate([gaps[:1], gaps[breaks + 1]])
        lasts = np.concatenate([gaps[breaks], gaps[-1:]])
        first = self.start
        return [(first + int(a) * self.step, first + int(b) * self.step) for a, b in zip(firsts, lasts, strict=True)]

    @property
    def damaged(self) -> bool:
        """True when anything was missing, dropped or rejected."""
        return bool(self.decode_errors or self.dropped or (self.complete and self.missing))

    def to_json(self) -> dict[str, object]:
        """A compact record for a stored run: counts and the missing ranges."""
        return {
            "missing_frames": self.missing,
            "ranges": [list(r) for r in self.ranges()],
            "decode_errors": self.decode_errors,
            "dropped_frames": self.dropped,
        }


def in_order(
    frames: Iterable[tuple[int, T]], damage: DecodeDamage, *, depth: int = REORDER_DEPTH
) -> Iterator[tuple[int, T]]:
    """Yield ``(index, item)`` with strictly increasing indexes on ``damage``'s grid.

    An undamaged stream passes straight through. Out-of-order items wait (at most ``depth``
    of them) for the ones before; an item whose place has passed, or a repeat, is dropped.
    """
    waiting: list[tuple[int, int, T]] = []
    queued: set[int] = set()
    expected = damage.start
    order = 0
    for index, item in frames:
        if index < expected or index in queued:
            damage.dropped += 1
            continue
        order += 1
        heapq.heappush(waiting, (index, order, item))
        queued.add(index)
        while waiting and (waiting[0][0] == expected or len(waiting) > depth):
            first, _, kept = heapq.heappop(waiting)
            queued.discard(first)
            damage.got(first)
            expected = first + damage.step
            yield first, kept
    while waiting:
        first, _, kept = heapq.heappop(waiting)
        damage.got(first)
        yield first, kept


def describe(ranges: list[tuple[int, int]], *, limit: int = 4) -> str:
    """``"12-40, 77, 300-310"``: ranges for a message, the first ``limit`` of them."""
    parts = [f"{a}" if a == b else f"{a}-{b}" for a, b in ranges[:limit]]
    more = len(ranges) - limit
    return ", ".join(parts) + (f" and {more} more" if more > 0 else "")
