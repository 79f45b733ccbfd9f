"""The CNN-LSTM expression model.

Per frame, a CNN gives an embedding and logits: the shipped default
:class:`~lepton_desktop.vision.resnet.ExpressionResNet`, the
:class:`~lepton_desktop.vision.ensemble.ExpressionEnsemble` of it with
face-api.js's net, or the older :class:`~lepton_desktop.vision.xception.MiniXception`.
Over each track, an LSTM reads the embeddings (with the
CNN's probabilities) and adds a correction to the CNN's logits. The correction
layer starts at zero, so before any fine-tuning the model's output is exactly
the ported CNN's; fine-tuning on corrected sequences teaches the LSTM.

The LSTM's memory is bounded the same way in training and in analysis: the
output for a frame is the LSTM run from a zero state over the frames since the
start of the previous :data:`WINDOW`-frame window of its track (32 to 63
frames of history, fewer at the start of a track). Fine-tuning trains on
exported 32-frame windows with the window before as unlabelled burn-in, which
is exactly that history; carrying the state over a whole track (hours) would
put the LSTM in states it never saw in training.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn

from lepton_desktop.vision.ensemble import ExpressionEnsemble
from lepton_desktop.vision.resnet import ExpressionResNet
from lepton_desktop.vision.xception import MiniXception

State = tuple[torch.Tensor, torch.Tensor]

WINDOW = 32
"""Frames per window of the temporal head's bounded memory (the export's sequence length)."""


@dataclass
class TrackMemory:
    """The temporal head's state for one track between chunks."""

    seen: int = 0
    """Frames of the track processed so far."""
    older: State | None = None
    """LSTM state of the run that started at the previous window's first frame (gives the outputs)."""
    newer: State | None = None
    """LSTM state of the run that started at the current window's first frame."""


ARCHITECTURES: dict[str, type[MiniXception] | type[ExpressionResNet]] = {
    "minixception": MiniXception,
    ExpressionResNet.ARCH: ExpressionResNet,
    ExpressionEnsemble.ARCH: ExpressionEnsemble,
}
"""The per-frame CNNs a weights file may name (metadata ``arch``); files without one are mini-Xception."""


Cnn = MiniXception | ExpressionResNet


def build_cnn(arch: str = ExpressionResNet.ARCH, widths: str | None = None, faceapi_weight: str | None = None) -> Cnn:
    """A fresh CNN of a known architecture.

    ``widths``: comma-separated stage widths of a ResNet; ``faceapi_weight``: face-api's share of an ensemble's blend.
    """
    if arch not in ARCHITECTURES:
        raise ValueError(f"unknown expression CNN {arch!r} (known: {', '.join(ARCHITECTURES)})")
    shape = {"widths": tuple(int(w) for w in widths.split(","))} if widths else {}
    if arch == ExpressionEnsemble.ARCH:
        blend = {"faceapi_weight": float(faceapi_weight)} if faceapi_weight else {}
        return ExpressionEnsemble(**shape, **blend)  # type: ignore[arg-type]
    if arch == ExpressionResNet.ARCH:
        return ExpressionResNet(**shape)  # type: ignore[arg-type]
    return MiniXception()


class TemporalHead(nn.Module):
    """LSTM over [embedding, CNN probabilities] -> residual logits (zero at initialisation)."""

    def __init__(self, embedding: int = MiniXception.EMBEDDING, classes: int = 7, hidden: int = 64) -> None:
        super().__init__()
        with torch.random.fork_rng(devices=[]):  # the same starting head every time: fine-tuning is reproducible
            torch.manual_seed(0)
            self.lstm = nn.LSTM(embedding + classes, hidden, batch_first=True)
        self.out = nn.Linear(hidden, classes)
        nn.init.zeros_(self.out.weight)
        nn.init.zeros_(self.out.bias)

    def forward(
        self, embeddings: torch.Tensor, logits: torch.Tensor, state: State | None = None
    ) -> tuple[torch.Tensor, State]:
        """``embeddings`` (B, T, E), ``logits`` (B, T, C) -> residual (B, T, C) and the new state."""
        x = torch.cat([embeddings, torch.softmax(logits, dim=-1)], dim=-1)
        y, new_state = self.lstm(x, state)
        return self.out(y), new_state


class EmotionModel(nn.Module):
    """CNN per frame + LSTM per track."""

    def __init__(self, cnn: Cnn | None = None) -> None:
        super().__init__()
        self.cnn: Cnn = cnn if cnn is not None else MiniXception()
        self.temporal = TemporalHead(embedding=self.cnn.EMBEDDING)

    @property
    def embedding_size(self) -> int:
        """Length of the per-frame embedding."""
        return self.cnn.EMBEDDING

    def frame_outputs(self, crops: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """(N, 1, S, S) crops from any tracks -> embeddings (N, E), CNN logits (N, 7)."""
        return self.cnn(crops)  # type: ignore[no-any-return]

    def sequence_logits(
        self, embeddings: torch.Tensor, cnn_logits: torch.Tensor, memory: TrackMemory | None = None
    ) -> tuple[torch.Tensor, TrackMemory]:
        """One track's next chunk: (T, E), (T, 7) -> final logits (T, 7) and the memory for the next chunk.

        Two LSTM runs go along together (a batch of two): one started at the previous window's
        first frame, whose output is used, and one started at the current window's, which takes
        over at the next window boundary.
        """
        memory = memory or TrackMemory()
        pieces = []
        pos, total = 0, embeddings.shape[0]
        while pos < total:
            offset = memory.seen % WINDOW
            if offset == 0 and memory.seen > 0:
                memory.older, memory.newer = memory.newer, None
            n = min(total - pos, WINDOW - offset)
            emb = embeddings[pos : pos + n][None].expand(2, -1, -1)
            lg = cnn_logits[pos : pos + n][None].expand(2, -1, -1)
            residual, (h, c) = self.temporal(emb, lg, self._stacked(memory, embeddings))
            pieces.append(cnn_logits[pos : pos + n] + residual[0])
            memory.older, memory.newer = (h[:, :1], c[:, :1]), (h[:, 1:], c[:, 1:])
            memory.seen += n
            pos += n
        out = torch.cat(pieces) if pieces else cnn_logits
        return out, memory

    def _stacked(self, memory: TrackMemory, like: torch.Tensor) -> State:
        size = self.temporal.lstm.hidden_size
        zero = like.new_zeros(1, 1, size)
        older = memory.older or (zero, zero)
        newer = memory.newer or (zero, zero)
        return torch.cat([older[0], newer[0]], dim=1), torch.cat([older[1], newer[1]], dim=1)

    def forward(self, crops: torch.Tensor) -> torch.Tensor:
        """A single sequence of crops (T, 1, S, S) -> logits (T, 7); for training and checks."""
        embeddings, logits = self.frame_outputs(crops)
        out, _ = self.sequence_logits(embeddings, logits)
        return out
