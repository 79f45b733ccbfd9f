"""The shipped expression models side by side: accuracy, per-face cost, whole-analysis speed.

    python bench/model.py [--data ../shared/data/ferplus_train.npz] [--seconds 10] [--skip-analyze]

1. Validation split of models/train_expression.py (FER+ votes; the same seed and share): accuracy
   and macro-F1 against the FER+ majority, per-class recall, confusion matrix, and accuracy
   against the original FER2013 labels, for every shipped model (the mini-Xception, the default
   ResNet, the ResNet + face-api.js ensemble). The
   mini-Xception was trained on all of FER2013's training faces, these included, so its
   numbers here are flattered; the ResNet never saw them. A model whose file says ``mirror``
   reads each face and its mirror image (as the app does); it is scored that way and, on a line of
   its own, reading each face once, so what mirroring adds is measured in the same run.
   Then the default ResNet as CPU analysis reads it, through ONNX Runtime in int8, against its
   float32 reading on the same faces (models/quantize_resnet.py).
2. Per-face inference cost at batch 64 on 2 threads (CNN only, then CNN + temporal head), through
   PyTorch and through ONNX Runtime (what CPU analysis runs; a mirroring model also without it;
   a model with an int8 reading also in float32).
3. Whole `lepton analyze` processes (start-up included, as a user runs it) on a 640x360 clip of
   one moving face, with each model (the default also with its CNN in float32), in this run;
   frames/s and each one's ratio to the mini-Xception (through ONNX Runtime, as CPU analysis runs
   it now) and to the mini-Xception through PyTorch (how the app analysed when issue #12 was filed
   and set its speed bound).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import _common  # noqa: F401
from _common import ROOT, out_dir

sys.path.insert(0, str(ROOT / "models"))


def load_models() -> dict[str, object]:
    from lepton_desktop.vision.weights import SHIPPED_MODELS, bundled_weights, load_emotion_model

    return {m.name: load_emotion_model(bundled_weights(m.file)) for m in SHIPPED_MODELS}


def validation(models: dict[str, object], data: Path) -> None:
    import torch
    from training.augment import to_model
    from training.data import CLASSES, load_faces, split

    from lepton_desktop.core.metrics import evaluate

    faces, _ = load_faces(data)
    _, val_idx = split(faces, 0.1, 0)
    val = faces.subset(val_idx)
    x = to_model(torch.from_numpy(val.images), 64)
    print(f"validation split: {len(val)} faces (FER+ majority labels; 10%, stratified, seed 0)")
    for name, model in models.items():
        cnn = model.cnn  # type: ignore[attr-defined]
        if getattr(cnn, "mirror", False):  # the same weights reading each face once: what mirroring adds
            cnn.mirror = False
            with torch.inference_mode():
                once = torch.cat([cnn(x[i : i + 512])[1] for i in range(0, len(x), 512)]).argmax(1).numpy()
            cnn.mirror = True
            ev = evaluate(val.majority, once)
            print(f"\n{name}, one reading per face (no mirror)\n  accuracy {ev.accuracy:.3f}  macro-F1 "
                  f"{ev.macro_f1:.3f}  original-label accuracy {float((once == val.original).mean()):.3f}")  # fmt: skip
        with torch.inference_mode():
            logits = torch.cat([cnn(x[i : i + 512])[1] for i in range(0, len(x), 512)])
        pred = logits.argmax(1).numpy()
        ev = evaluate(val.majority, pred)
        print(f"\n{name}")
        print(f"  accuracy {ev.accuracy:.3f}  macro-F1 {ev.macro_f1:.3f}  "
              f"original-label accuracy {float((pred == val.original).mean()):.3f}")  # fmt: skip
        print("  recall  " + "  ".join(f"{c} {ev.per_class_recall[c] or 0:.2f}" for c in CLASSES))
        print("  confusion (rows: FER+ majority; columns: model)")
        print("  " + " ".join(f"{c[:5]:>6}" for c in ("", *CLASSES)))
        for c, row in zip(CLASSES, ev.confusion, strict=True):
            print("  " + f"{c[:5]:>6} " + " ".join(f"{v:>6}" for v in row))


def validation_onnx(data: Path) -> None:
    """The default ResNet as CPU analysis reads it (ONNX Runtime, int8, mirrored) and in float32, same faces."""
    import numpy as np
    import torch
    from training.augment import to_model
    from training.data import load_faces, split

    from lepton_desktop.core.metrics import evaluate
    from lepton_desktop.vision.ort_networks import OrtNetworks
    from lepton_desktop.vision.weight_files import RESNET_MODEL, bundled_weights

    faces, _ = load_faces(data)
    _, val_idx = split(faces, 0.1, 0)
    val = faces.subset(val_idx)
    x = to_model(torch.from_numpy(val.images), 64).numpy()
    print(f"\n{RESNET_MODEL.name} through ONNX Runtime, mirror-read, on the same validation faces")
    probs = {}
    for int8 in (False, True):
        nets = OrtNetworks(bundled_weights(RESNET_MODEL.file), int8=int8)
        probs[int8] = np.concatenate([nets.classify(x[i : i + 64], [(np.arange(len(x[i : i + 64])), None)])[0]
                                      for i in range(0, len(x), 64)])  # fmt: skip
        pred = probs[int8].argmax(1)
        ev = evaluate(val.majority, pred)
        how = "int8 (as CPU analysis reads it)" if nets.int8 else "float32"
        print(f"  {how:<32} accuracy {ev.accuracy:.3f}  macro-F1 {ev.macro_f1:.3f}  "
              f"original-label accuracy {float((pred == val.original).mean()):.3f}")  # fmt: skip
    diff = np.abs(probs[True] - probs[False])
    agree = float((probs[True].argmax(1) == probs[False].argmax(1)).mean())
    print(f"  int8 vs float32: same top emotion on {agree:.1%} of faces; probabilities differ by {diff.mean():.4f} "
          f"on average, {diff.max():.3f} at most")  # fmt: skip


def per_face_cost(models: dict[str, object]) -> None:
    import torch

    from lepton_desktop.vision.device import place

    torch.set_num_threads(2)
    x = torch.rand(64, 1, 64, 64) * 2 - 1
    for model in models.values():
        place(model, torch.device("cpu"))  # the layout the app's engine runs them in
    print("\nper-face inference at batch 64, 2 threads, channels-last as in the app (median of 20 batches)")
    base = None
    for name, model in models.items():
        times = {}
        for what in ("cnn", "cnn+lstm"):
            runs = []
            with torch.inference_mode():
                for i in range(23):
                    t = time.perf_counter()
                    emb, logits = model.frame_outputs(x)  # type: ignore[attr-defined]
                    if what == "cnn+lstm":
                        model.sequence_logits(emb, logits)  # type: ignore[attr-defined]
                    if i >= 3:
                        runs.append(time.perf_counter() - t)
            times[what] = sorted(runs)[len(runs) // 2] / 64 * 1000
        base = base or times["cnn+lstm"]
        print(f"  {name:<55} CNN {times['cnn']:.2f} ms  CNN+LSTM {times['cnn+lstm']:.2f} ms/face  "
              f"(x{times['cnn+lstm'] / base:.2f} of the first)")  # fmt: skip


def per_face_cost_onnx() -> None:
    import numpy as np

    from lepton_desktop.vision.ort_networks import OrtNetworks
    from lepton_desktop.vision.weight_files import SHIPPED_MODELS, bundled_weights

    x = np.random.default_rng(0).uniform(-1, 1, (64, 1, 64, 64)).astype(np.float32)
    rows = [(np.arange(64), None)]
    print("\nper-face inference at batch 64 through ONNX Runtime, as CPU analysis runs it (median of 20 batches)")
    base = None
    for shipped in SHIPPED_MODELS:
        has_int8 = None
        for int8 in (True, False):
            if not int8 and not has_int8:
                continue  # no int8 reading: the float32 one was timed already
            nets = OrtNetworks(bundled_weights(shipped.file), int8=int8)
            has_int8 = nets.int8 if has_int8 is None else has_int8
            mirrored = nets.mirror
            for mirror in (False, True) if mirrored else (False,):
                nets.mirror = mirror
                runs = []
                for i in range(23):
                    t = time.perf_counter()
                    nets.classify(x, rows)
                    if i >= 3:
                        runs.append(time.perf_counter() - t)
                ms = sorted(runs)[len(runs) // 2] / 64 * 1000
                base = base or ms
                how = "mirrored, as shipped" if mirror else "one reading" if mirrored else ""
                how = ", ".join(w for w in (how, "int8" if nets.int8 else "float32" if int8 is False else "") if w)
                name = shipped.name + (f" ({how})" if how else "")
                print(f"  {name:<64} {ms:.2f} ms/face  (x{ms / base:.2f} of the first)")


def whole_analysis(seconds: int) -> None:
    sys.path.insert(0, str(ROOT / "bench"))
    from analyze import make_clip

    clip = out_dir() / f"faces_640x360_1p_{seconds}s.mp4"
    if not clip.exists():
        make_clip(clip, (640, 360), 1, seconds)
    home = tempfile.mkdtemp(prefix="lepton-bench-model-")
    env = {**os.environ, "LEPTON_HOME": home}
    project = Path(home) / "bench.lepton"
    lepton = [sys.executable, "-m", "lepton_desktop"]
    subprocess.run([*lepton, "project", "init", str(project)], capture_output=True, env=env, check=True)
    listed = subprocess.run([*lepton, "models", "--project", str(project)], capture_output=True, text=True, env=env,
                            check=True)  # fmt: skip
    versions = json.loads(listed.stdout)
    versions = versions["versions"] if isinstance(versions, dict) else versions
    print(f"\nwhole `lepton analyze` process on {clip.name} (CPU, start-up included; best of 2)")
    runs = [(v["name"], v["id"], "auto") for v in versions]
    default = next((v for v in versions if v.get("active")), versions[0])
    runs.insert(1, (f"{default['name']} in float32 (--runtime onnx-float)", default["id"], "onnx-float"))
    old = next((v for v in versions if "mini-Xception" in v["name"]), None)
    if old is not None:  # the app as it ran when issue #12 was filed: the mini-Xception through PyTorch
        runs.append((FILED_BASELINE, old["id"], "torch"))
    fps = {}
    for name, version, runtime in runs:
        best = 0.0
        for _ in range(2):
            t = time.perf_counter()
            subprocess.run([*lepton, "analyze", str(clip), "--project", str(project), "--model", str(version),
                            "--device", "cpu", "--runtime", runtime, "--force"],
                           capture_output=True, env=env, check=True)  # fmt: skip
            best = max(best, seconds * 25 / (time.perf_counter() - t))
        fps[name] = best
        print(f"  {name:<62} {best:6.1f} frames/s")
    baselines = [old["name"], FILED_BASELINE] if old is not None else []
    for base in baselines:
        for name, value in fps.items():
            if name not in baselines:
                print(f"  {name} / {base}: x{value / fps[base]:.2f}")


FILED_BASELINE = "mini-Xception through PyTorch (the app when #12 was filed)"


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data" / "ferplus_train.npz")
    ap.add_argument("--seconds", type=int, default=10)
    ap.add_argument("--skip-analyze", action="store_true")
    args = ap.parse_args()
    models = load_models()
    if args.data.is_file():
        validation(models, args.data)
        validation_onnx(args.data)
    else:
        print(f"({args.data} not found: validation skipped)")
    per_face_cost(models)
    per_face_cost_onnx()
    if not args.skip_analyze:
        whole_analysis(args.seconds)


if __name__ == "__main__":
    t0 = time.perf_counter()
    main()
    print(f"(bench took {time.perf_counter() - t0:.0f} s)")
