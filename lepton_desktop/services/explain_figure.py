"""Pictures of an explanation: the heat-map overlay (the app, the figure) and the PNG ``lepton explain`` writes."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import numpy.typing as npt

from lepton_desktop.core.emotions import EMOTIONS
from lepton_desktop.core.errors import LeptonError
from lepton_desktop.services.explain import Explanation

HEAT_ALPHA = 0.55
"""How strongly the heat map covers the face where it is hottest."""


def heat_overlay(image: npt.NDArray[np.uint8], heat: npt.NDArray[np.floating], size: int) -> npt.NDArray[np.uint8]:
    """``image`` (gray or RGB) at ``size`` px with the 0..1 ``heat`` map blended on in the *inferno* colours."""
    from matplotlib import colormaps

    rgb = image if image.ndim == 3 else np.repeat(image[..., None], 3, axis=2)
    base = cv2.resize(rgb, (size, size), interpolation=cv2.INTER_LINEAR).astype(np.float32)
    h = cv2.resize(np.asarray(heat, np.float32), (size, size), interpolation=cv2.INTER_LINEAR)
    colour = colormaps["inferno"](np.clip(h, 0, 1))[..., :3].astype(np.float32) * 255
    alpha = (HEAT_ALPHA * np.clip(h, 0, 1))[..., None]
    out: npt.NDArray[np.uint8] = np.clip(base * (1 - alpha) + colour * alpha, 0, 255).astype(np.uint8)
    return out


def write_figure(expl: Explanation, path: Path) -> Path:
    """Write the explanation as a PNG: the face, the heat map, final vs CNN-only, and the facial actions."""
    from matplotlib.figure import Figure  # no pyplot: no GUI backend is chosen

    if path.suffix.lower() != ".png":
        raise LeptonError(f"{path}: write the explanation as a .png file.")
    if not path.parent.is_dir():
        raise LeptonError(f"{path}: the folder {path.parent} does not exist.")
    fig = Figure(figsize=(11, 3.6), dpi=110)
    grid = fig.add_gridspec(1, 4, width_ratios=[1, 1, 1.5, 1.3], wspace=0.35)
    ax = fig.add_subplot(grid[0])
    ax.imshow(expl.face, cmap="gray", vmin=0, vmax=255)
    ax.set_title("what the model saw", fontsize=9)
    ax.axis("off")
    ax = fig.add_subplot(grid[1])
    ax.imshow(heat_overlay(expl.face_color, expl.heat, 192))
    ax.set_title(f"Grad-CAM for {expl.label}", fontsize=9)
    ax.axis("off")
    ax = fig.add_subplot(grid[2])
    y = np.arange(len(EMOTIONS))
    ax.barh(y + 0.2, expl.final, height=0.4, color="#4c9be8", label="final (CNN + LSTM)")
    ax.barh(y - 0.2, expl.cnn, height=0.4, color="#b0b0b0", label="CNN only")
    ax.set_yticks(y, EMOTIONS, fontsize=8)
    ax.invert_yaxis()
    ax.set_xlim(0, 1)
    ax.tick_params(axis="x", labelsize=8)
    ax.legend(fontsize=7, loc="lower right")
    top = ", ".join(f"{e} {p:.2f}" for e, p in expl.top(3))
    ax.set_title(top, fontsize=9)
    ax = fig.add_subplot(grid[3])
    ax.axis("off")
    lines = [f"{expl.name}, frame {expl.frame}", f"valence {expl.valence:+.2f}"]
    if expl.arousal is not None and not np.isnan(expl.arousal):
        lines.append(f"arousal {expl.arousal:.2f}")
    lines.append(expl.lstm_words())
    actions = expl.active_actions(5)
    lines.append("")
    lines.append("most active facial actions:" if actions else "facial actions: not available")
    lines += [f"  {name}  {value:.2f}" for name, value in actions]
    ax.text(0, 1, "\n".join(lines), va="top", fontsize=9, family="monospace", transform=ax.transAxes)
    tmp = path.with_name(f".{path.name}.part.png")
    try:
        fig.savefig(tmp, bbox_inches="tight")
        tmp.replace(path)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise LeptonError(f"{path} could not be written ({exc.strerror or exc}).") from None
    return path
