"""The reference pass of `speed.py`: one forward pass of a RoBERTa-large-shaped encoder (the
backbone of the SemEval-2020 Task 11 winners) over as many tokens as a document has, so a
tier's speed can be reported as a ratio that travels between machines.

Random init (nothing is downloaded), torch fp32, eval mode, `torch.inference_mode()`, as
many torch threads as unspin uses (`inference_threads()`), random token ids in
non-overlapping windows of 512, batch 1, one window after another. The model (~1.4 GB) is
built once per process: `speed.py` runs it in a worker process of its own, so its memory
never counts toward a tier's peak RSS.
"""

from __future__ import annotations

import statistics
import time
from typing import Any

WINDOW = 512
LARGE = {
    "num_hidden_layers": 24,
    "hidden_size": 1024,
    "num_attention_heads": 16,
    "intermediate_size": 4096,
    "vocab_size": 50265,
    "max_position_embeddings": 514,
    "type_vocab_size": 1,
    "pad_token_id": 1,
    "bos_token_id": 0,
    "eos_token_id": 2,
}

_state: dict[str, Any] = {}


def window_lengths(tokens: int, size: int = WINDOW) -> list[int]:
    """Lengths of the non-overlapping windows that cover `tokens` tokens, in order."""
    full, rest = divmod(tokens, size)
    return [size] * full + ([rest] if rest else [])


def _model() -> Any:
    """The reference model, built (and warmed up on one full window) on first use."""
    if "model" not in _state:
        import torch
        import transformers

        from unspin.runtime.threads import inference_threads

        torch.set_num_threads(inference_threads())
        torch.manual_seed(0)
        t = time.perf_counter()
        config = transformers.RobertaConfig(**LARGE)
        model = transformers.RobertaModel(config, add_pooling_layer=False).float().eval()
        build_s = time.perf_counter() - t
        _state["generator"] = torch.Generator().manual_seed(0)
        with torch.inference_mode():
            t = time.perf_counter()
            model(input_ids=_ids(WINDOW))
            warmup_s = time.perf_counter() - t
        _state["model"] = model
        _state["info"] = {
            "shape": "RoBERTa-large (24 layers, hidden 1024, 16 heads, intermediate 4096, vocab 50265)",
            "parameters_m": round(sum(p.numel() for p in model.parameters()) / 1e6, 1),
            "dtype": "float32",
            "window": WINDOW,
            "threads": torch.get_num_threads(),
            "attn_implementation": getattr(config, "_attn_implementation", None),
            "torch": torch.__version__,
            "transformers": transformers.__version__,
            "build_s": round(build_s, 1),
            "warmup_ms": round(1000 * warmup_s, 1),
        }
    return _state["model"]


def _ids(length: int) -> Any:
    import torch

    # ids 3.. skip <s>, <pad> and </s>, so no position counts as padding
    return torch.randint(3, LARGE["vocab_size"], (1, length), generator=_state["generator"])


def measure(tokens: int, runs: int) -> dict[str, Any]:
    """p50 over `runs` of one reference pass over `tokens` tokens, in milliseconds."""
    import torch

    model = _model()
    windows = [_ids(n) for n in window_lengths(tokens)]
    times = []
    with torch.inference_mode():
        for _ in range(runs):
            t = time.perf_counter()
            for ids in windows:
                model(input_ids=ids)
            times.append(time.perf_counter() - t)
    return {
        "reference_p50_ms": round(1000 * statistics.median(times), 1),
        "reference_runs": runs,
        "reference_windows": len(windows),
    }


def info() -> dict[str, Any]:
    """How the reference was built and run (after the first `measure`)."""
    _model()
    return dict(_state["info"])
