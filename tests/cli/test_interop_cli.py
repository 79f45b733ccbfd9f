"""`lepton export-annotations` and `lepton import-annotations` as typed, on a video `lepton analyze` analysed."""

from __future__ import annotations

import csv
import json
import shutil

import pytest
from pympi.Elan import Eaf

from tests.cli.test_cli import lepton
from tests.faces import Placement, face_clip
from tests.services.annotated import resolved, stored

pytest.importorskip("skimage")


@pytest.fixture(scope="module")
def analysed(tmp_path_factory):
    """(clip, project with corrections, the same analysis without any)."""
    folder = tmp_path_factory.mktemp("interop")
    clip = folder / "two.mp4"
    face_clip(
        clip, 40, lambda i: [Placement(100, 120, 0.55), Placement(320, 120, 0.55, mirrored=True)], size=(420, 240)
    )
    project = folder / "p.lepton"
    result = lepton("analyze", clip, "--project", project)
    assert result.returncode == 0, result.stderr
    fresh = shutil.copyfile(project, folder / "fresh.lepton")
    for track, start, end, label, annotator in (
        (1, 0, 19, "happy", "ana"), (1, 8, 12, "surprise", "ana"), (2, 5, 39, "sad", "ana"), (1, 10, 30, "fear", "ben")
    ):  # fmt: skip
        made = lepton("correct", "--project", project, "--video", clip, "--track", track, "--start", start,
                      "--end", end, "--label", label, "--annotator", annotator)  # fmt: skip
        assert made.returncode == 0, made.stderr
    return clip, project, fresh


@pytest.mark.parametrize("fmt,name", [("eaf", "two.eaf"), ("boris", "two.tsv"), ("boris", "two.boris")])
def test_export_then_import_as_typed(analysed, tmp_path, fmt, name):
    clip, project, fresh = analysed
    target = shutil.copyfile(fresh, tmp_path / "target.lepton")
    out = tmp_path / name
    exported = lepton("export-annotations", "--project", project, "--video", clip, "--format", fmt, "-o", out)
    assert exported.returncode == 0, exported.stderr
    summary = json.loads(exported.stdout)
    assert summary["file"] == str(out) and summary["people"] == 2 and out.is_file()

    imported = lepton("import-annotations", out, "--project", target, "--video", clip)
    assert imported.returncode == 0, imported.stderr
    report = json.loads(imported.stdout)
    assert report["format"] == fmt and set(report["by_annotator"]) == {"ana", "ben"}
    assert resolved(target) == resolved(project)
    assert report["corrections_imported"] == len(stored(target))
    assert "warnings" not in report and "warning" not in imported.stderr  # the file was made for this very video
    if fmt == "boris":  # the output's suffix chose the layout
        layout = "project" if name.endswith(".boris") else "tabular"
        assert summary["layout"] == report["layout"] == layout


@pytest.mark.parametrize(
    "fmt,name,said",
    [
        ("eaf", "x.boris", "is named as a BORIS project, but the format asked for is eaf: name the file .eaf, "
                           "or ask for --format boris."),
        ("csv", "x.eaf", "but the format asked for is csv: name the file .csv, or ask for --format eaf."),
        ("boris", "x.eaf", "asked for is boris: name the file .boris, .tsv or .csv, or ask for --format eaf."),
        ("boris", "x.boris.gz", "compressed BORIS projects are read, not written; name the file .boris."),
    ],
)  # fmt: skip
def test_a_name_that_says_another_format_is_refused(analysed, tmp_path, fmt, name, said):
    clip, project, _ = analysed
    done = lepton("export-annotations", "--project", project, "--video", clip, "--format", fmt, "-o", tmp_path / name)
    assert done.returncode == 1 and not (tmp_path / name).exists()
    assert len(done.stderr.strip().splitlines()) == 1 and said in done.stderr


def test_a_boris_project_as_typed(analysed, tmp_path):
    clip, project, fresh = analysed
    out = tmp_path / "two.boris"
    exported = lepton("export-annotations", "--project", project, "--video", clip, "--format", "boris", "-o", out)
    assert exported.returncode == 0, exported.stderr
    pj = json.loads(out.read_text())
    assert pj["project_format_version"] == "7.0"
    assert set(pj["observations"]) == {"two - ana", "two - ben", "two (model)"}
    assert [s["name"] for s in pj["subjects_conf"].values()] == ["Person 1", "Person 2"]
    assert pj["observations"]["two - ana"]["file"]["1"] == [str(clip.resolve())]

    target = shutil.copyfile(fresh, tmp_path / "target.lepton")
    del pj["observations"]["two - ben"]["events"][-1]  # ben's last STOP: an unpaired state event
    bad = tmp_path / "bad.boris"
    bad.write_text(json.dumps(pj))
    refused = lepton("import-annotations", bad, "--project", target, "--video", clip)
    assert refused.returncode == 1 and stored(target) == []
    assert refused.stderr.startswith("lepton: error: Observation 'two - ben': Person 1 starts 'fear' at ")
    assert refused.stderr.count("\n") == 1 and "never stops" in refused.stderr

    helped = lepton("export-annotations", "--help")
    assert "-o NAME.boris writes a BORIS project" in " ".join(helped.stdout.split())


def test_final_labels_csv_as_typed(analysed, tmp_path):
    clip, project, _ = analysed
    out = tmp_path / "final.csv"
    result = lepton("export-annotations", "--project", project, "--video", clip, "--format", "csv", "-o", out)
    assert result.returncode == 0, result.stderr
    with out.open(newline="") as handle:
        rows = {(r["person"], r["frame"]): r for r in csv.DictReader(handle)}
    assert (rows["1", "9"]["label"], rows["1", "9"]["source"], rows["1", "9"]["annotator"]) == (
        "surprise",
        "human",
        "ana",
    )
    assert (rows["1", "11"]["label"], rows["1", "11"]["annotator"]) == ("fear", "ben")  # ben's is newer
    assert rows["1", "35"]["source"] == "model" and rows["1", "35"]["label"] == rows["1", "35"]["model_label"]
    assert json.loads(result.stdout)["human_rows"] == sum(r["source"] == "human" for r in rows.values())


def test_a_tier_mapped_by_hand_and_a_bad_file_as_typed(analysed, tmp_path):
    clip, _, fresh = analysed
    target = shutil.copyfile(fresh, tmp_path / "target.lepton")
    eaf = Eaf()
    eaf.add_tier("left of frame")
    eaf.add_annotation("left of frame", 0, 400, "angry")
    path = tmp_path / "coder.eaf"
    eaf.to_file(str(path))
    base = ["--project", target, "--video", clip]

    unknown = lepton("import-annotations", path, *base, "--annotator", "zed")
    assert unknown.returncode == 1 and stored(target) == []
    assert unknown.stderr.startswith("lepton: error: Tier 'left of frame' at 00:00:00.000: no person of this video")
    assert unknown.stderr.count("\n") == 1 and '--map "left of frame=NUMBER"' in unknown.stderr

    mapped = lepton("import-annotations", path, *base, "--annotator", "zed", "--map", "left of frame=2")
    assert mapped.returncode == 0, mapped.stderr
    assert stored(target) == [(2, 0, 9, "angry", "zed", "import")]  # 25 fps: 0-400 ms is frames 0-9

    eaf.add_annotation("left of frame", 1000, 1400, "grumpy")
    eaf.to_file(str(path))
    bad = lepton("import-annotations", path, *base, "--annotator", "zed", "--map", "left of frame=2")
    assert bad.returncode == 1 and 'has "grumpy"; every annotation must be one of' in bad.stderr
    assert stored(target) == [(2, 0, 9, "angry", "zed", "import")]  # the good annotation before it was not added


def test_usage_errors(analysed, tmp_path):
    clip, project, _ = analysed
    wrong = lepton("export-annotations", "--project", project, "--video", clip, "--format", "xls", "-o", tmp_path / "x")
    assert wrong.returncode == 2 and "invalid choice: 'xls'" in wrong.stderr
    bad_map = lepton("import-annotations", tmp_path / "none.eaf", "--project", project, "--video", clip, "--map", "x")
    assert bad_map.returncode == 1 and 'lepton: error: --map "x" is not of the form' in bad_map.stderr
    missing = lepton("import-annotations", tmp_path / "none.eaf", "--project", project, "--video", clip)
    assert missing.returncode == 1 and "none.eaf does not exist" in missing.stderr


def test_an_elan_file_made_for_another_video_is_imported_with_a_warning(analysed, tmp_path):
    clip, project, fresh = analysed
    target = shutil.copyfile(fresh, tmp_path / "target.lepton")
    out = tmp_path / "two.eaf"
    exported = lepton("export-annotations", "--project", project, "--video", clip, "--format", "eaf", "-o", out)
    assert exported.returncode == 0, exported.stderr
    text = out.read_text(encoding="utf-8")
    assert "two.mp4" in text
    out.write_text(text.replace("two.mp4", "interview.mp4"), encoding="utf-8")  # as if made on another video

    imported = lepton("import-annotations", out, "--project", target, "--video", clip)
    assert imported.returncode == 0, imported.stderr
    report = json.loads(imported.stdout)
    assert report["linked_media"] == ["interview.mp4"] and report["corrections_imported"] == len(stored(target)) > 0
    said = "lepton: warning: the ELAN file links interview.mp4, not two.mp4: its labels were placed on two.mp4"
    assert said in imported.stderr and report["warnings"][0] in imported.stderr


def test_the_same_video_under_another_container_or_its_audio_is_not_warned_about(tmp_path):
    from lepton_desktop.services.interop.eaf import linked_media, other_media

    video = tmp_path / "talk.mp4"
    assert other_media(["talk.mov"], video) is None and other_media(["talk.wav", "x.mp4"], video) is None
    assert other_media(["Talk.MP4"], video) is None  # a file system that changed the case
    assert other_media([], video) is None  # a document without media says nothing either way
    assert "links other.mp4, not talk.mp4" in other_media(["other.mp4"], video)
    urls = [{"MEDIA_URL": "file:///C:/Users/ana/My%20Videos/talk.mp4"}, {"RELATIVE_MEDIA_URL": "./audio/talk.wav"}]
    assert linked_media(urls) == ["talk.mp4", "talk.wav"]
