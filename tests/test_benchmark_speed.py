"""The pure helpers of benchmarks/speed.py: the documents of the two layouts, how runs
shrink with length, the percentile, the cost against 1,000 words and the reference windows."""

import importlib.util
from pathlib import Path

import pytest

BENCHMARKS = Path(__file__).resolve().parents[1] / "benchmarks"


def _module(name: str):
    spec = importlib.util.spec_from_file_location(name, BENCHMARKS / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


speed = _module("speed")
speed_reference = _module("speed_reference")


def test_the_two_layouts_hold_the_same_words():
    lines, one_line = speed.article(1000, "lines"), speed.article(1000, "one-line")
    assert speed.article(1000) == lines  # the default is the article earlier results used
    assert lines.count("\n") > 50 and "\n" not in one_line
    assert one_line == lines.replace("\n", " ")
    assert 1000 <= len(lines.split()) < 1050
    assert len(speed.article(16000, "one-line").split()) >= 16000
    with pytest.raises(ValueError, match="one-line"):
        speed.article(1000, "paragraphs")


def test_runs_shrink_with_length_but_stay_at_least_two():
    assert [speed.runs_for(w, 30) for w in (250, 1000, 4000, 16000)] == [30, 30, 8, 2]
    assert speed.runs_for(16000, 2) == 2
    assert speed.runs_for(1000, 1) == 1


def test_p95_is_the_nearest_rank():
    assert speed.percentile([2.0, 1.0], 0.95) == 2.0
    assert speed.percentile([float(x) for x in range(30, 0, -1)], 0.95) == 29.0
    assert speed.percentile([5.0], 0.95) == 5.0


def test_cost_against_1000_words_and_the_16000_word_target():
    rows = [
        {"layout": "lines", "length": 1000, "words": 1000, "analyze_p50_ms": 100.0},
        {"layout": "lines", "length": 16000, "words": 16000, "analyze_p50_ms": 2000.0},
        {"layout": "one-line", "length": 1000, "words": 1000, "analyze_p50_ms": 200.0},
        {"layout": "one-line", "length": 16000, "words": 16000, "analyze_p50_ms": 3200.0},
        {"layout": "other", "length": 250, "words": 250, "analyze_p50_ms": 50.0},
    ]
    speed.growth(rows)
    figures = ("cost_vs_1000", "words_vs_1000", "per_word_vs_1000")
    assert [rows[1][k] for k in figures] == [20.0, 16.0, 1.25]
    assert rows[3]["cost_vs_1000"] == 16.0 and rows[3]["per_word_vs_1000"] == 1.0
    assert "cost_vs_1000" not in rows[4]  # no 1,000-word row of its layout
    assert speed.targets(rows) == {
        "lines": {"cost_16000_vs_1000": 20.0, "target": 17, "met": False},
        "one-line": {"cost_16000_vs_1000": 16.0, "target": 17, "met": True},
    }


def test_reference_windows_cover_the_tokens_without_overlap():
    assert speed_reference.window_lengths(1178) == [512, 512, 154]
    assert speed_reference.window_lengths(1024) == [512, 512]
    assert speed_reference.window_lengths(0) == []
