"""Keep the garbage collector from freezing the window."""

from __future__ import annotations

import gc


def settle_memory(collect: bool = True) -> None:
    """Move every object alive now (Qt wrappers, modules, loaded models) out of the collector's sight.

    A full garbage collection walks every tracked object while holding the interpreter
    lock; with Qt, pyqtgraph and PyTorch loaded that took 100-160 ms, in whichever thread
    triggered it, and froze the window mid-analysis. Long-lived objects frozen after each
    big load keep the collections that still happen short. ``collect=False`` skips the
    clean-up first (itself one such pause): for use while the window is busy.
    """
    if collect:
        gc.collect()
    gc.freeze()
