"""Training examples: ignore ("don't care") spans and example weights."""

import pytest

from fixtures_ptc import EXTRA
from unspin.doc import Document
from unspin.io.ptc import Label
from unspin.runtime import windows as W
from unspin.runtime.settings import Settings
from unspin.testing.tiny import tiny_tokenizer
from unspin.training.examples import build_examples


@pytest.fixture(scope="module")
def setup():
    tok = tiny_tokenizer([t for t, _, _ in EXTRA.values()] * 3, vocab_size=200)
    ids = {name: tok.token_to_id(name) for name in ("[CLS]", "[SEP]", "[PAD]")}
    settings = Settings(max_len=64, stride=48, cls_id=ids["[CLS]"], sep_id=ids["[SEP]"], pad_id=ids["[PAD]"])
    text, labelled, ignored = EXTRA["901"]
    doc = Document(text, id="901")
    labels = [Label("901", s, e, t) for t, s, e, _ in labelled]
    return tok, settings, doc, labels, [(s, e) for _, s, e, _ in ignored]


def tags_by_text(setup, **kw) -> dict[str, list[int]]:
    """Each token's text and its BIO tag (one window holds the whole article)."""
    tok, settings, doc, labels, _ = setup
    (ex,) = build_examples(doc, labels, tok, settings, **kw)
    offsets = W.tokenize(tok, doc.text).offsets
    assert len(ex.tags) == len(offsets) + 2  # [CLS] ... [SEP]
    found: dict[str, list[int]] = {}
    for (s, e), tag in zip(offsets.tolist(), ex.tags[1:-1].tolist(), strict=True):
        found.setdefault(doc.text[s:e], []).append(tag)
    return found


def test_ignore_spans_mask_their_unlabelled_tokens(setup):
    ignore = setup[4]
    assert ignore == [(61, 92)]  # "Critics say the mayor is a liar", "liar" labelled
    plain, masked = tags_by_text(setup), tags_by_text(setup, ignore=ignore)
    for word in ("Critics", "say", "the", "mayor", "is", "a"):
        assert plain[word] == [W.O] and masked[word] == [-100]
    assert plain["liar"] == masked["liar"] == [W.B]  # labelled inside an ignore span: kept
    for word in ("Radical", "radical", "mob", "The", "shouted"):  # outside: untouched
        assert masked[word] == plain[word]
    assert masked["radical"] == [W.B] and masked["mob"] == [W.I] and masked["The"] == [W.O]
    assert masked["."] == [W.O, W.O]  # the full stop after the ignore span keeps its O


def test_every_example_carries_its_weight(setup):
    tok, settings, doc, labels, _ = setup
    assert {ex.weight for ex in build_examples(doc, labels, tok, settings)} == {1.0}
    small = Settings(max_len=16, stride=8, cls_id=settings.cls_id, sep_id=settings.sep_id)
    heavy = build_examples(doc, labels, tok, small, weight=0.25)
    assert len(heavy) > 1 and {ex.weight for ex in heavy} == {0.25}
