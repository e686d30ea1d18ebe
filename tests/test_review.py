"""`unspin.review`: corrections replayed over the model's spans, and agreement per technique."""

from __future__ import annotations

import pytest

from unspin import review
from unspin.errors import InputError

TEXT = "These corrupt traitors will destroy our great nation."


def model() -> list[dict]:
    return [{"start": 6, "end": 22, "technique": "Name_Calling,Labeling", "score": 0.8, "why": []},
            {"start": 36, "end": 52, "technique": "Flag-Waving", "score": 0.6, "why": []}]


def fix(spans: list[dict], action: str, **kw: object) -> dict:
    return {**review.correction(action, text=TEXT, spans=spans, reviewer="Ana", **kw), "created": "t"}


def test_replay_last_correction_wins_and_reset_undoes() -> None:
    log: list[dict] = []
    spans = review.reviewed(TEXT, model(), log)
    assert [s["key"] for s in spans] == ["m0", "m1"] and {s["status"] for s in spans} == {"model"}
    log.append(fix(spans, "relabel", target="m0", technique="loaded language"))  # names normalised
    spans = review.reviewed(TEXT, model(), log)
    log.append(fix(spans, "resize", target="m0", start=14))
    log.append(fix(spans, "add", start=23, end=35, technique="Appeal_to_fear-prejudice"))
    spans = review.reviewed(TEXT, model(), log)
    m0 = spans[0]
    assert (m0["text"], m0["technique"], m0["status"]) == ("traitors", "Loaded_Language", "resized")
    assert m0["model"] == {"start": 6, "end": 22, "technique": "Name_Calling,Labeling"}
    added = next(s for s in spans if s["status"] == "added")
    assert added["text"] == "will destroy" and added["model"] is None and added["key"].startswith("a")
    log.append(fix(spans, "reset", target=added["key"]))
    log.append(fix(spans, "reset", target="m0"))
    spans = review.reviewed(TEXT, model(), log)
    assert [(s["key"], s["status"], s["technique"]) for s in spans] == [
        ("m0", "model", "Name_Calling,Labeling"), ("m1", "model", "Flag-Waving")]


@pytest.mark.parametrize("action,kw,message", [
    ("explode", {"target": "m0"}, "Unknown review action"),
    ("accept", {"target": "m9"}, "No span"),
    ("add", {"start": 0, "end": 99, "technique": "Doubt"}, "start < end"),
    ("add", {"start": 0, "end": 3}, "needs start, end and technique"),
    ("add", {"start": 5, "end": 6, "technique": "Doubt"}, "spaces"),
])
def test_bad_corrections_are_named_errors(action: str, kw: dict, message: str) -> None:
    with pytest.raises(InputError, match=message):
        review.correction(action, text=TEXT, spans=review.reviewed(TEXT, model(), []), reviewer="Ana", **kw)
    with pytest.raises(InputError, match="reviewer"):
        review.correction("accept", text=TEXT, spans=review.reviewed(TEXT, model(), []), reviewer=" ",
                          target="m0")


def test_agreement_by_hand() -> None:
    spans = review.reviewed(TEXT, model(), [])
    log = [fix(spans, "reject", target="m1"),
           fix(spans, "add", start=23, end=35, technique="Name_Calling,Labeling")]
    rows = {r["technique"]: r for r in review.agreement([review.reviewed(TEXT, model(), log)])}
    name = rows["Name_Calling,Labeling"]
    assert (name["model"], name["reviewer"], name["agreed"], name["added"]) == (1, 2, 1, 1)
    assert name["agreement"] == round(2 * 1 / 3, 3)
    flag = rows["Flag-Waving"]
    assert (flag["model"], flag["reviewer"], flag["rejected"], flag["agreement"]) == (1, 0, 1, 0.0)
    assert [r["technique"] for r in review.agreement([])] == []


def test_reviewer_names_lose_bidi_and_zero_width_characters() -> None:
    hostile = "\u202eAna\u202c\u200b \u2066Lopez\u2069\ufeff\u200d\u00ad\x1b"
    made = review.correction("accept", text=TEXT, spans=review.reviewed(TEXT, model(), []), reviewer=hostile,
                             target=review.reviewed(TEXT, model(), [])[0]["key"])
    assert made["reviewer"] == "Ana Lopez"
    assert review.reviewer_name("\u200b\u200c\u200e\u200f\u2060") == ""
