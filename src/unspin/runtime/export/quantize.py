"""Dynamic int8 for an exported encoder graph (per-channel weights, activations quantized
per call), and the outlier split that lets more of MPNet go int8 (docs/notebook/2026-11-30-speed-and-int8.md).

A few of MPNet's hidden channels carry activations near 100 where the rest stay under 2;
one int8 scale per activation tensor cannot hold both. With `outliers`, a quantized
`X @ W` keeps a few named input channels in fp32, as in LLM.int8():
`(X * mask) @ W_int8 + X[..., channels] @ W[channels, :]`, where `mask` is 0 on those
channels. The channels come from `activation_maxima` over unlabelled text, once, and are
stored in the model's config (`"int8_outliers"`)."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from unspin.runtime.cpu import int8_saturates

Outliers = Mapping[str, Sequence[int]]  # a part of a MatMul's name: its input channels kept fp32


def weight_matmuls(graph: Any, only: Sequence[str] = ()) -> list[Any]:
    """The MatMul nodes of `graph` whose second input is a weight, or with `only` those
    whose names contain one of its strings."""
    weights = {w.name for w in graph.initializer}
    return [
        n for n in graph.node
        if n.op_type == "MatMul" and n.input[1] in weights and (not only or any(o in n.name for o in only))
    ]


def quantize(
    source: Path, target: Path, *, only: Sequence[str] = (), outliers: Outliers | None = None
) -> None:
    """Dynamic int8 of `source`'s graph into `target`: every MatMul and the embeddings, or
    with `only` just the weight MatMuls whose names contain one of those strings, and then
    with `outliers` (a key contained in a node's name: its input channels kept fp32) those
    nodes split first (`split_outliers`). Weights take 7 bits where 8 would saturate
    (`cpu.int8_saturates`)."""
    import onnx
    from onnxruntime.quantization import QuantType, quantize_dynamic

    options: dict[str, Any] = {}
    split = target.with_suffix(".split.onnx")
    if only:
        model = onnx.load(str(source))
        names = [n.name for n in weight_matmuls(model.graph, only)]
        if outliers and split_outliers(model.graph, outliers, names):
            onnx.save(model, str(split))
            source = split
        del model
        options = {
            "nodes_to_quantize": names,
            "extra_options": {"DefaultTensorType": onnx.TensorProto.FLOAT},  # types of fused ops
        }
    logging.disable(logging.WARNING)  # its advice to pre-process, which would move outputs
    try:
        quantize_dynamic(str(source), str(target), weight_type=QuantType.QInt8, per_channel=True,
                         reduce_range=int8_saturates(), **options)
    finally:
        logging.disable(logging.NOTSET)
        split.unlink(missing_ok=True)


def split_outliers(graph: Any, outliers: Outliers, names: Sequence[str]) -> int:
    """Rewrite each MatMul named in `names` whose name contains a key of `outliers` as
    `(X * mask) @ W0 + Gather(X, channels) @ W[channels]` (W0: W with those rows zeroed),
    in place; the node keeps its name (the one to quantize), the fp32 MatMul beside it is
    named `<name>/outliers`. Nodes reading the same X with the same channels share the
    mask and the gather. Returns the number of nodes split."""
    from onnx import helper, numpy_helper

    weights = {w.name: w for w in graph.initializer}
    shared: dict[tuple[str, tuple[int, ...]], tuple[str, str]] = {}
    nodes, split = [], 0
    for node in graph.node:
        key = next((k for k in outliers if k in node.name), None) if node.name in names else None
        if key is None or not outliers[key]:
            nodes.append(node)
            continue
        x, w_name = node.input
        w = numpy_helper.to_array(weights[w_name])
        channels = tuple(sorted({int(c) for c in outliers[key]}))
        if not all(0 <= c < w.shape[0] for c in channels):
            raise ValueError(f"Outlier channels for {node.name} must lie in [0, {w.shape[0]}).")
        tag, make = node.name, helper.make_node
        if (x, channels) not in shared:
            mask = np.ones(w.shape[0], dtype=np.float32)
            mask[list(channels)] = 0.0
            graph.initializer.extend([
                numpy_helper.from_array(mask, f"{tag}/mask"),
                numpy_helper.from_array(np.array(channels, dtype=np.int64), f"{tag}/channels"),
            ])
            nodes += [
                make("Mul", [x, f"{tag}/mask"], [f"{tag}/kept"], name=f"{tag}/mask"),
                make("Gather", [x, f"{tag}/channels"], [f"{tag}/picked"], name=f"{tag}/pick", axis=-1),
            ]
            shared[(x, channels)] = (f"{tag}/kept", f"{tag}/picked")
        kept, picked = shared[(x, channels)]
        rest = w.copy()
        rest[list(channels)] = 0.0
        weights[w_name].CopyFrom(numpy_helper.from_array(rest, w_name))
        graph.initializer.append(numpy_helper.from_array(w[list(channels)], f"{tag}/outlier_weight"))
        out = node.output[0]
        node.input[0], node.output[0] = kept, f"{out}/int8"
        nodes += [
            node,
            make("MatMul", [picked, f"{tag}/outlier_weight"], [f"{out}/fp32"], name=f"{tag}/outliers"),
            make("Add", [f"{out}/int8", f"{out}/fp32"], [out], name=f"{tag}/sum"),
        ]
        split += 1
    del graph.node[:]
    graph.node.extend(nodes)
    return split


def activation_maxima(
    path: Path, feeds: Iterable[Mapping[str, np.ndarray]], *, only: Sequence[str] = ()
) -> dict[str, np.ndarray]:
    """Per weight MatMul of the fp32 graph at `path` (those `only` names), the largest |x|
    of each input channel over the runs `feeds` (each: the session's input arrays)."""
    import onnx
    import onnxruntime as ort

    model = onnx.load(str(path))
    nodes = weight_matmuls(model.graph, only)
    inputs = sorted({n.input[0] for n in nodes})
    info = onnx.helper.make_tensor_value_info
    model.graph.output.extend(info(x, onnx.TensorProto.FLOAT, None) for x in inputs)
    session = ort.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])
    del model
    top: dict[str, np.ndarray] = {}
    for feed in feeds:
        for x, values in zip(inputs, session.run(inputs, dict(feed)), strict=True):
            m = np.abs(values.reshape(-1, values.shape[-1])).max(axis=0)
            top[x] = np.maximum(top[x], m) if x in top else m
    return {n.name: top[n.input[0]] for n in nodes}


def pick_outliers(maxima: np.ndarray, *, top: int = 8, threshold: float = 0.0) -> list[int]:
    """The input channels to keep fp32: the `top` with the largest maxima, only those at
    or above `threshold`; in ascending order."""
    order = np.argsort(-maxima, kind="stable")[:top]
    return sorted(int(c) for c in order if maxima[c] >= threshold)
