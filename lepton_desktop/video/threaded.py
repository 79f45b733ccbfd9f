"""Run a generator in a background thread so that producing overlaps consuming."""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Iterator
from typing import TypeVar

T = TypeVar("T")

_DONE = object()


class _Raised:
    def __init__(self, exc: BaseException) -> None:
        self.exc = exc


def threaded(make: Callable[[], Iterator[T]], buffer: int = 8, name: str = "lepton-producer") -> Iterator[T]:
    """Yield what ``make()`` yields, produced ahead by up to ``buffer`` items in a thread.

    Exceptions in the producer are re-raised in the consumer. Closing the
    returned generator (or breaking out of a loop over it) stops the producer
    at its next item, so an abandoned iteration never leaks a busy thread.
    """
    items: queue.Queue[object] = queue.Queue(maxsize=max(1, buffer))
    stop = threading.Event()

    def put(item: object) -> bool:
        while not stop.is_set():
            try:
                items.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def produce() -> None:
        try:
            for item in make():
                if not put(item):
                    return
        except BaseException as exc:
            put(_Raised(exc))
            return
        put(_DONE)

    worker = threading.Thread(target=produce, name=name, daemon=True)
    worker.start()
    try:
        while True:
            item = items.get()
            if item is _DONE:
                return
            if isinstance(item, _Raised):
                raise item.exc
            yield item  # type: ignore[misc]
    finally:
        stop.set()
        worker.join(timeout=5)
