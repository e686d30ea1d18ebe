"""An ensemble folder of two tiny models loads and runs; a one-member ensemble equals
its member."""

import json
import shutil

import unspin
from unspin.models.tiny import build_tiny_model


def make_ensemble(root, members):
    root.mkdir()
    for name, folder in members.items():
        shutil.copytree(folder, root / name)
    settings = json.loads((root / next(iter(members)) / "config.json").read_text())["settings"]
    (root / "config.json").write_text(
        json.dumps(
            {
                "format": 1,
                "ensemble": list(members),
                "settings": settings,
                "second_threshold": 0.4,
                "name": "tiny-ensemble",
            }
        )
    )
    return root


def test_single_member_ensemble_equals_member(tiny_model_dir, tmp_path):
    ens = make_ensemble(tmp_path / "e", {"a": tiny_model_dir})
    text = "The corrupt elites betray the nation again. Build the wall! " * 10
    want = [
        (s.start, s.end, s.technique)
        for s in unspin.load(tiny_model_dir, backend="torch").analyze(text).spans
    ]
    got = [(s.start, s.end, s.technique) for s in unspin.load(ens, backend="torch").analyze(text).spans]
    assert got == want


def test_two_member_ensemble_runs(tiny_model_dir, tmp_path):
    other = build_tiny_model(tmp_path / "b", seed=7)
    # Members must share a tokenizer: reuse the first member's.
    shutil.copy(tiny_model_dir / "tokenizer.json", other / "tokenizer.json")
    ens = make_ensemble(tmp_path / "e", {"a": tiny_model_dir, "b": other})
    analyzer = unspin.load(ens, backend="onnx-fp32")
    assert analyzer.name == "tiny-ensemble"
    text = "They are traitors. " * 20
    analysis = analyzer.analyze(text)
    assert all(0 <= s.start < s.end <= len(text) for s in analysis.spans)
