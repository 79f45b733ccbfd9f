"""Reading and writing the exchanged files: whole or not at all, with one sentence when the disk says no."""

from __future__ import annotations

from pathlib import Path

from lepton_desktop.services.interop.video import InteropError
from lepton_desktop.services.output import atomic_output


def write_atomically(path: Path, data: bytes) -> Path:
    """Write ``data`` to a temporary file beside ``path``, then rename it (no half-written file is ever left)."""
    with atomic_output(path) as tmp:
        tmp.write_bytes(data)
    return path


def read_failure(path: Path, exc: OSError) -> InteropError:
    """The sentence for a file that cannot be opened."""
    if isinstance(exc, FileNotFoundError):
        return InteropError(f"{path} does not exist.")
    if isinstance(exc, IsADirectoryError):
        return InteropError(f"{path} is a folder, not an annotation file.")
    return InteropError(f"{path} cannot be read ({exc.strerror or exc}).")


def read_text(path: Path) -> str:
    """A text file's content (UTF-8, a byte-order mark allowed), or one sentence why not."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise read_failure(path, exc) from None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            return data.decode("cp1252")  # spreadsheets on Windows save CSV this way
        except UnicodeDecodeError:
            raise InteropError(f"{path.name} is not a text file (not UTF-8 or Windows text).") from None
