"""ELAN .eaf export and import: round trips, a file pympi writes from scratch, and bad files that change nothing."""

from __future__ import annotations

import numpy as np
import pytest
from pympi.Elan import Eaf

from lepton_desktop.core.emotions import EMOTIONS
from lepton_desktop.services.interop import InteropError, export_annotations, import_annotations
from lepton_desktop.store import open_project
from lepton_desktop.video import VideoReader
from tests.services.annotated import (
    CORRECTIONS,
    analysed_project,
    copy_project,
    correct,
    probability,
    resolved,
    stored,
)


@pytest.fixture
def projects(tmp_path):
    """(corrected project, the same analysis without corrections, video)."""
    project, video = analysed_project(tmp_path)
    fresh = copy_project(project, tmp_path / "fresh.lepton")
    correct(project, video)
    return project, fresh, video


def test_export_then_import_gives_the_same_corrections(projects, tmp_path):
    project, fresh, video = projects
    out = tmp_path / "out" / "clip.eaf"
    out.parent.mkdir()
    summary = export_annotations(project, video, "eaf", out)
    assert summary["model_tiers"] == 2 and summary["correction_tiers"] == 4  # ana and ben on both people

    report = import_annotations(fresh, video, out)
    assert resolved(fresh) == resolved(project)  # frames, labels and annotators of every person
    assert {(c[0], c[4]) for c in stored(fresh)} == {(c[0], c[4]) for c in CORRECTIONS}
    assert {c[5] for c in stored(fresh)} == {"import"}
    assert report["corrections_imported"] == len(stored(fresh))
    assert [s["what"] for s in report["skipped"]] == ["tier 'Person 1 (model)'", "tier 'Person 2 (model)'"]

    again = import_annotations(fresh, video, out)  # nothing new: every span is already so
    assert again["corrections_imported"] == 0 and len(stored(fresh)) == report["corrections_imported"]


def test_the_file_links_the_video_and_uses_its_exact_frame_times(projects, tmp_path):
    project, _, video = projects
    out = tmp_path / "out" / "clip.eaf"
    out.parent.mkdir()
    export_annotations(project, video, "eaf", out)
    assert out.read_bytes().startswith(b'<?xml version="1.0" encoding="UTF-8"?>')
    eaf = Eaf(str(out))
    (media,) = eaf.media_descriptors
    assert media["RELATIVE_MEDIA_URL"] == "../clip.mp4" and media["MIME_TYPE"] == "video/mp4"
    assert media["MEDIA_URL"] == "file:///" + video.resolve().as_posix().lstrip("/")

    with VideoReader(video) as reader:
        times = reader.timeline.times()
    ms = [round(t * 1000) for t in times]
    model = sorted(eaf.get_annotation_data_for_tier("Person 1 (model)"))
    happy = np.mean([probability(1, f) for f in range(30)])
    sad = np.mean([probability(1, f) for f in range(30, 60)])
    assert model == [(0, ms[30], f"happy ({happy:.2f})"), (ms[30], 2065, f"sad ({sad:.2f})")]
    assert ms[10] == 347 and ms[30] == 1041  # the clip is variable-rate: every tenth gap is 50 ms
    tier = eaf.get_parameters_for_tier("Person 2 / ana")
    assert tier["PARTICIPANT"] == "Person 2" and tier["ANNOTATOR"] == "ana"
    assert sorted(eaf.get_annotation_data_for_tier("Person 2 / ana")) == [(ms[12], ms[31], "disgust")]
    cv = eaf.get_cv_entries("lepton-emotions")
    assert sorted(values[0][0] for values, _ in cv.values()) == sorted(EMOTIONS)


def test_an_elan_file_written_from_scratch_imports(tmp_path):
    project, video = analysed_project(tmp_path)
    with open_project(project) as proj:  # people may have names; tiers can use them
        proj.runs.rename_track(proj.runs.tracks(proj.runs.list_runs()[0].id)[0].id, "Alice")
    eaf = Eaf(author="someone else")  # keeps pympi's own 'default' tier, empty
    eaf.add_linked_file(str(video), mimetype="video/mp4")
    eaf.add_tier("Alice", part="Alice", ann="carla")
    eaf.add_annotation("Alice", 100, 400, "Happy")  # edges off the frame boundaries: the nearest ones count
    eaf.add_annotation("Alice", 1500, 1800, "sad (0.9)")
    eaf.add_tier("second face", part="Person 2")  # no annotator: --annotator says who
    eaf.add_annotation("second face", 700, 900, "fear")
    eaf.add_tier("words")
    eaf.add_annotation("words", 0, 500, "hello there")
    path = tmp_path / "scratch.eaf"
    eaf.to_file(str(path))

    report = import_annotations(project, video, path, annotator="dan", mapping=["words=skip"])
    # frame N starts at 33 N + 17 (N // 10) ms (every tenth gap is 50 ms): 0 33 66 99 ... 347 380 413 ...
    # 100 -> 99: frame 3; 400 -> 413: to the end of frame 11; 1500 -> 1487: frame 43; 1800 -> 1801: end of 51;
    # 700 -> 694: frame 20; 900 -> 892: the end of frame 25
    assert stored(project) == [
        (1, 3, 11, "happy", "carla", "import"),
        (1, 43, 51, "sad", "carla", "import"),
        (2, 20, 25, "fear", "dan", "import"),
    ]
    assert {s["what"]: s["reason"] for s in report["skipped"]} == {
        "tier 'default'": "empty",
        "tier 'words'": "left out by --map",
    }


def _scratch(path, tiers):
    """An .eaf written by pympi with the given tiers: {name: (annotator, [(start_ms, end_ms, value)])}."""
    eaf = Eaf()
    eaf.remove_tier("default")
    for name, (annotator, spans) in tiers.items():
        eaf.add_tier(name, ann=annotator)
        for start, end, value in spans:
            eaf.add_annotation(name, start, end, value)
    eaf.to_file(str(path))
    return path


@pytest.mark.parametrize(
    "write,annotator,message",
    [
        (lambda p: p.write_text("<ANNOTATION_DOCUMENT><TIER TIER_ID='x'>"), None, "is not a well-formed ELAN file"),
        (lambda p: p.write_text("<html><body/></html>"), None, "not an ELAN annotation document"),
        (
            lambda p: _scratch(p, {"Person 1": ("ana", [(0, 200, "happy")]), "Person 2": ("ana", [(0, 200, "bored")])}),
            None,
            "Tier 'Person 2' at 00:00:00.000 has \"bored\"; every annotation must be one of: angry",
        ),
        (
            lambda p: _scratch(p, {"Person 1": ("ana", [(0, 200, "happy"), (1900, 2600, "sad")])}),
            None,
            "at 00:00:01.900 ends at 00:00:02.600, past the end of the video (00:00:02.065)",
        ),
        (
            lambda p: _scratch(p, {"Person 1": ("ana", [(0, 200, "happy")]), "Person 3": ("ana", [(0, 200, "sad")])}),
            None,
            "no person of this video is called 'Person 3' (people: 1 = Person 1, 2 = Person 2)",
        ),
        (lambda p: _scratch(p, {"Person 1": ("", [(0, 200, "happy")])}), None, "does not say who made it"),
        (lambda p: _scratch(p, {"Person 1": ("ana", [(0, 200, "")])}), "ana", "has an empty annotation"),
    ],
    ids=["broken-xml", "not-elan", "unknown-emotion", "past-the-end", "unknown-person", "no-annotator", "empty"],
)
def test_a_bad_file_is_one_clear_error_and_changes_nothing(tmp_path, write, annotator, message):
    project, video = analysed_project(tmp_path)
    correct(project, video, CORRECTIONS[:2])
    before = stored(project)
    path = tmp_path / "bad.eaf"
    write(path)
    with pytest.raises(InteropError) as caught:
        import_annotations(project, video, path, annotator=annotator)
    assert message in str(caught.value)
    assert "\n" not in str(caught.value) and str(caught.value).endswith(".")
    assert stored(project) == before  # valid tiers before the bad one were not stored either


def test_a_mapping_to_a_person_who_does_not_exist_is_refused(tmp_path):
    project, video = analysed_project(tmp_path)
    path = _scratch(tmp_path / "a.eaf", {"coder A": ("ana", [(0, 200, "happy")])})
    with pytest.raises(InteropError, match='--map "coder A=7": this video has no person 7'):
        import_annotations(project, video, path, mapping=["coder A=7"])
    import_annotations(project, video, path, mapping=["coder A=2"])
    assert stored(project) == [(2, 0, 5, "happy", "ana", "import")]


def test_storing_many_corrections_is_all_or_nothing(tmp_path):
    project, _ = analysed_project(tmp_path)
    with open_project(project) as proj:
        track = proj.runs.tracks(proj.runs.list_runs()[0].id)[0].id
        with pytest.raises(ValueError, match="unknown label 'bored'"):
            proj.corrections.add_many([(track, 0, 5, "happy", "ana"), (track, 6, 9, "bored", "ana")])
        assert proj.corrections.list() == []
        made = proj.corrections.add_many([(track, 0, 5, "happy", "ana"), (track, 6, 9, "sad", "ben")], origin="import")
        assert [(c.label, c.annotator, c.origin) for c in made] == [
            ("happy", "ana", "import"),
            ("sad", "ben", "import"),
        ]
