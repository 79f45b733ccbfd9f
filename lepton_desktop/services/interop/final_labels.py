"""The "final labels" CSV: per person per frame, the human label where there is one, else the model's.

Columns: ``frame, time_s, person, name, label, source, annotator, model_label, model_probability,
label_probability``. ``source`` is ``human`` inside a live correction (every annotator's, the newest
wins, as the app shows them) and ``model`` elsewhere; ``annotator`` says whose label decided a human
row. ``model_label`` and ``model_probability`` are the model's dominant emotion and its probability;
``label_probability`` is the model's probability for ``label`` (for human rows: how much the model
believed what the human chose). Model columns are empty on frames where the face was not found but a
human labelled the person. Rows are in frame order, then person.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from lepton_desktop.core.emotions import EMOTIONS
from lepton_desktop.core.labels import frame_labels, frame_sources
from lepton_desktop.services.csv_export import write_csv
from lepton_desktop.services.interop.video import VideoAnnotations, corrections, model_labels
from lepton_desktop.store import Project

COLUMNS = ("frame", "time_s", "person", "name", "label", "source", "annotator",
           "model_label", "model_probability", "label_probability")  # fmt: skip


def write_final_labels(project: Project, ctx: VideoAnnotations, out: Path) -> dict[str, Any]:
    """Write the CSV; return its row counts."""
    times = ctx.timeline.times()
    rows: list[tuple[int, int, list[Any]]] = []
    human_rows = 0
    for person in ctx.people:
        model, probs = model_labels(project, person, ctx.frame_count)
        live = corrections(project, ctx, person)
        human = frame_labels(live, ctx.frame_count)
        deciding = frame_sources(live, ctx.frame_count)
        who = {c.id: c.annotator for c in live}
        for frame in np.flatnonzero((human >= 0) | (model >= 0)).tolist():
            seen = model[frame] >= 0
            is_human = human[frame] >= 0
            label = int(human[frame] if is_human else model[frame])
            rows.append((frame, person.number, [
                frame, f"{times[frame]:.6f}", person.number, person.name, EMOTIONS[label],
                "human" if is_human else "model", who[int(deciding[frame])] if is_human else "",
                EMOTIONS[int(model[frame])] if seen else "", f"{probs[frame, model[frame]]:.6f}" if seen else "",
                f"{probs[frame, label]:.6f}" if seen else "",
            ]))  # fmt: skip
            human_rows += int(is_human)
    rows.sort(key=lambda r: (r[0], r[1]))
    write_csv(out, COLUMNS, [r[2] for r in rows])
    return {"rows": len(rows), "human_rows": human_rows, "model_rows": len(rows) - human_rows}
