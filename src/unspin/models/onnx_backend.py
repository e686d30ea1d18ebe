"""The onnxruntime backend: the encoder and token heads exported once to ONNX and cached:
int8 by default, fp32 fused by onnxruntime's transformer optimizer, or int8 in just the
MatMuls a model's config names (`"int8_only"`) on the fused graph, optionally with a few
input channels of some of them kept fp32 (`"int8_outliers"`, see `quantize`); the small
span head runs in numpy. Loading it imports neither torch nor transformers."""

from __future__ import annotations

import hashlib
import json
import math
import os
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from unspin.models.base import cache_dir
from unspin.models.quantize import Outliers
from unspin.models.quantize import quantize as to_int8
from unspin.models.threads import inference_threads, one_blas_thread, window_workers


def model_key(folder: Path) -> str:
    """Identifies the weights (not the decoding settings, which may be retuned)."""
    return hashlib.sha256((folder / "weights.npz").read_bytes()).hexdigest()[:16]


def cached_paths(
    folder: Path, *, quantize: bool = True, only: Sequence[str] = (), outliers: Outliers | None = None
) -> tuple[Path, Path]:
    if not quantize:
        kind = "-fused"
    elif only:
        key = "\n".join(only) + (json.dumps(outliers, sort_keys=True) if outliers else "")
        kind = "-int8-" + hashlib.sha256(key.encode()).hexdigest()[:8]
    else:
        kind = "-int8"
    root = cache_dir() / "onnx" / f"{model_key(folder)}-v2{kind}"
    return root / "encoder.onnx", root / "span_head.npz"


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

    from unspin.models import artifact

    onnx_path, head_path = cached_paths(folder, quantize=quantize, only=only, outliers=outliers)
    onnx_path.parent.mkdir(parents=True, exist_ok=True)
    net, _, _, _ = artifact.load(folder)
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
    1.14x faster on CPU (docs/model.md, "Speed"). Left as it is if the optimizer fails."""
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


class OnnxBackend:
    def __init__(
        self, onnx_path: Path, head_path: Path, *, threads: int | None = None, prepack: bool = True
    ):
        """`prepack=False` keeps onnxruntime from holding a second, prepacked copy of the
        weights: 85 MB less peak memory for fp32 MPNet-base, about 3 % slower. Threads:
        `threads`, else `threads.inference_threads()`, split between windows run at once
        (`workers`) and threads per window (`threads.window_workers`); they never spin while
        waiting, so a machine shared with other busy processes does not lose its time to
        spinning."""
        import onnxruntime as ort

        self.workers, per_window = window_workers(inference_threads(threads))
        options = ort.SessionOptions()
        options.intra_op_num_threads = per_window
        options.inter_op_num_threads = 1
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        options.add_session_config_entry("session.inter_op.allow_spinning", "0")
        if not prepack:
            options.add_session_config_entry("session.disable_prepacking", "1")
        self.session = ort.InferenceSession(str(onnx_path), options, providers=["CPUExecutionProvider"])
        with np.load(head_path) as h:
            self.head = {k: h[k].astype(np.float32) for k in h.files}

    def encode(self, input_ids: np.ndarray, mask: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        states, bio, tech = self.session.run(None, {"input_ids": input_ids, "attention_mask": mask})
        return states, bio, tech

    def classify(self, states: np.ndarray, spans: np.ndarray) -> np.ndarray:
        """The span head's logits for `spans` rows (window, first, last, length bucket,
        repeat bucket) over `states` (windows, seq, hidden). A span's mean state comes from
        running sums over its window, so the cost does not grow with spans x window length."""
        from scipy.special import erf

        h = self.head
        win, first, last = spans[:, 0], spans[:, 1], spans[:, 2]
        used, row = np.unique(win, return_inverse=True)
        chosen = states[used].astype(np.float32)  # (windows used, seq, hidden)
        sums = np.zeros((len(used), chosen.shape[1] + 1, chosen.shape[2]), dtype=np.float32)
        np.cumsum(chosen, axis=1, out=sums[:, 1:])
        count = np.maximum(last - first + 1, 0)
        mean = (sums[row, np.maximum(last + 1, first)] - sums[row, first]) / np.maximum(count, 1)[:, None]
        rep = np.concatenate([chosen[row, first], chosen[row, last], mean, chosen[row, 0],
                              h["length"][spans[:, 3]], h["repeat"][spans[:, 4]]], axis=-1)
        with one_blas_thread():
            x = rep @ h["w1"].T + h["b1"]
            x = 0.5 * x * (1.0 + erf(x / np.float32(math.sqrt(2.0))))
            return x @ h["w2"].T + h["b2"]
