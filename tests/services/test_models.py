"""Shipped model versions: all in every project, the ResNet the default, old projects moved over once."""

from __future__ import annotations

import json

import pytest

from lepton_desktop.cli import main
from lepton_desktop.services.analysis import analyze_video, run_to_completion
from lepton_desktop.services.models import activate, list_versions, shipped_sha256
from lepton_desktop.store import open_project
from lepton_desktop.vision.weights import (
    DEFAULT_MODEL,
    ENSEMBLE_MODEL,
    MINIXCEPTION_MODEL,
    RESNET_MODEL,
    SHIPPED_MODELS,
    bundled_weights,
    load_emotion_model,
)
from tests.synth import make_video


def _by_name(versions):
    return {v["name"]: v for v in versions}


def test_a_new_project_lists_every_shipped_model_with_the_resnet_active(tmp_path):
    assert DEFAULT_MODEL is RESNET_MODEL
    open_project(tmp_path / "new.lepton", create=True).close()
    versions = _by_name(list_versions(tmp_path / "new.lepton"))
    assert set(versions) == {RESNET_MODEL.name, ENSEMBLE_MODEL.name, MINIXCEPTION_MODEL.name}
    assert [n for n, v in versions.items() if v["active"]] == [RESNET_MODEL.name]
    assert versions[RESNET_MODEL.name]["weights_sha256"] == shipped_sha256(RESNET_MODEL)


def test_an_old_project_keeps_its_runs_and_moves_to_the_new_default_once(tmp_path):
    path = tmp_path / "old.lepton"
    clip = make_video(tmp_path / "clip.mp4", frames=10)
    with open_project(path, create=True) as proj:  # as the previous release left it: only the mini-Xception
        old = proj.model_versions.ensure(
            MINIXCEPTION_MODEL.name, shipped_sha256(MINIXCEPTION_MODEL),
            weights_path=str(bundled_weights(MINIXCEPTION_MODEL.file)),
        )  # fmt: skip
        assert old.active
    first = run_to_completion(analyze_video(clip, project=path, device="cpu", model_version=old.id))
    assert first.model_version_id == old.id
    versions = _by_name(list_versions(path))
    assert versions[RESNET_MODEL.name]["active"] and not versions[MINIXCEPTION_MODEL.name]["active"]
    # the old run is still there and reused when the old model is asked for
    again = run_to_completion(analyze_video(clip, project=path, device="cpu", model_version=old.id))
    assert again.state == "reused" and again.run_id == first.run_id
    new = run_to_completion(analyze_video(clip, project=path, device="cpu"))
    assert new.state == "done" and new.model_version_id == versions[RESNET_MODEL.name]["id"]
    # a user who goes back to the mini-Xception stays there
    activate(path, old.id)
    assert _by_name(list_versions(path))[MINIXCEPTION_MODEL.name]["active"]


def test_analyze_model_picks_any_shipped_model(tmp_path, capsys):
    clip = make_video(tmp_path / "clip.mp4", frames=10)
    project = str(tmp_path / "p.lepton")
    assert main(["project", "init", project]) == 0
    capsys.readouterr()
    assert main(["models", "--project", project]) == 0
    versions = _by_name(json.loads(capsys.readouterr().out))
    assert "metrics" not in versions[RESNET_MODEL.name]  # compact by default
    assert main(["models", "--project", project, "--verbose"]) == 0
    assert "weights_sha256" in json.loads(capsys.readouterr().out)[0]
    for name in (m.name for m in SHIPPED_MODELS):
        assert main(["analyze", str(clip), "--project", project, "--model", str(versions[name]["id"])]) == 0
        out = json.loads(capsys.readouterr().out)
        assert out["model_version"] == versions[name]["id"]


def test_the_ensemble_activated_from_the_cli_analyses_and_explains(tmp_path, capsys):
    """As a user tries the ensemble: activate it, analyse (no --model), explain a frame with Grad-CAM."""
    from tests.faces import two_people_clip

    clip = two_people_clip(tmp_path / "faces.mp4", frames=12)
    project = str(tmp_path / "p.lepton")
    assert main(["project", "init", project]) == 0
    capsys.readouterr()
    ensemble = _by_name(list_versions(project))[ENSEMBLE_MODEL.name]["id"]
    assert main(["models", "activate", str(ensemble), "--project", project]) == 0
    capsys.readouterr()
    assert main(["analyze", str(clip), "--project", project]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["model_version"] == ensemble and out["face_rows"] > 0
    png = tmp_path / "why.png"
    assert main(["explain", str(clip), "--project", project, "--frame", "5", "-o", str(png)]) == 0
    why = json.loads(capsys.readouterr().out)
    assert why["model_version"] == ensemble and png.stat().st_size > 10_000


@pytest.mark.parametrize("model", SHIPPED_MODELS)
def test_shipped_weights_have_a_model_card(model):
    card = bundled_weights(model.file).with_suffix(".md")
    if model is MINIXCEPTION_MODEL:
        card = card.with_name("emotion_minixception.md")
    text = card.read_text().lower()
    assert "licence" in text and "data" in text and "accuracy" in text


def test_a_project_on_the_retired_first_resnet_moves_to_the_new_default_and_keeps_its_runs(tmp_path):
    from lepton_desktop.services.models import RETIRED_SHIPPED, ModelVersionError, ensure_shipped, version_weights

    retired = next(iter(RETIRED_SHIPPED))
    path = tmp_path / "v1.lepton"
    with open_project(path, create=True) as proj:  # as the previous release left it
        old = proj.model_versions.ensure("Lepton ResNet FER+ 2026.11 (shipped default)", retired,
                                         weights_path=str(bundled_weights(RESNET_MODEL.file)))  # fmt: skip
        assert old.active
        default = ensure_shipped(proj)
        assert default.active and default.weights_sha256 == shipped_sha256(RESNET_MODEL) and default.id != old.id
        with pytest.raises(ModelVersionError, match="no longer installed; its analyses stay in the project"):
            version_weights(proj.model_versions.get(old.id))
    versions = {v["id"]: v for v in list_versions(path)}
    assert versions[old.id]["name"] == "Lepton ResNet FER+ v1 (no longer shipped; its runs stay)"
    assert not versions[old.id]["active"] and versions[default.id]["name"] == RESNET_MODEL.name
    assert shipped_sha256(RESNET_MODEL) not in RETIRED_SHIPPED


@pytest.mark.parametrize("content", ["random", "wrong tensors"])
def test_a_version_whose_weights_are_not_our_model_is_not_activated(tmp_path, capsys, content):
    import torch
    from safetensors.torch import save_file

    from lepton_desktop.vision.weights import file_sha256

    bad = tmp_path / "bad.safetensors"
    if content == "random":
        bad.write_bytes(bytes(range(256)) * 40)
    else:
        save_file({"w": torch.zeros(3, 3)}, str(bad), metadata={"format": "lepton-cnn-lstm-v1"})
    path = tmp_path / "p.lepton"
    open_project(path, create=True).close()
    before = {v["name"]: v for v in list_versions(path)}[RESNET_MODEL.name]
    with open_project(path) as proj:
        version = proj.model_versions.ensure("from a stranger", file_sha256(bad), weights_path=str(bad))
    code = main(["models", "activate", str(version.id), "--project", str(path)])
    err = capsys.readouterr().err
    assert code == 1 and err.count("\n") == 1 and "cannot be activated" in err and "unchanged" in err, err
    assert [v["id"] for v in list_versions(path) if v["active"]] == [before["id"]]


def test_a_version_whose_file_is_on_another_machine_is_used_from_the_project_copy(tmp_path):
    """A team project: fine-tuned weights are kept in the project; a machine without the file uses that copy."""
    import hashlib

    from safetensors import safe_open
    from safetensors.torch import load_file, save_file

    from lepton_desktop.services.models import ModelVersionError, version_weights

    made = tmp_path / "elsewhere" / "tuned.safetensors"  # as a fine-tuning on another machine wrote it
    made.parent.mkdir()
    source = str(bundled_weights(RESNET_MODEL.file))
    with safe_open(source, "pt") as handle:
        metadata = {**handle.metadata(), "tuned": "on another machine"}
    save_file(load_file(source), str(made), metadata=metadata)
    data = made.read_bytes()
    sha = hashlib.sha256(data).hexdigest()
    project = tmp_path / "team.lepton"
    clip = make_video(tmp_path / "c.mp4", 12)
    with open_project(project, create=True) as proj:
        version = proj.model_versions.ensure("tuned", sha, weights_path=str(made))
        proj.model_versions.keep_weights(sha, data)
        proj.model_versions.keep_weights(sha, data)  # once per content
    made.unlink()  # this machine never had the file
    with open_project(project) as proj:
        path = version_weights(version, proj)
        assert path != made and path.read_bytes() == data
        with pytest.raises(ModelVersionError, match="are missing"):
            version_weights(version)  # without the project there is nothing to fall back on
    last = run_to_completion(analyze_video(clip, project=project, model_version=version.id, device="cpu"))
    assert last.state == "done" and last.model_version_id == version.id
    assert activate(project, version.id)["active"]

    path.write_bytes(data[:-10] + b"0123456789")  # the cached copy is damaged: fetched again
    with open_project(project) as proj:
        assert version_weights(version, proj).read_bytes() == data


def test_each_shipped_version_shows_the_figures_of_the_reading_the_app_does(tmp_path):
    """The default reads each face mirrored, so *Model versions* shows its mirror-averaged figures."""
    path = tmp_path / "p.lepton"
    with open_project(path, create=True):
        pass
    shown = {v["name"]: v for v in list_versions(path)}
    card = json.loads(bundled_weights(RESNET_MODEL.file).with_suffix(".metrics.json").read_text())
    mirrored = card["flip_tta"]["ferplus_majority"]
    assert load_emotion_model().cnn.mirror
    default = shown[RESNET_MODEL.name]
    assert json.dumps(default).count(str(mirrored["accuracy"])) >= 1
    assert str(card["no_tta"]["ferplus_majority"]["accuracy"]) not in json.dumps(default)
