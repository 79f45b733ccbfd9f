"""The final-labels CSV: human rows where someone corrected the person, model rows elsewhere."""

from __future__ import annotations

import csv

from lepton_desktop.services.interop import export_annotations
from lepton_desktop.services.interop.final_labels import COLUMNS
from lepton_desktop.store import open_project
from lepton_desktop.video import VideoReader
from tests.services.annotated import CORRECTIONS, PEOPLE, analysed_project, correct, model_label, probability


def expected(number: int, frame: int) -> tuple[str, str, str]:
    """(label, source, annotator) by hand: the last correction made that covers the frame, else the model."""
    label, annotator = "", ""
    for person, start, end, value, who in CORRECTIONS:
        if person == number and start <= frame <= end:
            label, annotator = value, who
    if label:
        return label, "human", annotator
    return model_label(number, frame), "model", ""


def test_human_label_where_corrected_model_label_elsewhere(tmp_path):
    project, video = analysed_project(tmp_path)
    correct(project, video)
    with open_project(project) as proj:  # a correction undone no longer counts
        undone = proj.corrections.add(proj.runs.tracks(1)[0].id, 26, 39, "angry", "cleo")
        proj.corrections.tombstone(undone.id)
    out = tmp_path / "final.csv"
    summary = export_annotations(project, video, "csv", out)
    with out.open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert tuple(rows[0]) == COLUMNS
    with VideoReader(video) as reader:
        times = reader.timeline.times()

    seen = {(n, f) for n, (first, last) in PEOPLE.items() for f in range(first, last + 1)}
    assert [(int(r["frame"]), int(r["person"])) for r in rows] == sorted(((f, n) for n, f in seen))
    for row in rows:
        number, frame = int(row["person"]), int(row["frame"])
        assert (row["label"], row["source"], row["annotator"]) == expected(number, frame), row
        assert row["model_label"] == model_label(number, frame)
        assert float(row["model_probability"]) == round(probability(number, frame), 6)
        assert float(row["time_s"]) == round(times[frame], 6)
        if row["source"] == "model":
            assert row["label_probability"] == row["model_probability"]
        elif row["label"] != row["model_label"]:
            assert float(row["label_probability"]) < 0.1  # what the model gave the human's label
    human = sum(r["source"] == "human" for r in rows)
    assert summary["rows"] == len(rows) == 100 and summary["human_rows"] == human
    # person 1: 0-4 ana, 5-25 ben, 26-39 model, 40-59 ana; person 2: 10-11 model, 12-19 ana, 20-49 ben
    assert human == 5 + 21 + 20 + 8 + 30


def test_a_human_label_where_the_face_was_not_found_has_no_model_columns(tmp_path):
    project, video = analysed_project(tmp_path)
    correct(project, video, [(2, 0, 11, "fear", "ana")])  # person 2 is seen from frame 10 on
    out = tmp_path / "final.csv"
    export_annotations(project, video, "csv", out)
    with out.open(newline="") as handle:
        person2 = [r for r in csv.DictReader(handle) if r["person"] == "2"]
    first = person2[0]
    assert (first["frame"], first["label"], first["source"], first["model_label"], first["model_probability"]) == (
        "0", "fear", "human", "", ""
    )  # fmt: skip
    assert [r["source"] for r in person2[:13]] == ["human"] * 12 + ["model"]
