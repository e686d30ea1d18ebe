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
    """Keep ONNX exports and other caches of the test run out of the user's cache."""
    old = os.environ.get("UNSPIN_HOME")
    os.environ["UNSPIN_HOME"] = str(tmp_path_factory.mktemp("unspin-home"))
    yield
    if old is None:
        os.environ.pop("UNSPIN_HOME", None)
    else:
        os.environ["UNSPIN_HOME"] = old


@pytest.fixture(scope="session")
def ptc_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_ptc(tmp_path_factory.mktemp("ptc"))


@pytest.fixture(scope="session")
def tiny_model_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from unspin.models.tiny import build_tiny_model

    return build_tiny_model(tmp_path_factory.mktemp("tiny") / "model")


@pytest.fixture(scope="session")
def tiny_analyzer(tiny_model_dir: Path):
    import unspin

    return unspin.load(tiny_model_dir)


@pytest.fixture
def articles() -> dict:
    return ARTICLES
