"""The model card of a training run, written from its settings and measured metrics."""

from __future__ import annotations

from typing import Any

from training.data import CLASSES


def _table(ev: dict[str, Any]) -> str:
    head = "| FER+ majority \\ model | " + " | ".join(CLASSES) + " |\n|---|" + "---|" * len(CLASSES) + "\n"
    rows = "".join(
        f"| {c} | " + " | ".join(str(v) for v in row) + " |\n" for c, row in zip(CLASSES, ev["confusion"], strict=True)
    )
    return head + rows


def render(result: dict[str, Any]) -> str:
    """Markdown for ``card.md``: what was trained, on what, how, and how well."""
    s = result["settings"]
    tta = result["flip_tta"]["ferplus_majority"]
    plain = result["no_tta"]["ferplus_majority"]
    recall = ", ".join(f"{c} {tta['per_class_recall'][c] or 0:.2f}" for c in CLASSES)
    orig_tta = result["flip_tta"]["fer2013_original_accuracy"]
    orig_plain = result["no_tta"]["fer2013_original_accuracy"]
    changed = "".join(
        f"\n- The run was planned for {c['from_epochs']} epochs and shortened to {c['to_epochs']} after epoch "
        f"{c['after_epoch']} (`--epochs {c['to_epochs']}` on resume): the rest of the one-cycle schedule was "
        "rescaled to the new length."
        for c in result.get("schedule_changes", [])
    )
    start = (
        f"\n- Started from `{s['init']}` (the weights of an earlier run of this script; its card says how they were"
        " made), not from random weights."
        if s.get("init")
        else ""
    )
    weights = result.get("class_weights") or {}
    balance = (
        f"\n- Class weights (share of the targets ** -{s['class_power']}): "
        + ", ".join(f"{c} {w:.2f}" for c, w in weights.items())
        + "; rarer expressions count more in the loss."
        if s.get("class_power")
        else ""
    )
    taught = (
        f"\n- Distilled: {s['teacher_weight']} of each target is the mean mirror-averaged probabilities of "
        + ", ".join(f"`{t}`" for t in s["teacher"])
        + " on the unaugmented training face (computed once, `teacher.npy` in the run folder)."
        if s.get("teacher")
        else ""
    )
    bf16 = "; training passes in bfloat16, channels-last (weights and EMA float32)" if s.get("bf16") else ""
    return f"""# Training run: ExpressionResNet ({s["widths"]}) on FER2013 faces with FER+ votes

- Command: `{result["command"]}`
- Machine: {result["machine"]}; training time {result["train_minutes"]} min (wall clock, all sessions)
- Data: {result["data"]["faces"]} faces in `ferplus_train.npz`; {result["data"]["kept"]} kept,
  {result["data"]["left_out"]} left out because half or more of their 10 votes were contempt, unknown or
  not-a-face. Votes for those three are dropped from every face's distribution.
- Target: the FER+ vote distribution over the seven classes, blended with the original FER2013 label
  (weight {s["original_weight"]}); soft-label cross-entropy.
- Validation: {result["val_faces"]} faces ({s["val_share"]:.0%}, stratified by FER+ majority, seed {s["seed"]});
  never trained on.
- Optimiser: AdamW (lr {s["lr"]}, weight decay {s["weight_decay"]}), one-cycle schedule, batch {s["batch"]},
  {s["epochs"]} epochs planned, {result.get("epochs_done", s["epochs"])} run, weight EMA {s["ema"]}{bf16};
  augmentation: flip, rotation +-15 deg, scale 0.85-1.15, shift +-8%, contrast/brightness, blur (25%),
  one erased rectangle (50%).{changed}{start}{balance}{taught}

## Validation (EMA weights)

| | accuracy (FER+ majority) | macro-F1 | accuracy (original FER2013 labels) |
|---|---|---|---|
| mirror averaging (as the app runs it) | {tta["accuracy"]:.3f} | {tta["macro_f1"]:.3f} | {orig_tta:.3f} |
| single pass | {plain["accuracy"]:.3f} | {plain["macro_f1"]:.3f} | {orig_plain:.3f} |

Per-class recall (mirror averaging): {recall}.

{_table(tta)}
"""
