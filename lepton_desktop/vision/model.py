"""The CNN-LSTM expression model.

Per frame, :class:`~lepton_desktop.vision.xception.MiniXception` gives an
embedding and logits. Over each track, an LSTM reads the embeddings (with the
CNN's probabilities) and adds a correction to the CNN's logits. The correction
layer starts at zero, so before any fine-tuning the model's output is exactly
the ported CNN's; fine-tuning on corrected sequences teaches the LSTM.
Long tracks are processed chunk by chunk with the LSTM state carried over.
"""

from __future__ import annotations

import torch
from torch import nn

from lepton_desktop.vision.xception import MiniXception

State = tuple[torch.Tensor, torch.Tensor]


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

    def __init__(self) -> None:
        super().__init__()
        self.cnn = MiniXception()
        self.temporal = TemporalHead()

    def frame_outputs(self, crops: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """(N, 1, 64, 64) crops from any tracks -> embeddings (N, 128), CNN logits (N, 7)."""
        return self.cnn(crops)  # type: ignore[no-any-return]

    def sequence_logits(
        self, embeddings: torch.Tensor, cnn_logits: torch.Tensor, state: State | None = None
    ) -> tuple[torch.Tensor, State]:
        """One track's chunk: (T, 128), (T, 7) -> final logits (T, 7) and the state for the next chunk."""
        residual, new_state = self.temporal(embeddings[None], cnn_logits[None], state)
        return cnn_logits + residual[0], new_state

    def forward(self, crops: torch.Tensor) -> torch.Tensor:
        """A single sequence of crops (T, 1, 64, 64) -> logits (T, 7); for training and checks."""
        embeddings, logits = self.frame_outputs(crops)
        out, _ = self.sequence_logits(embeddings, logits)
        return out
