"""Shared fixtures: PTC-format fixture articles and a tiny random-init model."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from fixtures_ptc import ARTICLES, write_ptc


@pytest.fixture(scope="session", autouse=True)
def _own_cache(tmp_path_factory: pytest.TempPathFactory):
    """Keep the test run's caches (ONNX exports) out of the user's, and use fp32; the
    installed base encoders (MPNet, for the accurate tier) are shared, read-only."""
    from unspin.runtime.bases import cache_dir

    bases = cache_dir() / "bases"
    old = {k: os.environ.get(k) for k in ("UNSPIN_HOME", "UNSPIN_BACKEND")}
    home = tmp_path_factory.mktemp("unspin-home")
    if bases.is_dir():
        (home / "bases").symlink_to(bases, target_is_directory=True)
    os.environ["UNSPIN_HOME"] = str(home)
    # fp32 results do not depend on what is batched together (int8 is tested on its own).
    os.environ["UNSPIN_BACKEND"] = "onnx-fp32"
    yield
    for key, value in old.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value


@pytest.fixture(autouse=True)
def _own_techniques(monkeypatch: pytest.MonkeyPatch):
    """Each test starts knowing PTC's techniques only: those an adapted model makes known to
    the process (`taxonomy.register`, also in a module's fixture) stay out of other tests, so
    no test depends on which ran before it."""
    from unspin import taxonomy

    monkeypatch.setattr(taxonomy, "_REGISTERED", {})
    monkeypatch.setattr(taxonomy, "_REGISTERED_ALIASES", {})


@pytest.fixture(scope="session")
def ptc_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_ptc(tmp_path_factory.mktemp("ptc"))


@pytest.fixture(scope="session")
def tiny_model_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from unspin.testing.tiny import build_tiny_model

    return build_tiny_model(tmp_path_factory.mktemp("tiny") / "model")


@pytest.fixture(scope="session")
def tiny_analyzer(tiny_model_dir: Path):
    import unspin

    return unspin.load(tiny_model_dir)


@pytest.fixture
def articles() -> dict:
    return ARTICLES
