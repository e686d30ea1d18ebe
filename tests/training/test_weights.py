"""Saving a model as an int8 delta and loading it back."""

import numpy as np
import torch

from unspin.runtime.backends import weights as runtime_weights
from unspin.runtime.backends.network import PropagandaNet
from unspin.runtime.settings import Settings
from unspin.testing.tiny import TINY_ENCODER, build_tiny_model
from unspin.training import weights


def test_quantize_round_trip_error_is_small():
    rng = np.random.default_rng(0)
    delta = rng.normal(0, 0.01, (8, 16)).astype(np.float32)
    q, s = weights.quantize_rows(delta)
    assert q.dtype == np.int8
    assert np.abs(runtime_weights.dequantize_rows(q, s) - delta).max() <= s.max() / 2 + 1e-7


def test_tiny_model_round_trip(tmp_path):
    folder = build_tiny_model(tmp_path / "m", seed=3)
    net, _tok, settings, config = runtime_weights.load(folder)
    assert config["base"] is None and settings.max_len == 64
    again, _, _, _ = runtime_weights.load(folder)
    ids = torch.tensor([[2, 10, 11, 3]])
    mask = torch.ones_like(ids)
    a, b = net(ids, mask)[1], again(ids, mask)[1]
    assert torch.allclose(a, b)


def test_delta_over_base_reconstructs_weights(tmp_path, monkeypatch):
    config = dict(TINY_ENCODER, vocab_size=50)
    base_encoder, _ = runtime_weights.build_encoder(None, config)
    base_state = {k: v.clone() for k, v in base_encoder.state_dict().items()}
    net = PropagandaNet(base_encoder, 32, 14)
    with torch.no_grad():
        net.encoder.embeddings.word_embeddings.weight.add_(0.01)
    weights.save(net, tmp_path / "m", base="fake", base_state=base_state, settings=Settings(), extra={})
    with np.load(tmp_path / "m" / "weights.npz") as stored:
        assert "d:embeddings.word_embeddings.weight" in stored.files
        assert "d:encoder.layer.0.attention.self.query.weight" not in stored.files  # unchanged: not stored

    real_build = runtime_weights.build_encoder

    def fake_build(base, encoder_config, **_):
        enc, _ = real_build(None, config)
        enc.load_state_dict(base_state)
        return enc, None

    monkeypatch.setattr(runtime_weights, "build_encoder", fake_build)
    (tmp_path / "m" / "tokenizer.json").write_text(
        __import__("unspin.testing.tiny", fromlist=["x"]).tiny_tokenizer(["a b"]).to_str()
    )
    loaded, *_ = runtime_weights.load(tmp_path / "m")
    got = loaded.encoder.embeddings.word_embeddings.weight
    want = net.encoder.embeddings.word_embeddings.weight
    assert torch.allclose(got, want, atol=1e-4)


def test_low_rank_factors_recover_a_low_rank_delta():
    rng = np.random.default_rng(1)
    delta = (rng.normal(size=(40, 3)) @ rng.normal(size=(3, 30))).astype(np.float32)
    a, b = weights.low_rank(delta, 3)
    assert a.shape == (40, 3) and b.shape == (3, 30)
    assert np.allclose(a @ b, delta, atol=1e-4)
    assert weights.low_rank(delta, 20) is None  # 20 * 70 >= 1200: no saving, stored whole
    assert weights.low_rank(delta[0], 2) is None  # vectors are stored whole


def test_low_rank_save_stores_factors_and_loads_close(tmp_path, monkeypatch):
    config = dict(TINY_ENCODER, vocab_size=50, hidden_size=64, intermediate_size=256)
    base_encoder, _ = runtime_weights.build_encoder(None, config)
    base_state = {k: v.clone() for k, v in base_encoder.state_dict().items()}
    net = PropagandaNet(base_encoder, 64, 14)
    weight = net.encoder.encoder.layer[0].intermediate.dense.weight  # 256 x 64
    rng = np.random.default_rng(2)
    change = torch.from_numpy((rng.normal(size=(256, 2)) @ rng.normal(size=(2, 64))).astype(np.float32))
    with torch.no_grad():
        weight.add_(0.01 * change)
    weights.save(
        net, tmp_path / "m", base="fake", base_state=base_state, settings=Settings(), extra={}, rank=2
    )
    key = "encoder.layer.0.intermediate.dense.weight"
    with np.load(tmp_path / "m" / "weights.npz") as stored:
        assert {f"a:{key}", f"b:{key}", f"sa:{key}", f"sb:{key}"} <= set(stored.files)
        assert f"d:{key}" not in stored.files
        assert stored[f"a:{key}"].shape == (256, 2) and stored[f"a:{key}"].dtype == np.int8

    real_build = runtime_weights.build_encoder
    monkeypatch.setattr(
        runtime_weights, "build_encoder", lambda b, c, **_: _rebuilt(real_build, config, base_state)
    )
    (tmp_path / "m" / "tokenizer.json").write_text(
        __import__("unspin.testing.tiny", fromlist=["x"]).tiny_tokenizer(["a b"]).to_str()
    )
    loaded, *_ = runtime_weights.load(tmp_path / "m")
    got = loaded.encoder.encoder.layer[0].intermediate.dense.weight
    delta = weight - base_state[key]
    error = (got - weight).abs().max() / delta.abs().max()
    assert error < 0.02, f"reconstruction error {error:.4f} of the largest change"


def _rebuilt(build, config, state):
    enc, _ = build(None, config)
    enc.load_state_dict(state)
    return enc, None


def test_soup_is_the_weighted_average_of_its_models(tmp_path):
    a = build_tiny_model(tmp_path / "a", seed=0)
    b = build_tiny_model(tmp_path / "b", seed=1)
    net_a, *_ = runtime_weights.load(a)
    net_b, *_ = runtime_weights.load(b)
    half, *_ = runtime_weights.load(weights.soup([a, b], tmp_path / "half"))
    quarter, _, _, config = runtime_weights.load(weights.soup([a, b], tmp_path / "q", weights=[1, 3]))
    assert config["soup"]["weights"] == [0.25, 0.75]
    sa, sb = net_a.state_dict(), net_b.state_dict()
    moved = 0
    for name, value in half.state_dict().items():
        if value.dtype.is_floating_point:
            assert torch.allclose(value, (sa[name] + sb[name]) / 2, atol=2e-3), name
            assert torch.allclose(quarter.state_dict()[name], 0.25 * sa[name] + 0.75 * sb[name], atol=2e-3)
            moved += int(not torch.allclose(sa[name], sb[name]))
    assert moved > 10  # the two seeds really differ


def test_soup_refuses_models_of_different_shape(tmp_path):
    import pytest

    from unspin.errors import ModelNotFoundError

    a = build_tiny_model(tmp_path / "a", seed=0)
    b = build_tiny_model(tmp_path / "b", seed=0, vocab_size=200)
    with pytest.raises(ModelNotFoundError, match="cannot join a soup"):
        weights.soup([a, b], tmp_path / "s")
    with pytest.raises(ModelNotFoundError, match="at least two"):
        weights.soup([a], tmp_path / "s")
    with pytest.raises(ModelNotFoundError, match="weight per model"):
        weights.soup([a, a], tmp_path / "s", weights=[1.0])
