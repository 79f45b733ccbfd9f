"""Widen a trained ExpressionResNet without changing what it computes (Net2WiderNet, Chen et al. 2016).

Each new channel copies an existing one: the layer that makes it copies that channel's filter and
batch-norm values; the layers that read it split the copied channel's input weights among its copies.
The copies are made the same way in every layer that shares a channel space (a residual stream is one
space for its stage's blocks, shortcuts and the embedding layer), so the wider net gives the same
outputs as the narrower one up to a little noise on the split weights, which lets the copies learn
apart when training goes on.
"""

from __future__ import annotations

import torch

from lepton_desktop.vision.resnet import ExpressionResNet


def _mapping(old: int, new: int, generator: torch.Generator) -> torch.Tensor:
    """For every new channel, the old channel it copies (the first ``old`` copy themselves)."""
    if new < old:
        raise ValueError(f"can only widen: {old} channels cannot become {new}")
    extra = torch.randint(0, old, (new - old,), generator=generator)
    return torch.cat([torch.arange(old), extra])


def widen(state: dict[str, torch.Tensor], widths: tuple[int, ...], seed: int = 0,
          noise: float = 0.01) -> dict[str, torch.Tensor]:  # fmt: skip
    """``state`` (an ExpressionResNet's weights) as a net of ``widths``, computing the same function."""
    generator = torch.Generator().manual_seed(seed)
    old_widths = tuple(int(state[f"blocks.{2 * i + 1}.conv2.weight"].shape[0]) for i in range(len(widths)))
    out = dict(state)
    spaces: dict[str, torch.Tensor] = {}  # a channel space's name -> its mapping

    def space(name: str, old: int, new: int) -> torch.Tensor:
        if name not in spaces:
            spaces[name] = _mapping(old, new, generator)
        return spaces[name]

    def produce(prefix: str, mapping: torch.Tensor) -> None:
        """A conv (or linear) and its batch norm making channels in ``mapping``'s space."""
        out[f"{prefix}.weight"] = out[f"{prefix}.weight"][mapping]

    def norm(prefix: str, mapping: torch.Tensor) -> None:
        for part in ("weight", "bias", "running_mean", "running_var"):
            out[f"{prefix}.{part}"] = out[f"{prefix}.{part}"][mapping]

    def consume(key: str, mapping: torch.Tensor) -> None:
        """A layer reading channels in ``mapping``'s space (its input dimension 1)."""
        weight = out[key]
        counts = torch.bincount(mapping, minlength=int(mapping.max()) + 1).to(weight.dtype)
        split = weight[:, mapping] / counts[mapping].view(1, -1, *([1] * (weight.dim() - 2)))
        jitter = 1 + noise * torch.randn(split.shape, generator=generator)
        out[key] = split * jitter

    stem = space("stem", old_widths[0], widths[0])
    produce("stem.0", stem)
    norm("stem.1", stem)
    consume("stem.3.weight", stem)
    stream = space("stage0", old_widths[0], widths[0])
    produce("stem.3", stream)
    norm("stem.4", stream)
    for stage in range(len(widths)):
        incoming = stream
        stream = space(f"stage{stage}", old_widths[stage], widths[stage])
        for k in (2 * stage, 2 * stage + 1):
            block = f"blocks.{k}"
            inner = space(f"inner{k}", old_widths[stage], widths[stage])
            reads = incoming if k == 2 * stage else stream
            consume(f"{block}.conv1.weight", reads)
            produce(f"{block}.conv1", inner)
            norm(f"{block}.bn1", inner)
            consume(f"{block}.conv2.weight", inner)
            produce(f"{block}.conv2", stream)
            norm(f"{block}.bn2", stream)
            if f"{block}.shortcut.0.weight" in out:
                consume(f"{block}.shortcut.0.weight", reads)
                produce(f"{block}.shortcut.0", stream)
                norm(f"{block}.shortcut.1", stream)
    consume("embed.weight", stream)
    model = ExpressionResNet(widths=widths)
    model.load_state_dict(out)  # the shapes are checked here
    return {k: v.contiguous() for k, v in out.items()}
