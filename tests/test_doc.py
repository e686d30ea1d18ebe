"""Documents, spans and figures on any Unicode."""

import pytest

from unspin.doc import Analysis, Document, Span, covered_chars
from unspin.errors import UnknownTechniqueError


def test_span_text_is_derived_for_emoji_crlf_and_combining_marks():
    text = "Ok 🧱 wall\r\nnaïve ne\u0301e!"
    doc = Document(text)
    s = Span(doc, text.index("wall"), text.index("wall") + 4, "loaded language")
    assert s.text == "wall" and s.technique == "Loaded_Language"
    t = Span(doc, text.index("ne\u0301e"), len(text) - 1, "Doubt")
    assert t.text == "ne\u0301e"


def test_span_out_of_bounds_is_refused():
    with pytest.raises(ValueError):
        Span(Document("abc"), 1, 4, "Doubt")
    with pytest.raises(ValueError):
        Span(Document("abc"), 2, 2, "Doubt")


def test_unknown_technique_names_the_choices():
    with pytest.raises(UnknownTechniqueError, match="14 PTC names"):
        Span(Document("abc"), 0, 1, "Propaganda")


def test_figures():
    doc = Document("one two three four")  # 18 chars, 4 words
    spans = (Span(doc, 0, 7, "Doubt"), Span(doc, 4, 13, "Slogans"), Span(doc, 4, 7, "Doubt"))
    f = Analysis(doc, spans).figures()
    assert f["density"] == pytest.approx(13 / 18, abs=1e-4)
    assert f["spans_per_1k_words"] == 750.0
    assert f["counts"] == {"Doubt": 2, "Slogans": 1}


def test_covered_chars_and_empty_document():
    assert covered_chars([(0, 5), (3, 8), (10, 12)]) == 10
    f = Analysis(Document(""), ()).figures()
    assert f["density"] == 0.0 and f["spans_per_1k_words"] == 0.0


def test_to_dict_has_text_and_cues():
    from unspin.doc import Cue

    doc = Document("They are traitors.")
    d = Span(doc, 9, 17, "Name_Calling,Labeling", 0.9, (Cue(9, 17, 0.8),)).to_dict()
    assert d["text"] == "traitors" and d["why"][0]["text"] == "traitors"


def test_filter_keeps_spans_at_or_above_threshold():
    doc = Document("one two three")
    a = Analysis(doc, (Span(doc, 0, 3, "Doubt", 0.2), Span(doc, 4, 7, "Slogans", 0.6)), "m")
    kept = a.filter(0.5)
    assert [s.technique for s in kept.spans] == ["Slogans"] and kept.model == "m" and kept.doc is doc
