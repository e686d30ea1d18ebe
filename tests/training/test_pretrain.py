"""Domain-adaptive pretraining on a tiny random BERT: blocks, masking, resume, --init."""

import json

import pytest
import torch

from unspin.errors import InputError
from unspin.testing.tiny import TINY_ENCODER, tiny_tokenizer
from unspin.training.pretrain import PretrainArguments, blocks, mask_tokens, pretrain

TEXTS = [
    "The corrupt elites lied again. They always lie to you.",
    "Our brave nation will never surrender to these traitors.",
    "Experts say the plan could fail, but nobody listens to them.",
] * 4


@pytest.fixture
def tiny_base(tmp_path):
    from transformers import AutoConfig, AutoModel

    tok = tiny_tokenizer(TEXTS * 3, vocab_size=120)
    folder = tmp_path / "base"
    config = AutoConfig.for_model(**dict(TINY_ENCODER, vocab_size=tok.get_vocab_size()))
    torch.manual_seed(0)
    AutoModel.from_config(config).save_pretrained(str(folder))
    tok.save(str(folder / "tokenizer.json"))
    return folder, tok


def test_blocks_start_with_cls_and_join_texts_with_sep(tiny_base):
    _, tok = tiny_base
    cls, sep = tok.token_to_id("[CLS]"), tok.token_to_id("[SEP]")
    first = tok.encode(TEXTS[0], add_special_tokens=False).ids
    rows = blocks(TEXTS[:2], tok, len(first) + 2, cls, sep)  # body: first text and its [SEP]
    assert rows.shape[1] == len(first) + 2
    assert rows[0].tolist() == [cls, *first, sep]
    assert all(row[0] == cls for row in rows)
    with pytest.raises(InputError, match="Too little text"):
        blocks(["short"], tok, 64, cls, sep)


def test_masking_spares_special_tokens():
    gen = torch.Generator().manual_seed(1)
    ids = torch.arange(5, 5 + 400).reshape(4, 100)
    special = torch.zeros_like(ids, dtype=torch.bool)
    special[:, 0] = True
    inputs, labels = mask_tokens(ids, special, 0.15, 4, 500, gen)
    chosen = labels != -100
    assert not chosen[:, 0].any() and torch.equal(labels[chosen], ids[chosen])
    assert 0.08 < chosen.float().mean() < 0.22
    assert torch.equal(inputs[~chosen], ids[~chosen])
    assert (inputs[chosen] == 4).float().mean() > 0.6  # mostly [MASK]


def test_pretrain_writes_an_encoder_and_resumes(tiny_base, tmp_path):
    folder, _ = tiny_base
    args = PretrainArguments(base=str(folder), out=str(tmp_path / "dapt"), batch_size=2, block=16,
                             save_every=2, bf16=False, epochs=2)
    seen = []
    result = pretrain(TEXTS, args, on_step=lambda s, t, loss: seen.append((s, t, loss)))
    assert seen[-1][0] == seen[-1][1] == result["steps"] and all(loss == loss for *_, loss in seen)
    assert (tmp_path / "dapt" / "encoder" / "model.safetensors").exists()
    assert (tmp_path / "dapt" / "encoder" / "tokenizer.json").exists()
    log = [json.loads(line) for line in (tmp_path / "dapt" / "log.jsonl").read_text().splitlines()]
    assert log[-1]["step"] == result["steps"]
    seen.clear()
    pretrain(TEXTS, args, on_step=lambda s, t, loss: seen.append(s))
    assert seen == []  # finished: nothing to redo


def test_train_init_from_a_pretrained_encoder(tiny_base, tmp_path, ptc_dir):
    from safetensors.torch import load_file

    from unspin.training.args import TrainingArguments
    from unspin.training.trainer import Trainer

    folder, tok = tiny_base
    pretrain(TEXTS, PretrainArguments(base=str(folder), out=str(tmp_path / "dapt"), batch_size=4,
                                      block=16, bf16=False))
    dapt = load_file(str(tmp_path / "dapt" / "encoder" / "model.safetensors"))
    args = TrainingArguments(data=str(ptc_dir), out=str(tmp_path / "run"), base=None, epochs=1,
                             batch_size=2, max_len=32, stride=16, tuning_ids=["3"], bf16=False,
                             encoder_config=dict(TINY_ENCODER, vocab_size=tok.get_vocab_size()),
                             init=str(tmp_path / "dapt"), lr=0.0)
    trainer = Trainer(args, tokenizer=tok)
    trainer.train()
    key = "embeddings.word_embeddings.weight"
    assert torch.equal(trainer.net.state_dict()[f"encoder.{key}"], dapt[key])
    wrong = TrainingArguments(**{**args.__dict__, "out": str(tmp_path / "wrong"),
                                 "encoder_config": dict(TINY_ENCODER, vocab_size=400, num_hidden_layers=1)})
    with pytest.raises(InputError, match="does not fit"):
        Trainer(wrong, tokenizer=tok).train()
