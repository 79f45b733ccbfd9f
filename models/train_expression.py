"""Train the expression CNN on FER2013 faces with FER+ crowd votes (CPU is enough; hours on two cores).

    python models/train_expression.py --out runs/resnet --epochs 30

Resumable: every epoch writes ``checkpoint.pt`` (model, EMA, optimiser, schedule, random state) in
``--out``; run the same command again and it continues where it stopped. ``log.jsonl`` keeps one
line per epoch. At the end it writes ``expression_resnet.safetensors`` (the EMA weights, the
format the app loads), ``metrics.json`` and ``card.md`` (data, command, time, machine, metrics).
Same seed, data and thread count give the same weights.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE.parent), str(HERE)]

from training.augment import augment, to_model  # noqa: E402
from training.data import CLASSES, load_faces, split  # noqa: E402

from lepton_desktop.core.metrics import evaluate  # noqa: E402
from lepton_desktop.vision.resnet import ExpressionResNet  # noqa: E402

DEFAULT_DATA = HERE.parent.parent / "shared" / "data" / "ferplus_train.npz"


def parse(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--data", type=Path, default=DEFAULT_DATA)
    p.add_argument("--out", type=Path, required=True)
    p.add_argument("--epochs", type=int, default=30)
    p.add_argument("--batch", type=int, default=128)
    p.add_argument("--lr", type=float, default=3e-3)
    p.add_argument("--weight-decay", type=float, default=0.05)
    p.add_argument("--original-weight", type=float, default=0.3, help="share of the original FER2013 label in targets")
    p.add_argument("--val-share", type=float, default=0.1)
    p.add_argument("--widths", default="24,48,96,192")
    p.add_argument("--ema", type=float, default=0.998)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--limit", type=int, default=0, help="use only the first N training faces (smoke tests)")
    p.add_argument("--max-minutes", type=float, default=0, help="stop (resumably) after this long")
    p.add_argument(
        "--init",
        type=Path,
        default=None,
        help="start from these safetensors weights (e.g. models/expression_resnet.safetensors); narrower "
        "weights than --widths are widened first, computing the same function (training/widen.py)",
    )
    p.add_argument(
        "--class-power",
        type=float,
        default=0.0,
        help="weight each class's loss by (its share of the targets / mean share) ** -power; 0 = unweighted",
    )
    p.add_argument(
        "--teacher",
        type=Path,
        action="append",
        default=[],
        help="distil from these safetensors weights (repeatable: their mirror-averaged probabilities, averaged)",
    )
    p.add_argument("--teacher-weight", type=float, default=0.5, help="share of the teachers' probabilities in targets")
    p.add_argument(
        "--bf16",
        action="store_true",
        help="run the training passes in bfloat16 with channels-last tensors (about 2x faster on CPUs with "
        "AVX-512 BF16; weights, EMA and validation stay float32)",
    )
    p.add_argument(
        "--finish-now",
        action="store_true",
        help="write the weights, metrics and card from the last checkpoint without training further",
    )
    return p.parse_args(argv)


def class_weights(targets: np.ndarray, power: float) -> torch.Tensor:
    """Per-class loss weights: rarer classes count more when ``power`` > 0 (1 for every class at 0)."""
    share = targets.sum(axis=0) / targets.sum()
    relative = share / share[share > 0].mean()
    weights = np.where(share > 0, np.power(np.maximum(relative, 1e-12), -power), 1.0)  # an absent class: no weight
    return torch.from_numpy(weights).float()


def predict(model: torch.nn.Module, images: torch.Tensor, size: int, flip: bool = True) -> np.ndarray:
    """Softmax probabilities; with ``flip``, of the logits averaged with the mirrored face's."""
    model.eval()
    model.mirror = flip  # type: ignore[assignment]  # ExpressionResNet.mirror: the app's reading
    out = []
    with torch.inference_mode():
        for i in range(0, len(images), 512):
            x = to_model(images[i : i + 512], size)
            out.append(torch.softmax(model(x)[1], dim=1))
    return torch.cat(out).numpy()


def teacher_probabilities(paths: list[Path], images: torch.Tensor, cache: Path) -> torch.Tensor:
    """The teachers' mean mirror-averaged probabilities on the (unaugmented) training faces, kept in ``cache``.

    Kept with the SHA-256s of the teacher files and of the faces, and used again only for the same ones.
    """
    import hashlib

    made_from = {"teachers": [hashlib.sha256(p.read_bytes()).hexdigest() for p in paths],
                 "faces": hashlib.sha256(images.numpy().tobytes()).hexdigest()}  # fmt: skip
    recorded = cache.with_suffix(".json")
    if cache.is_file() and recorded.is_file() and json.loads(recorded.read_text()) == made_from:
        return torch.from_numpy(np.load(cache))
    from lepton_desktop.vision.weights import load_emotion_model

    print(f"teachers' probabilities on {len(images)} faces (once; kept in {cache.name})", file=sys.stderr, flush=True)
    probs = np.mean([predict(load_emotion_model(p).cnn, images, ExpressionResNet.INPUT) for p in paths], axis=0)
    np.save(cache, probs.astype(np.float32))
    recorded.write_text(json.dumps(made_from))  # other teachers or faces: computed again
    return torch.from_numpy(probs.astype(np.float32))


def scores(probs: np.ndarray, majority: np.ndarray, original: np.ndarray) -> dict[str, object]:
    ev = evaluate(majority, probs.argmax(1))
    return {
        "ferplus_majority": ev.to_json(),
        "fer2013_original_accuracy": float((probs.argmax(1) == original).mean()),
    }


def main(argv: list[str] | None = None) -> int:
    args = parse(argv)
    torch.set_num_threads(args.threads)
    args.out.mkdir(parents=True, exist_ok=True)
    faces, counts = load_faces(args.data, args.original_weight)
    train_idx, val_idx = split(faces, args.val_share, args.seed)
    if args.limit:
        train_idx = train_idx[: args.limit]
        val_idx = val_idx[: max(args.limit // 4, 64)]
    train, val = faces.subset(train_idx), faces.subset(val_idx)
    x_train = torch.from_numpy(train.images)
    y_train = torch.from_numpy(train.targets)
    x_val = torch.from_numpy(val.images)
    if args.teacher:
        taught = teacher_probabilities(args.teacher, x_train, args.out / "teacher.npy")
        y_train = (1 - args.teacher_weight) * y_train + args.teacher_weight * taught

    torch.manual_seed(args.seed)
    widths = tuple(int(w) for w in args.widths.split(","))
    model = ExpressionResNet(widths=widths)
    if args.init is not None:
        from safetensors.torch import load_file

        initial = load_file(str(args.init))
        if initial["stem.0.weight"].shape[0] != widths[0]:
            from training.widen import widen

            initial = widen(initial, widths, seed=args.seed)
        model.load_state_dict(initial)
    class_weight = class_weights(train.targets, args.class_power)
    if args.bf16:
        model = model.to(memory_format=torch.channels_last)  # type: ignore[call-overload]
    ema = ExpressionResNet(widths=widths)
    ema.load_state_dict(model.state_dict())
    ema.requires_grad_(False)
    size = ExpressionResNet.INPUT
    steps_per_epoch = len(train) // args.batch
    optimiser = torch.optim.AdamW(model.parameters(), lr=args.lr, weight_decay=args.weight_decay)
    schedule = torch.optim.lr_scheduler.OneCycleLR(
        optimiser, max_lr=args.lr, total_steps=args.epochs * steps_per_epoch, pct_start=0.15
    )
    generator = torch.Generator().manual_seed(args.seed)
    start_epoch, elapsed = 0, 0.0
    changes: list[dict[str, int]] = []
    ckpt_path = args.out / "checkpoint.pt"
    if ckpt_path.is_file():
        ckpt = torch.load(ckpt_path, weights_only=True)
        model.load_state_dict(ckpt["model"])
        ema.load_state_dict(ckpt["ema"])
        optimiser.load_state_dict(ckpt["optimiser"])
        schedule.load_state_dict(ckpt["schedule"])
        generator.set_state(ckpt["generator"])
        if "torch_rng" in ckpt:  # dropout draws from the global generator
            torch.set_rng_state(ckpt["torch_rng"])
        start_epoch, elapsed = int(ckpt["epoch"]), float(ckpt["elapsed"])
        changes = list(ckpt.get("schedule_changes", []))
        print(f"resuming after epoch {start_epoch} ({elapsed / 60:.1f} min so far)", file=sys.stderr)
        if schedule.total_steps != args.epochs * steps_per_epoch:  # a new length: the rest of the cycle is rescaled
            planned = schedule.total_steps // steps_per_epoch
            schedule = torch.optim.lr_scheduler.OneCycleLR(
                optimiser, max_lr=args.lr, total_steps=args.epochs * steps_per_epoch, pct_start=0.15,
                last_epoch=schedule.last_epoch - 1,
            )  # fmt: skip
            changes.append({"after_epoch": start_epoch, "from_epochs": planned, "to_epochs": args.epochs})
            print(f"schedule changed from {planned} to {args.epochs} epochs", file=sys.stderr)
    print(json.dumps({"data": counts, "train": len(train), "val": len(val), "widths": widths,
                      "params": sum(p.numel() for p in model.parameters())}), file=sys.stderr)  # fmt: skip

    session_start = time.monotonic()
    epochs_done = start_epoch
    for epoch in range(start_epoch, 0 if args.finish_now else args.epochs):
        model.train()
        t0 = time.monotonic()
        order = torch.randperm(len(train), generator=generator)
        total_loss = 0.0
        for step in range(steps_per_epoch):
            idx = order[step * args.batch : (step + 1) * args.batch]
            x = augment(x_train[idx], size, generator)
            if args.bf16:
                x = x.contiguous(memory_format=torch.channels_last)
            with torch.autocast("cpu", dtype=torch.bfloat16, enabled=args.bf16):
                logits = model(x)[1].float()
            weighted = y_train[idx] * class_weight
            loss = -(weighted * F.log_softmax(logits, dim=1)).sum(dim=1).sum() / weighted.sum()
            optimiser.zero_grad(set_to_none=True)
            loss.backward()
            optimiser.step()
            schedule.step()
            with torch.no_grad():
                decay = min(args.ema, (1 + step + epoch * steps_per_epoch) / (10 + step + epoch * steps_per_epoch))
                for e, m in zip(ema.state_dict().values(), model.state_dict().values(), strict=True):
                    if e.dtype.is_floating_point:
                        e.mul_(decay).add_(m.detach(), alpha=1 - decay)
                    else:
                        e.copy_(m)
            total_loss += float(loss.detach())
            done = (step + 1) / steps_per_epoch
            rate = (step + 1) / (time.monotonic() - t0)
            bar = f"[{'#' * int(done * 30):<30}] {done:4.0%} loss {total_loss / (step + 1):.3f} {rate:.1f} it/s"
            print(f"\repoch {epoch + 1}/{args.epochs} {bar}", end="", file=sys.stderr, flush=True)
        epoch_time = time.monotonic() - t0
        elapsed += epoch_time
        val_scores = scores(predict(ema, x_val, size), val.majority, val.original)
        line = {"epoch": epoch + 1, "loss": total_loss / steps_per_epoch, "seconds": round(epoch_time, 1),
                "lr": schedule.get_last_lr()[0], "val_acc": val_scores["ferplus_majority"]["accuracy"],  # type: ignore[index]
                "val_macro_f1": val_scores["ferplus_majority"]["macro_f1"],  # type: ignore[index]
                "val_original_acc": val_scores["fer2013_original_accuracy"]}  # fmt: skip
        print("\r" + json.dumps(line), file=sys.stderr, flush=True)
        with (args.out / "log.jsonl").open("a") as log:
            log.write(json.dumps(line) + "\n")
        tmp = ckpt_path.with_suffix(".part")
        torch.save({"model": model.state_dict(), "ema": ema.state_dict(), "optimiser": optimiser.state_dict(),
                    "schedule": schedule.state_dict(), "generator": generator.get_state(),
                    "torch_rng": torch.get_rng_state(), "schedule_changes": changes,
                    "epoch": epoch + 1, "elapsed": elapsed}, tmp)  # fmt: skip
        tmp.replace(ckpt_path)
        epochs_done = epoch + 1
        if args.max_minutes and (time.monotonic() - session_start) / 60 > args.max_minutes and epoch + 1 < args.epochs:
            print(f"stopping after {args.max_minutes} min; run the same command to go on", file=sys.stderr)
            return 0

    finish(args, ema, val, counts, elapsed, widths, epochs_done, changes, class_weight)
    return 0


def _plain(value: object) -> object:
    """A setting as JSON holds it (paths as text)."""
    if isinstance(value, Path):
        return str(value)
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def finish(args: argparse.Namespace, ema: torch.nn.Module, val: object, counts: dict[str, int],
           elapsed: float, widths: tuple[int, ...], epochs_done: int,
           changes: list[dict[str, int]], class_weight: torch.Tensor) -> None:  # fmt: skip
    from safetensors.torch import save_file

    x_val = torch.from_numpy(val.images)  # type: ignore[attr-defined]
    result = {
        "flip_tta": scores(predict(ema, x_val, ExpressionResNet.INPUT), val.majority, val.original),  # type: ignore[attr-defined]
        "no_tta": scores(predict(ema, x_val, ExpressionResNet.INPUT, flip=False), val.majority, val.original),  # type: ignore[attr-defined]
        "data": counts,
        "val_faces": len(val),  # type: ignore[arg-type]
        "train_minutes": round(elapsed / 60, 1),
        "epochs_done": epochs_done,
        "schedule_changes": changes,
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, torch {torch.__version__}, {args.threads} threads",
        "command": "python models/train_expression.py " + " ".join(sys.argv[1:]),
        "settings": {k: _plain(v) for k, v in vars(args).items()},
        "class_weights": {c: round(w, 3) for c, w in zip(CLASSES, class_weight.tolist(), strict=True)},
    }
    tensors = {k: v.detach().contiguous() for k, v in ema.state_dict().items()}
    save_file(tensors, str(args.out / "expression_resnet.safetensors"),
              metadata={"format": "lepton-resnet-v1", "arch": ExpressionResNet.ARCH,
                        "widths": ",".join(map(str, widths)), "classes": ",".join(CLASSES),
                        "mirror": "1"})  # fmt: skip
    (args.out / "metrics.json").write_text(json.dumps(result, indent=2))
    from training.card import render

    (args.out / "card.md").write_text(render(result))
    print(json.dumps({k: result[k] for k in ("train_minutes", "flip_tta")}, indent=2))


if __name__ == "__main__":
    raise SystemExit(main())
