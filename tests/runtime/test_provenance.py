"""Whether a model learnt from the report split is recorded, and passes from a run's start,
teacher and pseudo-label caches to what it trains, and into soups."""

import importlib.util
import json
from pathlib import Path

import pytest

from fixtures_ptc import tiny_args
from unspin.doc import Document
from unspin.runtime import provenance
from unspin.training.trainer import Trainer

BENCHMARKS = Path(__file__).resolve().parents[2] / "benchmarks"


def test_combine_is_true_if_any_false_if_none_unknown_otherwise():
    assert provenance.combine([False, True, None]) is True
    assert provenance.combine([False, False]) is False
    assert provenance.combine([]) is False
    assert provenance.combine([False, None]) is None


def _write(folder: Path, name: str, value: dict) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_text(json.dumps(value))
    return folder


def test_what_each_kind_of_folder_records(tmp_path):
    clean = _write(tmp_path / "clean", "config.json", {"format": 1, "saw_report": False})
    seen = _write(tmp_path / "seen", "config.json", {"format": 1, "saw_report": True})
    old = _write(tmp_path / "old", "config.json", {"format": 1})
    assert provenance.saw_report(clean) is False and provenance.saw_report(seen) is True
    assert provenance.saw_report(old) is None
    fused = _write(tmp_path / "fused" / "accurate", "config.json", {"fuse": ["../../clean", "../../seen"]})
    assert provenance.saw_report(fused) is True
    both_clean = _write(tmp_path / "f2" / "accurate", "config.json", {"fuse": ["../../clean", "../../clean"]})
    assert provenance.saw_report(both_clean) is False
    cache = _write(tmp_path / "cache", "teacher.json", {"teacher": "abc", "saw_report": True})
    assert provenance.saw_report(cache) is True
    assert provenance.saw_report(_write(tmp_path / "unstamped", "teacher.json", {"teacher": "x"})) is None
    assert provenance.saw_report(_write(tmp_path / "dapt", "pretrain.json", {"base": "minilm"})) is False
    run = tmp_path / "run"
    _write(run / "model", "config.json", {"format": 1, "saw_report": False})
    (run / "checkpoint.pt").write_bytes(b"")
    assert provenance.saw_report(run) is False and provenance.saw_report(run / "checkpoint.pt") is False
    assert provenance.saw_report(tmp_path / "nothing") is None
    assert provenance.describe("m", False) is None
    assert "not independent" in provenance.describe("m", True)
    assert "not recorded" in provenance.describe("m", None)


def test_a_run_records_its_own_articles_and_what_it_started_from(ptc_dir, tmp_path, monkeypatch):
    args, tok = tiny_args(ptc_dir, tmp_path / "clean", epochs=1)
    assert Trainer(args, tokenizer=tok).train()["saw_report"] is False  # fixture articles 1, 2
    saved = json.loads((tmp_path / "clean" / "model" / "config.json").read_text())
    assert saved["saw_report"] is False
    # Were article "2" in the report split, a run that does not hold it out has seen it...
    monkeypatch.setattr("unspin.training.trainer.report_ids", lambda: ["2"])
    args, _ = tiny_args(ptc_dir, tmp_path / "seen", epochs=1, holdout_ids=[])
    assert Trainer(args, tokenizer=tok).train()["saw_report"] is True
    # ...one that holds it out has not...
    args, _ = tiny_args(ptc_dir, tmp_path / "held", epochs=1, holdout_ids=["2"])
    assert Trainer(args, tokenizer=tok).train()["saw_report"] is False
    # ...and a run that starts from one that has seen it has, too.
    args, _ = tiny_args(ptc_dir, tmp_path / "child", epochs=1, holdout_ids=["2"], init=str(tmp_path / "seen"))
    assert Trainer(args, tokenizer=tok).train()["saw_report"] is True
    child = json.loads((tmp_path / "child" / "model" / "config.json").read_text())
    assert child["saw_report"] is True


def test_teacher_caches_carry_it_to_the_student(ptc_dir, tiny_model_dir, tmp_path):
    import unspin
    from unspin.training.teacher import label_cache

    teacher = unspin.load(tiny_model_dir, backend="torch").predictor
    news = [Document("They lie. Build the wall!", id="n1")]
    label_cache(teacher, news, tmp_path / "seen", teacher_id="t1", saw_report=True)
    label_cache(teacher, news, tmp_path / "clean", teacher_id="t2", saw_report=False)
    assert json.loads((tmp_path / "seen" / "teacher.json").read_text())["saw_report"] is True
    _, tok = tiny_args(ptc_dir, tmp_path / "x")
    for cache, expected in (("clean", False), ("seen", True)):
        args, _ = tiny_args(ptc_dir, tmp_path / f"run-{cache}", epochs=1, pseudo=[str(tmp_path / cache)])
        assert Trainer(args, tokenizer=tok).train()["saw_report"] is expected
    # A teacher given as a model folder that records nothing: the student cannot tell.
    args, _ = tiny_args(ptc_dir, tmp_path / "run-t", epochs=1, teacher=str(tiny_model_dir))
    assert Trainer(args, tokenizer=tok).train()["saw_report"] is None
    assert "saw_report" in json.loads((tmp_path / "run-t" / "teacher" / "teacher.json").read_text())


def test_a_soup_has_seen_what_any_of_its_models_saw(tiny_model_dir, tmp_path):
    import shutil

    from unspin.training.weights import soup

    parts = []
    for name, value in (("a", False), ("b", True)):
        shutil.copytree(tiny_model_dir, tmp_path / name)
        config = json.loads((tmp_path / name / "config.json").read_text())
        (tmp_path / name / "config.json").write_text(json.dumps({**config, "saw_report": value}))
        parts.append(tmp_path / name)
    assert provenance.saw_report(soup(parts, tmp_path / "ab")) is True
    assert provenance.saw_report(soup([parts[0], parts[0]], tmp_path / "aa")) is False


def test_shipped_tiers_say_they_saw_it_and_the_benchmarks_warn(capsys):
    spec = importlib.util.spec_from_file_location("emit", BENCHMARKS / "emit.py")
    emit = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(emit)
    assert emit.saw_report("fast", "tuning") is True and capsys.readouterr().err == ""
    assert emit.saw_report(None, "report") is True  # the default tier
    assert "accurate learnt from report-split articles" in capsys.readouterr().err


@pytest.mark.parametrize("tier", ["fast", "accurate"])
def test_shipped_configs_record_it(tier):
    from unspin.config import shipped_model_path

    assert provenance.saw_report(shipped_model_path(tier)) is True
