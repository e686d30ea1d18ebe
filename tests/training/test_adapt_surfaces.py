"""An adapted model's own techniques through every surface: techniques, analyze, evaluate,
convert, the spaCy component, pretty output, and the corpus store's figures, filters and exports."""

from __future__ import annotations

import csv
import json
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "store"))
from store_fixtures import make_analysis, make_doc

from unspin import taxonomy
from unspin.cli.main import app
from unspin.training.adapt import AdaptArguments, adapt

runner = CliRunner()
TEXT = "That senator is a FRAUD and a crook"


@pytest.fixture(scope="module")
def adapted(tiny_model_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("adapted")
    memes = [(TEXT, 18, 23, "Smears"), ("Vile lies", 0, 4, "Loaded Language"),
             ("A crook and a thief", 2, 7, "Smears"), ("Sick, twisted lies", 0, 4, "Loaded Language")]
    records = [{"id": str(i), "text": t, "labels": [{"start": s, "end": e, "technique": n}]}
               for i, (t, s, e, n) in enumerate(memes)]
    (root / "data.json").write_text(json.dumps(records))
    defs = root / "defs.tsv"
    defs.write_text("Smears\tSmear\tAttacks a person's reputation.\n")
    adapt(AdaptArguments(data=[str(root / "data.json")], out=str(root / "model"), start=str(tiny_model_dir),
                         taxonomy="data", techniques_file=str(defs), epochs=1, replay=0.0, batch_size=2,
                         held_out=0.5))
    return root / "model"


def test_techniques_and_analyze(adapted: Path):
    listed = json.loads(runner.invoke(app, ["techniques", "--model", str(adapted), "--json"]).stdout)
    assert [t["name"] for t in listed] == ["Smears", "Loaded Language"]
    assert listed[0]["display"] == "Smear" and listed[0]["definition"] == "Attacks a person's reputation."
    assert listed[1]["definition"] == taxonomy.NO_DEFINITION
    args = ["analyze", "-", "--model", str(adapted), "--format", "json", "--threshold", "0"]
    result = runner.invoke(app, args, input=TEXT)
    assert result.exit_code == 0, result.output
    found = {s["technique"] for a in [json.loads(result.stdout)] for s in a.get("spans", [])}
    assert found <= {"Smears", "Loaded Language"}


def test_evaluate_and_convert_accept_its_names(adapted: Path, tmp_path: Path):
    gold = tmp_path / "gold.labels"
    gold.write_text("1\tSmears\t18\t23\n")
    bogus = tmp_path / "bogus.labels"
    bogus.write_text("1\tBogus_Technique\t18\t23\n")
    refused = runner.invoke(app, ["evaluate", "--task", "flc", str(bogus), str(gold),
                                  "--model", str(adapted)])
    assert refused.exit_code == 2 and "Unknown technique 'Bogus_Technique'" in refused.output
    scored = runner.invoke(app, ["evaluate", "--task", "flc", str(gold), str(gold), "--json",
                                 "--model", str(adapted)])
    assert scored.exit_code == 0, scored.output
    assert json.loads(scored.stdout)["f1"] == 1.0
    source = tmp_path / "in.jsonl"
    source.write_text(json.dumps({"id": 1, "text": TEXT, "label": [[18, 23, "Smears"]]}) + "\n")
    converted = runner.invoke(app, ["convert", str(source), str(tmp_path / "out.json"),
                                    "--to", "label-studio", "--model", str(adapted)])
    assert converted.exit_code == 0, converted.output
    assert '"Smears"' in (tmp_path / "out.json").read_text()


def test_spacy_component_and_pretty(adapted: Path):
    spacy = pytest.importorskip("spacy")
    from unspin.cli.pretty import analysis_text
    from unspin.doc import Analysis, Document, Span

    nlp = spacy.blank("en")
    nlp.add_pipe("unspin", config={"model": str(adapted), "threshold": 0.0})
    doc = nlp(TEXT)
    assert {s.label_ for s in doc.spans["unspin"]} <= {"Smears", "Loaded Language"}
    d = Document(TEXT)
    shown = analysis_text(Analysis(d, (Span(d, 18, 23, "Smears", 0.9),), "adapted")).plain
    assert "[Smear]" in shown


def test_store_figures_filters_and_exports(adapted: Path, tmp_path: Path):
    import unspin
    from unspin.batch.export import export
    from unspin.store import Store
    from unspin.store.queries import Filters, by_technique, overview

    unspin.load(adapted)  # registers its techniques, as a batch run does
    store = Store.open(f"sqlite:///{tmp_path / 'corpus.db'}")
    store.add_documents([make_doc(TEXT, source="A", published="2024-01-05"),
                         make_doc("Vile lies again", source="B", published="2024-01-06")])
    docs = {d.text: d for d in store.pending("m1")}
    store.save_batch([make_analysis(docs[TEXT], [("FRAUD", "Smears")]),
                      make_analysis(docs["Vile lies again"], [("Vile", "Loaded_Language")])])
    rows = {r["technique"]: r for r in by_technique(store, Filters(model="m1"))}
    assert rows["Smears"]["display"] == "Smear" and rows["Smears"]["spans"] == 1
    assert overview(store, Filters(model="m1", techniques=("Smears",)))["documents"] == 1
    assert overview(store, Filters(model="m1", techniques=("Smears", "Loaded_Language")))["documents"] == 2
    result = export(store, tmp_path, fmt="csv", tables=("spans",))
    with open(result["tables"]["spans"]["path"], encoding="utf-8") as handle:
        spans = list(csv.DictReader(handle))
    assert {r["technique"] for r in spans} == {"Smears", "Loaded_Language"}
