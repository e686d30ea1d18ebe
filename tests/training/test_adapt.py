"""`unspin adapt` end to end on the tiny random-init model: read, adapt, save, load, analyze
with a new technique; the taxonomy choices; resume; cancel."""

import itertools
import json
from pathlib import Path

import pytest

from unspin import taxonomy
from unspin.errors import InputError
from unspin.io.labelled import read_labelled
from unspin.training.adapt import AdaptArguments, Cancelled, adapt
from unspin.training.adapt_data import choose_taxonomy
from unspin.training.adapt_model import remap_heads

MEMES = [
    ("They are CORRUPT TRAITORS and LIARS", [(9, 16, "Loaded Language"), (17, 25, "Smears")]),
    ("Our GREAT nation will never kneel", [(4, 9, "Loaded Language")]),
    ("That senator is a FRAUD and a crook", [(18, 23, "Smears")]),
    ("Disgusting lies from the fake media", [(0, 15, "Loaded Language"), (25, 35, "Smears")]),
    ("Vote for freedom, vote for us", []),
    ("The elites are thieves who rob you", [(15, 22, "Smears")]),
    ("A shameful, cowardly betrayal", [(2, 10, "Loaded Language"), (12, 20, "Loaded Language")]),
    ("Weather today: sunny and mild", []),
]


def write_memes(path: Path) -> Path:
    records = [
        {"id": str(i), "text": text,
         "labels": [{"start": s, "end": e, "technique": t, "text_fragment": text[s:e]} for s, e, t in spans]}
        for i, (text, spans) in enumerate(MEMES)
    ]
    path.write_text(json.dumps(records))
    return path


def test_adapt_learns_a_new_technique_and_every_surface_takes_it(tiny_model_dir, tmp_path):
    import unspin

    data = write_memes(tmp_path / "memes.json")
    seen: list[tuple[str, int, int]] = []
    args = AdaptArguments(data=[str(data)], out=str(tmp_path / "out"), start=str(tiny_model_dir),
                          taxonomy="data", epochs=2, replay=0.0, batch_size=4, held_out=0.25, decoding="tune")
    report = adapt(args, progress=lambda *a: seen.append(a))
    assert report["taxonomy"]["techniques"] == ["Loaded Language", "Smears"]
    assert report["taxonomy"]["new"] == ["Smears"]  # Loaded Language continues PTC's class
    placed = report["taxonomy"]["new_start_from"]["Smears"]  # the start's reading of Smears' 3 training spans
    assert set(placed) <= set(taxonomy.NAMES) and len(placed) == 3 and 0 < sum(placed.values()) <= 1.0001
    import torch

    from unspin.runtime.backends.weights import load as load_network

    start = load_network(tiny_model_dir)[0].state_dict()["span_head.mlp.3.weight"]
    init = torch.load(tmp_path / "out" / "run" / "start.pt", weights_only=True)["net"]
    init = init["span_head.mlp.3.weight"]
    assert torch.equal(init[0], start[taxonomy.NAMES.index("Loaded_Language")])  # kept; Smears: not the mean
    assert not torch.allclose(init[1], start.mean(0))
    assert report["split"] == {"train": 6, "held_out": 2, "replay": 0, "replay_tuning": 0, "seed": 13}
    run_model = json.loads((tmp_path / "out" / "run" / "model" / "config.json").read_text())
    assert run_model["epoch"] == 2  # the last epoch is kept, whatever the held-out part said
    assert {s for s, *_ in seen} == {"read", "train", "tune"} and seen[-1] == ("tune", 2, 2)
    reads = [(done, total) for s, done, total in seen if s == "read"]  # 2 held out, then Smears' documents
    assert reads[0][0] == 0 and reads[-1][0] == reads[-1][1] == len(reads) - 1 >= 3
    config = json.loads((tmp_path / "out" / "config.json").read_text())
    assert config["techniques"] == ["Loaded Language", "Smears"]
    assert {i["name"] for i in config["technique_info"]} == {"Loaded Language", "Smears"}
    assert "calibration" in config["settings"] and config["adapted"]["start"]["folder"] == str(tiny_model_dir)
    assert set(report["held_out_before"]) == set(report["held_out_after"]) == {"si", "tc", "flc"}
    for task, g in report["held_out_gain"].items():
        assert g["gain"] == pytest.approx(report["held_out_after"][task] - report["held_out_before"][task],
                                          abs=2e-4)
        assert g["low"] <= g["high"]
    assert any(note.startswith("only 2 held-out document(s): too few") for note in report["notes"])
    analyzer = unspin.load(tmp_path / "out")
    assert analyzer.predictor.techniques == ("Loaded Language", "Smears")
    analysis = analyzer.analyze("They are corrupt traitors and liars", threshold=0.0)
    assert {s.technique for s in analysis.spans} <= {"Loaded Language", "Smears"}
    assert taxonomy.get("Smears").definition == taxonomy.NO_DEFINITION


def test_resume_and_cancel(tiny_model_dir, tmp_path):
    data = write_memes(tmp_path / "memes.json")
    args = AdaptArguments(data=[str(data)], out=str(tmp_path / "out"), start=str(tiny_model_dir),
                          taxonomy="keep", epochs=2, replay=0.0, batch_size=4)
    with pytest.raises(Cancelled, match="before training began; run the same command again"):
        adapt(args, cancel=lambda: True)
    seen: list[tuple[str, int, int]] = []
    with pytest.raises(Cancelled, match="run the same command again to resume"):
        adapt(args, progress=lambda *a: seen.append(a), cancel=lambda: bool(seen) and seen[-1][0] == "train")
    assert not (tmp_path / "out" / "config.json").exists()
    first = adapt(args)
    log = (tmp_path / "out" / "run" / "log.jsonl").read_text().splitlines()
    again = adapt(args)  # the checkpoint holds both epochs: nothing is trained twice
    assert (tmp_path / "out" / "run" / "log.jsonl").read_text().splitlines() == log
    assert again["held_out_after"] == first["held_out_after"]
    assert first["taxonomy"]["techniques"] == list(taxonomy.NAMES)  # keep: Smears is "don't care"
    assert any("don't care" in note for note in first["notes"])


def test_taxonomy_file_and_bad_input(tmp_path):
    data = read_labelled([write_memes(tmp_path / "memes.json")])
    listed = tmp_path / "list.tsv"
    listed.write_text("Smears\tSmears\tAttacks a person's reputation.\nLoaded_Language\n")
    names, info = choose_taxonomy(AdaptArguments(data=[], out="x", taxonomy=str(listed)), data)
    assert names == ["Smears", "Loaded_Language"]
    assert info == [{"name": "Smears", "display": "Smears", "definition": "Attacks a person's reputation."}]
    assert taxonomy.renamer(names)("Loaded Language") == "Loaded_Language"
    with pytest.raises(InputError, match="--replay must be in"):
        AdaptArguments(data=[], out="x", replay=1.5)
    bad = tmp_path / "bad.tsv"
    bad.write_text("a\tb\tc\td\n")
    with pytest.raises(InputError, match=r"bad\.tsv:1"):
        choose_taxonomy(AdaptArguments(data=[], out="x", taxonomy=str(bad)), data)


def test_heads_keep_continued_classes_and_start_new_ones_from_the_mean():
    import torch

    old = ["Loaded_Language", "Name_Calling,Labeling"]
    state = {
        "token_techniques.weight": torch.tensor([[1.0, 0.0], [0.0, 1.0]]),
        "token_techniques.bias": torch.tensor([1.0, 3.0]),
        "span_head.mlp.3.weight": torch.tensor([[2.0], [4.0]]),
        "span_head.mlp.3.bias": torch.tensor([0.0, 2.0]),
    }
    new = remap_heads(state, old, ["Name calling/Labeling", "Smears", "Loaded Language"])
    assert new["token_techniques.bias"].tolist() == [3.0, 2.0, 1.0]
    assert new["span_head.mlp.3.weight"].tolist() == [[4.0], [3.0], [2.0]]
    # `fill` gives the new technique's rows instead of the mean
    def fill(key: str, rows: torch.Tensor) -> torch.Tensor:
        return torch.full_like(rows[0], -30.0 if key.endswith("bias") else 0.0)

    never = remap_heads(state, old, ["Name calling/Labeling", "Smears"], fill=fill)
    assert never["token_techniques.bias"].tolist() == [3.0, -30.0]
    assert never["token_techniques.weight"].tolist() == [[0.0, 1.0], [0.0, 0.0]]


def test_new_technique_starts_from_the_classes_it_resembles():
    import torch

    old = ["Loaded_Language", "Name_Calling,Labeling", "Doubt"]
    state = {
        "token_techniques.weight": torch.tensor([[1.0, 0.0], [0.0, 1.0], [2.0, 2.0]]),
        "token_techniques.bias": torch.tensor([1.0, 3.0, 5.0]),
        "span_head.mlp.3.weight": torch.tensor([[2.0], [4.0], [8.0]]),
        "span_head.mlp.3.bias": torch.tensor([0.0, 2.0, 4.0]),
    }
    like = {"Smears": {"Name_Calling,Labeling": 0.75, "Doubt": 0.25, "Not_There": 0.5},
            "Vague": {"Not_There": 1.0}}
    new = remap_heads(state, old, ["Smears", "Loaded Language", "Vague"], like=like)
    assert new["token_techniques.bias"].tolist() == [3.0 * 0.75 + 5.0 * 0.25, 1.0, 3.0]  # Vague: the mean
    assert new["token_techniques.weight"][0].tolist() == [0.5, 1.25]
    assert new["span_head.mlp.3.weight"].flatten().tolist() == pytest.approx([5.0, 2.0, 14 / 3])


def test_resemblance_is_the_starts_mean_probability_on_the_new_spans():
    from types import SimpleNamespace

    import numpy as np

    from unspin.doc import Document
    from unspin.io.ptc import Label
    from unspin.training.resemble import resemblance, strongest

    class Reader:  # classifies spans starting at 0 as the first technique, others as the second
        techniques = ("A", "B")

        def encode(self, texts):
            return list(texts)

        def classify(self, enc, found):
            return [SimpleNamespace(start=s, end=e, probs=np.array([0.8, 0.2] if s == 0 else [0.0, 1.0]))
                    for s, e, _ in found]

    docs = [Document(id="1", text="smear here and there"), Document(id="2", text="nothing new")]
    labels = {"1": [Label("1", 0, 5, "Smears"), Label("1", 6, 10, "Smears"), Label("1", 0, 5, "A")],
              "2": [Label("2", 0, 7, "A")]}
    like = resemblance(Reader(), docs, labels, ["Smears", "Unseen"])
    assert like == {"Smears": {"A": 0.4, "B": 0.6}}  # Unseen has no spans: it starts from the mean
    assert list(strongest(like["Smears"], 1)) == ["B"]


def test_spellings_table():
    assert taxonomy.continues("False_Dilemma-No_Choice") == "Black-and-White_Fallacy"
    assert taxonomy.continues("Black-and-white Fallacy/Dictatorship") == "Black-and-White_Fallacy"
    assert taxonomy.continues("Name_Calling-Labeling") == "Name_Calling,Labeling"
    assert taxonomy.continues("Name calling/Labeling") == "Name_Calling,Labeling"
    assert taxonomy.continues("Straw_Man") == "Whataboutism,Straw_Men,Red_Herring"
    assert taxonomy.continues("Smears") is None and taxonomy.continues("Questioning_the_Reputation") is None
    # several names continuing one merged class: none is chosen for it
    rename = taxonomy.renamer(["Whataboutism", "Straw_Man", "Red_Herring"])
    assert rename("Whataboutism,Straw_Men,Red_Herring") is None and rename("Straw_Man") == "Straw_Man"


def test_keep_start_mixes_the_start_weights_back(tiny_model_dir, tmp_path):
    import torch

    from unspin.runtime.backends.weights import load

    data = write_memes(tmp_path / "memes.json")
    common = dict(data=[str(data)], start=str(tiny_model_dir), taxonomy="data", epochs=1, replay=0.0,
                  batch_size=4, held_out=0.25, decoding="tune")
    adapt(AdaptArguments(out=str(tmp_path / "full"), **common))
    adapt(AdaptArguments(out=str(tmp_path / "half"), keep_start=0.5, **common))
    start = torch.load(tmp_path / "full" / "run" / "start.pt", weights_only=True)["net"]
    trained, half = load(tmp_path / "full")[0].state_dict(), load(tmp_path / "half")[0].state_dict()
    key = "token_techniques.weight"
    assert not torch.allclose(trained[key], start[key])
    assert torch.allclose(half[key].float(), (trained[key].float() + start[key].float()) / 2, atol=2e-3)
    config = json.loads((tmp_path / "half" / "config.json").read_text())
    assert config["soup"]["weights"] == [0.5, 0.5] and config["adapted"]["settings"]["keep_start"] == 0.5
    assert "calibration" in config["settings"]  # tuned after the mix, not before
    with pytest.raises(InputError, match="--keep-start must be in"):
        AdaptArguments(data=[], out="x", keep_start=1.0)


def fused_start(tiny_model_dir: Path, root: Path) -> Path:
    """A fused start of two copies of the tiny model, with decoding settings of its own."""
    import shutil

    for name in ("larger", "smaller"):
        shutil.copytree(tiny_model_dir, root / name)
    loaded, doubt = taxonomy.NAMES.index("Loaded_Language"), taxonomy.NAMES.index("Doubt")
    memory = {"abc": f"{doubt}:1,{loaded}:2", "def": f"{doubt}:1"}
    settings = {"threshold": 0.33, "min_score": 0.12, "span_memory": memory,
                "calibration": {"*": [[0.0, 1.0], [0.0, 1.0]], "Loaded_Language": [[0.0, 1.0], [0.1, 0.9]],
                                "Doubt": [[0.0, 1.0], [0.2, 0.8]]}}
    (root / "start").mkdir()
    (root / "start" / "config.json").write_text(json.dumps(
        {"format": 1, "fuse": ["../larger", "../smaller"], "weights": [0.7, 0.3], "views": [1, 1],
         "name": "tiny-fused", "settings": settings}))
    return root / "start"


def test_a_fused_start_adapts_every_member_heads_only_and_keeps_its_decoding(tiny_model_dir, tmp_path):
    import torch

    import unspin
    from unspin.runtime.backends.weights import load

    start = fused_start(tiny_model_dir, tmp_path)
    data = write_memes(tmp_path / "memes.json")
    seen: list[tuple[str, int, int]] = []
    report = adapt(AdaptArguments(data=[str(data)], out=str(tmp_path / "out"), start=str(start),
                                  taxonomy="data", replay=0.0, batch_size=4, held_out=0.25, heads_only=True),
                   progress=lambda *a: seen.append(a))
    assert report["decoding"] == "keep"  # auto: 2 held-out documents are too few to re-tune on
    assert report["settings"]["epochs"] == 20 and report["epochs_run"] == 20
    assert {s for s, *_ in seen} == {"read", "train", "tune"}
    train = [(done, total) for s, done, total in seen if s == "train"]
    # one stage counts both members' steps: the first member's total is counted twice until
    # the second starts, and the steps only go forward
    assert train[-1][0] == train[-1][1] and train[0][1] == train[-1][1]
    assert all(a[0] < b[0] for a, b in itertools.pairwise(train))
    config = json.loads((tmp_path / "out" / "config.json").read_text())
    assert config["fuse"] == ["members/0-larger", "members/1-smaller"] and config["weights"] == [0.7, 0.3]
    assert config["techniques"] == ["Loaded Language", "Smears"]
    settings = config["settings"]
    assert settings["threshold"] == 0.33 and settings["min_score"] == 0.12
    # PTC's Loaded_Language is the adapted model's technique 0; Doubt is not in its taxonomy, so
    # its memory and calibration go
    assert settings["span_memory"] == {"abc": "0:2"}
    assert settings["calibration"] == {"*": [[0.0, 1.0], [0.0, 1.0]],
                                       "Loaded Language": [[0.0, 1.0], [0.1, 0.9]]}
    original = load(tiny_model_dir)[0].state_dict()
    for member in ("0-larger", "1-smaller"):
        state = load(tmp_path / "out" / "members" / member)[0].state_dict()
        assert all(torch.equal(state[k], original[k]) for k in original if k.startswith("encoder."))
        assert not torch.equal(state["tagger.weight"], original["tagger.weight"])
    analyzer = unspin.load(tmp_path / "out")
    assert analyzer.predictor.techniques == ("Loaded Language", "Smears")
    found = analyzer.analyze("They are corrupt traitors and liars", threshold=0.0)
    assert {s.technique for s in found.spans} <= {"Loaded Language", "Smears"}
    with pytest.raises(InputError, match="--decoding must be one of"):
        AdaptArguments(data=[], out="x", decoding="sometimes")


def test_larger_only_adapts_one_member_of_a_fused_start(tiny_model_dir, tmp_path):
    import unspin

    start = fused_start(tiny_model_dir, tmp_path)
    member = json.loads((tmp_path / "larger" / "config.json").read_text())["settings"]
    data = write_memes(tmp_path / "memes.json")
    report = adapt(AdaptArguments(data=[str(data)], out=str(tmp_path / "out"), start=str(start),
                                  taxonomy="data", replay=0.0, batch_size=4, held_out=0.25, heads_only=True,
                                  epochs=2, larger_only=True))
    config = json.loads((tmp_path / "out" / "config.json").read_text())
    assert "fuse" not in config and not (tmp_path / "out" / "members").exists()
    assert "members" not in report["start"] and report["settings"]["larger_only"] is True
    assert config["settings"]["threshold"] == member["threshold"] != 0.33  # its own settings, kept
    assert unspin.load(tmp_path / "out").predictor.techniques == ("Loaded Language", "Smears")


def test_line_marks_are_the_adapted_models_own_setting(tiny_model_dir, tmp_path):
    import unspin

    data = tmp_path / "memes.json"
    data.write_text(json.dumps([
        {"id": str(i), "text": text.replace(" and ", "\nand "), "labels": [
            {"start": s, "end": e, "technique": t, "text_fragment": text[s:e]} for s, e, t in spans]}
        for i, (text, spans) in enumerate(MEMES)]))
    adapt(AdaptArguments(data=[str(data)], out=str(tmp_path / "out"), start=str(tiny_model_dir),
                         taxonomy="data", replay=0.0, batch_size=4, held_out=0.25, epochs=1, line_marks=True,
                         decoding="keep"))
    config = json.loads((tmp_path / "out" / "config.json").read_text())
    assert config["settings"]["line_marks"] is True  # kept through the start's decoding settings
    model = unspin.load(tmp_path / "out", backend="torch")
    assert model.predictor.settings.line_marks is True
    text = "They are CORRUPT TRAITORS\nand LIARS"
    prepared = model.predictor.prepare(text)
    assert [text[s:e] for s, e in prepared.tokens.offsets].count("\n") == 1
    assert all(0 <= s.start < s.end <= len(text) for s in model.analyze(text).spans)


def test_line_marks_by_default_where_most_texts_are_short_and_of_several_lines():
    from unspin.doc import Document
    from unspin.training.adapt_data import SHORT, short_lines

    memes = [Document("THEY LIE\nVOTE THEM OUT"), Document("one line only"), Document("A\n\nB\n")]
    assert short_lines(memes)  # two of three
    assert not short_lines([memes[1], Document("trailing break only\n")])
    articles = [Document("A sentence.\n" * (SHORT // 10))] * 3  # several lines, but long
    assert not short_lines(articles) and not short_lines([])
