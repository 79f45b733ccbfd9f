"""The dataset card (README.md) written with every export."""

from __future__ import annotations

import json
from typing import Any

from lepton_desktop.core.emotions import EMOTIONS


def dataset_card(summary: dict[str, Any]) -> str:
    """The README.md of an exported dataset (Hugging Face card front matter, counts, provenance, settings)."""
    s = summary["splits"]
    rows = "\n".join(f"| {e} | {s['train']['labels'][e]} | {s['val']['labels'][e]} |" for e in EMOTIONS)
    videos = "\n".join(f"| {v} | {n} |" for v, n in sorted(summary["per_video"].items()))
    people = "\n".join(f"| {a} | {n} |" for a, n in sorted(summary["per_annotator"].items()))
    models = "\n".join(f"- {m['name']} (id {m['id']}, weights sha256 {m['weights_sha256'][:16]}…)"
                       for m in summary["model_versions"]) or "- (unknown)"  # fmt: skip
    kind = "CNN embeddings and logits (no face pixels)" if summary["features_of"] else "face crops"
    return f"""---
task_categories:
- image-classification
pretty_name: Lepton facial-expression corrections
---

# Facial-expression dataset exported by Lepton Desktop {summary["lepton_version"]}

Human-corrected emotion labels over face tracks, as {kind}. Splits are by video
(no video has frames in both). Load the crops with Hugging Face `datasets`:
`load_dataset("imagefolder", data_dir="<this folder>")`.

Fingerprint: `{summary["fingerprint"]}`

## Counts per label (crops: every {summary["settings"]["stride"]}th labelled frame)

| label | train | val |
|---|---|---|
{rows}

Sequences (consecutive frames, for temporal training): train {s["train"]["sequences"]}
({s["train"]["sequence_frames"]} frames), val {s["val"]["sequences"]} ({s["val"]["sequence_frames"]} frames).

## Per video

| video | crops |
|---|---|
{videos}

## Per annotator

| annotator | crops |
|---|---|
{people}

Frames where annotators disagreed were left out: {summary["conflicting_frames_left_out"]}.
Crops aligned from boxes only (runs stored before landmarks were kept): {summary["aligned_from_boxes"]}.

## Tracks produced by

{models}

## Export settings

```json
{json.dumps(summary["settings"], indent=2)}
```

## Files

- `train/<label>/*.png`, `val/<label>/*.png`: colour crops, {summary["settings"]["color_size"]} px,
  aligned on the eye line.
- `metadata.jsonl` (all), `train/metadata.jsonl`, `val/metadata.jsonl`: one line per crop.
- `model_input/<split>.npz`: the same crops as the model sees them (gray, 64x64).
- `sequences/<split>/*.npz`: `crops` (T, 64, 64) or `embeddings`/`logits`, `labels` (T,), `frames` (T,).
"""
