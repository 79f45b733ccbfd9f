"""Labels read from another tool's file, checked in full, then stored as corrections in one transaction.

Every reader (ELAN, BORIS) turns its file into :class:`Incoming` spans in seconds of media time.
:func:`store` resolves each to a person and an annotator, converts its times to frames on the video's
exact timeline, and refuses the whole file with one sentence at the first problem, before anything
is written. Spans that would change nothing (the annotator already labelled those frames so) are
skipped, so importing the same file twice adds nothing.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from lepton_desktop.core.emotions import EMOTIONS
from lepton_desktop.core.spans import past_the_end, span_frames
from lepton_desktop.core.timeline import format_timecode
from lepton_desktop.core.validate import clean_name
from lepton_desktop.services.interop.video import InteropError, Person, VideoAnnotations, human_labels
from lepton_desktop.store import Project

SKIP = "skip"
"""``--map "TIER=skip"``: leave that tier (or BORIS subject) out."""

_PERSON_NUMBER = re.compile(r"^person\s*(\d+)(\s*\(.*\))?$", re.IGNORECASE)
_CONFIDENCE = re.compile(r"\s*\(\s*[0-9.]+\s*%?\s*\)\s*$")


@dataclass(frozen=True)
class Incoming:
    """One labelled span as another tool wrote it."""

    source: str
    """The tier name (ELAN) or subject (BORIS): what ``--map`` names."""
    hints: tuple[str, ...]
    """Names that may be a person's: the tier's person part, its participant, the subject."""
    annotator: str | None
    start: float
    end: float
    """Seconds of media time."""
    value: str
    where: str
    """Where in the file, for messages: ``Tier 'Person 1 / ana' at 00:00:01.200``, ``Line 12``."""
    kind: str = "tier"
    """What ``source`` is: ``tier`` (ELAN) or ``subject`` (BORIS)."""
    default_annotator: str | None = None
    """Who made it where neither the file's annotator nor ``--annotator`` says: a BORIS observation's name."""


@dataclass(frozen=True)
class Skipped:
    """Something in the file that was read but deliberately not imported, and why."""

    what: str
    reason: str

    def to_json(self) -> dict[str, str]:
        """The CLI's JSON entry."""
        return {"what": self.what, "reason": self.reason}


def parse_mapping(items: Iterable[str]) -> dict[str, int | None]:
    """``TIER=PERSON_NUMBER`` (or ``TIER=skip``) options as a dict; None means leave it out."""
    mapping: dict[str, int | None] = {}
    for item in items:
        name, sep, value = item.rpartition("=")
        if not sep or not name.strip():
            raise InteropError(f'--map "{item}" is not of the form "TIER=PERSON_NUMBER" (or "TIER=skip").')
        value = value.strip()
        if value.lower() == SKIP:
            mapping[name.strip()] = None
        elif value.isdigit() and int(value) >= 1:
            mapping[name.strip()] = int(value)
        else:
            raise InteropError(f'--map "{item}": {value!r} is not a person number (1, 2, ...) or "skip".')
    return mapping


def parse_label(text: str, where: str) -> str:
    """An emotion from an annotation's text: one of the seven, any case, a trailing "(0.87)" allowed."""
    key = _CONFIDENCE.sub("", text or "").strip().lower()
    if key in EMOTIONS:
        return key
    shown = f'"{text}"' if text and text.strip() else "an empty annotation"
    raise InteropError(f"{where} has {shown}; every annotation must be one of: {', '.join(EMOTIONS)}.")


class People:
    """Finds the person a tier or subject means: an explicit mapping, a display name, or ``Person N``."""

    def __init__(self, people: Sequence[Person], mapping: dict[str, int | None]) -> None:
        self.people = people
        self.by_number = {p.number: p for p in people}
        self.mapping = mapping
        for name, number in mapping.items():
            if number is not None and number not in self.by_number:
                raise InteropError(f'--map "{name}={number}": this video has no person {number} ({self._listed()}).')

    def _listed(self) -> str:
        return "people: " + (", ".join(f"{p.number} = {p.name}" for p in self.people) or "none")

    def _by_name(self, text: str) -> Person | None:
        key = text.strip().casefold()
        if not key:
            return None
        named = [p for p in self.people if key in (p.name.casefold(), p.label.casefold())]
        if len(named) == 1:
            return named[0]
        match = _PERSON_NUMBER.match(text.strip())
        if match:
            return self.by_number.get(int(match.group(1)))
        return None

    def resolve(self, item: Incoming) -> Person | None:
        """The person ``item`` belongs to, None if mapped to skip; InteropError when nobody fits."""
        if item.source in self.mapping:
            number = self.mapping[item.source]
            return None if number is None else self.by_number[number]
        for hint in item.hints:
            person = self._by_name(hint)
            if person is not None:
                return person
        raise InteropError(
            f"{item.where}: no person of this video is called {item.source!r} ({self._listed()}); "
            f'name it after one of them, or pass --map "{item.source}=NUMBER" (or "=skip").'
        )


@dataclass(frozen=True)
class Planned:
    """A checked span, ready to store."""

    person: Person
    annotator: str
    start: int
    end: int
    label: str


def check(
    items: Sequence[Incoming], ctx: VideoAnnotations, people: People, annotator: str | None
) -> tuple[list[Planned], list[Skipped]]:
    """Every span resolved and converted, or InteropError at the first one that cannot be."""
    fallback = _annotator(annotator, "--annotator") if annotator is not None else None
    planned: list[Planned] = []
    skipped: dict[str, Skipped] = {}
    for item in items:
        person = people.resolve(item)
        if person is None:
            skipped.setdefault(item.source, Skipped(f"{item.kind} {item.source!r}", "left out by --map"))
            continue
        who = _annotator(item.annotator, item.where) if item.annotator else fallback
        if who is None and item.default_annotator:
            who = _annotator(item.default_annotator, item.where)
        if who is None:
            raise InteropError(
                f"{item.where} does not say who made it (no annotator in the file); name the annotator "
                "(--annotator NAME, or Edit > Set annotator name in the app)."
            )
        label = parse_label(item.value, item.where)
        planned.append(Planned(person, who, *_frames(item, ctx), label))
    return planned, list(skipped.values())


def _annotator(name: str, where: str) -> str:
    try:
        return clean_name(name, "the annotator's name")
    except ValueError as exc:
        raise InteropError(f"{where}: {exc}.") from None


def _frames(item: Incoming, ctx: VideoAnnotations) -> tuple[int, int]:
    if item.start < 0 or item.end <= item.start:
        raise InteropError(
            f"{item.where} runs from {format_timecode(item.start)} to {format_timecode(item.end)}; "
            "a label must start before it ends, from time 0 on."
        )
    if past_the_end(ctx.timeline, item.end):
        raise InteropError(
            f"{item.where} ends at {format_timecode(item.end)}, past the end of the video "
            f"({format_timecode(ctx.timeline.duration())}); check that the file was made for this video."
        )
    return span_frames(ctx.timeline, item.start, item.end)


def store(project: Project, ctx: VideoAnnotations, planned: Sequence[Planned]) -> tuple[int, int, dict[str, int]]:
    """Store the spans that change something, all in one transaction.

    Returns (stored, unchanged, stored per annotator).
    """
    current: dict[tuple[int, str], npt.NDArray[np.int8]] = {}
    per_person: dict[int, dict[str, npt.NDArray[np.int8]]] = {}
    rows: list[tuple[int, int, int, str, str]] = []
    per_annotator: dict[str, int] = defaultdict(int)
    unchanged = 0
    for span in planned:
        key = (span.person.number, span.annotator)
        if key not in current:
            if span.person.number not in per_person:
                per_person[span.person.number] = human_labels(project, ctx, span.person)
            blank = np.full(ctx.frame_count, -1, np.int8)
            current[key] = per_person[span.person.number].get(span.annotator, blank).copy()
        labels, value = current[key], EMOTIONS.index(span.label)
        if bool((labels[span.start : span.end + 1] == value).all()):
            unchanged += 1
            continue
        labels[span.start : span.end + 1] = value
        rows.append((span.person.track_id, span.start, span.end, span.label, span.annotator))
        per_annotator[span.annotator] += 1
    if rows:
        try:
            project.corrections.add_many(rows, origin="import")
        except ValueError as exc:
            raise InteropError(f"Nothing was imported: {exc}.") from None
    return len(rows), unchanged, dict(per_annotator)


def report(
    read: dict[str, Any], stored: int, unchanged: int, per_annotator: dict[str, int], skipped: list[Skipped]
) -> dict[str, Any]:
    """The import's JSON summary."""
    notes = [s.to_json() for s in skipped]
    if unchanged:
        notes.append({"what": f"{unchanged} span{'s' if unchanged != 1 else ''}",
                      "reason": "already labelled so by the same annotator in the project"})  # fmt: skip
    return {**read, "corrections_imported": stored, "by_annotator": per_annotator, "skipped": notes}
