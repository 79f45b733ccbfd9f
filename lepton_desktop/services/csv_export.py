"""CSV files of analysis results (the CLI's stable column contract)."""

from __future__ import annotations

import csv
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import TextIO

import numpy as np

from lepton_desktop.core.actions import ACTION_NAMES, arousal, valence
from lepton_desktop.core.emotions import EMOTIONS
from lepton_desktop.core.timeline import FrameTimeline
from lepton_desktop.services.output import atomic_output, is_stdout
from lepton_desktop.vision.analyzer import FaceRows

ANALYSIS_COLUMNS = ("frame", "time_s", "track", "x", "y", "w", "h", *EMOTIONS)
ACTION_COLUMNS = ("valence", "arousal", *ACTION_NAMES)
"""Added after ANALYSIS_COLUMNS when the run read facial actions (empty cells: no face in the crop)."""
CLASSIFY_COLUMNS = ("path", *EMOTIONS)


FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
"""A cell starting with one of these is a formula to a spreadsheet (CSV injection)."""


def safe_cell(value: object) -> object:
    """Text a spreadsheet would run as a formula gets a leading apostrophe; numbers stay as they are."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        try:
            float(value)
        except ValueError:
            return "'" + value
    return value


def write_csv(path: Path, header: Iterable[str], rows: Iterable[Iterable[object]], delimiter: str = ",") -> Path:
    """Write a CSV file atomically (a temporary file renamed at the end); clear errors for full or read-only disks.

    ``-`` writes to standard output instead. Text cells that a spreadsheet would run as a formula
    (``=``, ``+``, ``-``, ``@``) are written with a leading apostrophe, so opening an export never
    runs what someone typed as a name.
    """
    if is_stdout(path):  # "-": the rows go to standard output, for a pipe
        _write_rows(sys.stdout, header, rows, delimiter)
        sys.stdout.flush()
        return path
    with atomic_output(path) as tmp, tmp.open("w", newline="", encoding="utf-8") as handle:
        _write_rows(handle, header, rows, delimiter)
    return path


def _write_rows(handle: TextIO, header: Iterable[str], rows: Iterable[Iterable[object]], delimiter: str) -> None:
    writer = csv.writer(handle, delimiter=delimiter)
    writer.writerow(header)
    writer.writerows([safe_cell(v) for v in row] for row in rows)  # names, paths: text from people


def _number(value: float, digits: int) -> str:
    return "" if np.isnan(value) else f"{value:.{digits}f}"


def write_analysis_csv(path: Path, rows: FaceRows | None, timeline: FrameTimeline) -> Path:
    """One line per face per frame: frame,time_s,track,x,y,w,h and the seven probabilities.

    When the rows carry facial actions, ``valence``, ``arousal`` and the 52 action coefficients
    (MediaPipe's names, :data:`ACTION_COLUMNS`) follow.
    """
    times = timeline.times()
    lines: list[list[object]] = []
    with_actions = rows is not None and rows.actions is not None
    if rows is not None:
        if rows.actions is not None:
            val, aro = valence(rows.probs), arousal(rows.actions)
        for i in range(len(rows)):
            frame = int(rows.frames[i])
            x, y, w, h = (round(float(v), 1) for v in rows.boxes[i])
            probs = rows.probs[i].astype(np.float64)
            probs /= probs.sum()
            line: list[object] = [frame, f"{times[frame]:.6f}", int(rows.tracks[i]), x, y, w, h]
            line += [f"{p:.6f}" for p in probs]
            if rows.actions is not None:
                line += [_number(float(val[i]), 6), _number(float(aro[i]), 6)]
                line += [_number(float(a), 4) for a in rows.actions[i]]
            lines.append(line)
    return write_csv(path, ANALYSIS_COLUMNS + (ACTION_COLUMNS if with_actions else ()), lines)


def write_classify_csv(path: Path, results: list[tuple[str, np.ndarray]]) -> Path:
    """One line per image: path and the seven probabilities."""
    return write_csv(path, CLASSIFY_COLUMNS, ([p, *(f"{v:.6f}" for v in probs)] for p, probs in results))
