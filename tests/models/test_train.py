"""A whole training run on the fixture articles with a tiny random encoder."""

import json

import pytest

from unspin.errors import InputError
from unspin.models.tiny import TINY_ENCODER, tiny_tokenizer
from unspin.models.train import Trainer, TrainingArguments


def tiny_args(ptc_dir, out, **kw):
    from fixtures_ptc import ARTICLES

    return TrainingArguments(
        data=str(ptc_dir),
        out=str(out),
        base=None,
        epochs=2,
        batch_size=2,
        max_len=32,
        stride=16,
        encoder_config=dict(TINY_ENCODER, vocab_size=400),
        valid_ids=["3"],
        bf16=False,
        **kw,
    ), tiny_tokenizer([a[0] for a in ARTICLES.values()] * 3)


def test_train_logs_checkpoints_and_resumes(ptc_dir, tmp_path):
    args, tok = tiny_args(ptc_dir, tmp_path / "run")
    steps = []
    result = Trainer(args, tokenizer=tok, on_step=lambda s, t, loss: steps.append((s, t, loss))).train()
    assert steps[-1][0] == steps[-1][1] and len(result["history"]) == 2
    assert result["train_articles"] == 2 and result["valid_articles"] == 1
    log = [json.loads(line) for line in (tmp_path / "run" / "log.jsonl").read_text().splitlines()]
    assert [r["epoch"] for r in log] == [1, 2]
    assert {"si", "tc", "flc"} <= set(log[0]["valid"])
    assert (tmp_path / "run" / "model" / "config.json").exists()
    # Asking for a third epoch resumes after the second.
    args3, _ = tiny_args(ptc_dir, tmp_path / "run")
    args3.epochs = 3
    per_epoch = len(steps) // 2
    steps.clear()
    again = Trainer(args3, tokenizer=tok, on_step=lambda s, t, loss: steps.append(s)).train()
    assert len(again["history"]) == 3
    assert steps == list(range(2 * per_epoch + 1, 3 * per_epoch + 1))  # only the third epoch ran


def test_training_is_seeded(ptc_dir, tmp_path):
    losses = []
    _, tok = tiny_args(ptc_dir, tmp_path / "a")
    for run in ("a", "b"):
        args, _ = tiny_args(ptc_dir, tmp_path / run)
        losses.append(Trainer(args, tokenizer=tok).train()["history"][0]["train_loss"])
    assert losses[0] == pytest.approx(losses[1])


def test_bad_arguments(tmp_path):
    with pytest.raises(InputError, match="train-articles"):
        TrainingArguments(data=str(tmp_path))


def test_special_tokens_in_bert_and_roberta_spelling():
    from tokenizers import Tokenizer, models

    from unspin.models.train import _special

    bert = Tokenizer(models.WordLevel({"[PAD]": 0, "[CLS]": 1, "x": 2}, unk_token="x"))
    roberta = Tokenizer(models.WordLevel({"<s>": 0, "<pad>": 1, "x": 2}, unk_token="x"))
    assert _special(bert, "[CLS]", "<s>") == 1 and _special(roberta, "[CLS]", "<s>") == 0
    assert _special(roberta, "[PAD]", "<pad>") == 1
    with pytest.raises(InputError, match="special tokens"):
        _special(bert, "[SEP]", "</s>")


def test_encoder_dropout_override():
    from unspin.models import artifact

    config = dict(TINY_ENCODER, vocab_size=50)
    assert artifact.build_encoder(None, config)[0].config.hidden_dropout_prob == pytest.approx(0.1)
    enc, _ = artifact.build_encoder(None, config, dropout=0.0)
    assert enc.config.hidden_dropout_prob == 0.0 and enc.config.attention_probs_dropout_prob == 0.0
