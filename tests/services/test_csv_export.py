"""CSV exports: text from people never becomes a spreadsheet formula; numbers stay numbers."""

from __future__ import annotations

import csv

from lepton_desktop.services.csv_export import safe_cell, write_csv


def test_formula_text_is_quoted_and_numbers_are_not(tmp_path):
    rows = [['=HYPERLINK("http://x","y")', "+1+1", "-2+3", "@SUM(A1)", "\tx", "-0.25", "+3", "1e-3", "ana", 7]]
    out = write_csv(tmp_path / "c.csv", ["a", "b", "c", "d", "e", "f", "g", "h", "i", "j"], rows)
    with out.open() as handle:
        (_header, row) = list(csv.reader(handle))
    assert row == ["'=HYPERLINK(\"http://x\",\"y\")", "'+1+1", "'-2+3", "'@SUM(A1)", "'\tx", "-0.25", "+3", "1e-3",
                   "ana", "7"]  # fmt: skip
    assert safe_cell(-1.5) == -1.5 and safe_cell("") == ""


def test_an_annotator_named_like_a_formula_is_exported_as_text(tmp_path):
    from lepton_desktop.services.corrections import export_corrections
    from lepton_desktop.store import open_project
    from tests.store.helpers import video_info

    with open_project(tmp_path / "p.lepton", create=True) as proj:
        video, _ = proj.videos.add(video_info(frames=100), "f" * 64)
        run = proj.runs.start(video.id, {"stride": 1})
        track = proj.runs.add_track(run.id, 1, 0, 99, display_name="@Boss")
        proj.corrections.add(track.id, 0, 5, "happy", "=cmd|' /C calc'!A0")
    out = tmp_path / "c.csv"
    export_corrections(tmp_path / "p.lepton", out)
    with out.open() as handle:
        (row,) = list(csv.DictReader(handle))
    assert row["annotator"] == "'=cmd|' /C calc'!A0" and row["person"] == "'@Boss" and row["label"] == "happy"
