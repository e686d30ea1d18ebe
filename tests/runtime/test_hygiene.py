"""Tidy-up rules and cue words on sentences where raw decoding gives spans a reader finds
absurd; every expected offset is checked by hand in the comments."""

import numpy as np
import pytest

from unspin.runtime.decode.tidy import HYGIENE, pick_cues, tidy

ALL = list(HYGIENE)


def texts(text, spans):
    return [text[a:b] for a, b, _ in spans]


def test_function_word_spans_are_dropped():
    text = "Can we trust them? So many times they lied."
    # "Can" 0-3, "we" 4-6, "So" 19-21, "times" 27-32, ")"-like punctuation: none here
    spans = [(0, 3, 0.9), (4, 6, 0.8), (19, 21, 0.7), (27, 32, 0.6)]
    assert texts(text, tidy(text, spans, ALL)) == ["times"]
    assert tidy(text, spans, []) == spans  # no rule: untouched


def test_lone_punctuation_and_whitespace_go():
    text = "the elites (again) lie"
    assert tidy(text, [(17, 18, 0.5), (3, 4, 0.5)], ALL) == []  # ")" and " "


def test_edges_take_whole_hyphenated_words_and_trim_punctuation():
    text = "They hate hard-working families, folks."
    # "hard" is 10-14; "hard-working" is 10-22; "families, " is 23-33 with its comma
    assert texts(text, tidy(text, [(10, 14, 0.5)], ALL)) == ["hard-working"]
    assert texts(text, tidy(text, [(23, 33, 0.5)], ALL)) == ["families"]


def test_a_quoted_phrase_keeps_its_closing_quote():
    text = 'He shouted “Make America great again” twice.'
    start = text.index("“")
    end = text.index("again") + len("again")  # stops before the closing quote
    assert texts(text, tidy(text, [(start, end, 0.5)], ALL)) == ["“Make America great again”"]
    lone = text.index("Make")
    assert texts(text, tidy(text, [(start, lone + 4, 0.5)], ALL)) == ["Make"]  # no closer near: drop “


def test_spans_never_cross_a_blank_line():
    text = "Lies and more lies!\n\nThe corrupt press"
    spans = tidy(text, [(9, len(text), 0.5)], ALL)
    assert texts(text, spans) == ["more lies!", "The corrupt press"]
    assert all(s[2] == 0.5 for s in spans)


def test_a_span_ending_on_function_words_reaches_the_word_they_qualify():
    text = "the arrogance of the corrupt establishment. Then"
    # "the arrogance of the" is 0-20; the next content word is "corrupt" (21-28)
    assert texts(text, tidy(text, [(0, 20, 0.5)], ALL)) == ["the arrogance of the corrupt"]
    text2 = "the arrogance of the. Then they left"
    assert texts(text2, tidy(text2, [(0, 20, 0.5)], ["dangling"])) == ["the arrogance of the"]  # not past "."


def test_unknown_rules_are_refused():
    with pytest.raises(ValueError, match="Unknown tidy-up"):
        tidy("x", [(0, 1, 1.0)], ["nonsense"])


def test_cues_are_content_words_on_the_span_line():
    text = "intro line\nthe corrupt elites and the traitors\nnext line"
    # tokens: "the" 11-14, "corrupt" 15-22, "elites" 23-29, "and" 30-33, "the" 34-37,
    # "traitors" 38-46, "next" 47-51
    offsets = np.array([[11, 14], [15, 22], [23, 29], [30, 33], [34, 37], [38, 46], [47, 51]])
    weights = np.array([0.99, 0.3, 0.5, 0.98, 0.97, 0.6, 0.95])  # stop words weigh most
    cues = pick_cues(text, weights, offsets, (11, 46), 3)
    assert [text[a:b] for a, b, _ in cues] == ["corrupt", "elites", "traitors"]


def test_line_breaks_split_spans_at_every_line():
    text = "Make our nation strong again!\nMake our nation strong again!"
    spans = tidy(text, [(0, len(text) - 1, 0.5)], ["line_breaks", "edges"])
    assert texts(text, spans) == ["Make our nation strong again!", "Make our nation strong again"]


def test_token_head_spans_are_tidied_too():
    from unspin.runtime.decode.bio import RawSpan, tidy_raws

    text = "They hate hard-working families with a passion."
    raw = RawSpan(10, 14, 0.7, np.ones(14) / 14, np.zeros((14, 0)), np.zeros((0, 2)))  # "hard"
    lone = RawSpan(32, 36, 0.7, np.ones(14) / 14, np.zeros((14, 0)), np.zeros((0, 2)))  # "with"
    out = tidy_raws(text, [raw, lone], ALL)
    assert [text[r.start : r.end] for r in out] == ["hard-working"]
