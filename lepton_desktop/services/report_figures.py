"""The report's figures, drawn by matplotlib's Agg renderer into PNG bytes (no pyplot, no Qt, no display).

Colours are the app's (:mod:`lepton_desktop.core.colors`), so a report reads like the timelines.
"""

from __future__ import annotations

import io
import os
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

from lepton_desktop.core.colors import EMOTION_COLORS
from lepton_desktop.core.emotions import EMOTIONS
from lepton_desktop.core.paths import user_cache_dir

if TYPE_CHECKING:
    from matplotlib.figure import Figure

DPI = 200
MAX_POINTS = 2400
"""Curves and bands longer than this are binned (a 2-hour video has 216,000 frames)."""
EMPTY = (0.95, 0.95, 0.95, 1.0)
"""Band colour where the person is not seen (model) or nobody labelled (human)."""
INK = "#2b2b2b"
GRID = "#d9d9d9"
SHARE_LEFT = 0.24
"""Where the share bars begin: the share table's first column is as wide (see report_blocks)."""


def use_our_folders() -> None:
    """Before matplotlib loads: its settings and font cache go to our cache folder, not ~/.config/matplotlib.

    The app writes only to its own folders (the installer's self-test checks it); a user's own
    ``MPLCONFIGDIR`` is respected.
    """
    os.environ.setdefault("MPLCONFIGDIR", str(user_cache_dir() / "matplotlib"))


def _figure(width: float, height: float) -> Figure:
    use_our_folders()
    from matplotlib.figure import Figure

    return Figure(figsize=(width, height), dpi=DPI)


def _rgba(emotion: str) -> tuple[float, float, float, float]:
    r, g, b = EMOTION_COLORS[emotion]
    return r / 255, g / 255, b / 255, 1.0


def clock(seconds: float) -> str:
    """``m:ss`` (``h:mm:ss`` from an hour)."""
    whole = max(0, round(seconds))
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


TICK_STEPS = (0.1, 0.2, 0.5, 1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200)
"""Time axis steps in seconds: the first that gives at most 10 ticks is used."""


def _time_axis(ax, end: float) -> None:  # type: ignore[no-untyped-def]
    from matplotlib.ticker import FuncFormatter, MultipleLocator

    step = next((s for s in TICK_STEPS if end / s <= 10), TICK_STEPS[-1])
    ax.xaxis.set_major_locator(MultipleLocator(step))
    if end < 60:
        digits = 1 if step < 1 else 0
        ax.xaxis.set_major_formatter(FuncFormatter(lambda x, _pos: f"{x:.{digits}f} s"))
    else:
        ax.xaxis.set_major_formatter(FuncFormatter(lambda x, _pos: clock(x)))


def _png(fig: Figure) -> bytes:
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    canvas = FigureCanvasAgg(fig)
    buffer = io.BytesIO()
    canvas.print_png(buffer)  # type: ignore[no-untyped-call]
    return buffer.getvalue()


def _binned(times: npt.NDArray[np.float64], probs: npt.NDArray[np.floating], labels: list[npt.NDArray[np.integer]]):  # type: ignore[no-untyped-def]
    """At most MAX_POINTS columns: mean probabilities per bin (NaN-aware), labels at bin centres."""
    n = times.size
    if n <= MAX_POINTS:
        return times, probs, labels
    edges = np.linspace(0, n, MAX_POINTS + 1).astype(np.int64)
    centres = (edges[:-1] + edges[1:]) // 2
    sums = np.add.reduceat(np.nan_to_num(probs, nan=0.0), edges[:-1], axis=0)
    seen = np.add.reduceat((~np.isnan(probs[:, :1])).astype(np.float64), edges[:-1], axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        means = np.where(seen > 0, sums / np.maximum(seen, 1), np.nan)
    return times[centres], means, [lab[centres] for lab in labels]


def _band(ax, times: npt.NDArray[np.float64], labels: npt.NDArray[np.integer], end: float, name: str) -> None:  # type: ignore[no-untyped-def]
    colours = np.array([_rgba(e) for e in EMOTIONS] + [EMPTY])
    image = colours[np.where(labels >= 0, labels, len(EMOTIONS))][None, :, :]
    ax.imshow(image, aspect="auto", extent=(float(times[0]) if times.size else 0.0, end, 0, 1), interpolation="nearest")
    ax.set_yticks([0.5], [name], fontsize=7.5, color=INK)
    ax.tick_params(axis="y", length=0)
    ax.set_ylim(0, 1)
    for spine in ax.spines.values():
        spine.set_color(GRID)


def timeline_png(
    times: npt.NDArray[np.float64],
    probs: npt.NDArray[np.floating],
    model: npt.NDArray[np.integer],
    human: npt.NDArray[np.integer],
    duration_s: float,
) -> bytes:
    """One person over the whole video: seven probability curves, the model's band, the human band.

    ``probs`` has a row per frame (NaN where the person is not seen); ``model`` and ``human`` a label
    index per frame (-1: none).
    """
    t, p, (m, h) = _binned(times, probs, [model, human])
    end = max(duration_s, float(t[-1]) if t.size else 0.0, 1e-3)
    fig = _figure(7.6, 2.75)
    from matplotlib import patheffects  # after _figure: matplotlib loads with our folders

    grid = fig.add_gridspec(
        3, 1, height_ratios=[6, 0.7, 0.7], hspace=0.12, left=0.085, right=0.985, top=0.86, bottom=0.13
    )
    curves = fig.add_subplot(grid[0])
    for i, emotion in enumerate(EMOTIONS):
        line = curves.plot(t, p[:, i], color=_rgba(emotion), lw=1.35, label=emotion, solid_joinstyle="round")[0]
        if _luminance(emotion) > 190:  # a pale colour (happy's yellow) gets a darker rim to show on white paper
            dark = tuple(0.62 * c for c in _rgba(emotion)[:3])
            line.set_path_effects([patheffects.Stroke(linewidth=2.3, foreground=dark), patheffects.Normal()])
    curves.set_xlim(0, end)
    curves.set_ylim(-0.02, 1.02)
    curves.set_yticks([0, 0.5, 1], ["0", "0.5", "1"], fontsize=7.5, color=INK)
    curves.set_ylabel("probability", fontsize=7.5, color=INK)
    curves.grid(axis="y", color=GRID, lw=0.6)
    curves.tick_params(axis="x", labelbottom=False, length=0)
    curves.tick_params(axis="y", length=0)
    for side in ("top", "right"):
        curves.spines[side].set_visible(False)
    for side in ("left", "bottom"):
        curves.spines[side].set_color(GRID)
    curves.legend(
        loc="lower left",
        bbox_to_anchor=(0, 1.01),
        ncol=len(EMOTIONS),
        frameon=False,
        fontsize=7.5,
        handlelength=1.4,
        columnspacing=1.2,
        borderaxespad=0,
    )
    band = fig.add_subplot(grid[1], sharex=curves)
    _band(band, t, m, end, "model")
    band.tick_params(axis="x", labelbottom=False, length=0)
    corrected = fig.add_subplot(grid[2], sharex=curves)
    _band(corrected, t, h, end, "human")
    _time_axis(corrected, end)
    corrected.tick_params(axis="x", labelsize=7.5, colors=INK, length=2)
    corrected.set_xlim(0, end)
    return _png(fig)


def _luminance(emotion: str) -> float:
    r, g, b = EMOTION_COLORS[emotion]
    return 0.299 * r + 0.587 * g + 0.114 * b


def _text_colour(emotion: str) -> str:
    return "white" if _luminance(emotion) < 140 else INK


def share_png(rows: list[tuple[str, dict[str, float]]]) -> bytes:
    """Stacked horizontal bars, one per (label, share per emotion) row: how a person's time divides up."""
    fig = _figure(7.6, 0.42 + 0.34 * len(rows))
    ax = fig.add_axes((SHARE_LEFT, 0.08, 0.995 - SHARE_LEFT, 0.84))
    for y, (_name, share) in enumerate(rows):
        left = 0.0
        for emotion in EMOTIONS:
            value = share.get(emotion, 0.0)
            if value <= 0:
                continue
            ax.barh(y, value, left=left, height=0.66, color=_rgba(emotion), edgecolor="white", linewidth=0.6)
            if value >= 0.07:
                ax.text(
                    left + value / 2,
                    y,
                    f"{emotion} {value:.0%}" if value >= 0.16 else f"{value:.0%}",
                    ha="center",
                    va="center",
                    fontsize=7,
                    color=_text_colour(emotion),
                )
            left += value
    ax.set_yticks(range(len(rows)), [name for name, _ in rows], fontsize=7.5, color=INK)
    ax.set_ylim(len(rows) - 0.5, -0.5)
    ax.set_xlim(0, 1)
    ax.set_xticks([])
    ax.tick_params(axis="y", length=0)
    for spine in ax.spines.values():
        spine.set_visible(False)
    return _png(fig)
