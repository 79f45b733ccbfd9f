"""How many CPU threads torch's math uses, for the span of a job."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import torch


@contextmanager
def torch_threads(count: int | None) -> Iterator[None]:
    """Use ``count`` intra-op threads inside the block (None: leave as is), then restore.

    A live session shares the cores with its receiving and recording threads: with as many math
    threads as cores, a math thread that loses its core stalls the others (one frame then takes
    seconds, not milliseconds), so live analysis runs its math on one thread.
    """
    if count is None:
        yield
        return
    before = torch.get_num_threads()
    torch.set_num_threads(max(1, count))
    try:
        yield
    finally:
        torch.set_num_threads(before)
