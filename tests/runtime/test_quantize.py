"""int8 with outlier channels kept fp32 (`unspin.runtime.export.quantize`): the graph surgery on a
one-MatMul graph, and the exported tiny model with `"int8_outliers"` in its config."""

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

import unspin

onnx = pytest.importorskip("onnx")
ort = pytest.importorskip("onnxruntime")


def one_matmul(path: Path, w: np.ndarray) -> Path:
    """A graph `y = x @ w` with its MatMul named `/layer.0/dense/MatMul`."""
    from onnx import TensorProto, helper, numpy_helper

    graph = helper.make_graph(
        [helper.make_node("MatMul", ["x", "w"], ["y"], name="/layer.0/dense/MatMul")],
        "one",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, None, w.shape[0]])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, None, w.shape[1]])],
        [numpy_helper.from_array(w, "w")],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)], ir_version=8)
    onnx.save(model, str(path))
    return path


def run(path: Path, x: np.ndarray) -> np.ndarray:
    return ort.InferenceSession(str(path), providers=["CPUExecutionProvider"]).run(None, {"x": x})[0]


@pytest.fixture
def outlier_input():
    """Activations under 2 except channel 3, near 100 (as in MPNet's feed-forward layers)."""
    rng = np.random.default_rng(0)
    x = rng.normal(0, 0.5, (1, 40, 16)).astype(np.float32)
    x[..., 3] = rng.normal(0, 1, 40) * 100
    return x, rng.normal(0, 0.1, (16, 8)).astype(np.float32)


def test_split_is_exact_before_quantizing(tmp_path, outlier_input):
    from unspin.runtime.export.quantize import split_outliers

    x, w = outlier_input
    plain = one_matmul(tmp_path / "plain.onnx", w)
    model = onnx.load(str(plain))
    assert split_outliers(model.graph, {"/layer.0/dense/": [3, 5]}, ["/layer.0/dense/MatMul"]) == 1
    onnx.checker.check_model(model)
    onnx.save(model, str(tmp_path / "split.onnx"))
    np.testing.assert_allclose(run(tmp_path / "split.onnx", x), run(plain, x), rtol=1e-5, atol=1e-4)


def test_outlier_channels_keep_int8_close(tmp_path, outlier_input):
    from unspin.runtime.export.quantize import activation_maxima, pick_outliers, quantize

    x, w = outlier_input
    plain = one_matmul(tmp_path / "plain.onnx", w)
    maxima = activation_maxima(plain, [{"x": x}])["/layer.0/dense/MatMul"]
    assert pick_outliers(maxima, top=2, threshold=6.0) == [3]  # the one channel over 6
    quantize(plain, tmp_path / "int8.onnx", only=("/dense/",))
    quantize(plain, tmp_path / "split.onnx", only=("/dense/",), outliers={"/layer.0/": [3]})
    nodes = onnx.load(str(tmp_path / "split.onnx")).graph.node
    assert {n.op_type for n in nodes if n.name == "/layer.0/dense/MatMul/outliers"} == {"MatMul"}  # fp32
    assert any(n.op_type == "MatMulInteger" for n in nodes)
    exact = run(plain, x)

    def error(path):
        return float(np.abs(run(path, x) - exact).max() / np.abs(exact).max())

    assert error(tmp_path / "split.onnx") < 0.02
    assert error(tmp_path / "split.onnx") < error(tmp_path / "int8.onnx") / 5


def test_int8_outliers_where_the_config_says(tiny_model_dir, tmp_path):
    from unspin.runtime.backends import onnx as onnx_backend
    from unspin.runtime.export.quantize import weight_matmuls

    folder = Path(shutil.copytree(tiny_model_dir, tmp_path / "m"))
    config = json.loads((folder / "config.json").read_text())
    only = ["/attention/", "/intermediate/", "/output/dense/"]
    outliers = {"/layer.0/intermediate/": [0, 5], "/layer.1/output/dense/": [7]}
    config.update(int8_only=only, int8_outliers=outliers)
    (folder / "config.json").write_text(json.dumps(config))
    ids = np.array([[2, *range(10, 40), 3]], dtype=np.int64)
    feed = {"input_ids": ids, "attention_mask": np.ones_like(ids)}

    unspin.load(folder, backend="onnx")
    path, _ = onnx_backend.cached_paths(folder, only=tuple(only), outliers=outliers)
    assert path != onnx_backend.cached_paths(folder, only=tuple(only))[0]  # its own cache entry
    nodes = onnx.load(str(path)).graph.node
    kinds = {n.name: n.op_type for n in nodes}
    assert kinds["/net/encoder/encoder/layer.0/intermediate/dense/MatMul/outliers"] == "MatMul"
    assert kinds["/net/encoder/encoder/layer.1/output/dense/MatMul/outliers"] == "MatMul"
    assert sum(n.name.endswith("/outliers") for n in nodes) == 2

    unspin.load(folder, backend="onnx-fp32")
    fp32, _ = onnx_backend.cached_paths(folder, quantize=False)
    matmuls = {n.name for n in weight_matmuls(onnx.load(str(fp32)).graph, only)}
    assert len(matmuls) == 2 * 3  # per layer: attention output, feed-forward in and out
    assert {name.removesuffix("_quant") for name, t in kinds.items() if t == "MatMulInteger"} == matmuls
    states = [ort.InferenceSession(str(p)).run(["states"], feed)[0] for p in (path, fp32)]
    assert np.linalg.norm(states[0] - states[1]) / np.linalg.norm(states[1]) < 0.05


def test_int8_outliers_need_int8_only(tiny_model_dir, tmp_path):
    folder = Path(shutil.copytree(tiny_model_dir, tmp_path / "m"))
    config = json.loads((folder / "config.json").read_text())
    config["int8_outliers"] = {"/layer.0/intermediate/": [0]}
    (folder / "config.json").write_text(json.dumps(config))
    with pytest.raises(unspin.errors.ModelNotFoundError, match="int8_only"):
        unspin.load(folder, backend="onnx")
