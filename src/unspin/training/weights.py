"""A trained model on disk: config.json, and weights.npz holding the encoder as an int8
delta over the verified base weights (or whole, for bases with no pretrained weights)
and the heads in fp16. Small enough to ship in the repository.

With `rank`, each large weight matrix's delta is stored as two int8 low-rank factors
(its truncated SVD, `a @ b`), which shrinks an MPNet-base delta from 101 MB to a
fraction; `shrink` rewrites a saved model that way.

With `layers`, the encoder keeps only those of the base's layers (a shallower, faster
student); the config names them, and the delta is over the same layers of the base."""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path
from typing import Any

import numpy as np
import torch
from tokenizers import Tokenizer

from unspin import taxonomy
from unspin.errors import ModelNotFoundError
from unspin.runtime import provenance
from unspin.runtime.backends.network import PropagandaNet
from unspin.runtime.backends.weights import SAVED, build_encoder, load
from unspin.runtime.folder import FORMAT, ModelFolder
from unspin.runtime.settings import Settings


def quantize_rows(delta: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Symmetric int8 per row (per tensor for vectors): values and scales."""
    flat = delta.reshape(delta.shape[0], -1) if delta.ndim > 1 else delta.reshape(1, -1)
    scale = np.abs(flat).max(axis=1, keepdims=True) / 127.0
    scale[scale == 0] = 1.0
    q = np.clip(np.round(flat / scale), -127, 127).astype(np.int8)
    return q.reshape(delta.shape), scale.astype(np.float32)


def low_rank(delta: np.ndarray, rank: int) -> tuple[np.ndarray, np.ndarray] | None:
    """Truncated SVD factors `(a, b)` with `a @ b ≈ delta`, or None where a rank-`rank`
    pair would not be smaller than the matrix itself."""
    if delta.ndim != 2 or rank * sum(delta.shape) >= delta.size:
        return None
    u, s, vh = torch.linalg.svd(torch.from_numpy(delta).float(), full_matrices=False)
    root = s[:rank].sqrt()
    return (u[:, :rank] * root).numpy(), (root[:, None] * vh[:rank]).numpy()


def save(
    net: PropagandaNet,
    folder: str | Path,
    *,
    base: str | None,
    base_state: dict[str, torch.Tensor] | None,
    settings: Settings,
    extra: dict[str, Any],
    encoder_config: dict[str, Any] | None = None,
    tokenizer: Tokenizer | None = None,
    rank: int | None = None,
    embedding_rank: int | None = None,
    layers: list[int] | None = None,
    techniques: list[str] | tuple[str, ...] | None = None,
) -> Path:
    """Write `net` to `folder` as a delta over `base_state`, low-rank for large matrices
    when `rank` is given (the word embeddings at `embedding_rank`, default `rank`);
    `layers`: the base's layers `net` kept (and `base_state` holds); `techniques`: what its
    outputs label, in order (default PTC's 14)."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    arrays: dict[str, np.ndarray] = {}
    for name, tensor in net.state_dict().items():
        value = tensor.detach().float().cpu().numpy()
        if name.startswith("encoder.") and base_state is not None:
            key = name[len("encoder.") :]
            delta = value - base_state[key].float().cpu().numpy()
            if not np.any(delta):
                continue
            r = (embedding_rank or rank) if "word_embeddings" in key else rank
            factors = low_rank(delta, r) if r and "position_embeddings" not in key else None
            if factors is not None:
                for part, factor in zip("ab", factors, strict=True):
                    arrays[f"{part}:{key}"], arrays[f"s{part}:{key}"] = quantize_rows(factor)
                continue
            q, scale = quantize_rows(delta)
            arrays[f"d:{key}"], arrays[f"s:{key}"] = q, scale
        elif value.dtype.kind == "f":
            arrays[f"h:{name}"] = value.astype(np.float16)
        else:
            arrays[f"i:{name}"] = value
    np.savez_compressed(folder / "weights.npz", **arrays)
    if tokenizer is not None:
        tokenizer.save(str(folder / "tokenizer.json"))
    config = {
        "format": FORMAT,
        "base": base,
        "encoder_config": encoder_config,
        "hidden": net.tagger.in_features,
        "techniques": list(techniques or taxonomy.NAMES),
        "settings": asdict(settings),
        **extra,
    }
    if layers:
        config["layers"] = list(layers)
    if rank:
        config["delta_rank"] = {"matrices": rank, "word_embeddings": embedding_rank or rank}
    ModelFolder(folder, config).write()
    return folder


def shrink(folder: str | Path, out: str | Path, *, rank: int, embedding_rank: int | None = None) -> Path:
    """Rewrite the model in `folder` to `out` with rank-`rank` deltas for large matrices
    (`embedding_rank` for the word embeddings)."""
    net, _, settings, config = load(folder)
    if not config.get("base"):
        raise ModelNotFoundError("Only models stored as a delta over a base can be shrunk.")
    encoder, _ = build_encoder(config["base"], None, layers=config.get("layers"))
    return save(
        net,
        out,
        base=config["base"],
        base_state=encoder.state_dict(),
        settings=settings,
        extra={k: v for k, v in config.items() if k not in SAVED},
        rank=rank,
        embedding_rank=embedding_rank,
        layers=config.get("layers"),
        techniques=config.get("techniques"),
    )


def soup(
    folders: list[str | Path],
    out: str | Path,
    *,
    weights: list[float] | None = None,
    rank: int | None = None,
    embedding_rank: int | None = None,
) -> Path:
    """Write to `out` the weighted average of the models in `folders` (a model soup):
    models fine-tuned from one starting point average into one that is often better
    than each, at the cost of one. Settings come from the first model."""
    if len(folders) < 2:
        raise ModelNotFoundError("A soup needs at least two models.")
    weights = list(weights) if weights is not None else [1.0] * len(folders)
    if len(weights) != len(folders) or min(weights) < 0 or sum(weights) <= 0:
        raise ModelNotFoundError("A soup needs one non-negative weight per model.")
    loaded = [load(f) for f in folders]
    net, tokenizer, settings, config = loaded[0]
    shape = ("base", "encoder_config", "hidden", "techniques", "layers")
    for folder, (_, _, _, other) in zip(folders[1:], loaded[1:], strict=True):
        if any(other.get(k) != config.get(k) for k in shape):
            raise ModelNotFoundError(
                f"{folder} has another base or shape than {folders[0]}; it cannot join a soup."
            )
    share = [w / sum(weights) for w in weights]
    net.load_state_dict(_mix([m.state_dict() for m, *_ in loaded], share))
    extra = {"soup": {"models": [str(f) for f in folders], "weights": [round(w, 4) for w in share]},
             provenance.KEY: provenance.combine(other.get(provenance.KEY) for *_, other in loaded)}
    return save_like(net, tokenizer, settings, config, out, extra, rank=rank, embedding_rank=embedding_rank)


def interpolate(folder: str | Path, start: dict[str, torch.Tensor], share: float, out: str | Path) -> Path:
    """Write to `out` the model in `folder` with its weights moved back towards `start` (a
    state dict of the same network): `share` of the trained weights, the rest the start's
    (WiSE-FT, Wortsman et al. 2022: keeps much of a fine-tune's gain and less of its forgetting)."""
    if not 0 < share <= 1:
        raise ValueError(f"the share of the trained weights must be in (0, 1], got {share}.")
    net, tokenizer, settings, config = load(folder)
    net.load_state_dict(_mix([net.state_dict(), start], [share, 1 - share]))
    soup = {"models": [str(folder), "start"], "weights": [round(share, 4), round(1 - share, 4)]}
    return save_like(net, tokenizer, settings, config, out, {"soup": soup})


def _mix(states: list[dict[str, torch.Tensor]], share: list[float]) -> dict[str, torch.Tensor]:
    return {
        k: sum(w * s[k].float() for w, s in zip(share, states, strict=True)).to(v.dtype)
        if v.dtype.is_floating_point
        else v
        for k, v in states[0].items()
    }


def save_like(net: PropagandaNet, tokenizer: Tokenizer, settings: Settings, config: dict[str, Any],
               out: str | Path, extra: dict[str, Any], *, rank: int | None = None,
               embedding_rank: int | None = None) -> Path:
    """Save `net` to `out` with `config`'s base, shape and techniques, and `extra` added."""
    layers = config.get("layers")
    base_state = (
        build_encoder(config["base"], None, layers=layers)[0].state_dict() if config.get("base") else None
    )
    kept = {k: v for k, v in config.items() if k not in SAVED | {"validation"}}
    return save(
        net,
        out,
        base=config.get("base"),
        base_state=base_state,
        settings=settings,
        extra={**kept, **extra},
        encoder_config=config.get("encoder_config"),
        tokenizer=None if config.get("base") else tokenizer,
        rank=rank,
        embedding_rank=embedding_rank,
        layers=layers,
        techniques=config.get("techniques"),
    )
