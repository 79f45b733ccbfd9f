"""BORIS tabular events: corrections as state events (START and STOP rows), and such files read back.

The columns are those of BORIS 8's *Observations > Export events > Tabular events* for an observation
of one media file (``export_observation.export_tabular_events``): one observation per annotator, with
the annotator as an independent variable column (``Annotator``), the person as ``Subject``, the
emotion as ``Behavior`` and START/STOP in ``Behavior type``. ``.tsv`` files are tab-separated, others
comma-separated.

Reading accepts BORIS 8's layout and the older one (rows of observation details, then a header with
``Time``, ``Media file path``, ``Subject``, ``Behavior`` and ``Status``). State events are paired per
observation, subject and behaviour; point events have no duration and are left out, and so are the
rows of an observation whose ``Origin`` is ``model`` (the model's labels in a project written by
``boris_project``). The annotator comes from an ``Annotator`` (or ``Coder``, ``Observer``) column,
else ``--annotator``.
"""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from datetime import datetime
from pathlib import Path
from typing import Any

from lepton_desktop.core.labels import segments
from lepton_desktop.core.spans import span_seconds
from lepton_desktop.services.csv_export import FORMULA_STARTS, write_csv
from lepton_desktop.services.interop.files import read_text
from lepton_desktop.services.interop.incoming import Incoming, Skipped
from lepton_desktop.services.interop.video import InteropError, VideoAnnotations, human_labels
from lepton_desktop.store import Project

COLUMNS = (
    "Observation id", "Observation date", "Description", "Observation duration", "Observation type", "Source",
    "Time offset (s)", "Media duration (s)", "FPS", "Annotator", "Subject", "Behavior", "Behavioral category",
    "Behavior type", "Time", "Media file name", "Image index", "Image file path", "Comment",
)  # fmt: skip
NO_SUBJECT = "No focal subject"
MODEL_ORIGIN = "model"
_ANNOTATOR_COLUMNS = ("annotator", "coder", "observer")


def write_boris(project: Project, ctx: VideoAnnotations, out: Path) -> dict[str, Any]:
    """Write every annotator's corrections as one BORIS observation each; return what it holds."""
    events: dict[str, list[tuple[float, int, str, str, int]]] = defaultdict(list)
    for person in ctx.people:
        for annotator, labels in human_labels(project, ctx, person).items():
            for seg in segments(labels):
                start, end = span_seconds(ctx.timeline, seg.start, seg.end)
                events[annotator].append((start, 1, person.label, seg.label, seg.start))
                events[annotator].append((end, 0, person.label, seg.label, seg.end))  # STOP first at equal times
    info = ctx.video.info
    media = str(ctx.media.resolve())
    date = datetime.now().strftime("%Y-%m-%d %H:%M:%S")
    rows = []
    for annotator in sorted(events):
        timed = sorted(events[annotator])
        duration = timed[-1][0] - timed[0][0]
        head = [f"{ctx.media.stem} - {annotator}", date, f"Lepton Desktop corrections by {annotator}",
                f"{duration:.3f}", "Media file(s)", f"player #1:{media}", "0.0", f"{info.duration_s:.3f}",
                f"{info.fps:.3f}", annotator]  # fmt: skip
        for time, starts, subject, emotion, frame in timed:
            status = "START" if starts else "STOP"
            rows.append([*head, subject, emotion, "Emotion", status, f"{time:.3f}", media, frame, "NA", ""])
    write_csv(out, COLUMNS, rows, delimiter="\t" if out.suffix.lower() in (".tsv", ".txt") else ",")
    return {"layout": "tabular", "observations": len(events), "events": len(rows)}


def read_boris(path: Path) -> tuple[list[Incoming], list[Skipped], dict[str, Any]]:
    """The state events of a BORIS tabular events file as spans; point events left out."""
    table, header_at, columns = _table(path)
    annotator_col = next((c for c in _ANNOTATOR_COLUMNS if c in columns), None)
    status_col = "status" if "status" in columns else "behavior type"
    open_events: dict[tuple[str, str | None, str, str], tuple[float, int]] = {}
    items: list[Incoming] = []
    observations: set[str] = set()
    points = events = 0
    model_rows: set[str] = set()
    for line, row in table[header_at + 1 :]:
        if not any(cell.strip() for cell in row):
            continue
        events += 1
        cell = dict(zip(columns, (_unguard(c) for c in row), strict=False))
        if cell.get("origin", "").strip().casefold() == MODEL_ORIGIN:  # our .boris project's model observation
            model_rows.add(cell.get("observation id", ""))
            continue
        observations.add(cell.get("observation id", ""))
        status = cell.get(status_col, "").strip().upper()
        if status == "POINT":
            points += 1
            continue
        if status not in ("START", "STOP"):
            raise InteropError(f"Line {line}: the status {status!r} is not START, STOP or POINT.")
        time = _seconds(cell.get("time", ""), line) - _offset(cell.get("time offset (s)", ""))
        subject = cell.get("subject", "").strip() or NO_SUBJECT
        annotator = (cell.get(annotator_col, "").strip() or None) if annotator_col else None
        key = (cell.get("observation id", ""), annotator, subject, cell.get("behavior", "").strip())
        if status == "START":
            if key in open_events:
                raise InteropError(f"Line {line}: {subject} starts {key[3]!r} again before it stopped "
                                   f"(started on line {open_events[key][1]}).")  # fmt: skip
            open_events[key] = (time, line)
            continue
        if key not in open_events:
            raise InteropError(f"Line {line}: {subject} stops {key[3]!r} without having started it.")
        start, first_line = open_events.pop(key)
        items.append(Incoming(subject, (subject,), annotator, start, time, key[3], f"Line {first_line}", "subject"))
    if open_events:
        (_, _, subject, behavior), (_, line) = next(iter(open_events.items()))
        raise InteropError(f"Line {line}: {subject} starts {behavior!r} and never stops (no STOP row).")
    skipped = [Skipped(f"observation {name!r}", "the model's labels, not corrections") for name in sorted(model_rows)]
    if points:
        skipped.append(Skipped(f"{points} point event{'s' if points != 1 else ''}", "no duration"))
    info = {
        "format": "boris",
        "layout": "tabular",
        "observations_read": len(observations),
        "events_read": events,
        "state_events": len(items),
    }
    return sorted(items, key=lambda i: i.start), skipped, info


def _table(path: Path) -> tuple[list[tuple[int, list[str]]], int, list[str]]:
    """Rows with their line numbers, the header's position, and its column names (lower case)."""
    text = read_text(path)
    for delimiter in ("\t", ","):
        reader = csv.reader(io.StringIO(text), delimiter=delimiter)
        try:
            table = [(reader.line_num, row) for row in reader]
        except csv.Error as exc:
            raise InteropError(f"{path.name} is not a readable table ({exc}).") from None
        for at, (_, row) in enumerate(table):
            names = [c.strip().lower() for c in row]
            if {"time", "subject", "behavior"} <= set(names) and ({"status", "behavior type"} & set(names)):
                return table, at, names
    raise InteropError(
        f"{path.name} is not a BORIS tabular events file: no header row with Time, Subject, Behavior and Status "
        "(or Behavior type) columns (in BORIS: Observations > Export events > Tabular events, as TSV or CSV)."
    )


def _unguard(text: str) -> str:
    """Undo the apostrophe our CSV writer puts before text a spreadsheet would run as a formula."""
    return text[1:] if text.startswith("'") and text[1:2].startswith(FORMULA_STARTS) else text


def _seconds(text: str, line: int) -> float:
    try:
        value = float(text)
    except ValueError:
        raise InteropError(f"Line {line}: the time {text!r} is not a number of seconds.") from None
    if value != value:  # NaN
        raise InteropError(f"Line {line}: the time is missing (NA).")
    return value


def _offset(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        return 0.0
    return value if value == value else 0.0
