"""The held-out gain of an adaptation and its paired-bootstrap interval."""

from unspin.io.ptc import Label
from unspin.tuning.gains import gain, within_noise

NC = "Name_Calling,Labeling"


def rows(labels: list[Label]) -> dict[str, list[Label]]:
    return {"si": [Label(x.article_id, x.start, x.end) for x in labels], "tc": labels, "flc": labels}


def gold(n: int) -> list[Label]:
    return [Label(str(a), 0, 10, NC) for a in range(n)]


def test_the_same_predictions_gain_nothing_and_say_so():
    truth = gold(12)
    found = rows(truth[:6])
    gains = gain(found, found, truth, [str(a) for a in range(12)])
    assert gains["flc"] == {"gain": 0.0, "low": 0.0, "high": 0.0}
    assert within_noise(gains) == ["si", "tc", "flc"]


def test_a_gain_on_every_document_has_an_interval_above_zero():
    truth = gold(30)
    before = rows([Label(x.article_id, 0, 10, "Doubt") for x in truth])  # right span, wrong technique
    gains = gain(before, rows(truth), truth, [str(a) for a in range(30)], resamples=200)
    assert gains["flc"]["gain"] == 1.0 and gains["flc"]["low"] == 1.0
    assert gains["si"] == {"gain": 0.0, "low": 0.0, "high": 0.0}
    assert within_noise(gains) == ["si"]


def test_a_gain_on_one_document_of_many_is_within_noise():
    truth = gold(20)
    before = rows(truth[:10])
    gains = gain(before, rows(truth[:11]), truth, [str(a) for a in range(20)])
    assert 0 < gains["flc"]["gain"] < 0.06
    assert gains["flc"]["low"] <= 0 <= gains["flc"]["high"]
