"""The shipped ResNet's int8 reading: used by CPU analysis, the same answers as float32, only for its own CNN."""

from __future__ import annotations

import json
import logging
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from lepton_desktop.services.engine import RUNTIMES, get_analysis_engine
from lepton_desktop.vision.int8 import cnn_digest, companion
from lepton_desktop.vision.ort_networks import OrtNetworks
from lepton_desktop.vision.weight_files import RESNET_MODEL, bundled_weights, file_sha256, read_arrays, read_metadata

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT.parent / "shared" / "data" / "ferplus_train.npz"


@pytest.fixture(scope="module")
def faces():
    """512 real faces of the validation split (never trained or calibrated on), as the CNN reads them."""
    if not DATA.is_file():
        pytest.skip(f"training faces not found at {DATA} (they live beside the checkout, in shared/data)")
    sys.path.insert(0, str(ROOT / "models"))
    import torch
    from training.augment import to_model
    from training.data import load_faces, split

    data, _ = load_faces(DATA)
    _, val = split(data, 0.1, 0)
    return to_model(torch.from_numpy(data.images[val[::5][:512]]), 64).numpy()


def _probabilities(nets, x):
    return np.concatenate([nets.classify(x[i : i + 64], [(np.arange(len(x[i : i + 64])), None)])[0]
                           for i in range(0, len(x), 64)])  # fmt: skip


def test_the_shipped_int8_values_were_made_from_the_shipped_cnn():
    shipped = bundled_weights(RESNET_MODEL.file)
    cnn, _ = read_arrays(shipped)
    assert read_metadata(companion(shipped))["cnn_sha256"] == cnn_digest(cnn)  # else: python models/quantize_resnet.py
    assert OrtNetworks(shipped).int8


def test_cpu_analysis_reads_faces_in_int8_unless_asked_for_float():
    assert "onnx-float" in RUNTIMES
    assert get_analysis_engine("cpu").device_name == "CPU (ONNX Runtime, int8)"
    assert get_analysis_engine("cpu", runtime="onnx").device_name == "CPU (ONNX Runtime, int8)"
    assert get_analysis_engine("cpu", runtime="onnx-float").device_name == "CPU (ONNX Runtime)"
    assert get_analysis_engine("cpu", runtime="torch").device_name == "CPU"


def test_the_cli_offers_every_runtime_the_engine_knows():
    from lepton_desktop.cli import build_parser

    sub = next(a for a in build_parser()._actions if a.dest == "command")
    runtime = next(a for a in sub.choices["analyze"]._actions if a.dest == "runtime")
    assert tuple(runtime.choices) == RUNTIMES  # written twice: cli_analyze does not import the engine


def test_int8_gives_float32s_answers_on_real_faces(faces):
    shipped = bundled_weights(RESNET_MODEL.file)
    quantised, plain = OrtNetworks(shipped), OrtNetworks(shipped, int8=False)
    assert quantised.int8 and not plain.int8 and quantised.mirror
    ours, theirs = _probabilities(quantised, faces), _probabilities(plain, faces)
    assert (ours.argmax(1) == theirs.argmax(1)).mean() >= 0.97
    assert np.abs(ours - theirs).mean() < 0.01
    assert np.abs(ours - theirs).max() < 0.2
    assert np.abs(ours - theirs).max() > 0  # it is another reading, not the float graph again


def test_the_same_cnn_anywhere_reads_in_int8_and_another_cnn_in_float32(tmp_path, caplog):
    shipped = bundled_weights(RESNET_MODEL.file)
    worker_copy = tmp_path / f"{file_sha256(shipped)}.safetensors"  # as a batch worker receives the weights
    shutil.copy(shipped, worker_copy)
    assert OrtNetworks(worker_copy).int8  # the shipped int8 values serve: the same CNN

    from safetensors.numpy import save_file

    cnn, metadata = read_arrays(shipped)
    name = next(k for k in sorted(cnn) if k.endswith("weight") and cnn[k].ndim == 4)
    cnn[name] = cnn[name] * 1.01  # a CNN that learnt on (fine-tuning, retraining)
    tuned = tmp_path / shipped.name
    save_file(cnn, str(tuned), metadata=metadata)
    shutil.copy(companion(shipped), companion(tuned))  # even with the old int8 values beside it
    with caplog.at_level(logging.INFO, logger="lepton_desktop.vision.int8"):
        nets = OrtNetworks(tuned)
    assert not nets.int8 and nets.device_name == "CPU (ONNX Runtime)"
    assert "no int8 values were made from the CNN" in caplog.text
    x = np.random.default_rng(0).uniform(-1, 1, (4, 1, 64, 64)).astype(np.float32)
    assert np.allclose(_probabilities(nets, x), _probabilities(OrtNetworks(tuned, int8=False), x))


def test_a_damaged_int8_file_is_passed_over(tmp_path, caplog):
    shipped = bundled_weights(RESNET_MODEL.file)
    copy = tmp_path / shipped.name
    shutil.copy(shipped, copy)
    companion(copy).write_bytes(companion(shipped).read_bytes()[:5000])  # cut short, as a failed copy leaves it
    with caplog.at_level(logging.WARNING, logger="lepton_desktop.vision.int8"):
        nets = OrtNetworks(copy)
    assert "is not readable, so it is passed over" in caplog.text
    assert nets.int8  # the shipped values, made from the same CNN


def test_the_cli_as_typed_says_which_reading_computed_the_results(tmp_path):
    env = {**os.environ, "LEPTON_HOME": str(tmp_path)}

    def analyze(*extra):
        done = subprocess.run([sys.executable, "-m", "lepton_desktop", "analyze", *extra],
                              capture_output=True, text=True, env=env, timeout=180)  # fmt: skip
        assert done.returncode == 0, done.stderr
        return json.loads(done.stdout), done.stderr

    first, _ = analyze()
    assert first["state"] == "done" and first["device"] == "CPU (ONNX Runtime, int8)"
    floated, _ = analyze("--runtime", "onnx-float")  # a runtime named: not the int8 run handed back
    assert floated["state"] == "done" and floated["device"] == "CPU (ONNX Runtime)"
    assert floated["run"] != first["run"]
    again, said = analyze()  # reused: it says what computed the stored results, not what would have
    assert again["state"] == "reused" and again["device"] == "CPU (ONNX Runtime)" and again["run"] == floated["run"]
    assert again["fps"] is None  # nothing was analysed this time
    assert "analysed before with these settings and model (CPU (ONNX Runtime)); these are the stored" in said
    dominant = [[p["dominant"] for p in run["summary"]] for run in (first, floated)]
    assert dominant[0] == dominant[1]


def test_a_learnt_temporal_head_reads_float32_embeddings(tmp_path):
    import torch

    from lepton_desktop.vision.model import EmotionModel, build_cnn
    from lepton_desktop.vision.weights import load_emotion_model, save_emotion_model

    model = EmotionModel(build_cnn("resnet-s")).eval()
    model.cnn.load_state_dict(load_emotion_model().cnn.state_dict())  # the shipped CNN, unchanged
    model.cnn.mirror = True
    path = tmp_path / "head-only.safetensors"
    save_emotion_model(model, path)
    assert OrtNetworks(path).int8  # a head that still adds nothing: the shipped CNN's int8 reading serves
    with torch.no_grad():
        model.temporal.out.bias.copy_(torch.linspace(-0.1, 0.1, 7))  # a head fine-tuning taught (on float embeddings)
    save_emotion_model(model, path)
    nets = OrtNetworks(path)
    assert not nets.int8 and nets.temporal is not None and not nets.temporal.identity


def test_the_int8_graph_names_only_the_operator_sets_it_uses():
    import onnx

    graph = onnx.load(str(ROOT / "models" / "graphs" / "resnet-s-int8.onnx"), load_external_data=False)
    assert [(o.domain, o.version) for o in graph.opset_import] == [("", 17)]  # older runtimes refuse newer sets
    assert {node.domain for node in graph.graph.node} == {""}


def test_the_int8_files_are_a_fresh_quantisation(faces):
    pytest.importorskip("onnx")
    done = subprocess.run([sys.executable, str(ROOT / "models" / "quantize_resnet.py"), "--check"],
                          capture_output=True, text=True, timeout=300)  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
