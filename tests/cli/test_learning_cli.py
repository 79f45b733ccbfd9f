"""lepton export / finetune / models / analyze --model: JSON contracts and errors."""

from __future__ import annotations

import json

import pytest

from lepton_desktop.cli import main
from tests.photos import SKIP_REASON, photo_dir
from tests.services.test_learning_loop import corrected, project  # noqa: F401  (fixtures)

pytestmark = pytest.mark.skipif(photo_dir() is None, reason=SKIP_REASON)


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, (json.loads(out) if out.strip() else None), err


def test_export_finetune_models_activate_analyze(corrected, project, tmp_path, capsys):  # noqa: F811
    root = corrected[0]
    code, summary, _ = run(capsys, "export", str(tmp_path / "ds"), "--project", str(project), "--stride", "8")
    assert code == 0 and summary["splits"]["train"]["crops"] > 0 and summary["output"] == str(tmp_path / "ds")
    assert set(summary["splits"]["val"]["labels"]) == {
        "angry",
        "disgust",
        "fear",
        "happy",
        "sad",
        "surprise",
        "neutral",
    }

    code, result, err = run(capsys, "finetune", str(tmp_path / "ds"), "--project", str(project), "--epochs", "2",
                            "--device", "cpu", "--activate")  # fmt: skip
    assert code == 0 and result["active"]
    assert err == f"lepton: {result['verdict']}\n" and f"version {result['parent_id']}" in err
    if result["after"]["frames"] < 100:  # one frame would be more than a point of accuracy
        assert err.startswith("lepton: Too few validation frames") and not result["better"]
    for key in ("before", "after"):
        assert {"accuracy", "macro_f1", "per_class_recall", "confusion"} <= set(result[key])
    new = result["version_id"]

    code, versions, _ = run(capsys, "models", "--project", str(project))
    assert code == 0 and [v["id"] for v in versions if v["active"]] == [new]
    assert versions[-1]["macro_f1"] == result["after"]["macro_f1"]
    assert versions[-1]["parent_on_same_frames"] == {
        "accuracy": result["before"]["accuracy"], "macro_f1": result["before"]["macro_f1"]
    }  # fmt: skip
    assert versions[0]["parent_on_same_frames"] is None  # shipped: measured on FER+, no parent
    assert versions[-1]["measured_on"].endswith(f", {result['after']['frames']} frames")  # how much it can say

    code, analysed, _ = run(capsys, "analyze", str(root / "clip1.mp4"), "--project", str(project), "--device", "cpu")
    assert code == 0 and analysed["model_version"] == new

    base = result["parent_id"]
    code, activated, _ = run(capsys, "models", "activate", str(base), "--project", str(project))
    assert code == 0 and activated["active"] and activated["id"] == base
    assert "confusion" not in json.dumps(activated)  # the brief line, as `lepton models` lists it
    # --project before the action names the same project (argparse would reset it to the default)
    code, activated, _ = run(capsys, "models", "--project", str(project), "activate", str(new))
    assert code == 0 and activated["active"] and activated["id"] == new
    code, activated, _ = run(capsys, "models", "--project", str(project), "activate", str(base))
    assert code == 0 and activated["id"] == base
    code, analysed, _ = run(capsys, "analyze", str(root / "clip1.mp4"), "--project", str(project), "--model", str(new))
    assert code == 0 and analysed["model_version"] == new and analysed["state"] == "reused"


def test_export_takes_a_video_by_path_or_id(corrected, project, tmp_path, capsys):  # noqa: F811
    root = corrected[0]
    code, by_path, _ = run(capsys, "export", str(tmp_path / "a"), "--project", str(project), "--stride", "8",
                           "--video", str(root / "clip1.mp4"))  # fmt: skip
    assert code == 0 and {v for split in by_path["splits"].values() for v in split["videos"]} == {"clip1.mp4"}
    code, shown, _ = run(capsys, "project", "show", str(project))
    clip_id = next(v["id"] for v in shown["videos"] if v["path"].endswith("clip1.mp4"))
    code, by_id, _ = run(capsys, "export", str(tmp_path / "b"), "--project", str(project), "--stride", "8",
                         "--video", str(clip_id))  # fmt: skip
    assert code == 0 and by_id["splits"] == by_path["splits"]
    code, _, err = run(capsys, "export", str(tmp_path / "c"), "--project", str(project), "--video", "99")
    assert code == 1 and err == "lepton: error: The project has no video with id 99.\n"


def test_errors_are_one_line(project, tmp_path, capsys):  # noqa: F811
    code, _, err = run(capsys, "finetune", str(tmp_path), "--project", str(project))
    assert code == 1 and "not a Lepton dataset" in err and err.count("\n") == 1
    code, _, err = run(capsys, "finetune", str(tmp_path / "nods"), "--project", str(project))
    missing = tmp_path / "nods"
    assert code == 1 and err == (
        f"lepton: error: {missing} does not exist; make a dataset there with `lepton export` "
        "(Learning > Export dataset).\n"
    )
    code, _, err = run(capsys, "models", "activate", "42", "--project", str(project))
    assert code == 1 and "no model version with id 42" in err
    code, _, err = run(capsys, "export", str(tmp_path / "x"), "--project", str(project), "--annotator", "zed")
    assert code == 1 and "no corrections match" in err
    with pytest.raises(SystemExit) as exit_:
        main(["export", str(tmp_path / "x"), "--val-share", "1.5"])
    assert exit_.value.code == 2
