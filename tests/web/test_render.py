"""Cutting text into segments: overlapping and nested spans lose nothing, text stays whole."""

from __future__ import annotations

import itertools
import random
from typing import Any

from unspin import taxonomy
from unspin.web.context import compare_context, segments


def span(start: int, end: int, technique: str = "Loaded_Language", score: float = 0.9) -> dict[str, Any]:
    return {"start": start, "end": end, "technique": technique, "score": score}


def check(text: str, spans: list[dict[str, Any]]) -> list[dict[str, Any]]:
    segs = segments(text, spans)
    assert "".join(s["text"] for s in segs) == text
    assert segs[0]["start"] == 0 and segs[-1]["end"] == len(text)
    for a, b in itertools.pairwise(segs):
        assert a["end"] == b["start"]
    for i, sp in enumerate(spans):  # every span is exactly the union of the segments naming it
        covered = [s for s in segs if i in s["spans"]]
        assert covered, f"span {i} lost"
        assert covered[0]["start"] == sp["start"] and covered[-1]["end"] == sp["end"]
        assert sum(s["end"] - s["start"] for s in covered) == sp["end"] - sp["start"]
    for s in segs:
        for i in s["spans"]:
            assert spans[i]["start"] <= s["start"] and s["end"] <= spans[i]["end"]
    return segs


def test_no_spans() -> None:
    [seg] = segments("plain", [])
    assert {k: seg[k] for k in ("start", "end", "text", "spans", "top", "starts", "long")} == {
        "start": 0, "end": 5, "text": "plain", "spans": [], "top": None, "starts": [], "long": False}
    assert segments("", []) == []


def test_nested_and_overlapping() -> None:
    text = "a shameful, disgusting betrayal of our nation"
    spans = [span(2, 31), span(12, 22, "Exaggeration,Minimisation", 0.4),
             span(23, 45, "Flag-Waving", 0.7), span(2, 31, "Doubt", 0.5)]
    segs = check(text, spans)
    by_text = {s["text"]: s for s in segs}
    assert by_text["disgusting"]["spans"][0] == 1  # innermost first
    assert by_text["disgusting"]["top"] == taxonomy.INDEX["Exaggeration,Minimisation"]
    assert set(by_text["betrayal"]["spans"]) == {0, 2, 3}
    assert by_text[" of our nation"]["spans"] == [2]


def test_same_offsets_different_techniques() -> None:
    segs = check("xx yy", [span(0, 2, "Doubt", 0.3), span(0, 2, "Slogans", 0.8)])
    assert segs[0]["spans"] == [1, 0]  # equal length: higher score first


def test_random_spans_never_lose_text() -> None:
    rng = random.Random(7)
    text = "".join(rng.choice("ab <>&\"'\n") for _ in range(300))
    for _ in range(50):
        spans = []
        for _ in range(rng.randint(0, 12)):
            start = rng.randrange(len(text) - 1)
            spans.append(span(start, rng.randint(start + 1, len(text)), rng.choice(taxonomy.NAMES),
                              rng.random()))
        check(text, spans)


def test_labels_tags_and_rejected_spans() -> None:
    text = "a shameful, disgusting betrayal"
    spans = [span(2, 31), span(12, 22, "Exaggeration,Minimisation", 0.42), span(0, 1, "Doubt")]
    spans[2]["status"] = "rejected"
    segs = segments(text, spans)
    by_text = {s["text"]: s for s in segs}
    assert by_text["a "]["spans"] == []  # rejected by a reviewer: not drawn
    assert by_text["disgusting"]["label"] == "disgusting (Exaggeration / minimisation, 42%)"  # starts here
    assert by_text["shameful, "]["label"] == "shameful, (Loaded language, 90%)"
    assert by_text[" betrayal"]["label"] == "betrayal"  # a later piece: no tab stop, no techniques
    assert by_text["disgusting"]["all_label"] == ("Exaggeration / minimisation, 42%: disgusting; "
                                                  "Loaded language, 90%: shameful, disgusting betrayal")
    assert by_text["shameful, "]["starts"] == [0] and by_text["disgusting"]["starts"] == [1]
    assert by_text[" betrayal"]["starts"] == []
    long_text = "word " * 60
    assert segments(long_text, [span(0, 250)])[0]["long"] is True


def test_compare_profile_on_one_scale() -> None:
    def record(counts: dict[str, int], words: int) -> dict[str, Any]:
        return {"id": "x", "text": "t", "spans": [], "meta": {},
                "figures": {"words": words, "counts": counts}}

    out = compare_context(record({"Doubt": 2}, 1000), record({"Doubt": 1, "Slogans": 4}, 500))
    rows = {r["name"]: r for r in out["profile"]}
    assert out["scale"]["max"] == 8.0
    assert rows["Slogans"]["b_pct"] == 100.0 and rows["Doubt"]["a_pct"] == 25.0
    assert rows["Slogans"]["a"] == 0.0


def test_metadata_shown_wherever_known() -> None:
    from unspin.web.context import source_of

    corpus = source_of({"meta": {}, "document": {"source": "Daily Example", "url": "https://ex.com/a",
                                                 "title": "Vote", "published": "2024-03-01"}})
    assert (corpus["title"], corpus["outlet"], corpus["date"], corpus["link"]) == (
        "Vote", "Daily Example", "2024-03-01", "https://ex.com/a")
    fetched = source_of({"meta": {"source": "https://ex.com/a", "url": "https://ex.com/a", "sitename": "Ex",
                                  "title": "Vote", "date": "2024-03-02"}})
    assert fetched["outlet"] == "Ex" and fetched["input"] is None and fetched["date"] == "2024-03-02"
    upload = source_of({"meta": {"source": "story.txt", "format": "text"}})
    assert upload["input"] == "story.txt" and upload["outlet"] is None and upload["link"] is None
    pasted = source_of({"meta": {"source": "text", "url": "javascript:alert(1)"}})
    assert pasted["input"] is None and pasted["link"] is None
