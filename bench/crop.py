"""Does the app's crop match the training crop? Validation faces through the app's detector and aligner.

    python bench/crop.py [--data ../shared/data/ferplus_train.npz] [--limit 0] [--margins 0.8,0.9,0.95,1.0,1.15,1.3]

Training reads FER2013's 48 px crops directly; the app finds a face with MTCNN, levels the eyes and
cuts a square of ``margin`` x the detector's box (``vision/align.py``). This puts every validation
face of ``models/train_expression.py``'s split (same seed and share) in a larger frame (replicated
borders, 3x upscaled, as a face in a video frame), runs the app's detector and aligner, and scores
the default model on those crops at each margin, against the direct input as the baseline, in the
same run. Faces the detector misses are counted and left out of every row alike.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import _common  # noqa: F401
import cv2
import numpy as np
from _common import ROOT

sys.path.insert(0, str(ROOT / "models"))


def framed(face: np.ndarray) -> np.ndarray:
    """A 48 px face as a face in a video frame: borders replicated to 96 px, scaled 3x, RGB."""
    padded = cv2.copyMakeBorder(face, 24, 24, 24, 24, cv2.BORDER_REPLICATE)
    big = cv2.resize(padded, (288, 288), interpolation=cv2.INTER_CUBIC)
    return np.repeat(big[:, :, None], 3, axis=2)


def main() -> None:
    import torch
    from training.augment import to_model
    from training.data import load_faces, split

    from lepton_desktop.core.metrics import evaluate
    from lepton_desktop.vision.align import MARGIN, MODEL_INPUT, FaceGeometry, aligned_crop, model_input
    from lepton_desktop.vision.weights import DEFAULT_MODEL, bundled_weights, load_detector, load_emotion_model

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data" / "ferplus_train.npz")
    ap.add_argument("--limit", type=int, default=0, help="only the first N validation faces")
    ap.add_argument("--margins", default="0.8,0.9,0.95,1.0,1.15,1.3")
    args = ap.parse_args()
    torch.set_num_threads(2)
    faces, _ = load_faces(args.data)
    _, val_idx = split(faces, 0.1, 0)
    val = faces.subset(val_idx[: args.limit] if args.limit else val_idx)
    model = load_emotion_model(bundled_weights(DEFAULT_MODEL.file)).eval()
    detector = load_detector()

    def classify(x: torch.Tensor) -> np.ndarray:
        with torch.inference_mode():
            return torch.cat([model.cnn(x[i : i + 512])[1] for i in range(0, len(x), 512)]).argmax(1).numpy()

    t0 = time.perf_counter()
    geometry: list[FaceGeometry | None] = []
    frames = [framed(img) for img in val.images]
    for i in range(0, len(frames), 64):
        batch = torch.from_numpy(np.stack(frames[i : i + 64]))
        for found in detector.detect(batch):
            best = max(found, key=lambda d: float((d.box[2] - d.box[0]) * (d.box[3] - d.box[1])), default=None)
            geometry.append(None if best is None else FaceGeometry(best.box, best.landmarks))
    seen = np.array([g is not None for g in geometry])
    print(f"{len(val)} validation faces; the detector found {int(seen.sum())} ({seen.mean():.1%}) "
          f"in {time.perf_counter() - t0:.0f} s")  # fmt: skip
    truth, original = val.majority[seen], val.original[seen]
    direct = classify(to_model(torch.from_numpy(val.images[seen]), MODEL_INPUT))
    rows = [("direct 48 px crop (as trained)", direct)]
    gray = [f[:, :, 0] for f, s in zip(frames, seen, strict=True) if s]
    found = [g for g in geometry if g is not None]
    for margin in (float(m) for m in args.margins.split(",")):
        crops = np.stack([aligned_crop(img, g, MODEL_INPUT, margin) for img, g in zip(gray, found, strict=True)])
        mark = " (the app's)" if margin == MARGIN else ""
        rows.append((f"detected + aligned, margin {margin:g}{mark}", classify(torch.from_numpy(model_input(crops)))))
    base = evaluate(truth, direct).accuracy
    print(f"\n{'crop':44} {'FER+ acc':>9} {'macro-F1':>9} {'orig acc':>9} {'vs direct':>10}")
    for name, pred in rows:
        ev = evaluate(truth, pred)
        print(f"{name:44} {ev.accuracy:9.3f} {ev.macro_f1:9.3f} {float((pred == original).mean()):9.3f} "
              f"{'x' + format(ev.accuracy / base, '.3f'):>10}")  # fmt: skip


if __name__ == "__main__":
    main()
