"""Fusing models with different tokenizers on characters."""

import json
import shutil

import numpy as np
import pytest

import unspin
from unspin.errors import ModelNotFoundError
from unspin.runtime import fusion
from unspin.testing.tiny import build_tiny_model

TEXT = "The corrupt elites betray the nation again. Build the wall! They are traitors and liars. " * 6


@pytest.fixture(scope="module")
def other_model(tmp_path_factory):
    """A tiny model whose tokenizer has a much smaller vocabulary: it splits words differently."""
    return build_tiny_model(tmp_path_factory.mktemp("other") / "m", seed=7, vocab_size=120)


def make_fused(root, members, weights=None):
    root.mkdir()
    for name, folder in members.items():
        shutil.copytree(folder, root / name)
    settings = json.loads((root / next(iter(members)) / "config.json").read_text())["settings"]
    config = {"format": 1, "fuse": list(members), "settings": settings, "name": "tiny-fused"}
    if weights is not None:
        config["weights"] = weights
    (root / "config.json").write_text(json.dumps(config))
    return root


def test_token_at_chars_by_hand():
    offsets = np.array([[0, 3], [4, 8]])
    assert fusion.token_at_chars(offsets, 9).tolist() == [0, 0, 0, -1, 1, 1, 1, 1, -1, -1]


def test_members_really_tokenize_differently(tiny_model_dir, other_model):
    a = unspin.load(tiny_model_dir, backend="torch").predictor.prepare(TEXT).tokens
    b = unspin.load(other_model, backend="torch").predictor.prepare(TEXT).tokens
    assert len(a) != len(b)


def test_zero_weight_member_changes_nothing(tiny_model_dir, other_model, tmp_path):
    fused = unspin.load(
        make_fused(tmp_path / "f", {"a": tiny_model_dir, "b": other_model}, [1.0, 0.0]), backend="torch"
    )
    alone = unspin.load(tiny_model_dir, backend="torch")
    want = [(s.start, s.end, s.technique, round(s.score, 5)) for s in alone.analyze(TEXT).spans]
    got = [(s.start, s.end, s.technique, round(s.score, 5)) for s in fused.analyze(TEXT).spans]
    assert got == want and want


def test_labels_are_the_weighted_average_of_members(tiny_model_dir, other_model, tmp_path):
    fused = unspin.load(
        make_fused(tmp_path / "f", {"a": tiny_model_dir, "b": other_model}, [3.0, 1.0]), backend="torch"
    )
    spans = [[(4, 18), (50, 58)]]
    a, b = (unspin.load(m, backend="torch").predictor for m in (tiny_model_dir, other_model))
    pa, pb = (np.stack([r.probs for r in next(p.label([TEXT], spans))]) for p in (a, b))
    got = np.stack([r.probs for r in next(fused.predictor.label([TEXT], spans))])
    assert np.allclose(got, 0.75 * pa + 0.25 * pb, atol=1e-6)
    assert np.allclose(got.sum(-1), 1.0, atol=1e-5)


def test_technique_weights_label_spans_but_leave_the_spans_alone(tiny_model_dir, other_model, tmp_path):
    folder = make_fused(tmp_path / "f", {"a": tiny_model_dir, "b": other_model}, [3.0, 1.0])
    config = json.loads((folder / "config.json").read_text())
    config["technique_weights"] = [1.0, 3.0]
    (folder / "config.json").write_text(json.dumps(config))
    fused = unspin.load(folder, backend="torch").predictor
    same = unspin.load(make_fused(tmp_path / "g", {"a": tiny_model_dir, "b": other_model}, [3.0, 1.0]),
                       backend="torch").predictor
    spans = [[(4, 18), (50, 58)]]
    a, b = (unspin.load(m, backend="torch").predictor for m in (tiny_model_dir, other_model))
    pa, pb = (np.stack([r.probs for r in next(p.label([TEXT], spans))]) for p in (a, b))
    got = np.stack([r.probs for r in next(fused.label([TEXT], spans))])
    assert np.allclose(got, 0.25 * pa + 0.75 * pb, atol=1e-6)
    [encs] = list(fused.encode([TEXT]))
    assert np.allclose(fused._fused_bio(encs), same._fused_bio(encs))  # spans: the span weights
    assert not np.allclose(fused.stitched(encs).tech, same.stitched(encs).tech)


def test_fused_bio_moves_with_the_second_member(tiny_model_dir, other_model, tmp_path):
    folder = make_fused(tmp_path / "f", {"a": tiny_model_dir, "b": other_model}, [1.0, 1.0])
    predictor = unspin.load(folder, backend="torch").predictor
    [encs] = list(predictor.encode([TEXT]))
    fused = predictor._fused_bio(encs)
    assert fused.shape == encs[0].bio.shape
    assert np.allclose(fused.sum(-1), 1.0, atol=1e-5)
    assert not np.allclose(fused, encs[0].bio)


def test_fused_analysis_spans_in_bounds_on_odd_text(tiny_model_dir, other_model, tmp_path):
    analyzer = unspin.load(
        make_fused(tmp_path / "f", {"a": tiny_model_dir, "b": other_model}), backend="torch"
    )
    for text in ["", "   ", "naïve café 🙂 traitors!\r\nliars", TEXT]:
        analysis = analyzer.analyze(text)
        assert all(0 <= s.start < s.end <= len(text) for s in analysis.spans)


def test_weights_must_match_members(tiny_model_dir, tmp_path):
    with pytest.raises(ModelNotFoundError, match='"weights" must be one number per member'):
        unspin.load(make_fused(tmp_path / "f", {"a": tiny_model_dir}, [1.0, 2.0]), backend="torch")
    folder = make_fused(tmp_path / "g", {"a": tiny_model_dir})
    config = json.loads((folder / "config.json").read_text())
    (folder / "config.json").write_text(json.dumps({**config, "technique_weights": [-1.0]}))
    with pytest.raises(ValueError, match="weight"):
        unspin.load(folder, backend="torch")


def test_shifted_pass_of_the_whole_reaches_every_member(tiny_model_dir, other_model, tmp_path):
    folder = make_fused(tmp_path / "f", {"a": tiny_model_dir, "b": other_model})
    config = json.loads((folder / "config.json").read_text())
    config["settings"]["shifted_pass"] = True
    (folder / "config.json").write_text(json.dumps(config))
    predictor = unspin.load(folder, backend="torch").predictor
    assert all(m.settings.shifted_pass for m in predictor.members)
    encs = next(predictor.encode([TEXT * 3]))
    assert all(enc.doc.shifted for enc in encs)  # long enough for a second view
    plain = unspin.load(make_fused(tmp_path / "g", {"a": tiny_model_dir, "b": other_model}), backend="torch")
    assert not any(m.settings.shifted_pass for m in plain.predictor.members)


def test_views_per_member(tiny_model_dir, other_model, tmp_path):
    folder = make_fused(tmp_path / "f", {"a": tiny_model_dir, "b": other_model})
    config = json.loads((folder / "config.json").read_text())
    config["views"] = [1, 2]
    (folder / "config.json").write_text(json.dumps(config))
    analyzer = unspin.load(folder, backend="torch")
    first, second = analyzer.predictor.members
    assert not first.settings.shifted_pass and second.settings.shifted_pass
    encs = next(analyzer.predictor.encode([TEXT * 3]))
    assert not encs[0].doc.shifted and encs[1].doc.shifted
    seen = []
    analyzer.analyze(TEXT * 3, progress=lambda done, total: seen.append((done, total)))
    assert seen[-1][0] == seen[-1][1] and [d for d, _ in seen] == sorted(d for d, _ in seen)
    assert all(d <= t for d, t in seen)


@pytest.mark.parametrize("views", [[1], [1, 3], [2, 0]])
def test_views_must_be_one_or_two_per_member(tiny_model_dir, other_model, tmp_path, views):
    folder = make_fused(tmp_path / "f", {"a": tiny_model_dir, "b": other_model})
    config = json.loads((folder / "config.json").read_text())
    config["views"] = views
    (folder / "config.json").write_text(json.dumps(config))
    with pytest.raises(ModelNotFoundError, match="views"):
        unspin.load(folder, backend="torch")


def test_a_model_labels_with_its_own_technique_list(tiny_model_dir, tmp_path):
    """A folder's `techniques` name its outputs in order (an adapted model's own list); a list
    of another length than the weights' outputs is refused, naming the key."""
    folder = tmp_path / "m"
    shutil.copytree(tiny_model_dir, folder)
    config = json.loads((folder / "config.json").read_text())
    names = config["techniques"]
    (folder / "config.json").write_text(json.dumps({**config, "techniques": names[1:] + names[:1]}))
    for backend in ("torch", "onnx-fp32"):
        assert unspin.load(folder, backend=backend).predictor.techniques == tuple(names[1:] + names[:1])
    (folder / "config.json").write_text(json.dumps({**config, "techniques": names[:3]}))
    for backend in ("torch", "onnx-fp32"):
        with pytest.raises(ModelNotFoundError, match='"techniques" lists 3 techniques'):
            unspin.load(folder, backend=backend)


def test_fused_and_single_models_revise_techniques_the_same_way(tiny_model_dir, other_model, tmp_path):
    """The span memory and the Repetition rule apply to a fused model's labels as to a
    single model's: one decoding path (`revision.revise`)."""
    from unspin.tuning import span_memory

    names = unspin.load(tiny_model_dir, backend="torch").predictor.techniques
    table = span_memory.build([("The corrupt elites", "Name_Calling,Labeling")], names)
    wall = TEXT.index("Build the wall")
    again = TEXT.index("Build the wall", wall + 1)
    spans = [[(0, 18), (wall, wall + 14), (again, again + 14)]]  # "The corrupt elites", the wall twice
    revised = {"span_memory": table, "memory_share": 1.0, "recurrence_share": 1.0}
    single = shutil.copytree(tiny_model_dir, tmp_path / "single")
    config = json.loads((single / "config.json").read_text())
    config["settings"].update(revised)
    (single / "config.json").write_text(json.dumps(config))
    fused = make_fused(tmp_path / "f", {"a": tiny_model_dir, "b": other_model}, [3.0, 1.0])
    config = json.loads((fused / "config.json").read_text())
    config["settings"].update(revised)
    (fused / "config.json").write_text(json.dumps(config))
    for folder in (single, fused):
        probs = [r.probs for r in next(unspin.load(folder, backend="torch").predictor.label([TEXT], spans))]
        assert probs[0][names.index("Name_Calling,Labeling")] == pytest.approx(1.0)
        assert probs[1][names.index("Repetition")] < 0.9  # the first "Build the wall"
        assert probs[2][names.index("Repetition")] == pytest.approx(1.0)


def test_members_side_by_side_match_one_window_at_a_time(tiny_model_dir, other_model, tmp_path, monkeypatch):
    folder = make_fused(tmp_path / "f", {"a": tiny_model_dir, "b": other_model}, [0.6, 0.4])
    out = {}
    for n in ("1", "2"):
        monkeypatch.setenv("UNSPIN_THREADS", n)
        analyzer = unspin.load(folder, backend="onnx")
        assert [m.backend.workers for m in analyzer.predictor.members] == [int(n)] * 2
        found = analyzer.pipe([TEXT * 4, "Short.", TEXT], batch_size=2)
        out[n] = [[(s.start, s.end, s.technique, s.score) for s in a.spans] for a in found]
    assert out["1"] == out["2"] and out["1"][0]
