"""Fine-tuning the CNN-LSTM on labelled sequences: a generator of epoch reports, like every long job.

The temporal head always trains; with ``train_cnn`` (the default when the
dataset has crops) the last residual block and the classifier of the CNN train
too, with a smaller learning rate. Batch-norm statistics stay frozen: batches
of one person's frames are too alike to renew them. The loss is cross-entropy weighted by inverse class frequency, so a
dataset that is mostly "neutral" still teaches the rare labels. Early stopping
keeps the weights of the best validation macro-F1. With the same seed, data and
thread count the result is the same, bit for bit, on CPU.
"""

from __future__ import annotations

import copy
import time
from collections.abc import Callable, Generator
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import torch
import torch.nn.functional as F

from lepton_desktop.core.emotions import EMOTIONS
from lepton_desktop.core.metrics import Evaluation, evaluate
from lepton_desktop.vision.align import MODEL_INPUT, model_input
from lepton_desktop.vision.model import EmotionModel


@dataclass(frozen=True)
class TrainSettings:
    """Knobs of one fine-tuning run (stored with the model version)."""

    epochs: int = 20
    batch: int = 8
    """Sequences per optimisation step."""
    lr_head: float = 3e-3
    lr_cnn: float = 3e-4
    train_cnn: bool = True
    """Also train the CNN's last residual block and classifier (needs crops; features-only data trains the head)."""
    patience: int = 5
    """Stop after this many epochs without a better validation macro-F1."""
    augment: bool = True
    weight_decay: float = 1e-4
    seed: int = 0


@dataclass(frozen=True)
class Sequence:
    """One window of consecutive frames of one track: crops, or precomputed CNN outputs."""

    labels: npt.NDArray[np.int8]
    crops: npt.NDArray[np.uint8] | None = None
    """(T, 64, 64) gray."""
    embeddings: npt.NDArray[np.float32] | None = None
    logits: npt.NDArray[np.float32] | None = None


@dataclass(frozen=True)
class EpochReport:
    """Progress of fine-tuning, after each epoch."""

    epoch: int
    epochs: int
    train_loss: float
    train_accuracy: float
    val_loss: float
    val_accuracy: float
    val_macro_f1: float
    best: bool
    seconds: float


@dataclass(frozen=True)
class TrainResult:
    """The best model (by validation macro-F1) and how training ended."""

    model: EmotionModel
    best_epoch: int
    epochs_run: int
    state: str
    """``done``, ``early_stopped`` or ``cancelled``."""


def class_weights(sequences: list[Sequence]) -> torch.Tensor:
    """Inverse-frequency weights over the classes present (absent classes weigh 0), mean 1 per frame."""
    counts = np.zeros(len(EMOTIONS), np.float64)
    for s in sequences:
        valid = s.labels[s.labels >= 0]
        counts += np.bincount(valid.astype(np.int64), minlength=len(EMOTIONS))
    present = counts > 0
    weights = np.zeros_like(counts)
    weights[present] = counts[present].sum() / (present.sum() * counts[present])
    return torch.tensor(weights, dtype=torch.float32)


def _augment(x: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
    """Per sequence (B, T, 1, H, W) in [-1, 1]: mirror, contrast/brightness, a shift of up to 3 px."""
    b = x.shape[0]
    flip = torch.rand(b, generator=generator) < 0.5
    x = torch.where(flip[:, None, None, None, None], x.flip(-1), x)
    contrast = 0.8 + 0.4 * torch.rand(b, 1, 1, 1, 1, generator=generator)
    brightness = 0.16 * (torch.rand(b, 1, 1, 1, 1, generator=generator) - 0.5)
    x = (x * contrast + brightness).clamp(-1.0, 1.0)
    shifts = torch.randint(-3, 4, (b, 2), generator=generator)
    out = torch.empty_like(x)
    h, w = x.shape[-2:]
    padded = F.pad(x.flatten(0, 1), (3, 3, 3, 3), mode="replicate").reshape(*x.shape[:3], h + 6, w + 6)
    for i in range(b):
        dy, dx = (int(v) + 3 for v in shifts[i])
        out[i] = padded[i, :, :, dy : dy + h, dx : dx + w]
    return out


def _trainable(model: EmotionModel, settings: TrainSettings) -> list[dict[str, object]]:
    for p in model.parameters():
        p.requires_grad_(False)
    head = list(model.temporal.parameters())
    for p in head:
        p.requires_grad_(True)
    groups: list[dict[str, object]] = [{"params": head, "lr": settings.lr_head}]
    if settings.train_cnn:
        last = f"blocks.{len(model.cnn.blocks) - 1}."
        cnn = [p for name, p in model.cnn.named_parameters()
               if name.startswith((last, "embed.", "classifier.")) and "bn" not in name]  # fmt: skip
        for p in cnn:
            p.requires_grad_(True)
        groups.append({"params": cnn, "lr": settings.lr_cnn})
    return groups


class _Batches:
    """Pads sequences of a batch to one length; labels of padding are -1 (ignored)."""

    def __init__(self, sequences: list[Sequence], device: torch.device) -> None:
        self.sequences = sequences
        self.device = device

    def tensors(
        self, idx: list[int]
    ) -> tuple[torch.Tensor | None, torch.Tensor | None, torch.Tensor | None, torch.Tensor]:
        seqs = [self.sequences[i] for i in idx]
        t = max(len(s.labels) for s in seqs)
        labels = torch.full((len(seqs), t), -1, dtype=torch.long)
        for i, s in enumerate(seqs):
            labels[i, : len(s.labels)] = torch.from_numpy(s.labels.astype(np.int64))
        crops = emb = logits = None
        if seqs[0].crops is not None:
            arr = np.zeros((len(seqs), t, 1, MODEL_INPUT, MODEL_INPUT), np.float32)
            for i, s in enumerate(seqs):
                assert s.crops is not None
                arr[i, : len(s.labels)] = model_input(s.crops)
            crops = torch.from_numpy(arr).to(self.device)
        else:
            e = np.zeros((len(seqs), t, seqs[0].embeddings.shape[1]), np.float32)  # type: ignore[union-attr]
            lg = np.zeros((len(seqs), t, len(EMOTIONS)), np.float32)
            for i, s in enumerate(seqs):
                e[i, : len(s.labels)] = s.embeddings
                lg[i, : len(s.labels)] = s.logits
            emb, logits = torch.from_numpy(e).to(self.device), torch.from_numpy(lg).to(self.device)
        return crops, emb, logits, labels.to(self.device)


def _forward(
    model: EmotionModel,
    crops: torch.Tensor | None,
    emb: torch.Tensor | None,
    logits: torch.Tensor | None,
    grad_cnn: bool,
) -> torch.Tensor:
    """(B, T, ...) -> final logits (B, T, 7)."""
    if crops is not None:
        b, t = crops.shape[:2]
        with torch.set_grad_enabled(grad_cnn and torch.is_grad_enabled()):
            e, lg = model.cnn(crops.flatten(0, 1))
        emb, logits = e.unflatten(0, (b, t)), lg.unflatten(0, (b, t))
    assert emb is not None and logits is not None
    residual, _ = model.temporal(emb.float(), logits.float())
    out: torch.Tensor = logits.float() + residual
    return out


@torch.no_grad()
def predict(
    model: EmotionModel, sequences: list[Sequence], device: torch.device, batch: int = 16
) -> list[npt.NDArray[np.float32]]:
    """Per sequence, the model's probabilities (T, 7), each sequence from a fresh LSTM state."""
    model.eval()
    loader = _Batches(sequences, device)
    out: list[npt.NDArray[np.float32]] = []
    for lo in range(0, len(sequences), batch):
        idx = list(range(lo, min(lo + batch, len(sequences))))
        crops, emb, logits, _ = loader.tensors(idx)
        probs = torch.softmax(_forward(model, crops, emb, logits, False), dim=-1).cpu().numpy()
        out.extend(probs[j, : len(sequences[i].labels)] for j, i in enumerate(idx))
    return out


def evaluate_model(model: EmotionModel, sequences: list[Sequence], device: torch.device) -> Evaluation:
    """Frame-level metrics of the model on labelled sequences."""
    if not sequences:
        return evaluate(np.zeros(0, np.int64), np.zeros(0, np.int64))
    return _validate(model, sequences, device)[0]


def fine_tune(
    model: EmotionModel,
    train: list[Sequence],
    val: list[Sequence],
    settings: TrainSettings,
    device: torch.device,
    should_stop: Callable[[], bool] = lambda: False,
) -> Generator[EpochReport, None, TrainResult]:
    """Train a copy of ``model``; yields an :class:`EpochReport` per epoch, returns the best weights."""
    if not train:
        raise ValueError("no training sequences")
    if settings.train_cnn and train[0].crops is None:
        raise ValueError("training the CNN needs face crops; this dataset has features only")
    torch.manual_seed(settings.seed)
    generator = torch.Generator().manual_seed(settings.seed)
    rng = np.random.default_rng(settings.seed)
    model = copy.deepcopy(model).to(device)
    optimiser = torch.optim.AdamW(_trainable(model, settings), weight_decay=settings.weight_decay)
    weights = class_weights(train).to(device)
    use_amp = device.type == "cuda"
    scaler = torch.amp.GradScaler("cuda", enabled=use_amp)
    loader = _Batches(train, device)
    best_f1, best_epoch, best_state = -1.0, 0, copy.deepcopy(model.state_dict())
    state, epochs_run, stale = "done", 0, 0
    for epoch in range(1, settings.epochs + 1):
        if should_stop():
            state = "cancelled"
            break
        started = time.perf_counter()
        model.eval()  # dropout-free model; batch-norm statistics stay as trained
        model.temporal.train()
        total_loss, correct, counted = 0.0, 0, 0
        order = rng.permutation(len(train)).tolist()
        for lo in range(0, len(order), settings.batch):
            if should_stop():
                break
            crops, emb, logits, labels = loader.tensors(order[lo : lo + settings.batch])
            if crops is not None and settings.augment:
                crops = _augment(crops.cpu(), generator).to(device)
            with torch.autocast(device.type, dtype=torch.float16, enabled=use_amp):
                out = _forward(model, crops, emb, logits, settings.train_cnn)
            loss = F.cross_entropy(out.float().flatten(0, 1), labels.flatten(), weight=weights, ignore_index=-1)
            optimiser.zero_grad(set_to_none=True)
            scaler.scale(loss).backward()  # type: ignore[no-untyped-call]
            scaler.step(optimiser)
            scaler.update()
            mask = labels >= 0
            total_loss += float(loss.detach()) * int(mask.sum())
            correct += int((out.argmax(-1)[mask] == labels[mask]).sum())
            counted += int(mask.sum())
        if should_stop():
            state = "cancelled"
            break
        epochs_run = epoch
        val_eval, val_loss = _validate(model, val or train, device)
        better = val_eval.macro_f1 > best_f1 + 1e-6
        if better:
            best_f1, best_epoch, best_state, stale = val_eval.macro_f1, epoch, copy.deepcopy(model.state_dict()), 0
        else:
            stale += 1
        yield EpochReport(
            epoch, settings.epochs, total_loss / max(counted, 1), correct / max(counted, 1),
            val_loss, val_eval.accuracy, val_eval.macro_f1, better, time.perf_counter() - started,
        )  # fmt: skip
        if stale >= settings.patience:
            state = "early_stopped"
            break
    model.load_state_dict(best_state)
    for p in model.parameters():
        p.requires_grad_(False)
    return TrainResult(model.eval(), best_epoch, epochs_run, state)


def _validate(model: EmotionModel, sequences: list[Sequence], device: torch.device) -> tuple[Evaluation, float]:
    """Metrics and mean cross-entropy over the labelled frames of ``sequences``."""
    truth = np.concatenate([s.labels for s in sequences]).astype(np.int64)
    probs = np.concatenate(predict(model, sequences, device))
    keep = truth >= 0
    loss = float(-np.log(np.clip(probs[keep, truth[keep]], 1e-12, None)).mean()) if keep.any() else 0.0
    return evaluate(truth, probs.argmax(1)), loss
