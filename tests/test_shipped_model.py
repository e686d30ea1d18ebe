"""The models shipped in the repository load over the verified base weights and find
propaganda in an obvious sentence."""

import pytest

import unspin
from unspin.pipeline import TIERS, shipped_model_path

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
