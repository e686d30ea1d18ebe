"""The spaCy component on `spacy.blank("en")` with the tiny model: spans, scores, alignment
policies, pipe batching, and the entry point that makes `nlp.add_pipe("unspin")` work."""

from __future__ import annotations

import subprocess
import sys
import tomllib
from importlib.metadata import entry_points
from pathlib import Path

import pytest

spacy = pytest.importorskip("spacy")

from unspin.doc import Analysis, Document, Span  # noqa: E402
from unspin.errors import InputError  # noqa: E402
from unspin.spacy_component import UnspinComponent  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
TEXT = "These corrupt traitors will destroy our great nation! Real patriots know it."


class Fixed:
    """An analyzer stand-in returning hand-placed spans (character offsets)."""

    name = "fixed"

    def __init__(self, spans: list[tuple[int, int, str, float]]):
        self.spans = spans

    def pipe(self, texts, *, batch_size: int = 16, threshold: float | None = None):
        for text in texts:
            doc = Document(text)
            yield Analysis(doc, tuple(Span(doc, a, b, t, s) for a, b, t, s in self.spans), self.name)


def test_tiny_model_through_add_pipe(tiny_model_dir: Path, tiny_analyzer) -> None:
    nlp = spacy.blank("en")
    nlp.add_pipe("unspin", config={"model": str(tiny_model_dir)})
    doc = nlp(TEXT)
    group = doc.spans["unspin"]
    direct = tiny_analyzer.analyze(TEXT)
    assert [(s.start_char, s.end_char, s.label_) for s in group] == [
        (s.start, s.end, s.technique) for s in direct.spans]  # word-aligned: no change under expand
    assert group.attrs["scores"] == pytest.approx([s.score for s in direct.spans], abs=2e-3)
    assert group.attrs["skipped"] == 0 and group.attrs["model"] == tiny_analyzer.name
    docs = list(nlp.pipe([TEXT, "Nothing here.", TEXT], batch_size=2))
    assert [len(d.spans["unspin"]) for d in docs] == [len(group), len(docs[1].spans["unspin"]), len(group)]


@pytest.mark.parametrize("mode,expected,skipped", [
    ("strict", [(6, 22, "corrupt traitors")], 2),
    ("contract", [(6, 22, "corrupt traitors"), (14, 22, "traitors")], 1),
    ("expand", [(6, 22, "corrupt traitors"), (6, 22, "corrupt traitors"), (40, 52, "great nation")], 0),
])
def test_alignment_policies(mode: str, expected: list, skipped: int) -> None:
    nlp = spacy.blank("en")
    spans = [(6, 22, "Loaded_Language", 0.9),      # on token boundaries
             (9, 22, "Name_Calling", 0.7),         # starts inside "corrupt"
             (42, 50, "Flag-Waving", 0.6)]         # inside "great" and "nation"
    component = UnspinComponent(nlp, analyzer=Fixed(spans), alignment=mode)
    doc = component(nlp.make_doc(TEXT))
    group = doc.spans["unspin"]
    assert [(s.start_char, s.end_char, s.text) for s in group] == expected
    assert group.attrs["skipped"] == skipped and len(group.attrs["scores"]) == len(group)
    assert group.attrs["alignment"] == mode
    with pytest.raises(InputError, match="alignment"):
        UnspinComponent(nlp, analyzer=Fixed([]), alignment="nearest")


def test_entry_point_registers_the_factory(tmp_path: Path, tiny_model_dir: Path) -> None:
    """As pip installs it: a dist-info with the pyproject's entry point; spaCy finds the factory
    though nothing imports unspin.spacy_component (without the entry point add_pipe fails)."""
    declared = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["entry-points"]
    target = declared["spacy_factories"]["unspin"]
    info = tmp_path / "unspin_probe-0.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: unspin-probe\nVersion: 0.0\n")
    (info / "entry_points.txt").write_text(f"[spacy_factories]\nunspin = {target}\n")
    code = ("import spacy; nlp = spacy.blank('en'); "
            f"nlp.add_pipe('unspin', config={{'model': {str(tiny_model_dir)!r}}}); "
            "doc = nlp('These corrupt traitors lie.'); print(nlp.pipe_names, 'unspin' in doc.spans)")
    env = {"PYTHONPATH": f"{tmp_path}:{ROOT / 'src'}", "PATH": "/usr/bin:/bin", "HOME": str(tmp_path),
           "UNSPIN_HOME": str(tmp_path / "home"), "UNSPIN_BACKEND": "onnx-fp32"}

    def run() -> subprocess.CompletedProcess:
        cmd = [sys.executable, "-c", code]
        return subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=300)

    out = run()
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.strip() == "['unspin'] True"
    installed = {ep.name: ep.value for ep in entry_points(group="spacy_factories")}
    if "unspin" in installed:  # this environment installed unspin with its entry point (as CI does)
        assert installed["unspin"] == target
        return
    (info / "entry_points.txt").write_text("[spacy_factories]\n")
    missing = run()
    assert missing.returncode != 0 and "unspin" in missing.stderr
