"""What a batch analyses: files, folders (recursively, known video types) and text files that list paths."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from lepton_desktop.core.errors import LeptonError

VIDEO_SUFFIXES = frozenset({".mp4", ".mov", ".mkv", ".avi", ".webm", ".m4v", ".mpg", ".mpeg", ".wmv", ".flv", ".ts"})
LIST_SUFFIXES = frozenset({".txt", ".lst", ".list"})


class BatchInputError(LeptonError):
    """An input names nothing that can be analysed."""


def expand_inputs(inputs: Iterable[str | Path]) -> list[Path]:
    """The videos named by ``inputs``, each once, in the order given (folders sorted by path).

    A folder gives every file with a known video suffix under it; a ``.txt``/``.lst``/``.list``
    file gives the paths on its lines (blank lines and ``#`` comments skipped; relative paths are
    relative to the list's folder); any other file is taken as a video, so a bad one is reported
    by the analysis with its reason. A path given here that does not exist is an error at once; one
    in a list is reported with the others' results (one missing file should not stop a corpus).
    """
    found: list[Path] = []
    for item in inputs:
        path = Path(item).expanduser()
        if path.is_dir():
            videos = sorted(p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in VIDEO_SUFFIXES)
            if not videos:
                raise BatchInputError(
                    f"{path}: no video files in this folder or below it "
                    f"(looked for {', '.join(sorted(VIDEO_SUFFIXES))})."
                )
            found.extend(videos)
        elif path.suffix.lower() in LIST_SUFFIXES and path.is_file():
            found.extend(_listed(path))
        elif path.is_file():
            found.append(path)
        else:
            raise BatchInputError(f"{path}: no such file or folder.")
    seen: set[Path] = set()
    unique = []
    for path in found:
        key = path.resolve()
        if key not in seen:
            seen.add(key)
            unique.append(key)
    return unique


def _listed(listing: Path) -> list[Path]:
    paths = []
    for line in listing.read_text(encoding="utf-8").splitlines():
        text = line.strip()
        if not text or text.startswith("#"):
            continue
        path = Path(text).expanduser()
        paths.append(path if path.is_absolute() else listing.parent / path)
    return paths


def project_videos(project: str | Path) -> tuple[list[Path], list[str]]:
    """The videos a project knows: those whose file is where it was recorded, and the paths that are missing."""
    from lepton_desktop.store import open_project

    found, missing = [], []
    with open_project(project) as proj:
        for record in proj.videos.list():
            path = Path(record.path)
            if path.is_file():
                found.append(path)
            else:
                missing.append(record.path)
    return found, missing
