"""Tokens, windows, BIO tags on a tiny WordPiece tokenizer."""

import numpy as np
import pytest

from unspin.runtime import windows as W
from unspin.testing.tiny import tiny_tokenizer


@pytest.fixture(scope="module")
def tok():
    return tiny_tokenizer(["the corrupt elites betray the nation again and again"] * 5)


def test_offsets_index_the_python_string(tok):
    text = "🧱 the corrupt\r\nelites"
    t = W.tokenize(tok, text)
    pieces = [text[s:e] for s, e in t.offsets]
    assert "corrupt" in "".join(pieces) and all(p.strip() for p in pieces)


def test_windows_cover_every_token_and_respect_size(tok):
    text = "\n".join(["the corrupt elites betray the nation"] * 12)
    t = W.tokenize(tok, text)
    ws = W.make_windows(t, text, size=10, stride=6)
    covered = np.zeros(len(t), bool)
    for w in ws:
        assert 0 < w.hi - w.lo <= 10
        covered[w.lo : w.hi] = True
    assert covered.all()
    assert ws[0].lo == 0 and ws[-1].hi == len(t)


def test_long_line_is_split_with_overlap(tok):
    text = " ".join(["again"] * 40)
    t = W.tokenize(tok, text)
    ws = W.make_windows(t, text, size=16, stride=8)
    assert len(ws) > 2 and ws[1].lo < ws[0].hi  # overlapping


def test_bio_tags(tok):
    text = "the corrupt elites betray the nation"
    t = W.tokenize(tok, text)
    tags = W.bio_tags(t, [(4, 18)])  # "corrupt elites"
    words = [text[s:e] for s, e in t.offsets]
    inside = "".join(w for w, g in zip(words, tags, strict=True) if g != W.O)
    assert inside == "corruptelites"
    assert tags[np.argmax(tags != W.O)] == W.B


def test_token_range_and_buckets(tok):
    text = "the corrupt elites"
    t = W.tokenize(tok, text)
    a, b = W.token_range(t, 4, 11)
    assert text[t.offsets[a][0] : t.offsets[b - 1][1]] == "corrupt"
    assert W.token_range(t, 3, 4) is None
    assert W.repeat_bucket("build the wall, build the wall, build the wall", 0, 14) == 2
    assert W.length_bucket(1) == 0 and W.length_bucket(300) == 7


def test_lead_shifts_every_boundary_and_still_covers_all(tok):
    text = "\n".join(["the corrupt elites betray the nation"] * 12)
    t = W.tokenize(tok, text)
    plain = W.make_windows(t, text, size=16, stride=12)
    shifted = W.make_windows(t, text, size=16, stride=12, lead=8)
    covered = np.zeros(len(t), bool)
    for w in shifted:
        assert 0 < w.hi - w.lo <= 16
        covered[w.lo : w.hi] = True
    assert covered.all() and shifted[0].hi <= 8
    assert {w.hi for w in plain[:-1]}.isdisjoint(w.hi for w in shifted[:-1])


def test_lead_leaves_a_one_window_text_alone(tok):
    text = "the corrupt elites betray the nation"
    t = W.tokenize(tok, text)
    assert W.make_windows(t, text, size=64, stride=48, lead=32) == [W.Window(0, len(t))]


def test_word_ids_group_the_pieces_of_each_word(tok):
    text = "the corrupt elites, betrayal"  # "betrayal" is not in the vocabulary: several pieces
    t = W.tokenize(tok, text)
    ids = W.word_ids(t, text)
    words: dict[int, str] = {}
    for (s, e), w in zip(t.offsets, ids, strict=True):
        words[int(w)] = words.get(int(w), "") + text[s:e]
    assert list(words.values()) == ["the", "corrupt", "elites", ",", "betrayal"]
    assert (np.diff(ids) >= 0).all() and len(t) > 5


def test_line_marks_make_each_line_break_a_piece_of_its_own(tok):
    text = "the corrupt elites\n\nbetray the nation\n"
    plain, marked = W.tokenize(tok, text), W.tokenize(tok, text, line_marks=True)
    assert len(marked) == len(plain) + 3
    breaks = [(s, e) for s, e in marked.offsets if text[s:e] == "\n"]
    assert breaks == [(18, 19), (19, 20), (37, 38)]  # offsets still index the text itself
    kept = [tuple(o) for o in marked.offsets if text[o[0]:o[1]] != "\n"]
    assert kept == [tuple(o) for o in plain.offsets]
