"""Decoding (arrays in, spans out): BIO runs, word expansion, joining, token-head spans,
tidy-up rules, cue words, and the runtime's two views."""

import json

import numpy as np
import pytest

from unspin import taxonomy
from unspin.runtime.decode.bio import RawSpan, decode_bio, merge_close, techniques_for
from unspin.runtime.decode.words import expand_to_words
from unspin.runtime.semeval import tc_labels


def probs(rows):
    return np.asarray(rows, dtype=np.float32)


def test_decode_bio_runs_and_confident_b_splits():
    p = probs([[0.9, 0.05, 0.05], [0.1, 0.8, 0.1], [0.2, 0.1, 0.7], [0.1, 0.8, 0.1], [0.9, 0.0, 0.1]])
    runs = decode_bio(p, 0.5)
    assert [(a, b) for a, b, _ in runs] == [(1, 3), (3, 4)]
    assert runs[0][2] == np.float32(0.85)


def test_decode_bio_seed_keeps_only_runs_that_reach_it():
    # columns O, B, I; inside = 1 - P(O): 0.6, 0.55, 0.1, 0.95, 0.8
    p = probs([[0.4, 0.3, 0.3], [0.45, 0.1, 0.45], [0.9, 0.05, 0.05], [0.05, 0.9, 0.05], [0.2, 0.1, 0.7]])
    assert [(a, b) for a, b, _ in decode_bio(p, 0.5)] == [(0, 2), (3, 5)]
    assert [(a, b) for a, b, _ in decode_bio(p, 0.5, seed=0.8)] == [(3, 5)]  # 0.95 reaches it
    assert decode_bio(p, 0.5, seed=0.99) == []


def test_decode_bio_threshold_and_trailing_span():
    p = probs([[0.3, 0.3, 0.4], [0.3, 0.0, 0.7]])
    assert [(a, b) for a, b, _ in decode_bio(p, 0.5)] == [(0, 2)]
    assert decode_bio(p, 0.8) == []


def test_decode_bio_per_word_decides_on_the_mean_of_its_pieces():
    # inside = 1 - P(O): word 0 = pieces 0-1 (0.9, 0.2: mean 0.55), word 1 = piece 2 (0.3),
    # word 2 = pieces 3-5 (0.6, 0.6, 0.0: mean 0.4)
    p = probs([[0.1, 0.9, 0.0], [0.8, 0.0, 0.2], [0.7, 0.0, 0.3]] + [[0.4, 0.0, 0.6]] * 2 + [[1.0, 0.0, 0.0]])
    words = np.array([0, 0, 1, 2, 2, 2])
    assert [(a, b) for a, b, _ in decode_bio(p, 0.5)] == [(0, 1), (3, 5)]  # per piece
    assert [(a, b) for a, b, _ in decode_bio(p, 0.5, words=words)] == [(0, 2)]  # whole word 0 only
    runs = decode_bio(p, 0.25, words=words)
    assert [(a, b) for a, b, _ in runs] == [(0, 6)] and runs[0][2] == pytest.approx((0.55 + 0.3 + 0.4) / 3)
    assert decode_bio(p, 0.25, seed=0.6, words=words) == []  # no word's mean reaches 0.6


def test_merge_close_joins_spans_on_one_line_only():
    text = "corrupt, lying elites\nand more"
    spans = [(0, 7, 0.8), (9, 14, 0.4), (15, 21, 0.6), (22, 25, 0.9)]
    assert merge_close(text, spans, 0) == spans  # gap 0: no two touch
    merged = merge_close(text, spans, 2)
    assert [(a, b) for a, b, _ in merged] == [(0, 21), (22, 25)]  # not across the line break
    assert merged[0][2] == pytest.approx((0.8 * 7 + 0.4 * 5 + 0.6 * 6) / 18)
    assert [(a, b) for a, b, _ in merge_close(text, spans, 1)] == [(0, 7), (9, 21), (22, 25)]


def test_expand_to_words():
    text = "the corrupt elites"
    assert expand_to_words(text, 6, 9) == (4, 11)
    assert expand_to_words(text, 4, 11) == (4, 11)


def raw(start, end, p):
    return RawSpan(start, end, 1.0, np.asarray(p, dtype=np.float32), np.zeros((14, 0)), np.zeros((0, 2)))


def test_second_technique_only_when_close():
    p = np.zeros(14)
    p[8], p[9] = 0.55, 0.45
    names = taxonomy.NAMES
    assert [n for n, _ in techniques_for(raw(0, 1, p), names, 0.4)] == [
        "Loaded_Language",
        "Name_Calling,Labeling",
    ]
    assert len(techniques_for(raw(0, 1, p), names, 0.5)) == 1


def test_tc_labels_give_distinct_techniques_to_repeated_rows():
    p = np.zeros(14)
    p[8], p[9], p[0] = 0.5, 0.3, 0.2
    out = tc_labels("1", [raw(0, 5, p)], [(0, 5), (0, 5)])
    assert [lab.technique for lab in out] == ["Loaded_Language", "Name_Calling,Labeling"]


def test_tc_labels_among_some_techniques_choose_from_those_alone():
    p = np.zeros(14)
    p[8], p[9], p[0] = 0.5, 0.3, 0.2
    names = taxonomy.NAMES
    among = [names[9], names[0]]  # Loaded_Language, the most probable, set aside
    out = tc_labels("1", [raw(0, 5, p)], [(0, 5), (0, 5)], names, among)
    assert [lab.technique for lab in out] == ["Name_Calling,Labeling", names[0]]


def encoded_by_hand():
    """'the corrupt elites lie' as four pieces, with token-technique probabilities
    for two techniques."""
    from unspin.runtime.predictor import Encoded, _Prepared
    from unspin.runtime.windows import Tokens

    text = "the corrupt elites lie"
    offsets = np.array([[0, 3], [4, 11], [12, 18], [19, 22]])
    tokens = Tokens(np.arange(4), offsets)
    tech = probs([[0.1, 0.0], [0.7, 0.0], [0.5, 0.6], [0.1, 0.9]])
    return Encoded(_Prepared(text, tokens, []), np.zeros((0, 0, 0)), np.zeros((4, 3)), tech)


def by_hand_token_spans(threshold):
    from unspin.runtime.decode.bio import token_spans

    enc = encoded_by_hand()
    return token_spans(enc.doc.text, enc.doc.tokens.offsets, enc.tech, threshold)


def test_spans_from_bio_follows_the_word_level_and_merge_settings():
    from unspin.runtime.decode.bio import spans_from_bio
    from unspin.runtime.predictor import _Prepared
    from unspin.runtime.settings import Settings
    from unspin.runtime.windows import Tokens

    text = "so corrupt, lying elites"  # pieces: so | cor rupt | , | lying | elites
    offsets = np.array([[0, 2], [3, 6], [6, 10], [10, 11], [12, 17], [18, 24]])
    words = _Prepared(text, Tokens(np.arange(6), offsets), []).words()

    def spans_of(bio, th, settings):
        return spans_from_bio(text, offsets, bio, th, settings, words)

    inside = [0.0, 0.9, 0.3, 0.0, 0.0, 0.8]  # "cor" sure, "rupt" not: the word's mean is 0.6
    bio = probs([[1 - x, 0.0, x] for x in inside])
    per_piece = spans_of(bio, 0.5, Settings())
    assert [(a, b) for a, b, _ in per_piece] == [(3, 10), (18, 24)]  # grown to "corrupt"
    per_word = spans_of(bio, 0.5, Settings(word_level=True))
    assert [(a, b) for a, b, _ in per_word] == [(3, 10), (18, 24)]
    assert per_word[0][2] == pytest.approx(0.6)
    assert spans_of(bio, 0.65, Settings(word_level=True)) == [(18, 24, pytest.approx(0.8))]
    joined = spans_of(bio, 0.5, Settings(word_level=True, merge_gap=8))
    assert [(a, b) for a, b, _ in joined] == [(3, 24)]  # ", lying " is 8 characters
    assert len(spans_of(bio, 0.5, Settings(word_level=True, merge_gap=7))) == 2


def test_token_spans_are_runs_per_technique():
    spans = by_hand_token_spans(0.4)
    got = [(s.start, s.end, int(np.argmax(s.probs)), round(s.score, 3)) for s in spans]
    assert got == [(4, 18, 0, 0.6), (12, 22, 1, 0.75)]  # "corrupt elites"; "elites lie"
    assert all(s.probs.max() == 1.0 and s.probs.sum() == 1.0 for s in spans)
    assert by_hand_token_spans(0.95) == []


def test_token_spans_only_add_what_the_span_head_missed():
    from unspin.runtime.decode.bio import with_token_spans

    extra = by_hand_token_spans(0.4)
    head = [raw(0, 11, [1.0, 0.0])]  # technique 0 over "the corrupt": overlaps the first
    merged = with_token_spans(head, extra)
    assert [(r.start, r.end) for r in merged] == [(0, 11), (12, 22)]
    other = [raw(0, 11, [0.0, 1.0])]  # another technique there: both token spans stay
    assert len(with_token_spans(other, extra)) == 3


def test_mix_token_head_blends_normalised_token_probabilities():
    from unspin.runtime.decode.revision import mix_token_head

    enc = encoded_by_hand()  # "corrupt elites" (chars 4..18): token means [0.6, 0.3]
    span = raw(4, 18, [0.2, 0.8])
    assert mix_token_head([span], enc.doc.tokens, enc.tech, 0.0)[0].probs.tolist() == pytest.approx(
        [0.2, 0.8]
    )
    mixed = mix_token_head([span], enc.doc.tokens, enc.tech, 0.5)[0]
    assert mixed.probs.tolist() == pytest.approx([0.5 * 0.2 + 0.5 * 2 / 3, 0.5 * 0.8 + 0.5 * 1 / 3])
    assert mixed.probs.sum() == pytest.approx(1.0)
    assert (mixed.start, mixed.end, mixed.score) == (4, 18, span.score)


class _PositionBackend:
    """BIO logits that depend on a piece's position in its window: the two views differ."""

    workers = 1

    def encode(self, input_ids, mask):
        b, n = input_ids.shape
        pos = np.broadcast_to(np.arange(n, dtype=np.float32), (b, n))
        bio = np.stack([pos / 10, np.zeros_like(pos), np.zeros_like(pos)], -1)
        return np.zeros((b, n, 4), np.float32), bio, np.zeros((b, n, 14), np.float32)

    def classify(self, states, spans):
        return np.zeros((len(spans), 14), np.float32)


def test_shifted_pass_averages_two_views():
    from unspin.runtime.decode.bio import softmax
    from unspin.runtime.predictor import Predictor
    from unspin.runtime.settings import Settings
    from unspin.testing.tiny import tiny_tokenizer

    tok = tiny_tokenizer(["the corrupt elites betray the nation"] * 5)
    text = "\n".join(["the corrupt elites betray the nation"] * 8)
    one = Predictor(_PositionBackend(), tok, Settings(max_len=18, stride=12))
    two = Predictor(_PositionBackend(), tok, Settings(max_len=18, stride=12, shifted_pass=True))
    a, b = next(one.encode([text])), next(two.encode([text]))
    doc = two.prepare(text)
    assert doc.shifted and doc.shifted != doc.windows and len(b.states) == len(doc.windows)
    # the shifted view alone, stitched by hand
    view = np.zeros((len(doc.tokens), 3), np.float32)
    for w in doc.shifted:
        pos = np.arange(1, w.hi - w.lo + 1, dtype=np.float32)
        view[w.lo : w.hi] = softmax(np.stack([pos / 10, 0 * pos, 0 * pos], -1))
    assert np.allclose(b.bio, (a.bio + view) / 2, atol=1e-6)
    short = "the corrupt elites"
    assert not two.prepare(short).shifted
    assert np.allclose(next(two.encode([short])).bio, next(one.encode([short])).bio)


def test_merge_close_never_joins_across_a_sentence_end():
    text = "They lie. They cheat, they steal."
    spans = [(0, 8, 0.5), (10, 20, 0.5), (22, 32, 0.5)]  # "They lie" | "They cheat" | "they steal"
    merged = merge_close(text, spans, 12)
    assert [(a, b) for a, b, _ in merged] == [(0, 8), (10, 32)]  # ", " joins; ". " does not



def loaded_language_row():
    row = np.full(len(taxonomy.NAMES), 0.02, dtype=np.float32)
    row[taxonomy.NAMES.index("Loaded_Language")] = 1 - 0.02 * (len(taxonomy.NAMES) - 1)
    return row


def test_recurrence_moves_weight_to_repetition_only_where_the_words_came_earlier():
    from unspin.runtime.decode.revision import revise
    from unspin.runtime.settings import Settings

    names = taxonomy.NAMES
    rep = names.index("Repetition")
    text = "The Deep State wins.\nAn honest press.\nNow the deep states, again!\nThe deep state.\n"
    first, honest = text.index("Deep State"), text.index("honest press")
    second, third = text.index("the deep states"), text.index("deep state.")
    row = loaded_language_row()
    spans = [raw(first, first + 10, row), raw(honest, honest + 12, row),
             raw(second, second + 15, row), raw(third, third + 10, row)]
    assert revise(spans, text, names, Settings()) == spans  # off by default
    out = revise(spans, text, names, Settings(recurrence_share=0.5))
    # the first use and the phrase used once keep their probabilities; the repeats (stop
    # words, case, plural and punctuation aside) move half to Repetition
    assert np.array_equal(out[0].probs, row) and np.array_equal(out[1].probs, row)
    for r in out[2:]:
        assert r.probs[rep] == pytest.approx(0.5 * 0.02 + 0.5)
        assert r.probs.sum() == pytest.approx(1.0)
    # three uses in all: every repeat counts at recurrence_min 3, none at 4
    out = revise(spans, text, names, Settings(recurrence_share=0.5, recurrence_min=3))
    assert [int(np.argmax(r.probs)) == rep for r in out] == [False, False, True, True]
    out = revise(spans, text, names, Settings(recurrence_share=0.5, recurrence_min=4))
    assert all(np.array_equal(r.probs, row) for r in out)


def test_span_memory_blends_the_counts_of_the_same_words_in_training():
    from unspin.runtime.decode.revision import revise
    from unspin.runtime.settings import Settings
    from unspin.tuning import span_memory

    names = taxonomy.NAMES
    slogans, flag = names.index("Slogans"), names.index("Flag-Waving")
    table = span_memory.build(
        [("Make America Great Again", "Slogans"), ("make america great again!", "Slogans"),
         ("MAKE AMERICA GREAT AGAIN", "Flag-Waving"), ("our great nation", "Flag-Waving"),
         ("a made-up label", "Not_A_Technique")],
        names,
    )
    assert len(table) == 2 and all(len(k) == 12 for k in table)  # hashes, never the words
    assert "america" not in json.dumps(table).lower()
    assert table[span_memory.key("“Make America great again”")] == f"{flag}:1,{slogans}:2"
    text = "They chant “make America great AGAIN”.\nA great nation.\n"
    a = text.index("make")
    b = text.index("A great")
    row = loaded_language_row()
    spans = [raw(a, text.index("”"), row), raw(b, b + 14, row)]
    on = Settings(span_memory=table, memory_share=0.6)
    out = revise(spans, text, names, on)
    assert out[0].probs[slogans] == pytest.approx(0.4 * 0.02 + 0.6 * 2 / 3)
    assert out[0].probs[flag] == pytest.approx(0.4 * 0.02 + 0.6 / 3)
    assert int(np.argmax(out[0].probs)) == slogans
    assert np.array_equal(out[1].probs, row)  # "a great nation" is not "our great nation"
    assert revise(spans, text, names, Settings(span_memory=table)) == spans  # share 0: off
    few = revise(spans, text, names, Settings(span_memory=table, memory_share=0.6, memory_min_count=4))
    assert np.array_equal(few[0].probs, row)  # marked 3 times only


def test_span_memory_normalises_case_quotes_possessives_and_punctuation():
    from unspin.runtime.decode.memory import key, normalise

    assert normalise("The “Deep State’s” LIES!") == "the deep state lies"
    assert normalise("  don't\n  stop ") == "dont stop"
    assert key("Deep state") == key("deep   STATE.") != key("deep states")
    assert key("!!") == ""
