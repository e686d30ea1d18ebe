"""The model folder: one reader and writer of config.json, with errors that name the key."""

import json
import shutil
from pathlib import Path

import pytest

from unspin.errors import ModelNotFoundError
from unspin.runtime.folder import FORMAT, ModelFolder


def _copy(tiny_model_dir: Path, tmp_path: Path) -> Path:
    out = tmp_path / "m"
    shutil.copytree(tiny_model_dir, out)
    return out


def _set(folder: Path, **keys) -> None:
    config = json.loads((folder / "config.json").read_text())
    config.update(keys)
    (folder / "config.json").write_text(json.dumps(config))


def test_reads_the_tiny_model(tiny_model_dir: Path):
    folder = ModelFolder.read(tiny_model_dir)
    assert folder.config["format"] == FORMAT
    assert not folder.is_fused
    assert folder.settings().max_len == folder.config["settings"]["max_len"]


@pytest.mark.parametrize(
    ("keys", "message"),
    [
        ({"format": 2}, "newer than this unspin's 1"),
        ({"format": "1"}, '"format" must be 1'),
        ({"hidden": "64"}, '"hidden" must be a whole number, found "64"'),
        ({"techniques": "Loaded_Language"}, '"techniques" must be a list'),
        ({"backend": "gpu"}, '"backend" must be auto or onnx or onnx-fp32 or torch, found "gpu"'),
        ({"saw_report": "yes"}, '"saw_report" must be true or false or null'),
        ({"int8_outliers": {"/attention/": [1]}}, '"int8_outliers" splits MatMuls'),
    ],
)
def test_a_bad_key_is_named(tiny_model_dir: Path, tmp_path: Path, keys: dict, message: str):
    folder = _copy(tiny_model_dir, tmp_path)
    _set(folder, **keys)
    with pytest.raises(ModelNotFoundError, match=message.replace("(", r"\(")):
        ModelFolder.read(folder)


def test_unknown_setting_and_missing_files(tiny_model_dir: Path, tmp_path: Path):
    folder = _copy(tiny_model_dir, tmp_path)
    config = json.loads((folder / "config.json").read_text())
    config["settings"]["batch_rows"] = 8
    (folder / "config.json").write_text(json.dumps(config))
    with pytest.raises(ModelNotFoundError, match='unknown key "batch_rows"'):
        ModelFolder.read(folder)
    with pytest.raises(ModelNotFoundError, match="is not an unspin model"):
        ModelFolder.read(tmp_path / "nowhere")
    (folder / "config.json").write_text("{not json")
    with pytest.raises(ModelNotFoundError, match="not valid JSON"):
        ModelFolder.read(folder)
    good = _copy(tiny_model_dir, tmp_path / "again")
    (good / "weights.npz").unlink()
    with pytest.raises(ModelNotFoundError, match=r"no weights\.npz"):
        ModelFolder.read(good)


def test_fused_members_are_checked(tiny_model_dir: Path, tmp_path: Path):
    shutil.copytree(tiny_model_dir, tmp_path / "a")
    fused = tmp_path / "fused"
    fused.mkdir()
    (fused / "config.json").write_text(json.dumps({"format": 1, "fuse": ["../a", "../b"]}))
    with pytest.raises(ModelNotFoundError, match=r"names '\.\./b', which is not a model folder"):
        ModelFolder.read(fused)
    shutil.copytree(tiny_model_dir, tmp_path / "b")
    folder = ModelFolder.read(fused)
    assert folder.members == [fused / "../a", fused / "../b"]
    (fused / "config.json").write_text(json.dumps({"format": 1, "fuse": ["../a", "../b"], "views": [1]}))
    with pytest.raises(ModelNotFoundError, match='"views" needs 1 or 2'):
        ModelFolder.read(fused)


def test_write_round_trips_and_refuses_bad_settings(tiny_model_dir: Path, tmp_path: Path):
    folder = ModelFolder.read(_copy(tiny_model_dir, tmp_path))
    folder.update_settings(threshold=0.37)
    folder.config["name"] = "renamed"
    folder.write()
    again = ModelFolder.read(folder.path)
    assert again.settings().threshold == 0.37 and again.name == "renamed"
    assert not list(folder.path.glob(".config-*"))  # the temporary file is gone
    with pytest.raises(KeyError, match="Not a setting: batch_rows"):
        folder.update_settings(batch_rows=8)
    folder.config["hidden"] = "wide"
    with pytest.raises(ModelNotFoundError, match='"hidden"'):
        folder.write()
    assert ModelFolder.read(folder.path).config["hidden"] != "wide"  # nothing half-written
