"""Where a training run starts: its seed and the weights it starts
from (an earlier run, or a `unspin model pretrain` encoder)."""

from __future__ import annotations

import random
import re
from pathlib import Path

import numpy as np
import torch

from unspin.errors import InputError
from unspin.runtime.backends.network import PropagandaNet


def load_init(where: str | Path) -> dict[str, torch.Tensor]:
    """The network weights of an earlier run (its checkpoint.pt, or a run folder holding
    one) or of a model folder (config.json + weights.npz), or only the encoder's, from a
    `unspin model pretrain` folder."""
    from unspin.runtime.backends import weights
    from unspin.training.pretrain import encoder_state

    path = Path(where)
    if path.is_dir() and (pretrained := encoder_state(path)) is not None:
        return pretrained
    if (path / "config.json").is_file() and (path / "weights.npz").is_file():
        return weights.load(path)[0].state_dict()
    if path.is_dir():
        path = path / "checkpoint.pt"
    if not path.is_file():
        raise InputError(
            f"--init: {where} is neither a checkpoint.pt, a run folder holding one, a model "
            "folder, nor a `unspin model pretrain` folder."
        )
    return torch.load(path, weights_only=False, map_location="cpu")["net"]


LAYER = re.compile(r"^(encoder\.encoder\.layer\.)(\d+)\.")


def pick_layers(state: dict[str, torch.Tensor], layers: list[int]) -> dict[str, torch.Tensor]:
    """`state` of a deeper encoder renumbered to a student that keeps `layers` of it (layer
    `layers[j]` becomes layer j); the other layers are dropped."""
    to_student = {str(old): str(new) for new, old in enumerate(layers)}
    picked = {}
    for key, value in state.items():
        found = LAYER.match(key)
        if found is None:
            picked[key] = value
        elif found.group(2) in to_student:
            picked[LAYER.sub(rf"\g<1>{to_student[found.group(2)]}.", key, count=1)] = value
    return picked


def start_from(
    net: PropagandaNet, state: dict[str, torch.Tensor], *, layers: list[int] | None = None
) -> None:
    """Load `state` into `net`: every key must fit; only a pretrained encoder may leave out
    the heads (and the encoder's unused pooler). With `layers`, a `state` deeper than `net`
    gives `net` those of its layers (see `pick_layers`)."""
    depth = {int(m.group(2)) for k in state if (m := LAYER.match(k))}
    if layers and depth and max(depth) >= len(layers):
        state = pick_layers(state, layers)
    try:
        missing, unexpected = net.load_state_dict(state, strict=False)
    except RuntimeError as err:  # shapes differ
        raise InputError(f"--init does not fit this base: {str(err).splitlines()[-1].strip()}") from err
    left = [k for k in missing if k.startswith("encoder.") and not k.startswith("encoder.pooler.")]
    if unexpected or left:
        raise InputError(
            f"--init does not fit this base: {len(unexpected)} unexpected and {len(left)} missing "
            f"encoder weights (for example {(unexpected or left)[0]})."
        )


def seed_everything(seed: int) -> None:
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)
