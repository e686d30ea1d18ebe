"""The models shipped in the repository load over the verified base weights and find
propaganda in an obvious sentence."""

from pathlib import Path

import pytest

import unspin
from unspin.config import TIERS, shipped_model_path

ROOT = Path(__file__).resolve().parents[1]
OBVIOUS = "These corrupt, treacherous traitors will destroy our great nation forever!"


def test_shipped_models_are_small_and_have_a_card():
    root = shipped_model_path().parent
    size = sum(p.stat().st_size for p in root.rglob("*") if p.is_file())
    assert size < 60 * 1024 * 1024
    card = (root / "README.md").read_text()
    assert card.count("F1") >= 3 and "validation" in card


@pytest.mark.parametrize("tier", sorted(TIERS))
def test_shipped_model_finds_an_obvious_span(tier):
    analyzer = unspin.load(tier)
    analysis = analyzer.analyze(OBVIOUS)
    assert analysis.spans, f"the {tier} model found no span in an obvious sentence"
    techniques = {s.technique for s in analysis.spans}
    assert techniques & {"Loaded_Language", "Name_Calling,Labeling", "Exaggeration,Minimisation",
                         "Appeal_to_fear-prejudice", "Flag-Waving"}
    assert all(s.why for s in analysis.spans)


@pytest.mark.parametrize("backend", ["onnx", "onnx-fp32"])
def test_fast_tier_gives_the_same_answer_alone_and_batched(backend):
    """int8 activations are quantized per backend call: windows run one at a time, so a
    text's spans and scores do not depend on what it is analyzed with."""
    analyzer = unspin.load("fast", backend=backend)
    text = (ROOT / "examples" / "article.txt").read_text()
    others = [OBVIOUS * 40, "A quiet report on the weather. " * 30]
    alone = analyzer.analyze(text)
    batched = list(analyzer.pipe([others[0], text, others[1]], batch_size=64))[1]
    reversed_ = list(analyzer.pipe([others[1], others[0], text], batch_size=3))[2]

    def key(a):
        return [(s.start, s.end, s.technique, s.score, [(c.start, c.end) for c in s.why]) for s in a.spans]

    assert alone.spans and key(alone) == key(batched) == key(reversed_)


@pytest.mark.parametrize("tier", sorted(TIERS))
def test_example_article_spans_are_pinned(tier):
    """The example article's spans and scores (fp32 ONNX, the tests' backend) are those the
    code gave before the model package was split (d808448): `tests/fixtures/example-spans.json`."""
    import json

    expected = json.loads((ROOT / "tests" / "fixtures" / "example-spans.json").read_text())[tier]
    text = (ROOT / "examples" / "article.txt").read_text(encoding="utf-8")
    found = unspin.load(tier).analyze(text).spans
    assert [(s.start, s.end, s.technique) for s in found] == [(a, b, t) for a, b, t, _ in expected]
    assert [round(s.score, 4) for s in found] == pytest.approx([x[3] for x in expected], abs=2e-3)


@pytest.mark.parametrize("tier", sorted(TIERS))
def test_int8_finds_what_fp32_finds(tier):
    """The default backend (int8 ONNX) against fp32 on the example article: on a CPU where
    full-range int8 saturates (AVX2 without VNNI) it used to find 1 span of 13 (fast) and 0
    of 15 (accurate)."""
    text = (ROOT / "examples" / "article.txt").read_text(encoding="utf-8")

    def spans(backend):
        return {(s.start, s.end, s.technique) for s in unspin.load(tier, backend=backend).analyze(text).spans}

    int8, fp32 = spans("onnx"), spans("onnx-fp32")
    assert len(fp32) >= 10 and len(int8 & fp32) >= 0.8 * len(fp32), (len(int8), len(fp32))


def test_check_compares_int8_with_fp32(monkeypatch):
    import json

    from typer.testing import CliRunner

    from unspin.cli.main import app

    monkeypatch.setenv("UNSPIN_BACKEND", "auto")
    result = CliRunner().invoke(app, ["check", "--model", "fast"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert report["ok"] is True and report["agrees_with_fp32"] >= 0.5 and report["spans_in_test_sentence"]
