"""Replay for `unspin adapt`: PTC articles of one split, renamed into the adapted taxonomy."""

from pathlib import Path
from types import SimpleNamespace

from unspin.doc import Document
from unspin.training.replay import replay_articles
from unspin.tuning.splits import report_ids, tuning_ids

TEXT = "They are corrupt traitors and liars. " * 20


def write_ptc(root: Path, ids: list[str]) -> Path:
    (root / "train-articles").mkdir(parents=True)
    (root / "train-labels-task-flc-tc").mkdir()
    for ident in ids:
        (root / "train-articles" / f"article{ident}.txt").write_text(TEXT)
        (root / "train-labels-task-flc-tc" / f"article{ident}.task-flc-tc.labels").write_text(
            f"{ident}\tLoaded_Language\t9\t16\n{ident}\tName_Calling,Labeling\t17\t25\n")
    return root


def test_each_split_replays_only_its_articles_renamed(tmp_path):
    tuning, report = tuning_ids()[:3], report_ids()[:3]
    folder = write_ptc(tmp_path / "ptc", tuning + report + ["999000001", "999000002"])
    docs = [Document(TEXT * 3, id="mine")]
    settings = SimpleNamespace(stride=64)
    args = dict(seed=1, settings=settings)
    train_docs, labels, ignore = replay_articles(folder, 0.5, docs, ["Loaded Language"], **args)
    assert {d.id for d in train_docs} <= {"ptc-999000001", "ptc-999000002"} and train_docs
    tuned, _, _ = replay_articles(folder, 0.5, docs, ["Loaded Language"], split="tuning", **args)
    assert {d.id for d in tuned} <= {f"ptc-{i}" for i in tuning} and tuned
    ident = train_docs[0].id
    assert [(x.start, x.end, x.technique) for x in labels[ident]] == [(9, 16, "Loaded Language")]
    assert ignore[ident] == [(17, 25)]  # a technique the taxonomy does not have: don't care
    assert replay_articles(folder, 0.5, [], ["Loaded Language"], **args)[0] == []
    assert replay_articles(folder, 0.0, docs, ["Loaded Language"], **args)[0] == []
