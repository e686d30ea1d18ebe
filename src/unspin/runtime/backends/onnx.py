"""The onnxruntime backend: the encoder and token heads exported once to ONNX
(`unspin.runtime.export.onnx`) and cached:
int8 by default, fp32 fused by onnxruntime's transformer optimizer, or int8 in just the
MatMuls a model's config names (`"int8_only"`) on the fused graph, optionally with a few
input channels of some of them kept fp32 (`"int8_outliers"`, see `quantize`); the small
span head runs in numpy. Loading it imports neither torch nor transformers."""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from unspin.runtime.bases import cache_dir
from unspin.runtime.cpu import int8_saturates
from unspin.runtime.export.quantize import Outliers
from unspin.runtime.threads import inference_threads, one_blas_thread, window_workers


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
    if quantize and int8_saturates():
        kind += "-7bit"  # weights in 7 bits (`cpu.int8_saturates`)
    root = cache_dir() / "onnx" / f"{model_key(folder)}-v2{kind}"
    return root / "encoder.onnx", root / "span_head.npz"


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
