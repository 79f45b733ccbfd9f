"""Every model version on labelled material of your own: clips and face photographs.

    python bench/heldout.py [--clips DIR] [--images DIR] [--aligned] [--models ID ...] [--device cpu]

Material the project does not have (real people's acted clips, CK+, FER2013's test set) is
scored here exactly as issue #12 states its targets, for every shipped model version in one run:

- ``--clips DIR``: videos in one folder per label (``DIR/happy/clip01.mp4``). Each is analysed as
  ``lepton analyze`` would (default settings, a throwaway project per version); the main person is
  the one seen on the most frames; a clip is right when the mean of that person's probabilities
  peaks at its label; frames are right when their own top emotion is the label. A clip where
  nobody is found counts as wrong.
- ``--images DIR``: photographs in one folder per label, the largest face of each scored as
  ``lepton classify`` does (``--aligned``: the images are ready face crops, e.g. FER2013's 48 px
  faces). A photograph where no face is found counts as wrong.

Folder names may be ours (angry disgust fear happy sad surprise neutral) or the usual dataset
words (anger, disgusted, fearful, happiness, sadness, surprised, calm...); other folders (contempt)
are listed and left out. Printed per version: accuracy, per-class recall, classes never predicted,
the confusion matrix (with a "no face" column), and each version's accuracy as a ratio of the
default's.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

import _common  # noqa: F401
import numpy as np

from lepton_desktop.core.emotions import EMOTIONS

SYNONYMS = {
    "anger": "angry", "angry": "angry", "disgust": "disgust", "disgusted": "disgust", "fear": "fear",
    "fearful": "fear", "afraid": "fear", "happy": "happy", "happiness": "happy", "joy": "happy", "sad": "sad",
    "sadness": "sad", "surprise": "surprise", "surprised": "surprise", "neutral": "neutral", "calm": "neutral",
}  # fmt: skip
VIDEO = {".mp4", ".mov", ".mkv", ".avi", ".webm", ".m4v", ".flv", ".mpg", ".mpeg"}
IMAGE = {".png", ".jpg", ".jpeg", ".bmp", ".tif", ".tiff", ".webp"}


def labelled(folder: Path, suffixes: set[str]) -> list[tuple[Path, int]]:
    """(file, class index) for every file under a label folder; unknown folders reported and skipped."""
    items, skipped = [], {}
    for sub in sorted(p for p in folder.iterdir() if p.is_dir()):
        files = sorted(p for p in sub.rglob("*") if p.suffix.lower() in suffixes)
        label = SYNONYMS.get(sub.name.lower())
        if label is None:
            skipped[sub.name] = len(files)
            continue
        items += [(f, EMOTIONS.index(label)) for f in files]
    if skipped:
        print(f"  left out (not one of our seven classes): {skipped}")
    return items


def report(name: str, truth: list[int], pred: list[int], extra: str = "") -> float:
    """Accuracy, per-class recall and confusion; a prediction of -1 (no face found) is wrong and has its column."""
    t, p = np.asarray(truth), np.asarray(pred)
    accuracy = float((t == p).mean()) if len(t) else float("nan")
    present = [i for i in range(len(EMOTIONS)) if (t == i).any()]
    recall = {EMOTIONS[i]: float((p[t == i] == i).mean()) for i in present}
    never = [EMOTIONS[i] for i in present if not (p == i).any()]
    print(f"  {name:<58} accuracy {accuracy:.3f}  mean recall {np.mean(list(recall.values())):.3f}{extra}")
    print("    recall  " + "  ".join(f"{e} {r:.2f}" for e, r in recall.items()))
    print(f"    never predicted (of the classes present): {', '.join(never) or 'none'}")
    print("    confusion (rows: label; columns: model)  " + " ".join(f"{e[:5]:>6}" for e in EMOTIONS) + "  no face")
    for i in present:
        row = [int(((t == i) & (p == j)).sum()) for j in range(len(EMOTIONS))]
        print(f"    {EMOTIONS[i]:>40} " + " ".join(f"{v:>6}" for v in row) + f"  {int(((t == i) & (p < 0)).sum()):>7}")
    return accuracy


def score_clips(
    clips: list[tuple[Path, int]], weights: Path, device: str, work: Path
) -> tuple[list[int], list[int], float]:
    """Clip predictions (-1: nobody found or unreadable) and the share of the main person's frames that are right."""
    from lepton_desktop.core.errors import LeptonError
    from lepton_desktop.services.analysis import analyze_video, run_to_completion
    from lepton_desktop.store import open_project

    project = Path(tempfile.mkdtemp(prefix="version-", dir=work)) / "p.lepton"
    preds, right, frames = [], 0, 0
    for path, label in clips:
        try:
            last = run_to_completion(analyze_video(path, project=project, device=device, weights=weights))
        except LeptonError as exc:
            print(f"    {path}: {exc}")
            preds.append(-1)
            continue
        with open_project(project) as proj:
            rows = [proj.runs.predictions(t.id) for t in proj.runs.tracks(last.run_id)]
        main = max(rows, key=lambda r: len(r.frames), default=None)
        if main is None or len(main.frames) == 0:
            preds.append(-1)
            continue
        preds.append(int(main.probs.mean(axis=0).argmax()))
        right += int((main.probs.argmax(axis=1) == label).sum())
        frames += len(main.frames)
    return preds, [c[1] for c in clips], right / max(frames, 1)


def score_images(images: list[tuple[Path, int]], weights: Path, aligned: bool, device: str) -> list[int]:
    """Top class of each photograph (-1: no face found or unreadable), in batches of 256."""
    from lepton_desktop.core.errors import LeptonError
    from lepton_desktop.services.classify import classify_images

    pred = []
    for start in range(0, len(images), 256):
        chunk = [p for p, _ in images[start : start + 256]]
        try:
            results = classify_images(chunk, aligned=aligned, device=device, weights=weights)
        except LeptonError:  # one unreadable file: score the chunk one by one
            results = []
            for path in chunk:
                try:
                    results += classify_images([path], aligned=aligned, device=device, weights=weights)
                except LeptonError as exc:
                    print(f"    {path}: {exc}")
                    results.append(None)  # type: ignore[arg-type]
        pred += [int(r.probs.argmax()) if r is not None and r.probs is not None else -1 for r in results]
    return pred


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--clips", type=Path, help="folder of label folders of videos")
    ap.add_argument("--images", type=Path, help="folder of label folders of photographs")
    ap.add_argument("--aligned", action="store_true", help="the images are face crops already")
    ap.add_argument("--models", type=int, nargs="*", help="version ids as `lepton models` lists them in a new project "
                    "(default: every shipped version)")  # fmt: skip
    ap.add_argument("--device", default="cpu")
    args = ap.parse_args()
    if not args.clips and not args.images:
        ap.error("give --clips DIR, --images DIR or both")
    with tempfile.TemporaryDirectory(prefix="lepton-heldout-") as tmp:
        os.environ.setdefault("LEPTON_HOME", str(Path(tmp) / "home"))
        evaluate_all(args, Path(tmp))


def evaluate_all(args: argparse.Namespace, work: Path) -> None:
    from lepton_desktop.services.models import list_versions, version_weights
    from lepton_desktop.store import open_project

    listing = work / "versions.lepton"
    open_project(listing, create=True).close()
    versions = [v for v in list_versions(listing) if not args.models or v["id"] in args.models]
    if not versions:
        raise SystemExit(f"no model version with id {args.models}; `lepton models` lists them")
    default = next((v["name"] for v in versions if v["active"]), versions[0]["name"])
    with open_project(listing) as proj:
        weights = {v["name"]: version_weights(proj.model_versions.get(v["id"]), proj) for v in versions}

    if args.clips:
        clips = labelled(args.clips, VIDEO)
        print(f"clips: {len(clips)} in {args.clips} (clip right: mean of the main person's probabilities; "
              "frames right: over the frames where the main person was found)")  # fmt: skip
        accuracy = {}
        for name, path in weights.items():
            t = time.perf_counter()
            preds, truth, frame_acc = score_clips(clips, path, args.device, work)
            seconds = time.perf_counter() - t
            extra = f"  frames right {frame_acc:.3f}  no face in {preds.count(-1)} clips  ({seconds:.0f} s)"
            accuracy[name] = report(name, truth, preds, extra)
        for name, acc in accuracy.items():
            print(f"  clip accuracy x{acc / max(accuracy[default], 1e-9):.2f} of the default: {name}")

    if args.images:
        images = labelled(args.images, IMAGE)
        print(f"\nimages: {len(images)} in {args.images} ({'face crops' if args.aligned else 'largest face'})")
        accuracy = {}
        truth = [label for _, label in images]
        for name, path in weights.items():
            pred = score_images(images, path, args.aligned, args.device)
            accuracy[name] = report(name, truth, pred, f"  no face in {pred.count(-1)}")
        for name, acc in accuracy.items():
            print(f"  image accuracy x{acc / max(accuracy[default], 1e-9):.2f} of the default: {name}")


if __name__ == "__main__":
    t0 = time.perf_counter()
    main()
    print(f"(bench took {time.perf_counter() - t0:.0f} s)", file=sys.stderr)
