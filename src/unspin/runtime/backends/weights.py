"""Loading a trained model's network (torch): the base encoder plus the int8 delta in
weights.npz (whole or as low-rank factors), the heads in fp16. `unspin.training.weights`
writes these folders."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import torch
from tokenizers import Tokenizer

from unspin.errors import ModelNotFoundError
from unspin.runtime import bases
from unspin.runtime.backends.network import PropagandaNet
from unspin.runtime.folder import ModelFolder
from unspin.runtime.settings import Settings
from unspin.runtime.windows import load_tokenizer

# config.json keys that `save` writes itself (not carried over from an earlier config)
SAVED = {"format", "base", "encoder_config", "hidden", "techniques", "settings", "delta_rank", "layers"}


def dequantize_rows(q: np.ndarray, scale: np.ndarray) -> np.ndarray:
    flat = q.reshape(q.shape[0], -1) if q.ndim > 1 else q.reshape(1, -1)
    return (flat.astype(np.float32) * scale).reshape(q.shape)


def keep_layers(encoder: torch.nn.Module, layers: list[int]) -> torch.nn.Module:
    """Keep only `layers` (indices into the encoder's transformer layers, in order)."""
    stack = getattr(getattr(encoder, "encoder", None), "layer", None)
    if not isinstance(stack, torch.nn.ModuleList):
        raise ModelNotFoundError("This encoder has no layer stack (encoder.layer) to choose layers from.")
    if not layers or list(layers) != sorted(set(layers)) or layers[0] < 0 or layers[-1] >= len(stack):
        raise ModelNotFoundError(
            f"layers must be increasing indices in 0..{len(stack) - 1}, got {list(layers)}."
        )
    encoder.encoder.layer = torch.nn.ModuleList(stack[i] for i in layers)
    encoder.config.num_hidden_layers = len(layers)
    return encoder


def build_encoder(
    base: str | None,
    encoder_config: dict[str, Any] | None,
    *,
    dropout: float | None = None,
    layers: list[int] | None = None,
) -> tuple[torch.nn.Module, Path | str | None]:
    """The encoder with pretrained weights from `base`, or random init from a config;
    `dropout` overrides the encoder's hidden and attention dropout; `layers` keeps only
    those layers (see `keep_layers`)."""
    encoder, where = _build_encoder(base, encoder_config, dropout=dropout)
    return (keep_layers(encoder, layers) if layers else encoder), where


def _build_encoder(
    base: str | None, encoder_config: dict[str, Any] | None, *, dropout: float | None = None
) -> tuple[torch.nn.Module, Path | str | None]:
    from transformers import AutoConfig, AutoModel

    extra = (
        {}
        if dropout is None
        else dict.fromkeys(("hidden_dropout_prob", "attention_probs_dropout_prob"), dropout)
    )
    if base is None:
        if encoder_config is None:
            raise ModelNotFoundError("A model with no base needs an encoder config.")
        config = AutoConfig.for_model(**{**encoder_config, **extra})
        return AutoModel.from_config(config), None
    where = bases.locate(base)
    from transformers.utils import logging as hf_logging

    shown = hf_logging.is_progress_bar_enabled()
    hf_logging.disable_progress_bar()  # a local folder of verified weights: nothing to watch
    try:
        return AutoModel.from_pretrained(str(where), **extra), where
    except OSError as err:
        raise ModelNotFoundError(
            f"Could not load the base encoder {base!r} from {where}: {err}. "
            f"Install it with: {bases.BASES[base].install if base in bases.BASES else 'see docs'}"
        ) from err
    finally:
        if shown:
            hf_logging.enable_progress_bar()


def load(folder: str | Path) -> tuple[PropagandaNet, Tokenizer, Settings, dict[str, Any]]:
    """Rebuild the network from the base weights plus the stored delta."""
    model = ModelFolder.read(folder)
    if model.is_fused:
        raise ModelNotFoundError(f"{folder} is a fused ensemble: load its members one by one.")
    folder, config = model.path, model.config
    encoder, where = build_encoder(config["base"], config.get("encoder_config"), layers=config.get("layers"))
    net = PropagandaNet(encoder, config["hidden"], len(config["techniques"]))
    state = net.state_dict()
    with np.load(folder / "weights.npz") as stored:
        for key in stored.files:
            kind, name = key.split(":", 1)
            if kind in ("d", "a"):
                target = state[f"encoder.{name}"]
                if kind == "d":
                    delta = dequantize_rows(stored[key], stored[f"s:{name}"])
                else:
                    delta = dequantize_rows(stored[key], stored[f"sa:{name}"]) @ dequantize_rows(
                        stored[f"b:{name}"], stored[f"sb:{name}"]
                    )
                target.copy_(target + torch.from_numpy(delta).to(target.dtype))
            elif kind in "hi":
                if tuple(stored[key].shape) != tuple(state[name].shape):
                    raise ModelNotFoundError(
                        f"{folder}/config.json: \"techniques\" lists {len(config['techniques'])} techniques "
                        f"but the weights' {name} has shape {tuple(stored[key].shape)}."
                    )
                state[name].copy_(torch.from_numpy(stored[key].astype(state[name].numpy().dtype)))
    net.load_state_dict(state)
    net.eval()
    return net, load_tokenizer(folder, where), model.settings(), config


