"""Annotations in and out of other tools: ELAN ``.eaf``, BORIS projects and tabular events, a final-labels CSV.

    export_annotations("study.lepton", "talk.mp4", "eaf", Path("talk.eaf"))
    import_annotations("study.lepton", "talk.mp4", Path("talk-edited.eaf"), annotator="ana")

Imports are all or nothing: the whole file is read and checked (people, annotators, emotions, times
inside the video) before one transaction stores its corrections (origin ``import``).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from lepton_desktop.services.interop.video import InteropError
from lepton_desktop.store import open_project

__all__ = ["FORMATS", "SUFFIX_FORMATS", "InteropError", "export_annotations", "import_annotations", "sniff_format"]

FORMATS = ("eaf", "boris", "csv")
"""``eaf``: ELAN; ``boris``: a BORIS project (``.boris``) or tabular events (any other suffix, by the
output's name); ``csv``: the final labels (export only)."""
BORIS_PROJECT_SUFFIXES = (".boris", ".gz")
"""Files read as BORIS projects (``.boris``, BORIS's compressed ``.boris.gz``); ``.boris`` is written as one."""


def export_annotations(project: str | Path, video: str | Path, fmt: str, out: Path) -> dict[str, Any]:
    """Write the video's annotations in ``fmt``; return a summary (what was written, how much)."""
    from lepton_desktop.services.interop.boris import write_boris
    from lepton_desktop.services.interop.boris_project import write_boris_project
    from lepton_desktop.services.interop.eaf import write_eaf
    from lepton_desktop.services.interop.final_labels import write_final_labels
    from lepton_desktop.services.interop.video import load

    writers = {"eaf": write_eaf, "boris": write_boris, "csv": write_final_labels}
    if fmt not in writers:
        raise InteropError(f"Unknown format {fmt!r}; choose one of: {', '.join(FORMATS)}.")
    _check_suffix(fmt, out)
    if fmt == "boris" and out.suffix.lower() == ".boris":
        writers["boris"] = write_boris_project
    with open_project(project) as proj:
        ctx = load(proj, video)
        counts = writers[fmt](proj, ctx, out)
    return {"format": fmt, "file": str(out), "video": ctx.video.path, "people": len(ctx.people), **counts}


SUFFIX_FORMATS = {".eaf": "eaf", ".boris": "boris"}
"""Output names that only one format may take: another tool opening the file would misread it."""
FORMAT_NAMES = {"eaf": "an ELAN file", "boris": "a BORIS project", "csv": "a final-labels CSV"}


def _check_suffix(fmt: str, out: Path) -> None:
    """One sentence when ``out``'s name says another format than ``fmt`` (ELAN would not open a .boris)."""
    if out.suffix.lower() == ".gz":
        raise InteropError(f"{out.name}: compressed BORIS projects are read, not written; name the file .boris.")
    owner = SUFFIX_FORMATS.get(out.suffix.lower())
    if owner is not None and owner != fmt:
        wanted = {"eaf": ".eaf", "boris": ".boris, .tsv or .csv", "csv": ".csv"}[fmt]
        raise InteropError(
            f"{out.name} is named as {FORMAT_NAMES[owner]}, but the format asked for is {fmt}: "
            f"name the file {wanted}, or ask for --format {owner}."
        )


def sniff_format(path: Path) -> str:
    """``eaf`` for an XML file, ``boris-project`` for JSON (or gzip), else ``boris`` (a table)."""
    suffix = path.suffix.lower()
    try:
        with path.open("rb") as handle:
            head = handle.read(512).lstrip(b"\xef\xbb\xbf \t\r\n")
    except OSError:
        head = b""  # the reader says what is wrong
    if head.startswith(b"<") or suffix == ".eaf":
        return "eaf"
    if head.startswith((b"{", b"[", b"\x1f\x8b")) or suffix in BORIS_PROJECT_SUFFIXES:
        return "boris-project"
    return "boris"


def import_annotations(
    project: str | Path,
    video: str | Path,
    path: Path,
    *,
    annotator: str | None = None,
    mapping: Sequence[str] = (),
) -> dict[str, Any]:
    """Store the labels of an ELAN file, a BORIS project or BORIS tabular events as corrections; return a summary.

    ``annotator``: who made them, where the file does not say (for a BORIS project, the observation's
    name comes after it). ``mapping``: ``"TIER=PERSON_NUMBER"`` (or ``"TIER=skip"``) for tiers and BORIS
    subjects not named after a person.
    """
    from lepton_desktop.services.interop import incoming
    from lepton_desktop.services.interop.boris import read_boris
    from lepton_desktop.services.interop.boris_project import BorisProjectFile
    from lepton_desktop.services.interop.eaf import read_eaf
    from lepton_desktop.services.interop.video import load

    names = incoming.parse_mapping(mapping)
    fmt = sniff_format(path)
    boris_project = BorisProjectFile(path) if fmt == "boris-project" else None  # read and checked in full first
    if boris_project is None:
        items, skipped, read = (read_eaf if fmt == "eaf" else read_boris)(path)
    with open_project(project) as proj:
        ctx = load(proj, video)
        if boris_project is not None:  # its observations are picked by the video's file name
            items, skipped, read = boris_project.spans(ctx.media)
        planned, left_out = incoming.check(items, ctx, incoming.People(ctx.people, names), annotator)
        stored, unchanged, per_annotator = incoming.store(proj, ctx, planned)
    summary = {"file": str(path), "video": ctx.video.path, **read}
    if fmt == "eaf":
        from lepton_desktop.services.interop.eaf import other_media

        warning = other_media(read.get("linked_media", []), ctx.media)
        if warning:
            summary["warnings"] = [warning]
    return incoming.report(summary, stored, unchanged, per_annotator, skipped + left_out)
