"""Imports flow downward: the core never imports upper layers; store never imports the model
packages; runtime imports neither tuning nor training, tuning never imports training; torch
stays in runtime's torch backend and ONNX export; nothing imports cli; `import unspin` stays
light, and analyzing with the ONNX backend works with torch absent."""

import ast
import subprocess
import sys
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src" / "unspin"
CORE = {"doc", "taxonomy", "scoring", "errors", "render", "io", "review", "config"}
MODEL = {"unspin.runtime", "unspin.tuning", "unspin.training", "unspin.testing"}
FORBIDDEN = {
    "core": MODEL | {"unspin.web", "unspin.store", "unspin.batch", "unspin.cli", "unspin.pipeline"},
    "store": MODEL | {"unspin.web", "unspin.cli"},
    "web": MODEL | {"unspin.cli"},
    "runtime": {"unspin.tuning", "unspin.training", "unspin.testing", "unspin.pipeline"},
    "tuning": {"unspin.training", "unspin.testing", "unspin.pipeline"},
    "training": {"unspin.testing", "unspin.pipeline"},
    "any": {"unspin.cli"},
}
TORCH = ("torch", "transformers", "safetensors.torch")
# The runtime modules allowed to import torch: the torch backend, its network and weights, the export.
TORCH_IN_RUNTIME = {"backends/torch.py", "backends/network.py", "backends/weights.py", "export/onnx.py"}


def imports_of(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


def _hits(name: str, forbidden: set[str] | tuple[str, ...]) -> bool:
    return any(name == f or name.startswith(f + ".") for f in forbidden)


def test_imports_flow_downward():
    bad = []
    for path in SRC.rglob("*.py"):
        rel = path.relative_to(SRC)
        top = rel.parts[0].removesuffix(".py")
        layers = ["any"] if top not in ("cli", "__main__") else []  # __main__: `python -m unspin`
        if top in CORE:
            layers.append("core")
        if top in ("store", "web", "runtime", "tuning", "training"):
            layers.append(top)
        for layer in layers:
            for name in imports_of(path):
                if _hits(name, FORBIDDEN[layer]):
                    bad.append(f"{rel} imports {name} ({layer})")
    assert not bad, bad


def test_torch_only_where_allowed():
    bad = []
    for path in SRC.rglob("*.py"):
        rel = path.relative_to(SRC)
        top = rel.parts[0].removesuffix(".py")
        inner = "/".join(rel.parts[1:])
        if top in ("training", "testing", "cli") or (top == "runtime" and inner in TORCH_IN_RUNTIME):
            continue
        bad += [f"{rel} imports {n}" for n in imports_of(path) if _hits(n, TORCH)]
    assert not bad, bad


def test_import_unspin_is_light():
    code = "import sys, unspin; print(any(m.startswith(('torch', 'transformers')) for m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_analyze_without_torch(tiny_model_dir: Path):
    """With the ONNX export cached, analyzing needs neither torch nor transformers: a process
    where importing them fails still analyzes (and the tiny model's export is made first)."""
    import unspin

    unspin.load(tiny_model_dir).analyze("Warm the ONNX cache.")  # exports with torch, once
    code = (
        "import sys\n"
        "class Block:\n"
        "    def find_spec(self, name, path=None, target=None):\n"
        "        if name.split('.')[0] in ('torch', 'transformers'):\n"
        "            raise ImportError(f'{name} is blocked in this test')\n"
        "sys.meta_path.insert(0, Block())\n"
        "import unspin\n"
        f"a = unspin.load({str(tiny_model_dir)!r}).analyze('These corrupt traitors will destroy us!')\n"
        "print(type(a).__name__, any(m.startswith('torch') for m in sys.modules))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.split() == ["Analysis", "False"]
