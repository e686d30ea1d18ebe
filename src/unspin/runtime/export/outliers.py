"""Choosing a model's int8 recipe: which MatMuls go int8 (`"int8_only"`) and which of their
input channels stay fp32 (`"int8_outliers"`), written into the model folder's config.

Calibration: the first window (254 word pieces) of each of the first `windows` articles of
unlabelled news (JSONL with a `text` field; never PTC) that fill one, run through the model's
fused fp32 export; per weight MatMul, the largest |x| of each input channel. A recipe keeps,
for the MatMuls it matches, the `top` channels at or above `threshold` (docs/model.md,
"int8 for MPNet"; `benchmarks/int8_outliers.py` compares the recipes)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np

from unspin.runtime.export.quantize import pick_outliers

ATTENTION, FFN = ("/attention/",), ("/intermediate/", "/output/dense/")
RECIPES: dict[str, tuple[tuple[str, ...], tuple[str, ...], int, float]] = {
    # name: (MatMuls in int8, MatMuls with outlier channels, top, threshold)
    "attn-int8": (ATTENTION, (), 0, 0.0),
    "int8-all": (ATTENTION + FFN, (), 0, 0.0),
    **{f"ffn-top{k}": (ATTENTION + FFN, FFN, k, 0.0) for k in (4, 8, 16)},
    "ffn-ge6-max16": (ATTENTION + FFN, FFN, 16, 6.0),
    **{f"all-top{k}": (ATTENTION + FFN, ATTENTION + FFN, k, 0.0) for k in (4, 8)},
    "all-ge6-max16": (ATTENTION + FFN, ATTENTION + FFN, 16, 6.0),
}
DEFAULT_RECIPE = "ffn-top8"  # what both shipped models use
PREFIX = "/net/encoder/encoder"  # of every encoder node's name; left out of the config keys


def feed(settings: dict[str, Any], pieces: list[int]) -> dict[str, np.ndarray]:
    """The ONNX session's inputs for one window of word pieces."""
    ids = np.array([[settings["cls_id"], *pieces, settings["sep_id"]]], dtype=np.int64)
    return {"input_ids": ids, "attention_mask": np.ones_like(ids)}


def news_windows(
    path: Path, tokenizer: Any, settings: dict[str, Any], *, skip: int, count: int
) -> list[dict]:
    """The first full window of each news article after the first `skip`, `count` of them."""
    from unspin.runtime import windows as W

    size, out = settings["max_len"] - 2, []
    with open(path, encoding="utf-8") as f:
        for i, line in enumerate(f):
            ids = W.tokenize(tokenizer, json.loads(line)["text"]).ids
            if i >= skip and len(ids) >= size:
                out.append(feed(settings, ids[:size].tolist()))
            if len(out) == count:
                break
    return out


def outliers_for(recipe: str, maxima: dict[str, np.ndarray]) -> dict[str, list[int]]:
    """The config's `"int8_outliers"` for `recipe`, from each MatMul's channel maxima."""
    _, split, top, threshold = RECIPES[recipe]
    picked = {
        name.removeprefix(PREFIX).removesuffix("MatMul"): pick_outliers(m, top=top, threshold=threshold)
        for name, m in maxima.items() if any(s in name for s in split)
    }
    return {k: v for k, v in picked.items() if v}


def maxima_of(model: Path, news: Path, *, windows: int = 32) -> tuple[dict[str, np.ndarray], int]:
    """Per encoder MatMul of `model`'s fused fp32 export (made if missing; needs torch), the
    largest |x| of each input channel over `windows` news windows; and how many were used."""
    from unspin.runtime import bases
    from unspin.runtime import windows as W
    from unspin.runtime.backends import onnx as onnx_backend
    from unspin.runtime.export.onnx import export
    from unspin.runtime.export.quantize import activation_maxima
    from unspin.runtime.folder import ModelFolder

    config = ModelFolder.read(model).config
    tokenizer = W.load_tokenizer(model, bases.locate(config["base"]) if config.get("base") else None)
    fused, _ = onnx_backend.cached_paths(model, quantize=False)
    if not fused.exists():
        export(model, quantize=False)
    calibration = news_windows(news, tokenizer, config["settings"], skip=0, count=windows)
    return activation_maxima(fused, calibration, only=ATTENTION + FFN), len(calibration)


def entries(recipe: str, maxima: dict[str, np.ndarray]) -> dict[str, Any]:
    """The config entries of `recipe`: `int8_only`, and `int8_outliers` where it keeps any."""
    if recipe not in RECIPES:
        raise ValueError(f"Unknown int8 recipe {recipe!r}: expected one of {', '.join(RECIPES)}.")
    out: dict[str, Any] = {"int8_only": list(RECIPES[recipe][0])}
    if picked := outliers_for(recipe, maxima):
        out["int8_outliers"] = picked
    return out


def write(model: Path, chosen: dict[str, Any]) -> Path:
    """Write the int8 choice into `model`'s config.json (and `"backend": "onnx"`)."""
    from unspin.runtime.folder import ModelFolder

    folder = ModelFolder.read(model)
    folder.config.pop("int8_outliers", None)
    folder.config.update(chosen, backend="onnx")
    return folder.write()
