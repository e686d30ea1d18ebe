"""The ONNX backend (fp32 and int8) against the torch backend on the tiny model."""

import numpy as np
import pytest

import unspin


@pytest.fixture(scope="module")
def texts():
    return ["The corrupt elites betray the nation again. Build the wall! " * 30, "Short one.", "They lie."]


def spans_of(analyzer, texts):
    return [
        [(s.start, s.end, s.technique, s.score) for s in a.spans] for a in analyzer.pipe(texts, batch_size=3)
    ]


def test_onnx_fp32_matches_torch(tiny_model_dir, texts):
    torch_out = spans_of(unspin.load(tiny_model_dir, backend="torch"), texts)
    onnx_out = spans_of(unspin.load(tiny_model_dir, backend="onnx-fp32"), texts)
    assert [[s[:3] for s in doc] for doc in torch_out] == [[s[:3] for s in doc] for doc in onnx_out]
    scores = np.array([s[3] for doc in torch_out for s in doc]) - np.array(
        [s[3] for doc in onnx_out for s in doc]
    )
    assert np.abs(scores).max() < 1e-4


def test_int8_runs_and_stays_in_bounds(tiny_model_dir, texts):
    analyzer = unspin.load(tiny_model_dir, backend="onnx")
    for text, a in zip(texts, analyzer.pipe(texts), strict=True):
        assert all(0 <= s.start < s.end <= len(text) for s in a.spans)


def test_unknown_backend(tiny_model_dir):
    with pytest.raises(ValueError, match="backend"):
        unspin.load(tiny_model_dir, backend="gpu")


def test_onnx_load_does_not_import_torch(tiny_model_dir):
    import subprocess
    import sys

    unspin.load(tiny_model_dir, backend="onnx")  # builds the cached export (with torch)
    code = (
        f"import sys, unspin; a = unspin.load({str(tiny_model_dir)!r}, backend='onnx'); "
        "a.analyze('They lie.'); "
        "print(sorted(m for m in ('torch', 'transformers') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_export_fuses_layer_norm_and_gelu(tiny_model_dir):
    from pathlib import Path

    import onnx

    from unspin.runtime.backends import onnx as onnx_backend

    unspin.load(tiny_model_dir, backend="onnx-fp32")
    path, _ = onnx_backend.cached_paths(Path(tiny_model_dir), quantize=False)
    ops = {node.op_type for node in onnx.load(str(path)).graph.node}
    assert {"SkipLayerNormalization", "BiasGelu"} <= ops
    assert "Erf" not in ops


def test_int8_only_where_the_config_says(tiny_model_dir, tmp_path, texts):
    import json
    import shutil
    from pathlib import Path

    import onnx

    from unspin.runtime.backends import onnx as onnx_backend

    folder = Path(shutil.copytree(tiny_model_dir, tmp_path / "m"))
    config = json.loads((folder / "config.json").read_text())
    config["int8_only"] = ["/attention/"]
    (folder / "config.json").write_text(json.dumps(config))
    analyzer = unspin.load(folder, backend="onnx")
    path, _ = onnx_backend.cached_paths(folder, only=("/attention/",))
    assert path != onnx_backend.cached_paths(folder)[0]  # its own cache entry
    nodes = onnx.load(str(path)).graph.node
    quantized = [n.name for n in nodes if n.op_type == "MatMulInteger"]
    assert quantized and all("/attention/" in name for name in quantized)
    assert any(n.op_type == "MatMul" and "/intermediate/" in n.name for n in nodes)  # FFN stays fp32
    assert "SkipLayerNormalization" in {n.op_type for n in nodes}  # on the fused graph
    for text, a in zip(texts, analyzer.pipe(texts), strict=True):
        assert all(0 <= s.start < s.end <= len(text) for s in a.spans)
    assert unspin.load(folder, backend="onnx-fp32").predictor.backend  # fp32 on request
