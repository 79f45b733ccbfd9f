"""Writing a user's output file whole or not at all, with one sentence when the disk says no.

Every export (CSV, annotations, reports) writes to a temporary file beside the target, flushes it
to disk and renames it over the target at the end: a crash, a full disk or a cancel never leaves
half a file, and an older file of the same name survives until the new one is complete.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from pathlib import Path

from lepton_desktop.core.errors import LeptonError


class OutputFileError(LeptonError):
    """A results file could not be written."""


@contextlib.contextmanager
def atomic_output(path: Path) -> Iterator[Path]:
    """Yield a temporary path to write; on success it becomes ``path``, on any failure it is removed."""
    check_output(path)
    tmp = path.with_name(f".{path.name}.part")
    try:
        yield tmp
        with tmp.open("rb+") as handle:
            os.fsync(handle.fileno())
        tmp.replace(path)
    except OSError as exc:
        _remove(tmp)
        raise OutputFileError(
            f"{path} could not be written ({exc.strerror or exc}); is the disk full or read-only?"
        ) from None
    except BaseException:
        _remove(tmp)
        raise


def check_output(path: Path) -> None:
    """Raise :class:`OutputFileError` now if ``path`` cannot be an output file: before long work, not after it.

    ``-`` (standard output) is always fine.
    """
    if is_stdout(path):
        return
    if not path.parent.is_dir():
        raise OutputFileError(f"{path}: the folder {path.parent} does not exist.")
    if path.is_dir():
        raise OutputFileError(f"{path} is a folder; give the name of a file to write in it.")


def is_stdout(path: Path | str | None) -> bool:
    """Whether an output named on the command line is ``-``, standard output."""
    return path is not None and str(path) == "-"


def _remove(tmp: Path) -> None:
    """Remove a half-written file; on a read-only disk there is none, and removing fails too."""
    with contextlib.suppress(OSError):
        tmp.unlink(missing_ok=True)
