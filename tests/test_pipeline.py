"""The Analyzer on a tiny random-init model: shapes, offsets, bad input."""

import pytest

import unspin
from unspin.doc import Document
from unspin.errors import InputError, ModelNotFoundError


def test_analyze_gives_in_bounds_spans_with_cues(tiny_analyzer, articles):
    raw = articles["3"][0] * 5
    analysis = tiny_analyzer.analyze(raw)
    text = raw.replace("\r\n", "\n")  # line endings become LF (unspin.ingest.normalize)
    assert analysis.text == text
    assert analysis.spans, "the tiny random model marks spans at threshold 0.5"
    for span in analysis.spans:
        assert 0 <= span.start < span.end <= len(text)
        assert span.text == text[span.start : span.end]
        assert 0.0 <= span.score <= 1.0
        for cue in span.why:
            assert 0 <= cue.start < cue.end <= len(text)
    fig = analysis.figures()
    assert 0 < fig["density"] <= 1 and sum(fig["counts"].values()) == len(analysis.spans)


def test_pipe_matches_analyze_and_keeps_order(tiny_analyzer, articles):
    texts = [a[0].replace("\r\n", "\n") for a in articles.values()] + ["Short one."]
    piped = list(tiny_analyzer.pipe(texts, batch_size=2))
    assert [a.text for a in piped] == texts
    for text, a in zip(texts, piped, strict=True):
        single = tiny_analyzer.analyze(text)
        assert [(s.start, s.end, s.technique) for s in single.spans] == [
            (s.start, s.end, s.technique) for s in a.spans
        ]


def test_long_text_uses_several_windows(tiny_analyzer):
    text = "The corrupt elites betray the nation again. " * 200
    analysis = tiny_analyzer.analyze(text)
    assert max(s.end for s in analysis.spans) > len(text) // 2


def test_threshold_changes_what_is_found(tiny_analyzer, articles):
    text = articles["1"][0]
    assert len(tiny_analyzer.analyze(text, threshold=0.99).spans) <= len(
        tiny_analyzer.analyze(text, threshold=0.0).spans
    )


@pytest.mark.parametrize("text", ["", "   \n\t "])
def test_empty_text_gives_no_spans(tiny_analyzer, text):
    analysis = tiny_analyzer.analyze(text)
    assert analysis.spans == () and analysis.figures()["density"] == 0.0


def test_bad_input_is_refused_clearly(tiny_analyzer):
    with pytest.raises(InputError, match="NUL"):
        tiny_analyzer.analyze("abc\x00def")
    with pytest.raises(InputError, match="limit"):
        tiny_analyzer.analyze("a" * (tiny_analyzer.max_chars + 1))
    with pytest.raises(InputError):
        tiny_analyzer.analyze(b"bytes")  # type: ignore[arg-type]


def test_documents_keep_their_ids(tiny_analyzer):
    a = tiny_analyzer.analyze(Document("They lie.", id="x1"))
    assert a.doc.id == "x1" and a.to_dict()["id"] == "x1"


def test_missing_model_folder(tmp_path):
    with pytest.raises(ModelNotFoundError, match="not an unspin model"):
        unspin.load(tmp_path)


def test_progress_counts_every_window_once(tiny_analyzer):
    text = "The corrupt elites betray the nation again. " * 200
    seen = []
    tiny_analyzer.analyze(text, progress=lambda done, total: seen.append((done, total)))
    assert seen and seen[-1][0] == seen[-1][1] > 1
    assert [d for d, _ in seen] == sorted(d for d, _ in seen)


def test_a_text_gets_the_same_answer_alone_and_batched_with_others(tiny_model_dir, articles):
    analyzer = unspin.load(tiny_model_dir, backend="onnx")  # int8: quantized per backend call
    texts = [a[0] * 3 for a in articles.values()]
    alone = [analyzer.analyze(t) for t in texts]
    for batch_size in (1, 4, 64):
        piped = list(analyzer.pipe(texts, batch_size=batch_size))
        for a, b in zip(alone, piped, strict=True):
            assert [(s.start, s.end, s.technique, s.score) for s in a.spans] == [
                (s.start, s.end, s.technique, s.score) for s in b.spans
            ]


def test_threshold_is_the_least_score_returned(tiny_analyzer, articles):
    text = articles["3"][0] * 3
    everything = tiny_analyzer.analyze(text, threshold=0.0)
    assert everything.spans
    middle = sorted(s.score for s in everything.spans)[len(everything.spans) // 2]
    some = tiny_analyzer.analyze(text, threshold=middle)
    assert all(s.score >= middle for s in some.spans)
    assert len(some.spans) == sum(s.score >= middle for s in everything.spans)
    assert tiny_analyzer.analyze(text, threshold=1.0).spans == () or all(
        s.score == 1.0 for s in tiny_analyzer.analyze(text, threshold=1.0).spans
    )
    for bad in (True, "0.5", -0.1, 1.5):
        with pytest.raises(InputError, match="threshold"):
            tiny_analyzer.analyze(text, threshold=bad)
