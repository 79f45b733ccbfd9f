"""Classification metrics over per-frame labels (numpy only): what fine-tuning is judged by."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from lepton_desktop.core.emotions import EMOTIONS


@dataclass(frozen=True)
class Evaluation:
    """Accuracy, macro-F1 over the classes present in the truth, per-class recall, confusion (rows = truth)."""

    frames: int
    accuracy: float
    macro_f1: float
    per_class_recall: dict[str, float | None]
    """None for a class the truth never has."""
    confusion: list[list[int]]

    def to_json(self) -> dict[str, Any]:
        """The JSON form the CLI prints and the project stores."""
        return {
            "frames": self.frames,
            "accuracy": round(self.accuracy, 6),
            "macro_f1": round(self.macro_f1, 6),
            "per_class_recall": {k: None if v is None else round(v, 6) for k, v in self.per_class_recall.items()},
            "confusion": self.confusion,
            "labels": list(EMOTIONS),
        }


def evaluate(truth: npt.NDArray[np.integer], predicted: npt.NDArray[np.integer]) -> Evaluation:
    """Compare per-frame labels (EMOTIONS indexes; negative truth = not labelled, ignored)."""
    keep = truth >= 0
    t, p = truth[keep].astype(np.int64), predicted[keep].astype(np.int64)
    k = len(EMOTIONS)
    confusion = np.zeros((k, k), np.int64)
    np.add.at(confusion, (t, p), 1)
    n = int(keep.sum())
    recall: dict[str, float | None] = {}
    f1s = []
    for i, name in enumerate(EMOTIONS):
        support = int(confusion[i].sum())
        if support == 0:
            recall[name] = None
            continue
        tp = int(confusion[i, i])
        predicted_i = int(confusion[:, i].sum())
        r = tp / support
        prec = tp / predicted_i if predicted_i else 0.0
        recall[name] = r
        f1s.append(0.0 if tp == 0 else 2 * prec * r / (prec + r))
    accuracy = float(np.trace(confusion)) / n if n else 0.0
    macro = float(np.mean(f1s)) if f1s else 0.0
    return Evaluation(n, accuracy, macro, recall, confusion.tolist())
