"""BORIS tabular events: export then import, BORIS's own older layout, and bad files that change nothing."""

from __future__ import annotations

import csv

import pytest

from lepton_desktop.services.interop import InteropError, export_annotations, import_annotations
from lepton_desktop.services.interop.boris import COLUMNS
from lepton_desktop.store import open_project
from tests.services.annotated import CORRECTIONS, analysed_project, copy_project, correct, resolved, stored


@pytest.mark.parametrize("suffix,delimiter", [(".tsv", "\t"), (".csv", ",")])
def test_export_then_import_gives_the_same_corrections(tmp_path, suffix, delimiter):
    project, video = analysed_project(tmp_path)
    fresh = copy_project(project, tmp_path / "fresh.lepton")
    correct(project, video)
    out = tmp_path / f"events{suffix}"
    assert export_annotations(project, video, "boris", out)["observations"] == 2  # one per annotator

    with out.open(newline="") as handle:
        rows = list(csv.DictReader(handle, delimiter=delimiter))
    assert tuple(rows[0]) == COLUMNS
    assert {r["Observation id"] for r in rows} == {"clip - ana", "clip - ben"}
    first = rows[0]  # ana's first state event: Person 1 happy from frame 0 (0 s) ...
    assert (first["Subject"], first["Behavior"], first["Behavior type"], first["Time"]) == (
        "Person 1",
        "happy",
        "START",
        "0.000",
    )
    assert first["Media file name"] == str(video.resolve()) and first["Source"] == f"player #1:{video.resolve()}"
    stop = next(r for r in rows if r["Behavior type"] == "STOP")  # ... to the start of frame 10, where angry begins
    assert (stop["Behavior"], stop["Time"], stop["Image index"]) == ("happy", "0.347", "9")
    assert sum(r["Behavior type"] == "START" for r in rows) == sum(r["Behavior type"] == "STOP" for r in rows)

    report = import_annotations(fresh, video, out)
    assert resolved(fresh) == resolved(project)
    assert {(c[0], c[4]) for c in stored(fresh)} == {(c[0], c[4]) for c in CORRECTIONS}
    assert report["observations_read"] == 2 and report["by_annotator"] == {"ana": 5, "ben": 2}
    assert import_annotations(fresh, video, out)["corrections_imported"] == 0


OLD_LAYOUT = """Observation id\tsession 3
Observation date\t2019-05-02 10:12:00
Description\t

Time offset (s)\t0.0

Time\tMedia file path\tTotal length\tFPS\tSubject\tBehavior\tBehavioral category\tComment\tStatus
0.100\t/videos/clip.mp4\t2.065\t29.05\tAlice\tHappy\t\t\tSTART
0.500\t/videos/clip.mp4\t2.065\t29.05\tPerson 2\tsad\t\t\tSTART
0.700\t/videos/clip.mp4\t2.065\t29.05\tAlice\tHappy\t\t\tSTOP
0.800\t/videos/clip.mp4\t2.065\t29.05\tAlice\tsmile\t\t\tPOINT
1.000\t/videos/clip.mp4\t2.065\t29.05\tPerson 2\tsad\t\t\tSTOP
"""


def test_an_older_boris_export_with_a_renamed_person_and_a_point_event(tmp_path):
    project, video = analysed_project(tmp_path)
    with open_project(project) as proj:
        proj.runs.rename_track(proj.runs.tracks(proj.runs.list_runs()[0].id)[0].id, "Alice")
    path = tmp_path / "old.tsv"
    path.write_text(OLD_LAYOUT)
    with pytest.raises(InteropError, match="does not say who made it"):
        import_annotations(project, video, path)
    report = import_annotations(project, video, path, annotator="eve")
    # 0.1 -> 0.099 (frame 3), 0.7 -> 0.694 (to the end of frame 19); 0.5 -> 0.512 (frame 15), 1.0 -> 0.991 (end of 28)
    assert stored(project) == [(1, 3, 19, "happy", "eve", "import"), (2, 15, 28, "sad", "eve", "import")]
    assert report["skipped"] == [{"what": "1 point event", "reason": "no duration"}]


HEADER = "\t".join(COLUMNS)


def _events(*rows):
    """A BORIS 8 file from (subject, behavior, START/STOP, time) rows, coder 'ana'."""
    lines = [HEADER]
    for subject, behavior, status, time in rows:
        lines.append("\t".join(["obs", "", "", "", "Media file(s)", "", "0.0", "2.065", "29.051", "ana", subject,
                                behavior, "", status, time, "", "", "NA", ""]))  # fmt: skip
    return "\n".join(lines) + "\n"


@pytest.mark.parametrize(
    "text,message",
    [
        (_events(("Person 1", "happy", "START", "0.1")), "Line 2: Person 1 starts 'happy' and never stops"),
        (_events(("Person 1", "happy", "STOP", "0.1")), "Line 2: Person 1 stops 'happy' without having started it"),
        (_events(("Person 1", "happy", "START", "0.1"), ("Person 1", "happy", "START", "0.2")), "starts 'happy' again"),
        (_events(("Person 1", "happy", "START", "0.1"), ("Person 1", "happy", "STOP", "soon")),
         "the time 'soon' is not"),
        (_events(("Person 1", "happy", "START", "0.1"), ("Person 1", "happy", "STOP", "0.3"),
                 ("Person 2", "bored", "START", "0.1"), ("Person 2", "bored", "STOP", "0.3")),
         'Line 4 has "bored"; every annotation must be one of'),
        (_events(("Person 1", "happy", "START", "1.9"), ("Person 1", "happy", "STOP", "2.5")), "past the end"),
        (_events(("Nobody", "happy", "START", "0.1"), ("Nobody", "happy", "STOP", "0.5")), "called 'Nobody'"),
        ("frame,label\n1,happy\n", "is not a BORIS tabular events file"),
    ],
    ids=["no-stop", "no-start", "double-start", "bad-time", "unknown-emotion", "past-the-end", "unknown-subject",
         "not-boris"],
)  # fmt: skip
def test_a_bad_file_is_one_clear_error_and_changes_nothing(tmp_path, text, message):
    project, video = analysed_project(tmp_path)
    correct(project, video, CORRECTIONS[:1])
    before = stored(project)
    path = tmp_path / "bad.tsv"
    path.write_text(text)
    with pytest.raises(InteropError) as caught:
        import_annotations(project, video, path)
    assert message in str(caught.value) and "\n" not in str(caught.value)
    assert stored(project) == before
