"""A whole training run on the fixture articles with a tiny random encoder."""

import json

import pytest

from fixtures_ptc import tiny_args
from unspin.errors import InputError
from unspin.testing.tiny import TINY_ENCODER
from unspin.training.args import TrainingArguments
from unspin.training.trainer import Trainer


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


@pytest.mark.parametrize("keep, saved", [("best", 1), ("last", 3)])
def test_the_kept_epoch_is_the_best_validated_or_the_last(ptc_dir, tmp_path, monkeypatch, keep, saved):
    import unspin.training.trainer as trainer

    falling = iter([0.9, 0.5, 0.1])  # validation says each epoch is worse than the one before
    monkeypatch.setattr(trainer, "validate", lambda *_: {t: {"f1": f} for f in [next(falling)]
                                                         for t in ("si", "tc", "flc")})
    args, tok = tiny_args(ptc_dir, tmp_path / "run")
    args.epochs, args.keep = 3, keep
    Trainer(args, tokenizer=tok).train()
    assert json.loads((tmp_path / "run" / "model" / "config.json").read_text())["epoch"] == saved
    with pytest.raises(InputError, match="keep must be best or last"):
        TrainingArguments(data=str(ptc_dir), keep="first")


def test_training_is_seeded(ptc_dir, tmp_path):
    losses = []
    _, tok = tiny_args(ptc_dir, tmp_path / "a")
    for run in ("a", "b"):
        args, _ = tiny_args(ptc_dir, tmp_path / run)
        losses.append(Trainer(args, tokenizer=tok).train()["history"][0]["train_loss"])
    assert losses[0] == pytest.approx(losses[1])


def test_bf16_follows_the_cpu_unless_asked(ptc_dir):
    from unspin.training.device import native_bf16

    assert TrainingArguments(data=str(ptc_dir)).bf16 is native_bf16()
    assert TrainingArguments(data=str(ptc_dir), bf16=True).bf16 is True


def test_bad_arguments(tmp_path):
    with pytest.raises(InputError, match="train-articles"):
        TrainingArguments(data=str(tmp_path))


def test_extra_folders_and_weights(ptc_dir, tmp_path):
    from fixtures_ptc import write_extra

    ct24 = write_extra(tmp_path / "ct24")
    args = TrainingArguments(data=str(ptc_dir), extra=[str(ct24), f"{ct24}:0.25", str(ptc_dir)])
    assert args.extra_folders() == [(str(ct24), 1.0), (str(ct24), 0.25), (str(ptc_dir), 1.0)]
    bad = {
        f"{ct24}:heavy": "a number for WEIGHT",
        f"{ct24}:0": r"must be in \(0, 1\], got 0",
        f"{ct24}:1.5": r"must be in \(0, 1\], got 1.5",
        f"{ct24}:nan": "must be in",
        ":0.5": "folder is missing",
        f"{tmp_path / 'nowhere'}:0.5": "not an extra training folder",
    }
    for entry, message in bad.items():
        with pytest.raises(InputError, match=message):
            TrainingArguments(data=str(ptc_dir), extra=[entry])


def test_training_with_an_extra_folder(ptc_dir, tmp_path):
    from fixtures_ptc import write_extra

    ct24 = write_extra(tmp_path / "ct24")
    args, tok = tiny_args(ptc_dir, tmp_path / "run", epochs=1, extra=[f"{ct24}:0.5"])
    result = Trainer(args, tokenizer=tok).train()
    plain = Trainer(tiny_args(ptc_dir, tmp_path / "plain", epochs=1)[0], tokenizer=tok).train()
    assert result["extra_articles"] == 2 and plain["extra_articles"] == 0
    assert result["train_articles"] == plain["train_articles"] == 2  # PTC's split is unchanged
    assert result["examples"] > plain["examples"]
    assert result["stats"]["spans"] == plain["stats"]["spans"] + 3  # the extra folder's labels
    assert json.loads((tmp_path / "run" / "args.json").read_text())["extra"] == [f"{ct24}:0.5"]
    # A PTC folder is an extra folder too, but never one holding the tuning or report split.
    clash, _ = tiny_args(ptc_dir, tmp_path / "clash", epochs=1, extra=[str(ptc_dir)])
    with pytest.raises(InputError, match="article 3 of PTC's tuning or report split"):
        Trainer(clash, tokenizer=tok).train()


def test_special_tokens_in_bert_and_roberta_spelling():
    from tokenizers import Tokenizer, models

    from unspin.runtime.windows import special_id

    bert = Tokenizer(models.WordLevel({"[PAD]": 0, "[CLS]": 1, "x": 2}, unk_token="x"))
    roberta = Tokenizer(models.WordLevel({"<s>": 0, "<pad>": 1, "x": 2}, unk_token="x"))
    assert special_id(bert, "[CLS]", "<s>") == 1 and special_id(roberta, "[CLS]", "<s>") == 0
    assert special_id(roberta, "[PAD]", "<pad>") == 1
    with pytest.raises(InputError, match="special tokens"):
        special_id(bert, "[SEP]", "</s>")


def test_encoder_dropout_override():
    from unspin.training import weights as artifact

    config = dict(TINY_ENCODER, vocab_size=50)
    assert artifact.build_encoder(None, config)[0].config.hidden_dropout_prob == pytest.approx(0.1)
    enc, _ = artifact.build_encoder(None, config, dropout=0.0)
    assert enc.config.hidden_dropout_prob == 0.0 and enc.config.attention_probs_dropout_prob == 0.0


def test_init_starts_from_an_earlier_run(ptc_dir, tmp_path):
    import torch

    args, tok = tiny_args(ptc_dir, tmp_path / "first", epochs=1)
    first = Trainer(args, tokenizer=tok)
    first.train()
    trained = torch.load(tmp_path / "first" / "checkpoint.pt", weights_only=False)["net"]
    args2, _ = tiny_args(ptc_dir, tmp_path / "second", epochs=1, init=str(tmp_path / "first"), lr=0.0)
    args2.head_lr = 0.0
    second = Trainer(args2, tokenizer=tok)
    second.train()
    key = "tagger.weight"
    assert torch.equal(second.net.state_dict()[key], trained[key])  # lr 0: the init is kept
    with pytest.raises(InputError, match="--init"):
        bad, _ = tiny_args(ptc_dir, tmp_path / "third", init=str(tmp_path / "nowhere"))
        Trainer(bad, tokenizer=tok).train()


def test_distillation_from_a_teacher_with_another_tokenizer(ptc_dir, tmp_path):
    from unspin.testing.tiny import build_tiny_model

    teacher = build_tiny_model(tmp_path / "teacher", seed=5, vocab_size=150)
    losses, taught = {}, []
    for name, extra in {"alone": {}, "taught": {"teacher": str(teacher), "distil": 0.7}}.items():
        args, tok = tiny_args(ptc_dir, tmp_path / name, epochs=1, **extra)
        trainer = Trainer(args, tokenizer=tok, on_teach=lambda done, total: taught.append((done, total)))
        losses[name] = trainer.train()["history"][0]["train_loss"]
    assert losses["taught"] != pytest.approx(losses["alone"])  # the teacher's targets are in the loss
    assert taught == [(1, 2), (2, 2)]  # progress over the two training articles


def test_teaching_carries_teacher_bio_onto_student_tokens(ptc_dir, tiny_model_dir, tmp_path):
    import numpy as np

    import unspin
    from unspin.testing.tiny import tiny_tokenizer as make_tok
    from unspin.training.teacher import from_cache, label_cache, read_cache
    from unspin.tuning.data import load_corpus

    docs, labels = load_corpus(ptc_dir)
    student = make_tok([d.text for d in docs], vocab_size=120)
    teacher = unspin.load(tiny_model_dir, backend="torch").predictor
    label_cache(teacher, docs, tmp_path / "cache", labels=labels)
    taught = {d.id: from_cache(arrays, student) for d, arrays in read_cache(tmp_path / "cache")}
    assert set(taught) == {str(d.id) for d in docs}
    for d in docs:
        t = taught[str(d.id)]
        n_student = len(student.encode(d.text, add_special_tokens=False).ids)
        assert t.bio.shape == (n_student, 3)
        rows = t.bio[~np.isnan(t.bio[:, 0])]
        assert len(rows) and np.allclose(rows.sum(-1), 1.0, atol=1e-5)
        gold = {(lab.start, lab.end) for lab in labels.get(str(d.id), []) if lab.technique}
        assert set(t.spans) == gold
        assert all(np.isclose(p.sum(), 1.0, atol=1e-5) for p in t.spans.values())


def test_self_training_on_a_teacher_cache(ptc_dir, tmp_path, tiny_model_dir):
    import unspin
    from unspin.doc import Document
    from unspin.training.teacher import label_cache, read_cache

    teacher = unspin.load(tiny_model_dir, backend="torch").predictor
    news = [
        Document("The corrupt elites betray the nation again. Build the wall! " * 3, id="n1"),
        Document("A quiet day at the market.", id="n/2"),
    ]
    cache = tmp_path / "cache"
    assert label_cache(teacher, news, cache) == 2
    assert label_cache(teacher, news, cache) == 0  # cached: a rerun resumes with nothing to do
    entries = {d.id: (d, a) for d, a in read_cache(cache)}
    assert set(entries) == {"n1", "n/2"} and entries["n1"][0].text == news[0].text
    assert entries["n1"][1]["bio"].shape == (len(entries["n1"][1]["offsets"]), 3)
    args, tok = tiny_args(ptc_dir, tmp_path / "run", epochs=1, pseudo=[str(cache)])
    taught = Trainer(args, tokenizer=tok).train()
    plain = Trainer(tiny_args(ptc_dir, tmp_path / "plain", epochs=1)[0], tokenizer=tok).train()
    assert taught["pseudo_articles"] == 2 and taught["examples"] > plain["examples"]


def test_the_report_split_is_never_trained_on(ptc_dir, tmp_path):
    from unspin.tuning.splits import report_ids, split_of, tuning_ids

    report, tuning = set(report_ids()), set(tuning_ids())
    assert len(report) >= 70 and len(tuning) == 56 and not report & tuning
    assert split_of(["x", *sorted(report)[:1], *sorted(tuning)[:1]], "train") == ["x"]
    args, tok = tiny_args(ptc_dir, tmp_path / "run", epochs=1, holdout_ids=["1"])
    assert Trainer(args, tokenizer=tok).train()["train_articles"] == 1  # "2" left; "3" validates


def test_a_teacher_cache_belongs_to_one_teacher(tiny_model_dir, tmp_path):
    import json
    import shutil

    import unspin
    from unspin.doc import Document
    from unspin.errors import InputError
    from unspin.training.teacher import fingerprint, label_cache

    teacher = unspin.load(tiny_model_dir, backend="torch").predictor
    news = [Document("They lie. Build the wall!", id="a"), Document("A quiet day.", id="b")]
    ours = fingerprint(tiny_model_dir)
    cache = tmp_path / "cache"
    assert label_cache(teacher, news[:1], cache, teacher_id=ours) == 1
    assert json.loads((cache / "teacher.json").read_text())["teacher"] == ours
    assert label_cache(teacher, news, cache, teacher_id=ours) == 1  # the same teacher resumes
    retuned = shutil.copytree(tiny_model_dir, tmp_path / "retuned")
    config = json.loads((retuned / "config.json").read_text())
    config["settings"]["threshold"] = 0.123
    (retuned / "config.json").write_text(json.dumps(config))
    assert fingerprint(retuned) != ours  # a change of settings is another teacher
    with pytest.raises(InputError, match="another teacher"):
        label_cache(teacher, news, cache, teacher_id=fingerprint(retuned))
    (cache / "teacher.json").unlink()  # a cache from before teachers were recorded
    with pytest.raises(InputError, match="did not record"):
        label_cache(teacher, news, cache, teacher_id=ours)


def test_class_weights_change_training_and_are_checked(ptc_dir, tmp_path):
    _, tok = tiny_args(ptc_dir, tmp_path / "plain")
    losses = []
    for run, power in (("plain", 0.0), ("weighted", 0.5)):
        args, _ = tiny_args(ptc_dir, tmp_path / run)
        args.class_weights = power
        losses.append(Trainer(args, tokenizer=tok).train()["history"][0]["train_loss"])
    assert losses[0] != pytest.approx(losses[1])
    assert json.loads((tmp_path / "weighted" / "args.json").read_text())["class_weights"] == 0.5
    with pytest.raises(InputError, match="class_weights"):
        TrainingArguments(data=str(ptc_dir), class_weights=-1)


def test_a_frozen_encoder_trains_the_heads_only_on_cached_states(ptc_dir, tmp_path):
    import torch

    args, tok = tiny_args(ptc_dir, tmp_path / "first", epochs=1)
    Trainer(args, tokenizer=tok).train()
    start = torch.load(tmp_path / "first" / "checkpoint.pt", weights_only=False)["net"]
    losses: list[list[float]] = [[], []]
    for k, freeze in enumerate((True, False)):
        run = tmp_path / f"second-{freeze}"
        args2, _ = tiny_args(ptc_dir, run, epochs=3, init=str(tmp_path / "first"), encoder_dropout=0.0,
                             freeze_encoder=freeze, lr=0.0)
        trainer = Trainer(args2, tokenizer=tok, on_step=lambda s, t, loss, k=k: losses[k].append(loss))
        result = trainer.train()
        state = trainer.net.state_dict()
        assert all(torch.equal(state[n], start[n]) for n in start if n.startswith("encoder."))
        assert not torch.equal(state["tagger.weight"], start["tagger.weight"])
        if freeze:  # validated once, after the last epoch; every epoch checkpointed
            assert [r["epoch"] for r in result["history"]] == [3]
            assert (run / "model" / "config.json").exists()
    # the cached states are the encoder's own (float16): the same first loss as a forward pass
    assert losses[0][0] == pytest.approx(losses[1][0], rel=1e-3)
