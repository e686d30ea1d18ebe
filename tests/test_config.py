"""Every UNSPIN_* variable is read in `unspin.config` and documented; tiers resolve in one place."""

import re
from pathlib import Path

import pytest

from unspin import config

ROOT = Path(__file__).resolve().parents[1]
SRC = ROOT / "src" / "unspin"


def test_model_resolution(monkeypatch):
    monkeypatch.delenv("UNSPIN_MODEL", raising=False)
    assert config.model_name() == "accurate"
    assert config.model_path("fast") == config.shipped_model_path("fast")
    assert config.model_path("/some/folder") == Path("/some/folder")
    monkeypatch.setenv("UNSPIN_MODEL", "fast")
    assert config.model_name() == "fast"
    assert config.model_name("accurate") == "accurate"  # explicit wins over the environment


def test_numbers_and_backends(monkeypatch):
    monkeypatch.setenv("UNSPIN_THREADS", "3")
    assert config.threads() == 3 and config.threads(1) == 1
    monkeypatch.setenv("UNSPIN_THREADS", "many")
    with pytest.raises(ValueError, match="UNSPIN_THREADS must be a whole number"):
        config.threads()
    monkeypatch.setenv("UNSPIN_BACKEND", "gpu")
    with pytest.raises(ValueError, match="Unknown backend 'gpu'"):
        config.backend()
    assert config.backend("torch") == "torch"
    monkeypatch.delenv("UNSPIN_MAX_CHARS", raising=False)
    assert config.max_chars() == config.MAX_CHARS
    with pytest.raises(KeyError, match="UNSPIN_NOPE is not one of"):
        config.env("UNSPIN_NOPE")


def test_variables_are_read_only_in_config():
    """No module but config (and the web settings' UNSPIN_WEB_* family) reads os.environ for
    an UNSPIN_* variable."""
    reads = re.compile(r"environ(?:\.get)?\(?\[?\s*[\"'](UNSPIN_(?!WEB_)[A-Z_]+)")
    bad = [f"{p.relative_to(SRC)}: {m}" for p in SRC.rglob("*.py") if p.name != "config.py"
           for m in reads.findall(p.read_text())]
    assert not bad, bad


def test_every_variable_is_documented():
    doc = (ROOT / "docs" / "cli.md").read_text()
    missing = [v.name for v in config.VARIABLES if f"`{v.name}`" not in doc]
    assert not missing, missing
