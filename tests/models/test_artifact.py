"""Saving a model as an int8 delta and loading it back."""

import numpy as np
import torch

from unspin.models import artifact
from unspin.models.network import PropagandaNet
from unspin.models.predictor import Settings
from unspin.models.tiny import TINY_ENCODER, build_tiny_model


def test_quantize_round_trip_error_is_small():
    rng = np.random.default_rng(0)
    delta = rng.normal(0, 0.01, (8, 16)).astype(np.float32)
    q, s = artifact.quantize_rows(delta)
    assert q.dtype == np.int8
    assert np.abs(artifact.dequantize_rows(q, s) - delta).max() <= s.max() / 2 + 1e-7


def test_tiny_model_round_trip(tmp_path):
    folder = build_tiny_model(tmp_path / "m", seed=3)
    net, _tok, settings, config = artifact.load(folder)
    assert config["base"] is None and settings.max_len == 64
    again, _, _, _ = artifact.load(folder)
    ids = torch.tensor([[2, 10, 11, 3]])
    mask = torch.ones_like(ids)
    a, b = net(ids, mask)[1], again(ids, mask)[1]
    assert torch.allclose(a, b)


def test_delta_over_base_reconstructs_weights(tmp_path, monkeypatch):
    config = dict(TINY_ENCODER, vocab_size=50)
    base_encoder, _ = artifact.build_encoder(None, config)
    base_state = {k: v.clone() for k, v in base_encoder.state_dict().items()}
    net = PropagandaNet(base_encoder, 32, 14)
    with torch.no_grad():
        net.encoder.embeddings.word_embeddings.weight.add_(0.01)
    artifact.save(net, tmp_path / "m", base="fake", base_state=base_state, settings=Settings(), extra={})
    with np.load(tmp_path / "m" / "weights.npz") as stored:
        assert "d:embeddings.word_embeddings.weight" in stored.files
        assert "d:encoder.layer.0.attention.self.query.weight" not in stored.files  # unchanged: not stored

    real_build = artifact.build_encoder

    def fake_build(base, encoder_config):
        enc, _ = real_build(None, config)
        enc.load_state_dict(base_state)
        return enc, None

    monkeypatch.setattr(artifact, "build_encoder", fake_build)
    (tmp_path / "m" / "tokenizer.json").write_text(
        __import__("unspin.models.tiny", fromlist=["x"]).tiny_tokenizer(["a b"]).to_str()
    )
    loaded, *_ = artifact.load(tmp_path / "m")
    got = loaded.encoder.embeddings.word_embeddings.weight
    want = net.encoder.embeddings.word_embeddings.weight
    assert torch.allclose(got, want, atol=1e-4)
