"""Exporting a model folder's encoder and token heads to ONNX (needs torch), fused by
onnxruntime's transformer optimizer or int8 (`quantize`), into the cache that
`unspin.runtime.backends.onnx` runs from."""

from __future__ import annotations

import os
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from unspin.runtime.backends.onnx import cached_paths
from unspin.runtime.export.quantize import Outliers
from unspin.runtime.export.quantize import quantize as to_int8


def export(
    folder: Path, *, quantize: bool = True, only: Sequence[str] = (), outliers: Outliers | None = None
) -> tuple[Path, Path]:
    """Export the model in `folder` to the cache (needs torch); returns the two paths.
    `only`: int8 for just the weight MatMuls whose node names contain one of these (the
    model config's `"int8_only"`, for example `"/attention/"`), on the fused graph; the
    rest stays fp32. Without it, int8 covers every MatMul and the embeddings. `outliers`
    (the config's `"int8_outliers"`): per part of a node name, input channels of those
    MatMuls computed in fp32 beside the int8 product (`quantize.split_outliers`)."""
    import torch

    from unspin.runtime.backends import weights

    onnx_path, head_path = cached_paths(folder, quantize=quantize, only=only, outliers=outliers)
    onnx_path.parent.mkdir(parents=True, exist_ok=True)
    net, _, _, _ = weights.load(folder)
    if hasattr(net.encoder, "set_attn_implementation"):  # plain attention exports to a
        net.encoder.set_attn_implementation("eager")  # graph without SDPA's NaN guards (-20%)

    class Encoder(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.net = net

        def forward(self, ids: torch.Tensor, mask: torch.Tensor) -> tuple[torch.Tensor, ...]:
            return self.net(ids, mask)

    ids = torch.ones((2, 16), dtype=torch.long)
    axes = {0: "batch", 1: "seq"}
    raw = onnx_path.with_suffix(".fp32.onnx")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # tracer notes on shape checks that hold for every input
        _export(torch, Encoder(), ids, raw, axes)
    encoder_config = net.encoder.config
    if quantize and not only:  # on the plain graph: fused kernels gave it nothing and moved outputs
        to_int8(raw, onnx_path)
    else:
        fuse(raw, heads=encoder_config.num_attention_heads, hidden=encoder_config.hidden_size)
        if only:
            to_int8(raw, onnx_path, only=only, outliers=outliers)
        else:
            os.replace(raw, onnx_path)
    raw.unlink(missing_ok=True)
    head = net.span_head
    np.savez(
        head_path,
        length=head.length.weight.detach().numpy(), repeat=head.repeat.weight.detach().numpy(),
        w1=head.mlp[0].weight.detach().numpy(), b1=head.mlp[0].bias.detach().numpy(),
        w2=head.mlp[3].weight.detach().numpy(), b2=head.mlp[3].bias.detach().numpy(),
    )
    return onnx_path, head_path


def fuse(path: Path, *, heads: int, hidden: int) -> None:
    """Rewrite the fp32 graph at `path` with onnxruntime's transformer optimizer: LayerNorm
    with its residual add (SkipLayerNormalization) and GELU with its bias (BiasGelu) become
    single kernels. The outputs are the same to float rounding; fp32 MPNet-base runs about
    1.14x faster on CPU (docs/notebook/2026-11-30-speed-and-int8.md). Left as it is if the optimizer fails."""
    from onnxruntime.transformers import optimizer

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            model = optimizer.optimize_model(
                str(path), model_type="bert", num_heads=heads, hidden_size=hidden, opt_level=0
            )
        model.save_model_to_file(str(path))
    except Exception as err:  # an encoder the optimizer does not know: keep the plain graph
        warnings.warn(f"ONNX graph fusion skipped ({err}).", stacklevel=2)


def _export(torch: Any, module: Any, ids: Any, path: Path, axes: dict[int, str]) -> None:
    torch.onnx.export(
        module, (ids, torch.ones_like(ids)), str(path), input_names=["input_ids", "attention_mask"],
        output_names=["states", "bio", "tech"], opset_version=17, dynamo=False,
        dynamic_axes={"input_ids": axes, "attention_mask": axes, "states": axes, "bio": axes, "tech": axes},
    )
