"""A real read-only folder for tests: a read-only bind mount (as root, file modes are not enough)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest


@contextmanager
def mounted_read_only(folder: Path) -> Iterator[Path]:
    """``folder``, with what it holds, read-only until the block ends (the test skips where that cannot be done)."""
    if sys.platform != "linux" or shutil.which("mount") is None:
        pytest.skip("read-only bind mounts need Linux's mount")
    made = subprocess.run(["mount", "--bind", "-o", "ro", str(folder), str(folder)], capture_output=True)
    if made.returncode != 0:
        pytest.skip(f"cannot make a read-only mount here: {made.stderr.decode().strip()}")
    try:
        probe = folder / "probe"
        try:
            probe.touch()
        except OSError:
            yield folder  # read-only indeed
        else:  # an older mount ignored "ro" on a bind
            probe.unlink()
            pytest.skip("this mount made the bind writable")
    finally:
        if subprocess.run(["umount", str(folder)], capture_output=True).returncode != 0:
            subprocess.run(["umount", "-l", str(folder)], check=True)  # still open (a failed test): detach it
