"""Which techniques a team marks on whole texts, from its training annotations."""

from unspin.doc import Document
from unspin.io.ptc import Label
from unspin.tuning.whole_texts import whole_text_techniques


def test_techniques_whose_spans_mostly_cover_whole_texts():
    texts = {f"m{i}": "THEY LIE\nVOTE THEM OUT " for i in range(4)}
    docs = [Document(id=k, text=t) for k, t in texts.items()]
    labels = {
        k: [Label(k, 0, 22, "Smears"), Label(k, 5, 8, "Loaded Language"), Label(k, 9, 21, "Slogans")]
        for k in texts
    }
    labels["m0"].append(Label("m0", 0, 21, "Doubt"))  # once: too few to say
    labels["m1"] += [Label("m1", 0, 8, "Slogans")] * 2
    assert whole_text_techniques(docs, labels) == ["Smears"]
    labels["m2"] += [Label("m2", 1, 22, "Slogans")] * 3  # 3 whole of 9: a third
    assert whole_text_techniques(docs, labels) == ["Smears", "Slogans"]
    assert whole_text_techniques(docs, {}) == []
