"""ELAN ``.eaf`` files (pympi-ling): the model's and the annotators' labels as tiers, linked to the video.

Export, per person: a tier ``<person> (model)`` with the model's dominant-emotion segments, each
annotation ``happy (0.87)`` (the emotion and its mean probability over the segment), and per
annotator a tier ``<person> / <annotator>`` with that annotator's corrections (PARTICIPANT = the
person, ANNOTATOR = the annotator; values from a controlled vocabulary of the seven emotions, so ELAN
offers them in a list). Times are milliseconds on the video's exact frame times.

Import: every time-aligned tier except the model's becomes corrections. The person comes from
``--map``, the tier name (``Person 2 / ana``, ``Person 2``, a display name) or its PARTICIPANT; the
annotator from its ANNOTATOR, the name after `` / ``, or ``--annotator``.
"""

from __future__ import annotations

import os
import xml.etree.ElementTree as ET
from pathlib import Path, PurePosixPath
from typing import Any
from urllib.parse import unquote, urlparse

import numpy as np

from lepton_desktop.core.emotions import EMOTIONS
from lepton_desktop.core.labels import segments
from lepton_desktop.core.spans import span_seconds
from lepton_desktop.core.timeline import format_timecode
from lepton_desktop.services.interop.files import read_failure, write_atomically
from lepton_desktop.services.interop.incoming import Incoming, Skipped
from lepton_desktop.services.interop.video import InteropError, VideoAnnotations, human_labels, model_labels
from lepton_desktop.store import Project

MODEL_TYPE = "lepton-model"
CORRECTION_TYPE = "lepton-emotion"
VOCABULARY = "lepton-emotions"
MODEL_SUFFIX = " (model)"
SEPARATOR = " / "
MIME_TYPES = {"mp4": "video/mp4", "m4v": "video/mp4", "mpg": "video/mpeg", "mpeg": "video/mpeg",
              "mov": "video/quicktime", "wav": "audio/x-wav"}  # fmt: skip
"""What ELAN calls these; anything else is ELAN's generic ``video/*``."""
_UND = ("und", "http://cdb.iso.org/lg/CDB-00130975-001", "undetermined (und)")


def write_eaf(project: Project, ctx: VideoAnnotations, out: Path) -> dict[str, Any]:
    """Write the ``.eaf``; return what it holds."""
    from pympi.Elan import Eaf, to_string

    eaf = Eaf(author="Lepton Desktop")
    eaf.remove_tier("default")
    eaf.remove_linguistic_type("default-lt")
    eaf.header.update({"MEDIA_FILE": "", "TIME_UNITS": "milliseconds"})
    eaf.add_language(*_UND)
    eaf.add_controlled_vocabulary(VOCABULARY)
    eaf.add_cv_description(VOCABULARY, "und", "The seven emotions Lepton Desktop labels")
    for emotion in EMOTIONS:
        eaf.add_cv_entry(VOCABULARY, f"cveid_{emotion}", [(emotion, "und", None)])
    eaf.add_linguistic_type(MODEL_TYPE)
    eaf.add_linguistic_type(CORRECTION_TYPE, param_dict={
        "LINGUISTIC_TYPE_ID": CORRECTION_TYPE, "TIME_ALIGNABLE": "true", "GRAPHIC_REFERENCES": "false",
        "CONTROLLED_VOCABULARY_REF": VOCABULARY,
    })  # fmt: skip
    eaf.add_linked_file(*_media_link(ctx.media, out))
    counts = {"model_tiers": 0, "correction_tiers": 0, "annotations": 0}
    for person in ctx.people:
        labels, probs = model_labels(project, person, ctx.frame_count)
        tier = person.label + MODEL_SUFFIX
        eaf.add_tier(tier, ling=MODEL_TYPE, part=person.label, ann=ctx.model)
        counts["model_tiers"] += 1
        for seg in segments(labels):
            mean = float(np.nanmean(probs[seg.start : seg.end + 1, EMOTIONS.index(seg.label)]))
            eaf.add_annotation(tier, *_milliseconds(ctx, seg.start, seg.end), f"{seg.label} ({mean:.2f})")
            counts["annotations"] += 1
        for annotator, per_frame in sorted(human_labels(project, ctx, person).items()):
            tier = f"{person.label}{SEPARATOR}{annotator}"
            eaf.add_tier(tier, ling=CORRECTION_TYPE, part=person.label, ann=annotator)
            counts["correction_tiers"] += 1
            for seg in segments(per_frame):
                eaf.add_annotation(tier, *_milliseconds(ctx, seg.start, seg.end), seg.label)
                counts["annotations"] += 1
    eaf.properties = [("lastUsedAnnotation", eaf.maxaid)]  # where ELAN goes on numbering new annotations
    write_atomically(out, b'<?xml version="1.0" encoding="UTF-8"?>\n' + to_string(eaf, encoding="UTF-8"))
    return {"tiers": counts["model_tiers"] + counts["correction_tiers"], **counts}


def _milliseconds(ctx: VideoAnnotations, first: int, last: int) -> tuple[int, int]:
    start, end = span_seconds(ctx.timeline, first, last)
    return round(start * 1000), round(end * 1000)


def _media_link(media: Path, out: Path) -> tuple[str, str | None, str]:
    """ELAN's MEDIA_URL (absolute), RELATIVE_MEDIA_URL (from the .eaf's folder) and MIME_TYPE."""
    absolute = media.resolve()
    url = "file:///" + absolute.as_posix().lstrip("/")
    try:
        relative: str | None = Path(os.path.relpath(absolute, out.resolve().parent)).as_posix()
    except ValueError:  # another drive (Windows): no relative path
        relative = None
    if relative is not None and not relative.startswith("../"):
        relative = "./" + relative
    return url, relative, MIME_TYPES.get(media.suffix.lower().lstrip("."), "video/*")


def read_eaf(path: Path) -> tuple[list[Incoming], list[Skipped], dict[str, Any]]:
    """The spans of every annotator tier, the tiers left out and why, and counts."""
    from pympi.Elan import Eaf

    try:
        root = ET.parse(path).getroot()
    except OSError as exc:
        raise read_failure(path, exc) from None
    except ET.ParseError as exc:
        raise InteropError(f"{path.name} is not a well-formed ELAN file ({exc}); nothing was imported.") from None
    if root.tag != "ANNOTATION_DOCUMENT":
        raise InteropError(f"{path.name} is XML but not an ELAN annotation document (its root is <{root.tag}>).")
    try:
        eaf = Eaf(str(path), suppress_version_warning=True)
    except Exception as exc:  # pympi raises bare KeyErrors and Exceptions on documents it cannot follow
        raise InteropError(f"{path.name} is not an ELAN file pympi can read ({type(exc).__name__}: {exc}).") from None
    units = eaf.header.get("TIME_UNITS", "milliseconds")
    if units != "milliseconds":
        raise InteropError(f"{path.name} counts time in {units}; only milliseconds (ELAN's default) are supported.")
    origin = _time_origin(eaf.media_descriptors)
    items: list[Incoming] = []
    skipped: list[Skipped] = []
    read = 0
    for tier, (aligned, refs, attrs, _order) in sorted(eaf.tiers.items(), key=lambda kv: kv[1][3]):
        reason = _left_out(tier, aligned, refs, attrs)
        if reason:
            skipped.append(Skipped(f"tier {tier!r}", reason))
            continue
        read += 1
        person_part, _, named = tier.partition(SEPARATOR)
        annotator = (attrs.get("ANNOTATOR") or "").strip() or named.strip() or None
        hints = tuple(h for h in (person_part, tier, attrs.get("PARTICIPANT") or "") if h.strip())
        spans = []
        for start_slot, end_slot, value, _svg in aligned.values():
            start, end = eaf.timeslots.get(start_slot), eaf.timeslots.get(end_slot)
            if start is None or end is None:
                raise InteropError(f"Tier {tier!r} has an annotation without a time (unaligned in ELAN); "
                                   "align it or delete it.")  # fmt: skip
            spans.append(((start + origin) / 1000, (end + origin) / 1000, value))
        for start_s, end_s, value in sorted(spans):
            where = f"Tier {tier!r} at {format_timecode(start_s)}"
            items.append(Incoming(tier, hints, annotator, start_s, end_s, value, where))
    media = linked_media(eaf.media_descriptors)
    return items, skipped, {"format": "eaf", "tiers_read": read, "annotations_read": len(items), "linked_media": media}


def linked_media(descriptors: list[dict[str, str]]) -> list[str]:
    """The file names an ELAN document links as its media (MEDIA_URL, else RELATIVE_MEDIA_URL)."""
    names = []
    for descriptor in descriptors:
        url = descriptor.get("MEDIA_URL") or descriptor.get("RELATIVE_MEDIA_URL") or ""
        name = PurePosixPath(unquote(urlparse(url).path or url).replace("\\", "/")).name
        if name:
            names.append(name)
    return names


def media_of(path: Path) -> list[str]:
    """The media file names an ELAN file links, read from its header alone (empty if it cannot be read)."""
    try:
        root = ET.parse(path).getroot()
    except (OSError, ET.ParseError):
        return []  # the import itself says what is wrong with the file
    return linked_media([dict(d.attrib) for d in root.iter("MEDIA_DESCRIPTOR")])


def other_media(linked: list[str], video: Path) -> str | None:
    """A sentence when the document was made for other media than ``video`` (None: it names this video, or none).

    The stem is compared, without regard to case, so a re-encoded copy (``talk.mov`` for
    ``talk.mp4``), an audio track extracted beside the video (``talk.wav``) and a name whose case a
    file system changed (``Talk.MP4``) still count as this video.
    """
    if not linked or any(PurePosixPath(name).stem.casefold() == video.stem.casefold() for name in linked):
        return None
    return (f"the ELAN file links {', '.join(linked)}, not {video.name}: its labels were placed on "
            f"{video.name} by their times; check that this is the video they were made for.")  # fmt: skip


def _left_out(tier: str, aligned: dict[str, Any], refs: dict[str, Any], attrs: dict[str, str]) -> str | None:
    if attrs.get("LINGUISTIC_TYPE_REF") == MODEL_TYPE or tier.endswith(MODEL_SUFFIX):
        return "the model's labels, not corrections"
    if refs and not aligned:
        return "a dependent tier without times of its own"
    if not aligned:
        return "empty"
    return None


def _time_origin(descriptors: list[dict[str, str]]) -> int:
    """Milliseconds into the media where the annotations' time 0 lies (ELAN's TIME_ORIGIN), else 0."""
    for descriptor in descriptors:
        text = descriptor.get("TIME_ORIGIN")
        if text:
            try:
                return int(text)
            except ValueError:
                raise InteropError(f"The media's TIME_ORIGIN {text!r} is not a number of milliseconds.") from None
    return 0
