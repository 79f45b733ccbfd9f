"""Whether a process that left something behind (a run marked running, a half-written folder) is still alive."""

from __future__ import annotations

import os


def process_alive(pid: int) -> bool:
    """True when process ``pid`` exists on this machine (another user's process counts as alive)."""
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    except OSError:  # e.g. Windows without the process: treat as gone
        return False
    return True
