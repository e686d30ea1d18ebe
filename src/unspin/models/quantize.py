"""Dynamic int8 for an exported encoder graph: per-channel weights, activations quantized
per call (onnxruntime's `quantize_dynamic`)."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path
from typing import Any


def quantize(source: Path, target: Path, *, only: Sequence[str] = ()) -> None:
    """Dynamic int8 (per-channel weights, activations quantized per call) of `source`'s
    graph into `target`: every MatMul and the embeddings, or with `only` just the weight
    MatMuls whose names contain one of those strings."""
    import onnx
    from onnxruntime.quantization import QuantType, quantize_dynamic

    options: dict[str, Any] = {}
    if only:
        graph = onnx.load(str(source), load_external_data=False).graph
        weights = {w.name for w in graph.initializer}
        options = {
            "nodes_to_quantize": [
                n.name for n in graph.node
                if n.op_type == "MatMul" and n.input[1] in weights and any(o in n.name for o in only)
            ],
            "extra_options": {"DefaultTensorType": onnx.TensorProto.FLOAT},  # types of fused ops
        }
    logging.disable(logging.WARNING)  # its advice to pre-process, which would move outputs
    try:
        quantize_dynamic(str(source), str(target), weight_type=QuantType.QInt8, per_channel=True, **options)
    finally:
        logging.disable(logging.NOTSET)
