"""A shallower student: `--layers` keeps some of the encoder's layers, and `--init` from a
deeper run or model gives it those layers' weights."""

import pytest
import torch

import unspin
from fixtures_ptc import tiny_args
from unspin.errors import InputError, ModelNotFoundError
from unspin.runtime.backends import weights as runtime_weights
from unspin.testing.tiny import TINY_ENCODER
from unspin.training import weights
from unspin.training.start import pick_layers
from unspin.training.trainer import Trainer

QUERY = "encoder.encoder.layer.{}.attention.self.query.weight"


def test_keep_layers_checks_its_indices():
    config = dict(TINY_ENCODER, num_hidden_layers=4, vocab_size=50)
    torch.manual_seed(0)
    full, _ = runtime_weights.build_encoder(None, config)
    wanted = [full.encoder.layer[i].attention.self.query.weight.clone() for i in (1, 3)]
    kept = runtime_weights.keep_layers(full, [1, 3])
    assert len(kept.encoder.layer) == 2 and kept.config.num_hidden_layers == 2
    for j, weight in enumerate(wanted):
        assert torch.equal(kept.encoder.layer[j].attention.self.query.weight, weight)
    with pytest.raises(ModelNotFoundError, match="layers"):
        runtime_weights.keep_layers(kept, [])
    for bad in ([2, 1], [1, 1], [-1], [4]):
        with pytest.raises(ModelNotFoundError, match="layers"):
            runtime_weights.build_encoder(None, config, layers=bad)


def test_pick_layers_renumbers_and_drops():
    state = {QUERY.format(i): torch.full((1,), float(i)) for i in range(4)} | {"tagger.weight": torch.ones(1)}
    picked = pick_layers(state, [1, 3])
    assert sorted(picked) == sorted([QUERY.format(0), QUERY.format(1), "tagger.weight"])
    assert picked[QUERY.format(0)].item() == 1.0 and picked[QUERY.format(1)].item() == 3.0


def test_a_student_starts_from_layers_of_a_deeper_run(ptc_dir, tmp_path):
    args, tok = tiny_args(ptc_dir, tmp_path / "deep", epochs=1)
    Trainer(args, tokenizer=tok).train()
    deep = runtime_weights.load(tmp_path / "deep" / "model")[0].state_dict()
    for source in ("deep", "deep/model"):  # a run folder or a model folder
        out = tmp_path / f"student-{source.replace('/', '-')}"
        student_args, _ = tiny_args(ptc_dir, out, epochs=1, layers=[1], init=str(tmp_path / source), lr=0.0)
        student_args.head_lr = 0.0
        student = Trainer(student_args, tokenizer=tok)
        student.train()
        state = student.net.state_dict()
        assert len(student.net.encoder.encoder.layer) == 1
        assert torch.allclose(state[QUERY.format(0)], deep[QUERY.format(1)], atol=1e-2)  # fp16 on disk
        assert torch.allclose(state["tagger.weight"], deep["tagger.weight"], atol=1e-2)
    config = runtime_weights.load(out / "model")[3]
    assert config["layers"] == [1]
    analyzer = unspin.load(out / "model", backend="torch")
    assert len(analyzer.predictor.backend.net.encoder.encoder.layer) == 1
    text = "They are traitors, and everyone knows it. Stop them now!"
    exported = unspin.load(out / "model", backend="onnx-fp32")  # the export follows the layers
    assert analyzer.analyze(text).spans, "the tiny model should find something to compare"
    assert [s.score for s in exported.analyze(text).spans] == pytest.approx(
        [s.score for s in analyzer.analyze(text).spans], abs=1e-3
    )
    souped = weights.soup([out / "model", out / "model"], tmp_path / "soup")
    assert runtime_weights.load(souped)[3]["layers"] == [1]


def test_layers_that_do_not_fit_are_a_clear_error(ptc_dir, tmp_path):
    args, tok = tiny_args(ptc_dir, tmp_path / "run", epochs=1, layers=[0, 5])
    with pytest.raises((InputError, ModelNotFoundError), match="layers"):
        Trainer(args, tokenizer=tok).train()
