"""BORIS project files (.boris): export then import, the keys BORIS reads, a project BORIS wrote, bad files."""

from __future__ import annotations

import copy
import gzip
import json
from decimal import Decimal

import pytest

from lepton_desktop.core.spans import boundaries
from lepton_desktop.services.interop import InteropError, export_annotations, import_annotations
from lepton_desktop.store import open_project
from lepton_desktop.video import VideoReader
from tests.services.annotated import CORRECTIONS, analysed_project, copy_project, correct, resolved, stored

# What BORIS's own code reads, from github.com/olivierfriard/BORIS (boris/), BORIS 8:
PROJECT_KEYS = {  # config.py EMPTY_PROJECT: the keys of every project BORIS creates
    "time_format", "project_date", "project_name", "project_description", "project_format_version",
    "subjects_conf", "behaviors_conf", "observations", "behavioral_categories", "behavioral_categories_config",
    "independent_variables", "coding_map", "behaviors_coding_map", "converters",
}  # fmt: skip
ETHOGRAM_KEYS = {  # config.py behavioursFields, written by project.py check_ethogram
    "type", "key", "code", "description", "color", "category", "modifiers", "excluded", "coding map",
}  # fmt: skip
SUBJECT_KEYS = {"key", "name", "description"}  # config.py subjectsFields; project.py pbOK_clicked
VARIABLE_KEYS = {"label", "description", "type", "default value", "possible values"}  # config.py tw_indVarFields
OBSERVATION_KEYS = {  # observation_operations.py new_observation, for a media observation
    "file", "type", "date", "description", "time offset", "events", "observation time interval",
    "independent_variables", "visualize_spectrogram", "visualize_waveform", "media_creation_date_as_offset",
    "media_scan_sampling_duration", "image_display_duration", "close_behaviors_between_videos", "media_info",
}  # fmt: skip
MEDIA_INFO_KEYS = {"length", "fps", "hasVideo", "hasAudio"}  # config.py LENGTH, FPS, HAS_VIDEO, HAS_AUDIO
PLAYERS = {str(n) for n in range(1, 9)}  # config.py N_PLAYER = 8, ALL_PLAYERS
FORMAT_VERSION = "7.0"  # config.py project_format_version; open_project_json refuses one newer than BORIS


@pytest.fixture
def projects(tmp_path):
    """(corrected project, the same analysis without corrections, video)."""
    project, video = analysed_project(tmp_path)
    fresh = copy_project(project, tmp_path / "fresh.lepton")
    correct(project, video)
    return project, fresh, video


def test_export_then_import_gives_the_same_corrections(projects, tmp_path):
    project, fresh, video = projects
    out = tmp_path / "clip.boris"
    summary = export_annotations(project, video, "boris", out)
    assert (summary["layout"], summary["observations"], summary["correction_observations"]) == ("project", 3, 2)

    report = import_annotations(fresh, video, out)
    assert resolved(fresh) == resolved(project)
    assert {(c[0], c[4]) for c in stored(fresh)} == {(c[0], c[4]) for c in CORRECTIONS}
    assert (report["format"], report["layout"], report["observations_read"]) == ("boris", "project", 2)
    assert report["by_annotator"] == {"ana": 5, "ben": 2}
    model = {"what": "observation 'clip (model)'", "reason": "the model's labels, not corrections"}
    assert report["skipped"] == [model]
    assert import_annotations(fresh, video, out)["corrections_imported"] == 0


def test_the_project_has_every_key_boris_reads_and_frame_exact_events(projects, tmp_path):
    project, _, video = projects
    out = tmp_path / "clip.boris"
    export_annotations(project, video, "boris", out)
    raw = out.read_bytes()
    assert raw.isascii()  # BORIS opens projects with the platform's encoding (open(name, "r"))
    pj = json.loads(raw)

    assert set(pj) >= PROJECT_KEYS and pj["project_format_version"] == FORMAT_VERSION
    ethogram = pj["behaviors_conf"]
    assert sorted(ethogram, key=int) == [str(i) for i in range(7)]
    assert all(set(b) == ETHOGRAM_KEYS and b["type"] == "State event" for b in ethogram.values())
    assert [(b["key"], b["code"]) for b in ethogram.values()] == [(str(i + 1), e) for i, e in enumerate(
        ("angry", "disgust", "fear", "happy", "sad", "surprise", "neutral"))]  # fmt: skip
    assert all(b["color"].startswith("#") and len(b["color"]) == 7 for b in ethogram.values())
    assert {b["category"] for b in ethogram.values()} <= set(pj["behavioral_categories"])
    assert [s["name"] for s in pj["subjects_conf"].values()] == ["Person 1", "Person 2"]
    assert all(set(s) == SUBJECT_KEYS for s in pj["subjects_conf"].values())
    variables = {v["label"]: v for v in pj["independent_variables"].values()}
    assert all(set(v) == VARIABLE_KEYS for v in variables.values())

    media = str(video.resolve())
    with VideoReader(video) as reader:
        edges = [round(float(t), 3) for t in boundaries(reader.timeline)]
    observations = pj["observations"]
    assert set(observations) == {"clip - ana", "clip - ben", "clip (model)"}
    for name, obs in observations.items():
        assert set(obs) >= OBSERVATION_KEYS and obs["type"] == "MEDIA", name
        assert set(obs["file"]) == PLAYERS and obs["file"]["1"] == [media]
        info = obs["media_info"]
        assert set(info) >= MEDIA_INFO_KEYS and all(media in info[k] for k in MEDIA_INFO_KEYS)
        assert info["hasVideo"][media] is True and info["fps"][media] == pytest.approx(29.05, abs=0.01)
        # check_project_integrity: variables defined, set values allowed; coded subjects and behaviours defined
        for label, value in obs["independent_variables"].items():
            assert label in variables
            if variables[label]["type"] == "value from set":
                assert value in variables[label]["possible values"].split(",")
        events = obs["events"]
        assert events == sorted(events, key=lambda e: e[0])  # BORIS keeps events in time order
        assert all(len(e) == 6 and isinstance(e[0], float) and isinstance(e[5], int) for e in events)
        assert {e[1] for e in events} <= {s["name"] for s in pj["subjects_conf"].values()}
        assert {e[2] for e in events} <= {b["code"] for b in ethogram.values()}
        # utilities.convert_time_to_decimal rounds times to 0.001; export_tabular_events keeps those <= the length
        assert max(Decimal(e[0]).quantize(Decimal(".001")) for e in events) <= Decimal(info["length"][media])
        # check_state_events_obs: START at odd, STOP at even occurrences per (subject, behaviour, modifier)
        started: dict[tuple[str, str, str], float] = {}
        for time, subject, code, modifier, _, frame in events:
            key = (subject, code, modifier)
            if key in started:
                assert time == edges[frame + 1] > started.pop(key)  # STOP at the end of the span's last frame
            else:
                assert time == edges[frame]  # START at the start of its first frame
                started[key] = time
        assert not started, f"{name}: unpaired state events {started}"
    ana = observations["clip - ana"]
    assert ana["independent_variables"] == {"Annotator": "ana", "Origin": "annotator"}
    assert ana["events"][:3] == [[0.0, "Person 1", "happy", "", "", 0], [0.347, "Person 1", "angry", "", "", 10],
                                 [0.347, "Person 1", "happy", "", "", 9]]  # fmt: skip
    assert observations["clip (model)"]["independent_variables"]["Origin"] == "model"


def _boris_project(observations):
    """A project as BORIS writes one: other subjects and behaviours than ours, a point event, capitals."""
    state = {"type": "State event", "description": "", "color": "", "category": "", "modifiers": {},
             "excluded": "", "coding map": ""}  # fmt: skip
    return {
        "time_format": "hh:mm:ss", "project_date": "2024-05-02T10:12:00", "project_name": "coding",
        "project_description": "", "project_format_version": "7.0",
        "subjects_conf": {"0": {"key": "a", "name": "Alice", "description": ""},
                          "1": {"key": "b", "name": "Person 2", "description": ""}},
        "behaviors_conf": {"0": {**state, "key": "h", "code": "Happy"}, "1": {**state, "key": "s", "code": "sad"},
                           "2": {**state, "type": "Point event", "key": "m", "code": "smile"}},
        "observations": observations, "behavioral_categories": [], "behavioral_categories_config": {},
        "independent_variables": {}, "coding_map": {}, "behaviors_coding_map": [], "converters": {},
    }  # fmt: skip


def _media_observation(path, events, offset=0.0, variables=None):
    return {
        "file": {"1": [path], **{str(n): [] for n in range(2, 9)}}, "type": "MEDIA", "date": "2024-05-02T10:12:00.000",
        "description": "", "time offset": offset, "events": events, "observation time interval": [0, 0],
        "independent_variables": variables or {}, "visualize_spectrogram": False, "visualize_waveform": False,
        "media_creation_date_as_offset": False, "media_scan_sampling_duration": 0, "image_display_duration": 1,
        "close_behaviors_between_videos": False,
        "media_info": {"length": {path: 2.065}, "fps": {path: 29.05}, "hasVideo": {path: True},
                       "hasAudio": {path: False}, "offset": {"1": 0.0}},
    }  # fmt: skip


@pytest.mark.parametrize("compressed", [False, True], ids=["boris", "boris.gz"])
def test_a_project_boris_wrote_with_other_observations(tmp_path, compressed):
    project, video = analysed_project(tmp_path)
    with open_project(project) as proj:
        proj.runs.rename_track(proj.runs.tracks(proj.runs.list_runs()[0].id)[0].id, "Alice")
    again = copy_project(project, tmp_path / "again.lepton")
    # a time offset of 2 s, a Windows path, a point event; events as BORIS stores them (unsorted here)
    session = _media_observation("C:\\videos\\CLIP.mp4", [
        [2.1, "Alice", "Happy", "", "", 3], [2.5, "Person 2", "sad", "", "", 15], [2.8, "Alice", "smile", "", "", 24],
        [2.7, "Alice", "Happy", "", "", 20], [3.0, "Person 2", "sad", "", "", 29],
    ], offset=2.0)  # fmt: skip
    happy = [[0.2, "Person 2", "Happy", "", "", 6], [0.3, "Person 2", "Happy", "", "", 9]]
    coder = _media_observation("/v/clip.mp4", happy, variables={"Coder": "ben"})
    other = _media_observation("/v/other.mp4", [[0.1, "Alice", "Happy", "", "", 3]])
    live = {"type": "LIVE", "file": {}, "events": [[5.0, "Alice", "Happy", "", ""]], "time offset": 0.0}
    text = json.dumps(_boris_project({"session 3": session, "by ben": coder, "other": other, "live": live}))
    path = tmp_path / ("coded.boris.gz" if compressed else "coded.boris")
    path.write_bytes(gzip.compress(text.encode()) if compressed else text.encode())

    report = import_annotations(project, video, path)  # no --annotator: the observation's name
    # 2.1-2 s -> frame 3, 2.7-2 s -> the end of frame 19; 0.5 s -> frame 15, 1.0 s -> the end of frame 28
    assert stored(project) == [(1, 3, 19, "happy", "session 3", "import"), (2, 6, 8, "happy", "ben", "import"),
                               (2, 15, 28, "sad", "session 3", "import")]  # fmt: skip
    assert report["observations_read"] == 2 and report["by_annotator"] == {"session 3": 2, "ben": 1}
    assert report["skipped"] == [
        {"what": "observation 'other'", "reason": "of another media file (other.mp4)"},
        {"what": "observation 'live'", "reason": "a live observation, not coded on a video"},
        {"what": "1 point event", "reason": "no duration"},
    ]
    import_annotations(again, video, path, annotator="eve")  # --annotator before the observation's name
    assert {c[4] for c in stored(again)} == {"eve", "ben"}  # ... but after the file's own Coder variable


def _mutated(export, change):
    pj = copy.deepcopy(export)
    change(pj)
    return json.dumps(pj)


def _events(pj, observation="clip - ana"):
    return pj["observations"][observation]["events"]


def _rename_media(pj):
    for obs in pj["observations"].values():
        obs["file"]["1"] = ["/elsewhere/other.mp4"]


def _add_bored(pj):
    pj["behaviors_conf"]["7"] = {**pj["behaviors_conf"]["0"], "code": "bored", "key": "8"}
    for event in _events(pj)[:1] + [e for e in _events(pj) if e[2] == "happy" and e[1] == "Person 1"][1:2]:
        event[2] = "bored"


BAD = {
    "not-json": (lambda pj: "{ this is not", "is not a BORIS project: its JSON breaks off at line 1"),
    "no-observations": (lambda pj: json.dumps({"project_name": "x"}), "is not a BORIS project: it has no observations"),
    "no-ethogram": (lambda pj: _mutated(pj, lambda p: p.pop("behaviors_conf")), "it has no ethogram"),
    "unpaired": (lambda pj: _mutated(pj, lambda p: _events(p).pop()),
                 "Observation 'clip - ana': Person 1 starts 'fear' at 00:00:01.388 and never stops"),
    "bad-time": (lambda pj: _mutated(pj, lambda p: _events(p)[0].__setitem__(0, "soon")),
                 "Observation 'clip - ana', event 1: the time 'soon' is not a number of seconds"),
    "not-an-event": (lambda pj: _mutated(pj, lambda p: _events(p).__setitem__(0, "happy")),
                     "Observation 'clip - ana', event 1 is not [time, subject, behaviour, ...]"),
    "unknown-emotion": (lambda pj: _mutated(pj, _add_bored), 'has "bored"; every annotation must be one of'),
    "past-the-end": (lambda pj: _mutated(pj, lambda p: _events(p)[-1].__setitem__(0, 3.5)), "past the end"),
    "unknown-subject": (lambda pj: _mutated(pj, lambda p: [e.__setitem__(1, "Nobody") for e in _events(p)]),
                        "no person of this video is called 'Nobody'"),
    "other-video": (lambda pj: _mutated(pj, _rename_media),
                    "No observation in bad.boris is of clip.mp4 (its observations play other.mp4)"),
}  # fmt: skip


@pytest.mark.parametrize("case", list(BAD))
def test_a_bad_project_is_one_clear_error_and_changes_nothing(projects, tmp_path, case):
    project, fresh, video = projects
    out = tmp_path / "clip.boris"
    export_annotations(project, video, "boris", out)
    make, message = BAD[case]
    correct(fresh, video, CORRECTIONS[:1])
    before = stored(fresh)
    bad = tmp_path / "bad.boris"
    bad.write_text(make(json.loads(out.read_text())))
    with pytest.raises(InteropError) as caught:
        import_annotations(fresh, video, bad)
    assert message in str(caught.value) and "\n" not in str(caught.value)
    assert stored(fresh) == before
