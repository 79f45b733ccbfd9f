"""CPU analysis through ONNX Runtime: the same networks, weights and results as PyTorch, without torch."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch

from lepton_desktop.services.engine import RuntimeChoiceError, get_analysis_engine, torch_may_use_gpu
from lepton_desktop.video import VideoReader
from lepton_desktop.vision import model as torch_model
from lepton_desktop.vision import ort_networks
from lepton_desktop.vision.align import MODEL_INPUT, aligned_crop, model_input, to_gray
from lepton_desktop.vision.analyzer import AnalysisSettings, FrameAnalyzer
from lepton_desktop.vision.cascade import Cascade
from lepton_desktop.vision.graphs import GraphError, session
from lepton_desktop.vision.model import EmotionModel, build_cnn
from lepton_desktop.vision.ort_networks import OrtNetworks
from lepton_desktop.vision.torch_networks import TorchNetworks
from lepton_desktop.vision.weight_files import DETECTOR_WEIGHTS, SHIPPED_MODELS, bundled_weights, read_arrays
from lepton_desktop.vision.weights import load_detector, load_emotion_model, save_emotion_model
from tests.faces import Placement, face_clip

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def clip(tmp_path_factory):
    """Three moving, tilting faces of different sizes, one leaving the frame."""
    path = tmp_path_factory.mktemp("graphs") / "faces.mp4"

    def schedule(i):
        return [
            Placement(150 + 3 * i, 170, 0.5, angle=8 * np.sin(i / 5)),
            Placement(400, 160 + i, 0.35, angle=-12),
            Placement(560 + 4 * i, 200, 0.6),
        ]

    face_clip(path, 40, schedule, size=(640, 360), fps=25)
    return path


@pytest.fixture(scope="module")
def frames(clip, samples):
    out = []
    for path in (clip, samples / "pyfeat_single_face.mp4"):
        with VideoReader(path) as reader:
            out += [reader.frame(i) for i in range(0, min(reader.frame_count, 40), 8)]
    return out


@pytest.fixture(scope="module")
def detector():
    return load_detector()


def test_the_detector_graphs_find_what_pytorch_finds(frames, detector):
    arrays, _ = read_arrays(bundled_weights(DETECTOR_WEIGHTS))
    nets = [
        session(n, {k[len(n) + 1 :]: v for k, v in arrays.items() if k.startswith(f"{n}.")})
        for n in ("pnet", "rnet", "onet")
    ]
    cascade = Cascade(*(lambda x, s=s: s.run(None, {"x": x}) for s in nets), min_face=20)
    detector.min_face = 20
    found = 0
    for image in frames:
        ours = cascade.detect(image[None])[0]
        with torch.inference_mode():
            theirs = detector.detect(torch.from_numpy(np.ascontiguousarray(image))[None])[0]
        assert len(ours) == len(theirs)
        for a, b in zip(sorted(ours, key=lambda d: d.box[0]), sorted(theirs, key=lambda d: d.box[0]), strict=True):
            assert np.abs(a.box - b.box).max() < 0.05
            assert np.abs(a.landmarks - b.landmarks).max() < 0.05
            assert abs(a.score - b.score) < 1e-4
        found += len(ours)
    assert found >= 10  # faces were there to compare


@pytest.mark.parametrize("shipped", SHIPPED_MODELS, ids=lambda m: m.file)
def test_every_shipped_model_gives_pytorchs_probabilities(shipped, frames, detector):
    path = bundled_weights(shipped.file)
    crops = []
    detector.min_face = 20
    for image in frames:
        with torch.inference_mode():
            for face in detector.detect(torch.from_numpy(np.ascontiguousarray(image))[None])[0]:
                from lepton_desktop.vision.align import FaceGeometry

                crops.append(aligned_crop(to_gray(image), FaceGeometry(face.box, face.landmarks), MODEL_INPUT))
    x = model_input(np.stack(crops))
    rows = [(np.arange(len(crops)), None)]
    ours, _ = OrtNetworks(path, int8=False).classify(x, rows)  # int8 is another reading: tests/vision/test_int8.py
    model = load_emotion_model(path)
    theirs, _ = TorchNetworks(model, detector, torch.device("cpu")).classify(x, rows)
    assert np.abs(ours - theirs).max() < 1e-4
    assert (ours.argmax(1) == theirs.argmax(1)).all()


def test_a_fine_tuned_temporal_head_runs_in_numpy_as_in_pytorch(tmp_path, detector):
    assert ort_networks.WINDOW == torch_model.WINDOW
    assert all(build_cnn(arch).EMBEDDING == ort_networks.EMBEDDING for arch in torch_model.ARCHITECTURES)
    model = EmotionModel(build_cnn("resnet-s")).eval()
    model.cnn.load_state_dict(load_emotion_model().cnn.state_dict())
    model.cnn.mirror = True  # and each face read mirrored too, as the shipped default reads them
    generator = torch.Generator().manual_seed(1)
    with torch.no_grad():  # a head that has learnt something: not the identity
        model.temporal.out.weight.copy_(torch.randn(model.temporal.out.weight.shape, generator=generator) * 0.5)
        model.temporal.out.bias.copy_(torch.randn(7, generator=generator) * 0.1)
    path = tmp_path / "tuned.safetensors"
    save_emotion_model(model, path)
    rng = np.random.default_rng(0)
    crops = model_input(rng.integers(0, 255, (90, MODEL_INPUT, MODEL_INPUT), dtype=np.uint8))
    ours_nets = OrtNetworks(path, int8=False)
    theirs_nets = TorchNetworks(load_emotion_model(path), detector, torch.device("cpu"))
    assert ours_nets.temporal is not None and not ours_nets.temporal.identity
    assert ours_nets.mirror and theirs_nets.model.cnn.mirror  # the file kept it
    ours_mem = theirs_mem = None
    for start, stop in ((0, 7), (7, 40), (40, 41), (41, 90)):  # chunks across window boundaries, as analysis sends them
        rows = [(np.arange(stop - start), ours_mem)]
        ours, (ours_mem,) = ours_nets.classify(crops[start:stop], rows)
        theirs, (theirs_mem,) = theirs_nets.classify(crops[start:stop], [(rows[0][0], theirs_mem)])
        assert np.abs(ours - theirs).max() < 1e-4, (start, stop)
    plain, _ = ours_nets.classify(crops[41:90], [(np.arange(49), None)])
    assert np.abs(plain - ours).max() > 1e-3  # the memory mattered, so the comparison above tested it


def test_weights_that_do_not_fit_a_graph_fall_back_to_pytorch(tmp_path):
    model = EmotionModel(build_cnn("resnet-s", "16,32,64,128")).eval()  # another width than the shipped graph
    path = tmp_path / "narrow.safetensors"
    save_emotion_model(model, path)
    with pytest.raises(GraphError, match="do not fit the resnet-s graph"):
        OrtNetworks(path)
    assert get_analysis_engine("cpu", path).device_name == "CPU"  # PyTorch
    with pytest.raises(RuntimeChoiceError, match=r"ONNX Runtime cannot run narrow\.safetensors"):
        get_analysis_engine("cpu", path, runtime="onnx")
    assert get_analysis_engine("cpu").device_name == "CPU (ONNX Runtime, int8)"
    assert get_analysis_engine("cpu", runtime="torch").device_name == "CPU"
    with pytest.raises(RuntimeChoiceError, match="unknown runtime"):
        get_analysis_engine("cpu", runtime="tensorflow")


def test_analysis_through_either_runtime_gives_the_same_rows(clip):
    results = {}
    for runtime in ("onnx-float", "torch"):  # the float graphs; int8 is another reading (test_int8.py)
        analyzer = FrameAnalyzer(get_analysis_engine("cpu", runtime=runtime).networks, AnalysisSettings())
        parts = []
        with VideoReader(clip) as reader:
            for f in reader.iter_frames():
                parts.append(analyzer.feed(f.index, f.image))
        parts.append(analyzer.finish())
        rows = [p for p in parts if p is not None]
        results[runtime] = (
            np.concatenate([r.frames for r in rows]),
            np.concatenate([r.tracks for r in rows]),
            np.concatenate([r.boxes for r in rows]),
            np.concatenate([r.probs for r in rows]),
        )
    (fa, ta, ba, pa), (fb, tb, bb, pb) = results["onnx-float"], results["torch"]
    assert len(set(ta.tolist())) == 3
    assert (fa == fb).all() and (ta == tb).all()
    # float rounding can move a cascade box across a pixel's half, and an R-Net or O-Net crop by a pixel
    assert np.abs(ba - bb).max() < 0.5 and np.median(np.abs(ba - bb)) < 1e-3
    assert np.abs(pa - pb).max() < 0.01 and (pa.argmax(1) == pb.argmax(1)).mean() >= 0.99


def test_lepton_analyze_on_the_cpu_never_imports_torch(tmp_path, clip):
    # the command as typed, in a fresh process and a fresh home: the networks through ONNX Runtime,
    # torch never loaded, and ONNX Runtime's telemetry never started (it writes under ~/.cache)
    home = tmp_path / "home"
    home.mkdir()
    env = {k: v for k, v in os.environ.items() if k not in ("ORT_DISABLE_TELEMETRY", "XDG_CACHE_HOME")}
    env["HOME"] = str(home)
    script = (
        "import sys\n"
        "from lepton_desktop.cli import main\n"
        f"code = main(['analyze', {str(clip)!r}, '--project', {str(tmp_path / 'p.lepton')!r}])\n"
        "print('TORCH' if 'torch' in sys.modules else 'NO-TORCH')\n"
        "sys.exit(code)\n"
    )
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, cwd=ROOT, timeout=300, env=env)
    assert out.returncode == 0, out.stderr
    assert not (home / ".cache" / "Microsoft").exists(), "ONNX Runtime's telemetry wrote its device id"
    lines = out.stdout.strip().splitlines()
    assert lines[-1] == "NO-TORCH"
    report = json.loads("\n".join(lines[:-1]))
    assert report["device"] == "CPU (ONNX Runtime, int8)" and report["people"] == 3


def test_a_cpu_only_pytorch_is_recognised_without_importing_it():
    script = (
        "import sys\n"
        "from lepton_desktop.services.engine import torch_may_use_gpu\n"
        "print(torch_may_use_gpu(), 'torch' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, cwd=ROOT, timeout=120)
    gpu = torch.cuda.is_available() or torch.backends.mps.is_available()
    assert out.stdout.split() == [str(gpu), str(gpu or "+cpu" not in torch.__version__)]
    assert torch_may_use_gpu() == gpu  # with torch imported: asked directly


def test_the_shipped_graphs_are_the_modules_exported(tmp_path):
    pytest.importorskip("onnx")
    out = subprocess.run(
        [sys.executable, "models/export_graphs.py", "--check"], capture_output=True, text=True, cwd=ROOT, timeout=300
    )
    assert out.returncode == 0, out.stdout + out.stderr


def test_a_foreign_or_damaged_head_is_one_sentence_and_bfloat16_runs_through_pytorch(tmp_path):
    from safetensors.torch import save_file

    from lepton_desktop.vision.weight_files import CNN_LSTM_FORMAT, RESNET_FORMAT, WeightsError

    cnn = {f"cnn.{k}": v for k, v in load_emotion_model().cnn.state_dict().items()}
    headless = tmp_path / "headless.safetensors"
    save_file(cnn, str(headless), metadata={"format": CNN_LSTM_FORMAT, "arch": "resnet-s"})
    with pytest.raises(WeightsError, match="temporal head has other tensors"):
        get_analysis_engine("cpu", headless)
    head = {f"temporal.{k}": v for k, v in EmotionModel(build_cnn("resnet-s")).temporal.state_dict().items()}
    head["temporal.out.weight"] = torch.zeros(7, 32)  # an output layer for another hidden size
    misshapen = tmp_path / "misshapen.safetensors"
    save_file({**cnn, **head}, str(misshapen), metadata={"format": CNN_LSTM_FORMAT, "arch": "resnet-s"})
    with pytest.raises(WeightsError, match="misshapen"):
        get_analysis_engine("cpu", misshapen)
    half = tmp_path / "bf16.safetensors"
    tensors = {
        k: v.to(torch.bfloat16) if v.is_floating_point() else v
        for k, v in load_emotion_model().cnn.state_dict().items()
    }
    save_file(tensors, str(half), metadata={"format": RESNET_FORMAT, "widths": "24,48,96,192"})
    assert get_analysis_engine("cpu", half).device_name == "CPU"  # NumPy has no bfloat16: PyTorch runs it


def test_onnx_runtime_says_which_parameter_is_missing(tmp_path):
    arrays, _ = read_arrays(bundled_weights(SHIPPED_MODELS[0].file))
    arrays.pop("stem.0.weight")
    with pytest.raises(GraphError, match=r"do not fit the resnet-s graph: they have no stem\.0\.weight$"):
        session("resnet-s", arrays)
    arrays, _ = read_arrays(bundled_weights(SHIPPED_MODELS[0].file))
    arrays["stem.0.weight"] = arrays["stem.0.weight"][:4]
    with pytest.raises(GraphError, match="a parameter has another shape"):
        session("resnet-s", arrays)


def test_ray_tasks_thread_count_is_obeyed(monkeypatch):
    from lepton_desktop.vision import graphs

    monkeypatch.setenv("OMP_NUM_THREADS", "1")  # what Ray sets for a one-CPU task
    assert graphs._threads_asked() == 1
    monkeypatch.delenv("OMP_NUM_THREADS")
    assert graphs._threads_asked() == 0  # ONNX Runtime's own choice: one per physical core


def test_a_cuda_build_without_a_gpu_device_is_told_without_importing_torch(tmp_path, monkeypatch):
    import importlib.machinery

    from lepton_desktop.services import engine

    fake = tmp_path / "torch"
    fake.mkdir()
    (fake / "__init__.py").write_text("")
    (fake / "version.py").write_text("cuda: Optional[str] = '12.8'\nhip: Optional[str] = None\n")
    spec = importlib.machinery.ModuleSpec("torch", None, origin=str(fake / "__init__.py"))
    monkeypatch.setattr(engine.sys, "platform", "linux")
    monkeypatch.setattr(engine.importlib.util, "find_spec", lambda name: spec)
    monkeypatch.delitem(engine.sys.modules, "torch")
    monkeypatch.delenv("CUDA_VISIBLE_DEVICES", raising=False)
    monkeypatch.setattr(engine, "_asked", lambda: pytest.fail("torch was asked"))
    monkeypatch.setattr(engine, "GPU_DEVICE_FILES", (str(tmp_path / "nvidiactl"),))
    assert engine.torch_may_use_gpu() is False
    (tmp_path / "nvidiactl").touch()  # a GPU's device file: now PyTorch is asked
    monkeypatch.setattr(engine, "_asked", lambda: True)
    assert engine.torch_may_use_gpu() is True
