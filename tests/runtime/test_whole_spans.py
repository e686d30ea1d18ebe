"""Whole-text spans: a technique a team marks on a whole short text, from the token head's mean."""

import numpy as np
import pytest

from unspin.runtime.decode.bio import RawSpan
from unspin.runtime.decode.whole import whole_spans, with_whole_spans

TEXT = "  They lie.\nVote them out!\n"  # trimmed: [2, 26)
OFFSETS = np.array([[2, 6], [7, 10], [10, 11], [12, 16], [17, 21], [22, 25], [25, 26]])
NAMES = ["Smears", "Loaded Language", "Slogans"]
TECH = np.array([[0.5, 0.9, 0.0]] * 3 + [[0.3, 0.0, 0.8]] * 4)  # means: 0.386, 0.386, 0.457


def test_a_technique_over_the_whole_text_where_its_mean_passes_the_threshold():
    found = whole_spans(TEXT, OFFSETS, TECH, NAMES, ["Smears", "Slogans"], 0.4, 64)
    assert [(s.start, s.end, NAMES[int(np.argmax(s.probs))]) for s in found] == [(2, 26, "Slogans")]
    assert found[0].score == pytest.approx(0.5 + 0.5 * (TECH[:, 2].mean() - 0.4) / 0.6)
    both = whole_spans(TEXT, OFFSETS, TECH, NAMES, ["Smears", "Slogans"], 0.3, 64)
    assert [NAMES[int(np.argmax(s.probs))] for s in both] == ["Smears", "Slogans"]
    assert both[0].cue_weights.shape == (3, len(OFFSETS))  # the whole text's words explain it


def test_only_the_named_techniques_and_only_short_texts():
    assert whole_spans(TEXT, OFFSETS, TECH, NAMES, ["Loaded Language"], 0.5, 64) == []  # mean 0.386
    assert whole_spans(TEXT, OFFSETS, TECH, NAMES, [], 0.0, 64) == []
    assert whole_spans(TEXT, OFFSETS, TECH, NAMES, ["Unknown"], 0.0, 64) == []
    assert whole_spans(TEXT, OFFSETS, TECH, NAMES, ["Slogans"], 0.0, len(OFFSETS) - 1) == []  # too long
    assert whole_spans("   ", OFFSETS[:0], TECH[:0], NAMES, ["Slogans"], 0.0, 64) == []


def test_kept_only_where_no_span_of_its_technique_covers_the_text_already():
    extra = whole_spans(TEXT, OFFSETS, TECH, NAMES, ["Smears", "Slogans"], 0.3, 64)

    def raw(start, end, top):
        probs = np.zeros(3, dtype=np.float32)
        probs[top] = 1.0
        return RawSpan(start, end, 0.9, probs, np.zeros((3, 0)), np.zeros((0, 2)))

    found = [raw(2, 11, 1), raw(12, 26, 2)]  # "They lie." Loaded Language; "Vote them out!" Slogans
    merged = with_whole_spans(found, extra)
    assert [(r.start, r.end, int(np.argmax(r.probs))) for r in merged] == [
        (2, 11, 1), (2, 26, 0), (2, 26, 2), (12, 26, 2)]  # a part of the text is not the whole
    covering = [raw(3, 26, 2)]  # Slogans over 23 of the 24 characters
    assert [int(np.argmax(r.probs)) for r in with_whole_spans(covering, extra)] == [0, 2]
